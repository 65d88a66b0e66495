"""Engine and session factory. SQLite gets WAL, foreign keys and secure deletion on every connection."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from plagdetect.store.tables import Base
from plagdetect.store.upgrade import upgrade


def make_engine(url: str) -> Engine:
    """An engine for any SQLAlchemy URL; the tables are created if missing, and upgraded if made by an earlier
    version (``store.upgrade``)."""
    parsed = make_url(url)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30} if is_sqlite else {})
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    for attempt in range(5):
        try:
            Base.metadata.create_all(engine)
            break
        except OperationalError as error:  # another process created the tables at the same moment
            if "already exists" not in str(error) or attempt == 4:
                raise
    upgrade(engine)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer (app and CLI at once)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA secure_delete=ON")  # deleted text is overwritten, not left in free pages
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
