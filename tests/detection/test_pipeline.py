from __future__ import annotations

import pytest
from sqlalchemy import select

from plagdetect.detection.pipeline import check_bytes
from plagdetect.detection.report import CheckOptions
from plagdetect.errors import PlagDetectError
from plagdetect.services.corpus import Corpus
from plagdetect.store import Check, Match, SentenceVectors

from builders import (
    ESSAY_PHOTOSYNTHESIS,
    ESSAY_RAILWAYS,
    ESSAY_VOLCANOES,
    PRINTING_SOURCE,
    PRINTING_SUBMISSION,
    PRINTING_TITLE,
    PRINTING_UNRELATED,
)

COPIED = PRINTING_SUBMISSION.index("Around 1440")
PARAPHRASED = PRINTING_SUBMISSION.index("This invention travelled")
OWN_WORDS = PRINTING_SUBMISSION.index("In my view")


@pytest.fixture
def printing_corpus(corpus: Corpus) -> Corpus:
    corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History", author="Prof. Source")
    corpus.ingest_bytes(PRINTING_UNRELATED.encode(), "reading-habits.txt", "History")
    corpus.ingest_bytes(ESSAY_VOLCANOES.encode(), "volcanoes.txt", "Geology")
    return corpus


def check(corpus: Corpus, text: str, **options) -> object:
    return check_bytes(corpus.context, text.encode(), "submission.txt", CheckOptions(**options))


def test_a_copied_and_a_paraphrased_paragraph_are_found_and_the_rest_is_not(printing_corpus: Corpus) -> None:
    report = check(printing_corpus, PRINTING_SUBMISSION)
    assert [s.title for s in report.sources] == [PRINTING_TITLE]
    # The two paragraphs follow each other in both texts: one passage, one segment per paragraph.
    [match] = report.matches
    copied, paraphrased = match.segments
    assert (copied.kind, paraphrased.kind) == ("verbatim", "paraphrase")
    assert copied.submission_span[0] == COPIED
    assert PRINTING_SUBMISSION[copied.submission_span[1] - 20 : copied.submission_span[1]] == "scribes for decades."
    assert PRINTING_SOURCE[slice(*copied.source_span)] == PRINTING_SUBMISSION[slice(*copied.submission_span)]
    assert copied.coverage == 1.0 and paraphrased.coverage < 0.2
    assert PARAPHRASED <= paraphrased.submission_span[0] < PARAPHRASED + 100
    assert PRINTING_SUBMISSION[: paraphrased.submission_span[1]].endswith("discuss them by correspondence.")
    source_paragraph = PRINTING_SOURCE.index("The new technology spread")
    assert source_paragraph <= paraphrased.source_span[0] < source_paragraph + 100
    assert PRINTING_SOURCE[: paraphrased.source_span[1]].endswith("argue about it in letters.")
    assert match.submission_span == (copied.submission_span[0], paraphrased.submission_span[1])
    assert match.shared and all(COPIED <= a < b <= paraphrased.submission_span[0] for (a, b), _ in match.shared)
    assert match.submission_span[1] <= OWN_WORDS  # the student's own words are not flagged
    assert 0.4 < report.similarity < 0.7
    assert report.sources[0].share == report.similarity


def test_a_check_embeds_only_the_submission_and_reads_the_sources_sentence_vectors(
    printing_corpus: Corpus, monkeypatch, caplog
) -> None:
    encoded = []
    encode = printing_corpus.context.encoder.encode

    def counting(texts, **kwargs):
        encoded.extend(texts)
        return encode(texts, **kwargs)

    monkeypatch.setattr(printing_corpus.context.encoder, "encode", counting)
    report = check(printing_corpus, PRINTING_SUBMISSION)
    assert report.matches
    submission = " ".join(PRINTING_SUBMISSION.split())
    assert encoded and all(text in submission for text in encoded)  # not a word of a source is embedded again

    # Sentence vectors missing (not expected: they are stored with the chunks): the check embeds them itself.
    with printing_corpus.context.sessions.begin() as session:
        session.query(SentenceVectors).delete()
    encoded.clear()
    again = check(printing_corpus, PRINTING_SUBMISSION)
    assert [(m.submission_span, m.source_span) for m in again.matches] == [
        (m.submission_span, m.source_span) for m in report.matches
    ]
    assert any(text in " ".join(PRINTING_SOURCE.split()) and text not in submission for text in encoded)
    assert "has no sentence vectors" in caplog.text


