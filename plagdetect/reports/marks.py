"""What a report marks in a text, written once for the screen (``views/report_view.py``, HTML) and the PDF
(``reports/pdf.py``): each source's colour, each match's paragraphs in the submission (numbered, verbatim or
paraphrase), the excluded text, and a text cut at its marks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from plagdetect.detection.report import CheckReport, MatchResult, Segment
from plagdetect.text.spans import Span

# One colour per source, light enough to read black text on; the charts use the same ones.
COLOURS = ["#8dd3c7", "#fdb462", "#bebada", "#fb8072", "#80b1d3", "#b3de69", "#fccde5", "#ffed6f", "#bc80bd", "#ccebc5"]
EXCLUDED = "#e0e0e0"

T = TypeVar("T")


@dataclass(frozen=True)
class Mark:
    """A stretch of the submission a report marks: a match's paragraph, or excluded text."""

    kind: str  # verbatim | paraphrase | excluded
    colour: str
    label: str  # what it is, in words: "[2] Title · paraphrase · similarity 0.81, reranker 0.93", "excluded: quotes"
    number: int | None = None  # the match's number in the report (1 = first in the text); None: excluded text


@dataclass(frozen=True)
class Piece(Generic[T]):
    text: str
    mark: T | None
    start: int  # where the piece begins in the text cut


def percent(share: float) -> str:
    """A share as the report prints it: a tiny one as "<1%", never as "0%" beside a match."""
    if 0 < share < 0.005:
        return "<1%"
    return f"{100 * share:.0f}%"


def source_colours(report: CheckReport) -> dict[int, str]:
    """Sources in report order (largest share first), each with its colour."""
    return {source.document_id: COLOURS[k % len(COLOURS)] for k, source in enumerate(report.sources)}


def score_text(scored: MatchResult | Segment) -> str:
    text = f"similarity {scored.score:.2f}"
    if scored.rerank_score is not None:
        text += f", reranker {scored.rerank_score:.2f}"
    return text


def whole(match: MatchResult) -> Segment:
    """A match as one segment (stored matches always have segments; this keeps older rows readable)."""
    return Segment(
        match.submission_span, match.source_span, match.kind, match.coverage, match.score, match.rerank_score
    )


def document_marks(report: CheckReport, colours: dict[int, str]) -> list[tuple[int, int, Mark]]:
    """Every mark of the submission (start, end, mark), in text order; a match starts before excluded text that
    starts at the same place."""
    marks: list[tuple[int, int, Mark]] = []
    for number, match in enumerate(report.matches, 1):
        colour = colours.get(match.source_id, COLOURS[0])
        for segment in match.segments or [whole(match)]:
            label = f"[{number}] {match.source_title} · {segment.kind} · {score_text(segment)}"
            marks.append((*segment.submission_span, Mark(segment.kind, colour, label, number)))
    for reason, spans in report.excluded.items():
        for start, end in spans:
            marks.append((start, end, Mark("excluded", EXCLUDED, f"excluded: {reason}")))
    return sorted(marks, key=lambda m: (m[0], m[2].kind == "excluded"))


def cut(text: str, marks: Iterable[tuple[int, int, T]]) -> list[Piece[T]]:
    """``text`` cut into pieces at the marks (sorted by start; where marks overlap, the earlier wins); the pieces
    between marks have none. Joined, the pieces are ``text``."""
    pieces: list[Piece[T]] = []
    position = 0
    for start, end, mark in marks:
        start, end = max(start, position), min(end, len(text))
        if start >= end:
            continue
        if start > position:
            pieces.append(Piece(text[position:start], None, position))
        pieces.append(Piece(text[start:end], mark, start))
        position = end
    if position < len(text):
        pieces.append(Piece(text[position:], None, position))
    return pieces


def relative(spans: Iterable[Span], start: int) -> list[Span]:
    """Spans of a text made relative to a passage of it that begins at ``start``."""
    return sorted((a - start, b - start) for a, b in spans)
