"""The defaults a new check starts from: exclusions and the reranker threshold, as an admin set them.

Until an admin changes one, each default is the setting the product was started with (``Settings``). The Check
page shows them preselected, and the command line's ``check`` starts from them too; a person may still change
the exclusions of one check.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from plagdetect.context import Context
from plagdetect.detection.report import CheckOptions
from plagdetect.services.accounts import Account, Role, authorize
from plagdetect.settings import Settings, check_min_match_words, check_rerank_threshold
from plagdetect.store.check_defaults import stored_defaults, write_defaults


@dataclass(frozen=True)
class CheckDefaults:
    exclude_quotes: bool
    exclude_bibliography: bool
    min_match_words: int
    rerank_threshold: float

    @classmethod
    def from_settings(cls, settings: Settings) -> CheckDefaults:
        """The defaults the product starts with: its settings."""
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)})

    def options(self, *collections: str) -> CheckOptions:
        """The options of a check of ``collections`` (none: the whole corpus) that keeps every default."""
        return CheckOptions(collections=collections, **asdict(self))

    def validated(self) -> CheckDefaults:
        check_min_match_words(self.min_match_words)
        check_rerank_threshold(self.rerank_threshold)
        return self


def load_defaults(context: Context) -> CheckDefaults:
    """The defaults in force: the admin's where set, else the settings the product started with."""
    names = {f.name for f in fields(CheckDefaults)}
    stored = {key: value for key, value in stored_defaults(context.sessions).items() if key in names}
    return replace(CheckDefaults.from_settings(context.settings), **stored)


def save_defaults(context: Context, actor: Account | None, defaults: CheckDefaults) -> CheckDefaults:
    """Store every default (admins only)."""
    actor = authorize(context.sessions, actor, Role.ADMIN)
    defaults.validated()
    write_defaults(context.sessions, asdict(defaults), actor.id)
    return defaults
