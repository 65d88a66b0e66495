"""Checks as people run and reopen them: stored reports, and who may see which."""

from __future__ import annotations

from dataclasses import replace

import pytest

from plagdetect.detection.report import CheckOptions
from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import Account, PermissionDenied
from plagdetect.services.checks import list_checks, load_report, run_check
from plagdetect.services.corpus import Corpus
from plagdetect.store.checks import DELETED_SOURCE

from builders import PRINTING_SOURCE, PRINTING_SUBMISSION, PRINTING_UNRELATED, make_people


@pytest.fixture
def people(corpus: Corpus) -> dict[str, Account]:
    return make_people(corpus.context.sessions, students=("sam", "kim"))


@pytest.fixture
def history_corpus(corpus: Corpus) -> Corpus:
    corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    corpus.ingest_bytes(PRINTING_UNRELATED.encode(), "reading-habits.txt", "History")
    return corpus


def test_a_stored_report_reads_back_as_it_was_shown(history_corpus: Corpus, people: dict[str, Account]) -> None:
    stages: list[str] = []
    live = run_check(
        history_corpus.context, people["sam"], PRINTING_SUBMISSION.encode(), "essay.txt", progress=stages.append
    )
    assert stages[0] == "Reading essay.txt" and stages[-1] == "Saving the report" and len(stages) >= 4
    stored = load_report(history_corpus.context, people["sam"], live.check_id)
    assert stored.similarity == live.similarity > 0.3
    assert stored.sources == live.sources
    assert [(m.submission_span, m.source_span, m.kind, m.tokens) for m in stored.matches] == [
        (m.submission_span, m.source_span, m.kind, [tuple(t) for t in m.tokens]) for m in live.matches
    ]
    assert [m.segments for m in stored.matches] == [m.segments for m in live.matches]
    assert stored.excluded == live.excluded and stored.model_versions == live.model_versions


def test_a_student_sees_only_their_own_checks(history_corpus: Corpus, people: dict[str, Account]) -> None:
    sams = run_check(history_corpus.context, people["sam"], PRINTING_SUBMISSION.encode(), "sam.txt")
    kims = run_check(history_corpus.context, people["kim"], PRINTING_UNRELATED.encode(), "kim.txt", CheckOptions())
    assert [c.filename for c in list_checks(history_corpus.context, people["sam"])] == ["sam.txt"]
    assert {c.filename for c in list_checks(history_corpus.context, people["teacher"])} == {"sam.txt", "kim.txt"}
    with pytest.raises(PermissionDenied, match="someone else"):
        load_report(history_corpus.context, people["sam"], kims.check_id)
    assert load_report(history_corpus.context, people["teacher"], sams.check_id).filename == "sam.txt"
    with pytest.raises(PermissionDenied, match="log in"):
        list_checks(history_corpus.context, None)
    with pytest.raises(PermissionDenied, match="log in"):
        run_check(history_corpus.context, None, b"some text", "anonymous.txt")


def test_a_student_reads_only_the_matched_passage_of_a_source(
    history_corpus: Corpus, people: dict[str, Account]
) -> None:
    report = run_check(history_corpus.context, people["sam"], PRINTING_SUBMISSION.encode(), "sam.txt")
    stored = load_report(history_corpus.context, people["sam"], report.check_id)
    source_text = "\n".join(m.source_text for m in stored.matches)
    assert "movable metal type" in source_text
    assert "Historians still debate" not in source_text  # the unmatched rest of the source stays hidden


def test_a_report_still_opens_after_its_source_is_deleted(history_corpus: Corpus, people: dict[str, Account]) -> None:
    report = run_check(history_corpus.context, people["sam"], PRINTING_SUBMISSION.encode(), "sam.txt")
    history_corpus.delete_document(report.sources[0].document_id)
    stored = load_report(history_corpus.context, people["sam"], report.check_id)
    assert stored.similarity == report.similarity
    assert {s.title for s in stored.sources} == {DELETED_SOURCE}
    assert all(m.source_text == "" for m in stored.matches)  # deleted means its text is gone


