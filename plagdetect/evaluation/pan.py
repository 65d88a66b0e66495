"""PAN text-alignment corpora: reading a corpus, reading and writing PAN XML, and the PAN measures.

This is the project's one PAN reader/writer and its one implementation of plagdet.

Corpus layout (as in the PAN text-alignment releases)::

    CORPUS/pairs                     lines "suspicious-documentX.txt source-documentY.txt"
    CORPUS/susp/*.txt                suspicious documents
    CORPUS/src/*.txt                 source documents
    CORPUS/truth/<susp stem>-<src stem>.xml   truth, one XML per pair (or the same file in CORPUS/ or CORPUS/susp/;
                                              or one XML per suspicious document, <susp stem>.xml, in those folders)

Texts are UTF-8 and every offset counts characters of the text read with ``newline=""`` (universal newlines would
turn "\\r\\n" into one character and shift every offset after it).

Measures follow Potthast et al., "An Evaluation Framework for Plagiarism Detection" (COLING 2010) and the official
PAN ``perfmeasures.py``: a case or detection is the set of its characters on both sides (the range in the suspicious
document plus the range in the source document); a detection detects a case when both refer to the same two
documents and overlap on the suspicious side and on the source side.
"""

from __future__ import annotations

import logging
import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from plagdetect.errors import PlagDetectError
from plagdetect.text.spans import covered_length, merge_spans

logger = logging.getLogger(__name__)

TRUTH_FEATURE = "plagiarism"
DETECTION_FEATURE = "detected-plagiarism"
_TRUTH_DIRS = ("truth", ".", "susp")  # where truth XMLs are looked for, relative to the corpus root, in this order

Interval = tuple[int, int]  # [start, end) in characters


# --------------------------------------------------------------------------------------------------------------------
# Cases and detections


@dataclass(frozen=True)
class DocumentSpan:
    """One side of a case or detection: ``length`` characters from ``offset`` in the document named ``document``
    (a file name such as "suspicious-document020468.txt")."""

    document: str
    offset: int
    length: int

    @property
    def end(self) -> int:
        """The offset one past the span's last character."""
        return self.offset + self.length


@dataclass(frozen=True)
class Case:
    """A truth case or a detection: the passage ``susp`` of a suspicious document taken from the passage ``src`` of a
    source document. ``obfuscation`` is the truth's obfuscation type ("none" when the XML gives none, and for
    detections)."""

    susp: DocumentSpan
    src: DocumentSpan
    obfuscation: str = "none"


# --------------------------------------------------------------------------------------------------------------------
# XML


def _int_attribute(feature: ET.Element, attribute: str, where: str) -> int:
    value = feature.get(attribute)
    if value is None:
        raise PlagDetectError(f"{where} has no {attribute}")
    try:
        number = int(value)
    except ValueError:
        raise PlagDetectError(f"{where} has {attribute}={value!r}, not a whole number") from None
    if number < 0:
        raise PlagDetectError(f"{where} has a negative {attribute} ({number})")
    return number


