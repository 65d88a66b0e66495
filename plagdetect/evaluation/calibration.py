"""Does the reranker's score read as a probability on documents it never saw, and would a fitted map make it one?

What the reranker reads in a check is measured: every aligned passage of a PAN corpus's suspicious documents that a
check would rerank, labelled by PAN's truth (is most of it inside a case, against the case's place in its source?).
Reliability is the expected calibration error (ECE: how far, in 10 bins of score, the share of passages that are
reuse lies from the score), the Brier score and the log loss. The documents are dealt into folds
(``folds.document_folds``); on each fold a Platt map, ``p = sigmoid(a * logit(s) + b)``, is fit on the other folds
and scored on it. With one cross-encoder per fold (``train cross-encoder --folds K --fold I``), every score comes from
a model that never trained on its document.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from plagdetect.detection.align import Aligned
from plagdetect.errors import PlagDetectError
from plagdetect.evaluation.folds import DEFAULT_SEED, document_folds
from plagdetect.evaluation.pan import Case, PanCorpus, document_key, load_pan_corpus
from plagdetect.evaluation.pan_eval import (
    Found,
    find_all,
    fold_rerankers,
    pan_options,
    reranked,
    reranker_as_checks_run,
)
from plagdetect.settings import Settings

INSIDE_SHARE = 0.5  # an alignment is reuse when at least this share of its submission text lies in a true case
EPSILON = 1e-6  # scores are clipped this far from 0 and 1 before the logit
MIN_EACH = 10  # alignments of each label a fit needs
BINS = 10  # equal-width bins of the expected calibration error


@dataclass(frozen=True)
class Platt:
    """A map from a raw score to a probability: ``sigmoid(a * logit(score) + b)``."""

    a: float
    b: float

    def __call__(self, scores: Sequence[float] | np.ndarray) -> np.ndarray:
        return _sigmoid(self.a * _logit(np.asarray(scores, dtype=np.float64)) + self.b)


@dataclass(frozen=True)
class Labelled:
    """One reranked alignment: its document and fold, its score, and whether PAN's truth calls it reuse."""

    document: str
    fold: int
    score: float
    reuse: bool


@dataclass(frozen=True)
class Reliability:
    """How well scores read as probabilities."""

    ece: float  # expected calibration error
    brier: float
    log_loss: float
    alignments: int
    reuse: int

    def line(self) -> str:
        return (
            f"ECE {self.ece:.3f}  Brier {self.brier:.3f}  log loss {self.log_loss:.3f}"
            f"  ({self.alignments} alignments, {self.reuse} reuse)"
        )


@dataclass(frozen=True)
class FoldCalibration:
    documents: list[str]
    raw: Reliability  # the reranker's own scores on this fold
    calibrated: Reliability  # after ``platt``, fit on the other folds only
    platt: Platt


@dataclass(frozen=True)
class CalibrationReport:
    folds: list[FoldCalibration]
    raw: Reliability  # every fold's alignments together
    calibrated: Reliability  # every fold's held-out calibrated scores together
    seconds: float
    rerankers: list[str] | None = None  # one cross-encoder per fold; None: the settings' for every fold

    def describe(self) -> str:
        lines = [
            f"{len(self.folds)} folds of documents; on each, a Platt map is fit on the other folds and scored on it",
            "scored by " + (f"each fold's own model: {', '.join(self.rerankers)}" if self.rerankers else "one model"),
            f"{'fold':<5} {'aligned':>7} {'reuse':>5} {'raw ECE':>8} {'map ECE':>8} {'raw Brier':>9} {'map Brier':>9}"
            f"   map (a, b)",
        ]
        for i, f in enumerate(self.folds, 1):
            lines.append(
                f"{i:<5} {f.raw.alignments:>7} {f.raw.reuse:>5} {f.raw.ece:>8.3f} {f.calibrated.ece:>8.3f}"
                f" {f.raw.brier:>9.3f} {f.calibrated.brier:>9.3f}   ({f.platt.a:.3f}, {f.platt.b:.3f})"
            )
        lines.append(f"{self.seconds:.0f} s; every fold together:")
        lines.append(f"  raw scores:            {self.raw.line()}")
        lines.append(f"  map of the other folds: {self.calibrated.line()}")
        return "\n".join(lines)


def measure_calibration(
    corpus_dir: str | Path,
    settings: Settings,
    folds: int = 5,
    seed: int = DEFAULT_SEED,
    rerankers: Sequence[str | Path] | None = None,
    progress: Callable[[str], None] | None = None,
) -> CalibrationReport:
    """The reranker's reliability on each fold of documents, raw and after a Platt map fit on the other folds."""
    started = time.perf_counter()
    pan = load_pan_corpus(corpus_dir)
    parts = document_folds(pan.pairs, folds, seed)
    report = calibration_report(labelled_pan(pan, settings, parts, rerankers, progress), parts)
    models = [str(model) for model in rerankers] if rerankers is not None else None
    return replace(report, seconds=time.perf_counter() - started, rerankers=models)


