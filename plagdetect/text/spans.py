"""Span arithmetic: character ranges ``[start, end)`` of a text, merged, subtracted and counted."""

from __future__ import annotations

import re
from collections.abc import Iterable

Span = tuple[int, int]
"""Character offsets ``[start, end)`` into a text."""

_WORD_RE = re.compile(r"[^\W_]+")  # a run of letters/digits


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """The spans sorted, with overlapping or touching spans merged and empty spans dropped.

    Raises ``ValueError`` for a span whose end lies before its start.
    """
    ordered = []
    for start, end in spans:
        if end < start:
            raise ValueError(f"span ends before it starts: {(start, end)}")
        if end > start:
            ordered.append((start, end))
    ordered.sort()
    merged: list[Span] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract_spans(span: Span, excluded: list[Span]) -> list[Span]:
    """The non-empty parts of ``span`` outside the ``excluded`` spans, in order.

    ``excluded`` need not be sorted or merged.
    """
    start, end = span
    pieces: list[Span] = []
    position = start
    for excluded_start, excluded_end in merge_spans(excluded):
        if excluded_end <= position:
            continue
        if excluded_start >= end:
            break
        if excluded_start > position:
            pieces.append((position, excluded_start))
        position = excluded_end
        if position >= end:
            break
    if position < end:
        pieces.append((position, end))
    return pieces


def collapsed(text: str, span: Span) -> str:
    """``text[start:end]`` with every run of whitespace (newlines included) made one space, ends trimmed."""
    return " ".join(text[span[0] : span[1]].split())


def word_count(text: str, span: Span) -> int:
    """The number of words (runs of letters/digits) in ``text[start:end]``.

    "so-called" and "don't" count as two words; a word cut by the span's ends counts as one.
    """
    start = max(0, span[0])
    end = min(len(text), span[1])
    if end <= start:
        return 0
    return len(_WORD_RE.findall(text, start, end))


def strip_span(text: str, span: Span) -> Span:
    """The span without the whitespace at either end (a span of only whitespace becomes empty)."""
    start, end = span
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def covered_length(spans: Iterable[Span]) -> int:
    """The number of characters in the union of ``spans``."""
    return sum(end - start for start, end in merge_spans(spans))
