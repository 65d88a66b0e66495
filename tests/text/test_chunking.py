from __future__ import annotations

import random

import pytest

from plagdetect.text.chunking import Window, chunk_text, chunk_units, paragraph_spans, sentence_units, split_sentences


def sentences_of(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def collapse(text: str) -> str:
    return " ".join(text.split())


def assert_partition(text: str) -> None:
    """Every non-whitespace character lies in exactly one span; spans are trimmed and in order."""
    spans = split_sentences(text)
    owner = [0] * len(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end
        assert not text[start].isspace() and not text[end - 1].isspace()
        for i in range(start, end):
            owner[i] += 1
        previous_end = end
    for i, char in enumerate(text):
        assert owner[i] <= 1
        assert char.isspace() or owner[i] == 1


# --- sentence splitting --------------------------------------------------------------------


def test_simple_sentences() -> None:
    assert sentences_of("First one. Second one! Third one? Fourth.") == [
        "First one.",
        "Second one!",
        "Third one?",
        "Fourth.",
    ]


@pytest.mark.parametrize(
    "abbreviation",
    ["e.g.", "i.e.", "etc.", "et al.", "Dr.", "Mr.", "Mrs.", "Ms.", "Prof.", "Fig.", "Eq.", "vs.", "cf.", "No.",
     "pp.", "Vol.", "Ch.", "Sec.", "approx.", "U.S."],
)  # fmt: skip
def test_no_boundary_after_abbreviations(abbreviation: str) -> None:
    text = f"As shown by {abbreviation} Smith 12 the effect holds. Another sentence follows."
    assert sentences_of(text) == [
        f"As shown by {abbreviation} Smith 12 the effect holds.",
        "Another sentence follows.",
    ]


def test_no_boundary_after_initials() -> None:
    assert sentences_of("The book by J. R. R. Tolkien is long. We read it.") == [
        "The book by J. R. R. Tolkien is long.",
        "We read it.",
    ]


def test_no_boundary_inside_decimals() -> None:
    assert sentences_of("Pi is 3.14 and e is 2.72 roughly. The end is 5. Next.") == [
        "Pi is 3.14 and e is 2.72 roughly.",
        "The end is 5.",
        "Next.",
    ]


def test_quotes_and_brackets() -> None:
    text = 'He said "Stop." Then he left. (This was odd.) She asked: "Why?" "Because." He shrugged.'
    assert sentences_of(text) == [
        'He said "Stop."',
        "Then he left.",
        "(This was odd.)",
        'She asked: "Why?"',
        '"Because."',
        "He shrugged.",
    ]


def test_repeated_punctuation_and_ellipsis() -> None:
    assert sentences_of("Wait... What?! Really… Yes.") == ["Wait...", "What?!", "Really…", "Yes."]


def test_lowercase_after_period_is_no_boundary() -> None:
    assert sentences_of("The ratio rose to 5. and then it fell.") == ["The ratio rose to 5. and then it fell."]


def test_paragraph_break_is_a_boundary() -> None:
    text = "a heading without a period\n\nthe paragraph starts in lowercase\n  \nand one more"
    assert sentences_of(text) == [
        "a heading without a period",
        "the paragraph starts in lowercase",
        "and one more",
    ]


def test_single_newline_inside_sentence_is_no_boundary() -> None:
    text = "This sentence was broken by the PDF\nextractor across lines. The next one\nAlso continues here."
    assert sentences_of(text) == [
        "This sentence was broken by the PDF\nextractor across lines.",
        "The next one\nAlso continues here.",
    ]


def test_heading_line_ends_a_sentence() -> None:
    text = "1 Introduction\nPlagiarism is common. It hurts.\n2.1 Related Work\nOthers tried."
    assert sentences_of(text) == [
        "1 Introduction",
        "Plagiarism is common.",
        "It hurts.",
        "2.1 Related Work",
        "Others tried.",
    ]


def test_whitespace_and_empty_text() -> None:
    assert split_sentences("") == []
    assert split_sentences("  \n\n\t ") == []
    assert split_sentences("  Hello there  ") == [(2, 13)]


def test_every_non_whitespace_character_in_exactly_one_sentence() -> None:
    rng = random.Random(7)
    tokens = ["word", "Word", "e.g.", "Dr.", "3.14", "end.", "stop!", "why?", '"Quote."', "(a)", "J.", "…"]
    tokens += ["\n", "\n\n", "1 Heading\n", "x", "Y.", "U.S.", ".", "!!"]
    for _ in range(200):
        text = "".join(rng.choice(tokens) + rng.choice([" ", "  ", "\n", ""]) for _ in range(rng.randint(0, 60)))
        assert_partition(text)


# --- chunking ------------------------------------------------------------------------------


def numbered(n: int) -> str:
    return " ".join(f"Sentence number {i} is here." for i in range(n))


def window_indices(text: str, chunks: list[Window]) -> list[list[int]]:
    spans = split_sentences(text)
    return [[k for k, (s, e) in enumerate(spans) if c.start <= s and e <= c.end] for c in chunks]


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, [[0]]),
        (2, [[0, 1]]),
        (3, [[0, 1, 2]]),
        (4, [[0, 1, 2], [1, 2, 3]]),
        (5, [[0, 1, 2], [2, 3, 4]]),
        (6, [[0, 1, 2], [2, 3, 4], [3, 4, 5]]),
        (7, [[0, 1, 2], [2, 3, 4], [4, 5, 6]]),
    ],
)
def test_default_windows(n: int, expected: list[list[int]]) -> None:
    text = numbered(n)
    assert window_indices(text, chunk_text(text)) == expected


