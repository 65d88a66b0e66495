"""The checks people run and read back, with the rules of who may see what.

Anyone signed in may check a file. A student sees only their own checks, and of other people's documents
only the passages their work matched; instructors and admins see every check. Reports are rebuilt from what
was stored (``store.checks``), so opening one never re-runs the models.

Retention: ``purge_expired_texts`` removes the full texts of checks older than ``check_text_retention_days``. It
runs after a check is stored (at most once an hour per process, so a busy server pays for it rarely) and when the
operator runs ``plagdetect purge`` (for cron, or to apply a shortened retention at once).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import UTC, datetime

from plagdetect.context import Context
from plagdetect.detection.pipeline import Progress, check_bytes
from plagdetect.detection.report import CheckOptions, CheckReport
from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import OPERATOR, STAFF, Account, PermissionDenied, Role, authorize
from plagdetect.services.corpus import Corpus
from plagdetect.services.submissions import as_seen_by
from plagdetect.store import check_exclusions
from plagdetect.store import checks as stored_checks
from plagdetect.store.checks import CheckSummary, check_owner, check_summaries, load_check
from plagdetect.store.courses import REPOSITORY, CourseStore

__all__ = [
    "CheckSummary",
    "as_a_student_may",
    "exclude_from_check",
    "list_checks",
    "load_report",
    "purge_expired_texts",
    "restore_in_check",
    "run_check",
    "searchable_by",
]

logger = logging.getLogger(__name__)

PURGE_EVERY_S = 3600.0  # after a check, expired texts are looked for at most this often per process and database
_last_purge: dict[str, float] = {}  # database URL -> time.monotonic() of this process's last purge


def run_check(
    context: Context,
    actor: Account | None,
    data: bytes,
    filename: str,
    options: CheckOptions = CheckOptions(),
    progress: Progress | None = None,
) -> CheckReport:
    """Check a file as ``actor``; the stored Check is theirs. A student's own check (``searchable_by``) searches
    the corpus but not the other students' kept work, and leaves no source out."""
    actor = authorize(context.sessions, actor, *Role)
    if not actor.is_staff:
        options = as_a_student_may(context, options)
    owner = None if actor == OPERATOR else actor.id  # the command line's checks belong to no account
    report = check_bytes(context, data, filename, options, user_id=owner, progress=progress)
    _purge_now_and_then(context)
    return report


def searchable_by(context: Context, actor: Account | None) -> list[str]:
    """The collections ``actor`` may check a file against: those holding documents; for a student not the submission
    repository, whose passages are other students' work (a student meets it only in the report of a hand-in)."""
    actor = authorize(context.sessions, actor, *Role)
    names = Corpus(context).searchable_collections()
    return names if actor.is_staff else [name for name in names if name != REPOSITORY]


def as_a_student_may(context: Context, options: CheckOptions) -> CheckOptions:
    """The options a student's check runs with, or why it is refused: within ``searchable_by`` (the whole corpus:
    all of those), nothing left out by name (a hand-in's own versions, named when it is re-run, are in the
    repository, out of reach anyway)."""
    store = CourseStore(context.sessions)
    if set(options.excluded_sources) - store.in_repository(options.excluded_sources):
        raise PermissionDenied("Only instructors leave sources out of a check.")
    allowed = [name for name in Corpus(context).searchable_collections() if name != REPOSITORY]
    asked = [name for name in options.collections if name != REPOSITORY] if options.collections else allowed
    if options.collections and not asked:
        raise PermissionDenied(
            "A check of your own searches the corpus, not other students' work: to be checked against them, hand "
            "your work in to its assignment on the Courses page."
        )
    mine = replace(options, excluded_sources=frozenset(), leave_out_same_bytes=True)
    if asked:
        return replace(mine, collections=tuple(asked))
    # Nothing but the repository holds documents (or nothing at all): the whole corpus less the repository.
    return replace(mine, collections=(), excluded_sources=frozenset(store.repository_documents()))


def list_checks(
    context: Context, actor: Account | None, limit: int = 500, find: str = "", at_least: float = 0.0
) -> list[CheckSummary]:
    """The newest checks ``actor`` may see: a student's own, everyone's for staff; with ``find``, those whose file
    name, person or collection holds each of its words, and with ``at_least`` those at least that similar (in the
    whole percent the lists show)."""
    actor = authorize(context.sessions, actor, *Role)
    checks = check_summaries(context.sessions, None if actor.is_staff else actor.id, limit)
    words = find.casefold().split()
    return [
        c
        for c in checks
        if round(100 * c.similarity) >= round(100 * at_least)  # in whole percent, as the lists show it
        and all(
            any(w in (field or "").casefold() for field in (c.filename, c.username, c.collection, c.collection_asked))
            for w in words
        )
    ]


def load_report(context: Context, actor: Account | None, check_id: int) -> CheckReport:
    """The stored report of a check, as ``actor`` may see it."""
    actor = authorize(context.sessions, actor, *Role)
    if not actor.is_staff and _owner_or_none(context, check_id) != actor.id:
        # The same words for a check that does not exist: a student learns nothing of other people's check ids.
        raise PermissionDenied("This check belongs to someone else.")
    return as_seen_by(context, actor, load_check(context.sessions, check_id))  # no classmate named to a student


def _owner_or_none(context: Context, check_id: int) -> int | None:
    try:
        return check_owner(context.sessions, check_id)
    except PlagDetectError:
        return None


