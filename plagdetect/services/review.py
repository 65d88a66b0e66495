"""Review: staff label the passage pairs that checks stored, most uncertain first; the labels train the models.

A check stores a pair for each segment of its matches and for its near misses, the passages the reranker turned
down (``store.review``). The queue shows one entry per pair of texts (the same pair met in two checks is one),
ordered by how close the reranker's score lies to the check's threshold; pairs copied word for word, which the
reranker did not read, come last. Several people may label a pair: each person's latest label counts, and where
they differ the pair is disputed. Agreement between two people is Cohen's kappa over the pairs both labelled.

Staff (instructors and admins) label, read the queue and export; only an admin imports.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import combinations

from plagdetect.context import Context
from plagdetect.detection.overlap import word_overlap
from plagdetect.detection.report import Token
from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import STAFF, Account, Role, authorize
from plagdetect.store import review as stored
from plagdetect.store.review import EXPORT_FORMAT, VERDICTS, LabelRow, PairRow
from plagdetect.text.spans import Span

__all__ = ["VERDICTS", "Agreement", "Review", "ReviewItem", "ReviewPassages", "ReviewSummary", "State"]


class State(StrEnum):
    """Which pairs the queue holds, by their labels."""

    UNLABELLED = "unlabelled"  # nobody labelled them
    NOT_MINE = "not labelled by me"
    LABELLED = "labelled"
    DISPUTED = "disputed"  # people's latest labels differ
    ALL = "all"


@dataclass(frozen=True)
class ReviewItem(PairRow):
    """One pair of passages in the queue (its newest stored pair), with the labels that count."""

    labels: tuple[LabelRow, ...] = ()  # each person's latest

    @property
    def pair_id(self) -> int:
        return self.id

    @property
    def uncertainty(self) -> float | None:
        """How far the reranker's score lies from the threshold (None: not read by the reranker)."""
        if self.rerank_score is None or self.threshold is None:
            return None
        return abs(self.rerank_score - self.threshold)

    @property
    def disputed(self) -> bool:
        return len({label.verdict for label in self.labels}) > 1


@dataclass(frozen=True)
class ReviewPassages:
    """What a person reads to judge a pair: both passages, the word runs they share, the words both weigh."""

    submission_text: str
    source_text: str
    shared: list[tuple[Span, Span]]  # runs of 4+ words in both, relative to each passage
    tokens: list[Token]


@dataclass(frozen=True)
class Agreement:
    first: str
    second: str
    pairs: int  # labelled by both
    kappa: float | None  # Cohen's kappa; None when it is not defined (both always gave one same answer)


@dataclass(frozen=True)
class ReviewSummary:
    pairs: int
    labelled: int
    unlabelled: int
    by_you: int
    disputed: int
    verdicts: dict[str, int]  # the latest labels that count, by verdict
    agreement: list[Agreement]


