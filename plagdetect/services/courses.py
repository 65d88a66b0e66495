"""Courses, their students and their assignments, with the rules of who may do what.

Instructors and admins create courses and assignments and enrol students (one by one, or a list of usernames
such as a CSV's column); they see every course. A student sees the courses they are enrolled in and those
courses' assignments, and nothing of who else is enrolled.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

from plagdetect.context import Context
from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import STAFF, Account, PermissionDenied, Role, authorize
from plagdetect.services.check_defaults import load_defaults
from plagdetect.settings import check_min_match_words
from plagdetect.store.courses import AssignmentInfo, CourseInfo, CourseStore
from plagdetect.store.users import UserStore
from plagdetect.text.names import clean_name

__all__ = ["AssignmentInfo", "CourseInfo", "Courses", "Enrolled", "usernames_in"]


@dataclass(frozen=True)
class Enrolled:
    """What an enrolment of several names did."""

    added: list[str]
    already: list[str]
    unknown: list[str]  # no such account
    not_students: list[str]  # accounts of instructors or admins: they are not enrolled


def usernames_in(text: str) -> list[str]:
    """The usernames in a pasted list or a CSV file: one a line, or a column named "username" (a header row with
    that name), in order, each once."""
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows:
        return []
    header = [cell.strip().casefold() for cell in rows[0]]
    column = header.index("username") if "username" in header else None
    if column is None:
        names = [row[0] for row in rows]
    else:
        names = [row[column] if column < len(row) else "" for row in rows[1:]]
    seen: dict[str, None] = {}
    for name in names:
        if name.strip():
            seen.setdefault(name.strip(), None)
    return list(seen)


class Courses:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.store = CourseStore(context.sessions)

    # ----- courses -----------------------------------------------------------------------------------------

    def create_course(self, actor: Account | None, name: str, description: str = "") -> CourseInfo:
        actor = authorize(self.context.sessions, actor, *STAFF)
        name = clean_name(" ".join(name.split()), 200)
        if not name:
            raise PlagDetectError("Give the course a name.")
        course_id = self.store.create_course(name, description.strip(), actor.id or None)
        return self.store.course(course_id)

    def courses(self, actor: Account | None) -> list[CourseInfo]:
        """Every course for staff; a student's own courses."""
        actor = authorize(self.context.sessions, actor, *Role)
        return self.store.courses(None if actor.is_staff else actor.id)

    def course(self, actor: Account | None, course_id: int) -> CourseInfo:
        actor = authorize(self.context.sessions, actor, *Role)
        course = self.store.course(course_id)
        if not actor.is_staff and not self.store.is_enrolled(course_id, actor.id):
            raise PermissionDenied("You are not enrolled in this course.")
        return course

    # ----- students ----------------------------------------------------------------------------------------

    def enrol(self, actor: Account | None, course_id: int, usernames: list[str]) -> Enrolled:
        """Enrol the student accounts named; the other names are reported, not enrolled."""
        authorize(self.context.sessions, actor, *STAFF)
        self.store.course(course_id)  # it exists
        accounts = {user.username.casefold(): user for user in UserStore(self.context.sessions).all()}
        present = {user_id for user_id, _ in self.store.enrolled(course_id)}
        added, already, unknown, not_students, new_ids = [], [], [], [], []
        for name in usernames:
            user = accounts.get(name.strip().casefold())  # "Sam" in a class list is the account sam
            if user is None:
                unknown.append(name)
            elif user.role != Role.STUDENT.value:
                not_students.append(name)
            elif user.id in present or user.id in new_ids:
                already.append(user.username)
            else:
                added.append(user.username)
                new_ids.append(user.id)
        self.store.enrol(course_id, new_ids)
        return Enrolled(added, already, unknown, not_students)

    def unenrol(self, actor: Account | None, course_id: int, username: str) -> None:
        """Take a student out of a course; their submissions stay."""
        authorize(self.context.sessions, actor, *STAFF)
        user = UserStore(self.context.sessions).by_name(username)
        if user is None or not self.store.unenrol(course_id, user.id):
            raise PlagDetectError(f"'{username}' is not enrolled in this course.")

    def students(self, actor: Account | None, course_id: int) -> list[tuple[int, str]]:
        """(account id, username) of the course's students (staff)."""
        authorize(self.context.sessions, actor, *STAFF)
        self.store.course(course_id)
        return self.store.enrolled(course_id)

    # ----- assignments -------------------------------------------------------------------------------------

    def create_assignment(
        self,
        actor: Account | None,
        course_id: int,
        title: str,
        due_at: datetime | None = None,
        reference_collections: list[str] = (),
        keep_submissions: bool = True,
        exclude_quotes: bool | None = None,
        exclude_bibliography: bool | None = None,
        min_match_words: int | None = None,
    ) -> AssignmentInfo:
        """A new assignment of a course. Its submissions are checked against ``reference_collections`` and the
        submission repository, with these check defaults (None: the installation's defaults then in force)."""
        authorize(self.context.sessions, actor, *STAFF)
        title = clean_name(" ".join(title.split()), 300)
        if not title:
            raise PlagDetectError("Give the assignment a title.")
        collection_ids = []
        for name in reference_collections:
            collection_id = self.context.documents.collection_id(name)
            if collection_id is None:
                raise PlagDetectError(f"No collection named '{name}'.")
            collection_ids.append(collection_id)
        defaults = load_defaults(self.context)
        check_defaults = {
            "exclude_quotes": defaults.exclude_quotes if exclude_quotes is None else bool(exclude_quotes),
            "exclude_bibliography": (
                defaults.exclude_bibliography if exclude_bibliography is None else bool(exclude_bibliography)
            ),
            "min_match_words": check_min_match_words(
                defaults.min_match_words if min_match_words is None else int(min_match_words)
            ),
        }
        if due_at is not None and due_at.tzinfo is None:
            due_at = due_at.replace(tzinfo=UTC)
        assignment_id = self.store.create_assignment(
            course_id, title, due_at, collection_ids, keep_submissions, check_defaults
        )
        return self.store.assignment(assignment_id)

    def assignments(self, actor: Account | None, course_id: int) -> list[AssignmentInfo]:
        self.course(actor, course_id)  # a student only of their own courses
        return self.store.assignments(course_id)

    def assignment(self, actor: Account | None, assignment_id: int) -> AssignmentInfo:
        """One assignment: staff see any, a student those of their courses (told the same of one that does not
        exist: a student learns nothing of other courses' assignment ids)."""
        actor = authorize(self.context.sessions, actor, *Role)
        try:
            assignment = self.store.assignment(assignment_id)
        except PlagDetectError:
            if actor.is_staff:
                raise
            assignment = None
        if not actor.is_staff and (assignment is None or not self.store.is_enrolled(assignment.course_id, actor.id)):
            raise PermissionDenied("That assignment is not one of your courses'.")
        return assignment
