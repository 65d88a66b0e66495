"""Zip-bomb defence shared by DOCX extraction and zip uploads.

``check_zip`` looks only at the central directory (no decompression). Python's ``zipfile``
never inflates an entry beyond its declared ``file_size``, so checking the declared sizes
bounds what reading the archive can cost.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterator
from pathlib import PurePosixPath

from plagdetect.errors import PlagDetectError
from plagdetect.text.extract.base import ExtractionLimits, over_limit, too_large

logger = logging.getLogger(__name__)

# Entries smaller than this are not judged by their own compression ratio: a small file of
# repeated bytes compresses very well without being dangerous.
_RATIO_MIN_ENTRY_BYTES = 1024 * 1024


def check_zip(zf: zipfile.ZipFile, limits: ExtractionLimits, what: str = "archive") -> None:
    """Refuse an archive whose entry count, declared size or compression ratio exceeds the limits."""

    def refuse(reason: str) -> PlagDetectError:
        return PlagDetectError(f"the {what} is suspicious: {reason} (a zip bomb?)")

    infos = zf.infolist()
    if len(infos) > limits.max_archive_members:
        raise refuse(f"it has {len(infos)} entries; the limit is {limits.max_archive_members}")

    total_size = sum(info.file_size for info in infos)
    if total_size > limits.max_uncompressed_bytes:
        shown, shown_limit = over_limit(total_size, limits.max_uncompressed_bytes)
        raise refuse(f"it unpacks to {shown}; the limit is {shown_limit}")

    for info in infos:
        if info.file_size < _RATIO_MIN_ENTRY_BYTES:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            raise refuse(f"an entry is compressed {ratio:.0f} to 1; the limit is {limits.max_compression_ratio:g} to 1")

    total_compressed = sum(info.compress_size for info in infos)
    if total_size >= _RATIO_MIN_ENTRY_BYTES:
        ratio = total_size / max(total_compressed, 1)
        if ratio > limits.max_compression_ratio:
            raise refuse(f"it is compressed {ratio:.0f} to 1; the limit is {limits.max_compression_ratio:g} to 1")


def _parts(name: str) -> tuple[str, ...]:
    return PurePosixPath(name.replace("\\", "/")).parts


def _leaves_the_archive(name: str) -> bool:
    """A member named ``../x``, ``..\\x`` or ``/x``: a path that would lead out of the folder it is unpacked in."""
    parts = _parts(name)
    return ".." in parts or name.startswith(("/", "\\")) or (bool(parts) and parts[0].endswith(":"))


def _skipped(name: str) -> bool:
    """Directories, macOS resource forks (``__MACOSX/``) and hidden files are not documents."""
    if name.endswith("/"):
        return True
    return any(part == "__MACOSX" or (part.startswith(".") and part != "..") for part in _parts(name))


def hidden_members(data: bytes) -> list[str]:
    """The names of a zip's members that are skipped as hidden or system files (for a message)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return [i.filename for i in zf.infolist() if not i.is_dir() and _skipped(i.filename)]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, OSError):
        return []


def iter_zip_members(data: bytes, limits: ExtractionLimits) -> Iterator[tuple[str, bytes | PlagDetectError]]:
    """Yield ``(member name, bytes)`` for each regular file of a zip upload, or ``(member name, error)``
    for a member that cannot be read, so one bad member does not lose the others.

    A member is refused without being read when it is encrypted or its declared size exceeds
    ``limits.max_bytes`` (the error gives that size). A damaged member (bad data, CRC mismatch,
    unsupported compression) is refused when reading it fails. What is wrong with the archive as a
    whole (not a zip, a zip bomb) raises ``PlagDetectError`` before any member is yielded.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, OSError):
        raise PlagDetectError("not a readable zip archive") from None
    with zf:
        check_zip(zf, limits, "zip archive")
        for info in zf.infolist():
            if info.is_dir():
                continue
            if _leaves_the_archive(info.filename):
                yield info.filename, PlagDetectError("its path leads out of the archive (../ or /); not read")
            elif not _skipped(info.filename):
                yield info.filename, _read_member(zf, info, limits)


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ExtractionLimits) -> bytes | PlagDetectError:
    if info.flag_bits & 0x1:
        return PlagDetectError("the file is encrypted in the zip archive; encrypted archives are not supported")
    if info.file_size > limits.max_bytes:
        return too_large(info.file_size, limits.max_bytes)
    try:
        with zf.open(info) as member:
            # Bounded although zipfile stops at the declared size, which was checked above.
            content = member.read(limits.max_bytes + 1)
    except RuntimeError:  # encrypted, though its flag bit did not say so
        return PlagDetectError("the file is encrypted in the zip archive; encrypted archives are not supported")
    except Exception as exc:  # BadZipFile, zlib.error, NotImplementedError, EOFError, lzma and bz2 errors...
        logger.info("unreadable zip member %s: %s: %s", info.filename, type(exc).__name__, exc)
        return PlagDetectError("the file is corrupt or damaged in the zip archive")
    if len(content) > limits.max_bytes:
        return too_large(len(content), limits.max_bytes)
    return content
