"""A sentence is in a match only with evidence of its own: a counterpart in the source that no longer alignment of
that source already holds, and a paraphrase only with several source sentences behind it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from plagdetect.detection import pipeline
from plagdetect.detection.align import Aligned, Source
from plagdetect.detection.evidence import corroborated, could_match, with_own_counterparts
from plagdetect.detection.report import CheckOptions
from plagdetect.services.corpus import Corpus
from plagdetect.store.checks import load_check
from plagdetect.store.documents import SourceText
from plagdetect.text.offsets import OffsetMap

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"

DP_SOURCE = """Dynamic Programming

Dynamic programming is a method for solving a complex problem by breaking it down into simpler subproblems, \
solving each of them only once and storing their solutions. The next time the same subproblem occurs, its solution \
is looked up instead of being computed again, which saves computation time at the cost of some storage space. The \
method was developed by the mathematician Richard Bellman in the 1950s, who chose the word programming to mean \
planning rather than writing code.

A problem suits dynamic programming when it has two properties. It must have optimal substructure, meaning that an \
optimal solution can be built from optimal solutions of its subproblems. It must also have overlapping subproblems, \
meaning that a naive recursive algorithm would solve the same subproblems again and again.
"""

# An answer written on the topic without the source: its definition says what any definition says.
DP_OWN_ANSWER = """In computer science, dynamic programming is a general method for solving a complicated problem by \
first breaking it down into a collection of simpler subproblems, each of which is solved just once, with its solution \
stored in a table for later use.

I used it in my programming course to write a program that finds the cheapest route through a grid of towns. My \
first version tried every route and took minutes even on a small map. After I kept a table of the cheapest cost to \
reach each town, the same map took less than a second.

