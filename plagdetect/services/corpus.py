"""The corpus: collections of documents that checks search, and what a user can do with them.

A document goes in whole or not at all: its rows and vectors are written in one database transaction,
its original file is written before that transaction commits (and removed if it does not), and the
vector index is brought up to date afterwards. The database is the truth; whenever the corpus is
opened, the index is checked against it and repaired (missing vectors added, stray ones removed, an
unreadable file rebuilt), so a process killed between the two steps loses nothing.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import numpy as np
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from plagdetect.encoders.bi_encoder import (
    BiEncoder,
    blob_to_vector,
    blob_to_vectors,
    load_bi_encoder,
    model_dimension,
    model_version,
    vector_to_blob,
    vectors_version,
)
from plagdetect.errors import PlagDetectError
from plagdetect.index import HnswIndex
from plagdetect.settings import Settings
from plagdetect.store import Chunk, Collection, Document, SentenceVectors, make_engine, make_session_factory
from plagdetect.text.chunking import Chunk as TextChunk
from plagdetect.text.extract import ExtractionLimits
from plagdetect.text.normalize import IntegrityFlags
from plagdetect.text.prepare import PreparedDocument, cut_text, embed_cut, prepare_document
from plagdetect.text.spans import Span
from plagdetect.text.uploads import Upload, expand_paths, read_upload, split_upload

logger = logging.getLogger(__name__)

_VECTOR_BATCH = 5000
_INDEX_SAVE_EVERY = 50  # files; a bulk ingest saves the index file this often, not after each file
_ORPHAN_AGE_S = 600  # a stored original no document owns is removed once it is this old
_MAX_DELETED_FRACTION = 0.5  # past this share of deleted elements, a delete rebuilds the index

Status = Literal["added", "duplicate", "failed"]
Progress = Callable[[str], None]  # called with each path (file, folder member, archive) once it is done


@dataclass(frozen=True)
class IngestResult:
    """What happened to one file of an ingest."""

    filename: str
    status: Status
    message: str = ""
    document_id: int | None = None
    chunks: int = 0


@dataclass(frozen=True)
class DocumentInfo:
    """A row of the corpus listing."""

    id: int
    collection: str
    title: str
    filename: str
    format: str
    author: str | None
    size_bytes: int
    chunks: int
    integrity: list[str]
    created_at: datetime


@dataclass(frozen=True)
class CollectionInfo:
    id: int
    name: str
    description: str
    documents: int


@dataclass(frozen=True)
class IndexReport:
    """What bringing the index in line with the database did."""

    added: int = 0
    removed: int = 0
    rebuilt: bool = False
    stale_chunks: int = 0  # chunks of another bi-encoder version (found by a repair; re-embedded by `reindex`)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.rebuilt)


class Corpus:
    """Collections, documents, their chunks and vectors, and the index over them."""

    def __init__(self, settings: Settings, encoder: BiEncoder | None = None) -> None:
        self.settings = settings
        self.engine: Engine = make_engine(settings.resolved_database_url)
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)
        self._encoder = encoder
        self._index: HnswIndex | None = None
        self.encoder_path = encoder.path if encoder else settings.resolved_bi_encoder
        self.encoder_version = vectors_version(encoder.version if encoder else model_version(self.encoder_path))
        self.last_index_report = IndexReport()

    # ----- engine parts, loaded when first needed ------------------------------------------------------

    @property
    def encoder(self) -> BiEncoder:
        if self._encoder is None:
            self._encoder = load_bi_encoder(
                self.encoder_path, device=self.settings.device, batch_size=self.settings.embed_batch_size
            )
        return self._encoder

    @property
    def submission_encoder(self) -> BiEncoder:
        """The encoder of a check's submission: ``encoder``, through its int8 copy on a CPU (``int8_submissions``)."""
        if not self.settings.int8_submissions:
            return self.encoder
        return self.encoder.for_submissions(self.settings.models_dir)

    @property
    def index(self) -> HnswIndex:
        """The index of the current bi-encoder version, checked against the database when first opened."""
        if self._index is None:
            self._open_index()
        else:
            self._index.refresh()
        return self._index

    def _open_index(self) -> HnswIndex:
        if self._index is None:
            self._index = HnswIndex(
                self.settings.index_dir / f"{self.encoder_version}.hnsw",
                dim=model_dimension(self.encoder_path),
                m=self.settings.hnsw_m,
                ef_construction=self.settings.hnsw_ef_construction,
                ef_search=self.settings.hnsw_ef_search,
            )
            self.last_index_report = self._repair(self._index)
        return self._index

    def close(self) -> None:
        self.engine.dispose()

    # ----- collections ---------------------------------------------------------------------------------

    def create_collection(self, name: str, description: str = "") -> CollectionInfo:
        name = _clean_name(name)
        with self.sessions.begin() as session:
            if session.scalar(select(Collection).where(Collection.name == name)):
                raise PlagDetectError(f"A collection named '{name}' already exists.")
            collection = Collection(name=name, description=description)
            session.add(collection)
            session.flush()
            return CollectionInfo(collection.id, collection.name, collection.description, 0)

    def rename_collection(self, name: str, new_name: str) -> CollectionInfo:
        new_name = _clean_name(new_name)
        with self.sessions.begin() as session:
            collection = self._collection(session, name)
            if new_name != collection.name and session.scalar(select(Collection).where(Collection.name == new_name)):
                raise PlagDetectError(f"A collection named '{new_name}' already exists.")
            collection.name = new_name
        return next(c for c in self.collections() if c.name == new_name)

    def delete_collection(self, name: str) -> int:
        """Delete a collection and, for good, every document in it; returns how many documents went.

        Documents added to it meanwhile (another upload) are deleted the same way before the collection goes.
        """
        with self.sessions() as session:
            collection_id = self._collection(session, name).id
        deleted = 0
        while True:
            with self.sessions.begin() as session:
                ids = list(session.scalars(select(Document.id).where(Document.collection_id == collection_id)))
                if not ids:
                    collection = session.get(Collection, collection_id)
                    if collection is not None:
                        session.delete(collection)
                    break
            deleted += self.delete_documents(ids)
        self._checkpoint()
        return deleted

    def collections(self) -> list[CollectionInfo]:
        counts = select(Document.collection_id, func.count().label("n")).group_by(Document.collection_id).subquery()
        query = (
            select(Collection, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.collection_id == Collection.id)
            .order_by(Collection.name)
        )
        with self.sessions() as session:
            return [CollectionInfo(c.id, c.name, c.description, n) for c, n in session.execute(query)]

    def _collection(self, session: Session, name: str) -> Collection:
        name = _clean_name(name)
        collection = session.scalar(select(Collection).where(Collection.name == name))
        if collection is None:
            raise PlagDetectError(f"No collection named '{name}'.")
        return collection

    def _ensure_collection(self, name: str) -> None:
        with self.sessions() as session:
            if session.scalar(select(Collection.id).where(Collection.name == name)) is not None:
                return
        try:
            self.create_collection(name)
        except (PlagDetectError, IntegrityError):  # created by another process just now
            pass

    # ----- ingest --------------------------------------------------------------------------------------

    def ingest_paths(
        self,
        paths: Iterable[str | os.PathLike],
        collection: str,
        author: str | None = None,
        progress: Progress | None = None,
    ) -> list[IngestResult]:
        """Ingest files, folders (recursively) and zip archives; a bad file never stops the others.

        The index file is saved every few files and at the end; the database has each document as soon
        as it is stored, so an interrupted run loses nothing (the next start adds what the index missed).
        """
        limits = self._limits()
        batches = ((str(path), read_upload(path, limits)) for path in expand_paths(paths))
        return self._ingest_batches(batches, collection, author=author, progress=progress)

    def ingest_uploads(
        self,
        uploads: Iterable[tuple[str, bytes]],
        collection: str,
        owner_id: int | None = None,
        progress: Progress | None = None,
    ) -> list[IngestResult]:
        """Ingest files handed in as (name, bytes), as the app receives them; zip archives give their members."""
        limits = self._limits()
        batches = ((name, split_upload(name, data, limits)) for name, data in uploads)
        return self._ingest_batches(batches, collection, owner_id=owner_id, progress=progress)

    def _ingest_batches(
        self,
        batches: Iterable[tuple[str, Iterable[Upload]]],
        collection: str,
        author: str | None = None,
        owner_id: int | None = None,
        progress: Progress | None = None,
    ) -> list[IngestResult]:
        """Each (name, its files) in turn; ``progress`` hears each name once its files are stored."""
        collection = _clean_name(collection)
        results: list[IngestResult] = []
        pending: list[tuple[np.ndarray, np.ndarray]] = []
        try:
            for name, files in batches:
                for filename, data in files:
                    if isinstance(data, PlagDetectError):
                        results.append(IngestResult(filename, "failed", str(data)))
                        continue
                    result, vectors = self._ingest(data, filename, collection, author=author, owner_id=owner_id)
                    results.append(result)
                    if vectors is not None:
                        pending.append(vectors)
                if len(pending) >= _INDEX_SAVE_EVERY:
                    self._add_to_index(pending)
                if progress:
                    progress(name)
        finally:
            self._add_to_index(pending)
        return results

    def _add_to_index(self, pending: list[tuple[np.ndarray, np.ndarray]]) -> None:
        if not pending:
            return
        index = self.index
        with index.writing():
            ids = np.concatenate([ids for ids, _ in pending])
            vectors = np.concatenate([vectors for _, vectors in pending])
            with self.sessions() as session:  # a document deleted meanwhile by another process stays out
                present = set(session.scalars(select(Chunk.id).where(Chunk.id.in_(ids.tolist()))))
            keep = np.isin(ids, list(present))
            index.add(ids[keep], vectors[keep])
        pending.clear()

    def ingest_bytes(
        self,
        data: bytes,
        filename: str,
        collection: str,
        title: str | None = None,
        author: str | None = None,
        owner_id: int | None = None,
    ) -> IngestResult:
        """Store one uploaded file in a collection (created if missing), unless it is there already."""
        result, vectors = self._ingest(data, filename, _clean_name(collection), title, author, owner_id)
        if vectors is not None:
            self._add_to_index([vectors])
        return result

    def _ingest(
        self,
        data: bytes,
        filename: str,
        collection: str,
        title: str | None = None,
        author: str | None = None,
        owner_id: int | None = None,
    ) -> tuple[IngestResult, tuple[np.ndarray, np.ndarray] | None]:
        """Store a document; returns the result and, when stored, its (chunk ids, vectors) for the index."""
        try:
            prepared = prepare_document(data, filename, self.settings)
        except PlagDetectError as error:
            return IngestResult(filename, "failed", str(error)), None
        existing = self._find_duplicate(collection, prepared.sha256)
        if existing is None:
            sentence_vectors, vectors = self.embed(prepared.normalized.text, prepared.sentences, prepared.chunks)
            self._open_index()  # checked against the database before this document joins it
            self._ensure_collection(collection)
            try:
                document_id, chunk_ids = self._store(
                    prepared, sentence_vectors, vectors, collection, title, author, owner_id
                )
            except IntegrityError:  # the same file was stored by another process meanwhile
                existing = self._find_duplicate(collection, prepared.sha256)
                if existing is None:
                    raise
        if existing is not None:
            return IngestResult(filename, "duplicate", existing[1], document_id=existing[0]), None
        logger.info("Ingested %s as document %d (%d chunks)", filename, document_id, len(chunk_ids))
        return IngestResult(filename, "added", document_id=document_id, chunks=len(chunk_ids)), (chunk_ids, vectors)

    def embed(self, text: str, sentences: list[Span], chunks: list[TextChunk]) -> tuple[np.ndarray, np.ndarray]:
        """The vectors of a text's sentence units and of its chunks (``documents.embed_cut``)."""
        return embed_cut(self.encoder, text, sentences, chunks)

    def _find_duplicate(self, collection: str, sha256: str) -> tuple[int, str] | None:
        query = (
            select(Document.id, Document.filename)
            .join(Collection)
            .where(Collection.name == _clean_name(collection), Document.sha256 == sha256)
        )
        with self.sessions() as session:
            row = session.execute(query).first()
        if row is None:
            return None
        return row.id, f"already in collection '{collection}' as document {row.id} ({Path(row.filename).name})"

    def _store(
        self,
        prepared: PreparedDocument,
        sentence_vectors: np.ndarray,
        vectors: np.ndarray,
        collection: str,
        title: str | None,
        author: str | None,
        owner_id: int | None,
    ) -> tuple[int, np.ndarray]:
        stored: Path | None = None
        try:
            with self.sessions.begin() as session:
                document = Document(
                    collection=self._collection(session, collection),
                    owner_id=owner_id,
                    title=(title or prepared.title)[:500],
                    filename=prepared.filename[:500],
                    format=prepared.extracted.format,
                    sha256=prepared.sha256,
                    size_bytes=len(prepared.data),
                    author=author or prepared.extracted.author,
                    original_text=prepared.extracted.text.replace("\0", "\ufffd"),  # PostgreSQL refuses NUL
                    text=prepared.normalized.text,
                    offset_map=prepared.normalized.offsets.to_bytes(),
                    page_starts=list(prepared.extracted.page_starts),
                    integrity_flags=prepared.normalized.flags.to_dict(),
                )
                self._set_vectors(document, prepared.sentences, sentence_vectors, prepared.chunks, vectors)
                session.add(document)
                session.flush()
                stored = self.settings.files_dir / f"{document.id}{prepared.suffix}"
                write_atomically(stored, prepared.data)
                document.stored_path = str(stored.relative_to(self.settings.data_dir))
                chunk_ids = np.array([chunk.id for chunk in document.chunks], dtype=np.int64)
                document_id = document.id
        except BaseException:
            if stored is not None:
                stored.unlink(missing_ok=True)
            raise
        return document_id, chunk_ids

    def _set_vectors(
        self,
        document: Document,
        sentences: list[Span],
        sentence_vectors: np.ndarray,
        chunks: list[TextChunk],
        vectors: np.ndarray,
    ) -> None:
        """A document's chunk rows and sentence vectors (replacing any it had), of the current version."""
        sentence_row = document.sentences or SentenceVectors()
        sentence_row.encoder_version = self.encoder_version
        sentence_row.spans = np.asarray(sentences, dtype=np.int32).reshape(-1, 2).tobytes()
        sentence_row.vectors = vector_to_blob(sentence_vectors)
        document.sentences = sentence_row
        document.chunks = [
            Chunk(
                ordinal=i,
                start=chunk.start,
                end=chunk.end,
                vector=vector_to_blob(vector),
                encoder_version=self.encoder_version,
            )
            for i, (chunk, vector) in enumerate(zip(chunks, vectors, strict=True))
        ]

    def sentence_vectors(self, document_ids: Iterable[int]) -> dict[int, tuple[list[Span], np.ndarray]]:
        """Stored sentence units and their vectors, by document; documents without current ones are left out."""
        dim = model_dimension(self.encoder_path)
        with self.sessions() as session:
            rows = session.scalars(
                select(SentenceVectors).where(
                    SentenceVectors.document_id.in_(list(document_ids)),
                    SentenceVectors.encoder_version == self.encoder_version,
                )
            ).all()
        return {
            row.document_id: (
                [(int(a), int(b)) for a, b in np.frombuffer(row.spans, dtype=np.int32).reshape(-1, 2)],
                blob_to_vectors(row.vectors, dim),
            )
            for row in rows
        }

    def _limits(self) -> ExtractionLimits:
        return ExtractionLimits.from_settings(self.settings)

    # ----- reading -------------------------------------------------------------------------------------

    def list_documents(self, collection: str | None = None) -> list[DocumentInfo]:
        counts = select(Chunk.document_id, func.count().label("n")).group_by(Chunk.document_id).subquery()
        query = (
            select(Document, Collection.name, func.coalesce(counts.c.n, 0))
            .join(Collection)
            .outerjoin(counts, counts.c.document_id == Document.id)
            .order_by(Document.id)
        )
        with self.sessions() as session:
            if collection is not None:
                self._collection(session, collection)  # a clear error for an unknown name
                query = query.where(Collection.name == _clean_name(collection))
            return [_document_info(doc, name, n) for doc, name, n in session.execute(query)]

    def get_document(self, document_id: int) -> DocumentInfo:
        query = (
            select(Document, Collection.name, func.count(Chunk.id))
            .join(Collection)
            .outerjoin(Chunk)
            .where(Document.id == document_id)
            .group_by(Document.id, Collection.name)
        )
        with self.sessions() as session:
            row = session.execute(query).first()
        if row is None:
            raise PlagDetectError(f"No document with id {document_id}.")
        return _document_info(*row)

    # ----- delete --------------------------------------------------------------------------------------

    def delete_document(self, document_id: int) -> DocumentInfo:
        """Remove a document's rows, its vectors (from the index file too) and its stored original."""
        info = self.get_document(document_id)
        self.delete_documents([document_id])
        return info

    def delete_documents(self, document_ids: Iterable[int]) -> int:
        """Remove documents as ``delete_document`` does, in one transaction and one index write; returns how many."""
        with self.sessions.begin() as session:
            documents = list(session.scalars(select(Document).where(Document.id.in_(list(document_ids)))))
            ids = [document.id for document in documents]  # some may be gone already (deleted by someone else)
            chunk_ids = np.array(session.scalars(select(Chunk.id).where(Chunk.document_id.in_(ids))).all())
            stored_paths = [document.stored_path for document in documents if document.stored_path]
            for document in documents:
                session.delete(document)
        for stored_path in stored_paths:
            (self.settings.data_dir / stored_path).unlink(missing_ok=True)
        self._checkpoint()
        index = self.index
        with index.writing():
            index.remove(chunk_ids)
            if index.deleted_fraction > _MAX_DELETED_FRACTION:
                self._rebuild(index)
        self._remove_other_indexes(index)
        logger.info("Deleted %d document(s) (%d chunks)", len(ids), len(chunk_ids))
        return len(ids)

    def _checkpoint(self) -> None:
        """Move SQLite's write-ahead log into the database file and empty it, so deleted text leaves it too."""
        if self.engine.dialect.name != "sqlite":
            return
        with self.engine.connect() as connection:
            for _ in range(50):
                busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()[0]
                if not busy:
                    return
                time.sleep(0.1)
        logger.warning("The write-ahead log could not be emptied (readers busy); it will be at the next delete")

    def _remove_other_indexes(self, current: HnswIndex) -> None:
        """Index files of other bi-encoder versions: obsolete, and they would keep deleted vectors."""
        for other in self.settings.index_dir.glob("*.hnsw"):
            if other != current.path:
                other.unlink(missing_ok=True)

    # ----- index upkeep --------------------------------------------------------------------------------

    def repair_index(self) -> IndexReport:
        """Bring the index file in line with the database; remove stored files no document owns."""
        if self._index is None:
            self._open_index()  # opening the index repairs it
            return self.last_index_report
        return self._repair(self._index)

    def _repair(self, index: HnswIndex) -> IndexReport:
        self._remove_orphan_files()
        with index.writing():
            if index.load_failed:
                report = self._rebuild(index)
                return IndexReport(added=report.added, rebuilt=True, stale_chunks=self._count_stale())
            with self.sessions() as session:
                db_ids = set(session.scalars(select(Chunk.id).where(Chunk.encoder_version == self.encoder_version)))
            stale = self._count_stale()
            index_ids = index.ids()
            missing = np.array(sorted(db_ids - index_ids), dtype=np.int64)
            extra = np.array(sorted(index_ids - db_ids), dtype=np.int64)
            index.remove(extra)
            for ids, vectors in self._stored_vectors(missing):
                index.add(ids, vectors)
        report = IndexReport(added=len(missing), removed=len(extra), stale_chunks=stale)
        if report.changed:
            logger.warning("Index repaired: %d vectors added, %d removed", report.added, report.removed)
        if report.stale_chunks:
            logger.warning("%d chunks were embedded by another bi-encoder; run `plagdetect reindex`", stale)
        return report

    def stale_documents(self) -> int:
        """Documents with chunks of another version (another bi-encoder or an older way of embedding).

        Checks do not search them until ``reindex`` embeds them again.
        """
        with self.sessions() as session:
            return session.scalar(
                select(func.count(Chunk.document_id.distinct())).where(Chunk.encoder_version != self.encoder_version)
            )

    def _count_stale(self) -> int:
        with self.sessions() as session:
            return session.scalar(
                select(func.count()).select_from(Chunk).where(Chunk.encoder_version != self.encoder_version)
            )

    def reindex(self, progress: Progress | None = None) -> IndexReport:
        """Re-embed documents with chunks of another version, then rebuild the index from the stored vectors.

        Such a document is cut again with the current settings, so its chunks and sentence vectors agree.
        """
        re_embedded = 0
        with self.sessions() as session:
            stale_ids = session.scalars(
                select(Chunk.document_id).where(Chunk.encoder_version != self.encoder_version).distinct()
            ).all()
        for document_id in stale_ids:
            with self.sessions() as session:
                document = session.get(Document, document_id)
                if document is None:  # deleted meanwhile
                    continue
                if progress:
                    progress(document.filename)
                sentences, chunks = cut_text(document.text, self.settings)
                sentence_vectors, vectors = self.embed(document.text, sentences, chunks)
                with session.no_autoflush:  # the document may be gone by now: the commit finds out
                    self._set_vectors(document, sentences, sentence_vectors, chunks, vectors)
                try:
                    session.commit()
                except (StaleDataError, IntegrityError):  # deleted by another process while it was re-embedded?
                    session.rollback()
                    if session.get(Document, document_id) is None:
                        continue
                    raise
                re_embedded += len(vectors)
        index = self.index
        with index.writing():
            report = self._rebuild(index)
        self._remove_other_indexes(index)
        return IndexReport(added=report.added, rebuilt=True, stale_chunks=re_embedded)

    def _rebuild(self, index: HnswIndex) -> IndexReport:
        index.clear()
        with self.sessions() as session:
            ids = np.array(
                session.scalars(select(Chunk.id).where(Chunk.encoder_version == self.encoder_version)).all(),
                dtype=np.int64,
            )
        for batch_ids, vectors in self._stored_vectors(ids):
            index.add(batch_ids, vectors)
        logger.info("Rebuilt index %s from %d stored vectors", index.path.name, len(ids))
        return IndexReport(added=len(ids), rebuilt=True)

    def _stored_vectors(self, ids: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        dim = model_dimension(self.encoder_path)
        for start in range(0, len(ids), _VECTOR_BATCH):
            batch = [int(i) for i in ids[start : start + _VECTOR_BATCH]]
            with self.sessions() as session:
                rows = session.execute(select(Chunk.id, Chunk.vector).where(Chunk.id.in_(batch))).all()
            yield (
                np.array([row.id for row in rows], dtype=np.int64),
                np.stack([blob_to_vector(row.vector, dim) for row in rows]) if rows else np.empty((0, dim)),
            )

    def _remove_orphan_files(self) -> None:
        """Originals written by an ingest that was killed before its transaction committed.

        Only files older than a few minutes go: a younger one may belong to an ingest still under way
        in another process, which writes the file just before it commits.
        """
        if not self.settings.files_dir.is_dir():
            return
        with self.sessions() as session:
            owned = set(session.scalars(select(Document.stored_path).where(Document.stored_path.is_not(None))))
        cutoff = time.time() - _ORPHAN_AGE_S
        for path in self.settings.files_dir.iterdir():
            if str(path.relative_to(self.settings.data_dir)) in owned:
                continue
            try:  # another process may rename or remove it at any moment
                if path.is_file() and path.stat().st_mtime < cutoff:
                    logger.warning("Removing %s: no document owns it", path)
                    path.unlink(missing_ok=True)
            except FileNotFoundError:
                continue


def write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise PlagDetectError("A collection needs a name.")
    return name[:200]


def _document_info(document: Document, collection: str, chunks: int) -> DocumentInfo:
    return DocumentInfo(
        id=document.id,
        collection=collection,
        title=document.title,
        filename=document.filename,
        format=document.format,
        author=document.author,
        size_bytes=document.size_bytes,
        chunks=chunks,
        integrity=IntegrityFlags.from_dict(document.integrity_flags).describe(),
        created_at=document.created_at,
    )
