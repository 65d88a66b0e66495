"""Match groups, as instructors know them from the commercial checkers: does a match give its source credit?

Each match is put in one of four groups by two questions about the submission's own text:

- **quoted**: at least half of the match lies inside quotation marks (``exclusions.quoted_spans``: straight and
  curved, German, French and Swiss marks, block quotes);
- **cited**: an in-text citation stands inside the match or near it, in the same paragraph, at most
  ``NEAR_CHARS`` characters before its start or after its end. Citations found: APA and Harvard ("(Smith, 2020)",
  "(Smith & Lee, 2020, p. 4)", "Smith et al. (2020)", "(n.d.)"), MLA ("(Smith 45)", "(Smith and Lee 12-14)"),
  numeric ("[12]", "[3, 5-7]"), and footnote markers ("... decades.12 " after NFKC folded a superscript, "^12").

| quoted | cited | group |
| --- | --- | --- |
| yes | yes | cited and quoted |
| yes | no | missing citation |
| no | yes | missing quotation marks (copied word for word), or cited and quoted (a paraphrase: it needs no marks) |
| no | no | not cited or quoted |

The rules lean towards the groups that ask for a look: a citation must match one of the patterns, and a quote must
cover half the passage. A match of several paragraphs (segments) takes the group of its paragraphs that is the most
serious (``SEVERITY``). The groups are computed when a check runs and stored with each match.
"""

from __future__ import annotations

import re
from dataclasses import replace

from plagdetect.detection.exclusions import quoted_spans
from plagdetect.detection.report import (
    CITED_AND_QUOTED,
    MISSING_CITATION,
    MISSING_QUOTATION_MARKS,
    NOT_CITED_OR_QUOTED,
    MatchResult,
)
from plagdetect.text.chunking import paragraph_spans
from plagdetect.text.spans import Span, covered_length

SEVERITY = (NOT_CITED_OR_QUOTED, MISSING_QUOTATION_MARKS, MISSING_CITATION, CITED_AND_QUOTED)  # most serious first
NEAR_CHARS = 150  # how far from a match a citation still counts as its own
QUOTED_SHARE = 0.5  # of a match's characters inside quotation marks, for it to count as quoted

_UPPER = "A-ZÀ-ÖØ-ÞĀ-ſ"  # a capital of Latin script, accented ones too ("Ünal", "Łukasz"; the range holds some lower)
_NOT_A_NAME = (  # capitalised words that stand before a number without being an author ("(Figure 3)", "May (1945)")
    r"(?!(?:Fig(?:ure)?s?|Tables?|Chapters?|Sections?|Appendix|Appendices|Pages?|Parts?|Vol(?:ume)?s?|Eq(?:uation)?s?"
    r"|Steps?|Items?|Notes?|Questions?|Exercises?|Years?|Weeks?|Days?|Lines?|Units?|Articles?|Version"
    r"|January|February|March|April|May|June|July|August|September|October|November|December)\b)"
)
_PARTICLES = r"(?:(?:van|von|de|der|den|du|da|di|del|la|le|al)\s+)*"  # "van der Berg", "de Souza"
_NAME = rf"(?:{_PARTICLES}{_NOT_A_NAME}[{_UPPER}][\w'’\-]+|[{_UPPER}]\.)"  # "Smith", "O'Neil", "Müller-Lüdenscheidt"
_AUTHORS = rf"{_NAME}(?:(?:,\s*|\s+(?:and|&|und|et)\s+){_NAME})*(?:\s+et\s+al\.?)?"
_YEAR = r"(?:(?:1[5-9]\d\d|20\d\d)[a-z]?|n\.\s?d\.)(?:,\s*(?:1[5-9]\d\d|20\d\d)[a-z]?)*"  # "2019a, 2019b"
_PAGES = r"(?:,\s*|\s+)(?:(?:p{1,2}|para)\.\s*)?\d+(?:\s*[-–]\s*\d+)?"
_CITATIONS = [
    # (Smith, 2020) (Smith & Lee 2020, p. 4) (see Smith, 2020; Lee, 2019)
    re.compile(rf"\((?:see\s+|e\.g\.,?\s+|cf\.\s+)?{_AUTHORS},?\s+(?:{_YEAR})(?:{_PAGES})?(?:;[^()]{{0,120}})?\)"),
    # Smith (2020), Smith et al. (2020, p. 4)
    re.compile(rf"{_AUTHORS}\s+\((?:{_YEAR})(?:{_PAGES})?\)"),
    # (Smith 45) (Smith and Lee 12-14): MLA, author and page
    re.compile(rf"\({_AUTHORS}\s+\d{{1,4}}(?:\s*[-–]\s*\d{{1,4}})?\)"),
    # [12] [3, 5-7]
    re.compile(r"\[\d{1,3}(?:\s*[-–,]\s*\d{1,3})*\]"),
    # a footnote marker: digits glued to a word's closing punctuation ("decades.12 ", "”3", "^12"), not to a word
    # itself ("Python3", "covid19") nor to an abbreviation ("p.45", "no.3")
    re.compile(r"(?:(?<=[a-z]{3}[.,;:!?\"”’»)])|(?<=[a-z]{3}[.,;:!?][\"”’»)]))\d{1,3}(?=[\s,.;:]|$)|\^\d{1,3}\b"),
]


