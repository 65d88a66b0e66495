"""Review pairs and labels in the database: the pairs a check stores for people to label, and their labels.

A check writes its pairs with itself (``store.checks.save_check`` calls ``add_pairs``): one per segment of each
match, and its near misses. A label copies the two passages and what scored them (``add_label``), so it outlives the
check's text and travels in an export; it is deleted with the document whose text it holds (``ON DELETE CASCADE``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from plagdetect.detection.report import MatchResult, NearMiss, Token
from plagdetect.errors import PlagDetectError
from plagdetect.store.tables import Check, Collection, Document, Label, Match, ReviewPair, User

VERDICTS = ("plagiarism", "not plagiarism", "unsure")
NEAR_MISS = "near miss"


def pair_key(submission_text: str, source_text: str) -> str:
    """The same two passages give the same key, however their whitespace was wrapped."""
    joined = " ".join(submission_text.split()) + "\x00" + " ".join(source_text.split())
    return hashlib.sha256(joined.encode()).hexdigest()


# ----- written with a check ------------------------------------------------------------------------------------


def add_pairs(
    session: Session, check: Check, matches: list[MatchResult], near_misses: list[NearMiss], present: set[int]
) -> None:
    """The pairs of a check just flushed (``check.matches`` in the order of ``matches``); sources not ``present``
    (deleted while the check ran) give none."""
    threshold = (check.settings or {}).get("rerank_threshold")
    found = [  # (match id, source, submission passage, source passage, spans, scores, kind)
        (
            row.id,
            match.source_id,
            _cut(match.submission_text, match.submission_span[0], s.submission_span),
            _cut(match.source_text, match.source_span[0], s.source_span),
            s.submission_span,
            s.source_span,
            s.score,
            s.rerank_score,
            s.kind,
        )
        for row, match in zip(check.matches, matches, strict=True)
        for s in match.segments
    ]
    found += [
        (
            None,
            m.source_id,
            m.submission_text,
            m.source_text,
            m.submission_span,
            m.source_span,
            m.score,
            m.rerank_score,
            NEAR_MISS,
        )
        for m in near_misses
    ]
    for match_id, source_id, sub, src, sub_span, src_span, score, rerank_score, kind in found:
        if source_id not in present:
            continue
        session.add(
            ReviewPair(
                check_id=check.id,
                match_id=match_id,
                source_document_id=source_id,
                pair_key=pair_key(sub, src),
                submission_start=sub_span[0],
                submission_end=sub_span[1],
                source_start=src_span[0],
                source_end=src_span[1],
                bi_score=score,
                rerank_score=rerank_score,
                threshold=threshold,
                kind=kind,
            )
        )


def _cut(text: str, start: int, span: tuple[int, int]) -> str:
    return text[span[0] - start : span[1] - start]


def remove_near_misses(session: Session, check_id: int) -> None:
    """A check's near misses, once its text is removed (retention): their passages of the submission go with it."""
    session.execute(delete(ReviewPair).where(ReviewPair.check_id == check_id, ReviewPair.match_id.is_(None)))


# ----- read for the queue ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairRow:
    """A stored pair as the queue orders and filters it (no texts)."""

    id: int
    pair_key: str
    check_id: int
    filename: str
    checked_at: datetime
    source_id: int
    source_title: str
    collection: str
    kind: str
    bi_score: float
    rerank_score: float | None
    threshold: float | None  # the check's rerank_threshold (None: it ran without a reranker)


@dataclass(frozen=True)
class LabelRow:
    """A stored label, without its texts."""

    id: int
    pair_key: str
    pair_id: int | None
    labeller: str
    user_id: int | None
    verdict: str
    comment: str
    created_at: datetime


def list_pairs(
    sessions: sessionmaker[Session], collection: str | None = None, check_id: int | None = None
) -> list[PairRow]:
    """Every stored pair, or those of one check or of sources in one collection; newest first."""
    query = (
        select(
            ReviewPair.id,
            ReviewPair.pair_key,
            ReviewPair.check_id,
            Check.filename,
            Check.created_at,
            ReviewPair.source_document_id,
            Document.title,
            Collection.name,
            ReviewPair.kind,
            ReviewPair.bi_score,
            ReviewPair.rerank_score,
            ReviewPair.threshold,
        )
        .join(Check, Check.id == ReviewPair.check_id)
        .join(Document, Document.id == ReviewPair.source_document_id)
        .join(Collection, Collection.id == Document.collection_id)
        .order_by(ReviewPair.id.desc())
    )
    if collection is not None:
        query = query.where(Collection.name == collection)
    if check_id is not None:
        query = query.where(ReviewPair.check_id == check_id)
    with sessions() as session:
        return [PairRow(*row) for row in session.execute(query)]


