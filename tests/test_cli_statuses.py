"""Every command's exit statuses, as pipeline/core/errors.py (and README) define them: one row per
status per command, each failure one line on stderr. The project is real (pseudo engine, real
files, a real flock held by another open file); only the bugs and interruptions (70, 130) are
made by replacing the one library function a command calls."""

from __future__ import annotations

import fcntl
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest

from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from tests.conftest import EXAMPLES
from tests.test_run import ARTICLE

OK, FAILED, USAGE, NO_MODEL, PROBLEMS, NOT_FRESH, OUTPUT, BUSY, BUG, INTERRUPTED = (
    ExitStatus.OK,
    ExitStatus.FILES_FAILED,
    ExitStatus.USAGE,
    ExitStatus.NO_MODEL,
    ExitStatus.PROBLEMS,
    ExitStatus.NOT_FRESH,
    ExitStatus.OUTPUT_ERROR,
    ExitStatus.BUSY,
    ExitStatus.INTERNAL,
    ExitStatus.INTERRUPTED,
)
XLF = "translations/exchange/a.en-uk.xlf"
OTEL = "blog/2026/otel-graduates.md"  # a real post and its human translation (examples/otel-blog)


@pytest.fixture(scope="session")
def template(tmp_path_factory, package_files) -> Path:
    """A project translated once (config.yaml in its root says pseudo, output folder `translations`;
    the translation itself is made with the suite's copy model, as pseudo output is never fresh),
    exported to XLIFF; each test works on a copy."""
    root = tmp_path_factory.mktemp("statuses")
    (root / "src").mkdir()
    (root / "src/a.md").write_text(ARTICLE)
    (root / "config.yaml").write_text("engine: pseudo\n")
    for lang in ("en", "uk"):
        (root / "otel" / lang / "blog").mkdir(parents=True)
        shutil.copy(EXAMPLES / "otel-blog" / lang / OTEL, root / "otel" / lang / "blog")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setenv("ARGOS_PACKAGES_DIR", str(root / "packages"))
        from click.testing import CliRunner

        install = ["models", "install", str(package_files["en_uk"]), str(package_files["uk_en"])]
        for argv in (install, ["translate", "src", "--engine", "argos"], ["export", "src", "--format", "xliff"]):
            result = CliRunner().invoke(main, argv)
            assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def project(template, argos_env, tmp_path, monkeypatch) -> Path:
    root = tmp_path / "project"
    shutil.copytree(template, root, symlinks=True)
    monkeypatch.chdir(root)
    return root


# --- what a row does to the project before the command runs ---------------------------------------


def stale(p: Path, mp) -> None:
    (p / "src/a.md").write_text(ARTICLE + "\nA paragraph added since.\n")


def bad_article(p: Path, mp) -> None:
    (p / "src/bad.md").write_bytes(b"\xff\xfe\x00 not UTF-8")


def flagged(p: Path, mp) -> None:  # the pseudo engine keeps English words: a glossary term is missed
    (p / "locales/uk").mkdir(parents=True)
    (p / "locales/uk/glossary.yaml").write_text(
        "terms:\n  - {source: Kursk operation, target: Курська операція, forms: [Курської операції]}\n"
    )


def file_at(rel: str):
    def setup(p: Path, mp) -> None:
        target = p / rel
        if target.is_dir():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("a file where a folder must go\n")

    return setup


def folder_at(rel: str):
    def setup(p: Path, mp) -> None:
        (p / rel).mkdir(parents=True)

    return setup


def corrected(p: Path, mp) -> None:
    xlf = p / XLF
    xlf.write_text(xlf.read_text().replace("<target>", "<target>ВИПРАВЛЕНО ", 1))


def unwritable_folder(p: Path, mp) -> None:  # as root chmod does not stop unlink: the filesystem says no
    def refuse(path, *, dir_fd=None):
        raise OSError(30, "Read-only file system")

    mp.setattr(os, "unlink", refuse)


def untranslated(p: Path, mp) -> None:  # "the translation" is a copy of the source
    shutil.copy(p / "otel/en/blog" / Path(OTEL).name, p / "otel/uk/blog" / Path(OTEL).name)


def orphan(p: Path, mp) -> None:
    (p / "src/a.md").unlink()


def with_package(p: Path, mp) -> None:
    """Marks a row whose command needs a real package installed first (see run)."""


HELD: list[int] = []


