"""Text normalisation: the text the engine works on, what was changed, and a way back.

``normalize(text)`` returns a ``NormalizedText`` holding

* ``text``: the normalised text. Line breaks are unified ("\\r\\n" and "\\r" become "\\n"),
  invisible characters are removed, each character cluster is NFKC-normalised and
  Cyrillic/Greek look-alike letters hidden in Latin words are folded to Latin.
* ``flags``: ``IntegrityFlags``, counts of what was changed. Hidden characters and look-alike
  letters are classic tricks to defeat plagiarism checkers, so they are reported.
* ``offsets``: an ``OffsetMap`` from offsets in the normalised text back to offsets in the
  original text, so that a match can be highlighted in the original.

Decisions worth knowing:

* A *cluster* is a character followed by its combining marks (Unicode category M). NFKC is
  applied per cluster; every output character of a cluster maps to the cluster's first original
  character, and its end to the cluster's end. Sequences that only compose across clusters
  (conjoining Hangul jamo) are left as they are.
* ``compatibility`` counts clusters that NFKC changed beyond canonical (NFC) composition: a
  ligature or a full-width letter counts, "e" + U+0301 becoming "é" does not (that is the same
  text in another encoding, common in files written on macOS).
* Look-alike folding replaces one character by one, so it leaves offsets unchanged.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from plagdetect.text.offsets import OffsetMap, OffsetMapBuilder

logger = logging.getLogger(__name__)

MAX_SAMPLES = 20
"""How many original offsets ``IntegrityFlags.samples`` keeps per kind."""

# --------------------------------------------------------------------------------------------
# Integrity flags
# --------------------------------------------------------------------------------------------


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


@dataclass(frozen=True)
class IntegrityFlags:
    """What normalisation changed, for the integrity part of a report.

    ``invisible``: invisible characters removed: format characters (Unicode category Cf:
    zero-width spaces and joiners, soft hyphens, bidi controls, tag characters, ...), control
    characters other than tab and line breaks, variation selectors and a few blank fillers.
    ``homoglyphs``: Cyrillic/Greek look-alike letters folded to Latin.
    ``compatibility``: character clusters changed by NFKC (ligatures, full-width letters, odd
    spaces); informative, not suspicious by itself.
    ``samples``: kind ("invisible", "homoglyphs", "compatibility") -> up to 20 offsets in the
    ORIGINAL text where it happened.
    """

    invisible: int = 0
    homoglyphs: int = 0
    compatibility: int = 0
    samples: dict[str, list[int]] = field(default_factory=dict)

    @property
    def suspicious(self) -> bool:
        """True when hidden characters or look-alike letters were found."""
        return self.invisible > 0 or self.homoglyphs > 0

    def describe(self) -> list[str]:
        """Plain-language lines for a report; empty when nothing was changed."""
        lines = []
        if self.invisible:
            lines.append(
                _plural(self.invisible, "invisible character", "invisible characters")
                + " removed (zero-width spaces and similar)"
            )
        if self.homoglyphs:
            lines.append(
                _plural(self.homoglyphs, "look-alike letter", "look-alike letters")
                + " (Cyrillic or Greek) inside Latin words folded to Latin"
            )
        if self.compatibility:
            lines.append(
                _plural(self.compatibility, "character", "characters")
                + " written in a special form (ligatures, full-width letters, special spaces)"
                + " converted to the usual form"
            )
        return lines

    def places_in_normalized(self, offsets: OffsetMap) -> dict[str, list[int]]:
        """``samples`` as offsets in the normalised text (``offsets``: its map back to the original)."""
        return {
            kind: sorted({offsets.to_normalized(min(o, offsets.original_length)) for o in found})
            for kind, found in self.samples.items()
            if found
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "invisible": self.invisible,
            "homoglyphs": self.homoglyphs,
            "compatibility": self.compatibility,
            "samples": {kind: list(offsets) for kind, offsets in self.samples.items()},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IntegrityFlags:
        """Inverse of ``to_dict``; missing keys count as zero."""
        return cls(
            invisible=int(d.get("invisible", 0)),
            homoglyphs=int(d.get("homoglyphs", 0)),
            compatibility=int(d.get("compatibility", 0)),
            samples={str(kind): [int(o) for o in offsets] for kind, offsets in (d.get("samples") or {}).items()},
        )


@dataclass(frozen=True)
class NormalizedText:
    """The normalised ``text``, the map back to the original, and what was changed."""

    text: str
    offsets: OffsetMap
    flags: IntegrityFlags


# --------------------------------------------------------------------------------------------
# Character classes
# --------------------------------------------------------------------------------------------

# Invisible characters that are not in category Cf/Cc: variation selectors, the combining
# grapheme joiner, Mongolian free variation selectors and Hangul fillers.
_EXTRA_INVISIBLE = [
    *range(0xFE00, 0xFE10),
    *range(0xE0100, 0xE01F0),
    0x034F,
    *range(0x180B, 0x1810),
    0x115F,
    0x1160,
    0x3164,
    0xFFA0,
]


@functools.cache
def _invisible() -> tuple[frozenset[str], re.Pattern[str]]:
    """The invisible characters, and a pattern matching them or "\\r" (anything needing per-character work)."""
    code_points = set(_EXTRA_INVISIBLE)
    # Cf and Cc characters only exist in these planes.
    for cp in (*range(0x20000), *range(0xE0000, 0xE1000)):
        category = unicodedata.category(chr(cp))
        if category == "Cf" or (category == "Cc" and chr(cp) not in "\t\n\r"):
            code_points.add(cp)
    ranges: list[list[int]] = []
    for cp in sorted(code_points):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    char_class = "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)
    return frozenset(map(chr, code_points)), re.compile(f"[\\r{char_class}]")


# Printable ASCII, tab and newline are copied as they are; runs of anything else are looked at.
_RUN_RE = re.compile(r"(?:\r\n|[^\t\n\x20-\x7e])+")
_ASCII_WORK_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # "\r" and control characters


def _is_mark(char: str) -> bool:
    return unicodedata.category(char)[0] == "M"


# Look-alikes: Cyrillic and Greek letters that look like Latin ones. Greek tau is left out
# (it has no ascender, "τ" does not pass for "t").
_HOMOGLYPHS = {
    # Cyrillic small
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
    "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w",
    # Cyrillic capital
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S", "Ԛ": "Q", "Ԝ": "W",
    # Greek small
    "ο": "o", "ν": "v", "ρ": "p", "α": "a", "ι": "i", "κ": "k", "υ": "u", "χ": "x",
    # Greek capital
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
}  # fmt: skip
_HOMOGLYPH_TABLE = str.maketrans(_HOMOGLYPHS)
_HOMOGLYPH_CHARS = frozenset(_HOMOGLYPHS)
_HOMOGLYPH_RE = re.compile("[" + "".join(_HOMOGLYPHS) + "]")
_WORD_RE = re.compile(r"[^\W\d_]+")  # a run of letters
_LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
_LATIN_RE = re.compile(f"[{_LATIN}]")
_LATIN_RUN_RE = re.compile(f"[{_LATIN}]+")


# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------


class _Normalizer:
    """Line breaks, invisible characters and NFKC: builds the text, its offset map and counts."""

    def __init__(self, text: str) -> None:
        self.source = text
        self.invisible_chars, self.needs_work_re = _invisible()
        self.pieces: list[str] = []
        self.map = OffsetMapBuilder()
        self.counts = {"invisible": 0, "compatibility": 0}
        self.samples: dict[str, list[int]] = {}
        self.cluster: list[str] = []  # the pending cluster and its original span
        self.cluster_start = self.cluster_end = 0

    def run(self) -> tuple[str, OffsetMap]:
        text = self.source
        position = 0
        for match in _RUN_RE.finditer(text):
            start, end = match.span()
            if start > position and _is_mark(text[start]):
                start -= 1  # the base character of the first combining mark belongs to the cluster
            self.copy(position, start)
            self.process(start, end)
            position = end
        self.copy(position, len(text))
        return "".join(self.pieces), self.map.build(len(text))

    def note(self, kind: str, original_offset: int) -> None:
        self.counts[kind] += 1
        samples = self.samples.setdefault(kind, [])
        if len(samples) < MAX_SAMPLES:
            samples.append(original_offset)

    def copy(self, start: int, end: int) -> None:
        if end > start:
            self.pieces.append(self.source[start:end])
            self.map.add_copy(start, end - start)

    def process(self, start: int, end: int) -> None:
        """A run of non-ASCII characters, "\\r" or controls: copy it, or go character by character."""
        segment = self.source[start:end]
        if not self.needs_work_re.search(segment) and unicodedata.is_normalized("NFKC", segment):
            self.copy(start, end)
            return
        text = self.source
        i = start
        while i < end:
            char = text[i]
            if char == "\r":
                self.flush()
                width = 2 if text.startswith("\r\n", i) else 1
                self.pieces.append("\n")
                self.map.add_cluster(i, i + width, 1)
                i += width
                continue
            if char in self.invisible_chars:
                self.note("invisible", i)
            elif self.cluster and _is_mark(char):
                self.cluster.append(char)
                self.cluster_end = i + 1
            else:
                self.flush()
                self.cluster = [char]
                self.cluster_start, self.cluster_end = i, i + 1
            i += 1
        self.flush()

    def flush(self) -> None:
        """NFKC-normalise the pending cluster and emit it."""
        if not self.cluster:
            return
        chars = "".join(self.cluster)
        normal = unicodedata.normalize("NFKC", chars)
        start, end = self.cluster_start, self.cluster_end
        if normal == chars and end - start == len(chars):
            self.pieces.append(chars)
            self.map.add_copy(start, len(chars))
        else:
            if normal != unicodedata.normalize("NFC", chars):
                self.note("compatibility", start)
            self.pieces.append(normal)
            self.map.add_cluster(start, end, len(normal))
        self.cluster = []


def _mostly_latin(text: str) -> bool:
    """More than half of the letters of ``text`` are Latin."""
    latin = sum(len(run) for run in _LATIN_RUN_RE.findall(text))
    letters = sum(len(word) for word in _WORD_RE.findall(text))
    return 2 * latin > letters


def _fold_homoglyphs(text: str, offsets: OffsetMap) -> tuple[str, int, list[int]]:
    """Fold look-alike letters to Latin; returns the text, how many were folded, original sample offsets.

    A word (a run of letters) is folded when it mixes Latin letters and look-alikes, or when it
    is made only of look-alikes and the text as a whole is mostly Latin.
    """
    if text.isascii() or not _HOMOGLYPH_RE.search(text):
        return text, 0, []
    mostly_latin: bool | None = None  # computed when first needed
    pieces: list[str] = []
    position = count = 0
    samples: list[int] = []
    for match in _WORD_RE.finditer(text):
        word = match.group()
        if _HOMOGLYPH_CHARS.isdisjoint(word):
            continue
        if not _LATIN_RE.search(word):
            if not all(char in _HOMOGLYPH_CHARS for char in word):
                continue  # a genuine Cyrillic or Greek word
            if mostly_latin is None:
                mostly_latin = _mostly_latin(text)
            if not mostly_latin:
                continue
        for k, char in enumerate(word):
            if char in _HOMOGLYPH_CHARS:
                count += 1
                if len(samples) < MAX_SAMPLES:
                    samples.append(offsets.to_original(match.start() + k))
        pieces.append(text[position : match.start()])
        pieces.append(word.translate(_HOMOGLYPH_TABLE))
        position = match.end()
    pieces.append(text[position:])
    return "".join(pieces), count, samples


def normalize(text: str) -> NormalizedText:
    """Normalise extracted text: line breaks, invisible characters, NFKC, look-alike letters."""
    if text.isascii() and not _ASCII_WORK_RE.search(text):
        return NormalizedText(text, OffsetMap.identity(len(text)), IntegrityFlags())
    normalizer = _Normalizer(text)
    normal, offsets = normalizer.run()
    normal, homoglyphs, homoglyph_samples = _fold_homoglyphs(normal, offsets)
    samples = dict(normalizer.samples)
    if homoglyph_samples:
        samples["homoglyphs"] = homoglyph_samples
    flags = IntegrityFlags(
        invisible=normalizer.counts["invisible"],
        homoglyphs=homoglyphs,
        compatibility=normalizer.counts["compatibility"],
        samples=samples,
    )
    if flags.suspicious:
        logger.debug("normalize: %s", "; ".join(flags.describe()))
    return NormalizedText(normal, offsets, flags)
