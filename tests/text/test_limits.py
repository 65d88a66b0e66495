"""What an upload may cost and become: every format is read in a child process held to a time and a memory limit
(extract_timeout_s, extract_memory_mb), and a file of too many pages, words or sentences is refused with a message
naming the setting (max_pages, max_words, max_sentences)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PageObject

from plagdetect.errors import PlagDetectError
from plagdetect.evaluation.fuzz import pdf_file
from plagdetect.settings import Settings
from plagdetect.text.extract import ExtractionLimits, extract_bytes
from plagdetect.text.extract import pdf as pdf_module
from plagdetect.text.prepare import prepare_document

from builders import make_pdf

ROOT = Path(__file__).resolve().parents[2]
PARAGRAPH = (
    b"<w:p><w:r><w:t>The same paragraph of an essay, repeated to blow up the text and the tree.</w:t></w:r></w:p>"
)


def error_of(data: bytes, filename: str, **kwargs) -> str:
    with pytest.raises(PlagDetectError) as info:
        extract_bytes(data, filename, **kwargs)
    return str(info.value)


def small_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("A short essay in a Word file.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def expanding_docx(paragraphs: int) -> bytes:
    """A small DOCX whose document.xml holds ``paragraphs`` copies of one paragraph (about 107 bytes each)."""
    with zipfile.ZipFile(io.BytesIO(small_docx())) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members["word/document.xml"] = members["word/document.xml"].replace(
        b"<w:body>", b"<w:body>" + PARAGRAPH * paragraphs
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return out.getvalue()


def pdf_declaring(pages: int, declared: int) -> bytes:
    """A PDF of ``pages`` pages that all draw one content stream, whose page tree says it holds ``declared``."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % (5 + i) for i in range(pages)), declared),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length 40 >>\nstream\nBT /F1 12 Tf 72 720 Td (Same page.) Tj ET\nendstream",
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"] * pages
    return pdf_file(objects)


# --------------------------------------------------------------------------- every format in a child process


