"""config.yaml -> frozen dataclasses, validated with messages that name the file and the key."""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.articles import registry
from pipeline.core.errors import ConfigError

DEFAULT_FILE = "config.yaml"
LANGUAGES = ("en", "uk")  # the default; any language an Argos package covers may be configured


@dataclass(frozen=True)
class ArgosConfig:
    packages_dir: str | None = None  # else $ARGOS_PACKAGES_DIR, else the Argos library's default
    package_index: str | None = None  # else $ARGOS_PACKAGE_INDEX, else the official argospm index
    auto_download: bool = True  # install a missing official package on first use
    device: str = "cpu"  # cpu | cuda | auto (cuda when CTranslate2 sees a CUDA device, else cpu)
    device_index: tuple[int, ...] = (0,)  # which device(s): 0, or a list of CUDA devices such as [0, 1]
    compute_type: str = "int8"  # one of COMPUTE_TYPES
    beam_size: int = 2
    inter_threads: int = 0  # 0: as many as there are cores
    intra_threads: int = 1
    max_batch_tokens: int = 1024  # measured (bench/): as fast as 2048 at beam 2, ~40% less peak memory
    length_penalty: float = 0.2  # as the Argos library decodes
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    # A model that loops must not write forever: at most ratio * source tokens + extra.
    max_length_ratio: float = 2.0
    max_length_extra: int = 16
    force_length: int = 0  # benchmarks only: decode exactly this many tokens (random weights never stop)
    # Bounds on what comes from the network or a package file (official: a ~120 MB download that
    # unpacks to ~150 MB).
    max_download_bytes: int = 1_000_000_000
    max_index_bytes: int = 20_000_000
    max_unpacked_bytes: int = 1_000_000_000


@dataclass(frozen=True)
class OutputConfig:
    dir: str = "translations"
    review_html: bool = True  # the HTML review page; the JSON alignment is always written
    # {target} {source}: language codes; {path}: the article's path inside its source folder,
    # {dir}: its folder ("" at the top), {stem}: its name without extension, {ext}: ".md"...
    article: str = "{target}/{path}"
    bilingual: str = "bilingual/{dir}/{stem}.{source}-{target}"
    wrap: bool = False  # wrap a translated paragraph to its source's line width when the source is hard-wrapped


@dataclass(frozen=True)
class RayConfig:
    actors: int = 0  # 0: as many as the cluster's CPUs / threads (its GPUs with device: cuda)
    threads: int = 1  # CTranslate2 threads (and Ray CPUs) per actor


@dataclass(frozen=True)
class Config:
    languages: tuple[str, ...] = LANGUAGES
    engine: str = "argos"
    front_matter_keys: tuple[str, ...] = ("title", "linkTitle", "description", "summary")  # linkTitle: Hugo's menu label
    include: tuple[str, ...] = registry.include_patterns()  # every article format's suffixes
    exclude: tuple[str, ...] = ("LICENSE*", "README*", "CHANGELOG*")
    max_file_bytes: int = 5_000_000
    # Lines, Markdown punctuation, numbers and sentence ends: what parsing and translating a file
    # costs grows with these, not with its bytes (bench/hostile.py measures the worst shapes).
    max_file_elements: int = 40_000
    memory: str | None = ".pipeline/memory.sqlite"  # null: no translation memory
    glossary: str | None = "locales"  # folder of <lang>/glossary.yaml; null: no glossary
    locales: dict[str, str] = field(default_factory=lambda: {"en": "en_US", "uk": "uk_UA"})
    argos: ArgosConfig = ArgosConfig()
    output: OutputConfig = OutputConfig()
    # Decode on a Ray cluster (extra `ray`): ray://head:10001, auto (inside a Ray job), local
    # (a Ray on this machine); null: in this process.
    cluster: str | None = None
    ray: RayConfig = RayConfig()
    workers: int = 1  # processes reading and segmenting articles (the writes stay in one)
    # Source folders, relative to the project root: an article's identity is its path inside the
    # deepest one holding it. Optional: the output folder also records the folders it was given.
    sources: tuple[str, ...] = ()
    source: str = ""  # the file this was read from, for messages
    root: str = ""  # the project root: the folder of the configuration file, else the working directory

    def at_root(self, path: str) -> Path:
        """A path from the configuration (memory, glossary, output.dir, sources), relative to the project root."""
        return Path(self.root or ".") / path

    @property
    def out_dir(self) -> Path:
        return self.at_root(self.output.dir)

    @property
    def glossary_dir(self) -> str | None:
        return str(self.at_root(self.glossary)) if self.glossary else None

    @property
    def memory_path(self) -> Path | None:
        return self.at_root(self.memory) if self.memory else None

    @property
    def source_roots(self) -> tuple[Path, ...]:
        return tuple(self.at_root(s) for s in self.sources)


# What CTranslate2 accepts as compute_type; which of them a device supports is known only there
# (checked when the model loads: engines/argos.py).
COMPUTE_TYPES = ("default", "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16", "bfloat16", "float32")
MAX_DEVICE_INDEX = 1023


