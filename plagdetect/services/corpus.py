"""The corpus: collections of documents that checks search, and what can be done with them.

A document goes in whole or not at all: its rows and vectors are written in one database transaction, its
original file is written before that transaction commits (and removed if it does not), and the vector index is
brought up to date afterwards. The database is the truth; when the index is first opened it is checked against
it and repaired (``index.sync``), so a process killed between the two steps loses nothing.

``Corpus`` acts as the server's operator (the CLI); the app goes through ``CorpusAdmin``, which adds the role rules.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Literal

import numpy as np
from sqlalchemy.exc import IntegrityError

from plagdetect.context import BI_ENCODER, Context, Embeddings
from plagdetect.encoders.bi_encoder import BiEncoder, embed_cut, vectors_version
from plagdetect.errors import PlagDetectError
from plagdetect.index import sync
from plagdetect.index.sync import IndexReport
from plagdetect.settings import Settings
from plagdetect.store import model_versions
from plagdetect.store.courses import REPOSITORY
from plagdetect.store.documents import CollectionInfo, DocumentInfo, clean_collection_name
from plagdetect.text.extract import ExtractionLimits
from plagdetect.text.prepare import cut_text, prepare_document
from plagdetect.text.uploads import Upload, expand_paths, read_upload, split_upload

logger = logging.getLogger(__name__)

INDEX_SAVE_EVERY = 50  # files; a bulk ingest saves the index file this often, not after each file

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


class Corpus:
    """Collections, documents, their vectors and the index over them."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.documents = context.documents

    @classmethod
    def open(cls, settings: Settings, encoder: BiEncoder | None = None) -> Corpus:
        """The corpus over a new ``Context`` of these settings (the CLI, a test, a throw-away evaluation)."""
        return cls(Context(settings, encoder=encoder))

    def close(self) -> None:
        self.context.close()

    # ----- collections ---------------------------------------------------------------------------------

    def create_collection(self, name: str, description: str = "") -> CollectionInfo:
        return self.documents.create_collection(name, description)

    def rename_collection(self, name: str, new_name: str) -> CollectionInfo:
        if REPOSITORY in (name, clean_collection_name(new_name)):
            raise PlagDetectError(f"The {REPOSITORY.lower()} keeps its name: assignments check against it by name.")
        return self.documents.rename_collection(name, new_name)

    def delete_collection(self, name: str) -> int:
        """Delete a collection and, for good, every document in it; returns how many documents went.

        Documents added to it meanwhile (another upload) are deleted the same way before the collection goes.
        """
        collection_id = self.documents.existing_collection_id(name)
        deleted = 0
        while ids := self.documents.delete_collection_if_empty(collection_id):
            deleted += self.delete_documents(ids)
        self.documents.checkpoint()
        return deleted

    def collections(self) -> list[CollectionInfo]:
        return self.documents.collections()

    def searchable_collections(self) -> list[str]:
        """The names of the collections a check can search: those holding documents."""
        return [c.name for c in self.documents.collections() if c.documents]

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
        limits = ExtractionLimits.from_settings(self.context.settings)
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
        limits = ExtractionLimits.from_settings(self.context.settings)
        batches = ((name, split_upload(name, data, limits)) for name, data in uploads)
        return self._ingest_batches(batches, collection, owner_id=owner_id, progress=progress)

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
        embeddings = self.context.embeddings
        result, vectors = self._ingest(
            embeddings, data, filename, clean_collection_name(collection), title, author, owner_id
        )
        if vectors is not None:
            self._add_to_index(embeddings, [vectors])
        self._catch_up(embeddings)
        return result

    def _ingest_batches(
        self,
        batches: Iterable[tuple[str, Iterable[Upload]]],
        collection: str,
        author: str | None = None,
        owner_id: int | None = None,
        progress: Progress | None = None,
    ) -> list[IngestResult]:
        """Each (name, its files) in turn; ``progress`` hears each name once its files are stored."""
        collection = clean_collection_name(collection)
        embeddings = self.context.embeddings  # one bi-encoder version for the whole ingest
        results: list[IngestResult] = []
        pending: list[tuple[np.ndarray, np.ndarray]] = []
        try:
            for name, files in batches:
                for filename, data in files:
                    if isinstance(data, PlagDetectError):
                        results.append(IngestResult(filename, "failed", str(data)))
                        continue
                    result, vectors = self._ingest(
                        embeddings, data, filename, collection, author=author, owner_id=owner_id
                    )
                    results.append(result)
                    if vectors is not None:
                        pending.append(vectors)
                if len(pending) >= INDEX_SAVE_EVERY:
                    self._add_to_index(embeddings, pending)
                if progress:
                    progress(name)
        finally:
            self._add_to_index(embeddings, pending)
        self._catch_up(embeddings)
        return results

    def _add_to_index(self, embeddings: Embeddings, pending: list[tuple[np.ndarray, np.ndarray]]) -> None:
        if pending:
            sync.add(embeddings.index, embeddings.vectors, pending)
            pending.clear()

    def _catch_up(self, used: Embeddings) -> None:
        """When another bi-encoder version began serving while documents were stored with ``used``, embed them with
        it too: the switch (``services.reembedding``) embedded those stored before it last looked, these come after."""
        serving = self.context.embeddings
        if serving.version != used.version and self.embed_missing(serving):
            sync.repair(serving.index, serving.vectors)

    def _ingest(
        self,
        embeddings: Embeddings,
        data: bytes,
        filename: str,
        collection: str,
        title: str | None = None,
        author: str | None = None,
        owner_id: int | None = None,
    ) -> tuple[IngestResult, tuple[np.ndarray, np.ndarray] | None]:
        """Store a document; returns the result and, when stored, its (chunk ids, vectors) for the index."""
        try:
            prepared = prepare_document(data, filename, self.context.settings)
        except PlagDetectError as error:
            return IngestResult(filename, "failed", str(error)), None
        existing = self.documents.find_duplicate(collection, prepared.sha256)
        if existing is None:
            text, sentences, chunks = prepared.normalized.text, prepared.sentences, prepared.chunks
            sentence_vectors, vectors = embed_cut(embeddings.encoder, text, sentences, chunks)
            embeddings.open_index()  # checked against the database before this document joins it
            self.documents.ensure_collection(collection)
            try:
                document_id, chunk_ids = self.documents.add(
                    prepared,
                    collection,
                    partial(
                        embeddings.vectors.set_vectors,
                        sentences=sentences,
                        sentence_vectors=sentence_vectors,
                        chunks=chunks,
                        vectors=vectors,
                    ),
                    title,
                    author,
                    owner_id,
                )
            except IntegrityError:  # the same file was stored by another process meanwhile
                existing = self.documents.find_duplicate(collection, prepared.sha256)
                if existing is None:
                    raise
        if existing is not None:
            return IngestResult(filename, "duplicate", existing[1], document_id=existing[0]), None
        logger.info("Ingested %s as document %d (%d chunks)", filename, document_id, len(chunk_ids))
        return IngestResult(filename, "added", document_id=document_id, chunks=len(chunk_ids)), (chunk_ids, vectors)

    # ----- reading -------------------------------------------------------------------------------------

    def list_documents(self, collection: str | None = None) -> list[DocumentInfo]:
        return self.documents.list_documents(collection)

    def get_document(self, document_id: int) -> DocumentInfo:
        return self.documents.get_document(document_id)

    def stale_documents(self) -> int:
        """Documents without vectors of the serving version: checks find them by their words only until ``reindex``."""
        return self.context.vectors.stale_documents()

    # ----- delete --------------------------------------------------------------------------------------

    def delete_document(self, document_id: int) -> DocumentInfo:
        """Remove a document's rows, its vectors (from the index file too) and its stored original."""
        info = self.documents.get_document(document_id)
        self.delete_documents([document_id])
        return info

    def delete_documents(self, document_ids: Iterable[int]) -> int:
        """Remove documents as ``delete_document`` does, in one transaction and one index write; returns how many."""
        embeddings = self.context.embeddings
        index = embeddings.index  # opened (and checked) before the rows go: no "repair" of this delete
        ids, chunk_ids = self.documents.delete(document_ids)
        sync.remove(index, embeddings.vectors, chunk_ids)
        sync.remove_other_indexes(index)
        logger.info("Deleted %d document(s) (%d chunks)", len(ids), len(chunk_ids))
        return len(ids)

    @property
    def wipe_pending(self) -> bool:
        """A delete is done, but another connection still reads an older snapshot: the deleted text leaves the
        database files once it finishes (``DocumentStore.checkpoint``)."""
        return self.documents.wipe_pending

    # ----- re-index ------------------------------------------------------------------------------------

    def reindex(self, progress: Progress | None = None) -> IndexReport:
        """Embed the documents without vectors of the serving version, rebuild its index from the stored vectors, and
        remove the vectors of versions the registry does not know (an older way of embedding, a model gone)."""
        embeddings = self.context.embeddings
        re_embedded = self.embed_missing(embeddings, progress)
        index = embeddings.index
        with index.writing():
            report = sync.rebuild(index, embeddings.vectors)
        sync.remove_other_indexes(index)
        known = {vectors_version(v.version) for v in model_versions.versions(self.context.sessions, BI_ENCODER)}
        embeddings.vectors.remove_versions(set(embeddings.vectors.versions()) - known)
        return IndexReport(added=report.added, rebuilt=True, re_embedded=re_embedded)

    def embed_missing(self, embeddings: Embeddings, progress: Progress | None = None) -> int:
        """Embed with ``embeddings``' version every document that has no vectors of it, until none is left (documents
        stored meanwhile too); the chunks written. ``progress`` hears each document's file name once it is done. The
        index is the caller's to bring up to date.

        Each document is cut again with the current settings, so its chunks and sentence vectors agree.
        """
        written = 0
        while missing := embeddings.vectors.stale_document_ids():
            done = 0
            for document_id in missing:
                found = self.documents.filename_and_text(document_id)
                if found is None:  # deleted meanwhile
                    continue
                filename, text = found
                sentences, chunks = cut_text(text, self.context.settings)
                sentence_vectors, vectors = embed_cut(embeddings.encoder, text, sentences, chunks)
                store = partial(
                    embeddings.vectors.set_vectors,
                    sentences=sentences,
                    sentence_vectors=sentence_vectors,
                    chunks=chunks,
                    vectors=vectors,
                )
                if self.documents.replace_vectors(document_id, store):
                    written += len(vectors)
                    done += 1
                if progress:
                    progress(filename)
            if not done:  # all deleted meanwhile (or nothing can be written): do not spin
                break
        return written
