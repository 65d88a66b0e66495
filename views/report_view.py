"""The report of a check, as the Check and History pages show it. All student text is HTML-escaped here."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import PurePath

import pandas as pd
import plotly.express as px
import streamlit as st

from plagdetect.detection.report import MATCH_GROUPS, CheckReport, MatchResult, Segment, with_matches
from plagdetect.errors import PlagDetectError
from plagdetect.reports import report_pdf
from plagdetect.reports.charts import chart_rows
from plagdetect.reports.marks import COLOURS, cut, document_marks, percent, relative, score_text, source_colours
from plagdetect.services.accounts import Account
from plagdetect.services.corpus_admin import CorpusAdmin
from plagdetect.text.spans import Span
from views.common import corpus_service
from views.links import link, show_link
from views.report_exclusions import show_exclusions

MATCHES_PER_PAGE = 25


def plain(text: str) -> str:
    """``text`` for a Streamlit label or caption, which read Markdown: its Markdown characters escaped."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", text)


def source_label(title: str, document_id: int) -> str:
    """A source's name in charts: HTML-escaped (Plotly reads some HTML) and unique (titles may repeat)."""
    return f"{html.escape(title)} (#{document_id})"


def show_report(report: CheckReport, account: Account | None = None) -> None:
    """A stored check's report; ``account``: the reader (instructors and admins may exclude sources and matches)."""
    colours = source_colours(report)  # of the whole report: a source keeps its colour when groups are filtered
    if report.submission is not None and report.submission.handed_in_to:
        st.caption(f"Handed in to {report.submission.handed_in_to}.")
    if report.submission is not None and report.submission.rerun_because:
        st.info(f"This check was {report.submission.rerun_because}.", icon=":material/update:")
    if report.settings.get("rerun_of"):
        st.caption(f"Re-run of #{report.settings['rerun_of']}: the same file, checked again with other exclusions.")
    index, credited, matches, sources = st.columns(4)
    index.metric(
        "Similarity index",
        percent(report.similarity),
        help="Share of the text inside matches"
        + ("" if report.similarity_as_checked is None else f"; {percent(report.similarity_as_checked)} as checked"),
    )
    credited.metric(
        "Without cited and quoted",
        percent(report.similarity_without_cited),
        help="The index without the matches that are quoted and cited (or paraphrases that cite their source)",
    )
    matches.metric("Matches", len(report.matches))
    sources.metric("Sources", len(report.sources))
    for flag in report.integrity:
        st.warning(f"Integrity: {flag}", icon=":material/warning:")

    show_exclusions(report, account)
    whole_report = report
    if report.matches:
        report = with_matches(report, _chosen_matches(report))
    if not whole_report.matches and whole_report.similarity_as_checked is not None:
        st.info("Every match of this check was excluded after it ran (see above).", icon=":material/block:")
    elif not whole_report.matches:
        st.success("No passage of this document matches the corpus.")
    elif not report.matches:
        st.info("No match is in the groups and sources chosen above.", icon=":material/filter_alt:")
    else:
        st.subheader("Sources")
        st.html(_sources_table(report, colours))
        st.subheader("Where the matches are")
        _charts(report, colours)
    st.subheader("The document")
    if report.text_removed is not None:
        st.info(report.text_removed.note, icon=":material/info:")
    else:
        st.caption(
            "Each match in its source's colour: plain where copied word for word, dashed underline where "
            "paraphrased. " + _exclusions_line(report)
        )
        with st.container(height=520):
            st.html(highlighted_document(report, colours))
    if report.matches:
        st.subheader("Matches side by side")
        first = 0
        if len(report.matches) > MATCHES_PER_PAGE:  # a long document's report stays quick to draw
            starts = range(0, len(report.matches), MATCHES_PER_PAGE)
            first = st.selectbox(
                "Matches",
                starts,
                format_func=lambda k: f"{k + 1} to {min(k + MATCHES_PER_PAGE, len(report.matches))}",
                key=f"match_page_{report.check_id}",
            )
        staff = account is not None and account.is_staff
        for number, match in enumerate(report.matches[first : first + MATCHES_PER_PAGE], first + 1):
            colour = colours.get(match.source_id, COLOURS[0])
            anchor = match_anchor(report.check_id, number) if report.text_removed is None else None
            _show_match(number, match, colour, bool(report.settings.get("rerank")), account if staff else None, anchor)
    _downloads(whole_report)
    if report.check_id is not None:
        show_link(
            "Link to this report (it opens after sign-in, for whoever may see it)",
            link("views/history.py", check=report.check_id),
        )


def _chosen_matches(report: CheckReport) -> list[MatchResult]:
    """The matches of the groups and sources a person chooses to see (all at first)."""
    matches = _chosen_groups(report)
    if len(report.sources) < 2:
        return matches
    titles = {s.document_id: f"{s.title} (#{s.document_id})" for s in report.sources}
    chosen = st.multiselect(
        "Sources",
        list(titles),
        format_func=titles.get,
        placeholder="every source",
        key=f"sources_{report.check_id}",
    )
    return [m for m in matches if not chosen or m.source_id in chosen]


