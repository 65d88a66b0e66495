"""Tests of plagdetect.text.extract: every fixture is built here (no network, no data files)."""

from __future__ import annotations

import bisect
import io
import logging
import os
import pathlib
import random
import subprocess
import zipfile

import docx
import pytest
from pypdf import PdfReader, PdfWriter

from plagdetect.errors import PlagDetectError
from plagdetect.text.extract import (
    SUPPORTED_SUFFIXES,
    ExtractedText,
    ExtractionLimits,
    extract_bytes,
    over_limit,
    read_file,
)
from plagdetect.text.extract import child as child_module
from plagdetect.text.extract import docx as docx_module
from plagdetect.text.extract import pdf as pdf_module
from plagdetect.text.extract import text as text_module
from plagdetect.text.extract import worker as worker_module
from plagdetect.text.extract.archive import iter_zip_members
from plagdetect.text.uploads import read_upload, split_upload

from builders import make_pdf

MB = 1024 * 1024


# --------------------------------------------------------------------------- helpers


ESSAY = "".join(f"Line {i} of an essay that compresses poorly: {i * i}.\n" for i in range(100))
TWO_PAGES = [["Page one says hello.", "Second line of page one."], ["Page two says goodbye."]]


def encrypt_pdf(data: bytes, user_password: str, owner_password: str | None = None) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(title: str | None = "An Essay", author: str | None = "Ada Student") -> bytes:
    document = docx.Document()
    document.add_paragraph("First paragraph before the table.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Name"
    table.cell(0, 1).text = "Score"
    table.cell(1, 0).text = "Ada"
    table.cell(1, 1).text = "97"
    inner = table.cell(1, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "nested left"
    inner.cell(0, 1).text = "nested right"
    document.add_paragraph("Last paragraph after the table.")
    if title:
        document.core_properties.title = title
    if author:
        document.core_properties.author = author
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return out.getvalue()


def docx_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def damage_member(data: bytes, name: str) -> bytes:
    """The zip with a stretch of the compressed data of member ``name`` overwritten."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
    assert info.compress_size > 15
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    damaged = bytearray(data)
    damaged[start + 5 : start + 15] = b"\xff" * 10
    return bytes(damaged)


def mark_encrypted(data: bytes, name: str) -> bytes:
    """The zip with member ``name`` flagged as encrypted (Python's zipfile cannot write encrypted members)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
        entry = zf.start_dir  # the central directory: one entry per member, in order
    patched = bytearray(data)
    patched[info.header_offset + 6] |= 0x1  # general purpose flags of the local header
    while True:
        assert patched[entry : entry + 4] == b"PK\x01\x02"
        name_length, extra_length, comment_length = (
            int.from_bytes(patched[entry + k : entry + k + 2], "little") for k in (28, 30, 32)
        )
        if patched[entry + 46 : entry + 46 + name_length] == name.encode():
            patched[entry + 8] |= 0x1  # general purpose flags of the central directory entry
            return bytes(patched)
        entry += 46 + name_length + extra_length + comment_length


def error_of(data: bytes, filename: str, **kwargs) -> str:
    with pytest.raises(PlagDetectError) as info:
        extract_bytes(data, filename, **kwargs)
    return str(info.value)


# --------------------------------------------------------------------------- PDF


def test_pdf_helper_is_a_valid_pdf() -> None:
    reader = PdfReader(io.BytesIO(make_pdf(TWO_PAGES)), strict=True)
    assert len(reader.pages) == 2


def test_pdf_text_pages_and_metadata() -> None:
    result = extract_bytes(make_pdf(TWO_PAGES, title="My Thesis", author="Ada"), "thesis.PDF")
    assert result.format == "pdf"
    assert "Page one says hello." in result.text
    assert "Second line of page one." in result.text
    assert "Page two says goodbye." in result.text
    assert result.text.index("hello") < result.text.index("goodbye")
    assert len(result.page_starts) == 2
    assert result.text[result.page_starts[1] :].startswith("Page two")
    assert result.text[: result.page_starts[1]].endswith("\n\n")
    assert (result.title, result.author) == ("My Thesis", "Ada")


def page_of(result: ExtractedText, offset: int) -> int:
    """The 1-based page holding ``offset``, read from ``page_starts``."""
    return bisect.bisect_right(result.page_starts, offset)


def test_page_starts_on_two_page_pdf() -> None:
    result = extract_bytes(make_pdf(TWO_PAGES), "a.pdf")
    assert page_of(result, 0) == 1
    assert page_of(result, result.text.index("Second line")) == 1
    assert page_of(result, result.text.index("goodbye")) == 2
    assert page_of(result, len(result.text) - 1) == 2


def test_page_starts_without_pages() -> None:
    assert page_of(ExtractedText(text="abc", format="txt"), 2) == 1


def test_pdf_with_leading_garbage_is_accepted() -> None:
    result = extract_bytes(b"\r\n garbage \n" + make_pdf(TWO_PAGES), "a.pdf")
    assert "Page two says goodbye." in result.text


def test_encrypted_pdf_needs_the_password() -> None:
    data = encrypt_pdf(make_pdf(TWO_PAGES), "secret")
    assert error_of(data, "a.pdf") == "the PDF is encrypted; a password is needed"
    assert error_of(data, "a.pdf", password="wrong") == "wrong password for the encrypted PDF"
    assert "Page one says hello." in extract_bytes(data, "a.pdf", password="secret").text


def test_encrypted_pdf_with_empty_user_password_opens() -> None:
    data = encrypt_pdf(make_pdf(TWO_PAGES), "", owner_password="owner")
    assert "Page two says goodbye." in extract_bytes(data, "a.pdf").text


@pytest.mark.parametrize("password", ["owner", "anything", ""])
def test_owner_password_only_pdf_opens_whatever_password_is_given(password: str) -> None:
    data = encrypt_pdf(make_pdf(TWO_PAGES), "", owner_password="owner")
    assert "Page two says goodbye." in extract_bytes(data, "a.pdf", password=password).text


def test_encrypted_pdf_opens_with_its_owner_password() -> None:
    data = encrypt_pdf(make_pdf(TWO_PAGES), "secret", owner_password="owner")
    assert "Page one says hello." in extract_bytes(data, "a.pdf", password="owner").text
    assert error_of(data, "a.pdf", password="neither") == "wrong password for the encrypted PDF"


def test_pdf_with_no_pages() -> None:
    out = io.BytesIO()
    PdfWriter().write(out)
    assert len(PdfReader(io.BytesIO(out.getvalue())).pages) == 0
    assert error_of(out.getvalue(), "empty.pdf") == "the PDF has no pages"


def test_pdf_without_text_layer() -> None:
    message = error_of(make_pdf([None, None]), "scan.pdf")
    assert message == "the PDF has no text layer (a scanned document?); OCR is not supported"


def test_pdf_with_one_image_page_keeps_the_other() -> None:
    result = extract_bytes(make_pdf([None, ["Only text here."]]), "a.pdf")
    assert result.text.strip() == "Only text here."
    assert page_of(result, result.text.index("Only")) == 2


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(3000),  # random bytes named .pdf
        b"%PDF-1.4\n" + b"\x00\xff garbage " * 200,  # a header, then nonsense
        make_pdf(TWO_PAGES)[:40],  # truncated
    ],
)
def test_corrupt_pdf(data: bytes) -> None:
    assert error_of(data, "broken.pdf") == "not a readable PDF (the file is corrupt or damaged)"


def test_pdf_timeout() -> None:
    limits = ExtractionLimits(extract_timeout_s=0.001)
    message = error_of(make_pdf(TWO_PAGES), "a.pdf", limits=limits)
    assert message == "reading the file took longer than 0.001 s (extract_timeout_s); it may be malformed"


def test_pdf_memory_limit() -> None:
    pytest.importorskip("resource")
    bomb = make_pdf([b" " * (70 * MB)])  # a content stream of 70 MB packed into about 70 KB
    assert len(bomb) < MB
    limits = ExtractionLimits(extract_memory_mb=64)
    assert (
        error_of(bomb, "a.pdf", limits=limits)
        == "reading the file needed more than 64 MB of memory (extract_memory_mb)"
    )


@pytest.mark.parametrize(
    ("returncode", "stdout", "expected"),
    [
        (-9, b"", "reading the file needed more than 1024 MB of memory (extract_memory_mb)"),  # killed
        (0, b"not json {", "not a readable PDF (the file is corrupt or damaged)"),  # garbled
        (1, b"", "not a readable PDF (the file is corrupt or damaged)"),  # crashed
    ],
)
def test_pdf_worker_failures(monkeypatch: pytest.MonkeyPatch, returncode: int, stdout: bytes, expected: str) -> None:
    def fake_run(args, **kwargs):
        return subprocess.CompletedProcess(args, returncode, stdout, b"")

    monkeypatch.setattr(child_module.subprocess, "run", fake_run)
    assert error_of(make_pdf(TWO_PAGES), "a.pdf") == expected


# --------------------------------------------------------------------------- DOCX


def test_docx_paragraphs_and_tables_in_order() -> None:
    result = extract_bytes(make_docx(), "essay.docx")
    assert result.format == "docx"
    lines = result.text.split("\n")
    assert lines[0] == "First paragraph before the table."
    assert lines[-1] == "Last paragraph after the table."
    assert "Name \t Score" in lines
    assert "Ada \t 97" in lines
    assert "nested left \t nested right" in lines
    assert lines.index("Name \t Score") < lines.index("Ada \t 97") < lines.index("nested left \t nested right")
    assert (result.title, result.author) == ("An Essay", "Ada Student")


def test_docx_without_metadata() -> None:
    result = extract_bytes(make_docx(title=None, author=None), "essay.docx")
    assert result.title is None


def test_docx_that_is_not_a_zip() -> None:
    assert error_of(b"plain text, not a zip", "a.docx") == "not a readable DOCX (the file is corrupt or damaged)"


def test_zip_that_is_not_a_docx() -> None:
    message = error_of(make_zip({"hello.txt": b"hi"}), "a.docx")
    assert message.startswith("not a readable DOCX")


def test_docx_with_broken_xml() -> None:
    with zipfile.ZipFile(io.BytesIO(make_docx())) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members["word/document.xml"] = b"<w:document><unclosed>"
    assert error_of(make_zip(members), "a.docx") == "not a readable DOCX (the file is corrupt or damaged)"


def test_docx_zip_bomb() -> None:
    with zipfile.ZipFile(io.BytesIO(make_docx())) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members["word/media/bomb.bin"] = bytes(20 * MB)  # zeros compress about 1000 to 1
    message = error_of(make_zip(members), "a.docx")
    assert message.startswith("the DOCX archive is suspicious: ")
    assert "compressed" in message and "zip bomb" in message
    # The total size limit trips too when lowered below what the archive unpacks to.
    limits = ExtractionLimits(max_compression_ratio=1e9, max_uncompressed_bytes=10 * MB)
    assert "unpacks to 20" in error_of(make_zip(members), "a.docx", limits=limits)


def test_docx_with_too_much_xml_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    members = docx_members(make_docx())
    xml = sum(len(content) for name, content in members.items() if name.endswith((".xml", ".rels")))
    padding = b" " * (3 * MB + 1 - xml)  # all the XML parts together: one byte over 3 MB
    members["word/document.xml"] = members["word/document.xml"].replace(b"</w:body>", padding + b"</w:body>")
    limits = ExtractionLimits(max_docx_xml_bytes=3 * MB, max_compression_ratio=1e9)
    message = error_of(make_zip(members), "a.docx", limits=limits)
    assert message == "the DOCX text is too large to read safely (3.1 MB of XML; the limit is 3 MB)"
    # The worker's own code, run here, refuses it before python-docx parses it.
    monkeypatch.setattr(docx, "Document", lambda *a, **k: pytest.fail("the DOCX was parsed"))
    with pytest.raises(PlagDetectError, match="too large to read safely"):
        docx_module.extract_docx(make_zip(members), limits)


def test_docx_with_xml_within_the_limit_is_read() -> None:
    members = docx_members(make_docx())
    xml = sum(len(content) for name, content in members.items() if name.endswith((".xml", ".rels")))
    result = extract_bytes(make_zip(members), "a.docx", limits=ExtractionLimits(max_docx_xml_bytes=xml))
    assert result.text.startswith("First paragraph before the table.")
    assert ExtractionLimits().max_docx_xml_bytes == 64 * MB


def test_docx_too_many_entries() -> None:
    message = error_of(make_docx(), "a.docx", limits=ExtractionLimits(max_archive_members=3))
    assert message.startswith("the DOCX archive is suspicious: it has ")
    assert "the limit is 3" in message


# --------------------------------------------------------------------------- text, Markdown, HTML

SAMPLE = "Plagiarism – “quoted” text, café.\nSecond line."


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (SAMPLE.encode("utf-8"), SAMPLE),
        (b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"), SAMPLE),
        (SAMPLE.encode("utf-16"), SAMPLE),  # with a BOM
        (b"\xfe\xff" + SAMPLE.encode("utf-16-be"), SAMPLE),
        (SAMPLE.encode("utf-16-le"), SAMPLE),  # no BOM
        (SAMPLE.encode("utf-32"), SAMPLE),
        ("“Smart quotes” and café".encode("cp1252"), "“Smart quotes” and café"),
        ("plain ASCII".encode("ascii"), "plain ASCII"),
    ],
)
def test_text_decoding(data: bytes, expected: str) -> None:
    result = extract_bytes(data, "essay.txt")
    assert result.text == expected
    assert result.format == "txt"
    assert result.page_starts == (0,)


