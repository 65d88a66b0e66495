"""Vectors in the database: the float16 blob format, and every query that reads or writes chunk and sentence vectors.

Chunk ids double as the vector index's labels. Every vector row carries the version of the bi-encoder (and of
the way chunk vectors are made) that wrote it, and a ``VectorStore`` reads and writes the rows of one version only.
A document may hold rows of several versions: the serving one's, and those of the version the corpus moves to
(``services.reembedding``). A document without rows of the serving version is *stale*: checks find it by its
words only until it is embedded again (``reindex``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session, sessionmaker

from plagdetect.store.tables import Chunk, Document, SentenceVectors
from plagdetect.text.chunking import Window
from plagdetect.text.spans import Span

_BATCH = 5000  # vectors read per query


def vector_to_blob(vector: np.ndarray) -> bytes:
    """A vector (or rows of vectors) as stored in the database: float16 bytes."""
    return np.asarray(vector, dtype=np.float16).tobytes()


def blob_to_vectors(blob: bytes, dim: int) -> np.ndarray:
    """Vectors as ``vector_to_blob`` stored them (one row each), in float32."""
    values = np.frombuffer(blob, dtype=np.float16)
    if values.size % dim:
        raise ValueError(f"stored vectors have {values.size} values, not a multiple of {dim}")
    return values.reshape(-1, dim).astype(np.float32)


def blob_to_vector(blob: bytes, dim: int) -> np.ndarray:
    """One vector as ``vector_to_blob`` stored it, in float32."""
    if len(blob) != 2 * dim:  # float16: two bytes a value
        raise ValueError(f"stored vector has {len(blob) // 2} values, expected {dim}")
    return blob_to_vectors(blob, dim)[0]


@dataclass(frozen=True)
class ChunkPlace:
    """Where a chunk sits: its document and its ordinal there."""

    document_id: int
    ordinal: int


class VectorStore:
    """Chunk and sentence vectors of the bi-encoder version in use (``version``, vectors of size ``dim``)."""

    def __init__(self, sessions: sessionmaker[Session], version: str, dim: int) -> None:
        self.sessions = sessions
        self.version = version
        self.dim = dim

    # ----- writing -------------------------------------------------------------------------------------

    def set_vectors(
        self,
        document: Document,
        sentences: list[Span],
        sentence_vectors: np.ndarray,
        chunks: list[Window],
        vectors: np.ndarray,
    ) -> None:
        """A document's chunk rows and sentence vectors of this version (replacing those it had of this version; the
        rows of other versions stay)."""
        sentence_row = SentenceVectors(
            encoder_version=self.version,
            spans=np.asarray(sentences, dtype=np.int32).reshape(-1, 2).tobytes(),
            vectors=vector_to_blob(sentence_vectors),
        )
        document.sentence_vectors = [
            row for row in document.sentence_vectors if row.encoder_version != self.version
        ] + [sentence_row]
        document.chunks = [chunk for chunk in document.chunks if chunk.encoder_version != self.version] + [
            Chunk(
                ordinal=i,
                start=window.start,
                end=window.end,
                vector=vector_to_blob(vector),
                encoder_version=self.version,
            )
            for i, (window, vector) in enumerate(zip(chunks, vectors, strict=True))
        ]

    def chunk_ids_of(self, document_id: int) -> np.ndarray:
        """A document's chunk ids of this version (what ``set_vectors`` wrote, once committed)."""
        with self.sessions() as session:
            return np.array(
                session.scalars(
                    select(Chunk.id).where(Chunk.document_id == document_id, Chunk.encoder_version == self.version)
                ).all(),
                dtype=np.int64,
            )

    # ----- reading -------------------------------------------------------------------------------------

    def sentence_vectors(self, document_ids: Iterable[int]) -> dict[int, tuple[list[Span], np.ndarray]]:
        """Stored sentence units and their vectors, by document; documents without current ones are left out."""
        with self.sessions() as session:
            rows = session.scalars(
                select(SentenceVectors).where(
                    SentenceVectors.document_id.in_(list(document_ids)),
                    SentenceVectors.encoder_version == self.version,
                )
            ).all()
        return {
            row.document_id: (
                [(int(a), int(b)) for a, b in np.frombuffer(row.spans, dtype=np.int32).reshape(-1, 2)],
                blob_to_vectors(row.vectors, self.dim),
            )
            for row in rows
        }

    def chunk_vectors(self, ids: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The stored vectors of these chunk ids, in batches of (ids, vectors); ids no longer stored are left out."""
        for start in range(0, len(ids), _BATCH):
            batch = [int(i) for i in ids[start : start + _BATCH]]
            with self.sessions() as session:
                rows = session.execute(select(Chunk.id, Chunk.vector).where(Chunk.id.in_(batch))).all()
            yield (
                np.array([row.id for row in rows], dtype=np.int64),
                np.stack([blob_to_vector(row.vector, self.dim) for row in rows]) if rows else np.empty((0, self.dim)),
            )

    def current_chunk_ids(self) -> np.ndarray:
        """The ids of every chunk of the current version: what the index should hold."""
        with self.sessions() as session:
            return np.array(
                session.scalars(select(Chunk.id).where(Chunk.encoder_version == self.version)).all(), dtype=np.int64
            )

    def present_chunk_ids(self, ids: Iterable[int]) -> set[int]:
        """Of these chunk ids, those still stored (a document may have been deleted meanwhile)."""
        with self.sessions() as session:
            return set(session.scalars(select(Chunk.id).where(Chunk.id.in_([int(i) for i in ids]))))

    def chunk_places(self, ids: Iterable[int]) -> dict[int, ChunkPlace]:
        """Each stored chunk's document and ordinal, by chunk id."""
        with self.sessions() as session:
            rows = session.execute(
                select(Chunk.id, Chunk.document_id, Chunk.ordinal).where(Chunk.id.in_(sorted(set(ids))))
            )
            return {row.id: ChunkPlace(row.document_id, row.ordinal) for row in rows}

    def document_chunks(self, document_ids: list[int]) -> dict[int, tuple[np.ndarray, list[Span]]]:
        """Each document's unit chunk vectors (current version) and chunk spans, in chunk order."""
        with self.sessions() as session:
            rows = session.execute(
                select(Chunk.document_id, Chunk.vector, Chunk.start, Chunk.end)
                .where(Chunk.document_id.in_(document_ids), Chunk.encoder_version == self.version)
                .order_by(Chunk.document_id, Chunk.ordinal)
            ).all()
        vectors: dict[int, list[np.ndarray]] = {}
        spans: dict[int, list[Span]] = {}
        for document_id, blob, start, end in rows:
            vectors.setdefault(document_id, []).append(blob_to_vector(blob, self.dim))
            spans.setdefault(document_id, []).append((start, end))
        found = {}
        for document_id, rows_of_document in vectors.items():
            matrix = np.stack(rows_of_document)
            matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
            found[document_id] = (matrix, spans[document_id])
        return found

    def allowed_chunk_ids(self, collection_ids: frozenset[int] | None, excluded_documents: set[int]) -> set[int]:
        """Chunk ids of some collections (None: every collection), leaving out the documents named."""
        query = select(Chunk.id).join(Document).where(Chunk.encoder_version == self.version)
        if collection_ids is not None:
            query = query.where(Document.collection_id.in_(sorted(collection_ids)))
        if excluded_documents:
            query = query.where(Document.id.not_in(excluded_documents))
        with self.sessions() as session:
            return set(session.scalars(query))

    # ----- stale vectors, other versions ---------------------------------------------------------------------

    def _missing(self):
        return ~exists().where(
            SentenceVectors.document_id == Document.id, SentenceVectors.encoder_version == self.version
        )

    def stale_documents(self) -> int:
        """Documents without vectors of this version (embedded by another bi-encoder, or an older way of embedding)."""
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(Document).where(self._missing()))

    def stale_document_ids(self) -> list[int]:
        with self.sessions() as session:
            return list(session.scalars(select(Document.id).where(self._missing()).order_by(Document.id)))

    def versions(self) -> dict[str, int]:
        """Every version with vectors stored, and how many documents hold some of its chunks."""
        with self.sessions() as session:
            rows = session.execute(
                select(Chunk.encoder_version, func.count(Chunk.document_id.distinct())).group_by(Chunk.encoder_version)
            )
            found = {version: count for version, count in rows}
            for version in session.scalars(select(SentenceVectors.encoder_version).distinct()):
                found.setdefault(version, 0)  # sentence vectors alone (a document without chunks)
            return found

    def remove_versions(self, versions: Iterable[str]) -> int:
        """Remove every chunk and sentence vector of these versions (never this store's own); the chunks gone."""
        versions = sorted(set(versions) - {self.version})
        if not versions:
            return 0
        with self.sessions.begin() as session:
            chunks = session.execute(delete(Chunk).where(Chunk.encoder_version.in_(versions))).rowcount
            session.execute(delete(SentenceVectors).where(SentenceVectors.encoder_version.in_(versions)))
        return chunks
