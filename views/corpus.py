"""Corpus page (instructors and admins): documents, collections, the collusion view, re-index."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from plagdetect.errors import PlagDetectError
from plagdetect.jobs import JobInfo
from plagdetect.services.accounts import STAFF
from plagdetect.services.collusion import pairwise_similarity, passages_behind_pair
from plagdetect.services.corpus_admin import CorpusAdmin
from views.common import context, corpus_service, job_pool, jobs_service, page_for, review_service
from views.jobs_view import show_job
from views.report_view import source_label
from views.uploads_view import accepted_files_caption


def _and_labels(count: int) -> str:
    """What else a delete takes: the review labels that hold the documents' text."""
    return f", and the {count} review label(s) that hold their text" if count else ""


account = page_for(*STAFF)
corpus = corpus_service()
library = CorpusAdmin(corpus, account)
jobs = jobs_service()
INGEST_KEY = "ingest_job"  # the id of the upload being added
INGESTED_KEY = "ingested_job"  # the id of the upload just added: its results are shown once
st.title("Corpus")

collections = library.collections()
left, right = st.columns([1, 3])
left.metric("Collections", len(collections))
left.metric("Documents", sum(c.documents for c in collections))

with right.expander("Add documents", expanded=not collections, icon=":material/upload_file:"):
    names = [c.name for c in collections]
    target = st.selectbox("Collection", [*names, "A new collection…"])
    if target == "A new collection…":
        target = st.text_input("Name of the new collection").strip()
    # No type filter (views/uploads_view.py): a file the ingest cannot read is listed with the reason.
    uploads = st.file_uploader("Files", accept_multiple_files=True, key="corpus_uploads")
    accepted_files_caption(archives=True)
    if st.button("Add to the corpus", type="primary", disabled=not uploads or not target):
        try:  # a job: the server's workers add the files, whatever this page does meanwhile
            job = jobs.ingest(account, target, ((u.name, u.getvalue()) for u in uploads))
            st.session_state[INGEST_KEY] = job.id
            job_pool()
        except PlagDetectError as error:
            st.error(str(error))


@st.fragment(run_every=1.0)
def follow_ingest() -> None:
    """The upload being added, redrawn every second; once it has ended the whole page is drawn again."""
    job = jobs.get(account, st.session_state[INGEST_KEY])
    show_job(jobs, account, job)
    if job.ended:
        st.session_state[INGESTED_KEY] = st.session_state.pop(INGEST_KEY)
        st.rerun(scope="app")


def show_ingested(job: JobInfo) -> None:
    """What became of each file of the last upload."""
    if job.state != "done":
        st.error(f"{job.label}: {job.message or job.state}")
    results = job.result.get("results", [])
    if results:
        added = sum(r["status"] == "added" for r in results)
        st.success(f"Added {added} of {len(results)} file(s) to {job.result['collection']}.")
        st.dataframe(
            pd.DataFrame([{"file": r["filename"], "result": r["status"], "note": r["message"]} for r in results]),
            hide_index=True,
            width="stretch",
        )


with right:
    if INGEST_KEY in st.session_state:
        follow_ingest()
    elif INGESTED_KEY in st.session_state:
        show_ingested(jobs.get(account, st.session_state.pop(INGESTED_KEY)))

if not collections:
    st.info("The corpus is empty. Add documents above, or with `plagdetect ingest PATH... --collection NAME`.")
    st.stop()

chosen = right.selectbox("Show", ["All collections", *[c.name for c in collections]])
search = right.text_input("Search titles, file names and authors", placeholder="e.g. photosynthesis")
try:
    documents = library.documents(None if chosen == "All collections" else chosen, search=search)
except PlagDetectError as error:  # the collection went meanwhile
    st.error(str(error))
    st.stop()
table = pd.DataFrame(
    [
        {
            "id": d.id,
            "title": d.title,
            "collection": d.collection,
            "type": d.format,
            "author": d.author or "",
            "chunks": d.chunks,
            "size (KB)": round(d.size_bytes / 1024, 1),
            "integrity": "; ".join(d.integrity),
            "added": d.created_at,
        }
        for d in documents
    ],
    columns=["id", "title", "collection", "type", "author", "chunks", "size (KB)", "integrity", "added"],
)
picked = right.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="multi-row")
selected = [documents[row].id for row in picked.selection.rows]
if selected:
    confirm = right.checkbox(
        f"Delete {len(selected)} document(s) for good: text, vectors and the stored file"
        + _and_labels(review_service().labels_holding(account, selected)),
        key=f"confirm_delete:{sorted(selected)}",  # a confirmation binds to its documents, not to the widget
    )
    if right.button("Delete", type="primary", disabled=not confirm, icon=":material/delete:"):
        library.delete_documents(selected)  # ones someone else deleted meanwhile are simply gone already
        st.rerun()

