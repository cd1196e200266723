"""config.yaml, its settings and the glossaries as a hostile pull request would write them: each
refused with exit 2 and one line naming the file (and the setting or entry), at once."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest

from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from tests.conftest import ROOT

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")
)
DEEP = "[" * 200_000 + "]" * 200_000 + "\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project translated by the pseudo engine (no model): two articles, no memory."""
    (tmp_path / ".git").mkdir()  # the search for config.yaml stops here
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.md").write_text("The first article. It has two sentences.\n")
    (tmp_path / "src" / "b.md").write_text("The second article.\n")
    (tmp_path / "config.yaml").write_text("engine: pseudo\nmemory: null\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cli(project, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """The CLI in a process of its own: a regression that hangs fails the test, not the suite."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=project, capture_output=True, text=True, timeout=timeout, env=env)


def one_line(stderr: str, starts: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"pipeline: error: {starts}"), stderr
    assert "internal error" not in lines[0] and "Traceback" not in stderr
    return lines[0]


def plant(path, kind: str) -> None:
    """The real thing: a FIFO, a link to /dev/zero, a 1.3 GB sparse file, an alias bomb, 200,000 brackets."""
    path.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "sparse":
        with open(path, "wb") as f:
            f.truncate(1_300_000_000)
    elif kind == "alias-bomb":
        path.write_text(ALIAS_BOMB)
    elif kind == "deep":
        path.write_text(DEEP)
    elif kind == "latin1":
        path.write_bytes(b"engine: caf\xe9\n")


REASONS = {
    "fifo": "not a regular file (a FIFO)",
    "dev-zero": "not a regular file (a character device)",
    "sparse": "too large (1300.0 MB; the limit is 1.0 MB)",
    "alias-bomb": "is refused: its aliases expand to more than 10,000 extra nodes (line 5; a YAML alias bomb?)",
    "deep": "is not valid YAML",
    "latin1": "not UTF-8 (invalid byte at offset 11)",
}


@pytest.mark.parametrize("kind", list(REASONS))
def test_a_hostile_config_yaml_is_one_line(project, kind):
    plant(project / "config.yaml", kind)
    out = cli(project, "check", "src")
    assert out.returncode == ExitStatus.USAGE
    assert REASONS[kind] in one_line(out.stderr, f"{project / 'config.yaml'}: ")


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "sparse"])
def test_a_hostile_file_given_with_config_is_one_line(project, kind):
    plant(project / "other.yaml", kind)
    out = cli(project, "--config", "other.yaml", "check", "src")
    assert out.returncode == ExitStatus.USAGE and REASONS[kind] in one_line(out.stderr, "other.yaml: ")


