"""``plagdetect bench pdf``: how the PDF report's time and memory grow with the submission.

A report of a long submission (300 pages, 200 matches by default) is written beside one a tenth of its size, both
from reports made here (generated text, no model), in Latin and in Cyrillic and Greek text. Bounded means: time and
peak memory grow no faster than the text (the ratio of the two runs stays near the ratio of their sizes), and the
large report's peak memory is a small multiple of its PDF.
"""

from __future__ import annotations

import random
import time
import tracemalloc
from dataclasses import dataclass

from plagdetect.detection.report import CheckReport, MatchResult, Segment, SourceShare, Submission, source_shares
from plagdetect.evaluation.bench import generated_documents

WORDS_PER_PAGE = 500
_NON_LATIN = (
    "печатный станок изменил науку книги стали дешевле грамотность росла τυπογραφία άλλαξε την Ευρώπη βιβλία "
    "έγιναν φθηνότερα οι λόγιοι διάβαζαν"
).split()


@dataclass(frozen=True)
class PdfRun:
    pages: int  # of the submission, at WORDS_PER_PAGE
    matches: int
    seconds: float
    peak_mb: float  # Python's allocations at their peak (tracemalloc)
    pdf_mb: float
    pdf_pages: int


@dataclass(frozen=True)
class PdfBench:
    script: str
    small: PdfRun
    large: PdfRun

    def describe(self) -> str:
        size = self.large.pages / self.small.pages
        lines = [f"bench pdf ({self.script} text): a report's time and memory against its size"]
        for run in (self.small, self.large):
            lines.append(
                f"  {run.pages:4d} pages, {run.matches:4d} matches: {run.seconds:6.2f} s, peak {run.peak_mb:6.1f} MB, "
                f"PDF {run.pdf_mb:5.1f} MB in {run.pdf_pages} pages"
            )
        lines.append(
            f"  {size:.0f}x the text: {self.large.seconds / self.small.seconds:.1f}x the time, "
            f"{self.large.peak_mb / self.small.peak_mb:.1f}x the peak memory"
        )
        return "\n".join(lines)


def generated_report(pages: int, matches: int, script: str = "latin", seed: int = 0) -> CheckReport:
    """A stored check's report as the PDF reads it: a submission of ``pages`` pages whose ``matches`` passages come
    from 20 sources, two paragraphs each (one verbatim, one paraphrase)."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    words = 0
    for document in generated_documents(pages // 2 + 4, seed):
        for paragraph in document.split("\n\n"):
            if script != "latin":
                paragraph = " ".join(rng.choice(_NON_LATIN) if rng.random() < 0.6 else w for w in paragraph.split())
            paragraphs.append(paragraph)
            words += len(paragraph.split())
        if words >= pages * WORDS_PER_PAGE:
            break
    text = "\n\n".join(paragraphs)
    starts = [0]
    for paragraph in paragraphs[:-1]:
        starts.append(starts[-1] + len(paragraph) + 2)
    step = max(1, len(paragraphs) // max(1, matches))
    found = []
    for k in range(min(matches, len(paragraphs))):
        first = starts[k * step]
        end = first + len(paragraphs[k * step])
        middle = first + (end - first) // 2
        source_id = 1 + k % 20
        passage = text[first:end]
        found.append(
            MatchResult(
                source_id=source_id,
                source_title=f"Source {source_id}",
                source_collection="Generated",
                submission_span=(first, end),
                source_span=(0, len(passage)),
                submission_original=(first, end),
                source_original=(0, len(passage)),
                score=0.9,
                rerank_score=0.95,
                kind="verbatim",
                coverage=0.6,
                shared=[((first, middle), (0, middle - first))],
                segments=[
                    Segment((first, middle), (0, middle - first), "verbatim", 1.0, 1.0, None, [], 2),
                    Segment((middle, end), (middle - first, len(passage)), "paraphrase", 0.1, 0.8, 0.9, [], 3),
                ],
                submission_text=passage,
                source_text=passage,
                tokens=[("press", 1.0), ("books", 0.8)],
            )
        )
    shares: list[SourceShare] = source_shares(found, len(text))
    return CheckReport(
        check_id=1,
        filename="long-thesis.pdf",
        text=text,
        similarity=sum(s.share for s in shares),
        sources=shares,
        matches=found,
        excluded={},
        integrity=[],
        timings={},
        model_versions={"bi-encoder": "generated", "cross-encoder": "generated"},
        settings={"rerank": True, "exclude_quotes": True, "exclude_bibliography": True, "min_match_words": 8},
        submission=Submission("A long thesis", "", "0" * 64, "bench", "2026-01-01T00:00:00+00:00"),
    )


def bench_pdf(pages: int = 300, matches: int = 200) -> list[PdfBench]:
    """Each script's small and large runs (see the module docstring)."""
    return [
        PdfBench(script, _run(max(1, pages // 10), max(1, matches // 10), script), _run(pages, matches, script))
        for script in ("latin", "cyrillic and greek")
    ]


def _run(pages: int, matches: int, script: str) -> PdfRun:
    import io

    import pypdf

    from plagdetect.reports import report_pdf

    report = generated_report(pages, matches, script)
    report_pdf(generated_report(1, 1, script))  # fonts and imports loaded before the clock starts
    tracemalloc.start()
    started = time.perf_counter()
    data = report_pdf(report)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return PdfRun(
        pages,
        len(report.matches),
        seconds,
        peak / 2**20,
        len(data) / 2**20,
        len(pypdf.PdfReader(io.BytesIO(data)).pages),
    )
