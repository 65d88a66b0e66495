"""Names that come with an upload are made safe to store and show (plagdetect/text/names.py)."""

from __future__ import annotations

import os

import pytest

from plagdetect.text.names import REPLACEMENT, clean_name, clean_optional, title_from_text


def test_bytes_that_are_not_text_become_the_replacement_character() -> None:
    name = os.fsdecode(b"m_bad\xff\xfe.txt")  # as a folder listing hands it over
    assert clean_name(name) == f"m_bad{REPLACEMENT}{REPLACEMENT}.txt"
    clean_name(name).encode("utf-8")  # storable


def test_terminal_escapes_nuls_and_reordering_characters_are_dropped() -> None:
    assert clean_name("Thesis\x00\x1b]0;pwned\x07\x1b[2J") == "Thesis]0;pwned[2J"
    assert clean_name("report\u202etxt.exe") == "reporttxt.exe"  # a right-to-left override would show "exe.txt"
    assert clean_name("a\x9bb") == "ab"  # C1 control (CSI) too


def test_whitespace_collapses_and_the_length_is_bounded() -> None:
    assert clean_name("  My\tessay\n\n final  ") == "My essay final"
    assert clean_name("x" * 600) == "x" * 500 and clean_name("x" * 600, 10) == "x" * 10
    assert clean_name("Ünïcödé 論文 Кирилл") == "Ünïcödé 論文 Кирилл"


def test_a_name_with_nothing_left_is_missing() -> None:
    assert clean_optional(None) is None and clean_optional("\x00\x1b") is None
    assert clean_optional(" Ada ") == "Ada"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("The Printing Press and the Spread of Ideas\n\nBefore 1440...", "The Printing Press and the Spread of Ideas"),
        ("\n\n# Essay: Technology and Knowledge\n\nEvery age...", "Essay: Technology and Knowledge"),
        ("**Why did Rome fall?**\nA question.", "Why did Rome fall?"),
        ("Introduction\n\nText.", None),  # one word: a heading of a part, not the document's title
        ("Before the fifteenth century, books were copied by hand.", None),  # a sentence
        ("the start of a page cut from a longer text", None),
        ("Abstract:\nWe study...", None),
        ("", None),
    ],
)  # fmt: skip
def test_a_document_without_a_title_in_its_metadata_is_named_by_its_first_line_when_that_reads_as_one(
    text: str, title: str | None
) -> None:
    assert title_from_text(text) == title
