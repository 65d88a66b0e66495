"""Fine-tuning on labels, the versions it makes, and promoting and rolling them back."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import PermissionDenied
from plagdetect.services.checks import run_check
from plagdetect.services.corpus import Corpus
from plagdetect.services.model_registry import VERSIONS_DIR, ModelRegistry
from plagdetect.services.review import Review
from plagdetect.training.data import Pair
from plagdetect.training.fine_tuning import fine_tune, fine_tune_recipe, training_data
from plagdetect.training.labels import MIN_PER_VERDICT, balanced, verdict_of

from builders import (
    PRINTING_SOURCE,
    PRINTING_SUBMISSION,
    label_lines,
    make_people,
    write_paraphrase_corpus,
    write_stsb_dir,
)


@pytest.fixture
def learning(corpus: Corpus, tmp_path: Path):
    stsb = write_stsb_dir(tmp_path / "stsb")
    corpus.context.settings = replace(corpus.context.settings, stsb_dir=str(stsb))
    people = make_people(corpus.context.sessions)
    return corpus.context, people


def test_too_few_labels_or_no_stsb_are_refused_saying_what_is_needed(learning) -> None:
    context, people = learning
    Review(context).import_labels(people["admin"], label_lines(MIN_PER_VERDICT - 1))
    with pytest.raises(PlagDetectError, match=r"at least 10 pairs labelled plagiarism .* there are 9 and 9"):
        training_data(context, people["admin"])
    Review(context).import_labels(people["admin"], label_lines(MIN_PER_VERDICT)[-2:])
    assert len(training_data(context, people["admin"]).held_out) >= 2
    context.settings = replace(context.settings, stsb_dir="")
    with pytest.raises(PlagDetectError, match="set PLAGDETECT_STSB_DIR"):
        training_data(context, people["admin"])
    with pytest.raises(PermissionDenied):
        training_data(context, people["teacher"])


def test_the_rarer_verdict_is_drawn_again_until_both_are_as_many() -> None:
    pairs = [Pair(f"s{k}", f"t{k}", 1.0, "a") for k in range(5)] + [Pair("x", "y", 0.0, "b"), Pair("u", "v", 0.0, "c")]
    learned = balanced(pairs, seed=3)
    assert learned[: len(pairs)] == pairs and sum(p.label == 0.0 for p in learned) == 5 == len(learned) - 5
    assert {p.text_a for p in learned if p.label == 0.0} == {"x", "u"}
    assert balanced(pairs[:5]) == pairs[:5]  # one verdict only: nothing to balance


def test_a_pairs_verdict_is_its_labellers_majority() -> None:
    assert verdict_of(["plagiarism", "plagiarism", "not plagiarism"]) == "plagiarism"
    assert verdict_of(["plagiarism", "not plagiarism"]) is None  # a tie
    assert verdict_of(["unsure", "unsure", "plagiarism"]) is None
    assert verdict_of([]) is None


@pytest.mark.slow
def test_a_fine_tuned_version_is_judged_stored_promoted_and_rolled_back(learning, tmp_path: Path) -> None:
    context, people = learning
    admin, teacher = people["admin"], people["teacher"]
    Review(context).import_labels(admin, label_lines(12))
    registry = ModelRegistry(context)
    shipped = registry.active("cross-encoder")
    assert shipped.configured and context.reranker.version == shipped.version

    write_paraphrase_corpus(tmp_path / "pan")
    context.settings = replace(context.settings, eval_pan_dir=str(tmp_path / "pan"))
    stages: list[str] = []
    new = fine_tune(context, admin, recipe=fine_tune_recipe(max_steps=2), say=stages.append)
    assert any(stage.startswith("Training: step 2 of 2") for stage in stages)
    pan = new.evaluation["pan"]
    assert pan["documents"] == 2 and 0.3 < pan["active"]["plagdet"] <= 1 and 0 <= pan["new"]["plagdet"] <= 1
    assert not new.active and new.parent_id == shipped.id and new.trained_by == "ada"
    assert (context.settings.data_dir / new.path).is_dir() and new.path.startswith(str(VERSIONS_DIR))
    for side in ("active", "new"):
        held_out = new.evaluation[side]["held_out"]
        assert 0 <= held_out["average_precision"] <= 1 and sum(held_out["confusion"].values()) > 0
        assert -1 <= new.evaluation[side]["sts_dev_spearman"] <= 1
    assert new.evaluation["active"]["version"] == shipped.version and new.evaluation["new"]["version"] == new.version
    assert new.training["train_pairs"] > 0
    assert new.training["replayed_stsb_pairs"] == 12  # all there is of the tiny STS-B

    with pytest.raises(PermissionDenied):
        registry.promote(teacher, new.id)
    registry.promote(admin, new.id)
    assert context.reranker.version == new.version
    corpus = Corpus(context)
    corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    report = run_check(context, people["sam"], PRINTING_SUBMISSION.encode(), "essay.txt")
    assert report.model_versions["cross-encoder"] == new.version  # the next check uses it and records it

    with pytest.raises(PlagDetectError, match="is active"):
        registry.delete(admin, new.id)
    with pytest.raises(PermissionDenied):
        registry.roll_back(teacher, "cross-encoder")
    assert registry.roll_back(admin, "cross-encoder").id == shipped.id
    assert context.reranker.version == shipped.version
    with pytest.raises(PlagDetectError, match="no earlier"):
        registry.roll_back(admin, "cross-encoder")
    with pytest.raises(PlagDetectError, match="cannot be deleted"):
        registry.delete(admin, shipped.id)
    registry.delete(admin, new.id)
    assert not (context.settings.data_dir / new.path).exists()
    assert [v.id for v in registry.versions(admin, "cross-encoder")] == [shipped.id]


@pytest.mark.slow
def test_a_training_stopped_half_way_leaves_no_version_and_the_active_one_serving(learning) -> None:
    context, people = learning
    Review(context).import_labels(people["admin"], label_lines(12))

    class Stop(Exception):
        pass

    def cancel_at_the_first_step(stage: str) -> None:
        if stage.startswith("Training: step"):
            raise Stop

    with pytest.raises(Stop):
        fine_tune(context, people["admin"], recipe=fine_tune_recipe(max_steps=5), say=cancel_at_the_first_step)
    assert [v.configured for v in ModelRegistry(context).versions(people["admin"], "cross-encoder")] == [True]
    assert list((context.settings.data_dir / VERSIONS_DIR).iterdir()) == []
    assert context.reranker.version == ModelRegistry(context).active("cross-encoder").version


def test_the_models_and_train_commands_say_what_they_did_and_what_is_missing(learning, capsys) -> None:
    from plagdetect.cli.main import EXIT_FAILED, EXIT_OK, main

    context, _ = learning
    data = ["--data-dir", str(context.settings.data_dir)]
    assert main([*data, "models", "list"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "cross-encoder  yes" in out and "configured" in out
    assert main([*data, "models", "rollback"]) == EXIT_FAILED
    assert "no earlier cross-encoder version" in capsys.readouterr().err
    assert main([*data, "models", "promote", "99"]) == EXIT_FAILED
    assert "No model version with id 99" in capsys.readouterr().err
    assert main([*data, "train", "cross-encoder", "--labels"]) == EXIT_FAILED
    assert "at least 10 pairs labelled plagiarism" in capsys.readouterr().err
    assert main([*data, "train", "cross-encoder", "--labels", "--out", "x"]) == EXIT_FAILED
    assert "no --base, --out" in capsys.readouterr().err
