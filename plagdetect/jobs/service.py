"""Jobs as people use them: submit a check, an ingest, a fine-tuning or a bi-encoder switch, follow it, cancel it;
with the rules of who may do what (a fine-tuning or a switch: admins only).

Anyone signed in may queue checks; instructors and admins may queue ingests (as on the Corpus page). A student
sees and cancels only their own jobs; instructors see everyone's, and an admin may cancel anyone's. The command
line acts as ``OPERATOR``, whose jobs have no owner.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from plagdetect.context import Context
from plagdetect.detection.report import CheckOptions
from plagdetect.errors import PlagDetectError
from plagdetect.jobs.queue import JobInfo, JobQueue
from plagdetect.jobs.tasks import options_to_json
from plagdetect.services.accounts import OPERATOR, STAFF, Account, PermissionDenied, Role, authorize
from plagdetect.services.checks import as_a_student_may, file_to_rerun
from plagdetect.store.documents import clean_collection_name
from plagdetect.text.extract import ExtractionLimits, format_of, too_large
from plagdetect.text.names import clean_name


class Jobs:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.queue = JobQueue(context.sessions)

    def _owner(self, actor: Account) -> int | None:
        return None if actor == OPERATOR else actor.id

    # ----- submitting --------------------------------------------------------------------------------------

    def check(
        self, actor: Account | None, filename: str, data: bytes, options: CheckOptions, rerun_of: int | None = None
    ) -> JobInfo:
        """Queue a check of one file; its options are checked now, so a wrong one is refused before it waits.
        ``rerun_of``: the check whose file this is, run again (``rerun``)."""
        actor = authorize(self.context.sessions, actor, *Role)
        self._check_size(len(data))
        options.resolved(self.context.settings)
        if not actor.is_staff:
            as_a_student_may(self.context, options)  # what a student may not ask is refused now, as when it runs
        label = clean_name(filename) or "unnamed"
        format_of(label)  # a file of a type no extractor reads is refused now, with the types that are read
        payload = {"check": options_to_json(options)}
        if rerun_of is not None:
            payload["rerun_of"] = rerun_of
        shown = label if rerun_of is None else f"{label} (re-run of #{rerun_of})"
        return self.queue.submit("check", self._owner(actor), shown, payload, [(label, data)])

    def rerun(self, actor: Account | None, check_id: int, options: CheckOptions) -> JobInfo:
        """Queue check ``check_id``'s file again with other ``options`` (the History page): one's own check, or
        anyone's for staff; a check whose file is no longer kept is refused now (``services.checks.file_to_rerun``).
        The new check records which check it re-runs."""
        filename, data = file_to_rerun(self.context, actor, check_id)
        return self.check(actor, filename, data, options, rerun_of=check_id)

    def hand_in(
        self, actor: Account | None, assignment_id: int, filename: str, data: bytes, student_id: int | None = None
    ) -> JobInfo:
        """Queue a file handed in to an assignment: by a student (their own), or by staff for an enrolled student
        (``student_id``). Checked by a worker (``services.submissions.check_submission``); who may hand in what,
        the file's type and size are checked now."""
        from plagdetect.services.submissions import may_hand_in

        actor = authorize(self.context.sessions, actor, *Role)
        student_id = actor.id if student_id is None else student_id
        assignment = may_hand_in(self.context, actor, assignment_id, student_id)
        self._check_size(len(data))
        label = clean_name(filename) or "unnamed"
        format_of(label)
        options = {"assignment_id": assignment_id, "student_id": student_id}
        return self.queue.submit(
            "submission", self._owner(actor), clean_name(f"{label} to {assignment.title}"), options, [(label, data)]
        )

    def ingest(self, actor: Account | None, collection: str, uploads: Iterable[tuple[str, bytes]]) -> JobInfo:
        """Queue files handed in (as the app receives them; zip archives give their members) for a collection."""
        actor = authorize(self.context.sessions, actor, *STAFF)
        collection = clean_collection_name(collection)
        files = [(clean_name(name, 1000) or "unnamed", data) for name, data in uploads]  # names stored as text
        if not files:
            raise PlagDetectError("No files to add.")
        limit = ExtractionLimits.from_settings(self.context.settings).max_bytes
        too_large_ones = [f"{name}: {too_large(len(data), limit)}" for name, data in files if len(data) > limit]
        if too_large_ones:  # each named, so the person knows which to take out
            added = "Nothing was added: remove the file(s) named and add the others again."
            raise PlagDetectError("; ".join(too_large_ones) + f". {added}")
        label = f"{files[0][0]} into {collection}" if len(files) == 1 else f"{len(files)} files into {collection}"
        return self.queue.submit("ingest", self._owner(actor), clean_name(label), {"collection": collection}, files)

    def ingest_paths(self, paths: Iterable[str | Path], collection: str, author: str | None = None) -> JobInfo:
        """Queue files, folders and zip archives on the server's disk (the operator's command line only)."""
        collection = clean_collection_name(collection)
        resolved = [str(Path(p).resolve()) for p in paths]
        label = clean_name(f"{len(resolved)} path(s) into {collection}")
        options = {"collection": collection, "author": author, "paths": resolved}
        return self.queue.submit("ingest", None, label, options)

    def train(
        self, actor: Account | None, kind: str = "cross-encoder", epochs: float = 2.0, max_steps: int = -1
    ) -> JobInfo:
        """Queue the fine-tuning of a new version of ``kind`` on the labels (admins). Too few labels, or no STS-B, are
        refused now, with what is needed, rather than after the job waited."""
        from plagdetect.training.fine_tuning import training_data

        actor = authorize(self.context.sessions, actor, Role.ADMIN)
        split = training_data(self.context, actor, kind)
        label = f"fine-tune the {kind} on {len(split.train) + len(split.held_out)} labelled pairs"
        options = {"kind": kind, "epochs": float(epochs), "max_steps": int(max_steps)}
        return self.queue.submit("train", self._owner(actor), label, options)

    def switch_bi_encoder(self, actor: Account | None, version_id: int | None) -> JobInfo:
        """Queue the re-embedding that makes a bi-encoder version serve (``version_id``; None: roll back to the version
        before the serving one; ``services.reembedding``). Admins only; one at a time."""
        from plagdetect.services.reembedding import switch_target

        actor = authorize(self.context.sessions, actor, Role.ADMIN)
        target = switch_target(self.context, actor, version_id)
        if any(job.kind == "reembed" and not job.ended for job in self.queue.jobs(everyone=True)):
            raise PlagDetectError("A bi-encoder switch is under way already: wait for it, or cancel it.")
        verb = "roll back" if version_id is None else "promote"
        label = f"{verb} the bi-encoder to {target.version}: embed the corpus with it"
        return self.queue.submit("reembed", self._owner(actor), label, {"version_id": version_id})

    def _check_size(self, size: int) -> None:
        limit = ExtractionLimits.from_settings(self.context.settings).max_bytes
        if size > limit:
            raise too_large(size, limit)

    # ----- following and cancelling --------------------------------------------------------------------

    def get(self, actor: Account | None, job_id: int) -> JobInfo:
        actor = authorize(self.context.sessions, actor, *Role)
        job = self.queue.get(job_id)
        if not actor.is_staff and job.user_id != actor.id:
            raise PermissionDenied("This job belongs to someone else.")
        return job

    def visible(self, actor: Account | None, everyone: bool = False, limit: int = 200) -> list[JobInfo]:
        """The newest jobs of ``actor``, or (staff only) everyone's."""
        actor = authorize(self.context.sessions, actor, *Role)
        if everyone and not actor.is_staff:
            raise PermissionDenied("Only instructors and admins see everyone's jobs.")
        return self.queue.jobs(self._owner(actor), everyone=everyone, limit=limit)

    def cancel(self, actor: Account | None, job_id: int) -> JobInfo:
        """Cancel a job: one's own, or (admins) anyone's."""
        actor = authorize(self.context.sessions, actor, *Role)
        job = self.queue.get(job_id)
        if job.user_id != self._owner(actor) and actor.role != Role.ADMIN:
            raise PermissionDenied("Only its owner or an admin may cancel this job.")
        if job.ended:
            raise PlagDetectError(f"Job {job_id} has ended already ({job.state}).")
        return self.queue.cancel(job_id, self._owner(actor))
