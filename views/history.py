"""History page: past checks (a student's own; everyone's for staff), each opening its stored report."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import Role
from plagdetect.services.checks import list_checks, load_report
from views.common import context, page_for
from views.links import link, wanted
from views.report_view import show_report
from views.rerun_view import show_rerun

account = page_for(*Role)
st.title("History")
asked = wanted("check")  # a link to one report (views/links.py)
if asked is not None and asked not in {c.id for c in list_checks(context(), account)}:
    try:  # not in the list below: someone else's (refused in words), or an older one
        linked = load_report(context(), account, asked)
    except PlagDetectError as error:  # nothing else below: another report would read as the one linked
        st.error(str(error))
        st.markdown(f"[Your checks]({link('views/history.py')})")
        st.stop()
    else:
        show_report(linked, account)
        st.stop()

if not list_checks(context(), account, limit=1):
    st.info("No checks yet. Check a document on the Check page and its report is kept here.")
    st.stop()

find, least = st.columns([3, 1])
wanted = find.text_input("Find", placeholder="a file name, a person or a collection", key="history_find")
at_least = least.number_input("Similarity at least (%)", min_value=0, max_value=100, value=0, step=5)
checks = list_checks(context(), account, find=wanted, at_least=at_least / 100)
if not checks:
    st.info("No check matches what you asked for.")
    st.stop()
table = pd.DataFrame(
    [
        {
            "id": c.id,
            "file": c.filename,
            "checked": c.created_at,
            "similarity (%)": round(100 * c.similarity),
            "matches": c.matches,
            "by": c.username or ("(deleted account)" if c.account_deleted else "command line"),
            "against": c.collection or c.collection_asked or "the whole corpus",
            "re-run of": f"#{c.rerun_of}" if c.rerun_of else "",
        }
        for c in checks
    ]
)
if not account.is_staff:
    table = table.drop(columns="by")
picked = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row")
rows = picked.selection.rows
ids = [c.id for c in checks]
chosen = st.selectbox(
    "Open the report of",
    ids,
    index=rows[0] if rows else ids.index(asked) if asked in ids else 0,
    format_func=lambda i: next(f"#{c.id} {c.filename} ({c.created_at:%Y-%m-%d %H:%M})" for c in checks if c.id == i),
)
report = load_report(context(), account, chosen)
show_rerun(report, account)
show_report(report, account)
