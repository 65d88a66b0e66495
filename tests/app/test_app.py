"""The web app through Streamlit's AppTest: first start, log-in, role gating, upload and report, history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from plagdetect.errors import PlagDetectError
from plagdetect.jobs import JobQueue, wait_for
from plagdetect.services.accounts import Account, Accounts, PermissionDenied, Role
from plagdetect.services.checks import list_checks
from plagdetect.services.corpus import Corpus
from plagdetect.settings import Settings
from plagdetect.store import Chunk, SentenceVectors, SignInFailure, make_engine, make_session_factory

from builders import (
    LABEL_TOPICS,
    PRINTING_SOURCE,
    PRINTING_SUBMISSION,
    PRINTING_TITLE,
    PRINTING_UNRELATED,
    label_lines,
    make_pdf,
    make_people,
    write_stsb,
)

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def people(app_corpus: Corpus) -> dict[str, Account]:
    people = make_people(app_corpus.context.sessions)
    people["student"] = people.pop("sam")
    return people


def signed_in(account: Account) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["account_id"] = account.id
    return app.run()


def finish_checks(app: AppTest) -> AppTest:
    """Wait for the check jobs the page queued (the app's workers run them), then draw the page again, as its
    timer does."""
    queue = JobQueue(make_session_factory(make_engine(Settings.from_env().resolved_database_url)))
    for job_id in app.session_state["check_jobs"]:
        wait_for(queue, job_id)
    return app.run()


def page_titles(app: AppTest) -> list[str]:
    return [element.value for element in app.title]


def test_the_first_start_creates_the_admin_and_the_sample_corpus(app_corpus: Corpus) -> None:
    app = AppTest.from_file(APP, default_timeout=300).run()
    assert page_titles(app) == ["Welcome to PlagDetect"]
    app.text_input[0].input("ada")
    app.text_input[1].input("admin password")
    app.text_input[2].input("admin pasword")
    app.button[0].click().run()
    assert "differ" in app.error[0].value and page_titles(app) == ["Welcome to PlagDetect"]
    app.text_input[2].input("admin password")
    app.button[0].click().run()
    assert not app.exception
    assert page_titles(app) == ["Check a document"]
    assert "Logged in as **ada** (admin)" in app.sidebar.caption[0].value
    assert [c.name for c in app_corpus.collections()] == ["Sample"]
    assert len(app_corpus.list_documents("Sample")) == 5


def test_log_in_with_the_right_password_only(people: dict[str, Account]) -> None:
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert page_titles(app) == ["Log in to PlagDetect"]
    app.text_input[0].input("sam")
    app.text_input[1].input("wrong password")
    app.button[0].click().run()
    assert app.error[0].value == "Wrong username or password." and page_titles(app) == ["Log in to PlagDetect"]
    app.text_input[1].input("student password")
    app.button[0].click().run()
    assert page_titles(app) == ["Check a document"]
    app.sidebar.button[0].click().run()  # log out
    assert page_titles(app) == ["Log in to PlagDetect"]


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("student", {"check", "history", "courses"}),
        ("teacher", {"check", "history", "courses", "corpus", "review"}),
        ("admin", {"check", "history", "courses", "corpus", "review", "admin"}),
    ],
)
def test_each_role_reaches_only_its_pages(people: dict[str, Account], who: str, allowed: set[str]) -> None:
    titles = {"check": "Check a document", "history": "History", "courses": "Courses", "corpus": "Corpus"}
    titles["review"] = "Review"
    titles["admin"] = "Admin"
    for page, title in titles.items():
        app = signed_in(people[who])
        if page not in allowed:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                app.switch_page(f"views/{page}.py")  # not in this role's navigation at all
            # and run directly, the page itself refuses
            direct = AppTest.from_file(str(Path(APP).parent / "views" / f"{page}.py"), default_timeout=60)
            direct.session_state["account_id"] = people[who].id
            direct.run()
            assert direct.error[0].value == "You do not have access to this page."
            assert title not in page_titles(direct) and not direct.dataframe
            continue
        app.switch_page(f"views/{page}.py").run()
        assert not app.exception
        assert page_titles(app) == [title]


def test_a_disabled_account_is_signed_out_at_its_next_click(app_corpus: Corpus, people: dict[str, Account]) -> None:
    app = signed_in(people["student"])
    Accounts(app_corpus.context.sessions).set_active(people["admin"], people["student"].id, False)
    app.run()
    assert page_titles(app) == ["Log in to PlagDetect"]


def test_uploading_a_pdf_shows_the_report_with_highlighted_matches(
    app_corpus: Corpus, people: dict[str, Account]
) -> None:
    app_corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    app_corpus.ingest_bytes(PRINTING_UNRELATED.encode(), "reading-habits.txt", "History")
    app = signed_in(people["student"])
    pdf = make_pdf([[line for line in PRINTING_SUBMISSION.splitlines() if line.strip()]])
    app.file_uploader[0].set_value([("essay.pdf", pdf, "application/pdf"), ("notes.txt", b"", "text/plain")]).run()
    next(b for b in app.button if b.label == "Check").click().run()
    assert not app.exception
    finish_checks(app)
    assert not app.exception
    assert app.error[0].value == "notes.txt: not checked: the file is empty"
    similarity = next(m for m in app.metric if m.label == "Similarity index")
    assert int(similarity.value.rstrip("%")) >= 30
    document = "".join(h.proto.body for h in app.html)
    assert '<mark class="match ' in document and "movable metal type" in document
    captions = [c.value for c in app.caption]
    assert any("of the source, each the closest to a sentence here" in c for c in captions)  # what a match rests on
    assert [c.filename for c in list_checks(app_corpus.context, people["student"])] == ["essay.pdf"]


def test_student_text_is_escaped_not_run_as_html(app_corpus: Corpus, people: dict[str, Account]) -> None:
    app_corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    app = signed_in(people["student"])
    hostile = PRINTING_SUBMISSION + "\n\n<script>alert('x')</script> <img src=x onerror=alert(1)>\n"
    app.file_uploader[0].set_value(("hostile.txt", hostile.encode(), "text/plain")).run()
    finish_checks(next(b for b in app.button if b.label == "Check").click().run())
    document = "".join(h.proto.body for h in app.html)
    assert "&lt;script&gt;" in document and "<script>" not in document and "<img" not in document


def test_history_opens_a_stored_report_and_students_see_only_their_own(
    app_corpus: Corpus, people: dict[str, Account]
) -> None:
    from plagdetect.services.checks import run_check

    app_corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    run_check(app_corpus.context, people["student"], PRINTING_SUBMISSION.encode(), "mine.txt")
    run_check(app_corpus.context, people["teacher"], PRINTING_UNRELATED.encode(), "teachers.txt")
    app = signed_in(people["student"])
    app.switch_page("views/history.py").run()
    assert app.dataframe[0].value["file"].tolist() == ["mine.txt"]
    assert '<mark class="match ' in "".join(h.proto.body for h in app.html)
    app = signed_in(people["teacher"])
    app.switch_page("views/history.py").run()
    assert set(app.dataframe[0].value["file"]) == {"mine.txt", "teachers.txt"}
    app.text_input(key="history_find").input("MINE").run()  # found by file name, person or collection
    assert app.dataframe[0].value["file"].tolist() == ["mine.txt"]
    app.text_input(key="history_find").input("tess").run()
    assert app.dataframe[0].value["file"].tolist() == ["teachers.txt"]
    app.text_input(key="history_find").input("nobody").run()
    assert any("No check matches" in i.value for i in app.info)


def test_the_corpus_page_lists_the_documents(app_corpus: Corpus, people: dict[str, Account]) -> None:
    app_corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    app = signed_in(people["teacher"])
    app.switch_page("views/corpus.py").run()
    assert [m.value for m in app.metric] == ["1", "1"]
    table = app.dataframe[0].value
    assert table["title"].tolist() == [PRINTING_TITLE] and table["collection"].tolist() == ["History"]
    search = next(t for t in app.text_input if t.label.startswith("Search titles"))
    search.input("volcano").run()
    assert app.dataframe[0].value.empty
    search.input("PRINTING").run()
    assert app.dataframe[0].value["title"].tolist() == [PRINTING_TITLE]


def test_documents_searched_only_for_copies_until_a_reindex_are_announced(
    app_corpus: Corpus, people: dict[str, Account]
) -> None:
    app_corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    with app_corpus.context.sessions.begin() as session:
        session.execute(update(Chunk).values(encoder_version="older-model"))
        session.execute(update(SentenceVectors).values(encoder_version="older-model"))
    student = signed_in(people["student"])
    assert any("searched for word-for-word copies only, not for paraphrase" in w.value for w in student.warning)
    teacher = signed_in(people["teacher"])
    teacher.switch_page("views/corpus.py").run()
    assert any("until you re-index, checks find only word-for-word copies" in w.value for w in teacher.warning)
    reindex = next(b for b in teacher.button if b.label == "Re-index the corpus")
    reindex.click().run()
    assert not any("re-index" in w.value for w in teacher.warning)
    assert not signed_in(people["student"]).warning


def test_the_collusion_view_finds_the_copied_pair_and_collections_are_renamed(
    app_corpus: Corpus, people: dict[str, Account]
) -> None:
    app_corpus.ingest_bytes(PRINTING_SOURCE.encode(), "anna.txt", "Week 3")
    app_corpus.ingest_bytes(PRINTING_SUBMISSION.encode(), "ben.txt", "Week 3")
    app_corpus.ingest_bytes(PRINTING_UNRELATED.encode(), "cleo.txt", "Week 3")
    app = signed_in(people["teacher"])
    app.switch_page("views/corpus.py").run()
    assert not app.exception
    pair = app.selectbox(key="collusion_pair")
    shown = pair.format_func(pair.value)  # documents by title: their first lines, as the files name none
    assert pair.value is not None and PRINTING_TITLE in shown and "Essay: Technology and Knowledge" in shown
    assert any("Gutenberg" in t.value for t in app.text)  # the passages behind the pair, side by side
    heatmap = next(json.loads(c.proto.spec) for c in app.get("plotly_chart") if "Pairwise" in c.proto.spec)
    assert heatmap["data"][0]["texttemplate"] == "%{z:.0f}"  # each cell says its number
    app.text_input(key="rename_to").input("Week 3, 2026").run()
    next(b for b in app.button if b.label == "Rename").click().run()
    assert [c.name for c in app_corpus.collections()] == ["Week 3, 2026"]


def test_the_admin_creates_an_account_and_sees_the_models(app_corpus: Corpus, people: dict[str, Account]) -> None:
    app = signed_in(people["admin"])
    app.switch_page("views/admin.py").run()
    assert not app.exception
    app.text_input(key="new_username").input("kim")
    app.text_input(key="new_password").input("kim's password")  # the policy refuses a password holding the name
    next(b for b in app.button if b.label == "Create the account").click().run()
    assert app.error and app.text_input(key="new_username").value == "kim"  # what was typed stays
    app.text_input(key="new_password").input("plain tea at noon")
    next(b for b in app.button if b.label == "Create the account").click().run()
    assert "Created kim (student)" in app.success[0].value
    assert "kim" in app.dataframe[0].value["username"].tolist()  # the list above the form holds it at once
    assert app.text_input(key="new_username").value == ""  # and the form is ready for the next one
    assert Accounts(app_corpus.context.sessions).authenticate("kim", "plain tea at noon").role is Role.STUDENT
    models = next(d.value for d in app.dataframe if "model" in d.value.columns)
    assert models["model"].tolist()[0] == "bi-encoder" and all(models["version"].str.len() > 0)
    kind = next(r for r in app.radio if r.label == "Model")
    kind.set_value("bi-encoder").run()  # the bi-encoder's versions: the shipped one, serving; no switch under way
    assert not app.exception
    versions = next(d.value for d in app.dataframe if "held-out AP" in d.value.columns)
    assert versions["active"].tolist() == [True] and versions["by"].tolist() == ["configured"]
    assert any("serves only once the corpus is embedded with it" in c.value for c in app.caption)


def _render_report(report) -> None:
    from views.report_view import show_report

    show_report(report)


def test_a_long_report_shows_its_matches_a_page_at_a_time() -> None:
    from plagdetect.detection.report import CheckReport, MatchResult, Segment, source_shares

    text = "".join(f"Sentence number {k} of a long essay about many things. " for k in range(300))
    matches = []
    for k in range(60):
        span = (k * 200, k * 200 + 150)
        segment = Segment(span, (0, 150), "paraphrase", 0.2, 0.8, 0.7, [("essay", 0.5)])
        matches.append(
            MatchResult(
                source_id=1 + k % 3,
                source_title=f"source {1 + k % 3}",
                source_collection="c",
                submission_span=span,
                source_span=(0, 150),
                submission_original=span,
                source_original=(0, 150),
                score=0.8,
                rerank_score=0.7,
                kind="paraphrase",
                coverage=0.2,
                shared=[],
                segments=[segment],
                submission_text=text[span[0] : span[1]],
                source_text="the source passage",
                tokens=[("essay", 0.5)],
            )
        )
    report = CheckReport(
        check_id=7,
        filename="long.pdf",
        text=text,
        similarity=0.5,
        sources=source_shares(matches, len(text)),
        matches=matches,
        excluded={},
        integrity=[],
        timings={},
        model_versions={},
        settings={},
    )
    app = AppTest.from_function(_render_report, args=(report,), default_timeout=60).run()
    assert not app.exception
    assert len(app.expander) == 25 and app.expander[0].label.startswith("[1] source 1")
    pages = app.selectbox(key="match_page_7")
    assert pages.options == ["1 to 25", "26 to 50", "51 to 60"]
    pages.select_index(2).run()
    assert len(app.expander) == 10 and app.expander[0].label.startswith("[51] ")
    document = "".join(h.proto.body for h in app.html)
    assert document.count('<mark class="match paraphrase"') == 60  # the document shows every match


def test_a_paragraph_the_reranker_did_not_read_says_why_instead_of_none() -> None:
    from plagdetect.detection.report import CheckReport, MatchResult, Segment, source_shares

    text = "A copied opening sentence of the essay. " * 3 + "A reworded sentence that follows the copy. " * 3
    copied = Segment((0, 120), (0, 120), "verbatim", 1.0, 0.99, None, [])
    reworded = Segment((120, 249), (130, 250), "paraphrase", 0.1, 0.81, 0.734, [])
    match = MatchResult(
        source_id=1,
        source_title="a source",
        source_collection="c",
        submission_span=(0, 249),
        source_span=(0, 250),
        submission_original=(0, 249),
        source_original=(0, 250),
        score=0.9,
        rerank_score=0.734,
        kind="verbatim",
        coverage=0.5,
        shared=[],
        segments=[copied, reworded],
        submission_text=text[:249],
        source_text="the source passage",
        tokens=[],
    )
    report = CheckReport(
        check_id=8,
        filename="essay.txt",
        text=text,
        similarity=1.0,
        sources=source_shares([match], len(text)),
        matches=[match],
        excluded={},
        integrity=[],
        timings={},
        model_versions={},
        settings={"rerank": True},
    )
    app = AppTest.from_function(_render_report, args=(report,), default_timeout=60).run()
    assert not app.exception
    paragraphs = next(d.value for d in app.dataframe if "paragraph" in d.value.columns)
    assert paragraphs["reranker"].tolist() == ["not read: found copied word for word", "0.73"]


def test_the_admins_check_defaults_are_preselected_on_the_check_page(people: dict[str, Account]) -> None:
    app = signed_in(people["admin"])
    app.switch_page("views/admin.py").run()
    next(c for c in app.checkbox if c.label == "Leave out quoted text").uncheck()
    next(n for n in app.number_input if n.label.startswith("Leave out matches")).set_value(15)
    next(b for b in app.button if b.label == "Save the defaults").click().run()
    assert "Saved" in app.success[0].value
    check_page = signed_in(people["student"])
    assert next(c for c in check_page.checkbox if c.label == "Leave out quoted text").value is False
    assert next(n for n in check_page.number_input if n.label.startswith("Leave out matches")).value == 15


def test_document_titles_and_csv_cells_cannot_carry_links_or_formulas(
    app_corpus: Corpus, people: dict[str, Account]
) -> None:
    from views.report_view import _no_formula

    app_corpus.ingest_bytes(PRINTING_SOURCE.encode(), "press.txt", "History", title="[Click me](https://evil.example)")
    app = signed_in(people["student"])
    app.file_uploader[0].set_value(("essay.txt", PRINTING_SUBMISSION.encode(), "text/plain")).run()
    finish_checks(next(b for b in app.button if b.label == "Check").click().run())
    label = next(e.label for e in app.expander if e.label.startswith("[1]"))
    assert "\\[Click me\\]\\(https\\://evil" in label  # shown as text, not as a link
    assert _no_formula("=HYPERLINK(1)") == "'=HYPERLINK(1)" and _no_formula("Gutenberg") == "Gutenberg"


def test_a_delete_confirmation_binds_to_its_target_not_to_the_widget(
    app_corpus: Corpus, people: dict[str, Account]
) -> None:
    app_corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    app_corpus.ingest_bytes(PRINTING_UNRELATED.encode(), "reading-habits.txt", "History")
    app_corpus.create_collection("Empty")
    app = signed_in(people["teacher"])
    app.switch_page("views/corpus.py").run()
    app.selectbox(key="manage_collection").select("Empty").run()
    next(c for c in app.checkbox if c.label.startswith("Delete 'Empty'")).check().run()
    assert not next(b for b in app.button if b.label == "Delete the collection").disabled
    app.selectbox(key="manage_collection").select("History").run()
    [confirm] = [c for c in app.checkbox if c.label.startswith("Delete 'History'")]
    assert not confirm.value and next(b for b in app.button if b.label == "Delete the collection").disabled


def test_fast_wrong_passwords_are_slowed_and_a_locked_account_is_unlocked_by_the_admin(
    app_corpus: Corpus, people: dict[str, Account]
) -> None:
    from plagdetect.services.sign_in import LOCK_AFTER

    app = AppTest.from_file(APP, default_timeout=60).run()
    app.text_input[0].input("sam")
    messages = []
    for k in range(5):
        app.text_input[1].input(f"wrong password {k}")
        app.button[0].click().run()
        messages.append(app.error[0].value)
    assert messages[0] == "Wrong username or password." and messages[-1].startswith("Too many failed sign-ins")
    with app_corpus.context.sessions.begin() as session:  # an hour later: forgotten
        session.execute(update(SignInFailure).values(at=SignInFailure.at - 4000))
    accounts = Accounts(app_corpus.context.sessions)
    for k in range(LOCK_AFTER):
        with pytest.raises(PlagDetectError):
            accounts.authenticate("sam", f"patient guess {k}", client=f"client {k}")
        with app_corpus.context.sessions.begin() as session:
            session.execute(update(SignInFailure).values(at=SignInFailure.at - 200))
    admin = signed_in(people["admin"])
    admin.switch_page("views/admin.py").run()
    next(s for s in admin.selectbox if s.label == "Account").select(people["student"].id).run()
    assert any("locked after repeated failed sign-ins" in w.value for w in admin.warning)
    next(b for b in admin.button if b.label == "Unlock").click().run()
    assert accounts.authenticate("sam", "student password").username == "sam"


def test_a_student_follows_and_cancels_a_queued_check_and_the_admin_stops_anyones_job(
    app_corpus: Corpus, people: dict[str, Account]
) -> None:
    from plagdetect.detection.report import CheckOptions
    from plagdetect.jobs import Jobs

    app_corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    jobs = Jobs(app_corpus.context)
    # Two jobs taken by a worker elsewhere (another server on the same database), so this app's workers leave them.
    mine = jobs.check(people["student"], "mine.txt", PRINTING_SUBMISSION.encode(), CheckOptions())
    jobs.queue.claim("elsewhere:1:a/0.1", limit=5)
    theirs = jobs.check(people["teacher"], "theirs.txt", PRINTING_SUBMISSION.encode(), CheckOptions())
    jobs.queue.claim("elsewhere:1:a/1.1", limit=5)

    student = signed_in(people["student"])  # a new session picks up the person's checks under way
    assert [s.label for s in student.status] == ["mine.txt: running"]
    next(b for b in student.button if b.label == "Cancel").click().run()
    assert jobs.queue.get(mine.id).cancel_requested_at is not None
    assert [s.label for s in student.status] == ["mine.txt: stopping…"]

    admin = signed_in(people["admin"])
    admin.switch_page("views/admin.py").run()
    table = next(d for d in admin.dataframe if "kind" in d.value.columns).value
    assert set(table["what"]) == {"mine.txt", "theirs.txt"} and set(table["by"]) == {"sam", "tess"}
    next(s for s in admin.selectbox if s.label == "Job").select(theirs.id).run()
    next(b for b in admin.button if b.label == "Cancel the job").click().run()
    assert not admin.exception and jobs.queue.get(theirs.id).cancel_requested_at is not None


def test_the_review_page_labels_the_most_uncertain_pair_and_brings_up_the_next(
    app_corpus: Corpus, people: dict[str, Account]
) -> None:
    from plagdetect.detection.report import CheckOptions
    from plagdetect.services.checks import run_check
    from plagdetect.services.review import Review

    app_corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    strict = CheckOptions(rerank_threshold=0.9)  # the reworded paragraph is turned down: a near miss
    run_check(app_corpus.context, people["student"], PRINTING_SUBMISSION.encode(), "essay.txt", strict)
    app = signed_in(people["teacher"])
    app.switch_page("views/review.py").run()
    assert not app.exception
    assert {m.label: m.value for m in app.metric}["Not labelled"] == "2"
    assert [s.value for s in app.subheader] == ["Pair 1 of 2"]
    assert any("a near miss: the reranker turned it down" in c.value for c in app.caption)
    assert "250 towns" in "".join(h.proto.body for h in app.html)
    assert not app.file_uploader  # importing labels is the admin's

    comment = next(t for t in app.text_input if t.label == "Comment (optional)")
    comment.input("same figures, reworded").run()
    next(b for b in app.button if b.label == "Plagiarism").click().run()
    assert not app.exception
    assert [s.value for s in app.subheader] == ["Pair 1 of 1"]  # the next pair, at once
    assert "Gutenberg" in "".join(h.proto.body for h in app.html)
    assert {m.label: m.value for m in app.metric}["By you"] == "1"
    (labelled,) = Review(app_corpus.context).queue(people["teacher"], state="labelled")
    assert [(label.labeller, label.verdict, label.comment) for label in labelled.labels] == [
        ("tess", "plagiarism", "same figures, reworded")
    ]


@pytest.mark.slow
def test_the_admin_judges_a_fine_tuned_version_promotes_it_and_rolls_back(
    app_corpus: Corpus, people: dict[str, Account], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from plagdetect.services.model_registry import ModelRegistry
    from plagdetect.services.review import Review
    from plagdetect.training.fine_tuning import fine_tune, fine_tune_recipe

    app = signed_in(people["admin"])
    app.switch_page("views/admin.py").run()
    assert any("Fine-tuning needs at least 10 pairs labelled plagiarism" in i.value for i in app.info)

    stsb = tmp_path / "stsb"
    stsb.mkdir()
    for name in ("sts-train.csv", "sts-dev.csv"):
        write_stsb(
            stsb / name, [(a, b, 4.5) for a, b in LABEL_TOPICS] + [(LABEL_TOPICS[0][0], LABEL_TOPICS[1][1], 0.1)]
        )
    monkeypatch.setenv("PLAGDETECT_STSB_DIR", str(stsb))
    context = app_corpus.context
    context.settings = replace(context.settings, stsb_dir=str(stsb))
    Review(context).import_labels(people["admin"], label_lines(12))
    new = fine_tune(context, people["admin"], recipe=fine_tune_recipe(max_steps=1))

    st.cache_resource.clear()
    app = signed_in(people["admin"])
    app.switch_page("views/admin.py").run()
    assert not app.exception
    assert any("labelled pairs to learn from" in c.value for c in app.caption)
    assert next(b for b in app.button if b.label == "Start fine-tuning")
    comparison = next(d.value for d in app.dataframe if "average precision" in d.value.columns)
    assert comparison["model"].str.startswith("its parent").tolist() == [True, False]
    next(b for b in app.button if b.label == "Promote: new checks use it").click().run()
    assert not app.exception
    assert ModelRegistry(context).active("cross-encoder").id == new.id
    next(b for b in app.button if b.label == "Roll back").click().run()
    assert ModelRegistry(context).active("cross-encoder").configured


def test_the_report_is_filtered_by_match_group_and_gives_the_index_without_cited_matches() -> None:
    from dataclasses import replace

    from plagdetect.detection.report import (
        CITED_AND_QUOTED,
        NOT_CITED_OR_QUOTED,
        CheckReport,
        MatchResult,
        Segment,
        similarity,
        source_shares,
    )

    text = "".join(f"Sentence {k} of an essay that quotes and copies its sources. " for k in range(40))
    matches = []
    for k, group in enumerate([CITED_AND_QUOTED, NOT_CITED_OR_QUOTED, NOT_CITED_OR_QUOTED, CITED_AND_QUOTED]):
        span = (k * 500, k * 500 + 300)
        segment = Segment(span, (0, 300), "verbatim", 1.0, 0.95, None, [])
        match = MatchResult(1, "a source", "c", span, (0, 300), span, (0, 300), 0.95, None, "verbatim", 1.0, [],
                            [segment], text[span[0] : span[1]], "the source passage")  # fmt: skip
        matches.append(replace(match, group=group))
    report = CheckReport(9, "essay.txt", text, similarity(matches, len(text)), source_shares(matches, len(text)),
                         matches, {}, [], {}, {}, {})  # fmt: skip
    app = AppTest.from_function(_render_report, args=(report,), default_timeout=60).run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Similarity index"] == f"{100 * report.similarity:.0f}%"
    assert metrics["Without cited and quoted"] == f"{100 * report.similarity / 2:.0f}%"
    groups = app.pills(key="groups_9")
    assert groups.options == ["not cited or quoted (2)", "cited and quoted (2)"] and len(app.expander) == 4
    assert "· cited and quoted ·" in app.expander[0].label
    groups.set_value([NOT_CITED_OR_QUOTED]).run()
    assert len(app.expander) == 2 and all("not cited or quoted" in e.label for e in app.expander)
    assert "".join(h.proto.body for h in app.html).count('<mark class="match verbatim"') == 2
    groups.set_value([]).run()
    assert any("No match is in the groups and sources chosen" in i.value for i in app.info)


def test_an_instructor_excludes_a_source_from_a_report_on_the_history_page_and_restores_it(
    app_corpus: Corpus, people: dict[str, Account]
) -> None:
    from plagdetect.services.checks import run_check

    app_corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    checked = run_check(app_corpus.context, people["student"], PRINTING_SUBMISSION.encode(), "mine.txt")
    student = signed_in(people["student"])
    student.switch_page("views/history.py").run()
    assert not [e for e in student.expander if e.label.startswith("Exclude a source")]  # staff only
    app = signed_in(people["teacher"])
    app.switch_page("views/history.py").run()
    [form_box] = [s for s in app.selectbox if s.label == "What"]
    assert form_box.options[0] == f"the source {PRINTING_TITLE}"
    [reason] = [t for t in app.text_input if t.label.startswith("Why")]
    reason.input("the student's own earlier essay")
    next(b for b in app.button if b.label == "Exclude").click().run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Similarity index"] == "0%" and checked.similarity > 0
    assert any("Every match of this check was excluded" in i.value for i in app.info)
    assert app.dataframe[0].value["matches"].tolist() == [0]  # the History list counts what is left
    assert any("As checked, the similarity index was" in c.value for c in app.caption)
    log = next(d.value for d in app.dataframe if "why" in d.value.columns)
    assert log["why"].tolist() == ["the student's own earlier essay"] and log["by"].tolist() == ["tess"]
    next(b for b in app.button if b.label == "Restore it").click().run()
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Similarity index"] == f"{100 * checked.similarity:.0f}%"


def test_anyone_signed_in_changes_their_own_password_from_the_sidebar(
    app_corpus: Corpus, people: dict[str, Account]
) -> None:
    app = signed_in(people["student"])
    fields = {t.label: t for t in app.sidebar.text_input}
    fields["Current password"].input("not my password")
    fields["New password"].input("a fresh sentence of mine")
    fields["New password again"].input("a fresh sentence of mine")
    next(b for b in app.sidebar.button if b.label == "Change it").click().run()
    assert any("password" in e.value.lower() for e in app.sidebar.error)
    assert {t.label: t.value for t in app.sidebar.text_input}["New password"] == "a fresh sentence of mine"  # kept
    {t.label: t for t in app.sidebar.text_input}["Current password"].input("student password")
    next(b for b in app.sidebar.button if b.label == "Change it").click().run()
    assert any("Your password is changed" in s.value for s in app.sidebar.success)
    accounts = Accounts(app_corpus.context.sessions)
    assert accounts.authenticate("sam", "a fresh sentence of mine").username == "sam"


def test_one_match_gets_a_bar_of_its_own_and_the_report_is_filtered_by_source() -> None:
    import json

    from plagdetect.detection.report import CheckReport, MatchResult, Segment, similarity, source_shares

    text = "".join(f"Sentence {k} of an essay drawn from two sources. " for k in range(30))
    matches = []
    for k, source in enumerate([1, 2, 2]):
        span = (k * 400, k * 400 + 250)
        segment = Segment(span, (0, 250), "verbatim", 1.0, 0.9, 0.8, [])
        matches.append(
            MatchResult(
                source,
                f"source {source}",
                "c",
                span,
                (0, 250),
                span,
                (0, 250),
                0.9,
                0.8,
                "verbatim",
                1.0,
                [],
                [segment],
                text[span[0] : span[1]],
                "the source passage",
            )  # fmt: skip
        )
    report = CheckReport(5, "e.txt", text, similarity(matches, len(text)), source_shares(matches, len(text)),
                         matches, {}, [], {}, {}, {})  # fmt: skip
    app = AppTest.from_function(_render_report, args=(report,), default_timeout=60).run()
    assert not app.exception
    charts = [json.loads(c.proto.spec) for c in app.get("plotly_chart")]
    scores = next(c for c in charts if c["layout"]["title"]["text"].startswith("Match scores"))
    assert all(trace["xbins"]["size"] == 0.05 for trace in scores["data"])  # not one block over the whole axis
    sources = app.multiselect(key="sources_5")
    sources.select(2).run()
    assert len(app.expander) == 2 and all("source 2" in e.label for e in app.expander)


def test_an_instructor_opens_the_whole_source_from_a_report_and_a_student_cannot(
    app_corpus: Corpus, people: dict[str, Account]
) -> None:
    from plagdetect.services.checks import run_check
    from plagdetect.services.corpus_admin import CorpusAdmin

    app_corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    run_check(app_corpus.context, people["student"], PRINTING_SUBMISSION.encode(), "mine.txt")
    student = signed_in(people["student"])
    student.switch_page("views/history.py").run()
    assert not [b for b in student.button if b.label == "Open the whole source"]
    with pytest.raises(PermissionDenied):
        CorpusAdmin(app_corpus, people["student"]).document_text(1)
    app = signed_in(people["teacher"])
    app.switch_page("views/history.py").run()
    next(b for b in app.button if b.label == "Open the whole source").click().run()
    assert not app.exception
    whole = "".join(h.proto.body for h in app.html)
    assert "monastery scriptoria" in whole and '<mark class="source-passage">' in whole  # beyond the passage
