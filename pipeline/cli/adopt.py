"""pipeline adopt"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.cli.common import common_options, error, existing, language, load_config, out_option, quiet, reports_errors
from pipeline.core.errors import ExitStatus


@click.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(), callback=existing)
@click.option(
    "--translations",
    "translations",
    type=click.Path(file_okay=False),
    help="Where the existing translations are, laid out as output.article says [default: OUT].",
)
@out_option
@click.option(
    "--to", "target", callback=language, metavar="LANG", help="Language of the translations [default: uk; en for Ukrainian sources]."
)
@click.option(
    "--from", "source", callback=language, metavar="LANG", help="Language of the sources [default: front matter `lang:`, else detected]."
)
@click.option("--key", help="Pair articles by this front matter key (Hugo: translationKey) instead of by path.")
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1),
    default=None,
    help="Alignment confidence below which a pair is listed for review, not adopted [default: 0.9].",
)
@click.option("--dry-run", is_flag=True, help="Align and report; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report on stdout.")
@common_options
@reports_errors
def adopt(sources, translations, out_dir, target, source, key, threshold, dry_run, as_json, config_path, quiet_flag) -> None:
    """Record existing human translations of SOURCES in the output folder, sentence by sentence.

    Each article is paired with its translation (by path under --translations, as output.article
    lays it out, or by a front matter --key), their structures and then their sentences are
    aligned, and the translator's sentences become the article's human translations: `check`
    says fresh or stale from then on, and `translate` keeps them. The translations themselves are
    never changed. Pairs the alignment is not sure of are listed for review. Exit 1 when an
    article's structure differs from its translation's (it is reported, with where) or it failed.
    """
    from pipeline.commands import adopt as adopting
    from pipeline.evaluate.align import DEFAULT_THRESHOLD
    from pipeline.workspace import Workspace

    ws = Workspace.open(load_config(config_path, glossary=True), out_dir, sources)
    options = adopting.Options(
        Path(translations) if translations else None, target, source, key, DEFAULT_THRESHOLD if threshold is None else threshold, dry_run
    )
    outcomes, problems = adopting.adopt(ws, list(sources), options)
    for problem in problems:
        error(str(problem))
    if as_json:
        click.echo(adopting.to_json(outcomes))
    elif not quiet(quiet_flag):
        for o in outcomes:
            where = f" <- {o.translation}" if o.translation else ""
            if o.status == adopting.ADOPTED_OK:
                counts = f"{o.human} sentences adopted, {o.uncertain + o.unadopted} for review"
                click.echo(f"{o.status:<16} {o.target_lang}  {o.source}{where}: {counts}")
                for r in o.review:
                    click.echo(f"  review block {r.block} sentence {r.sentence}: {r.reason}\n    {r.source}\n    {r.target}")
            elif o.unwritten:  # an output that could not be written is an error, on stderr like every command's
                error(f"{o.source}: {o.detail}")
            else:
                click.echo(f"{o.status:<16} {o.target_lang}  {o.source}{where}: {o.detail}")
        totals = {s: sum(1 for o in outcomes if o.status == s) for s in dict.fromkeys(o.status for o in outcomes)}
        sentences = sum(o.human for o in outcomes), sum(o.uncertain + o.unadopted for o in outcomes)
        click.echo(", ".join(f"{n} {s}" for s, n in totals.items()) or "nothing to adopt", nl=False)
        click.echo(f"; {sentences[0]} sentences adopted, {sentences[1]} for review" + (" (dry run: nothing written)" if dry_run else ""))
    if any(o.unwritten for o in outcomes):
        sys.exit(int(ExitStatus.OUTPUT_ERROR))
    if problems or any(o.status in (adopting.DIVERGES, adopting.FAILED) for o in outcomes):
        sys.exit(int(ExitStatus.FILES_FAILED))
