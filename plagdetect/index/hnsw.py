"""The hnswlib backend: one index file, saved atomically, shared safely between processes.

Writers (ingest, delete) take an exclusive ``flock`` on ``<file>.lock``, reload the file if another process
saved since, change it, and save it to a temporary file that is renamed over the old one. Readers reload
when the file on disk changed. A file that cannot be read is treated as missing (the caller rebuilds it
from the vectors in the database).

Deletion in hnswlib only marks an element; its vector would stay in the file. ``remove`` therefore first
overwrites the vector with random noise, then marks it deleted, so a deleted document's vectors really go.
Deleted slots are reused by later additions (``allow_replace_deleted``).
"""

from __future__ import annotations

import fcntl
import functools
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import hnswlib
import numpy as np

from plagdetect.index.base import batched

logger = logging.getLogger(__name__)

_PROBE_BATCH = 4096
_EXACT_SEARCH_BELOW = 50_000  # restricted to fewer ids than this, brute force beats a filtered graph walk


def _locked(method: Callable) -> Callable:
    """Run under the index's thread lock: hnswlib's resize, add and search must not overlap (a check thread and an
    ingest share one index object in the app)."""

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        with self._thread_lock:
            return method(self, *args, **kwargs)

    return guarded


class HnswIndex:
    """A cosine hnswlib index stored at ``path``; labels are chunk ids. A ``VectorIndex`` (``index.base``)."""

    def __init__(
        self,
        path: str | os.PathLike,
        dim: int,
        m: int = 16,
        ef_construction: int = 200,
        ef_search: int = 128,
    ) -> None:
        self._thread_lock = threading.RLock()
        self.path = Path(path)
        self.dim = dim
        self.m = m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self._index: hnswlib.Index = self._empty()
        self._deleted: set[int] = set()
        self._stamp: tuple[int, int, int] | None = None
        self.load_failed = False
        self._load()

    # ----- reading -------------------------------------------------------------------------------------

    @_locked
    def __len__(self) -> int:
        return self._index.element_count - len(self._deleted)

    @_locked
    def ids(self) -> set[int]:
        return set(self._index.get_ids_list()) - self._deleted

    @_locked
    def search(self, vectors: np.ndarray, k: int, allowed: set[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Up to k nearest (id, cosine similarity) per query; ``allowed`` restricts the ids searched."""
        queries = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        if allowed is not None:
            allowed = allowed & self.ids()
        k = min(k, len(self) if allowed is None else len(allowed))
        if k <= 0:
            empty = np.empty((len(queries), 0))
            return empty.astype(np.int64), empty.astype(np.float32)
        if allowed is not None and len(allowed) <= _EXACT_SEARCH_BELOW:
            return self._exact_search(queries, k, allowed)  # a walk of the whole graph would find few of them
        accept = None if allowed is None else allowed.__contains__
        for ef in (max(self.ef_search, 2 * k), self._index.element_count):
            self._index.set_ef(ef)
            try:
                labels, distances = self._index.knn_query(queries, k=k, filter=accept)
                return labels.astype(np.int64), (1.0 - distances).astype(np.float32)
            except RuntimeError:  # the graph reached fewer than k live (or allowed) elements
                continue
        return self._exact_search(queries, k, allowed)

    def _exact_search(self, queries: np.ndarray, k: int, allowed: set[int] | None) -> tuple[np.ndarray, np.ndarray]:
        """Brute force over the live vectors: the answer when the graph cannot give k results."""
        ids = np.array(sorted(self.ids() if allowed is None else self.ids() & allowed), dtype=np.int64)
        vectors = np.asarray(self._index.get_items(ids), dtype=np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        scores = queries @ vectors.T / np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
        order = np.argsort(-scores, axis=1)[:, :k]
        return ids[order], np.take_along_axis(scores, order, axis=1).astype(np.float32)

    @property
    def deleted_fraction(self) -> float:
        """Share of the stored elements that are deleted: a high share slows search (rebuild to compact)."""
        return len(self._deleted) / self._index.element_count if self._index.element_count else 0.0

    @_locked
    def refresh(self) -> None:
        stamp = self._file_stamp()
        if stamp is None and self._stamp is not None:
            return  # removed since it was loaded (a retired version): what was loaded still serves (VectorIndex)
        if stamp != self._stamp:
            self._load()

    # ----- writing -------------------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._thread_lock, open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self._remove_stale_temporaries()  # left by a writer killed while saving
                self.refresh()
                yield
                self._save()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @_locked
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        present = set(self._index.get_ids_list())
        for label in present.intersection(ids.tolist()) & self._deleted:  # re-added: unmark, then update
            self._index.unmark_deleted(label)
            self._deleted.discard(label)
        is_new = np.array([int(i) not in present for i in ids], dtype=bool)
        if (~is_new).any():  # known labels are updated in place
            self._index.add_items(vectors[~is_new], ids[~is_new])
        if is_new.any():
            # New labels may take the slots of deleted elements. (hnswlib must not get a known label here:
            # it would move that label into a free slot and orphan its old element.)
            needed = self._index.element_count + int(is_new.sum())
            if needed > self._index.max_elements:
                self._index.resize_index(max(needed, 2 * self._index.max_elements))
            self._index.add_items(vectors[is_new], ids[is_new], replace_deleted=True)
            self._deleted &= set(self._index.get_ids_list())  # reused slots no longer list their old label

    @_locked
    def remove(self, ids: np.ndarray) -> None:
        live = self.ids()
        labels = [int(i) for i in ids if int(i) in live]
        if not labels:
            return
        noise = np.random.default_rng().standard_normal((len(labels), self.dim)).astype(np.float32)
        self._index.add_items(noise, labels)  # overwrite the real vectors before marking them deleted
        for label in labels:
            self._index.mark_deleted(label)
        self._deleted.update(labels)

    @_locked
    def clear(self) -> None:
        self._index = self._empty()
        self._deleted = set()
        self.load_failed = False

    # ----- files ---------------------------------------------------------------------------------------

    def _empty(self, capacity: int = 1024) -> hnswlib.Index:
        index = hnswlib.Index(space="cosine", dim=self.dim)
        index.init_index(
            max_elements=capacity, M=self.m, ef_construction=self.ef_construction, allow_replace_deleted=True
        )
        return index

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def _load(self) -> None:
        stamp = self._file_stamp()
        self.load_failed = False
        if stamp is None:
            self.clear()
        else:
            try:
                index = hnswlib.Index(space="cosine", dim=self.dim)
                index.load_index(str(self.path), allow_replace_deleted=True)
                self._index = index
                self._deleted = self._find_deleted()
            except (RuntimeError, ValueError, MemoryError) as error:
                logger.warning("Index file %s cannot be read (%s); starting empty", self.path, error)
                self.clear()
                self.load_failed = True
        self._stamp = stamp

    def _find_deleted(self) -> set[int]:
        """hnswlib lists deleted labels among its ids; only reading them tells which are deleted."""
        deleted: set[int] = set()
        for batch in batched(np.asarray(self._index.get_ids_list(), dtype=np.int64), _PROBE_BATCH):
            try:
                self._index.get_items(batch)
            except RuntimeError:
                for label in batch:
                    try:
                        self._index.get_items([int(label)])
                    except RuntimeError:
                        deleted.add(int(label))
        return deleted

    def _remove_stale_temporaries(self) -> None:
        """Only a writer holding the lock saves, so a temporary file seen under the lock is a dead writer's."""
        for tmp in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            tmp.unlink(missing_ok=True)

    def _save(self) -> None:
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self._index.save_index(str(tmp))
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
        self._stamp = self._file_stamp()
