"""Accounts and roles: who may do what, enforced here so the app, the CLI and the tests share one set of rules.

Three roles: a *student* checks their own work and sees only their own checks; an *instructor* also manages
the corpus, sees every check and labels pairs; an *admin* also manages accounts and settings. Passwords are
stored as Argon2id hashes. The first account of a fresh installation is an admin (``create_first_admin``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session, sessionmaker

from plagdetect.errors import PlagDetectError
from plagdetect.services.common_passwords import COMMON_PASSWORDS
from plagdetect.services.sign_in import SignInGuard
from plagdetect.store.browser_sessions import BrowserSessionStore
from plagdetect.store.tables import User
from plagdetect.store.users import SignInRecord, UserStore

MIN_PASSWORD_LENGTH = 8
MIN_DISTINCT_CHARACTERS = 4
PASSWORD_RULES = (
    f"At least {MIN_PASSWORD_LENGTH} characters and {MIN_DISTINCT_CHARACTERS} different ones; "
    "not one of the commonest passwords; not containing the username."
)
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
    locked: bool = False  # after repeated failed sign-ins, until an admin unlocks it

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
        raise PermissionDenied(f"Only {_a(allowed)} may do this; you are logged in as {_a(actor.role.value)}.")
    return actor


def authorize(sessions: sessionmaker[Session], actor: Account | None, *roles: Role) -> Account:
    """``actor`` as stored now, if it is active with one of ``roles``; otherwise ``PermissionDenied``.

    A service never trusts the role or state in the object it is handed: an account demoted, disabled or deleted
    since that object was made is refused. The command line's ``OPERATOR`` is not stored and passes as it is.
    """
    if actor is None or actor == OPERATOR:
        return require_role(actor, *roles)
    try:
        stored = account_of(UserStore(sessions).get(actor.id))
    except PlagDetectError:
        raise PermissionDenied("This account no longer exists.") from None
    if not stored.active:
        raise PermissionDenied("This account is disabled; ask an admin to enable it.")
    return require_role(stored, *roles)


class Accounts:
    """The user accounts in the product's database."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], float] = time.time) -> None:
        self.users = UserStore(sessions)
        self.browser_sessions = BrowserSessionStore(sessions)
        self.guard = SignInGuard(SignInRecord(sessions), clock)

    def needs_first_admin(self) -> bool:
        """True on a fresh installation: nobody can log in until the first admin is created."""
        return not self.users.count()

    def create_first_admin(self, username: str, password: str) -> Account:
        """The installation's first account; refused once any account exists."""
        taken = PermissionDenied("The first admin account exists already: log in, or ask an admin.")
        if self.users.count():
            raise taken
        username, password_hash = self._new(username, password)
        user = self.users.add(username, password_hash, Role.ADMIN.value, only_if_first=True)
        if user is None:
            raise taken
        return account_of(user)

    def create_user(self, actor: Account | None, username: str, password: str, role: Role | str) -> Account:
        authorize(self.users.sessions, actor, Role.ADMIN)
        role = _role(role)
        username, password_hash = self._new(username, password)
        return account_of(self.users.add(username, password_hash, role.value))

    def authenticate(self, username: str, password: str, client: str = "unknown") -> Account:
        """The account for these credentials; one message for any wrong one, so it reveals nothing.

        Failures slow further attempts on the name and from the ``client`` (``sign_in``), and enough of them lock
        the account until an admin unlocks it.
        """
        failure = PlagDetectError("Wrong username or password.")
        self.guard.check(username, client)
        user = self.users.by_name(username.strip())
        if user is None:
            _HASHER.hash(password)  # the same work as a known name: timing does not tell names apart
            self.guard.failed(username, client, None)
            raise failure
        if self.guard.is_locked(user.id):
            raise PlagDetectError("This account is locked after repeated failed sign-ins; an admin can unlock it.")
        try:
            _HASHER.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            self.guard.failed(username, client, user.id)
            raise failure from None
        self.guard.succeeded(username)
        if not user.active:
            raise PlagDetectError("This account is disabled; ask an admin to enable it.")
        if _HASHER.check_needs_rehash(user.password_hash):
            rehashed = _HASHER.hash(password)
            user = self.users.update(user.id, lambda row: setattr(row, "password_hash", rehashed))
        return account_of(user)

    def list_users(self, actor: Account | None) -> list[Account]:
        authorize(self.users.sessions, actor, Role.ADMIN)
        locked = self.guard.locked()
        return [replace(account_of(user), locked=user.id in locked) for user in self.users.all()]

    def unlock(self, actor: Account | None, user_id: int) -> Account:
        """Lift the lock of an account after failed sign-ins, and forget those failures (admins only)."""
        authorize(self.users.sessions, actor, Role.ADMIN)
        user = self.users.get(user_id)
        self.guard.unlock(user.id, user.username)
        return account_of(user)

    def get(self, user_id: int) -> Account:
        """The current state of an account (a signed-in session re-reads it: a disabled user is signed out)."""
        return account_of(self.users.get(user_id))

    def set_active(self, actor: Account | None, user_id: int, active: bool) -> Account:
        actor = authorize(self.users.sessions, actor, Role.ADMIN)
        if actor.id == user_id and not active:
            raise PlagDetectError("You cannot disable your own account.")
        account = account_of(self.users.update(user_id, lambda user: setattr(user, "active", active)))
        if not active:  # signed out everywhere: enabled again, the account needs a new sign-in
            self.browser_sessions.end_all(user_id)
        return account

    def set_role(self, actor: Account | None, user_id: int, role: Role | str) -> Account:
        actor = authorize(self.users.sessions, actor, Role.ADMIN)
        if actor.id == user_id and _role(role) != Role.ADMIN:
            raise PlagDetectError("You cannot take the admin role from your own account.")
        new_role = _role(role).value
        return account_of(self.users.update(user_id, lambda user: setattr(user, "role", new_role)))

    def reset_password(self, actor: Account | None, user_id: int, password: str) -> None:
        """An admin sets anyone's password; everyone else only their own (``change_password``)."""
        authorize(self.users.sessions, actor, Role.ADMIN)
        password_hash = _hash(password, self.users.get(user_id).username)
        self.users.update(user_id, lambda user: setattr(user, "password_hash", password_hash))
        self.browser_sessions.end_all(user_id)  # whoever knew the old password is signed out everywhere

    def change_password(self, actor: Account | None, old_password: str, new_password: str) -> None:
        """Change one's own password (the old one asked first); every browser signed in to the account is signed out,
        the one that asked included (the app gives it a new session at once)."""
        if actor is None:
            raise PermissionDenied("Please log in first.")
        self.authenticate(actor.username, old_password)
        password_hash = _hash(new_password, actor.username)
        self.users.update(actor.id, lambda user: setattr(user, "password_hash", password_hash))
        self.browser_sessions.end_all(actor.id)

    def _new(self, username: str, password: str) -> tuple[str, str]:
        """A new account's name (checked, not taken) and password hash (the password checked)."""
        username = username.strip()
        if not _USERNAME.match(username):
            raise PlagDetectError(
                "A username has 2 to 120 characters: letters, digits and . _ @ - (starting with a letter or digit)."
            )
        if self.users.name_taken(username):
            raise PlagDetectError(f"The username '{username}' is taken.")
        return username, _hash(password, username)


