"""Exact word overlap between two passages: what is copied word for word, and whether a match is verbatim.

Words are runs of letters and digits, compared case-insensitively. A match whose submission side is mostly
covered by word runs shared with the source (``min_run`` words or longer) is verbatim; otherwise it is a
paraphrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class SharedRun:
    """A run of words found in both passages: character spans relative to each passage's start."""

    submission: tuple[int, int]
    source: tuple[int, int]
    words: int


@dataclass(frozen=True)
class Overlap:
    runs: list[SharedRun]
    coverage: float  # share of the submission passage's words inside shared runs

    def is_verbatim(self, threshold: float) -> bool:
        return self.coverage >= threshold


def words_with_spans(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    matches = list(_WORD.finditer(text))
    return [m.group().lower() for m in matches], [m.span() for m in matches]


def word_overlap(submission: str, source: str, min_run: int = 4) -> Overlap:
    """Runs of at least ``min_run`` words that the two texts share, in submission order."""
    sub_words, sub_spans = words_with_spans(submission)
    src_words, src_spans = words_with_spans(source)
    if not sub_words or not src_words:
        return Overlap([], 0.0)
    matcher = SequenceMatcher(None, sub_words, src_words, autojunk=False)
    runs = [
        SharedRun(
            submission=(sub_spans[block.a][0], sub_spans[block.a + block.size - 1][1]),
            source=(src_spans[block.b][0], src_spans[block.b + block.size - 1][1]),
            words=block.size,
        )
        for block in matcher.get_matching_blocks()
        if block.size >= min_run
    ]
    return Overlap(runs, sum(run.words for run in runs) / len(sub_words))
