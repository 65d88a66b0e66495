"""A model version judged beside another: on held-out labels (average precision, F1 at the threshold, the confusion
matrix, the scores themselves for a plot) and on STS-B dev (Spearman), neither of which it was trained on; and, where
a PAN corpus is configured (``eval_pan_dir``), plagdet on it. A cross-encoder's score is its output; a bi-encoder's
is the cosine of the two passages' vectors (the threshold: ``seed_threshold``, where the search keeps a candidate).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from plagdetect.settings import Settings
from plagdetect.training.data import Pair


def label_metrics(scores: Sequence[float], labels: Sequence[float], threshold: float) -> dict[str, Any]:
    """Average precision over the scores, and precision, recall, F1 and the confusion matrix at ``threshold``."""
    scores_ = np.asarray(scores, dtype=float)
    truth = np.asarray(labels, dtype=float) >= 0.5
    flagged = scores_ >= threshold
    tp, fp = int((flagged & truth).sum()), int((flagged & ~truth).sum())
    fn, tn = int((~flagged & truth).sum()), int((~flagged & ~truth).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "average_precision": round(average_precision(scores_, truth), 4),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "threshold": threshold,
        "confusion": {"true_positive": tp, "false_positive": fp, "false_negative": fn, "true_negative": tn},
    }


def average_precision(scores: np.ndarray, truth: np.ndarray) -> float:
    """The mean of the precision at each positive, ranked by score (ties broken against the positives)."""
    if not truth.any():
        return 0.0
    order = np.lexsort((truth, -scores))  # highest score first; of equal scores, the negatives first
    hits = truth[order]
    precision_at = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision_at[hits].mean())


def cross_encoder_report(
    path: str, held_out: list[Pair], sts_dev: list[Pair], threshold: float, device: str = "auto"
) -> dict[str, Any]:
    """A cross-encoder's figures: held-out labels, STS-B dev, and each held-out pair's score with its label."""
    from plagdetect.encoders.cross_encoder import Reranker

    reranker = Reranker(path, device=device)  # not the process-wide one: a report reads it once
    return _report(reranker.version, lambda pairs: reranker.score(pairs), held_out, sts_dev, threshold)


def bi_encoder_report(
    path: str, held_out: list[Pair], sts_dev: list[Pair], threshold: float, device: str = "auto"
) -> dict[str, Any]:
    """A bi-encoder's figures, as ``cross_encoder_report``'s, its score the cosine of the two texts' vectors."""
    from plagdetect.encoders.bi_encoder import BiEncoder

    encoder = BiEncoder(path, device=device)  # not the process-wide one: a report reads it once

    def cosines(pairs: list[tuple[str, str]]) -> np.ndarray:
        first = encoder.encode([a for a, _ in pairs])
        second = encoder.encode([b for _, b in pairs])
        return (first * second).sum(axis=1)

    return _report(encoder.version, cosines, held_out, sts_dev, threshold)


def _report(version: str, score, held_out: list[Pair], sts_dev: list[Pair], threshold: float) -> dict[str, Any]:
    from scipy.stats import spearmanr

    scores = np.asarray(score([(p.text_a, p.text_b) for p in held_out]), dtype=float).tolist()
    report: dict[str, Any] = {
        "version": version,
        "held_out": label_metrics(scores, [p.label for p in held_out], threshold),
        "scores": [[round(float(s), 4), p.label] for s, p in zip(scores, held_out, strict=True)],
    }
    if sts_dev:
        sts = score([(p.text_a, p.text_b) for p in sts_dev])
        report["sts_dev_spearman"] = round(float(spearmanr(sts, [p.label for p in sts_dev]).statistic), 4)
    return report


def pan_report(corpus_dir: str, settings: Settings, versions: dict[str, str], kind: str) -> dict[str, Any]:
    """Plagdet on a PAN corpus for each named folder of ``kind`` (``versions``: name -> folder), at the product's
    default thresholds, the other models as ``settings`` name them. Cross-encoders: the corpus is searched and aligned
    once, then reranked by each version as a check would. Bi-encoders: the corpus is embedded and searched by each."""
    from plagdetect.context import CROSS_ENCODER
    from plagdetect.evaluation.pan import load_pan_corpus
    from plagdetect.evaluation.pan_eval import (
        detections_of,
        find_all,
        pan_options,
        reranked,
        reranker_as_checks_run,
    )
    from plagdetect.evaluation.plagdet import evaluate

    pan = load_pan_corpus(corpus_dir)
    options = pan_options(None, settings)
    if kind == CROSS_ENCODER:
        unscored = replace(settings, rerank=False)
        found = find_all(pan, unscored, pan_options(None, unscored))
        results = {name: reranked(found, reranker_as_checks_run(folder, settings)) for name, folder in versions.items()}
    else:
        results = {name: find_all(pan, replace(settings, bi_encoder=path), options) for name, path in versions.items()}
    report: dict[str, Any] = {"corpus": str(corpus_dir), "documents": len(pan.susp_documents)}
    for name, scored in results.items():
        detections = [case for item in scored.values() for case in detections_of(item, options, settings)]
        scores = evaluate(pan.cases, detections)
        report[name] = {
            "plagdet": round(scores.plagdet, 4),
            "precision": round(scores.precision, 4),
            "recall": round(scores.recall, 4),
            "granularity": round(scores.granularity, 4),
        }
    return report
