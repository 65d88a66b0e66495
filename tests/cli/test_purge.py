"""``plagdetect purge``: the full texts of checks past check_text_retention_days go; their reports stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from plagdetect.cli.main import EXIT_OK, main
from plagdetect.detection.report import CheckOptions, CheckReport
from plagdetect.settings import Settings
from plagdetect.store.checks import load_check, save_check
from plagdetect.store.engine import make_engine, make_session_factory
from plagdetect.store.tables import Check
from plagdetect.text.prepare import prepare_document

from builders import ESSAY_RAILWAYS


def a_check(settings: Settings, days_old: float) -> int:
    """A check of no match, stored ``days_old`` days ago."""
    sessions = make_session_factory(make_engine(settings.resolved_database_url))
    prepared = prepare_document(ESSAY_RAILWAYS.encode(), "rail.txt", settings)
    report = CheckReport(None, "rail.txt", prepared.normalized.text, 0.0, [], [], {}, [], {}, {})
    check_id = save_check(sessions, prepared, report, CheckOptions(), None)
    with sessions.begin() as session:
        when = datetime.now(UTC) - timedelta(days=days_old)
        session.execute(update(Check).where(Check.id == check_id).values(created_at=when))
    sessions.kw["bind"].dispose()
    return check_id


def test_purge_removes_only_expired_texts_and_says_so(capsys, monkeypatch: pytest.MonkeyPatch, settings) -> None:
    old, new = a_check(settings, 40), a_check(settings, 2)
    assert main(["--data-dir", str(settings.data_dir), "purge"]) == EXIT_OK
    assert "nothing to remove" in capsys.readouterr().out  # retention 0: kept for ever

    monkeypatch.setenv("PLAGDETECT_CHECK_TEXT_RETENTION_DAYS", "30")
    assert main(["--data-dir", str(settings.data_dir), "purge"]) == EXIT_OK
    assert "removed the full text of 1 check(s) older than 30 days" in capsys.readouterr().out
    sessions = make_session_factory(make_engine(settings.resolved_database_url))
    assert load_check(sessions, old).text_removed is not None
    assert (
        load_check(sessions, new).text == prepare_document(ESSAY_RAILWAYS.encode(), "r.txt", settings).normalized.text
    )
    sessions.kw["bind"].dispose()


def test_a_negative_retention_is_refused() -> None:
    from plagdetect.errors import PlagDetectError

    with pytest.raises(PlagDetectError, match="check_text_retention_days"):
        Settings.from_env({"PLAGDETECT_CHECK_TEXT_RETENTION_DAYS": "-1"})
