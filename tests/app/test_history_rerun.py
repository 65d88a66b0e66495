"""The History page through Streamlit's AppTest: a stored check re-run with other exclusions, and who ran each check
(an account, the command line, an account deleted since)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, update
from streamlit.testing.v1 import AppTest

from plagdetect.jobs import JobQueue, wait_for
from plagdetect.services.accounts import OPERATOR, Account
from plagdetect.services.checks import list_checks, run_check
from plagdetect.services.corpus import Corpus
from plagdetect.store import Check
from plagdetect.store.tables import CheckFile

from builders import PRINTING_SOURCE, PRINTING_SUBMISSION, PRINTING_TITLE, PRINTING_UNRELATED, make_people

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def app_corpus(app_corpus: Corpus) -> Corpus:
    """The app's corpus (tests/app/conftest.py) with the printing-press article in History."""
    app_corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    return app_corpus


@pytest.fixture
def people(app_corpus: Corpus) -> dict[str, Account]:
    return make_people(app_corpus.context.sessions, students=("sam", "kim"))


def history_of(account: Account) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["account_id"] = account.id
    app.run()
    return app.switch_page("views/history.py").run()


def test_an_instructor_re_runs_a_check_without_its_source_and_both_reports_stay(
    app_corpus: Corpus, people: dict[str, Account]
) -> None:
    first = run_check(app_corpus.context, people["sam"], PRINTING_SUBMISSION.encode(), "essay.txt")
    student = history_of(people["sam"])  # a student re-runs with other exclusions, but leaves no source out
    assert student.expander[0].label == "Re-run with other exclusions"
    assert "Sources to leave out" not in [m.label for m in student.multiselect]
    app = history_of(people["teacher"])
    assert app.expander[0].label == "Re-run with other exclusions"
    sources = next(m for m in app.multiselect if m.label == "Sources to leave out")
    assert sources.options == [f"{PRINTING_TITLE} (#{first.sources[0].document_id})"]
    sources.select(first.sources[0].document_id)
    next(b for b in app.button if b.label == "Re-run the check").click().run()
    assert not app.exception and not app.error
    assert [s.label for s in app.status][0].startswith(f"essay.txt (re-run of #{first.check_id}): ")
    wait_for(JobQueue(app_corpus.context.sessions), app.session_state["history_rerun_job"])
    app.run()  # as the page's timer does once the job has ended

    [done] = [s.value for s in app.success if "re-run of" in s.value]
    newest, _ = list_checks(app_corpus.context, people["teacher"])
    assert done == f"essay.txt (re-run of #{first.check_id}): done, 0% similar. Its report is check #{newest.id}."
    table = app.dataframe[0].value
    assert table["id"].tolist() == [newest.id, first.check_id]
    assert table["re-run of"].tolist() == [f"#{first.check_id}", ""]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Similarity index"] == "0%"  # the newest, opened first: its one source was left out
    assert f"Re-run of #{first.check_id}: the same file, checked again with other exclusions." in [
        c.value for c in app.caption
    ]


def test_a_check_whose_file_is_not_kept_says_why_it_cannot_be_re_run(
    app_corpus: Corpus, people: dict[str, Account]
) -> None:
    old = run_check(app_corpus.context, people["sam"], PRINTING_SUBMISSION.encode(), "old.txt")
    with app_corpus.context.sessions.begin() as session:  # as a check stored before checks kept their files
        session.execute(delete(CheckFile).where(CheckFile.check_id == old.check_id))
    app = history_of(people["sam"])
    next(b for b in app.button if b.label == "Re-run the check").click().run()
    assert [e.value for e in app.error] == [
        f"Check #{old.check_id} cannot be re-run: it was stored before PlagDetect kept the files it checks. "
        "Check the file again on the Check page."
    ]


def test_the_history_says_who_ran_each_check(app_corpus: Corpus, people: dict[str, Account]) -> None:
    run_check(app_corpus.context, OPERATOR, PRINTING_UNRELATED.encode(), "from-the-cli.txt")
    run_check(app_corpus.context, people["kim"], PRINTING_UNRELATED.encode(), "kims.txt")
    run_check(app_corpus.context, people["sam"], PRINTING_UNRELATED.encode(), "sams.txt")
    with app_corpus.context.sessions.begin() as session:  # what the database does to the checks of a deleted row
        session.execute(update(Check).where(Check.filename == "kims.txt").values(user_id=None))
    table = history_of(people["teacher"]).dataframe[0].value
    by = dict(zip(table["file"], table["by"], strict=True))
    assert by == {"from-the-cli.txt": "command line", "kims.txt": "(deleted account)", "sams.txt": "sam"}