def test_a_text_on_the_same_topic_that_borrows_nothing_gives_zero(printing_corpus: Corpus) -> None:
    own = (
        "Printing changed Europe in many ways. Cheap pamphlets carried political arguments to ordinary people, "
        "and newspapers appeared in the seventeenth century. Today the internet plays a similar role, although "
        "it also spreads rumours faster than any printer ever could."
    )
    report = check(printing_corpus, own)
    assert report.similarity == 0 and report.matches == [] and report.sources == []


def test_a_document_that_matches_nothing_gives_zero_not_an_error(corpus: Corpus) -> None:
    report = check(corpus, PRINTING_SUBMISSION)  # empty corpus
    assert report.similarity == 0 and report.matches == [] and report.check_id is not None


def test_the_submission_itself_is_not_a_source(printing_corpus: Corpus) -> None:
    printing_corpus.ingest_bytes(PRINTING_SUBMISSION.encode(), "submission.txt", "History")
    report = check(printing_corpus, PRINTING_SUBMISSION)
    assert [s.title for s in report.sources] == [PRINTING_TITLE]


def test_quoted_text_is_excluded_unless_asked_otherwise(printing_corpus: Corpus) -> None:
    copied = PRINTING_SUBMISSION[COPIED:PARAPHRASED].strip()
    quoting = f'As one historian puts it:\n\n"{copied}"\n\nThat is all I will borrow from that account.'
    assert check(printing_corpus, quoting).matches == []
    assert check(printing_corpus, quoting, exclude_quotes=False).matches


def test_the_bibliography_is_excluded(printing_corpus: Corpus) -> None:
    references = (
        "Essay on volcanoes\n\nI wrote this essay myself and it discusses eruptions in general terms.\n\n"
        "References\n\n" + PRINTING_SOURCE.split("\n\n")[1] + " (Smith, 2019, pp. 12-14).\n"
        "Jones, A. (2020). Printing in Europe. Journal of History, 12(3), 45-67.\n"
        "Brown, B. et al. (2018). Books and readers. Oxford University Press.\n"
    )
    assert check(printing_corpus, references).matches == []
    assert check(printing_corpus, references, exclude_bibliography=False).matches


def test_short_matches_and_chosen_sources_are_left_out(printing_corpus: Corpus) -> None:
    assert check(printing_corpus, PRINTING_SUBMISSION, min_match_words=200).matches == []
    source_id = check(printing_corpus, PRINTING_SUBMISSION).sources[0].document_id
    assert check(printing_corpus, PRINTING_SUBMISSION, excluded_sources=frozenset({source_id})).matches == []
    assert check(printing_corpus, PRINTING_SUBMISSION, exclude_same_author=True, author="Prof. Source").matches == []


def test_a_check_can_be_restricted_to_a_collection(printing_corpus: Corpus) -> None:
    assert check(printing_corpus, PRINTING_SUBMISSION, collections=("Geology",)).matches == []
    assert check(printing_corpus, PRINTING_SUBMISSION, collections=("History",)).matches
    with pytest.raises(PlagDetectError, match="No collection named 'Nope'"):
        check(printing_corpus, PRINTING_SUBMISSION, collections=("Nope",))


def test_the_check_and_its_matches_are_stored(printing_corpus: Corpus) -> None:
    report = check(printing_corpus, PRINTING_SUBMISSION)
    with printing_corpus.context.sessions() as session:
        stored = session.get(Check, report.check_id)
        assert stored.similarity == report.similarity and stored.filename == "submission.txt"
        assert stored.text == PRINTING_SUBMISSION and stored.model_versions["bi-encoder"]
        assert set(stored.timings) >= {"embed", "search", "align", "rerank", "match"}
        matches = session.scalars(select(Match).where(Match.check_id == report.check_id)).all()
        assert [(m.submission_start, m.submission_end, m.type) for m in matches] == [
            (m.submission_span[0], m.submission_span[1], m.kind) for m in report.matches
        ]


