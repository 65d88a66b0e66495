"""PDF text extraction with pypdf. It runs in the worker process (``worker.py``), never in the caller's:
pypdf has a history of hangs and decompression bombs, and the worker is held to a time and a memory limit.

The pages are counted before any is read (``max_pages``), and reading stops once the text passes
``max_text_chars``, so a PDF of 100,000 pages or one that expands to a huge text costs little.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError

from plagdetect.errors import PlagDetectError
from plagdetect.text.extract.base import (
    UNREADABLE,
    ExtractedText,
    ExtractionLimits,
    text_too_long,
    too_many_pages,
)

logger = logging.getLogger(__name__)

PAGE_BREAK = "\n\n"  # put between the texts of consecutive pages

CORRUPT = UNREADABLE["pdf"]
ENCRYPTED = "the PDF is encrypted; a password is needed"
WRONG_PASSWORD = "wrong password for the encrypted PDF"
UNSUPPORTED_ENCRYPTION = "the PDF uses an encryption (AES) that this installation cannot open"


def looks_like_pdf(data: bytes) -> bool:
    """PDF readers accept a ``%PDF`` header anywhere in the first 1024 bytes."""
    return b"%PDF" in data[:1024]


def _text_or_none(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _valid_unicode(text: str) -> str:
    """Replace lone surrogates (pypdf can produce them from broken font maps) so the text encodes."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _decrypt(reader: PdfReader, password: str | None) -> bool:
    """Open an encrypted PDF: with the empty user password when that opens it (a PDF with only an owner
    password, whatever password was given), else with the given one."""
    if reader.decrypt("") != PasswordType.NOT_DECRYPTED:
        return True
    return bool(password) and reader.decrypt(password) != PasswordType.NOT_DECRYPTED


def _check_pages(reader: PdfReader, limits: ExtractionLimits) -> None:
    """Refuse a PDF of more than ``max_pages`` pages before any page is read: first by the count the page tree
    declares (read at once; walking a tree of 100,000 pages takes seconds), then by the pages the tree holds
    (the declared count may be wrong)."""
    try:
        declared = int(reader.root_object["/Pages"]["/Count"])  # type: ignore[index, call-overload]
    except Exception:  # a missing or odd count: the walk below decides
        declared = 0
    if declared > limits.max_pages:
        raise too_many_pages(declared, limits.max_pages)
    count = len(reader.pages)
    if count > limits.max_pages:
        raise too_many_pages(count, limits.max_pages)


def _page_texts(reader: PdfReader, limits: ExtractionLimits) -> tuple[list[str], int]:
    """The text of each page (empty for a page that fails) and how many failed; stops past ``max_text_chars``."""
    pages: list[str] = []
    failed = 0
    total = 0
    for page in reader.pages:
        try:
            text = _valid_unicode(page.extract_text() or "")
        except (MemoryError, DependencyError):
            raise
        except Exception as exc:  # one broken page should not lose the rest of the document
            logger.warning("page %d: %s: %s", len(pages) + 1, type(exc).__name__, exc)
            text = ""
            failed += 1
        pages.append(text)
        total += len(text) + len(PAGE_BREAK)
        if total > limits.max_text_chars + len(PAGE_BREAK):
            raise text_too_long(total, limits.max_text_chars, at_least=True)
    return pages, failed


def _metadata(reader: PdfReader) -> tuple[str | None, str | None]:
    try:
        metadata = reader.metadata
        if metadata is not None:
            return _text_or_none(metadata.title), _text_or_none(metadata.author)
    except Exception as exc:  # broken metadata does not make the text unusable
        logger.warning("metadata: %s: %s", type(exc).__name__, exc)
    return None, None


def extract_pdf(data: bytes, limits: ExtractionLimits, password: str | None = None) -> ExtractedText:
    """The text of a PDF, pages joined by ``PAGE_BREAK``, with the offset where each page begins.

    A file that cannot be used raises ``PlagDetectError``; running out of memory raises ``MemoryError``.
    """
    if not looks_like_pdf(data):
        raise PlagDetectError(CORRUPT)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _decrypt(reader, password):
            raise PlagDetectError(WRONG_PASSWORD if password else ENCRYPTED)
        _check_pages(reader, limits)
        pages, failed = _page_texts(reader, limits)
        title, author = _metadata(reader)
    except (PlagDetectError, MemoryError):
        raise
    except DependencyError as exc:  # AES without the `cryptography` package installed
        logger.info("PDF refused: %s", exc)
        raise PlagDetectError(UNSUPPORTED_ENCRYPTION) from None
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        logger.info("PDF refused: %s: %s", type(exc).__name__, exc)
        raise PlagDetectError(CORRUPT) from None

    if not pages:
        raise PlagDetectError("the PDF has no pages")
    if failed == len(pages):
        raise PlagDetectError(CORRUPT)  # no page could be read: not "no text layer"
    starts: list[int] = []
    offset = 0
    for page in pages:
        starts.append(offset)
        offset += len(page) + len(PAGE_BREAK)
    return ExtractedText(
        text=PAGE_BREAK.join(pages),
        format="pdf",
        page_starts=tuple(starts) or (0,),
        title=title,
        author=author,
    )
