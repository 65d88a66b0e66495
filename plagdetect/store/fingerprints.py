"""Fingerprints in the database: every query that writes or looks up the lexical path's index.

A document's fingerprints are written in the transaction that stores it (``DocumentStore.add``) and go with it
(``ON DELETE CASCADE``). Documents stored before the lexical path, or under another fingerprint scheme, get theirs
when a process first opens the index (``FingerprintStore.add_missing``): no model is needed, only the stored text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from plagdetect.store.tables import Document, Fingerprint, FingerprintSet
from plagdetect.text.fingerprints import VERSION, fingerprints

logger = logging.getLogger(__name__)

_LOOKUP_BATCH = 2000  # hashes per query (SQLite allows 32,766 bound values)
MAX_DOCUMENTS_PER_HASH = 50  # a k-gram in more documents than this is boilerplate ("licensed under a Creative…")


@dataclass(frozen=True)
class Hits:
    """Where a check's fingerprints occur in the corpus: one row per (hash, document, offset)."""

    hashes: np.ndarray  # int64
    documents: np.ndarray  # int64 document ids
    starts: np.ndarray  # int64 offsets of the k-gram in the document's text

    def __len__(self) -> int:
        return len(self.hashes)


def write_fingerprints(session: Session, document_id: int, text: str) -> int:
    """A document's fingerprints (replacing any it had), in the caller's transaction; returns how many."""
    found = fingerprints(text)
    session.execute(delete(Fingerprint).where(Fingerprint.document_id == document_id))
    rows = {(int(h), int(s)) for h, s in zip(found.hashes, found.starts, strict=True)}  # one per (hash, offset)
    if rows:
        session.execute(
            insert(Fingerprint), [{"hash": h, "document_id": document_id, "start": s} for h, s in sorted(rows)]
        )
    marker = session.get(FingerprintSet, document_id)
    if marker is None:
        session.add(FingerprintSet(document_id=document_id, version=VERSION, count=len(rows)))
    else:
        marker.version, marker.count = VERSION, len(rows)
    return len(rows)


class FingerprintStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def missing(self) -> list[int]:
        """Documents without fingerprints of the current scheme."""
        current = select(FingerprintSet.document_id).where(FingerprintSet.version == VERSION)
        with self.sessions() as session:
            return list(session.scalars(select(Document.id).where(Document.id.not_in(current)).order_by(Document.id)))

    def add_missing(self) -> int:
        """Fingerprint every document that lacks them (one transaction each); returns how many were done."""
        done = 0
        for document_id in self.missing():
            with self.sessions.begin() as session:
                text = session.scalar(select(Document.text).where(Document.id == document_id))
                if text is None:  # deleted meanwhile
                    continue
                write_fingerprints(session, document_id, text)
                done += 1
        if done:
            logger.info("Fingerprinted %d stored documents for the lexical path", done)
        return done

    def lookup(self, hashes: Iterable[int], collection_ids: frozenset[int] | None, excluded: set[int]) -> Hits:
        """Where these hashes occur in the documents a check may match: some collections (None: all) less
        ``excluded``. Hashes found in more than ``MAX_DOCUMENTS_PER_HASH`` documents are left out."""
        wanted = sorted({int(h) for h in hashes})
        rows: list[tuple[int, int, int]] = []
        with self.sessions() as session:
            for first in range(0, len(wanted), _LOOKUP_BATCH):
                query = (
                    select(Fingerprint.hash, Fingerprint.document_id, Fingerprint.start)
                    .join(Document, Document.id == Fingerprint.document_id)
                    .where(Fingerprint.hash.in_(wanted[first : first + _LOOKUP_BATCH]))
                )
                if collection_ids is not None:
                    query = query.where(Document.collection_id.in_(sorted(collection_ids)))
                rows.extend(tuple(row) for row in session.execute(query))
        table = np.array(rows, dtype=np.int64).reshape(-1, 3)
        if excluded and len(table):
            table = table[~np.isin(table[:, 1], np.array(sorted(excluded), dtype=np.int64))]
        if len(table):
            table = table[_not_boilerplate(table[:, 0], table[:, 1])]
        return Hits(table[:, 0].copy(), table[:, 1].copy(), table[:, 2].copy())


def _not_boilerplate(hashes: np.ndarray, documents: np.ndarray) -> np.ndarray:
    """Rows whose hash occurs in at most ``MAX_DOCUMENTS_PER_HASH`` distinct documents."""
    pairs = np.unique(np.stack([hashes, documents], axis=1), axis=0)
    common, counts = np.unique(pairs[:, 0], return_counts=True)
    return ~np.isin(hashes, common[counts > MAX_DOCUMENTS_PER_HASH])
