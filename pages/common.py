"""The one place where the UI caches services and models for the whole Streamlit process."""

from __future__ import annotations

import streamlit as st

from plagdetect.config import Settings
from plagdetect.corpus import Corpus


@st.cache_resource(show_spinner="Opening the corpus…")
def corpus_service() -> Corpus:
    return Corpus(Settings.from_env())
