"""Alignment: from pairs of similar chunks (seeds) to passages, one per copied or paraphrased stretch of text,
then sentence by sentence, the best place of each stretch in its source, and stretches joined into matches.

A seed says "chunk ``query`` of the submission resembles chunk ``position`` of source document ``source``".
A copied paragraph gives a run of seeds whose submission chunks follow each other and whose source chunks
sit close together; ``merge_seeds`` joins each such run into one ``Passage``, so one paragraph gives one
match, not five. Seeds of the same source that jump elsewhere in the source start a new passage: a
submission that stitches together paragraphs from all over a source gets one passage per paragraph.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby

import numpy as np

from plagdetect.store.documents import SourceText
from plagdetect.text.chunking import Window, paragraph_spans
from plagdetect.text.spans import Span


@dataclass(frozen=True)
class Seed:
    query: int  # index of the submission's chunk
    source: int  # source document id
    position: int  # ordinal of the source chunk within its document
    score: float  # similarity of the two chunks


@dataclass
class Passage:
    """A run of seeds: submission chunks ``first_query..last_query`` resemble source chunks ``first..last``."""

    source: int
    first_query: int
    last_query: int
    first_position: int
    last_position: int
    best: float
    total: float
    seeds: int

    @classmethod
    def start(cls, seed: Seed) -> Passage:
        return cls(seed.source, seed.query, seed.query, seed.position, seed.position, seed.score, seed.score, 1)

    def accepts(self, seed: Seed, max_query_gap: int, max_position_gap: int) -> bool:
        return (
            seed.query - self.last_query <= max_query_gap
            and self.first_position - max_position_gap <= seed.position <= self.last_position + max_position_gap
        )

    def add(self, seed: Seed) -> None:
        self.last_query = max(self.last_query, seed.query)
        self.first_position = min(self.first_position, seed.position)
        self.last_position = max(self.last_position, seed.position)
        self.best = max(self.best, seed.score)
        self.total += seed.score
        self.seeds += 1

    @property
    def mean(self) -> float:
        return self.total / self.seeds


def merge_seeds(seeds: Iterable[Seed], max_query_gap: int = 2, max_position_gap: int = 3) -> list[Passage]:
    """Join seeds into passages, per source document, in submission order.

    A seed joins the most recent passage of its source whose last submission chunk is at most
    ``max_query_gap`` chunks back and whose source chunks are within ``max_position_gap`` of the seed's.
    """
    by_source: dict[int, list[Seed]] = defaultdict(list)
    for seed in seeds:
        by_source[seed.source].append(seed)
    passages: list[Passage] = []
    for source_seeds in by_source.values():
        open_passages: list[Passage] = []
        for seed in sorted(source_seeds, key=lambda s: (s.query, -s.score)):
            home = next(
                (p for p in reversed(open_passages) if p.accepts(seed, max_query_gap, max_position_gap)),
                None,
            )
            if home is None:
                open_passages.append(Passage.start(seed))
            else:
                home.add(seed)
        passages.extend(open_passages)
    return sorted(passages, key=lambda p: (p.first_query, p.source))


@dataclass(frozen=True)
class SentenceAlignment:
    """Sentence ranges (inclusive indices into the lists given to ``align_sentences``) that match."""

    first_query: int
    last_query: int
    first_source: int
    last_source: int
    score: float  # mean similarity of the matching submission sentences to their places
    copied: float = 0.0  # share of the matching submission sentences found copied by the lexical path
    counterparts: tuple[int, ...] = ()  # the source sentences that are the matching sentences' places, ascending


def align_sentences(
    query_vectors: np.ndarray,
    source_vectors: np.ndarray,
    query_groups: Sequence[int],
    threshold: float,
    lexical: np.ndarray | None = None,
) -> list[SentenceAlignment]:
    """Sentence-level alignment of a candidate passage, one result per group (paragraph) of the submission.

    ``query_vectors`` and ``source_vectors`` are unit vectors of the consecutive sentences of both sides,
    taken a little wider than the matched chunks, so alignment can extend as well as trim. A submission
    sentence matches when it resembles some source sentence at least ``threshold``; per paragraph, the run
    from its first to its last matching sentence is kept, aligned to the source sentences those resemble
    most (``_places_in_reading_order``). A passage spanning several paragraphs thus gives one match per paragraph.

    ``lexical``: (submission sentence, source sentence) pairs found copied (``detection.lexical``), as a boolean
    matrix like the similarities. Such a submission sentence matches whatever its similarity, at the most similar
    of the source sentences it was copied from: a copy does not depend on the bi-encoder.
    """
    similarity = query_vectors @ source_vectors.T
    ranked = similarity if lexical is None else np.where(lexical, similarity + 2.0, similarity)  # copies first
    best = ranked.max(axis=1)
    hits = np.flatnonzero(best >= threshold)
    best_at = _places_in_reading_order(ranked, best, hits)
    copied = np.zeros(len(similarity), dtype=bool) if lexical is None else lexical.any(axis=1)
    alignments = []
    for _, run in groupby(hits, key=lambda i: query_groups[i]):
        members = np.fromiter(run, dtype=np.int64)
        sources = best_at[members]
        alignments.append(
            SentenceAlignment(
                first_query=int(members[0]),
                last_query=int(members[-1]),
                first_source=int(sources.min()),
                last_source=int(sources.max()),
                score=float(similarity[members, sources].mean()),
                copied=float(copied[members].mean()),
                counterparts=tuple(sorted({int(j) for j in sources})),
            )
        )
    return alignments


TIE = 1e-6  # similarities this close are the same: the same sentence met twice


def _places_in_reading_order(similarity: np.ndarray, best: np.ndarray, hits: np.ndarray) -> np.ndarray:
    """The source sentence each submission sentence resembles most; of equally good ones, the one in reading order.

    A source may repeat a sentence or a whole paragraph word for word; a writer copies front to back, so the
    copy taken is the first at or after the place of the matching sentence before it. Before any sentence
    with a single best place, the copy taken is the last at or before that sentence's place.
    """
    places = similarity.argmax(axis=1)
    tied = similarity >= best[:, None] - TIE
    single = [int(i) for i in hits if tied[i].sum() == 1]
    previous: int | None = None
    for i in hits:
        options = np.flatnonzero(tied[i])
        if len(options) > 1:
            if previous is not None:
                after = options[options >= previous]
                places[i] = after[0] if len(after) else options[-1]
            else:
                following = next((places[k] for k in single if k > i), None)
                before = options if following is None else options[options <= following]
                places[i] = before[-1] if following is not None and len(before) else options[0]
        previous = int(places[i])
    return places


# ----- passages to aligned sentence runs -------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A source document as alignment reads it: its stored text and chunk spans, sentence units and vectors."""

    document: SourceText
    sentences: list[Span]  # sentence units
    vectors: np.ndarray  # one per sentence unit

    @property
    def id(self) -> int:
        return self.document.id

    @property
    def text(self) -> str:
        return self.document.text


