"""Folds of documents for cross-validation: no document or source in two folds, the same folds for the same seed,
and the first fold is what the cross-encoder's training holds out with the same seed."""

from __future__ import annotations

import pytest

from plagdetect.errors import PlagDetectError
from plagdetect.evaluation.folds import document_folds
from plagdetect.training.data import Pair, split_by_group

PAIRS = [(f"susp-{i:02}.txt", f"src-{i:02}.txt") for i in range(12)] + [
    ("susp-12.txt", "src-03.txt"),  # shares a source with susp-03
    ("susp-03.txt", "src-extra.txt"),
    ("susp-13.txt", "src-extra.txt"),  # and, through it, with susp-13
]


def test_folds_never_share_a_document_or_a_source_and_hold_every_document_once() -> None:
    folds = document_folds(PAIRS, 4)
    assert len(folds) == 4 and all(folds)
    assert sorted(name for fold in folds for name in fold) == sorted({s for s, _ in PAIRS})
    sources = [{src for susp, src in PAIRS if susp in fold} for fold in folds]
    for i in range(4):
        for j in range(i + 1, 4):
            assert not set(folds[i]) & set(folds[j]) and not sources[i] & sources[j]
    [linked] = [fold for fold in folds if "susp-03.txt" in fold]
    assert {"susp-12.txt", "susp-13.txt"} <= set(linked)


def test_the_same_seed_gives_the_same_folds_and_another_seed_others() -> None:
    assert document_folds(PAIRS, 3, seed=5) == document_folds(list(reversed(PAIRS)), 3, seed=5)
    assert document_folds(PAIRS, 3, seed=5) != document_folds(PAIRS, 3, seed=6)


def test_the_first_fold_is_what_training_holds_out_with_the_same_seed() -> None:
    pairs = [(f"susp-{i:02}.txt", f"src-{i:02}.txt") for i in range(25)]
    training_pairs = [Pair("a", "b", 1.0, susp) for susp, _ in pairs]
    _, held_out = split_by_group(training_pairs, validation_share=0.2, seed=12)
    assert sorted({p.group for p in held_out}) == document_folds(pairs, 5, seed=12)[0]


def test_more_folds_than_groups_of_documents_is_refused() -> None:
    with pytest.raises(PlagDetectError, match="between 2 and 2 folds"):
        document_folds([("a.txt", "x.txt"), ("b.txt", "y.txt")], 3)
