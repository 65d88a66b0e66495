"""What loading every model kind shares: folder, device, dtype, batch size, version (and the bi-encoder's
vector size), and one model cache.

Models are loaded from local folders only; nothing is downloaded. Each ``load_*`` function is wrapped in
``process_wide``, so the app, the CLI and the services share one model per set of arguments.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from plagdetect.errors import PlagDetectError

if TYPE_CHECKING:
    import torch

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
MODELS_PER_KIND = 4  # a loader keeps this many of its most recently used models

P = ParamSpec("P")
T = TypeVar("T")

_models: dict[str, OrderedDict[tuple[Any, ...], Any]] = {}  # loader -> its models by arguments
_models_lock = threading.RLock()


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


def half_precision(device: str) -> bool:
    """Whether models run in fp16 on ``device``: on cuda only (fp16 is slow on a CPU)."""
    return device.startswith("cuda")


def torch_dtype(device: str) -> torch.dtype:
    """The dtype models run in on ``device``: float16 on cuda, float32 elsewhere."""
    import torch

    return torch.float16 if half_precision(device) else torch.float32


def batch_size_for(device: str, cpu: int, gpu: int, requested: int = 0) -> int:
    """``requested`` if set, else ``cpu`` on the CPU and ``gpu`` on any other device."""
    return requested or (cpu if device == "cpu" else gpu)


def require_folder(path: str | os.PathLike, kind: str, hint: str = "") -> Path:
    """``path`` as a ``Path`` if it is a folder; else a PlagDetectError naming the model kind (and ``hint``)."""
    if not Path(path).is_dir():
        raise PlagDetectError(f"{kind} folder not found: {path}" + (f" ({hint})" if hint else ""))
    return Path(path)


def model_version(path: str | os.PathLike) -> str:
    """A stable name for the weights in ``path``: folder name plus the start of the weights' sha256.

    Vectors of different versions never share an index, so a fine-tuned bi-encoder gets its own.
    """
    folder = Path(path)
    for name in WEIGHT_FILES:
        weights = folder / name
        if weights.is_file():
            return f"{display_name(folder)}-{_sha256_prefix(weights)}"
    raise PlagDetectError(f"No model weights ({' or '.join(WEIGHT_FILES)}) in {folder}.")


def model_dimension(path: str | os.PathLike) -> int:
    """The vector size of a sentence-transformers folder (a bi-encoder), read from its configuration, not loaded."""
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


def display_name(folder: Path) -> str:
    """The folder's name; a packaged model (``.../<package>/model``) is named after its package."""
    return folder.parent.name if folder.name == "model" else folder.name


@functools.lru_cache(maxsize=16)
def _sha256_prefix(weights: Path) -> str:
    digest = hashlib.sha256()
    with open(weights, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


def process_wide(load: Callable[P, T]) -> Callable[P, T]:
    """Decorates a ``load_*`` function: the same arguments give the same model, loaded once in the process.

    Arguments are compared after defaults are filled in, so ``load(path)`` and ``load(path, device="auto")``
    share a model. Each loader keeps its ``MODELS_PER_KIND`` most recently used models.
    """
    signature = inspect.signature(load)
    name = f"{load.__module__}.{load.__qualname__}"

    @functools.wraps(load)
    def cached(*args: P.args, **kwargs: P.kwargs) -> T:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        key = tuple(bound.arguments.items())
        with _models_lock:  # one load at a time: two threads asking for a model get the same one
            models = _models.setdefault(name, OrderedDict())
            if key in models:
                models.move_to_end(key)
                return models[key]
            model = load(*args, **kwargs)
            models[key] = model
            if len(models) > MODELS_PER_KIND:
                models.popitem(last=False)
            return model

    return cached


def forget_models() -> None:
    """Empty the model cache (for tests); a model is freed once nothing else holds it."""
    with _models_lock:
        _models.clear()
