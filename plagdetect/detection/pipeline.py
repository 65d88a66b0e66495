"""A check, stage by stage: one submission against the corpus, stored with its matches.

prepare        text.prepare: extract, normalise, cut into sentence units and search windows
embed          each sentence unit encoded once (the int8 copy on a CPU); windows pooled from them
search         candidates: the index searched within the allowed chunks; seeds above seed_threshold; and the
               lexical path: fingerprints shared with the corpus, chained into runs of copied text, give seeds too
align          align: seeds -> passages -> sentence runs per paragraph -> the best place per stretch; a sentence
               a run mostly covers is aligned with its copy whatever its similarity; evidence.could_match: an
               alignment that can never be in a match (too few counterparts, alone) goes before reranking
rerank         rerank: the cross-encoder's score of each aligned paragraph; those below the threshold go (one
               mostly copied word for word is decided and not read)
match          evidence: a one-sentence echo of a longer alignment goes; align.join; evidence: a match needs
               min_counterparts source sentences as counterparts (or to be copied word for word); then matches:
               segments, verbatim or paraphrase, cut around excluded text
explain        explain: the words both sides of each match weigh (SPLADE)
report, store  report: similarity index and sources' shares; store.checks writes it all, with the pairs people
               may label (store.review): each match's segments and the near misses (detection.near_misses)

``find`` runs the stages up to rerank, the ones that read models and the corpus; ``matches_found`` applies a
check's thresholds to what was found. An evaluation (``evaluation.pan_eval``) calls both, trying several options
on one ``Found``; ``check_bytes`` calls them once and explains, reports and stores.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from plagdetect.context import Context, Embeddings
from plagdetect.detection.align import Aligned, align_passages, best_per_stretch, join, merge_seeds
from plagdetect.detection.candidates import copied_runs, load_sources, search_scope, search_seeds
from plagdetect.detection.evidence import corroborated, could_match, with_own_counterparts
from plagdetect.detection.exclusions import excluded_spans
from plagdetect.detection.explain import explain_matches
from plagdetect.detection.lexical import sentence_pairs
from plagdetect.detection.match_groups import grouped
from plagdetect.detection.matches import matches_of
from plagdetect.detection.near_misses import near_misses
from plagdetect.detection.report import (
    CheckOptions,
    CheckReport,
    MatchResult,
    settings_used,
    similarity,
    source_shares,
)
from plagdetect.detection.rerank import passing, rerank
from plagdetect.encoders.bi_encoder import embed_cut
from plagdetect.encoders.cross_encoder import Reranker
from plagdetect.settings import Settings
from plagdetect.store.checks import load_check, save_check
from plagdetect.text.prepare import PreparedDocument, prepare_document
from plagdetect.text.spans import Span, merge_spans

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]  # told each stage of a check as it begins


class _Clock:
    """Seconds spent in each stage, by name."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._last, 4)
        self._last = now


@dataclass(frozen=True)
class Found:
    """What a check finds before its options' thresholds are applied: each aligned paragraph pair, reranked."""

    prepared: PreparedDocument
    excluded: dict[str, list[Span]]  # the submission's excluded spans, by reason
    # With the cross-encoder's score when there is a reranker, whatever the score. Those that could never be in a
    # match under the settings' min_counterparts are left out: ``matches_found`` with fewer needs its own ``find``.
    aligned: list[Aligned]
    embeddings: Embeddings  # the bi-encoder version serving when the check began: its vectors and index searched
    reranker: Reranker | None = None  # the one that scored them (the version active when the check began)


