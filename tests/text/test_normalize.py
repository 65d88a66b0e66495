from __future__ import annotations

import json
import random
import re

import pytest

from plagdetect.text.normalize import IntegrityFlags, normalize
from plagdetect.text.offsets import OffsetMap

ENGLISH = "The quick brown fox jumps over the lazy dog while the students copy their paper. "


# --- invisible characters ------------------------------------------------------------------


def test_zero_width_spaces_and_soft_hyphens_removed_and_counted() -> None:
    original = "pla\u200bgia\u00adrism is wrong"
    result = normalize(original)
    assert result.text == "plagiarism is wrong"
    assert result.flags.invisible == 2
    assert result.flags.suspicious
    assert result.flags.samples["invisible"] == [3, 7]  # offsets in the original text


@pytest.mark.parametrize(
    "hidden",
    ["\u200c", "\u200d", "\u200e", "\u2060", "\ufeff", "\u202e", "\u2066", "\U000e0041", "\x00", "\x07", "\ufe0f"],
)
def test_other_invisible_characters_removed(hidden: str) -> None:
    result = normalize(f"copy{hidden}right")
    assert result.text == "copyright"
    assert result.flags.invisible == 1


def test_tabs_and_newlines_are_kept() -> None:
    result = normalize("a\tb\nc")
    assert result.text == "a\tb\nc"
    assert not result.flags.suspicious


def test_samples_are_capped() -> None:
    result = normalize("x\u200b" * 50)
    assert result.text == "x" * 50
    assert result.flags.invisible == 50
    assert len(result.flags.samples["invisible"]) == 20


# --- look-alike letters --------------------------------------------------------------------


def test_cyrillic_letters_inside_latin_word_folded() -> None:
    original = "the p\u0430per was c\u043epied"  # Cyrillic а and о
    result = normalize(original)
    assert result.text == "the paper was copied"
    assert result.flags.homoglyphs == 2
    assert result.flags.suspicious
    assert result.flags.samples["homoglyphs"] == [5, 15]


def test_russian_text_untouched() -> None:
    original = "Москва — столица России. Это очень красивый город, а сор убрали."
    result = normalize(original)
    assert result.text == original
    assert result.flags.homoglyphs == 0
    assert not result.flags.suspicious


def test_greek_text_untouched() -> None:
    original = "Η Αθήνα είναι η πρωτεύουσα της Ελλάδας και ο Κρόνος ένας πλανήτης."
    result = normalize(original)
    assert result.text == original
    assert result.flags.homoglyphs == 0


def test_whole_word_lookalike_substitution_in_english_text_folded() -> None:
    original = ENGLISH + "Do not \u0441\u043e\u0440\u0443 this. " + ENGLISH  # "сору" in Cyrillic
    result = normalize(original)
    assert "Do not copy this." in result.text
    assert result.text == original.replace("\u0441\u043e\u0440\u0443", "copy")
    assert result.flags.homoglyphs == 4


def test_greek_lookalikes_in_latin_word_folded() -> None:
    result = normalize("an \u03bfpen d\u03bfor")  # Greek omicron
    assert result.text == "an open door"
    assert result.flags.homoglyphs == 2


def test_mixed_word_in_russian_text_still_folded() -> None:
    result = normalize("Это очень хорошая p\u0430per статья.")
    assert "paper" in result.text
    assert "очень" in result.text
    assert result.flags.homoglyphs == 1


# --- compatibility (NFKC) and combining accents --------------------------------------------


def test_ligatures_normalised() -> None:
    result = normalize("the \ufb01nal \ufb02ow")
    assert result.text == "the final flow"
    assert result.flags.compatibility == 2
    assert not result.flags.suspicious


def test_full_width_letters_and_odd_spaces_normalised() -> None:
    result = normalize("\uff21\uff22\uff23\uff11 x\u00a0y\u2003z")
    assert result.text == "ABC1 x y z"
    assert result.flags.compatibility == 6
    assert result.flags.samples["compatibility"] == [0, 1, 2, 3, 6, 8]


def test_combining_accents_composed_not_counted() -> None:
    result = normalize("e\u0301cole et Ame\u0301lie")
    assert result.text == "école et Amélie"
    assert result.flags.compatibility == 0
    assert result.flags.describe() == []


def test_precomposed_text_unchanged() -> None:
    original = "Café, naïve résumé — Straße"
    result = normalize(original)
    assert result.text == original
    assert result.flags == IntegrityFlags()


# --- line breaks ---------------------------------------------------------------------------


def test_crlf_and_lone_cr_become_newline() -> None:
    result = normalize("one\r\ntwo\rthree\n")
    assert result.text == "one\ntwo\nthree\n"
    assert result.flags == IntegrityFlags()
    assert result.offsets.span_to_original(3, 4) == (3, 5)  # "\n" covers "\r\n"
    assert result.offsets.to_original(4) == 5


