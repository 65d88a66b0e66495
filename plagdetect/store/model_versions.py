"""The model registry in the database: the versions of each model kind, and which one new checks use.

The version a setting names (the shipped folder by default) is registered the first time it is met, and made
active then: the first version of its kind, or the one an operator just configured. Promotions and roll-backs are
kept in order (``ModelActivation``); replayed, they form a stack whose top is the active version: a promotion puts
a version on top, a roll-back takes the top off and returns to the one below (each roll-back names the version it
returned to, so the stack replays the same after a version that is off it is deleted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from plagdetect.errors import PlagDetectError
from plagdetect.store.tables import ModelActivation, ModelVersion

CONFIGURED, PROMOTED, ROLLED_BACK = "configured", "promoted", "rolled back"


@dataclass(frozen=True)
class VersionInfo:
    id: int
    kind: str
    version: str
    parent_id: int | None
    path: str  # as stored: absolute (configured) or relative to the data directory (trained here)
    configured: bool
    trained_by: str
    training: dict[str, Any]
    evaluation: dict[str, Any]
    created_at: datetime
    active: bool = False


def _info(row: ModelVersion, active_id: int | None) -> VersionInfo:
    return VersionInfo(
        row.id,
        row.kind,
        row.version,
        row.parent_id,
        row.path,
        row.configured,
        row.trained_by,
        dict(row.training or {}),
        dict(row.evaluation or {}),
        row.created_at,
        row.id == active_id,
    )


def _stack(session: Session, kind: str) -> list[int]:
    """The active version on top, the ones a roll-back returns to below it."""
    stack: list[int] = []
    for action, version_id in session.execute(
        select(ModelActivation.action, ModelActivation.version_id)
        .where(ModelActivation.kind == kind)
        .order_by(ModelActivation.id)
    ):
        if action == ROLLED_BACK and version_id in stack:  # back to that version: what was above it is gone
            del stack[len(stack) - stack[::-1].index(version_id) :]
        else:
            stack.append(version_id)
    return stack


def active_version(sessions: sessionmaker[Session], kind: str, configured: tuple[str, str]) -> VersionInfo:
    """The version new checks use; ``configured`` (version, absolute folder) is registered and made active when it
    is new (the first start, or a setting changed)."""
    version, path = configured
    for attempt in range(2):
        try:
            with sessions.begin() as session:
                row = session.scalar(
                    select(ModelVersion).where(ModelVersion.kind == kind, ModelVersion.version == version)
                )
                if row is None:
                    row = ModelVersion(kind=kind, version=version, path=path, configured=True)
                    session.add(row)
                    session.flush()
                    session.add(ModelActivation(kind=kind, version_id=row.id, action=CONFIGURED, by="settings"))
                    session.flush()
                stack = _stack(session, kind)
                active = session.get(ModelVersion, stack[-1]) if stack else row
                return _info(active, active.id)
        except IntegrityError:  # another process registered it at the same moment: read theirs
            if attempt == 1:
                raise
    raise AssertionError("unreachable")


def versions(sessions: sessionmaker[Session], kind: str | None = None) -> list[VersionInfo]:
    """The registered versions (of one kind), oldest first, the active one of each kind marked."""
    with sessions() as session:
        query = select(ModelVersion).order_by(ModelVersion.id)
        if kind is not None:
            query = query.where(ModelVersion.kind == kind)
        rows = list(session.scalars(query))
        tops = {k: (_stack(session, k) or [None])[-1] for k in {row.kind for row in rows}}
        return [_info(row, tops[row.kind]) for row in rows]


def get_version(sessions: sessionmaker[Session], version_id: int) -> VersionInfo:
    with sessions() as session:
        row = session.get(ModelVersion, version_id)
        if row is None:
            raise PlagDetectError(f"No model version with id {version_id}.")
        return _info(row, (_stack(session, row.kind) or [None])[-1])


def add_version(
    sessions: sessionmaker[Session],
    kind: str,
    version: str,
    parent_id: int,
    path: str,
    trained_by: str,
    training: dict[str, Any],
    evaluation: dict[str, Any],
) -> VersionInfo:
    """Register a version trained here (not active until promoted)."""
    with sessions.begin() as session:
        if session.scalar(select(ModelVersion.id).where(ModelVersion.kind == kind, ModelVersion.version == version)):
            raise PlagDetectError(f"A {kind} with the same weights ({version}) is registered already.")
        row = ModelVersion(
            kind=kind,
            version=version,
            parent_id=parent_id,
            path=path,
            configured=False,
            trained_by=trained_by,
            training=training,
            evaluation=evaluation,
        )
        session.add(row)
        session.flush()
        return _info(row, None)


def promote(sessions: sessionmaker[Session], version_id: int, by: str) -> VersionInfo:
    with sessions.begin() as session:
        row = session.get(ModelVersion, version_id)
        if row is None:
            raise PlagDetectError(f"No model version with id {version_id}.")
        stack = _stack(session, row.kind)
        if stack and stack[-1] == row.id:
            raise PlagDetectError(f"Version {row.id} ({row.version}) is the active {row.kind} already.")
        session.add(ModelActivation(kind=row.kind, version_id=row.id, action=PROMOTED, by=by))
        return _info(row, row.id)


def roll_back_target(sessions: sessionmaker[Session], kind: str) -> VersionInfo:
    """The version a roll back would return to."""
    with sessions() as session:
        stack = _stack(session, kind)
        if len(stack) < 2:
            raise PlagDetectError(f"There is no earlier {kind} version to roll back to.")
        previous = session.get(ModelVersion, stack[-2])
        assert previous is not None
        return _info(previous, stack[-1])


def roll_back(sessions: sessionmaker[Session], kind: str, by: str) -> VersionInfo:
    """Return to the version that was active before the active one."""
    with sessions.begin() as session:
        stack = _stack(session, kind)
        if len(stack) < 2:
            raise PlagDetectError(f"There is no earlier {kind} version to roll back to.")
        previous = session.get(ModelVersion, stack[-2])
        assert previous is not None
        session.add(ModelActivation(kind=kind, version_id=previous.id, action=ROLLED_BACK, by=by))
        return _info(previous, previous.id)


def delete_version(sessions: sessionmaker[Session], version_id: int) -> VersionInfo:
    """Remove a trained version that is not in use (its folder is the caller's to remove)."""
    with sessions.begin() as session:
        row = session.get(ModelVersion, version_id)
        if row is None:
            raise PlagDetectError(f"No model version with id {version_id}.")
        if row.configured:
            raise PlagDetectError("A configured (shipped) version cannot be deleted.")
        if version_id in _stack(session, row.kind):
            raise PlagDetectError(
                f"Version {row.id} is active, or a roll-back would return to it: it cannot be deleted."
            )
        info = _info(row, None)
        session.delete(row)
        return info
