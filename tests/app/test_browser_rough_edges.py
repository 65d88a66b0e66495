"""Issue 17's rough edges in a real browser (the app and chromium as in test_browser.py): what a file picker takes
and a refused upload said in words, counts and lists that follow a job without a click, a re-run from History.

Screenshots go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from test_browser import ARTIFACTS, browser, log_in, pick, server  # noqa: F401 (fixtures, one app for this module)

from builders import PRINTING_SUBMISSION

CAPTION = "Accepted: PDF, Word, plain text, Markdown or HTML files"


def sixty_mb(tmp_path: Path) -> Path:
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * (12 * 1024 * 1024))  # 60 MiB of text: past the 50 MB limit, under the picker's
    return big


def test_each_picker_says_what_it_takes_and_a_refused_upload_says_why_on_the_page(
    server: str,  # noqa: F811
    browser,  # noqa: F811
    tmp_path: Path,
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    big, program, notes = sixty_mb(tmp_path), tmp_path / "setup.exe", tmp_path / "notes.txt"
    program.write_bytes(b"MZ")
    notes.write_text("Notes on glaciers, which carve valleys as they move, and on the moraines they leave behind.")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    log_in(page, server, "ada", "admin password")
    caption = page.get_by_text(CAPTION)
    assert "up to 50 MB each" in caption.inner_text() and ".pdf" in caption.inner_text()
    assert not page.get_by_text("400MB per file").is_visible()  # the transport limit is not the limit: not shown
    page.locator("input[type=file]").first.set_input_files([str(program), str(big)])
    page.get_by_text("big.txt").first.wait_for(timeout=60_000)
    time.sleep(3)  # the 60 MB reach the server
    page.get_by_role("button", name="Check", exact=True).click()
    page.get_by_text("setup.exe: not checked: unsupported file type '.exe'").wait_for(timeout=60_000)
    page.get_by_text(re.compile(r"big\.txt: not checked: the file is [\d.]+ MB; the limit is 50 MB")).wait_for()
    page.screenshot(path=str(ARTIFACTS / "check-refused-uploads.png"))

    page.get_by_role("link", name="Corpus").click()
    page.get_by_role("heading", name="Corpus").wait_for(timeout=60_000)
    page.get_by_text("Add documents").click()
    caption = page.get_by_text(CAPTION)
    assert "or zip archives of them" in caption.inner_text() and "up to 50 MB each" in caption.inner_text()
    assert not page.get_by_text("400MB per file").is_visible()
    page.locator("input[type=file]").first.set_input_files([str(notes), str(big)])
    page.get_by_text("big.txt").first.wait_for(timeout=60_000)
    time.sleep(3)
    page.get_by_role("button", name="Add to the corpus").click()
    page.get_by_text(re.compile(r"big\.txt: the file is [\d.]+ MB; the limit is 50 MB\. Nothing was added")).wait_for(
        timeout=60_000
    )
    page.screenshot(path=str(ARTIFACTS / "corpus-refused-upload.png"))
    page.close()


def test_the_corpus_counts_follow_an_upload_without_leaving_the_page(server: str, browser, tmp_path: Path) -> None:  # noqa: F811
    glaciers = tmp_path / "glaciers.txt"
    glaciers.write_text("Glaciers carve valleys as they move. " * 30 + "Moraines are what they leave behind.")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    log_in(page, server, "ada", "admin password")
    page.get_by_role("link", name="Corpus").click()
    page.get_by_role("heading", name="Corpus").wait_for(timeout=60_000)
    documents = page.locator("[data-testid=stMetric]").filter(has_text="Documents")
    before = int(documents.locator("[data-testid=stMetricValue]").inner_text())
    page.get_by_text("Add documents").click()
    page.locator("input[type=file]").first.set_input_files(str(glaciers))
    page.get_by_text("glaciers.txt").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Add to the corpus").click()
    page.get_by_text("Added 1 of 1 file(s) to History.").wait_for(timeout=240_000)
    assert int(documents.locator("[data-testid=stMetricValue]").inner_text()) == before + 1
    # The Collections tab's table counts it too (a canvas; its cells are in the page for screen readers).
    page.get_by_role("tab", name="Collections").click()
    grid = page.locator("[data-testid=stDataFrame]").filter(has_text="collection").last
    grid.get_by_text(str(before + 1), exact=True).first.wait_for(state="attached", timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "corpus-counts-after-upload.png"))
    page.close()


def test_a_student_re_runs_a_check_from_history_with_other_exclusions(server: str, browser) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    log_in(page, server, "sam", "student password")
    page.get_by_role("link", name="History").click()
    page.get_by_role("heading", name="History").wait_for(timeout=60_000)
    page.get_by_text("Re-run with other exclusions").click()
    assert page.get_by_label("Sources to leave out").count() == 0  # only instructors leave sources out
    page.get_by_label("Leave out matches shorter than (words)").fill("200")  # longer than any match of the essay
    page.get_by_role("button", name="Re-run the check").click()
    done = page.get_by_text(re.compile(r"earlier-essay\.txt \(re-run of #1\): done, 0% similar\. Its report is check"))
    done.wait_for(timeout=240_000)
    page.get_by_text("Re-run of #1: the same file, checked again with other exclusions.").wait_for()
    page.screenshot(path=str(ARTIFACTS / "history-rerun.png"))
    page.close()


def test_the_admins_jobs_tab_shows_a_job_queued_meanwhile_without_a_click(server: str, browser, tmp_path: Path) -> None:  # noqa: F811
    essay = tmp_path / "late-essay.txt"
    essay.write_text(PRINTING_SUBMISSION)
    admin = browser.new_page(viewport={"width": 1400, "height": 1000})
    log_in(admin, server, "ada", "admin password")
    admin.get_by_role("link", name="Admin").click()
    admin.get_by_role("heading", name="Admin").wait_for(timeout=60_000)
    admin.get_by_role("tab", name="Jobs").click()
    student = browser.new_page(viewport={"width": 1400, "height": 1000})
    log_in(student, server, "sam", "student password")
    student.locator("input[type=file]").first.set_input_files(str(essay))
    student.get_by_text("late-essay.txt").first.wait_for(timeout=60_000)
    student.get_by_role("button", name="Check", exact=True).click()
    # The admin's page, not touched since, lists the job, then its end.
    admin.get_by_text("late-essay.txt").first.wait_for(state="attached", timeout=30_000)
    student.locator("mark.match").first.wait_for(timeout=240_000)
    jobs = admin.locator("[data-testid=stDataFrame]").filter(has_text="late-essay.txt")
    deadline = time.monotonic() + 30
    while "running" in jobs.inner_text() or "queued" in jobs.inner_text():
        assert time.monotonic() < deadline, jobs.inner_text()
        time.sleep(1)
    admin.screenshot(path=str(ARTIFACTS / "admin-jobs-follow.png"))
    student.close()
    admin.close()
