"""Speed benchmarks, each a ratio against a plain baseline measured in the same run on the same input."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from plagdetect.chunking import chunk_text
from plagdetect.config import Settings
from plagdetect.encoders import BiEncoder, load_bi_encoder

_WORDS = (
    "the of and to in a is that for it as was with be by on not he this are or his from at which but have an "
    "they you were her she there been one all we their has would when if so no will more can who what about "
    "study results analysis model data method students learning theory evidence research paper section "
    "approach system network language social economic history policy process development performance "
    "significant however therefore although moreover previous experiment sample measured observed proposed "
    "framework structure function information knowledge practice problem question important different"
).split()


@dataclass(frozen=True)
class BenchResult:
    name: str
    items: int
    unit: str
    ours_s: float
    baseline_s: float
    baseline: str
    device: str

    @property
    def speedup(self) -> float:
        return self.baseline_s / self.ours_s if self.ours_s else float("inf")

    def describe(self) -> str:
        return "\n".join(
            [
                f"bench {self.name}: {self.items} {self.unit} on {self.device}",
                f"  plagdetect: {self.ours_s:8.2f} s  {self.items / self.ours_s:8.1f} {self.unit}/s",
                f"  baseline  : {self.baseline_s:8.2f} s  {self.items / self.baseline_s:8.1f} {self.unit}/s"
                f"  ({self.baseline})",
                f"  ratio     : {self.speedup:.2f}x",
            ]
        )


def generated_documents(count: int, seed: int = 0) -> list[str]:
    """Documents of random sentences (5 to 40 words, paragraphs of 3 to 8 sentences): varied lengths."""
    rng = random.Random(seed)
    documents = []
    for _ in range(count):
        paragraphs = []
        for _ in range(rng.randint(3, 8)):
            sentences = []
            for _ in range(rng.randint(3, 8)):
                words = rng.choices(_WORDS, k=rng.randint(5, 40))
                sentences.append(" ".join(words).capitalize() + ".")
            paragraphs.append(" ".join(sentences))
        documents.append("\n\n".join(paragraphs))
    return documents


def generated_windows(settings: Settings, count: int, seed: int = 0) -> list[str]:
    """At least ``count`` sentence windows cut by our chunker from generated documents; exactly ``count``."""
    windows: list[str] = []
    batch = 0
    while len(windows) < count:
        for text in generated_documents(20, seed=seed + batch):
            windows.extend(c.text for c in chunk_text(text, settings.chunk_sentences, settings.chunk_stride))
        batch += 1
    return windows[:count]


def _best_time(run: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def bench_ingest(settings: Settings, windows: int = 3000, repeats: int = 1) -> BenchResult:
    """Embedding throughput of our pipeline vs. a plain ``SentenceTransformer.encode`` loop.

    Baseline: the windows in document order, 32 at a time (sentence-transformers' default batch size),
    each batch one ``model.encode(..., normalize_embeddings=True)`` call: what one writes without thinking
    about it. Ours: ``BiEncoder.encode`` over all windows at once. Both use the same loaded model.
    """
    encoder: BiEncoder = load_bi_encoder(
        settings.resolved_bi_encoder, device=settings.device, batch_size=settings.embed_batch_size
    )
    texts = generated_windows(settings, windows)
    model = encoder.model
    model.encode(texts[:64], normalize_embeddings=True)  # warm-up: first calls pay one-off costs

    def baseline() -> None:
        for start in range(0, len(texts), 32):
            model.encode(texts[start : start + 32], batch_size=32, normalize_embeddings=True)

    ours_s = _best_time(lambda: encoder.encode(texts), repeats)
    baseline_s = _best_time(baseline, repeats)
    return BenchResult(
        name="ingest (embedding)",
        items=len(texts),
        unit="chunks",
        ours_s=ours_s,
        baseline_s=baseline_s,
        baseline="SentenceTransformer.encode loop, 32 windows a call, document order",
        device=encoder.device,
    )
