"""Work handed in to an assignment, the submission repository, and the assignment table.

Every submission is checked against its assignment's reference collections and against the submission
repository: the kept copies of every other submission (this assignment, earlier ones, other courses), stored and
indexed like any corpus document, in the collection ``REPOSITORY``. A student's own versions of the same
assignment are never a source: a resubmission does not match itself. An assignment that does not keep
submissions still checks them against the repository, and adds nothing to it.

When a kept submission matches an earlier kept one, the earlier one's check is run again (``recheck``, queued by
the job that checked the later one), so its report shows the copying too; the re-run is recorded with the
submission that caused it. A re-run causes no further re-run.

What a student sees of others: a kept submission is named only "a submission to <course>, <date>" in their report
(``as_seen_by``); staff see whose it is.
"""

from __future__ import annotations

import csv
import io
import logging
import posixpath
from dataclasses import dataclass, replace
from datetime import datetime

from plagdetect.context import Context
from plagdetect.detection.pipeline import Progress, check_bytes
from plagdetect.detection.report import CheckOptions, CheckReport, ExclusionMade
from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import OPERATOR, STAFF, Account, PermissionDenied, Role, authorize
from plagdetect.services.check_defaults import load_defaults
from plagdetect.services.collusion import SimilarityMatrix, similarity_of
from plagdetect.services.corpus import Corpus
from plagdetect.store import check_exclusions
from plagdetect.store.checks import check_overview
from plagdetect.store.courses import REPOSITORY, AssignmentInfo, CourseStore, SubmissionInfo
from plagdetect.store.users import UserStore
from plagdetect.text.extract import ExtractionLimits, format_of
from plagdetect.text.extract.archive import iter_zip_members
from plagdetect.text.names import clean_name
from plagdetect.text.normalize import IntegrityFlags

__all__ = [
    "REPOSITORY",
    "REVIEW_STATES",
    "Handed",
    "SubmissionInfo",
    "TableRow",
    "as_seen_by",
    "assignment_similarity",
    "assignment_table",
    "check_submission",
    "class_files",
    "may_hand_in",
    "my_submissions",
    "recheck",
    "set_review_state",
    "table_csv",
]

logger = logging.getLogger(__name__)

REVIEW_STATES = ("not reviewed", "reviewed", "referred")


@dataclass(frozen=True)
class Handed:
    """A submission checked, and the checks to run again: (the submission, the one that caused it)."""

    submission: SubmissionInfo
    to_recheck: list[tuple[int, int]]


def _check_options(context: Context, assignment: AssignmentInfo, own: set[int]) -> CheckOptions:
    """A submission's check: the assignment's collections and the repository, its defaults, the student's own
    versions of it left out (and nothing else for having the same bytes)."""
    if context.documents.collection_id(REPOSITORY) is None:
        try:
            Corpus(context).create_collection(REPOSITORY, "Every kept submission to an assignment")
        except PlagDetectError:  # another hand-in made it meanwhile
            pass
    return CheckOptions(
        collections=(*assignment.reference_collections, REPOSITORY),
        exclude_quotes=assignment.check_defaults.get("exclude_quotes"),
        exclude_bibliography=assignment.check_defaults.get("exclude_bibliography"),
        min_match_words=assignment.check_defaults.get("min_match_words"),
        rerank_threshold=load_defaults(context).rerank_threshold,
        excluded_sources=frozenset(own),
        leave_out_same_bytes=False,
    )


def check_submission(
    context: Context,
    actor: Account | None,
    assignment_id: int,
    student_id: int,
    filename: str,
    data: bytes,
    progress: Progress | None = None,
    job_id: int | None = None,
    submitted_at: datetime | None = None,
) -> Handed:
    """Hand in a file to an assignment for a student (the student themselves, or staff for them), keep it in the
    repository if the assignment says so, and check it; the check belongs to the student. ``submitted_at``: when
    it was handed in (the job's queueing; now when None), what "late" is judged by.

    In that order, each step stored before the next: a job stopped half-way and run again (``job_id``) finds its
    kept copy and its submission and goes on. A check that fails or is cancelled takes its submission with it, and
    the kept copy it added: nothing was handed in.
    """
    actor = authorize(context.sessions, actor, *Role)
    store = CourseStore(context.sessions)
    assignment = may_hand_in(context, actor, assignment_id, student_id)
    student = _account(context, student_id)
    own = store.own_documents(assignment_id, student.id)
    document_id, added = None, False
    if assignment.keep_submissions:
        title = f"{student.username}: {assignment.title} ({assignment.course})"
        stored = Corpus(context).ingest_bytes(data, filename, REPOSITORY, title=title[:500], owner_id=student.id)
        if stored.status == "failed":
            raise PlagDetectError(stored.message)
        added = stored.status == "added"
        if added or stored.document_id in own:
            document_id = stored.document_id  # else the same bytes as another kept submission: that one stays
    submitted_by = None if actor == OPERATOR else actor.id
    name = clean_name(filename) or "unnamed"
    submission_id, new = store.add_submission(
        assignment_id, student.id, student.username, name, document_id, submitted_by, job_id, submitted_at
    )
    own = store.own_documents(assignment_id, student.id)  # read again: with this one, and any other under way
    options = _check_options(context, assignment, own)
    try:
        report = check_bytes(context, data, filename, options, user_id=student.id, progress=progress)
    except BaseException:
        if new:
            store.delete_submission(submission_id)
        if added:
            Corpus(context).delete_document(document_id)
        raise
    store.add_check(submission_id, report.check_id)
    logger.info("%s handed in %s to assignment %d: check %s", student.username, filename, assignment_id,
                report.check_id)  # fmt: skip
    return Handed(store.submission(submission_id), _to_recheck(store, report, submission_id, document_id))


