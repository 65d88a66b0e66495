"""End to end in a real browser: the app on a free local port, driven through Debian's chromium by Playwright.

Screenshots go to tests/artifacts/ (git-ignored). Without /usr/bin/chromium these tests are skipped, except
where PLAGDETECT_REQUIRE_BROWSER=1 (CI sets it after installing chromium), where they fail instead.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pypdf
import pytest

from plagdetect.detection.report import CheckOptions
from plagdetect.services.accounts import Accounts, Role
from plagdetect.services.checks import run_check
from plagdetect.services.corpus import Corpus
from plagdetect.settings import Settings

from builders import PRINTING_SOURCE, PRINTING_SUBMISSION, PRINTING_UNRELATED, make_pdf

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = "/usr/bin/chromium"

if not Path(CHROMIUM).exists():
    if os.environ.get("PLAGDETECT_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"{CHROMIUM} is missing; install it with `apt-get install chromium`")
    pytest.skip(f"no {CHROMIUM}: the browser tests need Debian's chromium", allow_module_level=True)

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, encoder):
    """The app, started as a user starts it, on a data directory holding two accounts, a source, and a check whose
    pairs wait on the Review page."""
    data = tmp_path_factory.mktemp("browser") / "data"
    corpus = Corpus.open(Settings.from_env({}, data_dir=data), encoder=encoder)
    accounts = Accounts(corpus.context.sessions)
    admin = accounts.create_first_admin("ada", "admin password")
    sam = accounts.create_user(admin, "sam", "student password", Role.STUDENT)
    corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    corpus.ingest_bytes(PRINTING_UNRELATED.encode(), "reading-habits.txt", "History")
    strict = CheckOptions(rerank_threshold=0.9)  # its reworded paragraph is a near miss: two pairs to review
    run_check(corpus.context, sam, PRINTING_SUBMISSION.encode(), "earlier-essay.txt", strict)
    corpus.close()

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAGDETECT_")}
    env["PLAGDETECT_DATA_DIR"] = str(data)
    log = open(data.parent / "streamlit.log", "wb")  # noqa: SIM115 (closed below)
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    command += ["--server.headless", "true", "--server.fileWatcherType", "none"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError((data.parent / "streamlit.log").read_text()) from None
            time.sleep(0.5)
    yield url
    process.terminate()
    process.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def pick(page, label: str, option: str, tries: int = 3) -> None:
    """Choose ``option`` in the select box ``label``; a click that lands while the page is redrawn opens nothing,
    so the box is clicked again (at most ``tries`` times)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(tries):
        page.get_by_label(label).first.click()
        try:
            page.get_by_role("option", name=option).click(timeout=10_000)
            return
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise


def log_in(page, url: str, username: str, password: str) -> None:
    page.goto(url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Check a document").wait_for(timeout=60_000)


def test_log_in_upload_a_pdf_and_see_the_highlighted_match(server: str, browser, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = tmp_path / "essay.pdf"
    pdf.write_bytes(make_pdf([[line for line in PRINTING_SUBMISSION.splitlines() if line.strip()]]))
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    log_in(page, server, "sam", "student password")
    program = tmp_path / "setup.exe"
    program.write_bytes(b"MZ")
    page.locator("input[type=file]").first.set_input_files([str(pdf), str(program)])  # the picker takes any type
    page.get_by_text("essay.pdf").first.wait_for()
    page.get_by_role("button", name="Check", exact=True).click()
    highlight = page.locator("mark.match").first
    highlight.wait_for(timeout=240_000)
    page.get_by_text("setup.exe: not checked: unsupported file type '.exe'").wait_for()  # said, and still said
    assert any("Gutenberg" in text for text in page.locator("mark.match").all_inner_texts())
    page.get_by_text("Similarity index").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "report.png"))
    highlight.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "report-document.png"))
    page.get_by_text("Matches side by side").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "report-matches.png"))
    page.get_by_role("link", name="show it in the document").first.click()  # from a match to its place in the text
    first = page.locator("mark.match[id]").first
    page.wait_for_function("el => Math.abs(el.getBoundingClientRect().top) < 200", arg=first.element_handle())
    with page.expect_download(timeout=60_000) as download:  # the PDF a panel is handed, written when asked for
        page.get_by_role("button", name="Report as PDF").click()
    saved = tmp_path / "report.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "essay-report.pdf"
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(saved).pages)
    assert "Similarity report" in text and "essay.pdf" in text and "Gutenberg" in text and "sam" in text
    page.close()


