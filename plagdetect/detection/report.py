"""What a check produces: its options, its matches (with their segments), the sources' shares, the report.

Offsets in a ``MatchResult`` refer to normalised texts (the submission's and the source's); the ``*_original``
spans refer to the texts as extracted, for highlighting and for PAN output. The report is what is stored
(``store.checks``), shown on screen and written to JSON.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from plagdetect.settings import Settings, check_min_match_words, check_rerank_threshold
from plagdetect.text.spans import Span, covered_length

Token = tuple[str, float]  # a word both passages weigh, with its shared weight (the SPLADE explainer)

# The match groups (``detection.match_groups`` puts each match in one), as the commercial checkers name them.
NOT_CITED_OR_QUOTED = "not cited or quoted"
MISSING_QUOTATION_MARKS = "missing quotation marks"
MISSING_CITATION = "missing citation"
CITED_AND_QUOTED = "cited and quoted"
MATCH_GROUPS = {  # each group, and what it means in a sentence
    NOT_CITED_OR_QUOTED: "neither quotation marks nor a citation",
    MISSING_QUOTATION_MARKS: "copied word for word with a citation nearby, but no quotation marks",
    MISSING_CITATION: "in quotation marks, but no citation nearby",
    CITED_AND_QUOTED: "quoted and cited, or a paraphrase that cites its source",
}


@dataclass(frozen=True)
class CheckOptions:
    """What a check searches and what it leaves out; None: the settings' default (``resolved``)."""

    collections: tuple[str, ...] = ()  # the collections searched; (): the whole corpus
    exclude_quotes: bool | None = None
    exclude_bibliography: bool | None = None
    min_match_words: int | None = None
    excluded_sources: frozenset[int] = frozenset()  # document ids
    exclude_same_author: bool = False  # leave out other documents by the submission's author
    author: str | None = None  # the submission's author: needed by exclude_same_author
    rerank_threshold: float | None = None
    # Every document with the submission's bytes is left out (the same file stored in the corpus). An assignment's
    # submission (``services.submissions``) names its own documents in ``excluded_sources`` instead: a classmate's
    # file handed in unchanged is the plainest copy of all.
    leave_out_same_bytes: bool = True

    def resolved(self, settings: Settings) -> CheckOptions:
        """These options with every default filled in from ``settings``, and checked."""
        return replace(
            self,
            exclude_quotes=settings.exclude_quotes if self.exclude_quotes is None else self.exclude_quotes,
            exclude_bibliography=(
                settings.exclude_bibliography if self.exclude_bibliography is None else self.exclude_bibliography
            ),
            min_match_words=check_min_match_words(
                settings.min_match_words if self.min_match_words is None else self.min_match_words
            ),
            rerank_threshold=check_rerank_threshold(
                settings.rerank_threshold if self.rerank_threshold is None else self.rerank_threshold
            ),
        )


@dataclass(frozen=True)
class Segment:
    """One paragraph's part of a match: where it sits on both sides and how it was reused."""

    submission_span: Span
    source_span: Span
    kind: str  # verbatim | paraphrase
    coverage: float
    score: float  # bi-encoder: mean best sentence similarity
    rerank_score: float | None = None  # cross-encoder, when it read the segment (not one copied word for word)
    tokens: list[Token] = field(default_factory=list)  # words both sides share (explainer)
    # The source sentences its sentences resemble most, each the counterpart of one or more of them: what the
    # segment rests on (detection.evidence). 0 in checks stored before it was recorded.
    counterparts: int = 0


@dataclass(frozen=True)
class MatchResult:
    """A passage of the submission found in a source document (one or more paragraphs, in ``segments``)."""

    source_id: int
    source_title: str
    source_collection: str
    submission_span: Span  # in the normalised submission text
    source_span: Span  # in the source's normalised text
    submission_original: Span  # in the submission as extracted
    source_original: Span  # in the source as extracted
    score: float  # bi-encoder: mean best sentence similarity
    rerank_score: float | None  # cross-encoder (mean over the segments it read), when reranking is on
    kind: str  # verbatim | paraphrase
    coverage: float  # share of the submission passage's words in word runs shared with the source
    shared: list[tuple[Span, Span]]  # exact shared word runs: (submission span, source span), absolute
    segments: list[Segment]
    submission_text: str
    source_text: str
    tokens: list[Token] = field(default_factory=list)  # words both sides share most (explainer)
    # Does it give its source credit: quoted, cited, both or neither (``detection.match_groups``); "" in a report
    # of a check stored before groups whose text was removed since.
    group: str = ""
    match_id: int | None = None  # the stored match's id (what an exclusion after the check names)

    @property
    def counterparts(self) -> int:
        """The source sentences the match rests on, over its segments (0: not recorded)."""
        return sum(segment.counterparts for segment in self.segments)


@dataclass(frozen=True)
class NearMiss:
    """An aligned passage pair the reranker read that is in no match (``detection.near_misses``): stored with the
    check for people to label, so the models can learn from what they turn down, not only from what they flag."""

    source_id: int
    submission_span: Span  # in the normalised submission text
    source_span: Span  # in the source's normalised text
    score: float  # bi-encoder: mean best sentence similarity
    rerank_score: float
    submission_text: str
    source_text: str


@dataclass(frozen=True)
class SourceShare:
    document_id: int
    title: str
    collection: str
    share: float  # of the submission's characters
    matches: int


@dataclass(frozen=True)
class TextRemoved:
    """A check whose full text was removed once ``check_text_retention_days`` had passed; its passages stay."""

    removed_at: str  # ISO 8601, UTC
    after_days: int  # the retention in force when it was removed
    length: int  # characters of the normalised text: what shares and positions are measured against

    @property
    def note(self) -> str:
        days = f"{self.after_days} day{'' if self.after_days == 1 else 's'}"
        return (
            f"The full text of this submission was removed after {days} (check_text_retention_days); "
            "only the matched passages are kept."
        )


