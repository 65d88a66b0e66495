"""Names that come with an upload (file names, zip member names, titles and authors from metadata), made safe.

A name is shown in the terminal, the browser and reports and stored in the database, so it may hold neither
bytes that are not text (a file name that is not valid UTF-8 reaches Python as lone surrogates, which no database
driver can encode) nor control characters (a terminal escape sequence in a PDF title clears the screen; NUL is
refused by PostgreSQL), nor invisible format characters that reorder what is shown (a right-to-left override makes
"cod.exe" read as "exe.doc").
"""

from __future__ import annotations

import unicodedata

REPLACEMENT = "\ufffd"


def clean_name(name: str, limit: int = 500) -> str:
    """``name`` with undecodable bytes as U+FFFD, control and format characters dropped, whitespace runs as one space.

    At most ``limit`` characters. An empty result stays empty: the caller chooses the fallback.
    """
    kept = []
    for char in name:
        if 0xD800 <= ord(char) <= 0xDFFF:  # a byte the file system could not decode (surrogateescape)
            kept.append(REPLACEMENT)
        elif char in "\t\n\r\f\v":
            kept.append(" ")
        elif unicodedata.category(char) not in ("Cc", "Cf"):
            kept.append(char)
    return " ".join("".join(kept).split())[:limit]


def title_from_text(text: str) -> str | None:
    """The first line of a text when it reads as a title (a file whose metadata names none): 2 to 15 words, at most
    150 characters, not starting in lower case and not ending like a sentence (".", ",", ";", ":"). Markdown's "#"
    and emphasis marks are left out. None when the first line is prose."""
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip().strip("*_").strip()
        if not line:
            continue
        words = line.split()
        if 2 <= len(words) <= 15 and len(line) <= 150 and not line[0].islower() and line[-1] not in ".,;:":
            return clean_optional(line, 150)
        return None
    return None


def clean_optional(name: str | None, limit: int = 500) -> str | None:
    """``clean_name`` of a name that may be missing; a name with nothing left is missing too."""
    if name is None:
        return None
    return clean_name(name, limit) or None