def test_a_student_cannot_open_the_corpus_page(server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    log_in(page, server, "sam", "student password")
    navigation = page.locator("[data-testid=stSidebarNav]")
    assert "History" in navigation.inner_text() and "Corpus" not in navigation.inner_text()
    page.screenshot(path=str(ARTIFACTS / "student-navigation.png"))
    page.goto(f"{server}/corpus")  # a new browser session, still signed in: the Corpus page's address refuses
    page.get_by_text("The Corpus page is for instructors and admins; you are signed in as a student.").wait_for()
    assert page.get_by_role("heading", name="Corpus").count() == 0
    assert "printing-press" not in page.content()
    page.close()


def test_a_50_page_pdf_keeps_the_page_usable_while_it_is_checked(server: str, browser, tmp_path: Path) -> None:
    import random

    words = "river mountain library engine harvest council market winter signal garden ledger harbour".split()
    rng = random.Random(5)
    pages = []
    for number in range(50):
        lines = [" ".join(rng.choice(words) for _ in range(12)) + "." for _ in range(20)]
        if number == 30:
            lines = [line for line in PRINTING_SUBMISSION.splitlines() if line.strip()]
        pages.append(lines)
    pdf = tmp_path / "thesis.pdf"
    pdf.write_bytes(make_pdf(pages))
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    log_in(page, server, "sam", "student password")
    page.locator("input[type=file]").first.set_input_files(str(pdf))
    page.get_by_text("thesis.pdf").first.wait_for()
    page.get_by_role("button", name="Check", exact=True).click()
    page.get_by_text(re.compile(r"thesis\.pdf: (waiting|running)")).first.wait_for(timeout=60_000)
    # While the check runs, the page answers: the exclusions open, and opening them does not stop the check.
    page.get_by_text("Exclusions").first.click()
    page.get_by_text("Leave out quoted text").first.wait_for(timeout=10_000)
    assert page.locator("mark.match").count() == 0  # still checking
    page.locator("mark.match").first.wait_for(timeout=300_000)
    page.get_by_role("tab", name="thesis.pdf (").wait_for()
    page.screenshot(path=str(ARTIFACTS / "report-50-pages.png"))
    page.close()


def test_an_admin_adds_files_to_a_new_collection_and_sees_the_job_in_the_jobs_tab(
    server: str, browser, tmp_path: Path
) -> None:
    first, second = tmp_path / "volcanoes.txt", tmp_path / "empty.txt"
    first.write_text(PRINTING_UNRELATED.replace("read", "studied") + " Volcanoes, too, were described in print.")
    second.write_text("")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    log_in(page, server, "ada", "admin password")
    page.get_by_role("link", name="Corpus").click()
    page.get_by_role("heading", name="Corpus").wait_for(timeout=60_000)
    page.get_by_text("Add documents").click()  # folded away once the corpus holds collections
    page.get_by_role("button", name="Add to the corpus").wait_for()  # the expander is open
    # The files first: the uploader keeps them through the reruns that choosing and naming the collection cause.
    page.locator("input[type=file]").first.set_input_files([str(first), str(second)])
    page.get_by_text("empty.txt").first.wait_for(timeout=60_000)
    pick(page, "Collection", "A new collection…")
    page.get_by_role("textbox", name="Name of the new collection").fill("Geology")
    page.get_by_role("textbox", name="Name of the new collection").press("Enter")
    page.get_by_text("empty.txt").first.wait_for(timeout=60_000)  # still there after the rerun
    page.get_by_role("button", name="Add to the corpus").click()
    page.get_by_text("Added 1 of 2 file(s) to Geology.").wait_for(timeout=240_000)
    page.screenshot(path=str(ARTIFACTS / "corpus-added.png"))
    page.get_by_role("link", name="Admin").click()
    page.get_by_role("tab", name="Jobs").click()
    # The table is drawn on a canvas; its cells are also in the page, for screen readers, though not "visible".
    page.get_by_text("2 files into Geology").first.wait_for(state="attached", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "admin-jobs.png"))
    page.close()


