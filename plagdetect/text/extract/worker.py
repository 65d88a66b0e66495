"""Child process that reads one uploaded file of any format: ``python -m plagdetect.text.extract.worker``.

Parsers of untrusted files (pypdf, python-docx with lxml, BeautifulSoup, the text decoders) never run in the
caller's process: a hostile file can hang them or make them allocate gigabytes. The parent (``child.py``)
enforces a wall-clock limit and kills this process when it passes; this process caps its own address space
(``--memory-mb``) once the format's library is imported, before it reads the file. It imports only the stdlib,
the light modules of ``plagdetect.text.extract`` and the one format's library.

Command line: ``--format pdf|docx|txt|md|html`` and ``--memory-mb N`` (0: no limit).

Protocol. stdin: one line of JSON ``{"password": str | null, "limits": {ExtractionLimits field: value}}``, then
the raw bytes of the file. stdout: one JSON object (ASCII), either
``{"ok": true, "text": str, "format": str, "page_starts": [int, ...], "title": str | null,
"author": str | null}`` (the fields of ``ExtractedText``), or
``{"ok": false, "error": KIND, "message": str, "detail": str}`` where KIND is
"refused" (the file cannot be used; ``message`` says why, fit to show a user),
"memory" (the memory limit was reached) or
"unexpected" (a bug or a library's unforeseen error; ``detail`` holds the traceback).
The exit status is 0 whenever an answer was written. Logging goes to stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import logging
import sys
import traceback
from typing import Any, BinaryIO

from plagdetect.errors import PlagDetectError
from plagdetect.text.extract.base import ExtractedText, ExtractionLimits, text_too_long

logger = logging.getLogger(__name__)

# The library each format parses with, imported before the memory cap (its code is not the file's cost).
_LIBRARIES = {"pdf": "pypdf", "docx": "docx", "html": "bs4"}
FORMATS = ("pdf", "docx", "txt", "md", "html")


def limit_memory(memory_mb: int) -> None:
    """Cap this process's address space; a no-op where the platform does not support it."""
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError) as exc:  # e.g. Windows, or macOS refusing RLIMIT_AS
        logger.warning("could not limit the worker's memory: %s", exc)


def read_format(data: bytes, fmt: str, limits: ExtractionLimits, password: str | None) -> ExtractedText:
    """The text of a file of format ``fmt`` (this process's work; it raises what the format module raises)."""
    if fmt == "pdf":
        from plagdetect.text.extract import pdf

        extracted = pdf.extract_pdf(data, limits, password)
    elif fmt == "docx":
        from plagdetect.text.extract import docx

        extracted = docx.extract_docx(data, limits)
    elif fmt == "html":
        from plagdetect.text.extract import text

        extracted = text.extract_html(data)
    elif fmt in ("txt", "md"):
        from plagdetect.text.extract import text

        extracted = text.extract_plain(data, fmt)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    if len(extracted.text) > limits.max_text_chars:  # not sent back: the parent would hold it all
        raise text_too_long(len(extracted.text), limits.max_text_chars)
    return extracted


def answer(data: bytes, fmt: str, limits: ExtractionLimits, password: str | None) -> dict[str, Any]:
    """The answer object described in the module docstring, for the file's bytes."""
    try:
        extracted = read_format(data, fmt, limits, password)
    except PlagDetectError as exc:
        return {"ok": False, "error": "refused", "message": str(exc), "detail": ""}
    except MemoryError:
        return {"ok": False, "error": "memory", "message": "", "detail": ""}
    except Exception:  # a bug or a library's unforeseen error: told to the parent, which logs it
        return {"ok": False, "error": "unexpected", "message": "", "detail": traceback.format_exc()}
    return {"ok": True, **dataclasses.asdict(extracted)}


def _limits_from(raw: Any) -> ExtractionLimits:
    names = {field.name for field in dataclasses.fields(ExtractionLimits)}
    return ExtractionLimits(**{k: v for k, v in (raw or {}).items() if k in names})


def _write(out: BinaryIO, result: dict[str, Any]) -> None:
    try:
        encoded = json.dumps(result).encode("ascii")
    except MemoryError:
        encoded = b'{"ok": false, "error": "memory", "message": "", "detail": ""}'
    out.write(encoded)
    out.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", required=True, choices=FORMATS)
    parser.add_argument("--memory-mb", type=int, default=0, help="address-space limit (0: none)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="extract worker: %(message)s")
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns a lot about harmless quirks
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a library that prints must not garble the answer

    if args.format in _LIBRARIES:
        importlib.import_module(_LIBRARIES[args.format])
    if args.memory_mb > 0:
        limit_memory(args.memory_mb)

    header = json.loads(sys.stdin.buffer.readline() or b"{}")
    data = sys.stdin.buffer.read()
    result = answer(data, args.format, _limits_from(header.get("limits")), header.get("password"))
    del data
    _write(out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
