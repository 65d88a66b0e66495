"""Model versions as an admin manages them: list them, promote one for new checks, roll back, delete.

The versions of each kind are kept in the registry (``store.model_versions``); the configured model (shipped in
``models/``, or named by a setting) is the first, and can never be deleted. New versions are trained on people's
labels by ``training.fine_tuning`` (a job) into ``data/models/versions/``, and serve no check until promoted; every
check records the versions it used. Everything here is the admin's.

A cross-encoder is promoted or rolled back here, at once. A bi-encoder is not: the corpus must first be embedded
with it, which ``services.reembedding`` does as a job (``Jobs.switch_bi_encoder``).
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from plagdetect.context import BI_ENCODER, CROSS_ENCODER, Context
from plagdetect.encoders.loading import model_version
from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import Account, Role, authorize
from plagdetect.store import model_versions
from plagdetect.store.model_versions import VersionInfo

__all__ = ["KINDS", "VERSIONS_DIR", "ModelInUse", "ModelRegistry", "VersionInfo", "model_inventory"]

logger = logging.getLogger(__name__)

KINDS = (CROSS_ENCODER, BI_ENCODER)  # the kinds a new version can be trained of
VERSIONS_DIR = Path("models") / "versions"  # under the data directory


class ModelRegistry:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.sessions = context.sessions
        self.settings = context.settings

    # ----- the registry ----------------------------------------------------------------------------------------

    def versions(self, actor: Account | None, kind: str | None = None) -> list[VersionInfo]:
        """Every registered version (of one kind), oldest first, the active one of each kind marked."""
        authorize(self.sessions, actor, Role.ADMIN)
        self._register_configured()
        return model_versions.versions(self.sessions, kind)

    def promote(self, actor: Account | None, version_id: int) -> VersionInfo:
        """Make a version the one new checks use (the next check loads it; running ones finish with theirs)."""
        actor = authorize(self.sessions, actor, Role.ADMIN)
        version = model_versions.get_version(self.sessions, version_id)
        _not_a_bi_encoder(version.kind)
        if not Path(self.folder(version)).is_dir():
            raise PlagDetectError(f"The folder of version {version_id} is missing: {self.folder(version)}")
        promoted = model_versions.promote(self.sessions, version_id, actor.username)
        logger.info("%s promoted %s %s", actor.username, promoted.kind, promoted.version)
        return promoted

    def roll_back(self, actor: Account | None, kind: str) -> VersionInfo:
        """Return to the version that was active before the active one."""
        actor = authorize(self.sessions, actor, Role.ADMIN)
        _not_a_bi_encoder(kind)
        self._register_configured()
        back = model_versions.roll_back(self.sessions, kind, actor.username)
        logger.info("%s rolled the %s back to %s", actor.username, kind, back.version)
        return back

    def roll_back_target(self, kind: str) -> VersionInfo:
        """The version a roll back of ``kind`` would return to (no role: asked by the services that roll back)."""
        self.context.active_model_path(kind)
        return model_versions.roll_back_target(self.sessions, kind)

    def delete(self, actor: Account | None, version_id: int) -> VersionInfo:
        """Delete a version trained here that is not in use, and its folder."""
        authorize(self.sessions, actor, Role.ADMIN)
        gone = model_versions.delete_version(self.sessions, version_id)
        shutil.rmtree(self.folder(gone), ignore_errors=True)
        return gone

    def folder(self, version: VersionInfo) -> str:
        return version.path if version.configured else str(self.settings.data_dir / version.path)

    def active(self, kind: str) -> VersionInfo:
        """The version of ``kind`` new checks use (no role: the server's own question)."""
        self.context.active_model_path(kind)
        return next(v for v in model_versions.versions(self.sessions, kind) if v.active)

    def _register_configured(self) -> None:
        for kind in KINDS:
            self.context.active_model_path(kind)


def _not_a_bi_encoder(kind: str) -> None:
    if kind == BI_ENCODER:
        raise PlagDetectError(
            "A bi-encoder serves only once the corpus is embedded with it: promote or roll it back as a job "
            "(the Admin page, or `plagdetect models promote|rollback`), which re-embeds the corpus first."
        )


@dataclass(frozen=True)
class ModelInUse:
    kind: str
    in_use: bool
    version: str  # or why it cannot be read ("missing: ...")
    folder: str


def model_inventory(context: Context) -> list[ModelInUse]:
    """The models new checks use, as the Admin page lists them: kind, whether in use, version, folder."""
    settings = context.settings
    found = []
    for kind, folder, used in [
        ("bi-encoder", context.active_model_path(BI_ENCODER), True),
        ("cross-encoder (reranking)", context.active_model_path(CROSS_ENCODER), settings.rerank),
        ("SPLADE (explanations)", settings.resolved_splade, settings.explain),
    ]:
        try:
            version = model_version(folder)
        except PlagDetectError as error:
            version = f"missing: {error}"
        found.append(ModelInUse(kind, used, version, str(folder)))
    return found
