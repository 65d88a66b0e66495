"""Corpus page: the collections and documents that checks search."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.common import corpus_service

st.title("Corpus")
corpus = corpus_service()

collections = corpus.collections()
if not collections:
    st.info("The corpus is empty. Add documents with `plagdetect ingest PATH... --collection NAME`.")
    st.stop()

names = [c.name for c in collections]
left, right = st.columns([1, 3])
left.metric("Collections", len(collections))
left.metric("Documents", sum(c.documents for c in collections))
chosen = right.selectbox("Collection", ["All collections", *names])
documents = corpus.list_documents(None if chosen == "All collections" else chosen)

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
    ]
)
right.dataframe(table, hide_index=True, width="stretch")
