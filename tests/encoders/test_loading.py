"""What every model kind shares when loaded (plagdetect/encoders/loading.py), checked without loading a model."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from plagdetect.encoders import loading
from plagdetect.encoders.bi_encoder import BiEncoder
from plagdetect.encoders.cross_encoder import Reranker
from plagdetect.encoders.loading import (
    MODELS_PER_KIND,
    batch_size_for,
    choose_device,
    forget_models,
    model_dimension,
    model_version,
    process_wide,
    require_folder,
    torch_dtype,
)
from plagdetect.encoders.splade import Explainer
from plagdetect.errors import PlagDetectError

ENCODERS = Path(loading.__file__).parent


def weights_folder(parent: Path, name: str = "my-model", file: str = "model.safetensors") -> tuple[Path, str]:
    folder = parent / name
    folder.mkdir(parents=True)
    (folder / file).write_bytes(b"some weights")
    return folder, hashlib.sha256(b"some weights").hexdigest()[:12]


def test_auto_picks_cuda_then_mps_then_cpu_and_a_named_device_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    assert choose_device("cuda:1") == "cuda:1" and choose_device("cpu") == "cpu"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert choose_device() == "cpu"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert choose_device("auto") == "mps"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert choose_device("auto") == "cuda"


def test_models_run_in_fp16_on_cuda_only_and_batch_sizes_follow_the_device() -> None:
    assert torch_dtype("cuda") == torch_dtype("cuda:1") == torch.float16
    assert torch_dtype("cpu") == torch_dtype("mps") == torch.float32
    assert batch_size_for("cpu", 4, 128) == 4 and batch_size_for("mps", 4, 128) == 128
    assert batch_size_for("cuda", 4, 128, requested=7) == batch_size_for("cpu", 4, 128, requested=7) == 7


def test_the_version_names_the_folder_and_the_weights(tmp_path: Path) -> None:
    folder, digest = weights_folder(tmp_path)
    assert model_version(folder) == f"my-model-{digest}"
    packaged, digest = weights_folder(tmp_path / "gt_pkg", "model", "pytorch_model.bin")
    assert model_version(str(packaged)) == f"gt_pkg-{digest}"
    with pytest.raises(PlagDetectError, match=r"No model weights \(model.safetensors or pytorch_model.bin\) in"):
        model_version(tmp_path)


def test_the_dimension_is_read_from_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"hidden_size": 384}')
    (tmp_path / "modules.json").write_text('[{"path": ""}, {"path": "1_Pooling"}]')
    assert model_dimension(tmp_path) == 384
    (tmp_path / "2_Dense").mkdir()
    (tmp_path / "2_Dense" / "config.json").write_text('{"out_features": 256}')
    (tmp_path / "modules.json").write_text('[{"path": ""}, {"path": "1_Pooling"}, {"path": "2_Dense"}]')
    assert model_dimension(str(tmp_path)) == 256
    with pytest.raises(PlagDetectError, match="Cannot read the bi-encoder's configuration in"):
        model_dimension(tmp_path / "nowhere")


def test_a_missing_folder_names_the_model_kind_and_the_hint(tmp_path: Path) -> None:
    assert require_folder(str(tmp_path), "SPLADE") == tmp_path
    with pytest.raises(PlagDetectError) as plain:
        require_folder(tmp_path / "nowhere", "Bi-encoder")
    assert str(plain.value) == f"Bi-encoder folder not found: {tmp_path / 'nowhere'}"
    with pytest.raises(PlagDetectError) as hinted:
        require_folder(tmp_path / "nowhere", "SPLADE", "set PLAGDETECT_SPLADE")
    assert str(hinted.value) == f"SPLADE folder not found: {tmp_path / 'nowhere'} (set PLAGDETECT_SPLADE)"


@pytest.fixture
def empty_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that has loaded no model yet (the session's real models stay cached for other tests)."""
    monkeypatch.setattr(loading, "_models", {})


