"""User accounts in the database: every query that reads or writes a ``User`` row (the rules: services.accounts)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from plagdetect.errors import PlagDetectError
from plagdetect.store.tables import User


class UserStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def count(self) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count(User.id)))

    def name_taken(self, username: str) -> bool:
        """Whether an account has this name, whatever its case."""
        with self.sessions() as session:
            return session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None

    def add(self, username: str, password_hash: str, role: str, only_if_first: bool = False) -> User | None:
        """A new active account; with ``only_if_first``, None (and nothing stored) when any account exists."""
        try:
            with self.sessions.begin() as session:
                if only_if_first and session.scalar(select(func.count(User.id))):
                    return None
                user = User(username=username, password_hash=password_hash, role=role, active=True)
                session.add(user)
                try:
                    session.flush()
                except IntegrityError:  # created by someone else at the same moment
                    raise PlagDetectError(f"The username '{username}' is taken.") from None
                if only_if_first and session.scalar(select(func.count(User.id))) > 1:  # two first visitors at once
                    raise _NotFirst  # this transaction rolls back; the other one stays
                return user
        except _NotFirst:
            return None

    def by_name(self, username: str) -> User | None:
        with self.sessions() as session:
            return session.scalar(select(User).where(User.username == username))

    def get(self, user_id: int) -> User:
        with self.sessions() as session:
            return _found(session.get(User, user_id), user_id)

    def all(self) -> list[User]:
        with self.sessions() as session:
            return list(session.scalars(select(User).order_by(User.username)))

    def update(self, user_id: int, change: Callable[[User], None]) -> User:
        """Change an account in one transaction; returns it as changed."""
        with self.sessions.begin() as session:
            user = _found(session.get(User, user_id), user_id)
            change(user)
            return user


class _NotFirst(Exception):
    """Raised inside ``add`` to roll back an account that lost the race to be the first."""


def _found(user: User | None, user_id: int) -> User:
    if user is None:
        raise PlagDetectError(f"No account with id {user_id}.")
    return user
