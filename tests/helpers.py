"""Shared test helpers: run text through the pipeline's pure stages with a scripted engine."""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Callable
from pathlib import Path

from pipeline.articles import markdown, shortcodes
from pipeline.articles.read import load
from pipeline.assemble import align
from pipeline.core.config import Config
from pipeline.engines.base import Translated


class FakeEngine:
    """An engine whose output is a function of its input, for testing what surrounds engines."""

    name = "fake"
    model = "fake"
    model_version = "0"
    settings: dict = {}

    def __init__(self, fn: Callable[[str], str], source_lang: str = "en", target_lang: str = "uk", name: str = "fake"):
        self.fn = fn
        self.name = name
        self.source_lang, self.target_lang = source_lang, target_lang
        self.calls: list[list[str]] = []

    def translate(self, texts):
        self.calls.append(list(texts))
        return [Translated(self.fn(t)) for t in texts]


def document(tmp_path: Path, text: str | bytes, name: str = "a.md", lang: str | None = "en", config: Config | None = None):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return load(path, name, config or Config(), lang)


def translate(
    tmp_path: Path,
    text: str | bytes,
    fn: Callable[[str], str],
    source: str = "en",
    target: str = "uk",
    name: str = "a.md",
    engine_name: str = "fake",
):
    """The TranslatedDocument for text, with an engine that applies fn to each sentence."""
    doc = document(tmp_path, text, name, source)
    engine = FakeEngine(fn, source, target, engine_name)
    texts = list(dict.fromkeys(align.segments_to_translate(doc, target)))
    results = dict(zip(texts, engine.translate(texts)))
    chunks = align.fallback_chunks(doc, target, results)
    results.update(zip(chunks, engine.translate(chunks)))
    return align.translate_document(doc, target, results, engine)


def structure(text: str) -> list[tuple]:
    """Markdown's structure: block and inline tokens with code, HTML and link targets, no text."""
    masked, _ = shortcodes.hide_shortcodes(text)
    out: list[tuple] = []

    def walk(tokens) -> None:
        for t in tokens:
            if t.type in ("text", "softbreak"):
                continue
            item = (t.type, t.tag, t.nesting, "" if t.type == "list_item_open" else t.markup, t.info)
            if t.type in ("code_inline", "code_block", "fence", "html_block", "html_inline"):
                item += (t.content,)
            if t.type in ("link_open", "image"):
                item += (t.attrs.get("href") or t.attrs.get("src"),)
            out.append(item)
            if t.children:
                walk(t.children)

    walk(markdown._parser().parse(masked))
    return out


def prose(text: str) -> str:
    """The text Markdown renders, whitespace folded: what a reader sees."""
    masked, _ = shortcodes.hide_shortcodes(text)
    out: list[str] = []

    def walk(tokens) -> None:
        for t in tokens:
            if t.type == "text":
                out.append(t.content)
            elif t.type in ("softbreak", "hardbreak", "inline"):
                out.append(" ")  # a line or a block ends: words on either side stay apart
            if t.children:
                walk(t.children)

    walk(markdown._parser().parse(masked))
    return " ".join("".join(out).split())


def rewrite(path: str | Path, changes: dict[str, str]) -> None:
    """An editor at work: in the exchange file at path, the target of each unit whose source is a
    key of changes becomes its value; the file keeps its format."""
    from pipeline import formats

    path = Path(path)
    data = path.read_bytes()
    kind = formats.detect(data, path.name)
    exchange = formats.read(data, kind)
    units = tuple(dataclasses.replace(u, target=changes[u.source]) if u.source in changes else u for u in exchange.units)
    path.write_bytes(formats.write(formats.Exchange(exchange.document, exchange.source_lang, exchange.target_lang, units), kind))


def correct(runner, out: str | Path, sources: str, changes: dict[str, str], kind: str = "po", *extra: str):
    """What an editor does: export SOURCES, change targets (see rewrite), import the files.
    Returns the last import's result."""
    from pipeline.cli import main

    exported = runner.invoke(main, ["export", sources, "--out", str(out), "--format", kind, "--dest", str(Path(out).parent / "exchange")])
    assert exported.exit_code == 0, exported.output
    result = None
    for name in exported.stdout.split():
        rewrite(name, changes)
        result = runner.invoke(main, ["import", name, "--out", str(out), *extra])
    return result


def check_states(runner, *args: str) -> list[str]:
    """The state of each translation `pipeline check ARGS --json` reports (pseudo output is never
    "fresh": its own state says a translation is as recorded but not a translation)."""
    import json

    from pipeline.cli import main

    result = runner.invoke(main, ["check", *args, "--json"])
    return [t["status"] for t in json.loads(result.stdout)["translations"]]


OTHER_ARTICLE = "# Other\n\nAnother article. It has two sentences.\n"
KURSK = "---\ntitle: Kursk\nlang: en\n---\n\n# What is known\n\nThe offensive began. Forces advanced.\n"


def pseudo_project(root: Path, articles: dict[str, str] | None = None, run_it: bool = True) -> Config:
    """A project at root (the working directory) with these articles under articles/, translated
    into Ukrainian by the pseudo engine through the library (no CLI, no model); its configuration."""
    from pipeline.commands import run

    for rel, text in ({"kursk.md": KURSK} if articles is None else articles).items():
        (root / "articles" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "articles" / rel).write_text(text, encoding="utf-8")
    config = Config(engine="pseudo", root=str(root), memory=None)
    if run_it:
        stats = run.translate(run.Request(inputs=("articles",), out_dir=None, target="uk"), config)
        assert not stats.failed
    return config


def pseudo_translation(ws, rel: str = "kursk.md"):
    """What the pseudo engine makes of one article of a workspace, ready for its Writer (as a
    translate run builds it, without the run)."""
    from pipeline.core.identity import ModelId
    from pipeline.engines.pseudo import PseudoEngine
    from pipeline.writer import Translation

    source = next(s for s in ws.sources()[0] if s.rel == rel)
    doc = load(source.path, source.shown, ws.config)
    engine = PseudoEngine(doc.source_lang, "uk")
    texts = list(dict.fromkeys(align.segments_to_translate(doc, "uk")))
    results = dict(zip(texts, engine.translate(texts)))
    stored = ws.store.stored("uk", rel)
    model = ModelId(engine.name, engine.model, engine.model_version)
    blocks, pieces = align.recorded(align.translate_document(doc, "uk", results, engine), results, model, stored.latest)
    return Translation(source, align.translate_document(doc, "uk", results, engine), blocks, pieces, model, stored)


def git(cwd, *args) -> str:
    """git in cwd as a throwaway author (tests make real commits, branches and merges)."""
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout
