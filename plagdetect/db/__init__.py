"""Storage: typed SQLAlchemy models and the session factory."""

from __future__ import annotations

from plagdetect.db.models import (
    Base,
    Check,
    CheckDefault,
    Chunk,
    Collection,
    Document,
    Label,
    Match,
    ModelVersion,
    SentenceVectors,
    User,
)
from plagdetect.db.session import make_engine, make_session_factory

__all__ = [
    "Base",
    "Check",
    "CheckDefault",
    "Chunk",
    "Collection",
    "Document",
    "Label",
    "Match",
    "ModelVersion",
    "SentenceVectors",
    "User",
    "make_engine",
    "make_session_factory",
]
