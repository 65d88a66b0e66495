"""Checking a submission against the corpus: the pipeline of a Check, and its stored result.

    chunks of the submission -> index search (restricted to the chosen collection, the submission itself and
    excluded sources left out) -> seeds above the bi-encoder threshold -> passages (align.merge_seeds)
    -> sentence boundaries (align.align_sentences) -> cross-encoder score of each aligned paragraph, those
    below the threshold dropped (rerank) -> paragraphs joined into matches -> exclusions (quotes,
    bibliography, short matches) -> verbatim or paraphrase (overlap.word_overlap) -> the words each match's
    passages share (explain) -> similarity index and per-source shares -> stored

Offsets in a ``MatchResult`` refer to normalised texts (the submission's and the source's); the
``*_original`` spans refer to the texts as extracted, for highlighting and for PAN output.
"""

from __future__ import annotations

import logging
import time
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select

from plagdetect.detection.align import TIE, Passage, Seed, align_sentences, merge_seeds
from plagdetect.detection.exclusions import bibliography_span, quoted_spans
from plagdetect.detection.overlap import word_overlap
from plagdetect.encoders.cross_encoder import Reranker, load_reranker
from plagdetect.encoders.splade import Explainer, Token, load_explainer
from plagdetect.errors import PlagDetectError
from plagdetect.services.corpus import Corpus
from plagdetect.store import Check, Chunk, Collection, Document, Match
from plagdetect.text.chunking import paragraph_spans
from plagdetect.text.extract import read_file
from plagdetect.text.normalize import OffsetMap
from plagdetect.text.prepare import PreparedDocument, cut_text, embed_cut, prepare_document
from plagdetect.text.spans import Span, covered_length, merge_spans, strip_span, subtract_spans, word_count

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]  # told each stage of a check as it begins


@dataclass(frozen=True)
class CheckOptions:
    """What a check searches and what it leaves out."""

    collection: str | None = None  # None: the whole corpus
    exclude_quotes: bool = True
    exclude_bibliography: bool = True
    min_match_words: int | None = None  # None: the setting's default
    excluded_sources: frozenset[int] = frozenset()  # document ids
    exclude_same_author: bool = False  # leave out other documents by the submission's author
    author: str | None = None  # the submission's author: needed by exclude_same_author
    rerank_threshold: float | None = None  # None: the setting's default


@dataclass(frozen=True)
class Segment:
    """One paragraph's part of a match: where it sits on both sides and how it was reused."""

    submission_span: Span
    source_span: Span
    kind: str  # verbatim | paraphrase
    coverage: float
    score: float  # bi-encoder: mean best sentence similarity
    rerank_score: float | None = None  # cross-encoder, when reranking is on
    tokens: list[Token] = field(default_factory=list)  # words both sides share (explainer)


@dataclass(frozen=True)
class MatchResult:
    """A passage of the submission found in a source document (one or more paragraphs, in ``segments``)."""

    source_id: int
    source_title: str
    source_collection: str
    submission_span: Span  # in the normalised submission text
    source_span: Span  # in the source's normalised text
    submission_original: Span  # in the submission as extracted
    source_original: Span  # in the source as extracted
    score: float  # bi-encoder: mean best sentence similarity
    rerank_score: float | None  # cross-encoder (mean over segments), when reranking is on
    kind: str  # verbatim | paraphrase
    coverage: float  # share of the submission passage's words in word runs shared with the source
    shared: list[tuple[Span, Span]]  # exact shared word runs: (submission span, source span), absolute
    segments: list[Segment]
    submission_text: str
    source_text: str
    tokens: list[Token] = field(default_factory=list)  # words both sides share most (explainer)


@dataclass(frozen=True)
class SourceShare:
    document_id: int
    title: str
    collection: str
    share: float  # of the submission's characters
    matches: int


