"""What a user hands in, as (file name, bytes) pairs: single files, folders and zip archives."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from plagdetect.errors import PlagDetectError
from plagdetect.text.extract import ExtractionLimits, format_of, read_file
from plagdetect.text.extract.archive import iter_zip_members
from plagdetect.text.names import clean_name

ARCHIVE_SUFFIXES = frozenset({".zip"})

Upload = tuple[str, "bytes | PlagDetectError"]  # a file name and its bytes, or why it cannot be read


def expand_paths(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files as given, folders as their files (recursively, hidden ones skipped), in a stable order."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            files.append(path)
    return files


def read_upload(path: Path, limits: ExtractionLimits) -> Iterator[Upload]:
    """The file's bytes, or each member of a zip archive ("archive.zip/member.pdf"), or the reason it fails.

    The type is checked before anything is read, the size before the file is read. A zip member that
    cannot be read comes as ``("archive.zip/member", error)`` beside the good members; an archive that
    is not a zip or is a zip bomb comes as one ``("archive.zip", error)``.
    """
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
        yield name, PlagDetectError("the archive holds no files")
    for member_name, member in members:  # member: its bytes, or the PlagDetectError saying why it cannot be read
        yield f"{name}/{clean_name(member_name)}", member