def read_cases(xml_path: str | Path, names: Iterable[str] = (TRUTH_FEATURE,)) -> list[Case]:
    """The cases in one PAN XML file, in file order: its ``<feature>`` elements whose ``name`` is one of ``names``.

    The root's ``<document reference=...>`` is the suspicious document's name. Other features ("altered", "about",
    "md5Hash", ...) are ignored. Truth features give ``obfuscation`` ("none" when missing). To read a detection file,
    pass ``names=(DETECTION_FEATURE,)`` or use :func:`read_detections`.

    Raises PlagDetectError for a file that is not well-formed PAN XML or a wanted feature that lacks an offset,
    length or source reference.
    """
    path = Path(xml_path)
    wanted = {names} if isinstance(names, str) else set(names)
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        raise PlagDetectError(f"{path} is not well-formed XML: {error}") from None
    except OSError as error:
        raise PlagDetectError(f"cannot read {path}: {error.strerror or error}") from None
    if root.tag != "document":
        raise PlagDetectError(f"{path} is not a PAN document XML (its root is <{root.tag}>, not <document>)")
    susp_name = root.get("reference")
    if not susp_name:
        raise PlagDetectError(f"{path}: <document> has no reference (the suspicious document's name)")
    cases = []
    for number, feature in enumerate(root.iter("feature"), start=1):
        name = feature.get("name")
        if name not in wanted:
            continue
        where = f"{path}: feature {number} ({name})"
        src_name = feature.get("source_reference")
        if not src_name:
            raise PlagDetectError(f"{where} has no source_reference")
        cases.append(
            Case(
                susp=DocumentSpan(
                    susp_name,
                    _int_attribute(feature, "this_offset", where),
                    _int_attribute(feature, "this_length", where),
                ),
                src=DocumentSpan(
                    src_name,
                    _int_attribute(feature, "source_offset", where),
                    _int_attribute(feature, "source_length", where),
                ),
                obfuscation=feature.get("obfuscation") or "none",
            )
        )
    return cases


def read_detections(xml_path: str | Path) -> list[Case]:
    """The detections ("detected-plagiarism" features) in one PAN detection XML file."""
    return read_cases(xml_path, names=(DETECTION_FEATURE,))


def write_detections(path: str | Path, susp_name: str, detections: Sequence[Case]) -> None:
    """Writes ``detections`` of suspicious document ``susp_name`` as a PAN detection XML file (UTF-8, indented),
    one ``<feature name="detected-plagiarism" .../>`` per detection in the given order; creates missing folders.

    Raises ValueError if a detection belongs to another suspicious document.
    """
    root = ET.Element("document", {"reference": susp_name})
    for detection in detections:
        if detection.susp.document != susp_name:
            raise ValueError(
                f"a detection in {detection.susp.document!r} cannot be written to the file of {susp_name!r}"
            )
        ET.SubElement(
            root,
            "feature",
            {
                "name": DETECTION_FEATURE,
                "this_offset": str(detection.susp.offset),
                "this_length": str(detection.susp.length),
                "source_reference": detection.src.document,
                "source_offset": str(detection.src.offset),
                "source_length": str(detection.src.length),
            },
        )
    ET.indent(root, space="  ")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


# --------------------------------------------------------------------------------------------------------------------
# Corpus


