"""eval-review-loop: the loop simulated on a PAN corpus, labels only from the taught documents."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from plagdetect.errors import PlagDetectError
from plagdetect.evaluation.folds import document_folds
from plagdetect.evaluation.pan import load_pan_corpus
from plagdetect.training.fine_tuning import fine_tune_recipe
from plagdetect.training.review_loop import simulate_review_loop

from builders import ESSAY_PHOTOSYNTHESIS, PRINTING_SUBMISSION, write_paraphrase_corpus, write_stsb_dir


@pytest.mark.slow
def test_the_simulated_loop_learns_from_the_taught_documents_and_scores_every_part(settings, tmp_path: Path) -> None:
    root = tmp_path / "pan"
    write_paraphrase_corpus(root)  # susp-1 (a paraphrase case of source-a), susp-2 (nothing, source-b)
    (root / "src" / "source-c.txt").write_text(ESSAY_PHOTOSYNTHESIS, encoding="utf-8")
    (root / "susp" / "susp-3.txt").write_text(PRINTING_SUBMISSION, encoding="utf-8")  # about printing, not plants
    with open(root / "pairs", "a") as pairs:
        pairs.write("susp-3.txt source-c.txt\n")
    with pytest.raises(PlagDetectError, match="PLAGDETECT_STSB_DIR"):
        simulate_review_loop(root, settings, fine_tune_recipe(max_steps=1), folds=3, taught_folds=1)

    settings = replace(settings, stsb_dir=str(write_stsb_dir(tmp_path / "stsb")))
    report = simulate_review_loop(root, settings, fine_tune_recipe(max_steps=1), folds=3, taught_folds=1)
    parts = document_folds(load_pan_corpus(root).pairs, 3)
    assert {part: report.before[part].documents for part in report.before} == {"unseen": 1, "taught": 1, "other": 1}
    assert report.labels >= 0 and report.replayed == 12 and report.training_seconds > 0
    for scores in (*report.before.values(), *report.after.values()):
        assert 0 <= scores.plagdet <= 1 and 0 <= scores.average_precision <= 1
    # susp-1, with the one case, is found in whichever part it fell.
    where = next(
        part for part, names in zip(("unseen", "taught", "other"), parts, strict=True) if "susp-1.txt" in names
    )
    assert report.before[where].plagdet > 0.3
    assert "taught (labels came from them)" in report.describe()


@pytest.mark.slow
def test_the_simulated_loop_fine_tunes_the_bi_encoder_and_searches_again_with_it(settings, tmp_path: Path) -> None:
    root = tmp_path / "pan"
    write_paraphrase_corpus(root)
    (root / "src" / "source-c.txt").write_text(ESSAY_PHOTOSYNTHESIS, encoding="utf-8")
    (root / "susp" / "susp-3.txt").write_text(PRINTING_SUBMISSION, encoding="utf-8")
    with open(root / "pairs", "a") as pairs:
        pairs.write("susp-3.txt source-c.txt\n")
    settings = replace(settings, stsb_dir=str(write_stsb_dir(tmp_path / "stsb")))
    report = simulate_review_loop(
        root, settings, fine_tune_recipe(max_steps=1), folds=3, taught_folds=1, kind="bi-encoder"
    )
    assert report.kind == "bi-encoder" and report.describe().startswith("bi-encoder fine-tuned on")
    for scores in (*report.before.values(), *report.after.values()):
        assert 0 <= scores.plagdet <= 1 and 0 <= scores.average_precision <= 1
    # One step at 2e-5 hardly moves the model: the corpus searched again with it finds what the shipped one found.
    for part in report.before:
        assert report.after[part].plagdet == pytest.approx(report.before[part].plagdet, abs=0.1)
