"""What every page shares: the services (one per Streamlit process) and the signed-in account."""

from __future__ import annotations

import streamlit as st

from plagdetect.accounts import Account, Accounts, Role
from plagdetect.config import Settings
from plagdetect.corpus import Corpus
from plagdetect.errors import PlagDetectError

ACCOUNT_KEY = "account_id"


@st.cache_resource(show_spinner="Opening the corpus…")
def corpus_service() -> Corpus:
    return Corpus(Settings.from_env())


def accounts_service() -> Accounts:
    return Accounts(corpus_service().sessions)


def current_account() -> Account | None:
    """The signed-in account, re-read on every run: a disabled or deleted account is signed out at once."""
    account_id = st.session_state.get(ACCOUNT_KEY)
    if account_id is None:
        return None
    try:
        account = accounts_service().get(account_id)
    except PlagDetectError:
        account = None
    if account is None or not account.active:
        st.session_state.pop(ACCOUNT_KEY, None)
        return None
    return account


def sign_in(account: Account) -> None:
    st.session_state.clear()  # nothing of a previous person's session survives
    st.session_state[ACCOUNT_KEY] = account.id


def sign_out() -> None:
    st.session_state.clear()


def page_for(*roles: Role) -> Account:
    """The signed-in account if its role may see this page; otherwise the page stops with a message."""
    account = current_account()
    if account is None or account.role not in roles:
        st.error("You do not have access to this page.")
        st.stop()
    return account
