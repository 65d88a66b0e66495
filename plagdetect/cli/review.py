"""The review command: the pairs checks stored for labelling, labels, agreement, and labels in and out as JSON Lines.

The command line acts as an admin (``OPERATOR``, labels signed "(command line)"), or, with ``--as NAME``, as a
stored instructor or admin: their labels are theirs, and the role rules are theirs too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from plagdetect.cli.output import EXIT_OK, format_table, shown
from plagdetect.errors import PlagDetectError
from plagdetect.settings import Settings


def add_review_parser(commands: argparse._SubParsersAction) -> None:
    review = commands.add_parser("review", help="label the pairs of passages checks stored, most uncertain first")
    review.add_argument("--as", dest="as_user", default=None, metavar="NAME", help="act as this instructor or admin")
    actions = review.add_subparsers(dest="action", required=True, metavar="ACTION")
    queue = actions.add_parser("queue", help="the pairs to label, most uncertain first")
    queue.add_argument("--collection", default=None, help="only pairs whose source is in this collection")
    queue.add_argument("--check", type=int, default=None, metavar="CHECK_ID", help="only the pairs of this check")
    queue.add_argument(
        "--state", default="unlabelled", help="unlabelled (default), 'not labelled by me', labelled, disputed or all"
    )
    queue.add_argument("--labeller", default=None, metavar="NAME", help="only pairs this person labelled")
    queue.add_argument("--limit", type=int, default=20)
    actions.add_parser("show", help="the two passages of a pair").add_argument("pair_id", type=int, metavar="PAIR")
    label = actions.add_parser("label", help="label a pair (your latest label of a pair counts)")
    label.add_argument("pair_id", type=int, metavar="PAIR")
    label.add_argument("verdict", help="plagiarism, 'not plagiarism' or unsure")
    label.add_argument("--comment", default="")
    summary = actions.add_parser("summary", help="how many pairs are labelled, and how far labellers agree")
    summary.add_argument("--collection", default=None)
    summary.add_argument("--check", type=int, default=None, metavar="CHECK_ID")
    export = actions.add_parser("export", help="write every label as JSON Lines")
    export.add_argument("out", type=Path, metavar="OUT", help="a .jsonl file, or - for standard output")
    load = actions.add_parser("import", help="read labels from JSON Lines (an export); all or nothing")
    load.add_argument("path", type=Path, metavar="FILE")
    review.set_defaults(run=run_review)


def run_review(args: argparse.Namespace, settings: Settings) -> int:
    from plagdetect.context import Context
    from plagdetect.services.review import Review

    context = Context(settings)
    try:
        review, actor = Review(context), _actor(context, args.as_user)
        {
            "queue": _queue,
            "show": _show,
            "label": _label,
            "summary": _summary,
            "export": _export,
            "import": _import,
        }[args.action](review, actor, args)
    finally:
        context.close()
    return EXIT_OK


def _actor(context, name: str | None):
    from plagdetect.services.accounts import OPERATOR, Accounts

    if name is None:
        return OPERATOR
    wanted = name.strip().casefold()
    found = [a for a in Accounts(context.sessions).list_users(OPERATOR) if a.username.casefold() == wanted]
    if not found:
        raise PlagDetectError(f"No account named '{name}'.")
    return found[0]


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _queue(review, actor, args) -> None:
    items = review.queue(actor, args.collection, args.check, args.state, args.labeller, args.limit)
    rows = [
        (
            item.pair_id,
            item.check_id,
            item.filename[-30:],
            item.source_title[-30:],
            item.collection[-20:],
            item.kind,
            _score(item.rerank_score),
            _score(item.threshold),
            ", ".join(f"{label.labeller}: {label.verdict}" for label in item.labels) or "-",
        )
        for item in items
    ]
    headers = ["pair", "check", "file", "source", "collection", "kind", "reranker", "threshold", "labels"]
    print(format_table(headers, rows))
    print(
        f"{len(items)} pair(s); `plagdetect review show PAIR` shows one, `plagdetect review label PAIR ...` labels it"
    )


def _show(review, actor, args) -> None:
    passages = review.passages(actor, args.pair_id)
    print("In the submission:\n" + shown(passages.submission_text) + "\n")
    print("In the source:\n" + shown(passages.source_text) + "\n")
    print(f"Runs of 4+ words in both: {len(passages.shared)}")
    if passages.tokens:
        print("Words both weigh: " + ", ".join(word for word, _ in passages.tokens))


def _label(review, actor, args) -> None:
    label = review.label(actor, args.pair_id, args.verdict, args.comment)
    print(f"pair {args.pair_id}: {label.verdict} (by {label.labeller})")


def _summary(review, actor, args) -> None:
    summary = review.summary(actor, args.collection, args.check)
    print(
        f"{summary.pairs} pair(s): {summary.labelled} labelled, {summary.unlabelled} not, "
        f"{summary.by_you} by you, {summary.disputed} disputed"
    )
    print("latest labels: " + ", ".join(f"{verdict} {count}" for verdict, count in summary.verdicts.items()))
    if summary.agreement:
        rows = [(a.first, a.second, a.pairs, "-" if a.kappa is None else f"{a.kappa:.2f}") for a in summary.agreement]
        print(format_table(["labeller", "labeller", "pairs both labelled", "Cohen's kappa"], rows))


def _export(review, actor, args) -> None:
    lines = review.export_labels(actor)
    if str(args.out) == "-":
        count = sum(print(line) or 1 for line in lines)
    else:
        partial = args.out.with_name(args.out.name + ".partial")
        with partial.open("w", encoding="utf-8") as out:
            count = sum(out.write(line + "\n") and 1 for line in lines)
        partial.replace(args.out)  # a failure half-way leaves no half file under the name asked for
    print(f"{count} label(s) written", file=sys.stderr)


def _import(review, actor, args) -> None:
    try:
        text = args.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PlagDetectError(f"Cannot read {args.path}: {error}") from error
    added, there = review.import_labels(actor, text.splitlines())
    print(f"{added} label(s) added, {there} already there")