def latest_labels(sessions: sessionmaker[Session]) -> list[LabelRow]:
    """Each person's latest label of each pair (by ``pair_key``): the ones that count."""
    latest = select(func.max(Label.id)).group_by(Label.pair_key, func.lower(Label.labeller)).scalar_subquery()
    query = select(
        Label.id,
        Label.pair_key,
        Label.pair_id,
        Label.labeller,
        Label.user_id,
        Label.verdict,
        Label.comment,
        Label.created_at,
    ).where(Label.id.in_(latest))
    with sessions() as session:
        return [LabelRow(*row) for row in session.execute(query.order_by(Label.id))]


@dataclass(frozen=True)
class PairTexts:
    """The two passages of a stored pair and what the check stored of them."""

    submission_text: str
    source_text: str
    tokens: list[Token]  # the words both weigh, as the check's explainer found them ([] for a near miss)


def pair_texts(sessions: sessionmaker[Session], pair_id: int) -> PairTexts:
    with sessions() as session:
        pair = _pair(session, pair_id)
        submission, source, tokens = _texts(session, pair)
        return PairTexts(submission, source, tokens)


def _pair(session: Session, pair_id: int) -> ReviewPair:
    pair = session.get(ReviewPair, pair_id)
    if pair is None:
        raise PlagDetectError(f"No pair with id {pair_id} to review (its check or source may have been deleted).")
    return pair


def _texts(session: Session, pair: ReviewPair) -> tuple[str, str, list[Token]]:
    check = session.get(Check, pair.check_id)
    source = session.get(Document, pair.source_document_id)
    assert check is not None and source is not None  # the pair goes with either
    sub_span = (pair.submission_start, pair.submission_end)
    tokens: list[Token] = []
    match = session.get(Match, pair.match_id) if pair.match_id is not None else None
    if match is not None:
        explanation = match.explanation or {}
        for segment in explanation.get("segments", []):
            if tuple(segment["submission_span"]) == sub_span:
                tokens = [tuple(token) for token in segment.get("tokens", [])]
    if check.text:
        submission = check.text[sub_span[0] : sub_span[1]]
    elif match is not None and "submission_text" in (match.explanation or {}):  # the text removed, the passage kept
        submission = _cut(match.explanation["submission_text"], match.submission_start, sub_span)
    else:
        raise PlagDetectError("The submission's text of this pair was removed (check_text_retention_days).")
    return submission, source.text[pair.source_start : pair.source_end], tokens


# ----- labels -------------------------------------------------------------------------------------------------


def add_label(
    sessions: sessionmaker[Session], pair_id: int, verdict: str, comment: str, user_id: int | None, labeller: str
) -> LabelRow:
    """Store a person's label of a pair, with copies of its texts and of what scored it."""
    if verdict not in VERDICTS:
        raise PlagDetectError(f"A label is one of: {', '.join(VERDICTS)} (not {verdict!r}).")
    with sessions.begin() as session:
        pair = _pair(session, pair_id)
        submission, source_text, _ = _texts(session, pair)
        check = session.get(Check, pair.check_id)
        source = session.get(Document, pair.source_document_id)
        assert check is not None and source is not None
        label = Label(
            pair_id=pair.id,
            pair_key=pair.pair_key,
            check_id=check.id,
            source_document_id=source.id,
            submission_document_id=check.document_id,
            source_sha256=source.sha256,
            source_title=source.title,
            submission_text=submission,
            source_text=source_text,
            verdict=verdict,
            comment=comment.strip()[:5000],
            user_id=user_id,
            labeller=labeller,
            kind=pair.kind,
            bi_score=pair.bi_score,
            rerank_score=pair.rerank_score,
            threshold=pair.threshold,
            model_versions=dict(check.model_versions or {}),
        )
        session.add(label)
        session.flush()
        return LabelRow(
            label.id, label.pair_key, label.pair_id, labeller, user_id, verdict, label.comment, label.created_at
        )