def test_a_quotation_inside_a_passage_cuts_it_into_parts_with_their_own_sources(printing_corpus: Corpus) -> None:
    """Hidden characters before the quotation: the parts' original offsets must still be exact."""
    copied = PRINTING_SUBMISSION[COPIED:PARAPHRASED].strip()
    paraphrased = PRINTING_SUBMISSION[PARAPHRASED:OWN_WORDS].strip()
    hidden = copied.replace("Johannes Gutenberg", "Johannes\u200b Guten\u200bberg")
    submission = f"My essay.\n\n{hidden}\n\n“{paraphrased.split('. ')[0]}.” {paraphrased}\n"
    report = check(printing_corpus, submission)
    assert len(report.matches) >= 2
    first, *rest = report.matches
    for match in report.matches:
        start, end = match.submission_original
        assert " ".join(submission[start:end].replace("\u200b", "").split()) == " ".join(match.submission_text.split())
    assert first.kind == "verbatim" and "antimony" in first.submission_text
    assert first.source_span[1] <= PRINTING_SOURCE.index("The new technology spread")  # not the whole passage
    assert all(m.kind == "paraphrase" and m.coverage < 0.3 for m in rest)
    quote = report.excluded["quotes"][0]
    assert all(not (m.submission_span[0] < quote[1] and quote[0] < m.submission_span[1]) for m in report.matches)


def test_a_short_quotation_does_not_make_a_paraphrase_disappear(printing_corpus: Corpus) -> None:
    paraphrased = PRINTING_SUBMISSION[PARAPHRASED:OWN_WORDS].strip()
    plain = check(printing_corpus, f"My essay.\n\n{paraphrased}\n")
    quoted = check(
        printing_corpus, f"My essay.\n\n{paraphrased.replace('traders and artisans', '“traders and artisans”')}\n"
    )
    assert plain.matches and quoted.matches
    assert quoted.similarity > 0.8 * plain.similarity


def test_a_source_deleted_during_the_check_is_stored_as_gone(printing_corpus: Corpus, monkeypatch) -> None:
    import plagdetect.detection.pipeline as pipeline

    matches_of = pipeline.matches_of

    def match_then_delete(*args):
        matches = matches_of(*args)
        for match in matches:
            printing_corpus.delete_document(match.source_id)
        return matches

    monkeypatch.setattr(pipeline, "matches_of", match_then_delete)
    report = check(printing_corpus, PRINTING_SUBMISSION)
    with printing_corpus.context.sessions() as session:
        stored = session.scalars(select(Match).where(Match.check_id == report.check_id)).all()
    assert stored and all(m.source_document_id is None for m in stored)


def test_leaving_out_the_authors_documents_needs_a_name_and_ignores_case(printing_corpus: Corpus) -> None:
    with pytest.raises(PlagDetectError, match="needs the author's name"):
        check(printing_corpus, PRINTING_SUBMISSION, exclude_same_author=True)
    assert check(printing_corpus, PRINTING_SUBMISSION, exclude_same_author=True, author=" prof. SOURCE ").matches == []
    assert check(printing_corpus, PRINTING_SUBMISSION, exclude_same_author=True, author="Someone Else").matches


def test_matches_carry_the_rerankers_score_and_the_words_the_passages_share(printing_corpus: Corpus) -> None:
    report = check(printing_corpus, PRINTING_SUBMISSION)
    [match] = report.matches
    threshold = printing_corpus.context.settings.rerank_threshold
    copied, paraphrased = match.segments
    assert copied.rerank_score is None  # copied word for word: decided by the lexical path, not read by the reranker
    assert threshold <= paraphrased.rerank_score <= 1 and match.rerank_score == paraphrased.rerank_score
    words = [word for word, _ in match.tokens]
    assert "printing" in words or "press" in words
    assert all(segment.tokens for segment in match.segments)
    versions = report.model_versions
    assert versions["cross-encoder"].startswith("cross-encoder-") and versions["splade"].startswith("splade-")
    with printing_corpus.context.sessions() as session:
        check_row = session.get(Check, report.check_id)
        [stored] = check_row.matches
        assert check_row.model_versions == versions and check_row.timings.keys() >= {"align", "explain"}
        assert stored.rerank_score == match.rerank_score
        assert [word for word, _ in stored.explanation["tokens"]] == words


