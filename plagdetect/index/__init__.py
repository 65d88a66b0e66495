"""Vector indexes: one interface (``VectorIndex``), built by ``make_index``; hnswlib behind it today."""

from __future__ import annotations

from plagdetect.index.base import VectorIndex
from plagdetect.index.factory import BACKENDS, make_index
from plagdetect.index.hnsw import HnswIndex

__all__ = ["BACKENDS", "HnswIndex", "VectorIndex", "make_index"]