def test_crlf_is_preserved() -> None:
    assert extract_bytes(b"one\r\ntwo\r\n", "a.TXT").text == "one\r\ntwo\r\n"


def test_markdown_kept_as_text() -> None:
    source = "# Title\n\nSome *emphasis* and a [link](http://example.org).\n"
    result = extract_bytes(source.encode(), "notes.md")
    assert result.text == source
    assert result.format == "md"


def test_html() -> None:
    page = (
        "<html><head><title> My Essay </title><style>p { color: red }</style></head>"
        "<body><script>var secret = 1;</script><h1>Heading</h1>\n\n\n\n<p>First para.</p>"
        "<!-- a comment --><noscript>Enable JavaScript</noscript><p>Second para.</p></body></html>"
    )
    result = extract_bytes(page.encode("utf-8"), "page.htm")
    assert result.format == "html"
    assert result.title == "My Essay"
    assert "Heading" in result.text and "First para." in result.text and "Second para." in result.text
    for hidden in ("secret", "color", "comment", "Enable JavaScript", "My Essay"):
        assert hidden not in result.text
    assert "\n\n\n" not in result.text


@pytest.mark.parametrize("markup", ["x <![<a", "a <![ b"])
def test_html_the_parser_rejects(markup: str) -> None:
    assert error_of(markup.encode(), "page.html") == "not a readable HTML file"


