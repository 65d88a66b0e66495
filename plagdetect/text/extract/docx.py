"""DOCX text extraction with python-docx, after a zip-bomb check of the archive. It runs in the worker process
(``worker.py``), held to a time and a memory limit, never in the caller's.

The text holds the body's paragraphs and tables in document order, one paragraph per line.
A table becomes one line per row, its cells joined by " \\t "; a table nested in a cell follows
the row that holds it. Headers, footers, footnotes, comments and text boxes are not included.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterator
from typing import Any

import docx
from docx.table import Table
from lxml import etree

from plagdetect.errors import PlagDetectError
from plagdetect.text.extract.archive import check_zip
from plagdetect.text.extract.base import UNREADABLE, ExtractedText, ExtractionLimits, over_limit, text_too_long

logger = logging.getLogger(__name__)

CELL_SEPARATOR = " \t "
CORRUPT = UNREADABLE["docx"]
NOT_WORD = "not a readable DOCX (it is a zip archive but not a Word document)"


def _block_lines(container: Any) -> Iterator[str]:
    """Lines of a document body or table cell: paragraphs and tables in document order."""
    for block in container.iter_inner_content():
        if isinstance(block, Table):
            yield from _table_lines(block)
        else:
            yield block.text


def _table_lines(table: Any) -> Iterator[str]:
    seen: set[Any] = set()  # merged cells come back once per grid position: keep the first
    for row in table.rows:
        texts: list[str] = []
        nested: list[str] = []
        for cell in row.cells:
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            paragraphs = []
            for block in cell.iter_inner_content():
                if isinstance(block, Table):
                    nested.extend(_table_lines(block))
                elif block.text.strip():
                    paragraphs.append(block.text)
            texts.append(" ".join(paragraphs))
        if any(t.strip() for t in texts):
            yield CELL_SEPARATOR.join(texts)
        yield from nested


def _core_property(document: Any, name: str) -> str | None:
    try:
        value = getattr(document.core_properties, name)
    except Exception as exc:  # a broken docProps/core.xml does not make the text unusable
        logger.debug("docx core property %s: %s", name, exc)
        return None
    text = str(value).strip() if value else ""
    return text or None


def _check_xml_size(infos: list[zipfile.ZipInfo], limits: ExtractionLimits) -> None:
    """Refuse a DOCX whose XML parts are too large to parse in this process (python-docx holds the whole
    tree of word/document.xml, and of the styles, headers, footers, etc., in memory: several times the
    XML's size). Judged from the declared sizes in the zip directory, before anything is decompressed."""
    xml_size = sum(info.file_size for info in infos if info.filename.lower().endswith((".xml", ".rels")))
    if xml_size > limits.max_docx_xml_bytes:
        shown, shown_limit = over_limit(xml_size, limits.max_docx_xml_bytes)
        raise PlagDetectError(f"the DOCX text is too large to read safely ({shown} of XML; the limit is {shown_limit})")


def _out_of_memory(exc: Exception) -> bool:
    """Whether lxml failed for want of memory (under the worker's memory limit it says "unknown error", code 2)."""
    if not isinstance(exc, etree.LxmlError):
        return False
    no_memory = etree.ErrorTypes.ERR_NO_MEMORY
    log = getattr(exc, "error_log", None) or []
    return getattr(exc, "code", None) == no_memory or any(entry.type == no_memory for entry in log)


def _bounded(lines: Iterator[str], limit: int) -> Iterator[str]:
    """The lines, until their text passes ``limit`` characters: then the extraction stops with an error."""
    total = 0
    for line in lines:
        total += len(line) + 1
        if total > limit + 1:
            raise text_too_long(total, limit, at_least=True)
        yield line


def extract_docx(data: bytes, limits: ExtractionLimits) -> ExtractedText:
    """The text of a DOCX given as bytes."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, OSError):
        raise PlagDetectError(CORRUPT) from None
    with zf:
        check_zip(zf, limits, "DOCX archive")
        infos = zf.infolist()
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        raise PlagDetectError(NOT_WORD)
    _check_xml_size(infos, limits)

    try:
        document = docx.Document(io.BytesIO(data))
        text = "\n".join(_bounded(_block_lines(document), limits.max_text_chars))
    except (PlagDetectError, MemoryError):
        raise
    except ValueError as exc:
        logger.info("DOCX refused: %s", exc)
        raise PlagDetectError(NOT_WORD if "not a Word file" in str(exc) else CORRUPT) from None
    except Exception as exc:  # python-docx and lxml raise many kinds of errors on damaged files
        if _out_of_memory(exc):
            raise MemoryError(str(exc)) from exc
        logger.info("DOCX refused: %s: %s", type(exc).__name__, exc)
        raise PlagDetectError(CORRUPT) from None
    return ExtractedText(
        text=text,
        format="docx",
        title=_core_property(document, "title"),
        author=_core_property(document, "author"),
    )