def citations(text: str) -> list[Span]:
    """Every in-text citation found in ``text`` (see the module docstring), in order."""
    found = sorted({m.span() for pattern in _CITATIONS for m in pattern.finditer(text)})
    return [(start, end) for start, end in found]


def match_groups(text: str, matches: list[tuple[Span, str]]) -> list[str]:
    """The group of each match, given as (its span in ``text``, verbatim | paraphrase)."""
    if not matches:
        return []
    quotes = quoted_spans(text, min_words=1)
    cited = citations(text)
    paragraphs = paragraph_spans(text)
    groups = []
    for (start, end), kind in matches:
        inside = covered_length([(max(a, start), min(b, end)) for a, b in quotes if a < end and b > start])
        quoted = inside >= QUOTED_SHARE * max(1, end - start)
        low, high = _paragraph_around(paragraphs, start, end)
        window = (max(low, start - NEAR_CHARS), min(high, end + NEAR_CHARS))
        has_citation = any(a < window[1] and b > window[0] for a, b in cited)
        if quoted:
            groups.append(CITED_AND_QUOTED if has_citation else MISSING_CITATION)
        elif has_citation:
            groups.append(MISSING_QUOTATION_MARKS if kind == "verbatim" else CITED_AND_QUOTED)
        else:
            groups.append(NOT_CITED_OR_QUOTED)
    return groups


def grouped(text: str, matches: list[MatchResult]) -> list[MatchResult]:
    """The matches of a submission's ``text``, each with its group: that of its paragraphs (segments) which asks
    most for a look (``SEVERITY``), so a quoted and cited paragraph joined to an uncredited one does not hide it."""
    parts = [(match, segment) for match in matches for segment in match.segments or [match]]
    groups = match_groups(text, [(part.submission_span, part.kind) for _, part in parts])
    worst: dict[int, str] = {}
    for (match, _), group in zip(parts, groups, strict=True):
        if id(match) not in worst or SEVERITY.index(group) < SEVERITY.index(worst[id(match)]):
            worst[id(match)] = group
    return [replace(match, group=worst[id(match)]) for match in matches]


def _paragraph_around(paragraphs: list[Span], start: int, end: int) -> Span:
    """From the start of the paragraph where a match begins to the end of the one where it ends."""
    low = next((a for a, b in paragraphs if a <= start < b), start)
    high = next((b for a, b in reversed(paragraphs) if a < end <= b), end)
    return low, high
