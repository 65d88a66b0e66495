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

from plagdetect.context import Context
from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import STAFF, Account, authorize
from plagdetect.text.spans import collapsed


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
    context: Context, actor: Account | None, collection: str, threshold: float | None = None
) -> SimilarityMatrix:
    authorize(context.sessions, actor, *STAFF)
    threshold = context.settings.seed_threshold if threshold is None else threshold
    collection_id = context.documents.collection_id(collection)
    if collection_id is None:
        raise PlagDetectError(f"No collection named '{collection}'.")
    return similarity_of(context, context.documents.titles(collection_id), threshold)


def similarity_of(
    context: Context, documents: list[tuple[int, str]], threshold: float | None = None
) -> SimilarityMatrix:
    """How alike these documents ((id, the title shown)) are, pair by pair; those without vectors are left out.
    The callers check who asks (``pairwise_similarity``, ``services.submissions.assignment_similarity``)."""
    threshold = context.settings.seed_threshold if threshold is None else threshold
    chunks = context.vectors.document_chunks([document_id for document_id, _ in documents])
    vectors = {document_id: matrix for document_id, (matrix, _) in chunks.items()}
    ids = [document_id for document_id, _ in documents if document_id in vectors]
    titles = [title for document_id, title in documents if document_id in vectors]
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
    context: Context, actor: Account | None, first_id: int, second_id: int, threshold: float | None = None
) -> list[PassagePair]:
    """The passages of the first document with their closest passage in the second, at least ``threshold`` alike."""
    authorize(context.sessions, actor, *STAFF)
    threshold = context.settings.seed_threshold if threshold is None else threshold
    chunks = context.vectors.document_chunks([first_id, second_id])
    texts = {i: context.documents.filename_and_text(i) for i in (first_id, second_id)}
    if first_id not in chunks or second_id not in chunks or None in texts.values():
        raise PlagDetectError("Both documents must still be in the corpus.")
    (first, first_spans), (second, second_spans) = chunks[first_id], chunks[second_id]
    similarities = first @ second.T
    best = similarities.argmax(axis=1)
    return [
        PassagePair(
            collapsed(texts[first_id][1], first_spans[k]),
            collapsed(texts[second_id][1], second_spans[int(j)]),
            round(float(similarities[k, j]), 3),
        )
        for k, j in enumerate(best)
        if similarities[k, j] >= threshold
    ]


def passages_behind_pair(context: Context, actor: Account | None, first_id: int, second_id: int) -> list[PassagePair]:
    """The passages that make a pair alike: the first's in the second, or else the second's in the first.

    A pair is as alike as the larger of its two shares, so the passages shown come from that direction when the
    other finds none (a short text copied whole into a long one).
    """
    return similar_passages(context, actor, first_id, second_id) or similar_passages(
        context, actor, second_id, first_id
    )