In my experience the hardest part is deciding what the small problems are. Once that is clear, writing the table and \
filling it in the right order is mostly routine work.
"""


def test_an_own_answer_whose_definition_resembles_the_sources_gives_zero(settings, encoder, tmp_path) -> None:
    """Clough & Stevenson's independent answers are flagged this way: one sentence of the student's resembles the
    source's definition (reranker 0.87). One source sentence is not enough for a paraphrase; and as nothing else of
    that source is near it, the alignment can never become a match, so the reranker does not even read it."""

    def check(min_counterparts: int) -> tuple[pipeline.Found, list]:
        corpus = Corpus.open(
            replace(settings, data_dir=tmp_path / str(min_counterparts), min_counterparts=min_counterparts),
            encoder=encoder,
        )
        try:
            corpus.ingest_bytes(DP_SOURCE.encode(), "dynamic-programming.txt", "CS")
            options = CheckOptions().resolved(corpus.context.settings)
            found = pipeline.find(corpus.context, DP_OWN_ANSWER.encode(), "answer.txt", options)
            return found, pipeline.matches_found(found, options, corpus.context.settings)
        finally:
            corpus.close()

    found, matches = check(2)  # the default
    assert matches == [] and found.aligned == []
    found, matches = check(1)  # what it was before
    (alone,) = found.aligned
    assert len(alone.counterparts) == 1 and alone.rerank_score >= settings.rerank_threshold
    assert [m.submission_text[:40] for m in matches] == [DP_OWN_ANSWER[:40]]


def test_a_closing_sentence_of_the_students_own_beside_a_copied_paragraph_is_not_in_the_match(
    settings, encoder, tmp_path
) -> None:
    """The sample submission: two paragraphs copied or paraphrased from the coral-reef source, then the student's
    own opinion, which resembles the source's last sentence (at a trim threshold of 0.6 it is aligned, and the
    reranker passes it). That sentence is already the counterpart of the paragraph before it: the opinion has no
    evidence of its own."""
    corpus = Corpus.open(replace(settings, trim_threshold=0.6), encoder=encoder)
    try:
        corpus.ingest_paths([SAMPLES / "corpus"], "samples")
        text = (SAMPLES / "submission-sample.txt").read_text()
        options = CheckOptions().resolved(corpus.context.settings)
        found = pipeline.find(corpus.context, text.encode(), "submission-sample.txt", options)
        matches = pipeline.matches_found(found, options, corpus.context.settings)
    finally:
        corpus.close()
    closing = found.prepared.normalized.text.index("In my opinion")
    sentences = found.prepared.sentences
    echo = [a for a in found.aligned if sentences[a.first_query][0] == closing]
    assert echo and echo[0].rerank_score >= options.rerank_threshold  # the reranker alone would keep it
    assert len(echo[0].counterparts) == 1

    assert matches and all(m.submission_span[1] <= closing for m in matches)
    copied = found.prepared.normalized.text.index("Scientists call this bleaching")
    assert any(m.submission_span[0] <= copied < m.submission_span[1] for m in matches)
    index = sum(m.submission_span[1] - m.submission_span[0] for m in matches) / len(found.prepared.normalized.text)
    assert 0.6 < index < 0.75  # the two borrowed paragraphs of four (82 % with the opinion counted)


def test_a_report_says_how_many_source_sentences_each_match_rests_on(corpus: Corpus) -> None:
    corpus.ingest_paths([SAMPLES / "corpus"], "samples")
    data = (SAMPLES / "submission-sample.txt").read_bytes()
    report = pipeline.check_bytes(corpus.context, data, "submission-sample.txt")
    (match,) = report.matches  # the copied paragraph and the paraphrased one, joined
    # Four copied sentences and three paraphrased ones, each with its own counterpart in the source.
    assert [segment.counterparts for segment in match.segments] == [4, 3] and match.counterparts == 7
    stored = load_check(corpus.context.sessions, report.check_id)
    assert [segment.counterparts for segment in stored.matches[0].segments] == [4, 3]


# ----- the two rules on their own ----------------------------------------------------------------------------


def source(document_id: int) -> Source:
    text = "One. Two. Three. Four. Five."
    document = SourceText(document_id, "s", "c", text, text, OffsetMap.identity(len(text)), {0: (0, len(text))})
    return Source(document, [(0, 4), (5, 9), (10, 16), (17, 22), (23, 28)], np.zeros((5, 4), dtype=np.float32))


def aligned(src: Source, first: int, last: int, counterparts: set[int], copied: float = 0.0) -> Aligned:
    return Aligned(src, first, last, min(counterparts), max(counterparts), 0.8, 0.9, copied, frozenset(counterparts))


def test_a_one_sentence_echo_of_a_longer_alignment_goes_and_nothing_else() -> None:
    a, b = source(1), source(2)
    paragraph = aligned(a, 0, 3, {1, 2, 3})
    echo = aligned(a, 5, 5, {3})  # resembles a sentence the paragraph already has
    own_place = aligned(a, 7, 7, {4})  # a counterpart nobody else has
    other_source = aligned(b, 9, 9, {3})  # same sentence number, another document
    copied_echo = aligned(a, 11, 11, {2}, copied=1.0)  # found copied word for word: its own evidence
    two_sentences = aligned(a, 13, 14, {1, 2})  # more than one counterpart: not a single-sentence echo
    everything = [paragraph, echo, own_place, other_source, copied_echo, two_sentences]
    assert with_own_counterparts(everything) == [paragraph, own_place, other_source, copied_echo, two_sentences]


def test_a_match_needs_as_many_source_sentences_as_asked_unless_copied() -> None:
    a = source(1)
    one = [aligned(a, 0, 2, {2})]  # three sentences, all resembling one source sentence
    two = [aligned(a, 4, 4, {1}), aligned(a, 5, 5, {2})]  # joined alignments count together
    copied = [aligned(a, 7, 7, {3}, copied=1.0)]
    assert corroborated([one, two, copied], 2) == [two, copied]
    assert corroborated([one, two, copied], 1) == [one, two, copied]
    assert corroborated([one, two, copied], 3) == [copied]


def test_an_alignment_that_can_never_be_corroborated_is_left_before_reranking() -> None:
    a, b = source(1), source(2)
    lone = aligned(a, 0, 1, {2})  # one counterpart, nothing of its source within 2 sentences
    pair = [aligned(a, 10, 10, {1}), aligned(a, 13, 13, {2})]  # 2 sentences apart: join may make them one match
    overlapping = [aligned(b, 20, 24, {1}), aligned(b, 22, 30, {4})]
    far = aligned(b, 40, 40, {3})  # its source's nearest alignment ends 9 sentences before
    rich = aligned(a, 50, 52, {1, 2})
    copied = aligned(a, 60, 60, {3}, copied=1.0)
    everything = [lone, *pair, *overlapping, far, rich, copied]
    assert could_match(everything, 2, 2) == [*pair, *overlapping, rich, copied]
    assert could_match(everything, 1, 2) == everything
    assert could_match(everything, 3, 2) == [*pair, *overlapping, copied]
