"""The models a running PlagDetect uses, as the Admin page lists them: kind, whether in use, version, folder."""

from __future__ import annotations

from dataclasses import dataclass

from plagdetect.encoders.loading import model_version
from plagdetect.errors import PlagDetectError
from plagdetect.settings import Settings


@dataclass(frozen=True)
class ModelInUse:
    kind: str
    in_use: bool
    version: str  # or why it cannot be read ("missing: ...")
    folder: str


def model_inventory(settings: Settings) -> list[ModelInUse]:
    found = []
    for kind, folder, used in [
        ("bi-encoder", settings.resolved_bi_encoder, True),
        ("cross-encoder (reranking)", settings.resolved_cross_encoder, settings.rerank),
        ("SPLADE (explanations)", settings.resolved_splade, settings.explain),
    ]:
        try:
            version = model_version(folder)
        except PlagDetectError as error:
            version = f"missing: {error}"
        found.append(ModelInUse(kind, used, version, str(folder)))
    return found
