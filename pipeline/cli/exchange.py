"""pipeline export | import"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.cli.common import ClickReporter, config_option, error, load_config, reports_errors
from pipeline.errors import ExitStatus, InputError

KINDS = ("xliff", "tmx", "po")


@click.command("export")
@click.argument("sources", nargs=-1, required=True, type=click.Path())
@click.option("--format", "kinds", type=click.Choice(KINDS), multiple=True, help="xliff (2.0), tmx (1.4) or po; repeat for several [default: all three].")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output folder of the translations [default: output.dir].")
@click.option("--dest", type=click.Path(file_okay=False), help="Where the files go [default: OUT/exchange].")
@click.option("--to", "target", type=click.Choice(["en", "uk"]), help="Only translations into this language.")
@config_option
@reports_errors
def export(sources, kinds, out_dir, dest, target, config_path) -> None:
    """Write the translations of SOURCES for editors: one file per article and format.

    Each sentence is one unit with a stable id; fix targets in any CAT tool or text editor and bring
    them back with `pipeline import`.
    """
    from pipeline import exchange

    config = load_config(config_path)
    out = Path(out_dir or config.output.dir)
    written = exchange.export(list(sources), out, config, kinds or KINDS, Path(dest) if dest else out / "exchange", target)
    for path in written:
        click.echo(str(path))
    if not written:
        error(f"no translations of {', '.join(sources)} in {out}; run `pipeline translate` first")
        sys.exit(int(ExitStatus.FILES_FAILED))


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output folder of the translations [default: output.dir].")
@config_option
@reports_errors
def import_(files, out_dir, config_path) -> None:
    """Bring editors' corrections back from FILES (XLIFF, TMX, PO, or the bilingual JSON).

    Every file is checked before anything is stored; a file with unknown segments, other languages
    or broken XML is refused whole. Corrected sentences become human translations, preferred over
    machine ones from then on, and the articles are written again with them.
    """
    import dataclasses

    from pipeline import exchange, run
    from pipeline.config import ENGINES

    config = load_config(config_path)
    out = Path(out_dir or config.output.dir)
    accepted = []
    failed = 0
    for file in files:
        try:
            accepted.append(exchange.accept(exchange.read_file(Path(file)), file, out, config))
        except InputError as e:
            error(str(e))
            failed += 1
    memory = run.open_memory(config)
    if memory is None:
        error("the translation memory is switched off (memory: null): corrections cannot be kept")
        sys.exit(int(ExitStatus.USAGE))
    with memory:
        exchange.store(accepted, memory)
    reporter = ClickReporter()
    for a in accepted:
        r = a.translation.record
        request = run.Request(
            inputs=(r.root,), out_dir=out, target=r.target_lang, source=r.source_lang,
            allow_download=False, only=frozenset({r.rel}),
        )
        # the engine that translated the article: its memory entries are the ones to reuse
        same_engine = dataclasses.replace(config, engine=r.engine) if r.engine in ENGINES else config
        stats = run.translate(request, same_engine, reporter)
        click.echo(f"{r.source}: {a.corrected} corrections imported, {r.article} written again")
        failed += stats.failed
    if failed:
        sys.exit(int(ExitStatus.FILES_FAILED))
