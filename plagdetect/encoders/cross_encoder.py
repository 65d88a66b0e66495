"""The reranker: a cross-encoder that reads two passages together and scores how much one reuses the other.

PlagDetect trains its own (``plagdetect train cross-encoder``) and ships it in ``models/cross-encoder``. It is
loaded offline, in float32 on the CPU (the weights are stored in fp16, which is slow on a CPU) and in fp16 on
a GPU (``encoders.loading``). ``load_reranker`` gives the process-wide model for a folder and device; on a CPU a
check reranks through its int8 copy (``Reranker.for_checks``, ``encoders.int8``).
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
    model_version,
    process_wide,
    require_folder,
    torch_dtype,
)

if TYPE_CHECKING:
    from plagdetect.encoders.int8 import Int8Classifier

logger = logging.getLogger(__name__)

CPU_BATCH_SIZE = 8  # pairs per forward pass on a CPU: smaller batches pad less (docs/evaluation.md)
GPU_BATCH_SIZE = 64


class Reranker:
    """Scores (submission passage, source passage) pairs in [0, 1]; higher means more likely reused."""

    def __init__(self, path: str | os.PathLike, device: str = "auto", batch_size: int = 0) -> None:
        from sentence_transformers.cross_encoder import CrossEncoder

        require_folder(path, "Cross-encoder", "set PLAGDETECT_CROSS_ENCODER, or PLAGDETECT_RERANK=false")
        self.path = str(path)
        self.version = model_version(path)
        self.device = choose_device(device)
        self.batch_size = batch_size_for(self.device, CPU_BATCH_SIZE, GPU_BATCH_SIZE, batch_size)
        dtype = torch_dtype(self.device)
        self.model = CrossEncoder(self.path, device=self.device, local_files_only=True, model_kwargs={"dtype": dtype})
        self.model.eval()
        self.runtime = "torch"
        self._int8: Int8Classifier | None = None
        logger.info("Loaded cross-encoder %s on %s", self.version, self.device)

    def score(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """One score per pair, in the order given; identical pairs are scored once."""
        if len(pairs) == 0:
            return np.empty(0, dtype=np.float32)
        unique = list({(a, b): None for a, b in pairs})
        if self._int8 is not None:
            scores = self._int8.score(unique)
        else:
            scores = self.model.predict(
                [list(pair) for pair in unique],
                batch_size=self.batch_size,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        by_pair = dict(zip(unique, np.asarray(scores, dtype=np.float32).reshape(-1), strict=True))
        return np.array([by_pair[(a, b)] for a, b in pairs], dtype=np.float32)

    def for_checks(self, cache_dir: Path) -> Reranker:
        """The reranker for a check: on a CPU, this model through its int8 copy (``encoders.int8``); where no usable
        copy can be made, and on a GPU, this reranker itself."""
        if self.device != "cpu":
            return self
        from plagdetect.encoders.int8 import RUNTIME, int8_classifier

        copy = int8_classifier(self.model, self.path, self.version, cache_dir)
        if copy is None:
            return self
        checks = shallow_copy(self)
        checks._int8 = copy
        checks.runtime = RUNTIME
        return checks


@process_wide
def load_reranker(path: str, device: str = "auto") -> Reranker:
    """The process-wide reranker for a folder and device."""
    return Reranker(path, device=device)