@dataclass
class CheckReport:
    """The result of a check, as stored and as shown."""

    check_id: int | None
    filename: str
    text: str
    similarity: float  # share of the submission's characters inside matches
    sources: list[SourceShare]
    matches: list[MatchResult]
    excluded: dict[str, list[Span]]
    integrity: list[str]
    timings: dict[str, float]
    model_versions: dict[str, str | None]
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_file(
    corpus: Corpus, path: str | Path, options: CheckOptions = CheckOptions(), user_id: int | None = None
) -> CheckReport:
    """Check a file on disk (see ``check_bytes``)."""
    path = Path(path)
    return check_bytes(corpus, read_file(path, int(corpus.settings.max_file_mb * 2**20)), path.name, options, user_id)


def check_bytes(
    corpus: Corpus,
    data: bytes,
    filename: str,
    options: CheckOptions = CheckOptions(),
    user_id: int | None = None,
    progress: Progress | None = None,
) -> CheckReport:
    """Check one submission against the corpus and store the Check with its Matches.

    ``progress`` is told, in words, each stage as it begins (the app shows them while a check runs).
    """
    say = progress or (lambda _stage: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 4)
        clock = now

    settings = corpus.settings
    threshold = settings.rerank_threshold if options.rerank_threshold is None else options.rerank_threshold
    if not 0.0 <= threshold <= 1.0:
        raise PlagDetectError("The reranker threshold must lie between 0 and 1.")
    reranker = load_reranker(settings.resolved_cross_encoder, settings.device) if settings.rerank else None
    explainer = load_explainer(settings.resolved_splade, settings.device) if settings.explain else None
    say(f"Reading {filename}")
    prepared = prepare_document(data, filename, replace(settings, chunk_stride=settings.query_stride))
    lap("prepare")
    allowed, excluded_ids = _allowed_chunks(corpus, prepared, options)
    say(f"Embedding {len(prepared.sentences)} sentences and searching the corpus")
    submission_encoder = corpus.submission_encoder
    sentence_vectors, vectors = embed_cut(
        submission_encoder, prepared.normalized.text, prepared.sentences, prepared.chunks
    )
    lap("embed")
    seeds = _seeds(corpus, vectors, allowed)
    lap("search")
    passages = merge_seeds(seeds, settings.merge_query_gap, settings.merge_position_gap)
    excluded = excluded_spans(prepared.normalized.text, options)
    min_words = settings.min_match_words if options.min_match_words is None else options.min_match_words
    minimums = (min_words, max(min_words, settings.min_paraphrase_words))
    say(f"Aligning {len(passages)} candidate passages sentence by sentence" + (" and reranking" if reranker else ""))
    excluded_text = merge_spans(sum(excluded.values(), []))
    matches = _refine(corpus, prepared, sentence_vectors, passages, excluded_text, minimums, reranker, threshold)
    lap("align")
    if explainer is not None:
        say(f"Explaining {len(matches)} matches")
        matches = _explain(explainer, matches, settings.explain_tokens)
        lap("explain")
    versions = {
        "bi-encoder": corpus.encoder_version,
        "bi-encoder runtime (submission)": submission_encoder.runtime,
        "cross-encoder": reranker.version if reranker else None,
        "splade": explainer.version if explainer else None,
    }
    say("Saving the report")
    report = _report(corpus, prepared, matches, excluded, timings, options, versions)
    report.check_id = _store(corpus, prepared, report, options, user_id)
    lap("store")
    report.timings = timings
    logger.info("Checked %s: %.1f%% in %d matches (%s)", filename, 100 * report.similarity, len(matches), excluded_ids)
    return report


# ----- candidates ----------------------------------------------------------------------------------------