def test_no_format_is_parsed_in_the_callers_process(tmp_path: Path) -> None:
    files = {
        "a.docx": small_docx(),
        "a.html": b"<html><title>T</title><body><p>An essay on a web page.</p></body></html>",
        "a.txt": "An essay in plain text, café.".encode("cp1252"),
        "a.md": b"# An essay\n\nIn Markdown.",
        "a.pdf": make_pdf([["An essay in a PDF."]]),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    script = f"""
import json, sys
from pathlib import Path
from plagdetect.text.extract import extract_bytes
texts = {{p.name: extract_bytes(p.read_bytes(), p.name).text for p in sorted(Path({str(tmp_path)!r}).iterdir())}}
parsers = ("docx", "lxml", "bs4", "pypdf", "charset_normalizer", "plagdetect.text.extract.text",
           "plagdetect.text.extract.docx", "plagdetect.text.extract.pdf", "plagdetect.text.extract.worker")
print(json.dumps({{"texts": texts, "imported": [m for m in parsers if m in sys.modules]}}))
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["imported"] == []  # no parser was loaded, so none ran here
    assert result["texts"]["a.docx"] == "A short essay in a Word file."
    assert result["texts"]["a.html"] == "T\nAn essay on a web page."
    assert result["texts"]["a.txt"] == "An essay in plain text, café."
    assert result["texts"]["a.pdf"] == "An essay in a PDF."


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("a.docx", small_docx()),
        ("a.html", b"<html><body><p>An essay on a web page.</p></body></html>"),
        ("a.txt", b"An essay in plain text."),
    ],
)
def test_every_format_is_held_to_the_time_limit(name: str, data: bytes) -> None:
    assert extract_bytes(data, name).text  # readable in the default time
    message = error_of(data, name, limits=ExtractionLimits(extract_timeout_s=0.001))
    assert message == "reading the file took longer than 0.001 s (extract_timeout_s); it may be malformed"


def test_a_docx_is_held_to_the_memory_limit() -> None:
    pytest.importorskip("resource")
    bomb = expanding_docx(200_000)  # 110 KB that python-docx holds as a tree of 21 MB of XML
    assert len(bomb) < 150_000
    limits = ExtractionLimits(extract_memory_mb=96, max_compression_ratio=1e9, max_text_chars=10**8)
    message = error_of(bomb, "a.docx", limits=limits)
    assert message == "reading the file needed more than 96 MB of memory (extract_memory_mb)"
    # A tenth of it fits in the same limit: the limit, not the file, was refused.
    assert extract_bytes(expanding_docx(20_000), "a.docx", limits=limits).text.count("The same paragraph") == 20_000


def test_an_html_file_is_held_to_the_memory_limit() -> None:
    pytest.importorskip("resource")
    page = b"<html><body>" + b"<p>word</p>" * 300_000 + b"</body></html>"  # 3.3 MB; a tree of 300,000 tags
    limits = ExtractionLimits(extract_memory_mb=96, max_text_chars=10**8)
    assert (
        error_of(page, "a.html", limits=limits)
        == "reading the file needed more than 96 MB of memory (extract_memory_mb)"
    )


# --------------------------------------------------------------------------- pages


def test_a_pdf_of_too_many_pages_is_refused_naming_the_limit() -> None:
    data = make_pdf([[f"Page {i}."] for i in range(1, 6)])
    assert error_of(data, "a.pdf", limits=ExtractionLimits(max_pages=4)) == (
        "the PDF has 5 pages; the limit is 4 pages (max_pages)"
    )
    assert len(extract_bytes(data, "a.pdf", limits=ExtractionLimits(max_pages=5)).page_starts) == 5


def test_pages_are_counted_before_any_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    # The worker's own code, run here, where reading a page can be made to fail the test.
    monkeypatch.setattr(PageObject, "extract_text", lambda *a, **k: pytest.fail("a page was read"))
    with pytest.raises(PlagDetectError, match=r"^the PDF has 100,000 pages; the limit is 2,000 pages \(max_pages\)$"):
        pdf_module.extract_pdf(pdf_declaring(100_000, 100_000), ExtractionLimits())
    # A page tree that declares fewer pages than it holds is counted page by page.
    with pytest.raises(PlagDetectError, match=r"^the PDF has 5 pages; the limit is 4 pages"):
        pdf_module.extract_pdf(pdf_declaring(5, 1), ExtractionLimits(max_pages=4))


def test_a_pdf_stops_being_read_once_its_text_passes_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_pdf([["x" * 100] for _ in range(6)])
    message = error_of(data, "a.pdf", limits=ExtractionLimits(max_text_chars=250))
    assert message == "the text is over 250 characters once extracted; the limit is 250 characters (max_text_chars)"
    read: list[int] = []
    real = PageObject.extract_text
    monkeypatch.setattr(PageObject, "extract_text", lambda page, *a, **k: read.append(1) or real(page, *a, **k))
    with pytest.raises(PlagDetectError, match="^the text is over 250 characters"):
        pdf_module.extract_pdf(data, ExtractionLimits(max_text_chars=250))
    assert len(read) == 3  # of 6


# --------------------------------------------------------------------------- words and sentences


def sentences(count: int, words: int = 10) -> bytes:
    return " ".join(f"Sentence {i} holds" + " more words" * ((words - 3) // 2) + "." for i in range(count)).encode()


def test_a_text_of_too_many_words_is_refused_naming_the_limit() -> None:
    data = sentences(6)  # 6 sentences of 9 words
    with pytest.raises(PlagDetectError) as info:
        prepare_document(data, "a.txt", Settings(max_words=53))
    assert str(info.value) == "the text has 54 words; the limit is 53 words (max_words)"
    assert prepare_document(data, "a.txt", Settings(max_words=54)).chunks


def test_a_text_of_too_many_sentences_is_refused_naming_the_limit() -> None:
    data = sentences(12)
    with pytest.raises(PlagDetectError) as info:
        prepare_document(data, "a.txt", Settings(max_sentences=11))
    assert str(info.value) == "the text has 12 sentences; the limit is 11 sentences (max_sentences)"
    assert len(prepare_document(data, "a.txt", Settings(max_sentences=12)).sentences) == 12


def test_a_thesis_passes_the_default_limits_comfortably() -> None:
    defaults = Settings()
    paragraph = sentences(5, words=21).decode()  # 5 sentences, 105 words
    thesis = "\n\n".join(paragraph for _ in range(960)).encode()  # 100,800 words, 4,800 sentences
    prepared = prepare_document(thesis, "thesis.txt", defaults)
    assert len(prepared.sentences) == 4_800
    assert 3 * 100_800 <= defaults.max_words and 8 * 4_800 <= defaults.max_sentences
    assert 3 * len(thesis) <= defaults.max_text_chars and 6 * 300 <= defaults.max_pages


def test_the_limits_are_settings_read_from_the_environment() -> None:
    env = {
        "PLAGDETECT_EXTRACT_TIMEOUT_S": "12.5",
        "PLAGDETECT_EXTRACT_MEMORY_MB": "512",
        "PLAGDETECT_MAX_PAGES": "300",
        "PLAGDETECT_MAX_WORDS": "1000",
        "PLAGDETECT_MAX_SENTENCES": "100",
    }
    settings = Settings.from_env(env)
    assert (settings.extract_timeout_s, settings.extract_memory_mb) == (12.5, 512)
    assert (settings.max_pages, settings.max_words, settings.max_sentences) == (300, 1000, 100)
    limits = ExtractionLimits.from_settings(settings)
    assert (limits.extract_timeout_s, limits.extract_memory_mb, limits.max_pages) == (12.5, 512, 300)
    assert not hasattr(Settings, "pdf_timeout_s") and not hasattr(Settings, "pdf_memory_mb")


def test_the_old_name_of_a_renamed_limit_is_refused_not_ignored() -> None:
    with pytest.raises(PlagDetectError, match="PLAGDETECT_PDF_MEMORY_MB is now PLAGDETECT_EXTRACT_MEMORY_MB"):
        Settings.from_env({"PLAGDETECT_PDF_MEMORY_MB": "256"})
