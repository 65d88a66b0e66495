"""The uploaded originals, one file per document under ``data_dir / "files"``.

An original is written just before its document's transaction commits (and removed if it does not commit), so
a process killed in between can leave a file no document owns: ``remove_orphans`` clears those.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

logger = logging.getLogger(__name__)

ORPHAN_AGE_S = 600  # a stored original no document owns is removed once it is this old


def write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)


class OriginalFiles:
    """Where originals live: paths are stored relative to ``data_dir``."""

    def __init__(self, data_dir: Path, files_dir: Path) -> None:
        self.data_dir = data_dir
        self.files_dir = files_dir

    def path_for(self, document_id: int, suffix: str) -> Path:
        """Where a document's original is kept (``relative`` gives what the database keeps)."""
        return self.files_dir / f"{document_id}{suffix}"

    def relative(self, path: Path) -> str:
        return str(path.relative_to(self.data_dir))

    def remove(self, stored_paths: list[str]) -> None:
        for stored_path in stored_paths:
            (self.data_dir / stored_path).unlink(missing_ok=True)

    def remove_orphans(self, owned: set[str]) -> None:
        """Originals that no document owns (``owned``: stored paths), written by an ingest killed before its commit.

        Only files older than a few minutes go: a younger one may belong to an ingest still under way in another
        process, which writes the file just before it commits.
        """
        if not self.files_dir.is_dir():
            return
        cutoff = time.time() - ORPHAN_AGE_S
        for path in self.files_dir.iterdir():
            if self.relative(path) in owned:
                continue
            try:  # another process may rename or remove it at any moment
                if path.is_file() and path.stat().st_mtime < cutoff:
                    logger.warning("Removing %s: no document owns it", path)
                    path.unlink(missing_ok=True)
            except FileNotFoundError:
                continue
