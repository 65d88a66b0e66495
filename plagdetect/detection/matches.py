"""Matches: joined alignments become matches of one or more segments (one per paragraph), verbatim or
paraphrase (``overlap.word_overlap``), cut around excluded text (quotes, bibliography) and kept only with
enough words left.
"""

from __future__ import annotations

from plagdetect.detection.align import Aligned, Source
from plagdetect.detection.overlap import word_overlap
from plagdetect.detection.report import MatchResult, Segment
from plagdetect.text.prepare import PreparedDocument
from plagdetect.text.spans import Span, strip_span, subtract_spans, word_count


def matches_of(
    groups: list[list[Aligned]],
    prepared: PreparedDocument,
    excluded: list[Span],
    minimums: tuple[int, int],
    verbatim: float,
) -> list[MatchResult]:
    """Each group of joined alignments as a match (one segment per paragraph), cut around excluded text.

    ``minimums``: the words a verbatim match and a paraphrase need outside the excluded text.
    """
    text = prepared.normalized.text
    sentences = prepared.sentences
    matches: list[MatchResult] = []
    for group in groups:
        source = group[0].source
        segments = [
            segment_of(
                text,
                source.text,
                (sentences[a.first_query][0], sentences[a.last_query][1]),
                (source.sentences[a.first_source][0], source.sentences[a.last_source][1]),
                a.score,
                verbatim,
                a.rerank_score,
                len(a.counterparts),
            )
            for a in group
        ]
        matches.extend(without_excluded(prepared, source, segments, excluded, minimums, verbatim))
    return sorted(matches, key=lambda m: (m.submission_span, m.source_id))


def segment_of(
    sub_text: str,
    src_text: str,
    sub_span: Span,
    src_span: Span,
    score: float,
    verbatim: float,
    rerank_score: float | None = None,
    counterparts: int = 0,
) -> Segment:
    overlap = word_overlap(sub_text[sub_span[0] : sub_span[1]], src_text[src_span[0] : src_span[1]])
    kind = "verbatim" if overlap.is_verbatim(verbatim) else "paraphrase"
    return Segment(
        sub_span, src_span, kind, round(overlap.coverage, 4), round(score, 4), rerank_score, counterparts=counterparts
    )


def match_of_segments(
    prepared: PreparedDocument, source: Source, segments: list[Segment], verbatim: float
) -> MatchResult:
    sub_span = (min(s.submission_span[0] for s in segments), max(s.submission_span[1] for s in segments))
    src_span = (min(s.source_span[0] for s in segments), max(s.source_span[1] for s in segments))
    sub_text = prepared.normalized.text[sub_span[0] : sub_span[1]]
    src_text = source.text[src_span[0] : src_span[1]]
    overlap = word_overlap(sub_text, src_text)
    weights = [s.submission_span[1] - s.submission_span[0] for s in segments]
    score = _weighted_mean([s.score for s in segments], weights)
    # Over the segments the reranker read (a segment copied word for word is decided without it).
    reranked = [(s.rerank_score, w) for s, w in zip(segments, weights, strict=True) if s.rerank_score is not None]
    rerank_score = round(_weighted_mean([r for r, _ in reranked], [w for _, w in reranked]), 4) if reranked else None
    return MatchResult(
        source_id=source.id,
        source_title=source.document.title,
        source_collection=source.document.collection,
        submission_span=sub_span,
        source_span=src_span,
        submission_original=prepared.normalized.offsets.span_to_original(*sub_span),
        source_original=source.document.offsets.span_to_original(*src_span),
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


def without_excluded(
    prepared: PreparedDocument,
    source: Source,
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
                segment = segment_of(
                    text,
                    source.text,
                    part,
                    segment.source_span,
                    segment.score,
                    verbatim,
                    segment.rerank_score,
                    segment.counterparts,
                )
            pieces[-1].append(segment)
    matches = [match_of_segments(prepared, source, piece, verbatim) for piece in pieces if piece]
    words = [word_count(text, match.submission_span) for match in matches]
    needed = minimums[0] if all(match.kind == "verbatim" for match in matches) else minimums[1]
    if sum(words) < needed:
        return []
    return [match for match, count in zip(matches, words, strict=True) if count >= minimums[0]]


def _excluded_between(start: int, end: int, excluded: list[Span]) -> bool:
    return any(a < end and b > start for a, b in excluded)
