"""Explanations: the words each match's two passages share, from the SPLADE explainer, per segment and per match."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from plagdetect.detection.report import MatchResult
from plagdetect.encoders.splade import Explainer
from plagdetect.text.spans import Span


def explain_matches(explainer: Explainer, matches: list[MatchResult], top_k: int) -> list[MatchResult]:
    """Each segment with the words its two sides share; each match with those its segments share most."""
    pairs = [
        (span_text(match, s.submission_span, True), span_text(match, s.source_span, False))
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


def span_text(match: MatchResult, span: Span, submission: bool) -> str:
    """The text of a segment's span, cut from the match's own text on that side."""
    start = (match.submission_span if submission else match.source_span)[0]
    text = match.submission_text if submission else match.source_text
    return text[span[0] - start : span[1] - start]