def test_ascii_text_unchanged_with_identity_map() -> None:
    original = "Plain ASCII text.\nSecond line."
    result = normalize(original)
    assert result.text == original
    assert result.offsets == OffsetMap.identity(len(original))
    assert result.flags.describe() == []


def test_empty_text() -> None:
    result = normalize("")
    assert result.text == ""
    assert result.offsets.to_original(0) == 0


# --- offsets -------------------------------------------------------------------------------


def test_span_of_ligature_part_and_composed_character() -> None:
    result = normalize("\ufb01ne e\u0301t\u00e9")
    assert result.text == "fine été"
    offsets = result.offsets
    assert offsets.span_to_original(1, 2) == (0, 1)  # the "i" of "ﬁ" -> the ligature
    assert offsets.span_to_original(0, 1) == (0, 1)
    assert offsets.span_to_original(5, 6) == (4, 6)  # "é" from e + combining accent
    assert offsets.span_to_original(4, 4) == (3, 3)
    assert offsets.to_original(len(result.text)) == 8


def test_invisible_characters_next_to_word_not_included() -> None:
    original = "a \u200bword\u200b b"
    result = normalize(original)
    assert result.text == "a word b"
    start, end = result.offsets.span_to_original(2, 6)
    assert original[start:end] == "word"


def test_offsets_out_of_range_rejected() -> None:
    offsets = normalize("abc").offsets
    with pytest.raises(ValueError):
        offsets.to_original(4)
    with pytest.raises(ValueError):
        offsets.span_to_original(2, 1)


# (original piece, expected normalised piece)
WORD_PARTS = [
    ("a", "a"), ("b", "b"), ("x", "x"), ("Q", "Q"), ("é", "é"), ("e\u0301", "é"), ("\ufb01", "fi"),
    ("\ufb03", "ffi"), ("\uff21", "A"), ("\u0430", "a"), ("\u043e", "o"), ("ß", "ß"), ("ñ", "ñ"),
]  # fmt: skip
LOOKALIKE_PARTS = {"\u0430", "\u043e"}
INNER_HIDDEN = ["\u200b", "\u00ad", "\u2060", "\x01"]
SEPARATORS = [" ", "  ", "\r\n", "\n\n", "\r", "\t", " \u200b", "\u200b ", "\u00a0", ". ", ", "]


def _random_document(rng: random.Random) -> tuple[str, list[str], list[str]]:
    """An original text, its words as written, and the words as normalisation should give them."""
    originals, expected, pieces = [], [], []
    for _ in range(rng.randint(1, 40)):
        word, normal, has_latin = "", "", False
        for k in range(rng.randint(1, 6)):
            if k and rng.random() < 0.2:
                word += rng.choice(INNER_HIDDEN)
            part, part_normal = rng.choice(WORD_PARTS)
            word += part
            normal += part_normal
            has_latin = has_latin or part not in LOOKALIKE_PARTS
        if not has_latin:
            word += "t"  # a Latin letter, so the look-alikes are folded whatever the rest of the text
            normal += "t"
        originals.append(word)
        expected.append(normal)
        pieces.append(word)
        pieces.append(rng.choice(SEPARATORS))
    return "".join(pieces), originals, expected


def _check_words(original: str, words: list[str], expected: list[str]) -> None:
    result = normalize(original)
    spans = [m.span() for m in re.finditer(r"[^\s.,]+", result.text)]
    assert [result.text[s:e] for s, e in spans] == expected
    for (s, e), word in zip(spans, words):
        start, end = result.offsets.span_to_original(s, e)
        assert original[start:end] == word
    assert result.offsets.to_original(len(result.text)) == len(original)


def test_word_spans_map_back_to_original_words_random() -> None:
    rng = random.Random(1234)
    for _ in range(300):
        _check_words(*_random_document(rng))


@pytest.mark.parametrize(
    ("original", "words", "expected"),
    [
        ("plain words here", ["plain", "words", "here"], ["plain", "words", "here"]),
        ("in\u200bvisible in\u00adside", ["in\u200bvisible", "in\u00adside"], ["invisible", "inside"]),
        ("the \ufb01rst \ufb02ag", ["the", "\ufb01rst", "\ufb02ag"], ["the", "first", "flag"]),
        ("line\r\nnext\r\n\r\nword", ["line", "next", "word"], ["line", "next", "word"]),
        ("\r\ncaf\u200be\u0301 p\u0430per", ["caf\u200be\u0301", "p\u0430per"], ["café", "paper"]),
        ("\ufeffstart \uff26\uff55\uff4c\uff4c", ["start", "\uff26\uff55\uff4c\uff4c"], ["start", "Full"]),
    ],
)
def test_word_spans_map_back_to_original_words(original: str, words: list[str], expected: list[str]) -> None:
    _check_words(original, words, expected)