def fake_png(rng: random.Random) -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(4000)


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (fake_png(random.Random(1)), "photo.txt"),  # a renamed image
        (random.Random(2).randbytes(5000), "notes.md"),  # random bytes
        (bytes(b or 1 for b in random.Random(3).randbytes(5000)), "a.txt"),  # random bytes without NUL
        (b"valid text\x00 with a NUL byte", "a.txt"),
        (b"mostly text " + b"\x01\x02\x03\x1b\x7f" * 5, "a.txt"),  # over 10% control characters
        (("\ufffd" * 20 + "text" * 40).encode(), "a.txt"),  # over 10% replacement characters
    ],
)
def test_binary_data_as_text_is_refused(data: bytes, filename: str) -> None:
    assert error_of(data, filename) == "the file does not look like text (binary data?)"


@pytest.mark.parametrize(
    "text",
    [
        "\x1b[1mBold heading\x1b[0m\nand a long line of text after the terminal escape codes.\n",  # few controls
        "Page one.\fPage two.\tTabbed.\r\n",  # form feed, tab, CR LF are text
        "One bad byte \ufffd in a sentence that is otherwise perfectly readable.",
    ],
)
def test_text_with_a_few_odd_characters_is_accepted(text: str) -> None:
    assert extract_bytes(text.encode(), "a.txt").text == text


