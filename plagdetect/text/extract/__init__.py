"""Text extraction from uploaded documents: PDF, DOCX, plain text, Markdown and HTML.

This module is the public interface and stays light. Every file is read in a child process
(``child.py`` runs ``worker.py``) with a time and a memory limit; only the worker imports a format
module and its library (pypdf, python-docx, BeautifulSoup), so the caller's process never parses an
upload, and the worker, which lives in this package, starts quickly.

Every problem a user can cause raises ``PlagDetectError`` with a short message that does not
name the file; the caller prefixes ``"<file name>: "``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from plagdetect.errors import PlagDetectError
from plagdetect.text.extract.base import (
    MB,
    ExtractedText,
    ExtractionLimits,
    human_size,
    over_limit,
    text_too_long,
    too_large,
)

logger = logging.getLogger(__name__)

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
    except Exception:  # a bug, a library's unforeseen error, a garbled answer: one odd file must not abort a batch
        logger.exception("unexpected error extracting %s (%s)", filename, fmt)
        raise PlagDetectError(f"the {fmt} file could not be read") from None

    if len(result.text) > limits.max_text_chars:
        raise text_too_long(len(result.text), limits.max_text_chars)
    if not result.text.strip():
        if fmt == "pdf":
            raise PlagDetectError("the PDF has no text layer (a scanned document?); OCR is not supported")
        raise PlagDetectError("the file contains no text")
    logger.debug("extracted %d characters from %s (%s)", len(result.text), filename, fmt)
    return result


def _extract_format(data: bytes, fmt: str, limits: ExtractionLimits, password: str | None) -> ExtractedText:
    """The file read by the worker process (``child.extract_in_child``), whatever its format."""
    from plagdetect.text.extract import child

    return child.extract_in_child(data, fmt, limits, password)


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
    "MB",
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
