"""Plain text, Markdown (kept as text) and HTML extraction, and decoding bytes of unknown encoding. Extraction
runs in the worker process (``worker.py``), held to a time and a memory limit, never in the caller's.

Plain text is returned exactly as decoded: newlines are not converted ("\\r\\n" stays), only a
byte order mark is removed, so offsets into the text match the original file.
"""

from __future__ import annotations

import codecs
import logging
import re

from plagdetect.errors import PlagDetectError
from plagdetect.text.extract.base import UNREADABLE, ExtractedText

logger = logging.getLogger(__name__)

# Longest first: the UTF-32 LE mark begins with the UTF-16 LE mark.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SNIFF_BYTES = 4096
_DROPPED_HTML_TAGS = ("script", "style", "noscript", "head", "template")
# Control characters (Unicode category Cc) except tab, line feed, form feed and carriage return.
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _utf16_without_bom(data: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" when NUL bytes sit mostly in odd or even positions (text that is
    largely ASCII/Latin, as essays are), else None."""
    sample = data[: _SNIFF_BYTES - _SNIFF_BYTES % 2]
    pairs = len(sample) // 2
    if pairs < 2 or len(data) % 2:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    if odd_nuls >= 0.3 * pairs and even_nuls <= 0.05 * pairs:
        return "utf-16-le"
    if even_nuls >= 0.3 * pairs and odd_nuls <= 0.05 * pairs:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes) -> str:
    """Decode text of unknown encoding: BOM, UTF-16 pattern, UTF-8, cp1252, a guess, latin-1."""
    return _decode(data)[0]


def _decode(data: bytes) -> tuple[str, bool]:
    """The decoded text, and whether it was read as UTF-16 or UTF-32 (by its BOM or its NUL pattern)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), encoding.startswith(("utf-16", "utf-32"))
            except UnicodeDecodeError:
                logger.debug("a %s byte order mark but not %s text", encoding, encoding)
                break
    utf16 = _utf16_without_bom(data)
    for encoding in filter(None, [utf16, "utf-8", "cp1252"]):
        try:
            return data.decode(encoding), encoding == utf16
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        logger.debug("guessed encoding %s", best.encoding)
        return str(best), False
    return data.decode("latin-1"), False


def _looks_binary(text: str) -> bool:
    """NUL characters, or over 10% control characters (other than tab, newlines and form feed) or
    U+FFFD replacement characters: binary data decoded as text, not a text file."""
    if "\0" in text:
        return True
    limit = 0.1 * len(text)
    controls = len(_BINARY_CONTROLS.findall(text))
    return controls > limit or text.count("\ufffd") > limit


def extract_plain(data: bytes, fmt: str = "txt") -> ExtractedText:
    """Plain text or Markdown (``fmt`` "txt" or "md"), as decoded; binary data is refused."""
    text, wide = _decode(data)
    if not wide and _looks_binary(text):  # UTF-16/32 was recognised by its pattern: it is text
        raise PlagDetectError("the file does not look like text (binary data?)")
    return ExtractedText(text=text, format=fmt)


def _tidy_lines(text: str) -> str:
    """Strip each line and keep at most one blank line between blocks of text."""
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def extract_html(data: bytes) -> ExtractedText:
    """The visible text of an HTML page (scripts, styles and the head dropped) and its <title>."""
    from bs4 import BeautifulSoup, ParserRejectedMarkup

    decoded, wide = _decode(data)
    if not wide and _looks_binary(decoded):
        raise PlagDetectError("the file does not look like an HTML page (binary data?)")
    try:
        soup = BeautifulSoup(decoded, "html.parser")
        title = soup.title.get_text(" ", strip=True) if soup.title else ""
        for tag in soup.find_all(_DROPPED_HTML_TAGS):
            tag.decompose()
        text = soup.get_text("\n")
    except (ParserRejectedMarkup, AssertionError) as exc:  # html.parser gives up on some malformed markup
        logger.info("HTML refused: %s: %s", type(exc).__name__, exc)
        raise PlagDetectError(UNREADABLE["html"]) from None
    return ExtractedText(text=_tidy_lines(text), format="html", title=title or None)
