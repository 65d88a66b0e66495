"""The checks people run and read back, with the rules of who may see what.

Anyone signed in may check a file. A student sees only their own checks, and of other people's documents
only the passages their work matched; instructors and admins see every check. Reports are rebuilt from what
was stored (``store.checks``), so opening one never re-runs the models.
"""

from __future__ import annotations

from plagdetect.context import Context
from plagdetect.detection.pipeline import Progress, check_bytes
from plagdetect.detection.report import CheckOptions, CheckReport
from plagdetect.services.accounts import Account, PermissionDenied, Role, authorize
from plagdetect.store.checks import CheckSummary, check_owner, check_summaries, load_check

__all__ = ["CheckSummary", "list_checks", "load_report", "run_check"]


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
    return check_bytes(context, data, filename, options, user_id=actor.id, progress=progress)


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
