"""Glossaries: terms translated a fixed way, and names never translated.

``locales/<lang>/glossary.yaml`` holds the terms for translations *into* <lang>::

    terms:
      - source: Kursk region          # the term in the other language
        target: Курська область       # how it must be translated into this one
        forms: [Курської області, Курській області, Курську область, Курською областю]
    keep: [Reuters, OpenTelemetry]    # never translated, in either direction

Every entry works in both directions: into <lang> the source term becomes the target term, and
out of <lang> the target term (or one of its forms) becomes the source term.

A term is either enforced or checked. Without ``forms`` the translation is fixed: the source term
is protected like code and replaced by the target term exactly. With ``forms`` (a Ukrainian noun
phrase whose case depends on the sentence) the engine chooses the form and the output is checked
for the term or one of its forms; a sentence without it is flagged ``glossary``. ``keep`` names are
protected and copied as written. Matching ignores case and respects word boundaries.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from pipeline.core.errors import ConfigError
from pipeline.segment.protect import Atom, Run, Text, split_runs

if TYPE_CHECKING:
    from pipeline.core.config import Config

FILE = "glossary.yaml"
# Each term is matched in every sentence: with ~10,000 entries (1 MB) reading and matching cost
# seconds per article (docs/configuration.md has the measurements).
MAX_BYTES = 1_000_000
MAX_PHRASE = 200  # characters of a term, a form or a kept name
_ENTRY_KEYS = ("source", "target", "forms", "from")


@dataclass(frozen=True)
class Term:
    source_lang: str
    source: tuple[str, ...]  # the term and its forms in the source language
    target: str  # what the translation must say (its first, citation form)
    target_forms: tuple[str, ...]  # every form that counts as correct in a translation
    enforced: bool  # True: protected and replaced exactly; False: checked in the output


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...] = ()
    keep: tuple[str, ...] = ()

    def for_source(self, lang: str) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if t.source_lang == lang)


NO_GLOSSARY = Glossary()


def load_checked(config: Config) -> Glossary:
    """The project's glossaries with every entry checked: what a command calls once, before any
    article, so that a mistake is one ConfigError naming the file and the entry. Later
    for_folder() calls (one per article) return the same object while the files are unchanged."""
    return for_folder(config.glossary_dir)


def load(folder: str | Path | None, languages: tuple[str, ...] | None = None) -> Glossary:
    """Every locales/<lang>/glossary.yaml under folder (any language; ``languages`` limits it); a
    missing folder or file means no terms.

    Each entry also works in reverse. An entry written for a direction wins over another
    glossary's entry reversed into it, and the first of two reversed entries wins; two entries of
    one direction for the same term, or a kept name that is also a term, are mistakes.
    """
    if folder is None:
        return NO_GLOSSARY
    if languages is None:
        languages = _languages(folder)
    files = []
    for lang in languages:
        path = Path(folder) / lang / FILE
        if not os.path.lexists(path):
            continue
        if not re.fullmatch(r"[a-z]{2,3}", lang):
            raise ConfigError(f"{path}: the folder {lang[:40]!r} is not a language code (en, uk, de...)")
        files.append(_File(path, lang, _read(path)))
    return _combine(files)


@dataclass
class _File:
    """One glossary file's entries, checked, as terms into its language and out of it."""

    path: Path
    lang: str
    data: dict

    def __post_init__(self) -> None:
        self.forward: list[tuple[str, Term]] = []  # (entry, term into self.lang)
        self.reverse: list[tuple[str, Term]] = []  # (entry, the same entry out of self.lang)
        self.keep: list[tuple[str, str]] = []  # (entry, name)
        terms = self.data.get("terms")
        if terms is not None and not isinstance(terms, list):
            self.fail("terms", f"must be a list of entries (source, target, forms), not {_kind(terms)}")
        # an entry's source is English, in English's own glossary Ukrainian, unless `from:` names it
        default_other = "uk" if self.lang == "en" else "en"
        for i, entry in enumerate(terms or []):
            where = f"terms[{i}]"
            if not isinstance(entry, dict):
                self.fail(where, f"must be a mapping with source and target (and optionally forms, from), not {_kind(entry)}")
            unknown = [k for k in entry if k not in _ENTRY_KEYS]
            if unknown:
                self.fail(where, f"has the key {str(unknown[0])[:40]!r}; an entry has source, target, forms and from")
            if "source" not in entry or "target" not in entry:
                self.fail(where, "needs source and target (and optionally forms, from)")
            other = entry.get("from") or default_other
            if not isinstance(other, str) or not re.fullmatch(r"[a-z]{2,3}", other) or other == self.lang:
                self.fail(f"{where}.from", f"must be the code of the source language (not {self.lang!r}), not {_kind(other)}")
            source = self.phrase(entry["source"], f"{where}.source")
            target = self.phrase(entry["target"], f"{where}.target")
            forms = entry.get("forms")
            if forms is not None and not isinstance(forms, list):
                self.fail(f"{where}.forms", f"must be a list of the target's forms, not {_kind(forms)}")
            forms = tuple(self.phrase(f, f"{where}.forms[{j}]") for j, f in enumerate(forms or []))
            shown = f"{where} ({source[:40]!r})"
            # into this language: fixed unless it inflects
            self.forward.append((shown, Term(other, (source,), target, (target, *forms), enforced=not forms)))
            # out of it: any form in the source, the other language's term in the output, exactly
            self.reverse.append((shown, Term(self.lang, tuple(dict.fromkeys((target, *forms))), source, (source,), enforced=True)))
        keep = self.data.get("keep")
        if keep is not None and not isinstance(keep, list):
            self.fail("keep", f"must be a list of names never translated, not {_kind(keep)}")
        self.keep = [(f"keep[{j}]", self.phrase(name, f"keep[{j}]")) for j, name in enumerate(keep or [])]

    def phrase(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(where, f"must be a non-empty string, not {_kind(value)}")
        if len(value) > MAX_PHRASE:
            self.fail(where, f"is longer than {MAX_PHRASE} characters; a term is a few words")
        return value.strip()

    def fail(self, where: str, why: str) -> NoReturn:
        raise ConfigError(f"{self.path}: {where} {why}")


def _combine(files: list[_File]) -> Glossary:
    """One glossary from the files' entries, with the precedence load() describes."""
    owner: dict[tuple[str, str], tuple[_File, str]] = {}  # (source language, phrase) -> its forward entry
    terms: list[Term] = []
    for f in files:
        for where, term in f.forward:
            key = (term.source_lang, term.source[0].casefold())
            if key in owner:
                first, first_where = owner[key]
                if first is f:
                    f.fail(where, f"has the same source as {first_where}; a term has one entry")
                # one Term per phrase: the atom it protects is written the same into every language
                f.fail(where, f"is also a term in {first.path} ({first_where}); a term may be in one target language's glossary only")
            owner[key] = (f, where)
            terms.append(term)
    by_phrase = {phrase: entry for (_, phrase), entry in owner.items()}
    kept: dict[str, str] = {}
    for f in files:
        for where, name in f.keep:
            if name.casefold() in by_phrase:
                first, first_where = by_phrase[name.casefold()]
                f.fail(where, f"({name[:40]!r}) is also a term ({first.path}: {first_where}); keep it or translate it")
            kept.setdefault(name.casefold(), name)
    taken = set(owner)
    for f in files:
        for _, term in f.reverse:
            phrases = tuple(p for p in term.source if (term.source_lang, p.casefold()) not in taken and p.casefold() not in kept)
            taken.update((term.source_lang, p.casefold()) for p in phrases)
            if phrases:
                terms.append(Term(term.source_lang, phrases, term.target, term.target_forms, term.enforced))
    return Glossary(tuple(terms), tuple(kept.values()))


def _read(path: Path) -> dict:
    from pipeline.core import safe_yaml
    from pipeline.core.errors import InputError
    from pipeline.store.fileio import read_bytes

    try:
        text = read_bytes(path, str(path), MAX_BYTES, setting="").decode("utf-8")
    except InputError as e:
        raise ConfigError(str(e)) from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 (invalid byte at offset {e.start})") from None
    try:
        data = safe_yaml.load(text, "the glossary")
    except safe_yaml.YAMLRefused as e:
        raise ConfigError(f"{path}: {e}") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or set(data) - {"terms", "keep"}:
        raise ConfigError(f"{path}: a glossary has two keys, terms and keep")
    return data


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"a number ({value!r:.20})"
    if isinstance(value, str):
        return "empty" if not value.strip() else repr(value if len(value) <= 40 else value[:39] + "…")
    return f"a {'list' if isinstance(value, list) else 'mapping' if isinstance(value, dict) else type(value).__name__}"


@functools.lru_cache(maxsize=8)
def _cached(folder: str, stamps: tuple) -> Glossary:
    return load(folder)


def for_folder(folder: str | None) -> Glossary:
    """The glossaries under folder, read again only when a file changes."""
    if folder is None:
        return NO_GLOSSARY
    return _cached(folder, tuple((lang, _stamp(Path(folder) / lang / FILE)) for lang in _languages(folder)))


def _stamp(path: Path) -> tuple | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def _languages(folder: str | Path) -> tuple[str, ...]:
    """The languages with a glossary in folder: en and uk first (their entries' default sources), then the rest."""
    root = Path(folder)
    found = sorted(p.parent.name for p in root.glob(f"*/{FILE}")) if root.is_dir() else []
    return tuple(sorted(found, key=lambda lang: (lang not in ("en", "uk"), lang)))


def _pattern(phrases) -> re.Pattern[str] | None:
    phrases = sorted(set(phrases), key=len, reverse=True)  # the longest match wins
    if not phrases:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)", re.IGNORECASE)