def calibration_report(labelled: list[Labelled], parts: list[list[str]]) -> CalibrationReport:
    """Each fold's reliability, raw and after a Platt map fit on the other folds' alignments."""
    results = []
    for number, documents in enumerate(parts):
        mine = [x for x in labelled if x.fold == number]
        rest = [x for x in labelled if x.fold != number]
        platt = fit_platt([x.score for x in rest], [x.reuse for x in rest])
        results.append(
            FoldCalibration(
                documents,
                raw=reliability([x.score for x in mine], [x.reuse for x in mine]),
                calibrated=reliability(platt([x.score for x in mine]), [x.reuse for x in mine]),
                platt=platt,
            )
        )
    in_fold_order = [x for k in range(len(parts)) for x in labelled if x.fold == k]
    calibrated = np.concatenate([f.platt([x.score for x in labelled if x.fold == k]) for k, f in enumerate(results)])
    return CalibrationReport(
        folds=results,
        raw=reliability([x.score for x in in_fold_order], [x.reuse for x in in_fold_order]),
        calibrated=reliability(calibrated, [x.reuse for x in in_fold_order]),
        seconds=0.0,
    )


def labelled_pan(
    pan: PanCorpus,
    settings: Settings,
    parts: list[list[str]],
    rerankers: Sequence[str | Path] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Labelled]:
    """Every suspicious document of ``pan`` checked against its sources as a check does, and each alignment a check
    would rerank labelled by the truth. ``parts``: folds of documents. With ``rerankers`` (one cross-encoder per
    fold), fold I's documents are scored by model I; without them, by the settings' cross-encoder."""
    if not settings.rerank:
        raise PlagDetectError("Calibration reads the reranker's scores: PLAGDETECT_RERANK is off.")
    models = fold_rerankers(rerankers, parts) if rerankers is not None else None
    finding = settings if rerankers is None else replace(settings, rerank=False)
    found = find_all(pan, finding, pan_options(None, finding), progress=progress)
    labelled = []
    for number, documents in enumerate(parts):
        mine = {name: found[name] for name in documents}
        if models is not None:
            mine = reranked(mine, reranker_as_checks_run(models[number], settings))
        labelled += labelled_alignments(mine, pan.cases, documents, fold=number)
    return labelled


def labelled_alignments(
    found: dict[str, Found], cases: Iterable[Case], documents: Iterable[str], fold: int = 0
) -> list[Labelled]:
    """The reranked alignments of ``documents`` (PAN names of suspicious documents), each labelled by ``cases``.

    An alignment copied word for word (``Aligned.decided``) is not reranked, so it is not here."""
    truth: dict[str, list[Case]] = {}
    for case in cases:
        truth.setdefault(document_key(case.susp.document), []).append(case)
    labelled = []
    for name in documents:
        item = found[name]
        for aligned in item.detection.aligned:
            if aligned.rerank_score is None:
                continue
            share = _inside_share(item, aligned, truth.get(document_key(name), []))
            labelled.append(Labelled(name, fold, aligned.rerank_score, share >= INSIDE_SHARE))
    return labelled


def fit_platt(scores: Sequence[float] | np.ndarray, labels: Sequence[bool] | np.ndarray) -> Platt:
    """Platt's fit: Newton's method on the log-likelihood, with his smoothed targets (so that a perfectly
    separated sample does not send ``a`` to infinity)."""
    x = _logit(np.asarray(scores, dtype=np.float64))
    y = np.asarray(labels, dtype=bool)
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives < MIN_EACH or negatives < MIN_EACH:
        raise PlagDetectError(
            f"Calibration needs at least {MIN_EACH} alignments of each kind; found {positives} inside a case and "
            f"{negatives} outside."
        )
    target = np.where(y, (positives + 1) / (positives + 2), 1 / (negatives + 2))
    a, b = 1.0, 0.0
    for _ in range(100):
        p = _sigmoid(a * x + b)
        gradient = np.array([np.sum((p - target) * x), np.sum(p - target)])
        w = np.maximum(p * (1 - p), 1e-12)
        hessian = np.array([[np.sum(w * x * x), np.sum(w * x)], [np.sum(w * x), np.sum(w)]]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        a, b = a - step[0], b - step[1]
        if np.max(np.abs(step)) < 1e-10:
            break
    return Platt(float(a), float(b))


def reliability(probabilities: Sequence[float] | np.ndarray, labels: Sequence[bool] | np.ndarray) -> Reliability:
    p = np.clip(np.asarray(probabilities, dtype=np.float64), EPSILON, 1 - EPSILON)
    y = np.asarray(labels, dtype=np.float64)
    if len(p) == 0:
        return Reliability(0.0, 0.0, 0.0, 0, 0)
    bins = np.minimum((p * BINS).astype(int), BINS - 1)
    gaps = [abs(p[bins == k].mean() - y[bins == k].mean()) * np.sum(bins == k) for k in set(bins.tolist())]
    return Reliability(
        ece=float(sum(gaps) / len(p)),
        brier=float(np.mean((p - y) ** 2)),
        log_loss=float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
        alignments=len(p),
        reuse=int(y.sum()),
    )


def _inside_share(item: Found, aligned: Aligned, cases: list[Case]) -> float:
    """The share of the alignment's submission text inside a case whose source part overlaps the alignment's."""
    prepared = item.detection.prepared
    sentences = prepared.sentences
    start, end = prepared.normalized.offsets.span_to_original(
        sentences[aligned.first_query][0], sentences[aligned.last_query][1]
    )
    source = aligned.source
    source_start, source_end = source.document.offsets.span_to_original(
        source.sentences[aligned.first_source][0], source.sentences[aligned.last_source][1]
    )
    source_name = document_key(item.names[source.id])
    inside = 0
    for case in cases:
        if document_key(case.src.document) != source_name:
            continue
        if case.src.offset >= source_end or case.src.offset + case.src.length <= source_start:
            continue
        inside += max(0, min(end, case.susp.offset + case.susp.length) - max(start, case.susp.offset))
    return min(1.0, inside / max(1, end - start))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPSILON, 1 - EPSILON)
    return np.log(p / (1 - p))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))
