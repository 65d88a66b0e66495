"""Accounts and roles: who may do what, enforced here so the app, the CLI and the tests share one set of rules.

Three roles: a *student* checks their own work and sees only their own checks; an *instructor* also manages
the corpus, sees every check and labels pairs; an *admin* also manages accounts and settings. Passwords are
stored as Argon2id hashes. The first account of a fresh installation is an admin (``create_first_admin``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from plagdetect.errors import PlagDetectError
from plagdetect.store import User

MIN_PASSWORD_LENGTH = 8
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,119}$")
_HASHER = PasswordHasher()


class Role(StrEnum):
    STUDENT = "student"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


STAFF = (Role.INSTRUCTOR, Role.ADMIN)


class PermissionDenied(PlagDetectError):
    """The signed-in person's role does not allow the request."""


@dataclass(frozen=True)
class Account:
    """A user as the rest of the product sees it (never with the password hash)."""

    id: int
    username: str
    role: Role
    active: bool = True

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF


# Whoever runs the command line on the server has the data directory in reach, so an admin's power anyway;
# the CLI acts as this account and goes through the same service rules as the app.
OPERATOR = Account(id=0, username="(command line)", role=Role.ADMIN)


def require_role(actor: Account | None, *roles: Role) -> Account:
    """``actor`` if it is signed in with one of ``roles``; otherwise ``PermissionDenied``."""
    if actor is None:
        raise PermissionDenied("Please log in first.")
    if actor.role not in roles:
        allowed = " or ".join(role.value for role in roles)
        raise PermissionDenied(f"Only an {allowed} may do this; you are logged in as a {actor.role.value}.")
    return actor


class Accounts:
    """The user accounts in the product's database."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def needs_first_admin(self) -> bool:
        """True on a fresh installation: nobody can log in until the first admin is created."""
        with self.sessions() as session:
            return not session.scalar(select(func.count(User.id)))

    def create_first_admin(self, username: str, password: str) -> Account:
        """The installation's first account; refused once any account exists."""
        with self.sessions.begin() as session:
            taken = PermissionDenied("The first admin account exists already: log in, or ask an admin.")
            if session.scalar(select(func.count(User.id))):
                raise taken
            account = self._add(session, username, password, Role.ADMIN)
            if session.scalar(select(func.count(User.id))) > 1:  # two first visitors at the same moment
                raise taken  # the transaction rolls back; the other one stays
            return account

    def create_user(self, actor: Account | None, username: str, password: str, role: Role | str) -> Account:
        require_role(actor, Role.ADMIN)
        with self.sessions.begin() as session:
            return self._add(session, username, password, _role(role))

    def authenticate(self, username: str, password: str) -> Account:
        """The account for these credentials; one message for any failure, so it reveals nothing."""
        failure = PlagDetectError("Wrong username or password.")
        with self.sessions.begin() as session:
            user = session.scalar(select(User).where(User.username == username.strip()))
            if user is None:
                _HASHER.hash(password)  # the same work as a known name: timing does not tell names apart
                raise failure
            try:
                _HASHER.verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                raise failure from None
            if not user.active:
                raise PlagDetectError("This account is disabled; ask an admin to enable it.")
            if _HASHER.check_needs_rehash(user.password_hash):
                user.password_hash = _HASHER.hash(password)
            return _account(user)

    def list_users(self, actor: Account | None) -> list[Account]:
        require_role(actor, Role.ADMIN)
        with self.sessions() as session:
            return [_account(user) for user in session.scalars(select(User).order_by(User.username))]

    def get(self, user_id: int) -> Account:
        """The current state of an account (a signed-in session re-reads it: a disabled user is signed out)."""
        with self.sessions() as session:
            user = session.get(User, user_id)
            if user is None:
                raise PlagDetectError(f"No account with id {user_id}.")
            return _account(user)

    def set_active(self, actor: Account | None, user_id: int, active: bool) -> Account:
        actor = require_role(actor, Role.ADMIN)
        if actor.id == user_id and not active:
            raise PlagDetectError("You cannot disable your own account.")
        with self.sessions.begin() as session:
            user = self._user(session, user_id)
            user.active = active
            return _account(user)

    def set_role(self, actor: Account | None, user_id: int, role: Role | str) -> Account:
        actor = require_role(actor, Role.ADMIN)
        if actor.id == user_id and _role(role) != Role.ADMIN:
            raise PlagDetectError("You cannot take the admin role from your own account.")
        with self.sessions.begin() as session:
            user = self._user(session, user_id)
            user.role = _role(role).value
            return _account(user)

    def reset_password(self, actor: Account | None, user_id: int, password: str) -> None:
        """An admin sets anyone's password; everyone else only their own (``change_password``)."""
        require_role(actor, Role.ADMIN)
        with self.sessions.begin() as session:
            self._user(session, user_id).password_hash = _hash(password)

    def change_password(self, actor: Account | None, old_password: str, new_password: str) -> None:
        if actor is None:
            raise PermissionDenied("Please log in first.")
        self.authenticate(actor.username, old_password)
        with self.sessions.begin() as session:
            self._user(session, actor.id).password_hash = _hash(new_password)

    @staticmethod
    def _user(session: Session, user_id: int) -> User:
        user = session.get(User, user_id)
        if user is None:
            raise PlagDetectError(f"No account with id {user_id}.")
        return user

    @staticmethod
    def _add(session: Session, username: str, password: str, role: Role) -> Account:
        username = username.strip()
        if not _USERNAME.match(username):
            raise PlagDetectError(
                "A username has 2 to 120 characters: letters, digits and . _ @ - (starting with a letter or digit)."
            )
        if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None:
            raise PlagDetectError(f"The username '{username}' is taken.")
        user = User(username=username, password_hash=_hash(password), role=role.value, active=True)
        session.add(user)
        try:
            session.flush()
        except IntegrityError:  # created by someone else at the same moment
            raise PlagDetectError(f"The username '{username}' is taken.") from None
        return _account(user)


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PlagDetectError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    return _HASHER.hash(password)


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise PlagDetectError(f"Unknown role '{role}': choose student, instructor or admin.") from None


def _account(user: User) -> Account:
    return Account(id=user.id, username=user.username, role=Role(user.role), active=user.active)
