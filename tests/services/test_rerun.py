"""A stored check run again with other exclusions (the History page's re-run): its kept file, queued as a check job,
the new check saying which check it re-runs; who may, and what a check whose file is gone says."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, update

from plagdetect.detection.report import CheckOptions
from plagdetect.errors import PlagDetectError
from plagdetect.jobs import Jobs
from plagdetect.jobs.tasks import options_from_json, run_job
from plagdetect.services.accounts import OPERATOR, Account, PermissionDenied
from plagdetect.services.checks import list_checks, load_report, run_check
from plagdetect.services.corpus import Corpus
from plagdetect.store import Check
from plagdetect.store.checks import purge_expired_texts
from plagdetect.store.tables import CheckFile

from builders import PRINTING_SOURCE, PRINTING_SUBMISSION, PRINTING_UNRELATED, make_people


@pytest.fixture
def people(corpus: Corpus) -> dict[str, Account]:
    return make_people(corpus.context.sessions, students=("sam", "kim"))


@pytest.fixture
def jobs(corpus: Corpus) -> Jobs:
    corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    corpus.ingest_bytes(PRINTING_UNRELATED.encode(), "reading-habits.txt", "Other")
    return Jobs(corpus.context)


def run_queued(jobs: Jobs, job_id: int) -> dict:
    """Run the job as a worker would, here; its result."""
    job = jobs.queue.claim("test-worker", limit=1)
    assert job is not None and job.id == job_id
    result = run_job(jobs.context, job, jobs.queue.files(job.id), lambda _stage: None)
    jobs.queue.finish(job.id, result)
    return result


def test_a_check_re_run_without_its_source_is_a_new_check_that_names_the_one_it_re_runs(
    jobs: Jobs, people: dict[str, Account]
) -> None:
    context = jobs.context
    first = run_check(context, people["sam"], PRINTING_SUBMISSION.encode(), "essay.txt")
    [source] = first.sources
    original = options_from_json(first.settings)
    changed = replace(original, excluded_sources=frozenset({source.document_id}), min_match_words=12)
    with pytest.raises(PermissionDenied, match="Only instructors leave sources out"):  # refused before it waits
        jobs.rerun(people["sam"], first.check_id, changed)
    job = jobs.rerun(people["teacher"], first.check_id, changed)
    assert job.label == f"essay.txt (re-run of #{first.check_id})"
    result = run_queued(jobs, job.id)

    again = load_report(context, people["teacher"], result["check_id"])
    assert again.check_id != first.check_id and again.filename == "essay.txt"
    assert again.settings["rerun_of"] == first.check_id
    assert again.settings["excluded_sources"] == [source.document_id] and again.settings["min_match_words"] == 12
    assert first.similarity > 0.3 and again.similarity == 0 and not again.matches  # its one source left out
    assert load_report(context, people["sam"], first.check_id).similarity == first.similarity  # the first stays
    newest, oldest = list_checks(context, people["teacher"])
    assert (newest.id, newest.rerun_of) == (again.check_id, first.check_id) and oldest.rerun_of is None


def test_only_ones_own_check_or_staff_may_re_run_it(jobs: Jobs, people: dict[str, Account]) -> None:
    sams = run_check(jobs.context, people["sam"], PRINTING_SUBMISSION.encode(), "sam.txt")
    with pytest.raises(PermissionDenied, match="only your own checks"):
        jobs.rerun(people["kim"], sams.check_id, CheckOptions())
    job = jobs.rerun(people["teacher"], sams.check_id, CheckOptions(collections=("Other",)))
    result = run_queued(jobs, job.id)
    [newest] = [c for c in list_checks(jobs.context, people["teacher"]) if c.id == result["check_id"]]
    assert newest.username == "tess" and newest.rerun_of == sams.check_id  # the instructor's check, of sam's file
    assert result["similarity"] == 0  # the source is not in the collection searched this time
    assert [c.id for c in list_checks(jobs.context, people["sam"])] == [sams.check_id]  # sam's list is sam's own


def test_a_check_whose_file_is_gone_cannot_be_re_run_and_says_why(jobs: Jobs, people: dict[str, Account]) -> None:
    context = jobs.context
    old = run_check(context, people["sam"], PRINTING_SUBMISSION.encode(), "old.txt")
    before = run_check(context, OPERATOR, PRINTING_SUBMISSION.encode(), "from-the-cli.txt")
    with context.sessions.begin() as session:  # the first as if stored before checks kept files; the other aged
        session.execute(delete(CheckFile).where(CheckFile.check_id == before.check_id))
        forty_days_ago = datetime.now(UTC) - timedelta(days=40)
        session.execute(update(Check).where(Check.id == old.check_id).values(created_at=forty_days_ago))
    with pytest.raises(PlagDetectError, match="stored before PlagDetect kept the files"):
        jobs.rerun(people["teacher"], before.check_id, CheckOptions())
    assert purge_expired_texts(context.sessions, 30, datetime.now(UTC)) == 1  # as the server's upkeep runs it
    with pytest.raises(PlagDetectError, match=r"its file was removed with its text \(check_text_retention_days\)"):
        jobs.rerun(people["sam"], old.check_id, CheckOptions())
    with context.sessions() as session:
        assert session.get(CheckFile, old.check_id) is None  # retention removed the file with the text
    assert not [j for j in jobs.visible(people["admin"], everyone=True) if j.kind == "check"]  # nothing queued


def test_the_history_tells_the_command_lines_checks_from_a_deleted_accounts(
    jobs: Jobs, people: dict[str, Account]
) -> None:
    context = jobs.context
    run_check(context, OPERATOR, PRINTING_UNRELATED.encode(), "cli.txt")
    run_check(context, people["kim"], PRINTING_UNRELATED.encode(), "kims.txt")
    with context.sessions.begin() as session:  # as the database does when an account row is deleted
        session.execute(update(Check).where(Check.filename == "kims.txt").values(user_id=None))
    summaries = {c.filename: c for c in list_checks(context, people["teacher"])}
    assert summaries["cli.txt"].username is None and not summaries["cli.txt"].account_deleted
    assert summaries["kims.txt"].username is None and summaries["kims.txt"].account_deleted
    assert load_report(context, people["teacher"], summaries["kims.txt"].id).submission.submitted_by == (
        "(deleted account)"
    )
    assert load_report(context, people["teacher"], summaries["cli.txt"].id).submission.submitted_by is None
