"""Review page (instructors): labelling suspicious pairs. Not built yet; the page says what will come."""

from __future__ import annotations

import streamlit as st

from plagdetect.services.accounts import STAFF
from views.common import page_for

page_for(*STAFF)
st.title("Review")
st.info(
    "Coming next: the matched pairs of past checks, most uncertain first, for you to label as plagiarism, not "
    "plagiarism or unsure. Your labels will train the reranker on the Admin page, so its judgement follows yours."
)
