"""The job queue: checks and ingests wait in the database and run in a bounded number of worker processes.

- ``queue``: the queue itself (``JobQueue``): submit, fair claim, progress, end, cancel;
- ``service``: ``Jobs``, the queue as people use it, with who may do what;
- ``tasks``: what a check job and an ingest job do once taken;
- ``worker``: a worker process (``python -m plagdetect.jobs.worker``);
- ``pool``: ``WorkerPool``, which starts the workers, stops jobs past their time limit, restarts what died.
"""

from __future__ import annotations

from plagdetect.jobs.pool import WorkerPool
from plagdetect.jobs.queue import JobInfo, JobNotFound, JobQueue, wait_for
from plagdetect.jobs.service import Jobs

__all__ = ["JobInfo", "JobNotFound", "JobQueue", "Jobs", "WorkerPool", "wait_for"]
