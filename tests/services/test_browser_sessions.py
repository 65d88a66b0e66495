"""Browser sessions: a sign-in kept by a cookie's token lasts its hours, ends everywhere at sign-out, and no old,
forged or altered token, disabled or deleted account, or changed password keeps anyone signed in."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import Account, Accounts, PermissionDenied, Role
from plagdetect.services.browser_sessions import BrowserSessions
from plagdetect.settings import Settings
from plagdetect.store import User, make_engine, make_session_factory
from plagdetect.store.tables import BrowserSession

from builders import make_people


class Clock:
    """Time that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def database(tmp_path):
    return make_session_factory(make_engine(f"sqlite:///{tmp_path / 'sessions.db'}"))


@pytest.fixture
def people(database) -> dict[str, Account]:
    return make_people(database)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def browser_sessions(database, clock: Clock) -> BrowserSessions:
    return BrowserSessions(database, hours=12, clock=clock)


def test_a_token_resumes_its_session_until_it_expires(
    browser_sessions: BrowserSessions, people: dict[str, Account], clock: Clock
) -> None:
    started, token = browser_sessions.start(people["sam"])
    assert started.account == people["sam"] and started.expires_at == clock.now + 12 * 3600
    clock.now += 11.9 * 3600  # a reload, a new tab, the next morning's first minutes
    assert browser_sessions.resume(token) == started
    assert browser_sessions.current(started.id) == started
    clock.now += 0.1 * 3600
    assert browser_sessions.resume(token) is None and browser_sessions.current(started.id) is None


def test_the_database_keeps_only_a_hash_of_the_token(
    browser_sessions: BrowserSessions, people: dict[str, Account], database
) -> None:
    _, token = browser_sessions.start(people["sam"])
    with database() as session:
        stored = session.scalar(select(BrowserSession.token_hash))
    assert token not in stored and len(stored) == 64


def test_a_forged_or_altered_token_is_refused(browser_sessions: BrowserSessions, people: dict[str, Account]) -> None:
    _, token = browser_sessions.start(people["sam"])
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for forged in [altered, token[:-1], token + "x", "", None, "sam", "1", "x" * 5000, token.upper()]:
        assert browser_sessions.resume(forged) is None, forged
    assert browser_sessions.resume(token) is not None  # the real one still works


def test_signing_out_ends_every_session_of_the_account_and_no_one_elses(
    browser_sessions: BrowserSessions, people: dict[str, Account]
) -> None:
    laptop, laptop_token = browser_sessions.start(people["sam"])
    phone, phone_token = browser_sessions.start(people["sam"])
    teacher, teacher_token = browser_sessions.start(people["teacher"])
    assert laptop_token != phone_token and laptop.id != phone.id
    assert browser_sessions.end_everywhere(people["sam"]) == 2
    assert browser_sessions.resume(laptop_token) is None and browser_sessions.resume(phone_token) is None
    assert browser_sessions.current(laptop.id) is None and browser_sessions.current(phone.id) is None  # open tabs
    assert browser_sessions.resume(teacher_token) == teacher


def test_a_disabled_account_is_signed_out_everywhere_and_stays_out_once_enabled(
    browser_sessions: BrowserSessions, people: dict[str, Account], database
) -> None:
    accounts = Accounts(database)
    started, token = browser_sessions.start(people["sam"])
    accounts.set_active(people["admin"], people["sam"].id, False)
    assert browser_sessions.resume(token) is None and browser_sessions.current(started.id) is None
    with pytest.raises(PermissionDenied, match="disabled"):
        browser_sessions.start(people["sam"])
    accounts.set_active(people["admin"], people["sam"].id, True)
    assert browser_sessions.resume(token) is None  # the old cookie does not come back to life


def test_a_deleted_account_resumes_nothing(
    browser_sessions: BrowserSessions, people: dict[str, Account], database
) -> None:
    started, token = browser_sessions.start(people["sam"])
    with database.begin() as session:
        session.execute(delete(User).where(User.id == people["sam"].id))
    assert browser_sessions.resume(token) is None and browser_sessions.current(started.id) is None
    with database() as session:
        assert session.scalar(select(BrowserSession.id)) is None  # its sessions went with it


def test_a_changed_or_reset_password_ends_the_sessions_made_with_the_old_one(
    browser_sessions: BrowserSessions, people: dict[str, Account], database
) -> None:
    accounts = Accounts(database)
    _, token = browser_sessions.start(people["sam"])
    accounts.change_password(people["sam"], "student password", "a new sentence of mine")
    assert browser_sessions.resume(token) is None
    _, token = browser_sessions.start(people["sam"])
    accounts.reset_password(people["admin"], people["sam"].id, "the admin's choice now")
    assert browser_sessions.resume(token) is None
    _, teacher_token = browser_sessions.start(people["teacher"])
    assert browser_sessions.resume(teacher_token) is not None  # another account's sessions stay


def test_a_resumed_session_carries_the_role_as_stored_now(
    browser_sessions: BrowserSessions, people: dict[str, Account], database
) -> None:
    _, token = browser_sessions.start(people["teacher"])
    Accounts(database).set_role(people["admin"], people["teacher"].id, Role.STUDENT)
    assert browser_sessions.resume(token).account.role is Role.STUDENT


def test_expired_sessions_are_deleted_when_the_next_one_starts(
    browser_sessions: BrowserSessions, people: dict[str, Account], clock: Clock, database
) -> None:
    browser_sessions.start(people["sam"])
    clock.now += 13 * 3600
    browser_sessions.start(people["teacher"])
    with database() as session:
        assert list(session.scalars(select(BrowserSession.user_id))) == [people["teacher"].id]


def test_the_session_lifetime_is_a_setting_checked_like_the_others() -> None:
    assert Settings.from_env({"PLAGDETECT_SESSION_HOURS": "2.5"}).session_hours == 2.5
    for wrong in ["0", "-1", "9000"]:
        with pytest.raises(PlagDetectError, match="session_hours"):
            Settings.from_env({"PLAGDETECT_SESSION_HOURS": wrong})
    with pytest.raises(PlagDetectError, match="not a valid float"):
        Settings.from_env({"PLAGDETECT_SESSION_HOURS": "a day"})
