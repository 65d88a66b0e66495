"""Courses, assignments and the submission repository as instructors and students use them."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime, timedelta

import pypdf
import pytest

from plagdetect.detection.report import CheckOptions, collections_searched
from plagdetect.errors import PlagDetectError
from plagdetect.jobs import Jobs
from plagdetect.jobs.tasks import JobCancelled, options_from_json
from plagdetect.jobs.worker import Worker
from plagdetect.reports.pdf import report_pdf
from plagdetect.services.accounts import OPERATOR, Account, PermissionDenied
from plagdetect.services.checks import exclude_from_check, load_report, run_check, searchable_by
from plagdetect.services.corpus import Corpus
from plagdetect.services.courses import Courses, usernames_in
from plagdetect.services.submissions import (
    REPOSITORY,
    Handed,
    as_seen_by,
    assignment_similarity,
    assignment_table,
    check_submission,
    class_files,
    recheck,
    set_review_state,
    table_csv,
)
from plagdetect.store.courses import CourseStore

from builders import ESSAY_RAILWAYS, ESSAY_VOLCANOES, PRINTING_SOURCE, PRINTING_SUBMISSION, make_people


@pytest.fixture
def people(corpus: Corpus) -> dict[str, Account]:
    return make_people(corpus.context.sessions, students=("sam", "kim", "lee", "outsider"))


def hand_in(context, student: Account, assignment_id: int, filename: str, text: str, **more) -> Handed:
    """``student`` hands in ``text`` as ``filename`` to the assignment themselves."""
    return check_submission(context, student, assignment_id, student.id, filename, text.encode(), **more)


@pytest.fixture
def course(corpus: Corpus, people: dict[str, Account]) -> tuple[Courses, int, int]:
    """A course with sam, kim and lee enrolled and one assignment (the History collection as its reference)."""
    corpus.ingest_bytes(ESSAY_RAILWAYS.encode(), "railways.txt", "History")
    courses = Courses(corpus.context)
    made = courses.create_course(people["teacher"], "History 101")
    courses.enrol(people["teacher"], made.id, ["sam", "kim", "lee"])
    assignment = courses.create_assignment(people["teacher"], made.id, "Essay 1", reference_collections=["History"])
    return courses, made.id, assignment.id


def test_role_rules_for_courses_enrolment_and_handing_in(
    corpus: Corpus, people: dict[str, Account], course: tuple[Courses, int, int]
) -> None:
    courses, course_id, assignment_id = course
    context = corpus.context
    with pytest.raises(PermissionDenied):
        courses.create_course(people["sam"], "My own course")
    with pytest.raises(PermissionDenied):
        courses.enrol(people["sam"], course_id, ["outsider"])
    enrolled = courses.enrol(people["teacher"], course_id, usernames_in("username\nsam\nnobody\ntess\nOutsider\n"))
    assert (enrolled.added, enrolled.already, enrolled.unknown, enrolled.not_students) == (
        ["outsider"],
        ["sam"],
        ["nobody"],
        ["tess"],
    )
    courses.unenrol(people["teacher"], course_id, "outsider")
    for unknown in (999, course[2]):  # a student learns nothing of which assignment ids exist
        with pytest.raises(PermissionDenied, match="not one of your courses'"):
            courses.assignment(people["outsider"], unknown)
    assert [c.name for c in courses.courses(people["sam"])] == ["History 101"]
    assert courses.courses(people["outsider"]) == []
    with pytest.raises(PermissionDenied, match="not enrolled"):
        courses.assignments(people["outsider"], course_id)
    with pytest.raises(PermissionDenied, match="not enrolled"):
        Jobs(context).hand_in(people["outsider"], assignment_id, "essay.txt", b"my essay")
    with pytest.raises(PermissionDenied, match="own work"):
        Jobs(context).hand_in(people["sam"], assignment_id, "essay.txt", b"my essay", student_id=people["kim"].id)
    with pytest.raises(PlagDetectError, match="not read|type"):
        Jobs(context).hand_in(people["sam"], assignment_id, "essay.exe", b"my essay")
    # Staff hand in for an enrolled student; the check is the student's.
    handed = check_submission(context, people["teacher"], assignment_id, people["kim"].id, "kim.txt", b"x " * 50)
    assert load_report(context, people["kim"], handed.submission.check_id).filename == "kim.txt"
    with pytest.raises(PermissionDenied):
        assignment_table(context, people["sam"], assignment_id)
    with pytest.raises(PermissionDenied):
        set_review_state(context, people["sam"], handed.submission.id, "reviewed")


def test_two_students_who_share_a_paragraph_find_each_other_in_both_reports(
    corpus: Corpus, people: dict[str, Account], course: tuple[Courses, int, int]
) -> None:
    _, _, assignment_id = course
    context = corpus.context
    jobs = Jobs(context)
    jobs.hand_in(people["sam"], assignment_id, "sam-essay.txt", PRINTING_SOURCE.encode())
    jobs.hand_in(people["kim"], assignment_id, "kim-essay.txt", PRINTING_SUBMISSION.encode())
    worker = Worker(context, "here")
    first, second = worker.run_one(), worker.run_one()
    assert first.state == second.state == "done", (first.message, second.message)
    assert first.result["rechecks"] == [] and second.result["rechecks"] == [first.result["submission_id"]]
    kims = load_report(context, people["teacher"], second.result["check_id"])
    assert [s.title for s in kims.sources] == ["sam: Essay 1 (History 101)"]
    # The later submission's job queued a re-run of the earlier one's check; it finds the later submission.
    rerun = worker.run_one()
    assert rerun.kind == "recheck" and rerun.state == "done" and rerun.user_id is None
    [sam] = CourseStore(context.sessions).submissions(assignment_id, people["sam"].id)
    assert sam.check_id == rerun.result["check_id"] != first.result["check_id"]
    assert sam.rechecked_because_of == second.result["submission_id"]
    sams = load_report(context, people["teacher"], sam.check_id)
    assert [s.title for s in sams.sources] == ["kim: Essay 1 (History 101)"]
    # The re-run says so, and why: to staff whose submission caused it, to the student only that one did.
    assert sams.submission.handed_in_to == "History 101: Essay 1, version 1"
    assert sams.submission.rerun_because.startswith("run again: kim's submission (version 1) to History 101: Essay 1")
    own = load_report(context, people["sam"], sam.check_id).submission
    assert own.rerun_because.startswith("run again: a later submission to History 101, handed in ")
    printed = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(report_pdf(sams))).pages)
    assert "Why it ran again" in printed and "Handed in to" in printed
    assert worker.run_one() is None  # a re-run causes no further re-run


def test_a_resubmission_does_not_match_its_own_earlier_version(
    corpus: Corpus, people: dict[str, Account], course: tuple[Courses, int, int]
) -> None:
    _, _, assignment_id = course
    context = corpus.context
    first = hand_in(context, people["sam"], assignment_id, "v1.txt", PRINTING_SOURCE)
    again = PRINTING_SOURCE.replace("monks", "monks and nuns")
    second = hand_in(context, people["sam"], assignment_id, "v2.txt", again)
    same = hand_in(context, people["sam"], assignment_id, "v3.txt", again)
    assert [s.version for s in (first.submission, second.submission, same.submission)] == [1, 2, 3]
    for handed in (second, same):
        assert load_report(context, people["sam"], handed.submission.check_id).matches == []
        assert handed.to_recheck == []


def test_a_classmates_file_handed_in_unchanged_is_found_whole(
    corpus: Corpus, people: dict[str, Account], course: tuple[Courses, int, int]
) -> None:
    _, _, assignment_id = course
    context = corpus.context
    hand_in(context, people["sam"], assignment_id, "sam.txt", PRINTING_SOURCE)
    copied = hand_in(context, people["kim"], assignment_id, "k.txt", PRINTING_SOURCE)
    report = load_report(context, people["teacher"], copied.submission.check_id)
    assert report.similarity > 0.9 and [s.title for s in report.sources] == ["sam: Essay 1 (History 101)"]
    matrix = assignment_similarity(context, people["teacher"], assignment_id)  # the heatmap shows the copy
    assert matrix.titles == ["kim", "sam"] and matrix.alike[0, 1] == pytest.approx(1.0)


def test_a_student_sees_another_students_submission_only_as_a_submission_to_the_course(
    corpus: Corpus, people: dict[str, Account], course: tuple[Courses, int, int]
) -> None:
    _, _, assignment_id = course
    context = corpus.context
    sam = hand_in(context, people["sam"], assignment_id, "sam.txt", PRINTING_SOURCE)
    kim = hand_in(context, people["kim"], assignment_id, "kim.txt", PRINTING_SUBMISSION)
    seen = load_report(context, people["kim"], kim.submission.check_id)
    day = f"{sam.submission.submitted_at:%Y-%m-%d}"
    assert [s.title for s in seen.sources] == [f"a submission to History 101, {day}"]
    assert {m.source_title for m in seen.matches} == {f"a submission to History 101, {day}"}
    assert {m.source_collection for m in seen.matches} | {s.collection for s in seen.sources} == {""}
    assert "sam" not in repr([(m.source_title, m.source_collection) for m in seen.matches]) + repr(seen.sources)
    printed = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(report_pdf(seen))).pages)
    assert "a submission to History 101" in printed and not re.search(r"\bsam\b", printed)  # as on their screen
    # Staff see whose it is; the same report through as_seen_by for staff is unchanged.
    staff = load_report(context, people["teacher"], kim.submission.check_id)
    assert staff.sources[0].collection == REPOSITORY and as_seen_by(context, people["teacher"], staff) == staff


def test_the_assignment_table_has_a_row_per_student_and_exports_as_csv(
    corpus: Corpus, people: dict[str, Account], course: tuple[Courses, int, int]
) -> None:
    _, _, assignment_id = course
    context = corpus.context
    hand_in(context, people["sam"], assignment_id, "sam.txt", PRINTING_SOURCE)
    kim = hand_in(context, people["kim"], assignment_id, "kim.txt", PRINTING_SUBMISSION)
    set_review_state(context, people["teacher"], kim.submission.id, "referred")
    with pytest.raises(PlagDetectError, match="one of"):
        set_review_state(context, people["teacher"], kim.submission.id, "guilty")
    # Handing in again does not clear a referral.
    kim = hand_in(context, people["kim"], assignment_id, "kim.txt", PRINTING_SUBMISSION + " More.")
    assert (kim.submission.version, kim.submission.review_state) == (2, "referred")
    rows = assignment_table(context, people["teacher"], assignment_id)
    assert [r.student for r in rows] == ["kim", "lee", "sam"]
    kims, lees, _ = rows
    assert kims.submission.similarity > 0.3 and kims.top_source == "sam: Essay 1 (History 101)"
    assert kims.submission.review_state == "referred" and lees.submission is None
    lines = table_csv(rows).splitlines()
    assert lines[0].startswith("student,version,file") and lines[1].startswith("kim,2,kim.txt")
    assert "referred" in lines[1] and lines[2] == "lee,,,,,,,,,,"
    matrix = assignment_similarity(context, people["teacher"], assignment_id)
    assert matrix.titles == ["kim", "sam"] and matrix.alike[0, 1] > 0.2


def test_a_class_zip_is_split_by_file_name_or_by_a_csv(
    corpus: Corpus, people: dict[str, Account], course: tuple[Courses, int, int]
) -> None:
    courses, course_id, _ = course
    students = courses.students(people["teacher"], course_id)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("class/sam_essay.txt", PRINTING_SOURCE)
        zf.writestr("class/KIM.txt", ESSAY_VOLCANOES)
        zf.writestr("class/nobody-essay.txt", ESSAY_RAILWAYS)
        zf.writestr("class/lee.exe", "not a document")
    files, problems = class_files(corpus.context, archive.getvalue(), students)
    ids = dict((name, user_id) for user_id, name in students)
    assert sorted((student, name) for student, name, _ in files) == sorted(
        [(ids["sam"], "sam_essay.txt"), (ids["kim"], "KIM.txt")]
    )
    assert len(problems) == 2 and any(p.startswith("class/nobody-essay.txt: ") for p in problems)
    mapped, problems = class_files(corpus.context, archive.getvalue(), students, "file,username\nKIM.txt,lee\n")
    assert [(student, name) for student, name, _ in mapped] == [(ids["lee"], "KIM.txt")]
    assert any("sam_essay.txt: the CSV names no student" in p for p in problems)
    with pytest.raises(PlagDetectError, match="zip"):
        class_files(corpus.context, b"not a zip", students)


def test_a_submission_no_longer_kept_cannot_be_re_run(
    corpus: Corpus, people: dict[str, Account], course: tuple[Courses, int, int]
) -> None:
    courses, course_id, _ = course
    context = corpus.context
    private = courses.create_assignment(people["teacher"], course_id, "Diary", keep_submissions=False)
    handed = hand_in(context, people["sam"], private.id, "d.txt", PRINTING_SOURCE)
    assert handed.submission.document_id is None
    assert corpus.list_documents(REPOSITORY) == []  # not kept: the repository holds nothing of it
    with pytest.raises(PlagDetectError, match="no longer kept"):
        recheck(context, people["teacher"], handed.submission.id, because_of=handed.submission.id)


def test_late_is_judged_by_the_due_date_and_the_time_handed_in(
    corpus: Corpus, people: dict[str, Account], course: tuple[Courses, int, int]
) -> None:
    courses, course_id, _ = course
    context = corpus.context
    now = datetime.now(UTC)
    past = courses.create_assignment(people["teacher"], course_id, "Past", due_at=now - timedelta(days=1))
    future = courses.create_assignment(people["teacher"], course_id, "Future", due_at=now + timedelta(days=1))
    for assignment in (past, future):
        hand_in(context, people["sam"], assignment.id, "s.txt", ESSAY_VOLCANOES)
    # Queued before the due date, checked after it: on time.
    on_time = courses.create_assignment(people["teacher"], course_id, "Queued", due_at=now - timedelta(hours=1))
    hand_in(context, people["kim"], on_time.id, "k.txt", ESSAY_RAILWAYS, submitted_at=now - timedelta(hours=2))
    table = {a.title: assignment_table(context, people["teacher"], a.id) for a in (past, future, on_time)}
    late = {title: [r.late for r in rows if r.submission] for title, rows in table.items()}
    assert late == {"Past": [True], "Future": [False], "Queued": [False]}


def test_what_staff_excluded_names_no_classmate_to_a_student_and_survives_a_re_run(
    corpus: Corpus, people: dict[str, Account], course: tuple[Courses, int, int]
) -> None:
    _, _, assignment_id = course
    context = corpus.context
    sam = hand_in(context, people["sam"], assignment_id, "sam.txt", PRINTING_SOURCE)
    kim = hand_in(context, people["kim"], assignment_id, "kim.txt", PRINTING_SUBMISSION)
    [source] = load_report(context, people["teacher"], kim.submission.check_id).sources
    exclude_from_check(
        context, people["teacher"], kim.submission.check_id, "cited in class", source_id=source.document_id
    )
    seen = load_report(context, people["kim"], kim.submission.check_id)
    [made] = seen.exclusions_made
    assert made.what == f"the source a submission to History 101, {sam.submission.submitted_at:%Y-%m-%d}"
    assert "sam" not in repr(seen.exclusions_made)
    # Lee's copy re-runs kim's check: the exclusion comes along, with where it came from.
    lee = hand_in(context, people["lee"], assignment_id, "lee.txt", PRINTING_SUBMISSION + " Yes.")
    assert (kim.submission.id, lee.submission.id) in lee.to_recheck
    rerun = recheck(context, OPERATOR, kim.submission.id, because_of=lee.submission.id)
    report = load_report(context, people["teacher"], rerun.check_id)
    assert [e.reason for e in report.exclusions_made] == [
        f"cited in class (carried over from check {kim.submission.check_id})"
    ]
    assert all(s.document_id != source.document_id for s in report.sources)
    assert options_from_json(report.settings).leave_out_same_bytes is False  # a re-run from History keeps it


def test_work_reused_from_an_earlier_assignment_is_found(
    corpus: Corpus, people: dict[str, Account], course: tuple[Courses, int, int]
) -> None:
    courses, course_id, first = course
    context = corpus.context
    second = courses.create_assignment(people["teacher"], course_id, "Essay 2")
    hand_in(context, people["sam"], first, "one.txt", PRINTING_SOURCE)
    again = hand_in(context, people["sam"], second.id, "two.txt", PRINTING_SOURCE)
    seen = load_report(context, people["sam"], again.submission.check_id)
    assert seen.similarity > 0.9 and seen.sources[0].title.startswith("your submission to History 101, ")


def test_a_hand_in_stopped_during_its_check_leaves_nothing(
    corpus: Corpus, people: dict[str, Account], course: tuple[Courses, int, int]
) -> None:
    _, _, assignment_id = course
    context = corpus.context

    def cancelled(stage: str) -> None:
        if stage.startswith("Embedding"):
            raise JobCancelled("Cancelled; nothing was handed in.")

    with pytest.raises(JobCancelled):
        hand_in(context, people["sam"], assignment_id, "s.txt", PRINTING_SOURCE, progress=cancelled)
    assert CourseStore(context.sessions).submissions(assignment_id) == []
    assert corpus.list_documents(REPOSITORY) == []
    handed = hand_in(context, people["sam"], assignment_id, "s.txt", PRINTING_SOURCE)
    assert handed.submission.version == 1


def test_the_repository_keeps_its_name(corpus: Corpus, people: dict[str, Account], course) -> None:
    _, _, assignment_id = course
    hand_in(corpus.context, people["sam"], assignment_id, "s.txt", "some words " * 20)
    with pytest.raises(PlagDetectError, match="keeps its name"):
        corpus.rename_collection(REPOSITORY, "Old essays")
    with pytest.raises(PlagDetectError, match="keeps its name"):
        corpus.rename_collection("History", REPOSITORY)


def test_a_csv_names_files_by_their_path_when_two_share_a_name(
    corpus: Corpus, people: dict[str, Account], course: tuple[Courses, int, int]
) -> None:
    courses, course_id, _ = course
    students = courses.students(people["teacher"], course_id)
    ids = {name: user_id for user_id, name in students}
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("sam/essay.txt", PRINTING_SOURCE)
        zf.writestr("kim/essay.txt", ESSAY_VOLCANOES)
    mapping = "\ufefffile,username\nsam/essay.txt,sam\nkim/essay.txt,kim\nlee/essay.txt,lee\n"
    files, problems = class_files(corpus.context, archive.getvalue(), students, mapping)
    assert sorted(student for student, _, _ in files) == sorted([ids["sam"], ids["kim"]])
    assert problems == ["lee/essay.txt: the CSV names this file, which is not in the zip"]
    by_name_only, problems = class_files(corpus.context, archive.getvalue(), students, "essay.txt,sam\n")
    assert by_name_only == [] and len(problems) == 3  # two files of that name: neither is guessed


def test_a_students_kept_copy_no_submission_holds_yet_is_no_source_of_theirs(
    corpus: Corpus, people: dict[str, Account], course: tuple[Courses, int, int]
) -> None:
    """Two of a student's files handed in at the same moment (a draft and a final in one zip): the other's kept
    copy is stored before its submission is, and is not a source of this one."""
    _, _, assignment_id = course
    draft = PRINTING_SOURCE.replace("monks", "monks and nuns")
    corpus.ingest_bytes(draft.encode(), "sam_draft.txt", REPOSITORY, owner_id=people["sam"].id)
    final = hand_in(corpus.context, people["sam"], assignment_id, "sam_final.txt", PRINTING_SOURCE)
    assert load_report(corpus.context, people["sam"], final.submission.check_id).matches == []


def test_two_submissions_checked_at_the_same_moment_still_find_each_other(
    corpus: Corpus, people: dict[str, Account], course: tuple[Courses, int, int]
) -> None:
    """Kim's check runs and ends while sam's is between its search and its end: kim's finds sam's kept copy, sam's
    cannot find kim's. Sam's own check is then run again (not before it is stored: no second, older report)."""
    _, _, assignment_id = course
    context = corpus.context
    kims: list = []

    def meanwhile(stage: str) -> None:
        if stage.startswith("Aligning") and not kims:
            kims.append(hand_in(context, people["kim"], assignment_id, "kim.txt", PRINTING_SUBMISSION))

    sam = hand_in(context, people["sam"], assignment_id, "sam.txt", PRINTING_SOURCE, progress=meanwhile)
    [kim] = kims
    assert kim.to_recheck == []  # sam's check was not stored yet
    assert sam.to_recheck == [(sam.submission.id, kim.submission.id)]
    rerun = recheck(context, OPERATOR, sam.submission.id, because_of=kim.submission.id)
    assert [s.title for s in load_report(context, people["teacher"], rerun.check_id).sources] == [
        "kim: Essay 1 (History 101)"
    ]


def test_a_students_own_check_does_not_search_other_students_work(
    corpus: Corpus, people: dict[str, Account], course: tuple[Courses, int, int]
) -> None:
    """Else a student could check a topic's sources on the Check page and read what classmates wrote."""
    _, _, assignment_id = course
    context = corpus.context
    hand_in(context, people["sam"], assignment_id, "sam.txt", PRINTING_SOURCE)
    assert searchable_by(context, people["lee"]) == ["History"]
    assert REPOSITORY in searchable_by(context, people["teacher"])
    mine = run_check(context, people["lee"], PRINTING_SOURCE.encode() + b" ", "probe.txt")
    assert mine.matches == [] and collections_searched(mine.settings) == ["History"]
    with pytest.raises(PermissionDenied, match="not other students' work: to be checked"):
        run_check(
            context, people["lee"], PRINTING_SOURCE.encode(), "probe.txt", CheckOptions(collections=(REPOSITORY,))
        )
    with pytest.raises(PermissionDenied, match="Only instructors leave sources out"):
        run_check(context, people["lee"], b"words " * 30, "x.txt", CheckOptions(excluded_sources=frozenset({1})))
    staff = run_check(context, people["teacher"], PRINTING_SOURCE.encode() + b" ", "probe.txt")  # not sam's bytes
    assert [s.title for s in staff.sources] == ["sam: Essay 1 (History 101)"]
