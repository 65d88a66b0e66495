"""The admin's defaults of a new check in the database: one row per option (key, JSON value, who set it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from plagdetect.store.tables import CheckDefault


def stored_defaults(sessions: sessionmaker[Session]) -> dict[str, Any]:
    """Every default an admin has set, by option name."""
    with sessions() as session:
        return {row.key: row.value for row in session.scalars(select(CheckDefault))}


def write_defaults(sessions: sessionmaker[Session], values: dict[str, Any], user_id: int) -> None:
    """Set these defaults, in one transaction."""
    with sessions.begin() as session:
        for key, value in values.items():
            row = session.get(CheckDefault, key)
            if row is None:
                session.add(CheckDefault(key=key, value=value, updated_by=user_id))
            else:
                row.value, row.updated_by = value, user_id
