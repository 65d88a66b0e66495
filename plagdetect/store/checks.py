"""Checks in the database: a check's report written with its matches, and read back, by one module.

A match's explanation (shared word runs, segments, the words both passages weigh) is stored as JSON in
``Match.explanation``; ``_explanation`` writes it and ``_match`` reads it. Reading a report never re-runs a model;
of a source only the matched passage is read.

The submission's text is stored once: ``Check.text``, the normalised text that match offsets and the report read,
with ``Check.offset_map`` back to the offsets of the text as extracted. The extracted text itself is not kept
(rows written before issue 13 hold it in ``Check.original_text``, which nothing reads; it is emptied with the rest
when retention removes the text).

Retention (``purge_expired_texts``): once a check is older than ``check_text_retention_days``, each match's
passage of the submission and its span in the extracted text are copied into its explanation ("submission_text",
"submission_original"), the text's length and excluded spans into ``Check.settings["text_removed"]``, and the text
and offset map are emptied. Its report still gives the similarity, the sources and every passage. Its near misses
(``store.review``) go: their passages were only in the text. Labels keep their own copies.

The file a check ran on is kept beside it (``CheckFile``), so it can be run again with other options; retention
removes it with the text. ``Check.settings`` also records where a check came from: ``"rerun_of"``, the check it
re-runs, and ``"by_account"``, set when a signed-in account ran it (a check whose account was deleted since, its
``user_id`` emptied by the database, is then told from one of the command line, which has no account).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from plagdetect.detection.exclusions import excluded_spans
from plagdetect.detection.match_groups import grouped
from plagdetect.detection.report import (
    CheckOptions,
    CheckReport,
    MatchResult,
    NearMiss,
    Segment,
    Submission,
    TextRemoved,
    collections_searched,
    similarity,
    source_shares,
)
from plagdetect.errors import PlagDetectError
from plagdetect.store.check_exclusions import excluded_match_ids, exclusions_of
from plagdetect.store.review import add_pairs, remove_near_misses
from plagdetect.store.tables import (
    Check,
    CheckExclusion,
    CheckFile,
    Collection,
    Document,
    ExcludedMatch,
    Match,
    User,
)
from plagdetect.text.normalize import IntegrityFlags
from plagdetect.text.offsets import OffsetMap
from plagdetect.text.prepare import PreparedDocument

DELETED_SOURCE = "(document deleted from the corpus)"
TEXT_REMOVED = "text_removed"  # the key in Check.settings of what a check keeps once its text is removed
RERUN_OF = "rerun_of"  # the key in Check.settings of the check this one re-runs
BY_ACCOUNT = "by_account"  # the key in Check.settings set when an account (not the command line) ran the check


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
    rerun_of: int | None = None  # the check this one re-runs with other options
    account_deleted: bool = False  # run by an account deleted since (username None); else None is the command line


def save_check(
    sessions: sessionmaker[Session],
    prepared: PreparedDocument,
    report: CheckReport,
    options: CheckOptions,
    user_id: int | None,
    near_misses: Sequence[NearMiss] = (),
) -> int:
    """Store a check and its matches, and the pairs people may label (``store.review``); returns the check's id.

    Sources deleted meanwhile are stored as gone (and give no pairs to label)."""
    with sessions.begin() as session:
        collection_id = None  # the one collection searched; the settings name them all
        if len(options.collections) == 1:
            collection_id = session.scalar(select(Collection.id).where(Collection.name == options.collections[0]))
        sources = {m.source_id for m in report.matches}
        present = set(session.scalars(select(Document.id).where(Document.id.in_(sources))))  # some deleted since?
        check = Check(
            collection_id=collection_id,
            user_id=user_id,
            filename=prepared.filename[:500],
            title=prepared.title[:500],
            author=(prepared.author or "")[:300],
            sha256=prepared.sha256,
            text=prepared.normalized.text,  # the one copy: the report reads it, the offset map leads back
            original_text="",  # the text as extracted is not kept twice (the column stays for older rows)
            offset_map=prepared.normalized.offsets.to_bytes(),
            integrity_flags=prepared.normalized.flags.to_dict(),
            settings={**report.settings, BY_ACCOUNT: True} if user_id is not None else report.settings,
            model_versions=report.model_versions,
            timings=report.timings,
            similarity=report.similarity,
            matches=[
                Match(
                    source_document_id=m.source_id if m.source_id in present else None,
                    submission_start=m.submission_span[0],
                    submission_end=m.submission_span[1],
                    source_start=m.source_span[0],
                    source_end=m.source_span[1],
                    bi_score=m.score,
                    rerank_score=m.rerank_score,
                    type=m.kind,
                    explanation=_explanation(m),
                )
                for m in report.matches
            ],
        )
        session.add(check)
        session.flush()
        session.add(CheckFile(check_id=check.id, data=prepared.data))  # for a re-run with other options
        add_pairs(session, check, report.matches, list(near_misses), present)
        return check.id


@dataclass(frozen=True)
class KeptFile:
    """A check's file as it was handed in, or why it is no longer there (``data`` None)."""

    filename: str
    data: bytes | None
    text_removed: bool  # retention removed the check's text, and its file with it


