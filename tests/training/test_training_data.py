from __future__ import annotations

from pathlib import Path

import pytest

from plagdetect.errors import PlagDetectError
from plagdetect.evaluation.pan import load_pan_corpus
from plagdetect.training.data import pan_pairs, read_stsb, split_by_group

from builders import PRINTING_SOURCE, PRINTING_SUBMISSION


def test_stsb_scores_are_scaled_to_0_1(tmp_path: Path) -> None:
    path = tmp_path / "sts.csv"
    path.write_text(
        "main-captions\tMSRvid\t2012test\t0001\t5.000\tA plane is taking off.\tAn air plane is taking off.\n"
        "main-news\theadlines\t2013\t0002\t1.000\tStocks fell.\tThe cat slept.\textra\tcolumns\n",
        encoding="utf-8",
    )
    first, second = read_stsb(path)
    assert (first.text_a, first.text_b, first.label) == ("A plane is taking off.", "An air plane is taking off.", 1.0)
    assert (second.label, second.group) == (0.2, "stsb:main-news:headlines")
    path.write_text("too\tfew\tcolumns\n")
    with pytest.raises(PlagDetectError, match="line 1"):
        read_stsb(path)


def test_pan_pairs_give_positives_and_hard_negatives(tmp_path: Path, encoder) -> None:
    root = tmp_path / "pan"
    for folder in ("susp", "src", "truth"):
        (root / folder).mkdir(parents=True)
    altered = "\n\nThe history of printing is also a history of paper, ink and the trade routes that carried them.\n"
    susp = PRINTING_SUBMISSION + altered
    (root / "susp" / "s.txt").write_text(susp, encoding="utf-8")
    (root / "src" / "r.txt").write_text(PRINTING_SOURCE, encoding="utf-8")
    start, end = PRINTING_SUBMISSION.index("Around 1440"), PRINTING_SUBMISSION.index("This invention") - 2
    source_start = PRINTING_SOURCE.index("Around 1440")
    altered_start = susp.index("The history of printing")
    (root / "truth" / "s-r.xml").write_text(
        '<document reference="s.txt">'
        f'<feature name="plagiarism" obfuscation="none" this_offset="{start}" this_length="{end - start}"'
        f' source_reference="r.txt" source_offset="{source_start}" source_length="{end - start}"/>'
        f'<feature name="altered" this_offset="{altered_start}" this_length="{len(altered.strip())}"/>'
        f'<feature name="plagiarism" this_offset="{start}" this_length="0" source_reference="r.txt"'
        f' source_offset="{source_start}" source_length="0"/>'
        "</document>"
    )
    (root / "pairs").write_text("s.txt r.txt\n")
    pairs = pan_pairs(load_pan_corpus(root), encoder.encode)
    positive, case_negative, altered_negative = pairs
    assert positive.label == 1.0 and positive.text_a.startswith("Around 1440") and positive.text_a == positive.text_b
    assert case_negative.label == 0.0 and case_negative.text_a == positive.text_a
    assert "Around 1440" not in case_negative.text_b  # a paragraph outside the case's source span
    assert altered_negative.label == 0.0 and altered_negative.text_a.startswith("The history of printing")
    assert {p.group for p in pairs} == {"s.txt"}


def test_a_split_keeps_each_document_on_one_side() -> None:
    from plagdetect.training.data import Pair

    pairs = [Pair(f"a{i}", f"b{i}", i % 2, f"doc{i % 10}") for i in range(100)]
    train, validation = split_by_group(pairs, validation_share=0.2, seed=1)
    assert len(train) + len(validation) == 100
    assert len({p.group for p in validation}) == 2
    assert not {p.group for p in train} & {p.group for p in validation}
    assert split_by_group(pairs, 0.2, seed=1) == (train, validation)  # fixed seed, same split


def test_a_fold_held_back_from_training_is_the_fold_eval_pan_scores_it_on() -> None:
    from plagdetect.evaluation.folds import document_folds
    from plagdetect.training.data import Pair, split_by_fold

    corpus_pairs = [(f"susp-{i}.txt", f"src-{i}.txt") for i in range(10)]
    pairs = [Pair(f"a{i}", f"b{i}", i % 2, f"susp-{i % 10}.txt") for i in range(60)]
    folds = document_folds(corpus_pairs, 5, seed=3)
    train, held_back = split_by_fold(pairs, folds[2])
    assert {p.group for p in held_back} == set(folds[2]) and len(train) + len(held_back) == 60
    assert not {p.group for p in train} & set(folds[2])


def test_training_refuses_to_cut_folds_over_several_corpora(tmp_path: Path, capsys) -> None:
    from plagdetect.cli.main import EXIT_OK, main

    argv = ["train", "cross-encoder", "--stsb-train", "x", "--stsb-dev", "x", "--out", str(tmp_path / "m")]
    assert main([*argv, "--pan", "a", "--pan", "b", "--folds", "5"]) != EXIT_OK
    assert "give exactly one --pan" in capsys.readouterr().err
