"""The bi-encoder: texts to unit-length vectors, batched by device.

It is loaded offline like every model (``encoders.loading``); ``load_bi_encoder`` gives the process-wide model
for a folder and device, so the app, the CLI and the services share it.

A document's sentences are each encoded once; the vector of a chunk (a window of sentences) is pooled from
its sentences' vectors (``BiEncoder.encode_windows``). Encoding the windows as texts of their own would read
every sentence one and a half times more, and the alignment needs the sentence vectors anyway.
``vectors_version`` names vectors made this way, so that they never share an index with vectors made another
way or by another model.

A check's submission is not stored; on a CPU it goes through the model's int8 copy (``for_submissions``,
``plagdetect.encoders.int8``), whose vectors are compared with the stored full-precision ones.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from copy import copy as shallow_copy
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from plagdetect.encoders.loading import (
    batch_size_for,
    choose_device,
    half_precision,
    model_version,
    process_wide,
    require_folder,
)
from plagdetect.text.chunking import Window

if TYPE_CHECKING:
    from plagdetect.encoders.int8 import Int8Transformer

logger = logging.getLogger(__name__)

WINDOW_POOLING = "sentmean1"  # chunk vectors: token-weighted mean of their sentences' vectors (encode_windows)
CPU_BATCH_SIZE = 4  # texts per forward pass on a CPU: small batches pad less and stay in cache (docs/evaluation.md)
GPU_BATCH_SIZE = 128


def vectors_version(model: str) -> str:
    """The version of chunk vectors made by the bi-encoder of version ``model`` (see the module docstring)."""
    return f"{model}+{WINDOW_POOLING}"


class BiEncoder:
    """Turns texts into unit-length float32 vectors with a sentence-transformers model."""

    def __init__(self, path: str | os.PathLike, device: str = "auto", batch_size: int = 0) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # our own progress bars speak for the work
        require_folder(path, "Bi-encoder")
        self.path = str(path)
        self.version = model_version(path)
        self.device = choose_device(device)
        self.batch_size = batch_size_for(self.device, CPU_BATCH_SIZE, GPU_BATCH_SIZE, batch_size)
        self.model = SentenceTransformer(self.path, device=self.device, local_files_only=True)
        if half_precision(self.device):
            self.model.half()
        self.model.eval()
        self.dim = int(self.model.get_embedding_dimension())
        self.runtime = "torch"
        self._int8: Int8Transformer | None = None
        logger.info("Loaded bi-encoder %s on %s (dim %d)", self.version, self.device, self.dim)

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """Unit vectors, one row per text, in the order given.

        Identical texts are encoded once; sentence-transformers sorts the inputs by length so that each
        batch holds texts of similar length (little padding), and moves each batch off the device at once.
        """
        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts, not a single string")
        if len(texts) == 0:
            return np.empty((0, self.dim), dtype=np.float32)
        unique, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
        if self._int8 is not None:
            vectors = self._int8.encode(list(unique))
        else:
            vectors = self.model.encode(
                list(unique),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=show_progress,
            )
        return np.asarray(vectors, dtype=np.float32)[inverse.reshape(-1)]

    def for_submissions(self, cache_dir: Path) -> BiEncoder:
        """The encoder for a check's submission: on a CPU, this model through its int8 copy (``encoders.int8``).

        The copy shares this encoder's model and tokenizer and writes vectors comparable with the stored ones
        (same version). Where no usable copy can be made, and on a GPU, this encoder itself.
        """
        if self.device != "cpu":
            return self
        from plagdetect.encoders.int8 import RUNTIME, int8_copy

        copy = int8_copy(self.model, self.path, self.version, cache_dir)
        if copy is None:
            return self
        submissions = shallow_copy(self)
        submissions._int8 = copy
        submissions.runtime = RUNTIME
        return submissions

    def encode_windows(
        self, sentences: Sequence[str], windows: Sequence[tuple[int, int]], show_progress: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Unit vectors of sentences and of windows of consecutive sentences, each sentence encoded once.

        ``windows``: ranges ``[first, stop)`` of sentence indices. A window's vector is the mean of its
        sentences' vectors weighted by their token counts (mean pooling weighs every token alike), made unit
        length; a window of one sentence has that sentence's vector.
        """
        for first, stop in windows:
            if not 0 <= first < stop <= len(sentences):
                raise ValueError(f"window {first}:{stop} is not a range of the {len(sentences)} sentences")
        sentence_vectors = self.encode(sentences, show_progress=show_progress)
        weights = self.token_counts(sentences).astype(np.float32)
        window_vectors = np.empty((len(windows), self.dim), dtype=np.float32)
        for row, (first, stop) in enumerate(windows):
            pooled = weights[first:stop] @ sentence_vectors[first:stop]
            window_vectors[row] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return sentence_vectors, window_vectors

    def token_counts(self, texts: Sequence[str]) -> np.ndarray:
        """How many tokens the model reads of each text (special tokens left out, at most its limit), at least 1."""
        if len(texts) == 0:
            return np.empty(0, dtype=np.int64)
        limit = self.model.max_seq_length - 2  # [CLS] and [SEP] take two places
        tokens = self.model.tokenizer(list(texts), add_special_tokens=False, truncation=True, max_length=limit)
        return np.array([max(1, len(ids)) for ids in tokens["input_ids"]], dtype=np.int64)


@process_wide
def load_bi_encoder(path: str, device: str = "auto", batch_size: int = 0) -> BiEncoder:
    """The process-wide bi-encoder for a folder and device."""
    return BiEncoder(path, device=device, batch_size=batch_size)


def embed_cut(
    encoder: BiEncoder, text: str, sentences: Sequence[tuple[int, int]], windows: Sequence[Window]
) -> tuple[np.ndarray, np.ndarray]:
    """The vectors of a cut text's sentence units and of its windows, each unit encoded once (``encode_windows``)."""
    return encoder.encode_windows(
        [" ".join(text[start:end].split()) for start, end in sentences], [window.units for window in windows]
    )
