"""Copy cases built from any texts, in the PAN format: short passages copied word for word, reflowed or noised
into long unrelated documents (issue 14, item 5).

Older PAN corpora, and real student work, copy 300-800 characters of a source into a document about something
else: as they are ("verbatim"), with other line breaks ("reflowed"), or with OCR-like noise, a few letters changed
and words run together ("noised"). ``generate_corpus`` takes a pool of texts, keeps the first part of the pool as
hosts (the suspicious documents' own text, never in the corpus) and the rest as sources, and writes ``susp/``,
``src/``, ``truth/`` and ``pairs`` that ``eval-pan`` reads. The same pool and seed give the same corpus.

A passage is prose copied into prose, the case being modelled: it comes from before its source's reference list and
goes into the host before the host's (a check leaves reference lists out), it occurs once in its source, and the
passages of one document do not overlap.
"""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from plagdetect.detection.exclusions import bibliography_span
from plagdetect.errors import PlagDetectError
from plagdetect.text.chunking import paragraph_spans

KINDS = ("verbatim", "reflowed", "noised")
LENGTHS = (300, 800)  # characters of a copied passage, at least and at most (whole sentences)
LOOK_ALIKE = {"e": "c", "c": "e", "l": "1", "i": "l", "o": "0", "m": "rn", "a": "o", "n": "h", "u": "v", "s": "5"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@dataclass(frozen=True)
class GeneratedCase:
    susp: str
    src: str
    kind: str
    this_offset: int
    this_length: int
    source_offset: int
    source_length: int


def passage_of(
    source: str, rng: random.Random, lengths: tuple[int, int] = LENGTHS, taken: Sequence[tuple[int, int]] = ()
) -> tuple[int, int] | None:
    """A run of whole sentences of one paragraph of ``source``, ``lengths`` characters long; None if none fits.

    The passage shares nothing with the passages ``taken`` already, and its text occurs once in the source: a
    source that repeats a paragraph word for word (some papers do) has two right answers, and PAN truth names one.
    """
    candidates = []
    references = bibliography_span(source) or (len(source), len(source))
    for start, end in paragraph_spans(source[: references[0]]):  # prose: a reference list is left out by a check
        starts = [start] + [start + m.end() for m in _SENTENCE_END.finditer(source[start:end])]
        ends = [start + m.start() for m in _SENTENCE_END.finditer(source[start:end])] + [end]
        candidates += [
            (a, b)
            for a in starts
            for b in ends
            if lengths[0] <= b - a <= lengths[1] and not any(a < e and s < b for s, e in taken)
        ]
    rng.shuffle(candidates)
    return next((c for c in candidates if source.count(source[c[0] : c[1]]) == 1), None)


def reflowed(passage: str, rng: random.Random) -> str:
    """The passage with its line breaks moved: wrapped at another width (single newlines, one paragraph)."""
    width, lines, line = rng.randint(45, 75), [], ""
    for word in passage.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line])


def noised(passage: str, rng: random.Random, letters: float = 0.02, joins: float = 0.04) -> str:
    """OCR-like noise: about ``letters`` of the letters swapped for look-alikes, ``joins`` of the spaces dropped."""
    out = []
    for char in passage:
        if char == " " and rng.random() < joins:
            continue
        if char in LOOK_ALIKE and rng.random() < letters:
            out.append(LOOK_ALIKE[char])
        else:
            out.append(char)
    return "".join(out)


def _transformed(passage: str, kind: str, rng: random.Random) -> str:
    if kind == "reflowed":
        return reflowed(passage, rng)
    if kind == "noised":
        return noised(passage, rng)
    return passage


def generate_corpus(
    texts: Sequence[tuple[str, str]], out: str | Path, documents: int = 30, seed: int = 0, per_document: int = 3
) -> list[GeneratedCase]:
    """Write a PAN corpus of ``documents`` suspicious documents, each a host text with ``per_document`` passages
    of one source inserted between its paragraphs (kinds in turn); the cases, as written in ``truth/``."""
    if len(texts) < 4:
        raise PlagDetectError("The generator needs at least 4 texts: some as hosts, the rest as sources.")
    rng = random.Random(seed)
    pool = sorted(texts)
    rng.shuffle(pool)
    hosts, sources = pool[: len(pool) // 2], pool[len(pool) // 2 :]
    root = Path(out)
    for folder in ("susp", "src", "truth"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for name, text in sources:
        (root / "src" / name).write_text(text, encoding="utf-8", newline="")
    cases: list[GeneratedCase] = []
    pairs = []
    for number in range(documents):
        _, host = hosts[number % len(hosts)]
        src_name, source = sources[number % len(sources)]
        susp_name = f"suspicious-{number:03}.txt"
        paragraphs = [host[a:b] for a, b in paragraph_spans(host)]
        references = bibliography_span(host)
        body = sum(1 for a, _ in paragraph_spans(host) if references is None or a < references[0])
        inserts = []
        for k in range(per_document):
            span = passage_of(source, rng, taken=[taken for _, _, taken in inserts])
            if span is None:
                continue
            kind = KINDS[(number * per_document + k) % len(KINDS)]
            inserts.append((rng.randint(0, body), kind, span))  # into the body, before the host's references
        text, found = _assemble(paragraphs, inserts, source, rng)
        (root / "susp" / susp_name).write_text(text, encoding="utf-8", newline="")
        cases += [GeneratedCase(susp_name, src_name, kind, a, b - a, s, e - s) for kind, (a, b), (s, e) in found]
        _write_truth(root / "truth" / f"{Path(susp_name).stem}-{Path(src_name).stem}.xml", susp_name, src_name, found)
        pairs.append(f"{susp_name} {src_name}")
    (root / "pairs").write_text("\n".join(pairs) + "\n", encoding="utf-8")
    return cases


def _assemble(paragraphs: list[str], inserts: list, source: str, rng: random.Random) -> tuple[str, list]:
    """The host's paragraphs with the passages put before paragraph ``position``; where each passage landed."""
    parts: list[str] = []
    found = []
    offset = 0
    by_position = sorted(inserts, key=lambda item: item[0])
    for position in range(len(paragraphs) + 1):
        for _, kind, (start, end) in [item for item in by_position if item[0] == position]:
            copied = _transformed(source[start:end], kind, rng)
            found.append((kind, (offset, offset + len(copied)), (start, end)))
            parts.append(copied)
            offset += len(copied) + 2
        if position < len(paragraphs):
            parts.append(paragraphs[position])
            offset += len(paragraphs[position]) + 2
    return "\n\n".join(parts) + "\n", found


def _write_truth(path: Path, susp: str, src: str, found: list) -> None:
    root = ET.Element("document", {"reference": susp})
    for kind, (a, b), (s, e) in found:
        attributes = {"name": "plagiarism", "obfuscation": kind, "this_offset": str(a), "this_length": str(b - a)}
        attributes |= {"source_reference": src, "source_offset": str(s), "source_length": str(e - s)}
        ET.SubElement(root, "feature", attributes)
    ET.indent(root, space="  ")
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def describe(cases: list[GeneratedCase]) -> str:
    kinds = Counter(case.kind for case in cases)
    return f"{len(cases)} cases in {len({c.susp for c in cases})} documents: " + ", ".join(
        f"{kinds[k]} {k}" for k in KINDS
    )
