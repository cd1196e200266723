"""Reading one article: bytes -> checked text -> Document. Every refusal is an InputError."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from pipeline.articles import markdown, plaintext
from pipeline.articles.frontmatter import FrontMatterError
from pipeline.core import paths
from pipeline.core.config import Config
from pipeline.core.document import Document
from pipeline.core.errors import InputError
from pipeline.core.hashes import file_sha256
from pipeline.segment import blocks as segment
from pipeline.segment.detect import document_language
from pipeline.segment.protect import alerts, has_words, urls
from pipeline.store import fileio

TEXT_SUFFIXES = (".txt", ".text")


def read_source(source: paths.Source, max_bytes: int) -> bytes:
    """A source article's bytes, read from its source folder without following any symbolic link
    out of it, also when one is swapped in while the run goes on (see fileio.read_within)."""
    if source.real_rel is None:
        return fileio.read_bytes(source.path, source.shown, max_bytes)
    return fileio.read_within(source.root, tuple(source.real_rel.split("/")), source.shown, max_bytes)


def read_text(path: Path, name: str, max_bytes: int) -> tuple[str, str, bool, str]:
    """The file's text with "\\n" line endings, its most common line ending, whether it had a BOM,
    and the SHA-256 of its bytes (recorded with the translation, so `check` knows what was
    translated)."""
    text, newline, _, bom, sha256 = _read_article(path, name, max_bytes)
    return text, newline, bom, sha256


def _read_article(
    path: Path, name: str, max_bytes: int, data: bytes | None = None
) -> tuple[str, str, tuple[tuple[int, str], ...], bool, str]:
    if data is None:
        data = fileio.read_bytes(path, name, max_bytes)
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise InputError(name, "UTF-32 text (byte order mark); save it as UTF-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(name, "UTF-16 text (byte order mark); save it as UTF-8")
    if b"\x00" in data:
        raise InputError(name, f"binary file (NUL byte at offset {data.index(0)})")
    sha256 = file_sha256(data)
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(name, f"not UTF-8 (invalid byte 0x{data[e.start]:02x} at offset {e.start})") from None
    if not text.strip():
        raise InputError(name, "empty file")
    text, newline, endings = split_line_endings(text)
    return text, newline, endings, bom, sha256


_ENDING_RE = re.compile(r"\r\n|\r|\n")


def split_line_endings(text: str) -> tuple[str, str, tuple[tuple[int, str], ...]]:
    """Text with "\\n" line endings (what the parser sees), the file's most common line ending,
    and every other one as (offset of its "\\n" in the returned text, the ending as written), so
    that the output keeps every line ending outside the translated regions as it was."""
    crlf = text.count("\r\n")
    counts = {"\n": text.count("\n") - crlf, "\r\n": crlf, "\r": text.count("\r") - crlf}
    newline = max(counts, key=lambda ending: counts[ending])  # a tie goes to the first: "\n"
    endings: list[tuple[int, str]] = []
    if sum(1 for n in counts.values() if n) > 1:  # mixed: remember where the others are
        removed = 0  # characters "\r\n" -> "\n" took out before the current one
        for m in _ENDING_RE.finditer(text):
            ending = m.group(0)
            if ending != newline:
                endings.append((m.start() - removed, ending))
            removed += len(ending) - 1
    if crlf:
        text = text.replace("\r\n", "\n")
    if counts["\r"]:
        text = text.replace("\r", "\n")
    return text, newline, tuple(endings)


# What count_elements counts: each costs parsing, segmenting and writing out far more than a
# letter does (markdown-it-py took over a minute and 2 GB on 5 MB of "*a* ").
_MARKDOWN_ELEMENTS = "\n*_`[]<>!&\\~|{}#.?;:\u2026-+"
_TEXT_ELEMENTS = "\n.?!;:\u2026"
_TWICE = "\n.?!\u2026"
_NUMBER_RE = re.compile(r"\d+")


def count_elements(text: str, markdown_syntax: bool = True) -> int:
    """Lines, Markdown punctuation, numbers and sentence ends in text: a bound on its cost,
    counted in a fraction of a second before anything is parsed. Line and sentence ends count
    twice: each can start a block or a sentence (a list item, a table row, a segment), the
    costliest things to parse, look up and write out."""
    chars = _MARKDOWN_ELEMENTS if markdown_syntax else _TEXT_ELEMENTS
    return sum(text.count(c) for c in chars + _TWICE) + _NUMBER_RE.subn("", text)[1]


class NoProse(InputError):
    """The article has no words to translate and no declared language: there is nothing to do."""


def load(
    path: Path, name: str, config: Config, source_lang: str | None = None, default_lang: str | None = None, data: bytes | None = None
) -> Document:
    """Read and segment one article. ``name`` is its path as shown to the user and in outputs;
    ``data``: its bytes, when they were read already.

    ``default_lang`` is the language assumed for an article without any prose to detect it from
    (a section index holding only a title like "2023").
    """
    text, newline, endings, bom, sha256 = _read_article(path, name, config.max_file_bytes, data)
    is_text = path.suffix.lower() in TEXT_SUFFIXES
    elements = count_elements(text, not is_text)
    if elements > config.max_file_elements:
        raise InputError(
            name,
            f"too many elements to translate in one piece ({elements:,} lines, markup characters, numbers and "
            f"sentence ends; the limit is {config.max_file_elements:,}, see max_file_elements); split it",
        )
    meta: dict = {}
    lang_field = None
    if is_text:
        raw = plaintext.parse(text)
    else:
        try:
            parsed = markdown.parse(text, config.front_matter_keys)
        except (FrontMatterError, markdown.ParseError) as e:
            raise InputError(name, str(e)) from None
        except RecursionError:
            raise InputError(name, "nested too deeply to parse") from None
        raw, meta, lang_field = parsed.blocks, parsed.meta, parsed.lang_field
    lang = source_lang or _declared_language(meta, name)
    if lang is None:
        prose = segment.prose(raw)
        lang = document_language(prose, config.languages)
        if lang is None and not has_words(prose):
            lang = default_lang
            if lang is None:
                raise NoProse(name, "no prose to translate and no `lang:` in its front matter; skipped")
    if lang is None:
        raise InputError(name, "cannot tell its language; pass --from or add `lang:` to its front matter")
    blocks = segment.build_blocks(raw, lang, scanners(config, lang), config.languages)
    return Document(
        path=name,
        text=text,
        format="text" if is_text else "markdown",
        source_lang=lang,
        blocks=blocks,
        newline=newline,
        endings=endings,
        bom=bom,
        lang_field=lang_field,
        sha256=sha256,
    )


def scanners(config: Config, lang: str) -> list:
    """What inside prose is protected, in order: URLs, alert markers, glossary names and terms,
    then numbers, dates, amounts and units (what is left of the text after the others)."""
    from pipeline import localize
    from pipeline.localize import glossary

    return [urls, alerts, glossary.scanner(glossary.for_folder(config.glossary_dir), lang), localize.scanner(lang)]


def _declared_language(meta: dict, name: str) -> str | None:
    value = meta.get("lang")
    if value is None:
        return None
    if not isinstance(value, str):  # a list or a mapping: never printed whole (it may be huge)
        raise InputError(name, f"front matter's lang: is {type(value).__name__}, not a language code")
    from pipeline.core.languages import normalise, well_formed

    code = normalise(value)
    if not well_formed(code):  # whether a package covers it is the run's question
        shown = value if len(value) <= 40 else value[:39] + "…"
        raise InputError(name, f"front matter says lang: {shown!r}; not a language code")
    return code