def _chosen_groups(report: CheckReport) -> list[MatchResult]:
    """The matches of the groups a person chooses to see (every group at first), with each group's count."""
    counts = Counter(match.group for match in report.matches)
    present = [group for group in MATCH_GROUPS if counts[group]] + (["other"] if counts[""] else [])
    chosen = st.pills(
        "Match groups",
        present,
        selection_mode="multi",
        default=present,
        format_func=lambda group: f"{group} ({counts['' if group == 'other' else group]})",
        key=f"groups_{report.check_id}",
        help="; ".join(f"{group}: {meaning}" for group, meaning in MATCH_GROUPS.items()),
    )
    wanted = {"" if group == "other" else group for group in chosen}
    return [match for match in report.matches if match.group in wanted]


def highlighted_document(report: CheckReport, colours: dict[int, str]) -> str:
    """The submission as HTML: each match in its source's colour, excluded text in grey (``reports.marks``)."""
    tags, anchored = [], set()
    for start, end, mark in document_marks(report, colours):
        style = f"background:{mark.colour};padding:0 1px;border-radius:2px"
        if mark.kind == "paraphrase":
            style += ";border-bottom:2px dashed #444"
        elif mark.kind == "excluded":
            style += ";color:#555"
        kind = "excluded" if mark.kind == "excluded" else f"match {mark.kind}"
        anchor = ""
        if mark.number is not None and mark.number not in anchored:  # where "Show it in the document" leads
            anchored.add(mark.number)
            anchor = f' id="{match_anchor(report.check_id, mark.number)}"'
        tags.append((start, end, f'<mark class="{kind}"{anchor} style="{style}" title="{html.escape(mark.label)}">'))
    body = _marked(report.text, tags, "</mark>")
    return f'<div style="white-space:pre-wrap;line-height:1.6;font-size:0.95rem">{body}</div>'


def match_anchor(check_id: int | None, number: int) -> str:
    """The id of a match's first mark in the document (a page may show several checks' reports)."""
    return f"check-{check_id}-match-{number}"


def _marked(text: str, marks: list[tuple[int, int, str]], close: str) -> str:
    """``text`` escaped, each mark (start, end, opening tag) wrapped; where marks overlap, the earlier wins."""
    return "".join(
        html.escape(piece.text) if piece.mark is None else f"{piece.mark}{html.escape(piece.text)}{close}"
        for piece in cut(text, marks)
    )


def _sources_table(report: CheckReport, colours: dict[int, str]) -> str:
    rows = "".join(
        f'<tr><td><span style="display:inline-block;width:1em;height:1em;background:{colours[s.document_id]};'
        f'border-radius:2px"></span></td><td>{html.escape(s.title)}</td><td>{html.escape(s.collection)}</td>'
        f'<td style="text-align:right">{100 * s.share:.1f}%</td><td style="text-align:right">{s.matches}</td></tr>'
        for s in report.sources
    )
    head = "<tr><th></th><th>Source</th><th>Collection</th><th>Share of the text</th><th>Matches</th></tr>"
    return f'<table style="width:100%;border-collapse:collapse">{head}{rows}</table>'


def _charts(report: CheckReport, colours: dict[int, str]) -> None:
    """The two charts (the PDF draws the same ones: ``reports.charts``)."""
    rows = pd.DataFrame(
        [
            {
                "match": row.match,
                "source": source_label(row.source, row.source_id),
                "start (% of the text)": row.start,
                "length (% of the text)": row.length,
                "type": row.kind,
                "score": row.score,
            }
            for row in chart_rows(report)
        ]
    )
    by_label = {source_label(s.title, s.document_id): colours[s.document_id] for s in report.sources}
    left, right = st.columns(2)
    position = px.bar(
        rows,
        base="start (% of the text)",
        x="length (% of the text)",
        y="source",
        color="source",
        orientation="h",
        color_discrete_map=by_label,
        hover_data=["match", "type", "score"],
        title="Where in the document the matches fall",
    )
    position.update_layout(showlegend=False, xaxis_range=[0, 100], xaxis_title="position in the document (%)")
    left.plotly_chart(position, width="stretch")
    scores = px.histogram(rows, x="score", color="type", range_x=[0, 1], title="Match scores (reranker when on)")
    scores.update_traces(xbins={"start": 0, "end": 1.0001, "size": 0.05})  # the same 20 bins for one match or many
    right.plotly_chart(scores, width="stretch")


def _exclusions_line(report: CheckReport) -> str:
    parts = [f"{reason}: {len(spans)} passage(s)" for reason, spans in report.excluded.items() if spans]
    minimum = report.settings.get("min_match_words")
    if minimum:
        parts.append(f"matches under {minimum} words left out")
    return "Excluded (grey): " + ("; ".join(parts) if parts else "nothing")


def _reranker_text(segment: Segment, reranked: bool) -> str:
    """The reranker's score of a paragraph, or why it did not read it."""
    if segment.rerank_score is not None:
        return f"{segment.rerank_score:.2f}"
    return "not read: found copied word for word" if reranked else "not read: no reranker"


