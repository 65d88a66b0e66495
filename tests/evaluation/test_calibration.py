"""The reranker's scores as probabilities: the Platt fit, the labels, the measurement on held-out folds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from plagdetect.cli.main import EXIT_OK, main
from plagdetect.errors import PlagDetectError
from plagdetect.evaluation.calibration import (
    Labelled,
    Platt,
    calibration_report,
    fit_platt,
    labelled_pan,
    measure_calibration,
    reliability,
)
from plagdetect.evaluation.pan import load_pan_corpus
from plagdetect.evaluation.pan_eval import find_all, pan_options

from builders import write_paraphrase_corpus


def over_confident_sample(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Raw scores whose true probability is sigmoid(0.5 logit(s) - 0.5): a model sure of itself far too often."""
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0.01, 0.99, n)
    truth = Platt(0.5, -0.5)(scores)
    return scores, rng.uniform(size=n) < truth


def test_the_fit_recovers_the_map_that_made_the_labels() -> None:
    scores, labels = over_confident_sample(4000, seed=1)
    platt = fit_platt(scores, labels)
    assert platt.a == pytest.approx(0.5, abs=0.08) and platt.b == pytest.approx(-0.5, abs=0.12)
    assert reliability(platt(scores), labels).ece < reliability(scores, labels).ece / 3
    # A higher raw score stays a higher probability: the map never reorders passages.
    assert np.all(np.diff(platt(np.sort(scores))) >= 0)


def test_each_folds_map_is_fit_on_the_other_folds_only() -> None:
    scores, labels = over_confident_sample(900, seed=2)
    labelled = [Labelled(f"doc-{k % 6}", k % 3, float(s), bool(y)) for k, (s, y) in enumerate(zip(scores, labels))]
    parts = [["doc-0", "doc-3"], ["doc-1", "doc-4"], ["doc-2", "doc-5"]]
    report = calibration_report(labelled, parts)
    for number, fold in enumerate(report.folds):
        rest = [x for x in labelled if x.fold != number]
        assert fold.platt == fit_platt([x.score for x in rest], [x.reuse for x in rest])
        assert fold.raw.alignments == 300 and fold.calibrated.ece < fold.raw.ece
    assert report.raw.alignments == report.calibrated.alignments == 900 and report.raw.reuse == int(labels.sum())
    assert report.calibrated.log_loss < report.raw.log_loss
    lines = report.describe().splitlines()
    assert lines[3].split()[:3] == ["1", "300", str(report.folds[0].raw.reuse)]


def test_too_few_of_either_label_is_refused_with_the_counts() -> None:
    with pytest.raises(PlagDetectError, match="found 3 inside a case and 50 outside"):
        fit_platt([0.9] * 3 + [0.1] * 50, [True] * 3 + [False] * 50)


def test_alignments_are_labelled_by_the_truth_and_copies_are_left_out(settings, tmp_path: Path) -> None:
    write_paraphrase_corpus(tmp_path / "pan")
    pan = load_pan_corpus(tmp_path / "pan")
    parts = [["susp-1.txt"], ["susp-2.txt"]]
    labelled = labelled_pan(pan, settings, parts)
    found = find_all(pan, settings, pan_options(None, settings))
    text, prepared = pan.susp_text("susp-1.txt"), found["susp-1.txt"].detection.prepared
    scored = {}  # the reranked alignments by where they start in the submission
    for aligned in found["susp-1.txt"].detection.aligned:
        if aligned.rerank_score is not None:
            start = prepared.normalized.offsets.span_to_original(*prepared.sentences[aligned.first_query])[0]
            scored[start] = aligned.rerank_score
    # The paraphrase is reranked and labelled reuse; the verbatim copy is decided by the lexical path, so unscored.
    paraphrase = (text.index("This invention travelled"), text.index("In my view"))
    copy = (text.index("Around 1440"), paraphrase[0])
    assert any(paraphrase[0] <= start < paraphrase[1] for start in scored)
    assert not any(copy[0] <= start < copy[1] for start in scored)
    inside = [x for x in labelled if any(scored[k] == x.score for k in scored if paraphrase[0] <= k < paraphrase[1])]
    assert [(x.document, x.fold, x.reuse) for x in inside] == [("susp-1.txt", 0, True)]
    assert sum(x.reuse for x in labelled) == 1
    # Each fold scored by its own model: with the same model for both, the same labels and scores.
    shipped = settings.resolved_cross_encoder
    assert labelled_pan(pan, settings, parts, rerankers=[shipped, shipped]) == labelled
    with pytest.raises(PlagDetectError, match="one cross-encoder folder per fold: 2"):
        labelled_pan(pan, settings, parts, rerankers=[shipped])


def test_the_measurement_fits_each_folds_map_on_the_other_folds(settings, tmp_path: Path, capsys) -> None:
    write_paraphrase_corpus(tmp_path / "pan")
    # Two documents hold one reuse alignment: too few to fit a map, and the command says so rather than guess.
    with pytest.raises(PlagDetectError, match="at least 10 alignments of each kind"):
        measure_calibration(tmp_path / "pan", settings, folds=2)
    assert main(["eval-calibration", str(tmp_path / "pan"), "--folds", "2"]) != EXIT_OK
    assert "at least 10 alignments of each kind" in capsys.readouterr().err
