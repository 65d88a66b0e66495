"""Check page: upload documents, check them against the corpus, read the reports."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from plagdetect.errors import PlagDetectError
from plagdetect.reports.marks import percent
from plagdetect.services.accounts import Role
from plagdetect.services.check_defaults import load_defaults
from plagdetect.services.checks import load_report, searchable_by
from views.common import context, corpus_service, exclusion_inputs, job_pool, jobs_service, page_for
from views.jobs_view import failure, show_job
from views.report_view import show_report
from views.uploads_view import accepted_files_caption

RESULTS_KEY = "check_results"  # ids of this session's checks, newest last
JOBS_KEY = "check_jobs"  # ids of the check jobs under way
FINISHED_KEY = "check_finished"  # (file name, why) of the last batch's checks that did not finish
WHOLE_CORPUS = "The whole corpus"

account = page_for(*Role)
corpus = corpus_service()
st.title("Check a document")

collections = searchable_by(context(), account)
if not account.is_staff:
    st.caption("A check here is for you alone and hands nothing in: to hand in work to an assignment, go to Courses.")
if not collections:
    st.info(
        "The corpus holds no documents yet, so there is nothing to check against. An instructor adds them on "
        "the Corpus page."
    )
stale = corpus.stale_documents()
if stale:
    st.warning(
        f"{stale} document(s) of the corpus were embedded by an older version: until the corpus is re-indexed "
        "(an instructor does it on the Corpus page, under Maintenance) they are searched for word-for-word copies "
        "only, not for paraphrase."
    )
# No type filter and a wide size limit in the picker itself (views/uploads_view.py): the services refuse what they
# cannot read, and the page says so in words under the button.
files = st.file_uploader("Documents to check (several at once)", accept_multiple_files=True)
accepted_files_caption()
collection = st.selectbox("Check against", [WHOLE_CORPUS, *collections])
defaults = load_defaults(context())
with st.expander("Exclusions"):
    exclude_quotes, exclude_bibliography, min_words = exclusion_inputs(defaults)

jobs = jobs_service()
if JOBS_KEY not in st.session_state:  # a new session (a reload, a restart): pick up this person's unfinished checks
    st.session_state[JOBS_KEY] = [j.id for j in jobs.visible(account) if j.kind == "check" and not j.ended]
busy = bool(st.session_state[JOBS_KEY])  # one batch at a time per person
clicked = st.button("Check", type="primary", disabled=not files or not collections or busy, icon=":material/search:")
if clicked and not busy:
    options = replace(
        defaults.options(*([] if collection == WHOLE_CORPUS else [collection])),
        exclude_quotes=exclude_quotes,
        exclude_bibliography=exclude_bibliography,
        min_match_words=min_words,
    )
    # Each file is a job: checked by the server's workers in turn, whatever this page does meanwhile.
    submitted, refused = [], []
    for upload in files:
        try:
            submitted.append(jobs.check(account, upload.name, upload.getvalue(), options).id)
        except PlagDetectError as error:
            refused.append((upload.name, str(error)))
    if submitted:
        job_pool()
    st.session_state[JOBS_KEY] = submitted
    st.session_state[RESULTS_KEY] = []
    st.session_state[FINISHED_KEY] = refused


@st.fragment(run_every=1.0)
def follow_jobs() -> None:
    """The checks under way, redrawn every second; the reports appear once all have ended."""
    under_way = [jobs.get(account, job_id) for job_id in st.session_state.get(JOBS_KEY, [])]
    for job in under_way:
        show_job(jobs, account, job)
    if under_way and all(job.ended for job in under_way):
        st.session_state[RESULTS_KEY] = [j.result["check_id"] for j in under_way if j.state == "done"]
        st.session_state[JOBS_KEY] = []
        failed = [(j.label, failure(j)) for j in under_way if j.state != "done"]
        st.session_state[FINISHED_KEY] = st.session_state.get(FINISHED_KEY, []) + failed  # after those refused
        st.rerun(scope="app")


if st.session_state.get(JOBS_KEY):
    follow_jobs()
for filename, error in st.session_state.get(FINISHED_KEY, []):
    st.error(f"{filename}: not checked: {error}")

results = st.session_state.get(RESULTS_KEY, [])
if results:
    reports = [load_report(context(), account, check_id) for check_id in results]
    tabs = st.tabs([f"{r.filename} ({percent(r.similarity)})" for r in reports])
    for tab, report in zip(tabs, reports, strict=True):
        with tab:
            show_report(report, account)