def may_hand_in(context: Context, actor: Account | None, assignment_id: int, student_id: int) -> AssignmentInfo:
    """The assignment, if ``actor`` may hand in work to it for the student: a student their own, staff anyone's;
    the student must be enrolled in its course."""
    actor = authorize(context.sessions, actor, *Role)
    store = CourseStore(context.sessions)
    assignment = store.assignment(assignment_id)
    if not actor.is_staff and student_id != actor.id:
        raise PermissionDenied("A student hands in their own work only.")
    if not store.is_enrolled(assignment.course_id, student_id):
        who = "You are" if student_id == actor.id else "That student is"
        raise PermissionDenied(f"{who} not enrolled in {assignment.course}.")
    return assignment


def _account(context: Context, user_id: int) -> Account:
    user = UserStore(context.sessions).get(user_id)
    return Account(id=user.id, username=user.username, role=Role(user.role), active=user.active)


def _to_recheck(
    store: CourseStore, report: CheckReport, submission_id: int, document_id: int | None
) -> list[tuple[int, int]]:
    """The checks to run again now that this kept submission is checked: each earlier kept submission it matched
    whose latest check does not show it; and its own, caused by a submission checked at the same moment that found
    it when this check did not find that one (a re-run waits for the check it re-runs: it is queued only once that
    check is stored). Only a kept submission can be found by a re-run."""
    if document_id is None:
        return []
    found = {m.source_id for m in report.matches}
    kept = store.kept_submissions(found)
    wanted = []
    for earlier in store.submissions(submission_ids=[k.submission_id for k in kept.values()]) if kept else []:
        if earlier.check_id is not None and document_id not in store.check_sources(earlier.check_id):
            wanted.append((earlier.id, submission_id))
    missed = [s for s in store.submissions_that_found(document_id) if s.document_id not in found | {None}]
    missed = [s for s in missed if s.id != submission_id]
    if missed:
        wanted.append((submission_id, missed[0].id))
    return sorted(wanted)


def recheck(
    context: Context, actor: Account | None, submission_id: int, because_of: int, progress: Progress | None = None
) -> SubmissionInfo:
    """Run a submission's check again (staff, or the server after a later submission matched it), recorded as
    caused by ``because_of``; from its kept copy, against everything kept now. What staff excluded from its latest
    check is excluded from the new one too (``store.check_exclusions.carry_over``)."""
    authorize(context.sessions, actor, *STAFF)
    store = CourseStore(context.sessions)
    submission = store.submission(submission_id)
    original = context.documents.original_file(submission.document_id) if submission.document_id else None
    if original is None:
        raise PlagDetectError(f"Submission {submission_id} is no longer kept: its check cannot be run again.")
    assignment = store.assignment(submission.assignment_id)
    own = store.own_documents(submission.assignment_id, submission.student_id) if submission.student_id else set()
    options = _check_options(context, assignment, own | {submission.document_id})
    report = check_bytes(
        context, original[1], submission.filename, options, user_id=submission.student_id, progress=progress
    )
    if submission.check_id is not None:
        check_exclusions.carry_over(context.sessions, submission.check_id, report.check_id)
    store.add_check(submission_id, report.check_id, because_of)
    logger.info("Re-ran the check of submission %d (check %s): submission %d matched it", submission_id,
                report.check_id, because_of)  # fmt: skip
    return store.submission(submission_id)


# ----- what people see of submissions ----------------------------------------------------------------------


def my_submissions(context: Context, actor: Account | None, assignment_id: int) -> list[SubmissionInfo]:
    """A student's own submissions to an assignment, newest first (staff: everyone's)."""
    actor = authorize(context.sessions, actor, *Role)
    store = CourseStore(context.sessions)
    assignment = store.assignment(assignment_id)
    if not actor.is_staff and not store.is_enrolled(assignment.course_id, actor.id):
        raise PermissionDenied(f"You are not enrolled in {assignment.course}.")
    return store.submissions(assignment_id, None if actor.is_staff else actor.id)


