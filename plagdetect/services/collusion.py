"""The collusion view: how alike the documents of one collection are to each other, pair by pair.

For two documents A and B, ``share[A, B]`` is the share of A's passages (chunk windows) whose closest
passage in B is at least ``threshold`` alike (bi-encoder cosine, the check's seed threshold by default).
It reads the vectors stored at ingest, so nothing is embedded again; a class of 100 submissions of a few
thousand words each takes well under a second. The shown value of a pair is the larger of its two shares:
a short text copied whole into a long one still stands out. Instructors and admins only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select

from plagdetect.encoders.bi_encoder import blob_to_vector, model_dimension
from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import STAFF, Account, require_role
from plagdetect.services.corpus import Corpus
from plagdetect.store import Chunk, Collection, Document
from plagdetect.text.spans import Span


@dataclass(frozen=True)
class SimilarityMatrix:
    ids: list[int]
    titles: list[str]
    shares: np.ndarray  # [i, j]: share of document i's passages closely matched in document j; diagonal 0

    @property
    def alike(self) -> np.ndarray:
        """How alike each pair is: the larger of its two shares (symmetric)."""
        return np.maximum(self.shares, self.shares.T)

    def pairs(self) -> list[tuple[int, int, float]]:
        """Each pair once (document ids), most alike first, by ``alike``."""
        both = self.alike
        found = [
            (self.ids[i], self.ids[j], float(both[i, j]))
            for i in range(len(self.ids))
            for j in range(i + 1, len(self.ids))
        ]
        return sorted(found, key=lambda pair: -pair[2])


@dataclass(frozen=True)
class PassagePair:
    first: str
    second: str
    score: float


def pairwise_similarity(
    corpus: Corpus, actor: Account | None, collection: str, threshold: float | None = None
) -> SimilarityMatrix:
    require_role(actor, *STAFF)
    threshold = corpus.settings.seed_threshold if threshold is None else threshold
    with corpus.sessions() as session:
        collection_id = session.scalar(select(Collection.id).where(Collection.name == collection))
        if collection_id is None:
            raise PlagDetectError(f"No collection named '{collection}'.")
        documents = session.execute(
            select(Document.id, Document.title).where(Document.collection_id == collection_id).order_by(Document.id)
        ).all()
        chunks = _document_chunks(corpus, session, [d.id for d in documents])
    vectors = {document_id: matrix for document_id, (matrix, _) in chunks.items()}
    ids = [d.id for d in documents if d.id in vectors]
    titles = [d.title for d in documents if d.id in vectors]
    shares = np.zeros((len(ids), len(ids)), dtype=np.float32)
    if ids:
        everything = np.concatenate([vectors[i] for i in ids])
        bounds = np.cumsum([0] + [len(vectors[i]) for i in ids])
        for a, document_id in enumerate(ids):
            similarities = vectors[document_id] @ everything.T  # this document's passages against all
            for b in range(len(ids)):
                if a != b:
                    best = similarities[:, bounds[b] : bounds[b + 1]].max(axis=1)
                    shares[a, b] = float((best >= threshold).mean())
    return SimilarityMatrix(ids, titles, shares)


def similar_passages(
    corpus: Corpus, actor: Account | None, first_id: int, second_id: int, threshold: float | None = None
) -> list[PassagePair]:
    """The passages of the first document with their closest passage in the second, at least ``threshold`` alike."""
    require_role(actor, *STAFF)
    threshold = corpus.settings.seed_threshold if threshold is None else threshold
    with corpus.sessions() as session:
        chunks = _document_chunks(corpus, session, [first_id, second_id])
        if first_id not in chunks or second_id not in chunks:
            raise PlagDetectError("Both documents must still be in the corpus.")
        texts = {i: session.scalar(select(Document.text).where(Document.id == i)) for i in (first_id, second_id)}
    (first, first_spans), (second, second_spans) = chunks[first_id], chunks[second_id]
    similarities = first @ second.T
    best = similarities.argmax(axis=1)
    return [
        PassagePair(
            _span_text(texts[first_id], first_spans[k]),
            _span_text(texts[second_id], second_spans[int(j)]),
            round(float(similarities[k, j]), 3),
        )
        for k, j in enumerate(best)
        if similarities[k, j] >= threshold
    ]


def _span_text(text: str, span: Span) -> str:
    return " ".join(text[span[0] : span[1]].split())


def _document_chunks(corpus: Corpus, session, document_ids: list[int]) -> dict[int, tuple[np.ndarray, list[Span]]]:
    """Each document's unit chunk vectors (of the bi-encoder in use) and chunk spans, in chunk order."""
    rows = session.execute(
        select(Chunk.document_id, Chunk.vector, Chunk.start, Chunk.end)
        .where(Chunk.document_id.in_(document_ids), Chunk.encoder_version == corpus.encoder_version)
        .order_by(Chunk.document_id, Chunk.ordinal)
    )
    dim = model_dimension(corpus.encoder_path)
    vectors: dict[int, list[np.ndarray]] = {}
    spans: dict[int, list[Span]] = {}
    for document_id, blob, start, end in rows:
        vectors.setdefault(document_id, []).append(blob_to_vector(blob, dim))
        spans.setdefault(document_id, []).append((start, end))
    found = {}
    for document_id, rows_of_document in vectors.items():
        matrix = np.stack(rows_of_document)
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        found[document_id] = (matrix, spans[document_id])
    return found
