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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from pipeline.core.errors import ConfigError
from pipeline.segment.protect import Atom, Prefiltered, Run, Text, never, split_runs

if TYPE_CHECKING:
    from pipeline.core.config import Config

FILE = "glossary.yaml"
# A glossary is read by every process of a run and its terms are looked for in every sentence:
# 1 MB holds ~8,500 entries, which took 2.0 s to read and 0.23 s per 570 KB of text to find
# (bench/limits.py glossary).
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
    # what finds the terms in a text, built once per source language (a run keeps its glossary)
    matchers: dict = field(default_factory=dict, compare=False, repr=False)

    def for_source(self, lang: str) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if t.source_lang == lang)

    def protected(self, lang: str) -> _Phrases:
        """Kept names (standing for None) and enforced terms, in text of one source language."""
        if ("protected", lang) not in self.matchers:
            enforced = [(p, t) for t in self.for_source(lang) if t.enforced for p in t.source]
            self.matchers["protected", lang] = _Phrases([*((k, None) for k in self.keep), *enforced])
        return self.matchers["protected", lang]

    def checked(self, lang: str) -> _Phrases:
        """The inflecting terms, checked in the translation."""
        if ("checked", lang) not in self.matchers:
            self.matchers["checked", lang] = _Phrases([(p, t) for t in self.for_source(lang) if not t.enforced for p in t.source])
        return self.matchers["checked", lang]


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
        for i, entry in enumerate(terms or []):
            self.entry(f"terms[{i}]", entry)
        keep = self.data.get("keep")
        if keep is not None and not isinstance(keep, list):
            self.fail("keep", f"must be a list of names never translated, not {_kind(keep)}")
        self.keep = [(f"keep[{j}]", self.phrase(name, f"keep[{j}]")) for j, name in enumerate(keep or [])]

    def entry(self, where: str, entry: Any) -> None:
        if not isinstance(entry, dict):
            self.fail(where, f"must be a mapping with source and target (and optionally forms, from), not {_kind(entry)}")
        unknown = [k for k in entry if k not in _ENTRY_KEYS]
        if unknown:
            self.fail(where, f"has the key {str(unknown[0])[:40]!r}; an entry has source, target, forms and from")
        if "source" not in entry or "target" not in entry:
            self.fail(where, "needs source and target (and optionally forms, from)")
        # an entry's source is English, in English's own glossary Ukrainian, unless `from:` names it
        other = entry.get("from")
        if other is None:
            other = "uk" if self.lang == "en" else "en"
        if not isinstance(other, str) or not re.fullmatch(r"[a-z]{2,3}", other) or other == self.lang:
            own = " (the glossary's own language)" if other == self.lang else ""
            self.fail(f"{where}.from", f"must be the code of the source language, not {_kind(other)}{own}")
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
    """Any of the phrases as a whole word, ignoring case, the longest first.

    As a trie (phrases sharing a beginning share its branch), not one alternative per phrase:
    the regex engine then tries the letters once, not every phrase at every position (with
    8,500 terms, 570 KB of text took 18.5 s as alternatives, 0.23 s as a trie).
    """
    trie: dict = {}
    for phrase in set(phrases):
        node = trie
        for c in phrase:
            lower = c.lower()
            node = node.setdefault(lower if len(lower) == 1 else c, {})  # one branch for D and d
        node[""] = True  # a phrase ends here
    if not trie:
        return None
    return re.compile(r"(?<!\w)" + _alternatives(trie) + r"(?!\w)", re.IGNORECASE)


def _alternatives(node: dict) -> str:
    """A trie node as a regex: longer continuations before the end, a chain of one-child nodes as one literal."""
    branches = []
    for c, child in node.items():
        if c == "":
            continue
        text = c
        while len(child) == 1 and "" not in child:  # a chain without a branch or an end: one literal
            (c, child), *_ = child.items()
            text += c
        branches.append(re.escape(text) + ("" if child == {"": True} else _alternatives(child)))
    if not branches:
        return ""
    group = "(?:" + "|".join(branches) + ")"
    return group + "?" if "" in node else group


class _Phrases:
    """Phrases found in a text (whole words, ignoring case, the longest first) and what each stands for."""

    def __init__(self, pairs: list[tuple[str, Any]]):
        self.pairs = pairs
        self.folded: dict[str, Any] = {}
        for phrase, value in pairs:
            self.folded.setdefault(phrase.casefold(), value)
        self.pattern = _pattern(p for p, _ in pairs)

    def find(self, text: str) -> Iterator[tuple[re.Match[str], Any]]:
        if self.pattern is not None:
            for m in self.pattern.finditer(text):
                yield m, self.value(m.group(0))

    def value(self, found: str) -> Any:
        folded = found.casefold()
        if folded in self.folded:
            return self.folded[folded]
        # re.IGNORECASE also equates letters that casefold() keeps apart (i, ı and İ)
        return next(v for p, v in self.pairs if re.fullmatch(re.escape(p), found, re.IGNORECASE))


def scanner(glossary: Glossary, source_lang: str) -> Prefiltered:
    """Protect keep names and enforced terms: they become atoms rendered by ``render``."""
    phrases = glossary.protected(source_lang)

    def scan(text: str) -> list[Run]:
        if phrases.pattern is None:
            return [Text(text)]
        return split_runs(text, ((m.start(), m.end(), Atom("term", m.group(0), term)) for m, term in phrases.find(text)))

    # without a name or term to protect, no text needs scanning
    return Prefiltered(scan, never if phrases.pattern is None else _always)


def _always(text: str) -> bool:
    return True


def render(span) -> str:
    """An enforced term's fixed translation; a kept name as written."""
    return span.value.target if span.value is not None else span.source


def expected(glossary: Glossary, source_lang: str, text: str) -> list[Term]:
    """The checked (inflecting) terms a source sentence contains: its translation must have them."""
    return list({id(t): t for _, t in glossary.checked(source_lang).find(text)}.values())


def satisfied(term: Term, translation: str) -> bool:
    pattern = _pattern(term.target_forms)
    assert pattern is not None  # target_forms always holds the target itself
    return pattern.search(translation) is not None
