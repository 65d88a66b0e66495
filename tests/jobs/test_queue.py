"""The job queue: fair order between people, a bound on running jobs, cancellation, recovery, and the rules of who
may do what; jobs run by a ``Worker`` in this process (the worker processes are tested in test_pool.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plagdetect.detection.report import CheckOptions
from plagdetect.errors import PlagDetectError
from plagdetect.jobs import JobQueue, Jobs
from plagdetect.jobs.queue import MAX_ATTEMPTS
from plagdetect.jobs.worker import Worker
from plagdetect.services.accounts import OPERATOR, Account, PermissionDenied
from plagdetect.services.checks import list_checks
from plagdetect.services.corpus import Corpus
from plagdetect.store import make_engine, make_session_factory

from builders import PRINTING_SOURCE, PRINTING_SUBMISSION, make_people


class Ticking:
    """A clock that moves one second each time it is read."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def queue(corpus: Corpus) -> JobQueue:
    return JobQueue(corpus.context.sessions, clock=Ticking())


@pytest.fixture
def people(corpus: Corpus) -> dict[str, Account]:
    return make_people(corpus.context.sessions, students=("ann", "bob", "cat"))


def test_one_persons_many_uploads_do_not_starve_the_others(queue: JobQueue, people: dict[str, Account]) -> None:
    ann, bob, cat = (people[name].id for name in ("ann", "bob", "cat"))
    for owner, count in ((ann, 5), (bob, 3), (cat, 2)):  # Ann queues all of hers first
        for n in range(count):
            queue.submit("check", owner, f"{owner}-{n}", {})
    order = []
    while (job := queue.claim("w", limit=1)) is not None:
        order.append(job.user_id)
        queue.finish(job.id, {}, worker="w")
    assert order == [ann, bob, cat, ann, bob, cat, ann, bob, ann, ann]


def test_no_more_jobs_run_at_once_than_the_limit_and_a_person_running_one_waits_behind_others(
    queue: JobQueue, people: dict[str, Account]
) -> None:
    ann, bob = people["ann"].id, people["bob"].id
    for owner in (ann, ann, ann, bob):
        queue.submit("check", owner, "essay", {})
    first, second = queue.claim("w1", limit=2), queue.claim("w2", limit=2)
    assert (first.user_id, second.user_id) == (ann, bob)  # Bob's job passes Ann's second and third
    assert queue.claim("w3", limit=2) is None
    queue.finish(first.id, {}, worker="w1")
    assert queue.claim("w3", limit=2).user_id == ann


def test_a_queued_job_and_its_files_outlast_a_restart(corpus: Corpus, people: dict[str, Account]) -> None:
    Jobs(corpus.context).check(people["ann"], "essay.txt", b"my essay", CheckOptions(collections=("History",)))
    engine = make_engine(corpus.context.settings.resolved_database_url)  # as a new process opens it
    again = JobQueue(make_session_factory(engine))
    [job] = again.jobs(everyone=True)
    assert (job.state, job.label, job.username) == ("queued", "essay.txt", "ann")
    assert job.options["check"]["collections"] == ["History"]
    assert again.files(job.id) == [("essay.txt", b"my essay")]
    engine.dispose()


def test_cancelling_a_queued_job_ends_it_and_a_running_one_is_asked_to_stop(queue: JobQueue) -> None:
    waiting = queue.submit("check", None, "waiting", {}, [("a.txt", b"a")])
    running = queue.submit("check", None, "running", {}, [("b.txt", b"b")])
    queue.claim("w", limit=1)  # the first one queued
    queue.cancel(running.id, by=None)
    assert queue.get(running.id).state == "cancelled" and queue.files(running.id) == []
    queue.cancel(waiting.id, by=None)
    assert queue.get(waiting.id).state == "running" and queue.report(waiting.id, "next stage", "w") is True


def test_a_job_whose_worker_vanished_is_queued_again_once_then_fails(
    queue: JobQueue, people: dict[str, Account]
) -> None:
    job = queue.submit("ingest", people["teacher"].id, "files", {"collection": "c"}, [("a.txt", b"a")])
    for attempt in range(1, MAX_ATTEMPTS + 1):
        taken = queue.claim(f"gone-{attempt}", limit=1)
        assert taken.id == job.id and taken.attempts == attempt
        queue.recover_one(taken)
    ended = queue.get(job.id)
    assert ended.state == "failed" and "was not tried again" in ended.message and queue.files(job.id) == []


