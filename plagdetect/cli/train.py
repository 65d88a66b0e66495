"""Commands that train PlagDetect's own models: the cross-encoder and the SPLADE explainer."""

from __future__ import annotations

import argparse
from pathlib import Path

from plagdetect.cli.output import EXIT_OK
from plagdetect.errors import PlagDetectError
from plagdetect.settings import Settings


def add_recipe_arguments(parser: argparse.ArgumentParser, epochs: float, learning_rate: float) -> None:
    parser.add_argument("--epochs", type=float, default=epochs)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=learning_rate)
    parser.add_argument("--max-steps", type=int, default=-1, help="stop after this many steps (a quick run)")
    parser.add_argument("--seed", type=int, default=12)


def _recipe(args: argparse.Namespace):
    from plagdetect.training.common import TrainingConfig

    return TrainingConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
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
