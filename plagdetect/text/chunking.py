"""Sentence splitting and chunking: the pieces of a document that get embedded.

``split_sentences`` finds sentence spans by rules (no NLTK/spaCy). A sentence ends after
". ! ? …" (possibly repeated, possibly followed by closing quotes or brackets) when whitespace
and then an uppercase letter, a digit or an opening quote/bracket follow, except after common
abbreviations ("e.g.", "Dr.", "Fig.", ...), single-letter initials ("J. Smith") and dotted
abbreviations ("U.S."). A blank line always ends a sentence; a single newline does not (PDF text
breaks lines inside sentences), except after a line that looks like a heading: it starts the
paragraph or follows a sentence end, is short (at most 60 characters and 8 words), starts with an uppercase letter or a
digit, ends with a letter or digit, and the next line starts like a sentence.

``sentence_units`` are the sentences with very long ones cut into pieces: the units that get embedded
(each once) and aligned. ``chunk_units`` groups them into overlapping windows (``Window``), the pieces the
vector index holds; ``chunk_text`` does both. Offsets are offsets in the text given, normally the
normalised text of ``plagdetect.text.normalize``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from plagdetect.text.spans import strip_span

logger = logging.getLogger(__name__)

_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'“‘«(["
# End punctuation with its closing quotes/brackets (group 1), then whitespace.
_TERMINATOR_RE = re.compile(f"([.!?…]+[{re.escape(_CLOSERS)}]*)\\s+")
_PARAGRAPH_BREAK_RE = re.compile(r"\n[^\S\n]*\n")  # a blank line (it may hold spaces)
_DOTTED_RE = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")  # "e.g", "U.S", "Ph.D" (before the final dot)

# Lower-case, without the final dot.
ABBREVIATIONS = frozenset(
    """
    e.g i.e etc al dr mr mrs ms prof fig figs eq eqs vs cf no nos pp vol vols ch chap sec
    approx ca resp ref refs viz st jr sr inc ltd co dept univ
    """.split()
)

HEADING_MAX_CHARS = 60
HEADING_MAX_WORDS = 8


@dataclass(frozen=True)
class Window:
    """A window of consecutive sentences (a ``store.Chunk`` row once embedded and stored).

    ``start``/``end``: character offsets ``[start, end)`` in the text that was chunked.
    ``text``: ``text[start:end]`` with runs of whitespace (newlines included) collapsed to one space.
    ``units``: the window's sentence units, as the range ``[first, stop)`` of indices into the
    ``sentence_units`` of the text.
    """

    start: int
    end: int
    text: str
    units: tuple[int, int]


def _starts_sentence(char: str) -> bool:
    return char.isupper() or char.isdigit() or char in _OPENERS


def _skip_space(text: str, position: int, end: int) -> int:
    while position < end and text[position].isspace():
        position += 1
    return position


def _is_abbreviation(text: str, paragraph_start: int, dot: int) -> bool:
    """Whether the word before the period at ``dot`` is an abbreviation or an initial."""
    begin = dot
    while begin > paragraph_start and not text[begin - 1].isspace():
        begin -= 1
    word = text[begin:dot].lstrip(_OPENERS)
    if not word:
        return False
    if len(word) == 1:
        return word.isalpha()  # an initial: "J. Smith"
    return word.lower() in ABBREVIATIONS or _DOTTED_RE.fullmatch(word) is not None


def _looks_like_heading(line: str) -> bool:
    return (
        0 < len(line) <= HEADING_MAX_CHARS
        and len(line.split()) <= HEADING_MAX_WORDS
        and (line[0].isupper() or line[0].isdigit())
        and line[-1].isalnum()
    )


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans = []
    position = 0
    for match in _PARAGRAPH_BREAK_RE.finditer(text):
        spans.append((position, match.start()))
        position = match.end()
    spans.append((position, len(text)))
    return spans


def _sentence_ends(text: str, start: int, end: int) -> list[int]:
    """Offsets inside the paragraph ``[start, end)`` where a sentence ends (before the whitespace)."""
    cuts = []
    for match in _TERMINATOR_RE.finditer(text, start, end):
        following = match.end()
        if following >= end or not _starts_sentence(text[following]):
            continue
        if match.group(1) == "." and _is_abbreviation(text, start, match.start()):
            continue
        cuts.append(match.end(1))

    # Heading lines: a line that starts the paragraph or follows a sentence end, and looks like a
    # heading, ends a sentence. Lines after a heading do not qualify (that would chain up a
    # wrapped sentence line by line).
    sentence_starts = {_skip_space(text, position, end) for position in [start, *cuts]}
    line_start = start
    newline = text.find("\n", start, end)
    while newline != -1:
        line_begin, line_end = strip_span(text, (line_start, newline))
        next_begin = _skip_space(text, newline, end)
        if (
            line_begin in sentence_starts
            and next_begin < end
            and _starts_sentence(text[next_begin])
            and _looks_like_heading(text[line_begin:line_end])
        ):
            cuts.append(line_end)
        line_start = newline + 1
        newline = text.find("\n", line_start, end)
    return sorted(set(cuts))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of ``text``, without leading/trailing whitespace.

    Every non-whitespace character belongs to exactly one span; spans are in text order.
    """
    spans = []
    for paragraph_start, paragraph_end in _paragraphs(text):
        bounds = [paragraph_start, *_sentence_ends(text, paragraph_start, paragraph_end), paragraph_end]
        for a, b in zip(bounds, bounds[1:]):
            start, end = strip_span(text, (a, b))
            if start < end:
                spans.append((start, end))
    return spans


