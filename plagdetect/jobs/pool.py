"""The host of the worker processes: starts them, watches them, and stops what must stop.

The app holds one pool for as long as it runs; a command (``plagdetect check``, ``plagdetect ingest``) holds
one while its job runs. A pool's watcher thread, twice a second:

- kills a worker whose job ran past ``job_timeout_s`` (the job fails with a message naming the limit), or whose
  job was cancelled and did not stop within ``CANCEL_GRACE_S``, and starts another worker in its place;
- fails the job of a worker that died (killed by the kernel for memory, a crash in a library) and restarts it;
- queues again the jobs of workers elsewhere that stopped beating (a pool or machine that went away).

A job whose worker is killed loses only what it had not stored: a check stores its report at the end, in one
transaction; an ingest stores each file in its own.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from plagdetect.jobs.queue import CANCELLED_MESSAGES, JobInfo, JobQueue
from plagdetect.settings import Settings
from plagdetect.store.engine import make_engine, make_session_factory

MODEL_JOBS = ("train", "reembed")  # limited by train_timeout_s: they may run for hours

logger = logging.getLogger(__name__)

WATCH_S = 0.5  # how often the watcher looks
STALE_S = 60.0  # a running job whose heartbeat is this old has lost its worker (jobs.worker.HEARTBEAT_S: 2 s)
CANCEL_GRACE_S = 5.0  # a cancelled job that has not stopped by itself after this long is stopped by force
RESTART_PAUSE_S = 5.0  # the least time between two starts of a worker in one slot (a worker failing at start)

_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])  # the worker imports plagdetect even when not installed


class WorkerPool:
    def __init__(self, settings: Settings, workers: int | None = None) -> None:
        self.settings = replace(settings, data_dir=settings.data_dir.resolve())  # workers may start elsewhere
        self.size = workers or settings.job_workers
        self.prefix = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}/"
        self.engine = make_engine(self.settings.resolved_database_url)
        self.queue = JobQueue(make_session_factory(self.engine))
        self._workers: dict[int, tuple[str, subprocess.Popen]] = {}
        self._started: dict[int, float] = {}
        self._generation = 0
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._lock = threading.Lock()

    # ----- starting and stopping -------------------------------------------------------------------------

    def start(self) -> WorkerPool:
        with self._lock:
            for slot in range(self.size):
                self._spawn(slot)
        self._watcher = threading.Thread(target=self._watch, name="job-pool", daemon=True)
        self._watcher.start()
        return self

    def stop(self) -> None:
        """Stop the workers; the jobs they were running go back to the queue, for the next pool to run."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join()
        with self._lock:
            for name, process in self._workers.values():
                _end_process(process)
                for job in self.queue.running(name):
                    self.queue.requeue(job.id, count_attempt=False)
            self._workers.clear()
        self.engine.dispose()

    def __enter__(self) -> WorkerPool:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _spawn(self, slot: int) -> None:
        self._generation += 1
        name = f"{self.prefix}{slot}.{self._generation}"
        env = {**os.environ, **self.settings.to_env()}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_PARENT, os.environ.get("PYTHONPATH")) if p)
        threads = max(1, (os.cpu_count() or 1) // self.size)
        command = [sys.executable, "-m", "plagdetect.jobs.worker", "--name", name, "--exit-with-host"]
        # Its standard input is a pipe nobody writes to: it closes when this process ends, however it ends.
        process = subprocess.Popen([*command, "--threads", str(threads)], env=env, stdin=subprocess.PIPE)
        self._workers[slot] = (name, process)
        self._started[slot] = time.monotonic()
        logger.info("started worker %s (pid %d)", name, process.pid)

    # ----- watching --------------------------------------------------------------------------------------

    def _watch(self) -> None:
        while not self._stop.wait(WATCH_S):
            try:
                self.watch_once()
            except Exception:  # a busy database, say: the next round will do
                logger.warning("the job pool's watcher failed", exc_info=True)

    def watch_once(self) -> None:
        """One round of the watcher (see the module's docstring)."""
        with self._lock:
            if self._stop.is_set():
                return
            now = self.queue.clock()
            for slot, (name, process) in list(self._workers.items()):
                jobs = self.queue.running(name)
                job = jobs[0] if jobs else None
                status = process.poll()
                if status is not None:
                    _end_process(process)  # closes its pipe
                    if job is not None:
                        logger.error("worker %s died (exit status %s) running job %d", name, status, job.id)
                        self.queue.fail(job.id, _died(status), worker=name)
                    if time.monotonic() - self._started[slot] >= RESTART_PAUSE_S or job is not None:
                        self._spawn(slot)
                elif job is not None and self._overdue(job, now):
                    _end_process(process)
                    self._end_overdue(job, name, now)
                    self._spawn(slot)
            mine = {name for name, _ in self._workers.values()}
            for job in self.queue.running():
                if job.worker not in mine and not job.worker.startswith(self.prefix):
                    self._recover_if_lost(job, now)

    def _limit(self, job: JobInfo) -> float:
        return self.settings.train_timeout_s if job.kind in MODEL_JOBS else self.settings.job_timeout_s

    def _overdue(self, job: JobInfo, now) -> bool:
        if job.running_for(now) > self._limit(job):
            return True
        asked = job.cancel_requested_at
        return asked is not None and now - asked > timedelta(seconds=CANCEL_GRACE_S)

    def _end_overdue(self, job: JobInfo, worker: str, now) -> None:
        if job.cancel_requested_at is not None:
            self.queue.cancelled(job.id, CANCELLED_MESSAGES[job.kind], worker=worker)
            return
        limit = self._limit(job)
        setting = "train_timeout_s" if job.kind in MODEL_JOBS else "job_timeout_s"
        logger.warning("job %d (%s: %s) stopped after the time limit of %g s", job.id, job.kind, job.label, limit)
        self.queue.fail(
            job.id,
            f"Stopped after {limit:g} s: a job may run for {limit:g} s at most ({setting})."
            + (" Files added before it stopped stay in the corpus." if job.kind == "ingest" else ""),
            worker=worker,
        )

    def _recover_if_lost(self, job: JobInfo, now) -> None:
        if job.heartbeat_at is None or now - job.heartbeat_at > timedelta(seconds=STALE_S):
            logger.warning("job %d lost its worker %s; it goes back to the queue", job.id, job.worker)
            self.queue.recover_one(job)


def _died(status: int) -> str:
    if status in (-9, 137):
        return "Its worker process was killed (out of memory?) and it was not finished."
    return f"Its worker process stopped unexpectedly (exit status {status}); the server log has the details."


def _end_process(process: subprocess.Popen, grace_s: float = 3.0) -> None:
    """Stop a worker by a signal (its job is then the pool's to end or requeue), and close its pipe."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdin is not None:
        process.stdin.close()