def kept_file(sessions: sessionmaker[Session], check_id: int) -> KeptFile:
    """The file check ``check_id`` ran on (a missing check raises)."""
    with sessions() as session:
        check = session.get(Check, check_id)
        if check is None:
            raise PlagDetectError(f"No check with id {check_id}.")
        data = session.scalar(select(CheckFile.data).where(CheckFile.check_id == check_id))
        return KeptFile(check.filename, data, TEXT_REMOVED in (check.settings or {}))


def record_rerun(sessions: sessionmaker[Session], check_id: int, rerun_of: int) -> None:
    """Record that check ``check_id`` re-runs check ``rerun_of`` (its report and the history say so)."""
    with sessions.begin() as session:
        check = session.get(Check, check_id)
        if check is None:
            raise PlagDetectError(f"No check with id {check_id}.")
        check.settings = {**(check.settings or {}), RERUN_OF: rerun_of}  # a new dict: the JSON column sees it


def _explanation(m: MatchResult) -> dict:
    return {
        "coverage": m.coverage,
        "shared": [list(map(list, s)) for s in m.shared],
        "segments": [asdict(segment) for segment in m.segments],
        "tokens": [list(token) for token in m.tokens],
        "group": m.group,
    }


def check_owner(sessions: sessionmaker[Session], check_id: int) -> int | None:
    """The id of the person who ran a check (None: the command line); a missing check raises."""
    with sessions() as session:
        check = session.get(Check, check_id)
        if check is None:
            raise PlagDetectError(f"No check with id {check_id}.")
        return check.user_id


def load_check(sessions: sessionmaker[Session], check_id: int) -> CheckReport:
    """The stored report of a check (a missing check raises)."""
    with sessions() as session:
        check = session.get(Check, check_id)
        if check is None:
            raise PlagDetectError(f"No check with id {check_id}.")
        sources = {
            document.id: document
            for document in session.scalars(
                select(Document).where(Document.id.in_({m.source_document_id for m in check.matches}))
            )
        }
        settings = dict(check.settings or {})
        kept = settings.pop(TEXT_REMOVED, None)
        removed = _text_removed(kept) if kept is not None else None
        offsets = None
        if removed is None:
            offsets = (
                OffsetMap.from_bytes(check.offset_map) if check.offset_map else OffsetMap.identity(len(check.text))
            )
        source_offsets = {i: OffsetMap.from_bytes(document.offset_map) for i, document in sources.items()}
        matches = [
            _match(check.text, offsets, row, sources.get(row.source_document_id), source_offsets)
            for row in check.matches
        ]
        if removed is None and any("group" not in (row.explanation or {}) for row in check.matches):
            matches = grouped(check.text, matches)  # a check stored before match groups: found from its text
        length = removed.length if removed is not None else len(check.text)
        flags = IntegrityFlags.from_dict(check.integrity_flags or {})
        made = exclusions_of(session, check.id)
        excluded = excluded_match_ids(session, check.id)
        counted = [m for m in matches if m.match_id not in excluded]
        return CheckReport(
            check_id=check.id,
            filename=check.filename,
            text=check.text,
            similarity=similarity(counted, length),  # as stored (``Check.similarity`` is kept in step with it)
            sources=source_shares(counted, length),
            matches=sorted(counted, key=lambda m: (m.submission_span, m.source_id)),
            excluded=_excluded(check.text, settings) if removed is None else _spans_by_reason(kept.get("excluded")),
            integrity=flags.describe(),
            timings=dict(check.timings),
            model_versions=dict(check.model_versions),
            settings=settings,
            text_removed=removed,
            submission=_submission(session, check),
            integrity_places={} if offsets is None else flags.places_in_normalized(offsets),
            exclusions_made=made,
            similarity_as_checked=similarity(matches, length) if len(counted) < len(matches) else None,
        )


