"""From uploaded bytes to the text and chunks the engine works on: extract, normalise, cut into sentences and chunks.

Ingest (corpus) and check (detection) both start here, so a document is read the same way on both sides.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePath

from plagdetect.errors import PlagDetectError
from plagdetect.settings import Settings
from plagdetect.text.chunking import Window, chunk_units, sentence_units
from plagdetect.text.extract import ExtractedText, ExtractionLimits, extract_bytes
from plagdetect.text.names import clean_name, clean_optional, title_from_text
from plagdetect.text.normalize import NormalizedText, normalize

_SPACE = re.compile(r"\s")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W_]+")  # a run of letters or digits, as spans.word_count counts words


@dataclass(frozen=True)
class PreparedDocument:
    """An uploaded file read and cut into sentence units and chunks, not yet embedded or stored."""

    filename: str
    data: bytes
    sha256: str
    extracted: ExtractedText
    normalized: NormalizedText
    sentences: list[tuple[int, int]]  # sentence units (chunking.sentence_units) of the normalised text
    chunks: list[Window]

    @property
    def title(self) -> str:
        """The title from the file's metadata, else its first line if that reads as a title, else its name without
        the suffix (made safe: ``names``)."""
        return (
            clean_optional(self.extracted.title)
            or title_from_text(self.normalized.text)
            or clean_name(PurePath(self.filename).stem)
            or "untitled"
        )

    @property
    def author(self) -> str | None:
        """The author from the file's metadata, if any (made safe: ``names``)."""
        return clean_optional(self.extracted.author, 300)

    @property
    def suffix(self) -> str:
        return PurePath(self.filename).suffix.lower()


def prepare_document(
    data: bytes, filename: str, settings: Settings, password: str | None = None, stride: int | None = None
) -> PreparedDocument:
    """Extract, normalise and chunk one file; a file the engine cannot use raises ``PlagDetectError``.

    ``stride``: how many sentences the windows advance (None: ``chunk_stride``, as the corpus is cut).
    """
    extracted = extract_bytes(data, filename, ExtractionLimits.from_settings(settings), password=password)
    normalized = normalize(extracted.text)
    _check_words(normalized.text)
    _check_word_count(normalized.text, settings)
    sentences, chunks = cut_text(normalized.text, settings, stride)
    if len(sentences) > settings.max_sentences:
        raise PlagDetectError(
            f"the text has {len(sentences):,} sentences; the limit is {settings.max_sentences:,} sentences"
            " (max_sentences)"
        )
    if not chunks:
        raise PlagDetectError("the file contains no text")
    return PreparedDocument(
        filename=clean_name(filename) or "unnamed",
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        extracted=extracted,
        normalized=normalized,
        sentences=sentences,
        chunks=chunks,
    )


MIN_LETTER_SHARE = 0.05  # of the visible characters: below it, a text is punctuation, digits or noise


def _check_words(text: str) -> None:
    """Refuse a text that holds almost no words (4 MB of ". ", a table of numbers, noise read as text)."""
    visible = len(text) - len(_SPACE.findall(text))
    letters = len(_LETTER.findall(text))
    if visible and letters < MIN_LETTER_SHARE * visible:
        raise PlagDetectError(
            f"the file holds almost no words: {letters:,} letters in {visible:,} characters"
            f" (at least {MIN_LETTER_SHARE:.0%} are needed)"
        )


def _check_word_count(text: str, settings: Settings) -> None:
    """Refuse a text of more words than ``max_words`` (counted before it is cut into sentences)."""
    words = len(_WORD.findall(text))
    if words > settings.max_words:
        raise PlagDetectError(f"the text has {words:,} words; the limit is {settings.max_words:,} words (max_words)")


def cut_text(text: str, settings: Settings, stride: int | None = None) -> tuple[list[tuple[int, int]], list[Window]]:
    """The sentence units of a normalised text and the chunks (windows of units) the settings make of them."""
    units = sentence_units(text, settings.chunk_max_chars)
    stride = settings.chunk_stride if stride is None else stride
    chunks = chunk_units(text, units, settings.chunk_sentences, stride, settings.chunk_max_chars)
    return units, chunks
