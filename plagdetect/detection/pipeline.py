"""A check, stage by stage: one submission against the corpus, stored with its matches.

prepare        text.prepare: extract, normalise, cut into sentence units and search windows
embed          each sentence unit encoded once (the int8 copy on a CPU); windows pooled from them
search         candidates: the index searched within the allowed chunks; seeds above seed_threshold
align          align: seeds -> passages -> sentence runs per paragraph -> the best place per stretch
rerank         rerank: the cross-encoder's score of each aligned paragraph; those below the threshold go
match          align.join, then matches: segments, verbatim or paraphrase, cut around excluded text
explain        explain: the words both sides of each match weigh (SPLADE)
report, store  report: similarity index and sources' shares; store.checks writes it all
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from plagdetect.context import Context
from plagdetect.detection.align import align_passages, best_per_stretch, join, merge_seeds
from plagdetect.detection.candidates import allowed_chunks, load_sources, search_seeds
from plagdetect.detection.exclusions import excluded_spans
from plagdetect.detection.explain import explain_matches
from plagdetect.detection.matches import matches_of
from plagdetect.detection.report import CheckOptions, CheckReport, settings_used, similarity, source_shares
from plagdetect.detection.rerank import rerank
from plagdetect.encoders.bi_encoder import embed_cut
from plagdetect.store.checks import save_check
from plagdetect.text.prepare import prepare_document
from plagdetect.text.spans import merge_spans

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
    reranker, explainer = context.reranker, context.explainer

    say(f"Reading {filename}")
    prepared = prepare_document(data, filename, settings, stride=settings.query_stride)
    text = prepared.normalized.text
    clock.lap("prepare")
    allowed, excluded_ids = allowed_chunks(context, prepared.sha256, options)

    say(f"Embedding {len(prepared.sentences)} sentences and searching the corpus")
    submission_encoder = context.submission_encoder
    sentence_vectors, window_vectors = embed_cut(submission_encoder, text, prepared.sentences, prepared.chunks)
    clock.lap("embed")
    seeds = search_seeds(context, window_vectors, allowed)
    clock.lap("search")

    passages = merge_seeds(seeds, settings.merge_query_gap, settings.merge_position_gap)
    excluded = excluded_spans(text, options.exclude_quotes, options.exclude_bibliography)
    say(f"Aligning {len(passages)} candidate passages sentence by sentence" + (" and reranking" if reranker else ""))
    sources = load_sources(context, passages) if passages else {}
    aligned = best_per_stretch(
        align_passages(
            text, prepared.sentences, prepared.chunks, sentence_vectors, passages, sources, settings.trim_threshold
        )
    )
    if reranker is not None:
        aligned = rerank(reranker, aligned, text, prepared.sentences, options.rerank_threshold)
    groups = join(aligned, settings.join_sentence_gap, settings.join_source_gap)
    minimums = (options.min_match_words, max(options.min_match_words, settings.min_paraphrase_words))
    matches = matches_of(
        groups, prepared, merge_spans(sum(excluded.values(), [])), minimums, settings.verbatim_coverage
    )
    clock.lap("align")

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
        timings=clock.timings,
        model_versions={
            "bi-encoder": context.encoder_version,
            "bi-encoder runtime (submission)": submission_encoder.runtime,
            "cross-encoder": reranker.version if reranker else None,
            "splade": explainer.version if explainer else None,
        },
        settings=settings_used(settings, options),
    )
    report.check_id = save_check(context.sessions, prepared, report, options, user_id)
    clock.lap("store")
    report.timings = clock.timings
    logger.info("Checked %s: %.1f%% in %d matches (%s)", filename, 100 * report.similarity, len(matches), excluded_ids)
    return report