def _allowed_chunks(corpus: Corpus, prepared: PreparedDocument, options: CheckOptions) -> tuple[set[int] | None, set]:
    """Chunk ids a check may match (None: all), and the ids of the documents left out."""
    with corpus.sessions() as session:
        excluded = set(options.excluded_sources)
        excluded |= set(session.scalars(select(Document.id).where(Document.sha256 == prepared.sha256)))
        if options.exclude_same_author:
            # Metadata authors are unreliable ("python-docx", "Microsoft Office User"): only a name given counts.
            if not (options.author or "").strip():
                raise PlagDetectError("Leaving out the author's own documents needs the author's name.")
            author = options.author.strip().casefold()
            excluded |= set(
                session.scalars(select(Document.id).where(func.lower(func.trim(Document.author)) == author))
            )
        if options.collection is None and not excluded:
            return None, excluded
        query = select(Chunk.id).join(Document)
        if options.collection is not None:
            collection = session.scalar(select(Collection.id).where(Collection.name == options.collection))
            if collection is None:
                raise PlagDetectError(f"No collection named '{options.collection}'.")
            query = query.where(Document.collection_id == collection)
        if excluded:
            query = query.where(Document.id.not_in(excluded))
        return set(session.scalars(query)), excluded


def _seeds(corpus: Corpus, vectors: np.ndarray, allowed: set[int] | None) -> list[Seed]:
    ids, scores = corpus.index.search(vectors, corpus.settings.neighbours, allowed=allowed)
    keep = scores >= corpus.settings.seed_threshold
    hit_ids = sorted({int(i) for i in ids[keep]})
    with corpus.sessions() as session:
        rows = {
            row.id: (row.document_id, row.ordinal)
            for row in session.execute(select(Chunk.id, Chunk.document_id, Chunk.ordinal).where(Chunk.id.in_(hit_ids)))
        }
    seeds = [
        Seed(query=q, source=rows[int(i)][0], position=rows[int(i)][1], score=float(s))
        for q in range(len(ids))
        for i, s, k in zip(ids[q], scores[q], keep[q], strict=True)
        if k and int(i) in rows
    ]
    return seeds


# ----- passages to matches -------------------------------------------------------------------------------


@dataclass
class _Source:
    """What alignment needs of a source document."""

    id: int
    title: str
    collection: str
    text: str
    original: str
    offsets: OffsetMap
    chunk_spans: dict[int, Span]  # ordinal -> span
    sentences: list[Span]  # sentence units
    vectors: np.ndarray  # one per sentence unit


def _load_sources(corpus: Corpus, passages: list[Passage]) -> dict[int, _Source]:
    ids = sorted({p.source for p in passages})
    stored = corpus.sentence_vectors(ids)
    sources: dict[int, _Source] = {}
    with corpus.sessions() as session:
        for document in session.scalars(select(Document).where(Document.id.in_(ids))):
            spans = {
                row.ordinal: (row.start, row.end)
                for row in session.execute(
                    select(Chunk.ordinal, Chunk.start, Chunk.end).where(Chunk.document_id == document.id)
                )
            }
            if document.id not in stored:  # not expected: they are written with the chunks
                logger.warning("Document %d has no sentence vectors; embedding its sentences now", document.id)
                units, _ = cut_text(document.text, corpus.settings)
                stored[document.id] = (units, corpus.embed(document.text, units, [])[0])
            sentences, vectors = stored[document.id]
            sources[document.id] = _Source(
                id=document.id,
                title=document.title,
                collection=document.collection.name,
                text=document.text,
                original=document.original_text,
                offsets=OffsetMap.from_bytes(document.offset_map),
                chunk_spans=spans,
                sentences=sentences,
                vectors=vectors,
            )
    return sources


def _sentence_range(sentences: list[Span], span: Span, margin: int = 1) -> range:
    """Indices of the sentences overlapping ``span``, widened by ``margin`` sentences on each side."""
    inside = [i for i, (start, end) in enumerate(sentences) if start < span[1] and end > span[0]]
    if not inside:
        return range(0)
    return range(max(0, inside[0] - margin), min(len(sentences), inside[-1] + 1 + margin))


