"""Exclusions: the parts of a submission where a match does not count as plagiarism.

Instructors can exclude quoted passages, the bibliography and matches shorter than N words. This
module finds the spans of quoted passages (``quoted_spans``) and of the references section
(``bibliography_span``) in the normalised text (see ``plagdetect.text.normalize``); the detection code
drops or trims matches with the span arithmetic of ``plagdetect.text.spans``. A span is a pair of
character offsets ``[start, end)``.

A false exclusion hides plagiarism, a missed one only leaves a match for the instructor to dismiss,
so the rules below lean towards not excluding. Decisions worth knowing:

* Quotes are found per paragraph (a blank line ends one); a quote still open at the paragraph end is
  not excluded and does not affect what follows. Quotation marks are paired with a stack, so nested
  quotes give one outer span; a closing double mark also closes the inner quotes still open inside
  it, a closing single mark only closes the innermost quote.
* Which character opens or closes depends on its neighbours: an opening mark follows the paragraph
  start, whitespace, a bracket, a dash, a slash or another quotation mark and is followed by a
  non-space (French ``«`` may be followed by a space); a straight or curved closing mark follows a
  non-space and is not followed by a letter or digit. Single opening marks (``'`` and ``‘``) must be
  followed by a letter (so "’90s" / "‘90s" never open), and a single closing mark after "s", "x" or
  "z" that is followed by a space and a word ("the students’ essays") is read as a possessive
  apostrophe, never as a closing mark. An opening mark of a kind already open drops the earlier one.
* Straight single quotes ``'…'`` are treated like curved ones ``‘…’``, with the same rules.
* Guillemets pair both ways: ``«…»`` (French) and ``»…«`` (German), likewise ``‹…›`` and ``›…‹``.
  German ``„…“`` / ``„…”`` and ``‚…‘`` / ``‚…’`` are supported.
* A Markdown block quote is a run of consecutive lines starting with ``>`` (after at most three
  spaces). A line whose ``>`` is followed by a number ("> 0.05", ">= 18") is not a block quote line:
  in PDF text such lines come from wrapped comparisons.
* Quotes and block quotes with fewer than ``min_words`` words (counted without the marks) are not
  excluded.
* The bibliography heading must be alone on its line (Markdown ``#``, ``**bold**``, numbering like
  "7." / "VII." / "A." and a trailing colon are allowed). Besides the names in the brief, "Reference",
  "References Cited", "Sources Cited", "Literatur", "Quellenverzeichnis" and "Referências" count. From the
  last such heading backwards, the first that passes is taken: one whose following lines are mostly
  (at least half) reference-like, or one in the second half of the text whose following lines are at
  least a quarter reference-like. A line is reference-like when it is at most 500 characters long and
  holds a year, "(n.d.)", "et al.", a DOI, a URL, "pp."/"vol."/"no.", volume(issue), a page range,
  "In:", "Press", "Journal", "Proceedings", "ISBN", "Retrieved", or starts "[12]" or "Smith, J.". So a
  heading followed by prose is never taken, not even near the end.
* The bibliography span runs from the start of the heading line to the end of the text, or to the
  start of the first appendix heading line after it ("Appendix", "Appendix B: Survey", "APPENDIX 2",
  "Appendices", "Anhang", "Annexe 1 – ...", "Anexo", "Apéndice"; at most 80 characters). Other
  headings (Acknowledgements, Notes) do not end it.
"""

from __future__ import annotations

import bisect
import logging
import re

from plagdetect.text.chunking import paragraph_spans
from plagdetect.text.spans import Span, merge_spans, word_count

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# Quotes
# --------------------------------------------------------------------------------------------

_QUOTE_MARKS = "\"'“”„«»‘’‚‹›"
_QUOTE_MARK_RE = re.compile(f"[{re.escape(_QUOTE_MARKS)}]")