def _counterparts_text(match: MatchResult) -> str:
    """What the match rests on, in sentences of the source (nothing for checks stored before it was recorded)."""
    if not match.counterparts:
        return ""
    sentences = "sentence" if match.counterparts == 1 else "sentences"
    return f" It rests on {match.counterparts} {sentences} of the source, each the closest to a sentence here."


def _show_match(
    number: int, match: MatchResult, colour: str, reranked: bool, staff: Account | None, anchor: str | None
) -> None:
    """One match beside its source passage; ``staff``: a reader who may open the whole source; ``anchor``: its place
    in the document shown above (None: the text was removed)."""
    group = f" · {match.group}" if match.group else ""
    label = f"[{number}] {plain(match.source_title)} · {match.kind}{group} · {score_text(match)}"
    with st.expander(label, expanded=number == 1):
        sub_shared = relative((a for a, _ in match.shared), match.submission_span[0])
        src_shared = relative((b for _, b in match.shared), match.source_span[0])
        left, right = st.columns(2)
        left.caption("In the submission" + (f" · [show it in the document](#{anchor})" if anchor else ""))
        left.html(passage_html(match.submission_text, sub_shared, colour))
        right.caption(f"In {plain(match.source_title)}")
        if match.source_text:
            right.html(passage_html(match.source_text, src_shared, colour))
            if staff is not None and right.button(
                "Open the whole source", icon=":material/article:", key=f"open_source_{number}_{match.match_id}"
            ):
                _whole_source(staff, match)
        else:
            right.info("The source was deleted from the corpus after this check.")
        st.caption(
            f"{match.kind.capitalize()}: {100 * match.coverage:.0f}% of the passage's words are in runs shared word "
            "for word (underlined)." + _counterparts_text(match)
        )
        if match.tokens:
            words = " ".join(f"`{word}`" for word, _ in match.tokens)
            st.markdown(f"**Why they are alike** (words both passages weigh): {words}")
        if len(match.segments) > 1:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "paragraph": k,
                            "type": s.kind,
                            "shared word for word (%)": round(100 * s.coverage),
                            "similarity": s.score,
                            "reranker": _reranker_text(s, reranked),
                            "words alike": " ".join(word for word, _ in s.tokens),
                        }
                        for k, s in enumerate(match.segments, 1)
                    ]
                ),
                hide_index=True,
                width="stretch",
            )


@st.dialog("The whole source", width="large")
def _whole_source(account: Account, match: MatchResult) -> None:
    """A source's whole text for an instructor, the matched passage in its place (``CorpusAdmin.document_text``)."""
    try:
        info, text = CorpusAdmin(corpus_service(), account).document_text(match.source_id)
    except PlagDetectError as error:
        st.error(str(error))
        return
    name = PurePath(info.filename).name  # the file's name, not where the server keeps it (the sample corpus)
    st.markdown(f"**{plain(info.title)}** · {plain(info.collection)} · {plain(name)}")
    start, end = match.source_span
    body = _marked(text, [(start, end, '<mark class="source-passage">')], "</mark>")
    with st.container(height=560):
        st.html(f'<div style="white-space:pre-wrap;line-height:1.6">{body}</div>')


def passage_html(text: str, shared: list[Span], colour: str) -> str:
    """A passage, escaped, with the word runs it shares (spans relative to it) underlined."""
    body = _marked(text, sorted((start, end, '<u class="shared">') for start, end in shared), "</u>")
    return f'<div style="white-space:pre-wrap;border-left:4px solid {colour};padding-left:0.6rem">{body}</div>'


def _no_formula(value):
    """A CSV cell a spreadsheet will not run as a formula (text from documents may start with = + - @)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _downloads(report: CheckReport) -> None:
    rows = pd.DataFrame(
        [
            {
                "match": number,
                "source": m.source_title,
                "collection": m.source_collection,
                "type": m.kind,
                "group": m.group,
                "similarity": m.score,
                "reranker": m.rerank_score,
                "submission start": m.submission_span[0],
                "submission end": m.submission_span[1],
                "words alike": " ".join(word for word, _ in m.tokens),
                "submission passage": m.submission_text,
                "source passage": m.source_text,
            }
            for number, m in enumerate(report.matches, 1)
        ]
    )
    rows = rows.map(_no_formula)
    stem = report.filename.rsplit(".", 1)[0] or "report"
    left, middle, right = st.columns(3)
    left.download_button(
        "Report as PDF",
        lambda: report_pdf(report),  # written when asked for: a long report takes a moment
        f"{stem}-report.pdf",
        "application/pdf",
        icon=":material/picture_as_pdf:",
        key=f"pdf_{report.check_id}",
    )
    middle.download_button("Matches as CSV", rows.to_csv(index=False), f"{stem}-matches.csv", "text/csv")
    right.download_button(
        "Report as JSON", json.dumps(report.to_dict(), default=str, indent=1), f"{stem}-report.json", "application/json"
    )
