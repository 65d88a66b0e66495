"""The interface every vector index backend implements, and what backends share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class VectorIndex(Protocol):
    """Approximate nearest-neighbour search over unit vectors labelled with integer ids (chunk ids).

    Several processes may share one saved index: a writer changes it inside ``writing()``; a reader calls
    ``refresh()`` to see what writers saved. ``isinstance(x, VectorIndex)`` checks that every member exists.
    """

    path: Path
    """Where the index is saved (a file or a folder)."""

    dim: int
    """The length of every vector."""

    load_failed: bool
    """True when the saved index could not be read and this one started empty (the caller rebuilds it)."""

    @property
    def deleted_fraction(self) -> float:
        """Share of the stored elements that are deleted, in [0, 1]; above a threshold, rebuild to compact."""

    def __len__(self) -> int:
        """Number of live (not deleted) vectors."""

    def ids(self) -> set[int]:
        """The ids of the live vectors."""

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors; an id already present (or removed before) gets the new vector."""

    def remove(self, ids: np.ndarray) -> None:
        """Remove vectors so that neither search nor the saved index holds them any more; unknown ids are ignored."""

    def search(self, vectors: np.ndarray, k: int, allowed: set[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """For each query, up to k (id, cosine similarity) pairs, best first, as two (n, k') arrays.

        ``vectors`` is one query or a (n, dim) array. ``allowed``, when given, restricts the search to those
        ids. k' = min(k, number of live allowed ids); an empty index gives arrays of shape (n, 0).
        """

    def clear(self) -> None:
        """Empty the index in memory (and reset ``load_failed``); saved by the ``writing()`` block around it."""

    def writing(self) -> AbstractContextManager[None]:
        """Hold the writer's lock, see the latest saved state, and save on leaving."""

    def refresh(self) -> None:
        """Reload if another process saved a newer state. A file removed since it was loaded (its bi-encoder version
        retired by a switch, ``services.reembedding``) leaves what was loaded: a check that began with that version
        ends with it."""


def batched(ids: np.ndarray, size: int) -> Iterator[np.ndarray]:
    """``ids`` in consecutive slices of at most ``size``."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
