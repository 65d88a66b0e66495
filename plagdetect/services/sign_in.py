"""Throttling sign-in: growing waits after failed attempts, per account and per client, and a lock-out an admin lifts.

The first ``FREE_FAILURES`` failures within ``WINDOW_S`` cost nothing; after that each further attempt must wait
1, 2, 4, 8 … seconds (at most ``MAX_WAIT_S``) after the last failure, counted separately for the name tried (known
or not, so names cannot be told apart) and for the client it comes from (so one client cannot try many names). An
attempt made during a wait is refused before the password is looked at and is not counted. ``LOCK_AFTER`` failures
of one account within the window lock it, the right password included, until an admin unlocks it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from plagdetect.errors import PlagDetectError
from plagdetect.store.users import SignInRecord

FREE_FAILURES = 3
MAX_WAIT_S = 900.0
WINDOW_S = 3600.0
LOCK_AFTER = 10


class SignInThrottled(PlagDetectError):
    """Too many failed sign-ins just now: the message says how long to wait."""


def wait_after(failures: list[float], now: float) -> float:
    """Seconds still to wait before the next attempt, given the times of the failures (oldest first)."""
    recent = [at for at in failures if at > now - WINDOW_S]
    extra = len(recent) - FREE_FAILURES
    if extra < 0:
        return 0.0
    return max(0.0, recent[-1] + min(MAX_WAIT_S, 2.0**extra) - now)


class SignInGuard:
    def __init__(self, record: SignInRecord, clock: Callable[[], float] = time.time) -> None:
        self.record = record
        self.clock = clock

    def check(self, username: str, client: str) -> None:
        """Refuse an attempt that comes too soon after failures of this name or from this client."""
        now = self.clock()
        since = now - WINDOW_S
        wait = max(
            wait_after(self.record.failures(since, username=_key(username)), now),
            wait_after(self.record.failures(since, client=client), now),
        )
        if wait > 0:
            raise SignInThrottled(f"Too many failed sign-ins: try again in {math.ceil(wait)} s.")

    def failed(self, username: str, client: str, user_id: int | None) -> None:
        """Count a failure; lock the account (if there is one) once it has failed ``LOCK_AFTER`` times."""
        now = self.clock()
        self.record.add_failure(_key(username), client, now)
        self.record.forget(before=now - WINDOW_S)
        if user_id is not None and len(self.record.failures(now - WINDOW_S, username=_key(username))) >= LOCK_AFTER:
            self.record.lock(user_id, now)

    def succeeded(self, username: str) -> None:
        self.record.forget(username=_key(username))

    def is_locked(self, user_id: int) -> bool:
        return user_id in self.record.locked()

    def locked(self) -> set[int]:
        return self.record.locked()

    def unlock(self, user_id: int, username: str) -> None:
        self.record.unlock(user_id)
        self.record.forget(username=_key(username))


def _key(username: str) -> str:
    return username.strip().casefold()[:200]
