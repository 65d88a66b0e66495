from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from plagdetect.cli.main import EXIT_OK, main
from plagdetect.errors import PlagDetectError
from plagdetect.evaluation.pan import read_detections
from plagdetect.evaluation.pan_eval import (
    MIN_COUNTERPARTS,
    MIN_MATCH_WORDS,
    RERANK_THRESHOLDS,
    cross_validate,
    eval_pan,
)
from plagdetect.evaluation.plagdet import evaluate

from builders import (
    ESSAY_RAILWAYS,
    ESSAY_VOLCANOES,
    PRINTING_SOURCE,
    PRINTING_SUBMISSION,
    PRINTING_TITLE,
    PRINTING_UNRELATED,
)


def write_pan_corpus(root: Path) -> tuple[int, int]:
    """Two suspicious documents: one reusing two paragraphs of a source, one original; three sources."""
    for folder in ("susp", "src", "truth"):
        (root / folder).mkdir(parents=True)
    sources = {"source-a.txt": PRINTING_SOURCE, "source-b.txt": PRINTING_UNRELATED, "source-c.txt": ESSAY_VOLCANOES}
    for name, text in sources.items():
        (root / "src" / name).write_text(text, encoding="utf-8", newline="")
    (root / "susp" / "susp-1.txt").write_text(PRINTING_SUBMISSION, encoding="utf-8", newline="")
    (root / "susp" / "susp-2.txt").write_text(ESSAY_RAILWAYS, encoding="utf-8", newline="")
    copied = PRINTING_SUBMISSION.index("Around 1440")
    copied_end = PRINTING_SUBMISSION.index("scribes for decades.") + len("scribes for decades.")
    source_copied = PRINTING_SOURCE.index("Around 1440")
    (root / "truth" / "susp-1-source-a.xml").write_text(
        '<document reference="susp-1.txt">'
        f'<feature name="plagiarism" obfuscation="none" this_offset="{copied}" this_length="{copied_end - copied}"'
        f' source_reference="source-a.txt" source_offset="{source_copied}" source_length="{copied_end - copied}"/>'
        "</document>",
        encoding="utf-8",
    )
    (root / "pairs").write_text("susp-1.txt source-a.txt\nsusp-2.txt source-b.txt\n")
    return copied, copied_end


def test_eval_pan_end_to_end(settings, encoder, tmp_path: Path) -> None:
    copied, copied_end = write_pan_corpus(tmp_path / "pan")
    result = eval_pan(tmp_path / "pan", settings, out_dir=tmp_path / "out", encoder=encoder)
    assert result.documents == 2 and result.overall.cases == 1
    assert result.overall.recall == 1.0 and result.overall.granularity == 1.0
    assert 0.3 < result.overall.precision < 1.0  # the paraphrased paragraph is found too, and it is no case here
    detections = read_detections(tmp_path / "out" / "susp-1.xml")
    assert [(d.susp.offset, d.src.document) for d in detections] == [(copied, "source-a.txt")]
    assert detections[0].susp.end > copied_end  # the paraphrased paragraph after it belongs to the same passage
    assert read_detections(tmp_path / "out" / "susp-2.xml") == []
    assert result.describe().splitlines()[-1] == result.overall.line()
    assert result.submission_side.recall == 1.0 and "submission side" in result.describe()
    assert not any(Path(settings.data_dir).glob("*.db"))  # the throw-away corpus is not the user's


def test_cross_validation_chooses_each_folds_thresholds_on_the_other_folds_only(settings, encoder, tmp_path) -> None:
    write_pan_corpus(tmp_path / "pan")
    (tmp_path / "pan" / "pairs").write_text("susp-1.txt source-a.txt\nsusp-2.txt source-b.txt\n")
    result = cross_validate(tmp_path / "pan", settings, folds=2, out_dir=tmp_path / "out", encoder=encoder)
    by_document = {fold.documents[0]: fold for fold in result.folds}
    assert sorted(by_document) == ["susp-1.txt", "susp-2.txt"]
    for fold in result.folds:
        assert fold.rerank_threshold in RERANK_THRESHOLDS and fold.min_match_words in MIN_MATCH_WORDS
        assert fold.min_counterparts in MIN_COUNTERPARTS
    # susp-1's values were chosen on susp-2, which copies nothing: its tuning has no case to find.
    assert by_document["susp-1.txt"].tuning.cases == 0 and by_document["susp-2.txt"].tuning.cases == 1
    assert by_document["susp-1.txt"].held_out.cases == 1 and by_document["susp-1.txt"].held_out.recall == 1.0
    # What was written is each document's held-out detections, and the pooled figure scores exactly those.
    held_out = [d for name in ("susp-1", "susp-2") for d in read_detections(tmp_path / "out" / f"{name}.xml")]
    assert result.pooled == evaluate(load_cases(tmp_path / "pan"), held_out)
    lines = result.describe().splitlines()
    assert any(line.startswith("held-out plagdet over folds: mean") for line in lines)
    assert lines[-1] == result.pooled.line()


def test_each_fold_can_be_reranked_by_its_own_model(settings, encoder, tmp_path) -> None:
    """With one cross-encoder folder per fold (here the shipped model for both), the folds come out as with the
    settings' model: the per-fold path rescoring what was aligned once is the same detection."""
    write_pan_corpus(tmp_path / "pan")
    shipped = settings.resolved_cross_encoder
    one_model = cross_validate(tmp_path / "pan", settings, folds=2, encoder=encoder)
    per_fold = cross_validate(tmp_path / "pan", settings, folds=2, encoder=encoder, rerankers=[shipped, shipped])
    assert per_fold.folds == one_model.folds and per_fold.pooled == one_model.pooled
    assert "each fold's own cross-encoder" in per_fold.describe() and "one model" in one_model.describe()
    with pytest.raises(PlagDetectError, match="one cross-encoder folder per fold: 2"):
        cross_validate(tmp_path / "pan", settings, folds=2, encoder=encoder, rerankers=[shipped, tmp_path / "none"])


def load_cases(root: Path):
    from plagdetect.evaluation.pan import load_pan_corpus

    return load_pan_corpus(root).cases


def test_the_cli_prints_the_pan_line_last(capsys, tmp_path: Path) -> None:
    write_pan_corpus(tmp_path / "pan")
    assert main(["eval-pan", str(tmp_path / "pan")]) == EXIT_OK
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.fullmatch(r"plagdet=0\.\d{3} precision=0\.\d{3} recall=1\.000 granularity=1\.000", last), last
    assert main(["eval-pan", str(tmp_path / "pan"), "--folds", "3"]) != EXIT_OK  # two documents: two folds at most
    assert "between 2 and 2 folds" in capsys.readouterr().err


def test_check_on_the_command_line_with_a_json_report(capsys, tmp_path: Path) -> None:
    source, submission = tmp_path / "printing-press.txt", tmp_path / "essay.txt"
    source.write_text(PRINTING_SOURCE)
    submission.write_text(PRINTING_SUBMISSION)
    assert main(["ingest", str(source), "--collection", "History", "--no-progress"]) == EXIT_OK
    capsys.readouterr()
    assert main(["check", str(submission), "--collection", "History", "--json", str(tmp_path / "r.json")]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("essay.txt: similarity index") and f"verbatim from {PRINTING_TITLE!r}" in out
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["check_id"] == 1
    assert [s["kind"] for m in report["matches"] for s in m["segments"]] == ["verbatim", "paraphrase"]


def test_bench_check_cuts_a_pan_corpus_into_documents_and_compares_with_the_naive_pipeline(capsys, tmp_path):
    from plagdetect.evaluation.bench import pan_check_input

    copied, copied_end = write_pan_corpus(tmp_path / "pan")
    parts, submissions = pan_check_input(str(tmp_path / "pan"), documents=8, words=50)
    assert len(parts) >= 8 and len({name for name, _ in parts}) == len(parts)
    assert "".join(text for _, text in parts).count("Around 1440") == 1  # each paragraph in one document
    assert PRINTING_SUBMISSION.strip() in submissions["paper"] or ESSAY_RAILWAYS.strip() in submissions["paper"]
    assert submissions["dense"] == PRINTING_SUBMISSION[copied:copied_end]  # the one case: nothing but the copy

    assert main(["bench", "check", "--pan", str(tmp_path / "pan"), "--documents", "8", "--words", "50"]) == EXIT_OK
    out = capsys.readouterr().out
    assert re.findall(r"check, (\w+) \(\d+ words against \d+ documents", out) == ["paper", "dense"]
    assert out.count("ratio") == 2 and out.count("naive: embed+search") == 2
    assert main(["bench", "check"]) == 1
    assert "--pan" in capsys.readouterr().err
