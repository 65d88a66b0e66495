"""Sources and matches taken out of a stored check after it ran: the record every reader sees, and for instructors
and admins the form that excludes (with a reason) and the button that restores (``services.checks``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from plagdetect.detection.report import CheckReport
from plagdetect.errors import PlagDetectError
from plagdetect.reports.marks import percent
from plagdetect.services.accounts import Account
from plagdetect.services.checks import exclude_from_check, restore_in_check
from views.common import context


def show_exclusions(report: CheckReport, account: Account | None) -> None:
    """The record of exclusions made after the check, and what staff may do about it."""
    staff = account is not None and account.is_staff and report.check_id is not None
    if report.exclusions_made:
        st.subheader("Excluded after the check")
        if report.similarity_as_checked is not None:
            st.caption(
                f"As checked, the similarity index was {percent(report.similarity_as_checked)}; the index, the "
                "sources and the document above leave out what is excluded here."
            )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "excluded": made.what,
                        "why": made.reason,
                        "by": made.by,
                        "when (UTC)": made.at.replace("T", " ")[:16],
                        "restored": f"{made.restored_by}, {made.restored_at.replace('T', ' ')[:16]}"
                        if made.restored_at
                        else "",
                    }
                    for made in report.exclusions_made
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        active = [made for made in report.exclusions_made if made.active]
        if staff and active:
            left, right = st.columns([3, 1])
            chosen = left.selectbox(
                "Restore",
                [made.id for made in active],
                format_func=lambda i: next(m.what for m in active if m.id == i),
                key=f"restore_{report.check_id}",
            )
            if right.button("Restore it", icon=":material/undo:", key=f"restore_button_{report.check_id}"):
                _act(lambda: restore_in_check(context(), account, chosen))
    if staff and report.matches:
        _exclude_form(report, account)


def _exclude_form(report: CheckReport, account: Account) -> None:
    with st.expander("Exclude a source or a match from this report"):
        with st.form(f"exclude_{report.check_id}", clear_on_submit=False):
            targets = [("source", s.document_id, f"the source {s.title}") for s in report.sources]
            targets += [
                ("match", m.match_id, f"match [{k}] from {m.source_title}")
                for k, m in enumerate(report.matches, 1)
                if m.match_id is not None
            ]
            chosen = st.selectbox("What", range(len(targets)), format_func=lambda k: targets[k][2])
            reason = st.text_input("Why (kept with the check and shown in its report)", max_chars=500)
            if st.form_submit_button("Exclude", icon=":material/block:"):
                kind, target, _ = targets[chosen]
                source_id, match_id = (target, None) if kind == "source" else (None, target)
                _act(lambda: exclude_from_check(context(), account, report.check_id, reason, source_id, match_id))


def _act(change) -> None:
    """Make the change and draw the report again, or say why it was refused."""
    try:
        change()
    except PlagDetectError as error:
        st.error(str(error))
        return
    st.rerun()
