"""Sign-in throttling: growing waits per name and per client, a lock-out an admin lifts (services/sign_in.py)."""

from __future__ import annotations

import pytest

from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import Account, Accounts, PermissionDenied, Role
from plagdetect.services.sign_in import FREE_FAILURES, LOCK_AFTER, MAX_WAIT_S, SignInThrottled, wait_after
from plagdetect.store import make_engine, make_session_factory


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts(tmp_path, clock: Clock) -> Accounts:
    return Accounts(make_session_factory(make_engine(f"sqlite:///{tmp_path / 'accounts.db'}")), clock=clock)


@pytest.fixture
def people(accounts: Accounts) -> dict[str, Account]:
    admin = accounts.create_first_admin("ada", "correct horse")
    return {
        "admin": admin,
        "sam": accounts.create_user(admin, "sam", "student pass", Role.STUDENT),
        "tess": accounts.create_user(admin, "tess", "teacher pass", Role.INSTRUCTOR),
    }


def test_waits_grow_after_the_free_failures_and_stop_growing() -> None:
    assert wait_after([1.0] * (FREE_FAILURES - 1), 1.0) == 0
    assert [wait_after([0.0] * (FREE_FAILURES + k), 0.0) for k in range(4)] == [1, 2, 4, 8]
    assert wait_after([0.0] * 40, 0.0) == MAX_WAIT_S
    assert wait_after([0.0] * 10, 5_000.0) == 0  # failures older than the window are forgotten


def test_thirty_fast_guesses_then_the_right_password_do_not_get_in(
    accounts: Accounts, people: dict[str, Account], clock: Clock
) -> None:
    """The finding: 30 wrong passwords at 2 a second, then the right one, used to sign in."""
    refused = []
    for k in range(30):
        clock.now += 0.5
        with pytest.raises(PlagDetectError) as error:
            accounts.authenticate("sam", f"guess number {k}", client="10.0.0.9")
        refused.append(type(error.value))
    clock.now += 0.5
    with pytest.raises(SignInThrottled, match=r"try again in \d+ s"):
        accounts.authenticate("sam", "student pass", client="10.0.0.9")
    assert refused[:FREE_FAILURES] == [PlagDetectError] * FREE_FAILURES
    assert refused.count(PlagDetectError) < 10  # most guesses were never checked


def test_an_account_is_locked_after_repeated_failures_until_an_admin_unlocks_it(
    accounts: Accounts, people: dict[str, Account], clock: Clock
) -> None:
    for k in range(LOCK_AFTER):
        clock.now += 130  # a patient guesser, from many clients, waiting out each delay (at most 64 s here)
        with pytest.raises(PlagDetectError, match="Wrong username or password"):
            accounts.authenticate("sam", f"guess number {k}", client=f"client-{k}")
    clock.now += 130
    with pytest.raises(PlagDetectError, match="locked after repeated failed sign-ins"):
        accounts.authenticate("sam", "student pass", client="the real sam")
    assert [a.username for a in accounts.list_users(people["admin"]) if a.locked] == ["sam"]
    with pytest.raises(PermissionDenied):
        accounts.unlock(people["tess"], people["sam"].id)
    accounts.unlock(people["admin"], people["sam"].id)
    assert accounts.authenticate("sam", "student pass", client="the real sam").id == people["sam"].id
    assert not any(a.locked for a in accounts.list_users(people["admin"]))


def test_one_client_trying_many_names_is_slowed_and_other_clients_are_not(
    accounts: Accounts, people: dict[str, Account], clock: Clock
) -> None:
    for name in ["adam", "bea", "carl"][:FREE_FAILURES]:  # unknown names count like known ones
        clock.now += 0.1
        with pytest.raises(PlagDetectError, match="Wrong username"):
            accounts.authenticate(name, "some password", client="10.0.0.66")
    with pytest.raises(SignInThrottled):
        accounts.authenticate("tess", "teacher pass", client="10.0.0.66")
    assert accounts.authenticate("tess", "teacher pass", client="10.0.0.7").username == "tess"


def test_a_successful_sign_in_forgets_the_names_failures(
    accounts: Accounts, people: dict[str, Account], clock: Clock
) -> None:
    for k in range(FREE_FAILURES):
        with pytest.raises(PlagDetectError, match="Wrong username"):
            accounts.authenticate("sam", f"typo {k}", client="laptop")
    clock.now += 1
    accounts.authenticate("sam", "student pass", client="phone")
    with pytest.raises(PlagDetectError, match="Wrong username"):  # counted afresh: no wait from the old typos
        accounts.authenticate("sam", "one more typo", client="phone")
