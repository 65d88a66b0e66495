"""Training pairs for the models PlagDetect trains itself: (text, text, label in [0, 1]).

- STS Benchmark: sentence pairs scored 0-5, scaled to 0-1.
- A PAN text-alignment corpus:
  - Every truth case gives a positive pair (the suspicious passage, its source passage).
  - Hard negatives are the source paragraph most like a case's passage that lies outside the case's source
    span, and, where the truth marks LLM-written text with no source ("altered"), that text with its most
    similar source paragraph. Those are the pairs the bi-encoder confuses, and what a reranker must learn
    to tell apart.

Each pair carries a ``group`` (its document) so that training and validation never share a document.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from plagdetect.errors import PlagDetectError
from plagdetect.evaluation.folds import shuffled
from plagdetect.evaluation.pan import DocumentSpan, PanCorpus
from plagdetect.text.chunking import paragraph_spans

logger = logging.getLogger(__name__)

Encode = Callable[[Sequence[str]], np.ndarray]  # texts -> unit vectors (BiEncoder.encode)


@dataclass(frozen=True)
class Pair:
    text_a: str
    text_b: str
    label: float  # 0 (unrelated) to 1 (same content)
    group: str  # the document it comes from (STS-B: its genre and file)


def read_stsb(path: str | Path) -> list[Pair]:
    """STS Benchmark pairs from a tab-separated file (genre, file, year, id, score, sentence1, sentence2, ...)."""
    pairs = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 7:
                raise PlagDetectError(f"{path}, line {number}: expected at least 7 tab-separated columns")
            try:
                score = float(fields[4])
            except ValueError:
                raise PlagDetectError(f"{path}, line {number}: score {fields[4]!r} is not a number") from None
            pairs.append(Pair(fields[5], fields[6], min(max(score / 5.0, 0.0), 1.0), f"stsb:{fields[0]}:{fields[1]}"))
    return pairs


def pan_pairs(pan: PanCorpus, encode: Encode, max_chars: int = 2000) -> list[Pair]:
    """Positive and hard negative passage pairs from a PAN corpus (see the module docstring).

    Passages longer than ``max_chars`` are cut at a word boundary: a cross-encoder reads at most a few hundred
    tokens per side anyway.
    """
    pairs: list[Pair] = []
    for src in pan.src_documents:
        source = pan.src_text(src)
        paragraphs = [span for span in paragraph_spans(source) if len(source[span[0] : span[1]].split()) >= 20]
        if not paragraphs:
            continue
        vectors = encode([_clip(source[a:b], max_chars) for a, b in paragraphs])
        for susp in sorted({s for s, r in pan.pairs if r == src}):
            text = pan.susp_text(susp)
            cases = pan.pair_cases(susp, src)
            queries = [_clip(text[c.susp.offset : c.susp.end], max_chars) for c in cases]
            marked = [_clip(text[s.offset : s.end], max_chars) for s in pan.marked_spans(susp)]
            similarity = encode(queries + marked) @ vectors.T if queries or marked else np.empty((0, 0))
            for row, case in enumerate(cases):
                source_passage = _clip(source[case.src.offset : case.src.end], max_chars)
                if not queries[row] or not source_passage:  # a case of length 0 (a fault of some releases)
                    continue
                pairs.append(Pair(queries[row], source_passage, 1.0, susp))
                outside = [k for k, span in enumerate(paragraphs) if not _overlaps(span, case.src)]
                if outside:
                    best = max(outside, key=lambda k: similarity[row, k])
                    pairs.append(Pair(queries[row], _clip(source[slice(*paragraphs[best])], max_chars), 0.0, susp))
            for row, passage in enumerate(marked, start=len(queries)):
                best = int(np.argmax(similarity[row]))
                pairs.append(Pair(passage, _clip(source[slice(*paragraphs[best])], max_chars), 0.0, susp))
    logger.info(
        "PAN pairs: %d positive, %d negative", sum(p.label == 1 for p in pairs), sum(p.label == 0 for p in pairs)
    )
    return pairs


def split_by_group(pairs: list[Pair], validation_share: float, seed: int = 0) -> tuple[list[Pair], list[Pair]]:
    """Training and validation pairs, whole groups (documents) on one side each, chosen at random with ``seed``."""
    groups = shuffled((pair.group for pair in pairs), seed)  # the order evaluation.folds cuts folds from
    held_out = set(groups[: round(len(groups) * validation_share)])
    return [p for p in pairs if p.group not in held_out], [p for p in pairs if p.group in held_out]


def split_by_fold(pairs: list[Pair], held_out: list[str]) -> tuple[list[Pair], list[Pair]]:
    """Training pairs and the pairs of one fold's documents (``evaluation.folds.document_folds``), held out."""
    documents = set(held_out)
    return [p for p in pairs if p.group not in documents], [p for p in pairs if p.group in documents]


def _overlaps(span: tuple[int, int], other: DocumentSpan) -> bool:
    return span[0] < other.end and other.offset < span[1]


def _clip(text: str, max_chars: int) -> str:
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", 0, max_chars)
    return text[: cut if cut > 0 else max_chars]