def test_one_model_per_set_of_arguments_in_the_process(empty_cache) -> None:
    calls: list[tuple[str, str]] = []

    @process_wide
    def load_a(path: str, device: str = "auto") -> object:
        calls.append((path, device))
        return object()

    @process_wide
    def load_b(path: str, device: str = "auto") -> object:
        return object()

    first = load_a("m")
    assert load_a("m") is first and load_a("m", "auto") is first and load_a(path="m", device="auto") is first
    assert load_a("m", "cpu") is not first and load_b("m") is not first
    assert calls == [("m", "auto"), ("m", "cpu")]
    assert load_a.__name__ == "load_a"
    forget_models()
    assert load_a("m") is not first


def test_each_loader_keeps_its_most_recently_used_models(empty_cache) -> None:
    @process_wide
    def load(path: str) -> object:
        return object()

    oldest, kept = load("0"), load("1")
    for name in range(2, MODELS_PER_KIND + 1):
        load(str(name))
        assert load("1") is kept  # used again: stays
    assert load("1") is kept and load("0") is not oldest


class FakeModel:
    """Stands for a sentence-transformers model: records how it was made."""

    def __init__(self, path: str, device: str, local_files_only: bool, model_kwargs: dict | None = None) -> None:
        assert local_files_only
        self.path, self.device, self.kwargs, self.halved = path, device, model_kwargs, False
        self.tokenizer = SimpleNamespace(vocab_size=3, convert_ids_to_tokens=lambda ids: ["[CLS]", "word", "##s"])

    def half(self) -> FakeModel:
        self.halved = True
        return self

    def eval(self) -> None:
        pass

    def get_embedding_dimension(self) -> int:
        return 8

    def __getitem__(self, index: int) -> SimpleNamespace:
        return SimpleNamespace(auto_model=SimpleNamespace(cls=None))


@pytest.mark.parametrize(
    ("device", "dtype", "bi_batch", "cross_batch"),
    [("cpu", torch.float32, 4, 8), ("cuda", torch.float16, 128, 64), ("cuda:1", torch.float16, 128, 64)],
)
def test_each_kind_loads_in_the_devices_dtype_and_batch_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, device: str, dtype: torch.dtype, bi_batch: int, cross_batch: int
) -> None:
    import sentence_transformers
    import sentence_transformers.cross_encoder
    import sentence_transformers.sparse_encoder

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", FakeModel)
    monkeypatch.setattr(sentence_transformers.cross_encoder, "CrossEncoder", FakeModel)
    monkeypatch.setattr(sentence_transformers.sparse_encoder, "SparseEncoder", FakeModel)
    folder, digest = weights_folder(tmp_path)

    bi = BiEncoder(folder, device=device)
    assert (bi.device, bi.batch_size, bi.version) == (device, bi_batch, f"my-model-{digest}")
    assert bi.model.halved == (dtype == torch.float16)
    assert BiEncoder(folder, device=device, batch_size=3).batch_size == 3
    cross = Reranker(folder, device=device)
    assert (cross.batch_size, cross.model.kwargs, cross.version) == (cross_batch, {"dtype": dtype}, bi.version)
    explainer = Explainer(folder, device=device)
    assert (explainer.batch_size, explainer.model.kwargs, explainer.version) == (32, {"dtype": dtype}, bi.version)


def test_no_model_module_borrows_another_models_helpers() -> None:
    for module, allowed in [
        ("bi_encoder", {"plagdetect.encoders.loading", "plagdetect.encoders.int8"}),  # int8: its own copy
        ("cross_encoder", {"plagdetect.encoders.loading", "plagdetect.encoders.int8"}),  # and the reranker's
        ("splade", {"plagdetect.encoders.loading"}),
    ]:
        tree = ast.parse((ENCODERS / f"{module}.py").read_text())
        imported = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("plagdetect.encoders")
        }
        assert imported <= allowed, module