def _submission(session: Session, check: Check) -> Submission:
    user = session.get(User, check.user_id) if check.user_id is not None else None
    settings = check.settings or {}
    return Submission(
        title=check.title or check.filename,
        author=check.author,
        sha256=check.sha256,
        submitted_by=user.username if user is not None else ("(deleted account)" if BY_ACCOUNT in settings else None),
        submitted_at=_utc(check.created_at).isoformat(timespec="seconds"),
    )


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _excluded(text: str, settings: dict[str, Any]) -> dict[str, list[tuple[int, int]]]:
    """A check's excluded spans, recomputed from its text as the check computed them."""
    return excluded_spans(
        text,
        quotes=bool(settings.get("exclude_quotes", True)),
        bibliography=bool(settings.get("exclude_bibliography", True)),
    )


def _spans_by_reason(stored: dict[str, list[list[int]]] | None) -> dict[str, list[tuple[int, int]]]:
    return {reason: [(int(a), int(b)) for a, b in spans] for reason, spans in (stored or {}).items()}


def _text_removed(kept: dict[str, Any]) -> TextRemoved:
    return TextRemoved(removed_at=str(kept["at"]), after_days=int(kept["after_days"]), length=int(kept["length"]))


def purge_expired_texts(sessions: sessionmaker[Session], retention_days: int, now: datetime) -> int:
    """Remove the full text of every check older than ``retention_days`` (0: none); returns how many lost it.

    Each check is emptied in its own transaction (a long backlog never holds the database for long), and keeps what
    its report shows: each match's passage of the submission and where it lay in the text as extracted (in the
    match's explanation), the text's length and its excluded spans (in ``Check.settings["text_removed"]``). The
    emptied text is overwritten in the database file (secure_delete); the write-ahead log is the caller's to empty.
    """
    if retention_days <= 0:
        return 0
    now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    cutoff = now.astimezone(UTC) - timedelta(days=retention_days)
    with sessions() as session:
        expired = session.scalars(
            select(Check.id)
            .where(Check.created_at < cutoff, or_(Check.text != "", Check.original_text != ""))
            .order_by(Check.id)
        ).all()
    removed = 0
    for check_id in expired:
        with sessions.begin() as session:
            check = session.get(Check, check_id)
            if check is None or not (check.text or check.original_text):  # deleted or emptied meanwhile
                continue
            _remove_text(check, retention_days, now)
            remove_near_misses(session, check_id)
            session.execute(delete(CheckFile).where(CheckFile.check_id == check_id))  # the file held the text too
            removed += 1
    return removed


def _remove_text(check: Check, retention_days: int, now: datetime) -> None:
    """Keep a check's passages, length and excluded spans, then empty its text (see ``purge_expired_texts``)."""
    text = check.text
    offsets = OffsetMap.from_bytes(check.offset_map) if check.offset_map else OffsetMap.identity(len(text))
    for row in check.matches:
        start, end = row.submission_start, row.submission_end
        row.explanation = {  # a new dict: the JSON column sees the change
            **(row.explanation or {}),
            "submission_text": text[start:end],
            "submission_original": list(offsets.span_to_original(start, end)),
        }
    settings = dict(check.settings or {})
    settings[TEXT_REMOVED] = {
        "at": now.astimezone(UTC).isoformat(timespec="seconds"),
        "after_days": retention_days,
        "length": len(text),
        "excluded": {reason: [list(span) for span in spans] for reason, spans in _excluded(text, settings).items()},
    }
    check.settings = settings
    check.text = ""  # NOT NULL in every database: emptied, not NULL
    check.original_text = ""
    check.offset_map = b""