class Review:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.sessions = context.sessions

    def queue(
        self,
        actor: Account | None,
        collection: str | None = None,
        check_id: int | None = None,
        state: State | str = State.UNLABELLED,
        labeller: str | None = None,
        limit: int | None = 50,
    ) -> list[ReviewItem]:
        """The pairs to label, most uncertain first; ``labeller``: only those this person labelled."""
        return self.overview(actor, collection, check_id, state, labeller, limit)[1]

    def summary(
        self, actor: Account | None, collection: str | None = None, check_id: int | None = None
    ) -> ReviewSummary:
        """Counts of the pairs (as the queue's filters choose them) and the agreement between labellers."""
        return self.overview(actor, collection, check_id, limit=0)[0]

    def overview(
        self,
        actor: Account | None,
        collection: str | None = None,
        check_id: int | None = None,
        state: State | str = State.UNLABELLED,
        labeller: str | None = None,
        limit: int | None = 50,
    ) -> tuple[ReviewSummary, list[ReviewItem]]:
        """``summary`` and ``queue`` from one read of the pairs and labels (the Review page shows both)."""
        actor = authorize(self.sessions, actor, *STAFF)
        if state not in set(State):
            raise PlagDetectError(f"A queue holds pairs that are one of: {', '.join(State)} (not {state!r}).")
        items = self._items(collection, check_id)
        me = actor.username.casefold()
        mine = [any(label.labeller.casefold() == me for label in item.labels) for item in items]
        verdicts = Counter(label.verdict for item in items for label in item.labels)
        summary = ReviewSummary(
            pairs=len(items),
            labelled=sum(1 for item in items if item.labels),
            unlabelled=sum(1 for item in items if not item.labels),
            by_you=sum(mine),
            disputed=sum(1 for item in items if item.disputed),
            verdicts={verdict: verdicts[verdict] for verdict in VERDICTS},
            agreement=agreement([item.labels for item in items]),
        )
        wanted = {
            State.UNLABELLED: lambda item, by_me: not item.labels,
            State.NOT_MINE: lambda item, by_me: not by_me,
            State.LABELLED: lambda item, by_me: bool(item.labels),
            State.DISPUTED: lambda item, by_me: item.disputed,
            State.ALL: lambda item, by_me: True,
        }[State(state)]
        chosen = [item for item, by_me in zip(items, mine, strict=True) if wanted(item, by_me)]
        if labeller:
            name = labeller.strip().casefold()
            chosen = [item for item in chosen if any(label.labeller.casefold() == name for label in item.labels)]
        chosen.sort(key=lambda item: (item.uncertainty is None, item.uncertainty or 0.0, -item.pair_id))
        return summary, chosen if limit is None else chosen[:limit]

    def passages(self, actor: Account | None, pair_id: int) -> ReviewPassages:
        """The two passages of a pair, the runs they share and the words both weigh (the explainer's, for a near
        miss, which the check did not explain)."""
        authorize(self.sessions, actor, *STAFF)
        texts = stored.pair_texts(self.sessions, pair_id)
        overlap = word_overlap(texts.submission_text, texts.source_text)
        tokens = texts.tokens
        explainer = self.context.explainer
        if not tokens and explainer is not None:
            tokens = explainer.shared_tokens(
                [(texts.submission_text, texts.source_text)], self.context.settings.explain_tokens
            )[0]
        return ReviewPassages(
            texts.submission_text,
            texts.source_text,
            [(run.submission, run.source) for run in overlap.runs],
            [(word, round(float(weight), 3)) for word, weight in tokens],
        )

    def item(self, actor: Account | None, pair_id: int) -> ReviewItem:
        """One stored pair as the queue shows it, whatever the filters (a link to it opens it: Review ``?pair=ID``)."""
        authorize(self.sessions, actor, *STAFF)
        row = next((row for row in stored.list_pairs(self.sessions, None, None) if row.id == pair_id), None)
        if row is None:
            raise PlagDetectError(f"No pair #{pair_id} to review: it went with its check or its source.")
        labels = tuple(label for label in stored.latest_labels(self.sessions) if label.pair_key == row.pair_key)
        return ReviewItem(**vars(row), labels=labels)

    def label(self, actor: Account | None, pair_id: int, verdict: str, comment: str = "") -> LabelRow:
        """Label a pair as ``actor``: their latest label of it is the one that counts."""
        actor = authorize(self.sessions, actor, *STAFF)
        user_id = actor.id or None  # the command line's OPERATOR is no stored account
        return stored.add_label(self.sessions, pair_id, verdict, comment, user_id, actor.username)

    def labels_holding(self, actor: Account | None, document_ids: Iterable[int]) -> int:
        """How many labels hold the text of these documents: deleting them deletes those labels too."""
        authorize(self.sessions, actor, *STAFF)
        return stored.labels_holding(self.sessions, document_ids)

    def export_labels(self, actor: Account | None) -> Iterator[str]:
        """Every label as a line of JSON (JSON Lines), the earlier labels of each person too, oldest first."""
        authorize(self.sessions, actor, *STAFF)
        for record in stored.exported_labels(self.sessions):
            yield json.dumps(record, ensure_ascii=False)

    def import_labels(self, actor: Account | None, lines: Iterable[str]) -> tuple[int, int]:
        """Labels from JSON Lines (an export); returns (added, already there). Every line is checked first: one
        that is not a label refuses the whole file, naming the line, and nothing is stored."""
        authorize(self.sessions, actor, Role.ADMIN)
        records, problems = [], []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                records.append(_checked_record(json.loads(line)))
            except (ValueError, TypeError) as error:
                problems.append(f"line {number}: {error}")
        if problems:
            shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
            raise PlagDetectError(f"Nothing was imported: {shown}.")
        return stored.import_labels(self.sessions, records)

    def _items(self, collection: str | None, check_id: int | None) -> list[ReviewItem]:
        """One item per pair of texts (its newest stored pair), with the labels that count."""
        labels: dict[str, list[LabelRow]] = defaultdict(list)
        for label in stored.latest_labels(self.sessions):
            labels[label.pair_key].append(label)
        newest: dict[str, PairRow] = {}
        for row in stored.list_pairs(self.sessions, collection, check_id):  # newest first
            newest.setdefault(row.pair_key, row)
        return [ReviewItem(**vars(row), labels=tuple(labels.get(row.pair_key, []))) for row in newest.values()]


def agreement(labels_per_pair: list[tuple[LabelRow, ...]]) -> list[Agreement]:
    """Cohen's kappa for each two people who labelled the same pairs (each person's latest label)."""
    both: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for labels in labels_per_pair:
        verdict_of = {label.labeller: label.verdict for label in labels}
        for first, second in combinations(sorted(verdict_of, key=str.casefold), 2):
            both[(first, second)].append((verdict_of[first], verdict_of[second]))
    return [
        Agreement(first, second, len(pairs), cohens_kappa(pairs)) for (first, second), pairs in sorted(both.items())
    ]


def cohens_kappa(pairs: list[tuple[str, str]]) -> float | None:
    """Agreement beyond chance of two raters over the same items; None where chance agreement is certain."""
    if not pairs:
        return None
    observed = sum(a == b for a, b in pairs) / len(pairs)
    firsts, seconds = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    chance = sum(firsts[v] * seconds[v] for v in firsts) / len(pairs) ** 2
    if chance >= 1.0:
        return None
    return round((observed - chance) / (1.0 - chance), 4)


def _checked_record(record: object) -> dict:
    """An exported label as ``store.review.import_labels`` takes it; ``ValueError`` says what is wrong."""
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    if record.get("format", EXPORT_FORMAT) != EXPORT_FORMAT:
        raise ValueError(f"format {record.get('format')!r} is not {EXPORT_FORMAT!r}")
    if record.get("verdict") not in VERDICTS:
        raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}")
    for name in ("submission_text", "source_text", "labeller"):
        if not isinstance(record.get(name), str) or not record[name].strip():
            raise ValueError(f"{name} must be a non-empty text")
    for name in ("bi_score", "rerank_score", "threshold"):
        if record.get(name) is not None and not isinstance(record[name], int | float):
            raise ValueError(f"{name} must be a number")
    if record.get("created_at"):
        datetime.fromisoformat(str(record["created_at"]))  # ValueError names the bad date
    if record.get("model_versions") is not None and not isinstance(record["model_versions"], dict):
        raise ValueError("model_versions must be an object")
    return record
