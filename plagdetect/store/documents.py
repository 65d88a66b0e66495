"""Collections and documents in the database: every query that writes, reads or deletes their rows.

There is one document per (collection, sha256). A document's rows (text, chunks, sentence vectors, fingerprints)
are written in one transaction, with its original file written just before that transaction commits.

Deleted text leaves SQLite's files by a TRUNCATE checkpoint of the write-ahead log (``DocumentStore.checkpoint``).
A reader that holds an older snapshot (a report being read, another process) keeps the old pages readable, so the
checkpoint cannot finish until it ends; a delete does not wait for that. It tries for half a second, then owes the
wipe: a marker file beside the database (``<db>-wipe-owed``) records it, a background thread retries until the
readers are done, and the next process to open the database, or the next checkpoint, pays it if this one could not.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from plagdetect.errors import PlagDetectError
from plagdetect.store.files import OriginalFiles, write_atomically
from plagdetect.store.fingerprints import write_fingerprints
from plagdetect.store.tables import Chunk, Collection, Document
from plagdetect.text.names import clean_name, clean_optional
from plagdetect.text.normalize import IntegrityFlags
from plagdetect.text.offsets import OffsetMap
from plagdetect.text.prepare import PreparedDocument
from plagdetect.text.spans import Span

logger = logging.getLogger(__name__)

SetVectors = Callable[[Document], None]  # fills a document's chunk rows and sentence vectors (VectorStore)

CHECKPOINT_WAIT_S = 0.5  # how long a delete tries to empty the write-ahead log before leaving it to the retry
WIPE_RETRY_S = (0.2, 5.0)  # the background retry's first and longest pause between tries


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
class SourceText:
    """What alignment reads of a source document (its sentence vectors come from ``VectorStore``)."""

    id: int
    title: str
    collection: str
    text: str
    original: str
    offsets: OffsetMap
    chunk_spans: dict[int, Span]  # ordinal -> span


def clean_collection_name(name: str) -> str:
    name = clean_name(name, 200)
    if not name:
        raise PlagDetectError("A collection needs a name.")
    return name


class DocumentStore:
    def __init__(self, engine: Engine, sessions: sessionmaker[Session], files: OriginalFiles) -> None:
        self.engine = engine
        self.sessions = sessions
        self.files = files
        self._wipe_marker = _wipe_marker(engine)
        self._wipe_thread: threading.Thread | None = None
        self._wipe_lock = threading.Lock()
        self._closed = threading.Event()
        if self.wipe_pending and not self._wipe_now():  # owed by a process that ended before its readers did
            self._wipe_later()

    def close(self) -> None:
        """Stop the background retry (a wipe still owed stays recorded for the next process)."""
        self._closed.set()

    # ----- collections ---------------------------------------------------------------------------------

    def create_collection(self, name: str, description: str = "") -> CollectionInfo:
        name = clean_collection_name(name)
        with self.sessions.begin() as session:
            if session.scalar(select(Collection).where(Collection.name == name)):
                raise PlagDetectError(f"A collection named '{name}' already exists.")
            collection = Collection(name=name, description=description)
            session.add(collection)
            session.flush()
            return CollectionInfo(collection.id, collection.name, collection.description, 0)

    def ensure_collection(self, name: str) -> None:
        """The collection, created if missing (by this process or, at the same moment, another)."""
        if self.collection_id(name) is not None:
            return
        try:
            self.create_collection(name)
        except (PlagDetectError, IntegrityError):  # created by another process just now
            pass

    def rename_collection(self, name: str, new_name: str) -> CollectionInfo:
        new_name = clean_collection_name(new_name)
        with self.sessions.begin() as session:
            collection = self._collection(session, name)
            if new_name != collection.name and session.scalar(select(Collection).where(Collection.name == new_name)):
                raise PlagDetectError(f"A collection named '{new_name}' already exists.")
            collection.name = new_name
        return next(c for c in self.collections() if c.name == new_name)

    def collections(self) -> list[CollectionInfo]:
        counts = select(Document.collection_id, func.count().label("n")).group_by(Document.collection_id).subquery()
        query = (
            select(Collection, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.collection_id == Collection.id)
            .order_by(Collection.name)
        )
        with self.sessions() as session:
            return [CollectionInfo(c.id, c.name, c.description, n) for c, n in session.execute(query)]

    def collection_id(self, name: str) -> int | None:
        with self.sessions() as session:
            return session.scalar(select(Collection.id).where(Collection.name == name))

    def existing_collection_id(self, name: str) -> int:
        """The id of a collection that must exist (a clear error otherwise)."""
        with self.sessions() as session:
            return self._collection(session, name).id

    def delete_collection_if_empty(self, collection_id: int) -> list[int]:
        """The collection's document ids; when it has none, the collection is deleted and the list is empty."""
        with self.sessions.begin() as session:
            ids = list(session.scalars(select(Document.id).where(Document.collection_id == collection_id)))
            if not ids:
                collection = session.get(Collection, collection_id)
                if collection is not None:
                    session.delete(collection)
            return ids

    def _collection(self, session: Session, name: str) -> Collection:
        name = clean_collection_name(name)
        collection = session.scalar(select(Collection).where(Collection.name == name))
        if collection is None:
            raise PlagDetectError(f"No collection named '{name}'.")
        return collection

    # ----- documents -----------------------------------------------------------------------------------

    def find_duplicate(self, collection: str, sha256: str) -> tuple[int, str] | None:
        """The document with these bytes in the collection, and a message saying so; None when there is none."""
        query = (
            select(Document.id, Document.filename)
            .join(Collection)
            .where(Collection.name == clean_collection_name(collection), Document.sha256 == sha256)
        )
        with self.sessions() as session:
            row = session.execute(query).first()
        if row is None:
            return None
        return row.id, f"already in collection '{collection}' as document {row.id} ({Path(row.filename).name})"

    def add(
        self,
        prepared: PreparedDocument,
        collection: str,
        set_vectors: SetVectors,
        title: str | None = None,
        author: str | None = None,
        owner_id: int | None = None,
    ) -> tuple[int, np.ndarray]:
        """Store a document, its vectors (``set_vectors``) and its original; returns its id and its chunk ids."""
        stored: Path | None = None
        try:
            with self.sessions.begin() as session:
                document = Document(
                    collection=self._collection(session, collection),
                    owner_id=owner_id,
                    title=clean_optional(title) or prepared.title,
                    filename=prepared.filename[:500],
                    format=prepared.extracted.format,
                    sha256=prepared.sha256,
                    size_bytes=len(prepared.data),
                    author=clean_optional(author, 300) or prepared.author,
                    original_text=prepared.extracted.text.replace("\0", "\ufffd"),  # PostgreSQL refuses NUL
                    text=prepared.normalized.text,
                    offset_map=prepared.normalized.offsets.to_bytes(),
                    page_starts=list(prepared.extracted.page_starts),
                    integrity_flags=prepared.normalized.flags.to_dict(),
                )
                set_vectors(document)
                session.add(document)
                session.flush()
                write_fingerprints(session, document.id, document.text)
                stored = self.files.path_for(document.id, prepared.suffix)
                write_atomically(stored, prepared.data)
                document.stored_path = self.files.relative(stored)
                chunk_ids = np.array([chunk.id for chunk in document.chunks], dtype=np.int64)
                document_id = document.id
        except BaseException:
            if stored is not None:
                stored.unlink(missing_ok=True)
            raise
        return document_id, chunk_ids

    def replace_vectors(self, document_id: int, set_vectors: Callable[[Document], None]) -> bool:
        """Give a stored document new vectors; False when it was deleted meanwhile."""
        with self.sessions() as session:
            document = session.get(Document, document_id)
            if document is None:
                return False
            with session.no_autoflush:  # the document may be gone by now: the commit finds out
                set_vectors(document)
            try:
                session.commit()
            except (StaleDataError, IntegrityError):  # deleted by another process meanwhile?
                session.rollback()
                if session.get(Document, document_id) is None:
                    return False
                raise
        return True

    def filename_and_text(self, document_id: int) -> tuple[str, str] | None:
        """A document's file name and normalised text; None when it is gone."""
        with self.sessions() as session:
            row = session.execute(select(Document.filename, Document.text).where(Document.id == document_id)).first()
        return None if row is None else (row.filename, row.text)

    def original_file(self, document_id: int) -> tuple[str, bytes] | None:
        """A document's file name and its file as it was uploaded; None when the document or its file is gone."""
        with self.sessions() as session:
            row = session.execute(
                select(Document.filename, Document.stored_path).where(Document.id == document_id)
            ).first()
        if row is None or not row.stored_path:
            return None
        try:
            return row.filename, (self.files.data_dir / row.stored_path).read_bytes()
        except FileNotFoundError:
            return None

    def list_documents(self, collection: str | None = None) -> list[DocumentInfo]:
        # Chunks by position: a document embedded by two bi-encoder versions (while the corpus moves) has two sets.
        counts = (
            select(Chunk.document_id, func.count(Chunk.ordinal.distinct()).label("n"))
            .group_by(Chunk.document_id)
            .subquery()
        )
        query = (
            select(Document, Collection.name, func.coalesce(counts.c.n, 0))
            .join(Collection)
            .outerjoin(counts, counts.c.document_id == Document.id)
            .order_by(Document.id)
        )
        with self.sessions() as session:
            if collection is not None:
                self._collection(session, collection)  # a clear error for an unknown name
                query = query.where(Collection.name == clean_collection_name(collection))
            return [_document_info(doc, name, n) for doc, name, n in session.execute(query)]

    def get_document(self, document_id: int) -> DocumentInfo:
        query = (
            select(Document, Collection.name, func.count(Chunk.ordinal.distinct()))
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

    def titles(self, collection_id: int) -> list[tuple[int, str]]:
        """(id, title) of a collection's documents, in id order."""
        with self.sessions() as session:
            return [
                (row.id, row.title)
                for row in session.execute(
                    select(Document.id, Document.title)
                    .where(Document.collection_id == collection_id)
                    .order_by(Document.id)
                )
            ]

    def delete(self, document_ids: Iterable[int]) -> tuple[list[int], np.ndarray]:
        """Delete documents' rows and their originals in one transaction; returns the ids gone and their chunk ids.

        Ids already gone (deleted by someone else) are skipped. The write-ahead log is emptied afterwards, so
        deleted text leaves the database files: at once, or, while another connection still reads an older
        snapshot, as soon as it ends (``checkpoint``); the delete itself does not wait for readers.
        """
        with self.sessions.begin() as session:
            documents = list(session.scalars(select(Document).where(Document.id.in_(list(document_ids)))))
            ids = [document.id for document in documents]
            chunk_ids = np.array(session.scalars(select(Chunk.id).where(Chunk.document_id.in_(ids))).all())
            stored_paths = [document.stored_path for document in documents if document.stored_path]
            for document in documents:
                session.delete(document)
        self.files.remove(stored_paths)
        self.checkpoint()
        return ids, chunk_ids

    def checkpoint(self, wait_s: float = CHECKPOINT_WAIT_S) -> bool:
        """Move SQLite's write-ahead log into the database file and empty it, so deleted text leaves both.

        Never waits on SQLite's busy timeout (30 s per try): it tries for ``wait_s``. While another connection
        reads an older snapshot, the old pages must stay, so the wipe is owed instead (``wipe_pending``) and a
        background thread finishes it once the readers are done. True when the log is empty now.
        """
        if self._wipe_marker is None:
            return True
        deadline = time.monotonic() + wait_s
        while not self._wipe_now():
            if time.monotonic() >= deadline:
                self._owe_wipe()
                return False
            time.sleep(0.05)
        return True

    @property
    def wipe_pending(self) -> bool:
        """Deleted text may still lie in the write-ahead log or the database file until readers finish."""
        return self._wipe_marker is not None and self._wipe_marker.exists()

    def wait_for_wipe(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for an owed wipe (the command line, before it exits); True when none is owed."""
        deadline = time.monotonic() + timeout_s
        while self.wipe_pending and time.monotonic() < deadline:
            time.sleep(0.1)
        return not self.wipe_pending

    def _wipe_now(self) -> bool:
        """One TRUNCATE checkpoint that does not wait for a busy lock; True when the log is empty."""
        with self.engine.connect() as connection:
            timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
            connection.exec_driver_sql("PRAGMA busy_timeout=0")
            try:
                busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()[0]
            except OperationalError:  # another connection is checkpointing at this moment
                busy = 1
            finally:
                connection.exec_driver_sql(f"PRAGMA busy_timeout={int(timeout)}")
        if not busy and self._wipe_marker is not None:
            self._wipe_marker.unlink(missing_ok=True)
        return not busy

    def _owe_wipe(self) -> None:
        assert self._wipe_marker is not None
        self._wipe_marker.touch()
        logger.info("Another connection is reading: deleted text leaves the write-ahead log once it finishes")
        self._wipe_later()

    def _wipe_later(self) -> None:
        """Start the background retry, unless it runs already."""
        with self._wipe_lock:
            if self._wipe_thread is not None and self._wipe_thread.is_alive():
                return
            self._wipe_thread = threading.Thread(target=self._retry_wipe, name="plagdetect-wal-wipe", daemon=True)
            self._wipe_thread.start()

    def _retry_wipe(self) -> None:
        """Try the checkpoint again, waiting longer each time, until it succeeds or no wipe is owed any more."""
        pause, longest = WIPE_RETRY_S
        while not self._closed.wait(pause):
            database = Path(self.engine.url.database or "")
            if not self.wipe_pending or not database.exists():  # paid by another process, or the database is gone
                return
            try:
                if self._wipe_now():
                    logger.info("The write-ahead log is emptied: deleted text has left the database files")
                    return
            except Exception:  # a background thread has no caller to raise to; the marker stays
                logger.exception("Emptying the write-ahead log failed; the next process to open the database retries")
                return
            pause = min(2 * pause, longest)

    def remove_orphan_files(self) -> None:
        """Stored originals that no document owns (an ingest killed between the file write and the commit)."""
        with self.sessions() as session:
            owned = set(session.scalars(select(Document.stored_path).where(Document.stored_path.is_not(None))))
        self.files.remove_orphans(owned)

    # ----- what a check reads --------------------------------------------------------------------------

    def ids_with_sha256(self, sha256: str) -> set[int]:
        with self.sessions() as session:
            return set(session.scalars(select(Document.id).where(Document.sha256 == sha256)))

    def ids_by_author(self, author: str) -> set[int]:
        """Documents whose author is this name (case and surrounding spaces ignored)."""
        wanted = author.strip().casefold()
        with self.sessions() as session:
            return set(session.scalars(select(Document.id).where(func.lower(func.trim(Document.author)) == wanted)))

    def chunk_spans(self, document_ids: Iterable[int], version: str) -> dict[int, list[Span]]:
        """Each document's chunk spans, in chunk order (index: the chunk's ordinal): those of the bi-encoder
        ``version``, or for a document without them (stale: embedded by another version) those it has."""
        with self.sessions() as session:
            return _chunk_spans(session, document_ids, version)

    def source_texts(self, document_ids: Iterable[int], version: str) -> dict[int, SourceText]:
        """What alignment reads of each source still stored, by id (the chunks of a bi-encoder version)."""
        sources: dict[int, SourceText] = {}
        with self.sessions() as session:
            for document in session.scalars(select(Document).where(Document.id.in_(list(document_ids)))):
                spans = dict(enumerate(_chunk_spans(session, [document.id], version).get(document.id, [])))
                sources[document.id] = SourceText(
                    id=document.id,
                    title=document.title,
                    collection=document.collection.name,
                    text=document.text,
                    original=document.original_text,
                    offsets=OffsetMap.from_bytes(document.offset_map),
                    chunk_spans=spans,
                )
        return sources


def _chunk_spans(session: Session, document_ids: Iterable[int], version: str) -> dict[int, list[Span]]:
    """See ``DocumentStore.chunk_spans``: the lexical path finds copies in a stale document by these."""
    by_version: dict[int, dict[str, list[Span]]] = {}
    rows = session.execute(
        select(Chunk.document_id, Chunk.encoder_version, Chunk.start, Chunk.end)
        .where(Chunk.document_id.in_(list(document_ids)))
        .order_by(Chunk.document_id, Chunk.encoder_version, Chunk.ordinal)
    )
    for document_id, chunk_version, start, end in rows:
        by_version.setdefault(document_id, {}).setdefault(chunk_version, []).append((start, end))
    return {
        document_id: versions.get(version) or next(iter(versions.values()))
        for document_id, versions in by_version.items()
    }


def _wipe_marker(engine: Engine) -> Path | None:
    """The file that records an owed wipe of a SQLite database file's write-ahead log; None for other databases."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).with_name(Path(database).name + "-wipe-owed")


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
