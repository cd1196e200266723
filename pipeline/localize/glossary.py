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
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.core.errors import ConfigError
from pipeline.segment.protect import Atom, Run, Text, split_runs

FILE = "glossary.yaml"


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


def load(folder: str | Path | None, languages: tuple[str, ...] | None = None) -> Glossary:
    """Every locales/<lang>/glossary.yaml under folder (any language; ``languages`` limits it); a
    missing folder or file means no terms."""
    if folder is None:
        return NO_GLOSSARY
    if languages is None:
        languages = _languages(folder)
    terms: list[Term] = []
    keep: list[str] = []
    for lang in languages:
        path = Path(folder) / lang / FILE
        if not path.is_file():
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
            raise ConfigError(f"{path}: cannot read the glossary: {' '.join(str(e).split())}") from None
        if not isinstance(data, dict) or set(data) - {"terms", "keep"}:
            raise ConfigError(f"{path}: a glossary has two keys, terms and keep")
        keep.extend(_strings(data.get("keep") or [], path, "keep"))
        # an entry's source is English, in English's own glossary Ukrainian, unless `from:` names it
        default_other = "uk" if lang == "en" else "en"
        for i, entry in enumerate(data.get("terms") or []):
            where = f"terms[{i}]"
            if not isinstance(entry, dict) or not {"source", "target"} <= set(entry) or set(entry) - {"source", "target", "forms", "from"}:
                raise ConfigError(f"{path}: {where} needs source and target (and optionally forms, from)")
            other = str(entry.get("from") or default_other)
            source, target = _strings([entry["source"], entry["target"]], path, where)
            forms = tuple(_strings(entry.get("forms") or [], path, f"{where}.forms"))
            # into this language: fixed unless it inflects
            terms.append(Term(other, (source,), target, (target, *forms), enforced=not forms))
            # out of it: any form in the source, the other language's term in the output, exactly
            terms.append(Term(lang, (target, *forms), source, (source,), enforced=True))
    return Glossary(tuple(terms), tuple(dict.fromkeys(keep)))


@functools.lru_cache(maxsize=8)
def _cached(folder: str, stamps: tuple) -> Glossary:
    return load(folder)


def for_folder(folder: str | None) -> Glossary:
    """The glossaries under folder, read again only when a file changes."""
    if folder is None:
        return NO_GLOSSARY
    stamps = tuple((lang, (Path(folder) / lang / FILE).stat().st_mtime_ns) for lang in _languages(folder))
    return _cached(folder, stamps)


def _languages(folder: str | Path) -> tuple[str, ...]:
    """The languages with a glossary in folder: en and uk first (their entries' default sources), then the rest."""
    root = Path(folder)
    found = sorted(p.parent.name for p in root.glob(f"*/{FILE}")) if root.is_dir() else []
    return tuple(sorted(found, key=lambda lang: (lang not in ("en", "uk"), lang)))


def _strings(values, path: Path, where: str) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ConfigError(f"{path}: {where} must be a list of non-empty strings")
    return [v.strip() for v in values]


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
