"""pipeline translate"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from pipeline.cli.common import (
    ClickReporter,
    common_options,
    existing,
    language,
    load_config,
    options,
    out_option,
    quiet,
    reports_errors,
    say,
)
from pipeline.core.config import Config, bounds
from pipeline.core.errors import ExitStatus, exit_status_help
from pipeline.engines import registry
from pipeline.engines.argos_settings import ArgosConfig


class _Engines(click.Choice):
    """--engine's choices: the registry's when the option is parsed or shown, not when imported."""

    def __init__(self) -> None:
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        return registry.names()

    @choices.setter
    def choices(self, _value) -> None:
        pass  # click.Choice sets them once; here they are always read from the registry


_languages = options(
    click.option(
        "--to",
        "target",
        callback=language,
        metavar="LANG",
        help="Target language (any an installed or indexed package covers) [default: every other language in config.yaml `languages`].",
    ),
    click.option(
        "--from", "source", callback=language, metavar="LANG", help="Source language [default: front matter `lang:`, else detected]."
    ),
)
"""--to and --from, checked against the packages once the configuration is read (``_check_languages``)."""

_engine_options = options(
    click.option("--engine", type=_Engines(), help="Translation engine [default: argos]."),
    click.option(
        "--beam-size",
        type=click.IntRange(*bounds(ArgosConfig, "beam_size")),
        help="Beam size of the engine [default: its section's beam_size; argos.beam_size: 2].",
    ),
    click.option("--no-download", is_flag=True, help="Never download a missing model; fail instead."),
)
"""Which engine, its beam, whether it may download a model."""

_what_options = options(
    click.option("--strict", is_flag=True, help="Exit with status 4 when any segment is flagged."),
    click.option(
        "--retranslate-machine",
        is_flag=True,
        help="Translate again what another model version or other settings translated (editors' corrections are kept).",
    ),
    click.option("--dry-run", is_flag=True, help="Say what would be translated; write nothing, load no model."),
)
"""What the run does: fail on flags, translate again, or only say what it would do."""

_where_options = options(
    click.option("--cluster", metavar="ADDRESS", help="Decode on Ray: ray://HOST:PORT, auto or local [default: cluster, none]."),
    click.option(
        "--jobs", type=click.IntRange(*bounds(Config, "workers")), help="Processes reading and segmenting articles [default: workers, 1]."
    ),
)
"""Where the work is done: decoding on Ray, reading in processes."""


@click.command(epilog="Exit statuses:\n\n\b\n" + exit_status_help())
@click.argument("sources", nargs=-1, required=True, type=click.Path(), callback=existing)
@_languages
@out_option
@_engine_options
@_what_options
@_where_options
@common_options
@reports_errors
def translate(
    sources,
    target,
    source,
    out_dir,
    engine,
    beam_size,
    no_download,
    strict,
    retranslate_machine,
    dry_run,
    cluster,
    jobs,
    config_path,
    quiet_flag,
) -> None:
    """Translate the articles in SOURCES (files or folders, Markdown or text).

    For articles/news/kursk.md translated en->uk it writes, under the output folder,
    uk/news/kursk.md and bilingual/news/kursk.en-uk.html and .json.
    """
    from pipeline.commands import run

    config = _configured(load_config(config_path, glossary=True), engine, beam_size, jobs, cluster)
    _check_languages(config, source, target)
    request = run.Request(
        inputs=tuple(sources),
        out_dir=Path(out_dir) if out_dir else None,  # None: output.dir, which must lie inside the project
        target=target,
        source=source,
        allow_download=not no_download,
        retranslate_machine=retranslate_machine,
        dry_run=dry_run,
    )
    stats = run.translate(request, config, ClickReporter(quiet(quiet_flag)))
    if dry_run:
        say(f"would write {stats.articles} translations; {stats.translated} sentences need the engine; nothing was written", quiet_flag)
    else:
        say(stats.line(), quiet_flag)
    if stats.failed:
        sys.exit(int(ExitStatus.OUTPUT_ERROR if stats.unwritten else ExitStatus.FILES_FAILED))
    if strict and stats.all_flagged:
        sys.exit(int(ExitStatus.PROBLEMS))


def _configured(config: Config, engine: str | None, beam_size: int | None, jobs: int | None, cluster: str | None) -> Config:
    """config.yaml's settings with the command line's over them; --cluster checked as a setting."""
    if engine:
        config = dataclasses.replace(config, engine=engine)
    if beam_size:
        config = _with_beam(config, beam_size)
    if jobs:
        config = dataclasses.replace(config, workers=jobs)
    if cluster:
        config = dataclasses.replace(config, cluster=cluster)
        from pipeline.core import config as configuration

        configuration.validate(dataclasses.replace(config, source="--cluster"))  # status 2, before anything runs
    return config


def _with_beam(config: Config, beam_size: int) -> Config:
    """--beam-size sets the chosen engine's beam_size (checked against its own range), if it has one."""
    from pipeline.core import config as configuration
    from pipeline.engines import registry

    cls = registry.settings_class(config.engine)
    if cls is None or "beam_size" not in {f.name for f in dataclasses.fields(cls)}:
        raise click.UsageError(f"--beam-size: the {config.engine} engine has no beam size")
    config = config.with_section(config.engine, beam_size=beam_size)
    configuration.validate(dataclasses.replace(config, source="--beam-size"))  # status 2, before anything runs
    return config


def _check_languages(config: Config, source: str | None, target: str | None) -> None:
    """--from, --to and config.yaml's languages are ones a package covers, and --to has a locale
    (a usage error, status 2, before anything runs)."""
    if source and target and source == target:
        raise click.UsageError("--from and --to name the same language")
    from pipeline.core import languages

    languages.check(config, [target], "--to")
    if target:  # config.yaml's languages had their locales checked as it was read
        from pipeline.core import locales

        why = locales.problem(target, config.locales)
        if why:
            raise click.UsageError(f"--to {target}: {why}")
    languages.check(config, [source], "--from")
    languages.check(config, config.languages, f"{config.source or 'configuration'}: languages")
