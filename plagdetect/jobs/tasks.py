"""What a job does once a worker has taken it: a check of one file, an ingest of files into a collection, the
fine-tuning of a model on people's labels, or the re-embedding of the corpus that promotes a bi-encoder.

A job runs as the person who submitted it (re-read from the database: an account disabled meanwhile is refused
by the services, as in the app) or, for the command line's jobs, as the server's operator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, fields
from typing import Any

from plagdetect.context import Context
from plagdetect.detection.report import CheckOptions
from plagdetect.errors import PlagDetectError
from plagdetect.jobs.queue import JobInfo, JobQueue
from plagdetect.services.accounts import OPERATOR, Account, Accounts, PermissionDenied
from plagdetect.services.checks import rerun_check, run_check
from plagdetect.services.corpus import Corpus
from plagdetect.services.corpus_admin import CorpusAdmin
from plagdetect.services.reembedding import switch_bi_encoder
from plagdetect.services.submissions import check_submission, recheck

Say = Callable[[str], None]  # reports a stage; raises JobCancelled once the job is to stop


class JobCancelled(PlagDetectError):
    """Raised between two stages of a job someone cancelled."""


def options_to_json(options: CheckOptions) -> dict[str, Any]:
    values = asdict(options)
    values["excluded_sources"] = sorted(options.excluded_sources)
    return values


def options_from_json(job_values: dict[str, Any]) -> CheckOptions:
    known = {f.name for f in fields(CheckOptions)}
    values = {k: v for k, v in job_values.items() if k in known}
    values["excluded_sources"] = frozenset(values.get("excluded_sources") or ())
    if "collection" in job_values:  # a job queued before a check could search several collections
        values["collections"] = (job_values["collection"],) if job_values["collection"] else ()
    values["collections"] = tuple(values.get("collections") or ())
    return CheckOptions(**values)


def actor_of(context: Context, job: JobInfo) -> Account:
    if job.user_id is None:
        return OPERATOR
    try:
        return Accounts(context.sessions).get(job.user_id)
    except PlagDetectError:
        raise PermissionDenied("The account that asked for this job no longer exists.") from None


def run_job(context: Context, job: JobInfo, files: list[tuple[str, bytes]], say: Say) -> dict[str, Any]:
    """Run ``job``; its result as stored in the queue. A PlagDetectError is the person's message."""
    actor = actor_of(context, job)
    if job.kind == "check":
        return _check(context, actor, job, files, say)
    if job.kind == "ingest":
        return _ingest(context, actor, job, files, say)
    if job.kind == "submission":
        return _submission(context, actor, job, files, say)
    if job.kind == "recheck":
        submission = recheck(context, actor, job.options["submission_id"], job.options["because_of"], say)
        return {"submission_id": submission.id, "check_id": submission.check_id}
    if job.kind == "train":
        return _train(context, actor, job, say)
    if job.kind == "reembed":
        return _reembed(context, actor, job, say)
    raise PlagDetectError(f"unknown job kind {job.kind!r}")


def _check(context: Context, actor: Account, job: JobInfo, files: list[tuple[str, bytes]], say: Say) -> dict[str, Any]:
    if len(files) != 1:
        raise PlagDetectError("a check job holds exactly one file")
    filename, data = files[0]
    options = options_from_json(job.options.get("check", {}))
    if job.options.get("rerun_of") is not None:  # a stored check's file again, with other options (History)
        report = rerun_check(context, actor, int(job.options["rerun_of"]), data, filename, options, say)
    else:
        report = run_check(context, actor, data, filename, options, say)
    return {"check_id": report.check_id, "similarity": report.similarity, "matches": len(report.matches)}


def _submission(
    context: Context, actor: Account, job: JobInfo, files: list[tuple[str, bytes]], say: Say
) -> dict[str, Any]:
    """A file handed in to an assignment; the earlier submissions it matched have their checks re-run, each a job of
    the server's own (no owner: a student never sees, or waits for, another's re-run)."""
    [(filename, data)] = files
    options = job.options
    handed = check_submission(
        context, actor, options["assignment_id"], options["student_id"], filename, data, say, job.id, job.created_at
    )
    queue = JobQueue(context.sessions)
    for submission_id, because_of in handed.to_recheck:
        label = f"re-run the check of submission {submission_id}: submission {because_of} matched it"
        queue.submit("recheck", None, label, {"submission_id": submission_id, "because_of": because_of})
    return {
        "submission_id": handed.submission.id,
        "check_id": handed.submission.check_id,
        "similarity": handed.submission.similarity,
        "rechecks": [submission_id for submission_id, _ in handed.to_recheck],
    }


def _ingest(context: Context, actor: Account, job: JobInfo, files: list[tuple[str, bytes]], say: Say) -> dict[str, Any]:
    collection = job.options["collection"]
    corpus = Corpus(context)
    if job.options.get("paths"):  # files on the server, named by its operator (plagdetect ingest)
        if actor != OPERATOR:
            raise PermissionDenied("Only the server's operator may add files from the server's disk.")
        paths = job.options["paths"]
        results = corpus.ingest_paths(paths, collection, author=job.options.get("author"), progress=say)
    else:
        results = CorpusAdmin(corpus, actor).add(files, collection, progress=say)
    return {"collection": collection, "results": [asdict(r) for r in results]}


def _train(context: Context, actor: Account, job: JobInfo, say: Say) -> dict[str, Any]:
    from plagdetect.training.fine_tuning import fine_tune, fine_tune_recipe  # torch's trainer: only for this job

    options = job.options
    recipe = fine_tune_recipe(float(options.get("epochs", 2.0)), int(options.get("max_steps", -1)))
    version = fine_tune(context, actor, options.get("kind", "cross-encoder"), recipe, say)
    return {"version_id": version.id, "version": version.version, "kind": version.kind}


def _reembed(context: Context, actor: Account, job: JobInfo, say: Say) -> dict[str, Any]:
    # One switch at a time: two admins who asked at the same moment both got a job (``Jobs.switch_bi_encoder`` looks
    # before it queues); the one asked for first goes on, this one changes nothing. The first step of a switch removes
    # the vectors of versions other than its own and the serving one: two at once would undo each other's work.
    earlier = [
        other.id
        for other in JobQueue(context.sessions).jobs(everyone=True)
        if other.kind == "reembed" and other.id < job.id and not other.ended
    ]
    if earlier:
        raise PlagDetectError(f"Another bi-encoder switch (job {min(earlier)}) is under way; this one changed nothing.")
    version = switch_bi_encoder(context, actor, job.options.get("version_id"), say)
    return {"version_id": version.id, "version": version.version, "kind": version.kind}