def sentence_range(sentences: list[Span], span: Span, margin: int = 1) -> range:
    """Indices of the sentences overlapping ``span``, widened by ``margin`` sentences on each side."""
    inside = [i for i, (start, end) in enumerate(sentences) if start < span[1] and end > span[0]]
    if not inside:
        return range(0)
    return range(max(0, inside[0] - margin), min(len(sentences), inside[-1] + 1 + margin))


def align_passages(
    text: str,
    sentences: list[Span],
    windows: list[Window],
    sentence_vectors: np.ndarray,
    passages: list[Passage],
    sources: dict[int, Source],
    trim_threshold: float,
    lexical: dict[int, set[tuple[int, int]]] | None = None,
) -> list[Aligned]:
    """Each passage aligned sentence by sentence (one sentence of margin on both sides), per submission paragraph.

    ``text``, ``sentences``, ``windows``, ``sentence_vectors``: the submission's normalised text, sentence units,
    search windows and the units' vectors. ``lexical``: per source, the (submission sentence, source sentence)
    pairs found copied (``detection.lexical.sentence_pairs``). Passages whose source is gone are skipped.
    """
    lexical = lexical or {}
    plans = []
    for passage in passages:
        source = sources.get(passage.source)
        if source is None or passage.first_position not in source.document.chunk_spans:
            continue  # deleted meanwhile
        spans = source.document.chunk_spans
        sub_range = sentence_range(sentences, (windows[passage.first_query].start, windows[passage.last_query].end))
        src_span = (spans[passage.first_position][0], spans[passage.last_position][1])
        plans.append((source, sub_range, sentence_range(source.sentences, src_span)))
    paragraph_starts = [start for start, _ in paragraph_spans(text)]
    aligned: list[Aligned] = []
    for source, sub_range, src_range in plans:
        sub_vectors = sentence_vectors[sub_range.start : sub_range.stop]
        src_vectors = source.vectors[src_range.start : src_range.stop]
        paragraphs = [bisect_right(paragraph_starts, sentences[i][0]) for i in sub_range]
        copies = _pair_matrix(lexical.get(source.id, set()), sub_range, src_range)
        for found in align_sentences(sub_vectors, src_vectors, paragraphs, trim_threshold, copies):
            aligned.append(
                Aligned(
                    source=source,
                    first_query=sub_range[found.first_query],
                    last_query=sub_range[found.last_query],
                    first_source=src_range[found.first_source],
                    last_source=src_range[found.last_source],
                    score=found.score,
                    copied=found.copied,
                    counterparts=frozenset(src_range[j] for j in found.counterparts),
                )
            )
    return aligned


