"""eval-clough: each short answer checked against its question's source; the index per category and the AUC."""

from __future__ import annotations

from pathlib import Path

import pytest

from plagdetect.cli.main import main
from plagdetect.cli.output import EXIT_OK
from plagdetect.errors import PlagDetectError
from plagdetect.evaluation.clough import eval_clough, roc_auc

from builders import ESSAY_RAILWAYS, ESSAY_VOLCANOES, PRINTING_SOURCE, PRINTING_SUBMISSION, PRINTING_UNRELATED

COPIED = PRINTING_SOURCE[PRINTING_SOURCE.index("Around 1440") : PRINTING_SOURCE.index("The new technology")]
PARAPHRASED = PRINTING_SUBMISSION[PRINTING_SUBMISSION.index("This invention") : PRINTING_SUBMISSION.index("In my")]


def write_corpus(root: Path) -> None:
    texts = root / "corpus-20090418"
    texts.mkdir(parents=True)
    (texts / "orig_taska.txt").write_text(PRINTING_SOURCE, encoding="utf-8")
    (texts / "orig_taskb.txt").write_bytes(f"Volcanoes\r\n\r\n{ESSAY_VOLCANOES}\r\n".encode("cp1252"))  # as released
    answers = {
        "g0pA_taska.txt": ("a", "cut", COPIED),
        "g0pB_taska.txt": ("a", "light", COPIED.replace("developed", "built").replace("a few years", "few years")),
        "g0pC_taska.txt": ("a", "heavy", PARAPHRASED),
        "g0pD_taska.txt": ("a", "non", PRINTING_UNRELATED),
        "g0pE_taskb.txt": ("b", "non", ESSAY_RAILWAYS),
        "g0pF_taskb.txt": ("b", "cut", ESSAY_VOLCANOES),
    }
    rows = ["File,Task,Category,Group,Person,NativeEnglish,Knowledge,Difficulty"]
    for name, (task, category, text) in answers.items():
        (texts / name).write_text(text, encoding="utf-8")
        rows.append(f"{name},{task},{category},0,A,native,3,3")
    (root / "file_information.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_the_auc_counts_pairs_ranked_right_and_ties_as_half() -> None:
    assert roc_auc([0.9, 0.8], [0.1, 0.0]) == 1.0
    assert roc_auc([0.0, 0.5], [0.0, 0.6]) == pytest.approx((0.5 + 0 + 1 + 0) / 4)
    with pytest.raises(PlagDetectError, match="both kinds"):
        roc_auc([0.3], [])


def test_copied_answers_score_above_independent_ones_on_the_same_topic(settings, encoder, tmp_path: Path) -> None:
    write_corpus(tmp_path / "clough")
    result = eval_clough(tmp_path / "clough", settings, encoder=encoder)
    index = {a.file: a.similarity for a in result.answers}
    assert index["g0pA_taska.txt"] > 0.9 and index["g0pF_taskb.txt"] > 0.9  # copied whole
    assert index["g0pB_taska.txt"] > 0.5 and index["g0pC_taska.txt"] > 0.3  # revised lightly, rewritten
    assert index["g0pD_taska.txt"] == 0 and index["g0pE_taskb.txt"] == 0  # same topic, nothing borrowed
    assert result.auc == 1.0
    text = result.describe()
    assert "AUC of the index, cut/light/heavy against non: 1.000" in text and "6 answers" in text


def test_the_command_reads_the_corpus_folder_and_says_what_is_missing(capsys, tmp_path: Path) -> None:
    assert main(["eval-clough", str(tmp_path)]) == 1
    assert "file_information.csv" in capsys.readouterr().err
    write_corpus(tmp_path / "clough")
    assert main(["eval-clough", str(tmp_path / "clough")]) == EXIT_OK
    assert "mean index ranks cut > light > heavy > non" in capsys.readouterr().out
