"""Accounts: the first admin, log-in, roles, and the admin's account management."""

from __future__ import annotations

import pytest

from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import Account, Accounts, PermissionDenied, Role, require_role
from plagdetect.store import User, make_engine, make_session_factory


@pytest.fixture
def accounts(tmp_path) -> Accounts:
    return Accounts(make_session_factory(make_engine(f"sqlite:///{tmp_path / 'accounts.db'}")))


@pytest.fixture
def admin(accounts: Accounts) -> Account:
    return accounts.create_first_admin("ada", "correct horse")


def test_a_fresh_installation_asks_for_its_first_admin_once(accounts: Accounts) -> None:
    assert accounts.needs_first_admin()
    admin = accounts.create_first_admin("ada", "correct horse")
    assert admin.role is Role.ADMIN and not accounts.needs_first_admin()
    with pytest.raises(PermissionDenied, match="exists already"):
        accounts.create_first_admin("mallory", "another password")


def test_passwords_are_stored_as_argon2_hashes_never_in_clear(accounts: Accounts, admin: Account) -> None:
    with accounts.users.sessions() as session:
        stored = session.get(User, admin.id).password_hash
    assert stored.startswith("$argon2id$") and "correct horse" not in stored


def test_log_in_accepts_the_right_password_only(accounts: Accounts, admin: Account) -> None:
    assert accounts.authenticate("ada", "correct horse") == admin
    assert accounts.authenticate(" ada ", "correct horse") == admin  # stray spaces from a form
    for username, password in [("ada", "wrong horse"), ("nobody", "correct horse"), ("ada", "")]:
        with pytest.raises(PlagDetectError, match="^Wrong username or password.$"):
            accounts.authenticate(username, password)


def test_an_admin_creates_accounts_and_others_may_not(accounts: Accounts, admin: Account) -> None:
    student = accounts.create_user(admin, "sam", "student pass", "student")
    assert student.role is Role.STUDENT
    with pytest.raises(PermissionDenied, match="Only an admin"):
        accounts.create_user(student, "eve", "student pass", "admin")
    with pytest.raises(PermissionDenied, match="log in"):
        accounts.create_user(None, "eve", "student pass", "admin")
    assert [a.username for a in accounts.list_users(admin)] == ["ada", "sam"]
    with pytest.raises(PermissionDenied):
        accounts.list_users(student)


@pytest.mark.parametrize(
    ("username", "password", "role", "message"),
    [
        ("SAM", "long enough", "student", "taken"),  # names are unique without regard to case
        ("x", "long enough", "student", "2 to 120 characters"),
        ("<script>", "long enough", "student", "2 to 120 characters"),
        ("tim", "short", "student", "at least 8 characters"),
        ("tim", " " * 12, "student", "at least 8 characters"),  # blank
        ("tim", "  abc1  ", "student", "at least 8 characters"),  # spaces around it do not count
        ("tim", "12345678", "student", "most common"),
        ("tim", "PassWord", "student", "most common"),
        ("tim", "abababababab", "student", "4 different characters"),
        ("timothy", "Timothy rules 2026", "student", "may not contain the username"),
        ("tim", "long enough", "dean", "Unknown role"),
    ],
)
def test_bad_account_details_get_a_clear_message(
    accounts: Accounts, admin: Account, username: str, password: str, role: str, message: str
) -> None:
    accounts.create_user(admin, "sam", "student pass", "student")
    with pytest.raises(PlagDetectError, match=message):
        accounts.create_user(admin, username, password, role)


def test_a_disabled_account_cannot_log_in_until_enabled_again(accounts: Accounts, admin: Account) -> None:
    sam = accounts.create_user(admin, "sam", "student pass", Role.STUDENT)
    accounts.set_active(admin, sam.id, False)
    with pytest.raises(PlagDetectError, match="disabled"):
        accounts.authenticate("sam", "student pass")
    assert not accounts.get(sam.id).active
    accounts.set_active(admin, sam.id, True)
    assert accounts.authenticate("sam", "student pass").id == sam.id
    with pytest.raises(PlagDetectError, match="your own account"):
        accounts.set_active(admin, admin.id, False)


def test_a_reset_password_replaces_the_old_one(accounts: Accounts, admin: Account) -> None:
    sam = accounts.create_user(admin, "sam", "student pass", Role.STUDENT)
    accounts.reset_password(admin, sam.id, "a new secret")
    with pytest.raises(PlagDetectError):
        accounts.authenticate("sam", "student pass")
    assert accounts.authenticate("sam", "a new secret").id == sam.id
    with pytest.raises(PermissionDenied):
        accounts.reset_password(sam, admin.id, "taken over")
    accounts.change_password(sam, "a new secret", "mine again!")
    assert accounts.authenticate("sam", "mine again!").id == sam.id
    with pytest.raises(PlagDetectError, match="Wrong"):
        accounts.change_password(sam, "not the old one", "whatever else")


def test_role_changes_and_the_last_admin_keeps_their_role(accounts: Accounts, admin: Account) -> None:
    sam = accounts.create_user(admin, "sam", "student pass", Role.STUDENT)
    assert accounts.set_role(admin, sam.id, "instructor").is_staff
    with pytest.raises(PlagDetectError, match="admin role from your own"):
        accounts.set_role(admin, admin.id, "student")


def test_require_role_names_the_roles_needed() -> None:
    student = Account(1, "sam", Role.STUDENT)
    with pytest.raises(
        PermissionDenied, match="Only an instructor or admin may do this; you are logged in as a student"
    ):
        require_role(student, Role.INSTRUCTOR, Role.ADMIN)
    assert require_role(student, *Role) is student


def test_the_password_policy_holds_for_resets_and_changes_too(accounts: Accounts, admin: Account) -> None:
    sam = accounts.create_user(admin, "sam", "student pass", Role.STUDENT)
    with pytest.raises(PlagDetectError, match="most common"):
        accounts.reset_password(admin, sam.id, "password1")
    with pytest.raises(PlagDetectError, match="username"):
        accounts.change_password(sam, "student pass", "i am sam, sam i am")
    accounts.change_password(sam, "student pass", "green eggs and ham")
    assert accounts.authenticate("sam", "green eggs and ham").id == sam.id


def test_the_refusal_names_roles_with_the_right_article(accounts: Accounts, admin: Account) -> None:
    tess = accounts.create_user(admin, "tess", "teacher pass", Role.INSTRUCTOR)
    with pytest.raises(PermissionDenied, match="^Only an admin may do this; you are logged in as an instructor.$"):
        accounts.list_users(tess)
