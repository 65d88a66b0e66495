"""What the AppTest pages share: a fresh Streamlit cache around each test, and the corpus the app opens."""

from __future__ import annotations

import pytest
import streamlit as st

from plagdetect.services.corpus import Corpus
from plagdetect.settings import Settings


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The app's Context (``st.cache_resource``) is made anew for each test's data directory."""
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def app_corpus(encoder) -> Corpus:
    """The corpus the app sees (tests/conftest.py points PLAGDETECT_DATA_DIR at a fresh folder)."""
    corpus = Corpus.open(Settings.from_env(), encoder=encoder)
    yield corpus
    corpus.close()
