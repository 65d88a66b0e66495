"""The fuzz corpus: hostile uploads built by code; a sample of it is read as uploads are (plagdetect bench fuzz
runs the whole of it)."""

from __future__ import annotations

from plagdetect.evaluation.fuzz import fuzz_corpus, run_fuzz, seeds
from plagdetect.settings import Settings


def test_the_corpus_is_the_same_for_the_same_seed_and_covers_every_format() -> None:
    first, again = list(fuzz_corpus(120, seed=3)), list(fuzz_corpus(120, seed=3))
    assert first == again and len(first) == 120 and list(fuzz_corpus(120, seed=4)) != first
    suffixes = {name.rsplit(".", 1)[-1] for name, _ in first if "." in name}
    assert {"txt", "md", "html", "pdf", "docx", "zip"} <= suffixes


def test_a_sample_of_hostile_files_is_each_refused_with_a_message_or_accepted(settings: Settings) -> None:
    result = run_fuzz(fuzz_corpus(80, seed=11), settings, slow_s=30)
    assert result.crashes == [] and result.counts["crashed"] == result.counts["slow"] == 0
    assert result.counts["refused"] > 20 and result.counts["accepted"] >= len(seeds())  # the seeds all go in
    assert sum(result.counts.values()) == 80
