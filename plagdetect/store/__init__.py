"""Storage: typed SQLAlchemy models and the session factory."""

from __future__ import annotations

from plagdetect.store.engine import make_engine, make_session_factory
from plagdetect.store.tables import (
    AccountLock,
    Base,
    Check,
    CheckDefault,
    Chunk,
    Collection,
    Document,
    Job,
    JobFile,
    Label,
    Match,
    ReviewPair,
    SentenceVectors,
    SignInFailure,
    User,
)

__all__ = [
    "AccountLock",
    "Base",
    "Check",
    "CheckDefault",
    "Chunk",
    "Collection",
    "Document",
    "Job",
    "JobFile",
    "Label",
    "Match",
    "ReviewPair",
    "SentenceVectors",
    "SignInFailure",
    "User",
    "make_engine",
    "make_session_factory",
]
