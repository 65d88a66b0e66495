"""What every format module shares: the extracted text, the limits on what reading may cost, size messages."""

from __future__ import annotations

from dataclasses import dataclass

from plagdetect.errors import PlagDetectError
from plagdetect.settings import Settings

MB = 1024 * 1024

# What a file that cannot be read is told, by format (also when the worker reading it dies without an answer).
UNREADABLE = {
    "pdf": "not a readable PDF (the file is corrupt or damaged)",
    "docx": "not a readable DOCX (the file is corrupt or damaged)",
    "html": "not a readable HTML file",
}


@dataclass(frozen=True)
class ExtractionLimits:
    """Limits on what one upload may cost to read (defence against hostile or broken files).

    The defaults are the settings' defaults (``Settings``, where sizes are in MB); ``from_settings`` reads the
    settings in force.
    """

    max_bytes: int = int(Settings.max_file_mb * MB)  # the largest file accepted
    extract_timeout_s: float = Settings.extract_timeout_s  # wall-clock limit of the worker process that reads a file
    extract_memory_mb: int = Settings.extract_memory_mb  # address-space limit of that worker process
    max_archive_members: int = Settings.max_archive_members  # entries in a zip (DOCX or zip upload)
    max_uncompressed_bytes: int = int(Settings.max_uncompressed_mb * MB)  # declared size of a zip, all entries
    max_compression_ratio: float = Settings.max_compression_ratio  # uncompressed / compressed, per entry and overall
    max_docx_xml_bytes: int = int(Settings.max_docx_xml_mb * MB)  # a DOCX's XML parts, all parsed at once
    max_text_chars: int = Settings.max_text_chars  # characters of text once extracted
    max_pages: int = Settings.max_pages  # pages of a PDF, counted before any page is read

    @classmethod
    def from_settings(cls, settings: Settings) -> ExtractionLimits:
        return cls(
            max_bytes=int(settings.max_file_mb * MB),
            extract_timeout_s=float(settings.extract_timeout_s),
            extract_memory_mb=int(settings.extract_memory_mb),
            max_archive_members=int(settings.max_archive_members),
            max_uncompressed_bytes=int(settings.max_uncompressed_mb * MB),
            max_compression_ratio=float(settings.max_compression_ratio),
            max_docx_xml_bytes=int(settings.max_docx_xml_mb * MB),
            max_text_chars=int(settings.max_text_chars),
            max_pages=int(settings.max_pages),
        )


@dataclass(frozen=True)
class ExtractedText:
    """The text of one document and what is known about where it came from."""

    text: str  # the document text as extracted, before any normalisation
    format: str  # "pdf" | "docx" | "txt" | "md" | "html"
    page_starts: tuple[int, ...] = (0,)  # offset in `text` where each page begins (PDF); (0,) otherwise
    title: str | None = None  # from document metadata when present
    author: str | None = None


def human_size(n_bytes: float) -> str:
    """A size for a message: "312.4 MB", "50 MB", "2.5 KB", "10 bytes"."""
    for unit, scale in (("MB", MB), ("KB", 1024)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{int(n_bytes)} bytes"


def _size_rounded_up(n_bytes: int, decimals: int) -> str:
    """Like ``human_size`` but rounded up at ``decimals`` decimals, so it never reads as less than it is."""
    for unit, scale in (("MB", MB), ("KB", 1024)):
        if n_bytes >= scale:
            units = -(-n_bytes * 10**decimals // scale)  # ceiling, in exact integer arithmetic
            whole, fraction = divmod(units, 10**decimals)
            shown = f"{whole}.{fraction:0{decimals}d}".rstrip("0").removesuffix(".")
            return f"{shown} {unit}"
    return f"{n_bytes} bytes"


def _size_in_bytes(shown: str) -> float:
    number, unit = shown.split(" ")
    return float(number) * {"MB": MB, "KB": 1024, "bytes": 1}[unit]


def over_limit(size: int, limit: int) -> tuple[str, str]:
    """A size above a limit and the limit, for a message: the size never reads as equal to or below the
    limit ("50.1 MB" and "50 MB" for a file one byte over 50 MB, where ``human_size`` says "50 MB")."""
    shown_limit = human_size(limit)
    for decimals in (1, 2, 3):
        shown = _size_rounded_up(size, decimals)
        if _size_in_bytes(shown) > _size_in_bytes(shown_limit):
            return shown, shown_limit
    return f"{size} bytes", f"{limit} bytes"  # a limit that human_size rounds up past the size


def text_too_long(length: int, limit: int, at_least: bool = False) -> PlagDetectError:
    """The error for a text of ``length`` characters once extracted, above ``limit`` (PLAGDETECT_MAX_TEXT_CHARS)."""
    shown = f"over {limit:,}" if at_least else f"{length:,}"
    return PlagDetectError(
        f"the text is {shown} characters once extracted; the limit is {limit:,} characters (max_text_chars)"
    )


def too_many_pages(pages: int, limit: int) -> PlagDetectError:
    """The error for a PDF of ``pages`` pages, above ``limit`` (PLAGDETECT_MAX_PAGES)."""
    return PlagDetectError(f"the PDF has {pages:,} pages; the limit is {limit:,} pages (max_pages)")


def too_large(size: int, limit: int) -> PlagDetectError:
    """The error for a file of ``size`` bytes above the limit of ``limit`` bytes."""
    shown, shown_limit = over_limit(size, limit)
    return PlagDetectError(f"the file is {shown}; the limit is {shown_limit}")
