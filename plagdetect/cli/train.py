"""Commands that train PlagDetect's own models: the cross-encoder and the SPLADE explainer."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from plagdetect.cli.output import EXIT_OK
from plagdetect.errors import PlagDetectError
from plagdetect.settings import Settings


def add_recipe_arguments(parser: argparse.ArgumentParser, epochs: float, learning_rate: float) -> None:
    parser.add_argument("--epochs", type=float, default=None, help=f"default {epochs:g}")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=None, help=f"default {learning_rate:g}")
    parser.set_defaults(recipe_defaults=(epochs, learning_rate))
    parser.add_argument("--max-steps", type=int, default=-1, help="stop after this many steps (a quick run)")
    parser.add_argument("--seed", type=int, default=12)


def _recipe(args: argparse.Namespace, defaults: tuple[float, float] | None = None):
    from plagdetect.training.common import TrainingConfig

    epochs, learning_rate = defaults or args.recipe_defaults
    return TrainingConfig(
        epochs=epochs if args.epochs is None else args.epochs,
        batch_size=args.batch_size,
        learning_rate=learning_rate if args.learning_rate is None else args.learning_rate,
        max_steps=args.max_steps,
        seed=args.seed,
    )


def _print_metrics(metrics: dict[str, float], out: Path) -> None:
    for name, value in sorted(metrics.items()):
        print(f"  {name}: {value:.4f}")
    print(f"saved to {out} (fp16 safetensors, evaluation.json beside it)")


def run_train_cross_encoder(args: argparse.Namespace, settings: Settings) -> int:
    from plagdetect.encoders.bi_encoder import load_bi_encoder
    from plagdetect.evaluation.folds import document_folds
    from plagdetect.evaluation.pan import load_pan_corpus
    from plagdetect.training.cross_encoder import train_cross_encoder
    from plagdetect.training.data import pan_pairs, read_stsb, split_by_fold, split_by_group

    if args.labels:
        return _fine_tune_on_labels(args, settings)
    if args.out is None or args.stsb_train is None or args.stsb_dev is None:
        raise PlagDetectError("give --stsb-train, --stsb-dev and --out (or --labels, to fine-tune on the labels).")
    if args.folds and len(args.pan) != 1:
        raise PlagDetectError("--folds holds back a fold of one PAN corpus: give exactly one --pan.")
    train, pan_validation = read_stsb(args.stsb_train), []
    if args.pan:
        corpora = [load_pan_corpus(corpus_dir) for corpus_dir in args.pan]
        held_back = None
        if args.folds:
            folds = document_folds(corpora[0].pairs, args.folds, args.seed)
            if not 1 <= args.fold <= len(folds):
                raise PlagDetectError(f"--fold must lie between 1 and {len(folds)}.")
            held_back = folds[args.fold - 1]
        encoder = load_bi_encoder(settings.resolved_bi_encoder, device=settings.device)
        pairs = [pair for pan in corpora for pair in pan_pairs(pan, encoder.encode)]
        if held_back is not None:
            pan_train, pan_validation = split_by_fold(pairs, held_back)
            print(f"holding back fold {args.fold} of {args.folds}: {', '.join(held_back)}")
        else:
            pan_train, pan_validation = split_by_group(pairs, args.pan_validation_share, seed=args.seed)
        train += pan_train
    print(f"training on {len(train)} pairs; validating on STS-B dev and {len(pan_validation)} held-out PAN pairs")
    base = str(args.base) if args.base else settings.resolved_bi_encoder
    sts_dev = read_stsb(args.stsb_dev)
    metrics = train_cross_encoder(base, train, sts_dev, args.out, pan_validation or None, _recipe(args))
    _print_metrics(metrics, args.out)
    return EXIT_OK


def run_train_bi_encoder(args: argparse.Namespace, settings: Settings) -> int:
    from plagdetect.context import BI_ENCODER

    return _fine_tune_on_labels(args, settings, BI_ENCODER)


def _fine_tune_on_labels(args: argparse.Namespace, settings: Settings, kind: str = "cross-encoder") -> int:
    from plagdetect.context import Context
    from plagdetect.services.accounts import OPERATOR
    from plagdetect.training.fine_tuning import fine_tune, fine_tune_recipe

    given = [getattr(args, name, None) for name in ("out", "base", "pan", "stsb_train", "stsb_dev")]
    if any(given):
        raise PlagDetectError(
            "--labels trains from the active version into the registry, with STS-B from PLAGDETECT_STSB_DIR: "
            "no --base, --out, --pan or --stsb-*."
        )
    context = Context(settings)
    try:
        default = fine_tune_recipe()
        recipe = _recipe(args, (default.epochs, default.learning_rate))
        version = fine_tune(context, OPERATOR, kind, recipe, say=lambda stage: print(stage, file=sys.stderr))
    finally:
        context.close()
    for side in ("active", "new"):
        report = version.evaluation[side]
        held_out = report["held_out"]
        print(
            f"{side:>6}: {report['version']}  held-out labels AP {held_out['average_precision']:.3f}, "
            f"F1 {held_out['f1']:.3f} at {held_out['threshold']:g}; STS-B dev Spearman {report['sts_dev_spearman']:.3f}"
            + (f"; PAN plagdet {version.evaluation['pan'][side]['plagdet']:.3f}" if "pan" in version.evaluation else "")
        )
    print(f"registered as version {version.id} ({version.version}); `plagdetect models promote {version.id}` uses it")
    return EXIT_OK


def run_train_splade(args: argparse.Namespace, settings: Settings) -> int:
    from plagdetect.training.data import read_stsb
    from plagdetect.training.splade import train_splade

    train = read_stsb(args.stsb_train)
    print(f"training on {len(train)} pairs; validating on STS-B dev")
    metrics = train_splade(
        args.base, train, read_stsb(args.stsb_dev), args.out, _recipe(args), regularizer_weight=args.regularizer_weight
    )
    _print_metrics(metrics, args.out)
    return EXIT_OK


def run_eval_review_loop(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from plagdetect.training.fine_tuning import fine_tune_recipe
    from plagdetect.training.review_loop import simulate_review_loop

    default = fine_tune_recipe()
    recipe = _recipe(args, (default.epochs, default.learning_rate))
    with tqdm(unit="doc", file=sys.stderr, desc="eval-review-loop") as bar:
        report = simulate_review_loop(
            args.corpus_dir,
            settings,
            recipe,
            labels=args.labels,
            taught_folds=args.taught_folds,
            folds=args.folds,
            seed=args.seed,
            balance=not args.unbalanced,
            progress=lambda _: bar.update(1),
            kind=args.model,
        )
    print(report.describe())
    return EXIT_OK
