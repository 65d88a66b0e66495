"""What a user hands in, as (file name, bytes) pairs: single files, folders and zip archives."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from plagdetect.errors import PlagDetectError
from plagdetect.text.extract import ExtractionLimits, format_of, read_file
from plagdetect.text.extract.archive import hidden_members, iter_zip_members
from plagdetect.text.names import clean_name

ARCHIVE_SUFFIXES = frozenset({".zip"})

Upload = tuple[str, "bytes | PlagDetectError"]  # a file name and its bytes, or why it cannot be read


class OutsideLink(type(Path())):
    """A link found in a folder that leads to a file outside that folder: listed, so it is reported, never read."""


def expand_paths(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files as given, folders as their files (recursively, hidden ones skipped), in a stable order.

    A link in a folder to a file outside the folder comes as an ``OutsideLink``, which ``read_upload`` refuses: an
    ingest of a folder reads nothing outside it (a link to /etc/passwd stays out).
    """
    files: list[Path] = []
    for raw in paths:
        path = raw if isinstance(raw, OutsideLink) else Path(raw)
        if path.is_dir() and not isinstance(path, OutsideLink):
            root = path.resolve()
            for found in sorted(path.rglob("*")):
                if not found.is_file() or any(part.startswith(".") for part in found.relative_to(path).parts):
                    continue
                inside = found.resolve().is_relative_to(root)
                files.append(found if inside else OutsideLink(found))
        else:
            files.append(path)
    return files


def read_upload(path: Path, limits: ExtractionLimits) -> Iterator[Upload]:
    """The file's bytes, or each member of a zip archive ("archive.zip/member.pdf"), or the reason it fails.

    The type is checked before anything is read, the size before the file is read. A zip member that
    cannot be read comes as ``("archive.zip/member", error)`` beside the good members; an archive that
    is not a zip or is a zip bomb comes as one ``("archive.zip", error)``.
    """
    if isinstance(path, OutsideLink):
        yield clean_name(str(path)), PlagDetectError("a link to a file outside the folder; not read")
        return
    is_archive = path.suffix.lower() in ARCHIVE_SUFFIXES
    try:
        if not is_archive:
            format_of(path.name)
        data = read_file(path, limits.max_uncompressed_bytes if is_archive else limits.max_bytes)
    except PlagDetectError as error:
        yield clean_name(str(path)), error
        return
    yield from split_upload(clean_name(str(path)), data, limits)


def split_upload(name: str, data: bytes, limits: ExtractionLimits) -> Iterator[Upload]:
    """A file handed in as bytes: itself, or each member of a zip archive (as ``read_upload`` says)."""
    name = clean_name(name)
    if Path(name).suffix.lower() not in ARCHIVE_SUFFIXES:
        yield name, data
        return
    try:
        members = list(iter_zip_members(data, limits))
    except PlagDetectError as error:
        yield name, error
        return
    if not members:
        hidden = hidden_members(data)
        shown = ", ".join(hidden[:3]) + (", …" if len(hidden) > 3 else "")
        why = f" other than {len(hidden)} hidden or system file(s), which are not read: {shown}" if hidden else ""
        yield name, PlagDetectError(f"the archive holds no files{why}")
    for member_name, member in members:  # member: its bytes, or the PlagDetectError saying why it cannot be read
        yield f"{name}/{clean_name(member_name)}", member
