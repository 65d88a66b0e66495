"""The defaults a new check starts from: exclusions and the reranker threshold, as an admin set them.

Until an admin changes one, each default is the setting the product was started with (``Settings``). The
Check page shows them preselected; a person may still change the exclusions of one check.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from sqlalchemy import select

from plagdetect.detection.pipeline import CheckOptions
from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import Account, Role, require_role
from plagdetect.settings import Settings
from plagdetect.store import CheckDefault


@dataclass(frozen=True)
class CheckDefaults:
    exclude_quotes: bool = True
    exclude_bibliography: bool = True
    min_match_words: int = 8
    rerank_threshold: float = 0.5

    def options(self, collection: str | None = None) -> CheckOptions:
        """The options of a check that keeps every default."""
        return CheckOptions(collection=collection, **asdict(self))

    def validated(self) -> CheckDefaults:
        if not 1 <= self.min_match_words <= 200:
            raise PlagDetectError("The shortest match reported must be between 1 and 200 words.")
        if not 0.0 <= self.rerank_threshold <= 1.0:
            raise PlagDetectError("The reranker threshold must lie between 0 and 1.")
        return self


def load_defaults(sessions, settings: Settings) -> CheckDefaults:
    """The defaults in force: the admin's where set, else the settings the product started with."""
    base = CheckDefaults(min_match_words=settings.min_match_words, rerank_threshold=settings.rerank_threshold)
    names = {f.name for f in fields(CheckDefaults)}
    with sessions() as session:
        stored = {row.key: row.value for row in session.scalars(select(CheckDefault)) if row.key in names}
    return replace(base, **stored)


def save_defaults(sessions, actor: Account | None, defaults: CheckDefaults) -> CheckDefaults:
    """Store every default (admins only)."""
    actor = require_role(actor, Role.ADMIN)
    defaults.validated()
    with sessions.begin() as session:
        for key, value in asdict(defaults).items():
            row = session.get(CheckDefault, key)
            if row is None:
                session.add(CheckDefault(key=key, value=value, updated_by=actor.id))
            else:
                row.value, row.updated_by = value, actor.id
    return defaults
