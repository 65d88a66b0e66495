"""A database written by an earlier PlagDetect opens in this one, keeping its rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from plagdetect.store import make_engine
from plagdetect.store import upgrade as upgrade_module
from plagdetect.store.tables import SentenceVectors

OLD_TABLE = (  # as PlagDetect wrote it before two bi-encoder versions' vectors could sit side by side
    "CREATE TABLE sentence_vectors (document_id INTEGER NOT NULL, encoder_version VARCHAR(120) NOT NULL, "
    "spans BLOB NOT NULL, vectors BLOB NOT NULL, PRIMARY KEY (document_id), "
    "FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE)"
)


def old_database(path: Path) -> None:
    make_engine(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as old:
        old.execute("INSERT INTO collections (id, name, description, created_at) VALUES (1, 'c', '', '2026-01-01')")
        old.execute(
            "INSERT INTO documents (id, collection_id, title, filename, format, sha256, size_bytes, original_text, "
            "text, offset_map, page_starts, integrity_flags, created_at) "
            "VALUES (7, 1, 't', 't.txt', 'txt', 'x', 1, 'a', 'a', x'', '[]', '{}', '2026-01-01')"
        )
        old.execute("DROP TABLE sentence_vectors")
        old.execute(OLD_TABLE)
        old.execute("INSERT INTO sentence_vectors VALUES (7, 'model-a+sentmean1', x'0100', x'0200')")


def test_sentence_vectors_keyed_by_document_alone_are_rekeyed_by_version_keeping_their_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old_database(path)
    engine = make_engine(f"sqlite:///{path}")
    key = inspect(engine).get_pk_constraint("sentence_vectors")["constrained_columns"]
    assert key == ["document_id", "encoder_version"]
    with engine.connect() as connection:
        rows = connection.execute(select(SentenceVectors.__table__)).all()
    assert [tuple(row) for row in rows] == [(7, "model-a+sentmean1", b"\x01\x00", b"\x02\x00")]
    engine.dispose()
    make_engine(f"sqlite:///{path}").dispose()  # opened again: nothing left to do


def test_an_upgrade_that_fails_half_way_leaves_the_old_table_whole(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "old.db"
    old_database(path)

    def fail(_connection) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(upgrade_module.SentenceVectors.__table__, "create", lambda connection: fail(connection))
    with pytest.raises(RuntimeError):
        make_engine(f"sqlite:///{path}")
    with sqlite3.connect(path) as old:
        assert old.execute("SELECT document_id, encoder_version FROM sentence_vectors").fetchall() == [
            (7, "model-a+sentmean1")
        ]
        assert old.execute("SELECT name FROM sqlite_master WHERE name LIKE '%before_upgrade'").fetchall() == []


def test_checks_of_an_earlier_version_get_a_title_and_an_author(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    make_engine(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as old:
        old.execute("ALTER TABLE checks DROP COLUMN title")
        old.execute("ALTER TABLE checks DROP COLUMN author")
        old.execute(
            "INSERT INTO checks (id, filename, sha256, text, original_text, offset_map, integrity_flags, settings, "
            "model_versions, timings, similarity, created_at) "
            "VALUES (3, 'essay.txt', 'x', 'a text', '', x'', '{}', '{}', '{}', '{}', 0.5, '2026-01-01')"
        )
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT id, filename, title, author, similarity FROM checks").one()
    assert tuple(row) == (3, "essay.txt", "", "", 0.5)
    engine.dispose()
