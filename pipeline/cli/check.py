"""pipeline check | prune"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import click

from pipeline.cli.common import config_option, error, load_config, quiet, quiet_option, reports_errors
from pipeline.core.errors import ExitStatus
from pipeline.core.paths import shown


@click.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output folder [default: output.dir, translations].")
@click.option("--to", "target", metavar="LANG", callback=lambda ctx, param, v: v and v.strip().lower(), help="Only this target language.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report on stdout.")
@click.option("--all", "show_all", is_flag=True, help="List fresh translations too.")
@click.option("--strict", is_flag=True, help="Exit 4 when a fresh translation has flagged sentences nobody acknowledged.")
@config_option
@quiet_option
@reports_errors
def check(sources, out_dir, target, as_json, show_all, strict, config_path, quiet_flag) -> None:
    """Say which translations of SOURCES are fresh, stale, missing, orphaned or need review.

    Decided from content hashes recorded at translation time (in OUT/.pipeline/records): no model,
    no translation memory, the same answer in a fresh clone. Exit 0 when everything is fresh,
    5 otherwise; with --strict, 4 when everything is fresh but some sentences are flagged (a flag
    an editor acknowledged in `pipeline review` no longer counts).
    """
    from pipeline.commands import freshness

    config = load_config(config_path)
    out = Path(out_dir or config.out_dir)
    items, problems = freshness.check(list(sources), out, config, target)
    for problem in problems:
        error(str(problem))
    counts = {s: sum(1 for i in items if i.status == s) for s in freshness.STATUSES}
    if as_json:
        report = {
            "output": str(out),
            "summary": counts,
            "translations": [
                {
                    "source": i.source,
                    "target_lang": i.target_lang,
                    "status": i.status,
                    "translation": i.translation,
                    "detail": i.detail,
                    "changed_blocks": list(i.changed_blocks),
                    "unreviewed": i.unreviewed,
                    "flagged": i.flagged,
                }
                for i in items
            ],
        }
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    elif not quiet(quiet_flag):
        for i in items:
            if i.status != freshness.FRESH or show_all or (strict and i.flagged):
                where = f" -> {shown(i.translation)}" if i.translation else ""
                detail = f": {i.detail}" if i.detail else ""
                if strict and i.flagged:
                    detail += f"{'; ' if detail else ': '}{i.flagged} flagged sentence{'s' * (i.flagged != 1)}"
                click.echo(f"{i.status:<12} {i.target_lang}  {i.source}{where}{detail}")
        click.echo(", ".join(f"{counts[s]} {s}" for s in freshness.STATUSES))
    if problems or counts[freshness.FRESH] != len(items):
        sys.exit(int(ExitStatus.NOT_FRESH))
    if strict and any(i.flagged for i in items):
        sys.exit(int(ExitStatus.PROBLEMS))


@click.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output folder [default: output.dir, translations].")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
@config_option
@reports_errors
def prune(sources, out_dir, dry_run, config_path) -> None:
    """Remove the translations (outputs and records) of articles under SOURCES that are gone.

    Only orphans are touched: translations whose source file no longer exists under SOURCES.
    """
    from pipeline.commands import freshness
    from pipeline.store.fileio import FolderLock

    config = load_config(config_path)
    out = Path(out_dir or config.out_dir)
    items, problems = freshness.check(list(sources), out, config)
    for problem in problems:
        error(str(problem))
    with FolderLock(out) if out.is_dir() and not dry_run else contextlib.nullcontext():
        removed = freshness.prune(items, dry_run)
    for path in removed:
        click.echo(("would remove " if dry_run else "removed ") + str(path))
    orphans = sum(1 for i in items if i.status == freshness.ORPHAN)
    click.echo(f"{orphans} orphaned translation{'s' * (orphans != 1)}, {len(removed)} files {'to remove' if dry_run else 'removed'}")
