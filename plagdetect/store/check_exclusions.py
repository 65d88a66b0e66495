"""Sources and matches an instructor excluded from a stored check after it ran, with who, when and why.

A row is never deleted by a restore: restoring sets ``restored_at`` and ``restored_by``, so the record of what was
done stays with the check (and goes with it: ``ON DELETE CASCADE``). Each exclusion names the matches it takes out
(``excluded_matches``: one match, or a source's matches when it was excluded), so deleting the source from the corpus
later changes nothing. An active exclusion takes its matches out of the report when it is read
(``store.checks.load_check``): the index and the shares are recomputed without them. The check's stored index
(``Check.similarity``, what History lists) is stored in the same transaction as the exclusion or its restore.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from plagdetect.detection.report import ExclusionMade, covered_share
from plagdetect.errors import PlagDetectError
from plagdetect.store.tables import Check, CheckExclusion, ExcludedMatch, Match

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
    """Record an exclusion of a source (``source_id``: its matches now) or of one match (``match_id``) of a check,
    and store the check's index without it, in one transaction; the exclusion's id. Refused when the target is not
    in the check, or all of it is excluded already."""
    with sessions.begin() as session:
        check = session.get(Check, check_id)
        if check is None:
            raise PlagDetectError(f"No check with id {check_id}.")
        if match_id is not None:
            targets = [m.id for m in check.matches if m.id == match_id]
        else:  # 0: the group of sources deleted from the corpus since the check
            targets = [m.id for m in check.matches if (m.source_document_id or 0) == source_id]
        if not targets:
            raise PlagDetectError(f"Check {check_id} has no such {'match' if match_id is not None else 'source'}.")
        if set(targets) <= excluded_match_ids(session, check_id):
            raise PlagDetectError("That is excluded already.")
        row = CheckExclusion(
            check_id=check_id,
            kind=MATCH if match_id is not None else SOURCE,
            match_id=match_id,
            source_document_id=source_id,
            what=what[:500],
            reason=reason,
            by_user=by,
            matches=[ExcludedMatch(match_id=i) for i in targets],
        )
        session.add(row)
        session.flush()
        _store_similarity(session, check)
        return row.id


def restore_exclusion(sessions: sessionmaker[Session], exclusion_id: int, by: str) -> int:
    """Undo an exclusion (the record stays, marked restored) and store the check's index again, in one transaction;
    the id of its check."""
    with sessions.begin() as session:
        row = session.get(CheckExclusion, exclusion_id)
        if row is None:
            raise PlagDetectError(f"No exclusion with id {exclusion_id}.")
        if row.restored_at is not None:
            raise PlagDetectError(f"Exclusion {exclusion_id} was restored already ({row.restored_by}).")
        row.restored_at = datetime.now(UTC)
        row.restored_by = by
        session.flush()
        check = session.get(Check, row.check_id)
        assert check is not None  # the exclusion goes with its check
        _store_similarity(session, check)
        return row.check_id


def carry_over(sessions: sessionmaker[Session], earlier_id: int, later_id: int) -> int:
    """Apply a check's active exclusions to a later check of the same file (a submission's check run again): a
    source excluded is excluded again, a match excluded takes out the later check's matches of the same source
    that overlap it; each with its reason, who made it, and a note of where it came from. How many were made."""
    made = 0
    with sessions.begin() as session:
        later = session.get(Check, later_id)
        earlier = session.scalars(
            select(CheckExclusion).where(CheckExclusion.check_id == earlier_id, CheckExclusion.restored_at.is_(None))
        ).all()
        for exclusion in earlier:
            spans = [
                (m.source_document_id, m.submission_start, m.submission_end)
                for m in session.scalars(select(Match).join(ExcludedMatch).where(
                    ExcludedMatch.exclusion_id == exclusion.id))
            ]  # fmt: skip
            if exclusion.kind == SOURCE:
                targets = [m for m in later.matches if (m.source_document_id or 0) == exclusion.source_document_id]
            else:
                targets = [
                    m
                    for m in later.matches
                    if any(s == m.source_document_id and a < m.submission_end and m.submission_start < b
                           for s, a, b in spans)
                ]  # fmt: skip
            if not targets:
                continue
            session.add(
                CheckExclusion(
                    check_id=later_id,
                    kind=exclusion.kind,
                    match_id=targets[0].id if exclusion.kind == MATCH else None,
                    source_document_id=exclusion.source_document_id,
                    what=exclusion.what,
                    reason=f"{exclusion.reason} (carried over from check {earlier_id})",
                    by_user=exclusion.by_user,
                    matches=[ExcludedMatch(match_id=m.id) for m in targets],
                )
            )
            made += 1
        if made:
            session.flush()
            _store_similarity(session, later)
    return made


def excluded_match_ids(session: Session, check_id: int) -> set[int]:
    """The matches of a check that its active exclusions take out."""
    return set(
        session.scalars(
            select(ExcludedMatch.match_id)
            .join(CheckExclusion)
            .where(CheckExclusion.check_id == check_id, CheckExclusion.restored_at.is_(None))
        )
    )


def _store_similarity(session: Session, check: Check) -> None:
    """``Check.similarity`` as the report now reads: the share of the text inside the matches not excluded (what
    History and the lists show; ``load_check`` computes the same from the same spans)."""
    excluded = excluded_match_ids(session, check.id)
    spans = [(m.submission_start, m.submission_end) for m in check.matches if m.id not in excluded]
    from plagdetect.store.checks import TEXT_REMOVED  # store.checks reads exclusions: imported here, not above

    kept = (check.settings or {}).get(TEXT_REMOVED)
    length = int(kept["length"]) if kept else len(check.text)
    check.similarity = covered_share(spans, length)


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
            match_ids=tuple(sorted(m.match_id for m in row.matches)),
            what=row.what,
            reason=row.reason,
            by=row.by_user,
            at=_when(row.created_at),
            restored_by=row.restored_by,
            restored_at=_when(row.restored_at) if row.restored_at is not None else None,
        )
        for row in rows
    ]


def _when(moment: datetime) -> str:
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # SQLite: naive, written in UTC
    return moment.astimezone(UTC).isoformat(timespec="seconds")