def _active_exclusion_of_match():
    """A match an active exclusion after the check took out (``store.check_exclusions``)."""
    return (
        exists()
        .where(ExcludedMatch.match_id == Match.id)
        .where(CheckExclusion.id == ExcludedMatch.exclusion_id, CheckExclusion.restored_at.is_(None))
    )


def check_overview(sessions: sessionmaker[Session], check_ids: list[int]) -> dict[int, tuple[str, dict]]:
    """Each check's top source (the title of the source its matches cover most, "" without one) and its integrity
    flags (``IntegrityFlags.to_dict``), without reading the texts: what a table of many checks shows."""
    if not check_ids:
        return {}
    covered = func.sum(Match.submission_end - Match.submission_start)
    with sessions() as session:
        flags = {
            row.id: row.integrity_flags
            for row in session.execute(select(Check.id, Check.integrity_flags).where(Check.id.in_(check_ids)))
        }
        rows = session.execute(
            select(Match.check_id, Document.title, covered)
            .join(Document, Document.id == Match.source_document_id)
            .where(Match.check_id.in_(check_ids), ~_active_exclusion_of_match())
            .group_by(Match.check_id, Document.id)
            .order_by(Match.check_id, covered.desc(), Document.id)
        ).all()
    top: dict[int, str] = {}
    for check_id, title, _ in rows:
        top.setdefault(check_id, title)
    return {check_id: (top.get(check_id, ""), flags[check_id] or {}) for check_id in flags}


def check_summaries(sessions: sessionmaker[Session], user_id: int | None, limit: int = 500) -> list[CheckSummary]:
    """The newest checks, of one person (``user_id``) or of everyone (None), newest first."""
    excluded = _active_exclusion_of_match()
    matches = select(func.count(Match.id)).where(Match.check_id == Check.id, ~excluded).scalar_subquery()
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
    if user_id is not None:
        query = query.where(Check.user_id == user_id)
    with sessions() as session:
        return [
            CheckSummary(
                *row[:-1],
                collection_asked=_collection_asked(row[-1]),
                rerun_of=(row[-1] or {}).get(RERUN_OF),
                account_deleted=row.username is None and bool((row[-1] or {}).get(BY_ACCOUNT)),
            )
            for row in session.execute(query)
        ]


def _collection_asked(settings: dict) -> str | None:
    """The collections a check searched as it named them ("(deleted)" after one that is gone: ``collection``
    names only a single collection that still exists); None: the whole corpus."""
    names = collections_searched(settings)
    if len(names) == 1:
        return f"{names[0]} (deleted)"
    return ", ".join(names) or None


def _match(
    text: str, offsets: OffsetMap | None, row: Match, source: Document | None, source_offsets: dict[int, OffsetMap]
) -> MatchResult:
    """A stored match; of its source only the matched passage is read (or nothing, once it is deleted).

    ``offsets`` None: the check's text was removed; the passage and its span come from the explanation.
    """
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
            counterparts=s.get("counterparts", 0),
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
        submission_original=(
            offsets.span_to_original(*sub_span)
            if offsets is not None
            else tuple(explanation.get("submission_original", sub_span))
        ),
        source_original=source_original,
        score=row.bi_score,
        rerank_score=row.rerank_score,
        kind=row.type,
        coverage=explanation.get("coverage", 0.0),
        shared=[(tuple(a), tuple(b)) for a, b in explanation.get("shared", [])],
        segments=segments,
        submission_text=text[sub_span[0] : sub_span[1]]
        if offsets is not None
        else explanation.get("submission_text", ""),
        source_text=source.text[src_span[0] : src_span[1]] if source is not None else "",
        tokens=[tuple(token) for token in explanation.get("tokens", [])],
        group=explanation.get("group", ""),
        match_id=row.id,
    )
