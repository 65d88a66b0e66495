"""Fingerprints: folded text, hashed k-grams, winnowed; two texts share one exactly when they share enough text."""

from __future__ import annotations

import random
import string

from plagdetect.text.fingerprints import K, W, fingerprints, fold

SENTENCE = "Gutenberg developed a press that used movable metal type, cast in an alloy of lead, tin and antimony."


def random_words(rng: random.Random, count: int) -> str:
    return " ".join("".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))) for _ in range(count))


def test_case_spacing_line_breaks_and_ocr_look_alikes_fold_alike() -> None:
    messy = "GUTENBERG developed a\npress that used movable metaltype, cast in an a11oy of lead, t1n and antimony."
    assert fingerprints(messy).hashes.tolist() == fingerprints(SENTENCE).hashes.tolist()
    assert (
        fingerprints(SENTENCE.replace("movable", "moveable")).hashes.tolist() != fingerprints(SENTENCE).hashes.tolist()
    )


def test_each_fingerprint_points_at_its_k_grams_characters_in_the_text() -> None:
    found = fingerprints(SENTENCE)
    folded = "".join(map(chr, fold(SENTENCE).codes.tolist()))
    assert 0 < len(found) < len(folded)
    for start, end in zip(found.starts.tolist(), found.ends.tolist(), strict=True):
        piece = "".join(map(chr, fold(SENTENCE[start:end]).codes.tolist()))
        assert len(piece) == K and piece in folded


def test_two_texts_share_a_fingerprint_when_they_share_a_run_of_k_plus_w_minus_1_characters() -> None:
    rng = random.Random(3)
    for _ in range(50):
        shared = "".join(rng.choices(string.ascii_lowercase, k=K + W - 1))
        a = f"{random_words(rng, 30)} {shared} {random_words(rng, 30)}"
        b = f"{random_words(rng, 20)} {shared} {random_words(rng, 40)}"
        assert set(fingerprints(a).hashes.tolist()) & set(fingerprints(b).hashes.tolist())
    unrelated = [set(fingerprints(random_words(rng, 200)).hashes.tolist()) for _ in range(2)]
    assert not unrelated[0] & unrelated[1]


def test_a_text_shorter_than_a_k_gram_has_none_and_a_long_one_keeps_a_fraction() -> None:
    assert len(fingerprints("Too short.")) == 0 and len(fingerprints("")) == 0
    text = random_words(random.Random(5), 2000)
    positions = len(fold(text).codes) - K + 1
    assert 1.2 / (W + 1) < len(fingerprints(text)) / positions < 2.8 / (W + 1)  # winnowing keeps about 2/(W+1)
