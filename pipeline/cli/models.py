"""pipeline models list | install | remove"""

from __future__ import annotations

import click

from pipeline.cli.common import ClickReporter, config_option, load_config, reports_errors

DIRECTIONS = (("en", "uk"), ("uk", "en"))


@click.group()
def models() -> None:
    """Manage the Argos Translate packages (models), for any pair the package index offers.

    Packages live in $ARGOS_PACKAGES_DIR, else argos.packages_dir in config.yaml, else the Argos
    library's folder; the index is $ARGOS_PACKAGE_INDEX, else argos.package_index, else the
    official argospm index.
    """


@models.command("list")
@click.option("--available", is_flag=True, help="Also list every pair the package index offers (network).")
@config_option
@reports_errors
def list_(available, config_path) -> None:
    """List installed packages."""
    from pipeline.engines import packages

    config = load_config(config_path).argos
    click.echo(f"packages folder: {packages.packages_dir(config)}")
    present = packages.scan(config, deep=True)
    for p in present:
        direction = f"{p.from_code}->{p.to_code}" if p.from_code else "?->?"
        click.echo(f"  {direction}  {p.label}  {p.path}" + (f"  DAMAGED: {p.problem}" if p.problem else ""))
    if any(p.problem for p in present):
        click.echo("  damaged packages cannot be used: remove them (`pipeline models remove NAME`) and install them again")
    for s, t in DIRECTIONS:
        if not any((p.from_code, p.to_code) == (s, t) for p in present):
            click.echo(f"  {s}->{t}  not installed ({packages.install_hint(s, t).split('; ')[1]})")
    if available:
        click.echo(f"index: {packages.index_url(config)}")
        for p in sorted(packages.fetch_index(config), key=lambda p: (p.from_code or "", p.to_code or "")):
            if p.type == "translate" and p.from_code and p.to_code:
                click.echo(f"  {p.from_code}->{p.to_code}  {p.code or ''} {p.package_version}")


@models.command()
@click.argument("files", nargs=-1)
@config_option
@reports_errors
def install(files, config_path) -> None:
    """Install packages: FILES (.argosmodel); or SOURCE TARGET (two language codes: what that
    direction needs, through English when no package is direct); or with none, en->uk and uk->en."""
    from pathlib import Path

    from pipeline.core import languages
    from pipeline.engines import packages

    full = load_config(config_path)
    config = full.argos
    reporter = ClickReporter()
    directions: tuple[tuple[str, str], ...] = DIRECTIONS
    if len(files) == 2 and not any(Path(f).exists() or f.endswith(".argosmodel") for f in files):
        source, target = (languages.normalise(f) for f in files)
        if source == target:
            raise click.UsageError("SOURCE and TARGET name the same language")
        languages.check(full, [source, target], "models install")
        directions = languages.route(full, source, target)
    elif files:
        for file in files:
            pkg = packages.install_file(file, config)
            click.echo(f"installed {pkg.label} ({pkg.from_code}->{pkg.to_code}) in {pkg.path}")
        return
    for s, t in directions:
        try:
            found = packages.find(config, s, t)
        except packages.DamagedPackage as e:  # installed again below: the same version replaces it
            click.echo(f"{s}->{t}: {e.folder.name} is damaged ({e.why}); installing it again", err=True)
            found = None
        if found:
            click.echo(f"{s}->{t}: {found.label} is already installed")
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
        click.echo(f"installed {pkg.label} ({s}->{t}) in {pkg.path}")


@models.command()
@click.argument("names", nargs=-1, required=True)
@config_option
@reports_errors
def remove(names, config_path) -> None:
    """Remove installed packages, by name (translate-en_uk) or direction (en-uk)."""
    from pipeline.engines import packages

    for pkg in packages.remove(load_config(config_path).argos, list(names)):
        click.echo(f"removed {pkg.label} ({pkg.path})")
