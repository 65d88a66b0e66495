"""The PAN measures: macro precision and recall, granularity, plagdet; the project's one implementation of them.

Measures follow Potthast et al., "An Evaluation Framework for Plagiarism Detection" (COLING 2010) and the official
PAN ``perfmeasures.py``: a case or detection is the set of its characters on both sides (the range in the suspicious
document plus the range in the source document); a detection detects a case when both refer to the same two
documents and overlap on the suspicious side and on the source side.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from plagdetect.evaluation.pan import Case, DocumentSpan, Interval, document_key
from plagdetect.text.spans import covered_length, merge_spans


@dataclass(frozen=True)
class PanScores:
    """The PAN measures of a set of detections against a set of truth cases.

    ``precision``, ``recall`` are macro-averaged (per detection, per case), ``granularity`` is the mean number of
    detections per detected case, ``plagdet`` = F1(precision, recall) / log2(1 + granularity). The ``micro_*``
    figures pool the characters of all cases and detections instead (``micro_plagdet`` uses the same granularity).
    ``cases`` and ``detections`` count the inputs, ``detected_cases`` the cases detected by at least one detection.
    """

    precision: float
    recall: float
    granularity: float
    plagdet: float
    micro_precision: float
    micro_recall: float
    micro_plagdet: float
    cases: int
    detections: int
    detected_cases: int

    def line(self) -> str:
        """One line: "plagdet=0.xxx precision=0.xxx recall=0.xxx granularity=x.xxx"."""
        return (
            f"plagdet={self.plagdet:.3f} precision={self.precision:.3f} "
            f"recall={self.recall:.3f} granularity={self.granularity:.3f}"
        )


def _covered(start: int, end: int, intervals: Iterable[Interval]) -> int:
    """How many characters of [start, end) lie in the union of ``intervals``."""
    return covered_length((max(start, a), min(end, b)) for a, b in intervals)


def _overlap(a: DocumentSpan, b: DocumentSpan) -> bool:
    return max(a.offset, b.offset) < min(a.end, b.end)


def _detects(detection: Case, case: Case) -> bool:
    """Overlap on both sides; documents are compared by the caller (grouping by pair)."""
    return _overlap(detection.susp, case.susp) and _overlap(detection.src, case.src)


def _links(cases: Sequence[Case], detections: Sequence[Case]) -> tuple[list[list[int]], list[list[int]]]:
    """For each case the indexes of the detections that detect it, and for each detection the cases it detects."""
    case_detections: list[list[int]] = [[] for _ in cases]
    detection_cases: list[list[int]] = [[] for _ in detections]
    by_pair: dict[tuple[str, str], list[int]] = defaultdict(list)
    for j, detection in enumerate(detections):
        by_pair[document_key(detection.susp.document), document_key(detection.src.document)].append(j)
    for i, case in enumerate(cases):
        for j in by_pair.get((document_key(case.susp.document), document_key(case.src.document)), ()):
            if _detects(detections[j], case):
                case_detections[i].append(j)
                detection_cases[j].append(i)
    return case_detections, detection_cases


def _macro(items: Sequence[Case], others: Sequence[Case], links: list[list[int]]) -> float:
    """Mean over ``items`` of the share of each item's characters covered by the ``others`` it is linked to.
    An item of no characters counts 0 (it can neither detect nor be detected)."""
    total = 0.0
    for item, linked in zip(items, links):
        size = item.susp.length + item.src.length
        if not linked or size == 0:
            continue
        covered = _covered(
            item.susp.offset, item.susp.end, [(others[k].susp.offset, others[k].susp.end) for k in linked]
        )
        covered += _covered(item.src.offset, item.src.end, [(others[k].src.offset, others[k].src.end) for k in linked])
        total += covered / size
    return total / len(items)


def _char_count(charset: dict[tuple[str, str], list[Interval]]) -> int:
    return sum(covered_length(intervals) for intervals in charset.values())


def _charset(annotations: Iterable[Case]) -> dict[tuple[str, str], list[Interval]]:
    """Characters keyed by (side, document): the suspicious and the source side count separately, as in PAN."""
    charset: dict[tuple[str, str], list[Interval]] = defaultdict(list)
    for annotation in annotations:
        charset["susp", document_key(annotation.susp.document)].append((annotation.susp.offset, annotation.susp.end))
        charset["src", document_key(annotation.src.document)].append((annotation.src.offset, annotation.src.end))
    return charset


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall <= 0 else 2 * precision * recall / (precision + recall)


def _scores(
    cases: Sequence[Case],
    detections: Sequence[Case],
    case_detections: list[list[int]],
    detection_cases: list[list[int]],
) -> PanScores:
    detected = [len(linked) for linked in case_detections if linked]
    granularity = sum(detected) / len(detected) if detected else 1.0
    if not cases and not detections:
        precision = recall = micro_precision = micro_recall = 1.0
    elif not cases or not detections:
        precision = recall = micro_precision = micro_recall = 0.0
    else:
        recall = _macro(cases, detections, case_detections)
        precision = _macro(detections, cases, detection_cases)
        # The characters both detected and plagiarised: the union over linked (case, detection) pairs of their overlap.
        hits: dict[tuple[str, str], list[Interval]] = defaultdict(list)
        for case, linked in zip(cases, case_detections):
            for j in linked:
                detection = detections[j]
                hits["susp", document_key(case.susp.document)].append(
                    (max(case.susp.offset, detection.susp.offset), min(case.susp.end, detection.susp.end))
                )
                hits["src", document_key(case.src.document)].append(
                    (max(case.src.offset, detection.src.offset), min(case.src.end, detection.src.end))
                )
        hit_chars = _char_count(hits)
        case_chars, detection_chars = _char_count(_charset(cases)), _char_count(_charset(detections))
        micro_recall = hit_chars / case_chars if case_chars else 0.0
        micro_precision = hit_chars / detection_chars if detection_chars else 0.0
    divisor = math.log2(1 + granularity)
    return PanScores(
        precision=precision,
        recall=recall,
        granularity=granularity,
        plagdet=_f1(precision, recall) / divisor,
        micro_precision=micro_precision,
        micro_recall=micro_recall,
        micro_plagdet=_f1(micro_precision, micro_recall) / divisor,
        cases=len(cases),
        detections=len(detections),
        detected_cases=len(detected),
    )


def evaluate(cases: Sequence[Case], detections: Sequence[Case]) -> PanScores:
    """The PAN measures of ``detections`` against truth ``cases`` (all documents at once).

    A detection detects a case when both name the same suspicious and the same source document (compared without
    a trailing ".txt") and overlap on both sides. Macro recall is the mean over cases of the share of the case's
    characters (both sides) covered by the detections that detect it; macro precision the mean over detections of
    the share covered by the cases it detects; micro recall/precision divide the characters covered by both (over
    detecting pairs) by all case/detection characters, each character counted once. Characters are keyed by side
    and document, so |case| = susp length + src length, as in the official PAN code.

    Edge cases, as in the official ``perfmeasures.py``: no cases and no detections gives precision = recall = 1;
    cases but no detections, or detections but no cases, gives precision = recall = 0; granularity is 1 when no case
    is detected; plagdet is 0 when precision and recall are both 0. A zero-length case or detection counts 0.
    Cost: linear in cases and detections plus, per (suspicious, source) pair, cases x detections of that pair.
    """
    case_detections, detection_cases = _links(cases, detections)
    return _scores(cases, detections, case_detections, detection_cases)


@dataclass(frozen=True)
class SideScores:
    """Character-level micro precision and recall of the suspicious side alone (``submission_side``)."""

    precision: float
    recall: float

    @property
    def f1(self) -> float:
        return _f1(self.precision, self.recall)


def submission_side(cases: Sequence[Case], detections: Sequence[Case]) -> SideScores:
    """Which characters of each suspicious document are flagged, and with the right source document.

    Not a PAN measure: where in the source a detection points is left out. PAN's measures also need the
    source-side spans to overlap, so a detection naming the other copy of a passage its source repeats word for
    word counts as wrong twice; this measure tells how much of a change in plagdet comes from that side.
    Characters are counted per (suspicious, source) document pair, each once: precision is the share of the
    detected characters inside cases of that pair, recall the share of the cases' characters detected.
    """
    case_spans: dict[tuple[str, str], list[Interval]] = defaultdict(list)
    detection_spans: dict[tuple[str, str], list[Interval]] = defaultdict(list)
    for spans, marked in ((case_spans, cases), (detection_spans, detections)):
        for a in marked:
            spans[document_key(a.susp.document), document_key(a.src.document)].append((a.susp.offset, a.susp.end))
    hit = sum(
        _covered(start, end, [(a, b) for a, b in detection_spans.get(pair, []) if a < end and b > start])
        for pair, spans in case_spans.items()
        for start, end in merge_spans(spans)
    )
    case_chars = sum(covered_length(spans) for spans in case_spans.values())
    detection_chars = sum(covered_length(spans) for spans in detection_spans.values())
    return SideScores(
        precision=hit / detection_chars if detection_chars else float(not case_chars),
        recall=hit / case_chars if case_chars else float(not detection_chars),
    )


def evaluate_by_obfuscation(cases: Sequence[Case], detections: Sequence[Case]) -> dict[str, PanScores]:
    """The PAN measures per obfuscation type of the truth cases, keyed by type in sorted order.

    For type t: the cases of type t against the detections that detect at least one case of type t. A detection
    that detects no case at all is a false positive no type can claim: it lowers only the overall figures of
    :func:`evaluate`, so every per-type precision is at least the overall one in that respect. A detection that
    detects cases of two types counts in both, and in each its characters on the other type's case count as
    not plagiarised (lowering that type's precision).
    """
    case_detections, _ = _links(cases, detections)
    by_type: dict[str, list[int]] = defaultdict(list)
    for i, case in enumerate(cases):
        by_type[case.obfuscation].append(i)
    scores = {}
    for obfuscation in sorted(by_type):
        indexes = by_type[obfuscation]
        type_cases = [cases[i] for i in indexes]
        detection_indexes = sorted({j for i in indexes for j in case_detections[i]})
        type_detections = [detections[j] for j in detection_indexes]
        scores[obfuscation] = evaluate(type_cases, type_detections)
    return scores
