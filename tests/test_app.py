from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from plagdetect.config import Settings
from plagdetect.corpus import Corpus

from builders import ESSAY_RAILWAYS

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(autouse=True)
def _fresh_cache():
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def test_an_empty_corpus_says_how_to_add_documents() -> None:
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    assert app.title[0].value == "Corpus"
    assert "The corpus is empty" in app.info[0].value


def test_the_corpus_page_lists_documents(encoder) -> None:
    corpus = Corpus(Settings.from_env(), encoder=encoder)  # the data dir the app sees (conftest sets it)
    corpus.ingest_bytes(ESSAY_RAILWAYS.encode(), "railways.txt", "History")
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    assert [m.value for m in app.metric] == ["1", "1"]
    table = app.dataframe[0].value
    assert table["title"].tolist() == ["railways"] and table["collection"].tolist() == ["History"]
