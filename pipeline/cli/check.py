"""pipeline check | prune"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

import click

from pipeline.cli.common import common_options, display, error, existing, load_config, out_option, output_folder, quiet, reports_errors, say
from pipeline.core.errors import ExitStatus, PipelineError
from pipeline.store import layout

FORMATS = ("text", "json", "github", "junit")  # pipeline.commands.ci_report.FORMATS, without importing it for --help


def _workspace(config_path, out_dir, given: tuple[str, ...], command: str):
    """The workspace of SOURCES as named, else of the source folders config.yaml and the output
    folder's records know."""
    from pipeline.workspace import Workspace

    config = load_config(config_path)
    if out_dir is not None:  # named on the command line, it must exist (exit 2, as README says); the
        output_folder(out_dir, config)  # configured one may not yet: then every translation is missing
    ws = Workspace.open(config, out_dir, given)
    if not given and not ws.recorded():
        if ws.store.problems:  # the records name folders, but in a file that cannot be used: as damaged as a record
            raise PipelineError(f"{ws.store.problems[0]}; name the source folders (pipeline {command} SOURCES...)", ExitStatus.NOT_FRESH)
        raise PipelineError(
            f"no source folders known for {display(ws.out)}: name them (pipeline {command} SOURCES...), list them in config.yaml (sources:), "
            f"or translate them first ({layout.FOLDER}/{layout.SOURCES})"
        )
    return ws


def _format(ctx, param, value):
    chosen = ctx.params.get("report_format")
    if value and chosen not in (None, "json"):
        raise click.UsageError(f"--json and --format {chosen} ask for two reports; give one", ctx)
    return value


@click.command()
@click.argument("sources", nargs=-1, type=click.Path(), callback=existing)
@out_option
@click.option("--to", "target", metavar="LANG", callback=lambda ctx, param, v: v and v.strip().lower(), help="Only this target language.")
@click.option(
    "--format",
    "report_format",
    type=click.Choice(FORMATS),
    is_eager=True,
    help="text; json; github (workflow annotations on the stale source lines); junit (XML, a test case per article and target language) [default: text].",
)
@click.option("--json", "as_json", is_flag=True, callback=_format, help="Same as --format json.")
@click.option("--all", "show_all", is_flag=True, help="List fresh translations too (text).")
@click.option("--strict", is_flag=True, help="Exit 4 when a fresh translation has flagged sentences nobody acknowledged.")
@common_options
@reports_errors
def check(sources, out_dir, target, report_format, as_json, show_all, strict, config_path, quiet_flag) -> None:
    """Say which translations of SOURCES are fresh, stale, missing, orphaned or need review.

    SOURCES default to the source folders config.yaml lists (sources:) and the output folder has
    recorded (OUT/{records}/{sources}). Decided from the content hashes recorded at translation
    time (in OUT/{records}/): no model, no translation memory, the same answer in a fresh clone.
    The report goes to stdout; -q leaves only the errors unless --format asks for json, github
    or junit. Exit 0 when everything is fresh, 5 otherwise; with --strict, 4 when everything is
    fresh but some sentences are flagged (a flag an editor acknowledged no longer counts).
    """
    from pipeline.commands import ci_report, freshness

    ws = _workspace(config_path, out_dir, sources, "check")
    out = ws.out
    items, problems = freshness.check(ws, target=target)
    for problem in problems:
        error(str(problem))
    kind = "json" if as_json else report_format or "text"
    if kind != "text" or not quiet(quiet_flag):
        root = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd())
        click.echo(ci_report.render(kind, items, problems, Path(display(out)), show_all, root))
    if problems or any(i.status != freshness.FRESH for i in items):
        sys.exit(int(ExitStatus.NOT_FRESH))
    if strict and any(i.flagged for i in items):
        for i in items:
            if i.flagged:
                error(f"{i.source} -> {i.target_lang}: {i.flagged} flagged sentence{'s' * (i.flagged != 1)} nobody acknowledged")
        sys.exit(int(ExitStatus.PROBLEMS))


check.help = (check.help or "").format(records=layout.FOLDER, sources=layout.SOURCES)  # the store's layout names the folder


@click.command()
@click.argument("sources", nargs=-1, type=click.Path(), callback=existing)
@out_option
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report on stdout.")
@common_options
@reports_errors
def prune(sources, out_dir, dry_run, as_json, config_path, quiet_flag) -> None:
    """Remove the translations (outputs and records) of articles under SOURCES that are gone.

    Only orphans are touched: translations whose source file no longer exists under SOURCES
    (default: the source folders config.yaml lists and the output folder has recorded), and of
    those only the files their record proves the pipeline wrote (a hand-edited one is kept and
    named). Exit 1 when a source could not be read or a file was kept.
    """
    from pipeline.commands import freshness

    ws = _workspace(config_path, out_dir, sources, "prune")
    out = ws.out
    items, problems = freshness.check(ws)
    for problem in problems:
        error(str(problem))
    with ws.lock() if out.is_dir() and not dry_run else contextlib.nullcontext():
        removed, kept = freshness.prune(ws, items, dry_run)
    # a damaged record proves nothing: nothing of it is removed, and it is named
    kept += [f"{i.detail}; nothing of it removed" for i in items if i.status == freshness.DAMAGED]
    for line in kept:
        error(line)
    orphans = sum(1 for i in items if i.status == freshness.ORPHAN)
    if as_json:
        report = {"output": display(out), "dry_run": dry_run, "orphans": orphans, "removed": [display(p) for p in removed]}
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for path in removed:
            say(("would remove " if dry_run else "removed ") + display(path), quiet_flag)
        say(
            f"{orphans} orphaned translation{'s' * (orphans != 1)}, {len(removed)} files {'to remove' if dry_run else 'removed'}",
            quiet_flag,
        )
    if problems or kept:
        sys.exit(int(ExitStatus.FILES_FAILED))
