"""Gettext PO exchange files, written and read with translate-toolkit's `pypo`.

One entry per unit: msgctxt = unit id (identical sources stay distinct), msgid = source,
msgstr = target, translator comments (`# `) = note. The header carries `Language` (target),
`X-Source-Language` and `X-Document` (the article's path).

State: PO itself says "untranslated" (empty msgstr), "fuzzy" and "translated". `#, fuzzy`
marks state "initial" with a non-empty target; an empty target without flags is "initial" and
a non-empty one "translated". The states PO cannot express get a flag of ours:
`x-state-reviewed`, `x-state-final`, or `x-state-translated` for an empty target. `fuzzy`
wins over them on reading: an editor who marks a checked unit fuzzy means it needs work.

Characters: PO is text, not XML. pypo escapes `\\`, `"`, newline, tab and CR and writes every
other character as it is, control characters included, and reads them back exactly. Only
lone surrogates cannot be written in UTF-8; they become U+FFFD. (GNU gettext's own tools
may refuse a raw NUL; pypo does not.) Header values are
percent-encoded where PO headers would mangle them (`%`, white space, control characters),
so the document path comes back exactly.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import quote, unquote

from translate.storage import pypo

from pipeline import __version__
from pipeline.formats.base import (
    Exchange,
    ExchangeError,
    Unit,
    UnitError,
    check_ids,
    check_size,
    check_target,
    label,
    require_lang,
    unit_error,
    unread,
)

SUFFIX = ".po"
_STATE_FLAGS = {"reviewed": "x-state-reviewed", "final": "x-state-final", "translated": "x-state-translated"}
_SURROGATE = re.compile("[\ud800-\udfff]")
_HEADER_UNSAFE = re.compile(r"[%\s\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def write(exchange: Exchange) -> bytes:
    store = pypo.pofile(noheader=True)
    store.addunit(_header(exchange))
    for unit in exchange.units:
        store.addunit(_entry(unit))
    return bytes(store)


def _header(exchange: Exchange) -> pypo.pounit:
    fields = {
        "Project-Id-Version": _header_value(exchange.document),
        "Language": _header_value(exchange.target_lang),
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "X-Generator": f"uk-en-pipeline {__version__}",
        "X-Source-Language": _header_value(exchange.source_lang),
        "X-Document": _header_value(exchange.document),
    }
    header = pypo.pounit("")
    header.target = "".join(f"{key}: {value}\n" for key, value in fields.items())
    return header


def _entry(unit: Unit) -> pypo.pounit:
    entry = pypo.pounit(_text(unit.source))
    entry.setcontext(_text(unit.id))
    entry.target = _text(unit.target)
    if unit.note:
        # Not addnote(): it drops notes that are only white space. Same line format as pypo's.
        entry.othercomments = [f"#{' ' if line else ''}{line}\n" for line in _text(unit.note).split("\n")]
    flag = _state_flag(unit.state, bool(unit.target))
    if flag:
        entry.settypecomment(flag)
    return entry


def _state_flag(state: str, has_target: bool) -> str | None:
    """The flag that gives `state` back, None when PO's own reading of the entry already does."""
    if state == "initial":
        return "fuzzy" if has_target else None
    if state == "translated" and has_target:
        return None
    return _STATE_FLAGS[state]


def _text(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)


def _header_value(text: str) -> str:
    return _HEADER_UNSAFE.sub(lambda match: quote(match.group(), safe="", errors="surrogatepass"), text)


def _header_field(fields: dict[str, str], key: str) -> str:
    if key not in fields:
        raise ExchangeError(f"the PO header has no {key} field")
    return unquote(fields[key], errors="surrogatepass")


def read(data: bytes) -> Exchange:
    check_size(data)
    try:
        store = pypo.pofile.parsestring(bytes(data))
    except Exception as error:  # noqa: BLE001  pypo raises many kinds on junk; the caller needs one
        raise ExchangeError(f"not a readable PO file: {type(error).__name__}: {error}") from None
    if store.header() is None:
        raise ExchangeError('no PO header (msgid "") with Language, X-Source-Language and X-Document')
    fields = store.parseheader()
    document = _header_field(fields, "X-Document")
    source_lang = require_lang(_header_field(fields, "X-Source-Language"), "source language (X-Source-Language)")
    target_lang = require_lang(_header_field(fields, "Language"), "target language (Language)")
    entries = [entry for entry in store.units if not entry.isheader() and not entry.isobsolete()]
    units = check_ids([_read_entry(entry) for entry in entries])
    return Exchange(document, source_lang, target_lang, units)


def _read_entry(entry: pypo.pounit) -> Unit:
    """The unit, or the unit with `error` set when a problem is confined to it."""
    unit_id = entry.getcontext()
    if not unit_id:
        raise ExchangeError(f"an entry has no msgctxt (the unit id): msgid {label(str(entry.source))}")
    unit = unread(unit_id)
    try:
        unit = replace(unit, note=entry.getnotes("translator"))
        if entry.hasplural():
            raise UnitError("plural entries are not supported")
        target = str(entry.target or "")
        unit = replace(unit, state=_read_state(entry, bool(target)), source=str(entry.source))
        return replace(unit, target=check_target(target), error="")
    except ExchangeError:
        raise
    except (UnitError, ValueError) as problem:
        return unit_error(unit, problem)


def _read_state(entry: pypo.pounit, has_target: bool) -> str:
    explicit = [state for state, flag in _STATE_FLAGS.items() if entry.hastypecomment(flag)]
    if len(explicit) > 1:
        raise UnitError(f"conflicting state flags {', '.join(explicit)}")
    if entry.isfuzzy():
        return "initial"
    if explicit:
        return explicit[0]
    return "translated" if has_target else "initial"
