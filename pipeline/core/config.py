"""config.yaml -> frozen dataclasses, validated with messages that name the file and the key.

The file is as untrusted as any input (in CI it comes with the pull request): it is read through
the bounded regular-file reader, parsed as safe YAML without aliases bombs or duplicate keys, and
every number is checked against its range here, once, before any command does anything.
"""

from __future__ import annotations

import dataclasses
import math
import os
import string
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.core.errors import ConfigError
from pipeline.store.layout import FOLDER as RECORDS  # the records folder: no template may write there

DEFAULT_FILE = "config.yaml"
LANGUAGES = ("en", "uk")  # the default; any language an Argos package covers may be configured
MAX_BYTES = 1_000_000  # config.yaml; the shipped one, with its comments, is ~4 KB
# Lists (patterns, keys, languages, folders) and the strings in them: fnmatch compiles a pattern in
# a time that grows with the cube of its length (10,000 "[" took 7.2 s), and every file is matched
# against every pattern. Other strings (paths, addresses) are at most MAX_STRING.
MAX_ITEMS = 100
MAX_ITEM = 200
MAX_STRING = 4096


def _include_patterns() -> tuple[str, ...]:
    # imported when a Config is made, not with this module: the CLI options take their ranges from
    # here, and --help imports no article format code
    from pipeline.articles import registry

    return registry.include_patterns()


def bounded(default: Any, low: Any, high: Any) -> Any:
    """A number's default and its allowed range: validate() checks it, CLI options take it (bounds()).
    An engine's settings class (engines/registry.py) declares its numbers with it too."""
    return field(default=default, metadata={"range": (low, high)})


def _engine_sections() -> dict[str, Any]:
    # every registered engine's settings at their defaults (engines/registry.py); imported when a
    # Config is made, as the article formats are
    from pipeline.engines import registry

    return {name: cls() for name, cls in registry.sections().items()}


TEMPLATE_FIELDS = ("target", "source", "path", "dir", "stem", "ext")
MAX_TEMPLATE = 200  # characters of an output template


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
    # 0: as many as the cluster's CPUs / threads (its GPUs with device: cuda); each loads a model
    actors: int = bounded(0, 0, 1024)
    threads: int = bounded(1, 1, 64)  # CTranslate2 threads (and Ray CPUs) per actor: as intra_threads


@dataclass(frozen=True)
class SubtitlesConfig:
    """How a subtitle cue's translation is laid out, and when it is too long for its cue. The
    defaults are Netflix's Timed Text Style Guide's (English template): 42 characters a line, 2
    lines, 17 characters a second for adult programmes."""

    max_line_chars: int = bounded(42, 10, 200)
    max_lines: int = bounded(2, 1, 9)
    max_cps: float = bounded(17.0, 1.0, 100.0)


@dataclass(frozen=True)
class Config:
    languages: tuple[str, ...] = LANGUAGES
    engine: str = "argos"
    front_matter_keys: tuple[str, ...] = ("title", "linkTitle", "description", "summary")  # linkTitle: Hugo's menu label
    include: tuple[str, ...] = field(default_factory=_include_patterns)  # every article format's suffixes
    exclude: tuple[str, ...] = ("LICENSE*", "README*", "CHANGELOG*")
    # A file is held whole, several times over, while it is read: a 10 MB paragraph took 34 s
    # and 272 MB to read and segment (bench/limits.py read).
    max_file_bytes: int = bounded(5_000_000, 1, 50_000_000)
    # Lines, Markdown punctuation, numbers and sentence ends: what parsing and translating a file
    # costs grows with these, not with its bytes (bench/hostile.py measures the worst shapes); a
    # table of 396,021 took 34 s and 404 MB to read.
    max_file_elements: int = bounded(40_000, 1, 400_000)
    memory: str | None = ".pipeline/memory.sqlite"  # null: no translation memory
    glossary: str | None = "locales"  # folder of <lang>/glossary.yaml; null: no glossary
    locales: dict[str, str] = field(default_factory=lambda: {"en": "en_US", "uk": "uk_UA"})
    output: OutputConfig = OutputConfig()
    subtitles: SubtitlesConfig = SubtitlesConfig()
    # Decode on a Ray cluster (extra `ray`): ray://head:10001, auto (inside a Ray job), local
    # (a Ray on this machine); null: in this process.
    cluster: str | None = None
    ray: RayConfig = RayConfig()
    # processes reading and segmenting articles (the writes stay in one); each starts a Python of
    # its own: 64 read 400 short articles in 187 s on 2 cores, where 1 took 24 s (bench/limits.py)
    workers: int = bounded(1, 1, 64)
    # Source folders, relative to the project root: an article's identity is its path inside the
    # deepest one holding it. Optional: the output folder also records the folders it was given.
    sources: tuple[str, ...] = ()
    # each registered engine's section (`argos:`...), by engine name: read through section()
    engines: dict[str, Any] = field(default_factory=_engine_sections)
    source: str = ""  # the file this was read from, for messages
    root: str = ""  # the project root: the folder of the configuration file, else the working directory

    def at_root(self, path: str) -> Path:
        """A path from the configuration (memory, glossary, output.dir, sources), relative to the project root."""
        return Path(self.root or ".") / path

    def section(self, engine: str) -> Any:
        """An engine's settings (its dataclass in engines/registry.py): as config.yaml set them,
        else its defaults. KeyError for an engine with no settings."""
        if engine in self.engines:
            return self.engines[engine]
        from pipeline.engines import registry

        cls = registry.settings_class(engine)
        if cls is None:
            raise KeyError(f"the {engine} engine has no settings")
        return cls()

    def with_section(self, engine: str, **changes: Any) -> Config:
        """This configuration with some of an engine's settings changed (a command-line option)."""
        return dataclasses.replace(self, engines={**self.engines, engine: dataclasses.replace(self.section(engine), **changes)})

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


