"""The models as int8 ONNX Runtime copies for a check on a CPU: the bi-encoder's transformer, for embedding the
submission, and the cross-encoder, for reranking.

A check spends most of its time encoding the submission's sentences and reranking aligned paragraphs. On a CPU an
int8 copy does either about 1.7-1.9 times faster than torch in float32 (``docs/evaluation.md``). Only the
submission goes through the bi-encoder's copy: the corpus's stored vectors stay full precision, so any corpus can
be checked this way without a re-index, and the vectors a GPU wrote serve a CPU as before.

The copy is made once from the bi-encoder's own weights and kept in ``<data_dir>/models``:
- the transformer is exported with torch's TorchScript ONNX exporter (with eager attention, which exports
  to plain ONNX operators);
- ONNX Runtime's dynamic quantization makes its weights int8, one scale per output channel; activations are
  quantized per batch. The first layer stays float32: it reads the raw embeddings, where quantization costs
  the most accuracy (with it: cosine to the float32 vectors 0.994 on average, 0.98 at worst);
- before use, the copy encodes a few probe texts next to the torch model; it is used only if every vector
  stays within ``MIN_COSINE`` of torch's (the cross-encoder's: every probe pair's score within
  ``MAX_SCORE_GAP``). Otherwise the check uses torch and the log says why.
Pooling and normalising are the model's own (mean over tokens, unit length); a model that pools another way is
not converted. The cross-encoder's copy ends in its single logit; its score is the sigmoid, as torch's.
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
    from sentence_transformers.cross_encoder import CrossEncoder

logger = logging.getLogger(__name__)

RUNTIME = "onnxruntime-int8"
FORMAT = "int8-l0fp32-v1"  # in the file name: a change to how the copy is made makes old copies unused
MIN_COSINE = 0.97  # the least cosine, on the probe texts, between a vector of the copy and torch's
MAX_SCORE_GAP = 0.1  # the most a cross-encoder's score on a probe pair may differ from torch's
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

_loaded: dict[str, Int8Transformer | Int8Classifier | None] = {}  # version -> its copy (None: unusable), per process
_lock = threading.Lock()


def _session(model_file: Path):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()  # the threads torch would use
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])


class Int8Transformer:
    """Unit-length mean-pooled vectors from an int8 ONNX copy of a sentence-transformers model."""

    def __init__(self, model_file: Path, tokenizer, max_length: int) -> None:
        self.session = _session(model_file)
        self.tokenizer = tokenizer
        self.max_length = max_length

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text, in the order given, each text run on its own.

        Dynamic int8 quantization scales activations over the whole input of a run, so in a padded batch a
        sentence's vector depends on the sentences beside it (cosine down to 0.969 between the two on a pan25-dev
        paper). Alone it is a little closer to torch's vector and, with no padding, about as fast on a CPU
        (``bench check``: embed 3.2-3.4 s on the paper, 1.7-1.9 s on the dense input, either way)."""
        vectors = np.empty((len(texts), 0), dtype=np.float32)
        for i, text in enumerate(texts):
            encoded = self.tokenizer(text, truncation=True, max_length=self.max_length, return_tensors="np")
            tokens = self.session.run(None, {name: encoded[name].astype(np.int64) for name in _INPUTS})[0]
            pooled = tokens[0].mean(axis=0)  # one text, no padding: every token counts
            if i == 0:
                vectors = np.empty((len(texts), pooled.shape[0]), dtype=np.float32)
            vectors[i] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return vectors


