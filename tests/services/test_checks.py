"""Checks as people run and reopen them: stored reports, and who may see which."""

from __future__ import annotations

import io
from dataclasses import replace

import pypdf
import pytest

from plagdetect.detection.report import CheckOptions
from plagdetect.services.accounts import Account, PermissionDenied
from plagdetect.services.checks import list_checks, load_report, run_check
from plagdetect.services.corpus import Corpus
from plagdetect.store.checks import DELETED_SOURCE

from builders import PRINTING_SOURCE, PRINTING_SUBMISSION, PRINTING_TITLE, PRINTING_UNRELATED, make_people


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
    # No reranker score reaches 1.0: the paraphrased paragraph goes; the copied one stays, copied word for word.
    assert [s.kind for m in strict.matches for s in m.segments] == ["verbatim"]
    assert strict.settings["rerank_threshold"] == 1.0
    assert [s.kind for m in usual.matches for s in m.segments] == ["verbatim", "paraphrase"]
    assert usual.settings["rerank_threshold"] == history_corpus.context.settings.rerank_threshold


def test_the_history_still_names_a_deleted_collection(history_corpus: Corpus, people: dict[str, Account]) -> None:
    run_check(
        history_corpus.context,
        people["sam"],
        PRINTING_SUBMISSION.encode(),
        "sam.txt",
        CheckOptions(collections=("History",)),
    )
    history_corpus.delete_collection("History")
    [summary] = list_checks(history_corpus.context, people["sam"])
    assert summary.collection is None and summary.collection_asked == "History (deleted)"


def test_only_collections_with_documents_can_be_searched(history_corpus: Corpus) -> None:
    history_corpus.create_collection("Empty")
    assert history_corpus.searchable_collections() == ["History"]


# ----- the stored text: kept once, and removed once its retention has passed (issue 13) -------------------------

PRIVATE = "My grandmother kept quince orchards near Ghent and never read a printed book."
# A zero-width space inside the copied paragraph, full-width letters, a ligature and a quotation: the normalised
# text differs from the extracted one, so the offsets back to it matter, and the quotation is excluded.
ALTERED = (
    PRINTING_SUBMISSION.replace("Around 1440,", "Around 1440,\u200b")
    .replace("Every age", "Ｅｖｅｒｙ age")
    .replace("In my view", f'{PRIVATE} "Knowledge wants to be ﬁled," she said. In my view')
)


def stored_row(context, check_id: int):
    from plagdetect.store.tables import Check

    with context.sessions() as session:
        return session.get(Check, check_id)


def test_a_check_stores_the_submissions_text_once(history_corpus: Corpus, people: dict[str, Account]) -> None:
    live = run_check(history_corpus.context, people["sam"], ALTERED.encode(), "essay.txt")
    row = stored_row(history_corpus.context, live.check_id)
    assert row.text == live.text and row.offset_map  # the normalised text, with the way back to the extracted one
    assert row.original_text == ""  # not a second copy of the text as extracted


def test_a_stored_report_is_the_report_the_check_returned_highlights_and_all(
    history_corpus: Corpus, people: dict[str, Account]
) -> None:
    from views.report_view import highlighted_document, source_colours

    live = run_check(history_corpus.context, people["sam"], ALTERED.encode(), "essay.txt")
    stored = load_report(history_corpus.context, people["sam"], live.check_id)
    assert live.matches and live.excluded["quotes"]
    assert any(m.submission_original != m.submission_span for m in live.matches)  # the offset map is exercised
    shown, returned = stored.to_dict(), live.to_dict()
    assert shown.pop("timings").items() <= returned.pop("timings").items()  # the live one also times the store
    assert shown == returned
    assert highlighted_document(stored, source_colours(stored)) == highlighted_document(live, source_colours(live))


@pytest.fixture
def retention_corpus(settings, encoder):
    corpus = Corpus.open(replace(settings, check_text_retention_days=30), encoder=encoder)
    corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    yield corpus
    corpus.close()


def make_old(context, check_id: int, days: float) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from plagdetect.store.tables import Check

    with context.sessions.begin() as session:
        when = datetime.now(UTC) - timedelta(days=days)
        session.execute(update(Check).where(Check.id == check_id).values(created_at=when))


