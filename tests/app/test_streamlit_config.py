from __future__ import annotations

import tomllib
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"


def test_the_app_sends_nothing_out_and_keeps_xsrf_protection() -> None:
    config = tomllib.loads(CONFIG.read_text())
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["enableXsrfProtection"] is True


def test_the_app_listens_on_this_machine_only_unless_told_otherwise() -> None:
    assert tomllib.loads(CONFIG.read_text())["server"]["address"] == "127.0.0.1"
