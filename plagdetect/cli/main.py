"""The ``plagdetect`` command line.

Exit codes: 0 when everything asked for was done, 1 when a file or a request failed (the others still
went through), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from plagdetect import __version__
from plagdetect.cli.corpus import run_check, run_delete, run_ingest, run_list, run_reindex, run_report
from plagdetect.cli.jobs import run_jobs
from plagdetect.cli.maintenance import run_purge
from plagdetect.cli.measure import (
    add_fold_models_argument,
    run_bench,
    run_eval_calibration,
    run_eval_clough,
    run_eval_pan,
    run_generate_cases,
)
from plagdetect.cli.models import add_models_parser
from plagdetect.cli.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, shown
from plagdetect.cli.review import add_review_parser
from plagdetect.cli.train import (
    add_recipe_arguments,
    run_eval_review_loop,
    run_train_bi_encoder,
    run_train_cross_encoder,
    run_train_splade,
)
from plagdetect.cli.users import run_user
from plagdetect.errors import PlagDetectError
from plagdetect.settings import Settings

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = Settings.from_env(data_dir=args.data_dir)
        return args.run(args, settings)
    except PlagDetectError as error:
        print(f"error: {shown(error)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted: what was stored so far stays; nothing is half-stored", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="plagdetect", description="Semantic plagiarism detection, on site.")
    parser.add_argument("--version", action="version", version=f"plagdetect {__version__}")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="data directory (default: $PLAGDETECT_DATA_DIR or data/)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="add files, folders or zip archives to a collection")
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    ingest.add_argument("--collection", default="default", help="collection name (created if missing)")
    ingest.add_argument("--author", default=None, help="author of every file ingested (else from metadata)")
    ingest.add_argument("--no-progress", action="store_true", help="no progress bar")
    ingest.set_defaults(run=run_ingest)

    listing = commands.add_parser("list", help="list the documents of the corpus")
    listing.add_argument("--collection", default=None)
    listing.set_defaults(run=run_list)

    remove = commands.add_parser("delete", help="delete documents: rows, vectors and stored files")
    remove.add_argument("document_ids", nargs="+", type=int, metavar="DOC_ID")
    remove.set_defaults(run=run_delete)

    check = commands.add_parser("check", help="check a document against the corpus")
    check.add_argument("file", type=Path, metavar="FILE")
    check.add_argument("--collection", default=None, help="search only this collection (default: all)")
    check.add_argument("--json", type=Path, default=None, metavar="OUT", help="also write the report as JSON")
    check.add_argument("--pdf", type=Path, default=None, metavar="OUT", help="also write the report as PDF")
    check.add_argument("--include-quotes", action="store_true", help="do not exclude quoted text")
    check.add_argument("--include-bibliography", action="store_true", help="do not exclude the references section")
    check.add_argument("--min-words", type=int, default=None, help="shortest match reported, in words")
    check.add_argument("--exclude-source", type=int, action="append", default=[], metavar="DOC_ID")
    check.add_argument("--exclude-same-author", action="store_true", help="leave out the author's other documents")
    check.add_argument("--author", default=None, help="the submission's author (for --exclude-same-author)")
    check.set_defaults(run=run_check)

    report = commands.add_parser("report", help="a stored check's report (the History page's), as text, JSON or PDF")
    report.add_argument("check_id", type=int, metavar="CHECK_ID")
    report.add_argument("--json", type=Path, default=None, metavar="OUT", help="write the report as JSON")
    report.add_argument("--pdf", type=Path, default=None, metavar="OUT", help="write the report as PDF")
    report.set_defaults(run=run_report)

    evaluate = commands.add_parser("eval-pan", help="measure detection on a PAN text-alignment corpus")
    evaluate.add_argument("corpus_dir", type=Path, metavar="CORPUS_DIR")
    evaluate.add_argument("--out", type=Path, default=None, help="write the detection XMLs here")
    evaluate.add_argument(
        "--folds",
        type=int,
        default=0,
        metavar="K",
        help="cross-validate: choose the thresholds on K-1 folds of documents, score each fold held out",
    )
    evaluate.add_argument("--seed", type=int, default=12, help="--folds: how documents are dealt into folds")
    add_fold_models_argument(evaluate)
    evaluate.set_defaults(run=run_eval_pan)

    calibration = commands.add_parser(
        "eval-calibration",
        help="does the reranker's score read as a probability on held-out documents of a PAN corpus",
    )
    calibration.add_argument("corpus_dir", type=Path, metavar="CORPUS_DIR")
    calibration.add_argument("--folds", type=int, default=5, metavar="K", help="folds of documents")
    calibration.add_argument("--seed", type=int, default=12, help="how documents are dealt into folds")
    add_fold_models_argument(calibration)
    calibration.set_defaults(run=run_eval_calibration)

    clough = commands.add_parser(
        "eval-clough", help="document-level detection on Clough & Stevenson's short answers (cut, light, heavy, non)"
    )
    clough.add_argument("corpus_dir", type=Path, metavar="CORPUS_DIR", help="the folder with file_information.csv")
    clough.set_defaults(run=run_eval_clough)

    generate = commands.add_parser(
        "generate-cases", help="a PAN corpus of short verbatim, reflowed and noised copies, built from any texts"
    )
    generate.add_argument("texts", type=Path, metavar="TEXTS_DIR", help="a folder of .txt files (hosts and sources)")
    generate.add_argument("out", type=Path, metavar="OUT_DIR", help="where susp/, src/, truth/ and pairs go")
    generate.add_argument("--documents", type=int, default=30, help="suspicious documents")
    generate.add_argument("--seed", type=int, default=0, help="the same texts and seed, the same corpus")
    generate.set_defaults(run=run_generate_cases)

    train = commands.add_parser("train", help="train PlagDetect's own models")
    models = train.add_subparsers(dest="model", required=True, metavar="MODEL")
    cross = models.add_parser("cross-encoder", help="the reranker, from the packaged MiniLM")
    cross.add_argument(
        "--base", type=Path, default=None, help="start from this model (default: the bi-encoder's MiniLM backbone)"
    )
    cross.add_argument(
        "--labels",
        action="store_true",
        help="fine-tune the active version on the labels of the Review page instead (2 epochs at 2e-5 unless given), "
        "judge it beside the active one and register it (plagdetect models promote)",
    )
    cross.add_argument("--stsb-train", type=Path, default=None, help="STS-B train file (tab-separated)")
    cross.add_argument(
        "--stsb-dev", type=Path, default=None, help="STS-B dev file: validation, best checkpoint (--labels: judging)"
    )
    cross.add_argument("--pan", type=Path, action="append", default=[], metavar="CORPUS_DIR", help="PAN pairs too")
    cross.add_argument("--pan-validation-share", type=float, default=0.2, help="PAN documents held back")
    cross.add_argument(
        "--folds",
        type=int,
        default=0,
        metavar="K",
        help="hold back the PAN documents of one of K folds (the folds of eval-pan --folds K, same --seed) instead",
    )
    cross.add_argument("--fold", type=int, default=1, metavar="I", help="--folds: the fold held back (1 to K)")
    cross.add_argument("--out", type=Path, default=None, help="folder for the trained model (not with --labels)")
    add_recipe_arguments(cross, epochs=4.0, learning_rate=6e-5)  # the shipped model's recipe
    cross.set_defaults(run=run_train_cross_encoder)
    bi = models.add_parser("bi-encoder", help="the bi-encoder: fine-tune the serving version on the labels")
    bi.add_argument(
        "--labels",
        action="store_true",
        required=True,
        help="fine-tune the serving version on the labels of the Review page (2 epochs at 2e-5 unless given), judge "
        "it beside the serving one and register it (plagdetect models promote: the corpus is embedded with it first)",
    )
    add_recipe_arguments(bi, epochs=2.0, learning_rate=2e-5)
    bi.set_defaults(run=run_train_bi_encoder)
    splade = models.add_parser("splade", help="the SPLADE explainer, from a SPLADE base (e.g. SPLADE-tiny)")
    splade.add_argument("--base", type=Path, required=True, help="folder of the SPLADE base model (BertForMaskedLM)")
    splade.add_argument("--stsb-train", type=Path, required=True, help="STS-B train file (tab-separated)")
    splade.add_argument("--stsb-dev", type=Path, required=True, help="STS-B dev file: validation, best checkpoint")
    splade.add_argument("--out", type=Path, required=True, help="folder for the trained model")
    splade.add_argument("--regularizer-weight", type=float, default=3e-3, help="FLOPS weight: higher is sparser")
    add_recipe_arguments(splade, epochs=2.0, learning_rate=5e-5)
    splade.set_defaults(run=run_train_splade)

    add_models_parser(commands)

    loop = commands.add_parser(
        "eval-review-loop",
        help="simulate the review loop on a PAN corpus: labels from its truth, fine-tune, detection before and after",
    )
    loop.add_argument("corpus_dir", type=Path, metavar="CORPUS_DIR")
    loop.add_argument("--labels", type=int, default=200, help="labelled alignments to fine-tune on (at most)")
    loop.add_argument("--taught-folds", type=int, default=2, help="folds whose alignments are labelled (from fold 2)")
    loop.add_argument("--folds", type=int, default=5, metavar="K")
    loop.add_argument("--unbalanced", action="store_true", help="learn from the labels as they are, not balanced")
    loop.add_argument(
        "--model", choices=["cross-encoder", "bi-encoder"], default="cross-encoder", help="the model fine-tuned"
    )
    add_recipe_arguments(loop, epochs=2.0, learning_rate=2e-5)  # the Admin page's fine-tuning recipe
    loop.set_defaults(run=run_eval_review_loop)

    queue = commands.add_parser("jobs", help="the checks and ingests queued, running or ended (the app's too)")
    queue.add_argument("--cancel", type=int, default=None, metavar="JOB_ID", help="cancel this job")
    queue.add_argument("--limit", type=int, default=50, help="newest jobs shown")
    queue.set_defaults(run=run_jobs)

    reindex = commands.add_parser("reindex", help="re-embed stale chunks and rebuild the vector index")
    reindex.set_defaults(run=run_reindex)

    purge = commands.add_parser(
        "purge", help="remove the full texts of checks older than check_text_retention_days (their reports stay)"
    )
    purge.set_defaults(run=run_purge)

    bench = commands.add_parser("bench", help="speed benchmarks (ratios against a baseline in the same run)")
    bench.add_argument("target", choices=["ingest", "check", "fuzz", "jobs", "pdf"])
    bench.add_argument("--windows", type=int, default=3000, help="ingest: chunks the generated documents hold")
    bench.add_argument("--pan", type=Path, default=None, help="check: the PAN corpus the input is cut from")
    bench.add_argument("--documents", type=int, default=500, help="check: documents in the corpus")
    bench.add_argument("--words", type=int, default=5000, help="check: words in the submission")
    bench.add_argument(
        "--input",
        choices=["paper", "dense", "both"],
        default="both",
        help="check: a PAN paper, a submission dense with copies, or both",
    )
    bench.add_argument("--repeats", type=int, default=1, help="runs of each pipeline (best time counts)")
    bench.add_argument("--count", type=int, default=400, help="fuzz: hostile files built and read")
    bench.add_argument("--pages", type=int, default=300, help="pdf: pages of the long submission")
    bench.add_argument("--matches", type=int, default=200, help="pdf: matches of the long submission")
    bench.add_argument("--seed", type=int, default=0, help="fuzz: which files (the same seed, the same files)")
    bench.set_defaults(run=run_bench)

    user = commands.add_parser("user", help="accounts of the web app (the command line acts as an admin)")
    actions = user.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create an account (asks for its password)")
    add.add_argument("username")
    add.add_argument("--role", choices=["student", "instructor", "admin"], default="student")
    actions.add_parser("list", help="list the accounts")
    for name, text in [("password", "set a new password (asks for it)"), ("disable", "stop an account logging in")]:
        action = actions.add_parser(name, help=text)
        action.add_argument("username")
    actions.add_parser("enable", help="let a disabled account log in again").add_argument("username")
    actions.add_parser("unlock", help="lift the lock after repeated failed sign-ins").add_argument("username")
    for name in ("add", "password"):
        actions.choices[name].add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
    user.set_defaults(run=run_user)

    add_review_parser(commands)
    return parser


if __name__ == "__main__":
    sys.exit(main())