def exclude_from_check(
    context: Context,
    actor: Account | None,
    check_id: int,
    reason: str,
    source_id: int | None = None,
    match_id: int | None = None,
) -> CheckReport:
    """Take a source (``source_id``) or one match (``match_id``) out of a stored check, with a reason (staff only);
    the report as it now reads, its index and shares without them. Undone by ``restore_in_check``."""
    actor = authorize(context.sessions, actor, *STAFF)
    reason = " ".join(reason.split())
    if not reason:
        raise PlagDetectError("Say why it is excluded: the reason is kept with the check and shown in its report.")
    if (source_id is None) == (match_id is None):
        raise PlagDetectError("Exclude either a source or a match.")
    report = load_check(context.sessions, check_id)
    if match_id is not None:
        number, match = next(((k, m) for k, m in enumerate(report.matches, 1) if m.match_id == match_id), (0, None))
        what = f"match [{number}] from {match.source_title}: {_preview(match.submission_text)}" if match else ""
    else:
        title = next((s.title for s in report.sources if s.document_id == source_id), "")
        what = f"the source {title}" if title else ""
    if not what:  # not in the report as it reads now: not in the check, or excluded already
        raise PlagDetectError("That source or match is not in this check's report (excluded already?).")
    check_exclusions.add_exclusion(context.sessions, check_id, actor.username, reason, what, source_id, match_id)
    logger.info("%s excluded %s from check %d: %s", actor.username, what, check_id, reason)
    return load_check(context.sessions, check_id)


def restore_in_check(context: Context, actor: Account | None, exclusion_id: int) -> CheckReport:
    """Undo an exclusion made after a check (staff only; the record stays, marked restored); the report now."""
    actor = authorize(context.sessions, actor, *STAFF)
    check_id = check_exclusions.restore_exclusion(context.sessions, exclusion_id, actor.username)
    logger.info("%s restored exclusion %d of check %d", actor.username, exclusion_id, check_id)
    return load_check(context.sessions, check_id)


def _preview(text: str, words: int = 8) -> str:
    shown = text.split()
    return " ".join(shown[:words]) + ("…" if len(shown) > words else "")


def purge_expired_texts(context: Context, now: datetime | None = None) -> int:
    """Remove the full texts of checks older than ``check_text_retention_days`` (0: kept for ever); how many lost it.

    The server's upkeep, not a person's request (no role). Their reports stay readable (``store.checks``); the
    write-ahead log is emptied afterwards, or as soon as readers let it be (``DocumentStore.checkpoint``).
    """
    days = context.settings.check_text_retention_days
    if days <= 0:
        return 0
    removed = stored_checks.purge_expired_texts(context.sessions, days, now or datetime.now(UTC))
    if removed:
        context.documents.checkpoint()
        logger.info("Removed the full text of %d check(s) older than %d days", removed, days)
    return removed


def _purge_now_and_then(context: Context) -> None:
    """``purge_expired_texts`` after a check, at most every ``PURGE_EVERY_S``; a failure never fails the check."""
    if context.settings.check_text_retention_days <= 0:
        return
    url, clock = context.settings.resolved_database_url, time.monotonic()
    last = _last_purge.get(url)
    if last is not None and clock - last < PURGE_EVERY_S:
        return
    _last_purge[url] = clock
    try:
        purge_expired_texts(context)
    except Exception:  # the check itself is stored; the next purge tries again
        logger.exception("Removing expired check texts failed")


def file_to_rerun(context: Context, actor: Account | None, check_id: int) -> tuple[str, bytes]:
    """The name and bytes of the file check ``check_id`` ran on, to run it again with other options: one's own check,
    or anyone's for staff. A check whose file is no longer kept is refused, saying why."""
    _may_rerun(context, actor, check_id)
    kept = stored_checks.kept_file(context.sessions, check_id)
    if kept.data is not None:
        return kept.filename, kept.data
    if kept.text_removed:
        raise PlagDetectError(
            f"Check #{check_id} cannot be re-run: its file was removed with its text "
            f"(check_text_retention_days). Check the file again on the Check page."
        )
    raise PlagDetectError(
        f"Check #{check_id} cannot be re-run: it was stored before PlagDetect kept the files it checks. "
        "Check the file again on the Check page."
    )


def rerun_check(
    context: Context,
    actor: Account | None,
    check_id: int,
    data: bytes,
    filename: str,
    options: CheckOptions,
    progress: Progress | None = None,
) -> CheckReport:
    """Check ``data``, the file of check ``check_id`` (``file_to_rerun``), again with ``options``: a new check of
    ``actor``'s that records which check it re-runs. The rules of ``file_to_rerun`` hold (they are asked again)."""
    actor = _may_rerun(context, actor, check_id)
    report = run_check(context, actor, data, filename, options, progress)
    stored_checks.record_rerun(context.sessions, report.check_id, check_id)
    return load_check(context.sessions, report.check_id)


def _may_rerun(context: Context, actor: Account | None, check_id: int) -> Account:
    """``actor``, if they may re-run check ``check_id``: their own, or (staff) anyone's."""
    actor = authorize(context.sessions, actor, *Role)
    if not actor.is_staff and check_owner(context.sessions, check_id) != actor.id:
        raise PermissionDenied("You may re-run only your own checks.")
    return actor