def test_past_its_retention_a_checks_text_is_removed_and_its_report_keeps_the_passages(
    retention_corpus: Corpus,
) -> None:
    from plagdetect.services.checks import purge_expired_texts

    context = retention_corpus.context
    sam = make_people(context.sessions)["sam"]
    old = run_check(context, sam, ALTERED.encode(), "old.txt")
    new = run_check(context, sam, PRINTING_SUBMISSION.encode(), "new.txt")
    make_old(context, old.check_id, 31)
    assert purge_expired_texts(context) == 1

    stored = load_report(context, sam, old.check_id)
    assert stored.text == "" and stored.text_removed is not None and stored.text_length == len(old.text)
    assert stored.text_removed.note == (
        "The full text of this submission was removed after 30 days (check_text_retention_days); "
        "only the matched passages are kept."
    )
    assert stored.similarity == old.similarity > 0.3 and stored.sources == old.sources
    assert stored.excluded == old.excluded
    assert [(m.submission_text, m.submission_original, m.source_text, m.segments) for m in stored.matches] == [
        (m.submission_text, m.submission_original, m.source_text, m.segments) for m in old.matches
    ]
    assert load_report(context, sam, new.check_id).text == new.text  # the newer check keeps its text

    data_files = [p for p in context.settings.data_dir.glob("plagdetect.db*") if p.is_file()]
    assert data_files and not any(PRIVATE[:40].encode() in p.read_bytes() for p in data_files)
    assert not context.documents.wipe_pending


def test_with_retention_zero_every_text_is_kept(history_corpus: Corpus, people: dict[str, Account]) -> None:
    from plagdetect.services.checks import purge_expired_texts

    live = run_check(history_corpus.context, people["sam"], PRINTING_SUBMISSION.encode(), "essay.txt")
    make_old(history_corpus.context, live.check_id, 10_000)
    assert history_corpus.context.settings.check_text_retention_days == 0
    assert purge_expired_texts(history_corpus.context) == 0
    assert load_report(history_corpus.context, people["sam"], live.check_id).text == live.text


def test_a_stored_check_removes_expired_texts_at_most_once_an_hour(
    retention_corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    import plagdetect.services.checks as checks_service

    monkeypatch.setattr(checks_service, "_last_purge", {})
    context = retention_corpus.context
    sam = make_people(context.sessions)["sam"]
    first = run_check(context, sam, PRINTING_SUBMISSION.encode(), "first.txt")  # nothing expired yet
    make_old(context, first.check_id, 31)
    second = run_check(context, sam, PRINTING_SUBMISSION.encode(), "second.txt")  # within the hour: no purge
    assert stored_row(context, first.check_id).text == first.text
    monkeypatch.setattr(checks_service, "_last_purge", {})  # an hour later
    run_check(context, sam, PRINTING_SUBMISSION.encode(), "third.txt")
    assert stored_row(context, first.check_id).text == ""
    assert stored_row(context, second.check_id).text == second.text


def test_a_quoted_and_cited_copy_is_told_apart_from_an_uncredited_one(corpus: Corpus, people) -> None:
    from plagdetect.detection.report import CITED_AND_QUOTED, NOT_CITED_OR_QUOTED
    from plagdetect.reports import report_pdf

    corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    paragraphs = PRINTING_SOURCE.split("\n\n")
    essay = (
        "My essay on printing.\n\n"
        f"As Eisenstein (1979) put it, “{paragraphs[2].strip()}”\n\n"
        + "My own view follows, about other matters entirely, in words of my own. "
        * 6
        + "\n\n"
        f"{paragraphs[3].strip()}\n"
    )
    report = run_check(corpus.context, people["sam"], essay.encode(), "essay.txt", CheckOptions(exclude_quotes=False))
    stored = load_report(corpus.context, people["sam"], report.check_id)
    groups = {m.submission_text.strip()[:12]: m.group for m in stored.matches}
    assert groups == {"As Eisenstei": CITED_AND_QUOTED, paragraphs[3].strip()[:12]: NOT_CITED_OR_QUOTED}
    assert [m.group for m in stored.matches] == [m.group for m in report.matches]
    assert 0 < stored.similarity_without_cited < stored.similarity
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(report_pdf(stored))).pages).split())
    assert "Cited and quoted 1 match" in text and "Not cited or quoted 1 match" in text