@pytest.mark.parametrize("kind", list(REASONS))
def test_a_hostile_glossary_is_one_line_before_any_article(project, kind):
    (project / "locales" / "uk").mkdir(parents=True)
    glossary = project / "locales" / "uk" / "glossary.yaml"
    plant(glossary, kind)
    out = cli(project, "translate", "src")
    assert out.returncode == ExitStatus.USAGE
    assert REASONS[kind] in one_line(out.stderr, f"{glossary}: ")
    assert not (project / "translations").exists()  # nothing was written


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("workers: 100000", "workers: 100000 is out of range (1 to 64)"),
        ("argos: {beam_size: 100000}", "argos.beam_size: 100000 is out of range (1 to 16)"),
        ("argos: {max_batch_tokens: 1000000000000000}", "argos.max_batch_tokens: 1000000000000000 is out of range (1 to 16384)"),
        ("argos: {inter_threads: 3000}", "argos.inter_threads: 3000 is out of range (0 to 64)"),
        ("argos: {intra_threads: -1}", "argos.intra_threads: -1 is out of range (0 to 64)"),
        ("argos: {max_length_ratio: 1.0e+308}", "argos.max_length_ratio: 1e+308 is out of range (0.5 to 10.0)"),
        ("argos: {max_length_ratio: .nan}", "argos.max_length_ratio: nan is out of range (0.5 to 10.0)"),
        ("argos: {length_penalty: -.inf}", "argos.length_penalty: -inf is out of range (0.0 to 5.0)"),
        ("argos: {repetition_penalty: 0}", "argos.repetition_penalty: 0.0 is out of range (1.0 to 10.0)"),
        ("argos: {max_length_extra: " + "9" * 400 + "}", "argos.max_length_extra: 999999999999... (400 digits) is out of range"),
        ("argos: {max_length_ratio: " + "9" * 400 + "}", "argos.max_length_ratio: inf is out of range (0.5 to 10.0)"),
        ("argos: {no_repeat_ngram_size: 1000}", "argos.no_repeat_ngram_size: 1000 is out of range (0 to 64)"),
        ("argos: {force_length: 100000}", "argos.force_length: 100000 is out of range (0 to 1024)"),
        ("argos: {max_index_bytes: 0}", "argos.max_index_bytes: 0 is out of range (1 to 100000000)"),
        ("ray: {actors: 100000}", "ray.actors: 100000 is out of range (0 to 1024)"),
        ("ray: {threads: 0}", "ray.threads: 0 is out of range (1 to 64)"),
        ("max_file_bytes: 100000000000", "max_file_bytes: 100000000000 is out of range (1 to 50000000)"),
        ("max_file_elements: 0", "max_file_elements: 0 is out of range (1 to 400000)"),
        ("workers: 1e3", "workers must be a whole number ('1e3' is text in YAML: write 1000)"),
        ("workers: 1\nworkers: 2", "the configuration has the key 'workers' twice (lines 1 and 2)"),
        ("output: {article: '{target}/{path:>1500000000}'}", "output.article: {path} is followed by ':>1500000000'; write the field alone"),
        ("output: {article: '{target}/{path!r}'}", "output.article: {path} is followed by '!r'"),
        ("output: {bilingual: '{path.__class__}'}", "output.bilingual: '{path.__class__}' is not a field"),
        ("output: {article: '{target}/{path[0]}'}", "output.article: '{path[0]}' is not a field"),
        ("output: {article: '{0}/{path}'}", "output.article: '{0}' is not a field"),
        ("output: {article: '{target}/{path'}", "output.article: '{target}/{path' is not a template"),
        ("output: {article: '../{path}'}", "output.article: '../{path}' leads out of the output folder"),
        ("output: {article: '/tmp/{path}'}", "output.article: '/tmp/{path}' leads out of the output folder"),
        ("output: {article: 'records/{path}'}", "output.article: 'records/{path}' is inside the output folder's records/"),
        ("output: {article: '{target}/index.md'}", "output.article: has none of {path}, {dir}, {stem}"),
        ("output: {article: '" + "x" * 300 + "{path}'}", "output.article: longer than 200 characters"),
        ("locales: {uk: xx_YY}", "locales.uk: 'xx_YY' is not a locale Babel (CLDR) knows"),
        ("locales: {uk: ../../etc/passwd}", "locales.uk: '../../etc/passwd' is not a locale"),
        ("locales: {uk: /usr/share/locale}", "locales.uk: '/usr/share/locale' is not a locale"),
        ("locales: {uk: en_US}", "locales.uk: 'en_US' is a locale of 'en', not of 'uk'"),
        ("locales: {uk: 5}", "locales must be a mapping of strings to strings"),
        ("locales: {Ukrainian: uk_UA}", "locales: 'Ukrainian' is not a language code"),
        ("languages: [en, zt]", "locales.zt: no CLDR locale for the language 'zt'; set locales.zt to one"),
        ("languages: []", "languages: name at least one language"),
        (
            "include: ['" + "[" * 100_000 + "']",
            "include: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[… is longer than 200 characters",
        ),
        ("exclude: [" + ", ".join(["a"] * 101) + "]", "exclude has more than 100 items"),
        ("output: {dir: " + "a" * 5000 + "}", "output.dir is longer than 4,096 characters"),
        ("enigne: argos", "unknown setting 'enigne'"),
        ("x" * 1000 + ": 1", "unknown setting 'xxxxxxxx"),
    ],
)
def test_a_setting_out_of_bounds_is_one_line_naming_it(project, runner, setting, message):
    (project / "config.yaml").write_text(f"engine: pseudo\nmemory: null\n{setting}\n" if "workers: 1\n" not in setting else setting + "\n")
    result = runner.invoke(main, ["translate", "src"])
    assert result.exit_code == ExitStatus.USAGE
    line = one_line(result.stderr, f"{project / 'config.yaml'}: ")
    assert message in line and len(line) < 300
    assert not (project / "translations").exists()


def test_the_cli_options_have_the_settings_ranges(project, runner):
    for option, value, allowed in (("--jobs", "65", "1<=x<=64"), ("--beam-size", "17", "1<=x<=16")):
        result = runner.invoke(main, ["translate", "src", option, value])
        assert result.exit_code == ExitStatus.USAGE and allowed in result.stderr, result.stderr


