"""The PDF report of a stored check, read back as a panel would read it: its text (pypdf) holds the index, the
sources, the passages and the flags; non-Latin text prints as written; markup in documents prints as plain text;
a student's PDF holds no more of a source than the screen shows them."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

from plagdetect.reports import report_pdf
from plagdetect.services.checks import load_report, run_check
from plagdetect.services.corpus import Corpus

from builders import PRINTING_SOURCE, PRINTING_SUBMISSION, PRINTING_UNRELATED, make_people

MARKUP_TITLE = "<b>The Press</b> & <font color='red'>Ideas</i>"
NON_LATIN = "Печатный станок изменил всю Европу. Τυπογραφία: άλλαξε ολόκληρη την Ευρώπη. Ångström, Łódź, naïve café."
MARKUP_LINE = "A closing line with <i>unbalanced tags & <font size=40> in it, and &amp; entities."


def pdf_text(data: bytes) -> str:
    """Every page's text, whitespace folded (lines break where the layout broke them)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def checked(corpus: Corpus):
    """A student's check of an essay that copies one paragraph of a source and paraphrases another, with hidden
    characters, Cyrillic and Greek, and markup of its own; the source's title is markup too."""
    people = make_people(corpus.context.sessions)
    corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History", title=MARKUP_TITLE)
    corpus.ingest_bytes(PRINTING_UNRELATED.encode(), "reading-habits.txt", "History")
    essay = PRINTING_SUBMISSION.replace("Every age", "Every\u200b age\u200b") + f"\n{NON_LATIN}\n\n{MARKUP_LINE}\n"
    live = run_check(corpus.context, people["sam"], essay.encode(), "essay <draft> {nb}.txt")
    assert live.matches and live.integrity
    return corpus.context, people, live.check_id


def test_the_pdf_holds_the_index_the_sources_the_passages_and_the_flags(checked) -> None:
    context, people, check_id = checked
    report = load_report(context, people["teacher"], check_id)
    data = report_pdf(report)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert f"{100 * report.similarity:.0f}%" in text and "Similarity index" in text
    assert MARKUP_TITLE in text  # the source's title, as it was written: no tag was read as markup
    assert "essay <draft> {nb}.txt" in text and "sam" in text and report.submission.sha256 in text
    for match in report.matches:
        words = match.submission_text.split()
        assert " ".join(words[:8]) in text  # each matched passage, in the document and beside its source
    assert "invisible characters removed" in text and "Integrity flags" in text
    assert re.search(r"Page 1 of \d+", text)
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 3 and all(f"check {check_id}" in p.extract_text() for p in reader.pages)


def test_cyrillic_greek_and_markup_come_back_from_the_pdf_as_written(checked) -> None:
    context, people, check_id = checked
    text = pdf_text(report_pdf(load_report(context, people["sam"], check_id)))
    assert NON_LATIN in text
    assert MARKUP_LINE in text


def test_a_students_pdf_holds_no_source_text_beyond_the_matched_passages(checked) -> None:
    context, people, check_id = checked
    report = load_report(context, people["sam"], check_id)
    text = pdf_text(report_pdf(report))
    assert any(" ".join(m.source_text.split()[:8]) in text for m in report.matches)
    # The source's first and last paragraphs match nothing: they are in no passage, so not in the PDF.
    assert "monastery scriptoria" not in text and "Protestant Reformation" not in text
    assert "Reading on paper" not in text  # nor anything of a source that matched nothing


def test_a_check_whose_text_was_removed_still_prints_its_passages(checked) -> None:
    from datetime import UTC, datetime, timedelta

    from plagdetect.store.checks import purge_expired_texts

    context, people, check_id = checked
    purge_expired_texts(context.sessions, 1, datetime.now(UTC) + timedelta(days=2))
    report = load_report(context, people["teacher"], check_id)
    assert report.text_removed is not None
    text = pdf_text(report_pdf(report))
    assert "only the matched passages are kept" in text
    assert " ".join(report.matches[0].submission_text.split()[:8]) in text


def test_a_word_longer_than_a_line_is_cut_across_lines_not_lost() -> None:
    from dataclasses import replace

    from plagdetect.evaluation.pdf_bench import generated_report

    report = generated_report(pages=2, matches=3)
    address = "https://example.org/" + "a-very-long-path-segment/" * 12 + "end"
    report = replace(report, text=report.text + "\n\nSee " + address)
    text = "".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(report_pdf(report))).pages).split())
    assert address in text


def test_an_exclusion_after_the_check_and_its_restore_are_in_the_pdf(checked) -> None:
    from plagdetect.services.checks import exclude_from_check, restore_in_check

    context, people, check_id = checked
    report = load_report(context, people["teacher"], check_id)
    source = report.sources[0]
    fewer = exclude_from_check(
        context, people["teacher"], check_id, "cited in the appendix", source_id=source.document_id
    )
    text = pdf_text(report_pdf(fewer))
    assert "Excluded after the check" in text and "cited in the appendix" in text and "tess" in text
    assert f"similarity index {100 * report.similarity:.0f}% before these" in text
    assert f"{100 * fewer.similarity:.0f}%" in text
    restored = restore_in_check(context, people["teacher"], fewer.exclusions_made[0].id)
    assert "restored by tess" in pdf_text(report_pdf(restored))


def test_chinese_japanese_and_korean_print_where_a_font_for_them_is_installed() -> None:
    from dataclasses import replace

    from plagdetect.evaluation.pdf_bench import generated_report
    from plagdetect.reports.fonts import report_fonts

    if report_fonts().fallback is None:
        pytest.skip("no CJK font installed (Debian: fonts-wqy-zenhei or fonts-noto-cjk); .ci/run installs one")
    report = generated_report(pages=1, matches=2)
    cjk = "印刷术改变了欧洲。日本語のテキスト。한국어 텍스트."
    report = replace(report, text=f"{cjk}\n\nAnd the Latin words after it stay Latin.\n\n{report.text}")
    text = pdf_text(report_pdf(report))
    assert cjk in text and "And the Latin words after it stay Latin." in text


def test_odd_text_stays_inside_the_page() -> None:
    """Spaces before a line break and a lone combining mark neither run past the margin nor draw a bar across it."""
    from dataclasses import replace

    from plagdetect.evaluation.pdf_bench import generated_report
    from plagdetect.reports.pdf import PLAIN, _Document

    report = generated_report(pages=1, matches=1)
    report = replace(report, text="word" + " " * 400 + "\n\u0301\n\tTabbed line\n\n" + report.text)
    document = _Document(report)
    lines = document._lines([(report.text, PLAIN)], 100)
    assert all(sum(f.width for f in line) <= 100 for line in lines)
    assert "Tabbed line" in pdf_text(report_pdf(report))
