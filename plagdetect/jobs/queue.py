"""The job queue in the database: what is waiting, who runs what, and in which order.

Every check and every ingest, from the app or the command line, is a ``Job`` row; its files are ``JobFile`` rows
until it ends. Worker processes (``jobs.worker``) take jobs with ``claim``, which is fair between people: the next
job is the oldest one of the person running the fewest jobs now, and among equals of the person who started one
least recently. So ten uploads by one student wait their turn behind one upload each of two others.

At most ``limit`` jobs run at once, whichever process hosts the workers (``claim``'s check and its update are one
SQL statement). A running job's worker writes a heartbeat; a job whose heartbeat stops (the process was killed,
the machine restarted) is queued again once, and fails the second time, so a file that kills its worker cannot
take the workers down in a loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from plagdetect.errors import PlagDetectError
from plagdetect.store.tables import Job, JobFile, User

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
ENDED = (DONE, FAILED, CANCELLED)
KINDS = ("check", "ingest", "train", "reembed", "submission", "recheck")
# Jobs the server queues for itself, with no owner: unlike a command line's, they are run again after a restart.
SERVER_KINDS = ("recheck",)
STAGES_KEPT = 50  # an ingest reports each file: only the latest are kept
MAX_ATTEMPTS = 2  # a job interrupted twice (its worker died each time) fails instead of starting a third time

CANCELLED_MESSAGES = {  # what a person reads of a job cancelled while it ran
    "check": "Cancelled; nothing was stored.",
    "ingest": "Cancelled; the files added before it stopped stay in the corpus.",
    "train": "Cancelled; no new model version was made, and the active one still serves.",
    "reembed": "Cancelled; the serving bi-encoder still serves. The vectors made so far are kept for the next try.",
    "submission": "Cancelled; nothing was handed in.",
    "recheck": "Cancelled; the submission keeps its earlier check.",
}
# A command-line job whose worker's host died is not run again: its command has most likely gone with it.
COMMAND_GONE = "The process running it stopped before it finished; a command-line job is not started again."

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes (stored as UTC)."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


class JobNotFound(PlagDetectError):
    pass


@dataclass(frozen=True)
class JobInfo:
    """A job as callers see it (without its files)."""

    id: int
    kind: str
    user_id: int | None
    username: str | None
    label: str
    options: dict[str, Any]
    state: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    cancel_requested_at: datetime | None
    worker: str
    attempts: int
    stages: list[str]  # the latest ``STAGES_KEPT`` stages
    reported: int  # stages reported in all
    result: dict[str, Any]
    message: str

    @property
    def ended(self) -> bool:
        return self.state in ENDED

    def running_for(self, now: datetime) -> float:
        """Seconds since the job started (0 when it has not)."""
        return (now - self.started_at).total_seconds() if self.started_at else 0.0


def _info(job: Job, username: str | None) -> JobInfo:
    return JobInfo(
        id=job.id,
        kind=job.kind,
        user_id=job.user_id,
        username=username,
        label=job.label,
        options=dict(job.options or {}),
        state=job.state,
        created_at=_aware(job.created_at),
        started_at=_aware(job.started_at),
        finished_at=_aware(job.finished_at),
        heartbeat_at=_aware(job.heartbeat_at),
        cancel_requested_at=_aware(job.cancel_requested_at),
        worker=job.worker,
        attempts=job.attempts,
        stages=list(job.stages or []),
        reported=job.reported or 0,
        result=dict(job.result or {}),
        message=job.message,
    )


class JobQueue:
    """Jobs in the database. Rules on who may do what live in ``jobs.service``; this class only keeps the queue."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock = utcnow) -> None:
        self.sessions = sessions
        self.clock = clock

    # ----- submitting and reading ------------------------------------------------------------------------

    def submit(
        self,
        kind: str,
        user_id: int | None,
        label: str,
        options: dict[str, Any],
        files: Iterable[tuple[str, bytes]] = (),
    ) -> JobInfo:
        """Queue a job with its files (stored with it, so it survives a restart of the app)."""
        if kind not in KINDS:
            raise ValueError(f"unknown job kind {kind!r}")
        with self.sessions.begin() as session:
            job = Job(kind=kind, user_id=user_id, label=label[:500], options=options, created_at=self.clock())
            job.files = [JobFile(position=i, name=name, data=data) for i, (name, data) in enumerate(files)]
            session.add(job)
            session.flush()
            return self._info(session, job)

    def get(self, job_id: int) -> JobInfo:
        with self.sessions() as session:
            job = session.get(Job, job_id)
            if job is None:
                raise JobNotFound(f"There is no job {job_id}.")
            return self._info(session, job)

    def jobs(self, user_id: int | None = None, everyone: bool = False, limit: int = 200) -> list[JobInfo]:
        """The newest jobs: one person's (``user_id``; None is the command line), or everyone's."""
        with self.sessions() as session:
            query = select(Job, User.username).outerjoin(User, User.id == Job.user_id)
            if not everyone:
                query = query.where(Job.user_id.is_(None) if user_id is None else Job.user_id == user_id)
            rows = session.execute(query.order_by(Job.id.desc()).limit(limit))
            return [_info(job, username) for job, username in rows]

    def unfinished(self) -> int:
        """How many jobs are queued or running."""
        with self.sessions() as session:
            return session.scalar(select(func.count()).where(Job.state.in_((QUEUED, RUNNING)))) or 0

    def waiting_before(self, job_id: int) -> int:
        """How many queued jobs were submitted before this one (a rough place in the queue)."""
        with self.sessions() as session:
            return session.scalar(select(func.count()).where(Job.state == QUEUED, Job.id < job_id)) or 0

    def files(self, job_id: int) -> list[tuple[str, bytes]]:
        with self.sessions() as session:
            rows = session.execute(
                select(JobFile.name, JobFile.data).where(JobFile.job_id == job_id).order_by(JobFile.position)
            )
            return [(name, data) for name, data in rows]

    # ----- taking and running --------------------------------------------------------------------------

    def claim(self, worker: str, limit: int) -> JobInfo | None:
        """The next job in fair order, now running on ``worker``; None when none waits or ``limit`` jobs run."""
        for _ in range(20):  # another worker may take the chosen job first: choose again
            job_id = self._next_fair()
            if job_id is None:
                return None
            now = self.clock()
            running = select(func.count()).select_from(Job).where(Job.state == RUNNING).scalar_subquery()
            with self.sessions.begin() as session:
                taken = session.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.state == QUEUED, running < limit)
                    .values(state=RUNNING, worker=worker, started_at=now, heartbeat_at=now, attempts=Job.attempts + 1)
                    .execution_options(synchronize_session=False)
                ).rowcount
            if taken:
                return self.get(job_id)
            if self._running() >= limit:
                return None
        return None

    def _running(self) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count()).where(Job.state == RUNNING)) or 0

    def _next_fair(self) -> int | None:
        """The queued job to start next: the person running fewest, then the one who started one least recently."""
        with self.sessions() as session:
            queued = session.execute(select(Job.id, Job.user_id).where(Job.state == QUEUED).order_by(Job.id)).all()
            if not queued:
                return None
            running = dict(
                session.execute(
                    select(Job.user_id, func.count()).where(Job.state == RUNNING).group_by(Job.user_id)
                ).all()
            )
            last_start = {
                user: _aware(moment)
                for user, moment in session.execute(
                    select(Job.user_id, func.max(Job.started_at))
                    .where(Job.started_at.is_not(None))
                    .group_by(Job.user_id)
                )
            }
        never = datetime.min.replace(tzinfo=UTC)
        first_of_each: dict[int | None, int] = {}
        for job_id, user_id in queued:
            first_of_each.setdefault(user_id, job_id)
        user = min(first_of_each, key=lambda u: (running.get(u, 0), last_start.get(u) or never, first_of_each[u]))
        return first_of_each[user]

    def beat(self, job_id: int) -> None:
        """The worker running the job is alive."""
        with self.sessions.begin() as session:
            session.execute(update(Job).where(Job.id == job_id, Job.state == RUNNING).values(heartbeat_at=self.clock()))

    def report(self, job_id: int, stage: str, worker: str = "") -> bool:
        """Add a stage to the job's progress; True when the job is to stop (cancelled, or no longer ``worker``'s)."""
        with self.sessions.begin() as session:
            job = session.get(Job, job_id)
            if job is None or job.state != RUNNING or (worker and job.worker != worker):
                return True
            job.stages = [*(job.stages or []), stage[:300]][-STAGES_KEPT:]
            job.reported = (job.reported or 0) + 1
            job.heartbeat_at = self.clock()
            return job.cancel_requested_at is not None

    def finish(self, job_id: int, result: dict[str, Any], worker: str = "") -> bool:
        return self._end(job_id, DONE, "", result, worker)

    def fail(self, job_id: int, message: str, result: dict[str, Any] | None = None, worker: str = "") -> bool:
        return self._end(job_id, FAILED, message, result, worker)

    def cancelled(self, job_id: int, message: str, worker: str = "") -> bool:
        return self._end(job_id, CANCELLED, message, None, worker)

    def _end(self, job_id: int, state: str, message: str, result: dict[str, Any] | None, worker: str) -> bool:
        """End a job that has not ended yet (and, given ``worker``, that this worker runs), and drop its files;
        False when it had ended already or runs elsewhere now."""
        with self.sessions.begin() as session:
            values: dict[str, Any] = {"state": state, "message": message, "finished_at": self.clock()}
            if result is not None:
                values["result"] = result
            query = update(Job).where(Job.id == job_id, Job.state.not_in(ENDED))
            if worker:
                query = query.where(Job.worker == worker)
            ended = session.execute(query.values(**values)).rowcount
            if ended:
                session.execute(delete(JobFile).where(JobFile.job_id == job_id))
            return bool(ended)

    def requeue(self, job_id: int, count_attempt: bool = True) -> None:
        """Put a running job back in the queue (its worker was stopped); it keeps its files."""
        with self.sessions.begin() as session:
            values: dict[str, Any] = {"state": QUEUED, "worker": "", "heartbeat_at": None, "stages": [], "reported": 0}
            if not count_attempt:
                values["attempts"] = Job.attempts - 1
            session.execute(update(Job).where(Job.id == job_id, Job.state == RUNNING).values(**values))

    # ----- cancelling and recovering ---------------------------------------------------------------------

    def cancel(self, job_id: int, by: int | None) -> JobInfo:
        """A queued job ends at once; a running one is asked to stop (its worker stops at its next stage, or is
        stopped by the pool a few seconds later)."""
        with self.sessions.begin() as session:
            job = session.get(Job, job_id)
            if job is None:
                raise JobNotFound(f"There is no job {job_id}.")
            if job.state == QUEUED:
                job.state, job.finished_at, job.message = CANCELLED, self.clock(), "Cancelled before it started."
                session.execute(delete(JobFile).where(JobFile.job_id == job_id))
            elif job.state == RUNNING and job.cancel_requested_at is None:
                job.cancel_requested_at = self.clock()
            job.cancelled_by = by
        return self.get(job_id)

    def running(self, worker_prefix: str = "") -> list[JobInfo]:
        """The running jobs, those of workers whose names start with ``worker_prefix``."""
        with self.sessions() as session:
            query = select(Job).where(Job.state == RUNNING)
            if worker_prefix:
                query = query.where(Job.worker.startswith(worker_prefix, autoescape=True))
            return [self._info(session, job) for job in session.scalars(query.order_by(Job.id))]

    def recover_one(self, job: JobInfo) -> None:
        """A running job whose worker is gone: queued again, or failed after ``MAX_ATTEMPTS``, or cancelled if asked
        (a command-line job too: its command is gone, nobody waits for it)."""
        if job.cancel_requested_at is not None or (job.user_id is None and job.kind not in SERVER_KINDS):
            self.release(job)
        elif job.attempts >= MAX_ATTEMPTS:
            message = f"Its worker stopped {job.attempts} times while running it; it was not tried again."
            self.fail(job.id, message, worker=job.worker)
        else:
            self.requeue(job.id)

    def release(self, job: JobInfo) -> None:
        """A running job whose host stopped (not the job's fault): a job of the app goes back to the queue, for the
        next pool; a command-line job (no account) ends, since nobody waits for it any more; so does one that was
        asked to stop."""
        if job.cancel_requested_at is not None:
            self.cancelled(job.id, CANCELLED_MESSAGES[job.kind], worker=job.worker)
        elif job.user_id is None and job.kind not in SERVER_KINDS:
            self.cancelled(job.id, _command_gone(job.kind), worker=job.worker)
        else:
            self.requeue(job.id, count_attempt=False)

    def _info(self, session: Session, job: Job) -> JobInfo:
        username = session.scalar(select(User.username).where(User.id == job.user_id)) if job.user_id else None
        return _info(job, username)


def _command_gone(kind: str) -> str:
    return COMMAND_GONE + (" The files added before it stopped stay in the corpus." if kind == "ingest" else "")


def wait_for(
    queue: JobQueue, job_id: int, on_stage: Callable[[str], None] | None = None, poll_s: float = 0.2
) -> JobInfo:
    """Block until the job ends; ``on_stage`` hears each new stage."""
    seen = 0
    while True:
        job = queue.get(job_id)
        if on_stage and job.reported > seen:
            for stage in job.stages[-min(job.reported - seen, len(job.stages)) :] if job.stages else []:
                on_stage(stage)
        seen = job.reported
        if job.ended:
            return job
        time.sleep(poll_s)
