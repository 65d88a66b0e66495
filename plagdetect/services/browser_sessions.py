"""Browser sessions: a sign-in that lasts across reloads and new tabs for ``session_hours``, until one signs out.

A session is a random token (256 bits) that the browser keeps in an HttpOnly cookie (views/session_cookie.py); the
database keeps only its SHA-256, with the account and when the session expires. A token that was never handed out,
or one altered by a single character, finds no session. Every look-up re-reads the account: a disabled account
resumes no session, and disabling it, changing or resetting its password (services.accounts) and signing out end every
session it has, everywhere.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from plagdetect.services.accounts import Account, Role, account_of, authorize
from plagdetect.store.browser_sessions import BrowserSessionStore
from plagdetect.store.tables import BrowserSession, User

TOKEN_BYTES = 32
LONGEST_TOKEN = 100  # characters; a longer cookie is no token of ours and is not even hashed


@dataclass(frozen=True)
class SignedIn:
    """A live browser session: whose, and until when (epoch seconds)."""

    id: int
    account: Account
    expires_at: float


class BrowserSessions:
    def __init__(self, sessions: sessionmaker[Session], hours: float, clock: Callable[[], float] = time.time) -> None:
        self.store = BrowserSessionStore(sessions)
        self.sessions = sessions
        self.seconds = hours * 3600
        self.clock = clock

    def start(self, account: Account) -> tuple[SignedIn, str]:
        """A new session for ``account`` (as stored now: a disabled or unknown account gets none), and its token,
        which only the browser keeps."""
        account = authorize(self.sessions, account, *Role)
        now = self.clock()
        self.store.forget_expired(now)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        expires_at = now + self.seconds
        session_id = self.store.add(account.id, token_hash(token), now, expires_at)
        return SignedIn(session_id, account, expires_at), token

    def resume(self, token: str | None) -> SignedIn | None:
        """The live session a browser's token belongs to; None for no token, an unknown or altered one, an expired or
        ended session, or a disabled account."""
        if not token or len(token) > LONGEST_TOKEN:
            return None
        return _signed_in(self.store.by_token(token_hash(token), self.clock()))

    def current(self, session_id: int) -> SignedIn | None:
        """The session a browser tab signed in with, if it still lives (re-read at every click: signing out in
        another tab ends it here too)."""
        return _signed_in(self.store.by_id(session_id, self.clock()))

    def end_everywhere(self, account: Account) -> int:
        """Sign ``account`` out of every browser; how many sessions ended."""
        return self.store.end_all(account.id)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _signed_in(found: tuple[BrowserSession, User] | None) -> SignedIn | None:
    if found is None:
        return None
    row, user = found
    if not user.active:
        return None
    return SignedIn(row.id, account_of(user), row.expires_at)