def test_a_worker_that_lost_its_job_cannot_end_it(queue: JobQueue, people: dict[str, Account]) -> None:
    job = queue.submit("check", people["ann"].id, "essay", {})
    queue.claim("old", limit=1)
    queue.recover_one(queue.get(job.id))
    queue.claim("new", limit=1)
    assert queue.finish(job.id, {"check_id": 1}, worker="old") is False
    assert queue.report(job.id, "a stage", "old") is True  # the old worker is told to stop
    assert queue.get(job.id).state == "running"


def test_a_job_whose_host_stopped_waits_for_the_next_pool_unless_the_command_line_asked_for_it(
    queue: JobQueue, people: dict[str, Account]
) -> None:
    from_the_app = queue.submit("check", people["ann"].id, "essay", {}, [("essay.txt", b"text")])
    from_a_command = queue.submit("ingest", None, "2 files into c", {"collection": "c"}, [("a.txt", b"a")])
    for _ in range(2):
        queue.release(queue.claim("host-gone", limit=2))
    again = queue.get(from_the_app.id)
    assert (again.state, again.attempts, queue.files(again.id)) == ("queued", 0, [("essay.txt", b"text")])
    ended = queue.get(from_a_command.id)  # nobody waits for it: its command went with the host
    assert ended.state == "cancelled" and "a command-line job is not started again" in ended.message
    assert "files added before it stopped stay" in ended.message and queue.files(ended.id) == []


def test_who_may_queue_see_and_cancel_jobs(corpus: Corpus, people: dict[str, Account]) -> None:
    jobs = Jobs(corpus.context)
    job = jobs.check(people["ann"], "essay.txt", b"text", CheckOptions())
    with pytest.raises(PermissionDenied):
        jobs.get(people["bob"], job.id)
    with pytest.raises(PermissionDenied):
        jobs.cancel(people["bob"], job.id)
    with pytest.raises(PermissionDenied):
        jobs.ingest(people["ann"], "History", [("a.txt", b"text")])  # students do not add to the corpus
    with pytest.raises(PermissionDenied):
        jobs.visible(people["ann"], everyone=True)
    assert [j.id for j in jobs.visible(people["teacher"], everyone=True)] == [job.id]
    assert jobs.visible(people["bob"]) == []
    assert jobs.cancel(people["admin"], job.id).state == "cancelled"
    with pytest.raises(PlagDetectError, match="ended already"):
        jobs.cancel(people["ann"], job.id)


def test_an_oversized_upload_or_a_wrong_option_is_refused_before_it_waits(
    corpus: Corpus, people: dict[str, Account]
) -> None:
    from dataclasses import replace

    jobs = Jobs(corpus.context)
    jobs.context.settings = replace(corpus.context.settings, max_file_mb=0.001)
    with pytest.raises(PlagDetectError, match="the limit is 1 KB"):
        jobs.check(people["ann"], "big.txt", b"x" * 2000, CheckOptions())
    with pytest.raises(PlagDetectError, match="between 1 and 200 words"):
        jobs.check(people["ann"], "a.txt", b"text", CheckOptions(min_match_words=0))
    with pytest.raises(PlagDetectError, match=r"unsupported file type '\.exe' \(supported: .*\.docx.*\.pdf"):
        jobs.check(people["ann"], "setup.exe", b"MZ", CheckOptions())  # the page has no type filter: said here
    uploads = [("notes.txt", b"x" * 100), ("big.txt", b"x" * 2000), ("huge.txt", b"x" * 3000)]
    with pytest.raises(PlagDetectError) as refused:  # an upload of several files names the ones too large
        jobs.ingest(people["teacher"], "History", uploads)
    assert str(refused.value) == (
        "big.txt: the file is 2 KB; the limit is 1 KB; huge.txt: the file is 3 KB; the limit is 1 KB. "
        "Nothing was added: remove the file(s) named and add the others again."
    )
    assert jobs.queue.jobs(everyone=True) == []


