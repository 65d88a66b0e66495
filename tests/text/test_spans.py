from __future__ import annotations

import pytest

from plagdetect.text.spans import merge_spans, subtract_spans, word_count


def test_merge_spans() -> None:
    assert merge_spans([]) == []
    assert merge_spans([(10, 20), (0, 5), (15, 25), (5, 7), (30, 30)]) == [(0, 7), (10, 25)]
    assert merge_spans(iter([(3, 9), (4, 5)])) == [(3, 9)]
    with pytest.raises(ValueError):
        merge_spans([(5, 4)])


def test_subtract_spans() -> None:
    assert subtract_spans((0, 10), []) == [(0, 10)]
    assert subtract_spans((0, 10), [(0, 10)]) == []
    assert subtract_spans((2, 8), [(0, 20)]) == []
    assert subtract_spans((0, 10), [(0, 3), (7, 10)]) == [(3, 7)]
    assert subtract_spans((0, 10), [(4, 6), (2, 5)]) == [(0, 2), (6, 10)]
    assert subtract_spans((0, 10), [(10, 15), (-5, 0)]) == [(0, 10)]
    assert subtract_spans((5, 5), [(0, 3)]) == []


def test_word_count() -> None:
    text = "A so-called “test” of 42 words, don't panic!"
    assert word_count(text, (0, len(text))) == 10  # "so-called" and "don't" are two words each
    assert word_count(text, (0, 0)) == 0
    assert word_count(text, (2, 11)) == 2
    assert word_count(text, (-3, 1000)) == 10
    assert word_count("Ünïcode wörds ß", (0, 15)) == 3
