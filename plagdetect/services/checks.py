"""The checks people run and read back, with the rules of who may see what.

Anyone signed in may check a file. A student sees only their own checks, and of other people's documents
only the passages their work matched; instructors and admins see every check. Reports are rebuilt from what
was stored (``detect._store``), so opening one never re-runs the models.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from plagdetect.detection.pipeline import (
    CheckOptions,
    CheckReport,
    MatchResult,
    Progress,
    Segment,
    check_bytes,
    excluded_spans,
    source_shares,
)
from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import Account, PermissionDenied, Role, require_role
from plagdetect.services.corpus import Corpus
from plagdetect.store import Check, Collection, Document, Match, User
from plagdetect.text.normalize import IntegrityFlags, OffsetMap

DELETED_SOURCE = "(document deleted from the corpus)"


@dataclass(frozen=True)
class CheckSummary:
    """One row of the history."""

    id: int
    filename: str
    created_at: datetime
    similarity: float
    matches: int
    username: str | None
    collection: str | None
    collection_asked: str | None = None  # as the check named it, with "(deleted)" once the collection is gone


def run_check(
    corpus: Corpus,
    actor: Account | None,
    data: bytes,
    filename: str,
    options: CheckOptions = CheckOptions(),
    progress: Progress | None = None,
) -> CheckReport:
    """Check a file as ``actor``; the stored Check is theirs."""
    actor = require_role(actor, *Role)
    return check_bytes(corpus, data, filename, options, user_id=actor.id, progress=progress)


def list_checks(corpus: Corpus, actor: Account | None, limit: int = 500) -> list[CheckSummary]:
    """The newest checks ``actor`` may see: a student's own, everyone's for staff."""
    actor = require_role(actor, *Role)
    matches = select(func.count(Match.id)).where(Match.check_id == Check.id).scalar_subquery()
    query = (
        select(
            Check.id,
            Check.filename,
            Check.created_at,
            Check.similarity,
            matches,
            User.username,
            Collection.name,
            Check.settings,
        )
        .outerjoin(User, User.id == Check.user_id)
        .outerjoin(Collection, Collection.id == Check.collection_id)
        .order_by(Check.created_at.desc(), Check.id.desc())
        .limit(limit)
    )
    if not actor.is_staff:
        query = query.where(Check.user_id == actor.id)
    with corpus.sessions() as session:
        return [CheckSummary(*row[:-1], collection_asked=_collection_asked(row[-1])) for row in session.execute(query)]


def _collection_asked(settings: dict) -> str | None:
    name = (settings or {}).get("collection")
    return f"{name} (deleted)" if name else None


def load_report(corpus: Corpus, actor: Account | None, check_id: int) -> CheckReport:
    """The stored report of a check, as ``actor`` may see it."""
    actor = require_role(actor, *Role)
    with corpus.sessions() as session:
        check = session.get(Check, check_id)
        if check is None:
            raise PlagDetectError(f"No check with id {check_id}.")
        if not actor.is_staff and check.user_id != actor.id:
            raise PermissionDenied("This check belongs to someone else.")
        sources = {
            document.id: document
            for document in session.scalars(
                select(Document).where(Document.id.in_({m.source_document_id for m in check.matches}))
            )
        }
        offsets = OffsetMap.from_bytes(check.offset_map) if check.offset_map else OffsetMap.identity(len(check.text))
        source_offsets = {i: OffsetMap.from_bytes(document.offset_map) for i, document in sources.items()}
        matches = [
            _match(check.text, offsets, row, sources.get(row.source_document_id), source_offsets)
            for row in check.matches
        ]
        options = CheckOptions(
            exclude_quotes=bool(check.settings.get("exclude_quotes", True)),
            exclude_bibliography=bool(check.settings.get("exclude_bibliography", True)),
        )
        return CheckReport(
            check_id=check.id,
            filename=check.filename,
            text=check.text,
            similarity=check.similarity,
            sources=source_shares(matches, len(check.text)),
            matches=sorted(matches, key=lambda m: (m.submission_span, m.source_id)),
            excluded=excluded_spans(check.text, options),
            integrity=IntegrityFlags.from_dict(check.integrity_flags).describe() if check.integrity_flags else [],
            timings=dict(check.timings),
            model_versions=dict(check.model_versions),
            settings=dict(check.settings),
        )


def _match(
    text: str, offsets: OffsetMap, row: Match, source: Document | None, source_offsets: dict[int, OffsetMap]
) -> MatchResult:
    """A stored match; of its source only the matched passage is read (or nothing, once it is deleted)."""
    explanation = row.explanation or {}
    sub_span = (row.submission_start, row.submission_end)
    src_span = (row.source_start, row.source_end)
    segments = [
        Segment(
            submission_span=tuple(s["submission_span"]),
            source_span=tuple(s["source_span"]),
            kind=s["kind"],
            coverage=s["coverage"],
            score=s["score"],
            rerank_score=s.get("rerank_score"),
            tokens=[tuple(token) for token in s.get("tokens", [])],
        )
        for s in explanation.get("segments", [])
    ]
    source_original = source_offsets[source.id].span_to_original(*src_span) if source is not None else src_span
    return MatchResult(
        source_id=row.source_document_id if source is not None else 0,  # deleted sources: one group
        source_title=source.title if source is not None else DELETED_SOURCE,
        source_collection=source.collection.name if source is not None else "",
        submission_span=sub_span,
        source_span=src_span,
        submission_original=offsets.span_to_original(*sub_span),
        source_original=source_original,
        score=row.bi_score,
        rerank_score=row.rerank_score,
        kind=row.type,
        coverage=explanation.get("coverage", 0.0),
        shared=[(tuple(a), tuple(b)) for a, b in explanation.get("shared", [])],
        segments=segments,
        submission_text=text[sub_span[0] : sub_span[1]],
        source_text=source.text[src_span[0] : src_span[1]] if source is not None else "",
        tokens=[tuple(token) for token in explanation.get("tokens", [])],
    )