def find(start: Path | None = None) -> Path | None:
    """The nearest config.yaml in the working directory or above it, not above the top of a git
    checkout: the project root is where it lies, whatever folder a command runs from."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if os.path.lexists(folder / DEFAULT_FILE):  # a FIFO or a broken link too: load() says what it is
            return folder / DEFAULT_FILE
        if (folder / ".git").exists():
            return None
    return None


def bounds(cls: type, key: str) -> tuple[Any, Any]:
    """The range a numeric setting allows (for the CLI options that override it)."""
    return next(f for f in dataclasses.fields(cls) if f.name == key).metadata["range"]


def load(path: str | os.PathLike | None = None) -> Config:
    """Read the given file, else the project's config.yaml (see find), else the defaults."""
    if path is None:
        path = find()
        if path is None:
            return Config(root=os.getcwd())
    name = str(path)
    data = _read(path, name)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{name}: expected a mapping of settings at the top level")
    from pipeline.engines import registry

    config = _build(Config, data, name, "", registry.sections())
    return validate(dataclasses.replace(config, source=name, root=os.path.dirname(os.path.abspath(path))))


def _read(path: str | os.PathLike, name: str) -> Any:
    from pipeline.core import safe_yaml
    from pipeline.core.errors import InputError
    from pipeline.store.fileio import read_bytes

    if not os.path.lexists(path):
        raise ConfigError(f"{name}: no such configuration file")
    try:
        text = read_bytes(path, name, MAX_BYTES, setting="").decode("utf-8")
    except InputError as e:
        raise ConfigError(str(e)) from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"{name}: not UTF-8 (invalid byte at offset {e.start})") from None
    try:
        return safe_yaml.load(text, "the configuration")
    except safe_yaml.YAMLRefused as e:
        raise ConfigError(f"{name}: {e}") from None


def validate(config: Config) -> Config:
    name = config.source or "configuration"
    for lang in config.languages:
        # the shape only: which codes packages cover is checked when a command needs them
        if not (2 <= len(lang) <= 3 and lang.isascii() and lang.isalpha() and lang.islower()):
            raise ConfigError(f"{name}: languages: {shown(lang)} is not a language code (en, uk, de...)")
    if not config.languages:
        raise ConfigError(f"{name}: languages: name at least one language")
    from pipeline.engines import registry
    from pipeline.engines.registry import ENGINES

    if config.engine not in ENGINES:
        raise ConfigError(f"{name}: engine: {shown(config.engine)} is not one of {', '.join(ENGINES)}")
    engines = [(f"{engine}.", config.section(engine)) for engine in registry.sections()]
    for prefix, part in engines:  # a section of an engine not selected is checked too
        hook = getattr(part, "problems", None)
        why = hook() if hook is not None else None
        if why:
            raise ConfigError(f"{name}: {prefix}{why}")
    for prefix, part in (("", config), *engines, ("ray.", config.ray), ("subtitles.", config.subtitles)):
        _check_ranges(part, name, prefix)
    if config.cluster is not None and not (config.cluster in ("auto", "local") or config.cluster.startswith("ray://")):
        raise ConfigError(f"{name}: cluster: {shown(config.cluster)} is not ray://HOST:PORT, auto or local")
    for key in ("article", "bilingual"):
        why = template_problem(getattr(config.output, key))
        if why:
            raise ConfigError(f"{name}: output.{key}: {why}")
    _check_locales(config, name)
    return config