def _refine(
    corpus: Corpus,
    prepared: PreparedDocument,
    sentence_vectors: np.ndarray,
    passages: list[Passage],
    excluded: list[Span],
    minimums: tuple[int, int],
    reranker: Reranker | None = None,
    rerank_threshold: float = 0.5,
) -> list[MatchResult]:
    """Passages aligned sentence by sentence, reranked, joined into matches, cut around excluded text.

    Passages that do not hold up at sentence level go, and so do those the reranker scores below the
    threshold. ``minimums``: the words a verbatim match and a paraphrase need outside the excluded text.
    ``sentence_vectors``: those of the submission's sentence units.
    """
    if not passages:
        return []
    settings = corpus.settings
    sources = _load_sources(corpus, passages)
    text = prepared.normalized.text
    sub_sentences = prepared.sentences
    chunks = prepared.chunks
    plans = []
    for passage in passages:
        source = sources.get(passage.source)
        if source is None or passage.first_position not in source.chunk_spans:
            continue  # deleted meanwhile
        sub_range = _sentence_range(sub_sentences, (chunks[passage.first_query].start, chunks[passage.last_query].end))
        src_span = (source.chunk_spans[passage.first_position][0], source.chunk_spans[passage.last_position][1])
        plans.append((passage, source, sub_range, _sentence_range(source.sentences, src_span)))

    paragraph_starts = [start for start, _ in paragraph_spans(text)]
    aligned: list[_Aligned] = []
    for _passage, source, sub_range, src_range in plans:
        sub_vectors = sentence_vectors[sub_range.start : sub_range.stop]
        src_vectors = source.vectors[src_range.start : src_range.stop]
        paragraphs = [bisect_right(paragraph_starts, sub_sentences[i][0]) for i in sub_range]
        for found in align_sentences(sub_vectors, src_vectors, paragraphs, settings.trim_threshold):
            aligned.append(
                _Aligned(
                    source=source,
                    first_query=sub_range[found.first_query],
                    last_query=sub_range[found.last_query],
                    first_source=src_range[found.first_source],
                    last_source=src_range[found.last_source],
                    score=found.score,
                )
            )
    aligned = _best_per_stretch(aligned)
    if reranker is not None:
        aligned = _rerank(reranker, aligned, text, sub_sentences, rerank_threshold)
    groups = _join(aligned, settings.join_sentence_gap, settings.join_source_gap)
    matches: list[MatchResult] = []
    for group in groups:
        source = group[0].source
        segments = [
            _segment(
                text,
                source.text,
                (sub_sentences[a.first_query][0], sub_sentences[a.last_query][1]),
                (source.sentences[a.first_source][0], source.sentences[a.last_source][1]),
                a.score,
                settings.verbatim_coverage,
                a.rerank_score,
            )
            for a in group
        ]
        matches.extend(_without_excluded(prepared, source, segments, excluded, minimums, settings.verbatim_coverage))
    return sorted(matches, key=lambda m: (m.submission_span, m.source_id))


@dataclass(frozen=True)
class _Aligned:
    """One paragraph of the submission aligned with sentences of a source (global sentence indices)."""

    source: _Source
    first_query: int
    last_query: int
    first_source: int
    last_source: int
    score: float
    rerank_score: float | None = None


def _rerank(
    reranker: Reranker, aligned: list[_Aligned], text: str, sentences: list[Span], threshold: float
) -> list[_Aligned]:
    """Each alignment with its cross-encoder score; those below ``threshold`` go."""
    scores = reranker.score([_aligned_texts(a, text, sentences) for a in aligned])
    return [
        replace(a, rerank_score=round(float(score), 4))
        for a, score in zip(aligned, scores, strict=True)
        if score >= threshold
    ]


def _aligned_texts(a: _Aligned, text: str, sentences: list[Span]) -> tuple[str, str]:
    """The submission's and the source's sentences of an alignment, whitespace collapsed."""
    submission = (sentences[a.first_query][0], sentences[a.last_query][1])
    source = (a.source.sentences[a.first_source][0], a.source.sentences[a.last_source][1])
    return _sentence_text(text, submission), _sentence_text(a.source.text, source)


