"""Issue 26's claim, for real: an engine is one module and one registry line. The demo engine
(tests/engines/demo.py) is registered by adding its one EngineSpec to ENGINES and nothing else;
then config.yaml's `demo:` section, the languages check, `--engine`, the bilingual JSON schema and
`pipeline translate` all know it."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest

from pipeline.assemble import alignment_json
from pipeline.cli import main
from pipeline.core import config
from pipeline.core.errors import ConfigError, ExitStatus
from pipeline.engines import registry
from tests.conftest import ROOT
from tests.engines import demo

ARTICLE = "# Hello world\n\nThe house is <b>old</b>. Hello again.\n"


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(registry.ENGINES, "demo", demo.SPEC)  # the one line


@pytest.fixture
def project(tmp_path, monkeypatch, registered):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text("languages: [en, de]\nengine: demo\nmemory: null\ndemo:\n  repeat: 2\n", encoding="utf-8")
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.md").write_text(ARTICLE, encoding="utf-8")
    return tmp_path


def test_its_section_loads_with_the_others(project):
    loaded = config.load(project / "config.yaml")
    assert (loaded.engine, loaded.section("demo")) == ("demo", demo.DemoConfig(repeat=2))
    assert loaded.section("argos") == config.Config().section("argos")  # the others at their defaults


@pytest.mark.parametrize(
    "section, message",
    [
        ("engine: demo\ndemo:\n  repeat: 4\n", "demo.repeat: 4 is out of range (1 to 3)"),  # the same ranges as every setting
        ("demo:\n  repeat: two\n", "demo.repeat must be a whole number"),
        ("demo:\n  colour: red\n", "unknown setting 'demo.colour'"),
        ("demo:\n  marker: two words\n", "demo.marker: 'two words' is not a word"),  # its own hook
        ("demo: [1]\n", "demo must be a mapping"),
        ("demos:\n  repeat: 2\n", "unknown setting 'demos'"),  # an unknown top-level key still is one
        ("demo:\n  repeat: 0\n", "demo.repeat: 0 is out of range (1 to 3)"),  # engine: argos, and demo's section still checked
        ("engine: demo\nargos:\n  device: gpu\n", "argos.device: 'gpu' is not cpu, cuda or auto"),  # argos's own hook
    ],
)
def test_a_bad_value_is_one_line_naming_the_setting(project, runner, section, message):
    (project / "config.yaml").write_text("languages: [en, de]\n" + section, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        config.load(project / "config.yaml")
    assert str(e.value) == f"{project / 'config.yaml'}: {message}"
    result = runner.invoke(main, ["translate", "articles", "--to", "de", "--out", "out"])
    assert result.exit_code == ExitStatus.USAGE and result.stderr.strip().splitlines() == [f"pipeline: error: {e.value}"]
    assert not (project / "out").exists()


def test_translate_to_de_through_the_cli(project, runner):
    result = runner.invoke(main, ["translate", "articles", "--to", "de", "--out", "out"])
    assert result.exit_code == 0, result.output
    article = (project / "out" / "de" / "a.md").read_text(encoding="utf-8")
    assert article == "# DEMO:de DEMO:de Hallo Welt\n\nDEMO:de DEMO:de Das Haus is <b>old</b>. DEMO:de DEMO:de Hallo again.\n"
    data = json.loads((project / "out" / "bilingual" / "a.en-de.json").read_text(encoding="utf-8"))
    assert (data["engine"], data["model"], data["settings"]) == (
        "demo",
        {"package": "demo-words", "version": "1"},
        {"marker": "DEMO", "repeat": 2},
    )
    jsonschema.validate(data, alignment_json.schema())
    check = runner.invoke(main, ["check", "articles", "--out", "out"])
    assert check.exit_code == 0, check.output
    # a setting changed makes the translations stale for --retranslate-machine, as argos's do
    (project / "config.yaml").write_text("languages: [en, de]\nengine: demo\nmemory: null\ndemo:\n  repeat: 1\n", encoding="utf-8")
    again = runner.invoke(main, ["translate", "articles", "--to", "de", "--out", "out", "--retranslate-machine"])
    assert again.exit_code == 0, again.output
    assert (project / "out" / "de" / "a.md").read_text(encoding="utf-8").startswith("# DEMO:de Hallo Welt\n")


def test_a_language_it_lacks_is_refused_naming_those_it_has(project, runner):
    result = runner.invoke(main, ["translate", "articles", "--to", "fr", "--out", "out"])
    assert result.exit_code == ExitStatus.USAGE
    assert result.stderr.strip().splitlines() == [
        "pipeline: error: --to: 'fr' is not a language of the demo engine's models; available: de, en"
    ]
    (project / "config.yaml").write_text("languages: [en, uk]\nengine: demo\n", encoding="utf-8")  # uk: argos's, not demo's
    result = runner.invoke(main, ["translate", "articles", "--to", "de", "--out", "out"])
    assert result.exit_code == ExitStatus.USAGE and "languages: 'uk' is not a language" in result.stderr
    assert not (project / "out").exists()


def test_the_engine_choices_and_the_schema_name_it(project, runner):
    (project / "config.yaml").write_text("languages: [en, de]\nmemory: null\n", encoding="utf-8")  # engine: argos
    help_ = runner.invoke(main, ["translate", "--help"])
    assert "[argos|pseudo|demo]" in help_.output
    result = runner.invoke(main, ["translate", "articles", "--to", "de", "--out", "out", "--engine", "demo"])
    assert result.exit_code == 0, result.output
    assert alignment_json.schema()["properties"]["engine"]["enum"] == ["argos", "pseudo", "demo", "human"]


def test_without_its_line_it_is_unknown(tmp_path, runner, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text("engine: demo\n", encoding="utf-8")
    result = runner.invoke(main, ["translate", "x.md", "--engine", "demo"])
    assert result.exit_code == ExitStatus.USAGE and "'demo' is not one of 'argos', 'pseudo'" in result.stderr
    with pytest.raises(ConfigError, match="engine: 'demo' is not one of argos, pseudo"):
        config.load(tmp_path / "config.yaml")
    (tmp_path / "config.yaml").write_text("demo:\n  repeat: 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown setting 'demo'"):
        config.load(tmp_path / "config.yaml")
    assert "demo" not in alignment_json.schema()["properties"]["engine"]["enum"]


def test_reading_the_configuration_and_checking_languages_import_no_engine_module(tmp_path):
    # the registry line is all config.load and the languages check need: argos's light side, not
    # its engine module nor CTranslate2 (the check reads package metadata with the Argos library's
    # package module, as it did before engines had a languages hook)
    (tmp_path / "config.yaml").write_text("argos:\n  beam_size: 3\n", encoding="utf-8")
    heavy = "sorted(m for m in sys.modules if m.split('.')[0] in ('ctranslate2', 'argostranslate') or m in ENGINES)"
    code = (
        "import sys; from pipeline.core import config, languages\n"
        "ENGINES = ('pipeline.engines.argos', 'pipeline.engines.pseudo', 'pipeline.engines.cluster', 'pipeline.engines.packages')\n"
        f"c = config.load('config.yaml'); print(c.section('argos').beam_size, {heavy})\n"
        f"languages.check(c, ['uk', 'en'], '--to'); print([m for m in {heavy} if not m.startswith('argostranslate')])"
    )
    env = {"PYTHONPATH": str(ROOT), "PATH": "", "ARGOS_PACKAGES_DIR": str(tmp_path / "p"), "XDG_CACHE_HOME": str(tmp_path / "c")}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert out.stdout.split("\n")[:2] == ["3 []", "['pipeline.engines.packages']"], out.stdout + out.stderr
