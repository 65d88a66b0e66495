"""Courses page: an instructor's courses, students and assignments, with each assignment's table; a student's
courses, where they hand in their work and find its reports.

Opened as ``?assignment=ID`` it shows that assignment (views/links.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import numpy as np
import pandas as pd
import plotly.express as px
import streamlit as st

from plagdetect.errors import PlagDetectError
from plagdetect.reports.marks import percent
from plagdetect.services.accounts import Role
from plagdetect.services.courses import AssignmentInfo, Courses, usernames_in
from plagdetect.services.submissions import (
    REPOSITORY,
    REVIEW_STATES,
    TableRow,
    assignment_similarity,
    assignment_table,
    class_files,
    my_submissions,
    set_review_state,
    table_csv,
)
from views.common import context, corpus_service, job_pool, jobs_service, page_for
from views.jobs_view import failure, show_job
from views.links import link, show_link, wanted
from views.uploads_view import accepted_files_caption

HANDED_KEY = "handed_in_jobs"  # the hand-in jobs this session queued and follows
ENDED_KEY = "handed_in_ended"  # what became of them, shown until the next hand-in
PICKED_KEY = "hand_in_pickers"  # how many files this session handed in: each picker is new after one
NOTES_KEY = "courses_notes"  # what an action said, shown once the page is drawn again with its result
COURSE_NOTES_KEY = "new_course_notes"  # what creating a course said
ASSIGNMENT_NOTES_KEY = "assignment_notes"  # what creating an assignment said
REVIEW_NOTES_KEY = "review_state_notes"  # what setting a review state said

account = page_for(*Role)
courses = Courses(context())
jobs = jobs_service()
st.title("Courses")
news = st.container()  # the hand-ins under way and what became of them, above the rest
if HANDED_KEY not in st.session_state:  # a new session (a reload, a new tab): this person's hand-ins under way
    st.session_state[HANDED_KEY] = [j.id for j in jobs.visible(account) if j.kind == "submission" and not j.ended]


def due(assignment: AssignmentInfo) -> str:
    return f"due {assignment.due_at:%Y-%m-%d %H:%M} UTC" if assignment.due_at else "no due date"


@st.fragment(run_every=1.0)
def follow_hand_ins() -> None:
    """The files handed in from this page, redrawn every second until all have been checked."""
    under_way = [jobs.get(account, job_id) for job_id in st.session_state.get(HANDED_KEY, [])]
    for job in under_way:
        show_job(jobs, account, job)
    if under_way and all(job.ended for job in under_way):
        st.session_state[HANDED_KEY] = []
        st.session_state[ENDED_KEY] = st.session_state.get(ENDED_KEY, []) + [
            ("success", f"{job.label}: handed in and checked, {percent(job.result.get('similarity') or 0)} similar")
            if job.state == "done"
            else ("error", f"{job.label}: not handed in: {failure(job)}")
            for job in under_way
        ]
        st.rerun(scope="app")


def show_notes(key: str) -> None:
    """The messages ``key`` holds, each by its kind (success, info, warning, error)."""
    for kind, text in st.session_state.get(key, []):
        getattr(st, kind)(text)


def hand_in(assignment_id: int, files: list[tuple[str, bytes, int | None]], problems: list[str] = ()) -> None:
    """Queue each (file name, bytes, student id or None for oneself); what was refused at once is said with the
    ``problems`` found before, until the next hand-in."""
    queued, notes = [], [("warning", f"Not handed in: {problem}") for problem in problems]
    for name, data, student_id in files:
        try:
            queued.append(jobs.hand_in(account, assignment_id, name, data, student_id).id)
        except PlagDetectError as error:
            notes.append(("error", f"{name}: not handed in: {error}"))
    if queued:
        job_pool()
    st.session_state[HANDED_KEY] = st.session_state.get(HANDED_KEY, []) + queued
    st.session_state[ENDED_KEY] = notes


def student_page() -> None:
    opened = wanted("assignment")
    if opened is not None:
        try:
            courses.assignment(account, opened)  # one of their courses', or refused in words
        except PlagDetectError as error:
            st.error(str(error))
    mine = courses.courses(account)
    if not mine:
        st.info("You are not enrolled in any course yet: your instructor enrols you.")
        return
    for course in mine:
        st.header(course.name)
        if course.description:
            st.caption(course.description)
        assignments = courses.assignments(account, course.id)
        if not assignments:
            st.write("No assignments yet.")
        for assignment in assignments:
            opened = wanted("assignment") == assignment.id
            with st.expander(f"{assignment.title} ({due(assignment)})", expanded=opened or len(assignments) == 1):
                student_assignment(assignment)


def student_assignment(assignment: AssignmentInfo) -> None:
    picker = f"hand_in_{assignment.id}_{st.session_state.get(PICKED_KEY, 0)}"  # a new picker once handed in
    upload = st.file_uploader("Your file", key=picker)
    accepted_files_caption()
    if assignment.late(datetime.now(UTC)):
        st.warning("The due date has passed: what you hand in now is marked late.")
    if st.button("Hand in", key=f"hand_in_button_{assignment.id}", type="primary", disabled=upload is None):
        hand_in(assignment.id, [(upload.name, upload.getvalue(), None)])
        st.session_state[PICKED_KEY] = st.session_state.get(PICKED_KEY, 0) + 1
        st.rerun()
    show_link("Link to this assignment", link("views/courses.py", assignment=assignment.id))
    handed = my_submissions(context(), account, assignment.id)
    if not handed:
        st.caption("Nothing handed in yet.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "version": s.version,
                    "file": s.filename,
                    "handed in (UTC)": f"{s.submitted_at:%Y-%m-%d %H:%M}",
                    "similarity (%)": None if s.similarity is None else round(100 * s.similarity),
                    "report": link("views/history.py", check=s.check_id) if s.check_id else None,
                }
                for s in handed
            ]
        ),
        hide_index=True,
        column_config={"report": st.column_config.LinkColumn("report", display_text="open the report")},
    )


def create_course() -> None:
    """The New course form's action, run before the page is drawn again: on success the form empties and the new
    course is the one chosen; on an error what was typed stays."""
    try:
        made = courses.create_course(
            account, st.session_state["new_course_name"], st.session_state["new_course_description"]
        )
    except PlagDetectError as error:
        st.session_state[COURSE_NOTES_KEY] = [("error", str(error))]
        return
    st.session_state[COURSE_NOTES_KEY] = [("success", f"Course {made.name} created.")]
    st.session_state["course_choice"] = made.id
    st.session_state["new_course_name"] = st.session_state["new_course_description"] = ""


def staff_page() -> None:
    with st.expander("New course", expanded=not courses.courses(account)):
        with st.form("new_course"):
            st.text_input("Name", placeholder="History 101, autumn 2026", key="new_course_name")
            st.text_input("Description (optional)", key="new_course_description")
            st.form_submit_button("Create the course", on_click=create_course)
        show_notes(COURSE_NOTES_KEY)
        st.session_state[COURSE_NOTES_KEY] = []
    every = courses.courses(account)
    if not every:
        st.info("No courses yet: create one above.")
        return
    opened = wanted("assignment")
    if opened is not None and "course_choice" not in st.session_state:
        try:
            st.session_state["course_choice"] = courses.assignment(account, opened).course_id
        except PlagDetectError as error:
            st.error(str(error))
    ids = [c.id for c in every]
    if st.session_state.get("course_choice") not in ids:
        st.session_state["course_choice"] = ids[0]
    names = {c.id: c.name for c in every}
    chosen = st.selectbox("Course", list(names), key="course_choice", format_func=names.get)
    course = next(c for c in every if c.id == chosen)
    st.caption(f"{course.students} student(s), {course.assignments} assignment(s). {course.description}")
    assignments_tab, students_tab = st.tabs(["Assignments", "Students"])
    with students_tab:
        students_section(chosen)
    with assignments_tab:
        assignments_section(chosen, opened)


def students_section(course_id: int) -> None:
    show_notes(NOTES_KEY)
    st.session_state[NOTES_KEY] = []
    students = courses.students(account, course_id)
    st.write(f"{len(students)} student(s) enrolled" + (": " + ", ".join(n for _, n in students) if students else "."))
    with st.form("enrol", clear_on_submit=True):
        names = st.text_area("Enrol students: usernames, one a line", placeholder="sam\nkim")
        listed = st.file_uploader("or a CSV file with a “username” column", key="enrol_csv")
        if st.form_submit_button("Enrol"):
            from_file = usernames_in(listed.getvalue().decode("utf-8-sig", errors="replace")) if listed else []
            try:
                done = courses.enrol(account, course_id, usernames_in(names) + from_file)
            except PlagDetectError as error:
                st.error(str(error))
            else:
                notes = [("success", f"Enrolled {len(done.added)}: {', '.join(done.added) or 'nobody new'}.")]
                if done.already:
                    notes.append(("info", f"Enrolled already: {', '.join(done.already)}."))
                if done.unknown:
                    notes.append(("warning", f"No such account: {', '.join(done.unknown)}. An admin creates accounts."))
                if done.not_students:
                    notes.append(("warning", f"Not student accounts, not enrolled: {', '.join(done.not_students)}."))
                st.session_state[NOTES_KEY] = notes
                st.rerun()  # the list and the counts above show them at once
    if students:
        leaving = st.selectbox("Take a student out of the course", [n for _, n in students], index=None)
        if leaving and st.button(f"Unenrol {leaving}", help="Their submissions stay."):
            courses.unenrol(account, course_id, leaving)
            st.rerun()


def assignments_section(course_id: int, opened: int | None) -> None:
    assignments = courses.assignments(account, course_id)
    show_notes(ASSIGNMENT_NOTES_KEY)
    st.session_state[ASSIGNMENT_NOTES_KEY] = []
    with st.expander("New assignment", expanded=not assignments):
        new_assignment(course_id)
    if not assignments:
        return
    ids = [a.id for a in assignments]
    chosen = st.selectbox(
        "Assignment",
        ids,
        index=ids.index(opened) if opened in ids else 0,
        format_func=lambda i: next(f"{a.title} ({due(a)})" for a in assignments if a.id == i),
        key=f"assignment_choice_{course_id}",
    )
    assignment = next(a for a in assignments if a.id == chosen)
    st.query_params["assignment"] = str(assignment.id)  # the address opens this assignment again
    against = ", ".join(assignment.reference_collections) or "no reference collection"
    kept = "kept in the repository" if assignment.keep_submissions else "not kept"
    st.caption(f"Checked against {against} and the {REPOSITORY.lower()}; submissions {kept}.")
    show_link("Link to this assignment", link("views/courses.py", assignment=assignment.id))
    assignment_table_section(assignment)
    class_upload(assignment)


def new_assignment(course_id: int) -> None:
    collections = [c for c in corpus_service().searchable_collections() if c != REPOSITORY]
    with st.form(f"new_assignment_{course_id}"):
        title = st.text_input("Title")
        due_day = st.date_input("Due date", value=None)
        due_time = st.time_input("Due time (UTC)", value=time(23, 59))
        references = st.multiselect("Check against these collections (and every kept submission)", collections)
        keep = st.checkbox(
            "Keep submissions in the institution's repository (later submissions are checked against them)",
            value=True,
        )
        quotes = st.checkbox("Leave out quoted text", value=True)
        bibliography = st.checkbox("Leave out the bibliography or references", value=True)
        if st.form_submit_button("Create the assignment"):
            due_at = datetime.combine(due_day, due_time, tzinfo=UTC) if due_day else None
            try:
                made = courses.create_assignment(
                    account, course_id, title, due_at, references, keep, quotes, bibliography
                )
            except PlagDetectError as error:
                st.error(str(error))
            else:
                st.session_state[ASSIGNMENT_NOTES_KEY] = [("success", f"Assignment {made.title} created.")]
                st.rerun()


def assignment_table_section(assignment: AssignmentInfo) -> None:
    rows = assignment_table(context(), account, assignment.id)
    if not rows:
        st.info("No students enrolled yet: enrol them on the Students tab.")
        return
    handed = [r for r in rows if r.submission]
    st.write(f"{len(handed)} of {sum(r.enrolled for r in rows)} student(s) handed in.")
    table = pd.DataFrame([table_row(r) for r in rows])
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "similarity (%)": st.column_config.ProgressColumn(
                "similarity (%)", min_value=0, max_value=100, format="%.1f"
            ),
            "report": st.column_config.LinkColumn("report", display_text="open"),
            "re-run": st.column_config.TextColumn(
                "re-run", help="The check was run again: a later submission matched this one"
            ),
        },
    )
    st.download_button(
        "Download the table (CSV)",
        table_csv(rows),
        file_name=f"{assignment.course} - {assignment.title}.csv",
        mime="text/csv",
        icon=":material/download:",
    )
    if handed:
        with st.form(f"review_{assignment.id}"):
            left, right = st.columns(2)
            names = {r.submission.id: r.student for r in handed}
            who = left.selectbox("Student", list(names), format_func=names.get)
            state = right.selectbox("Review state", REVIEW_STATES)
            if st.form_submit_button("Set the review state"):
                changed = set_review_state(context(), account, who, state)
                note = f"{names[who]}'s version {changed.version} is marked {changed.review_state}."
                st.session_state[REVIEW_NOTES_KEY] = [("success", note)]
                st.rerun()
        show_notes(REVIEW_NOTES_KEY)  # under the form, where the eye is
        st.session_state[REVIEW_NOTES_KEY] = []
    matrix = assignment_similarity(context(), account, assignment.id)
    if len(matrix.ids) > 1:
        heatmap = px.imshow(
            np.where(np.eye(len(matrix.ids), dtype=bool), np.nan, 100 * matrix.alike),  # no cell for oneself
            x=matrix.titles,
            y=matrix.titles,
            zmin=0,
            zmax=100,
            color_continuous_scale="Reds",
            labels={"color": "% alike"},
            title=f"How alike the kept submissions to {assignment.title} are",
            text_auto=".0f",
        )
        st.plotly_chart(heatmap, width="stretch")


def table_row(row: TableRow) -> dict:
    """A row of the assignment table as shown (sortable by similarity: a student who has not handed in has none)."""
    s = row.submission
    return {
        "student": row.student + ("" if row.enrolled else " (no longer enrolled)"),
        "version": str(s.version) if s else "",
        "handed in (UTC)": f"{s.submitted_at:%Y-%m-%d %H:%M}" if s else "not yet",
        "late": "late" if row.late else "",
        "similarity (%)": round(100 * s.similarity, 1) if s and s.similarity is not None else None,
        "top source": row.top_source,
        "flags": "; ".join(row.flags),
        "review": s.review_state if s else "",
        "re-run": "yes" if s and s.rechecked_because_of else "",
        "report": link("views/history.py", check=s.check_id) if s and s.check_id else "",
    }


def class_upload(assignment: AssignmentInfo) -> None:
    with st.expander("Hand in a class's files at once (a zip)"):
        st.caption(
            "Each file is one student's: named by their username (sam.docx, sam_essay.pdf, “sam - essay.txt”), "
            "or by a CSV of file,username rows. Each is handed in and checked as if the student had."
        )
        archive = st.file_uploader("Zip of the submissions", key=f"class_zip_{assignment.id}")
        mapping = st.file_uploader("CSV mapping file to username (optional)", key=f"class_csv_{assignment.id}")
        if st.button("Hand them in", disabled=archive is None, key=f"class_button_{assignment.id}"):
            students = courses.students(account, assignment.course_id)
            text = mapping.getvalue().decode("utf-8-sig", errors="replace") if mapping else ""
            try:
                files, problems = class_files(context(), archive.getvalue(), students, text)
            except PlagDetectError as error:
                st.error(str(error))
                return
            hand_in(assignment.id, [(name, data, student_id) for student_id, name, data in files], problems)


if account.is_staff:
    staff_page()
else:
    student_page()
with news:
    if st.session_state.get(HANDED_KEY):
        follow_hand_ins()
    show_notes(ENDED_KEY)