def _check_ranges(part: Any, name: str, prefix: str) -> None:
    for f in dataclasses.fields(part):
        if "range" not in f.metadata:
            continue
        low, high = f.metadata["range"]
        value = getattr(part, f.name)
        if not low <= value <= high:  # NaN is never in range
            shown = value if isinstance(value, float) or abs(value) < 10**30 else f"{str(value)[:12]}... ({len(str(value))} digits)"
            raise ConfigError(f"{name}: {prefix}{f.name}: {shown} is out of range ({low} to {high})")


def template_problem(template: str) -> str | None:
    """Why an output template is refused, or None. Only the documented fields, each as it is: a
    format spec or an attribute would let a template build paths or strings of any size."""
    if len(template) > MAX_TEMPLATE:
        return f"longer than {MAX_TEMPLATE} characters"
    fields = ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as e:
        return f"{shown(template)} is not a template ({e}); the fields are {fields}"
    used = set()
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in TEMPLATE_FIELDS:
            return f"{shown('{' + name + '}')} is not a field; the fields are {fields}"
        if spec or conversion:
            return f"{{{name}}} is followed by {shown(('!' + conversion if conversion else '') + (':' + spec if spec else ''))}; write the field alone"
        used.add(name)
    if not used & {"path", "dir", "stem"}:
        return "has none of {path}, {dir}, {stem}: every article would have the same output"
    # the folders it names, a field standing for any name (fields never hold "..")
    folders = "".join(text + ("x" if name is not None else "") for text, name, _, _ in parts).replace("\\", "/").split("/")
    if folders[0] == "" or ".." in folders:
        return f"{shown(template)} leads out of the output folder (a leading / or a .. folder)"
    if folders[0] == RECORDS:
        return f"{shown(template)} is inside the output folder's {RECORDS}/, which holds the pipeline's own files"
    return None


def _check_locales(config: Config, name: str) -> None:
    from pipeline.core import locales

    for lang in config.locales:
        if not (2 <= len(lang) <= 3 and lang.isascii() and lang.isalpha() and lang.islower()):
            raise ConfigError(f"{name}: locales: {shown(lang)} is not a language code (en, uk, de...)")
    for lang in dict.fromkeys([*config.languages, *config.locales]):
        why = locales.problem(lang, config.locales)
        if why:
            raise ConfigError(f"{name}: locales.{lang}: {why}")


def shown(value: object, limit: int = 60) -> str:
    """A value from the file in a message: quoted, on one line, and short (it may be huge)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_items(count: int, items: list[str], name: str, where: str) -> None:
    if count > MAX_ITEMS:
        raise ConfigError(f"{name}: {where} has more than {MAX_ITEMS} items")
    for item in items:
        if len(item) > MAX_ITEM:
            raise ConfigError(f"{name}: {where}: {shown(item)} is longer than {MAX_ITEM} characters")


def _looks_numeric(text: str) -> bool:
    """1e3, 1_000.5...: numbers to a reader, text to YAML 1.1 (its floats need a dot)."""
    try:
        return math.isfinite(float(text.replace("_", "")))
    except ValueError:
        return False


def _build(cls: type, data: dict[str, Any], name: str, prefix: str, sections: dict[str, type] | None = None) -> Any:
    """``cls`` from a mapping of the file, every key known and every value of its type. At the top
    (``sections``: registry.sections()), an engine's key is its section, built by the same rules."""
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls) if f.name not in ("source", "root", "engines")}
    values = {}
    built = {}
    for key, value in data.items():
        where = f"{prefix}{key}"
        if sections and key in sections:
            built[key] = _coerce(sections[key], value, name, where)
        elif key not in fields:
            raise ConfigError(f"{name}: unknown setting {shown(where)}")
        else:
            values[key] = _coerce(hints[key], value, name, where)
    if sections is not None:
        values["engines"] = {engine: built[engine] if engine in built else section() for engine, section in sections.items()}
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
        _check_items(len(value), value, name, where)
        return tuple(value)
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise ConfigError(f"{name}: {where} must be a mapping of strings to strings")
        _check_items(len(value), [*value, *value.values()], name, where)
        return dict(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{name}: {where} must be true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            hint = f" ({shown(value)} is text in YAML: write 1000)" if isinstance(value, str) and _looks_numeric(value) else ""
            raise ConfigError(f"{name}: {where} must be a whole number{hint}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            hint = f" ({shown(value)} is text in YAML: write 1000 or 1.0e+3)" if isinstance(value, str) and _looks_numeric(value) else ""
            raise ConfigError(f"{name}: {where} must be a number{hint}")
        try:
            return float(value)
        except OverflowError:  # an integer of hundreds of digits: out of every range
            return math.inf
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{name}: {where} must be a string")
        if len(value) > MAX_STRING:
            raise ConfigError(f"{name}: {where} is longer than {MAX_STRING:,} characters")
        return value
    raise AssertionError(f"unhandled config type {hint}")  # a programming error, caught by tests
