"""The int8 copies that serve a check on a CPU (plagdetect/encoders/int8.py): the bi-encoder's, which encodes the
submission, and the cross-encoder's, which reranks."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from plagdetect.detection.pipeline import check_bytes
from plagdetect.detection.report import CheckOptions
from plagdetect.encoders import int8
from plagdetect.services.corpus import Corpus

from builders import PRINTING_SOURCE, PRINTING_SUBMISSION

SOURCE = "The committee postponed its decision until more evidence was available."
PARAPHRASE = "The panel delayed deciding until it had further evidence."
UNRELATED = "Volcanic ash can ground aircraft for several days."


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that has not loaded any int8 copy yet."""
    monkeypatch.setattr(int8, "_loaded", {})


def copy_file(folder: Path) -> Path:
    [found] = folder.glob(f"*-{int8.FORMAT}.onnx")
    return found


def test_the_copy_encodes_like_the_bi_encoder_and_is_compared_with_stored_vectors(encoder, tmp_path: Path) -> None:
    submissions = encoder.for_submissions(tmp_path)
    assert submissions.runtime == int8.RUNTIME and encoder.runtime == "torch"
    assert submissions.version == encoder.version and submissions.dim == encoder.dim  # same vectors, same index
    texts = [SOURCE, PARAPHRASE, UNRELATED, PRINTING_SUBMISSION, "ok", SOURCE]
    fast, exact = submissions.encode(texts), encoder.encode(texts)
    assert fast.shape == exact.shape and fast.dtype == np.float32
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(fast * exact, axis=1)) > 0.97
    assert np.array_equal(fast[0], fast[5])
    # A text's vector does not depend on the texts encoded with it (int8 activations are scaled per run).
    assert all(np.array_equal(submissions.encode([text])[0], fast[i]) for i, text in enumerate(texts))
    # What a check computes: the submission's vector (int8) against the stored ones (float32).
    stored = encoder.encode([SOURCE, UNRELATED])
    paraphrase = submissions.encode([PARAPHRASE])[0]
    assert abs(paraphrase @ stored[0] - exact[1] @ stored[0]) < 0.02
    assert paraphrase @ stored[0] > 0.7 > paraphrase @ stored[1] + 0.3


def test_the_copy_is_made_once_and_kept_for_the_next_process(encoder, tmp_path: Path, fresh, monkeypatch) -> None:
    assert encoder.for_submissions(tmp_path).runtime == int8.RUNTIME
    made = copy_file(tmp_path)
    assert made.stat().st_size > 1_000_000 and [p.name for p in tmp_path.iterdir()] == [made.name]  # no leftovers

    monkeypatch.setattr(int8, "_loaded", {})  # a new process
    monkeypatch.setattr(int8, "build_int8_model", lambda *args: pytest.fail("the kept copy is made again"))
    assert encoder.for_submissions(tmp_path).runtime == int8.RUNTIME


def test_a_damaged_copy_is_made_again(encoder, tmp_path: Path, fresh, monkeypatch, caplog) -> None:
    encoder.for_submissions(tmp_path)
    made = copy_file(tmp_path)
    made.write_bytes(b"cut short by a full disk")
    monkeypatch.setattr(int8, "_loaded", {})
    with caplog.at_level(logging.WARNING):
        submissions = encoder.for_submissions(tmp_path)
    assert submissions.runtime == int8.RUNTIME and "cannot be loaded" in caplog.text
    assert made.stat().st_size > 1_000_000
    assert np.min(np.sum(submissions.encode([SOURCE]) * encoder.encode([SOURCE]), axis=1)) > 0.97


def test_a_failed_build_leaves_nothing_and_submissions_use_torch(encoder, tmp_path, fresh, monkeypatch, caplog) -> None:
    from onnxruntime import quantization

    def out_of_memory(*args, **kwargs):
        raise MemoryError("killed half way")

    monkeypatch.setattr(quantization, "quantize_dynamic", out_of_memory)
    with caplog.at_level(logging.WARNING):
        submissions = encoder.for_submissions(tmp_path)
    assert submissions is encoder and submissions.runtime == "torch"
    assert "No int8 copy" in caplog.text and "killed half way" in caplog.text
    assert list(tmp_path.iterdir()) == []  # no half-written file for the next process to trust


