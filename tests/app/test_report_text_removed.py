"""The report of a check whose full text retention removed: the note instead of the document, the passages kept."""

from __future__ import annotations

import streamlit as st
from streamlit.testing.v1 import AppTest

from plagdetect.detection.report import CheckReport, MatchResult, Segment, TextRemoved, source_shares


def _render_report(report) -> None:
    from views.report_view import show_report

    show_report(report)


def test_a_report_without_its_full_text_shows_the_note_and_the_passages() -> None:
    st.cache_resource.clear()
    passage = "Around 1440, Johannes Gutenberg developed a press that used movable metal type."
    span = (5_000, 5_000 + len(passage))
    match = MatchResult(
        source_id=3,
        source_title="printing-press",
        source_collection="History",
        submission_span=span,
        source_span=(100, 100 + len(passage)),
        submission_original=(5_010, 5_010 + len(passage)),
        source_original=(100, 100 + len(passage)),
        score=0.95,
        rerank_score=0.98,
        kind="verbatim",
        coverage=1.0,
        shared=[],
        segments=[Segment(span, (100, 100 + len(passage)), "verbatim", 1.0, 0.95, 0.98, [("press", 0.9)])],
        submission_text=passage,
        source_text=passage,
        tokens=[("press", 0.9)],
    )
    removed = TextRemoved(removed_at="2026-01-01T00:00:00+00:00", after_days=30, length=10_000)
    report = CheckReport(
        check_id=9,
        filename="essay.txt",
        text="",
        similarity=0.0082,
        sources=source_shares([match], removed.length),
        matches=[match],
        excluded={},
        integrity=[],
        timings={},
        model_versions={},
        settings={},
        text_removed=removed,
    )
    app = AppTest.from_function(_render_report, args=(report,), default_timeout=60).run()
    assert not app.exception
    assert [i.value for i in app.info] == [
        "The full text of this submission was removed after 30 days (check_text_retention_days); "
        "only the matched passages are kept."
    ]
    shown = "".join(h.proto.body for h in app.html)
    assert '<mark class="match' not in shown  # no document to highlight
    assert passage in shown and len(app.expander) == 1  # the passage, side by side with its source
