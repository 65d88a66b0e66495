"""Reranking: the cross-encoder reads each aligned paragraph pair (both sides together); those below the threshold go.

Scoring and the threshold are two steps, so an evaluation scores once and tries several thresholds.

It comes after alignment, not before: the cross-encoder then reads one pair per aligned paragraph instead of one
per (window, neighbour) candidate.
"""

from __future__ import annotations

from dataclasses import replace

from plagdetect.detection.align import Aligned
from plagdetect.encoders.cross_encoder import Reranker
from plagdetect.text.spans import Span, collapsed


def rerank(reranker: Reranker, aligned: list[Aligned], text: str, sentences: list[Span]) -> list[Aligned]:
    """Each alignment with its cross-encoder score (``passing`` then keeps those that reach the threshold).

    An alignment already decided (mostly copied word for word, ``Aligned.decided``) is not read: it stays
    unscored and passes."""
    todo = [k for k, a in enumerate(aligned) if not a.decided]
    scores = reranker.score([aligned_texts(aligned[k], text, sentences) for k in todo])
    scored = list(aligned)
    for k, score in zip(todo, scores, strict=True):
        scored[k] = replace(aligned[k], rerank_score=round(float(score), 4))
    return scored


def passing(aligned: list[Aligned], threshold: float) -> list[Aligned]:
    """The alignments the reranker scored at least ``threshold``; unscored ones (no reranker, or decided by the
    lexical path) pass."""
    return [a for a in aligned if a.rerank_score is None or a.rerank_score >= threshold]


def aligned_texts(a: Aligned, text: str, sentences: list[Span]) -> tuple[str, str]:
    """The submission's and the source's sentences of an alignment, whitespace collapsed."""
    submission = (sentences[a.first_query][0], sentences[a.last_query][1])
    source = (a.source.sentences[a.first_source][0], a.source.sentences[a.last_source][1])
    return collapsed(text, submission), collapsed(a.source.text, source)