def as_seen_by(context: Context, actor: Account, report: CheckReport) -> CheckReport:
    """The report as ``actor`` may read it, with the assignment it was handed in to and why it ran again, if it was
    a submission's check. For a student, every source in the submission repository is named only "a submission to
    <course>, <date>" ("your submission …" for their own), with no collection or file name; so is the submission
    that caused a re-run."""
    report = _with_place(context, actor, report)
    if actor.is_staff:
        return report
    store = CourseStore(context.sessions)
    sources = {m.source_id for m in report.matches} | {e.source_id for e in report.exclusions_made if e.source_id}
    repository = store.in_repository(sources)
    kept = store.kept_submissions(repository)
    names = {}
    for document_id in repository:
        k = kept.get(document_id)
        whose = "your submission" if k is not None and k.student_id == actor.id else "a submission"
        names[document_id] = f"{whose} to {k.course}, {k.submitted_at:%Y-%m-%d}" if k else f"{whose} kept earlier"
    return replace(
        report,
        matches=[
            replace(m, source_title=names[m.source_id], source_collection="") if m.source_id in names else m
            for m in report.matches
        ],
        sources=[
            replace(s, title=names[s.document_id], collection="") if s.document_id in names else s
            for s in report.sources
        ],
        exclusions_made=[_unnamed(made, names) for made in report.exclusions_made],
    )


def _unnamed(made: ExclusionMade, names: dict[int, str]) -> ExclusionMade:
    """An exclusion as a student reads it: a kept submission excluded as a source by its anonymous name, and a
    match by its number and words alone (its record does not say which source it was from)."""
    if made.kind == "source" and made.source_id in names:
        return replace(made, what=f"the source {names[made.source_id]}")
    if made.kind == "match":
        return replace(made, what=made.what.partition(" from ")[0])
    return made


def _with_place(context: Context, actor: Account, report: CheckReport) -> CheckReport:
    place = CourseStore(context.sessions).check_place(report.check_id) if report.check_id else None
    if place is None or report.submission is None:
        return report
    cause = place.because_of
    because = ""
    if cause is not None:
        if actor.is_staff:
            whose = f"{cause.student_name}'s submission (version {cause.version}) to {place.because_of_assignment}"
        else:
            whose = f"a later submission to {place.because_of_assignment.split(': ')[0]}"
        because = f"run again: {whose}, handed in {cause.submitted_at:%Y-%m-%d %H:%M} UTC, matched it"
    placed = replace(
        report.submission,
        handed_in_to=f"{place.course}: {place.assignment}, version {place.version}",
        rerun_because=because,
    )
    return replace(report, submission=placed)


@dataclass(frozen=True)
class TableRow:
    """A student's line in the assignment table: their latest submission (None before they hand one in)."""

    student: str
    student_id: int | None
    enrolled: bool
    submission: SubmissionInfo | None
    late: bool
    top_source: str
    flags: list[str]


def assignment_table(context: Context, actor: Account | None, assignment_id: int) -> list[TableRow]:
    """One row per student of the assignment's course (and per student no longer enrolled who handed in), with
    their latest submission: staff only. Ordered by name."""
    authorize(context.sessions, actor, *STAFF)
    store = CourseStore(context.sessions)
    assignment = store.assignment(assignment_id)
    latest: dict[int | str, SubmissionInfo] = {}  # by student: their account, or their name once it is deleted
    for submission in store.submissions(assignment_id):  # newest first
        latest.setdefault(submission.student_id or submission.student_name, submission)
    enrolled = dict(store.enrolled(assignment.course_id))
    overview = check_overview(context.sessions, [s.check_id for s in latest.values() if s.check_id is not None])
    rows = []
    for student in set(enrolled) | set(latest):
        submission = latest.get(student)
        student_id = student if isinstance(student, int) else None
        top, flags = overview.get(submission.check_id, ("", {})) if submission and submission.check_id else ("", {})
        rows.append(
            TableRow(
                student=enrolled.get(student_id) or (submission.student_name if submission else "(deleted account)"),
                student_id=student_id,
                enrolled=student_id in enrolled,
                submission=submission,
                late=bool(submission and assignment.late(submission.submitted_at)),
                top_source=top,
                flags=IntegrityFlags.from_dict(flags).describe(),
            )
        )
    return sorted(rows, key=lambda r: r.student.casefold())


