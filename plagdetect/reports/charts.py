"""The on-screen report's two charts drawn as PNG images for the PDF (matplotlib, no display): where in the document
the matches fall, by source, and the matches' scores by type. The figures are the screen's (``views/report_view``
draws the same ones with plotly from ``chart_rows``)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from plagdetect.detection.report import CheckReport


@dataclass(frozen=True)
class ChartRow:
    match: int  # the match's number in the report
    source_id: int
    source: str  # the source's title
    start: float  # % of the text
    length: float  # % of the text
    kind: str  # verbatim | paraphrase
    score: float  # the reranker's when it read the match, else the bi-encoder's


def chart_rows(report: CheckReport) -> list[ChartRow]:
    length = max(1, report.text_length)
    return [
        ChartRow(
            match=number,
            source_id=match.source_id,
            source=match.source_title,
            start=round(100 * match.submission_span[0] / length, 1),
            length=round(100 * (match.submission_span[1] - match.submission_span[0]) / length, 1),
            kind=match.kind,
            score=match.rerank_score if match.rerank_score is not None else match.score,
        )
        for number, match in enumerate(report.matches, 1)
    ]


def chart_images(report: CheckReport, colours: dict[int, str], font: str) -> tuple[bytes, bytes]:
    """The two charts as PNG bytes (``font``: a TrueType file, so titles print in any script the PDF prints)."""
    import matplotlib

    matplotlib.use("Agg")  # no display; a no-op once chosen
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    font_manager.fontManager.addfont(font)
    family = font_manager.FontProperties(fname=font).get_name()
    rows = chart_rows(report)
    style = {"font.family": family, "font.size": 8, "text.parse_math": False}  # a "$" in a title stays a "$"
    with matplotlib.rc_context(style):
        position = Figure(figsize=(3.6, 2.6), dpi=200)
        axes = position.subplots()
        titles = [s.title for s in report.sources]
        labels = [_short(f"{s.title} (#{s.document_id})") for s in report.sources]
        place = {s.document_id: k for k, s in enumerate(report.sources)}
        for row in rows:
            axes.barh(place[row.source_id], max(row.length, 0.4), left=row.start, color=colours[row.source_id])
        axes.set_yticks(range(len(titles)), labels)
        axes.invert_yaxis()
        axes.set_xlim(0, 100)
        axes.set_xlabel("position in the document (%)")
        position.suptitle("Where in the document the matches fall")
        position.tight_layout()

        scores = Figure(figsize=(3.6, 2.6), dpi=200)
        axes = scores.subplots()
        for kind, colour in (("verbatim", "#636efa"), ("paraphrase", "#ef553b")):
            values = [row.score for row in rows if row.kind == kind]
            if values:
                axes.hist(values, bins=20, range=(0, 1), color=colour, alpha=0.7, label=kind, edgecolor="white")
        axes.set_xlim(0, 1)
        axes.set_xlabel("score")
        axes.set_ylabel("matches")
        axes.legend()
        scores.suptitle("Match scores (reranker when on)")
        scores.tight_layout()
    return _png(position), _png(scores)


def _png(figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _short(label: str, width: int = 28) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"
