"""Reading one article: bytes -> checked text -> Document. Every refusal is an InputError."""

from __future__ import annotations

import codecs
from pathlib import Path

from pipeline import markdown, plaintext, records, segment
from pipeline.config import Config
from pipeline.detect import document_language
from pipeline.document import Document
from pipeline.errors import InputError
from pipeline.frontmatter import FrontMatterError
from pipeline.protect import alerts, has_words, urls

TEXT_SUFFIXES = (".txt", ".text")


def read_bytes(path: Path, name: str, max_bytes: int) -> bytes:
    """The file's bytes, refused when larger than max_bytes."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(name, f"too large ({size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB, see max_file_bytes)")
        return path.read_bytes()
    except PermissionError:
        raise InputError(name, "cannot read: permission denied") from None
    except IsADirectoryError:
        raise InputError(name, "is a directory") from None
    except OSError as e:
        raise InputError(name, f"cannot read: {e.strerror or e}") from None


def read_text(path: Path, name: str, max_bytes: int) -> tuple[str, str, bool, str]:
    """The file's text with "\\n" line endings, its own line ending, whether it had a BOM, and the
    SHA-256 of its bytes (recorded with the translation, so `check` knows what was translated)."""
    data = read_bytes(path, name, max_bytes)
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise InputError(name, "UTF-32 text (byte order mark); save it as UTF-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(name, "UTF-16 text (byte order mark); save it as UTF-8")
    if b"\x00" in data:
        raise InputError(name, f"binary file (NUL byte at offset {data.index(0)})")
    sha256 = records.file_sha256(data)
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(name, f"not UTF-8 (invalid byte 0x{data[e.start]:02x} at offset {e.start})") from None
    if not text.strip():
        raise InputError(name, "empty file")
    newline = "\r\n" if "\r\n" in text else "\n"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, newline, bom, sha256


class NoProse(InputError):
    """The article has no words to translate and no declared language: there is nothing to do."""


def load(
    path: Path, name: str, config: Config, source_lang: str | None = None, default_lang: str | None = None
) -> Document:
    """Read and segment one article. ``name`` is its path as shown to the user and in outputs.

    ``default_lang`` is the language assumed for an article without any prose to detect it from
    (a section index holding only a title like "2023").
    """
    text, newline, bom, sha256 = read_text(path, name, config.max_file_bytes)
    is_text = path.suffix.lower() in TEXT_SUFFIXES
    meta: dict = {}
    lang_field = None
    if is_text:
        raw = plaintext.parse(text)
    else:
        try:
            parsed = markdown.parse(text, config.front_matter_keys)
        except FrontMatterError as e:
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
    from pipeline.languages import normalise, well_formed

    code = normalise(value)
    if not well_formed(code):  # whether a package covers it is the run's question
        raise InputError(name, f"front matter says lang: {value!r}; not a language code")
    return code
