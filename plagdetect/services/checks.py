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
from datetime import UTC, datetime

from plagdetect.context import Context
from plagdetect.detection.pipeline import Progress, check_bytes
from plagdetect.detection.report import CheckOptions, CheckReport
from plagdetect.services.accounts import OPERATOR, Account, PermissionDenied, Role, authorize
from plagdetect.store import checks as stored_checks
from plagdetect.store.checks import CheckSummary, check_owner, check_summaries, load_check

__all__ = ["CheckSummary", "list_checks", "load_report", "purge_expired_texts", "run_check"]

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
    """Check a file as ``actor``; the stored Check is theirs."""
    actor = authorize(context.sessions, actor, *Role)
    owner = None if actor == OPERATOR else actor.id  # the command line's checks belong to no account
    report = check_bytes(context, data, filename, options, user_id=owner, progress=progress)
    _purge_now_and_then(context)
    return report


def list_checks(context: Context, actor: Account | None, limit: int = 500) -> list[CheckSummary]:
    """The newest checks ``actor`` may see: a student's own, everyone's for staff."""
    actor = authorize(context.sessions, actor, *Role)
    return check_summaries(context.sessions, None if actor.is_staff else actor.id, limit)


def load_report(context: Context, actor: Account | None, check_id: int) -> CheckReport:
    """The stored report of a check, as ``actor`` may see it."""
    actor = authorize(context.sessions, actor, *Role)
    if not actor.is_staff and check_owner(context.sessions, check_id) != actor.id:
        raise PermissionDenied("This check belongs to someone else.")
    return load_check(context.sessions, check_id)


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
