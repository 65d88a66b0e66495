"""Near misses: the aligned passage pairs a check's reranker read but that ended in no match.

They are stored with the check (``store.review``) for people to label: a model that learns only from what it already
flags never learns what it wrongly turns down. Those whose scores lie closest to the check's threshold are the most
uncertain and are kept first; ``limit`` bounds what one check stores.
"""

from __future__ import annotations

from plagdetect.detection.align import Aligned
from plagdetect.detection.report import MatchResult, NearMiss
from plagdetect.text.spans import Span


def near_misses(
    aligned: list[Aligned],
    matches: list[MatchResult],
    text: str,
    sentences: list[Span],
    threshold: float,
    limit: int,
) -> list[NearMiss]:
    """The reranked alignments that overlap no match of their source, closest to ``threshold`` first, at most
    ``limit``."""
    matched: dict[int, list[Span]] = {}
    for match in matches:
        matched.setdefault(match.source_id, []).extend(s.submission_span for s in match.segments)
    found = []
    for a in aligned:
        if a.rerank_score is None:  # decided word for word, or no reranker: nothing was turned down
            continue
        submission = (sentences[a.first_query][0], sentences[a.last_query][1])
        if any(start < submission[1] and submission[0] < end for start, end in matched.get(a.source.id, [])):
            continue
        source = (a.source.sentences[a.first_source][0], a.source.sentences[a.last_source][1])
        found.append(
            NearMiss(
                source_id=a.source.id,
                submission_span=submission,
                source_span=source,
                score=round(float(a.score), 4),
                rerank_score=a.rerank_score,
                submission_text=text[submission[0] : submission[1]],
                source_text=a.source.text[source[0] : source[1]],
            )
        )
    found.sort(key=lambda m: (abs(m.rerank_score - threshold), m.submission_span, m.source_id))
    return sorted(found[: max(0, limit)], key=lambda m: (m.submission_span, m.source_id))
