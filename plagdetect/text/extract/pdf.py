"""PDF text extraction: runs ``plagdetect.text.extract.pdf_worker`` in a child process with a time
and a memory limit, and turns its answer into ``ExtractedText`` or a ``PlagDetectError``."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from plagdetect.errors import PlagDetectError
from plagdetect.text.extract.base import ExtractedText, ExtractionLimits

logger = logging.getLogger(__name__)

PAGE_BREAK = "\n\n"  # put between the texts of consecutive pages

CORRUPT = "not a readable PDF (the file is corrupt or damaged)"
_MESSAGES = {
    "corrupt": CORRUPT,
    "encrypted": "the PDF is encrypted; a password is needed",
    "wrong_password": "wrong password for the encrypted PDF",
    "unsupported_encryption": "the PDF uses an encryption (AES) that this installation cannot open",
}

# Exit statuses of a worker killed by the kernel or crashed on a failed allocation.
_MEMORY_KILL_STATUSES = {-getattr(signal, name) for name in ("SIGKILL", "SIGSEGV") if hasattr(signal, name)}

# The package root must be importable by the worker even when PlagDetect is not installed.
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[3])


def looks_like_pdf(data: bytes) -> bool:
    """PDF readers accept a ``%PDF`` header anywhere in the first 1024 bytes."""
    return b"%PDF" in data[:1024]


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_PARENT, env.get("PYTHONPATH")) if p)
    return env


def run_worker(data: bytes, limits: ExtractionLimits, password: str | None) -> dict[str, Any]:
    """Run the worker on the PDF bytes; its JSON answer, or a PlagDetectError on a crash or timeout."""
    # The worker caps its own memory (--memory-mb) rather than a preexec_fn here: preexec_fn is
    # not safe in a multi-threaded parent (the web UI), the child could deadlock before exec.
    command = [sys.executable, "-m", "plagdetect.text.extract.pdf_worker", "--memory-mb", str(limits.pdf_memory_mb)]
    stdin = json.dumps({"password": password}).encode() + b"\n" + data
    try:
        proc = subprocess.run(
            command, input=stdin, capture_output=True, timeout=limits.pdf_timeout_s, env=_worker_env()
        )
    except subprocess.TimeoutExpired:
        raise PlagDetectError(
            f"reading the PDF took longer than {limits.pdf_timeout_s:g} s; it may be malformed"
        ) from None

    stderr = proc.stderr.decode("utf-8", "replace")
    memory_message = f"reading the PDF needed more than {limits.pdf_memory_mb} MB of memory"
    try:
        result = json.loads(proc.stdout) if proc.returncode == 0 else None
    except ValueError:
        result = None
    if not isinstance(result, dict):
        logger.warning("PDF worker failed (exit status %s): %s", proc.returncode, stderr[-2000:])
        if proc.returncode in _MEMORY_KILL_STATUSES or "MemoryError" in stderr:
            raise PlagDetectError(memory_message)
        raise PlagDetectError(CORRUPT)
    if stderr:
        logger.debug("PDF worker stderr: %s", stderr[-2000:])
    if not result.get("ok"):
        kind = result.get("error")
        logger.info("PDF refused (%s): %s", kind, result.get("detail", ""))
        if kind == "memory":
            raise PlagDetectError(memory_message)
        raise PlagDetectError(_MESSAGES.get(kind, CORRUPT))
    return result


def extract_pdf(data: bytes, limits: ExtractionLimits, password: str | None = None) -> ExtractedText:
    """The text of a PDF, pages joined by ``PAGE_BREAK``, with the offset where each page begins."""
    if not looks_like_pdf(data):
        raise PlagDetectError(CORRUPT)
    result = run_worker(data, limits, password)
    pages: list[str] = [str(page) for page in result.get("pages", [])]
    if not pages:
        raise PlagDetectError("the PDF has no pages")
    if result.get("failed_pages") == len(pages):
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
        title=result.get("title") or None,
        author=result.get("author") or None,
    )
