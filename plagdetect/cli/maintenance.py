"""Upkeep of the server's data: ``plagdetect purge`` removes the full texts of checks past their retention."""

from __future__ import annotations

import argparse

from plagdetect.cli.output import EXIT_OK
from plagdetect.settings import Settings


def run_purge(args: argparse.Namespace, settings: Settings) -> int:
    from plagdetect.context import Context
    from plagdetect.services.checks import purge_expired_texts

    days = settings.check_text_retention_days
    if days <= 0:
        print("check_text_retention_days is 0: checks keep their full texts for ever; nothing to remove")
        return EXIT_OK
    context = Context(settings)
    try:
        removed = purge_expired_texts(context)
        print(f"removed the full text of {removed} check(s) older than {days} days; their reports keep the passages")
        if context.documents.wipe_pending:
            print("note: another connection is still reading the database; the removed text leaves its write-ahead log")
            print("      once that reader finishes (the next plagdetect command, or app start, after that wipes it)")
    finally:
        context.close()
    return EXIT_OK
