"""The bi-encoder's transformer as an int8 ONNX Runtime model, for embedding a check's submission on a CPU.

A check spends most of its time encoding the submission's sentences. On a CPU an int8 copy of the transformer
does that about 1.7 times faster than torch in float32 (``docs/evaluation.md``). Only the submission goes
through it: the corpus's stored vectors stay full precision, so any corpus can be checked this way without a
re-index, and the vectors a GPU wrote serve a CPU as before.

The copy is made once from the bi-encoder's own weights and kept in ``<data_dir>/models``:
- the transformer is exported with torch's TorchScript ONNX exporter (with eager attention, which exports
  to plain ONNX operators);
- ONNX Runtime's dynamic quantization makes its weights int8, one scale per output channel; activations are
  quantized per batch. The first layer stays float32: it reads the raw embeddings, where quantization costs
  the most accuracy (with it: cosine to the float32 vectors 0.994 on average, 0.98 at worst);
- before use, the copy encodes a few probe texts next to the torch model; it is used only if every vector
  stays within ``MIN_COSINE`` of torch's. Otherwise the check encodes with torch and the log says why.
Pooling and normalising are the model's own (mean over tokens, unit length); a model that pools another way is
not converted.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

RUNTIME = "onnxruntime-int8"
FORMAT = "int8-l0fp32-v1"  # in the file name: a change to how the copy is made makes old copies unused
MIN_COSINE = 0.97  # the least cosine, on the probe texts, between a vector of the copy and torch's
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
PROBES = (
    "Plagiarism is the use of another person's words or ideas without acknowledgement.",
    "The results show a significant effect of the treatment on both measured outcomes (p < 0.01).",
    "In 1848, revolutions spread across Europe, from Paris to Vienna and Berlin, within a few weeks.",
    "Photosynthesis converts light energy into chemical energy that is stored in glucose molecules.",
    "We propose a framework that aligns the sentences of two documents and scores each aligned passage, "
    "so that a reviewer can see which parts of a submission resemble which parts of a source.",
    "ok",
)

_loaded: dict[str, Int8Transformer | None] = {}  # model version -> its copy (None: not usable), per process
_lock = threading.Lock()


class Int8Transformer:
    """Unit-length mean-pooled vectors from an int8 ONNX copy of a sentence-transformers model."""

    def __init__(self, model_file: Path, tokenizer, max_length: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()  # the threads torch would use
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self.tokenizer = tokenizer
        self.max_length = max_length

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        """One unit vector per text, in the order given; batches of texts of similar length (little padding)."""
        order = np.argsort([-len(text) for text in texts], kind="stable")
        vectors: np.ndarray | None = None
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            batch = self.tokenizer(
                [texts[i] for i in rows], padding=True, truncation=True, max_length=self.max_length, return_tensors="np"
            )
            tokens = self.session.run(None, {name: batch[name].astype(np.int64) for name in _INPUTS})[0]
            mask = batch["attention_mask"][..., None].astype(np.float32)
            pooled = (tokens * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1.0)
            if vectors is None:
                vectors = np.empty((len(texts), pooled.shape[1]), dtype=np.float32)
            vectors[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        assert vectors is not None, "encode needs at least one text"
        return vectors


def int8_copy(model: SentenceTransformer, folder: str, version: str, cache_dir: Path) -> Int8Transformer | None:
    """The int8 copy of the bi-encoder of ``version`` (made and validated on first use), or None if unusable.

    One per model version and process; the file in ``cache_dir`` saves making it again in the next process.
    """
    with _lock:
        if version not in _loaded:
            _loaded[version] = _load_or_build(model, folder, cache_dir / f"{version}-{FORMAT}.onnx")
        return _loaded[version]


def _load_or_build(model: SentenceTransformer, folder: str, target: Path) -> Int8Transformer | None:
    if not _pools_by_mean(model):
        logger.info("The bi-encoder does not pool by mean over tokens; submissions are encoded with torch")
        return None
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        logger.warning("onnxruntime is not installed; submissions are encoded with torch (slower)")
        return None
    max_length = int(model.max_seq_length)
    copy = None
    if target.is_file():
        try:
            copy = Int8Transformer(target, model.tokenizer, max_length)
        except Exception as error:  # a damaged or truncated file: make it again
            logger.warning("The int8 copy %s cannot be loaded (%s); making it again", target, error)
    if copy is None:
        try:
            logger.info("Making an int8 copy of the bi-encoder for checks on the CPU: %s", target)
            build_int8_model(folder, target)
            copy = Int8Transformer(target, model.tokenizer, max_length)
        except Exception as error:
            logger.warning("No int8 copy of the bi-encoder (%s); submissions are encoded with torch", error)
            return None
    try:
        worst = probe_cosine(model, copy)
    except Exception as error:  # e.g. a tokenizer without the inputs the copy takes
        logger.warning("The int8 copy %s cannot encode (%s); submissions are encoded with torch", target, error)
        return None
    if worst < MIN_COSINE:
        logger.warning(
            "The int8 copy %s strays from the bi-encoder (cosine %.3f < %.2f); submissions are encoded with torch",
            target,
            worst,
            MIN_COSINE,
        )
        return None
    return copy


def probe_cosine(model: SentenceTransformer, copy: Int8Transformer) -> float:
    """The least cosine between the copy's and torch's vectors of the probe texts, encoded in one padded batch."""
    reference = model.encode(
        list(PROBES), batch_size=len(PROBES), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    vectors = copy.encode(PROBES, batch_size=len(PROBES))
    return float(np.min(np.sum(reference * vectors, axis=1)))


def _pools_by_mean(model: SentenceTransformer) -> bool:
    """Whether the model is a transformer, mean pooling and at most a normalisation (what ``encode`` computes)."""
    names = [type(module).__name__ for module in model]
    if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return False
    return getattr(model[1], "pooling_mode", None) == "mean"


def build_int8_model(folder: str, target: Path) -> None:
    """Export the transformer in ``folder`` to ONNX and quantize it to int8 (first layer float32) into ``target``.

    The file appears whole or not at all (written beside it, then renamed), so two processes making it at once,
    or one killed half way, leave no broken copy.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    transformer = AutoModel.from_pretrained(folder, attn_implementation="eager", local_files_only=True).eval()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".int8-") as tmp:
        exported = Path(tmp) / "float32.onnx"
        example = torch.ones((2, 8), dtype=torch.long)
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")  # the exporter's deprecation and tracer notes; the probes check the result
            torch.onnx.export(
                _LastHiddenState(transformer),
                (example, torch.ones_like(example), torch.zeros_like(example)),
                str(exported),
                input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes={name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")},
                opset_version=17,
                dynamo=False,
            )
        graph = onnx.load(str(exported), load_external_data=False).graph
        first_layer = [node.name for node in graph.node if node.op_type == "MatMul" and "/layer.0/" in node.name]
        quantized = Path(tmp) / "int8.onnx"
        logging.disable(logging.WARNING)  # the quantizer logs every tensor it leaves alone through the root logger
        try:
            quantize_dynamic(
                str(exported),
                str(quantized),
                weight_type=QuantType.QInt8,
                per_channel=True,
                nodes_to_exclude=first_layer,
            )
        finally:
            logging.disable(logging.NOTSET)
        os.replace(quantized, target)


class _LastHiddenState(torch.nn.Module):
    """The transformer as a module from three tensors to one (what the exporter traces)."""

    def __init__(self, transformer: torch.nn.Module) -> None:
        super().__init__()
        self.transformer = transformer

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor):
        output = self.transformer(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        return output.last_hidden_state
