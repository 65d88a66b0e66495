"""Document-level detection on Clough & Stevenson's corpus of plagiarised short answers (``eval-clough``).

Clough & Stevenson (2011): 95 answers to five questions, each written as a ``cut`` (copied), ``light`` or ``heavy``
revision of the question's Wikipedia source (``orig_taskX.txt``), or ``non`` (written independently, on the same
topic). ``file_information.csv`` names each answer's task and category. The five sources go into a throw-away
corpus and each answer is checked against them as a user's check is (default options, nothing stored); what counts
is its similarity index. A checker that serves instructors gives ``non`` answers an index near 0 and ranks
cut > light > heavy > non; the area under the ROC curve of ``non`` against the rest says how well one threshold on
the index separates them, with no threshold chosen.
"""

from __future__ import annotations

import csv
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from plagdetect.detection import pipeline
from plagdetect.detection.report import CheckOptions, similarity
from plagdetect.encoders.bi_encoder import BiEncoder
from plagdetect.errors import PlagDetectError
from plagdetect.services.corpus import Corpus
from plagdetect.settings import Settings

CATEGORIES = ("cut", "light", "heavy", "non")  # most copied first
COLLECTION = "clough-sources"


@dataclass(frozen=True)
class Answer:
    file: str
    task: str
    category: str
    similarity: float


@dataclass(frozen=True)
class CloughEvaluation:
    answers: list[Answer]
    seconds: float

    def of(self, category: str) -> list[float]:
        return [a.similarity for a in self.answers if a.category == category]

    @property
    def auc(self) -> float:
        """The area under the ROC curve of the index, the copied answers (cut, light, heavy) against ``non``."""
        copied = [a.similarity for a in self.answers if a.category != "non"]
        return roc_auc(copied, self.of("non"))

    @property
    def ranked(self) -> bool:
        """Whether the mean index falls from cut to light to heavy to non, each strictly."""
        means = [statistics.fmean(self.of(c)) for c in CATEGORIES if self.of(c)]
        return len(means) == len(CATEGORIES) and all(a > b for a, b in zip(means, means[1:], strict=False))

    def describe(self) -> str:
        lines = [f"{'category':<9} {'answers':>7} {'mean index':>10} {'median':>7} {'max':>6} {'at 0':>5}"]
        for category in CATEGORIES:
            values = self.of(category)
            if values:
                lines.append(
                    f"{category:<9} {len(values):>7} {100 * statistics.fmean(values):>9.1f}%"
                    f" {100 * statistics.median(values):>6.1f}% {100 * max(values):>5.1f}%"
                    f" {sum(v == 0 for v in values):>5}"
                )
        lines.append(f"AUC of the index, cut/light/heavy against non: {self.auc:.3f}")
        lines.append(f"mean index ranks cut > light > heavy > non: {'yes' if self.ranked else 'no'}")
        lines.append(f"{len(self.answers)} answers, {self.seconds:.0f} s")
        return "\n".join(lines)


def roc_auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """P(a positive scores above a negative), ties counting half (the Mann-Whitney statistic)."""
    if not positives or not negatives:
        raise PlagDetectError("The AUC needs answers of both kinds.")
    above = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return above / (len(positives) * len(negatives))


def read_answers(corpus_dir: Path) -> tuple[dict[str, Path], list[tuple[Path, str, str]]]:
    """The sources by task and (file, task, category) of each answer, as ``file_information.csv`` lists them."""
    listing = corpus_dir / "file_information.csv"
    if not listing.is_file():
        raise PlagDetectError(f"{corpus_dir}: no file_information.csv; give the Clough & Stevenson corpus folder.")
    texts = next((p.parent for p in corpus_dir.rglob("orig_task*.txt")), None)
    if texts is None:
        raise PlagDetectError(f"{corpus_dir}: no orig_task*.txt sources found.")
    sources = {path.stem.removeprefix("orig_task"): path for path in sorted(texts.glob("orig_task*.txt"))}
    answers = []
    with listing.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            category, task = row["Category"].strip(), row["Task"].strip()
            if category not in CATEGORIES or task not in sources:
                raise PlagDetectError(f"{listing}: {row['File']} has task {task!r} and category {category!r}.")
            answers.append((texts / row["File"].strip(), task, category))
    return sources, answers


def eval_clough(
    corpus_dir: str | Path,
    settings: Settings,
    encoder: BiEncoder | None = None,
    progress: Callable[[str], None] | None = None,
) -> CloughEvaluation:
    """Each answer checked against the five sources with the default options; its similarity index kept."""
    started = time.perf_counter()
    sources, listed = read_answers(Path(corpus_dir))
    answers = []
    with tempfile.TemporaryDirectory(prefix="plagdetect-clough-") as scratch:
        corpus = Corpus.open(replace(settings, data_dir=Path(scratch), database_url=""), encoder=encoder)
        try:
            for path in sources.values():
                result = corpus.ingest_bytes(path.read_bytes(), path.name, COLLECTION)
                if result.document_id is None:
                    raise PlagDetectError(f"{path.name}: {result.message}")
            options = replace(CheckOptions(), collections=(COLLECTION,)).resolved(settings)
            for path, task, category in listed:
                found = pipeline.find(corpus.context, path.read_bytes(), path.name, options)
                matches = pipeline.matches_found(found, options, settings)
                index = similarity(matches, len(found.prepared.normalized.text))
                answers.append(Answer(path.name, task, category, index))
                if progress:
                    progress(path.name)
        finally:
            corpus.close()
    return CloughEvaluation(answers, time.perf_counter() - started)