def _hash(password: str, username: str) -> str:
    """The Argon2id hash of a password that meets the policy (a clear message says which rule it breaks)."""
    check_password(password, username)
    return _HASHER.hash(password)


def check_password(password: str, username: str = "") -> None:
    """The password policy: long enough without its surrounding spaces, not one of the commonest, not the name."""
    if len(password.strip()) < MIN_PASSWORD_LENGTH:
        raise PlagDetectError(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters (spaces around it do not count)."
        )
    if len(set(password.casefold())) < MIN_DISTINCT_CHARACTERS:
        raise PlagDetectError(f"A password needs at least {MIN_DISTINCT_CHARACTERS} different characters.")
    if password.strip().casefold() in COMMON_PASSWORDS:
        raise PlagDetectError("This password is one of the most common ones, which are tried first: choose another.")
    if username and username.strip().casefold() in password.casefold():
        raise PlagDetectError("A password may not contain the username.")


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise PlagDetectError(f"Unknown role '{role}': choose student, instructor or admin.") from None


def account_of(user: User) -> Account:
    """The account of a stored user (services.browser_sessions reads one with each session)."""
    return Account(id=user.id, username=user.username, role=Role(user.role), active=user.active)


def _a(noun: str) -> str:
    """The noun with its indefinite article: "an admin", "a student"."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"
