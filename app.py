"""PlagDetect web app: `make app` (or `streamlit run app.py`).

`streamlit run app.py` finds the `st.App` below and serves it: Streamlit's pages and, beside them, the route that sets
and clears the sign-in cookie (views/session_cookie.py). The pages are this same file, which Streamlit runs as
`__main__` for every browser session (`run_pages`); the server imports it as the module `app`.

The pages a person sees depend on their role; each page checks the role again, and the services below it
enforce the same rules (plagdetect/services/accounts.py). Every page keeps its address (views/links.py) whoever opens
it: someone not signed in gets the log-in page there, and lands on the page once signed in; someone whose role may not
see it is told so.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from plagdetect.services.accounts import STAFF, Account, Role
from views.common import change_own_password, current_account, jobs_service, sign_out
from views.links import url_path
from views.session_cookie import ROUTES, send_cookie

LOG_IN = "views/login.py"
PAGES = [
    # (file, title, icon, roles)
    ("views/check.py", "Check", ":material/fact_check:", tuple(Role)),
    ("views/history.py", "History", ":material/history:", tuple(Role)),
    ("views/courses.py", "Courses", ":material/school:", tuple(Role)),
    ("views/corpus.py", "Corpus", ":material/library_books:", STAFF),
    ("views/review.py", "Review", ":material/rate_review:", STAFF),
    ("views/admin.py", "Admin", ":material/admin_panel_settings:", (Role.ADMIN,)),
]


def refusal(title: str, roles: tuple[Role, ...], account: Account) -> Callable[[], None]:
    """What a page's address shows someone whose role may not see the page."""

    def refuse() -> None:
        allowed = " and ".join(f"{role.value}s" for role in roles)
        st.error(f"The {title} page is for {allowed}; you are signed in as a {account.role.value}.")

    return refuse


def navigation(account: Account | None) -> st.Page:
    """The pages of ``account``'s role; at every other page's address, hidden, the log-in page (nobody signed in) or
    a refusal (a role that may not see it), so a link survives the log-in page."""
    if account is None:
        pages = [st.Page(LOG_IN, title="Log in", icon=":material/login:")]
        pages += [st.Page(LOG_IN, title="Log in", url_path=url_path(path), visibility="hidden") for path, *_ in PAGES]
        return st.navigation(pages)
    pages = [
        st.Page(path, title=title, icon=icon)
        if account.role in roles
        else st.Page(refusal(title, roles, account), title=title, url_path=url_path(path), visibility="hidden")
        for path, title, icon, roles in PAGES
    ]
    return st.navigation(pages)


def run_pages() -> None:
    st.set_page_config(page_title="PlagDetect", page_icon=":mag:", layout="wide")
    account = current_account()
    jobs_service()  # jobs left queued or running by the server's last start resume now
    pages = navigation(account)
    if account is not None:
        with st.sidebar:
            st.caption(f"Logged in as **{account.username}** ({account.role.value})")
            if st.button("Log out", icon=":material/logout:", help="Signs you out on every browser"):
                sign_out(account)
                st.rerun()
            change_own_password(account)
    send_cookie()  # after a sign-in, a sign-out or a changed password: the cookie set or cleared
    pages.run()


if __name__ == "__main__":
    run_pages()
else:  # `streamlit run app.py` serves this, and runs the file again as `__main__` for each browser session
    app = st.App(__file__, routes=ROUTES)
