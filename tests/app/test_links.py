"""Links that last, through AppTest: a report's and a review pair's own URLs open them under the role rules, a sign-in
hands the page its cookie's code, and a sign-out ends the session in every tab."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from plagdetect.detection.report import CheckOptions
from plagdetect.services.accounts import Account
from plagdetect.services.checks import run_check
from plagdetect.services.corpus import Corpus
from views.common import browser_sessions
from views.session_cookie import take

from builders import PRINTING_SOURCE, PRINTING_SUBMISSION, PRINTING_UNRELATED, make_people

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def app_corpus(app_corpus: Corpus) -> Corpus:
    """The app's corpus (tests/app/conftest.py) with the printing-press article in History."""
    app_corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    return app_corpus


@pytest.fixture
def people(app_corpus: Corpus) -> dict[str, Account]:
    return make_people(app_corpus.context.sessions, students=("sam", "kim"))


def opened(account: Account, page: str, **params: int) -> AppTest:
    """``page`` (a file of views/) opened by ``account`` at its URL with ``params``."""
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["account_id"] = account.id
    app.run()
    for name, value in params.items():
        app.query_params[name] = str(value)
    return app.switch_page(page).run()


def shown_links(app: AppTest) -> list[str]:
    return [code.value for code in app.code]


def handed_over_token(app: AppTest) -> str:
    """The token the page's cookie script would have the route set (the code it posts, taken as the route does)."""
    script = next(h.proto.body for h in app.html if '\\"code\\"' in h.proto.body)
    token, _ = take(script.split('\\"code\\": \\"')[1].split('\\"')[0])
    return token


def test_a_report_link_opens_it_for_its_owner_and_staff_and_another_student_is_told_no(
    app_corpus: Corpus, people: dict[str, Account]
) -> None:
    context = app_corpus.context
    older = run_check(context, people["sam"], PRINTING_SUBMISSION.encode(), "first-draft.txt")
    run_check(context, people["sam"], PRINTING_UNRELATED.encode(), "second-draft.txt")  # the newest, shown first
    kims = run_check(context, people["kim"], PRINTING_SUBMISSION.encode(), "kims-essay.txt")

    app = opened(people["sam"], "views/history.py", check=older.check_id)
    assert not app.exception and not app.error
    assert shown_links(app) == [f"/history?check={older.check_id}"]  # that report is the one open
    assert any(m.label == "Similarity index" for m in app.metric)

    app = opened(people["sam"], "views/history.py", check=kims.check_id)
    assert [e.value for e in app.error] == ["This check belongs to someone else."]
    assert not app.dataframe and not app.metric  # no other report, which would read as the one linked
    assert f"check={kims.check_id}" not in " ".join(shown_links(app))

    app = opened(people["kim"], "views/history.py", check=older.check_id)  # no check of her own
    assert [e.value for e in app.error] == ["This check belongs to someone else."]

    app = opened(people["teacher"], "views/history.py", check=kims.check_id)
    assert not app.error and shown_links(app) == [f"/history?check={kims.check_id}"]

    app = opened(people["teacher"], "views/history.py", check=999)
    assert [e.value for e in app.error] == ["No check with id 999."]


def test_a_review_pair_has_its_own_link(app_corpus: Corpus, people: dict[str, Account]) -> None:
    strict = CheckOptions(rerank_threshold=0.9)  # a near miss too: more than one pair to review
    run_check(app_corpus.context, people["sam"], PRINTING_SUBMISSION.encode(), "essay.txt", strict)
    app = opened(people["teacher"], "views/review.py")
    first = shown_links(app)[0]
    assert first.startswith("/review?pair=")
    pairs = [int(p) for p in app.dataframe[-1].value["pair"]]  # the queue after the first pair
    assert pairs

    app = opened(people["teacher"], "views/review.py", pair=pairs[-1])
    assert [h.value for h in app.subheader] == ["Pair 1 of 1"]
    assert shown_links(app) == [f"/review?pair={pairs[-1]}"]
    next(b for b in app.button if b.label == "Back to the queue").click().run()
    assert app.query_params == {} and shown_links(app)[0] == first

    app = opened(people["teacher"], "views/review.py", pair=12345)
    assert [e.value for e in app.error] == ["No pair #12345 to review: it went with its check or its source."]


def test_a_sign_in_hands_the_page_its_cookie_and_a_sign_out_ends_it_in_every_tab(
    app_corpus: Corpus, people: dict[str, Account]
) -> None:
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.text_input[0].input("sam")
    app.text_input[1].input("student password")
    app.button[0].click().run()
    assert [t.value for t in app.title] == ["Check a document"]
    assert any('fetch("/_plagdetect/session"' in h.proto.body for h in app.html)
    token = handed_over_token(app)  # what the route sets the cookie to: the token of this tab's session
    assert browser_sessions().resume(token).account == people["sam"]

    other_tab = AppTest.from_file(APP, default_timeout=60)
    other_tab.session_state["account_id"] = people["sam"].id
    other_tab.session_state["browser_session_id"] = app.session_state["browser_session_id"]
    other_tab.run()
    assert [t.value for t in other_tab.title] == ["Check a document"]

    next(b for b in app.sidebar.button if b.label == "Log out").click().run()
    assert [t.value for t in app.title] == ["Log in to PlagDetect"]
    assert any('"method": "DELETE"' in h.proto.body for h in app.html)  # the cookie goes too
    assert browser_sessions().resume(token) is None
    other_tab.run()  # its next click
    assert [t.value for t in other_tab.title] == ["Log in to PlagDetect"]


def test_changing_ones_password_signs_other_browsers_out_and_keeps_this_one(
    app_corpus: Corpus, people: dict[str, Account]
) -> None:
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.text_input[0].input("sam")
    app.text_input[1].input("student password")
    app.button[0].click().run()
    first = handed_over_token(app)
    _, elsewhere_token = browser_sessions().start(people["sam"])  # signed in on a laptop too
    fields = {t.label: t for t in app.sidebar.text_input}
    fields["Current password"].input("student password")
    fields["New password"].input("a fresh sentence of mine")
    fields["New password again"].input("a fresh sentence of mine")
    next(b for b in app.sidebar.button if b.label == "Change it").click().run()
    assert any("Every other browser signed in to your account is signed out" in s.value for s in app.sidebar.success)
    renewed = handed_over_token(app)  # this browser's cookie gets a new session at once
    assert browser_sessions().resume(renewed).account == people["sam"]
    assert browser_sessions().resume(first) is None and browser_sessions().resume(elsewhere_token) is None
    app.run()
    assert [t.value for t in app.title] == ["Check a document"]  # this tab is still signed in
