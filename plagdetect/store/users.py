"""User accounts in the database: every query that reads or writes a ``User`` row (the rules: services.accounts)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from plagdetect.errors import PlagDetectError
from plagdetect.store.tables import AccountLock, SignInFailure, User


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


class SignInRecord:
    """Failed sign-ins and account locks: what throttling reads and writes (the rules: services.sign_in)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def add_failure(self, username: str, client: str, at: float) -> None:
        with self.sessions.begin() as session:
            session.add(SignInFailure(username=username, client=client[:100], at=at))

    def failures(self, since: float, username: str | None = None, client: str | None = None) -> list[float]:
        """When the failures since ``since`` happened, oldest first, of one name or one client."""
        query = select(SignInFailure.at).where(SignInFailure.at >= since).order_by(SignInFailure.at)
        if username is not None:
            query = query.where(SignInFailure.username == username)
        if client is not None:
            query = query.where(SignInFailure.client == client[:100])
        with self.sessions() as session:
            return list(session.scalars(query))

    def forget(self, username: str | None = None, before: float | None = None) -> None:
        """Forget the failures of one name, or all those older than ``before``."""
        query = delete(SignInFailure)
        if username is not None:
            query = query.where(SignInFailure.username == username)
        if before is not None:
            query = query.where(SignInFailure.at < before)
        with self.sessions.begin() as session:
            session.execute(query)

    def lock(self, user_id: int, at: float) -> None:
        with self.sessions.begin() as session:
            if session.get(AccountLock, user_id) is None:
                session.add(AccountLock(user_id=user_id, locked_at=at))

    def unlock(self, user_id: int) -> None:
        with self.sessions.begin() as session:
            session.execute(delete(AccountLock).where(AccountLock.user_id == user_id))

    def locked(self) -> set[int]:
        """The ids of the locked accounts."""
        with self.sessions() as session:
            return set(session.scalars(select(AccountLock.user_id)))


class _NotFirst(Exception):
    """Raised inside ``add`` to roll back an account that lost the race to be the first."""


def _found(user: User | None, user_id: int) -> User:
    if user is None:
        raise PlagDetectError(f"No account with id {user_id}.")
    return user
