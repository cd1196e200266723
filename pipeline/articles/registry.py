"""The article formats by name and suffix: the one place a format is registered.

A format's module is imported the first time one of its files is read or rendered, so `--help`,
`check` on Markdown and the configuration's defaults (`include` comes from here) import none of
the others.
"""

from __future__ import annotations

import functools
import importlib
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.articles.base import ArticleFormat

# name, suffixes (the files it reads, and what `include` discovers by default), "module:class".
FORMATS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("markdown", (".md", ".markdown"), "pipeline.articles.markdown_format:Markdown"),
    ("text", (".txt", ".text"), "pipeline.articles.plaintext:PlainText"),
    ("html", (".html", ".htm"), "pipeline.articles.html:Html"),
    ("srt", (".srt",), "pipeline.articles.subtitles:SubRip"),
    ("vtt", (".vtt",), "pipeline.articles.subtitles:WebVtt"),
    ("docx", (".docx",), "pipeline.articles.docx:Docx"),
    ("odt", (".odt",), "pipeline.articles.odt:Odt"),
)
# A file named explicitly whatever its suffix (`pipeline translate NOTES`) is read as Markdown,
# which reads any text.
DEFAULT = "markdown"

_BY_NAME = {name: (suffixes, where) for name, suffixes, where in FORMATS}
_BY_SUFFIX = {suffix: name for name, suffixes, _ in FORMATS for suffix in suffixes}


def names() -> tuple[str, ...]:
    return tuple(_BY_NAME)


def include_patterns() -> tuple[str, ...]:
    """File name patterns of every format's suffixes: what a source folder's articles are by default."""
    return tuple(f"*{suffix}" for _, suffixes, _ in FORMATS for suffix in suffixes)


def name_for(path: str | PurePath) -> str:
    """The format of a file, by its suffix (any case); DEFAULT for another suffix. Imports nothing."""
    return _BY_SUFFIX.get(PurePath(path).suffix.lower(), DEFAULT)


def for_path(path: str | PurePath) -> ArticleFormat[Any]:
    return get(name_for(path))


@functools.cache
def get(name: str) -> ArticleFormat[Any]:
    """The format registered as ``name`` (one instance per process: formats hold no state)."""
    try:
        module, cls = _BY_NAME[name][1].split(":")
    except KeyError:
        raise ValueError(f"unknown article format {name!r}; expected one of {', '.join(_BY_NAME)}") from None
    return getattr(importlib.import_module(module), cls)()
