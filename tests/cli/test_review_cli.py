"""`plagdetect review`: the queue, a label, the summary, and labels out and back in as JSON Lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plagdetect.cli.main import EXIT_FAILED, EXIT_OK, main
from plagdetect.detection.report import CheckOptions
from plagdetect.services.checks import run_check
from plagdetect.services.corpus import Corpus

from builders import PRINTING_SOURCE, PRINTING_SUBMISSION, make_people


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_review_from_the_command_line(capsys, corpus: Corpus, tmp_path: Path) -> None:
    people = make_people(corpus.context.sessions)
    corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    run_check(
        corpus.context, people["sam"], PRINTING_SUBMISSION.encode(), "essay.txt", CheckOptions(rerank_threshold=0.9)
    )
    data = str(corpus.context.settings.data_dir)

    code, out, err = run(capsys, "--data-dir", data, "review", "queue")
    assert code == EXIT_OK, err
    lines = out.splitlines()
    assert "near miss" in lines[2] and "verbatim" in lines[3] and "2 pair(s)" in out  # most uncertain first
    near_miss = int(lines[2].split()[0])

    code, out, _ = run(capsys, "--data-dir", data, "review", "show", str(near_miss))
    assert code == EXIT_OK and "250 towns" in out and "Words both weigh:" in out

    code, out, _ = run(capsys, "--data-dir", data, "review", "--as", "tess", "label", str(near_miss), "plagiarism")
    assert code == EXIT_OK and "plagiarism (by tess)" in out
    code, out, err = run(capsys, "--data-dir", data, "review", "--as", "sam", "label", str(near_miss), "unsure")
    assert code == EXIT_FAILED and "Only an instructor or admin may do this" in err
    code, out, err = run(capsys, "--data-dir", data, "review", "label", str(near_miss), "maybe")
    assert code == EXIT_FAILED and "plagiarism, not plagiarism, unsure" in err
    code, out, err = run(capsys, "--data-dir", data, "review", "queue", "--state", "finished")
    assert code == EXIT_FAILED and "unlabelled" in err

    code, out, _ = run(capsys, "--data-dir", data, "review", "summary")
    assert code == EXIT_OK and "2 pair(s): 1 labelled, 1 not" in out

    exported = tmp_path / "labels.jsonl"
    code, _, err = run(capsys, "--data-dir", data, "review", "export", str(exported))
    assert code == EXIT_OK and "1 label(s) written" in err
    (record,) = [json.loads(line) for line in exported.read_text().splitlines()]
    assert record["labeller"] == "tess" and record["verdict"] == "plagiarism"

    elsewhere = str(tmp_path / "elsewhere")
    code, out, err = run(capsys, "--data-dir", elsewhere, "review", "import", str(exported))
    assert code == EXIT_OK and "1 label(s) added, 0 already there" in out, err
