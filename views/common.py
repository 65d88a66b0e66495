"""What every page shares: the services (one per Streamlit process) and the signed-in account.

A person signs in on a browser: their browser session (services.browser_sessions) is kept in this Streamlit session
and its token in the browser's cookie (views/session_cookie.py), so a reload or a new tab, which starts a new Streamlit
session, finds them signed in while the browser session lives. Every run re-reads it: signing out in another tab,
an expired session, a disabled account or a changed password signs this tab out at its next click.
"""

from __future__ import annotations

import streamlit as st

from plagdetect.context import Context
from plagdetect.errors import PlagDetectError
from plagdetect.jobs import Jobs, WorkerPool
from plagdetect.services.accounts import Account, Accounts, Role
from plagdetect.services.browser_sessions import BrowserSessions, SignedIn
from plagdetect.services.check_defaults import CheckDefaults
from plagdetect.services.corpus import Corpus
from plagdetect.services.review import Review
from plagdetect.settings import MIN_MATCH_WORDS_RANGE, Settings
from views.session_cookie import CLEAR_KEY, CODE_KEY, COOKIE, hand_over

ACCOUNT_KEY = "account_id"
SESSION_KEY = "browser_session_id"


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


def browser_sessions() -> BrowserSessions:
    return BrowserSessions(context().sessions, context().settings.session_hours)


def current_account() -> Account | None:
    """The signed-in account, re-read on every run: a disabled or deleted account is signed out at once, and so is
    one whose browser session ended (signed out elsewhere, expired, its password changed). A new Streamlit session
    (a reload, a new tab) resumes the browser session its cookie names."""
    if ACCOUNT_KEY not in st.session_state:
        token = st.context.cookies.get(COOKIE)
        resumed = browser_sessions().resume(token if isinstance(token, str) else None)  # AppTest has no cookies
        if resumed is None:
            return None
        _keep(resumed)
        return resumed.account
    session_id = st.session_state.get(SESSION_KEY)
    if session_id is not None:
        signed_in = browser_sessions().current(session_id)
        account = None if signed_in is None else signed_in.account
    else:  # an account set with no browser session (a test's shortcut): only its state counts
        try:
            account = accounts_service().get(st.session_state[ACCOUNT_KEY])
        except PlagDetectError:
            account = None
        if account is not None and not account.active:
            account = None
    if account is None:
        st.session_state.pop(ACCOUNT_KEY, None)
        st.session_state.pop(SESSION_KEY, None)
    return account


def client_address() -> str:
    """The address the browser connects from, as sign-in throttling counts it ("unknown" where none is known)."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "unknown"


def sign_in(account: Account) -> None:
    """Sign ``account`` in on this browser: a new browser session, whose cookie the next run sets (``send_cookie``)."""
    st.session_state.clear()  # nothing of a previous person's session survives
    _start_browser_session(account)


def sign_out(account: Account) -> None:
    """Sign out everywhere: every browser session of the account ends, and the next run clears this browser's
    cookie."""
    browser_sessions().end_everywhere(account)
    st.session_state.clear()
    st.session_state[CLEAR_KEY] = True


def _start_browser_session(account: Account) -> None:
    started, token = browser_sessions().start(account)
    _keep(started)
    st.session_state[CODE_KEY] = hand_over(token, started.expires_at)


def _keep(signed_in: SignedIn) -> None:
    st.session_state[ACCOUNT_KEY] = signed_in.account.id
    st.session_state[SESSION_KEY] = signed_in.id


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
                _start_browser_session(account)  # the change signed every browser out: this one signs in again
                st.success(
                    "Your password is changed: use the new one from your next sign-in. Every other browser signed in "
                    "to your account is signed out."
                )


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