def test_an_instructor_excludes_a_source_and_a_match_after_the_check_and_undoes_it(
    history_corpus: Corpus, people: dict[str, Account]
) -> None:
    from plagdetect.errors import PlagDetectError
    from plagdetect.services.checks import exclude_from_check, restore_in_check

    context = history_corpus.context
    corpus_b = "Books were copied by hand in monasteries before 1440. " * 4  # a second source, copied too
    history_corpus.ingest_bytes(corpus_b.encode(), "scribes.txt", "History")
    essay = PRINTING_SUBMISSION + "\n\n" + corpus_b
    checked = run_check(context, people["sam"], essay.encode(), "essay.txt")
    assert len(checked.sources) == 2
    printing = next(s for s in checked.sources if s.title == PRINTING_TITLE)
    teacher = people["teacher"]

    with pytest.raises(PermissionDenied):
        exclude_from_check(
            context, people["sam"], checked.check_id, "my own earlier draft", source_id=printing.document_id
        )
    with pytest.raises(PlagDetectError, match="Say why"):
        exclude_from_check(context, teacher, checked.check_id, "  ", source_id=printing.document_id)

    fewer = exclude_from_check(
        context, teacher, checked.check_id, "the student's own draft", source_id=printing.document_id
    )
    assert [s.title for s in fewer.sources] == ["scribes"] and fewer.similarity < checked.similarity
    assert fewer.similarity_as_checked == checked.similarity
    [made] = fewer.exclusions_made
    assert (made.by, made.reason, made.active) == ("tess", "the student's own draft", True)
    assert made.what == f"the source {PRINTING_TITLE}"
    assert load_report(context, people["sam"], checked.check_id).similarity == fewer.similarity  # the student too
    assert (list_checks(context, teacher)[0].similarity, list_checks(context, teacher)[0].matches) == (
        fewer.similarity,
        len(fewer.matches),
    )  # and History's list
    with pytest.raises(PlagDetectError, match="not in this check's report"):
        exclude_from_check(context, teacher, checked.check_id, "again", source_id=printing.document_id)

    history_corpus.delete_document(printing.document_id)  # the excluded source leaves the corpus: still excluded
    assert load_report(context, teacher, checked.check_id).similarity == fewer.similarity
    [scribes] = fewer.matches
    none_left = exclude_from_check(context, teacher, checked.check_id, "a common phrase", match_id=scribes.match_id)
    assert none_left.matches == [] and none_left.similarity == 0
    restored = restore_in_check(context, teacher, made.id)
    restored = restore_in_check(context, people["admin"], none_left.exclusions_made[1].id)
    assert restored.similarity == checked.similarity and restored.similarity_as_checked is None
    assert [m.match_id for m in restored.matches] == [m.match_id for m in checked.matches]
    assert restored.exclusions_made[0].match_ids == tuple(
        m.match_id for m in checked.matches if m.source_id == printing.document_id
    )
    assert [e.restored_by for e in restored.exclusions_made] == ["tess", "ada"]  # the record stays
    assert (list_checks(context, teacher)[0].similarity, list_checks(context, teacher)[0].matches) == (
        checked.similarity,
        len(checked.matches),
    )


def test_checks_are_found_by_file_person_or_collection_and_by_similarity(
    history_corpus: Corpus, people: dict[str, Account]
) -> None:
    context = history_corpus.context
    copied = run_check(context, people["sam"], PRINTING_SUBMISSION.encode(), "mine.txt")
    run_check(context, people["kim"], PRINTING_UNRELATED.encode(), "kims.txt")
    teacher = people["teacher"]
    assert [c.filename for c in list_checks(context, teacher, find="SAM mine")] == ["mine.txt"]
    assert [c.filename for c in list_checks(context, teacher, find="kim")] == ["kims.txt"]
    assert [c.filename for c in list_checks(context, teacher, at_least=copied.similarity)] == ["mine.txt"]
    assert list_checks(context, people["kim"], find="mine") == []  # a student finds only their own
