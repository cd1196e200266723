"""Reading one article, whatever its format: bytes -> checked text (a text format) or the bytes
(a binary one) -> the format's blocks -> segments -> Document. Every refusal is an InputError."""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

from pipeline.articles import registry
from pipeline.articles.base import ArticleFormat, FormatError, Parsed
from pipeline.core import paths
from pipeline.core.config import Config
from pipeline.core.document import Document
from pipeline.core.errors import InputError
from pipeline.core.hashes import file_sha256
from pipeline.segment import blocks as segment
from pipeline.segment.detect import document_language
from pipeline.segment.protect import alerts, has_words, urls
from pipeline.store import fileio


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
    data = fileio.read_bytes(path, name, max_bytes)
    text, newline, _, bom = checked_text(data, name)
    return text, newline, bom, file_sha256(data)


def checked_text(data: bytes, name: str) -> tuple[str, str, tuple[tuple[int, str], ...], bool]:
    """A text format's file as text with "\\n" line endings, its most common line ending, the
    others (see split_line_endings) and whether it had a BOM; InputError unless it is UTF-8 text."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise InputError(name, "UTF-32 text (byte order mark); save it as UTF-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(name, "UTF-16 text (byte order mark); save it as UTF-8")
    if b"\x00" in data:
        raise InputError(name, f"binary file (NUL byte at offset {data.index(0)})")
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
    return text, newline, endings, bom


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


class NoProse(InputError):
    """The article has no words to translate and no declared language: there is nothing to do."""


def load(
    path: Path, name: str, config: Config, source_lang: str | None = None, default_lang: str | None = None, data: bytes | None = None
) -> Document:
    """Read and segment one article. ``name`` is its path as shown to the user and in outputs;
    ``data``: its bytes, when they were read already (an article is read once per run).

    ``default_lang`` is the language assumed for an article without any prose to detect it from
    (a section index holding only a title like "2023").
    """
    fmt = registry.for_path(path)
    if data is None:
        data = fileio.read_bytes(path, name, config.max_file_bytes)
    if fmt.binary:
        if not data:
            raise InputError(name, "empty file")
        text, newline, bom = "", "\n", False
        endings: tuple[tuple[int, str], ...] = ()
        content: str | bytes = data
    else:
        text, newline, endings, bom = checked_text(data, name)
        content = text
    parsed = _parse(fmt, content, name, config)
    lang = source_lang or _language(fmt, parsed, name, config, default_lang)
    blocks = segment.build_blocks(parsed.blocks, lang, scanners(config, lang), config.languages)
    return Document(
        path=name,
        text=text if parsed.text is None else parsed.text,
        format=fmt.name,
        source_lang=lang,
        blocks=blocks,
        newline=newline,
        endings=endings,
        bom=bom,
        lang_field=parsed.lang_field,
        sha256=file_sha256(data),
        data=data if fmt.binary else b"",
    )


def _parse(fmt: ArticleFormat[Any], content: str | bytes, name: str, config: Config) -> Parsed:
    """The format's blocks, once its cost bound (counted before parsing) is under the limit."""
    elements = fmt.cost(content)
    if elements > config.max_file_elements:
        raise InputError(
            name,
            f"too many elements to translate in one piece ({elements:,} {fmt.elements}; "
            f"the limit is {config.max_file_elements:,}, see max_file_elements); split it",
        )
    try:
        return fmt.parse(content, config)
    except FormatError as e:
        raise InputError(name, str(e)) from None
    except RecursionError:
        raise InputError(name, "nested too deeply to parse") from None


def _language(fmt: ArticleFormat[Any], parsed: Parsed, name: str, config: Config, default_lang: str | None) -> str:
    """The language the file declares, else the one its prose is in, else ``default_lang`` when it
    has no prose at all."""
    if parsed.lang is not None:
        try:
            return fmt.language(parsed.lang)
        except FormatError as e:
            raise InputError(name, str(e)) from None
    prose = segment.prose(parsed.blocks)
    lang = document_language(prose, config.languages)
    if lang is None and not has_words(prose):
        lang = default_lang
        if lang is None:
            declared = f" and no {fmt.declares}" if fmt.declares else ""
            raise NoProse(name, f"no prose to translate{declared}; skipped")
    if lang is None:
        declare = f" or add {fmt.declares}" if fmt.declares else ""
        raise InputError(name, f"cannot tell its language; pass --from{declare}")
    return lang


def scanners(config: Config, lang: str) -> list:
    """What inside prose is protected, in order: URLs, alert markers, glossary names and terms,
    then numbers, dates, amounts and units (what is left of the text after the others)."""
    from pipeline import localize
    from pipeline.localize import glossary

    return [urls, alerts, glossary.scanner(glossary.for_folder(config.glossary_dir), lang), localize.scanner(lang)]