def test_a_copy_that_strays_from_the_model_is_not_used(encoder, tmp_path, fresh, monkeypatch, caplog) -> None:
    monkeypatch.setattr(int8, "MIN_COSINE", 1.001)  # no copy is this close
    with caplog.at_level(logging.WARNING):
        assert encoder.for_submissions(tmp_path) is encoder
    assert "strays from the bi-encoder" in caplog.text


def test_a_copy_that_cannot_encode_is_not_used(encoder, tmp_path, fresh, monkeypatch, caplog) -> None:
    # As for a model whose tokenizer does not give every input the copy takes.
    monkeypatch.setattr(int8, "_INPUTS", ("input_ids", "attention_mask", "position_ids"))
    with caplog.at_level(logging.WARNING):
        assert encoder.for_submissions(tmp_path) is encoder
    assert "cannot run" in caplog.text and "position_ids" in caplog.text


def reranker():
    from plagdetect.encoders.cross_encoder import load_reranker
    from plagdetect.settings import Settings

    return load_reranker(Settings().resolved_cross_encoder, "cpu")


def test_the_rerankers_copy_scores_like_the_cross_encoder(tmp_path: Path, fresh) -> None:
    model = reranker()
    checks = model.for_checks(tmp_path)
    assert checks.runtime == int8.RUNTIME and model.runtime == "torch" and checks.version == model.version
    pairs = [(SOURCE, PARAPHRASE), (SOURCE, UNRELATED), (PRINTING_SUBMISSION, PRINTING_SOURCE), (SOURCE, SOURCE)]
    fast, exact = checks.score(pairs), model.score(pairs)
    assert fast.shape == (4,) and np.max(np.abs(fast - exact)) < int8.MAX_SCORE_GAP
    assert fast[0] > 0.5 > fast[1] and fast[3] > 0.9
    # A pair's score does not depend on the pairs scored with it (int8 activations are scaled per run).
    assert [checks.score([pair])[0] for pair in pairs] == list(fast)
    assert list(checks.score(pairs[::-1])) == list(fast[::-1])


def test_a_reranker_copy_that_strays_is_not_used(tmp_path: Path, fresh, monkeypatch, caplog) -> None:
    monkeypatch.setattr(int8, "MAX_SCORE_GAP", -1.0)  # no copy is this close
    model = reranker()
    with caplog.at_level(logging.WARNING):
        assert model.for_checks(tmp_path) is model
    assert "strays from the cross-encoder" in caplog.text


def test_a_check_records_how_the_submission_was_encoded_and_finds_the_same_passages(corpus: Corpus) -> None:
    corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    fast = check_bytes(corpus.context, PRINTING_SUBMISSION.encode(), "submission.txt", CheckOptions())
    assert fast.model_versions["bi-encoder runtime (submission)"] == int8.RUNTIME
    assert fast.model_versions["cross-encoder runtime"] == int8.RUNTIME
    exact_settings = replace(corpus.context.settings, int8_submissions=False, int8_reranker=False)
    exact_corpus = Corpus.open(exact_settings, encoder=corpus.context.encoder)
    try:
        exact = check_bytes(exact_corpus.context, PRINTING_SUBMISSION.encode(), "submission.txt", CheckOptions())
    finally:
        exact_corpus.close()
    assert exact.model_versions["bi-encoder runtime (submission)"] == "torch"
    assert exact.model_versions["cross-encoder runtime"] == "torch"
    assert [s.kind for m in fast.matches for s in m.segments] == ["verbatim", "paraphrase"]
    assert [(s.submission_span, s.source_span) for m in fast.matches for s in m.segments] == [
        (s.submission_span, s.source_span) for m in exact.matches for s in m.segments
    ]
    assert fast.similarity == exact.similarity
