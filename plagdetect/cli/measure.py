"""Commands that measure: eval-pan and eval-clough (detection quality), eval-calibration (the reranker's scores as
probabilities), generate-cases, and bench (speed against a baseline)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from plagdetect.cli.output import EXIT_FAILED, EXIT_OK
from plagdetect.errors import PlagDetectError
from plagdetect.settings import Settings


def add_fold_models_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cross-encoders",
        type=Path,
        default=None,
        metavar="DIR",
        help="fold I is reranked by DIR/fold-I, a cross-encoder trained without it (train cross-encoder ... --fold I)",
    )


def _fold_models(args: argparse.Namespace) -> list[Path] | None:
    """DIR/fold-1 ... DIR/fold-K of --cross-encoders DIR, or None."""
    if args.cross_encoders is None:
        return None
    return [args.cross_encoders / f"fold-{i}" for i in range(1, args.folds + 1)]


def run_eval_pan(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from plagdetect.evaluation.pan_eval import cross_validate, eval_pan

    with tqdm(unit="doc", file=sys.stderr, desc="eval-pan") as bar:
        if args.folds:
            result = cross_validate(
                args.corpus_dir,
                settings,
                args.folds,
                args.seed,
                out_dir=args.out,
                progress=lambda _: bar.update(1),
                rerankers=_fold_models(args),
            )
        else:
            result = eval_pan(args.corpus_dir, settings, out_dir=args.out, progress=lambda _: bar.update(1))
    print(result.describe())
    return EXIT_OK


def run_eval_clough(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from plagdetect.evaluation.clough import eval_clough

    with tqdm(unit="answer", file=sys.stderr, desc="eval-clough") as bar:
        result = eval_clough(args.corpus_dir, settings, progress=lambda _: bar.update(1))
    print(result.describe())
    return EXIT_OK


def run_eval_calibration(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from plagdetect.evaluation.calibration import measure_calibration

    with tqdm(unit="doc", file=sys.stderr, desc="eval-calibration") as bar:
        result = measure_calibration(
            args.corpus_dir, settings, args.folds, args.seed, _fold_models(args), progress=lambda _: bar.update(1)
        )
    print(result.describe())
    return EXIT_OK


def run_generate_cases(args: argparse.Namespace, settings: Settings) -> int:
    from plagdetect.evaluation.generated import describe, generate_corpus

    texts = [(path.name, path.read_text(encoding="utf-8")) for path in sorted(args.texts.glob("*.txt"))]
    cases = generate_corpus(texts, args.out, documents=args.documents, seed=args.seed)
    print(f"{describe(cases)}; `plagdetect eval-pan {args.out}` scores them")
    return EXIT_OK


def run_bench(args: argparse.Namespace, settings: Settings) -> int:
    from plagdetect.evaluation.bench import CHECK_INPUTS, bench_check, bench_ingest

    if args.target == "jobs":
        from plagdetect.evaluation.queue_bench import bench_jobs

        result = bench_jobs(settings)
        print(result.describe())
        return EXIT_OK if result.ok else EXIT_FAILED
    if args.target == "pdf":
        from plagdetect.evaluation.pdf_bench import bench_pdf

        for result in bench_pdf(args.pages, args.matches):
            print(result.describe())
        return EXIT_OK
    if args.target == "fuzz":
        from plagdetect.evaluation.fuzz import fuzz_corpus, run_fuzz

        result = run_fuzz(fuzz_corpus(args.count, seed=args.seed), settings)
        print(result.describe())
        return EXIT_FAILED if result.counts["crashed"] or result.counts["slow"] else EXIT_OK
    if args.target == "check":
        if args.pan is None:
            raise PlagDetectError("bench check reads its input from a PAN corpus: give --pan CORPUS_DIR.")
        inputs = CHECK_INPUTS if args.input == "both" else (args.input,)
        for result in bench_check(
            settings, str(args.pan), documents=args.documents, words=args.words, repeats=args.repeats, inputs=inputs
        ):
            print(result.describe())
    else:
        print(bench_ingest(settings, windows=args.windows, repeats=args.repeats).describe())
    return EXIT_OK
