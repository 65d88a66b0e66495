"""The parent side of extraction: runs ``plagdetect.text.extract.worker`` in a child process for every format,
with a wall-clock limit (``extract_timeout_s``) and a memory limit (``extract_memory_mb``), and turns its answer
into ``ExtractedText`` or a ``PlagDetectError``. The caller's process never parses the file's bytes.

Imports only the stdlib and the light ``base`` module.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from plagdetect.errors import PlagDetectError
from plagdetect.text.extract.base import UNREADABLE, ExtractedText, ExtractionLimits

logger = logging.getLogger(__name__)

WORKER_MODULE = "plagdetect.text.extract.worker"

# Exit statuses of a worker killed by the kernel or crashed on a failed allocation.
_MEMORY_KILL_STATUSES = {-getattr(signal, name) for name in ("SIGKILL", "SIGSEGV") if hasattr(signal, name)}

# The package root must be importable by the worker even when PlagDetect is not installed.
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[3])


def timeout_message(limits: ExtractionLimits) -> str:
    return f"reading the file took longer than {limits.extract_timeout_s:g} s (extract_timeout_s); it may be malformed"


def memory_message(limits: ExtractionLimits) -> str:
    return f"reading the file needed more than {limits.extract_memory_mb} MB of memory (extract_memory_mb)"


def unreadable_message(fmt: str) -> str:
    """What a file is told when it could not be read for a reason it may have caused (the worker died)."""
    return UNREADABLE.get(fmt, f"the {fmt} file could not be read")


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_PARENT, env.get("PYTHONPATH")) if p)
    return env


def run_worker(data: bytes, fmt: str, limits: ExtractionLimits, password: str | None) -> dict[str, Any]:
    """Run the worker on the file's bytes; its JSON answer (``worker``'s docstring), or a PlagDetectError when it
    timed out, ran out of memory or died without an answer."""
    # The worker caps its own memory (--memory-mb) rather than a preexec_fn here: preexec_fn is
    # not safe in a multi-threaded parent (the web UI), the child could deadlock before exec.
    command = [sys.executable, "-m", WORKER_MODULE, "--format", fmt, "--memory-mb", str(limits.extract_memory_mb)]
    header = {"password": password, "limits": dataclasses.asdict(limits)}
    stdin = json.dumps(header).encode() + b"\n" + data
    try:
        proc = subprocess.run(
            command, input=stdin, capture_output=True, timeout=limits.extract_timeout_s, env=_worker_env()
        )
    except subprocess.TimeoutExpired:  # subprocess.run has killed the worker
        raise PlagDetectError(timeout_message(limits)) from None

    stderr = proc.stderr.decode("utf-8", "replace")
    try:
        result = json.loads(proc.stdout) if proc.returncode == 0 else None
    except ValueError:
        result = None
    if not isinstance(result, dict):
        logger.warning("extraction worker (%s) failed (exit status %s): %s", fmt, proc.returncode, stderr[-2000:])
        if proc.returncode in _MEMORY_KILL_STATUSES or "MemoryError" in stderr:
            raise PlagDetectError(memory_message(limits))
        raise PlagDetectError(unreadable_message(fmt))
    if stderr:
        logger.debug("extraction worker (%s) stderr: %s", fmt, stderr[-2000:])
    return result


def extract_in_child(data: bytes, fmt: str, limits: ExtractionLimits, password: str | None = None) -> ExtractedText:
    """The text of a file of format ``fmt``, read by the worker process; a file it cannot use raises
    ``PlagDetectError``. An answer that does not have the documented shape raises ``ValueError``."""
    result = run_worker(data, fmt, limits, password)
    if not result.get("ok"):
        kind = result.get("error")
        if kind == "refused" and isinstance(result.get("message"), str) and result["message"]:
            logger.info("%s refused: %s", fmt, result["message"])
            raise PlagDetectError(result["message"])
        if kind == "memory":
            raise PlagDetectError(memory_message(limits))
        raise ValueError(f"the worker failed ({kind}): {result.get('detail', '')}")
    return _extracted(result, fmt)


def _extracted(result: dict[str, Any], fmt: str) -> ExtractedText:
    text, starts = result.get("text"), result.get("page_starts")
    title, author = result.get("title"), result.get("author")
    if not isinstance(text, str) or result.get("format") != fmt:
        raise ValueError("the worker's answer holds no text of the format asked for")
    if not isinstance(starts, list) or not starts or not all(type(s) is int and 0 <= s <= len(text) for s in starts):
        raise ValueError("the worker's answer holds no valid page starts")
    if not all(value is None or isinstance(value, str) for value in (title, author)):
        raise ValueError("the worker's answer holds a title or author that is not text")
    return ExtractedText(text=text, format=fmt, page_starts=tuple(starts), title=title, author=author)
