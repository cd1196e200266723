from __future__ import annotations

import dataclasses
import re

import click
import pytest

from pipeline.core import config
from pipeline.core.errors import ConfigError
from pipeline.engines.argos_settings import ArgosConfig
from tests.conftest import ROOT


def test_shipped_config_yaml_is_the_defaults():
    assert config.load(ROOT / "config.yaml") == config.Config(source=str(ROOT / "config.yaml"), root=str(ROOT))


def test_no_file_means_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()  # the search for config.yaml stops at the top of a checkout
    assert config.load() == config.Config(root=str(tmp_path))


def test_the_project_root_is_where_config_yaml_is(tmp_path, monkeypatch):
    (tmp_path / "config.yaml").write_text("memory: cache/m.sqlite\nsources: [src/en]\n")
    (tmp_path / "src" / "en").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "src" / "en")
    loaded = config.load()
    assert loaded.root == str(tmp_path) and loaded.memory_path == tmp_path / "cache/m.sqlite"
    assert loaded.source_roots == (tmp_path / "src/en",) and loaded.out_dir == tmp_path / "translations"


def test_values_are_read_and_nested(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("engine: pseudo\nargos:\n  beam_size: 4\noutput:\n  review_html: false\nmemory: null\n")
    c = config.load(path)
    assert (c.engine, c.section("argos").beam_size, c.output.review_html, c.memory) == ("pseudo", 4, False, None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("enigne: argos\n", "unknown setting 'enigne'"),
        ("argos:\n  beam: 3\n", "unknown setting 'argos.beam'"),
        ("argos:\n  beam_size: two\n", "argos.beam_size must be a whole number"),
        ("argos:\n  beam_size: 0\n", "argos.beam_size: 0 is out of range (1 to 16)"),
        ("languages: [en, Deutsch]\n", "'Deutsch' is not a language code"),
        ("engine: google\n", "'google' is not one of argos, pseudo"),
        ("output:\n  article: '{nope}/{path}'\n", "output.article: '{nope}' is not a field"),
        ("- a\n- b\n", "expected a mapping"),
        ("a: [\n", "not valid YAML"),
    ],
)
def test_mistakes_are_reported_with_file_and_key(tmp_path, text, message):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as e:
        config.load(path)
    assert str(e.value).startswith(f"{path}: ") and message in str(e.value)


def test_missing_file_given_explicitly(tmp_path):
    with pytest.raises(ConfigError, match="no such configuration file"):
        config.load(tmp_path / "nope.yaml")


def settings() -> list[tuple[str, dataclasses.Field]]:
    """Every setting of config.yaml: the fields of Config, a section's (output:..., and each
    registered engine's, argos:...) by its dotted name."""
    from pipeline.engines import registry

    out = []
    for f in dataclasses.fields(config.Config):
        if f.name in ("source", "root", "engines"):
            continue
        if dataclasses.is_dataclass(f.default):
            out += [(f"{f.name}.{g.name}", g) for g in dataclasses.fields(f.default)]
        else:
            out.append((f.name, f))
    for engine, section in registry.sections().items():
        out += [(f"{engine}.{g.name}", g) for g in dataclasses.fields(section)]
    return out


def test_every_setting_is_documented_with_its_range():
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^\| `([\w.]+)` \| [^|]+ \| ([^|]+) \|", (ROOT / "docs/configuration.md").read_text(), re.M)
    }
    assert sorted(rows) == sorted(name for name, _ in settings())
    for name, f in settings():
        if "range" in f.metadata:
            low, high = f.metadata["range"]
            assert rows[name].strip() == f"{low} to {high}", name
            assert low <= f.default <= high, name  # the default is allowed


def test_the_cli_options_take_the_settings_ranges():
    from pipeline.cli.translate import translate

    ranges = {p.name: (p.type.min, p.type.max) for p in translate.params if isinstance(p.type, click.IntRange)}
    assert ranges == {"beam_size": config.bounds(ArgosConfig, "beam_size"), "jobs": config.bounds(config.Config, "workers")}


def test_reading_the_configuration_stays_light():
    """`check` reads it: the locales are checked with Babel's core, not the formatting modules."""
    import subprocess
    import sys

    code = (
        "import sys; from pipeline.core import config; config.load(sys.argv[1])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('pipeline.localize', 'babel.numbers', 'babel.dates', 'ctranslate2'))))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(ROOT / "config.yaml")], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_an_option_changes_one_setting_of_one_engine_section():
    # --beam-size: what the engine is made with, the file's other settings kept
    from pipeline.cli.translate import _configured

    loaded = config.Config(engines={"argos": ArgosConfig(max_batch_tokens=64)})
    changed = _configured(loaded, None, 3, None, None)
    assert changed.section("argos") == ArgosConfig(max_batch_tokens=64, beam_size=3)
    assert loaded.section("argos").beam_size == 2  # frozen: the loaded configuration is unchanged
    assert config.Config().with_section("argos", beam_size=5).section("argos").beam_size == 5
    with pytest.raises(KeyError):
        config.Config().section("pseudo")  # an engine without settings has no section
