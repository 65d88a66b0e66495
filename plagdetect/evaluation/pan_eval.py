"""Measuring detection on a PAN text-alignment corpus, the way the PAN shared tasks do.

The sources go into a throw-away corpus; each suspicious document is checked against all of it (retrieval
included, not pair by pair); the matches are written as PAN detection XML (``pan``) and scored (``plagdet``).
Each document is searched, aligned and reranked once (``pipeline.find``); the thresholds are applied after
(``pipeline.matches_found``), so ``cross_validate`` tries many of them for the cost of one run.
"""

from __future__ import annotations

import logging
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from plagdetect.detection import pipeline
from plagdetect.detection.report import CheckOptions
from plagdetect.detection.rerank import rerank
from plagdetect.encoders.bi_encoder import BiEncoder
from plagdetect.encoders.cross_encoder import Reranker, load_reranker
from plagdetect.errors import PlagDetectError
from plagdetect.evaluation.folds import DEFAULT_SEED, document_folds
from plagdetect.evaluation.pan import Case, DocumentSpan, PanCorpus, document_key, load_pan_corpus, write_detections
from plagdetect.evaluation.plagdet import PanScores, SideScores, evaluate, evaluate_by_obfuscation, submission_side
from plagdetect.services.corpus import Corpus
from plagdetect.settings import Settings

logger = logging.getLogger(__name__)

PAN_COLLECTION = "pan-sources"


@dataclass(frozen=True)
class PanEvaluation:
    overall: PanScores
    by_obfuscation: dict[str, PanScores]
    submission_side: SideScores
    documents: int
    seconds: float

    def describe(self) -> str:
        rows = [("all", self.overall), *sorted(self.by_obfuscation.items())]
        lines = [
            f"{'obfuscation':<12} {'cases':>5} {'plagdet':>7} {'prec':>6} {'rec':>6} {'gran':>6}"
            f" {'micro-p':>7} {'micro-r':>7} {'micro-pd':>8}"
        ]
        for name, s in rows:
            lines.append(
                f"{name:<12} {s.cases:>5} {s.plagdet:>7.3f} {s.precision:>6.3f} {s.recall:>6.3f} {s.granularity:>6.3f}"
                f" {s.micro_precision:>7.3f} {s.micro_recall:>7.3f} {s.micro_plagdet:>8.3f}"
            )
        side = self.submission_side
        lines.append(
            f"submission side (not where in the source): precision {side.precision:.3f} recall {side.recall:.3f}"
            f" F1 {side.f1:.3f}"
        )
        lines.append(
            f"{self.documents} suspicious documents, {self.overall.detections} detections, {self.seconds:.0f} s"
        )
        lines.append(self.overall.line())
        return "\n".join(lines)


def eval_pan(
    corpus_dir: str | Path,
    settings: Settings,
    out_dir: str | Path | None = None,
    options: CheckOptions | None = None,
    encoder: BiEncoder | None = None,
    progress: Callable[[str], None] | None = None,
) -> PanEvaluation:
    """Detect on every suspicious document of a PAN corpus and score the detections.

    ``options`` defaults to no quote or bibliography exclusion (PAN cases include quoted and reference-list
    text, and the task is alignment as such); the minimum match length stays the product's default.
    """
    started = time.perf_counter()
    pan = load_pan_corpus(corpus_dir)
    options = pan_options(options, settings)
    found = find_all(pan, settings, options, encoder, progress)
    detections = {name: detections_of(item, options, settings) for name, item in found.items()}
    _write(out_dir, detections)
    everything = [case for cases in detections.values() for case in cases]
    return PanEvaluation(
        overall=evaluate(pan.cases, everything),
        by_obfuscation=evaluate_by_obfuscation(pan.cases, everything),
        submission_side=submission_side(pan.cases, everything),
        documents=len(pan.susp_documents),
        seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True)
class Found:
    """What the check of one suspicious document found, before thresholds (``pipeline.Found``), and the PAN name
    of each corpus document."""

    name: str
    detection: pipeline.Found
    names: dict[int, str]


def find_all(
    pan: PanCorpus,
    settings: Settings,
    options: CheckOptions,
    encoder: BiEncoder | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Found]:
    """The sources go into a throw-away corpus; each suspicious document is searched against all of it and
    aligned and reranked (``pipeline.find``), as a check does; nothing is stored, nothing explained."""
    found: dict[str, Found] = {}
    with tempfile.TemporaryDirectory(prefix="plagdetect-pan-") as scratch:
        corpus = Corpus.open(replace(settings, data_dir=Path(scratch), database_url=""), encoder=encoder)
        try:
            names: dict[int, str] = {}
            for name in pan.src_documents:
                result = corpus.ingest_bytes(pan.src_text(name).encode("utf-8"), name, PAN_COLLECTION)
                if result.document_id is None:
                    raise PlagDetectError(f"{name}: {result.message}")
                names[result.document_id] = name
                if progress:
                    progress(name)
            for name in pan.susp_documents:
                data = pan.susp_text(name).encode("utf-8")
                found[name] = Found(name, pipeline.find(corpus.context, data, name, options), names)
                if progress:
                    progress(name)
        finally:
            corpus.close()
    return found