def _cut_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut the span into pieces of at most ``max_chars`` characters, at whitespace where possible."""
    pieces = []
    while end - start > max_chars:
        cut = start + max_chars
        while cut > start and not text[cut].isspace():
            cut -= 1
        if cut == start:  # no whitespace: hard cut
            cut = start + max_chars
        piece = strip_span(text, (start, cut))
        if piece[0] < piece[1]:
            pieces.append(piece)
        start = _skip_space(text, cut, end)
    if start < end:
        pieces.append((start, end))
    return pieces


def sentence_units(text: str, max_chars: int = 1200) -> list[tuple[int, int]]:
    """The sentences of ``text`` (``split_sentences``), those longer than ``max_chars`` cut into pieces.

    A piece is cut at whitespace where possible. The encoder reads a limited number of tokens, so a very
    long "sentence" (a table, a list without full stops) would otherwise be judged by its beginning only.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    units = []
    for start, end in split_sentences(text):
        units.extend(_cut_long(text, start, end, max_chars))
    return units


def chunk_text(text: str, sentences: int = 3, stride: int = 2, max_chars: int = 1200) -> list[Window]:
    """The windows of ``text``: ``chunk_units`` over its ``sentence_units``."""
    return chunk_units(text, sentence_units(text, max_chars), sentences, stride, max_chars)


def chunk_units(
    text: str, units: list[tuple[int, int]], sentences: int = 3, stride: int = 2, max_chars: int = 1200
) -> list[Window]:
    """Overlapping windows of ``sentences`` consecutive units of ``text``, advancing ``stride`` at a time.

    ``units`` are the text's ``sentence_units`` (cut with the same ``max_chars``). Windows never cross a
    paragraph break: a paragraph is the unit a writer copies or rewrites, and a window that mixes two
    paragraphs blurs where a copied passage begins and ends.

    A window stops early when the next unit would make it longer than ``max_chars`` (it always holds at
    least one); the next window then starts early enough that no unit is skipped. The last window ends at
    the last unit and is widened backwards to ``sentences`` units where ``max_chars`` allows, so there is no
    small trailing window (all of this within each paragraph).
    """
    if sentences < 1:
        raise ValueError("sentences must be at least 1")
    if stride < 1:
        raise ValueError("stride must be at least 1")
    if stride > sentences:
        raise ValueError("stride may not exceed sentences: sentences would be skipped")
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")

    paragraphs: list[list[int]] = []  # unit indices of each paragraph (units never cross one)
    paragraph_end = -1
    for index, (start, _end) in enumerate(units):
        if start >= paragraph_end:
            paragraph_end = _paragraph_end(text, start)
            paragraphs.append([])
        paragraphs[-1].append(index)
    chunks = []
    for indices in paragraphs:
        offset = indices[0]
        for first, stop in _windows([units[i] for i in indices], sentences, stride, max_chars):
            start, end = units[offset + first][0], units[offset + stop - 1][1]
            chunks.append(Window(start, end, " ".join(text[start:end].split()), (offset + first, offset + stop)))
    logger.debug("chunk_units: %d chunks", len(chunks))
    return chunks


def _paragraph_end(text: str, position: int) -> int:
    match = _PARAGRAPH_BREAK_RE.search(text, position)
    return match.start() if match else len(text)


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Paragraphs (text between blank lines), without surrounding whitespace; empty ones left out."""
    spans = []
    for start, end in _paragraphs(text):
        start, end = strip_span(text, (start, end))
        if start < end:
            spans.append((start, end))
    return spans


def _windows(units: list[tuple[int, int]], sentences: int, stride: int, max_chars: int) -> list[tuple[int, int]]:
    """Index ranges [first, stop) of ``units`` (sentence pieces) that make the windows of one paragraph."""
    if not units:
        return []

    def fits(first: int, last: int) -> bool:
        return units[last][1] - units[first][0] <= max_chars

    windows: list[tuple[int, int]] = []  # unit index ranges [first, stop)
    first = 0
    while True:
        stop = first + 1
        while stop < min(first + sentences, len(units)) and fits(first, stop):
            stop += 1
        windows.append((first, stop))
        if stop == len(units):
            break
        first += min(stride, stop - first)

    if len(windows) > 1:  # widen the last window backwards, staying after the one before it
        first, stop = windows[-1]
        previous_first = windows[-2][0]
        while stop - first < sentences and first - 1 > previous_first and fits(first - 1, stop - 1):
            first -= 1
        windows[-1] = (first, stop)
    return windows
