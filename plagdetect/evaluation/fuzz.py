"""Malformed and hostile uploads, built by code, and what the product does with each: refuse, accept, crash, hang.

``fuzz_corpus`` makes valid seed files of every format (text in three encodings, HTML, PDF, DOCX, zip) and derives
hostile variants from them: truncated, bytes flipped, junk spliced in, random bytes under a real name, empty, the
wrong suffix, repeated to expand, zips with paths that lead out, nested zips, highly compressed members. Nothing is
committed as a binary: the same seed gives the same files. ``run_fuzz`` reads each the way an upload is read
(``split_upload`` then ``prepare_document``) and counts the outcomes; the target is that every file is refused with
a message or accepted, none crashes and none takes over ``slow_s``.
"""

from __future__ import annotations

import io
import random
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from plagdetect.errors import PlagDetectError
from plagdetect.settings import Settings
from plagdetect.text.extract import ExtractionLimits
from plagdetect.text.prepare import prepare_document
from plagdetect.text.uploads import split_upload

ESSAY = (
    "The printing press changed how knowledge travelled. Around 1440 Johannes Gutenberg combined movable metal "
    "type with a screw press, and within decades printed books spread across Europe. Scholars could compare "
    "identical copies, and errors were corrected in later editions rather than multiplied by hand.\n\n"
    "Historians still debate how quickly literacy followed. Cheaper books helped, but schools, religion and "
    "trade mattered as much as the machines themselves."
)


def _pdf(text: str, title: str = "An essay") -> bytes:
    """A small valid PDF with one page of text (Helvetica) and a title."""
    lines = " 0 -16 Td ".join(
        "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") Tj"
        for line in text.replace("\n", " ").split(". ")
    )
    stream = f"BT /F1 11 Tf 72 720 Td {lines} ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Title (" + title.encode("latin-1", "replace") + b") >>",
    ]
    return pdf_file(objects, info=6)


