"""The lexical path: a copy found by shared fingerprints, sentence by sentence, whatever the models' thresholds."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from plagdetect.detection.lexical import runs_of, sentence_pairs
from plagdetect.detection.pipeline import check_bytes
from plagdetect.detection.report import CheckOptions
from plagdetect.evaluation.generated import noised, reflowed
from plagdetect.services.corpus import Corpus
from plagdetect.store.fingerprints import Hits
from plagdetect.store.tables import Fingerprint, FingerprintSet
from plagdetect.text.chunking import sentence_units
from plagdetect.text.fingerprints import fingerprints

from builders import ESSAY_PHOTOSYNTHESIS, ESSAY_RAILWAYS, ESSAY_VOLCANOES, PRINTING_SOURCE, PRINTING_TITLE

# Two sentences of the printing source (300 characters): a short copy, as older PAN corpora and students make.
PASSAGE = PRINTING_SOURCE[PRINTING_SOURCE.index("Each letter") : PRINTING_SOURCE.index("decades.") + len("decades.")]
PASSAGE_AT = PRINTING_SOURCE.index(PASSAGE)


def hits_between(submission: str, source: str, document: int = 7) -> Hits:
    """What the store's lookup would return for ``submission`` against a corpus of ``source`` alone."""
    import numpy as np

    wanted = set(fingerprints(submission).hashes.tolist())
    found = fingerprints(source)
    rows = [(h, s) for h, s in zip(found.hashes.tolist(), found.starts.tolist(), strict=True) if h in wanted]
    return Hits(
        np.array([h for h, _ in rows], dtype=np.int64),
        np.full(len(rows), document, dtype=np.int64),
        np.array([s for _, s in rows], dtype=np.int64),
    )


OWN = "In my opinion this was the most important change of the century for ordinary people."
FIRST, SECOND = PASSAGE[: PASSAGE.index(" His workshop")], PASSAGE[PASSAGE.index("His workshop") :]


@pytest.mark.parametrize(
    "paragraph",
    [f"{PASSAGE} {OWN}", f"{OWN} {PASSAGE}", f"{FIRST} {OWN} {SECOND}"],
    ids=["own sentence after the copy", "before it", "between its two sentences"],
)
def test_only_the_copied_sentences_count_not_the_students_own_sentence_beside_them(paragraph: str) -> None:
    submission = f"{ESSAY_RAILWAYS}\n\n{paragraph}\n\n{ESSAY_VOLCANOES}"
    units = sentence_units(submission)
    runs = runs_of(fingerprints(submission), hits_between(submission, PRINTING_SOURCE), min_chars=80)
    source_units = sentence_units(PRINTING_SOURCE)
    pairs = sentence_pairs(runs, units, {7: source_units})[7]
    copied = {submission[slice(*units[i])] for i, _ in pairs}
    assert copied == {FIRST, SECOND}  # each copied sentence on its own evidence, the student's own not
    assert all(PASSAGE_AT <= source_units[j][0] < PASSAGE_AT + len(PASSAGE) for _, j in pairs)


def test_a_run_needs_min_chars_of_shared_text() -> None:
    phrase = "used movable metal type"  # 19 folded characters: shorter than a k-gram
    submission = f"{ESSAY_RAILWAYS} The printers {phrase} for their books."
    assert runs_of(fingerprints(submission), hits_between(submission, PRINTING_SOURCE), min_chars=80) == []
    runs = runs_of(fingerprints(PASSAGE), hits_between(PASSAGE, PRINTING_SOURCE), min_chars=80)
    assert len(runs) == 1 and runs[0].covered >= len(PASSAGE) - 20


@pytest.fixture
def strict(corpus: Corpus, encoder):
    """A corpus whose every model threshold refuses everything: only the lexical path can find a copy."""
    corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    corpus.ingest_bytes(ESSAY_PHOTOSYNTHESIS.encode(), "photosynthesis.txt", "Biology")
    settings = replace(corpus.context.settings, seed_threshold=0.999, trim_threshold=0.999, rerank_threshold=1.0)
    opened = [Corpus.open(replace(settings, lexical=on), encoder=encoder) for on in (True, False)]
    yield opened
    for each in opened:
        each.close()


@pytest.mark.parametrize("kind", ["verbatim", "reflowed", "noised"])
def test_a_short_copy_in_a_long_unrelated_document_is_found_whatever_the_models_thresholds(strict, kind) -> None:
    with_lexical, without = strict
    copy = {"verbatim": PASSAGE, "reflowed": reflowed(PASSAGE, random.Random(1)), "noised": None}[kind]
    if copy is None:
        copy = noised(PASSAGE, random.Random(2), letters=0.02, joins=0.04)
        assert copy != PASSAGE
    submission = "\n\n".join([ESSAY_RAILWAYS, ESSAY_VOLCANOES, copy, ESSAY_RAILWAYS.replace("railway", "canal")])
    report = check_bytes(with_lexical.context, submission.encode(), "essay.txt", CheckOptions())
    [match] = report.matches
    start = submission.index(copy)
    assert match.submission_span == (start, start + len(copy))  # all of the copy, nothing of the host
    assert match.source_span == (PASSAGE_AT, PASSAGE_AT + len(PASSAGE))
    assert match.source_title == PRINTING_TITLE and match.rerank_score is None  # decided: the reranker never read it
    assert check_bytes(without.context, submission.encode(), "essay.txt", CheckOptions()).matches == []


def test_a_documents_fingerprints_go_with_it_and_old_documents_get_theirs_when_the_index_opens(
    corpus: Corpus, encoder
) -> None:
    added = corpus.ingest_bytes(PRINTING_SOURCE.encode(), "printing-press.txt", "History")
    sessions = corpus.context.sessions

    def stored() -> int:
        with sessions() as session:
            return session.scalar(
                select(func.count()).select_from(Fingerprint).where(Fingerprint.document_id == added.document_id)
            )

    count = stored()
    found = fingerprints(PRINTING_SOURCE)
    assert count == len(set(zip(found.hashes.tolist(), found.starts.tolist(), strict=True))) > 0
    with sessions.begin() as session:  # as a database written before the lexical path
        session.query(Fingerprint).delete()
        session.query(FingerprintSet).delete()
    reopened = Corpus.open(corpus.context.settings, encoder=encoder)
    try:
        reopened.context.open_index()
        assert stored() == count
        reopened.delete_document(added.document_id)
    finally:
        reopened.close()
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Fingerprint)) == 0
        assert session.scalar(select(func.count()).select_from(FingerprintSet)) == 0