def find(
    context: Context,
    data: bytes,
    filename: str,
    options: CheckOptions,
    say: Progress | None = None,
    clock: _Clock | None = None,
) -> Found:
    """prepare, embed, search, align and rerank: the stages that read the models and the corpus (``options``
    resolved)."""
    say = say or (lambda _stage: None)
    clock = clock or _Clock()
    settings = context.settings
    say(f"Reading {filename}")
    prepared = prepare_document(data, filename, settings, stride=settings.query_stride)
    text = prepared.normalized.text
    clock.lap("prepare")
    embeddings = context.embeddings  # one bi-encoder version from here to the end (a promotion meanwhile waits)
    scope = search_scope(context, embeddings, prepared.sha256, options)
    logger.debug("Left out of the search: %s", scope.excluded)

    say(f"Embedding {len(prepared.sentences)} sentences and searching the corpus")
    encoder = embeddings.submission_encoder
    sentence_vectors, window_vectors = embed_cut(encoder, text, prepared.sentences, prepared.chunks)
    clock.lap("embed")
    seeds = search_seeds(settings, embeddings, window_vectors, scope.chunks)
    runs, copied_seeds = copied_runs(context, embeddings, text, prepared.chunks, scope)
    clock.lap("search")

    passages = merge_seeds(seeds + copied_seeds, settings.merge_query_gap, settings.merge_position_gap)
    excluded = excluded_spans(text, options.exclude_quotes, options.exclude_bibliography)
    reranker = context.reranker
    say(f"Aligning {len(passages)} candidate passages sentence by sentence" + (" and reranking" if reranker else ""))
    sources = load_sources(context, embeddings, passages) if passages else {}
    copies = sentence_pairs(runs, prepared.sentences, {i: source.sentences for i, source in sources.items()})
    aligned = best_per_stretch(
        align_passages(
            text,
            prepared.sentences,
            prepared.chunks,
            sentence_vectors,
            passages,
            sources,
            settings.trim_threshold,
            copies,
        )
    )
    # Those that can never be in a match (too few counterparts, none of their source near) are not reranked.
    aligned = could_match(aligned, settings.min_counterparts, settings.join_sentence_gap)
    clock.lap("align")
    if reranker is not None:
        aligned = rerank(reranker, aligned, text, prepared.sentences)
        clock.lap("rerank")
    return Found(prepared, excluded, aligned, embeddings, reranker)


def matches_found(found: Found, options: CheckOptions, settings: Settings) -> list[MatchResult]:
    """The matches of what was found under a check's options: the reranker's threshold, evidence of their own,
    then join and cut (cheap: no model is read, so an evaluation tries many options on one ``Found``)."""
    kept = with_own_counterparts(passing(found.aligned, options.rerank_threshold))
    groups = corroborated(join(kept, settings.join_sentence_gap, settings.join_source_gap), settings.min_counterparts)
    minimums = (options.min_match_words, max(options.min_match_words, settings.min_paraphrase_words))
    excluded = merge_spans(sum(found.excluded.values(), []))
    return matches_of(groups, found.prepared, excluded, minimums, settings.verbatim_coverage)


def check_bytes(
    context: Context,
    data: bytes,
    filename: str,
    options: CheckOptions = CheckOptions(),
    user_id: int | None = None,
    progress: Progress | None = None,
) -> CheckReport:
    """Check one submission against the corpus and store the Check with its Matches.

    ``progress`` is told, in words, each stage as it begins (the app shows them while a check runs).
    """
    say = progress or (lambda _stage: None)
    clock = _Clock()
    settings = context.settings
    options = options.resolved(settings)  # checked before any work
    found = find(context, data, filename, options, say, clock)
    prepared, excluded, text = found.prepared, found.excluded, found.prepared.normalized.text
    matches = grouped(text, matches_found(found, options, settings))  # quoted, cited, both or neither
    misses = near_misses(
        found.aligned, matches, text, prepared.sentences, options.rerank_threshold, settings.review_near_misses
    )
    clock.lap("match")
    reranker, explainer = found.reranker, context.explainer
    if explainer is not None:
        say(f"Explaining {len(matches)} matches")
        matches = explain_matches(explainer, matches, settings.explain_tokens)
        clock.lap("explain")

    say("Saving the report")
    report = CheckReport(
        check_id=None,
        filename=prepared.filename,
        text=text,
        similarity=similarity(matches, len(text)),
        sources=source_shares(matches, len(text)),
        matches=matches,
        excluded=excluded,
        integrity=prepared.normalized.flags.describe(),
        integrity_places=prepared.normalized.flags.places_in_normalized(prepared.normalized.offsets),
        timings=clock.timings,
        model_versions={
            "bi-encoder": found.embeddings.version,
            "bi-encoder runtime (submission)": found.embeddings.submission_encoder.runtime,
            "cross-encoder": reranker.version if reranker else None,
            "cross-encoder runtime": reranker.runtime if reranker else None,
            "splade": explainer.version if explainer else None,
        },
        settings=settings_used(settings, options),
    )
    check_id = save_check(context.sessions, prepared, report, options, user_id, misses)
    clock.lap("store")
    stored = load_check(context.sessions, check_id)  # the report as everyone reads it from now on (ids, who, when)
    stored.timings = clock.timings
    logger.info("Checked %s: %.1f%% in %d matches", filename, 100 * stored.similarity, len(matches))
    return stored