def pdf_file(objects: list[bytes], root: int = 1, info: int | None = None, header: bytes = b"%PDF-1.4\n") -> bytes:
    """A PDF file of ``objects`` (numbered from 1, in order) with its cross-reference table and trailer."""
    out = bytearray(header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = (
        b"<< /Size %d /Root %d 0 R" % (len(objects) + 1, root) + (b" /Info %d 0 R" % info if info else b"") + b" >>"
    )
    out += b"trailer\n" + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _docx(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Year", "Event"
    out = io.BytesIO()
    document.save(out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as saved:  # the same bytes every time: no timestamps
        return _zip({info.filename: saved.read(info) for info in saved.infolist()})


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data, compress_type=method)
    return out.getvalue()


def seeds() -> dict[str, bytes]:
    """One valid file of each format the product reads."""
    html = f"<html><head><title>Essay</title><script>alert(1)</script></head><body><p>{ESSAY}</p></body></html>"
    return {
        "essay.txt": ESSAY.encode("utf-8"),
        "essay-cp1252.txt": (ESSAY + " Café, naïve, façade.").encode("cp1252"),
        "essay-utf16.txt": ESSAY.encode("utf-16"),
        "essay.md": ("# Essay\n\n" + ESSAY).encode(),
        "essay.html": html.encode(),
        "essay.pdf": _pdf(ESSAY),
        "essay.docx": _docx(ESSAY.split("\n\n")),
        "essays.zip": _zip({"a.txt": ESSAY.encode(), "b.html": html.encode()}),
    }


def _variants(name: str, data: bytes, rng: random.Random) -> Iterator[tuple[str, bytes]]:
    stem, suffix = name.rsplit(".", 1)
    yield f"{stem}-truncated.{suffix}", data[: rng.randrange(1, max(2, len(data)))]
    flipped = bytearray(data)
    for _ in range(rng.randrange(1, 40)):
        flipped[rng.randrange(len(flipped))] = rng.randrange(256)
    yield f"{stem}-flipped.{suffix}", bytes(flipped)
    cut = rng.randrange(len(data))
    yield f"{stem}-junk.{suffix}", data[:cut] + rng.randbytes(rng.randrange(1, 2000)) + data[cut:]
    yield f"{stem}-random.{suffix}", rng.randbytes(rng.randrange(1, 30_000))
    other = rng.choice(["pdf", "docx", "txt", "html", "zip"])
    yield f"{stem}-renamed-{suffix}.{other}", data


def fuzz_corpus(count: int = 400, seed: int = 0) -> Iterator[tuple[str, bytes]]:
    """``count`` files (the seeds first), the same for the same ``seed``."""
    rng = random.Random(seed)
    base = seeds()
    fixed = list(base.items()) + [
        ("empty.txt", b""),
        ("empty.pdf", b""),
        ("only-dots.txt", b". " * 50_000),
        ("nul.txt", b"\0" * 5000),
        ("no-suffix", ESSAY.encode()),
        ("essay.exe", ESSAY.encode()),
        ("escape\x1b[2J.txt", ESSAY.encode()),
        ("expanding.docx", _docx(["The same paragraph, repeated to blow up the text. " * 20] * 3000)),
        ("traversal.zip", _zip({"../up.txt": b"x", "/abs.txt": b"y", "ok.txt": ESSAY.encode()})),
        ("hidden-only.zip", _zip({".DS_Store": b"x", "__MACOSX/._a.txt": b"y"})),
        ("nested.zip", _zip({"inner.zip": _zip({"deep.zip": _zip({"a.txt": ESSAY.encode()})})})),
        ("bomb.zip", _zip({"zeros.txt": b"0" * 20_000_000})),
        ("stored.zip", _zip({"a.pdf": _pdf(ESSAY), "b.docx": base["essay.docx"]}, zipfile.ZIP_STORED)),
        ("pdf-no-text.pdf", _pdf("")),
        ("html-no-body.html", b"<html><head><title>t</title></head></html>"),
        ("broken.html", b"<html><body><p>" + b"<div>" * 5000 + ESSAY.encode()),
    ]
    produced = 0
    for name, data in fixed:
        if produced == count:
            return
        yield name, data
        produced += 1
    while produced < count:
        name, data = rng.choice(list(base.items()))
        for variant in _variants(name, data, rng):
            if produced == count:
                return
            yield variant
            produced += 1


@dataclass
class FuzzResult:
    counts: Counter = field(default_factory=Counter)  # refused | accepted | crashed | slow
    crashes: list[str] = field(default_factory=list)  # "name: ExceptionType: message"
    slowest: tuple[float, str] = (0.0, "")

    def describe(self) -> str:
        lines = [
            f"fuzz: {sum(self.counts.values())} files: {self.counts['refused']} refused with a message, "
            f"{self.counts['accepted']} accepted, {self.counts['crashed']} crashed, {self.counts['slow']} slow",
            f"  slowest: {self.slowest[1]} in {self.slowest[0]:.1f} s",
        ]
        return "\n".join(lines + [f"  crashed: {crash}" for crash in self.crashes])


def read_one(name: str, data: bytes, settings: Settings) -> str:
    """How one upload fares: "accepted" when every file it holds is read, "refused" when any is refused with a
    message; any other exception propagates (a crash)."""
    outcome = "accepted"
    for member, content in split_upload(name, data, ExtractionLimits.from_settings(settings)):
        if isinstance(content, PlagDetectError):
            outcome = "refused"
            continue
        try:
            prepare_document(content, member, settings)
        except PlagDetectError:
            outcome = "refused"
    return outcome


def run_fuzz(files: Iterator[tuple[str, bytes]], settings: Settings, slow_s: float = 30.0) -> FuzzResult:
    result = FuzzResult()
    for name, data in files:
        started = time.perf_counter()
        try:
            outcome = read_one(name, data, settings)
        except Exception as error:  # noqa: BLE001 (a crash is what is counted)
            outcome = "crashed"
            result.crashes.append(f"{name!r}: {type(error).__name__}: {error}")
        seconds = time.perf_counter() - started
        if seconds > slow_s:
            outcome = "slow"
        result.counts[outcome] += 1
        result.slowest = max(result.slowest, (seconds, name))
    return result
