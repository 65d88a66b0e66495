"""The History page's re-run: a stored check's file checked again with other exclusions, as a check job of its own.

The new check records which check it re-runs; its report and the History list say so.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from plagdetect.detection.report import CheckReport
from plagdetect.errors import PlagDetectError
from plagdetect.jobs import JobInfo
from plagdetect.jobs.tasks import options_from_json
from plagdetect.reports.marks import percent
from plagdetect.services.accounts import Account
from plagdetect.services.check_defaults import CheckDefaults
from plagdetect.services.checks import searchable_by
from views.common import context, exclusion_inputs, job_pool, jobs_service
from views.jobs_view import failure, show_job

JOB_KEY = "history_rerun_job"  # the id of the re-run under way
ENDED_KEY = "history_rerun_ended"  # the re-run job just ended: what became of it is said once
WHOLE_CORPUS = "The whole corpus"


def show_rerun(report: CheckReport, account: Account) -> None:
    """The form that re-runs ``report``'s check, and the re-run under way or just ended."""
    if st.session_state.get(JOB_KEY) is not None:
        _follow_rerun(account)
        return
    ended = st.session_state.pop(ENDED_KEY, None)
    if ended is not None:
        _say_ended(ended)
    with st.expander("Re-run with other exclusions", icon=":material/replay:"):
        _rerun_form(report, account)


def _rerun_form(report: CheckReport, account: Account) -> None:
    original = options_from_json(report.settings)
    st.caption(
        f"Checks the file of #{report.check_id} again, as a new check that says it re-runs #{report.check_id}; "
        "this one stays as it is."
    )
    with st.form(f"rerun_{report.check_id}"):
        as_before = CheckDefaults(
            exclude_quotes=bool(original.exclude_quotes),
            exclude_bibliography=bool(original.exclude_bibliography),
            min_match_words=int(original.min_match_words or 0),
            rerank_threshold=float(original.rerank_threshold or 0.0),
        )
        quotes, bibliography, shortest = exclusion_inputs(as_before)
        left_out = sorted(original.excluded_sources)
        if account.is_staff:  # a student's own check leaves no source out (services.checks.run_check)
            titles = {s.document_id: f"{s.title} (#{s.document_id})" for s in report.sources}
            titles.update({i: titles.get(i, f"#{i}") for i in sorted(original.excluded_sources)})
            left_out = st.multiselect(
                "Sources to leave out", list(titles), default=left_out, format_func=titles.get, placeholder="none"
            )
        collections = searchable_by(context(), account)
        searched = [c for c in original.collections if c in collections]
        chosen = st.multiselect(
            "Collections to search", collections, default=searched, placeholder=WHOLE_CORPUS.lower()
        )
        if not st.form_submit_button("Re-run the check", icon=":material/replay:"):
            return
    options = replace(
        original,
        exclude_quotes=quotes,
        exclude_bibliography=bibliography,
        min_match_words=shortest,
        excluded_sources=frozenset(left_out),
        collections=tuple(chosen),
    )
    try:
        job = jobs_service().rerun(account, report.check_id, options)
    except PlagDetectError as error:
        st.error(str(error))
        return
    job_pool()
    st.session_state[JOB_KEY] = job.id
    st.rerun()


@st.fragment(run_every=1.0)
def _follow_rerun(account: Account) -> None:
    """The re-run under way, redrawn every second; once it has ended the page is drawn again, its check in the list."""
    jobs = jobs_service()
    job = jobs.get(account, st.session_state[JOB_KEY])
    show_job(jobs, account, job)
    if job.ended:
        st.session_state[ENDED_KEY] = job
        st.session_state.pop(JOB_KEY)
        st.rerun(scope="app")


def _say_ended(job: JobInfo) -> None:
    if job.state == "done":
        st.success(
            f"{job.label}: done, {percent(job.result['similarity'])} similar. Its report is check "
            f"#{job.result['check_id']}."
        )
    else:
        st.error(f"{job.label}: not re-run: {failure(job)}")