def test_an_instructor_labels_a_pair_on_the_review_page_and_the_next_comes_up(server: str, browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    log_in(page, server, "ada", "admin password")
    page.get_by_role("link", name="Review").click()
    page.get_by_role("heading", name="Review").wait_for(timeout=60_000)
    heading = page.get_by_role("heading", name=re.compile(r"^Pair 1 of \d+$"))
    heading.wait_for(timeout=60_000)
    before = int(heading.inner_text().rsplit(" ", 1)[1])
    page.get_by_text("In the submission").wait_for()
    page.screenshot(path=str(ARTIFACTS / "review.png"), full_page=True)
    page.get_by_role("textbox", name="Comment (optional)").fill("Same figures in other words")
    page.get_by_role("textbox", name="Comment (optional)").press("Enter")
    page.get_by_role("button", name="Plagiarism", exact=True).click()
    page.get_by_role("heading", name=f"Pair 1 of {before - 1}").wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "review-next.png"), full_page=True)
    page.close()


def session_cookie(context) -> dict | None:
    """The sign-in cookie the browser holds, once the page has had it set (None until then)."""
    return next((c for c in context.cookies() if c["name"] == "plagdetect_session"), None)


def wait_for_session_cookie(context, present: bool = True) -> dict | None:
    deadline = time.monotonic() + 30
    while (session_cookie(context) is not None) != present:
        assert time.monotonic() < deadline, "the sign-in cookie was not " + ("set" if present else "cleared")
        time.sleep(0.2)
    return session_cookie(context)


def test_a_sign_in_survives_a_reload_and_a_new_tab_a_report_has_a_link_and_sign_out_ends_it(
    server: str, browser
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    log_in(page, server, "sam", "student password")
    cookie = wait_for_session_cookie(context)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert "plagdetect_session" not in page.evaluate("document.cookie")  # no script on the page can read it
    page.reload()
    page.get_by_role("heading", name="Check a document").wait_for(timeout=60_000)
    page.get_by_text("Logged in as sam").wait_for()
    page.screenshot(path=str(ARTIFACTS / "session-after-reload.png"))

    tab = context.new_page()  # a new tab of the same browser
    tab.goto(f"{server}/history")
    tab.get_by_role("heading", name="History").wait_for(timeout=60_000)
    tab.get_by_text("Logged in as sam").wait_for()
    address = tab.locator("[data-testid=stCode]", has_text="/history?check=").first
    address.wait_for(timeout=60_000)  # the report's own link, to copy
    address.scroll_into_view_if_needed()
    tab.screenshot(path=str(ARTIFACTS / "session-report-link.png"))
    assert re.fullmatch(re.escape(server) + r"/history\?check=\d+", address.inner_text().strip())
    report_url = f"{server}/history?check=1"  # the server's first check, sam's earlier essay (not the newest one)

    tab.goto(f"{server}/review?pair=1")  # a page a student's role may not see: refused in words, still signed in
    tab.get_by_text("The Review page is for instructors and admins; you are signed in as a student.").wait_for()
    tab.screenshot(path=str(ARTIFACTS / "session-review-refused.png"))

    stranger = browser.new_context(viewport={"width": 1400, "height": 1000})  # not signed in: the link survives it
    other = stranger.new_page()
    other.goto(report_url)
    other.get_by_role("textbox", name="Username").wait_for(timeout=60_000)
    other.screenshot(path=str(ARTIFACTS / "session-link-asks-to-log-in.png"))
    other.get_by_role("textbox", name="Username").fill("sam")
    other.get_by_role("textbox", name="Password").fill("student password")
    other.get_by_role("button", name="Log in").click()
    other.get_by_role("heading", name="History").wait_for(timeout=60_000)
    other.get_by_text("Similarity index").first.wait_for(timeout=60_000)
    other.locator("[data-testid=stCode]", has_text=report_url).wait_for()  # the report open is that check's
    assert other.url == report_url
    other.screenshot(path=str(ARTIFACTS / "session-link-opens-the-report.png"))
    wait_for_session_cookie(stranger)

    page.goto(report_url)  # the first tab opens the link too, signed in already
    page.get_by_text("Similarity index").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("heading", name="Log in to PlagDetect").wait_for(timeout=60_000)
    wait_for_session_cookie(context, present=False)
    page.reload()
    page.get_by_role("heading", name="Log in to PlagDetect").wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "session-signed-out-after-reload.png"))
    other.reload()  # signed out everywhere: the other browser too
    other.get_by_role("heading", name="Log in to PlagDetect").wait_for(timeout=60_000)
    assert other.get_by_text("Similarity index").count() == 0
    context.close()
    stranger.close()
