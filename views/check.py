"""Check page: upload documents, check them against the corpus, read the reports."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import Role
from plagdetect.services.check_defaults import load_defaults
from plagdetect.services.check_queue import CheckJob
from plagdetect.services.checks import load_report
from views.common import check_queue, context, corpus_service, exclusion_inputs, page_for
from views.report_view import show_report

RESULTS_KEY = "check_results"  # ids of this session's checks, newest last
JOBS_KEY = "check_jobs"  # the checks under way (CheckJob)
FINISHED_KEY = "check_finished"  # (file name, error or None) of the last batch
WHOLE_CORPUS = "The whole corpus"

account = page_for(*Role)
corpus = corpus_service()
st.title("Check a document")

collections = corpus.searchable_collections()
if not collections:
    st.info(
        "The corpus holds no documents yet, so there is nothing to check against. An instructor adds them on "
        "the Corpus page."
    )
stale = corpus.stale_documents()
if stale:
    st.warning(
        f"{stale} document(s) of the corpus were embedded by an older version and are not searched until the "
        "corpus is re-indexed (an instructor does it on the Corpus page, under Maintenance)."
    )
files = st.file_uploader(
    "Documents to check (PDF, Word or text; several at once)",
    type=["pdf", "docx", "txt"],
    accept_multiple_files=True,
)
collection = st.selectbox("Check against", [WHOLE_CORPUS, *collections])
defaults = load_defaults(context())
with st.expander("Exclusions"):
    exclude_quotes, exclude_bibliography, min_words = exclusion_inputs(defaults)

busy = bool(st.session_state.get(JOBS_KEY))  # one batch at a time per person
clicked = st.button("Check", type="primary", disabled=not files or not collections or busy, icon=":material/search:")
if clicked and not busy:
    options = replace(
        defaults.options(None if collection == WHOLE_CORPUS else collection),
        exclude_quotes=exclude_quotes,
        exclude_bibliography=exclude_bibliography,
        min_match_words=min_words,
    )
    # Each file is checked in the background: the page stays usable, and clicking elsewhere does not stop it.
    st.session_state[JOBS_KEY] = [
        check_queue().submit(account, upload.name, upload.getvalue(), options) for upload in files
    ]
    st.session_state[RESULTS_KEY] = []
    st.session_state[FINISHED_KEY] = []


def _failure(error: BaseException) -> str:
    """What a person is told of a failed check: our message, never a traceback."""
    return str(error) if isinstance(error, PlagDetectError) else "an unexpected error; see the server log"


@st.fragment(run_every=1.0)
def follow_jobs() -> None:
    """The stages of the checks under way, redrawn every second; the reports appear once all are done."""
    jobs: list[CheckJob] = st.session_state.get(JOBS_KEY, [])
    for job in jobs:
        if not job.future.done():
            label = f"Checking {job.filename}…" if job.stages else f"{job.filename}: waiting for other checks"
            with st.status(label, expanded=True, state="running"):
                for stage in job.stages:
                    st.write(stage)
        elif job.future.exception() is not None:
            st.status(f"{job.filename}: not checked", state="error")
            st.error(f"{job.filename}: {_failure(job.future.exception())}")
        else:
            report = job.future.result()
            st.status(f"{job.filename}: {100 * report.similarity:.0f}% similar", state="complete")
    if jobs and all(job.future.done() for job in jobs):
        st.session_state[RESULTS_KEY] = [job.future.result().check_id for job in jobs if job.future.exception() is None]
        st.session_state[JOBS_KEY] = []
        st.session_state[FINISHED_KEY] = [(job.filename, job.future.exception()) for job in jobs]
        st.rerun(scope="app")


if st.session_state.get(JOBS_KEY):
    follow_jobs()
for filename, error in st.session_state.get(FINISHED_KEY, []):
    if error is not None:
        st.error(f"{filename}: not checked: {_failure(error)}")

results = st.session_state.get(RESULTS_KEY, [])
if results:
    reports = [load_report(context(), account, check_id) for check_id in results]
    tabs = st.tabs([f"{r.filename} ({100 * r.similarity:.0f}%)" for r in reports])
    for tab, report in zip(tabs, reports, strict=True):
        with tab:
            show_report(report)