def _pair_matrix(pairs: set[tuple[int, int]], rows: range, columns: range) -> np.ndarray | None:
    """The (row, column) pairs that fall in ``rows`` x ``columns`` as a boolean matrix over them; None if none do."""
    matrix = np.zeros((len(rows), len(columns)), dtype=bool)
    for i, j in pairs:
        if i in rows and j in columns:
            matrix[i - rows.start, j - columns.start] = True
    return matrix if matrix.any() else None


@dataclass(frozen=True)
class Aligned:
    """One paragraph of the submission aligned with sentences of a source (global sentence indices)."""

    source: Source
    first_query: int
    last_query: int
    first_source: int
    last_source: int
    score: float
    rerank_score: float | None = None
    copied: float = 0.0  # share of its submission sentences found copied by the lexical path
    # The source sentences its sentences resemble most, their own counterparts (``detection.evidence``).
    counterparts: frozenset[int] = frozenset()

    @property
    def decided(self) -> bool:
        """Mostly copied word for word: a match whatever the reranker would say, so it does not read it."""
        return self.copied >= 0.5


def best_per_stretch(aligned: list[Aligned]) -> list[Aligned]:
    """Of alignments of the same source sharing most of their submission sentences, the best one.

    A passage comes from one place of a source; a second place that resembles it is a look-alike. When places
    score the same (a source that repeats a paragraph word for word), ``in_reading_order`` chooses.
    """
    kept: list[Aligned] = []
    ties: dict[int, list[Aligned]] = {}  # id of a kept alignment -> the places that score as well (within TIE)
    for candidate in sorted(aligned, key=lambda a: (-a.score, a.source.id, a.first_source)):
        winner = next(
            (other for other in kept if other.source.id == candidate.source.id and _mostly_shared(other, candidate)),
            None,
        )
        if winner is None:
            kept.append(candidate)
            ties[id(candidate)] = [candidate]
        elif abs(candidate.score - winner.score) <= TIE and (candidate.first_query, candidate.last_query) == (
            winner.first_query,
            winner.last_query,
        ):
            ties[id(winner)].append(candidate)
    return in_reading_order(kept, ties)


def in_reading_order(kept: list[Aligned], ties: dict[int, list[Aligned]]) -> list[Aligned]:
    """Each alignment with equally good places in its source moved to the place that continues its neighbours.

    A writer copies from a source front to back: of two identical places, the one taken is the first that
    starts after (or just before) where the previous passage from that source ended; for a first passage, the
    last that ends before where the next one starts. With no neighbour in that source, the first place.
    """
    chosen: list[Aligned] = []
    by_source: dict[int, list[Aligned]] = defaultdict(list)
    for a in sorted(kept, key=lambda a: a.first_query):
        by_source[a.source.id].append(a)
    for passages in by_source.values():
        for k, passage in enumerate(passages):
            places = sorted(ties[id(passage)], key=lambda p: p.first_source)
            previous = chosen[-1] if k else None  # this source's passage before, as chosen
            following = passages[k + 1] if k + 1 < len(passages) else None
            if len(places) == 1:
                place = places[0]
            elif previous is not None:
                after = [p for p in places if p.first_source >= previous.last_source - 2]
                place = after[0] if after else places[-1]
            elif following is not None:
                before = [p for p in places if p.last_source <= following.first_source + 2]
                place = before[-1] if before else places[0]
            else:
                place = places[0]
            chosen.append(place)
    return chosen


def _mostly_shared(a: Aligned, b: Aligned) -> bool:
    shared = min(a.last_query, b.last_query) - max(a.first_query, b.first_query) + 1
    shorter = min(a.last_query - a.first_query, b.last_query - b.first_query) + 1
    return shared > 0 and 2 * shared >= shorter


def join(aligned: list[Aligned], sentence_gap: int, source_gap: int) -> list[list[Aligned]]:
    """Consecutive alignments of one source become one match when they continue each other on both sides.

    That is: at most ``sentence_gap`` unmatched submission sentences between them, and the second starting
    at most ``source_gap`` sentences after the first ends in the source (or slightly before it).
    """
    groups: list[list[Aligned]] = []
    for item in sorted(aligned, key=lambda a: (a.source.id, a.first_query)):
        last = groups[-1][-1] if groups else None
        if (
            last is not None
            and last.source.id == item.source.id
            and item.first_query - last.last_query - 1 <= sentence_gap
            and -2 <= item.first_source - last.last_source <= source_gap
        ):
            groups[-1].append(item)
        else:
            groups.append([item])
    return sorted(groups, key=lambda g: (g[0].first_query, g[0].source.id))
