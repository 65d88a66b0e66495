"""The review queue: the pairs a check stores (matches and near misses), labels, agreement, export and import."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from plagdetect.detection.report import CheckOptions
from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import Account, Accounts, PermissionDenied
from plagdetect.services.checks import run_check
from plagdetect.services.corpus import Corpus
from plagdetect.services.review import Review, State, cohens_kappa
from plagdetect.store.checks import purge_expired_texts
from plagdetect.store.tables import Check

from builders import ESSAY_RAILWAYS, PRINTING_SOURCE, PRINTING_SUBMISSION, PRINTING_UNRELATED, make_people

# The printing essay copies one paragraph word for word and rewords another (reranker about 0.67); at a threshold
# of 0.9 the reworded one is turned down: a near miss.
STRICT = CheckOptions(rerank_threshold=0.9)
RAILWAYS_REWORDED = (
    "Britain saw its first public railways open early in the 1800s. Steam engines shortened journeys between "
    "factory towns from several days to a few hours. During the railway mania of the 1840s, investors put huge sums "
    "into new lines. A lot of those firms went bankrupt, yet the network they laid down survived them. Even "
    "standard time was introduced so that train timetables across the nation would match."
)


@pytest.fixture
def people(corpus: Corpus) -> dict[str, Account]:
    return make_people(corpus.context.sessions, students=("sam",))


@pytest.fixture
def review(corpus: Corpus) -> Review:
    corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    corpus.ingest_bytes(PRINTING_UNRELATED.encode(), "reading-habits.txt", "History")
    corpus.ingest_bytes(ESSAY_RAILWAYS.encode(), "railways.txt", "Transport")
    return Review(corpus.context)


def checked(review: Review, person: Account, options: CheckOptions = STRICT, text: str = PRINTING_SUBMISSION) -> int:
    return run_check(review.context, person, text.encode(), "essay.txt", options).check_id


def test_a_check_stores_its_matches_and_the_near_misses_its_reranker_turned_down(
    review: Review, people: dict[str, Account]
) -> None:
    check_id = checked(review, people["sam"])
    queue = review.queue(people["teacher"], state=State.ALL)
    kinds = {item.kind for item in queue}
    assert kinds == {"verbatim", "near miss"}
    miss = next(item for item in queue if item.kind == "near miss")
    assert miss.check_id == check_id and miss.threshold == 0.9 and 0.3 < miss.rerank_score < 0.9
    assert queue[-1].kind == "verbatim" and queue[-1].rerank_score is None  # never read by the reranker: last

    passages = review.passages(people["teacher"], miss.pair_id)
    assert "250 towns" in passages.submission_text and "By 1500" in passages.source_text
    assert passages.tokens and all(weight > 0 for _, weight in passages.tokens)  # explained now: not by the check
    copied = review.passages(people["teacher"], queue[-1].pair_id)
    assert "Gutenberg" in copied.submission_text and copied.shared and copied.tokens
    start, end = copied.shared[0][0]
    assert (
        copied.submission_text[start:end].split()[:4]
        == copied.source_text[copied.shared[0][1][0] : copied.shared[0][1][1]].split()[:4]
    )

    # At the default threshold the same essay gives no near miss: the reworded paragraph is a match.
    checked(review, people["sam"], CheckOptions())
    newest = review.queue(people["teacher"], state=State.ALL)
    assert len(newest) == 2 and {item.kind for item in newest} == {"verbatim", "paraphrase"}  # one item per pair


def test_the_queue_puts_the_most_uncertain_first_and_filters(review: Review, people: dict[str, Account]) -> None:
    both = PRINTING_SUBMISSION + "\n\n" + RAILWAYS_REWORDED
    first = checked(review, people["sam"], CheckOptions(), text=both)
    second = checked(review, people["sam"])
    queue = review.queue(people["teacher"], state=State.ALL)
    distances = [item.uncertainty for item in queue if item.uncertainty is not None]
    assert len(distances) >= 2 and distances == sorted(distances)
    assert all(item.uncertainty is None for item in queue[len(distances) :])
    assert {item.collection for item in queue} == {"History", "Transport"}
    assert {item.collection for item in review.queue(people["teacher"], collection="Transport", state="all")} == {
        "Transport"
    }
    assert {item.check_id for item in review.queue(people["teacher"], check_id=second, state="all")} == {second}
    assert review.queue(people["teacher"], collection="Nowhere", state="all") == []
    assert first != second


def test_each_persons_latest_label_counts_and_disagreement_shows(review: Review, people: dict[str, Account]) -> None:
    checked(review, people["sam"])
    teacher, admin = people["teacher"], people["admin"]
    miss, copy = sorted(review.queue(teacher), key=lambda item: item.kind != "near miss")
    review.label(teacher, miss.pair_id, "plagiarism", "reworded, same figures")
    review.label(teacher, copy.pair_id, "plagiarism")
    assert review.queue(teacher) == []  # nothing unlabelled is left
    assert [item.pair_id for item in review.queue(admin, state=State.NOT_MINE)] == [miss.pair_id, copy.pair_id]

    review.label(teacher, miss.pair_id, "unsure")  # changes their mind: the latest counts
    review.label(admin, miss.pair_id, "not plagiarism")
    review.label(admin, copy.pair_id, "plagiarism")
    (disputed,) = review.queue(teacher, state=State.DISPUTED)
    assert disputed.pair_id == miss.pair_id
    assert {(label.labeller, label.verdict) for label in disputed.labels} == {
        ("tess", "unsure"),
        ("ada", "not plagiarism"),
    }
    assert [item.pair_id for item in review.queue(teacher, state="labelled", labeller="ADA")] == [
        miss.pair_id,
        copy.pair_id,
    ]

    summary = review.summary(teacher)
    assert (summary.pairs, summary.labelled, summary.unlabelled, summary.by_you, summary.disputed) == (2, 2, 0, 2, 1)
    assert summary.verdicts == {"plagiarism": 2, "not plagiarism": 1, "unsure": 1}
    (pair,) = summary.agreement
    assert (pair.first, pair.second, pair.pairs) == ("ada", "tess", 2)
    assert pair.kappa == 0.3333  # agree on 1 of 2, chance 1 in 4: (0.5 - 0.25) / 0.75

    with pytest.raises(PlagDetectError, match="one of: plagiarism, not plagiarism, unsure"):
        review.label(teacher, copy.pair_id, "maybe")
    with pytest.raises(PlagDetectError, match="No pair with id 999"):
        review.label(teacher, 999, "plagiarism")


def test_cohens_kappa_matches_the_textbook_example() -> None:
    # 50 items: both yes 20, first yes second no 5, first no second yes 10, both no 15 -> kappa 0.4.
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    assert cohens_kappa(pairs) == 0.4
    assert cohens_kappa([("yes", "yes")] * 3) is None and cohens_kappa([]) is None


def test_only_staff_review_and_only_an_admin_imports(review: Review, people: dict[str, Account]) -> None:
    checked(review, people["sam"])
    pair_id = review.queue(people["teacher"])[0].pair_id
    for attempt in (
        lambda: review.queue(people["sam"]),
        lambda: review.summary(people["sam"]),
        lambda: review.passages(people["sam"], pair_id),
        lambda: review.label(people["sam"], pair_id, "not plagiarism"),
        lambda: list(review.export_labels(people["sam"])),
        lambda: review.import_labels(people["teacher"], []),
        lambda: review.queue(None),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    Accounts(review.sessions).set_active(people["admin"], people["teacher"].id, False)
    with pytest.raises(PermissionDenied):  # disabled since the page was opened
        review.label(people["teacher"], pair_id, "plagiarism")


def test_deleting_a_source_deletes_the_labels_that_hold_its_text(
    review: Review, corpus: Corpus, people: dict[str, Account]
) -> None:
    checked(review, people["sam"])
    for item in review.queue(people["teacher"]):
        review.label(people["teacher"], item.pair_id, "plagiarism")
    source_id = review.queue(people["teacher"], state="all")[0].source_id
    assert review.labels_holding(people["teacher"], [source_id]) == 2
    corpus.delete_document(source_id)
    assert review.labels_holding(people["teacher"], [source_id]) == 0
    assert list(review.export_labels(people["teacher"])) == []
    assert review.queue(people["teacher"], state="all") == []


def test_labels_travel_as_json_lines_and_a_bad_file_imports_nothing(
    review: Review, corpus: Corpus, people: dict[str, Account], tmp_path
) -> None:
    checked(review, people["sam"])
    for item in review.queue(people["teacher"]):
        review.label(people["teacher"], item.pair_id, "plagiarism", "seen in class")
    lines = list(review.export_labels(people["admin"]))
    records = [json.loads(line) for line in lines]
    assert len(records) == 2 and {r["verdict"] for r in records} == {"plagiarism"}
    assert all(r["submission_text"] and r["source_text"] and r["labeller"] == "tess" for r in records)
    assert all(r["model_versions"]["cross-encoder"] for r in records)

    # Into another installation: the labels come in once, however often the file is imported.
    other = Corpus.open(replace(corpus.context.settings, data_dir=tmp_path / "other"), encoder=None)
    try:
        admin = make_people(other.context.sessions, students=())["admin"]
        elsewhere = Review(other.context)
        assert elsewhere.import_labels(admin, lines) == (2, 0)
        assert elsewhere.import_labels(admin, lines + [""]) == (0, 2)
        assert [json.loads(line)["submission_text"] for line in elsewhere.export_labels(admin)] == [
            r["submission_text"] for r in records
        ]
        broken = [lines[0], '{"verdict": "plagiarism"}', "not json", json.dumps({**records[1], "verdict": "yes"})]
        with pytest.raises(PlagDetectError, match="Nothing was imported: line 2: submission_text .* line 3: .* line 4"):
            elsewhere.import_labels(admin, broken)
        assert len(list(elsewhere.export_labels(admin))) == 2
    finally:
        other.close()


def test_when_a_checks_text_is_removed_its_near_misses_go_and_the_labels_stay(
    review: Review, people: dict[str, Account]
) -> None:
    check_id = checked(review, people["sam"])
    miss = next(item for item in review.queue(people["teacher"]) if item.kind == "near miss")
    review.label(people["teacher"], miss.pair_id, "not plagiarism")
    with review.sessions.begin() as session:
        session.execute(
            update(Check).where(Check.id == check_id).values(created_at=datetime.now(UTC) - timedelta(days=40))
        )
    assert purge_expired_texts(review.sessions, 30, datetime.now(UTC)) == 1
    left = review.queue(people["teacher"], state="all")
    assert [item.kind for item in left] == ["verbatim"]
    assert "Gutenberg" in review.passages(people["teacher"], left[0].pair_id).submission_text  # kept with its match
    (record,) = [json.loads(line) for line in review.export_labels(people["teacher"])]
    assert record["verdict"] == "not plagiarism" and "250 towns" in record["submission_text"]
