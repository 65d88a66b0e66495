"""The job queue under load: ten checks by three people queued at once while an ingest runs (``plagdetect bench
jobs``). It reports the order the checks started in against the order they were queued in, each person's longest
wait, and every job's end; the target is that all finish, none with an error, in fair order.

It runs in a fresh data directory of its own: the sample corpus is added first (so the checks find matches),
then an instructor's ingest of generated documents and the ten checks are queued, the ingest first, and the
workers (``job_workers`` of them) are started.
"""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from plagdetect.context import Context
from plagdetect.detection.report import CheckOptions
from plagdetect.evaluation.bench import generated_documents
from plagdetect.jobs import JobInfo, Jobs, WorkerPool, wait_for
from plagdetect.services.accounts import Accounts, Role
from plagdetect.services.corpus import Corpus
from plagdetect.settings import SAMPLE_CORPUS, Settings

CHECKS = {"ann": 5, "bob": 3, "cat": 2}  # queued in this order: all of Ann's first, the worst case for a FIFO


@dataclass(frozen=True)
class QueueBenchResult:
    workers: int
    jobs: list[JobInfo]  # in the order they were queued
    wall_s: float

    def describe(self) -> str:
        started = sorted(self.jobs, key=lambda j: (j.started_at is None, j.started_at))
        lines = [f"bench jobs: {len(self.jobs)} jobs, {self.workers} worker process(es), {self.wall_s:.1f} s in all"]
        lines.append(f"  {'id':>3}  {'by':<6} {'kind':<7} {'state':<9} {'waited':>8} {'ran':>8}  what")
        for job in started:
            waited = (job.started_at - job.created_at).total_seconds() if job.started_at else float("nan")
            ran = (job.finished_at - job.started_at).total_seconds() if job.finished_at and job.started_at else 0
            lines.append(
                f"  {job.id:>3}  {job.username or '-':<6} {job.kind:<7} {job.state:<9} {waited:7.1f}s {ran:7.1f}s"
                f"  {job.label}{': ' + job.message if job.message else ''}"
            )
        checks = [j for j in self.jobs if j.kind == "check"]
        queued = [j.username for j in checks]
        began = [j.username for j in sorted(checks, key=lambda j: j.started_at or j.finished_at)]
        lines.append(f"  checks queued in the order : {' '.join(queued)}")
        lines.append(f"  checks started in the order: {' '.join(began)}")
        longest: dict[str, float] = defaultdict(float)
        for job in checks:
            if job.started_at:
                longest[job.username] = max(longest[job.username], (job.started_at - job.created_at).total_seconds())
        lines.append("  longest wait: " + ", ".join(f"{who} {s:.1f} s" for who, s in sorted(longest.items())))
        failed = [j for j in self.jobs if j.state != "done"]
        lines.append(f"  ended: {len(self.jobs) - len(failed)} done, {len(failed)} not done")
        return "\n".join(lines)

    @property
    def ok(self) -> bool:
        return all(job.state == "done" for job in self.jobs)


def _submissions() -> list[tuple[str, bytes]]:
    """Ten texts to check, each a sample article with its sentences reordered or trimmed, so each matches."""
    articles = sorted(SAMPLE_CORPUS.glob("*.txt"))
    texts = []
    for n in range(sum(CHECKS.values())):
        article = articles[n % len(articles)]
        sentences = article.read_text(encoding="utf-8").split(". ")
        kept = sentences[n % 3 :] if n % 2 else list(reversed(sentences))
        texts.append((f"essay-{n + 1}.txt", ". ".join(kept).encode()))
    return texts


def bench_jobs(settings: Settings, ingest_documents: int = 60) -> QueueBenchResult:
    with tempfile.TemporaryDirectory(prefix="plagdetect-bench-jobs-") as folder:
        settings = replace(settings, data_dir=Path(folder) / "data", database_url="")
        context = Context(settings)
        Corpus(context).ingest_paths([SAMPLE_CORPUS], "Sample")
        accounts = Accounts(context.sessions)
        admin = accounts.create_first_admin("root", "bench admin password")
        teacher = accounts.create_user(admin, "tess", "bench teacher password", Role.INSTRUCTOR)
        people = {name: accounts.create_user(admin, name, "bench student password", Role.STUDENT) for name in CHECKS}

        jobs = Jobs(context)
        generated = [
            (f"generated-{n}.txt", text.encode()) for n, text in enumerate(generated_documents(ingest_documents))
        ]
        submitted = [jobs.ingest(teacher, "Generated", generated)]
        texts = iter(_submissions())
        for name, count in CHECKS.items():
            for _ in range(count):
                filename, data = next(texts)
                submitted.append(jobs.check(people[name], filename, data, CheckOptions()))

        start = time.perf_counter()
        with WorkerPool(settings):
            ended = [wait_for(jobs.queue, job.id) for job in submitted]
        wall_s = time.perf_counter() - start
        context.close()
    return QueueBenchResult(workers=settings.job_workers, jobs=ended, wall_s=wall_s)
