"""PAN text-alignment corpora: reading a corpus, reading and writing PAN XML (the measures: ``plagdet.py``).

This is the project's one PAN reader and writer.

Corpus layout (as in the PAN text-alignment releases)::

    CORPUS/pairs                     lines "suspicious-documentX.txt source-documentY.txt"
    CORPUS/susp/*.txt                suspicious documents
    CORPUS/src/*.txt                 source documents
    CORPUS/truth/<susp stem>-<src stem>.xml   truth, one XML per pair (or the same file in CORPUS/ or CORPUS/susp/;
                                              or one XML per suspicious document, <susp stem>.xml, in those folders)

Texts are UTF-8 and every offset counts characters of the text read with ``newline=""`` (universal newlines would
turn "\\r\\n" into one character and shift every offset after it).
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from plagdetect.errors import PlagDetectError

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


def document_key(name: str) -> str:
    """Documents are matched by name without a trailing ".txt", as the official PAN code does."""
    return name[:-4] if name.endswith(".txt") else name


def _same_document(a: str, b: str) -> bool:
    return document_key(a) == document_key(b)


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
