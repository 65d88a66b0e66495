"""The Courses page through AppTest: an instructor's course, students and assignment table; a student's view."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from plagdetect.jobs import JobQueue, Jobs, wait_for
from plagdetect.services.accounts import Account
from plagdetect.services.corpus import Corpus
from plagdetect.services.courses import Courses
from plagdetect.services.submissions import check_submission

from builders import PRINTING_SOURCE, PRINTING_SUBMISSION, make_people

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def people(app_corpus: Corpus) -> dict[str, Account]:
    return make_people(app_corpus.context.sessions, students=("sam", "kim", "lee"))


def courses_page(account: Account, query: dict | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["account_id"] = account.id
    app.run()
    app.switch_page("views/courses.py")
    for name, value in (query or {}).items():
        app.query_params[name] = value
    return app.run()


def test_an_instructor_makes_a_course_enrols_students_and_reads_the_assignment_table(
    app_corpus: Corpus, people: dict[str, Account]
) -> None:
    app = courses_page(people["teacher"])
    assert not app.exception
    app.text_input[0].input("History 101")
    app.button[0].click().run()  # Create the course
    assert app.selectbox[0].value is not None and "0 student(s)" in app.caption[0].value
    app.text_area[0].input("sam\nkim\nnobody\ntess")
    next(b for b in app.button if b.label == "Enrol").click().run()
    assert [s.value for s in app.success] == ["Enrolled 2: sam, kim."]
    assert any("nobody" in w.value for w in app.warning) and any("tess" in w.value for w in app.warning)
    assert "2 student(s), 0 assignment(s)" in app.caption[0].value  # the counts follow at once
    # A new assignment, then the table: one row per student, a report link for those who handed in.
    [course] = Courses(app_corpus.context).courses(people["teacher"])
    made = Courses(app_corpus.context).create_assignment(people["teacher"], course.id, "Essay 1")
    context = app_corpus.context
    check_submission(context, people["sam"], made.id, people["sam"].id, "sam.txt", PRINTING_SOURCE.encode())
    check_submission(context, people["kim"], made.id, people["kim"].id, "kim.txt", PRINTING_SUBMISSION.encode())
    app = courses_page(people["teacher"], {"assignment": str(made.id)})
    assert not app.exception
    table = app.dataframe[0].value
    assert table["student"].tolist() == ["kim", "sam"]
    assert table["top source"].tolist()[0] == "sam: Essay 1 (History 101)" and table["similarity (%)"][0] > 30
    assert table["report"][0].endswith(f"/history?check={table['report'][0].rsplit('=', 1)[1]}")
    assert any(b.label == "Download the table (CSV)" for b in app.get("download_button"))


def test_a_student_hands_in_and_sees_only_their_own_work(app_corpus: Corpus, people: dict[str, Account]) -> None:
    courses = Courses(app_corpus.context)
    course = courses.create_course(people["teacher"], "History 101")
    courses.enrol(people["teacher"], course.id, ["sam", "kim"])
    made = courses.create_assignment(people["teacher"], course.id, "Essay 1")
    check_submission(app_corpus.context, people["sam"], made.id, people["sam"].id, "sam.txt", PRINTING_SOURCE.encode())
    app = courses_page(people["kim"])
    assert not app.exception
    assert [h.value for h in app.header] == ["History 101"]
    assert "Nothing handed in yet." in [c.value for c in app.caption]
    assert not app.dataframe  # nothing of sam's
    app = courses_page(people["lee"], {"assignment": str(made.id)})  # a link to another course's assignment
    assert app.error[0].value == "That assignment is not one of your courses'."
    assert "not enrolled in any course" in app.info[0].value


def test_a_submission_handed_in_from_the_page_is_checked_and_listed(
    app_corpus: Corpus, people: dict[str, Account]
) -> None:
    courses = Courses(app_corpus.context)
    course = courses.create_course(people["teacher"], "History 101")
    courses.enrol(people["teacher"], course.id, ["kim"])
    made = courses.create_assignment(people["teacher"], course.id, "Essay 1")
    app = courses_page(people["kim"])
    job = Jobs(app_corpus.context).hand_in(people["kim"], made.id, "kim.txt", PRINTING_SUBMISSION.encode())
    app.session_state["handed_in_jobs"] = [job.id]
    app.run()  # the page's workers take the job
    wait_for(JobQueue(app_corpus.context.sessions), job.id)
    app.run()
    app.run()
    assert not app.exception
    assert [s.value for s in app.success][0].startswith("kim.txt to Essay 1: handed in and checked")
    assert app.dataframe[0].value["file"].tolist() == ["kim.txt"]
