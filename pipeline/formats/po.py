"""Gettext PO exchange files, written and read with translate-toolkit's `pypo`.

One entry per unit: msgctxt = unit id (identical sources stay distinct), msgid = source,
msgstr = target, translator comments (`# `) = note. The header carries `Language` (target),
`X-Source-Language` and `X-Document` (the article's path).

Codes (see `codes`): PO has no inline codes, so msgid and msgstr keep the tags as text
(`<x1/>`, `<g2>...</g2>`) and each code gets an extracted comment, which Poedit shows beside
the entry and does not let the translator edit: `#. <x1/> code: `print()`` for an atom,
`#. <g2>…</g2> strong: **…**` for a pair. In those lines a backslash, `…`, line breaks, other
invisible characters and white space at the end are backslash escapes, so the Markdown reads
back exactly. Reading takes the codes from the source's tags and their Markdown from those
lines; a code whose line is gone or garbled comes back with its kind and Markdown empty.

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
from pipeline.core.placeholders import MAX_CODE
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
from pipeline.formats.codes import AtomTag, Code, Text, canonical, code_problem, tag_text, to_pieces

SUFFIX = ".po"
_STATE_FLAGS = {"reviewed": "x-state-reviewed", "final": "x-state-final", "translated": "x-state-translated"}
_SURROGATE = re.compile("[\ud800-\udfff]")
_HEADER_UNSAFE = re.compile(r"[%\s\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# In a code's comment line: what would break the line, hide, or part a pair's ends ("…").
_COMMENT_UNSAFE = re.compile(r"[\\\u2026\x00-\x1f\x7f-\x9f\u2028\u2029]")
_COMMENT_ESCAPE = re.compile(r"\\(?:[\\nrt]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})")
_COMMENT_ESCAPED = re.compile(r"(?:[^\\]|\\(?:[\\nrt]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}))*")
_CONTROL_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ATOM_LINE = re.compile(r"<x([1-9][0-9]{0,3})/>(?: ([A-Za-z0-9_.-]+))?:(?: (.*))?")
_PAIR_LINE = re.compile(r"<g([1-9][0-9]{0,3})>…</g\1>(?: ([A-Za-z0-9_.-]+))?:(?: (.*))?")


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
    entry = pypo.pounit(_text(canonical(unit.source)))
    entry.setcontext(_text(unit.id))
    entry.target = _text(canonical(unit.target))
    if unit.note:
        # Not addnote(): it drops notes that are only white space. Same line format as pypo's.
        entry.othercomments = [f"#{' ' if line else ''}{line}\n" for line in _text(unit.note).split("\n")]
    if unit.codes:
        entry.automaticcomments = [f"#. {_code_line(code)}\n" for code in unit.codes]
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


def _code_line(code: Code) -> str:
    """`<x1/> code: `x`` or `<g2>…</g2> strong: **…**`: the tag, the kind, the Markdown."""
    kind = f" {code.kind}" if code.kind else ""
    if code.paired:
        return f"<g{code.n}>…</g{code.n}>{kind}: {_escape(code.open)}…{_escape(code.close or '', last=True)}"
    markdown = _escape(code.open, last=True)
    return f"<x{code.n}/>{kind}:" + (f" {markdown}" if markdown else "")


def _escape(markdown: str, last: bool = False) -> str:
    """Markdown for a comment line; `last`: it ends the line, where tools may trim white space."""
    escaped = _COMMENT_UNSAFE.sub(lambda match: _escape_char(match.group()), _text(markdown))
    if not last:
        return escaped
    kept = escaped.rstrip()
    return kept + "".join(_escape_char(char) for char in escaped[len(kept) :])


def _escape_char(char: str) -> str:
    if char in _CONTROL_ESCAPES:
        return _CONTROL_ESCAPES[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def _unescape(text: str) -> str | None:
    """The Markdown `_escape` wrote, or None for a line someone garbled."""
    if not _COMMENT_ESCAPED.fullmatch(text):
        return None
    reverse = {escaped: char for char, escaped in _CONTROL_ESCAPES.items()}
    try:
        return _COMMENT_ESCAPE.sub(lambda match: reverse.get(match.group()) or _code_point(match.group()[2:]), text)
    except ValueError:
        return None


def _code_point(hex_digits: str) -> str:
    value = int(hex_digits, 16)
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
        raise ValueError(f"no character U+{value:04X}")  # a surrogate would fail wherever the text is encoded
    return chr(value)


def _header_value(text: str) -> str:
    return _HEADER_UNSAFE.sub(lambda match: quote(match.group(), safe="", errors="surrogatepass"), text)


def _header_field(fields: dict[str, str], key: str) -> str:
    if key not in fields:
        raise ExchangeError(f"the PO header has no {key} field")
    try:
        return unquote(fields[key], errors="surrogatepass")
    except (UnicodeDecodeError, ValueError):  # found by bench/fuzz.py
        raise ExchangeError(f"header {key}: not percent-encoded UTF-8") from None


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
        source, target = canonical(str(entry.source)), canonical(str(entry.target or ""))
        unit = replace(unit, state=_read_state(entry, bool(target)), source=source)
        codes = _codes(source, entry.getnotes("developer"))
        unit = replace(unit, codes=codes)
        problem = code_problem(source, check_target(target), codes)
        if problem:
            raise UnitError(problem)
        return replace(unit, target=target, error="")
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


def _codes(source: str, comments: str) -> tuple[Code, ...]:
    """The codes the source's tags name, with the kind and Markdown our comment lines give."""
    paired: dict[int, bool] = {}
    for piece in to_pieces(source):
        if isinstance(piece, Text):
            continue
        if not 1 <= piece.n <= MAX_CODE:
            raise UnitError(f"the source has the tag {tag_text(piece)}; tag numbers start at 1")
        if paired.setdefault(piece.n, not isinstance(piece, AtomTag)) == isinstance(piece, AtomTag):
            raise UnitError(f"code {piece.n} is both an atom and a pair")
    described = _described(comments)
    codes = []
    for n, pair in sorted(paired.items()):
        code = described.get(n)
        codes.append(code if code is not None and code.paired == pair else Code(n, "", "", "" if pair else None))
    return tuple(codes)


def _described(comments: str) -> dict[int, Code]:
    """Code number -> the code a comment line of ours describes; other lines are not ours."""
    described: dict[int, Code] = {}
    for line in comments.split("\n"):
        code = _code_of_line(line)
        if code is not None:
            described.setdefault(code.n, code)
    return described


def _code_of_line(line: str) -> Code | None:
    atom = _ATOM_LINE.fullmatch(line)
    if atom:
        markdown = _unescape(atom.group(3) or "")
        return None if markdown is None else Code(int(atom.group(1)), atom.group(2) or "", markdown)
    pair = _PAIR_LINE.fullmatch(line)
    if pair:
        ends = [_unescape(end) for end in (pair.group(3) or "").split("…")]
        if len(ends) == 2 and ends[0] is not None and ends[1] is not None:
            return Code(int(pair.group(1)), pair.group(2) or "", ends[0], ends[1])
    return None
