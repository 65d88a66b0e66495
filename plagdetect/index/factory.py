"""Builds the vector index backend a name selects, from the settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from plagdetect.errors import PlagDetectError
from plagdetect.index.base import VectorIndex
from plagdetect.index.hnsw import HnswIndex

if TYPE_CHECKING:
    from plagdetect.settings import Settings


def _hnsw(settings: Settings, version: str, dim: int) -> HnswIndex:
    return HnswIndex(
        settings.index_dir / f"{version}.hnsw",
        dim=dim,
        m=settings.hnsw_m,
        ef_construction=settings.hnsw_ef_construction,
        ef_search=settings.hnsw_ef_search,
    )


BACKENDS: dict[str, Callable[[Settings, str, int], VectorIndex]] = {"hnsw": _hnsw}
"""Every backend by name: each builds the index of vectors of one ``version`` under ``settings.index_dir``."""


def make_index(settings: Settings, version: str, dim: int) -> VectorIndex:
    """The index of ``dim``-long vectors of ``version`` (a vectors version), read from its saved state if any.

    The backend is the one ``settings.index_backend`` names.
    """
    backend = settings.index_backend
    try:
        build = BACKENDS[backend]
    except KeyError:
        known = ", ".join(sorted(BACKENDS))
        raise PlagDetectError(f"Unknown index backend {backend!r} (known: {known}).") from None
    return build(settings, version, dim)
