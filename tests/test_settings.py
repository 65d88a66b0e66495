from __future__ import annotations

from pathlib import Path

import pytest

from plagdetect.errors import PlagDetectError
from plagdetect.settings import Settings


def test_defaults_keep_everything_under_data() -> None:
    settings = Settings.from_env({})
    assert settings.data_dir == Path("data")
    assert settings.resolved_database_url == f"sqlite:///{Path('data/plagdetect.db').resolve()}"
    assert settings.files_dir == Path("data/files") and settings.index_dir == Path("data/index")
    assert Path(settings.resolved_bi_encoder, "model.safetensors").is_file()


def test_environment_variables_and_overrides() -> None:
    env = {"PLAGDETECT_DATA_DIR": "/srv/pd", "PLAGDETECT_MAX_FILE_MB": "12.5", "PLAGDETECT_CHUNK_SENTENCES": "4"}
    settings = Settings.from_env(env)
    assert (settings.data_dir, settings.max_file_mb, settings.chunk_sentences) == (Path("/srv/pd"), 12.5, 4)
    assert Settings.from_env(env, data_dir="/tmp/x").data_dir == Path("/tmp/x")
    url = Settings.from_env({"PLAGDETECT_DATABASE_URL": "postgresql://u@db/pd"}).resolved_database_url
    assert url == "postgresql://u@db/pd"


def test_bad_values_give_a_clear_message() -> None:
    with pytest.raises(PlagDetectError, match="PLAGDETECT_MAX_FILE_MB='lots' is not a valid float"):
        Settings.from_env({"PLAGDETECT_MAX_FILE_MB": "lots"})
    with pytest.raises(PlagDetectError, match="must lie between 1 and chunk_sentences"):
        Settings.from_env({"PLAGDETECT_CHUNK_SENTENCES": "2", "PLAGDETECT_CHUNK_STRIDE": "3"})
    with pytest.raises(PlagDetectError, match="must lie between 1 and chunk_sentences"):
        Settings.from_env({"PLAGDETECT_QUERY_STRIDE": "4"})
    with pytest.raises(PlagDetectError, match="rerank_threshold is a probability"):
        Settings.from_env({"PLAGDETECT_RERANK_THRESHOLD": "1.5"})
    with pytest.raises(PlagDetectError, match="min_counterparts must be at least 1"):
        Settings.from_env({"PLAGDETECT_MIN_COUNTERPARTS": "0"})


def test_the_shipped_models_are_the_default_and_each_can_be_turned_off() -> None:
    settings = Settings.from_env({})
    assert Path(settings.resolved_cross_encoder).name == "cross-encoder" and settings.rerank
    assert Path(settings.resolved_splade).name == "splade" and settings.explain
    off = Settings.from_env({"PLAGDETECT_RERANK": "false", "PLAGDETECT_EXPLAIN": "0", "PLAGDETECT_SPLADE": "/m/s"})
    assert (off.rerank, off.explain, off.resolved_splade) == (False, False, "/m/s")
