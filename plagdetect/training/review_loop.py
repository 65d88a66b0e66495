"""The review loop simulated on a PAN corpus: labels from its truth, a fine-tuning, detection before and after.

As if an instructor had labelled what the checks of some documents showed them (the matches and the near misses:
every alignment the reranker read), each such alignment of the *taught* documents is labelled by the PAN truth
(reuse when at least half of it lies inside a case whose source part it overlaps, ``evaluation.calibration``).
At most ``labels`` of them train a new version of the cross-encoder, or of the bi-encoder, the way the Admin page
does (the same recipe, STS-B replayed), and both versions are measured on:

- the taught documents (what the labels came from: how much the loop helps where people labelled);
- the documents of the fold the shipped cross-encoder was trained without (``--fold 1`` of its recipe), which
  neither version ever learned from: the figure that says whether the loop generalises;
- the other documents, unlabelled here but part of the shipped cross-encoder's own training data (the shipped
  bi-encoder never saw PAN).

Each part gets plagdet at the product's default thresholds (a new bi-encoder: the corpus embedded and searched with
it) and the average precision over its labelled alignments of the fine-tuned model's scores: the reranker's, or
the bi-encoder's cosine of the two passages (the alignments found before, the same for both versions).
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from plagdetect.context import CROSS_ENCODER
from plagdetect.errors import PlagDetectError
from plagdetect.evaluation.calibration import labelled_alignments
from plagdetect.evaluation.folds import DEFAULT_SEED, document_folds
from plagdetect.evaluation.pan import load_pan_corpus
from plagdetect.evaluation.pan_eval import (
    Found,
    cases_of,
    detections_of,
    find_all,
    pan_options,
    reranked,
    reranker_as_checks_run,
)
from plagdetect.evaluation.plagdet import evaluate
from plagdetect.settings import Settings
from plagdetect.training.common import TrainingConfig
from plagdetect.training.data import Pair, read_stsb
from plagdetect.training.labels import balanced, replay_sample
from plagdetect.training.model_report import average_precision

HELD_OUT_FOLD = 0  # the fold the shipped cross-encoder was trained without (`train cross-encoder --fold 1`)


@dataclass(frozen=True)
class PartScores:
    documents: int
    plagdet: float
    precision: float
    recall: float
    alignments: int
    average_precision: float


@dataclass(frozen=True)
class LoopReport:
    kind: str
    labels: int
    labelled_reuse: int
    replayed: int
    training_seconds: float
    before: dict[str, PartScores]
    after: dict[str, PartScores]
    seconds: float

    def describe(self) -> str:
        lines = [
            f"{self.kind} fine-tuned on {self.labels} labels ({self.labelled_reuse} reuse) and {self.replayed} STS-B "
            f"pairs in {self.training_seconds:.0f} s",
            f"{'documents':<40} {'n':>3} {'plagdet before':>14} {'after':>7} {'precision':>9} {'after':>7}"
            f" {'recall':>6} {'after':>7} {'AP before':>9} {'after':>7}",
        ]
        for part, title in PARTS.items():
            b, a = self.before[part], self.after[part]
            lines.append(
                f"{title:<40} {b.documents:>3} {b.plagdet:>14.3f} {a.plagdet:>7.3f} {b.precision:>9.3f}"
                f" {a.precision:>7.3f} {b.recall:>6.3f} {a.recall:>7.3f} {b.average_precision:>9.3f}"
                f" {a.average_precision:>7.3f}"
            )
        lines.append(f"{self.seconds:.0f} s in all")
        return "\n".join(lines)


PARTS = {
    "taught": "taught (labels came from them)",
    "unseen": "never learned from (fold 1)",
    "other": "not labelled (in the shipped training)",
}


def simulate_review_loop(
    corpus_dir: str | Path,
    settings: Settings,
    recipe: TrainingConfig,
    labels: int = 200,
    taught_folds: int = 2,
    folds: int = 5,
    seed: int = DEFAULT_SEED,
    balance: bool = True,
    progress: Callable[[str], None] | None = None,
    kind: str = CROSS_ENCODER,
) -> LoopReport:
    """See the module docstring. Folds 2 to ``taught_folds`` + 1 are taught; STS-B comes from ``stsb_dir``;
    ``balance``: the labels balanced as the Admin page's fine-tuning balances them (``training.labels.balanced``);
    ``kind``: the model fine-tuned."""
    from plagdetect.training.bi_encoder import fine_tune_bi_encoder
    from plagdetect.training.cross_encoder import fine_tune_cross_encoder
    from plagdetect.training.fine_tuning import STSB_FILES

    if not settings.stsb_dir or not (Path(settings.stsb_dir) / STSB_FILES[0]).is_file():
        raise PlagDetectError("The simulation replays STS-B as fine-tuning does: set PLAGDETECT_STSB_DIR.")
    if not 1 <= taught_folds < folds - 1:
        raise PlagDetectError(f"--taught-folds must lie between 1 and {folds - 2}.")
    started = time.perf_counter()
    pan = load_pan_corpus(corpus_dir)
    parts = document_folds(pan.pairs, folds, seed)
    groups = {
        "unseen": parts[HELD_OUT_FOLD],
        "taught": [name for part in parts[1 : 1 + taught_folds] for name in part],
        "other": [name for part in parts[1 + taught_folds :] for name in part],
    }
    found = find_all(pan, settings, pan_options(None, settings), progress=progress)
    training = _labels(found, pan.cases, groups["taught"], labels, seed)
    replay = replay_sample(read_stsb(Path(settings.stsb_dir) / STSB_FILES[0]), max(400, 4 * len(training)), recipe.seed)
    options = pan_options(None, settings)
    with tempfile.TemporaryDirectory(prefix="plagdetect-loop-") as scratch:
        trained, new = time.perf_counter(), Path(scratch) / "new"
        learned = balanced(training, recipe.seed) if balance else training
        if kind == CROSS_ENCODER:
            fine_tune_cross_encoder(settings.resolved_cross_encoder, learned + replay, new, recipe)
            training_seconds = time.perf_counter() - trained
            after = reranked(found, reranker_as_checks_run(new, settings))
            before_ap = after_ap = None
        else:
            fine_tune_bi_encoder(settings.resolved_bi_encoder, learned + replay, new, recipe)
            training_seconds = time.perf_counter() - trained
            after = find_all(pan, replace(settings, bi_encoder=str(new)), options, progress=progress)
            before_ap = _cosine_ap(settings.resolved_bi_encoder, found, pan.cases, groups, settings)
            after_ap = _cosine_ap(str(new), found, pan.cases, groups, settings)
    return LoopReport(
        kind=kind,
        labels=len(training),
        labelled_reuse=sum(p.label == 1.0 for p in training),
        replayed=len(replay),
        training_seconds=training_seconds,
        before={
            part: _scores(found, pan.cases, names, settings, before_ap and before_ap[part])
            for part, names in groups.items()
        },
        after={
            part: _scores(after, pan.cases, names, settings, after_ap and after_ap[part])
            for part, names in groups.items()
        },
        seconds=time.perf_counter() - started,
    )


def _labelled_pairs(found: dict[str, Found], cases, documents: list[str]) -> list[Pair]:
    """The reranked alignments of ``documents`` as labelled pairs (their texts as the reranker read them)."""
    from plagdetect.detection.rerank import aligned_texts

    pairs = []
    for name in documents:
        item = found[name]
        prepared = item.detection.prepared
        scored = [a for a in item.detection.aligned if a.rerank_score is not None]
        verdicts = labelled_alignments({name: item}, cases, [name])  # the same alignments, in the same order
        for aligned, verdict in zip(scored, verdicts, strict=True):
            sub, src = aligned_texts(aligned, prepared.normalized.text, prepared.sentences)
            pairs.append(Pair(sub, src, 1.0 if verdict.reuse else 0.0, item.names[aligned.source.id]))
    return pairs


def _cosine_ap(
    path: str, found: dict[str, Found], cases, groups: dict[str, list[str]], settings: Settings
) -> dict[str, float]:
    """By part: the average precision of a bi-encoder's cosine of each labelled alignment's two passages."""
    from plagdetect.encoders.bi_encoder import BiEncoder

    encoder = BiEncoder(path, device=settings.device)
    found_ap = {}
    for part, names in groups.items():
        pairs = _labelled_pairs(found, cases, names)
        cosines = (encoder.encode([p.text_a for p in pairs]) * encoder.encode([p.text_b for p in pairs])).sum(axis=1)
        found_ap[part] = round(average_precision(cosines, np.array([p.label == 1.0 for p in pairs])), 4)
    return found_ap


def _labels(found: dict[str, Found], cases, documents: list[str], count: int, seed: int) -> list[Pair]:
    """At most ``count`` of the labelled alignments of ``documents``, drawn at random."""
    pairs = _labelled_pairs(found, cases, documents)
    if len(pairs) > count:
        pairs = random.Random(seed).sample(pairs, count)
    return pairs


def _scores(
    found: dict[str, Found], cases, names: list[str], settings: Settings, cosine_ap: float | None = None
) -> PartScores:
    """A part's plagdet, and the average precision of the reranker's scores over its labelled alignments (or
    ``cosine_ap``, a bi-encoder's, when given)."""
    options = pan_options(None, settings)
    detections = [case for name in names for case in detections_of(found[name], options, settings)]
    scores = evaluate(cases_of(cases, names), detections)
    labelled = labelled_alignments({name: found[name] for name in names}, cases, names)
    if cosine_ap is None:
        ap = average_precision(np.array([x.score for x in labelled]), np.array([x.reuse for x in labelled]))
    else:
        ap = cosine_ap
    return PartScores(len(names), scores.plagdet, scores.precision, scores.recall, len(labelled), round(ap, 4))
