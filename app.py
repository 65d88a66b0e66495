"""PlagDetect web app: `make app` (or `streamlit run app.py`)."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="PlagDetect", page_icon=":mag:", layout="wide")

navigation = st.navigation([st.Page("pages/corpus.py", title="Corpus", icon=":material/library_books:")])
navigation.run()
