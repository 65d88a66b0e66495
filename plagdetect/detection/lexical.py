"""The lexical path: word-for-word and near-word-for-word copies found by shared fingerprints, with no model.

The semantic path finds a copy only when the bi-encoder's vectors of its windows come close enough (the seed
threshold), its sentences resemble their source (the trim threshold) and the reranker agrees. A short copy in a
long unrelated document, reflowed or with OCR noise, can fail any of the three. This path does not depend on
them: the submission's fingerprints (``text.fingerprints``) are looked up in the corpus (``store.fingerprints``),
fingerprints that continue each other on both sides are chained into *runs*, and a run long enough says
"copied". It then feeds the same pipeline as the semantic path:

- each run gives seeds (``seeds_of``): the copy becomes a candidate passage whatever its windows' vectors say;
- each submission sentence that a run covers for the most part (``sentence_pairs``) is aligned with the source
  sentences it shares fingerprints with, whatever its similarity (``align.align_sentences``, ``lexical``);
- an alignment whose sentences are mostly such copies is decided: the reranker does not read it
  (``Aligned.copied``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

from plagdetect.detection.align import Seed
from plagdetect.store.fingerprints import Hits
from plagdetect.text.chunking import Window
from plagdetect.text.fingerprints import Fingerprints
from plagdetect.text.spans import Span, merge_spans

MAX_GAP = 100  # characters between two fingerprints of one run (a changed letter loses about K of them)
DRIFT = 20  # characters the source side may shift against the submission side between two fingerprints
SENTENCE_SHARE = 0.5  # share of a sentence's characters a run must cover for the sentence to count as copied


@dataclass
class Run:
    """Fingerprints shared with one source that continue each other on both sides: a copied stretch."""

    source: int
    submission_spans: list[Span] = field(default_factory=list)  # each fingerprint's k-gram in the submission
    source_starts: list[int] = field(default_factory=list)  # where each k-gram starts in the source

    @property
    def shift(self) -> int:
        """Where the source side sits against the submission side at the run's last fingerprint."""
        return self.source_starts[-1] - self.submission_spans[-1][0]

    @property
    def covered(self) -> int:
        """Characters of the submission inside the run's k-grams."""
        return sum(end - start for start, end in merge_spans(self.submission_spans))


def runs_of(submission: Fingerprints, hits: Hits, min_chars: int) -> list[Run]:
    """The runs of shared fingerprints covering at least ``min_chars`` characters of the submission.

    A fingerprint joins the open run of its source whose last fingerprint is at most ``MAX_GAP`` characters
    before it and whose shift differs least (at most ``DRIFT``); otherwise it starts a run. A k-gram that
    occurs in several places of a source (a repeated sentence) may thus feed several runs.
    """
    where: dict[int, list[int]] = defaultdict(list)  # hash -> indices of the submission's fingerprints
    for i, value in enumerate(submission.hashes.tolist()):
        where[value].append(i)
    pairs: dict[int, list[tuple[int, int]]] = defaultdict(list)  # source -> (submission fingerprint, source start)
    for value, document, start in zip(hits.hashes.tolist(), hits.documents.tolist(), hits.starts.tolist(), strict=True):
        for i in where.get(value, ()):
            pairs[document].append((i, start))
    runs: list[Run] = []
    for document, found in pairs.items():
        done: list[Run] = []
        open_runs: list[Run] = []  # runs that a later fingerprint may still join (within MAX_GAP)
        for i, source_start in sorted(found, key=lambda p: (int(submission.starts[p[0]]), p[1])):
            start, end = int(submission.starts[i]), int(submission.ends[i])
            if any(start - run.submission_spans[-1][0] > MAX_GAP for run in open_runs):
                done += [run for run in open_runs if start - run.submission_spans[-1][0] > MAX_GAP]
                open_runs = [run for run in open_runs if start - run.submission_spans[-1][0] <= MAX_GAP]
            shift = source_start - start
            near = [run for run in open_runs if abs(shift - run.shift) <= DRIFT]
            run = min(near, key=lambda r: abs(shift - r.shift), default=None)
            if run is None:
                run = Run(document)
                open_runs.append(run)
            run.submission_spans.append((start, end))
            run.source_starts.append(source_start)
        runs.extend(run for run in done + open_runs if run.covered >= min_chars)
    return sorted(runs, key=lambda r: (r.submission_spans[0][0], r.source))


def seeds_of(runs: list[Run], windows: list[Window], chunk_spans: dict[int, list[Span]]) -> list[Seed]:
    """One seed per (submission window, source chunk) that a run's fingerprints fall in, scored 1.0."""
    window_starts = [w.start for w in windows]
    seeds: set[Seed] = set()
    for run in runs:
        spans = chunk_spans.get(run.source)
        if not spans:  # deleted meanwhile
            continue
        chunk_starts = [start for start, _ in spans]
        for (start, _), source_start in zip(run.submission_spans, run.source_starts, strict=True):
            query = max(0, bisect_right(window_starts, start) - 1)
            position = max(0, bisect_right(chunk_starts, source_start) - 1)
            seeds.add(Seed(query=query, source=run.source, position=position, score=1.0))
    return sorted(seeds, key=lambda s: (s.query, s.source, s.position))


def sentence_pairs(
    runs: list[Run], sentences: list[Span], source_sentences: dict[int, list[Span]]
) -> dict[int, set[tuple[int, int]]]:
    """Per source: (submission sentence, source sentence) pairs of copied text.

    A submission sentence counts when a run covers at least ``SENTENCE_SHARE`` of its characters (its own
    evidence: a sentence beside a copy does not count because its neighbour was copied); it is paired with each
    source sentence that holds the source side of the run's k-grams in it.
    """
    pairs: dict[int, set[tuple[int, int]]] = defaultdict(set)
    starts = [start for start, _ in sentences]
    for run in runs:
        targets = source_sentences.get(run.source)
        if not targets:
            continue
        target_starts = [start for start, _ in targets]
        inside: dict[int, list[tuple[Span, int]]] = defaultdict(list)  # sentence -> (k-gram span, source start)
        for span, source_start in zip(run.submission_spans, run.source_starts, strict=True):
            first = max(0, bisect_right(starts, span[0]) - 1)
            for i in range(first, len(sentences)):
                if sentences[i][0] >= span[1]:
                    break
                if sentences[i][1] > span[0]:
                    inside[i].append((span, source_start))
        for i, found in inside.items():
            low, high = sentences[i]
            covered = sum(min(end, high) - max(start, low) for start, end in merge_spans(span for span, _ in found))
            if covered < SENTENCE_SHARE * max(1, high - low):
                continue
            for span, source_start in found:
                place = source_start + max(0, low - span[0])  # where the sentence's part of the k-gram sits there
                pairs[run.source].add((i, max(0, bisect_right(target_starts, place) - 1)))
    return dict(pairs)
