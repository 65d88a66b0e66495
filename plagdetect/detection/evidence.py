"""Evidence of its own: what an aligned paragraph, and a match, need besides their scores.

Every aligned submission sentence has a counterpart, the source sentence it resembles most (``Aligned.counterparts``
holds them). Text written on a topic, without copying, meets a source the same way again and again: several of the
student's sentences all resemble the source's definition, or its conclusion, and a closing sentence of the student's
own resembles the last sentence of a paragraph just copied. A paraphrase rewords several sentences of its source, each
of its sentences with a counterpart of its own. Two rules follow (measured in ``docs/evaluation.md``: on Clough &
Stevenson's answers written independently on the same topic, the mean index falls from 18.7 % to about 8 %, and the
cross-validated plagdet on pan25-dev does not fall):

- ``with_own_counterparts``: an aligned paragraph whose sentences all resemble one source sentence, a sentence that a
  longer alignment of the same source already has as a counterpart, has no evidence of its own and goes;
- ``corroborated``: a match (joined alignments) needs at least ``min_counterparts`` distinct source sentences as
  counterparts, unless it is copied word for word (``Aligned.decided``: the lexical path is its own evidence).

The second rule decides some alignments before any model reads them: one with too few counterparts and no other
alignment of its source close enough to be joined with it can never be in a match (``could_match``), so the
cross-encoder does not read it.
"""

from __future__ import annotations

from plagdetect.detection.align import Aligned


def with_own_counterparts(aligned: list[Aligned]) -> list[Aligned]:
    """The alignments that are not a single-sentence echo of a longer alignment of the same source."""
    return [a for a in aligned if a.decided or not _echo(a, aligned)]


def _echo(a: Aligned, aligned: list[Aligned]) -> bool:
    if len(a.counterparts) != 1:
        return False
    length = a.last_query - a.first_query
    return any(
        other is not a
        and other.source.id == a.source.id
        and a.counterparts <= other.counterparts
        and other.last_query - other.first_query > length
        for other in aligned
    )


def corroborated(groups: list[list[Aligned]], min_counterparts: int) -> list[list[Aligned]]:
    """The groups of joined alignments (matches to be) with ``min_counterparts`` source sentences as counterparts
    or copied word for word."""
    return [
        group
        for group in groups
        if all(a.decided for a in group) or len(frozenset().union(*(a.counterparts for a in group))) >= min_counterparts
    ]


def could_match(aligned: list[Aligned], min_counterparts: int, sentence_gap: int) -> list[Aligned]:
    """The alignments that may yet be in a match under ``corroborated``: copied word for word, with
    ``min_counterparts`` counterparts of their own, or with another alignment of their source at most
    ``sentence_gap`` submission sentences away (``align.join`` may join them, whatever the reranker says)."""
    return [
        a
        for a in aligned
        if a.decided or len(a.counterparts) >= min_counterparts or _has_neighbour(a, aligned, sentence_gap)
    ]


def _has_neighbour(a: Aligned, aligned: list[Aligned], sentence_gap: int) -> bool:
    return any(
        other is not a
        and other.source.id == a.source.id
        and max(a.first_query - other.last_query, other.first_query - a.last_query) - 1 <= sentence_gap  # or overlap
        for other in aligned
    )
