"""The fonts a PDF report is written in: DejaVu Sans, which matplotlib ships (Latin with every accent, Greek,
Cyrillic), and for the scripts it lacks (Chinese, Japanese, Korean...) the first Noto CJK or other fallback font
installed on the machine, if any. Nothing is downloaded; a character no font holds prints as a box, and the report
says where such characters were (``missing_glyphs``)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# Fonts looked for, in order, for the characters DejaVu Sans lacks (Debian: fonts-noto-cjk, fonts-wqy-zenhei, ...).
FALLBACK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


@dataclass(frozen=True)
class ReportFonts:
    regular: Path
    bold: Path
    mono: Path
    fallback: Path | None  # for the characters the others lack


def lacks_glyphs(texts: Iterable[str]) -> bool:
    """Whether any character of ``texts`` is missing from DejaVu Sans, so the fallback font is needed (loading one
    costs seconds and tens of MB: a report in Latin, Greek or Cyrillic does without)."""
    covered = _dejavu_characters()
    return any(not (ord(c) in covered or c.isspace()) for text in texts for c in set(text))


@functools.cache
def _dejavu_characters() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(report_fonts().regular), lazy=True) as font:
        return frozenset(font.getBestCmap())


@functools.cache
def report_fonts() -> ReportFonts:
    """The fonts found on this machine (matplotlib's DejaVu Sans always)."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    fallback = next((Path(p) for p in FALLBACK_FONTS if Path(p).is_file()), None)
    return ReportFonts(
        folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf", folder / "DejaVuSansMono.ttf", fallback
    )
