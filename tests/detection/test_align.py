from __future__ import annotations

import numpy as np

from plagdetect.detection.align import Seed, align_sentences, merge_seeds
from plagdetect.detection.overlap import word_overlap


def test_a_run_of_neighbouring_seeds_is_one_passage() -> None:
    seeds = [Seed(q, source=7, position=10 + q, score=0.8) for q in range(5)]
    [passage] = merge_seeds(seeds)
    assert (passage.first_query, passage.last_query, passage.first_position, passage.last_position) == (0, 4, 10, 14)
    assert passage.seeds == 5 and abs(passage.mean - 0.8) < 1e-9


def test_a_jump_in_the_source_or_a_gap_in_the_submission_starts_a_new_passage() -> None:
    jump = [Seed(0, 1, 3, 0.9), Seed(1, 1, 4, 0.9), Seed(2, 1, 40, 0.9), Seed(3, 1, 41, 0.9)]
    assert [(p.first_position, p.last_position) for p in merge_seeds(jump)] == [(3, 4), (40, 41)]
    gap = [Seed(0, 1, 3, 0.9), Seed(9, 1, 4, 0.9)]
    assert len(merge_seeds(gap, max_query_gap=2)) == 2


def test_seeds_of_different_sources_never_merge() -> None:
    passages = merge_seeds([Seed(0, 1, 0, 0.9), Seed(1, 2, 1, 0.9), Seed(2, 1, 1, 0.9)])
    assert sorted((p.source, p.first_query, p.last_query) for p in passages) == [(1, 0, 2), (2, 1, 1)]


def unit(rows: list[list[float]]) -> np.ndarray:
    array = np.array(rows, dtype=np.float32)
    return array / np.linalg.norm(array, axis=1, keepdims=True)


def test_sentence_alignment_trims_edges_and_splits_paragraphs() -> None:
    # Submission sentences: unrelated, [a, b] in paragraph 0, [c] in paragraph 1, unrelated.
    source = unit([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
    query = unit([[-1, 0, 0, 0.1], [1, 0.1, 0, 0], [0.1, 1, 0, 0], [0, 0, 1, 0.1], [-1, 0, -1, 0]])
    first, second = align_sentences(query, source, query_groups=[0, 0, 0, 1, 1], threshold=0.8)
    assert (first.first_query, first.last_query, first.first_source, first.last_source) == (1, 2, 0, 1)
    assert (second.first_query, second.last_query, second.first_source, second.last_source) == (3, 3, 2, 2)
    assert align_sentences(query, source, [0] * 5, threshold=0.999) == []


def test_a_sentence_the_source_repeats_is_placed_in_reading_order() -> None:
    # Source sentences: a, x, b, y, a, z; the source says "a" twice.
    a, x, b, y, z = np.eye(5)
    source = np.stack([a, x, b, y, a, z])

    def places(*query: np.ndarray) -> list[tuple[int, int]]:
        found = align_sentences(np.stack(query), source, list(range(len(query))), threshold=0.9)
        return [(s.first_source, s.last_source) for s in found]

    assert places(b, a) == [(2, 2), (4, 4)]  # after b: the second "a"
    assert places(x, a) == [(1, 1), (4, 4)]  # the first "a" at or after x
    assert places(a, y) == [(0, 0), (3, 3)]  # before y: the last "a" before it
    assert places(a, z) == [(4, 4), (5, 5)]
    assert places(a) == [(0, 0)]  # nothing to go by: the first
    assert places(z, a) == [(5, 5), (4, 4)]  # none after z: the last


def test_word_overlap_finds_shared_runs_and_measures_coverage() -> None:
    submission = "As everyone knows, the quick brown fox jumps over the lazy dog every single day."
    source = "In the story the quick brown fox jumps over the lazy dog, and nobody minds."
    overlap = word_overlap(submission, source, min_run=4)
    [run] = overlap.runs
    assert submission[run.submission[0] : run.submission[1]] == "the quick brown fox jumps over the lazy dog"
    assert source[run.source[0] : run.source[1]] == "the quick brown fox jumps over the lazy dog"
    assert run.words == 9 and abs(overlap.coverage - 9 / 15) < 1e-9
    assert word_overlap("Entirely different words here.", source).coverage == 0
    assert word_overlap("", source).runs == []