def test_check_defaults_start_from_the_settings_and_only_an_admin_changes_them(
    corpus: Corpus, people: dict[str, Account]
) -> None:
    from plagdetect.errors import PlagDetectError
    from plagdetect.services.check_defaults import CheckDefaults, load_defaults, save_defaults

    assert load_defaults(corpus.context) == CheckDefaults(
        exclude_quotes=True,
        exclude_bibliography=True,
        min_match_words=corpus.context.settings.min_match_words,
        rerank_threshold=corpus.context.settings.rerank_threshold,
    )
    chosen = CheckDefaults(exclude_quotes=False, exclude_bibliography=True, min_match_words=20, rerank_threshold=0.8)
    with pytest.raises(PermissionDenied):
        save_defaults(corpus.context, people["teacher"], chosen)
    save_defaults(corpus.context, people["admin"], chosen)
    assert load_defaults(corpus.context) == chosen
    with pytest.raises(PlagDetectError, match="between 0 and 1"):
        save_defaults(corpus.context, people["admin"], replace(chosen, rerank_threshold=1.5))
    with pytest.raises(PlagDetectError, match="between 1 and 200"):
        save_defaults(corpus.context, people["admin"], replace(chosen, min_match_words=0))


def test_a_check_uses_the_reranker_threshold_it_is_given(history_corpus: Corpus, people: dict[str, Account]) -> None:
    strict = run_check(
        history_corpus.context,
        people["sam"],
        PRINTING_SUBMISSION.encode(),
        "strict.txt",
        CheckOptions(rerank_threshold=1.0),
    )
    usual = run_check(history_corpus.context, people["sam"], PRINTING_SUBMISSION.encode(), "usual.txt")
    assert strict.matches == [] and strict.settings["rerank_threshold"] == 1.0
    assert usual.matches and usual.settings["rerank_threshold"] == history_corpus.context.settings.rerank_threshold


def test_the_history_still_names_a_deleted_collection(history_corpus: Corpus, people: dict[str, Account]) -> None:
    run_check(
        history_corpus.context,
        people["sam"],
        PRINTING_SUBMISSION.encode(),
        "sam.txt",
        CheckOptions(collection="History"),
    )
    history_corpus.delete_collection("History")
    [summary] = list_checks(history_corpus.context, people["sam"])
    assert summary.collection is None and summary.collection_asked == "History (deleted)"


def test_the_check_queue_runs_checks_in_turn_as_the_person_who_asked(
    history_corpus: Corpus, people: dict[str, Account]
) -> None:
    from plagdetect.services.check_queue import CheckQueue

    queue = CheckQueue(history_corpus.context)
    first = queue.submit(people["sam"], "first.txt", PRINTING_SUBMISSION.encode(), CheckOptions())
    second = queue.submit(people["kim"], "second.txt", b"", CheckOptions())
    report = first.future.result(timeout=300)
    assert first.stages[0] == "Reading first.txt" and first.stages[-1] == "Saving the report"
    assert [c.id for c in list_checks(history_corpus.context, people["sam"])] == [report.check_id]
    with pytest.raises(PlagDetectError, match="empty"):
        second.future.result(timeout=300)  # a bad file fails its own job, not the queue
    assert list_checks(history_corpus.context, people["kim"]) == []


def test_only_collections_with_documents_can_be_searched(history_corpus: Corpus) -> None:
    history_corpus.create_collection("Empty")
    assert history_corpus.searchable_collections() == ["History"]


def test_an_unexpected_error_in_a_queued_check_is_logged_for_the_server_log(
    corpus: Corpus, people: dict[str, Account], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import plagdetect.services.check_queue as check_queue

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(check_queue, "run_check", broken)
    job = check_queue.CheckQueue(corpus.context).submit(people["sam"], "essay.txt", b"text", CheckOptions())
    with caplog.at_level("ERROR", logger="plagdetect.services.check_queue"), pytest.raises(RuntimeError):
        job.future.result(timeout=60)
    [record] = caplog.records
    assert "essay.txt" in record.getMessage() and "sam" in record.getMessage() and record.exc_info