def scanner(glossary: Glossary, source_lang: str) -> Callable[[str], list[Run]]:
    """Protect keep names and enforced terms: they become atoms rendered by ``render``."""
    enforced = {p.casefold(): t for t in glossary.for_source(source_lang) if t.enforced for p in t.source}
    keep = {k.casefold() for k in glossary.keep}
    pattern = _pattern([*glossary.keep, *(p for t in glossary.for_source(source_lang) if t.enforced for p in t.source)])

    def atom(m: re.Match[str]) -> tuple[int, int, Atom]:
        found = m.group(0)
        return m.start(), m.end(), Atom("term", found, None if found.casefold() in keep else enforced[found.casefold()])

    def scan(text: str) -> list[Run]:
        if pattern is None:
            return [Text(text)]
        return split_runs(text, map(atom, pattern.finditer(text)))

    return scan


def render(span) -> str:
    """An enforced term's fixed translation; a kept name as written."""
    return span.value.target if span.value is not None else span.source


def expected(glossary: Glossary, source_lang: str, text: str) -> list[Term]:
    """The checked (inflecting) terms a source sentence contains: its translation must have them."""
    checked = [t for t in glossary.for_source(source_lang) if not t.enforced]
    pattern = _pattern(p for t in checked for p in t.source)
    if pattern is None:
        return []
    by_phrase = {p.casefold(): t for t in checked for p in t.source}
    return list({id(t): t for t in (by_phrase[m.group(0).casefold()] for m in pattern.finditer(text))}.values())


def satisfied(term: Term, translation: str) -> bool:
    pattern = _pattern(term.target_forms)
    assert pattern is not None  # target_forms always holds the target itself
    return pattern.search(translation) is not None
