"""Fine-tuning on people's labels: a new version of the active cross-encoder or bi-encoder, judged beside it, then
registered.

The new version is trained from the active one (``training.cross_encoder``, ``training.bi_encoder``) on the labelled
pairs (``training.labels``: unsure and tied pairs
left out, split by source document, the training part balanced), mixed with replayed STS Benchmark pairs so it
does not forget what it knew, for a fixed recipe (no checkpoint is chosen on the figures it is judged by). It is
then judged beside the active version on the held-out labels and on STS-B dev, neither of which it learned from,
and on a PAN corpus where ``eval_pan_dir`` names one (``training.model_report``), and registered
(``services.model_registry``), not active until an admin promotes it.

It runs as a job (``jobs``: a worker process, cancellable, reporting its steps and the time left), on the GPU when
there is one (fp16/bf16) and on the CPU otherwise. A training stopped half-way, by a cancel, a crash or a kill,
leaves no version (it is written to a hidden folder, renamed and registered only at the end) and the active one
serving.
"""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from plagdetect.context import BI_ENCODER, CROSS_ENCODER, Context
from plagdetect.encoders.loading import choose_device, model_version
from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import Account, Role, authorize
from plagdetect.services.check_defaults import load_defaults
from plagdetect.services.model_registry import KINDS, VERSIONS_DIR, ModelRegistry, VersionInfo
from plagdetect.store import model_versions
from plagdetect.store.review import training_labels
from plagdetect.training.common import TrainingConfig
from plagdetect.training.labels import LabelSplit, balanced, group_labels, replay_sample, split_labels

logger = logging.getLogger(__name__)

REPLAY_PER_LABEL = 4  # replayed STS-B pairs per labelled training pair
REPLAY_MIN = 400
STSB_FILES = ("sts-train.csv", "sts-dev.csv")

Say = Callable[[str], None]


def fine_tune_recipe(epochs: float = 2.0, max_steps: int = -1, seed: int = 12) -> TrainingConfig:
    """The recipe of a fine-tuning run: a gentle learning rate, a fixed number of epochs."""
    return TrainingConfig(epochs=epochs, learning_rate=2e-5, batch_size=16, max_steps=max_steps, seed=seed)


def training_data(context: Context, actor: Account | None, kind: str = CROSS_ENCODER) -> LabelSplit:
    """The labelled pairs split for training, or a PlagDetectError saying what is missing (too few labels, no STS-B):
    asked before a training is queued, so the admin hears at once."""
    authorize(context.sessions, actor, Role.ADMIN)
    if kind not in KINDS:
        raise PlagDetectError(f"Only a {' or '.join(KINDS)} can be fine-tuned here, not a {kind}.")
    split = split_labels(group_labels(training_labels(context.sessions)))
    stsb_files(context)
    return split


def fine_tune(
    context: Context,
    actor: Account | None,
    kind: str = CROSS_ENCODER,
    recipe: TrainingConfig | None = None,
    say: Say | None = None,
) -> VersionInfo:
    """Train a new version of ``kind`` from the active one, judge it beside it, and register it (not active)."""
    from plagdetect.training.bi_encoder import fine_tune_bi_encoder
    from plagdetect.training.cross_encoder import fine_tune_cross_encoder
    from plagdetect.training.data import read_stsb
    from plagdetect.training.model_report import bi_encoder_report, cross_encoder_report, pan_report

    actor = authorize(context.sessions, actor, Role.ADMIN)
    say = say or (lambda _stage: None)
    recipe = recipe or fine_tune_recipe()
    split = training_data(context, actor, kind)
    train_path, dev_path = stsb_files(context)
    say("Reading the labels and STS-B")
    replay = replay_sample(read_stsb(train_path), max(REPLAY_MIN, REPLAY_PER_LABEL * len(split.train)), recipe.seed)
    sts_dev = read_stsb(dev_path)
    parent = ModelRegistry(context).active(kind)
    parent_path = context.active_model_path(kind)

    versions_dir = context.settings.data_dir / VERSIONS_DIR
    versions_dir.mkdir(parents=True, exist_ok=True)
    partial = versions_dir / f".partial-{uuid.uuid4().hex}"
    name = f"{kind}-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    final = versions_dir / name
    started = time.monotonic()

    def step(done: int, total: int) -> None:
        left = (time.monotonic() - started) / max(done, 1) * max(total - done, 0)
        say(f"Training: step {done} of {total}, about {_duration(left)} left")

    try:
        say(f"Training from {parent.version} on {len(split.train)} labelled pairs and {len(replay)} STS-B pairs")
        learned = balanced(split.train, recipe.seed)
        train = fine_tune_cross_encoder if kind == CROSS_ENCODER else fine_tune_bi_encoder
        train(parent_path, learned + replay, partial, recipe, step)
        trained_s = time.monotonic() - started
        say("Judging the new version beside the active one (held-out labels, STS-B dev)")
        if kind == CROSS_ENCODER:
            report, threshold = cross_encoder_report, load_defaults(context).rerank_threshold
        else:
            report, threshold = bi_encoder_report, context.settings.seed_threshold
        device = context.settings.device
        evaluation = {
            "threshold": threshold,
            "active": report(parent_path, split.held_out, sts_dev, threshold, device),
            "new": report(str(partial), split.held_out, sts_dev, threshold, device),
        }
        if context.settings.eval_pan_dir:
            say(f"Measuring plagdet on {context.settings.eval_pan_dir} with both versions")
            versions = {"active": parent_path, "new": str(partial)}
            in_use = replace(
                context.settings,
                bi_encoder=context.active_model_path(BI_ENCODER),
                cross_encoder=context.active_model_path(CROSS_ENCODER),
            )
            evaluation["pan"] = pan_report(context.settings.eval_pan_dir, in_use, versions, kind)
        partial.rename(final)
        version = model_version(final)
        evaluation["new"]["version"] = version  # it was judged under its hidden folder's name
        training: dict[str, Any] = {
            **split.summary(),
            "balanced_train_pairs": len(learned),
            "replayed_stsb_pairs": len(replay),
            "epochs": recipe.epochs,
            "max_steps": recipe.max_steps,
            "learning_rate": recipe.learning_rate,
            "training_seconds": round(trained_s, 1),
            "device": choose_device(device),
        }
        registered = model_versions.add_version(
            context.sessions,
            kind,
            version,
            parent.id,
            str(VERSIONS_DIR / name),
            actor.username,
            training,
            evaluation,
        )
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        shutil.rmtree(final, ignore_errors=True)
        raise
    logger.info("%s trained %s %s from %s", actor.username, kind, registered.version, parent.version)
    return registered


def stsb_files(context: Context) -> tuple[Path, Path]:
    """STS-B train and dev, from ``stsb_dir``; a PlagDetectError says which setting to set when they are missing."""
    folder = context.settings.stsb_dir
    paths = [Path(folder) / name for name in STSB_FILES] if folder else []
    if not paths or not all(path.is_file() for path in paths):
        raise PlagDetectError(
            "Fine-tuning replays STS Benchmark pairs so the model keeps what it knew, and judges the new version on "
            f"STS-B dev: set PLAGDETECT_STSB_DIR to a folder holding {' and '.join(STSB_FILES)}"
            + (f" (not found in {folder})." if folder else ".")
        )
    return paths[0], paths[1]


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"