# The opening mark of each kind of quote -> the marks that close it.
_CLOSERS: dict[str, str] = {
    '"': '"',
    "“": "”",
    "„": "“”",
    "«": "»",
    "»": "«",
    "‹": "›",
    "›": "‹",
    "'": "'",
    "‘": "’",
    "‚": "‘’",
}
# Kinds whose closing mark only closes the innermost open quote (the marks double as apostrophes).
_SINGLE_KINDS = frozenset("'‘‚‹›")
# Closing marks that are closers wherever they stand (no other use in running text).
_FREE_CLOSERS = frozenset("”«»‹›")
# Opening marks that must be followed by a letter (the characters are also apostrophes).
_OPEN_BEFORE_LETTER = frozenset("'‘")
# Opening marks that may be followed by a space (French « text »).
_OPEN_BEFORE_SPACE = frozenset("«‹")
# Characters after which an opening mark may stand (besides whitespace and the paragraph start).
_BEFORE_OPENER = frozenset("([{<-–—/") | frozenset(_QUOTE_MARKS)
# Characters after which a possessive apostrophe stands ("the students’ essays", "Marx’ theory").
_POSSESSIVE_AFTER = frozenset("sSxXzZ")

_BLOCK_QUOTE_LINE_RE = re.compile(r"^ {0,3}>(?![> \t]*[=< \t\d.,+\-–]*\d)[^\n]*", re.MULTILINE)


def _can_open(text: str, position: int, start: int, end: int) -> bool:
    """Whether the quotation mark at ``position`` (inside the paragraph ``[start, end)``) can open a quote."""
    mark = text[position]
    before = text[position - 1] if position > start else ""
    after = text[position + 1] if position + 1 < end else ""
    if before and not (before.isspace() or before in _BEFORE_OPENER):
        return False
    if not after:
        return False
    if mark in _OPEN_BEFORE_LETTER:
        return after.isalpha()
    return mark in _OPEN_BEFORE_SPACE or not after.isspace()


def _can_close(text: str, position: int, start: int, end: int) -> bool:
    """Whether the quotation mark at ``position`` (inside the paragraph ``[start, end)``) can close a quote."""
    mark = text[position]
    if mark in _FREE_CLOSERS:
        return True
    before = text[position - 1] if position > start else ""
    after = text[position + 1] if position + 1 < end else ""
    if not before or before.isspace() or before in "([{":
        return False
    if mark == "“":  # closes „…“; not followed by a letter either way
        return not after.isalnum()
    if after.isalnum():  # "don't", "it’s"
        return False
    if mark in "'’" and before in _POSSESSIVE_AFTER and after.isspace():
        following = position + 1
        while following < end and text[following].isspace():
            following += 1
        if following < end and text[following].isalnum():
            return False  # "the students’ essays": a possessive apostrophe
    return True


def _closed_depth(stack: list[tuple[str, int]], mark: str) -> int | None:
    """The stack index of the open quote that ``mark`` closes, or None."""
    for depth in range(len(stack) - 1, -1, -1):
        kind = stack[depth][0]
        if mark in _CLOSERS[kind]:
            if kind in _SINGLE_KINDS and depth != len(stack) - 1:
                return None
            return depth
    return None


def _paragraph_quotes(text: str, start: int, end: int) -> list[Span]:
    """Closed quotes in the paragraph ``[start, end)``, each from its opening to its closing mark (inclusive)."""
    stack: list[tuple[str, int]] = []  # (kind = opening mark, its offset)
    quotes: list[Span] = []
    for match in _QUOTE_MARK_RE.finditer(text, start, end):
        position = match.start()
        mark = text[position]
        depth = _closed_depth(stack, mark)
        if depth is not None and _can_close(text, position, start, end):
            quotes.append((stack[depth][1], position + 1))
            del stack[depth:]  # quotes opened inside and never closed are dropped
            continue
        if mark in _CLOSERS and _can_open(text, position, start, end):
            for index, (kind, _) in enumerate(stack):
                if kind == mark:  # same kind opened again: the earlier one was no quote
                    del stack[index:]
                    break
            stack.append((mark, position))
    return quotes