# --------------------------------------------------------------------------- general checks


def test_supported_suffixes() -> None:
    assert {".pdf", ".docx", ".txt", ".md", ".html", ".htm"} <= SUPPORTED_SUFFIXES


def test_empty_file() -> None:
    assert error_of(b"", "a.txt") == "the file is empty"
    assert error_of(b"", "a.pdf") == "the file is empty"


def test_whitespace_only_text() -> None:
    assert error_of(b" \r\n\t\n", "a.txt") == "the file contains no text"


def test_unknown_suffix() -> None:
    message = error_of(b"data", "archive.xyz")
    assert message.startswith("unsupported file type '.xyz' (supported: ")
    assert ".pdf" in message and ".docx" in message
    assert error_of(b"data", "README").startswith("unsupported file type (none)")


def test_file_over_the_size_limit() -> None:
    limits = ExtractionLimits(max_bytes=MB)
    assert error_of(b"x" * (3 * MB // 2), "a.txt", limits=limits) == "the file is 1.5 MB; the limit is 1 MB"


def test_file_one_byte_over_the_size_limit() -> None:
    limits = ExtractionLimits(max_bytes=MB)
    assert error_of(b"x" * (MB + 1), "a.txt", limits=limits) == "the file is 1.1 MB; the limit is 1 MB"
    limits = ExtractionLimits(max_bytes=1024)
    assert error_of(b"x" * 1025, "a.txt", limits=limits) == "the file is 1.1 KB; the limit is 1 KB"


def test_file_on_disk_one_byte_over_the_default_limit(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "big.txt"
    with path.open("wb") as f:
        f.truncate(50 * MB + 1)  # sparse
    with pytest.raises(PlagDetectError, match=r"^the file is 50\.1 MB; the limit is 50 MB$"):
        read_file(path, ExtractionLimits().max_bytes)


def _shown_bytes(shown: str) -> float:
    number, unit = shown.split(" ")
    return float(number) * {"MB": MB, "KB": 1024, "bytes": 1}[unit]


@pytest.mark.parametrize("limit", [1000, 1024, 10_000, MB, 50 * MB, int(1.55 * MB), MB - 1, 500 * MB + 7])
@pytest.mark.parametrize("excess", [1, 2, 100, 1023, 1024, 99_999])
def test_a_size_over_the_limit_never_reads_as_within_it(limit: int, excess: int) -> None:
    shown, shown_limit = over_limit(limit + excess, limit)
    assert _shown_bytes(shown) > _shown_bytes(shown_limit)
    assert _shown_bytes(shown) >= limit + excess  # rounded up, never down


def worker_in_this_process(data: bytes, fmt: str, limits: ExtractionLimits, password: str | None) -> dict:
    """The worker's answer, computed here (where a test can patch the format modules) and sent through JSON."""
    import json

    return json.loads(json.dumps(worker_module.answer(data, fmt, limits, password)))


@pytest.mark.parametrize(
    ("module", "function", "filename", "expected"),
    [
        (text_module, "extract_plain", "a.txt", "the txt file could not be read"),
        (text_module, "extract_html", "a.html", "the html file could not be read"),
        (pdf_module, "extract_pdf", "a.pdf", "the pdf file could not be read"),
        (docx_module, "extract_docx", "a.docx", "the docx file could not be read"),
        (child_module, "run_worker", "a.txt", "the txt file could not be read"),  # the parent's side
    ],
)
def test_unexpected_error_in_a_format_module_is_a_user_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, module, function, filename, expected
) -> None:
    def broken(*args, **kwargs):
        raise KeyError("a bug")

    if module is not child_module:
        monkeypatch.setattr(child_module, "run_worker", worker_in_this_process)
    monkeypatch.setattr(module, function, broken)
    data = make_pdf(TWO_PAGES) if filename.endswith(".pdf") else b"some text"
    with caplog.at_level(logging.ERROR, logger="plagdetect.text.extract"):
        assert error_of(data, filename) == expected
    # The traceback, the worker's included, is logged.
    assert any(record.exc_info and "KeyError" in record.exc_text for record in caplog.records)


@pytest.mark.parametrize(
    "answer",
    [
        {"ok": True, "pages": 3},  # the old PDF worker's answer
        {"ok": True, "text": 3, "format": "pdf", "page_starts": [0]},
        {"ok": True, "text": "abc", "format": "txt", "page_starts": [0]},  # another format
        {"ok": True, "text": "abc", "format": "pdf", "page_starts": [0, 9]},  # a page past the end
        {"ok": True, "text": "abc", "format": "pdf", "page_starts": [0], "title": ["x"]},
        {"ok": False, "error": "refused", "message": ""},  # refused without a message
        {"ok": False, "error": "no such kind"},
    ],
)
def test_malformed_worker_answer_is_a_user_error(monkeypatch: pytest.MonkeyPatch, answer: dict) -> None:
    monkeypatch.setattr(child_module, "run_worker", lambda *a, **k: answer)
    assert error_of(make_pdf(TWO_PAGES), "a.pdf") == "the pdf file could not be read"


def test_read_file_then_extract(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "essay.txt"
    path.write_bytes("Bonjour, café.".encode())
    assert extract_bytes(read_file(path, ExtractionLimits().max_bytes), path.name).text == "Bonjour, café."
    with pytest.raises(PlagDetectError, match="^the file does not exist$"):
        read_file(tmp_path / "missing.txt", ExtractionLimits().max_bytes)


def test_read_file_refuses_before_reading(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.pdf"
    with path.open("wb") as f:
        f.truncate(300 * MB)  # sparse: costs no disk space
    monkeypatch.setattr(pathlib.Path, "open", lambda *a, **k: pytest.fail("the file was opened"))
    with pytest.raises(PlagDetectError) as info:
        read_file(path, ExtractionLimits().max_bytes)
    assert str(info.value) == "the file is 300 MB; the limit is 50 MB"


def test_limits_from_settings() -> None:
    from plagdetect.settings import Settings

    limits = ExtractionLimits.from_settings(Settings(max_file_mb=2, max_uncompressed_mb=10, extract_timeout_s=5))
    assert limits.max_bytes == 2 * MB
    assert limits.max_uncompressed_bytes == 10 * MB
    assert limits.extract_timeout_s == 5.0
    assert limits.extract_memory_mb == 1024
    assert limits.max_pages == 2000
    assert ExtractionLimits.from_settings(Settings(max_pages=7, extract_memory_mb=300)).max_pages == 7
    assert ExtractionLimits.from_settings(Settings(extract_memory_mb=300)).extract_memory_mb == 300
    assert limits.max_docx_xml_bytes == 64 * MB
    assert ExtractionLimits.from_settings(Settings(max_docx_xml_mb=8)).max_docx_xml_bytes == 8 * MB


# --------------------------------------------------------------------------- zip uploads


def test_iter_zip_members_skips_directories_and_hidden_files() -> None:
    data = make_zip(
        {
            "a.txt": b"alpha",
            "dir/": b"",
            "dir/b.docx": b"beta",
            "__MACOSX/dir/._b.docx": b"resource fork",
            ".hidden.txt": b"hidden",
            "dir/.DS_Store": b"junk",
        }
    )
    assert list(iter_zip_members(data, ExtractionLimits())) == [("a.txt", b"alpha"), ("dir/b.docx", b"beta")]


def test_iter_zip_members_refuses_large_members_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    limits = ExtractionLimits(max_bytes=1000)
    data = make_zip({"big.txt": b"word " * 1000, "small.txt": b"word"})  # 5000 bytes, 4.9 KB
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def recording_open(zf: zipfile.ZipFile, info: zipfile.ZipInfo, *args, **kwargs):
        opened.append(info.filename)
        return real_open(zf, info, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", recording_open)
    [(name, error), small] = list(iter_zip_members(data, limits))
    assert name == "big.txt"
    assert isinstance(error, PlagDetectError)
    assert str(error) == "the file is 4.9 KB; the limit is 1000 bytes"
    assert small == ("small.txt", b"word")
    assert opened == ["small.txt"]


def test_iter_zip_members_keeps_the_good_members_of_a_damaged_zip() -> None:
    data = make_zip({"a.txt": b"alpha " * 100, "bad.txt": ESSAY.encode(), "secret.txt": b"x", "c.txt": b"gamma"})
    data = mark_encrypted(damage_member(data, "bad.txt"), "secret.txt")
    members = list(iter_zip_members(data, ExtractionLimits()))
    assert [name for name, _ in members] == ["a.txt", "bad.txt", "secret.txt", "c.txt"]
    assert members[0][1] == b"alpha " * 100
    assert members[3][1] == b"gamma"
    assert str(members[1][1]) == "the file is corrupt or damaged in the zip archive"
    assert str(members[2][1]).startswith("the file is encrypted in the zip archive")
    assert all(isinstance(member, PlagDetectError) for _, member in members[1:3])


def test_read_upload_reports_bad_members_beside_the_good(tmp_path: pathlib.Path) -> None:
    archive = tmp_path / "essays.zip"
    archive.write_bytes(damage_member(make_zip({"good.txt": b"good " * 100, "bad.txt": ESSAY.encode()}), "bad.txt"))
    [(good_name, good), (bad_name, bad)] = list(read_upload(archive, ExtractionLimits()))
    assert (good_name, good) == (f"{archive}/good.txt", b"good " * 100)
    assert bad_name == f"{archive}/bad.txt"
    assert isinstance(bad, PlagDetectError) and str(bad) == "the file is corrupt or damaged in the zip archive"
    # What is wrong with the archive as a whole still fails it whole.
    archive.write_bytes(b"not a zip at all")
    [(name, error)] = list(read_upload(archive, ExtractionLimits()))
    assert (name, str(error)) == (str(archive), "not a readable zip archive")


def test_iter_zip_members_refuses_bad_archives() -> None:
    with pytest.raises(PlagDetectError, match="^not a readable zip archive$"):
        list(iter_zip_members(b"not a zip at all", ExtractionLimits()))
    many = make_zip({f"f{i}.txt": b"x" for i in range(6)})
    with pytest.raises(PlagDetectError, match="^the zip archive is suspicious: it has 6 entries"):
        list(iter_zip_members(many, ExtractionLimits(max_archive_members=5)))


def test_zip_members_whose_path_leads_out_are_reported_not_silently_skipped(tmp_path: pathlib.Path) -> None:
    data = make_zip({"../up.txt": b"x", "..\\win.txt": b"y", "/etc/abs.txt": b"z", "ok.txt": b"fine"})
    members = list(iter_zip_members(data, ExtractionLimits()))
    assert [name for name, _ in members] == ["../up.txt", "..\\win.txt", "/etc/abs.txt", "ok.txt"]
    assert all(str(error).startswith("its path leads out of the archive") for _, error in members[:3])
    assert members[3] == ("ok.txt", b"fine")


def test_an_archive_of_only_hidden_files_says_so() -> None:
    data = make_zip({".DS_Store": b"junk", "__MACOSX/._essay.docx": b"fork"})
    [(name, error)] = list(split_upload("mac.zip", data, ExtractionLimits()))
    assert name == "mac.zip" and str(error).startswith("the archive holds no files other than 2 hidden or system")
    assert ".DS_Store" in str(error)


# --------------------------------------------------------------------------- what an upload may become


def test_a_small_docx_that_expands_to_a_huge_text_is_refused_while_it_is_read() -> None:
    document = docx.Document()
    for _ in range(2000):
        document.add_paragraph("The same paragraph of an essay, repeated to blow up the text. " * 3)
    out = io.BytesIO()
    document.save(out)
    assert len(out.getvalue()) < 40_000  # a small upload ...
    message = error_of(out.getvalue(), "a.docx", limits=ExtractionLimits(max_text_chars=100_000))
    assert message == (
        "the text is over 100,000 characters once extracted; the limit is 100,000 characters (max_text_chars)"
    )


def test_every_format_is_held_to_the_text_limit() -> None:
    limits = ExtractionLimits(max_text_chars=1000)
    assert "the text is 1,200 characters once extracted" in error_of(b"word " * 240, "a.txt", limits=limits)
    html = b"<html><body>" + b"<p>word word</p>" * 200 + b"</body></html>"
    assert "the limit is 1,000 characters" in error_of(html, "a.html", limits=limits)
    assert extract_bytes(b"word " * 200, "a.txt", limits=limits).text == "word " * 200


def test_random_bytes_named_html_are_refused_as_the_txt_path_refuses_them() -> None:
    noise = random.Random(7).randbytes(30_000)
    assert error_of(noise, "noise.html") == "the file does not look like an HTML page (binary data?)"
    assert error_of(noise, "noise.txt") == "the file does not look like text (binary data?)"


def test_a_folder_ingest_reads_nothing_outside_the_folder(tmp_path: pathlib.Path) -> None:
    from plagdetect.text.uploads import expand_paths

    secret = tmp_path / "secret.txt"
    secret.write_text("a file outside the folder")
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "essay.txt").write_text("mine")
    (folder / "leak.txt").symlink_to(secret)
    (folder / "same.txt").symlink_to(folder / "essay.txt")  # a link inside the folder is read
    files = expand_paths([folder])
    uploads = [upload for path in files for upload in read_upload(path, ExtractionLimits())]
    assert [(pathlib.Path(name).name, data) for name, data in uploads if isinstance(data, bytes)] == [
        ("essay.txt", b"mine"),
        ("same.txt", b"mine"),
    ]
    [(name, error)] = [(name, data) for name, data in uploads if isinstance(data, PlagDetectError)]
    assert name.endswith("leak.txt") and str(error) == "a link to a file outside the folder; not read"
    assert expand_paths(files) == files  # a list already expanded (as the CLI passes it on) keeps its links marked
    assert isinstance(expand_paths(files)[1], type(files[1]))


def test_a_zip_that_claims_an_unknown_version_is_refused_not_a_crash(tmp_path: pathlib.Path) -> None:
    """Found by the fuzz corpus: zipfile raises NotImplementedError, which stopped a whole ingest."""
    data = make_zip({"a.txt": b"alpha"})
    header = data.index(b"PK\x01\x02")  # the central directory: "version needed to extract" at +6
    data = data[: header + 6] + bytes([99, 0]) + data[header + 8 :]
    archive = tmp_path / "essays.zip"
    archive.write_bytes(data)
    [(name, error)] = list(read_upload(archive, ExtractionLimits()))
    assert str(error) == "not a readable zip archive"
    assert error_of(data, "a.docx") == "not a readable DOCX (the file is corrupt or damaged)"
