"""Bringing a database written by an earlier PlagDetect up to this one's tables, when it is opened.

New tables are made by ``create_all``; what it cannot do (a table whose key changed) is done here, once, in one
transaction that keeps every row (on SQLite an explicit ``BEGIN IMMEDIATE``: the driver would otherwise commit each
``ALTER``/``CREATE`` on its own, and a failure half-way would lose the table; it also makes a second process that
opens the database at the same moment wait, then find nothing left to do).

- ``sentence_vectors`` was keyed by document alone (one bi-encoder version per document); it is keyed by document
  and version now, so a document can hold the serving version's vectors and those of the version it moves to.
- ``checks`` gained ``title`` and ``author`` (the cover of a PDF report); older checks get "" (``ADDED_COLUMNS``).
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Engine, inspect

from plagdetect.store.tables import Base, SentenceVectors

logger = logging.getLogger(__name__)


ADDED_COLUMNS = {"checks": ("title", "author")}  # columns added to a table after its first release, all with a default


def upgrade(engine: Engine) -> None:
    if _sentence_vectors_key(engine) == ["document_id"]:
        _in_one_transaction(engine, _key_sentence_vectors_by_version)
    if _missing_columns(engine):
        _in_one_transaction(engine, _add_columns)


def _missing_columns(connectable: Engine | Connection) -> list[tuple[str, str]]:
    if isinstance(connectable, Connection):
        schema = inspect(connectable)
        return [
            (table, column)
            for table, columns in ADDED_COLUMNS.items()
            for column in columns
            if column not in {c["name"] for c in schema.get_columns(table)}
        ]
    with connectable.connect() as connection:
        return _missing_columns(connection)


def _add_columns(connection: Connection) -> None:
    for table, name in _missing_columns(connection):  # none when another process added them while this one waited
        column = Base.metadata.tables[table].columns[name]
        kind = column.type.compile(dialect=connection.dialect)
        default = column.default.arg
        connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {name} {kind} NOT NULL DEFAULT '{default}'")
        logger.warning("Upgraded the %s table: added the column %s", table, name)


def _sentence_vectors_key(connectable: Engine | Connection) -> list[str]:
    if isinstance(connectable, Connection):
        return inspect(connectable).get_pk_constraint("sentence_vectors")["constrained_columns"]
    with connectable.connect() as connection:
        return _sentence_vectors_key(connection)


def _in_one_transaction(engine: Engine, change) -> None:
    if engine.dialect.name != "sqlite":  # PostgreSQL's DDL is transactional as it is
        with engine.begin() as connection:
            change(connection)
        return
    with engine.connect() as plain:
        connection = plain.execution_options(isolation_level="AUTOCOMMIT")  # the driver leaves BEGIN to us
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            change(connection)
        except BaseException:
            connection.exec_driver_sql("ROLLBACK")
            raise
        connection.exec_driver_sql("COMMIT")


def _key_sentence_vectors_by_version(connection: Connection) -> None:
    if _sentence_vectors_key(connection) != ["document_id"]:  # another process did it while this one waited
        return
    connection.exec_driver_sql("ALTER TABLE sentence_vectors RENAME TO sentence_vectors_before_upgrade")
    SentenceVectors.__table__.create(connection)
    connection.exec_driver_sql(
        "INSERT INTO sentence_vectors (document_id, encoder_version, spans, vectors) "
        "SELECT document_id, encoder_version, spans, vectors FROM sentence_vectors_before_upgrade"
    )
    connection.exec_driver_sql("DROP TABLE sentence_vectors_before_upgrade")
    logger.warning("Upgraded the sentence_vectors table: keyed by document and bi-encoder version")