def _block_quotes(text: str) -> list[Span]:
    """Markdown block quotes: runs of consecutive "> " lines, from the first ">" to the last line's last non-space."""
    blocks: list[Span] = []
    block_start = block_end = -1
    for match in _BLOCK_QUOTE_LINE_RE.finditer(text):
        line_start = match.start()
        if block_end >= 0 and line_start == block_end + 1:  # the next line
            block_end = match.end()
            continue
        if block_end >= 0:
            blocks.append((block_start, block_end))
        block_start = text.index(">", line_start)
        block_end = match.end()
    if block_end >= 0:
        blocks.append((block_start, block_end))
    trimmed = []
    for start, end in blocks:
        while end > start and text[end - 1].isspace():
            end -= 1
        trimmed.append((start, end))
    return trimmed


def quoted_spans(text: str, min_words: int = 3) -> list[Span]:
    """Spans of quoted passages with at least ``min_words`` words, merged and sorted.

    A quote's span runs from its opening to its closing quotation mark, both included; a block
    quote's from its first ">" to the end of its last line. See the module docstring for the rules.
    """
    candidates: list[Span] = []
    for start, end in paragraph_spans(text):
        for quote_start, quote_end in _paragraph_quotes(text, start, end):
            if word_count(text, (quote_start + 1, quote_end - 1)) >= min_words:
                candidates.append((quote_start, quote_end))
    for start, end in _block_quotes(text):
        if word_count(text, (start, end)) >= min_words:
            candidates.append((start, end))
    return merge_spans(candidates)


# --------------------------------------------------------------------------------------------
# Bibliography
# --------------------------------------------------------------------------------------------

REFERENCE_LINES_ANYWHERE = 0.5
"""Share of reference-like lines after a heading that makes it a bibliography wherever it is."""
REFERENCE_LINES_SECOND_HALF = 0.25
"""Share of reference-like lines that suffices for a heading in the second half of the text."""
BODY_LINES_CHECKED = 40
"""How many non-empty lines after a heading are looked at to decide whether they are references."""
MAX_REFERENCE_LINE_CHARS = 500
"""A longer line is prose (a paragraph extracted as one line), not a reference entry."""
MAX_APPENDIX_HEADING_CHARS = 80

_NUMBERING = r"(?:(?:\d{1,2}(?:\.\d{1,2})*|[IVXLC]{1,6}|[A-Z])[.):]?\s+)?"  # "7. ", "7.1 ", "VII. ", "A) "
_BIBLIOGRAPHY_NAMES = (
    r"references?|reference\s+list|references\s+cited|bibliography|bibliographie|bibliograf[ií]a"
    r"|works\s+cited|literature\s+cited|sources|sources\s+cited|literaturverzeichnis|literatur"
    r"|quellenverzeichnis|r[ée]f[ée]rences(?:\s+bibliographiques)?|referencias(?:\s+bibliogr[aá]ficas)?"
    r"|refer[êe]ncias"
)
_BIBLIOGRAPHY_HEADING_RE = re.compile(rf"{_NUMBERING}(?i:{_BIBLIOGRAPHY_NAMES})\s*[:.]?")

_APPENDIX_WORD = r"(?i:appendix|appendices|anhang|annexe|annex|anexo|ap[ée]ndice)"
_APPENDIX_LABEL = r"(?:[A-Z]|\d{1,2}|[IVX]{1,4})(?:\.\d{1,2})?"  # "A", "2", "IV", "A.1"
_APPENDIX_HEADING_RE = re.compile(
    rf"{_NUMBERING}{_APPENDIX_WORD}(?:\s+{_APPENDIX_LABEL})?\s*[:.]?"  # "Appendix", "Appendix B:"
    rf"|{_NUMBERING}{_APPENDIX_WORD}(?:\s+{_APPENDIX_LABEL})?\s*[:.\-–—]\s*\S.*"  # "Appendix B: Survey"
    rf"|{_NUMBERING}{_APPENDIX_WORD}\s+{_APPENDIX_LABEL}\s+\S.*"  # "Appendix B Survey"
)

