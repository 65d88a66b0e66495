"""Check page: upload documents, check them against the corpus, read the reports."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from plagdetect.accounts import Role
from plagdetect.check_defaults import load_defaults
from plagdetect.checks import load_report, run_check
from plagdetect.errors import PlagDetectError
from views.common import corpus_service, page_for
from views.report_view import show_report

RESULTS_KEY = "check_results"  # ids of this session's checks, newest last
WHOLE_CORPUS = "The whole corpus"

account = page_for(*Role)
corpus = corpus_service()
st.title("Check a document")

collections = [c.name for c in corpus.collections() if c.documents]
if not collections:
    st.info(
        "The corpus holds no documents yet, so there is nothing to check against. An instructor adds them on "
        "the Corpus page."
    )
files = st.file_uploader(
    "Documents to check (PDF, Word or text; several at once)",
    type=["pdf", "docx", "txt"],
    accept_multiple_files=True,
)
collection = st.selectbox("Check against", [WHOLE_CORPUS, *collections])
defaults = load_defaults(corpus.sessions, corpus.settings)
with st.expander("Exclusions"):
    exclude_quotes = st.checkbox("Leave out quoted text", value=defaults.exclude_quotes)
    exclude_bibliography = st.checkbox("Leave out the bibliography or references", value=defaults.exclude_bibliography)
    min_words = st.number_input(
        "Leave out matches shorter than (words)", min_value=1, max_value=200, value=defaults.min_match_words
    )

if st.button("Check", type="primary", disabled=not files or not collections, icon=":material/search:"):
    options = replace(
        defaults.options(None if collection == WHOLE_CORPUS else collection),
        exclude_quotes=exclude_quotes,
        exclude_bibliography=exclude_bibliography,
        min_match_words=int(min_words),
    )
    done = []
    for upload in files:
        with st.status(f"Checking {upload.name}…", expanded=True) as status:
            try:
                report = run_check(corpus, account, upload.getvalue(), upload.name, options, progress=status.write)
            except PlagDetectError as error:
                status.update(label=f"{upload.name}: not checked", state="error")
                st.error(f"{upload.name}: {error}")
                continue
            status.update(
                label=f"{upload.name}: {100 * report.similarity:.0f}% similar", state="complete", expanded=False
            )
            done.append(report.check_id)
    st.session_state[RESULTS_KEY] = done

results = st.session_state.get(RESULTS_KEY, [])
if results:
    reports = [load_report(corpus, account, check_id) for check_id in results]
    tabs = st.tabs([f"{r.filename} ({100 * r.similarity:.0f}%)" for r in reports])
    for tab, report in zip(tabs, reports, strict=True):
        with tab:
            show_report(report)
