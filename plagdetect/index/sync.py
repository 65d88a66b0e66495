"""Keeping the vector index in line with the database, which is the truth.

When an index is first opened in a process, ``repair`` adds the vectors it misses (from the stored float16
blobs), removes ids the database no longer has, and rebuilds a file that could not be read. ``rebuild``
makes it anew from the stored vectors (re-index, or after many deletions).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from plagdetect.index.base import VectorIndex
from plagdetect.store.vectors import VectorStore

logger = logging.getLogger(__name__)

MAX_DELETED_FRACTION = 0.5  # past this share of deleted elements, a delete rebuilds the index


@dataclass(frozen=True)
class IndexReport:
    """What bringing the index in line with the database did."""

    added: int = 0
    removed: int = 0
    rebuilt: bool = False
    stale_documents: int = 0  # documents without vectors of the index's version (found by a repair)
    re_embedded: int = 0  # chunks embedded again (by `reindex`)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.rebuilt)


def repair(index: VectorIndex, vectors: VectorStore) -> IndexReport:
    """Bring the index in line with the stored vectors of the current version."""
    with index.writing():
        if index.load_failed:
            report = rebuild(index, vectors)
            return IndexReport(added=report.added, rebuilt=True, stale_documents=vectors.stale_documents())
        db_ids = set(vectors.current_chunk_ids().tolist())
        stale = vectors.stale_documents()
        index_ids = index.ids()
        missing = np.array(sorted(db_ids - index_ids), dtype=np.int64)
        extra = np.array(sorted(index_ids - db_ids), dtype=np.int64)
        index.remove(extra)
        for ids, batch in vectors.chunk_vectors(missing):
            index.add(ids, batch)
    report = IndexReport(added=len(missing), removed=len(extra), stale_documents=stale)
    if report.changed:
        logger.warning("Index repaired: %d vectors added, %d removed", report.added, report.removed)
    if report.stale_documents:
        logger.warning("%d documents have no vectors of %s; run `plagdetect reindex`", stale, vectors.version)
    return report


def rebuild(index: VectorIndex, vectors: VectorStore) -> IndexReport:
    """The index made anew from the stored vectors (call it inside ``index.writing()``)."""
    index.clear()
    ids = vectors.current_chunk_ids()
    for batch_ids, batch in vectors.chunk_vectors(ids):
        index.add(batch_ids, batch)
    logger.info("Rebuilt index %s from %d stored vectors", index.path.name, len(ids))
    return IndexReport(added=len(ids), rebuilt=True)


def remove(index: VectorIndex, vectors: VectorStore, chunk_ids: np.ndarray) -> None:
    """Remove deleted chunks' vectors; past ``MAX_DELETED_FRACTION`` deleted, compact by a rebuild."""
    with index.writing():
        index.remove(chunk_ids)
        if index.deleted_fraction > MAX_DELETED_FRACTION:
            rebuild(index, vectors)


def add(index: VectorIndex, vectors: VectorStore, pending: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """Add newly stored chunks' (ids, vectors); chunks deleted meanwhile by another process stay out."""
    if not pending:
        return
    with index.writing():
        ids = np.concatenate([ids for ids, _ in pending])
        batch = np.concatenate([v for _, v in pending])
        keep = np.isin(ids, list(vectors.present_chunk_ids(ids.tolist())))
        index.add(ids[keep], batch[keep])


def remove_other_indexes(index: VectorIndex) -> None:
    """Index files of other bi-encoder versions: obsolete, and they would keep deleted vectors."""
    for other in index.path.parent.glob("*" + index.path.suffix):
        if other != index.path:
            other.unlink(missing_ok=True)