class Int8Classifier:
    """Scores in [0, 1] of text pairs from an int8 ONNX copy of a one-label cross-encoder (sigmoid of its logit)."""

    def __init__(self, model_file: Path, tokenizer, max_length: int) -> None:
        self.session = _session(model_file)
        self.tokenizer = tokenizer
        self.max_length = max_length

    def score(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """One score per pair, in the order given, each pair run on its own.

        Dynamic int8 quantization scales activations over the whole input of a run: in a batch, a pair's score
        would depend on the pairs beside it (by up to 0.036 on pan25-dev's aligned pairs), so a check's verdict on
        a passage would depend on what else it aligned. Alone, with no padding, it takes about as long on a CPU
        (``bench check``: rerank 1.1-1.5 s either way)."""
        scores = np.empty(len(pairs), dtype=np.float32)
        for i, (first, second) in enumerate(pairs):
            encoded = self.tokenizer(first, second, truncation=True, max_length=self.max_length, return_tensors="np")
            logits = self.session.run(None, {name: encoded[name].astype(np.int64) for name in _INPUTS})[0]
            scores[i] = 1.0 / (1.0 + np.exp(-float(logits.reshape(-1)[0])))
        return scores


def int8_copy(model: SentenceTransformer, folder: str, version: str, cache_dir: Path) -> Int8Transformer | None:
    """The int8 copy of the bi-encoder of ``version`` (made and validated on first use), or None if unusable.

    One per model version and process; the file in ``cache_dir`` saves making it again in the next process.
    """
    if not _pools_by_mean(model):
        logger.info("The bi-encoder does not pool by mean over tokens; submissions are encoded with torch")
        return None
    return _copy_of(
        "bi-encoder",
        version,
        cache_dir / f"{version}-{FORMAT}.onnx",
        build=lambda target: build_int8_model(folder, target),
        load=lambda target: Int8Transformer(target, model.tokenizer, int(model.max_seq_length)),
        stray=lambda copy: _cosine_stray(model, copy),
    )


def int8_classifier(model: CrossEncoder, folder: str, version: str, cache_dir: Path) -> Int8Classifier | None:
    """The int8 copy of the cross-encoder of ``version`` (made and validated on first use), or None if unusable."""
    if int(model.num_labels) != 1:
        logger.info("The cross-encoder has %d labels; it reranks with torch", model.num_labels)
        return None
    return _copy_of(
        "cross-encoder",
        version,
        cache_dir / f"{version}-{FORMAT}.onnx",
        build=lambda target: build_int8_model(folder, target, classifier=True),
        load=lambda target: Int8Classifier(target, model.tokenizer, int(model.max_seq_length or 512)),
        stray=lambda copy: _score_stray(model, copy),
    )


def _copy_of(kind: str, version: str, target: Path, build, load, stray):
    """A model's int8 copy, once per version and process: loaded from ``target`` or made there, then probed;
    None when it cannot be made or strays (``stray`` says how, or returns None)."""
    with _lock:
        if version not in _loaded:
            _loaded[version] = _load_or_build(kind, target, build, load, stray)
        return _loaded[version]


def _load_or_build(kind: str, target: Path, build, load, stray):
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        logger.warning("onnxruntime is not installed; the %s runs with torch (slower)", kind)
        return None
    copy = None
    if target.is_file():
        try:
            copy = load(target)
        except Exception as error:  # a damaged or truncated file: make it again
            logger.warning("The int8 copy %s cannot be loaded (%s); making it again", target, error)
    if copy is None:
        try:
            logger.info("Making an int8 copy of the %s for checks on the CPU: %s", kind, target)
            build(target)
            copy = load(target)
        except Exception as error:
            logger.warning("No int8 copy of the %s (%s); it runs with torch", kind, error)
            return None
    try:
        problem = stray(copy)
    except Exception as error:  # e.g. a tokenizer without the inputs the copy takes
        logger.warning("The int8 copy %s cannot run (%s); the %s runs with torch", target, error, kind)
        return None
    if problem:
        logger.warning("The int8 copy %s strays from the %s (%s); it runs with torch", target, kind, problem)
        return None
    return copy


def _cosine_stray(model: SentenceTransformer, copy: Int8Transformer) -> str | None:
    worst = probe_cosine(model, copy)
    return f"cosine {worst:.3f} < {MIN_COSINE:.2f}" if worst < MIN_COSINE else None


def probe_pairs() -> list[tuple[str, str]]:
    """Pairs of the probe texts: each with itself, with a shortened copy, and with the next one."""
    pairs = [(text, text) for text in PROBES]
    pairs += [(text, text[: len(text) // 2]) for text in PROBES]
    pairs += [(a, b) for a, b in zip(PROBES, PROBES[1:], strict=False)]
    return pairs


def score_gap(model: CrossEncoder, copy: Int8Classifier) -> float:
    """The largest difference between the copy's and torch's scores of the probe pairs."""
    pairs = probe_pairs()
    reference = model.predict([list(p) for p in pairs], batch_size=len(pairs), show_progress_bar=False)
    return float(np.max(np.abs(np.asarray(reference, dtype=np.float32).reshape(-1) - copy.score(pairs))))


def _score_stray(model: CrossEncoder, copy: Int8Classifier) -> str | None:
    gap = score_gap(model, copy)
    return f"scores differ by {gap:.3f} > {MAX_SCORE_GAP}" if gap > MAX_SCORE_GAP else None


def probe_cosine(model: SentenceTransformer, copy: Int8Transformer) -> float:
    """The least cosine between the copy's and torch's vectors of the probe texts (torch's in one padded batch)."""
    reference = model.encode(
        list(PROBES), batch_size=len(PROBES), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    vectors = copy.encode(PROBES)
    return float(np.min(np.sum(reference * vectors, axis=1)))


def _pools_by_mean(model: SentenceTransformer) -> bool:
    """Whether the model is a transformer, mean pooling and at most a normalisation (what ``encode`` computes)."""
    names = [type(module).__name__ for module in model]
    if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return False
    return getattr(model[1], "pooling_mode", None) == "mean"


def build_int8_model(folder: str, target: Path, classifier: bool = False) -> None:
    """Export the transformer in ``folder`` to ONNX and quantize it to int8 (first layer float32) into ``target``;
    with ``classifier``, the model with its classification head (a cross-encoder), to its logits.

    The file appears whole or not at all (written beside it, then renamed), so two processes making it at once,
    or one killed half way, leave no broken copy.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, AutoModelForSequenceClassification

    loader = AutoModelForSequenceClassification if classifier else AutoModel
    transformer = loader.from_pretrained(
        folder, attn_implementation="eager", local_files_only=True, dtype=torch.float32
    ).eval()
    output = "logits" if classifier else "last_hidden_state"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".int8-") as tmp:
        exported = Path(tmp) / "float32.onnx"
        example = torch.ones((2, 8), dtype=torch.long)
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")  # the exporter's deprecation and tracer notes; the probes check the result
            torch.onnx.export(
                _Output(transformer, output),
                (example, torch.ones_like(example), torch.zeros_like(example)),
                str(exported),
                input_names=list(_INPUTS),
                output_names=[output],
                dynamic_axes={name: {0: "batch", 1: "tokens"} for name in _INPUTS}
                | {output: {0: "batch"} if classifier else {0: "batch", 1: "tokens"}},
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


class _Output(torch.nn.Module):
    """The model as a module from three tensors to one of its outputs (what the exporter traces)."""

    def __init__(self, transformer: torch.nn.Module, output: str) -> None:
        super().__init__()
        self.transformer = transformer
        self.output = output

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor):
        output = self.transformer(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        return getattr(output, self.output)
