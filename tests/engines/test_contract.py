"""What every engine guarantees, as Translate Toolkit's test_base.py does for its stores (and
tests/articles/test_contract.py for the article formats): each engine's tests subclass
EngineContract, and every test below runs on it. Here: pseudo, argos (the copy package the suite
builds) and the demo engine of tests/engines/demo.py, registered as a new engine would be.

A subclass needs:
- ``name``: the engine's registry name;
- ``direction``: a (source, target) it translates once ``config`` is set up;
- ``outside``: a direction it has no model for (refused with ModelMissing, and its target code by
  the languages check), or None for an engine that takes any language;
- a ``config`` fixture: a Config selecting the engine, with whatever it needs installed.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
from typing import ClassVar

import pytest

from pipeline.core import config as configuration
from pipeline.core import languages
from pipeline.core.errors import ConfigError, ExitStatus, ModelMissing, PipelineError
from pipeline.core.identity import settings_key
from pipeline.engines import registry
from pipeline.engines.base import Translated
from pipeline.engines.factory import create
from tests.engines import demo

TEXTS = [
    "Hello world.",
    "Read <g1>the docs</g1> at <x2/> today.",
    "Hello world.",  # identical sentences give identical results
    "A much longer sentence, with commas, to land in another length bucket than the rest of them.",
]


class EngineContract:
    name: ClassVar[str]
    direction: ClassVar[tuple[str, str]]
    outside: ClassVar[tuple[str, str] | None]

    def engine(self, config):
        return create(config, *self.direction, allow_download=False)

    def test_the_registry_line_is_complete(self, config):
        spec = registry.ENGINES[self.name]
        assert spec.name == self.name and callable(importlib.import_module(spec.module).create)
        section = registry.settings_class(self.name)
        if section is not None:
            defaults = section()
            assert dataclasses.is_dataclass(defaults) and section.__dataclass_params__.frozen
            assert getattr(defaults, "problems", lambda: None)() is None  # the defaults are valid
            for f in dataclasses.fields(section):
                if "range" in f.metadata:
                    low, high = f.metadata["range"]
                    assert low <= f.default <= high, f.name
        found = languages.pairs(config)
        assert found is None or (found and all(languages.well_formed(s) and languages.well_formed(t) for s, t in found))
        assert found is None or self.direction in found

    def test_it_names_what_made_the_output(self, config):
        engine = self.engine(config)
        assert (engine.name, engine.source_lang, engine.target_lang) == (self.name, *self.direction)
        assert isinstance(engine.model, str) and engine.model and isinstance(engine.model_version, str) and engine.model_version
        again = self.engine(config)  # the identity keys the memory and the records: stable, and JSON
        assert (again.model, again.model_version, settings_key(again.settings)) == (
            engine.model,
            engine.model_version,
            settings_key(engine.settings),
        )
        json.loads(settings_key(engine.settings))

    def test_one_result_per_input_in_order(self, config):
        engine = self.engine(config)
        results = list(engine.translate(TEXTS))
        assert len(results) == len(TEXTS) and all(isinstance(r, Translated) and isinstance(r.text, str) for r in results)
        assert results[0] == results[2] and results[0] != results[1]
        assert [r.text for r in engine.translate(TEXTS[1:2])] == [results[1].text]  # batching does not change it
        assert list(engine.translate([])) == []

    def test_placeholders_come_back(self, config):
        (result,) = self.engine(config).translate([TEXTS[1]])
        for tag in ("<g1>", "</g1>", "<x2/>"):
            assert result.text.count(tag) == 1, result.text

    def test_a_direction_it_lacks_is_refused_before_anything_is_written(self, config):
        if self.outside is None:
            pytest.skip("this engine takes any language Babel has a locale for")
        with pytest.raises(ModelMissing) as e:
            create(config, *self.outside, allow_download=False)
        assert e.value.status == ExitStatus.NO_MODEL and "\n" not in str(e.value)

    def test_the_languages_check_is_the_engines(self, config):
        languages.check(config, list(self.direction), "--to")
        target = self.outside[1] if self.outside else "qq"  # qq: no language Babel knows
        with pytest.raises(PipelineError) as e:
            languages.check(config, [target], "--to")
        assert e.value.status == ExitStatus.USAGE
        assert str(e.value).endswith(f"available: {', '.join(sorted(languages.known(config)))}")
        assert self.direction[1] in languages.known(config)

    def test_its_section_is_read_and_checked_like_any_other(self, config, tmp_path):
        section = registry.settings_class(self.name)
        if section is None:
            pytest.skip("this engine has no settings")
        path = tmp_path / "c.yaml"
        defaults = {f.name: getattr(section(), f.name) for f in dataclasses.fields(section)}
        path.write_text(json.dumps({"engine": self.name, self.name: defaults}, default=list))  # JSON is YAML
        assert configuration.load(path).section(self.name) == section()
        path.write_text(json.dumps({self.name: {"nope": 1}}))
        with pytest.raises(ConfigError, match=f"unknown setting '{self.name}.nope'"):
            configuration.load(path)
        for f in dataclasses.fields(section):
            if "range" not in f.metadata:
                continue
            high = f.metadata["range"][1]
            path.write_text(json.dumps({self.name: {f.name: high * 2 + 1}}))
            with pytest.raises(ConfigError) as e:
                configuration.load(path)
            assert str(e.value).startswith(f"{path}: {self.name}.{f.name}: ") and "is out of range" in str(e.value)


class TestPseudo(EngineContract):
    name = "pseudo"
    direction = ("en", "uk")
    outside = None

    @pytest.fixture
    def config(self):
        return configuration.Config(engine="pseudo", memory=None)


class TestArgos(EngineContract):
    name = "argos"
    direction = ("en", "uk")
    outside = ("en", "fr")

    @pytest.fixture
    def config(self, installed):
        return configuration.Config(engine="argos", memory=None)


class TestDemo(EngineContract):
    name = "demo"
    direction = ("en", "de")
    outside = ("en", "fr")

    @pytest.fixture
    def config(self, monkeypatch):
        monkeypatch.setitem(registry.ENGINES, "demo", demo.SPEC)
        return configuration.Config(engine="demo", memory=None)
