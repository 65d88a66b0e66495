"""Measuring detection on a PAN text-alignment corpus, the way the PAN shared tasks do.

The sources go into a throw-away corpus; each suspicious document is checked against all of it (retrieval
included, not pair by pair); the matches are written as PAN detection XML (``pan``) and scored (``plagdet``).
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from plagdetect.detection.pipeline import check_bytes
from plagdetect.detection.report import CheckOptions
from plagdetect.encoders.bi_encoder import BiEncoder
from plagdetect.errors import PlagDetectError
from plagdetect.evaluation.pan import Case, DocumentSpan, load_pan_corpus, write_detections
from plagdetect.evaluation.plagdet import PanScores, SideScores, evaluate, evaluate_by_obfuscation, submission_side
from plagdetect.services.corpus import Corpus
from plagdetect.settings import Settings

logger = logging.getLogger(__name__)

PAN_COLLECTION = "pan-sources"


@dataclass(frozen=True)
class PanEvaluation:
    overall: PanScores
    by_obfuscation: dict[str, PanScores]
    submission_side: SideScores
    documents: int
    seconds: float

    def describe(self) -> str:
        rows = [("all", self.overall), *sorted(self.by_obfuscation.items())]
        lines = [
            f"{'obfuscation':<12} {'cases':>5} {'plagdet':>7} {'prec':>6} {'rec':>6} {'gran':>6}"
            f" {'micro-p':>7} {'micro-r':>7} {'micro-pd':>8}"
        ]
        for name, s in rows:
            lines.append(
                f"{name:<12} {s.cases:>5} {s.plagdet:>7.3f} {s.precision:>6.3f} {s.recall:>6.3f} {s.granularity:>6.3f}"
                f" {s.micro_precision:>7.3f} {s.micro_recall:>7.3f} {s.micro_plagdet:>8.3f}"
            )
        side = self.submission_side
        lines.append(
            f"submission side (not where in the source): precision {side.precision:.3f} recall {side.recall:.3f}"
            f" F1 {side.f1:.3f}"
        )
        lines.append(
            f"{self.documents} suspicious documents, {self.overall.detections} detections, {self.seconds:.0f} s"
        )
        lines.append(self.overall.line())
        return "\n".join(lines)


def eval_pan(
    corpus_dir: str | Path,
    settings: Settings,
    out_dir: str | Path | None = None,
    options: CheckOptions | None = None,
    encoder: BiEncoder | None = None,
    progress: Callable[[str], None] | None = None,
) -> PanEvaluation:
    """Detect on every suspicious document of a PAN corpus and score the detections.

    ``options`` defaults to no quote or bibliography exclusion (PAN cases include quoted and reference-list
    text, and the task is alignment as such); the minimum match length stays the product's default.
    """
    started = time.perf_counter()
    pan = load_pan_corpus(corpus_dir)
    options = options or CheckOptions(exclude_quotes=False, exclude_bibliography=False)
    options = replace(options, collection=PAN_COLLECTION)
    out = Path(out_dir) if out_dir is not None else None
    detections: list[Case] = []
    with tempfile.TemporaryDirectory(prefix="plagdetect-pan-") as scratch:
        corpus = Corpus.open(replace(settings, data_dir=Path(scratch), database_url=""), encoder=encoder)
        try:
            names: dict[int, str] = {}
            for name in pan.src_documents:
                result = corpus.ingest_bytes(pan.src_text(name).encode("utf-8"), name, PAN_COLLECTION)
                if result.document_id is None:
                    raise PlagDetectError(f"{name}: {result.message}")
                names[result.document_id] = name
                if progress:
                    progress(name)
            for name in pan.susp_documents:
                report = check_bytes(corpus.context, pan.susp_text(name).encode("utf-8"), name, options)
                found = [
                    Case(
                        susp=_document_span(name, m.submission_original),
                        src=_document_span(names[m.source_id], m.source_original),
                    )
                    for m in report.matches
                ]
                detections.extend(found)
                if out is not None:
                    write_detections(out / f"{Path(name).stem}.xml", name, found)
                if progress:
                    progress(name)
        finally:
            corpus.close()
    return PanEvaluation(
        overall=evaluate(pan.cases, detections),
        by_obfuscation=evaluate_by_obfuscation(pan.cases, detections),
        submission_side=submission_side(pan.cases, detections),
        documents=len(pan.susp_documents),
        seconds=time.perf_counter() - started,
    )


def _document_span(document: str, span: tuple[int, int]) -> DocumentSpan:
    return DocumentSpan(document, span[0], span[1] - span[0])
