"""Sources and matches an instructor excluded from a stored check after it ran, with who, when and why.

A row is never deleted by a restore: restoring sets ``restored_at`` and ``restored_by``, so the record of what was
done stays with the check (and goes with it: ``ON DELETE CASCADE``). An active exclusion takes its matches out of the
report when it is read (``store.checks.load_check``): the index and the shares are recomputed without them, and the
check's stored index (``Check.similarity``, what History lists) is kept in step.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from plagdetect.detection.report import ExclusionMade
from plagdetect.errors import PlagDetectError
from plagdetect.store.tables import Check, CheckExclusion, Match

SOURCE, MATCH = "source", "match"


def add_exclusion(
    sessions: sessionmaker[Session],
    check_id: int,
    by: str,
    reason: str,
    what: str,
    source_id: int | None = None,
    match_id: int | None = None,
) -> int:
    """Record an exclusion of a source (``source_id``) or of one match (``match_id``) of a check; its id. Refused
    when the target is not in the check, or is excluded already."""
    with sessions.begin() as session:
        check = session.get(Check, check_id)
        if check is None:
            raise PlagDetectError(f"No check with id {check_id}.")
        if match_id is not None:
            match = session.get(Match, match_id)
            if match is None or match.check_id != check_id:
                raise PlagDetectError(f"Check {check_id} has no match {match_id}.")
        elif not any((m.source_document_id or 0) == source_id for m in check.matches):  # 0: sources deleted since
            raise PlagDetectError(f"No match of check {check_id} comes from source {source_id}.")
        for row in _active(session, check_id):
            if (match_id is not None and row.match_id == match_id) or (
                match_id is None and row.source_document_id == source_id and row.match_id is None
            ):
                raise PlagDetectError(f"That is excluded already ({row.by_user}, {_when(row.created_at)}).")
        row = CheckExclusion(
            check_id=check_id,
            kind=MATCH if match_id is not None else SOURCE,
            match_id=match_id,
            source_document_id=source_id,
            what=what[:500],
            reason=reason,
            by_user=by,
        )
        session.add(row)
        session.flush()
        return row.id


def restore_exclusion(sessions: sessionmaker[Session], exclusion_id: int, by: str) -> int:
    """Undo an exclusion (the record stays, marked restored); the id of its check."""
    with sessions.begin() as session:
        row = session.get(CheckExclusion, exclusion_id)
        if row is None:
            raise PlagDetectError(f"No exclusion with id {exclusion_id}.")
        if row.restored_at is not None:
            raise PlagDetectError(f"Exclusion {exclusion_id} was restored already ({row.restored_by}).")
        row.restored_at = datetime.now(UTC)
        row.restored_by = by
        return row.check_id


def set_similarity(sessions: sessionmaker[Session], check_id: int, similarity: float) -> None:
    """The check's index as its report now reads (what History and the lists show)."""
    with sessions.begin() as session:
        check = session.get(Check, check_id)
        if check is not None:
            check.similarity = similarity


def exclusions_of(session: Session, check_id: int) -> list[ExclusionMade]:
    """Every exclusion of a check, oldest first, restored ones too."""
    rows = session.scalars(
        select(CheckExclusion).where(CheckExclusion.check_id == check_id).order_by(CheckExclusion.id)
    )
    return [
        ExclusionMade(
            id=row.id,
            kind=row.kind,
            source_id=row.source_document_id,
            match_id=row.match_id,
            what=row.what,
            reason=row.reason,
            by=row.by_user,
            at=_when(row.created_at),
            restored_by=row.restored_by,
            restored_at=_when(row.restored_at) if row.restored_at is not None else None,
        )
        for row in rows
    ]


def _active(session: Session, check_id: int) -> list[CheckExclusion]:
    return list(
        session.scalars(
            select(CheckExclusion).where(CheckExclusion.check_id == check_id, CheckExclusion.restored_at.is_(None))
        )
    )


def _when(moment: datetime) -> str:
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # SQLite: naive, written in UTC
    return moment.astimezone(UTC).isoformat(timespec="seconds")