def _read_text(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as file:
        return file.read()


def _check_file_name(name: str, where: str) -> None:
    if not name or name in (".", "..") or Path(name).name != name or "\\" in name:
        raise PlagDetectError(f"{where}: {name!r} is not a plain file name")


@dataclass(frozen=True)
class PanCorpus:
    """A PAN text-alignment corpus on disk.

    ``pairs`` holds the (suspicious file name, source file name) lines of ``pairs`` in file order, duplicates dropped;
    ``cases`` all truth cases of those pairs whose offsets lie inside their texts, pair by pair in file order;
    ``skipped_cases`` how many truth cases were left out because they point past the end of their text (or name
    another document than their pair); each was logged as a warning.
    """

    root: Path
    pairs: list[tuple[str, str]]
    susp_dir: Path
    src_dir: Path
    cases: list[Case]
    skipped_cases: int = 0

    def susp_text(self, name: str) -> str:
        """The text of suspicious document ``name`` (a file name in ``susp_dir``), as the offsets count it."""
        _check_file_name(name, "suspicious document")
        return _read_text(self.susp_dir / name)

    def src_text(self, name: str) -> str:
        """The text of source document ``name`` (a file name in ``src_dir``), as the offsets count it."""
        _check_file_name(name, "source document")
        return _read_text(self.src_dir / name)

    @property
    def susp_documents(self) -> list[str]:
        """The suspicious documents named in ``pairs``, sorted, each once."""
        return sorted({susp for susp, _ in self.pairs})

    @property
    def src_documents(self) -> list[str]:
        """The source documents named in ``pairs``, sorted, each once."""
        return sorted({src for _, src in self.pairs})

    def pair_cases(self, susp_name: str, src_name: str) -> list[Case]:
        """The truth cases of one pair."""
        return [case for case in self.cases if case.susp.document == susp_name and case.src.document == src_name]

    def marked_spans(self, susp_name: str, feature: str = "altered") -> list[DocumentSpan]:
        """Spans of a suspicious document that its truth marks with ``feature`` and no source, in text order.

        PAN 2025 marks LLM-written text that has no source as "altered": a detection there is a false positive.
        """
        spans: set[DocumentSpan] = set()
        for susp, src in self.pairs:
            path, _ = _find_truth(self.root, susp, src) if susp == susp_name else (None, True)
            if path is None:
                continue
            for element in ET.parse(path).getroot().iter("feature"):
                if element.get("name") == feature:
                    where = f"{path}: feature {feature}"
                    offset = _int_attribute(element, "this_offset", where)
                    spans.add(DocumentSpan(susp_name, offset, _int_attribute(element, "this_length", where)))
        return sorted(spans, key=lambda span: span.offset)


def _read_pairs(path: Path) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    with open(path, encoding="utf-8") as file:
        for number, line in enumerate(file, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2:
                raise PlagDetectError(
                    f"{path}, line {number}: expected 'SUSPICIOUS-FILE SOURCE-FILE', got {line.strip()!r}"
                )
            susp, src = fields
            _check_file_name(susp, f"{path}, line {number}")
            _check_file_name(src, f"{path}, line {number}")
            if (susp, src) in seen:
                logger.warning("%s, line %d: pair %s %s listed again; counted once", path, number, susp, src)
                continue
            seen.add((susp, src))
            pairs.append((susp, src))
    return pairs


def _find_truth(root: Path, susp: str, src: str) -> tuple[Path | None, bool]:
    """The truth XML of one pair and whether it is a per-pair file (False: one file for the whole suspicious
    document); (None, True) when there is none."""
    pair_name = f"{Path(susp).stem}-{Path(src).stem}.xml"
    for folder in _TRUTH_DIRS:
        candidate = root / folder / pair_name
        if candidate.is_file():
            return candidate, True
    document_name = f"{Path(susp).stem}.xml"
    for folder in _TRUTH_DIRS:
        candidate = root / folder / document_name
        if candidate.is_file():
            return candidate, False
    return None, True


def _same_document(a: str, b: str) -> bool:
    return _document_key(a) == _document_key(b)


def load_pan_corpus(root: str | Path) -> PanCorpus:
    """Reads the corpus at ``root``: its ``pairs`` file, the names of its texts, and the truth cases of the listed
    pairs (see the module docstring for where truth XMLs are looked for; a pair with no XML has no cases).

    Each case's offsets are checked against its texts: a case that points past the end of a text (the upstream
    release has a truncated document) is skipped with a warning and counted in ``skipped_cases``. Case document
    names are those of ``pairs`` (a reference written without ".txt" is accepted). Cases of length 0 on one side
    are kept (with a warning), as the official measures keep them, though no detection can detect them.

    Raises PlagDetectError if ``pairs``, ``susp/`` or ``src/`` is missing, a line of ``pairs`` is malformed, a text it
    lists is missing, or a truth XML is malformed.
    """
    root = Path(root)
    if not root.is_dir():
        raise PlagDetectError(f"PAN corpus folder {root} does not exist")
    pairs_path, susp_dir, src_dir = root / "pairs", root / "susp", root / "src"
    if not pairs_path.is_file():
        raise PlagDetectError(
            f"{root} is not a PAN corpus: it has no 'pairs' file (lines 'SUSPICIOUS-FILE SOURCE-FILE')"
        )
    for folder, what in ((susp_dir, "suspicious"), (src_dir, "source")):
        if not folder.is_dir():
            raise PlagDetectError(f"{root} is not a PAN corpus: it has no '{folder.name}/' folder of {what} texts")
    pairs = _read_pairs(pairs_path)
    missing = [susp_dir / s for s in sorted({s for s, _ in pairs}) if not (susp_dir / s).is_file()]
    missing += [src_dir / s for s in sorted({s for _, s in pairs}) if not (src_dir / s).is_file()]
    if missing:
        shown = ", ".join(str(path) for path in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise PlagDetectError(f"{pairs_path} lists texts that do not exist: {shown}{more}")

    lengths: dict[Path, int] = {}

    def text_length(path: Path) -> int:
        if path not in lengths:
            lengths[path] = len(_read_text(path))
        return lengths[path]

    xml_cases: dict[Path, list[Case]] = {}
    cases: list[Case] = []
    skipped = 0
    pairs_without_truth = 0
    for susp, src in pairs:
        xml_path, per_pair = _find_truth(root, susp, src)
        if xml_path is None:
            pairs_without_truth += 1
            continue
        if xml_path not in xml_cases:
            xml_cases[xml_path] = read_cases(xml_path)
        for case in xml_cases[xml_path]:
            if not _same_document(case.susp.document, susp):
                logger.warning("%s: skipping a case of %s, not of %s", xml_path, case.susp.document, susp)
                skipped += 1
                continue
            if not _same_document(case.src.document, src):
                if per_pair:  # a per-document XML also holds the cases of the document's other pairs
                    logger.warning("%s: skipping a case from %s, not from %s", xml_path, case.src.document, src)
                    skipped += 1
                continue
            susp_length, src_length = text_length(susp_dir / susp), text_length(src_dir / src)
            if case.susp.end > susp_length or case.src.end > src_length:
                logger.warning(
                    "%s: skipping a case past the end of its text (%s %d-%d of %d characters, %s %d-%d of %d)",
                    xml_path,
                    susp,
                    case.susp.offset,
                    case.susp.end,
                    susp_length,
                    src,
                    case.src.offset,
                    case.src.end,
                    src_length,
                )
                skipped += 1
                continue
            cases.append(
                Case(
                    DocumentSpan(susp, case.susp.offset, case.susp.length),
                    DocumentSpan(src, case.src.offset, case.src.length),
                    case.obfuscation,
                )
            )
    if pairs and pairs_without_truth == len(pairs):
        logger.warning("%s: no truth XML found for any of its %d pairs", root, len(pairs))
    elif pairs_without_truth:
        logger.info("%s: %d of %d pairs have no truth XML (no cases)", root, pairs_without_truth, len(pairs))
    if skipped:
        logger.warning("%s: skipped %d truth case(s) that fall outside their texts", root, skipped)
    empty = sum(1 for case in cases if case.susp.length == 0 or case.src.length == 0)
    if empty:
        logger.warning(
            "%s: %d truth case(s) have length 0 on one side; no detection can overlap them, so they cap recall "
            "(kept, as the official PAN measures keep them)",
            root,
            empty,
        )
    return PanCorpus(root=root, pairs=pairs, susp_dir=susp_dir, src_dir=src_dir, cases=cases, skipped_cases=skipped)


# --------------------------------------------------------------------------------------------------------------------
# Measures


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


def _document_key(name: str) -> str:
    """Documents are matched by name without a trailing ".txt", as the official PAN code does."""
    return name[:-4] if name.endswith(".txt") else name


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
        by_pair[_document_key(detection.susp.document), _document_key(detection.src.document)].append(j)
    for i, case in enumerate(cases):
        for j in by_pair.get((_document_key(case.susp.document), _document_key(case.src.document)), ()):
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
        charset["susp", _document_key(annotation.susp.document)].append((annotation.susp.offset, annotation.susp.end))
        charset["src", _document_key(annotation.src.document)].append((annotation.src.offset, annotation.src.end))
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
                hits["susp", _document_key(case.susp.document)].append(
                    (max(case.susp.offset, detection.susp.offset), min(case.susp.end, detection.susp.end))
                )
                hits["src", _document_key(case.src.document)].append(
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
            spans[_document_key(a.susp.document), _document_key(a.src.document)].append((a.susp.offset, a.susp.end))
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
