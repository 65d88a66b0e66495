from __future__ import annotations

import json
from pathlib import Path

import pytest

from plagdetect.cli.main import EXIT_OK, main
from plagdetect.settings import Settings

from builders import weight_dtypes, write_stsb


@pytest.mark.slow
def test_cross_encoder_training_runs_end_to_end_on_the_cpu(tmp_path: Path, capsys) -> None:
    """A few steps from the shipped cross-encoder on a tiny STS-B-like set: saved in fp16 with its scores,
    reloads offline, and still ranks the paraphrases above the unrelated pairs."""
    rows = [
        ("A plane is taking off.", "An air plane is taking off.", 5.0),
        ("A man is playing a flute.", "A man is playing a large flute.", 3.8),
        ("A cat sleeps on the sofa.", "Stock markets fell sharply today.", 0.0),
        ("Two dogs run in a field.", "The committee adjourned its meeting.", 0.2),
    ] * 4
    train = write_stsb(tmp_path / "train.csv", rows)
    out = tmp_path / "cross-encoder"
    argv = ["train", "cross-encoder", "--base", str(Settings().resolved_cross_encoder), "--stsb-train", str(train)]
    argv += ["--stsb-dev", str(train), "--out", str(out)]
    assert main([*argv, "--max-steps", "3", "--batch-size", "4"]) == EXIT_OK
    assert "sts-dev_spearman" in capsys.readouterr().out

    from sentence_transformers.cross_encoder import CrossEncoder

    assert weight_dtypes(out) == {"torch.float16"}
    evaluation = json.loads((out / "evaluation.json").read_text())
    assert evaluation["metrics"]["sts-dev_spearman"] > 0.5 and evaluation["config"]["max_steps"] == 3
    scores = CrossEncoder(str(out), local_files_only=True).predict([rows[0][:2], rows[2][:2]])
    assert len(scores) == 2 and 0 <= scores[1] < scores[0] <= 1


@pytest.mark.slow
def test_splade_training_runs_end_to_end_on_the_cpu(tmp_path: Path, capsys) -> None:
    """A few steps from the shipped explainer: saved in fp16 with its scores, reloads offline, decodes to words."""
    rows = [
        ("A man is playing a guitar.", "Someone plays the guitar.", 4.6),
        ("A woman slices an onion.", "A woman is cutting an onion.", 4.2),
        ("A cat sleeps on the sofa.", "Stock markets fell sharply today.", 0.0),
        ("Two dogs run in a field.", "The committee adjourned its meeting.", 0.2),
    ] * 4
    train = write_stsb(tmp_path / "train.csv", rows)
    out = tmp_path / "splade"
    argv = ["train", "splade", "--base", str(Settings().resolved_splade), "--stsb-train", str(train)]
    assert main([*argv, "--stsb-dev", str(train), "--out", str(out), "--max-steps", "3", "--batch-size", "4"]) == 0
    assert "sts-dev_spearman_cosine" in capsys.readouterr().out

    from plagdetect.encoders.splade import Explainer

    assert weight_dtypes(out) == {"torch.float16"}
    evaluation = json.loads((out / "evaluation.json").read_text())
    assert evaluation["metrics"]["sts-dev_active_dims"] > 0 and evaluation["config"]["max_steps"] == 3
    [tokens] = Explainer(out, device="cpu").shared_tokens([rows[0][:2]])
    assert "guitar" in [word for word, _ in tokens]
