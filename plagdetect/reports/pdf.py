"""A stored check's report as a PDF a person can hand to an academic-integrity panel.

Written with fpdf2 (pure Python: the README's two set-up commands stay whole) in DejaVu Sans (``reports.fonts``),
from the same ``CheckReport`` the screen shows and with the same marks (``reports.marks``): nothing is re-run. Text
from documents is only ever printed as text (fpdf2's ``cell`` with markdown off), never read as markup.

The pages: a cover (what was checked, by whom and when, the similarity index, the sources with their colours and
shares, the exclusions and thresholds, the model versions, the SHA-256 of the file); the integrity flags and where
they were found; the two charts; the whole submission with every match in its source's colour and numbered; each
match beside its source passage. Each page has a header naming the document and the check, and its number.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from plagdetect import __version__
from plagdetect.detection.report import MATCH_GROUPS, CheckReport, MatchResult, collections_searched
from plagdetect.reports.charts import chart_images
from plagdetect.reports.fonts import lacks_glyphs, report_fonts
from plagdetect.reports.marks import (
    EXCLUDED,
    cut,
    document_marks,
    percent,
    relative,
    score_text,
    source_colours,
    whole,
)

BODY = 9.5  # points
LINE = 4.6  # mm, a line of body text
GAP = 6.0  # mm between the columns of a match
PLACES_SHOWN = 10  # of each integrity flag, with the words around it
# What fpdf2 replaces by the number of pages. Not its "{nb}", which a file name could hold: it is made with a format
# character (U+2063), which names and normalised texts never keep (``text.names``, ``text.normalize``).
PAGES_ALIAS = "\u2063pages\u2063"

_TOKENS = re.compile(r"\n|[^\S\n]+|\S+")
_INTEGRITY_KINDS = {
    "invisible": "Invisible characters",
    "homoglyphs": "Look-alike letters",
    "compatibility": "Special forms",
}


@dataclass(frozen=True)
class Style:
    """How a stretch of text prints."""

    fill: str | None = None  # background colour (#rrggbb)
    underline: str | None = None  # solid | dashed
    grey: bool = False  # excluded text
    bold: bool = False
    small: bool = False


PLAIN = Style()


@dataclass(frozen=True)
class Fragment:
    text: str
    style: Style
    width: float


Line = list[Fragment]


def report_pdf(report: CheckReport) -> bytes:
    """The PDF of a stored check's report (see the module docstring)."""
    pdf = _Document(report)
    colours = source_colours(report)
    pdf.cover(colours)
    pdf.integrity()
    if report.matches:
        pdf.charts(colours)
    pdf.submission(colours)
    pdf.matches(colours)
    return bytes(pdf.pdf.output())


