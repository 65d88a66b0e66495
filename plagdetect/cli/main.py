"""The ``plagdetect`` command line.

Exit codes: 0 when everything asked for was done, 1 when a file or a request failed (the others still
went through), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from plagdetect import __version__
from plagdetect.errors import PlagDetectError
from plagdetect.settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


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
        print(f"error: {error}", file=sys.stderr)
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
    check.add_argument("--include-quotes", action="store_true", help="do not exclude quoted text")
    check.add_argument("--include-bibliography", action="store_true", help="do not exclude the references section")
    check.add_argument("--min-words", type=int, default=None, help="shortest match reported, in words")
    check.add_argument("--exclude-source", type=int, action="append", default=[], metavar="DOC_ID")
    check.add_argument("--exclude-same-author", action="store_true", help="leave out the author's other documents")
    check.add_argument("--author", default=None, help="the submission's author (for --exclude-same-author)")
    check.set_defaults(run=run_check)

    evaluate = commands.add_parser("eval-pan", help="measure detection on a PAN text-alignment corpus")
    evaluate.add_argument("corpus_dir", type=Path, metavar="CORPUS_DIR")
    evaluate.add_argument("--out", type=Path, default=None, help="write the detection XMLs here")
    evaluate.set_defaults(run=run_eval_pan)

    train = commands.add_parser("train", help="train PlagDetect's own models")
    models = train.add_subparsers(dest="model", required=True, metavar="MODEL")
    cross = models.add_parser("cross-encoder", help="the reranker, from the packaged MiniLM")
    cross.add_argument(
        "--base", type=Path, default=None, help="start from this model (default: the bi-encoder's MiniLM backbone)"
    )
    cross.add_argument("--stsb-train", type=Path, required=True, help="STS-B train file (tab-separated)")
    cross.add_argument("--stsb-dev", type=Path, required=True, help="STS-B dev file: validation, best checkpoint")
    cross.add_argument("--pan", type=Path, action="append", default=[], metavar="CORPUS_DIR", help="PAN pairs too")
    cross.add_argument("--pan-validation-share", type=float, default=0.2, help="PAN documents held back")
    cross.add_argument("--out", type=Path, required=True, help="folder for the trained model")
    _add_recipe_arguments(cross, epochs=4.0, learning_rate=6e-5)  # the shipped model's recipe
    cross.set_defaults(run=run_train_cross_encoder)
    splade = models.add_parser("splade", help="the SPLADE explainer, from a SPLADE base (e.g. SPLADE-tiny)")
    splade.add_argument("--base", type=Path, required=True, help="folder of the SPLADE base model (BertForMaskedLM)")
    splade.add_argument("--stsb-train", type=Path, required=True, help="STS-B train file (tab-separated)")
    splade.add_argument("--stsb-dev", type=Path, required=True, help="STS-B dev file: validation, best checkpoint")
    splade.add_argument("--out", type=Path, required=True, help="folder for the trained model")
    splade.add_argument("--regularizer-weight", type=float, default=3e-3, help="FLOPS weight: higher is sparser")
    _add_recipe_arguments(splade, epochs=2.0, learning_rate=5e-5)
    splade.set_defaults(run=run_train_splade)

    reindex = commands.add_parser("reindex", help="re-embed stale chunks and rebuild the vector index")
    reindex.set_defaults(run=run_reindex)

    bench = commands.add_parser("bench", help="speed benchmarks (ratios against a baseline in the same run)")
    bench.add_argument("target", choices=["ingest", "check"])
    bench.add_argument("--windows", type=int, default=3000, help="ingest: chunks the generated documents hold")
    bench.add_argument("--pan", type=Path, default=None, help="check: the PAN corpus the input is cut from")
    bench.add_argument("--documents", type=int, default=500, help="check: documents in the corpus")
    bench.add_argument("--words", type=int, default=5000, help="check: words in the submission")
    bench.add_argument("--repeats", type=int, default=1, help="runs of each pipeline (best time counts)")
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
    for name in ("add", "password"):
        actions.choices[name].add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
    user.set_defaults(run=run_user)
    return parser


def _corpus(settings: Settings):
    from plagdetect.services.corpus import Corpus  # torch and models load only for commands that need them

    return Corpus.open(settings)


def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from plagdetect.text.uploads import expand_paths

    corpus = _corpus(settings)
    files = expand_paths(args.paths)
    with tqdm(total=len(files), unit="file", disable=args.no_progress or None, file=sys.stderr) as bar:

        def progress(name: str) -> None:
            bar.set_postfix_str(Path(name).name[-40:])
            bar.update(1)

        results = corpus.ingest_paths(files, args.collection, author=args.author, progress=progress)
    for result in results:
        if result.status == "failed":
            print(f"error: {result.filename}: {result.message}", file=sys.stderr)
    rows = [
        (r.status, r.document_id or "", r.chunks or "", r.filename, r.message if r.status != "failed" else "")
        for r in results
    ]
    print(format_table(["status", "doc", "chunks", "file", "note"], rows))
    counts = Counter(r.status for r in results)
    print(
        f"{counts['added']} added, {counts['duplicate']} already there, {counts['failed']} failed"
        f" (collection '{args.collection}')"
    )
    return EXIT_FAILED if counts["failed"] else EXIT_OK


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    documents = _corpus(settings).list_documents(args.collection)
    rows = [
        (d.id, d.collection, d.title[:40], d.format, d.chunks, f"{d.size_bytes / 1024:.0f} KB", "; ".join(d.integrity))
        for d in documents
    ]
    print(format_table(["id", "collection", "title", "type", "chunks", "size", "integrity"], rows))
    print(f"{len(documents)} document(s)")
    return EXIT_OK


def run_delete(args: argparse.Namespace, settings: Settings) -> int:
    corpus = _corpus(settings)
    status = EXIT_OK
    for document_id in args.document_ids:
        try:
            info = corpus.delete_document(document_id)
            print(f"deleted {info.id}: {info.title} ({info.chunks} chunks, collection '{info.collection}')")
        except PlagDetectError as error:
            print(f"error: {error}", file=sys.stderr)
            status = EXIT_FAILED
    return status


def run_check(args: argparse.Namespace, settings: Settings) -> int:
    import json
    from dataclasses import replace

    from plagdetect.detection.pipeline import check_file
    from plagdetect.services.check_defaults import load_defaults

    corpus = _corpus(settings)
    # The same defaults as a check in the app (an admin's stored ones), changed only by the flags given.
    options = replace(
        load_defaults(corpus.context.sessions, settings).options(args.collection),
        excluded_sources=frozenset(args.exclude_source),
        exclude_same_author=args.exclude_same_author,
        author=args.author,
    )
    if args.include_quotes:
        options = replace(options, exclude_quotes=False)
    if args.include_bibliography:
        options = replace(options, exclude_bibliography=False)
    if args.min_words is not None:
        options = replace(options, min_match_words=args.min_words)
    stale = corpus.stale_documents()
    if stale:
        print(
            f"warning: {stale} document(s) embedded by an older version are not searched; run `plagdetect reindex`",
            file=sys.stderr,
        )
    report = check_file(corpus.context, args.file, options)
    print(f"{report.filename}: similarity index {100 * report.similarity:.1f}% (check {report.check_id})")
    for line in report.integrity:
        print(f"  integrity: {line}")
    if report.sources:
        rows = [(s.document_id, s.title[:50], s.collection, f"{100 * s.share:.1f}%", s.matches) for s in report.sources]
        print(format_table(["doc", "source", "collection", "share", "matches"], rows))
    for match in report.matches:
        (start, end), (source_start, source_end) = match.submission_span, match.source_span
        rerank = "" if match.rerank_score is None else f", reranker {match.rerank_score:.2f}"
        print(
            f"  [{start}:{end}] {match.kind} from {match.source_title!r} [{source_start}:{source_end}]"
            f" score {match.score:.2f}{rerank}: {_preview(match.submission_text)}"
        )
        if match.tokens:
            print(f"    shared words: {', '.join(word for word, _ in match.tokens)}")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    return EXIT_OK


def _preview(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def run_eval_pan(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from plagdetect.evaluation.pan_eval import eval_pan

    with tqdm(unit="doc", file=sys.stderr, desc="eval-pan") as bar:
        result = eval_pan(args.corpus_dir, settings, out_dir=args.out, progress=lambda _: bar.update(1))
    print(result.describe())
    return EXIT_OK


def _add_recipe_arguments(parser: argparse.ArgumentParser, epochs: float, learning_rate: float) -> None:
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
    from plagdetect.evaluation.pan import load_pan_corpus
    from plagdetect.training.cross_encoder import train_cross_encoder
    from plagdetect.training.data import pan_pairs, read_stsb, split_by_group

    train, pan_validation = read_stsb(args.stsb_train), []
    if args.pan:
        encoder = load_bi_encoder(settings.resolved_bi_encoder, device=settings.device)
        pairs = [pair for corpus_dir in args.pan for pair in pan_pairs(load_pan_corpus(corpus_dir), encoder.encode)]
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


def run_reindex(args: argparse.Namespace, settings: Settings) -> int:
    report = _corpus(settings).reindex()
    print(f"re-embedded {report.stale_chunks} chunk(s); index rebuilt with {report.added} vectors")
    return EXIT_OK


def run_bench(args: argparse.Namespace, settings: Settings) -> int:
    from plagdetect.evaluation.bench import bench_check, bench_ingest

    if args.target == "check":
        if args.pan is None:
            raise PlagDetectError("bench check reads its input from a PAN corpus: give --pan CORPUS_DIR.")
        print(
            bench_check(
                settings, str(args.pan), documents=args.documents, words=args.words, repeats=args.repeats
            ).describe()
        )
    else:
        print(bench_ingest(settings, windows=args.windows, repeats=args.repeats).describe())
    return EXIT_OK


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def run_user(args: argparse.Namespace, settings: Settings) -> int:
    from plagdetect.context import Context
    from plagdetect.services.accounts import OPERATOR, Accounts

    accounts = Accounts(Context(settings).sessions)
    if args.action == "list":
        rows = [(a.id, a.username, a.role.value, "yes" if a.active else "no") for a in accounts.list_users(OPERATOR)]
        print(format_table(["id", "username", "role", "active"], rows))
        return EXIT_OK
    if args.action == "add":
        account = accounts.create_user(OPERATOR, args.username, _new_password(args), args.role)
        print(f"created {account.username} ({account.role.value})")
        return EXIT_OK
    wanted = args.username.strip().casefold()
    found = [a for a in accounts.list_users(OPERATOR) if a.username.casefold() == wanted]
    if not found:
        raise PlagDetectError(f"No account named '{args.username}'.")
    if args.action == "password":
        accounts.reset_password(OPERATOR, found[0].id, _new_password(args))
        print(f"new password set for {args.username}")
    else:
        accounts.set_active(OPERATOR, found[0].id, args.action == "enable")
        print(f"{args.username} is {args.action}d")
    return EXIT_OK


def _new_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        raise PlagDetectError("The two passwords differ.")
    return password


if __name__ == "__main__":
    sys.exit(main())
