"""Candidates: which documents a check may match, the index search, the lexical path's lookup, and the sources
read for alignment.

A seed is a (submission window, source chunk) pair at least ``seed_threshold`` alike, or one that shares a run
of fingerprints (``copied_runs``); ``align.merge_seeds`` joins seeds into passages, and ``load_sources`` reads
what alignment needs of each passage's source.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from plagdetect.context import Context, Embeddings
from plagdetect.detection.align import Passage, Seed, Source
from plagdetect.detection.lexical import Run, runs_of, seeds_of
from plagdetect.detection.report import CheckOptions
from plagdetect.encoders.bi_encoder import embed_cut
from plagdetect.errors import PlagDetectError
from plagdetect.settings import Settings
from plagdetect.text.chunking import Window
from plagdetect.text.fingerprints import fingerprints
from plagdetect.text.prepare import cut_text

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scope:
    """The documents a check may match: some collections (None: every one) less the ``excluded`` documents."""

    collection_ids: frozenset[int] | None
    excluded: set[int]
    chunks: set[int] | None  # the chunk ids that leaves (None: all), for the vector search


def search_scope(context: Context, embeddings: Embeddings, sha256: str, options: CheckOptions) -> Scope:
    """What a check may match.

    Left out: the submission itself (with ``leave_out_same_bytes``, every document with the same bytes, in any
    collection), the sources excluded by name, and with ``exclude_same_author`` the documents of the submission's
    author.
    """
    documents = context.documents
    excluded = set(options.excluded_sources)
    if options.leave_out_same_bytes:
        excluded |= documents.ids_with_sha256(sha256)
    if options.exclude_same_author:
        # Metadata authors are unreliable ("python-docx", "Microsoft Office User"): only a name given counts.
        if not (options.author or "").strip():
            raise PlagDetectError("Leaving out the author's own documents needs the author's name.")
        excluded |= documents.ids_by_author(options.author)
    if not options.collections and not excluded:
        return Scope(None, excluded, None)
    collection_ids = None
    if options.collections:
        collection_ids = frozenset(_collection_id(context, name) for name in options.collections)
    return Scope(collection_ids, excluded, embeddings.vectors.allowed_chunk_ids(collection_ids, excluded))


def _collection_id(context: Context, name: str) -> int:
    collection_id = context.documents.collection_id(name)
    if collection_id is None:
        raise PlagDetectError(f"No collection named '{name}'.")
    return collection_id


def copied_runs(
    context: Context, embeddings: Embeddings, text: str, windows: list[Window], scope: Scope
) -> tuple[list[Run], list[Seed]]:
    """The lexical path's runs of the submission (its normalised ``text`` and search ``windows``;
    ``detection.lexical``) and the seeds they give (at the chunks of ``embeddings``' version)."""
    settings = context.settings
    if not settings.lexical:
        return [], []
    found = fingerprints(text)
    hits = context.fingerprints.lookup(found.hashes.tolist(), scope.collection_ids, scope.excluded)
    runs = runs_of(found, hits, settings.lexical_min_chars)
    if not runs:
        return [], []
    return runs, seeds_of(runs, windows, context.documents.chunk_spans({r.source for r in runs}, embeddings.version))


def search_seeds(
    settings: Settings, embeddings: Embeddings, vectors: np.ndarray, allowed: set[int] | None
) -> list[Seed]:
    """The nearest source chunks of each submission window, those at least ``seed_threshold`` alike."""
    ids, scores = embeddings.index.search(vectors, settings.neighbours, allowed=allowed)
    keep = scores >= settings.seed_threshold
    places = embeddings.vectors.chunk_places(int(i) for i in ids[keep])
    return [
        Seed(query=q, source=places[int(i)].document_id, position=places[int(i)].ordinal, score=float(s))
        for q in range(len(ids))
        for i, s, k in zip(ids[q], scores[q], keep[q], strict=True)
        if k and int(i) in places
    ]


def load_sources(context: Context, embeddings: Embeddings, passages: list[Passage]) -> dict[int, Source]:
    """What alignment needs of each passage's source; sources deleted meanwhile are left out."""
    ids = sorted({p.source for p in passages})
    stored = embeddings.vectors.sentence_vectors(ids)
    sources: dict[int, Source] = {}
    for document_id, document in context.documents.source_texts(ids, embeddings.version).items():
        if document_id not in stored:  # not expected: they are written with the chunks
            logger.warning("Document %d has no sentence vectors; embedding its sentences now", document_id)
            units, _ = cut_text(document.text, context.settings)
            stored[document_id] = (units, embed_cut(embeddings.encoder, document.text, units, [])[0])
        sentences, vectors = stored[document_id]
        sources[document_id] = Source(document, sentences, vectors)
    return sources
