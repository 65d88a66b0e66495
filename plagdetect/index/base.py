"""The small interface every vector index backend implements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Protocol

import numpy as np


class VectorIndex(Protocol):
    """Approximate nearest-neighbour search over unit vectors labelled with integer ids (chunk ids)."""

    dim: int

    def __len__(self) -> int:
        """Number of live (not deleted) vectors."""

    def ids(self) -> set[int]:
        """The ids of the live vectors."""

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors; an id already present has its vector replaced."""

    def remove(self, ids: np.ndarray) -> None:
        """Remove vectors so that neither search nor the saved file holds them any more."""

    def search(self, vectors: np.ndarray, k: int, allowed: set[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """For each query, up to k (id, cosine similarity) pairs, best first, as two (n, k') arrays.

        ``allowed``, when given, restricts the search to those ids. k' = min(k, number of live allowed ids);
        an empty index gives arrays of shape (n, 0).
        """

    def writing(self) -> AbstractContextManager[None]:
        """Hold the writer's lock, see the latest saved state, and save on leaving."""

    def refresh(self) -> None:
        """Reload if another process saved a newer state."""


def batched(ids: np.ndarray, size: int) -> Iterator[np.ndarray]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
