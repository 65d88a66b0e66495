"""The copy-case generator: verbatim, reflowed and noised passages put into unrelated documents, with PAN truth
that points at them on both sides; and the check finds them where the truth says."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from plagdetect.errors import PlagDetectError
from plagdetect.evaluation.generated import generate_corpus, noised, reflowed
from plagdetect.evaluation.pan import load_pan_corpus

from builders import ESSAY_PHOTOSYNTHESIS, ESSAY_RAILWAYS, ESSAY_VOLCANOES, PRINTING_SOURCE, PRINTING_UNRELATED

TEXTS = [
    ("photosynthesis.txt", ESSAY_PHOTOSYNTHESIS),
    ("railways.txt", ESSAY_RAILWAYS),
    ("volcanoes.txt", ESSAY_VOLCANOES),
    ("printing.txt", PRINTING_SOURCE),
    ("reading.txt", PRINTING_UNRELATED),
]


def test_the_truth_points_at_each_copied_passage_on_both_sides(tmp_path: Path) -> None:
    cases = generate_corpus(TEXTS, tmp_path / "gen", documents=6, seed=4)
    assert {c.kind for c in cases} == {"verbatim", "reflowed", "noised"}
    pan = load_pan_corpus(tmp_path / "gen")
    assert len(pan.cases) == len(cases) and pan.skipped_cases == 0
    for case in pan.cases:
        copied = pan.susp_text(case.susp.document)[case.susp.offset : case.susp.end]
        original = pan.src_text(case.src.document)[case.src.offset : case.src.end]
        assert 300 <= len(original) <= 800
        if case.obfuscation == "verbatim":
            assert copied == original
        elif case.obfuscation == "reflowed":
            assert "\n" in copied and copied.split() == original.split()
        else:
            assert copied != original and abs(len(copied) - len(original)) < 0.1 * len(original)
    hosts = {name for name, _ in TEXTS} - set(pan.src_documents)
    assert hosts and not hosts & set(pan.src_documents)  # a host's own text is never a source


def test_the_same_texts_and_seed_give_the_same_corpus(tmp_path: Path) -> None:
    first = generate_corpus(TEXTS, tmp_path / "a", documents=4, seed=1)
    assert generate_corpus(list(reversed(TEXTS)), tmp_path / "b", documents=4, seed=1) == first
    assert (tmp_path / "a" / "susp" / "suspicious-002.txt").read_text() == (
        tmp_path / "b" / "susp" / "suspicious-002.txt"
    ).read_text()
    with pytest.raises(PlagDetectError, match="at least 4 texts"):
        generate_corpus(TEXTS[:3], tmp_path / "c")


def test_reflowing_moves_line_breaks_and_noise_changes_a_few_letters_and_spaces() -> None:
    passage = PRINTING_SOURCE[PRINTING_SOURCE.index("Around 1440") :][:400]
    wrapped = reflowed(passage, random.Random(0))
    assert wrapped.split() == passage.split() and max(len(line) for line in wrapped.splitlines()) <= 80
    noisy = noised(passage, random.Random(0), letters=0.05, joins=0.1)
    changed = sum(a != b for a, b in zip(noisy.split(), passage.split(), strict=False))
    assert noisy != passage and len(noisy.split()) < len(passage.split()) and changed > 0


def test_a_check_finds_each_kind_where_the_truth_says(settings, encoder, tmp_path: Path) -> None:
    from plagdetect.evaluation.pan_eval import eval_pan

    generate_corpus(TEXTS, tmp_path / "gen", documents=6, seed=4)
    result = eval_pan(tmp_path / "gen", settings, encoder=encoder)
    for kind in ("verbatim", "reflowed"):  # every case found, on the right source, covering all its characters
        scores = result.by_obfuscation[kind]
        assert scores.detected_cases == scores.cases and scores.recall > 0.95, (kind, scores)
    print({kind: scores.line() for kind, scores in result.by_obfuscation.items()})


REFERENCES = "\n\nReferences\n\n" + "\n".join(
    f"Author{n}, A. ({2000 + n}). Title number {n} of a study. Journal of Studies, {n}(2), {10 * n}-{10 * n + 9}."
    for n in range(12)
)


def test_passages_are_prose_copied_into_prose_once_each(tmp_path: Path) -> None:
    """From before a source's references into a host before its own; one place in the source; never overlapping."""
    texts = [(name, text + REFERENCES) for name, text in TEXTS]
    cases = generate_corpus(texts, tmp_path / "gen", documents=8, seed=2)
    pan = load_pan_corpus(tmp_path / "gen")
    for case in pan.cases:
        susp, src = pan.susp_text(case.susp.document), pan.src_text(case.src.document)
        assert case.susp.end <= susp.index("\nReferences\n") and case.src.end <= src.index("\nReferences\n")
        assert src.count(src[case.src.offset : case.src.end]) == 1
    for document in {c.susp for c in cases}:
        spans = sorted((c.source_offset, c.source_offset + c.source_length) for c in cases if c.susp == document)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