@pytest.mark.parametrize(("sentences", "stride"), [(1, 1), (2, 1), (2, 2), (3, 1), (3, 2), (3, 3), (5, 2), (4, 4)])
@pytest.mark.parametrize("n", range(1, 12))
def test_windows_cover_every_sentence_and_end_at_the_last(n: int, sentences: int, stride: int) -> None:
    text = numbered(n)
    spans = split_sentences(text)
    chunks = chunk_text(text, sentences=sentences, stride=stride)
    windows = window_indices(text, chunks)
    assert sorted({k for window in windows for k in window}) == list(range(n))
    for chunk, window in zip(chunks, windows):
        assert collapse(text[chunk.start : chunk.end]) == chunk.text
        assert (chunk.start, chunk.end) == (spans[window[0]][0], spans[window[-1]][1])
        assert 1 <= len(window) <= sentences
        assert window == list(range(window[0], window[-1] + 1))
    assert windows[0][0] == 0
    assert windows[-1][-1] == n - 1
    firsts = [window[0] for window in windows]
    assert firsts == sorted(set(firsts))  # no repeated or backward windows
    assert all(b - a == stride for a, b in zip(firsts, firsts[1:-1]))
    if n >= sentences:
        assert len(windows[-1]) == sentences


def test_chunk_text_collapses_whitespace() -> None:
    text = "  A line\nbroken   here. Next\tone.\n\nNew paragraph. "
    chunks = chunk_text(text)
    assert chunks == [
        Window(2, 33, "A line broken here. Next one.", (0, 2)),
        Window(35, len(text) - 1, "New paragraph.", (2, 3)),
    ]


def test_windows_never_cross_a_paragraph_break() -> None:
    text = "One. Two. Three.\n\nFour. Five.\n \nSix."
    chunks = chunk_text(text, sentences=3, stride=2)
    assert [c.text for c in chunks] == ["One. Two. Three.", "Four. Five.", "Six."]
    assert paragraph_spans(text) == [(0, 16), (18, 29), (32, 36)]


@pytest.mark.parametrize(("padding", "per_window"), [(10, 2), (20, 1)])
def test_window_shortened_at_max_chars_without_skipping(padding: int, per_window: int) -> None:
    text = " ".join(f"Sentence {i} " + "padding " * padding + "ends." for i in range(8))
    chunks = chunk_text(text, sentences=3, stride=2, max_chars=250)
    windows = window_indices(text, chunks)
    assert all(len(window) == per_window for window in windows)
    assert all(c.end - c.start <= 250 for c in chunks)
    assert sorted({k for window in windows for k in window}) == list(range(8))


def test_long_sentence_split_at_whitespace() -> None:
    words = [f"w{i:03d}" for i in range(1000)]
    text = " ".join(words) + "."
    chunks = chunk_text(text, sentences=1, stride=1, max_chars=200)
    assert len(chunks) > 1
    assert all(c.end - c.start <= 200 for c in chunks)
    assert " ".join(c.text for c in chunks) == text  # cut between words, nothing lost
    assert all(collapse(text[c.start : c.end]) == c.text for c in chunks)


def test_long_sentence_without_whitespace_hard_cut() -> None:
    text = "x" * 1000
    chunks = chunk_text(text, sentences=1, stride=1, max_chars=300)
    assert [(c.start, c.end) for c in chunks] == [(0, 300), (300, 600), (600, 900), (900, 1000)]


def test_long_sentence_pieces_join_windows() -> None:
    text = "Short one. " + " ".join(["word"] * 500) + ". Short two."
    chunks = chunk_text(text, max_chars=1200)
    assert all(c.end - c.start <= 1200 for c in chunks)
    covered = "".join(text[c.start : c.end] for c in chunks)
    assert "Short one." in covered and "Short two." in covered


@pytest.mark.parametrize(("sentences", "stride"), [(0, 1), (1, 0), (2, 3), (-1, -1)])
def test_invalid_parameters_rejected(sentences: int, stride: int) -> None:
    with pytest.raises(ValueError):
        chunk_text("Some text.", sentences=sentences, stride=stride)


def test_empty_text_gives_no_chunks() -> None:
    assert chunk_text("") == []
    assert chunk_text(" \n\n \t") == []


def test_each_window_names_the_sentence_units_it_is_made_of() -> None:
    text = "Short one. Long" + " word" * 450 + ". Short two. Three.\n\nNew paragraph here. And more."
    units = sentence_units(text, max_chars=1200)
    long_sentence = split_sentences(text)[1]
    assert len(units) == len(split_sentences(text)) + 1  # the 2,260-character sentence became two pieces
    assert units[1][0] == long_sentence[0] and units[2][1] == long_sentence[1]
    assert all(b - a <= 1200 for a, b in units)
    chunks = chunk_text(text, sentences=3, stride=2, max_chars=1200)
    assert chunks == chunk_units(text, units, sentences=3, stride=2, max_chars=1200)
    for chunk in chunks:
        first, stop = chunk.units
        assert (chunk.start, chunk.end) == (units[first][0], units[stop - 1][1])
    assert sorted({k for c in chunks for k in range(*c.units)}) == list(range(len(units)))
