"""What every command shares: --config and -q, paths that must exist, error reporting, progress on stderr."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Any

import click

from pipeline.core.errors import ExitStatus, PipelineError
from pipeline.core.reporting import Reporter


def config_option(f):
    """--config, on the group and on each command (the command's wins)."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="Configuration file [default: config.yaml of the project: here or in a folder above].",
    )(f)


def options(*decorators):
    """Several click options as one named decorator; --help lists them in the order given."""

    def apply(f):
        for decorator in reversed(decorators):
            f = decorator(f)
        return f

    return apply


out_option = click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output folder [default: output.dir, translations].")
"""--out, for the commands that write or read the translations' output folder."""


def common_options(f):
    """--config and -q, accepted before the command (on the group) or after it."""
    return config_option(quiet_option(f))


class UsageLine(click.UsageError):
    """A usage error that is one line and needs no usage text (a path that does not exist)."""

    def show(self, file=None) -> None:
        error(self.format_message())


def existing(ctx, param, value):
    """Paths named on the command line must exist: one that does not is a usage error (2), on one
    line, before anything is read or written; a batch never starts with a typo in it."""
    from pipeline.core.paths import shown

    for given in value if isinstance(value, tuple) else (value,):
        if given is not None and not os.path.exists(given):
            why = "a broken symbolic link (or a link loop)" if os.path.lexists(given) else "no such file or folder"
            raise UsageLine(f"{shown(given)}: {why}", ctx)
    return value


def language(ctx, param, value):
    """A language code option, normalised ("de-DE" -> "de"); whether a package covers it is
    checked once the configuration is read."""
    if value is None:
        return None
    from pipeline.core.languages import normalise, well_formed

    code = normalise(value)
    if not well_formed(code):
        raise click.BadParameter(f"{value!r} is not a language code (en, uk, de...)")
    return code


def quiet_option(f):
    return click.option("-q", "--quiet", "quiet_flag", is_flag=True, default=False, help="Print errors only.")(f)


def _given(name: str):
    """An option as given nearest the command: on the command, else on a group above it."""
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        value = ctx.params.get(name)
        if value is not None and value is not False:
            return value
        ctx = ctx.parent
    return None


def load_config(path=None, glossary: bool = False):
    """The configuration, every setting checked; with ``glossary``, the glossaries too (for the
    commands that read articles): a mistake in either is one line and exit 2, before any article."""
    from pipeline.core import config

    loaded = config.load(path if path is not None else _given("config_path"))
    if glossary:
        from pipeline.localize import glossary as terms

        terms.load_checked(loaded)
    return loaded


def output_folder(out_dir: str | None, config) -> Path:
    """The output folder of translations a command works on, which must exist (status 2 if not)."""
    out = Path(out_dir or config.out_dir)
    if not out.is_dir():
        raise PipelineError(f"{out}: no output folder; run `pipeline translate` first", ExitStatus.USAGE)
    return out


def display(path: Path | str) -> str:
    """A path for the user: relative to the working directory when it is inside it (config.yaml's
    paths are absolute), else as it is."""
    absolute = os.path.abspath(path)
    here = os.getcwd()
    return os.path.relpath(absolute) if absolute.startswith(here + os.sep) else str(path)


def quiet(flag: bool = False) -> bool:
    return bool(flag or _given("quiet_flag"))


def say(message: str, flag: bool = False) -> None:
    """Normal output on stdout, unless -q."""
    if not quiet(flag):
        click.echo(message)


def error(message: str) -> None:
    click.echo(f"pipeline: error: {message}", err=True)


def reports_errors(f):
    """Turn PipelineErrors into one line on stderr and their exit status; never a traceback."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except PipelineError as e:
            error(str(e))
            sys.exit(int(e.status))
        except click.ClickException:  # a bad command line found by the command itself: the group reports it
            raise
        except KeyboardInterrupt:
            error("interrupted; files already written are complete, nothing is half-written")
            sys.exit(int(ExitStatus.INTERRUPTED))
        except Exception as e:  # a bug: one line for the user, the traceback on request
            if os.environ.get("PIPELINE_DEBUG"):
                raise
            error(f"internal error: {type(e).__name__}: {e} (PIPELINE_DEBUG=1 shows the traceback)")
            sys.exit(int(ExitStatus.INTERNAL))

    return wrapper


class ClickReporter(Reporter):
    """Errors and notices on stderr; progress bars only when stderr is a terminal; -q: errors only."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty() and not quiet
        self.bar: Any = None  # click's progress bars, while one is shown
        self.download_bar: Any = None
        self.downloaded = 0

    def _clear(self) -> None:
        if self.tty and (self.bar or self.download_bar):
            click.echo("\r\x1b[K", err=True, nl=False)

    def error(self, message: str) -> None:
        self._clear()
        error(message)

    def notice(self, message: str) -> None:
        if self.quiet:
            return
        self._clear()
        click.echo(f"pipeline: {message}", err=True)

    def output(self, message: str) -> None:
        if not self.quiet:
            self._clear()
            click.echo(message)

    def begin(self, total: int) -> None:
        if self.tty and total:
            self.bar = click.progressbar(length=total, label="translating", file=sys.stderr, show_pos=True)
            self.bar.__enter__()

    def advance(self, n: int = 1) -> None:
        if self.bar:
            self.bar.update(n)

    def end(self) -> None:
        if self.bar:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def download(self, label: str, done: int, total: int | None) -> None:
        if self.quiet:
            return
        if self.download_bar is None and self.downloaded == 0:
            size = f" ({total / 1e6:.0f} MB)" if total else ""
            click.echo(f"pipeline: downloading {label}{size}", err=True)
            if self.tty and total:
                self.download_bar = click.progressbar(length=total, label=label, file=sys.stderr)
                self.download_bar.__enter__()
        if self.download_bar:
            self.download_bar.update(done - self.downloaded)
        self.downloaded = done
        if total is not None and done >= total:
            if self.download_bar:
                self.download_bar.__exit__(None, None, None)
            self.download_bar = None
            self.downloaded = 0
