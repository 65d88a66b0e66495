"""Shared fixtures: an isolated data directory per test, the real bi-encoder loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from plagdetect.config import Settings


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
    from plagdetect.encoders import load_bi_encoder

    defaults = Settings()
    return load_bi_encoder(defaults.resolved_bi_encoder, device=defaults.device, batch_size=defaults.embed_batch_size)


@pytest.fixture
def corpus(settings: Settings, encoder):
    from plagdetect.corpus import Corpus

    corpus = Corpus(settings, encoder=encoder)
    yield corpus
    corpus.close()


def write_docx(path: Path, paragraphs: list[str], title: str | None = None, author: str | None = None) -> Path:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if title:
        document.core_properties.title = title
    if author:
        document.core_properties.author = author
    document.save(path)
    return path


ESSAY_PHOTOSYNTHESIS = (
    "Photosynthesis is the process by which green plants turn light into chemical energy. "
    "Chlorophyll in the chloroplasts absorbs mostly red and blue light. "
    "The energy splits water molecules and releases oxygen as a by-product. "
    "Carbon dioxide from the air is fixed into sugars in the Calvin cycle. "
    "These sugars feed the plant and, through food chains, almost every animal on Earth."
)
ESSAY_RAILWAYS = (
    "The first public railways opened in England in the early nineteenth century. "
    "Steam locomotives cut travel times between industrial towns from days to hours. "
    "Investors poured money into new lines during the railway mania of the 1840s. "
    "Many of those companies failed, but the network they built outlived them. "
    "Standard time itself was adopted so that timetables could agree across the country."
)
ESSAY_VOLCANOES = (
    "Volcanoes form where molten rock from the mantle reaches the surface of the crust. "
    "Most of them sit along the boundaries of tectonic plates, as around the Pacific. "
    "Explosive eruptions throw ash high into the atmosphere and can cool the climate for years. "
    "Effusive eruptions instead pour out rivers of lava that build broad shield volcanoes. "
    "Scientists watch gas emissions and small earthquakes to forecast what a volcano will do."
)
