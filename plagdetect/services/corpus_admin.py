"""Corpus management as the app offers it: the ``Corpus`` operations, open to instructors and admins only.

The Corpus page works through a ``CorpusAdmin`` made for the signed-in account, so a student is refused here,
in the service, and not only by the page. The command line works on ``Corpus`` directly: whoever runs it on
the server has the data directory in reach anyway (``accounts.OPERATOR``).
"""

from __future__ import annotations

from collections.abc import Iterable

from plagdetect.errors import PlagDetectError
from plagdetect.index.sync import IndexReport
from plagdetect.services.accounts import STAFF, Account, authorize
from plagdetect.services.corpus import Corpus, IngestResult, Progress
from plagdetect.settings import SAMPLE_CORPUS
from plagdetect.store.documents import CollectionInfo, DocumentInfo

SAMPLE_COLLECTION = "Sample"


class CorpusAdmin:
    def __init__(self, corpus: Corpus, actor: Account | None) -> None:
        self.actor = authorize(corpus.context.sessions, actor, *STAFF)
        self.corpus = corpus

    def collections(self) -> list[CollectionInfo]:
        return self.corpus.collections()

    def create_collection(self, name: str, description: str = "") -> CollectionInfo:
        return self.corpus.create_collection(name, description)

    def rename_collection(self, name: str, new_name: str) -> CollectionInfo:
        return self.corpus.rename_collection(name, new_name)

    def delete_collection(self, name: str) -> int:
        return self.corpus.delete_collection(name)

    def documents(self, collection: str | None = None, search: str = "") -> list[DocumentInfo]:
        """The documents of a collection (None: all), those whose title, file name or author holds ``search``."""
        documents = self.corpus.list_documents(collection)
        needle = search.strip().casefold()
        if needle:
            documents = [d for d in documents if needle in f"{d.title} {d.filename} {d.author or ''}".casefold()]
        return documents

    def document_text(self, document_id: int) -> tuple[DocumentInfo, str]:
        """A document of the corpus and its whole text (an instructor reading a source from a report)."""
        info = self.corpus.get_document(document_id)
        found = self.corpus.documents.filename_and_text(document_id)
        if found is None:  # deleted since the line above
            raise PlagDetectError(f"No document with id {document_id}.")
        return info, found[1]

    def add(
        self, uploads: Iterable[tuple[str, bytes]], collection: str, progress: Progress | None = None
    ) -> list[IngestResult]:
        """Files handed in through the app (zip archives give their members), owned by the person adding them."""
        return self.corpus.ingest_uploads(uploads, collection, owner_id=self.actor.id, progress=progress)

    def add_sample_corpus(self) -> list[IngestResult]:
        """The sample articles shipped in data/samples, in the collection "Sample" (for a first try)."""
        return self.corpus.ingest_paths([SAMPLE_CORPUS], SAMPLE_COLLECTION)

    def delete_documents(self, document_ids: Iterable[int]) -> int:
        return self.corpus.delete_documents(document_ids)

    def reindex(self, progress: Progress | None = None) -> IndexReport:
        return self.corpus.reindex(progress=progress)
