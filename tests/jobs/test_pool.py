"""The worker processes: jobs of several people run to their end, a job past its time limit is stopped with a
message, a killed worker's job fails and the worker comes back, and a job left running by a pool that went away
runs again. Real processes, each loading the models once: the slowest tests of the package, kept few."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import replace

import pytest

from plagdetect.detection.report import CheckOptions
from plagdetect.jobs import JobQueue, Jobs, WorkerPool, wait_for
from plagdetect.services.accounts import Account
from plagdetect.services.checks import load_report
from plagdetect.services.corpus import Corpus
from plagdetect.settings import Settings

from builders import PRINTING_SOURCE, PRINTING_SUBMISSION, PRINTING_UNRELATED, make_people


@pytest.fixture
def people(corpus: Corpus) -> dict[str, Account]:
    corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    return make_people(corpus.context.sessions, students=("ann", "bob"))


def light(settings: Settings) -> Settings:
    """The bi-encoder alone (no reranker, no explainer, no int8 copy): workers that start quicker."""
    return replace(settings, rerank=False, explain=False, int8_submissions=False)


def running(queue: JobQueue, job_id: int, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while queue.get(job_id).state != "running":
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.05)


def test_two_workers_run_the_jobs_of_several_people_to_their_end(corpus: Corpus, people: dict[str, Account]) -> None:
    jobs = Jobs(corpus.context)
    submitted = [
        jobs.check(people["ann"], "ann.txt", PRINTING_SUBMISSION.encode(), CheckOptions()),
        jobs.ingest(people["teacher"], "History", [("reading.txt", PRINTING_UNRELATED.encode())]),
        jobs.check(people["bob"], "bob.txt", b"", CheckOptions()),
    ]
    with WorkerPool(light(corpus.context.settings), workers=2) as pool:
        ended = [wait_for(jobs.queue, job.id) for job in submitted]
        workers = {job.worker for job in ended}
    assert [job.state for job in ended] == ["done", "done", "failed"] and ended[2].message == "the file is empty"
    assert len(workers) == 2 and all(name.startswith(pool.prefix) for name in workers)
    report = load_report(corpus.context, people["ann"], ended[0].result["check_id"])
    assert report.similarity > 0.3 and report.filename == "ann.txt"
    assert {d.filename for d in corpus.list_documents("History")} == {"printing-press.txt", "reading.txt"}


def test_a_job_past_its_time_limit_is_stopped_with_a_message_and_a_killed_worker_comes_back(
    corpus: Corpus, people: dict[str, Account]
) -> None:
    jobs = Jobs(corpus.context)
    settings = replace(corpus.context.settings, job_timeout_s=0.5)  # less than loading the models takes
    slow = jobs.check(people["ann"], "ann.txt", PRINTING_SUBMISSION.encode(), CheckOptions())
    with WorkerPool(settings, workers=1) as pool:
        ended = wait_for(jobs.queue, slow.id)
        assert ended.state == "failed"
        assert ended.message == "Stopped after 0.5 s: a job may run for 0.5 s at most (job_timeout_s)."

        pool.settings = replace(pool.settings, job_timeout_s=600)
        killed = jobs.check(people["bob"], "bob.txt", PRINTING_SUBMISSION.encode(), CheckOptions())
        running(jobs.queue, killed.id)
        [(_name, process)] = pool._workers.values()
        os.kill(process.pid, signal.SIGKILL)  # as the kernel does to a process out of memory
        ended = wait_for(jobs.queue, killed.id)
        assert ended.state == "failed" and "killed" in ended.message

        after = jobs.check(people["bob"], "again.txt", PRINTING_SUBMISSION.encode(), CheckOptions())
        assert wait_for(jobs.queue, after.id).state == "done"  # a new worker took over


def test_a_job_left_running_by_a_pool_that_went_away_runs_again(corpus: Corpus, people: dict[str, Account]) -> None:
    from datetime import timedelta

    jobs = Jobs(corpus.context)
    job = jobs.check(people["ann"], "ann.txt", PRINTING_SUBMISSION.encode(), CheckOptions())
    lost = jobs.queue.claim("another-host:123:abc/0.1", limit=2)  # its server was switched off mid-check
    stale = JobQueue(corpus.context.sessions, clock=lambda: lost.started_at - timedelta(hours=1))
    stale.beat(job.id)
    with WorkerPool(light(corpus.context.settings), workers=1):
        ended = wait_for(jobs.queue, job.id)
    assert ended.state == "done" and ended.attempts == 2