def detections_of(found: Found, options: CheckOptions, settings: Settings) -> list[Case]:
    """The PAN detections of one document under ``options`` (its thresholds)."""
    return [
        Case(
            susp=_document_span(found.name, m.submission_original),
            src=_document_span(found.names[m.source_id], m.source_original),
        )
        for m in pipeline.matches_found(found.detection, options, settings)
    ]


def pan_options(options: CheckOptions | None, settings: Settings) -> CheckOptions:
    """The options a PAN evaluation checks with (nothing excluded, the PAN collection), resolved."""
    options = options or CheckOptions(exclude_quotes=False, exclude_bibliography=False)
    return replace(options, collections=(PAN_COLLECTION,)).resolved(settings)


def _write(out_dir: str | Path | None, detections: dict[str, list[Case]]) -> None:
    if out_dir is None:
        return
    for name, found in detections.items():
        write_detections(Path(out_dir) / f"{Path(name).stem}.xml", name, found)


# ----- cross-validation ------------------------------------------------------------------------------------------

RERANK_THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
MIN_MATCH_WORDS = (4, 8, 12, 16, 24, 32)
MIN_COUNTERPARTS = (1, 2, 3)
Point = tuple[float | None, int, int]  # rerank_threshold (None: no reranker), min_match_words, min_counterparts


@dataclass(frozen=True)
class FoldResult:
    documents: list[str]
    rerank_threshold: float | None  # None: no reranker
    min_match_words: int
    min_counterparts: int
    tuning: PanScores  # on the other folds, with the values chosen there (tuning data)
    held_out: PanScores  # on this fold, never seen while choosing


@dataclass(frozen=True)
class CrossValidation:
    folds: list[FoldResult]
    pooled: PanScores  # every document's held-out detections, scored together
    by_obfuscation: dict[str, PanScores]
    seed: int
    seconds: float
    rerankers: list[str] | None = None  # one cross-encoder per fold; None: the settings' for every fold

    @property
    def mean(self) -> float:
        return statistics.fmean(f.held_out.plagdet for f in self.folds)

    @property
    def spread(self) -> float:
        """The standard deviation of the folds' held-out plagdet."""
        return statistics.stdev(f.held_out.plagdet for f in self.folds) if len(self.folds) > 1 else 0.0

    def describe(self) -> str:
        lines = [
            f"{len(self.folds)} folds of documents (seed {self.seed}); on each, rerank_threshold, min_match_words and"
            " min_counterparts are chosen by plagdet on the other folds and scored on it",
            "reranked by "
            + (f"each fold's own cross-encoder: {', '.join(self.rerankers)}" if self.rerankers else "one model"),
            f"{'fold':<5} {'docs':>4} {'cases':>5} {'threshold':>9} {'words':>5} {'counterparts':>12} {'tuning':>7}"
            f" {'held-out':>8} {'prec':>6} {'rec':>6} {'gran':>6}",
        ]
        for i, f in enumerate(self.folds, 1):
            threshold = "-" if f.rerank_threshold is None else f"{f.rerank_threshold:.2f}"
            lines.append(
                f"{i:<5} {len(f.documents):>4} {f.held_out.cases:>5} {threshold:>9} {f.min_match_words:>5}"
                f" {f.min_counterparts:>12} {f.tuning.plagdet:>7.3f} {f.held_out.plagdet:>8.3f}"
                f" {f.held_out.precision:>6.3f} {f.held_out.recall:>6.3f} {f.held_out.granularity:>6.3f}"
            )
        lines.append(f"held-out plagdet over folds: mean {self.mean:.3f}, standard deviation {self.spread:.3f}")
        for name, s in sorted(self.by_obfuscation.items()):
            lines.append(f"  {name:<8} {s.cases:>4} cases: held-out plagdet {s.plagdet:.3f}")
        lines.append(f"{self.seconds:.0f} s; every document's held-out detections scored together:")
        lines.append(self.pooled.line())
        return "\n".join(lines)


