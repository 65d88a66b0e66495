"""What every page shares: the services (one per Streamlit process) and the signed-in account."""

from __future__ import annotations

import streamlit as st

from plagdetect.context import Context
from plagdetect.errors import PlagDetectError
from plagdetect.jobs import Jobs, WorkerPool
from plagdetect.services.accounts import Account, Accounts, Role
from plagdetect.services.check_defaults import CheckDefaults
from plagdetect.services.corpus import Corpus
from plagdetect.services.review import Review
from plagdetect.settings import MIN_MATCH_WORDS_RANGE, Settings

ACCOUNT_KEY = "account_id"


@st.cache_resource(show_spinner="Opening the corpus…")
def context() -> Context:
    """Settings, database, index and models: one per Streamlit process."""
    return Context(Settings.from_env())


def corpus_service() -> Corpus:
    return Corpus(context())


@st.cache_resource(on_release=WorkerPool.stop)
def job_pool() -> WorkerPool:
    """The worker processes that run this server's checks and ingests (``plagdetect.jobs``), while it runs."""
    return WorkerPool(context().settings).start()


def jobs_service() -> Jobs:
    """The job queue. Its workers start with the first job (``job_pool``), or at once when jobs wait from before
    (the server restarted with jobs queued or running)."""
    jobs = Jobs(context())
    if jobs.queue.unfinished():
        job_pool()
    return jobs


def review_service() -> Review:
    return Review(context())


def accounts_service() -> Accounts:
    return Accounts(context().sessions)


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


def client_address() -> str:
    """The address the browser connects from, as sign-in throttling counts it ("unknown" where none is known)."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "unknown"


def sign_in(account: Account) -> None:
    st.session_state.clear()  # nothing of a previous person's session survives
    st.session_state[ACCOUNT_KEY] = account.id


def sign_out() -> None:
    st.session_state.clear()


def change_own_password(account: Account) -> None:
    """The form in the sidebar where anyone signed in changes their own password (the old one asked first)."""
    with st.popover("Change my password", icon=":material/key:"):
        with st.form("own_password"):
            old = st.text_input("Current password", type="password")
            new = st.text_input("New password", type="password")
            again = st.text_input("New password again", type="password")
            if st.form_submit_button("Change it"):
                if new != again:
                    st.error("The two new passwords differ.")
                    return
                try:
                    accounts_service().change_password(account, old, new)
                except PlagDetectError as error:
                    st.error(str(error))
                    return
                st.success("Your password is changed: use the new one from your next sign-in.")


def page_for(*roles: Role) -> Account:
    """The signed-in account if its role may see this page; otherwise the page stops with a message."""
    account = current_account()
    if account is None or account.role not in roles:
        st.error("You do not have access to this page.")
        st.stop()
    return account


def exclusion_inputs(defaults: CheckDefaults) -> tuple[bool, bool, int]:
    """The exclusion widgets (Check page, Admin defaults), starting from ``defaults``."""
    quotes = st.checkbox("Leave out quoted text", value=defaults.exclude_quotes)
    bibliography = st.checkbox("Leave out the bibliography or references", value=defaults.exclude_bibliography)
    shortest = st.number_input(
        "Leave out matches shorter than (words)",
        min_value=MIN_MATCH_WORDS_RANGE[0],
        max_value=MIN_MATCH_WORDS_RANGE[1],
        value=defaults.min_match_words,
    )
    return quotes, bibliography, int(shortest)