def labels_holding(sessions: sessionmaker[Session], document_ids: Iterable[int]) -> int:
    """How many labels hold the text of these documents (and go when they are deleted)."""
    ids = list(document_ids)
    with sessions() as session:
        return (
            session.scalar(
                select(func.count(Label.id)).where(
                    or_(Label.source_document_id.in_(ids), Label.submission_document_id.in_(ids))
                )
            )
            or 0
        )


def training_labels(sessions: sessionmaker[Session]) -> list[tuple[str, str, str, str, str]]:
    """Each person's latest label of each pair: (pair key, submission text, source text, source document, verdict);
    the source document is its SHA-256, else its title (imported labels of documents this installation lacks)."""
    latest = select(func.max(Label.id)).group_by(Label.pair_key, func.lower(Label.labeller)).scalar_subquery()
    query = select(
        Label.pair_key, Label.submission_text, Label.source_text, Label.source_sha256, Label.source_title, Label.verdict
    ).where(Label.id.in_(latest))
    with sessions() as session:
        return [
            (key, sub, src, sha or title or key, verdict)
            for key, sub, src, sha, title, verdict in session.execute(query.order_by(Label.id))
        ]


# ----- export and import ----------------------------------------------------------------------------------------

EXPORT_FORMAT = "plagdetect-label/1"
_EXPORTED = (
    "pair_key",
    "verdict",
    "comment",
    "labeller",
    "submission_text",
    "source_text",
    "source_sha256",
    "source_title",
    "kind",
    "bi_score",
    "rerank_score",
    "threshold",
    "model_versions",
)


def exported_labels(sessions: sessionmaker[Session]) -> Iterator[dict[str, Any]]:
    """Every label (each person's earlier ones too), oldest first, as plain records."""
    with sessions() as session:
        for label in session.scalars(select(Label).order_by(Label.id)).yield_per(200):
            record = {"format": EXPORT_FORMAT, **{name: getattr(label, name) for name in _EXPORTED}}
            record["created_at"] = _utc(label.created_at).isoformat()
            yield record


def import_labels(sessions: sessionmaker[Session], records: list[dict[str, Any]]) -> tuple[int, int]:
    """Store labels read from an export (checked by the caller); returns (added, already there).

    Each is tied to what this installation holds: the source document with its SHA-256 (so deleting it deletes the
    label), the account with the labeller's name, the newest pair with its two texts.
    """
    added = skipped = 0
    with sessions.begin() as session:
        users = {name.casefold(): user_id for user_id, name in session.execute(select(User.id, User.username))}
        for record in records:
            key = pair_key(record["submission_text"], record["source_text"])
            created = datetime.fromisoformat(record["created_at"]) if record.get("created_at") else datetime.now(UTC)
            created = _utc(created)
            earlier = session.scalars(
                select(Label.created_at).where(
                    Label.pair_key == key, Label.labeller == record["labeller"], Label.verdict == record["verdict"]
                )
            ).all()
            if any(abs((_utc(at) - created).total_seconds()) < 1e-3 for at in earlier):
                skipped += 1
                continue
            sha = record.get("source_sha256") or ""
            source_id = session.scalar(select(Document.id).where(Document.sha256 == sha).limit(1)) if sha else None
            pair_id = session.scalar(
                select(ReviewPair.id).where(ReviewPair.pair_key == key).order_by(ReviewPair.id.desc()).limit(1)
            )
            session.add(
                Label(
                    pair_id=pair_id,
                    pair_key=key,
                    source_document_id=source_id,
                    source_sha256=sha,
                    source_title=str(record.get("source_title") or "")[:500],
                    submission_text=record["submission_text"],
                    source_text=record["source_text"],
                    verdict=record["verdict"],
                    comment=str(record.get("comment") or "")[:5000],
                    user_id=users.get(record["labeller"].casefold()),
                    labeller=record["labeller"][:120],
                    kind=str(record.get("kind") or "")[:20],
                    bi_score=record.get("bi_score"),
                    rerank_score=record.get("rerank_score"),
                    threshold=record.get("threshold"),
                    model_versions=dict(record.get("model_versions") or {}),
                    created_at=created,
                )
            )
            added += 1
    return added, skipped


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were written in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
