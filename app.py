"""PlagDetect web app: `make app` (or `streamlit run app.py`).

The pages a person sees depend on their role; each page checks the role again, and the services below it
enforce the same rules (plagdetect/services/accounts.py).
"""

from __future__ import annotations

import streamlit as st

from plagdetect.services.accounts import STAFF, Role
from views.common import change_own_password, current_account, jobs_service, sign_out

st.set_page_config(page_title="PlagDetect", page_icon=":mag:", layout="wide")

PAGES = [
    # (file, title, icon, roles)
    ("views/check.py", "Check", ":material/fact_check:", tuple(Role)),
    ("views/history.py", "History", ":material/history:", tuple(Role)),
    ("views/corpus.py", "Corpus", ":material/library_books:", STAFF),
    ("views/review.py", "Review", ":material/rate_review:", STAFF),
    ("views/admin.py", "Admin", ":material/admin_panel_settings:", (Role.ADMIN,)),
]

account = current_account()
jobs_service()  # jobs left queued or running by the server's last start resume now
if account is None:
    navigation = st.navigation([st.Page("views/login.py", title="Log in", icon=":material/login:")])
else:
    navigation = st.navigation(
        [st.Page(path, title=title, icon=icon) for path, title, icon, roles in PAGES if account.role in roles]
    )
    with st.sidebar:
        st.caption(f"Logged in as **{account.username}** ({account.role.value})")
        if st.button("Log out", icon=":material/logout:"):
            sign_out()
            st.rerun()
        change_own_password(account)
navigation.run()