stale = corpus.stale_documents()
with left.expander("Maintenance", expanded=bool(stale)):
    st.caption(
        "Re-index embeds again the documents stored with another bi-encoder version (or an older way of "
        "embedding) and rebuilds the search index from the stored vectors."
    )
    if st.button("Re-index the corpus"):
        with st.status("Re-indexing…", expanded=True) as status:
            report = library.reindex(progress=status.write)
            status.update(label=f"Re-indexed: {report.re_embedded} passages embedded again", state="complete")
        stale = corpus.stale_documents()
    if stale:
        st.warning(
            f"{stale} document(s) were embedded by an older version: until you re-index, checks find only "
            "word-for-word copies of them, not paraphrase."
        )

st.divider()
collections_tab, collusion_tab = st.tabs(["Collections", "Collusion: how alike a collection's documents are"])

with collections_tab:
    st.dataframe(
        pd.DataFrame([{"collection": c.name, "documents": c.documents} for c in collections]),
        hide_index=True,
        width="stretch",
    )
    with st.form("new_collection", clear_on_submit=True):
        new_name = st.text_input("New collection")
        if st.form_submit_button("Create"):
            try:
                library.create_collection(new_name)
                st.rerun()
            except PlagDetectError as error:
                st.error(str(error))
    which = st.selectbox("Collection", [c.name for c in collections], key="manage_collection")
    rename_to = st.text_input("Rename it to", key="rename_to")
    if st.button("Rename", disabled=not rename_to.strip()):
        try:
            library.rename_collection(which, rename_to)
            st.rerun()
        except PlagDetectError as error:
            st.error(str(error))
    count = next(c.documents for c in collections if c.name == which)
    held = review_service().labels_holding(account, [d.id for d in library.documents(which)])
    sure = st.checkbox(
        f"Delete '{which}' and its {count} document(s) for good" + _and_labels(held),
        key=f"confirm_collection_delete:{which}",  # a confirmation binds to its collection, not to the widget
    )
    if st.button("Delete the collection", disabled=not sure, icon=":material/delete:"):
        try:
            library.delete_collection(which)
        except PlagDetectError as error:  # deleted by someone else meanwhile
            st.error(str(error))
        else:
            st.rerun()

with collusion_tab:
    st.caption(
        "For each pair of documents: the share of one document's passages that have a close match in the other "
        "(the larger of the two ways). Pick a pair to see the passages."
    )
    chosen_class = st.selectbox("Collection", [c.name for c in collections if c.documents > 1], key="collusion")
    if chosen_class:
        matrix = pairwise_similarity(context(), account, chosen_class)
        labels = [source_label(title, i) for i, title in zip(matrix.ids, matrix.titles, strict=True)]
        heatmap = px.imshow(
            100 * matrix.alike,
            x=labels,
            y=labels,
            zmin=0,
            zmax=100,
            color_continuous_scale="Reds",
            labels={"color": "% alike"},
            title=f"Pairwise similarity in {chosen_class}",
            text_auto=".0f",  # each cell's number, not only its colour
        )
        st.plotly_chart(heatmap, width="stretch")
        by_id = dict(zip(matrix.ids, labels, strict=True))
        pairs = [pair for pair in matrix.pairs() if pair[2] > 0] or matrix.pairs()[:10]
        pair = st.selectbox(
            "Pair",
            pairs,
            format_func=lambda p: f"{by_id[p[0]]} and {by_id[p[1]]}: {100 * p[2]:.0f}% alike",
            key="collusion_pair",
        )
        try:
            passages = passages_behind_pair(context(), account, pair[0], pair[1]) if pair else []
        except PlagDetectError as error:  # one of the two was deleted meanwhile
            st.error(str(error))
            passages = []
        if pair:
            if not passages:
                st.info("No passage of one is closely alike to a passage of the other.")
            for found in passages:
                left_side, right_side = st.columns(2)
                left_side.text(found.first)
                right_side.text(found.second)
                st.caption(f"similarity {found.score:.2f}")
