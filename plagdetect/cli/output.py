"""What every command shares: exit codes and plain-text tables."""

from __future__ import annotations

from collections.abc import Sequence

from plagdetect.text.names import clean_name

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def shown(value: object) -> str:
    """A value as the terminal may show it: no escape sequences or NULs from a document's name or title."""
    return clean_name(str(value), 10_000)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers]] + [[shown(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
