"""Shared fixtures: an isolated data directory per test, the real bi-encoder loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from plagdetect.settings import Settings


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's PLAGDETECT_* variables or writes into the repository's data/."""
    import os

    for name in list(os.environ):
        if name.startswith("PLAGDETECT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PLAGDETECT_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env({}, data_dir=tmp_path / "data")


@pytest.fixture(scope="session")
def encoder():
    from plagdetect.encoders.bi_encoder import load_bi_encoder

    defaults = Settings()
    return load_bi_encoder(defaults.resolved_bi_encoder, device=defaults.device, batch_size=defaults.embed_batch_size)


@pytest.fixture
def corpus(settings: Settings, encoder):
    from plagdetect.services.corpus import Corpus

    corpus = Corpus.open(settings, encoder=encoder)
    yield corpus
    corpus.close()
