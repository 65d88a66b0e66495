"""A worker process: ``python -m plagdetect.jobs.worker --name NAME``. Takes jobs from the queue and runs them.

It loads the models once and keeps them for every job it runs. Its host (``jobs.pool.WorkerPool``) starts it,
ends a job that runs past its time limit or ignores a cancellation by killing it, and starts another. A worker
whose host has gone (killed, say) ends at once, since nothing would hold its job to its time limit: it sees its
standard input, a pipe from the host, close; its job goes back to the queue (``JobQueue.release``). Settings come
from the ``PLAGDETECT_*`` variables its host sets.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from collections.abc import Callable

from sqlalchemy.exc import OperationalError

from plagdetect.context import Context
from plagdetect.errors import PlagDetectError
from plagdetect.jobs.queue import CANCELLED_MESSAGES, JobInfo, JobQueue
from plagdetect.jobs.tasks import JobCancelled, run_job
from plagdetect.settings import Settings

logger = logging.getLogger(__name__)

HEARTBEAT_S = 2.0  # a running job's heartbeat; the pool takes a job whose heartbeat stopped for STALE_S as lost
POLL_S = 0.3  # how often an idle worker looks for a job
UNEXPECTED = "An unexpected error stopped it; the server log has the details."
EXIT_HOST_GONE = 3


class Worker:
    def __init__(self, context: Context, name: str) -> None:
        self.context = context
        self.name = name
        self.queue = JobQueue(context.sessions)

    def run_one(self) -> JobInfo | None:
        """Take the next job (fair order) and run it to its end; the job, or None when none could be taken."""
        job = self.queue.claim(self.name, self.context.settings.job_workers)
        if job is None:
            return None
        logger.info("%s runs job %d (%s: %s)", self.name, job.id, job.kind, job.label)
        beating = threading.Event()
        heart = threading.Thread(target=self._beat, args=(job.id, beating), daemon=True)
        heart.start()
        try:
            self._run(job)
        finally:
            beating.set()
            heart.join()
        return self.queue.get(job.id)

    def _run(self, job: JobInfo) -> None:
        def say(stage: str) -> None:
            if self.queue.report(job.id, stage, self.name):
                raise JobCancelled(CANCELLED_MESSAGES[job.kind])

        try:
            result = run_job(self.context, job, self.queue.files(job.id), say)
        except JobCancelled as cancelled:
            self.queue.cancelled(job.id, str(cancelled), worker=self.name)
        except PlagDetectError as error:
            self.queue.fail(job.id, str(error), worker=self.name)
        except MemoryError:
            logger.exception("Job %d ran out of memory", job.id)
            self.queue.fail(job.id, "It needed more memory than the server has.", worker=self.name)
        except Exception:
            logger.exception("Job %d (%s: %s) failed unexpectedly", job.id, job.kind, job.label)
            self.queue.fail(job.id, UNEXPECTED, worker=self.name)
        else:
            self.queue.finish(job.id, result, worker=self.name)

    def _beat(self, job_id: int, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT_S):
            try:
                self.queue.beat(job_id)
            except Exception:  # a busy database: the next beat will do
                logger.warning("heartbeat of job %d failed", job_id, exc_info=True)

    def serve(self, keep_going: Callable[[], bool]) -> None:
        """Run jobs while ``keep_going()``; checked between jobs."""
        while keep_going():
            try:
                ran = self.run_one()
            except OperationalError:  # the database busy past its timeout: try again, do not die
                logger.warning("%s could not reach the queue", self.name, exc_info=True)
                ran = None
            if ran is None:
                time.sleep(POLL_S)


def exit_with_host(worker: Worker) -> None:
    """Block until standard input (the host's pipe) closes, which happens when the host ends however it ends; then
    hand the running job back and end this process at once, whatever its main thread is doing."""
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        try:
            for job in worker.queue.running(worker.name):
                worker.queue.release(job)
        except Exception:  # the database unreachable: the next pool finds the job by its stale heartbeat
            logger.warning("%s could not hand its job back", worker.name, exc_info=True)
        logger.warning("%s: its host has gone; it stops", worker.name)
        os._exit(EXIT_HOST_GONE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True, help="the worker's name, as the queue records it")
    parser.add_argument(
        "--exit-with-host", action="store_true", help="end at once when standard input closes (the host's pipe)"
    )
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format=f"{args.name}: %(levelname)s %(message)s")
    if args.threads > 0:
        import torch

        torch.set_num_threads(args.threads)
    worker = Worker(Context(Settings.from_env()), args.name)
    if args.exit_with_host:
        threading.Thread(target=exit_with_host, args=(worker,), name="host-watch", daemon=True).start()
    worker.serve(lambda: True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
