"""Text extraction from uploaded documents: PDF, DOCX, plain text, Markdown and HTML.

This module is the public interface and stays light: the format modules (and pypdf,
python-docx, BeautifulSoup) are imported only when a file of that format is extracted, so
the PDF worker process, which lives in this package, starts quickly.

Every problem a user can cause raises ``PlagDetectError`` with a short message that does not
name the file; the caller prefixes ``"<file name>: "``.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from plagdetect.errors import PlagDetectError
from plagdetect.settings import Settings

logger = logging.getLogger(__name__)

MB = 1024 * 1024

# Suffix (lower case) -> the format name recorded in ExtractedText.format.
_FORMATS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_FORMATS)


@dataclass(frozen=True)
class ExtractionLimits:
    """Limits on what one upload may cost to read (defence against hostile or broken files).

    The defaults are the settings' defaults (``Settings``, where sizes are in MB); ``from_settings`` reads the
    settings in force.
    """

    max_bytes: int = int(Settings.max_file_mb * MB)  # the largest file accepted
    pdf_timeout_s: float = Settings.pdf_timeout_s  # wall-clock limit of the PDF worker process
    pdf_memory_mb: int = Settings.pdf_memory_mb  # address-space limit of the PDF worker process
    max_archive_members: int = Settings.max_archive_members  # entries in a zip (DOCX or zip upload)
    max_uncompressed_bytes: int = int(Settings.max_uncompressed_mb * MB)  # declared size of a zip, all entries
    max_compression_ratio: float = Settings.max_compression_ratio  # uncompressed / compressed, per entry and overall
    max_docx_xml_bytes: int = int(Settings.max_docx_xml_mb * MB)  # a DOCX's XML parts, all parsed in this process

    @classmethod
    def from_settings(cls, settings: Settings) -> ExtractionLimits:
        return cls(
            max_bytes=int(settings.max_file_mb * MB),
            pdf_timeout_s=float(settings.pdf_timeout_s),
            pdf_memory_mb=int(settings.pdf_memory_mb),
            max_archive_members=int(settings.max_archive_members),
            max_uncompressed_bytes=int(settings.max_uncompressed_mb * MB),
            max_compression_ratio=float(settings.max_compression_ratio),
            max_docx_xml_bytes=int(settings.max_docx_xml_mb * MB),
        )


@dataclass(frozen=True)
class ExtractedText:
    """The text of one document and what is known about where it came from."""

    text: str  # the document text as extracted, before any normalisation
    format: str  # "pdf" | "docx" | "txt" | "md" | "html"
    page_starts: tuple[int, ...] = (0,)  # offset in `text` where each page begins (PDF); (0,) otherwise
    title: str | None = None  # from document metadata when present
    author: str | None = None


def human_size(n_bytes: float) -> str:
    """A size for a message: "312.4 MB", "50 MB", "2.5 KB", "10 bytes"."""
    for unit, scale in (("MB", MB), ("KB", 1024)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{int(n_bytes)} bytes"


def _size_rounded_up(n_bytes: int, decimals: int) -> str:
    """Like ``human_size`` but rounded up at ``decimals`` decimals, so it never reads as less than it is."""
    for unit, scale in (("MB", MB), ("KB", 1024)):
        if n_bytes >= scale:
            units = -(-n_bytes * 10**decimals // scale)  # ceiling, in exact integer arithmetic
            whole, fraction = divmod(units, 10**decimals)
            shown = f"{whole}.{fraction:0{decimals}d}".rstrip("0").removesuffix(".")
            return f"{shown} {unit}"
    return f"{n_bytes} bytes"


def _size_in_bytes(shown: str) -> float:
    number, unit = shown.split(" ")
    return float(number) * {"MB": MB, "KB": 1024, "bytes": 1}[unit]


def over_limit(size: int, limit: int) -> tuple[str, str]:
    """A size above a limit and the limit, for a message: the size never reads as equal to or below the
    limit ("50.1 MB" and "50 MB" for a file one byte over 50 MB, where ``human_size`` says "50 MB")."""
    shown_limit = human_size(limit)
    for decimals in (1, 2, 3):
        shown = _size_rounded_up(size, decimals)
        if _size_in_bytes(shown) > _size_in_bytes(shown_limit):
            return shown, shown_limit
    return f"{size} bytes", f"{limit} bytes"  # a limit that human_size rounds up past the size


def too_large(size: int, limit: int) -> PlagDetectError:
    """The error for a file of ``size`` bytes above the limit of ``limit`` bytes."""
    shown, shown_limit = over_limit(size, limit)
    return PlagDetectError(f"the file is {shown}; the limit is {shown_limit}")


def _check_size(size: int, limits: ExtractionLimits) -> None:
    if size > limits.max_bytes:
        raise too_large(size, limits.max_bytes)


def format_of(filename: str) -> str:
    """The format name for a file name's suffix; an unsupported suffix raises ``PlagDetectError``."""
    suffix = Path(filename).suffix.lower()
    if suffix not in _FORMATS:
        shown = f"'{suffix}'" if suffix else "(none)"
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise PlagDetectError(f"unsupported file type {shown} (supported: {supported})")
    return _FORMATS[suffix]


def extract_bytes(
    data: bytes,
    filename: str,
    limits: ExtractionLimits = ExtractionLimits(),
    password: str | None = None,
) -> ExtractedText:
    """Extract the text of a document given as bytes; ``filename`` decides the format by its suffix."""
    fmt = format_of(filename)
    _check_size(len(data), limits)
    if not data:
        raise PlagDetectError("the file is empty")

    try:
        result = _extract_format(data, fmt, limits, password)
    except PlagDetectError:
        raise
    except Exception:  # a bug or a library's unforeseen error: one odd file must not abort a batch
        logger.exception("unexpected error extracting %s (%s)", filename, fmt)
        raise PlagDetectError(f"the {fmt} file could not be read") from None

    if not result.text.strip():
        if fmt == "pdf":
            raise PlagDetectError("the PDF has no text layer (a scanned document?); OCR is not supported")
        raise PlagDetectError("the file contains no text")
    logger.debug("extracted %d characters from %s (%s)", len(result.text), filename, fmt)
    return result


def _extract_format(data: bytes, fmt: str, limits: ExtractionLimits, password: str | None) -> ExtractedText:
    if fmt == "pdf":
        from plagdetect.text.extract import pdf

        return pdf.extract_pdf(data, limits, password)
    if fmt == "docx":
        from plagdetect.text.extract import docx

        return docx.extract_docx(data, limits)
    from plagdetect.text.extract import text

    return text.extract_html(data) if fmt == "html" else text.extract_plain(data, fmt)


def read_file(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """A file's bytes; a missing, unreadable or oversized file raises (its size is checked before reading)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise PlagDetectError("not a regular file")
        if size > max_bytes:
            raise too_large(size, max_bytes)
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)  # bounded: the file may have grown since stat()
    except FileNotFoundError:
        raise PlagDetectError("the file does not exist") from None
    except PermissionError:
        raise PlagDetectError("the file cannot be read (permission denied)") from None
    except IsADirectoryError:
        raise PlagDetectError("not a regular file") from None
    except OSError as exc:
        logger.info("cannot read %s: %s", path, exc)
        raise PlagDetectError("the file cannot be read") from None
    if len(data) > max_bytes:
        raise PlagDetectError(f"the file grew past the limit of {human_size(max_bytes)} while being read")
    return data


__all__ = [
    "SUPPORTED_SUFFIXES",
    "ExtractedText",
    "ExtractionLimits",
    "extract_bytes",
    "format_of",
    "read_file",
    "human_size",
    "over_limit",
    "too_large",
]