def busy(p: Path, mp) -> None:
    """Another process's lock: flock is per open file, so another open file of the folder conflicts."""
    fd = os.open(p / "translations", os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    HELD.append(fd)


def raising(module: str, name: str, exc: type[BaseException]):
    def setup(p: Path, mp) -> None:
        import importlib

        def broken(*args, **kwargs):
            raise exc("boom") if exc is not KeyboardInterrupt else exc()

        mp.setattr(importlib.import_module(module), name, broken)

    return setup


@dataclass(frozen=True)
class Case:
    argv: tuple[str, ...]
    status: ExitStatus
    stderr: str = ""  # a part of the one line on stderr (failures)
    setups: tuple = field(default=())

    @property
    def command(self) -> str:
        return " ".join(self.argv[:2]) if self.argv[0] == "models" else self.argv[0]


def case(*argv: str, status=OK, stderr: str = "", setups=()) -> Case:
    return Case(argv, status, stderr, tuple(setups))


RUN = "pipeline.commands.run"
FRESHNESS = "pipeline.commands.freshness"
EXCHANGE = "pipeline.commands.exchange"
IMPORTING = "pipeline.commands.importing"
PACKAGES = "pipeline.engines.packages"
ADOPT_OTEL = ("adopt", "otel/en", "--translations", "otel", "--out", "adopted")

CASES = [
    # translate
    case("translate", "src"),
    case("translate", "src", "nosuch/", status=USAGE, stderr="nosuch/: no such file or folder"),
    case("translate", status=USAGE, stderr="Missing argument 'SOURCES...'"),
    case("translate", "src", "--from", "en", "--to", "en", status=USAGE, stderr="--from and --to name the same language"),
    case("translate", "src", "--engine", "nope", status=USAGE, stderr="'nope' is not one of"),
    case("translate", "src", status=FAILED, stderr="src/bad.md", setups=[bad_article]),
    case("translate", "src", "--engine", "argos", "--no-download", status=NO_MODEL, stderr="--engine pseudo", setups=[stale]),
    case("translate", "src", "--strict", "--out", "fresh", status=PROBLEMS, setups=[flagged]),
    case("translate", "src", "--out", "o", status=OUTPUT, stderr="o/uk is a file, not a folder", setups=[file_at("o/uk")]),
    case("translate", "src", status=BUSY, stderr="another run is writing", setups=[stale, busy]),
    case(
        "translate",
        "src",
        status=BUG,
        stderr="internal error: ZeroDivisionError: boom",
        setups=[raising(RUN, "translate", ZeroDivisionError)],
    ),
    case("translate", "src", status=INTERRUPTED, stderr="interrupted", setups=[raising(RUN, "translate", KeyboardInterrupt)]),
    # check
    case("check"),
    case("check", "src"),
    case("check", "nosuch/", status=USAGE, stderr="nosuch/: no such file or folder"),
    case("check", "--out", "elsewhere", status=USAGE, stderr="elsewhere: no output folder"),
    case("check", "src", "--out", "elsewhere", status=USAGE, stderr="elsewhere: no output folder"),
    case("check", "--json", "--format", "junit", status=USAGE, stderr="two reports"),
    case("check", status=NOT_FRESH, setups=[stale]),
    case("check", status=NOT_FRESH, stderr="src/bad.md", setups=[bad_article]),
    case("check", status=BUG, stderr="internal error", setups=[raising(FRESHNESS, "check", ZeroDivisionError)]),
    case("check", status=INTERRUPTED, stderr="interrupted", setups=[raising(FRESHNESS, "check", KeyboardInterrupt)]),
    # prune
    case("prune"),
    case("prune", "src", "--dry-run"),
    case("prune", "nosuch/", status=USAGE, stderr="nosuch/: no such file or folder"),
    case("prune", "--out", "elsewhere", status=USAGE, stderr="elsewhere: no output folder"),
    case("prune", "src", "--out", "elsewhere", status=USAGE, stderr="elsewhere: no output folder"),
    case("prune", status=FAILED, stderr="src/bad.md", setups=[bad_article]),
    case("prune", "src", status=OUTPUT, stderr="cannot remove: Read-only file system", setups=[orphan, unwritable_folder]),
    case("prune", status=BUSY, stderr="another run is writing", setups=[busy]),
    case("prune", status=BUG, stderr="internal error", setups=[raising(FRESHNESS, "check", ZeroDivisionError)]),
    case("prune", status=INTERRUPTED, stderr="interrupted", setups=[raising(FRESHNESS, "check", KeyboardInterrupt)]),
    # export
    case("export", "src"),
    case("export", "nosuch/", status=USAGE, stderr="nosuch/: no such file or folder"),
    case("export", status=USAGE, stderr="Missing argument 'SOURCES...'"),
    case("export", "src", "--out", "elsewhere", status=USAGE, stderr="elsewhere: no output folder"),
    case("export", "src", "--format", "docx", status=USAGE, stderr="'docx' is not one of"),
    case("export", "otel/en", status=FAILED, stderr="no translations of otel/en"),
    case("export", "src", "--dest", "d", status=OUTPUT, stderr="Is a directory", setups=[folder_at("d/a.en-uk.xlf")]),
    case("export", "src", status=BUG, stderr="internal error", setups=[raising(EXCHANGE, "export", ZeroDivisionError)]),
    case("export", "src", status=INTERRUPTED, stderr="interrupted", setups=[raising(EXCHANGE, "export", KeyboardInterrupt)]),
    # import
    case("import", XLF, setups=[corrected]),
    case("import", "nosuch.xlf", status=USAGE, stderr="nosuch.xlf: no such file or folder"),
    case("import", status=USAGE, stderr="Missing argument 'FILES...'"),
    case("import", XLF, "--out", "elsewhere", status=USAGE, stderr="elsewhere: no output folder"),
    case("import", "src/a.md", status=FAILED, stderr="src/a.md"),
    case("import", XLF, status=OUTPUT, stderr="is a file, not a folder", setups=[corrected, file_at("translations/bilingual")]),
    case("import", XLF, status=BUSY, stderr="another run is writing", setups=[corrected, busy]),
    case("import", XLF, status=BUG, stderr="internal error", setups=[raising(IMPORTING, "apply", ZeroDivisionError)]),
    case("import", XLF, status=INTERRUPTED, stderr="interrupted", setups=[raising(IMPORTING, "apply", KeyboardInterrupt)]),
    # adopt
    case(*ADOPT_OTEL),
    case("adopt", "nosuch/", status=USAGE, stderr="nosuch/: no such file or folder"),
    case("adopt", "src", "--threshold", "2", status=USAGE, stderr="--threshold"),
    case(*ADOPT_OTEL, status=FAILED, setups=[untranslated]),
    case(*ADOPT_OTEL, status=OUTPUT, stderr="adopted/uk is a file, not a folder", setups=[file_at("adopted/uk")]),
    case("adopt", "otel/en", "--translations", "otel", status=BUSY, stderr="another run is writing", setups=[busy]),
    case(*ADOPT_OTEL, status=BUG, stderr="internal error", setups=[raising("pipeline.commands.adopt", "adopt", ZeroDivisionError)]),
    case(*ADOPT_OTEL, status=INTERRUPTED, stderr="interrupted", setups=[raising("pipeline.commands.adopt", "adopt", KeyboardInterrupt)]),
    # review (its running server: tests/test_review_app.py)
    case("review", "nosuch/", "--no-browser", status=USAGE, stderr="nosuch/: no such file or folder"),
    case("review", "--out", "elsewhere", "--no-browser", status=USAGE, stderr="elsewhere: no output folder"),
    case("review", "--port", "70000", status=USAGE, stderr="--port"),
    case(
        "review",
        "--no-browser",
        status=BUG,
        stderr="internal error",
        setups=[raising("pipeline.review.project", "Project", ZeroDivisionError)],
    ),
    case(
        "review",
        "--no-browser",
        status=INTERRUPTED,
        stderr="interrupted",
        setups=[raising("pipeline.review.project", "Project", KeyboardInterrupt)],
    ),
    # evaluate
    case("evaluate", "translations/uk", "--reference", "translations/uk"),
    case("evaluate", "nosuch/", "--reference", "translations/uk", status=USAGE, stderr="nosuch/: no such file or folder"),
    case("evaluate", "translations/uk", "--reference", "nosuch/", status=USAGE, stderr="nosuch/: no such file or folder"),
    case("evaluate", "translations/uk", status=USAGE, stderr="Missing option '--reference'"),
    case("evaluate", "otel/en", "--reference", "translations/uk", status=USAGE, stderr="no article of otel/en has a reference"),
    case(
        "evaluate",
        "src",
        "--reference",
        "src",
        status=BUG,
        stderr="internal error",
        setups=[raising("pipeline.evaluate.scores", "evaluate_system", ZeroDivisionError)],
    ),
    case(
        "evaluate",
        "src",
        "--reference",
        "src",
        status=INTERRUPTED,
        stderr="interrupted",
        setups=[raising("pipeline.evaluate.scores", "evaluate_system", KeyboardInterrupt)],
    ),
    # models
    case("models", "list"),
    case("models", "list", "extra", status=USAGE, stderr="Got unexpected extra argument (extra)"),
    case("models", "list", "--available", status=NO_MODEL, stderr="cannot read the package index"),
    case("models", "list", status=BUG, stderr="internal error", setups=[raising(PACKAGES, "scan", ZeroDivisionError)]),
    case("models", "list", status=INTERRUPTED, stderr="interrupted", setups=[raising(PACKAGES, "scan", KeyboardInterrupt)]),
    case("models", "install", "PACKAGE"),
    case(
        "models",
        "install",
        status=NO_MODEL,
        stderr="`pipeline models install FILE.argosmodel`; or check layouts without a model: `pipeline translate --engine pseudo`",
    ),
    case("models", "install", "nosuch.argosmodel", status=USAGE, stderr="nosuch.argosmodel: no such file"),
    case("models", "install", "en", "en", status=USAGE, stderr="SOURCE and TARGET name the same language"),
    case("models", "install", "src/a.md", status=FAILED, stderr="not an Argos package"),
    case(
        "models", "install", "src/a.md", status=BUG, stderr="internal error", setups=[raising(PACKAGES, "install_file", ZeroDivisionError)]
    ),
    case(
        "models",
        "install",
        "src/a.md",
        status=INTERRUPTED,
        stderr="interrupted",
        setups=[raising(PACKAGES, "install_file", KeyboardInterrupt)],
    ),
    case("models", "remove", "en-uk", setups=[with_package]),
    case("models", "remove", "en-uk", status=USAGE, stderr="no installed package called 'en-uk'"),
    case("models", "remove", status=USAGE, stderr="Missing argument 'NAMES...'"),
    case("models", "remove", "x", status=BUG, stderr="internal error", setups=[raising(PACKAGES, "remove", ZeroDivisionError)]),
    case("models", "remove", "x", status=INTERRUPTED, stderr="interrupted", setups=[raising(PACKAGES, "remove", KeyboardInterrupt)]),
]


def leaf_commands(group: click.Group = main, prefix: str = "") -> dict[str, click.Command]:
    found = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.update(leaf_commands(command, f"{prefix}{name} "))
        else:
            found[f"{prefix}{name}"] = command
    return found


def run(runner, project: Path, monkeypatch, c: Case, request, argv=None):
    argv = list(argv or c.argv)
    if "PACKAGE" in argv or with_package in c.setups:  # genuine package files, built once a session
        package = str(request.getfixturevalue("package_files")["en_uk"])
        argv = [package if a == "PACKAGE" else a for a in argv]
        if with_package in c.setups:
            assert runner.invoke(main, ["models", "install", package]).exit_code == 0
    for setup in c.setups:
        setup(project, monkeypatch)
    try:
        return runner.invoke(main, argv)
    finally:
        while HELD:
            os.close(HELD.pop())


@pytest.mark.parametrize("c", CASES, ids=[f"{c.command}-{int(c.status)}-{' '.join(c.argv[1:])[:40]}" for c in CASES])
def test_exit_status(c: Case, project, runner, monkeypatch, request):
    result = run(runner, project, monkeypatch, c, request)
    assert result.exit_code == c.status, result.output
    assert "Traceback" not in result.output
    if c.stderr:
        (line,) = result.stderr.splitlines()  # one line, whatever went wrong
        assert line.startswith("pipeline: error: ") and c.stderr in line


def test_every_command_has_a_row_for_success_usage_bugs_and_interruptions():
    for name in leaf_commands():
        statuses = {c.status for c in CASES if c.command == name}
        assert {USAGE, BUG, INTERRUPTED} <= statuses, name
        assert OK in statuses or name == "review", name  # review's running server: tests/test_review_app.py


BAD = {
    "unknown option": (lambda argv: [*argv, "--bogus"], "No such option '--bogus'"),
    "no such --config before": (lambda argv: ["--config", "nosuch.yaml", *argv], "nosuch.yaml: no such configuration file"),
    "bad --config after": (lambda argv: [*argv, "--config", "bad.yaml"], "bad.yaml: engine: 'nope' is not one of"),
}
GOOD = {c.command: c for c in CASES if c.status == OK}


@pytest.mark.parametrize("kind", BAD)
@pytest.mark.parametrize("name", sorted(GOOD))
def test_every_kind_of_bad_argument_is_one_line_and_status_2(name, kind, project, runner, monkeypatch, request):
    (project / "bad.yaml").write_text("engine: nope\n")
    make, expected = BAD[kind]
    result = run(runner, project, monkeypatch, GOOD[name], request, make(GOOD[name].argv))
    assert result.exit_code == USAGE, result.output
    (line,) = result.stderr.splitlines()
    assert expected in line and result.stdout == ""


def test_every_command_takes_quiet_and_config_before_or_after_it():
    for name, command in leaf_commands().items():
        assert {"quiet_flag", "config_path"} <= {p.name for p in command.params}, name


@pytest.mark.parametrize("where", ["before", "after"])
@pytest.mark.parametrize("name", sorted(GOOD))
def test_quiet_prints_nothing_on_success(name, where, project, runner, monkeypatch, request):
    c = GOOD[name]
    argv = ["-q", *c.argv] if where == "before" else [*c.argv, "-q"]
    result = run(runner, project, monkeypatch, c, request, argv)
    assert result.exit_code == OK, result.output
    assert result.stdout == "" and result.stderr == ""
