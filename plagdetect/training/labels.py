"""People's labels as training pairs: one verdict per pair of passages, split by source document.

Each person's latest label of a pair counts (``services.review``); a pair takes the verdict most of its labellers
gave, and a tie, or a majority of ``unsure``, leaves it out. ``plagiarism`` is label 1, ``not plagiarism`` 0.
The pairs are split by source document into a training part and a held-out part that the new version is judged on
and never learns from; the split is redrawn (with the next seed) until both parts hold both verdicts. The training
part is then balanced (``balanced``).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from plagdetect.errors import PlagDetectError
from plagdetect.training.data import Pair, split_by_group

MIN_PER_VERDICT = 10  # pairs labelled plagiarism, and not plagiarism, that fine-tuning needs at the least
HELD_OUT_SHARE = 0.25  # of the source documents, whose pairs only judge the new version
SPLIT_TRIES = 50
VERDICT_LABEL = {"plagiarism": 1.0, "not plagiarism": 0.0}


@dataclass(frozen=True)
class LabelledPair:
    """A pair of passages with the verdicts that count (each labeller's latest)."""

    submission_text: str
    source_text: str
    source: str  # the source document (its SHA-256, else its title): the unit of the split
    verdicts: tuple[str, ...]


@dataclass(frozen=True)
class LabelSplit:
    train: list[Pair]
    held_out: list[Pair]
    left_out: int  # pairs with no verdict to learn from (unsure, or a tie)
    seed: int

    def summary(self) -> dict[str, int]:
        return {
            "train_pairs": len(self.train),
            "train_plagiarism": sum(p.label == 1.0 for p in self.train),
            "held_out_pairs": len(self.held_out),
            "held_out_plagiarism": sum(p.label == 1.0 for p in self.held_out),
            "source_documents": len({p.group for p in self.train + self.held_out}),
            "left_out_unsure_or_tied": self.left_out,
            "split_seed": self.seed,
        }


def verdict_of(verdicts: Iterable[str]) -> str | None:
    """The verdict most labellers gave; None on a tie or when it is ``unsure``."""
    counts = Counter(verdicts).most_common()
    if not counts or (len(counts) > 1 and counts[0][1] == counts[1][1]):
        return None
    verdict = counts[0][0]
    return verdict if verdict in VERDICT_LABEL else None


def split_labels(labelled: list[LabelledPair], seed: int = 0) -> LabelSplit:
    """Training and held-out pairs (see the module docstring); refuses, saying how many are needed, with too few."""
    pairs = []
    for item in labelled:
        verdict = verdict_of(item.verdicts)
        if verdict is not None:
            pairs.append(Pair(item.submission_text, item.source_text, VERDICT_LABEL[verdict], item.source))
    positives = sum(p.label == 1.0 for p in pairs)
    negatives = len(pairs) - positives
    if positives < MIN_PER_VERDICT or negatives < MIN_PER_VERDICT:
        raise PlagDetectError(
            f"Fine-tuning needs at least {MIN_PER_VERDICT} pairs labelled plagiarism and {MIN_PER_VERDICT} labelled "
            f"not plagiarism (unsure and tied pairs do not count); there are {positives} and {negatives}."
        )
    for attempt in range(SPLIT_TRIES):
        train, held_out = split_by_group(pairs, HELD_OUT_SHARE, seed=seed + attempt)
        if all({0.0, 1.0} <= {p.label for p in part} for part in (train, held_out)):
            return LabelSplit(train, held_out, len(labelled) - len(pairs), seed + attempt)
    sources = len({p.group for p in pairs})
    raise PlagDetectError(
        f"The labelled pairs come from {sources} source document(s): too few to hold some out with both verdicts "
        "on each side. Label pairs from more sources first."
    )


def group_labels(rows: Iterable[tuple[str, str, str, str, str]]) -> list[LabelledPair]:
    """(pair key, submission text, source text, source, verdict) rows, each labeller's latest, as pairs."""
    by_key: dict[str, list[tuple[str, str, str, str, str]]] = defaultdict(list)
    for row in rows:
        by_key[row[0]].append(row)
    return [
        LabelledPair(found[0][1], found[0][2], found[0][3], tuple(row[4] for row in found)) for found in by_key.values()
    ]


def replay_sample(pairs: list[Pair], count: int, seed: int = 0) -> list[Pair]:
    """``count`` pairs of the original training data, drawn at random, so a fine-tuned model keeps what it knew."""
    if count >= len(pairs):
        return list(pairs)
    return random.Random(seed).sample(pairs, count)


def balanced(pairs: list[Pair], seed: int = 0) -> list[Pair]:
    """The pairs with the rarer verdict drawn again at random until both verdicts are as many.

    People label mostly what the checks flag, so plagiarism outnumbers the rest; trained on that, the model's
    scores drift up and a fixed threshold flags more. The shipped model learned from balanced PAN pairs (one
    negative per case, ``training.data.pan_pairs``), and a fine-tuning keeps that balance.
    """
    positives = [p for p in pairs if p.label >= 0.5]
    negatives = [p for p in pairs if p.label < 0.5]
    fewer, more = sorted((positives, negatives), key=len)
    if not fewer:
        return list(pairs)
    extra = random.Random(seed).choices(fewer, k=len(more) - len(fewer))
    return pairs + extra
