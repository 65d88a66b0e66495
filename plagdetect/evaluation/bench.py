"""Speed benchmarks, each a ratio against a plain baseline measured in the same run on the same input."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from plagdetect.encoders.bi_encoder import BiEncoder, embed_cut, load_bi_encoder
from plagdetect.settings import Settings
from plagdetect.text.chunking import Window, chunk_text
from plagdetect.text.prepare import cut_text
from plagdetect.text.spans import Span

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
    notes: str = ""

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
                *([f"  {self.notes}"] if self.notes else []),
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


def generated_chunks(settings: Settings, count: int, seed: int = 0) -> list[tuple[str, list[Span], list[Window]]]:
    """Generated documents, each with its sentence units and chunks (``cut_text``), until there are ``count`` chunks."""
    documents: list[tuple[str, list[Span], list[Window]]] = []
    total = 0
    batch = 0
    while total < count:
        for text in generated_documents(20, seed=seed + batch):
            if total >= count:
                break
            units, chunks = cut_text(text, settings)
            documents.append((text, units, chunks))
            total += len(chunks)
        batch += 1
    return documents


def _best_time(run: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def bench_ingest(settings: Settings, windows: int = 3000, repeats: int = 1) -> BenchResult:
    """Embedding a corpus's documents: what ingest does vs. a plain ``SentenceTransformer.encode`` loop.

    Baseline: every chunk's text in document order, 32 a call (sentence-transformers' default batch size),
    each call ``model.encode(..., normalize_embeddings=True)``: what one writes without thinking about it.
    Ours: each document's sentence units encoded once and its chunk vectors pooled from them
    (``BiEncoder.encode_windows``), a call per document as ingest makes it. Both use the same loaded model.
    """
    encoder: BiEncoder = load_bi_encoder(
        settings.resolved_bi_encoder, device=settings.device, batch_size=settings.embed_batch_size
    )
    documents = generated_chunks(settings, windows)
    texts = [chunk.text for _, _, chunks in documents for chunk in chunks]
    model = encoder.model
    model.encode(texts[:64], normalize_embeddings=True)  # warm-up: first calls pay one-off costs

    def ours() -> None:
        for text, units, chunks in documents:
            embed_cut(encoder, text, units, chunks)

    def baseline() -> None:
        for start in range(0, len(texts), 32):
            model.encode(texts[start : start + 32], batch_size=32, normalize_embeddings=True)

    ours_s = _best_time(ours, repeats)
    baseline_s = _best_time(baseline, repeats)
    return BenchResult(
        name=f"ingest (embedding {len(documents)} documents)",
        items=len(texts),
        unit="chunks",
        ours_s=ours_s,
        baseline_s=baseline_s,
        baseline="SentenceTransformer.encode loop over the chunk texts, 32 a call, document order",
        device=encoder.device,
    )


CHECK_INPUTS = ("paper", "dense")


def pan_check_input(corpus_dir: str, documents: int, words: int) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """A corpus and two submissions from a PAN text-alignment corpus: real papers and real paraphrases.

    The corpus: every source document cut at paragraph breaks into ``documents`` parts or more (named
    ``<source>-<k>``). The submissions, each of at least ``words`` words:

    - ``paper``: the longest suspicious documents, one after the other; their sources are in the corpus, so the
      check finds what PAN's truth marks, among the papers' own text;
    - ``dense``: a submission made of copies and little else, the case whose cost grows with its matches: PAN's
      cases one after the other, in turn the paraphrase (the suspicious side) and the source passage word for word.
    """
    from plagdetect.evaluation.pan import load_pan_corpus
    from plagdetect.text.chunking import paragraph_spans

    pan = load_pan_corpus(corpus_dir)
    sources = []
    for name in pan.src_documents:
        text = pan.src_text(name)
        sources.append((Path(name).stem, [text[a:b] for a, b in paragraph_spans(text)]))
    parts: list[tuple[str, str]] = []
    per_source = -(-documents // max(1, len(sources)))
    while len(parts) < documents and per_source <= max((len(p) for _, p in sources), default=0):
        parts = []
        for stem, paragraphs in sources:
            size = max(1, -(-len(paragraphs) // per_source))
            for k in range(0, len(paragraphs), size):
                parts.append((f"{stem}-{k // size:03}", "\n\n".join(paragraphs[k : k + size])))
        per_source += 1
    by_length = sorted(pan.susp_documents, key=lambda name: -len(pan.susp_text(name).split()))
    paper = _until(words, (pan.susp_text(name) for name in by_length))
    copies = (
        pan.susp_text(c.susp.document)[c.susp.offset : c.susp.end]
        if k % 2 == 0
        else pan.src_text(c.src.document)[c.src.offset : c.src.end]
        for k, c in enumerate(pan.cases)
    )
    return parts, {"paper": paper, "dense": _until(words, copies)}


def _until(words: int, texts: Iterable[str]) -> str:
    """The texts as paragraphs of one document, as many as it takes to reach ``words`` words."""
    taken: list[str] = []
    for text in texts:
        if sum(len(t.split()) for t in taken) >= words:
            break
        taken.append(text.strip())
    return "\n\n".join(taken)


def bench_check(
    settings: Settings,
    pan_dir: str,
    documents: int = 500,
    words: int = 5000,
    repeats: int = 1,
    inputs: Iterable[str] = CHECK_INPUTS,
) -> list[BenchResult]:
    """A check of a long submission against a corpus, ours vs. a naive pipeline on the same corpus, for each of
    ``inputs`` (``pan_check_input``: a paper, and a submission dense with copies).

    The corpus is built once in a temporary data directory, and building it is not timed. Ours: ``check_bytes``
    end to end (extraction, search, alignment, reranking, explanations, storage; on a CPU the submission goes
    through the bi-encoder's int8 copy). Naive: the submission's sentence windows, ``model.encode``,
    ``util.semantic_search`` over all the corpus's vectors (brute force), ``CrossEncoder.predict`` on every
    (window, corpus window) pair above the same bi-encoder threshold, no merging. Both use the same models. With
    ``repeats`` > 1 the two take turns, so that a slow spell of the machine falls on both, and each one's best
    time counts.
    """
    import tempfile
    from dataclasses import replace

    import numpy as np
    import torch
    from sqlalchemy import select

    from plagdetect.detection.pipeline import check_bytes
    from plagdetect.encoders.cross_encoder import load_reranker
    from plagdetect.services.corpus import Corpus
    from plagdetect.store import Chunk, Document
    from plagdetect.store.vectors import blob_to_vector

    parts, submissions = pan_check_input(pan_dir, documents, words)
    with tempfile.TemporaryDirectory(prefix="plagdetect-bench-") as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        for name, text in parts:
            (folder / f"{name}.txt").write_text(text, encoding="utf-8")
        corpus = Corpus.open(replace(settings, data_dir=Path(tmp) / "data"))
        try:
            corpus.ingest_paths([folder], "bench")
            with corpus.context.sessions() as session:
                rows = session.execute(select(Document.text, Chunk.start, Chunk.end, Chunk.vector).join(Document)).all()
            dim = corpus.context.encoder.dim
            naive = _NaiveCheck(
                settings,
                corpus.context.encoder.model,
                load_reranker(settings.resolved_cross_encoder, settings.device).model,
                [row.text[row.start : row.end] for row in rows],
                torch.from_numpy(np.stack([blob_to_vector(row.vector, dim) for row in rows])),
            )
            check_bytes(corpus.context, parts[0][1].encode(), "warm-up.txt")  # first calls pay one-off costs
            results = [_bench_one_check(corpus, naive, name, submissions[name], len(parts), repeats) for name in inputs]
        finally:
            corpus.close()
    return results


class _NaiveCheck:
    """The naive pipeline: windows, encode, brute-force search, the cross-encoder on every candidate pair."""

    def __init__(self, settings: Settings, model, cross_encoder, corpus_texts: list[str], corpus_vectors) -> None:
        self.settings = settings
        self.model = model
        self.cross_encoder = cross_encoder
        self.corpus_texts = corpus_texts
        self.corpus_vectors = corpus_vectors
        self.candidates = 0
        self.stages: dict[str, float] = {}

    def __call__(self, submission: str) -> None:
        from sentence_transformers import util

        settings = self.settings
        start = time.perf_counter()
        windows = [c.text for c in chunk_text(submission, settings.chunk_sentences, settings.chunk_stride)]
        queries = self.model.encode(windows, convert_to_tensor=True, normalize_embeddings=True)
        hits = util.semantic_search(queries, self.corpus_vectors.to(queries.dtype), top_k=settings.neighbours)
        pairs = [
            (windows[q], self.corpus_texts[hit["corpus_id"]])
            for q, found in enumerate(hits)
            for hit in found
            if hit["score"] >= settings.seed_threshold
        ]
        self.stages["embed+search"] = time.perf_counter() - start
        self.candidates = len(pairs)
        if pairs:
            self.cross_encoder.predict(pairs)
        self.stages["rerank"] = time.perf_counter() - start - self.stages["embed+search"]


def _bench_one_check(corpus, naive: _NaiveCheck, name: str, submission: str, documents: int, repeats: int):
    from plagdetect.detection.pipeline import check_bytes

    reports = []
    ours_s = baseline_s = float("inf")
    for _ in range(repeats):
        ours_s = min(
            ours_s,
            _best_time(lambda: reports.append(check_bytes(corpus.context, submission.encode(), f"{name}.txt")), 1),
        )
        baseline_s = min(baseline_s, _best_time(lambda: naive(submission), 1))
    report = reports[-1]
    stages = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in report.timings.items())
    naive_split = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in naive.stages.items())
    return BenchResult(
        name=f"check, {name} ({len(submission.split())} words against {documents} documents)",
        items=1,
        unit="checks",
        ours_s=ours_s,
        baseline_s=baseline_s,
        baseline=f"windows, encode, semantic_search, CrossEncoder.predict on all {naive.candidates} candidates",
        device=corpus.context.encoder.device,
        notes=(
            f"ours: {len(report.matches)} matches, similarity {100 * report.similarity:.1f}%; stages: {stages}; "
            f"submission encoded with {corpus.context.embeddings.submission_encoder.runtime}\n"
            f"  naive: {naive_split}"
        ),
    )