def cross_validate(
    corpus_dir: str | Path,
    settings: Settings,
    folds: int = 5,
    seed: int = DEFAULT_SEED,
    out_dir: str | Path | None = None,
    options: CheckOptions | None = None,
    encoder: BiEncoder | None = None,
    progress: Callable[[str], None] | None = None,
    rerankers: Sequence[str | Path] | None = None,
) -> CrossValidation:
    """Cross-validated detection: on each fold of documents (``folds.document_folds``), the reranker's threshold,
    the shortest match and the source sentences a match needs (``min_counterparts``) are chosen by macro plagdet on
    the other folds, then scored on it. ``out_dir`` gets each document's held-out detections.

    ``rerankers``: one cross-encoder folder per fold, each trained without that fold's documents (``plagdetect
    train cross-encoder --folds K --fold I``); each fold is then reranked by its own model, so no learned part has
    seen the documents it is scored on. Without them the settings' cross-encoder reranks every fold. (The other
    thresholds stay as they are: what they were fitted on is the caller's to say.)"""
    started = time.perf_counter()
    pan = load_pan_corpus(corpus_dir)
    parts = document_folds(pan.pairs, folds, seed)
    if rerankers is not None:
        rerankers = fold_rerankers(rerankers, parts)
        settings = replace(settings, rerank=False)  # aligned once, unscored; each fold's model scores them
    options = pan_options(options, settings)
    # Alignments that could match under the fewest counterparts tried are kept (``evidence.could_match``).
    fewest = replace(settings, min_counterparts=min(MIN_COUNTERPARTS))
    found = find_all(pan, fewest, options, encoder, progress)
    scored = rerankers is not None or any(
        a.rerank_score is not None for f in found.values() for a in f.detection.aligned
    )
    grid: list[Point] = [
        (threshold, words, counterparts)
        for threshold in (RERANK_THRESHOLDS if scored else (None,))
        for words in MIN_MATCH_WORDS
        for counterparts in MIN_COUNTERPARTS
    ]
    tried = _try_all(found, grid, options, settings) if rerankers is None else {}
    results: list[FoldResult] = []
    held_out: dict[str, list[Case]] = {}
    for number, documents in enumerate(parts):
        if rerankers is not None:
            tried = _try_all(
                reranked(found, reranker_as_checks_run(rerankers[number], settings)), grid, options, settings
            )
        tuning_documents = set(pan.susp_documents) - set(documents)
        tuning_cases = cases_of(pan.cases, tuning_documents)
        scores = {point: evaluate(tuning_cases, _of(tried[point], tuning_documents)) for point in grid}
        best = max(grid, key=lambda point: scores[point].plagdet)  # the first of equals: the lower values
        detections = _of(tried[best], set(documents))
        held_out.update({name: tried[best][name] for name in documents})
        results.append(
            FoldResult(
                documents, *best, tuning=scores[best], held_out=evaluate(cases_of(pan.cases, documents), detections)
            )
        )
    _write(out_dir, held_out)
    everything = [case for cases in held_out.values() for case in cases]
    return CrossValidation(
        folds=results,
        pooled=evaluate(pan.cases, everything),
        by_obfuscation=evaluate_by_obfuscation(pan.cases, everything),
        seed=seed,
        seconds=time.perf_counter() - started,
        rerankers=[str(model) for model in rerankers] if rerankers is not None else None,
    )


def _try_all(
    found: dict[str, Found], grid: list[Point], options: CheckOptions, settings: Settings
) -> dict[Point, dict[str, list[Case]]]:
    """Each document's detections under each point of the grid."""
    tried = {}
    for threshold, words, counterparts in grid:
        at = (_with(options, threshold, words), replace(settings, min_counterparts=counterparts))
        tried[threshold, words, counterparts] = {name: detections_of(item, *at) for name, item in found.items()}
    return tried


def fold_rerankers(rerankers: Sequence[str | Path], parts: list[list[str]]) -> list[Path]:
    """One cross-encoder folder per fold, each of them there, or a message saying how many are needed."""
    models = [Path(model) for model in rerankers]
    if len(models) != len(parts) or not all(model.is_dir() for model in models):
        raise PlagDetectError(f"Give one cross-encoder folder per fold: {len(parts)} of them.")
    return models


def reranker_as_checks_run(path: str | Path, settings: Settings) -> Reranker:
    """The cross-encoder in ``path``, run as a check runs it (through its int8 copy on a CPU, where set)."""
    model = load_reranker(str(path), settings.device)
    return model.for_checks(settings.models_dir) if settings.int8_reranker else model


def reranked(found: dict[str, Found], model: Reranker) -> dict[str, Found]:
    """What was found, each alignment scored by ``model`` (those a check would not read stay unscored)."""
    scored = {}
    for name, item in found.items():
        prepared = item.detection.prepared
        aligned = rerank(model, item.detection.aligned, prepared.normalized.text, prepared.sentences)
        scored[name] = replace(item, detection=replace(item.detection, aligned=aligned))
    return scored


def _with(options: CheckOptions, threshold: float | None, words: int) -> CheckOptions:
    return replace(options, min_match_words=words, **({} if threshold is None else {"rerank_threshold": threshold}))


def cases_of(cases: list[Case], documents: Iterable[str]) -> list[Case]:
    keys = {document_key(name) for name in documents}
    return [case for case in cases if document_key(case.susp.document) in keys]


def _of(detections: dict[str, list[Case]], documents: set[str]) -> list[Case]:
    return [case for name in sorted(documents) for case in detections[name]]


def _document_span(document: str, span: tuple[int, int]) -> DocumentSpan:
    return DocumentSpan(document, span[0], span[1] - span[0])