@dataclass(frozen=True)
class Submission:
    """What was checked, by whom and when: the cover of a report (read back from the stored check)."""

    title: str
    author: str  # "" when the file's metadata names none
    sha256: str  # of the file's bytes: ties the report to the file
    submitted_by: str | None  # the account's name; None: the command line, or an account deleted since
    submitted_at: str  # ISO 8601, UTC
    handed_in_to: str = ""  # "<course>: <assignment>, version N" for work handed in to an assignment
    rerun_because: str = ""  # why a submission's check ran again: a later submission matched it


@dataclass(frozen=True)
class ExclusionMade:
    """A source or a match an instructor took out of a stored check after it ran, and why; it can be undone."""

    id: int
    kind: str  # source | match
    source_id: int | None
    match_id: int | None  # kind "match"
    match_ids: tuple[int, ...]  # the matches it takes out (a source's: those it had when it was excluded)
    what: str  # the source or the match, as the report named it then
    reason: str
    by: str
    at: str  # ISO 8601, UTC
    restored_by: str | None = None
    restored_at: str | None = None

    @property
    def active(self) -> bool:
        return self.restored_at is None


@dataclass
class CheckReport:
    """The result of a check, as stored and as shown."""

    check_id: int | None
    filename: str
    text: str
    similarity: float  # share of the submission's characters inside matches
    sources: list[SourceShare]
    matches: list[MatchResult]
    excluded: dict[str, list[Span]]
    integrity: list[str]
    timings: dict[str, float]
    model_versions: dict[str, str | None]
    settings: dict[str, Any] = field(default_factory=dict)
    text_removed: TextRemoved | None = None  # set once retention removed the full text (``text`` is then "")
    submission: Submission | None = None  # set once the check is stored
    # Where the integrity flags were found: kind (invisible, homoglyphs, compatibility) -> offsets in ``text``
    # (at most 20 each; empty in checks stored before they were recorded, or once the text is removed).
    integrity_places: dict[str, list[int]] = field(default_factory=dict)
    # Sources and matches taken out after the check ran (restored ones too, for the record); the matches of the
    # active ones are not in ``matches``, and ``similarity`` and ``sources`` are without them.
    exclusions_made: list[ExclusionMade] = field(default_factory=list)
    similarity_as_checked: float | None = None  # the index before those exclusions, when there are any

    @property
    def text_length(self) -> int:
        """Characters of the normalised submission, also once its full text is removed."""
        return self.text_removed.length if self.text_removed is not None else len(self.text)

    @property
    def similarity_without_cited(self) -> float:
        """The similarity index without the matches that are cited and quoted (``detection.match_groups``)."""
        return similarity([m for m in self.matches if m.group != CITED_AND_QUOTED], self.text_length)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def with_matches(report: CheckReport, matches: list[MatchResult]) -> CheckReport:
    """The report of only these of its matches: the index and the sources' shares recomputed."""
    return replace(
        report,
        matches=matches,
        similarity=similarity(matches, report.text_length),
        sources=source_shares(matches, report.text_length),
    )


def similarity(matches: list[MatchResult], length: int) -> float:
    """Share of a text ``length`` characters long that lies inside matches."""
    return covered_share([m.submission_span for m in matches], length)


def covered_share(spans: list[Span], length: int) -> float:
    """Share of a text ``length`` characters long inside ``spans``, as a report gives it (4 decimals)."""
    return round(covered_length(spans) / max(1, length), 4)


def source_shares(matches: list[MatchResult], length: int) -> list[SourceShare]:
    """Each source's share of a text ``length`` characters long (characters inside its matches), largest first."""
    by_source: dict[int, list[MatchResult]] = defaultdict(list)
    for match in matches:
        by_source[match.source_id].append(match)
    return sorted(
        (
            SourceShare(
                document_id=source_id,
                title=found[0].source_title,
                collection=found[0].source_collection,
                share=covered_share([m.submission_span for m in found], length),
                matches=len(found),
            )
            for source_id, found in by_source.items()
        ),
        key=lambda s: (-s.share, s.document_id),
    )


def collections_searched(settings: dict[str, Any]) -> list[str]:
    """The collections a stored check searched, by the names it gave them ([]: the whole corpus)."""
    names = (settings or {}).get("collections")
    if names is None:  # checks stored before a check could search several collections
        names = [settings["collection"]] if (settings or {}).get("collection") else []
    return list(names)


def settings_used(settings: Settings, options: CheckOptions) -> dict[str, Any]:
    """The settings a check ran with (``options`` resolved), as its report records them."""
    return {
        "collections": list(options.collections),
        "exclude_quotes": options.exclude_quotes,
        "exclude_bibliography": options.exclude_bibliography,
        "min_match_words": options.min_match_words,
        "min_paraphrase_words": settings.min_paraphrase_words,
        "excluded_sources": sorted(options.excluded_sources),
        "exclude_same_author": options.exclude_same_author,
        "leave_out_same_bytes": options.leave_out_same_bytes,
        "neighbours": settings.neighbours,
        "seed_threshold": settings.seed_threshold,
        "trim_threshold": settings.trim_threshold,
        "min_counterparts": settings.min_counterparts,
        "rerank": settings.rerank,
        "rerank_threshold": options.rerank_threshold if settings.rerank else None,
        "chunk_sentences": settings.chunk_sentences,
        "chunk_stride": settings.chunk_stride,
        "query_stride": settings.query_stride,
    }