class _Document:
    def __init__(self, report: CheckReport) -> None:
        from fpdf import FPDF

        self.report = report
        fonts = report_fonts()
        title = f"PlagDetect {__version__} · check {report.check_id} · {report.filename}"

        class Pages(FPDF):
            def header(self) -> None:
                self.set_font("body", size=7.5)
                self.set_text_color(90, 90, 90)
                self.set_xy(self.l_margin, 8)
                self.cell(self.epw, 4, _clip(self, title, self.epw))
                self.set_draw_color(200, 200, 200)
                self.line(self.l_margin, 13, self.l_margin + self.epw, 13)
                self.set_text_color(0, 0, 0)
                self.set_y(17)

            def multi_cell(self, *args, align="L", **kwargs):  # ragged right: justified text gapes in a report
                return super().multi_cell(*args, align=align, **kwargs)

            def footer(self) -> None:
                self.set_font("body", size=7.5)
                self.set_text_color(90, 90, 90)
                self.set_xy(self.l_margin, -12)
                self.cell(self.epw, 4, f"Page {self.page_no()} of {PAGES_ALIAS}", align="C")
                self.set_text_color(0, 0, 0)

        pdf = Pages(format="A4", unit="mm")
        pdf.alias_nb_pages(PAGES_ALIAS)
        pdf.set_title(f"Similarity report: {report.filename}")
        pdf.set_creator(f"PlagDetect {__version__}")
        pdf.set_margins(18, 18, 18)
        pdf.set_auto_page_break(True, margin=18)
        pdf.add_font("body", "", str(fonts.regular))
        pdf.add_font("body", "B", str(fonts.bold))
        pdf.add_font("mono", "", str(fonts.mono))
        self._fallback = fonts.fallback is not None and lacks_glyphs(_texts(report))
        if self._fallback:
            logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "BDF NOT subset": its bitmaps, not needed
            pdf.add_font("fallback", "", str(fonts.fallback))
            pdf.set_fallback_fonts(["fallback"], exact_match=False)
        pdf.c_margin = 0
        pdf.set_font("body", "", BODY)
        self.pdf = pdf
        self._widths: dict[tuple[str, bool, bool], float] = {}

    # ----- the pages ---------------------------------------------------------------------------------

    def cover(self, colours: dict[int, str]) -> None:
        pdf, report = self.pdf, self.report
        pdf.add_page()
        pdf.set_font("body", "B", 18)
        pdf.cell(pdf.epw, 10, "Similarity report", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        submission = report.submission
        rows = [("File", report.filename)]
        if submission is not None:
            rows += [
                ("Title", submission.title),
                ("Author", submission.author or "not named in the file"),
                ("Submitted by", submission.submitted_by or "the command line"),
                ("Checked at", submission.submitted_at.replace("T", " ").removesuffix("+00:00") + " (UTC)"),
            ]
            rows += [("Handed in to", submission.handed_in_to)] if submission.handed_in_to else []
            rows += [("Why it ran again", submission.rerun_because)] if submission.rerun_because else []
        rows += [
            ("Check", str(report.check_id)),
            ("Collections searched", ", ".join(collections_searched(report.settings)) or "all"),
        ]
        self._pairs(rows)

        pdf.ln(3)
        pdf.set_font("body", "B", 40)
        pdf.cell(48, 18, percent(report.similarity))
        pdf.set_font("body", "", 11)
        pdf.set_y(pdf.get_y() + 4)
        pdf.set_x(pdf.l_margin + 50)
        pdf.multi_cell(
            pdf.epw - 50,
            5,
            f"Similarity index: the share of the text inside matches. {_count(len(report.matches), 'match')} "
            f"from {_count(len(report.sources), 'source')}.",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_y(pdf.get_y() + 6)
        if report.exclusions_made:
            self._heading("Excluded after the check")
            self._pairs(_exclusion_rows(report))
        if report.matches:
            self._heading("Match groups")
            self._pairs(_group_rows(report))
        if report.sources:
            self._heading("Sources")
            self._sources_table(colours)
        self._heading("What the check left out, and its thresholds")
        self._pairs(_settings_rows(report))
        self._heading("Models")
        self._pairs([(kind, version or "off") for kind, version in report.model_versions.items()])
        if submission is not None:
            self._heading("The file checked")
            pdf.set_font("body", "", BODY)
            pdf.cell(
                pdf.epw, LINE, "SHA-256 of its bytes (ties this report to the file):", new_x="LMARGIN", new_y="NEXT"
            )
            pdf.set_font("mono", "", 9)
            pdf.cell(pdf.epw, LINE + 1, submission.sha256, new_x="LMARGIN", new_y="NEXT")

    def integrity(self) -> None:
        pdf, report = self.pdf, self.report
        self._heading("Integrity flags")
        pdf.set_font("body", "", BODY)
        if not report.integrity:
            pdf.multi_cell(pdf.epw, LINE, "None: no hidden characters, look-alike letters or special forms were found.")
            return
        for line in report.integrity:
            pdf.multi_cell(pdf.epw, LINE, f"• {line}", new_x="LMARGIN", new_y="NEXT")
        for kind, places in report.integrity_places.items():
            if not places or not report.text:
                continue
            pdf.set_font("body", "B", BODY)
            shown = places[:PLACES_SHOWN]
            where = f"{_INTEGRITY_KINDS.get(kind, kind)}, where they are (▮), the first {PLACES_SHOWN} at most:"
            pdf.cell(pdf.epw, LINE + 1, where, new_x="LMARGIN", new_y="NEXT")
            for place in shown:
                before = report.text[max(0, place - 40) : place].replace("\n", " ")
                after = report.text[place : place + 40].replace("\n", " ")
                line = [
                    (f"character {place}: …", PLAIN),
                    (before, PLAIN),
                    ("▮", Style(bold=True)),
                    (after + "…", PLAIN),
                ]
                self._flow(line, pdf.l_margin + 4, pdf.epw - 4)

    def charts(self, colours: dict[int, str]) -> None:
        pdf = self.pdf
        position, scores = chart_images(self.report, colours, str(report_fonts().regular))
        width = (pdf.epw - GAP) / 2
        if pdf.will_page_break(width * 2.6 / 3.6 + 16):  # the heading stays with its charts
            pdf.add_page()
        self._heading("Where the matches are")
        top = pdf.get_y()
        pdf.image(position, x=pdf.l_margin, y=top, w=width)
        pdf.image(scores, x=pdf.l_margin + width + GAP, y=top, w=width)
        pdf.set_y(top + width * 2.6 / 3.6 + 2)

    def submission(self, colours: dict[int, str]) -> None:
        pdf, report = self.pdf, self.report
        self._heading("The document")
        if report.text_removed is not None:
            pdf.set_font("body", "", BODY)
            pdf.multi_cell(pdf.epw, LINE, report.text_removed.note, new_x="LMARGIN", new_y="NEXT")
            return
        self._legend()
        pieces = []
        numbered: set[int] = set()
        for piece in cut(report.text, document_marks(report, colours)):
            mark = piece.mark
            if mark is None:
                pieces.append((piece.text, PLAIN))
                continue
            if mark.number is not None and mark.number not in numbered:
                numbered.add(mark.number)
                pieces.append((f"[{mark.number}]", Style(fill=mark.colour, bold=True, small=True)))
            if mark.kind == "excluded":
                pieces.append((piece.text, Style(fill=EXCLUDED, grey=True)))
            else:
                underline = "dashed" if mark.kind == "paraphrase" else None
                pieces.append((piece.text, Style(fill=mark.colour, underline=underline)))
        self._flow(pieces, pdf.l_margin, pdf.epw)

    def matches(self, colours: dict[int, str]) -> None:
        pdf, report = self.pdf, self.report
        if not report.matches:
            return
        pdf.add_page()
        self._heading("Matches side by side")
        pdf.set_font("body", "", BODY)
        pdf.multi_cell(
            pdf.epw,
            LINE,
            "Each match beside the passage of its source. Underlined: runs of words the two passages share word for "
            "word. Scores: similarity is the bi-encoder's (how alike the sentences are in meaning), reranker the "
            "cross-encoder's (the probability that the passage is reused).",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        reranked = bool(report.settings.get("rerank"))
        for number, match in enumerate(report.matches, 1):
            self._match(number, match, colours.get(match.source_id, EXCLUDED), reranked)

    # ----- parts -------------------------------------------------------------------------------------

    def _match(self, number: int, match: MatchResult, colour: str, reranked: bool) -> None:
        pdf = self.pdf
        if pdf.will_page_break(4 * LINE + 8):
            pdf.add_page()
        pdf.ln(3)
        width = (pdf.epw - GAP) / 2
        head = [
            (f"[{number}]", Style(fill=colour, bold=True)),
            (f" {match.source_title}", Style(bold=True)),
            (f" · {match.source_collection} · {match.kind} · {score_text(match)}", PLAIN),
        ]
        if match.group:
            head.append((f" · {match.group}", Style(bold=True)))
        self._flow(head, pdf.l_margin, pdf.epw)
        pdf.set_font("body", "", 8)
        pdf.set_text_color(90, 90, 90)
        top = pdf.get_y()
        pdf.set_xy(pdf.l_margin, top)
        pdf.cell(width, LINE, "In the submission")
        pdf.set_xy(pdf.l_margin + width + GAP, top)
        pdf.cell(width, LINE, _clip(pdf, f"In {match.source_title}", width))
        pdf.set_text_color(0, 0, 0)
        pdf.set_y(top + LINE)
        shared = Style(underline="solid")
        left = self._lines(
            _with_marks(
                match.submission_text, relative((a for a, _ in match.shared), match.submission_span[0]), shared
            ),
            width - 3,
        )
        source_text = match.source_text or "(The source was deleted from the corpus after this check.)"
        right = self._lines(
            _with_marks(source_text, relative((b for _, b in match.shared), match.source_span[0]), shared), width - 3
        )
        self._columns(left, right, colour, width)
        pdf.ln(1)
        words = " ".join(word for word, _ in match.tokens)
        notes = [
            (
                f"{match.kind.capitalize()}: {round(100 * match.coverage)}% of the passage's words are in runs shared "
                "word for word.",
                PLAIN,
            )
        ]
        if match.counterparts:
            notes.append((f" It rests on {match.counterparts} sentences of the source.", PLAIN))
        if words:
            notes += [(" Why they are alike (words both passages weigh): ", PLAIN), (words, Style(bold=True))]
        self._flow(notes, pdf.l_margin, pdf.epw)
        if len(match.segments) > 1:
            for k, segment in enumerate(match.segments or [whole(match)], 1):
                if segment.rerank_score is not None:
                    read = f"reranker {segment.rerank_score:.2f}"
                else:
                    read = "not read by the reranker: copied word for word" if reranked else "no reranker"
                line = (
                    f"Paragraph {k}: {segment.kind}, {round(100 * segment.coverage)}% shared word for word, "
                    f"similarity {segment.score:.2f}, {read}"
                )
                self._flow([(line, Style(small=True))], pdf.l_margin + 4, pdf.epw - 4)

    def _columns(self, left: list[Line], right: list[Line], colour: str, width: float) -> None:
        """Two passages side by side, line by line, across pages; each with its source's colour bar."""
        pdf = self.pdf
        right_x = pdf.l_margin + width + GAP
        for row in range(max(len(left), len(right))):
            if pdf.will_page_break(LINE):
                pdf.add_page()
            y = pdf.get_y()
            for x, lines in ((pdf.l_margin, left), (right_x, right)):
                self._bar(x, y, colour)
                if row < len(lines):
                    self._draw(lines[row], x + 3, y)
            pdf.set_y(y + LINE)

    def _bar(self, x: float, y: float, colour: str) -> None:
        self.pdf.set_fill_color(*_rgb(colour))
        self.pdf.rect(x, y, 1.2, LINE, style="F")

    def _legend(self) -> None:
        pieces = [
            ("Each match is numbered and in its source's colour: ", PLAIN),
            ("copied word for word", Style(fill="#fdb462")),
            (" (plain), ", PLAIN),
            ("paraphrased", Style(fill="#fdb462", underline="dashed")),
            (" (dashed underline). ", PLAIN),
            ("Excluded text", Style(fill=EXCLUDED, grey=True)),
            (" is grey (" + _exclusions(self.report) + ").", PLAIN),
        ]
        self._flow(pieces, self.pdf.l_margin, self.pdf.epw)
        self.pdf.ln(2)

    def _heading(self, text: str) -> None:
        pdf = self.pdf
        if pdf.will_page_break(16):
            pdf.add_page()
        pdf.ln(3)
        pdf.set_font("body", "B", 12)
        pdf.cell(pdf.epw, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("body", "", BODY)

    def _pairs(self, rows: Iterable[tuple[str, str]]) -> None:
        pdf = self.pdf
        for key, value in rows:
            pdf.set_font("body", "B", BODY)
            top = pdf.get_y()
            pdf.multi_cell(45, LINE, key)
            bottom = pdf.get_y()
            pdf.set_xy(pdf.l_margin + 47, top)
            pdf.set_font("body", "", BODY)
            pdf.multi_cell(pdf.epw - 47, LINE, value, new_x="LMARGIN", new_y="NEXT")
            pdf.set_y(max(bottom, pdf.get_y()))

    def _sources_table(self, colours: dict[int, str]) -> None:
        pdf = self.pdf
        pdf.set_font("body", "B", BODY)
        widths = (6, pdf.epw - 6 - 45 - 20 - 20, 45, 20, 20)
        for text, w in zip(("", "Source", "Collection", "Share", "Matches"), widths, strict=True):
            pdf.cell(w, LINE + 1, text, align="R" if text in ("Share", "Matches") else "L")
        pdf.ln(LINE + 1)
        pdf.set_font("body", "", BODY)
        for source in self.report.sources:
            if pdf.will_page_break(LINE + 1):
                pdf.add_page()
            y = pdf.get_y()
            pdf.set_fill_color(*_rgb(colours[source.document_id]))
            pdf.rect(pdf.l_margin, y + 0.8, 4, 3.4, style="F")
            pdf.set_x(pdf.l_margin + widths[0])
            pdf.cell(widths[1], LINE + 1, _clip(pdf, f"{source.title} (#{source.document_id})", widths[1] - 2))
            pdf.cell(widths[2], LINE + 1, _clip(pdf, source.collection, widths[2] - 2))
            pdf.cell(widths[3], LINE + 1, f"{100 * source.share:.1f}%", align="R")
            pdf.cell(widths[4], LINE + 1, str(source.matches), align="R")
            pdf.ln(LINE + 1)

    # ----- flowing text ----------------------------------------------------------------------------------

    def _flow(self, pieces: list[tuple[str, Style]], x: float, width: float) -> None:
        """Styled text wrapped to ``width`` from the current line down, across pages."""
        for line in self._lines(pieces, width):
            if self.pdf.will_page_break(LINE):
                self.pdf.add_page()
            y = self.pdf.get_y()
            self._draw(line, x, y)
            self.pdf.set_y(y + LINE)

    def _lines(self, pieces: list[tuple[str, Style]], width: float) -> list[Line]:
        """Styled text cut into lines no wider than ``width``: at spaces, and inside a word longer than a line."""
        lines: list[Line] = []
        line: Line = []
        used = 0.0
        for text, style in pieces:
            for token in _TOKENS.findall(text.replace("\t", "    ")):
                if token == "\n":
                    lines.append(_trimmed(line))  # spaces before a line break would run past the margin
                    line, used = [], 0.0
                    continue
                if token.isspace():
                    if line:
                        w = self._width(token, style)
                        line.append(Fragment(token, style, w))
                        used += w
                    continue
                w = self._width(token, style)
                while used + w > width and (line or w > width):
                    if line:
                        lines.append(_trimmed(line))
                        line, used = [], 0.0
                        continue
                    head = self._fitting(token, style, width)  # a word longer than a whole line
                    lines.append([Fragment(head, style, self._width(head, style))])
                    token = token[len(head) :]
                    w = self._width(token, style)
                line.append(Fragment(token, style, w))
                used += w
        if line:
            lines.append(_trimmed(line))
        return [_merged(line) for line in lines]

    def _draw(self, line: Line, x: float, y: float) -> None:
        pdf = self.pdf
        for fragment in line:
            if fragment.width <= 0:  # a lone combining mark: fpdf2 reads a cell 0 wide as "to the right margin"
                continue
            style = fragment.style
            pdf.set_font("body", "B" if style.bold else "", BODY - 2 if style.small else BODY)
            if style.fill:
                pdf.set_fill_color(*_rgb(style.fill))
            pdf.set_text_color(*((85, 85, 85) if style.grey else (0, 0, 0)))
            pdf.set_xy(x, y)
            if self._fallback:  # fpdf2 2.8 forgets that the fallback font (CJK) took over inside the last cell: the
                # next cell in the same font would print its letters with the fallback's glyphs. So: named each cell.
                pdf.current_font_is_set_on_page = False
            pdf.cell(fragment.width, LINE, fragment.text, fill=bool(style.fill))
            if style.underline:
                pdf.set_draw_color(60, 60, 60)
                pdf.set_line_width(0.25)
                if style.underline == "dashed":
                    pdf.set_dash_pattern(dash=0.8, gap=0.6)
                pdf.line(x, y + LINE - 0.5, x + fragment.width, y + LINE - 0.5)
                pdf.set_dash_pattern()
            x += fragment.width
        pdf.set_text_color(0, 0, 0)

    def _width(self, text: str, style: Style) -> float:
        key = (text, style.bold, style.small)
        if key not in self._widths:
            self.pdf.set_font("body", "B" if style.bold else "", BODY - 2 if style.small else BODY)
            self._widths[key] = self.pdf.get_string_width(text)
        return self._widths[key]

    def _fitting(self, token: str, style: Style, width: float) -> str:
        """The longest start of ``token`` that fits ``width`` (at least one character)."""
        low, high = 1, len(token)
        while low < high:
            middle = (low + high + 1) // 2
            if self._width(token[:middle], style) <= width:
                low = middle
            else:
                high = middle - 1
        return token[:low]


def _texts(report: CheckReport) -> Iterable[str]:
    """Every text of a report that the PDF prints (what decides the fonts it needs)."""
    yield report.text
    yield report.filename
    for match in report.matches:
        yield from (match.source_title, match.source_collection, match.submission_text, match.source_text, match.group)
        yield from (word for word, _ in match.tokens)
    for source in report.sources:
        yield from (source.title, source.collection)
    if report.submission is not None:
        yield from (report.submission.title, report.submission.author, report.submission.submitted_by or "")
    for made in report.exclusions_made:
        yield from (made.what, made.reason, made.by)


def _with_marks(text: str, spans: list[tuple[int, int]], style: Style) -> list[tuple[str, Style]]:
    return [
        (piece.text, PLAIN if piece.mark is None else piece.mark)
        for piece in cut(text, ((a, b, style) for a, b in spans))
    ]


def _trimmed(line: Line) -> Line:
    while line and line[-1].text.isspace():
        line = line[:-1]
    return line


def _merged(line: Line) -> Line:
    """Neighbouring fragments of one style as one (fewer cells to draw)."""
    merged: Line = []
    for fragment in line:
        if merged and merged[-1].style == fragment.style:
            last = merged[-1]
            merged[-1] = Fragment(last.text + fragment.text, last.style, last.width + fragment.width)
        else:
            merged.append(fragment)
    return merged


def _exclusion_rows(report: CheckReport) -> list[tuple[str, str]]:
    """Each exclusion made after the check: what, why, who and when, and whether it was undone."""
    rows = []
    if report.similarity_as_checked is not None:
        rows.append(("As checked", f"similarity index {percent(report.similarity_as_checked)} before these"))
    for made in report.exclusions_made:
        when = made.at.replace("T", " ").removesuffix("+00:00")
        text = f"{made.what}. Why: {made.reason} ({made.by}, {when} UTC)"
        if not made.active:
            text += f"; restored by {made.restored_by}, {made.restored_at.replace('T', ' ').removesuffix('+00:00')}"
        rows.append(("Restored" if not made.active else "Excluded", text))
    return rows


def _group_rows(report: CheckReport) -> list[tuple[str, str]]:
    """Each match group's count and meaning, and the index without the cited and quoted matches."""
    counts = Counter(match.group for match in report.matches)
    rows = [
        (group.capitalize(), f"{_count(counts[group], 'match')}: {meaning}")
        for group, meaning in MATCH_GROUPS.items()
        if counts[group]
    ]
    rows.append(("Without cited and quoted", f"similarity index {percent(report.similarity_without_cited)}"))
    return rows


def _settings_rows(report: CheckReport) -> list[tuple[str, str]]:
    settings = report.settings
    excluded_sources = settings.get("excluded_sources") or []
    rows = [
        ("Excluded", _exclusions(report)),
        ("Sources left out", ", ".join(f"#{i}" for i in excluded_sources) or "none"),
        (
            "Same author",
            "other documents by the author left out" if settings.get("exclude_same_author") else "searched",
        ),
    ]
    thresholds = [
        ("seed_threshold", "candidate passages: bi-encoder similarity at least"),
        ("trim_threshold", "aligned sentences: similarity at least"),
        ("rerank_threshold", "reranker score at least"),
        ("min_counterparts", "source sentences a paraphrase rests on, at least"),
    ]
    for key, words in thresholds:
        if settings.get(key) is not None:
            rows.append(("Threshold", f"{words} {settings[key]}"))
    return rows


def _exclusions(report: CheckReport) -> str:
    settings = report.settings
    parts = [
        "quotations" if settings.get("exclude_quotes") else "quotations not excluded",
        "the bibliography" if settings.get("exclude_bibliography") else "bibliography not excluded",
    ]
    if settings.get("min_match_words"):
        parts.append(f"matches under {settings['min_match_words']} words")
    counts = [f"{reason}: {len(spans)} passage(s)" for reason, spans in report.excluded.items() if spans]
    return "; ".join(parts) + (f" ({', '.join(counts)})" if counts else "")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}es" if noun.endswith("ch") else f"{n} {noun}s"


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _clip(pdf, text: str, width: float) -> str:
    """``text`` on one line of ``width``, cut with an ellipsis if it is longer."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"