_REFERENCE_CUE_RE = re.compile(
    r"\b(?:1[5-9]|20)\d\d[a-z]?\b"  # a year: 2019, (2019), 2019a
    r"|\(n\.\s?d\.\)"
    r"|(?i:\bet\s+al\b|\bdoi\b|\bpp?\.\s*\d|\bvol\.|\bno\.\s*\d|\bisbn\b|\bretrieved\b|\bproceedings\b|\bjournal\b)"
    r"|\b10\.\d{4,9}/"  # a DOI without "doi"
    r"|https?://|\bwww\."
    r"|\b\d+\(\d+\)"  # volume(issue)
    r"|\b\d+\s?[-–]\s?\d+\b"  # pages
    r"|\bIn:|\bPress\b"
    r"|^\s*\[\d+\]"  # "[12] ..."
    r"|^\s*[^\W\d_][\w'’-]*,\s+[^\W\d_]\.",  # "Smith, J."
    re.MULTILINE,  # searched line by line in the whole text: "^" is a line start
)


def _lines(text: str) -> list[Span]:
    """Every line of ``text`` as a span without its newline."""
    spans = []
    position = 0
    for line in text.split("\n"):
        spans.append((position, position + len(line)))
        position += len(line) + 1
    return spans


def _heading_text(text: str, line: Span) -> str:
    """The line without surrounding whitespace and Markdown decoration ("## ", "**", "__")."""
    return text[line[0] : line[1]].strip().strip("#*_").strip()


def _reference_share(text: str, lines: list[Span], first: int, stop: int, cache: dict[int, bool]) -> float:
    """Share of the first ``BODY_LINES_CHECKED`` non-empty lines among ``lines[first:stop]`` that look like
    reference entries (0.0 when there are none). ``cache`` holds the verdicts by line index."""
    checked = cues = 0
    for index in range(first, stop):
        start, end = lines[index]
        if text[start:end].isspace() or start == end:
            continue
        if index not in cache:
            cache[index] = (
                end - start <= MAX_REFERENCE_LINE_CHARS and _REFERENCE_CUE_RE.search(text, start, end) is not None
            )
        checked += 1
        cues += cache[index]
        if checked == BODY_LINES_CHECKED:
            break
    return cues / checked if checked else 0.0


def bibliography_span(text: str) -> Span | None:
    """The references section, from the start of its heading line to the end of the text or to the
    start of the next appendix heading line; None when there is none. See the module docstring."""
    lines = _lines(text)
    headings = []
    appendices = []
    for i, line in enumerate(lines):
        candidate = _heading_text(text, line)
        if _BIBLIOGRAPHY_HEADING_RE.fullmatch(candidate):
            headings.append(i)
        elif len(candidate) <= MAX_APPENDIX_HEADING_CHARS and _APPENDIX_HEADING_RE.fullmatch(candidate):
            appendices.append(i)
    verdicts: dict[int, bool] = {}
    for heading in reversed(headings):
        following = bisect.bisect_right(appendices, heading)
        stop = appendices[following] if following < len(appendices) else len(lines)
        start = lines[heading][0]
        end = lines[stop][0] if stop < len(lines) else len(text)
        share = _reference_share(text, lines, heading + 1, stop, verdicts)
        second_half = start >= len(text) / 2
        if share >= REFERENCE_LINES_ANYWHERE or (second_half and share >= REFERENCE_LINES_SECOND_HALF):
            logger.debug("bibliography at %d-%d (reference-like lines %.0f%%)", start, end, 100 * share)
            return (start, end)
        logger.debug(
            "heading %r at %d is no bibliography (reference-like lines %.0f%%)",
            text[start : lines[heading][1]],
            start,
            100 * share,
        )
    return None


def excluded_spans(text: str, quotes: bool, bibliography: bool) -> dict[str, list[Span]]:
    """The spans of ``text`` a check leaves out, by reason: quotations and the bibliography, when asked for."""
    excluded: dict[str, list[Span]] = {}
    if quotes:
        excluded["quotes"] = quoted_spans(text)
    if bibliography:
        found = bibliography_span(text)
        excluded["bibliography"] = [found] if found else []
    return excluded
