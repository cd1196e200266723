"""pipeline models list | install | remove"""

from __future__ import annotations

import json

import click

from pipeline.cli.common import ClickReporter, UsageLine, common_options, load_config, quiet, reports_errors, say
from pipeline.core.errors import ExitStatus, PipelineError
from pipeline.engines import argos_settings

DIRECTIONS = (("en", "uk"), ("uk", "en"))

# The ways on when the index or a download fails (offline, say), as `translate` names them
OFFLINE_STEPS = (
    "install a package file copied from a machine that has it: `pipeline models install FILE.argosmodel`; "
    "or check layouts without a model: `pipeline translate --engine pseudo`"
)


@click.group()
@common_options
def models(config_path, quiet_flag) -> None:
    """Manage the Argos Translate packages (models), for any pair the package index offers.

    Packages live in $ARGOS_PACKAGES_DIR, else argos.packages_dir in config.yaml, else the Argos
    library's folder; the index is $ARGOS_PACKAGE_INDEX, else argos.package_index, else the
    official argospm index.
    """


def _listed(p) -> dict:
    return {"from": p.from_code, "to": p.to_code, "name": p.name, "version": p.version, "path": str(p.path)}


@models.command("list")
@click.option("--available", is_flag=True, help="Also list every pair the package index offers (network).")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON on stdout.")
@common_options
@reports_errors
def list_(available, as_json, config_path, quiet_flag) -> None:
    """List installed packages (and the en/uk directions that have none)."""
    from pipeline.engines import packages

    config = argos_settings.of(load_config(config_path))
    scanned = packages.scan(config, deep=True)  # damaged ones too: shown as such, never used
    present = [p for p in scanned if not p.problem]
    damaged = [p for p in scanned if p.problem]
    missing = [(s, t) for s, t in DIRECTIONS if not any((p.from_code, p.to_code) == (s, t) for p in scanned)]
    offered = []
    if available:
        index = sorted(packages.fetch_index(config), key=lambda p: (p.from_code or "", p.to_code or ""))
        offered = [p for p in index if p.type == "translate" and p.from_code and p.to_code]
    if as_json:
        report = {
            "packages_dir": str(packages.packages_dir(config)),
            "installed": [_listed(p) for p in present],
            "damaged": [{**_listed(p), "problem": p.problem} for p in damaged],
            "not_installed": [{"from": s, "to": t} for s, t in missing],
        }
        if available:
            report["index"] = packages.index_url(config)
            report["available"] = [{"from": p.from_code, "to": p.to_code, "name": p.code, "version": p.package_version} for p in offered]
        click.echo(json.dumps(report, indent=2))
        return
    say(f"packages folder: {packages.packages_dir(config)}", quiet_flag)
    for p in scanned:
        direction = f"{p.from_code}->{p.to_code}" if p.from_code else "?->?"  # ?: its metadata cannot be read
        say(f"  {direction}  {p.label}  {p.path}" + (f"  DAMAGED: {p.problem}" if p.problem else ""), quiet_flag)
    if damaged:
        say("  damaged packages cannot be used: remove them (`pipeline models remove NAME`) and install them again", quiet_flag)
    for s, t in missing:
        say(f"  {s}->{t}  not installed ({packages.install_hint(s, t).split('; ')[1]})", quiet_flag)
    if available:
        say(f"index: {packages.index_url(config)}", quiet_flag)
        for p in offered:
            say(f"  {p.from_code}->{p.to_code}  {p.code or ''} {p.package_version}", quiet_flag)


@models.command()
@click.argument("files", nargs=-1)
@common_options
@reports_errors
def install(files, config_path, quiet_flag) -> None:
    """Install packages: FILES (.argosmodel); or SOURCE TARGET (two language codes: what that
    direction needs, through English when no package is direct); or with none, en->uk and uk->en
    from the package index (network). Offline, exit 3 with the ways on."""
    from pathlib import Path

    from pipeline.core import languages
    from pipeline.engines import packages

    full = load_config(config_path)
    config = argos_settings.of(full)
    directions: tuple[tuple[str, str], ...] = DIRECTIONS
    if len(files) == 2 and not any(Path(f).exists() or f.endswith(".argosmodel") for f in files):
        source, target = (languages.normalise(f) for f in files)
        if source == target:
            raise click.UsageError("SOURCE and TARGET name the same language")
        languages.check(full, [source, target], "models install")
        directions = languages.route(full, source, target, argos_settings.NAME)  # its packages, whatever `engine:` is
    elif files:
        for file in files:
            if not Path(file).exists():
                raise UsageLine(f"{file}: no such file (give package files, FILE.argosmodel, or two language codes, SOURCE TARGET)")
        for file in files:
            pkg = packages.install_file(file, config)
            say(f"installed {pkg.label} ({pkg.from_code}->{pkg.to_code}) in {pkg.path}", quiet_flag)
        return
    try:
        _download(directions, config, quiet(quiet_flag))
    except PipelineError as e:
        if e.status != ExitStatus.NO_MODEL:
            raise
        raise PipelineError(f"{e}; {OFFLINE_STEPS}", ExitStatus.NO_MODEL) from None


def _download(directions, config, quiet_flag: bool) -> None:
    """The index's package for each direction not installed yet, downloaded and installed."""
    from pipeline.engines import packages

    reporter = ClickReporter(quiet_flag)
    for s, t in directions:
        try:
            found = packages.find(config, s, t)
        except packages.DamagedPackage as e:  # installed again below: the same version replaces it
            if not quiet_flag:
                click.echo(f"{s}->{t}: {e.folder.name} is damaged ({e.why}); installing it again", err=True)
            found = None
        if found:
            say(f"{s}->{t}: {found.label} is already installed", quiet_flag)
            continue
        available = packages.available_for(config, s, t)
        label = f"{s}->{t} model"

        def progress(done: int, total: int | None, label: str = label) -> None:
            reporter.download(label, done, total)

        path = packages.download(available, progress)
        try:
            pkg = packages.install_file(path, config)
        finally:  # a refused download never stays in the cache
            path.unlink(missing_ok=True)
        say(f"installed {pkg.label} ({s}->{t}) in {pkg.path}", quiet_flag)


@models.command()
@click.argument("names", nargs=-1, required=True)
@common_options
@reports_errors
def remove(names, config_path, quiet_flag) -> None:
    """Remove installed packages, by name (translate-en_uk) or direction (en-uk)."""
    from pipeline.engines import packages

    for pkg in packages.remove(argos_settings.of(load_config(config_path)), list(names)):
        say(f"removed {pkg.label} ({pkg.path})", quiet_flag)
