"""Browser sessions in the database: every query that reads or writes a ``BrowserSession`` row (the rules:
services.browser_sessions)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from plagdetect.store.tables import BrowserSession, User


class BrowserSessionStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def add(self, user_id: int, token_hash: str, created_at: float, expires_at: float) -> int:
        """A new session of the account; its id."""
        with self.sessions.begin() as session:
            row = BrowserSession(user_id=user_id, token_hash=token_hash, created_at=created_at, expires_at=expires_at)
            session.add(row)
            session.flush()
            return row.id

    def by_token(self, token_hash: str, now: float) -> tuple[BrowserSession, User] | None:
        """The unexpired session whose token has this hash, with its account as stored now."""
        return self._live(BrowserSession.token_hash == token_hash, now)

    def by_id(self, session_id: int, now: float) -> tuple[BrowserSession, User] | None:
        """The session with this id if it has not expired or ended, with its account as stored now."""
        return self._live(BrowserSession.id == session_id, now)

    def end_all(self, user_id: int) -> int:
        """End every session of the account (its rows go); how many there were."""
        with self.sessions.begin() as session:
            return session.execute(delete(BrowserSession).where(BrowserSession.user_id == user_id)).rowcount

    def forget_expired(self, now: float) -> int:
        """Delete the sessions that expired before ``now``; how many."""
        with self.sessions.begin() as session:
            return session.execute(delete(BrowserSession).where(BrowserSession.expires_at <= now)).rowcount

    def _live(self, which, now: float) -> tuple[BrowserSession, User] | None:
        query = (
            select(BrowserSession, User)
            .join(User, User.id == BrowserSession.user_id)
            .where(which, BrowserSession.expires_at > now)
        )
        with self.sessions() as session:
            found = session.execute(query).first()
            return None if found is None else (found[0], found[1])