def test_the_beam_is_the_chosen_engines_and_one_without_a_beam_refuses_it(project, runner, monkeypatch):
    """--beam-size sets the selected engine's beam_size, within that engine's own range; an engine
    with none (pseudo) says so rather than changing another engine's setting."""
    result = runner.invoke(main, ["translate", "src", "--beam-size", "3"])
    assert result.exit_code == ExitStatus.USAGE and not (project / "translations").exists()
    one_line(result.stderr, "--beam-size: the pseudo engine has no beam size")
    from dataclasses import dataclass

    from pipeline.cli.translate import _configured
    from pipeline.core.config import Config, ConfigError, bounded
    from pipeline.engines import registry

    @dataclass(frozen=True)
    class Narrow:
        beam_size: int = bounded(1, 1, 2)

    monkeypatch.setattr(registry, "settings_class", lambda engine: Narrow if engine == "narrow" else None)
    monkeypatch.setitem(registry.ENGINES, "narrow", registry.EngineSpec("narrow", "tests.engines.demo", False, True, "a test"))
    narrow = Config(engine="narrow", engines={"narrow": Narrow()})
    assert _configured(narrow, None, 2, None, None).section("narrow").beam_size == 2
    with pytest.raises(ConfigError, match=r"--beam-size: narrow.beam_size: 3 is out of range \(1 to 2\)"):
        _configured(narrow, None, 3, None, None)


def test_a_target_without_a_locale_is_refused_before_any_article(installed, runner, tmp_path):
    """zt (Argos' traditional Chinese) has a package but no CLDR locale of its own."""
    from tests.conftest import corpus_texts
    from tests.fixtures.argos_package import build_package

    package = build_package(tmp_path / "zt", "en", "zt", corpus_texts(), vocab_size=500)
    assert runner.invoke(main, ["models", "install", str(package)]).exit_code == 0
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.md").write_text("The first article. It has two sentences.\n")
    result = runner.invoke(main, ["translate", "src", "--to", "zt", "--no-download"])
    assert result.exit_code == ExitStatus.USAGE and not (tmp_path / "translations").exists(), result.output
    assert not (tmp_path / "translations").exists()
    one_line(result.stderr, "--to zt: no CLDR locale for the language 'zt'; set locales.zt to one (pt_BR, zh_Hant...)")
    (tmp_path / "config.yaml").write_text("locales: {zt: zh_Hant}\n")
    result = runner.invoke(main, ["translate", "src", "--to", "zt", "--no-download"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "translations" / "zt" / "a.md").read_text() == "The first article. It has two sentences.\n"


BAD_GLOSSARY = "terms:\n  - source: 5\n    target: x\n"  # a number as a term


@pytest.mark.parametrize(
    "args",
    [
        ["translate", "src"],
        ["translate", "src", "--jobs", "2"],
        ["adopt", "src", "--translations", "src"],
        ["export", "src"],
        ["import", "edits.xlf"],
        ["evaluate", "src", "--reference", "src"],
        ["review", "--no-browser"],
    ],
    ids=lambda a: " ".join(a),
)
def test_a_glossary_mistake_is_one_configuration_error_in_every_command_that_uses_it(project, runner, args):
    (project / "translations").mkdir()
    (project / "edits.xlf").write_text("<xliff/>")
    (project / "locales" / "uk").mkdir(parents=True)
    (project / "locales" / "uk" / "glossary.yaml").write_text(BAD_GLOSSARY)
    (project / "src" / "c.md").write_text("A third article.\n")
    out = cli(project, *args)  # review would serve forever: the timeout would fail the test
    assert out.returncode == ExitStatus.USAGE, out.stderr
    line = one_line(out.stderr, f"{project / 'locales' / 'uk' / 'glossary.yaml'}: ")
    assert line.endswith("terms[0].source must be a non-empty string, not a number (5)")
    assert os.listdir(project / "translations") == []


@pytest.mark.parametrize("workers", [1, 2])
def test_a_glossary_spoiled_during_a_run_stops_it_with_one_line_not_an_internal_error(project, workers):
    """What load_checked() validated is what the articles use; if a file changes meanwhile it is
    read again, and its mistake is still the configuration's (exit 2), never "please report it"."""
    from pipeline.articles import parallel
    from pipeline.core import config as configuration
    from pipeline.core import paths
    from pipeline.core.errors import ConfigError
    from pipeline.localize import glossary

    (project / "locales" / "uk").mkdir(parents=True)
    gloss = project / "locales" / "uk" / "glossary.yaml"
    gloss.write_text("keep: [Reuters]\n")
    config = configuration.load(project / "config.yaml")
    config = configuration.validate(dataclasses.replace(config, workers=workers))
    glossary.load_checked(config)
    gloss.write_text(BAD_GLOSSARY + "# changed\n")
    loader = parallel.Loader(config)
    try:
        with pytest.raises(ConfigError, match=r"glossary.yaml: terms\[0\].source must be a non-empty string"):
            list(loader([parallel.Item(paths.Source(project / "src" / "a.md", project / "src", "a.md", "src/a.md"), "en", "en")]))
    finally:
        loader.close()
