"""The check queue: checks run outside the caller (a page's script, a future API), one at a time.

Each check uses all the machine's cores, so one worker thread runs them in turn. A ``CheckJob`` is the caller's
handle: its ``stages`` fill as the check goes (the pipeline's progress), ``future`` holds the report or the error.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from plagdetect.context import Context
from plagdetect.detection.pipeline import Progress
from plagdetect.detection.report import CheckOptions, CheckReport
from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import Account
from plagdetect.services.checks import run_check

logger = logging.getLogger(__name__)


@dataclass
class CheckJob:
    """A check under way; ``stages`` fills as it goes."""

    filename: str
    future: Future
    stages: list[str] = field(default_factory=list)


class CheckQueue:
    def __init__(self, context: Context) -> None:
        self.context = context
        self._runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="check")

    def submit(self, account: Account, filename: str, data: bytes, options: CheckOptions) -> CheckJob:
        """Queue a check of ``data`` as ``account``; it starts once the checks before it are done."""
        job = CheckJob(filename, Future())
        job.future = self._runner.submit(self._run, account, data, filename, options, job.stages.append)
        return job

    def _run(self, account: Account, data: bytes, filename: str, options: CheckOptions, say: Progress) -> CheckReport:
        """One check; an unexpected error is logged with its traceback (the page tells the person to look there)."""
        try:
            return run_check(self.context, account, data, filename, options, say)
        except PlagDetectError:
            raise
        except Exception:
            logger.exception("The check of %s for %s failed unexpectedly", filename, account.username)
            raise
