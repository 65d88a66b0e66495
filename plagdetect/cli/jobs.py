"""The command line's side of the job queue: run a job to its end, list jobs, cancel one.

``plagdetect check`` and ``plagdetect ingest`` queue their work as the app does (``plagdetect.jobs``) and host
one worker process while they wait, so they run whether or not the app is up; when it is, its workers may take
the job first. Ctrl-C cancels the job.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable

from plagdetect.cli.output import EXIT_FAILED, EXIT_OK, format_table, shown
from plagdetect.settings import Settings


def run_to_end(settings: Settings, queue, job_id: int, on_stage: Callable[[str], None] | None = None):
    """Host one worker until the job ends; the ended job. Ctrl-C, or a SIGTERM or SIGHUP (``kill``, a closed
    terminal), cancels it and waits for it to stop. (A SIGKILL cannot be caught: the worker then ends the job.)"""
    from plagdetect.jobs import WorkerPool, wait_for

    handled = (signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, _interrupt) for sig in handled}
    try:
        with WorkerPool(settings, workers=1):
            try:
                return wait_for(queue, job_id, on_stage)
            except KeyboardInterrupt:
                for sig in handled:
                    signal.signal(sig, signal.SIG_IGN)  # a second signal must not stop the cancelling half-way
                queue.cancel(job_id, None)
                print("cancelling…", file=sys.stderr)
                return wait_for(queue, job_id)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def run_jobs(args: argparse.Namespace, settings: Settings) -> int:
    from plagdetect.context import Context
    from plagdetect.jobs import Jobs
    from plagdetect.services.accounts import OPERATOR

    jobs = Jobs(Context(settings))
    if args.cancel is not None:
        job = jobs.cancel(OPERATOR, args.cancel)
        print(f"job {job.id}: {'cancelled' if job.ended else 'asked to stop'}")
        return EXIT_OK
    rows = [
        (
            job.id,
            job.kind,
            job.username or "(command line)",
            job.state + (" (cancelling)" if job.cancel_requested_at and not job.ended else ""),
            f"{job.created_at:%Y-%m-%d %H:%M}",
            job.label[:50],
            job.message[:60] or (job.stages[-1][:60] if job.stages and not job.ended else ""),
        )
        for job in jobs.visible(OPERATOR, everyone=True, limit=args.limit)
    ]
    print(format_table(["id", "kind", "by", "state", "queued", "what", "note"], rows))
    return EXIT_OK


def failed(job) -> int:
    """Print why a job did not finish; the exit status."""
    print(f"error: {shown(job.label)}: {shown(job.message or job.state)}", file=sys.stderr)
    return EXIT_FAILED