def table_csv(rows: list[TableRow]) -> str:
    """The assignment table as CSV, as the page shows it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["student", "version", "file", "submitted (UTC)", "late", "similarity (%)", "top source", "flags",
         "review state", "re-run", "check"]
    )  # fmt: skip
    for row in rows:
        s = row.submission
        writer.writerow(
            [
                row.student,
                s.version if s else "",
                s.filename if s else "",
                f"{s.submitted_at:%Y-%m-%d %H:%M}" if s else "",
                "yes" if row.late else "",
                round(100 * s.similarity, 1) if s and s.similarity is not None else "",
                row.top_source,
                "; ".join(row.flags),
                s.review_state if s else "",
                "yes" if s and s.rechecked_because_of else "",
                s.check_id if s and s.check_id else "",
            ]
        )
    return out.getvalue()


def set_review_state(context: Context, actor: Account | None, submission_id: int, state: str) -> SubmissionInfo:
    """Mark a submission not reviewed, reviewed or referred (staff)."""
    authorize(context.sessions, actor, *STAFF)
    if state not in REVIEW_STATES:
        raise PlagDetectError(f"A review state is one of: {', '.join(REVIEW_STATES)}.")
    store = CourseStore(context.sessions)
    store.set_review_state(submission_id, state)
    return store.submission(submission_id)


def assignment_similarity(context: Context, actor: Account | None, assignment_id: int) -> SimilarityMatrix:
    """How alike the students' latest kept submissions to an assignment are, pair by pair (staff). A file handed in
    unchanged from another's kept one is shown by that kept copy: the two are alike in full."""
    authorize(context.sessions, actor, *STAFF)
    store = CourseStore(context.sessions)
    latest: dict[int | str, tuple[int, str]] = {}
    for submission in store.submissions(assignment_id):  # newest first
        document_id = submission.document_id or (store.kept_copy(submission.check_id) if submission.check_id else None)
        if document_id is not None:
            latest.setdefault(submission.student_id or submission.student_name, (document_id, submission.student_name))
    return similarity_of(context, sorted(latest.values(), key=lambda d: d[1].casefold()))


# ----- a class's files handed in at once ---------------------------------------------------------------------


def class_files(
    context: Context, data: bytes, students: list[tuple[int, str]], mapping_csv: str = ""
) -> tuple[list[tuple[int, str, bytes]], list[str]]:
    """The files of a zip of a class's submissions, each with its student: by a CSV of ``file,username`` rows when
    given (the file by its path in the zip, or by its name where no other file has it), else by the file's name
    (the username, or the username then a space, "_", "-" or "."). The archive is read with the upload's zip-bomb
    limits; the files named for no enrolled student, those that cannot be read, and the CSV's rows that name no
    file of the zip, are reported, not handed in. Returns (student id, file name, bytes) and the problems, in
    words."""
    by_name = {name.casefold(): user_id for user_id, name in students}
    mapping = {}
    for row in csv.reader(io.StringIO(mapping_csv.removeprefix("\ufeff"))):
        if len(row) >= 2 and row[0].strip() and row[0].strip().casefold() != "file":
            mapping[_zip_path(row[0])] = row[1].strip().casefold()
    members = list(iter_zip_members(data, ExtractionLimits.from_settings(context.settings)))
    paths = [_zip_path(member) for member, _ in members]
    basenames = [posixpath.basename(path) for path in paths]
    found, problems, named = [], [], set()
    for (member, content), path, base in zip(members, paths, basenames, strict=True):
        name = clean_name(posixpath.basename(member.replace("\\", "/"))) or "unnamed"
        if isinstance(content, PlagDetectError):
            problems.append(f"{name}: {content}")
            continue
        try:
            format_of(name)
        except PlagDetectError as error:
            problems.append(f"{name}: {error}")
            continue
        if mapping:
            key = path if path in mapping else base if base in mapping and basenames.count(base) == 1 else None
            named.add(key)
            username = mapping.get(key)
        else:
            username = _username_in(name, by_name)
        if username is None:
            why = "the CSV names no student for it" if mapping else "its name begins with no enrolled student's"
            problems.append(f"{path}: {why}")
        elif username not in by_name:
            problems.append(f"{path}: {username} is not enrolled in the course")
        else:
            found.append((by_name[username], name, content))
    problems += [f"{key}: the CSV names this file, which is not in the zip" for key in mapping if key not in named]
    return found, problems


def _zip_path(name: str) -> str:
    """A member's path as the zip and a CSV may both write it: "/" for "\\", no leading "./" or "/", case folded."""
    return name.strip().replace("\\", "/").removeprefix("./").lstrip("/").casefold()


def _username_in(filename: str, by_name: dict[str, int]) -> str | None:
    """The longest enrolled username the file is named by (alone, or followed by a space, "_", "-" or ".")."""
    stem = filename.casefold()
    named = [u for u in by_name if stem.startswith(u) and (len(stem) == len(u) or stem[len(u)] in " _-.")]
    return max(named, key=len) if named else None
