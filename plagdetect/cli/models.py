"""The models command: the registry of model versions (the command line acts as an admin)."""

from __future__ import annotations

import argparse
import sys

from plagdetect.cli.output import EXIT_OK, format_table
from plagdetect.settings import Settings


def add_models_parser(commands: argparse._SubParsersAction) -> None:
    models = commands.add_parser("models", help="model versions: list, promote, roll back, delete")
    actions = models.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="every version, the active one of each kind marked")
    actions.add_parser(
        "promote", help="make a version the one new checks use (a bi-encoder: once the corpus is embedded with it)"
    ).add_argument("version_id", type=int)
    back = actions.add_parser(
        "rollback", help="return to the version active before the active one (a bi-encoder: after re-embedding)"
    )
    back.add_argument("kind", nargs="?", default="cross-encoder")
    actions.add_parser("delete", help="delete a version trained here, not in use").add_argument("version_id", type=int)
    models.set_defaults(run=run_models)


def run_models(args: argparse.Namespace, settings: Settings) -> int:
    from plagdetect.context import BI_ENCODER, Context
    from plagdetect.services.accounts import OPERATOR
    from plagdetect.services.model_registry import ModelRegistry
    from plagdetect.store.model_versions import get_version

    context = Context(settings)
    try:
        registry = ModelRegistry(context)
        if args.action == "list":
            rows = [
                (
                    v.id,
                    v.kind,
                    "yes" if v.active else "",
                    v.version,
                    v.parent_id or "",
                    "configured" if v.configured else v.trained_by or "",
                    f"{v.created_at:%Y-%m-%d %H:%M}",
                    _figures(v.evaluation.get("new", {})),
                )
                for v in registry.versions(OPERATOR)
            ]
            headers = ["id", "kind", "active", "version", "parent", "by", "created", "held-out AP / STS-B dev"]
            print(format_table(headers, rows))
        elif args.action == "promote" and get_version(context.sessions, args.version_id).kind == BI_ENCODER:
            return _switch_bi_encoder(context, args.version_id)
        elif args.action == "promote":
            version = registry.promote(OPERATOR, args.version_id)
            print(f"{version.kind} {version.version} is active: new checks use it")
        elif args.action == "rollback" and args.kind == BI_ENCODER:
            return _switch_bi_encoder(context, None)
        elif args.action == "rollback":
            version = registry.roll_back(OPERATOR, args.kind)
            print(f"{version.kind} rolled back to {version.version} (version {version.id})")
        else:
            version = registry.delete(OPERATOR, args.version_id)
            print(f"deleted {version.kind} {version.version} and its folder")
    finally:
        context.close()
    return EXIT_OK


def _switch_bi_encoder(context, version_id: int | None) -> int:
    """Promote (or roll back) a bi-encoder: a job that embeds the corpus with it first, hosted until it ends."""
    from plagdetect.cli.jobs import failed, run_to_end
    from plagdetect.jobs import Jobs
    from plagdetect.services.accounts import OPERATOR

    jobs = Jobs(context)
    job = jobs.switch_bi_encoder(OPERATOR, version_id)
    print(f"{job.label} (job {job.id}); checks go on with the serving version until it ends", file=sys.stderr)
    job = run_to_end(context.settings, jobs.queue, job.id, lambda stage: print(stage, file=sys.stderr))
    if job.state != "done":
        return failed(job)
    print(f"bi-encoder {job.result['version']} serves: new checks use it (version {job.result['version_id']})")
    return EXIT_OK


def _figures(report: dict) -> str:
    if not report:
        return ""
    return f"{report['held_out']['average_precision']:.3f} / {report.get('sts_dev_spearman', float('nan')):.3f}"
