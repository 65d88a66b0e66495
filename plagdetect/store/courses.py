"""Courses, enrolments, assignments and submissions in the database: every query that writes or reads their rows.

The rules (who may do what) are in ``services.courses`` and ``services.submissions``; these functions only read and
write.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, sessionmaker

from plagdetect.errors import PlagDetectError
from plagdetect.store.tables import (
    Assignment,
    Check,
    Collection,
    Course,
    Document,
    Enrolment,
    Match,
    Submission,
    SubmissionCheck,
    User,
)

REPOSITORY = "Submission repository"  # the collection that holds every kept submission (services.submissions)


@dataclass(frozen=True)
class CourseInfo:
    id: int
    name: str
    description: str
    students: int
    assignments: int


@dataclass(frozen=True)
class AssignmentInfo:
    id: int
    course_id: int
    course: str
    title: str
    due_at: datetime | None
    reference_collections: list[str]  # by their names now (a collection deleted since is left out)
    keep_submissions: bool
    check_defaults: dict[str, Any]

    def late(self, moment: datetime) -> bool:
        """Whether work handed in at ``moment`` (UTC, with its zone) is late."""
        return self.due_at is not None and moment > self.due_at


@dataclass(frozen=True)
class SubmissionInfo:
    """A submission with its latest check (None while none has finished)."""

    id: int
    assignment_id: int
    student_id: int | None
    student_name: str
    version: int
    filename: str
    document_id: int | None
    review_state: str
    submitted_at: datetime
    check_id: int | None
    similarity: float | None
    rechecked_because_of: int | None  # the latest check re-ran because this submission matched it


@dataclass(frozen=True)
class KeptSubmission:
    """What a report needs to name a kept submission to a student who may not see whose it is."""

    document_id: int
    submission_id: int
    student_id: int | None
    course: str
    submitted_at: datetime


@dataclass(frozen=True)
class CheckPlace:
    """Where a check stands in a course: the submission it checked, and for a re-run the submission that caused it."""

    course: str
    assignment: str
    version: int
    student_id: int | None
    because_of: SubmissionInfo | None
    because_of_assignment: str = ""  # the causing submission's "<course>: <assignment>"


class CourseStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    # ----- courses and enrolments --------------------------------------------------------------------------

    def create_course(self, name: str, description: str, created_by: int | None) -> int:
        try:
            with self.sessions.begin() as session:
                course = Course(name=name, description=description, created_by=created_by)
                session.add(course)
                session.flush()
                return course.id
        except IntegrityError:
            raise PlagDetectError(f"There is a course named '{name}' already.") from None

    def courses(self, student_id: int | None = None, course_id: int | None = None) -> list[CourseInfo]:
        """Every course (``student_id`` None), or those the student is enrolled in (or the one ``course_id``); by
        name."""
        each = aliased(Enrolment)  # not the enrolment the student filter joins
        students = select(func.count()).where(each.course_id == Course.id).correlate(Course).scalar_subquery()
        assignments = select(func.count()).where(Assignment.course_id == Course.id).scalar_subquery()
        query = select(Course.id, Course.name, Course.description, students, assignments).order_by(Course.name)
        if student_id is not None:
            query = query.join(Enrolment, Enrolment.course_id == Course.id).where(Enrolment.user_id == student_id)
        if course_id is not None:
            query = query.where(Course.id == course_id)
        with self.sessions() as session:
            return [CourseInfo(*row) for row in session.execute(query)]

    def course(self, course_id: int) -> CourseInfo:
        found = self.courses(course_id=course_id)
        if not found:
            raise PlagDetectError(f"No course with id {course_id}.")
        return found[0]

    def enrol(self, course_id: int, user_ids: Iterable[int]) -> int:
        """Enrol these users (those enrolled already are left as they are); how many were new."""
        with self.sessions.begin() as session:
            present = set(session.scalars(select(Enrolment.user_id).where(Enrolment.course_id == course_id)))
            new = sorted(set(user_ids) - present)
            session.add_all(Enrolment(course_id=course_id, user_id=user_id) for user_id in new)
            return len(new)

    def unenrol(self, course_id: int, user_id: int) -> bool:
        with self.sessions.begin() as session:
            enrolment = session.get(Enrolment, (course_id, user_id))
            if enrolment is None:
                return False
            session.delete(enrolment)
            return True

    def enrolled(self, course_id: int) -> list[tuple[int, str]]:
        """(user id, username) of the course's students, by name."""
        with self.sessions() as session:
            rows = session.execute(
                select(User.id, User.username)
                .join(Enrolment, Enrolment.user_id == User.id)
                .where(Enrolment.course_id == course_id)
                .order_by(User.username)
            )
            return [(row.id, row.username) for row in rows]

    def is_enrolled(self, course_id: int, user_id: int) -> bool:
        with self.sessions() as session:
            return session.get(Enrolment, (course_id, user_id)) is not None

    # ----- assignments -------------------------------------------------------------------------------------

    def create_assignment(
        self,
        course_id: int,
        title: str,
        due_at: datetime | None,
        reference_collections: list[int],
        keep_submissions: bool,
        check_defaults: dict[str, Any],
    ) -> int:
        try:
            with self.sessions.begin() as session:
                if session.get(Course, course_id) is None:
                    raise PlagDetectError(f"No course with id {course_id}.")
                assignment = Assignment(
                    course_id=course_id,
                    title=title,
                    due_at=due_at,
                    reference_collections=reference_collections,
                    keep_submissions=keep_submissions,
                    check_defaults=check_defaults,
                )
                session.add(assignment)
                session.flush()
                return assignment.id
        except IntegrityError:
            raise PlagDetectError(f"The course has an assignment named '{title}' already.") from None

    def assignments(self, course_id: int | None = None) -> list[AssignmentInfo]:
        """A course's assignments (None: every course's), by due date then title."""
        query = select(Assignment, Course.name).join(Course, Course.id == Assignment.course_id)
        if course_id is not None:
            query = query.where(Assignment.course_id == course_id)
        with self.sessions() as session:
            names = {row.id: row.name for row in session.execute(select(Collection.id, Collection.name))}
            rows = session.execute(query).all()
            found = [
                AssignmentInfo(
                    id=a.id,
                    course_id=a.course_id,
                    course=course,
                    title=a.title,
                    due_at=_utc(a.due_at),
                    reference_collections=[names[i] for i in a.reference_collections if i in names],
                    keep_submissions=a.keep_submissions,
                    check_defaults=dict(a.check_defaults or {}),
                )
                for a, course in rows
            ]
        return sorted(found, key=lambda a: (a.due_at is None, a.due_at or datetime.min.replace(tzinfo=UTC), a.title))

    def assignment(self, assignment_id: int) -> AssignmentInfo:
        with self.sessions() as session:
            row = session.get(Assignment, assignment_id)
            course_id = row.course_id if row is not None else None
        if course_id is None:
            raise PlagDetectError(f"No assignment with id {assignment_id}.")
        return next(a for a in self.assignments(course_id) if a.id == assignment_id)

    # ----- submissions -------------------------------------------------------------------------------------

    def add_submission(
        self,
        assignment_id: int,
        student_id: int,
        student_name: str,
        filename: str,
        document_id: int | None,
        submitted_by: int | None,
        job_id: int | None = None,
        submitted_at: datetime | None = None,
    ) -> tuple[int, bool]:
        """A new version of the student's work for the assignment, and True; or the one ``job_id`` added already, and
        False (a job run again after its worker stopped hands in nothing twice)."""
        with self.sessions.begin() as session:
            if job_id is not None:
                existing = session.scalar(select(Submission.id).where(Submission.job_id == job_id))
                if existing is not None:
                    return existing, False
            earlier = aliased(Submission)
            # Counted in the INSERT itself, under the database's write lock: two hand-ins at once get 2 and 3.
            version = (
                select(func.coalesce(func.max(earlier.version), 0) + 1)
                .where(earlier.assignment_id == assignment_id, earlier.student_id == student_id)
                .scalar_subquery()
            )
            # A referral stays with the student's work: handing in again does not clear it.
            previous = session.scalar(
                select(Submission.review_state)
                .where(Submission.assignment_id == assignment_id, Submission.student_id == student_id)
                .order_by(Submission.id.desc())
                .limit(1)
            )
            submission = Submission(
                assignment_id=assignment_id,
                student_id=student_id,
                student_name=student_name,
                version=version,
                review_state="referred" if previous == "referred" else "not reviewed",
                filename=filename,
                document_id=document_id,
                submitted_by=submitted_by,
                job_id=job_id,
                **({"submitted_at": submitted_at} if submitted_at is not None else {}),
            )
            session.add(submission)
            session.flush()
            return submission.id, True

    def delete_submission(self, submission_id: int) -> None:
        """A submission whose hand-in did not finish (its check failed or was cancelled) goes."""
        with self.sessions.begin() as session:
            submission = session.get(Submission, submission_id)
            if submission is not None:
                session.delete(submission)

    def add_check(self, submission_id: int, check_id: int, because_of: int | None = None) -> None:
        """A check of a submission: its first, or one re-run because submission ``because_of`` matched it."""
        with self.sessions.begin() as session:
            session.add(SubmissionCheck(submission_id=submission_id, check_id=check_id, because_of=because_of))

    def document_owner(self, document_id: int) -> int | None:
        with self.sessions() as session:
            return session.scalar(select(Document.owner_id).where(Document.id == document_id))

    def own_documents(self, assignment_id: int, student_id: int) -> set[int]:
        """The kept copies of a student's submissions to an assignment, never a source of their later versions; and
        their kept copies that no submission holds yet (a hand-in of theirs under way at the same moment, or one
        stopped before it recorded its submission)."""
        with self.sessions() as session:
            versions = set(
                session.scalars(
                    select(Submission.document_id).where(
                        Submission.assignment_id == assignment_id,
                        Submission.student_id == student_id,
                        Submission.document_id.is_not(None),
                    )
                )
            )
            held = select(Submission.id).where(Submission.document_id == Document.id).exists()
            under_way = set(session.scalars(_repository_documents().where(Document.owner_id == student_id, ~held)))
        return versions | under_way

    def submissions(
        self, assignment_id: int | None = None, student_id: int | None = None, submission_ids: Iterable[int] = ()
    ) -> list[SubmissionInfo]:
        """Submissions with their latest check: of an assignment, of a student, or those named; newest first."""
        query = select(Submission).order_by(Submission.submitted_at.desc(), Submission.id.desc())
        if assignment_id is not None:
            query = query.where(Submission.assignment_id == assignment_id)
        if student_id is not None:
            query = query.where(Submission.student_id == student_id)
        wanted = sorted(set(submission_ids))
        if wanted:
            query = query.where(Submission.id.in_(wanted))
        latest = select(func.max(SubmissionCheck.id).label("id")).group_by(SubmissionCheck.submission_id).subquery()
        with self.sessions() as session:
            found = list(session.scalars(query))
            checks = {
                row.submission_id: row
                for row in session.execute(
                    select(SubmissionCheck.submission_id, Check.id, Check.similarity, SubmissionCheck.because_of)
                    .join(latest, latest.c.id == SubmissionCheck.id)
                    .join(Check, Check.id == SubmissionCheck.check_id)
                    .where(SubmissionCheck.submission_id.in_([s.id for s in found]))
                )
            }
            return [
                SubmissionInfo(
                    id=s.id,
                    assignment_id=s.assignment_id,
                    student_id=s.student_id,
                    student_name=s.student_name,
                    version=s.version,
                    filename=s.filename,
                    document_id=s.document_id,
                    review_state=s.review_state,
                    submitted_at=_utc(s.submitted_at),
                    check_id=checks[s.id].id if s.id in checks else None,
                    similarity=checks[s.id].similarity if s.id in checks else None,
                    rechecked_because_of=checks[s.id].because_of if s.id in checks else None,
                )
                for s in found
            ]

    def submission(self, submission_id: int) -> SubmissionInfo:
        found = self.submissions(submission_ids=[submission_id])
        if not found:
            raise PlagDetectError(f"No submission with id {submission_id}.")
        return found[0]

    def check_place(self, check_id: int) -> CheckPlace | None:
        """The submission a check checked (None: a check of no assignment)."""
        with self.sessions() as session:
            row = session.execute(
                select(Course.name, Assignment.title, Submission.version, Submission.student_id,
                       SubmissionCheck.because_of)
                .join(Submission, Submission.id == SubmissionCheck.submission_id)
                .join(Assignment, Assignment.id == Submission.assignment_id)
                .join(Course, Course.id == Assignment.course_id)
                .where(SubmissionCheck.check_id == check_id)
            ).first()  # fmt: skip
        if row is None:
            return None
        course, assignment, version, student_id, because_of = row
        cause = self.submissions(submission_ids=[because_of]) if because_of is not None else []
        where = ""
        if cause:
            cause_assignment = self.assignment(cause[0].assignment_id)
            where = f"{cause_assignment.course}: {cause_assignment.title}"
        return CheckPlace(course, assignment, version, student_id, cause[0] if cause else None, where)

    def set_review_state(self, submission_id: int, state: str) -> None:
        with self.sessions.begin() as session:
            submission = session.get(Submission, submission_id)
            if submission is None:
                raise PlagDetectError(f"No submission with id {submission_id}.")
            submission.review_state = state

    def kept_submissions(self, document_ids: Iterable[int]) -> dict[int, KeptSubmission]:
        """The submissions these documents are the kept copies of (by document id; the latest where several)."""
        wanted = sorted(set(document_ids))
        if not wanted:
            return {}
        query = (
            select(Submission.document_id, Submission.id, Submission.student_id, Course.name, Submission.submitted_at)
            .join(Assignment, Assignment.id == Submission.assignment_id)
            .join(Course, Course.id == Assignment.course_id)
            .where(Submission.document_id.in_(wanted))
            .order_by(Submission.id)
        )
        with self.sessions() as session:
            return {row[0]: KeptSubmission(*row[:-1], _utc(row[-1])) for row in session.execute(query)}

    def repository_documents(self) -> set[int]:
        with self.sessions() as session:
            return set(session.scalars(_repository_documents()))

    def in_repository(self, document_ids: Iterable[int]) -> set[int]:
        """Those of these documents that are kept submissions: in the repository, or held by a submission."""
        wanted = sorted(set(document_ids))
        if not wanted:
            return set()
        with self.sessions() as session:
            stored = set(session.scalars(_repository_documents().where(Document.id.in_(wanted))))
            held = set(session.scalars(select(Submission.document_id).where(Submission.document_id.in_(wanted))))
        return stored | held

    def kept_copy(self, check_id: int) -> int | None:
        """The repository's document with the bytes a check checked (a file handed in unchanged from a kept one)."""
        with self.sessions() as session:
            return session.scalar(
                _repository_documents().join(Check, Check.sha256 == Document.sha256).where(Check.id == check_id)
            )

    def submissions_that_found(self, document_id: int) -> list[SubmissionInfo]:
        """The submissions one of whose checks matched this document, newest first."""
        with self.sessions() as session:
            ids = set(
                session.scalars(
                    select(SubmissionCheck.submission_id)
                    .join(Match, Match.check_id == SubmissionCheck.check_id)
                    .where(Match.source_document_id == document_id)
                )
            )
        return self.submissions(submission_ids=ids) if ids else []

    def check_sources(self, check_id: int) -> set[int]:
        """The source documents a check matched."""
        with self.sessions() as session:
            return set(
                session.scalars(
                    select(Match.source_document_id).where(
                        Match.check_id == check_id, Match.source_document_id.is_not(None)
                    )
                )
            )


def _repository_documents():
    """The ids of the documents in the submission repository, a query to narrow further."""
    return (
        select(Document.id)
        .join(Collection, Collection.id == Document.collection_id)
        .where(Collection.name == REPOSITORY)
    )


def _utc(moment: datetime | None) -> datetime | None:
    """A time read back from the database, in UTC with its zone (SQLite keeps none)."""
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
