"""Child process that parses one PDF with pypdf: ``python -m plagdetect.text.extract.pdf_worker``.

pypdf has a history of hangs and decompression bombs, so it never runs in the main process.
The parent (``plagdetect.text.extract.pdf``) enforces a wall-clock limit; this process caps its own
address space (``--memory-mb``) once pypdf is imported, before it reads the PDF.

Protocol. stdin: one line of JSON ``{"password": str | null}``, then the raw PDF bytes.
stdout: one JSON object, either
``{"ok": true, "pages": [str, ...], "failed_pages": int, "title": str | null, "author": str | null}``
or ``{"ok": false, "error": KIND, "detail": str}`` where KIND is one of "corrupt", "encrypted",
"wrong_password", "unsupported_encryption", "memory".

Imports only the stdlib and pypdf (the package root ``plagdetect`` is light).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys
from typing import Any

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError

logger = logging.getLogger(__name__)


def limit_memory(memory_mb: int) -> None:
    """Cap this process's address space; a no-op where the platform does not support it."""
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError) as exc:  # e.g. Windows, or macOS refusing RLIMIT_AS
        logger.warning("could not limit the PDF worker's memory: %s", exc)


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


def parse_pdf(data: bytes, password: str | None) -> dict[str, Any]:
    """Parse PDF bytes into the result object described in the module docstring."""

    def failure(kind: str, detail: str) -> dict[str, Any]:
        return {"ok": False, "error": kind, "detail": detail}

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _decrypt(reader, password):
            return failure("wrong_password" if password else "encrypted", "")
        pages: list[str] = []
        failed = 0
        for page in reader.pages:
            try:
                pages.append(_valid_unicode(page.extract_text() or ""))
            except (MemoryError, DependencyError):
                raise
            except Exception as exc:  # one broken page should not lose the rest of the document
                logger.warning("page %d: %s: %s", len(pages) + 1, type(exc).__name__, exc)
                pages.append("")
                failed += 1
        title = author = None
        try:
            metadata = reader.metadata
            if metadata is not None:
                title, author = _text_or_none(metadata.title), _text_or_none(metadata.author)
        except Exception as exc:  # broken metadata does not make the text unusable
            logger.warning("metadata: %s: %s", type(exc).__name__, exc)
    except MemoryError:
        return failure("memory", "")
    except DependencyError as exc:  # AES without the `cryptography` package installed
        return failure("unsupported_encryption", str(exc))
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        return failure("corrupt", f"{type(exc).__name__}: {exc}")
    return {"ok": True, "pages": pages, "failed_pages": failed, "title": title, "author": author}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory-mb", type=int, default=0, help="address-space limit (0: none)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="pdf_worker: %(message)s")
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns a lot about harmless quirks
    if args.memory_mb > 0:
        limit_memory(args.memory_mb)

    header = json.loads(sys.stdin.buffer.readline() or b"{}")
    data = sys.stdin.buffer.read()
    result = parse_pdf(data, header.get("password"))
    sys.stdout.write(json.dumps(result))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