def test_a_passage_the_reranker_scores_below_the_threshold_is_dropped(corpus: Corpus, encoder) -> None:
    from dataclasses import replace

    corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    [match] = check(corpus, PRINTING_SUBMISSION).matches
    weakest = min((s for s in match.segments if s.rerank_score is not None), key=lambda s: s.rerank_score)
    stricter = Corpus.open(
        replace(corpus.context.settings, rerank_threshold=weakest.rerank_score + 1e-4), encoder=encoder
    )
    try:
        kept = [s.submission_span for m in check(stricter, PRINTING_SUBMISSION).matches for s in m.segments]
    finally:
        stricter.close()
    assert weakest.submission_span not in kept
    assert len(kept) == len(match.segments) - 1


FILLER = (
    "Medieval monasteries kept libraries of hand-copied books in their scriptoria. "
    "Monks spent years on a single manuscript, decorating the margins with gold leaf. "
    "Few people outside the church could read, so books stayed rare and expensive."
)
WHALES = (
    "Blue whales are the largest animals known to have lived on Earth. "
    "They feed almost entirely on krill, swallowing tonnes of it every day in summer. "
    "Their calls travel hundreds of kilometres through the cold water of the deep ocean."
)


@pytest.mark.parametrize(
    ("copied", "expected_place"),
    [
        ([ESSAY_VOLCANOES, ESSAY_PHOTOSYNTHESIS], 1),  # after the volcanoes: the second copy
        ([ESSAY_PHOTOSYNTHESIS, WHALES], 1),  # before the whales, which follow the second copy
        ([ESSAY_RAILWAYS, ESSAY_PHOTOSYNTHESIS], 0),  # after the railways: the first copy
    ],
)
def test_a_paragraph_a_source_repeats_is_traced_to_the_copy_that_fits_the_reading_order(
    corpus: Corpus, copied: list[str], expected_place: int
) -> None:
    paragraphs = [ESSAY_RAILWAYS, ESSAY_PHOTOSYNTHESIS, ESSAY_VOLCANOES, FILLER, ESSAY_PHOTOSYNTHESIS, WHALES]
    source = "\n\n".join(paragraphs)
    corpus.ingest_bytes(source.encode(), "repeats-itself.txt", "c")
    places = [source.index(ESSAY_PHOTOSYNTHESIS), source.rindex(ESSAY_PHOTOSYNTHESIS)]
    submission = "\n\n".join([*copied, "I wrote this last paragraph myself, about nothing in particular at all."])
    segments = [s for m in check(corpus, submission).matches for s in m.segments]
    [repeated] = [s for s in segments if submission[slice(*s.submission_span)] == ESSAY_PHOTOSYNTHESIS]
    assert repeated.source_span == (places[expected_place], places[expected_place] + len(ESSAY_PHOTOSYNTHESIS))
    assert len(segments) == 2


def test_with_reranking_and_explanations_off_the_bi_encoder_decides_alone(corpus: Corpus, encoder) -> None:
    from dataclasses import replace

    corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    plain = Corpus.open(replace(corpus.context.settings, rerank=False, explain=False), encoder=encoder)
    try:
        report = check(plain, PRINTING_SUBMISSION)
    finally:
        plain.close()
    [match] = report.matches
    assert match.rerank_score is None and match.tokens == [] and len(match.segments) == 2
    assert report.model_versions["cross-encoder"] is None and report.model_versions["splade"] is None


def test_a_check_holds_no_read_transaction_open_while_its_stages_run(printing_corpus: Corpus, monkeypatch) -> None:
    """Each stage reads what it needs and lets go: a delete's wipe of the write-ahead log never waits on a check."""
    import sqlite3

    import plagdetect.detection.pipeline as pipeline

    database = printing_corpus.context.settings.data_dir / "plagdetect.db"
    wiped: dict[str, bool] = {}

    def probing(name, stage):
        def run(*args, **kwargs):
            with sqlite3.connect(database) as writer:  # someone writes (a delete, say) while the check runs
                writer.execute("CREATE TABLE IF NOT EXISTS probe (x)")
                writer.execute("INSERT INTO probe VALUES (1)")
            writer.close()
            wiped[name] = printing_corpus.context.documents.checkpoint(wait_s=0)  # no reader of ours in the way
            return stage(*args, **kwargs)

        return run

    for name in ("embed_cut", "search_seeds", "align_passages", "rerank", "matches_of", "explain_matches"):
        monkeypatch.setattr(pipeline, name, probing(name, getattr(pipeline, name)))
    report = check(printing_corpus, PRINTING_SUBMISSION)
    assert report.matches and len(wiped) == 6 and all(wiped.values()), wiped
