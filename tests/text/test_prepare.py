"""prepare_document: a file read, normalised and cut; a text that holds almost no words is refused."""

from __future__ import annotations

import pytest

from plagdetect.errors import PlagDetectError
from plagdetect.settings import Settings
from plagdetect.text.prepare import prepare_document


@pytest.mark.parametrize(
    ("data", "letters"),
    [
        (b". " * 200_000, "0 letters in 200,000 characters"),  # the finding: 4 MB of ". " became 3,496 chunks
        (b"1 2 3 4 5 6 7 8 9 10 " * 500, "0 letters in 5,500 characters"),
        (b"#" * 5_000 + b" ok", "2 letters in 5,002 characters"),
    ],
)
def test_a_text_of_almost_no_words_is_refused(data: bytes, letters: str) -> None:
    with pytest.raises(PlagDetectError, match=f"^the file holds almost no words: {letters}"):
        prepare_document(data, "noise.txt", Settings())


def test_a_text_with_figures_and_formulas_still_goes_in() -> None:
    text = "Table 3: results for n = 1, 2, 4 and 8 (x = 0.25, 0.50, 0.75). The error falls as n grows. " * 20
    prepared = prepare_document(text.encode(), "results.txt", Settings())
    assert prepared.chunks and prepared.title == "results"