def _best_per_stretch(aligned: list[_Aligned]) -> list[_Aligned]:
    """Of alignments of the same source sharing most of their submission sentences, the best one.

    A passage comes from one place of a source; a second place that resembles it is a look-alike. When places
    score the same (a source that repeats a paragraph word for word), ``_in_reading_order`` chooses.
    """
    kept: list[_Aligned] = []
    ties: dict[int, list[_Aligned]] = {}  # id of a kept alignment -> the places that score as well (within TIE)
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
    return _in_reading_order(kept, ties)


def _in_reading_order(kept: list[_Aligned], ties: dict[int, list[_Aligned]]) -> list[_Aligned]:
    """Each alignment with equally good places in its source moved to the place that continues its neighbours.

    A writer copies from a source front to back: of two identical places, the one taken is the first that
    starts after (or just before) where the previous passage from that source ended; for a first passage, the
    last that ends before where the next one starts. With no neighbour in that source, the first place.
    """
    chosen: list[_Aligned] = []
    by_source: dict[int, list[_Aligned]] = defaultdict(list)
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


def _mostly_shared(a: _Aligned, b: _Aligned) -> bool:
    shared = min(a.last_query, b.last_query) - max(a.first_query, b.first_query) + 1
    shorter = min(a.last_query - a.first_query, b.last_query - b.first_query) + 1
    return shared > 0 and 2 * shared >= shorter


def _join(aligned: list[_Aligned], sentence_gap: int, source_gap: int) -> list[list[_Aligned]]:
    """Consecutive alignments of one source become one match when they continue each other on both sides.

    That is: at most ``sentence_gap`` unmatched submission sentences between them, and the second starting
    at most ``source_gap`` sentences after the first ends in the source (or slightly before it).
    """
    groups: list[list[_Aligned]] = []
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


def _sentence_text(text: str, span: Span) -> str:
    return " ".join(text[span[0] : span[1]].split())


def _segment(
    sub_text: str,
    src_text: str,
    sub_span: Span,
    src_span: Span,
    score: float,
    verbatim: float,
    rerank_score: float | None = None,
) -> Segment:
    overlap = word_overlap(sub_text[sub_span[0] : sub_span[1]], src_text[src_span[0] : src_span[1]])
    kind = "verbatim" if overlap.is_verbatim(verbatim) else "paraphrase"
    return Segment(sub_span, src_span, kind, round(overlap.coverage, 4), round(score, 4), rerank_score)


def _match_of_segments(
    prepared: PreparedDocument, source: _Source, segments: list[Segment], verbatim: float
) -> MatchResult:
    sub_span = (min(s.submission_span[0] for s in segments), max(s.submission_span[1] for s in segments))
    src_span = (min(s.source_span[0] for s in segments), max(s.source_span[1] for s in segments))
    sub_text = prepared.normalized.text[sub_span[0] : sub_span[1]]
    src_text = source.text[src_span[0] : src_span[1]]
    overlap = word_overlap(sub_text, src_text)
    weights = [s.submission_span[1] - s.submission_span[0] for s in segments]
    score = _weighted_mean([s.score for s in segments], weights)
    reranked = [s.rerank_score for s in segments]
    rerank_score = None if None in reranked else round(_weighted_mean(reranked, weights), 4)
    return MatchResult(
        source_id=source.id,
        source_title=source.title,
        source_collection=source.collection,
        submission_span=sub_span,
        source_span=src_span,
        submission_original=prepared.normalized.offsets.span_to_original(*sub_span),
        source_original=source.offsets.span_to_original(*src_span),
        score=round(score, 4),
        rerank_score=rerank_score,
        kind="verbatim" if overlap.is_verbatim(verbatim) else "paraphrase",
        coverage=round(overlap.coverage, 4),
        shared=[
            (
                (sub_span[0] + run.submission[0], sub_span[0] + run.submission[1]),
                (src_span[0] + run.source[0], src_span[0] + run.source[1]),
            )
            for run in overlap.runs
        ],
        segments=segments,
        submission_text=sub_text,
        source_text=src_text,
    )


