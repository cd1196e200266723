"""pipeline export | import"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from pipeline.cli.common import ClickReporter, common_options, error, existing, load_config, output_folder, quiet, reports_errors, say
from pipeline.core.errors import ExitStatus, InputError, worst

KINDS = ("xliff", "tmx", "po")


@click.command("export")
@click.argument("sources", nargs=-1, required=True, type=click.Path(), callback=existing)
@click.option(
    "--format",
    "kinds",
    type=click.Choice(KINDS),
    multiple=True,
    help="xliff (2.0), tmx (1.4) or po; repeat for several [default: all three].",
)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output folder of the translations [default: output.dir].")
@click.option("--dest", type=click.Path(file_okay=False), help="Where the files go [default: OUT/exchange].")
@click.option(
    "--to", "target", metavar="LANG", callback=lambda ctx, param, v: v and v.strip().lower(), help="Only translations into this language."
)
@click.option("--json", "as_json", is_flag=True, help="Print the files written as JSON on stdout.")
@click.option("--force", is_flag=True, help="Replace exchange files that hold edits not imported yet.")
@common_options
@reports_errors
def export(sources, kinds, out_dir, dest, target, as_json, force, config_path, quiet_flag) -> None:
    """Write the translations of SOURCES for editors: one file per article and format.

    Each sentence is one unit with a stable id; fix targets in any CAT tool or text editor and bring
    them back with `pipeline import`. Prints the files written. An exchange file that holds edits not
    imported yet is never overwritten (it is named; --force replaces it). Exit 1 when SOURCES have
    no translation in OUT, or a file was not written.
    """
    from pipeline.commands import exchange
    from pipeline.workspace import Workspace

    config = load_config(config_path, glossary=True)
    output_folder(out_dir, config)  # it must exist
    ws = Workspace.open(config, out_dir, sources)
    out = ws.out
    written, problems = exchange.export(ws, None, kinds or KINDS, Path(dest) if dest else out / "exchange", target, force)
    for problem in problems:
        error(str(problem))
    if as_json:
        click.echo(json.dumps({"output": str(out), "written": [str(p) for p in written]}, ensure_ascii=False, indent=2))
    else:
        for path in written:
            say(str(path), quiet_flag)
    if problems:
        sys.exit(int(worst(p.status for p in problems)))
    if not written:
        error(f"no translations of {', '.join(sources)} in {out}; run `pipeline translate` first")
        sys.exit(int(ExitStatus.FILES_FAILED))


def _imported(file: str, applied=None, failure: str = "") -> dict:
    """One file's line of `import --json`."""
    if applied is None:
        return {"file": file, "article": None, "error": failure}
    a = applied.accepted
    return {
        "file": file,
        "article": a.translation.record.article,
        "corrected": a.corrected,
        "approved": a.approved,
        "conflicts": a.conflicts,
        "refused": a.refused,
        "written": applied.written,
        "problems": list(a.problems),
    }


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False), callback=existing)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output folder of the translations [default: output.dir].")
@click.option("--theirs", "choose", flag_value="theirs", help="In a conflict, take the file's version.")
@click.option("--ours", "choose", flag_value="ours", help="In a conflict, keep the translation's current version.")
@click.option("--editor", metavar="NAME", help="Who made the corrections, for each sentence's history [default: git config user.name].")
@click.option("--json", "as_json", is_flag=True, help="Print what each file brought as JSON on stdout.")
@common_options
@reports_errors
def import_(files, out_dir, choose, editor, as_json, config_path, quiet_flag) -> None:
    """Bring editors' corrections back from FILES (XLIFF, TMX, PO, or the bilingual JSON).

    A three-way merge: a sentence changed in the file becomes the editor's translation; one
    changed in the file and, since the export, in the translation too is a conflict (both versions
    are shown; nothing is stored unless --theirs or --ours says which wins). Sentences whose source
    changed since the export are refused one by one; the rest are taken. The articles are written
    again at once. Each change keeps who (--editor), when and the text it replaced in the record;
    with --ours, the file's version that lost is kept there too. Exit 1 when a file, a segment or a
    conflict was not taken.
    """
    from pipeline.commands import editing, exchange, importing
    from pipeline.core import paths
    from pipeline.workspace import Workspace

    config = load_config(config_path, glossary=True)
    output_folder(out_dir, config)  # it must exist
    ws = Workspace.open(config, out_dir)
    out = ws.out
    failed = unwritten = 0
    reporter = ClickReporter(quiet(quiet_flag))
    report = []
    who = editing.Editing(editing.editor_name(editor))
    with ws.lock():
        for file in files:
            try:
                applied = importing.apply(exchange.read_file(Path(file)), paths.shown(file), ws, choose, reporter, who)
            except InputError as e:
                error(str(e))
                failed += 1
                report.append(_imported(file, failure=e.reason))
                continue
            for problem in applied.accepted.problems:
                error(problem)
            failed += bool(applied.accepted.problems) + applied.failed
            unwritten += applied.unwritten
            report.append(_imported(file, applied))
            if not as_json:
                say(f"{file}: {applied.summary()}", quiet_flag)
    if as_json:
        click.echo(json.dumps({"output": str(out), "files": report}, ensure_ascii=False, indent=2))
    if failed:
        sys.exit(int(ExitStatus.OUTPUT_ERROR if unwritten else ExitStatus.FILES_FAILED))