def test_every_character_maps_inside_its_source() -> None:
    original = "x\u200b\ufb01\r\ne\u0301\uff21\u0430b\u00ad\r"
    result = normalize(original)
    assert result.text == "xfi\néAab\n"
    sources = [original[slice(*result.offsets.span_to_original(i, i + 1))] for i in range(len(result.text))]
    assert sources == ["x", "\ufb01", "\ufb01", "\r\n", "e\u0301", "\uff21", "\u0430", "b", "\r"]


# --- OffsetMap -----------------------------------------------------------------------------


def test_offset_map_bytes_round_trip() -> None:
    original = "\ufeffHe said\r\n\u201cthe \ufb01rst e\u0301tude\u201d\u200b is p\u0430per.\r"
    offsets = normalize(original).offsets
    data = offsets.to_bytes()
    assert isinstance(data, bytes)
    restored = OffsetMap.from_bytes(data)
    assert restored == offsets
    n = offsets.normalized_length
    assert [restored.span_to_original(i, j) for i in range(n) for j in range(i, n + 1)] == [
        offsets.span_to_original(i, j) for i in range(n) for j in range(i, n + 1)
    ]


def test_offset_map_from_bad_bytes_rejected() -> None:
    with pytest.raises(ValueError):
        OffsetMap.from_bytes(b"nonsense")
    data = normalize("a\u200bb").offsets.to_bytes()
    with pytest.raises(ValueError):
        OffsetMap.from_bytes(data[:-1])


def test_identity_map() -> None:
    offsets = OffsetMap.identity(10)
    assert [offsets.to_original(i) for i in range(11)] == list(range(11))
    assert offsets.span_to_original(2, 7) == (2, 7)
    assert OffsetMap.from_bytes(offsets.to_bytes()) == offsets
    empty = OffsetMap.identity(0)
    assert empty.to_original(0) == 0
    assert empty.span_to_original(0, 0) == (0, 0)


def test_offset_map_is_compact() -> None:
    original = ("word " * 2000 + "\u200b") * 5
    offsets = normalize(original).offsets
    assert len(offsets.norm_pos) <= 6
    assert len(offsets.to_bytes()) < 200


# --- flags ---------------------------------------------------------------------------------


def test_describe_wording() -> None:
    flags = IntegrityFlags(invisible=12, homoglyphs=7, compatibility=3)
    lines = flags.describe()
    assert lines[0] == "12 invisible characters removed (zero-width spaces and similar)"
    assert lines[1] == "7 look-alike letters (Cyrillic or Greek) inside Latin words folded to Latin"
    assert lines[2].startswith("3 characters ")
    assert "ligatures" in lines[2]
    one = IntegrityFlags(invisible=1, homoglyphs=1).describe()
    assert one == [
        "1 invisible character removed (zero-width spaces and similar)",
        "1 look-alike letter (Cyrillic or Greek) inside Latin words folded to Latin",
    ]
    assert IntegrityFlags().describe() == []


def test_compatibility_alone_is_not_suspicious() -> None:
    assert not IntegrityFlags(compatibility=5).suspicious
    assert IntegrityFlags(invisible=1).suspicious
    assert IntegrityFlags(homoglyphs=1).suspicious


def test_flags_dict_round_trip_through_json() -> None:
    flags = normalize("p\u0430per\u200b \ufb01ne").flags
    data = json.loads(json.dumps(flags.to_dict()))
    assert IntegrityFlags.from_dict(data) == flags
    assert IntegrityFlags.from_dict({}) == IntegrityFlags()


def test_the_places_of_hidden_characters_are_found_again_in_the_normalised_text() -> None:
    # a zero-width space, a Cyrillic o, a ligature
    original = "Plain start. Hid\u200bden wоrd here, and \ufb01ne print."
    result = normalize(original)
    places = result.flags.places_in_normalized(result.offsets)
    text = result.text
    assert text[places["invisible"][0] :].startswith("den")  # where the removed character stood
    assert text[places["homoglyphs"][0] :].startswith("ord")  # the folded letter itself
    assert text[places["compatibility"][0] :].startswith("fine")
    back = [result.offsets.to_normalized(result.offsets.to_original(k)) for k in range(len(text))]
    assert back == sorted(back) and all(b <= k for k, b in enumerate(back))  # "fi" both go back to the "f"
    plain = normalize("nothing to fold here")
    assert [plain.offsets.to_normalized(k) for k in range(21)] == list(range(21))
