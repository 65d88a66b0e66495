"""Moving the corpus to another bi-encoder version: what promoting (or rolling back) a bi-encoder does.

A check compares a submission's vectors with the corpus' stored ones, so a bi-encoder version can serve only once
every document has vectors of it. The switch runs as a job (``jobs``; an admin's):

1. vectors of versions neither serving nor the target are removed (what an earlier switch left);
2. every document is embedded with the target, beside the serving version's vectors; checks go on with the serving
   version meanwhile, and documents stored meanwhile are embedded too, until none is missing;
3. the target's index is built from its stored vectors, and on a CPU the int8 copy that checks encode submissions
   with is made; then the registry makes the target active, in one transaction: the next check uses it, a running
   check ends with the version it began with (``Context.embeddings``);
4. documents stored while 3 ran are embedded and added to the index (an ingest that began before the switch and
   ends after it embeds its own documents with the new version too: ``Corpus._catch_up``).

A crash or a kill before 3 leaves the serving version serving; the target's vectors already written stay and are
reused when the switch is started again. The vectors of the version switched from stay until the next switch, so
rolling back to it embeds only the documents stored since.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from plagdetect.context import BI_ENCODER, Context
from plagdetect.errors import PlagDetectError
from plagdetect.index import sync
from plagdetect.services.accounts import Account, Role, authorize
from plagdetect.services.corpus import Corpus
from plagdetect.services.model_registry import ModelRegistry, VersionInfo
from plagdetect.store import model_versions

logger = logging.getLogger(__name__)

Say = Callable[[str], None]


def switch_target(context: Context, actor: Account | None, version_id: int | None) -> VersionInfo:
    """The bi-encoder version a switch goes to: ``version_id`` (a promotion), or None for the one a roll back
    returns to. Refused with the reason when it cannot serve (another kind, folder missing, serving already)."""
    authorize(context.sessions, actor, Role.ADMIN)
    registry = ModelRegistry(context)
    if version_id is None:
        target = registry.roll_back_target(BI_ENCODER)
    else:
        target = model_versions.get_version(context.sessions, version_id)
    if target.kind != BI_ENCODER:
        raise PlagDetectError(f"Version {target.id} is a {target.kind}, not a bi-encoder.")
    if not Path(registry.folder(target)).is_dir():
        raise PlagDetectError(f"The folder of version {target.id} is missing: {registry.folder(target)}")
    if registry.active(BI_ENCODER).id == target.id:
        raise PlagDetectError(f"Version {target.id} ({target.version}) is the serving bi-encoder already.")
    return target


def switch_bi_encoder(
    context: Context, actor: Account | None, version_id: int | None, say: Say | None = None
) -> VersionInfo:
    """Embed the corpus with a bi-encoder version, then make it serve (``version_id``: a promotion; None: a roll back
    to the version before the serving one). Returns the version now serving."""
    actor = authorize(context.sessions, actor, Role.ADMIN)
    say = say or (lambda _stage: None)
    target = switch_target(context, actor, version_id)
    registry = ModelRegistry(context)
    serving = context.embeddings
    embeddings = context.embeddings_of(registry.folder(target))
    left_over = set(embeddings.vectors.versions()) - {serving.version, embeddings.version}
    if left_over:
        embeddings.vectors.remove_versions(left_over)
        logger.info("Removed the vectors of %s", ", ".join(sorted(left_over)))

    corpus = Corpus(context)
    total, done, started = embeddings.vectors.stale_documents(), 0, time.monotonic()

    def embedded(_filename: str) -> None:
        nonlocal done
        done += 1
        left = (time.monotonic() - started) / done * max(total - done, 0)
        say(f"Embedding the corpus with {target.version}: {done} of {total} documents, about {_duration(left)} left")

    documents = f"{total} document" + ("" if total == 1 else "s")
    say(f"Embedding {documents} with {target.version}; checks go on with {serving.model_version}")
    corpus.embed_missing(embeddings, embedded)
    say(f"Building the index of {target.version}")
    index = embeddings.open_index()
    sync.repair(index, embeddings.vectors)  # in line with the stored vectors, whatever became of its file meanwhile
    if context.settings.int8_submissions and embeddings.encoder.device == "cpu":
        say(f"Making the int8 copy of {target.version} that checks on a CPU encode submissions with")
        _ = embeddings.submission_encoder  # made once into the models folder: the first check after it is quick
    _activate(context, actor, target, version_id is None)
    logger.info("%s switched the bi-encoder from %s to %s", actor.username, serving.model_version, target.version)
    corpus.embed_missing(embeddings)  # stored while the index was built
    sync.repair(index, embeddings.vectors)
    sync.remove_other_indexes(index)
    return model_versions.get_version(context.sessions, target.id)


def _activate(context: Context, actor: Account, target: VersionInfo, rolling_back: bool) -> None:
    """The registry's switch, refused if another admin changed the versions while this one embedded."""
    if rolling_back:
        if ModelRegistry(context).roll_back_target(BI_ENCODER).id != target.id:
            raise PlagDetectError("The bi-encoder versions changed during the re-embedding: roll back again.")
        model_versions.roll_back(context.sessions, BI_ENCODER, actor.username)
    else:
        model_versions.promote(context.sessions, target.id, actor.username)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"