def find(start: Path | None = None) -> Path | None:
    """The nearest config.yaml in the working directory or above it, not above the top of a git
    checkout: the project root is where it lies, whatever folder a command runs from."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / DEFAULT_FILE).is_file():
            return folder / DEFAULT_FILE
        if (folder / ".git").exists():
            return None
    return None


def load(path: str | os.PathLike | None = None) -> Config:
    """Read the given file, else the project's config.yaml (see find), else the defaults."""
    if path is None:
        path = find()
        if path is None:
            return Config(root=os.getcwd())
    name = str(path)
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except FileNotFoundError:
        raise ConfigError(f"{name}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{name}: cannot read: {e}") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{name}: not valid YAML: {' '.join(str(e).split())}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{name}: expected a mapping of settings at the top level")
    config = _build(Config, data, name, "")
    return validate(dataclasses.replace(config, source=name, root=os.path.dirname(os.path.abspath(path))))


def validate(config: Config) -> Config:
    name = config.source or "configuration"
    for lang in config.languages:
        # the shape only: which codes packages cover is checked when a command needs them
        if not (2 <= len(lang) <= 3 and lang.isascii() and lang.isalpha() and lang.islower()):
            raise ConfigError(f"{name}: languages: {lang!r} is not a language code (en, uk, de...)")
    from pipeline.engines.registry import ENGINES

    if config.engine not in ENGINES:
        raise ConfigError(f"{name}: engine: {config.engine!r} is not one of {', '.join(ENGINES)}")
    a = config.argos
    if a.device not in ("cpu", "cuda", "auto"):
        raise ConfigError(f"{name}: argos.device: {a.device!r} is not cpu, cuda or auto")
    if not a.device_index or len(set(a.device_index)) != len(a.device_index) or not all(0 <= i <= MAX_DEVICE_INDEX for i in a.device_index):
        raise ConfigError(f"{name}: argos.device_index: expected a device number (0 to {MAX_DEVICE_INDEX}) or a list of different ones")
    if a.compute_type not in COMPUTE_TYPES:
        raise ConfigError(f"{name}: argos.compute_type: {a.compute_type!r} is not one of {', '.join(COMPUTE_TYPES)}")
    for key in ("beam_size", "max_batch_tokens", "max_length_extra"):
        if getattr(a, key) < 1:
            raise ConfigError(f"{name}: argos.{key} must be at least 1")
    if a.inter_threads < 0 or a.intra_threads < 0:
        raise ConfigError(f"{name}: argos thread counts cannot be negative")
    for key in ("max_download_bytes", "max_index_bytes", "max_unpacked_bytes"):
        if getattr(a, key) < 1:
            raise ConfigError(f"{name}: argos.{key} must be positive")
    if a.max_length_ratio <= 0:
        raise ConfigError(f"{name}: argos.max_length_ratio must be positive")
    if config.cluster is not None and not (config.cluster in ("auto", "local") or config.cluster.startswith("ray://")):
        raise ConfigError(f"{name}: cluster: {config.cluster!r} is not ray://HOST:PORT, auto or local")
    if config.ray.actors < 0 or config.ray.threads < 1:
        raise ConfigError(f"{name}: ray.actors cannot be negative and ray.threads must be at least 1")
    if config.workers < 1:
        raise ConfigError(f"{name}: workers must be at least 1")
    if config.max_file_bytes < 1:
        raise ConfigError(f"{name}: max_file_bytes must be positive")
    if config.max_file_elements < 1:
        raise ConfigError(f"{name}: max_file_elements must be positive")
    for template in (config.output.article, config.output.bilingual):
        try:
            template.format(target="uk", source="en", path="a/b.md", dir="a", stem="b", ext=".md")
        except (KeyError, IndexError, ValueError) as e:
            raise ConfigError(f"{name}: output template {template!r} is invalid: {e}") from None
    return config


def _build(cls: type, data: dict[str, Any], name: str, prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls) if f.name not in ("source", "root")}
    values = {}
    for key, value in data.items():
        where = f"{prefix}{key}"
        if key not in fields:
            raise ConfigError(f"{name}: unknown setting {where!r}")
        values[key] = _coerce(hints[key], value, name, where)
    return cls(**values)


def _coerce(hint: Any, value: Any, name: str, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise ConfigError(f"{name}: {where} must be a mapping")
        return _build(typing.cast(type, hint), value, name, where + ".")
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        return _coerce(next(a for a in args if a is not type(None)), value, name, where)
    if origin is tuple and args[:1] == (int,):  # argos.device_index: a whole number or a list of them
        values = [value] if isinstance(value, int) else value
        if not isinstance(values, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise ConfigError(f"{name}: {where} must be a whole number or a list of whole numbers")
        return tuple(values)
    if origin is tuple:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{name}: {where} must be a list of strings")
        return tuple(value)
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ConfigError(f"{name}: {where} must be a mapping of strings")
        return {str(k): v for k, v in value.items()}
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{name}: {where} must be true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{name}: {where} must be a whole number")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{name}: {where} must be a number")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{name}: {where} must be a string")
        return value
    raise AssertionError(f"unhandled config type {hint}")  # a programming error, caught by tests
