"""Alignment: from pairs of similar chunks (seeds) to passages, one per copied or paraphrased stretch of text.

A seed says "chunk ``query`` of the submission resembles chunk ``position`` of source document ``source``".
A copied paragraph gives a run of seeds whose submission chunks follow each other and whose source chunks
sit close together; ``merge_seeds`` joins each such run into one ``Passage``, so one paragraph gives one
match, not five. Seeds of the same source that jump elsewhere in the source start a new passage: a
submission that stitches together paragraphs from all over a source gets one passage per paragraph.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby

import numpy as np


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
    score: float  # mean best similarity of the matching submission sentences


def align_sentences(
    query_vectors: np.ndarray, source_vectors: np.ndarray, query_groups: Sequence[int], threshold: float
) -> list[SentenceAlignment]:
    """Sentence-level alignment of a candidate passage, one result per group (paragraph) of the submission.

    ``query_vectors`` and ``source_vectors`` are unit vectors of the consecutive sentences of both sides,
    taken a little wider than the matched chunks, so alignment can extend as well as trim. A submission
    sentence matches when it resembles some source sentence at least ``threshold``; per paragraph, the run
    from its first to its last matching sentence is kept, aligned to the source sentences those resemble
    most (``_places_in_reading_order``). A passage spanning several paragraphs thus gives one match per paragraph.
    """
    similarity = query_vectors @ source_vectors.T
    best = similarity.max(axis=1)
    hits = np.flatnonzero(best >= threshold)
    best_at = _places_in_reading_order(similarity, best, hits)
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
                score=float(best[members].mean()),
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
