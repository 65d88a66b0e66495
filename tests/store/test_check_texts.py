"""A check's stored text: kept once, read back as it was, and removed once its retention has passed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from plagdetect.detection.report import CheckOptions, CheckReport, MatchResult, Segment, similarity, source_shares
from plagdetect.settings import Settings
from plagdetect.store.checks import load_check, purge_expired_texts, save_check
from plagdetect.store.engine import make_engine, make_session_factory
from plagdetect.store.tables import Check
from plagdetect.text.prepare import PreparedDocument, prepare_document

PRIVATE = "Nobody matched this private paragraph about quince orchards"
COPIED = "A copied sentence says that movable type spread ideas across Europe within fifty years."
# Full-width letters, a ligature and a zero-width space: the normalised text differs from the extracted one.
SUBMISSION = f'Ｆｕｌｌ-width ﬁrst words.\n\n{PRIVATE} and their keepers.\n\n\u200b{COPIED}\n\n"A quoted line."\n'


@pytest.fixture
def sessions(settings: Settings) -> sessionmaker[Session]:
    return make_session_factory(make_engine(settings.resolved_database_url))


def stored_check(sessions: sessionmaker[Session], settings: Settings) -> tuple[int, CheckReport, PreparedDocument]:
    """A check of SUBMISSION with one match on COPIED (its source since deleted), saved as the pipeline saves one."""
    prepared = prepare_document(SUBMISSION.encode(), "essay.txt", settings)
    text = prepared.normalized.text
    start = text.index(COPIED)
    span = (start, start + len(COPIED))
    match = MatchResult(
        source_id=0,
        source_title="(document deleted from the corpus)",
        source_collection="",
        submission_span=span,
        source_span=(10, 10 + len(COPIED)),
        submission_original=prepared.normalized.offsets.span_to_original(*span),
        source_original=(10, 10 + len(COPIED)),
        score=0.97,
        rerank_score=0.99,
        kind="verbatim",
        coverage=1.0,
        shared=[(span, (10, 10 + len(COPIED)))],
        segments=[Segment(span, (10, 10 + len(COPIED)), "verbatim", 1.0, 0.97, 0.99, [("movable", 1.5)])],
        submission_text=COPIED,
        source_text="",
        tokens=[("movable", 1.5)],
    )
    report = CheckReport(
        check_id=None,
        filename="essay.txt",
        text=text,
        similarity=similarity([match], len(text)),
        sources=source_shares([match], len(text)),
        matches=[match],
        excluded={"quotes": [(text.index('"A quoted'), len(text) - 1)], "bibliography": []},
        integrity=prepared.normalized.flags.describe(),
        integrity_places=prepared.normalized.flags.places_in_normalized(prepared.normalized.offsets),
        timings={"prepare": 0.1},
        model_versions={"bi-encoder": "test"},
        settings={"exclude_quotes": True, "exclude_bibliography": True, "collection": None},
    )
    check_id = save_check(sessions, prepared, report, CheckOptions(), None)
    report.check_id = check_id
    stored = load_check(sessions, check_id)
    report.submission = stored.submission  # who and when: the row's (asserted below)
    report.matches = [replace(match, match_id=stored.matches[0].match_id)]  # the id the store gave it
    return check_id, report, prepared


def age(sessions: sessionmaker[Session], check_id: int, days: float) -> None:
    with sessions.begin() as session:
        session.execute(
            update(Check).where(Check.id == check_id).values(created_at=datetime.now(UTC) - timedelta(days=days))
        )


def database_files(settings: Settings) -> list[Path]:
    return [p for p in settings.data_dir.glob("plagdetect.db*") if p.is_file()]


def test_a_check_keeps_its_text_once_and_reads_back_as_it_was_saved(sessions, settings: Settings) -> None:
    check_id, report, prepared = stored_check(sessions, settings)
    assert prepared.extracted.text != prepared.normalized.text  # the text as extracted is not kept beside it
    with sessions() as session:
        row = session.get(Check, check_id)
        assert row.text == prepared.normalized.text and row.original_text == "" and row.offset_map
    loaded = load_check(sessions, check_id)
    assert loaded.to_dict() == report.to_dict()
    assert (loaded.submission.title, loaded.submission.sha256) == ("essay", prepared.sha256)
    assert loaded.submission.submitted_by is None and loaded.submission.submitted_at.endswith("+00:00")
    assert loaded.matches[0].submission_original == prepared.normalized.offsets.span_to_original(
        *report.matches[0].submission_span
    )


def test_a_row_written_with_both_texts_still_loads_and_retention_empties_both(sessions, settings: Settings) -> None:
    check_id, report, prepared = stored_check(sessions, settings)
    with sessions.begin() as session:  # as rows were written before the text was kept once
        session.get(Check, check_id).original_text = prepared.extracted.text
    assert load_check(sessions, check_id).to_dict() == report.to_dict()
    age(sessions, check_id, 31)
    assert purge_expired_texts(sessions, 30, datetime.now(UTC)) == 1
    with sessions() as session:
        row = session.get(Check, check_id)
        assert (row.text, row.original_text, row.offset_map) == ("", "", b"")


def test_past_its_retention_a_check_loses_its_text_but_its_report_keeps_the_passages(
    sessions, settings: Settings
) -> None:
    old_id, old_report, _ = stored_check(sessions, settings)
    new_id, new_report, _ = stored_check(sessions, settings)
    age(sessions, old_id, 30.5)
    now = datetime.now(UTC)
    assert purge_expired_texts(sessions, 30, now) == 1
    assert purge_expired_texts(sessions, 30, now) == 0  # nothing left to remove

    loaded = load_check(sessions, old_id)
    assert loaded.text == "" and loaded.text_removed is not None
    assert loaded.text_removed.after_days == 30 and loaded.text_length == len(old_report.text)
    assert loaded.text_removed.note == (
        "The full text of this submission was removed after 30 days (check_text_retention_days); "
        "only the matched passages are kept."
    )
    assert loaded.similarity == old_report.similarity and loaded.sources == old_report.sources
    assert loaded.excluded == old_report.excluded and loaded.settings == old_report.settings
    [match] = loaded.matches
    [before] = old_report.matches
    assert match.submission_text == COPIED == before.submission_text
    assert match.submission_original == before.submission_original
    assert match.submission_span == before.submission_span and match.segments == before.segments

    assert load_check(sessions, new_id).to_dict() == new_report.to_dict()  # the newer check keeps everything

    with sessions() as session:
        session.connection().exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    copies = {p.name: p.read_bytes().count(PRIVATE.encode()) for p in database_files(settings)}
    # The newer check's text, and the file it was checked from (kept for a re-run); nothing of the older one's.
    assert copies["plagdetect.db"] == 2 and sum(copies.values()) == 2
    with sessions() as session:
        assert session.connection().exec_driver_sql("PRAGMA secure_delete").scalar() == 1


def test_retention_zero_keeps_every_text(sessions, settings: Settings) -> None:
    check_id, report, _ = stored_check(sessions, settings)
    age(sessions, check_id, 10_000)
    report.submission = load_check(sessions, check_id).submission  # checked 10,000 days ago now
    assert purge_expired_texts(sessions, 0, datetime.now(UTC)) == 0
    assert load_check(sessions, check_id).to_dict() == report.to_dict()


def test_the_clock_decides_and_a_naive_now_counts_as_utc(sessions, settings: Settings) -> None:
    check_id, _, _ = stored_check(sessions, settings)
    now = datetime.now(UTC)
    assert purge_expired_texts(sessions, 7, now + timedelta(days=6, hours=23)) == 0
    assert purge_expired_texts(sessions, 7, (now + timedelta(days=7, minutes=1)).replace(tzinfo=None)) == 1
    assert load_check(sessions, check_id).text_removed is not None