def _weighted_mean(values: list[float], weights: list[int]) -> float:
    return sum(v * w for v, w in zip(values, weights, strict=True)) / max(1, sum(weights))


def _explain(explainer: Explainer, matches: list[MatchResult], top_k: int) -> list[MatchResult]:
    """Each segment with the words its two sides share; each match with those its segments share most."""
    pairs = [
        (_span_text(match, s.submission_span, True), _span_text(match, s.source_span, False))
        for match in matches
        for s in match.segments
    ]
    tokens = iter(explainer.shared_tokens(pairs, top_k))
    explained = []
    for match in matches:
        segments = [replace(s, tokens=next(tokens)) for s in match.segments]
        totals: dict[str, float] = defaultdict(float)
        for segment in segments:
            for word, weight in segment.tokens:
                totals[word] += weight
        strongest = sorted(totals.items(), key=lambda item: -item[1])[:top_k]
        explained.append(replace(match, segments=segments, tokens=[(w, round(v, 3)) for w, v in strongest]))
    return explained


def _span_text(match: MatchResult, span: Span, submission: bool) -> str:
    """The text of a segment's span, cut from the match's own text on that side."""
    start = (match.submission_span if submission else match.source_span)[0]
    text = match.submission_text if submission else match.source_text
    return text[span[0] - start : span[1] - start]


# ----- exclusions ----------------------------------------------------------------------------------------


def _without_excluded(
    prepared: PreparedDocument,
    source: _Source,
    segments: list[Segment],
    excluded: list[Span],
    minimums: tuple[int, int],
    verbatim: float,
) -> list[MatchResult]:
    """The match these segments make, cut around excluded text; nothing when too little evidence is left.

    An excluded span inside the match cuts it in two, and each part is rebuilt from its own segments (its
    source span, kind and shared runs). The minimum applies to all the words the match keeps, so a short
    quotation inside a passage does not make the passage disappear. A verbatim match needs ``minimums[0]``
    words, one with paraphrase ``minimums[1]``; a part shorter than ``minimums[0]`` is dropped.
    """
    text = prepared.normalized.text
    pieces: list[list[Segment]] = [[]]
    for segment in segments:
        parts = [strip_span(text, part) for part in subtract_spans(segment.submission_span, excluded)]
        parts = [part for part in parts if part[0] < part[1]]
        if not parts:
            pieces.append([])
        for k, part in enumerate(parts):
            if k > 0 or (pieces[-1] and _excluded_between(pieces[-1][-1].submission_span[1], part[0], excluded)):
                pieces.append([])
            if part != segment.submission_span:
                segment = _segment(
                    text, source.text, part, segment.source_span, segment.score, verbatim, segment.rerank_score
                )
            pieces[-1].append(segment)
    matches = [_match_of_segments(prepared, source, piece, verbatim) for piece in pieces if piece]
    words = [word_count(text, match.submission_span) for match in matches]
    needed = minimums[0] if all(match.kind == "verbatim" for match in matches) else minimums[1]
    if sum(words) < needed:
        return []
    return [match for match, count in zip(matches, words, strict=True) if count >= minimums[0]]


def _excluded_between(start: int, end: int, excluded: list[Span]) -> bool:
    return any(a < end and b > start for a, b in excluded)


def excluded_spans(text: str, options: CheckOptions) -> dict[str, list[Span]]:
    """The spans of ``text`` a check with ``options`` leaves out, by reason (quotes, bibliography)."""
    excluded: dict[str, list[Span]] = {}
    if options.exclude_quotes:
        excluded["quotes"] = quoted_spans(text)
    if options.exclude_bibliography:
        bibliography = bibliography_span(text)
        excluded["bibliography"] = [bibliography] if bibliography else []
    return excluded


# ----- the report ----------------------------------------------------------------------------------------