def test_the_file_picker_lets_a_300_mb_upload_through_for_the_services_to_refuse_in_words() -> None:
    import tomllib
    from pathlib import Path

    from plagdetect.settings import Settings

    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] >= 300 > Settings().max_file_mb


# ----- a worker running jobs (in this process) ----------------------------------------------------------------


def test_a_check_job_runs_as_the_person_who_asked_and_a_bad_file_fails_only_its_own_job(
    corpus: Corpus, people: dict[str, Account]
) -> None:
    corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    jobs = Jobs(corpus.context)
    empty = jobs.check(people["bob"], "empty.txt", b"", CheckOptions())
    essay = jobs.check(people["ann"], "essay.txt", PRINTING_SUBMISSION.encode(), CheckOptions())
    worker = Worker(corpus.context, "here")
    assert worker.run_one().state == "failed" and jobs.queue.get(empty.id).message == "the file is empty"
    done = worker.run_one()
    assert done.state == "done" and done.stages[0] == "Reading essay.txt" and done.stages[-1] == "Saving the report"
    assert [c.id for c in list_checks(corpus.context, people["ann"])] == [done.result["check_id"]]
    assert done.result["similarity"] > 0.3 and jobs.queue.files(essay.id) == []  # the upload is not kept
    assert worker.run_one() is None


def test_an_ingest_job_adds_files_and_reports_each(corpus: Corpus, people: dict[str, Account]) -> None:
    jobs = Jobs(corpus.context)
    job = jobs.ingest(people["teacher"], "History", [("press.txt", PRINTING_SOURCE.encode()), ("bad.txt", b"")])
    Worker(corpus.context, "here").run_one()
    done = jobs.get(people["teacher"], job.id)
    assert done.state == "done" and done.result["collection"] == "History"
    assert [(r["filename"], r["status"]) for r in done.result["results"]] == [
        ("press.txt", "added"),
        ("bad.txt", "failed"),
    ]
    assert [d.filename for d in corpus.list_documents("History")] == ["press.txt"]


def test_a_job_cancelled_while_it_runs_stops_at_its_next_stage_and_stores_nothing(
    corpus: Corpus, people: dict[str, Account], monkeypatch: pytest.MonkeyPatch
) -> None:
    import plagdetect.jobs.tasks as tasks

    corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    jobs = Jobs(corpus.context)
    job = jobs.check(people["ann"], "essay.txt", PRINTING_SUBMISSION.encode(), CheckOptions())
    real_check = tasks.run_check

    def cancelled_once_started(context, actor, data, filename, options, say):
        def say_after_cancel(stage: str) -> None:
            if stage.startswith("Embedding"):
                jobs.cancel(people["ann"], job.id)  # the person clicks Cancel while the text is read
            say(stage)

        return real_check(context, actor, data, filename, options, say_after_cancel)

    monkeypatch.setattr(tasks, "run_check", cancelled_once_started)
    ended = Worker(corpus.context, "here").run_one()
    assert ended.state == "cancelled" and ended.message == "Cancelled; nothing was stored."
    assert list_checks(corpus.context, people["ann"]) == []


def test_an_unexpected_error_fails_the_job_with_a_plain_message_and_is_logged(
    corpus: Corpus, people: dict[str, Account], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import plagdetect.jobs.tasks as tasks

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(tasks, "run_check", broken)
    Jobs(corpus.context).check(people["ann"], "essay.txt", b"text", CheckOptions())
    with caplog.at_level("ERROR", logger="plagdetect.jobs.worker"):
        ended = Worker(corpus.context, "here").run_one()
    assert ended.state == "failed" and "server log" in ended.message and "a bug" not in ended.message
    [record] = caplog.records
    assert "essay.txt" in record.getMessage() and record.exc_info


def test_the_command_lines_jobs_belong_to_no_account(corpus: Corpus) -> None:
    corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    job = Jobs(corpus.context).check(OPERATOR, "essay.txt", PRINTING_SUBMISSION.encode(), CheckOptions())
    assert job.user_id is None
    assert Worker(corpus.context, "here").run_one().state == "done"
