"""Commands on the corpus: ingest, list, delete, reindex, and check a file against it (the last two as jobs)."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from plagdetect.cli.jobs import failed, run_to_end
from plagdetect.cli.output import EXIT_FAILED, EXIT_OK, format_table, shown
from plagdetect.errors import PlagDetectError
from plagdetect.settings import Settings


def _corpus(settings: Settings):
    from plagdetect.services.corpus import Corpus  # torch and models load only for commands that need them

    return Corpus.open(settings)


def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from plagdetect.context import Context
    from plagdetect.jobs import Jobs
    from plagdetect.services.corpus import IngestResult
    from plagdetect.text.uploads import expand_paths

    files = expand_paths(args.paths)
    jobs = Jobs(Context(settings))
    job = jobs.ingest_paths(args.paths, args.collection, author=args.author)
    with tqdm(total=len(files), unit="file", disable=args.no_progress or None, file=sys.stderr) as bar:

        def progress(name: str) -> None:
            bar.set_postfix_str(shown(Path(name).name[-40:]))
            bar.update(1)

        job = run_to_end(settings, jobs.queue, job.id, progress)
    if job.state != "done":
        return failed(job)
    results = [IngestResult(**r) for r in job.result["results"]]
    for result in results:
        if result.status == "failed":
            print(f"error: {shown(result.filename)}: {shown(result.message)}", file=sys.stderr)
    rows = [
        (r.status, r.document_id or "", r.chunks or "", r.filename, r.message if r.status != "failed" else "")
        for r in results
    ]
    print(format_table(["status", "doc", "chunks", "file", "note"], rows))
    counts = Counter(r.status for r in results)
    print(
        f"{counts['added']} added, {counts['duplicate']} already there, {counts['failed']} failed"
        f" (collection '{shown(job.result['collection'])}')"
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
            where = f"{info.chunks} chunks, collection '{shown(info.collection)}'"
            print(f"deleted {info.id}: {shown(info.title)} ({where})")
        except PlagDetectError as error:
            print(f"error: {error}", file=sys.stderr)
            status = EXIT_FAILED
    if corpus.wipe_pending:
        print(
            "note: another connection is still reading the database, so the deleted text stays in its write-ahead"
            " log until that reader finishes; the next plagdetect command (or app start) after that wipes it",
            file=sys.stderr,
        )
    return status


def run_check(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import replace

    from plagdetect.context import Context
    from plagdetect.jobs import Jobs
    from plagdetect.services.accounts import OPERATOR
    from plagdetect.services.check_defaults import load_defaults
    from plagdetect.services.checks import load_report
    from plagdetect.services.corpus import Corpus
    from plagdetect.text.extract import read_file

    context = Context(settings)
    corpus = Corpus(context)
    # The same defaults as a check in the app (an admin's stored ones), changed only by the flags given.
    options = replace(
        load_defaults(context).options(*filter(None, [args.collection])),
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
            f"warning: {stale} document(s) embedded by an older version are searched for word-for-word copies only;"
            " run `plagdetect reindex`",
            file=sys.stderr,
        )
    data = read_file(args.file, int(settings.max_file_mb * 2**20))
    jobs = Jobs(context)
    job = jobs.check(OPERATOR, args.file.name, data, options)
    job = run_to_end(settings, jobs.queue, job.id)
    if job.state != "done":
        return failed(job)
    report = load_report(context, OPERATOR, job.result["check_id"])
    _print_report(report)
    _write_report(report, args.json, args.pdf)
    return EXIT_OK


def run_report(args: argparse.Namespace, settings: Settings) -> int:
    """A stored check's report, as the command line shows it; and as JSON or PDF files."""
    from plagdetect.context import Context
    from plagdetect.services.accounts import OPERATOR
    from plagdetect.services.checks import load_report

    context = Context(settings)
    try:
        report = load_report(context, OPERATOR, args.check_id)
    finally:
        context.close()
    _print_report(report)
    _write_report(report, args.json, args.pdf)
    return EXIT_OK


def _print_report(report) -> None:
    print(f"{shown(report.filename)}: similarity index {100 * report.similarity:.1f}% (check {report.check_id})")
    for line in report.integrity:
        print(f"  integrity: {line}")
    if report.sources:
        rows = [(s.document_id, s.title[:50], s.collection, f"{100 * s.share:.1f}%", s.matches) for s in report.sources]
        print(format_table(["doc", "source", "collection", "share", "matches"], rows))
    for match in report.matches:
        (start, end), (source_start, source_end) = match.submission_span, match.source_span
        rerank = "" if match.rerank_score is None else f", reranker {match.rerank_score:.2f}"
        rerank += f", {match.counterparts} source sentence(s)" if match.counterparts else ""
        print(
            f"  [{start}:{end}] {match.kind} from {match.source_title!r} [{source_start}:{source_end}]"
            f" score {match.score:.2f}{rerank}: {_preview(match.submission_text)}"
        )
        if match.tokens:
            print(f"    shared words: {', '.join(word for word, _ in match.tokens)}")


def _write_report(report, json_path: Path | None, pdf_path: Path | None) -> None:
    """The report written as JSON and as PDF, where paths are given (their folders made if missing)."""
    import json

    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    if pdf_path is not None:
        from plagdetect.reports import report_pdf

        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        pdf_path.write_bytes(report_pdf(report))
        print(f"report written to {pdf_path}", file=sys.stderr)


def _preview(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def run_reindex(args: argparse.Namespace, settings: Settings) -> int:
    report = _corpus(settings).reindex()
    print(f"re-embedded {report.re_embedded} chunk(s); index rebuilt with {report.added} vectors")
    return EXIT_OK
