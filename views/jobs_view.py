"""How a page shows jobs under way (checks, ingests): their stages as they come, and a button to cancel each."""

from __future__ import annotations

import streamlit as st

from plagdetect.errors import PlagDetectError
from plagdetect.jobs import JobInfo, Jobs
from plagdetect.reports.marks import percent
from plagdetect.services.accounts import Account


def show_job(jobs: Jobs, account: Account, job: JobInfo) -> None:
    """One job: waiting, running with its stages, or how it ended."""
    if job.state == "queued":
        ahead = jobs.queue.waiting_before(job.id)
        label = f"{job.label}: waiting" + (f" ({ahead} job(s) queued before it)" if ahead else "")
        state = "running"
    elif job.state == "running":
        label = f"{job.label}: " + ("stopping…" if job.cancel_requested_at else "running")
        state = "running"
    else:
        label = f"{job.label}: {_ended(job)}"
        state = "complete" if job.state == "done" else "error"
    with st.status(label, expanded=not job.ended, state=state):
        for stage in job.stages[-8:]:
            st.write(stage)
        if job.message:
            st.write(job.message)
        if not job.ended and not job.cancel_requested_at:
            st.button(
                "Cancel",
                key=f"cancel_job_{job.id}",
                icon=":material/cancel:",
                on_click=_cancel,
                args=(jobs, account, job.id),
            )


def _cancel(jobs: Jobs, account: Account, job_id: int) -> None:
    """The Cancel button's action, run before the page is drawn again (so it shows the job stopping)."""
    try:
        jobs.cancel(account, job_id)
    except PlagDetectError as error:  # it ended meanwhile
        st.toast(str(error))


def _ended(job: JobInfo) -> str:
    if job.state == "done" and job.kind == "check":
        return f"{percent(job.result.get('similarity', 0))} similar"
    if job.state == "done" and job.kind == "train":
        return f"version {job.result.get('version_id')} made; it serves no check until promoted"
    return {"done": "done", "failed": "not done", "cancelled": "cancelled"}[job.state]


def failure(job: JobInfo) -> str:
    """What a person is told of a job that did not finish: our message, never a traceback."""
    return job.message or job.state