def _report(
    corpus: Corpus,
    prepared: PreparedDocument,
    matches: list[MatchResult],
    excluded: dict[str, list[Span]],
    timings: dict[str, float],
    options: CheckOptions,
    model_versions: dict[str, str | None],
) -> CheckReport:
    length = len(prepared.normalized.text)
    return CheckReport(
        check_id=None,
        filename=prepared.filename,
        text=prepared.normalized.text,
        similarity=round(covered_length([m.submission_span for m in matches]) / max(1, length), 4),
        sources=source_shares(matches, length),
        matches=matches,
        excluded=excluded,
        integrity=prepared.normalized.flags.describe(),
        timings=timings,
        model_versions=model_versions,
        settings=_settings_used(corpus, options),
    )


def source_shares(matches: list[MatchResult], length: int) -> list[SourceShare]:
    """Each source's share of a text ``length`` characters long (characters inside its matches), largest first."""
    by_source: dict[int, list[MatchResult]] = defaultdict(list)
    for match in matches:
        by_source[match.source_id].append(match)
    return sorted(
        (
            SourceShare(
                document_id=source_id,
                title=found[0].source_title,
                collection=found[0].source_collection,
                share=round(covered_length([m.submission_span for m in found]) / max(1, length), 4),
                matches=len(found),
            )
            for source_id, found in by_source.items()
        ),
        key=lambda s: (-s.share, s.document_id),
    )


def _settings_used(corpus: Corpus, options: CheckOptions) -> dict[str, Any]:
    settings = corpus.settings
    return {
        "collection": options.collection,
        "exclude_quotes": options.exclude_quotes,
        "exclude_bibliography": options.exclude_bibliography,
        "min_match_words": settings.min_match_words if options.min_match_words is None else options.min_match_words,
        "min_paraphrase_words": settings.min_paraphrase_words,
        "excluded_sources": sorted(options.excluded_sources),
        "exclude_same_author": options.exclude_same_author,
        "neighbours": settings.neighbours,
        "seed_threshold": settings.seed_threshold,
        "trim_threshold": settings.trim_threshold,
        "rerank": settings.rerank,
        "rerank_threshold": (
            (settings.rerank_threshold if options.rerank_threshold is None else options.rerank_threshold)
            if settings.rerank
            else None
        ),
        "chunk_sentences": settings.chunk_sentences,
        "chunk_stride": settings.chunk_stride,
        "query_stride": settings.query_stride,
    }


def _store(
    corpus: Corpus, prepared: PreparedDocument, report: CheckReport, options: CheckOptions, user_id: int | None
) -> int:
    with corpus.sessions.begin() as session:
        collection_id = None
        if options.collection is not None:
            collection_id = session.scalar(select(Collection.id).where(Collection.name == options.collection))
        sources = {m.source_id for m in report.matches}
        present = set(session.scalars(select(Document.id).where(Document.id.in_(sources))))  # some deleted since?
        check = Check(
            collection_id=collection_id,
            user_id=user_id,
            filename=prepared.filename[:500],
            sha256=prepared.sha256,
            text=prepared.normalized.text,
            original_text=prepared.extracted.text.replace("\0", "\ufffd"),
            offset_map=prepared.normalized.offsets.to_bytes(),
            integrity_flags=prepared.normalized.flags.to_dict(),
            settings=report.settings,
            model_versions=report.model_versions,
            timings=report.timings,
            similarity=report.similarity,
            matches=[
                Match(
                    source_document_id=m.source_id if m.source_id in present else None,
                    submission_start=m.submission_span[0],
                    submission_end=m.submission_span[1],
                    source_start=m.source_span[0],
                    source_end=m.source_span[1],
                    bi_score=m.score,
                    rerank_score=m.rerank_score,
                    type=m.kind,
                    explanation={
                        "coverage": m.coverage,
                        "shared": [list(map(list, s)) for s in m.shared],
                        "segments": [asdict(segment) for segment in m.segments],
                        "tokens": [list(token) for token in m.tokens],
                    },
                )
                for m in report.matches
            ],
        )
        session.add(check)
        session.flush()
        return check.id
