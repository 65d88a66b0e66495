"""Vector indexes: one small interface (``VectorIndex``), hnswlib behind it today."""

from __future__ import annotations

from plagdetect.index.base import VectorIndex
from plagdetect.index.hnsw import HnswIndex

__all__ = ["HnswIndex", "VectorIndex"]
