"""Front matter (YAML, TOML, JSON): which values to translate, and where they are, without re-dumping it.

Re-serialising would lose comments, key order and quoting; instead each translated value replaces
exactly the characters of its scalar (positions from ``yaml.compose``, from tomlkit's exact round
trip, from the JSON decoder's offsets), so every other byte of the front matter is kept. YAML
(``---``) is found by markdown-it's front matter plugin; TOML (``+++``) and JSON (an object at the
start of the file), as Hugo reads them, by ``parse_head``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import yaml

from pipeline.articles.blocks import RawBlock
from pipeline.core import safe_yaml
from pipeline.segment.protect import Text

_STR = "tag:yaml.org,2002:str"
# Anchors and tags before a value ("&a", "!!str", "&a # note" then the value on the next line):
# the value's own text starts after them, and they stay in the output.
_PROPERTIES_RE = re.compile(r"(?:[&!][^\s,\[\]{}]*\s*(?:#[^\n]*\s*)*)*")
# Block.syntax of a front matter value: article.render writes each translated value back with scalar().
SYNTAXES = ("yaml", "toml", "json")
# Nesting of a TOML or JSON front matter: tomlkit's own limit (it refuses deeper values and dotted
# keys), and the JSON reader's, to match. Real front matter nests two or three levels.
MAX_DEPTH = 100
# tomlkit costs ~18 us of CPU per array item or inline table entry (a 2.4 MB array of 800,000
# empty strings took 14 s, bench/toml_front_matter.py); count_elements does not count commas.
MAX_TOML_COMMAS = 10_000
_TOML_OPEN_RE = re.compile(r"\+\+\+[ \t]*(?:\n|$)")
_TOML_CLOSE_RE = re.compile(r"^\+\+\+[ \t]*$", re.MULTILINE)
# A JSON object starts with "{" then a key or "}": "{{< shortcode >}}" or "{.class}" is Markdown.
_JSON_OPEN_RE = re.compile(r"\{[ \t\n]*[\"}]")
_JSON_SPACE_RE = re.compile(r"[ \t\n\r]*")


class FrontMatterError(ValueError):
    pass


@dataclass(frozen=True)
class FrontMatter:
    data: dict
    blocks: tuple[RawBlock, ...]  # one per translated key
    lang_field: tuple[int, int] | None


def head_syntax(text: str) -> str:
    """The syntax of the front matter that ``text`` starts with: "toml" (a ``+++`` line), "json" (an
    object), else "yaml" (whether there is a ``---`` front matter is markdown-it's to say)."""
    if _TOML_OPEN_RE.match(text):
        return "toml"
    if _JSON_OPEN_RE.match(text):
        return "json"
    return "yaml"


def parse_head(text: str, keys: tuple[str, ...]) -> tuple[FrontMatter, int] | None:
    """The TOML or JSON front matter ``text`` starts with, and the offset where the article after it
    begins; None when it starts with neither. Like Hugo, the first ``+++`` line after the opening one
    closes a TOML front matter, and the end of the first JSON value a JSON one."""
    syntax = head_syntax(text)
    if syntax == "json":
        return _parse_json(text, keys)
    if syntax != "toml":
        return None
    start = _TOML_OPEN_RE.match(text).end()  # type: ignore[union-attr]  # head_syntax matched it
    close = _TOML_CLOSE_RE.search(text, start)
    if close is None:
        raise FrontMatterError("front matter opened by +++ on line 1 is never closed (no +++ line after it)")
    return parse(text, start, close.start(), keys, "toml"), close.end()


def parse(text: str, start: int, end: int, keys: tuple[str, ...], syntax: str = "yaml") -> FrontMatter:
    """Read the front matter between ``start`` and ``end`` of ``text`` (YAML unless ``syntax`` says
    "toml"; JSON is read by parse_head, which finds where it ends).

    YAML is composed once; duplicate keys and alias bombs are refused on the nodes, before any
    Python object is built (safe constructors only: !!python/object and other tags are refused).
    """
    if syntax == "toml":
        return _parse_toml(text, start, end, keys)
    source = text[start:end]
    try:
        root, data = safe_yaml.compose(source, "front matter", first_line=2)
    except safe_yaml.YAMLRefused as e:
        raise FrontMatterError(str(e)) from None
    if data is None:
        return FrontMatter({}, (), None)
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        raise FrontMatterError("front matter is not a YAML mapping of keys to values")
    blocks = []
    lang_field = None
    translated: set[int] = set()  # value nodes translated at their own key
    for key_node, value_node in root.value:
        if not isinstance(value_node, yaml.ScalarNode) or value_node.tag != _STR or not isinstance(key_node, yaml.ScalarNode):
            continue
        key = key_node.value
        # an anchor comes before its aliases: a node that starts before its key is an alias
        alias = value_node.start_mark.index < key_node.end_mark.index
        if key == "lang" and alias:
            raise FrontMatterError(
                f"front matter's lang: is an alias (line {key_node.start_mark.line + 2}); write the language code itself"
            )
        if alias:
            if key in keys and id(value_node) not in translated:
                # its text lives under another key, which is not translated: kept as is, flagged
                at = start + key_node.end_mark.index
                blocks.append(RawBlock("front_matter", (Text(value_node.value),), at, at, syntax="yaml", key=key, mapped=False))
            continue  # an alias of a translated value follows its anchor
        region = _value_region(source, start, value_node)
        if key == "lang":
            lang_field = region
        elif key in keys:
            translated.add(id(value_node))
            blocks.append(RawBlock("front_matter", (Text(value_node.value),), *region, syntax="yaml", key=key))
    return FrontMatter(data, tuple(blocks), lang_field)


def _value_region(source: str, offset: int, node) -> tuple[int, int]:
    """Where a scalar's own text is, anchors and tags before it left out."""
    begin, end = node.start_mark.index, node.end_mark.index
    properties = _PROPERTIES_RE.match(source, begin, end)  # matches at least the empty string
    begin = min(properties.end() if properties else begin, end)
    while end > begin and source[end - 1] in " \t\n":
        end -= 1  # a block scalar ("|", ">") ends after its last line break; keep that
    return offset + begin, offset + end


# --- TOML ---------------------------------------------------------------------------------------


def _parse_toml(text: str, start: int, end: int, keys: tuple[str, ...]) -> FrontMatter:
    """tomlkit keeps every byte (it renders the document back exactly), so it is what finds the
    values: see _toml_regions. Only top-level string values are translated, as in YAML."""
    import tomlkit  # only where a TOML front matter is read
    from tomlkit.exceptions import TOMLKitError
    from tomlkit.items import String

    source = text[start:end]
    commas = source.count(",")
    if commas > MAX_TOML_COMMAS:
        raise FrontMatterError(
            f"front matter is refused: {commas:,} commas (array items and inline table entries); the limit is {MAX_TOML_COMMAS:,}"
        )
    try:
        doc = tomlkit.parse(source)
        data = doc.unwrap()
    except (TOMLKitError, ValueError) as e:  # ValueError: a conversion tomlkit does not wrap in its own errors
        raise FrontMatterError(_toml_problem(e)) from None
    except RecursionError:
        raise FrontMatterError(f"front matter is nested deeper than {MAX_DEPTH} levels") from None
    strings = {k.key: item for k, item in doc.body if k is not None and isinstance(item, String) and (k.key in keys or k.key == "lang")}
    regions = _toml_regions(doc, source, strings)
    blocks = []
    for key, item in strings.items():
        if key == "lang":
            continue
        if regions is None:  # never seen: kept as is, flagged, rather than written at a guessed place
            blocks.append(RawBlock("front_matter", (Text(str(item)),), start, start, syntax="toml", key=key, mapped=False))
            continue
        a, b = regions[key]
        blocks.append(RawBlock("front_matter", (Text(str(item)),), start + a, start + b, syntax="toml", key=key))
    lang_field = None
    if regions is not None and "lang" in regions:
        lang_field = (start + regions["lang"][0], start + regions["lang"][1])
    return FrontMatter(data, tuple(blocks), lang_field)


def _toml_regions(doc, source: str, strings: dict) -> dict[str, tuple[int, int]] | None:
    """Where each of ``strings`` (key -> tomlkit String) is in ``source``, quotes included.

    Each value is replaced by a mark the source does not contain and the document rendered; as the
    rendering of the untouched document is the source, byte for byte, everything before a mark is
    the source before that value. Checked: the rendering with the values put back is the source.
    """
    import tomlkit

    if not strings:
        return {}
    marks = _unused_characters(source, len(strings))
    if marks is None:
        return None
    for key, mark in zip(strings, marks):
        doc[key] = tomlkit.string(mark, literal=True)  # written 'mark'
    rendered = doc.as_string()
    found = sorted((rendered.find(f"'{mark}'"), key) for key, mark in zip(strings, marks))
    regions: dict[str, tuple[int, int]] = {}
    pieces: list[str] = []
    pos = shift = 0  # shift: offset in rendered minus offset in source
    for at, key in found:
        if at < 0:
            return None
        raw = strings[key].as_string()
        regions[key] = (at - shift, at - shift + len(raw))
        pieces += [rendered[pos:at], raw]
        pos, shift = at + 3, shift + 3 - len(raw)
    pieces.append(rendered[pos:])
    return regions if "".join(pieces) == source else None


def _unused_characters(text: str, n: int) -> list[str] | None:
    present = set(text)
    found = [c for c in map(chr, range(0xE000, 0xF900)) if c not in present][:n]
    return found if len(found) == n else None


def _toml_problem(e: Exception) -> str:
    """tomlkit's message with the line in the file (the front matter starts on line 2)."""
    from tomlkit.exceptions import ParseError

    where = f" (line {e.line + 1}, column {e.col + 1})" if isinstance(e, ParseError) else ""
    message = re.sub(r" at line \d+ col \d+$", "", str(e)).rstrip(".")
    message = message.replace("'\\x00'", "the end of the front matter")  # tomlkit's end-of-input character
    if m := re.fullmatch(r'Key "(.*)" already exists', message, re.DOTALL):
        message = f"front matter has the key {_short(m.group(1))!r} twice"
    elif "nested more than" in message:
        message = f"front matter is nested deeper than {MAX_DEPTH} levels"
    else:
        message = f"front matter is not valid TOML: {_short(' '.join(message.split()), 200)}"
    return message + where


def _check_text(key: str, value: str) -> None:
    """A value translated or rewritten must be text the output can hold: a JSON escape can make a
    lone surrogate ("\\ud800"), which is no character and cannot be written as UTF-8."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise FrontMatterError(f"front matter's {_short(key)}: holds a lone surrogate (U+{ord(value[e.start]):04X}), not text") from None


# --- JSON ---------------------------------------------------------------------------------------


class _DuplicateKey(Exception):
    pass


def _unique_pairs(pairs: list) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _parse_json(text: str, keys: tuple[str, ...]) -> tuple[FrontMatter, int]:
    """The JSON object at the start of ``text``, read one top-level member at a time so that each
    value's offsets are known (the decoder returns where a value ends); nested values by the decoder.
    Returns the front matter and the offset just after its closing brace."""
    decoder = json.JSONDecoder(object_pairs_hook=_unique_pairs)
    data: dict = {}
    lines: dict[str, int] = {}
    blocks: list[RawBlock] = []
    lang_field = None
    pos = _JSON_SPACE_RE.match(text, 1).end()  # type: ignore[union-attr]  # matches the empty string too
    if text.startswith("}", pos):
        return FrontMatter({}, (), None), pos + 1
    while True:
        if not text.startswith('"', pos):
            raise FrontMatterError(_json_problem(text, pos, "expected a key in double quotes"))
        key, pos = _json_value(decoder, text, pos, None)
        pos = _JSON_SPACE_RE.match(text, pos).end()  # type: ignore[union-attr]
        if not text.startswith(":", pos):
            raise FrontMatterError(_json_problem(text, pos, f"expected ':' after the key {_short(key)!r}"))
        start = _JSON_SPACE_RE.match(text, pos + 1).end()  # type: ignore[union-attr]
        value, end = _json_value(decoder, text, start, key)
        line = text.count("\n", 0, start) + 1
        if key in data:
            raise FrontMatterError(f"front matter has the key {_short(key)!r} twice (lines {lines[key]} and {line})")
        data[key], lines[key] = value, line
        if isinstance(value, str) and (key == "lang" or key in keys):
            _check_text(key, value)
            if key == "lang":
                lang_field = (start, end)
            else:
                blocks.append(RawBlock("front_matter", (Text(value),), start, end, syntax="json", key=key))
        pos = _JSON_SPACE_RE.match(text, end).end()  # type: ignore[union-attr]
        if text.startswith("}", pos):
            return FrontMatter(data, tuple(blocks), lang_field), pos + 1
        if not text.startswith(",", pos):
            raise FrontMatterError(_json_problem(text, pos, f"expected ',' or '}}' after the value of {_short(key)!r}"))
        pos = _JSON_SPACE_RE.match(text, pos + 1).end()  # type: ignore[union-attr]


def _json_value(decoder: json.JSONDecoder, text: str, pos: int, key: str | None):
    """One JSON value at ``pos`` and where it ends; ``key``: the top-level member it is the value of."""
    under = "" if key is None else f" in the value of {_short(key)!r}"
    try:
        value, end = decoder.raw_decode(text, pos)
    except json.JSONDecodeError as e:  # "Unterminated string starting at": the position follows
        problem = re.sub(r" at$", "", e.msg)
        raise FrontMatterError(_json_problem(text, e.pos, problem[:1].lower() + problem[1:])) from None
    except _DuplicateKey as e:
        raise FrontMatterError(
            f"front matter has the key {_short(str(e.args[0]))!r} twice{under} (line {text.count(chr(10), 0, pos) + 1})"
        ) from None
    except RecursionError:
        raise FrontMatterError(f"front matter is nested deeper than {MAX_DEPTH} levels{under}") from None
    except ValueError:  # Python's own limit on the digits of an int (4,300 unless set otherwise)
        raise FrontMatterError(_json_problem(text, pos, "a number with too many digits")) from None
    if _deeper_than(value, MAX_DEPTH - 1):
        raise FrontMatterError(f"front matter is nested deeper than {MAX_DEPTH} levels{under}")
    return value, end


def _deeper_than(value, limit: int) -> bool:
    """Whether lists and dicts nest in ``value`` more than ``limit`` levels (iterative: it may be deep)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def _json_problem(text: str, pos: int, problem: str) -> str:
    if pos >= len(text):
        return f"front matter is not valid JSON: the file ends before its object closes ({problem})"
    line = text.count("\n", 0, pos) + 1
    return f"front matter is not valid JSON: {problem} (line {line}, column {pos - text.rfind(chr(10), 0, pos)})"


# --- writing -------------------------------------------------------------------------------------


def _short(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def scalar(value: str, original: str, syntax: str = "yaml") -> str:
    """A scalar of ``syntax`` (see SYNTAXES) for value, in the original's quoting style when that
    style can hold it."""
    if syntax == "json":
        return json.dumps(value, ensure_ascii=False)
    if syntax == "toml":
        return _toml_string(value, original)
    quote = original[:1]
    if quote == "'" and "\n" not in value:
        candidate = "'" + value.replace("'", "''") + "'"
    elif quote not in ('"', "'", "|", ">") and "\n" not in value:
        candidate = value
    else:
        candidate = json.dumps(value, ensure_ascii=False)  # JSON strings are YAML double-quoted scalars
    try:
        if yaml.load("k: " + candidate, Loader=safe_yaml.LOADER) == {"k": value}:
            return candidate
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)


_TOML_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_TOML_BASIC_RE = re.compile(r'[\x00-\x1f\x7f"\\]')
_TOML_MULTILINE_RE = re.compile(r'[\x00-\x08\x0b-\x1f\x7f"\\]')  # tabs and line breaks stay as they are


def _toml_escape(value: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: _TOML_ESCAPES.get(m.group(0)) or f"\\u{ord(m.group(0)):04x}", value)


def _toml_string(value: str, original: str) -> str:
    """A TOML string for value: literal ('...', '''...''') or multi-line when the original was
    and that form can hold it, else a basic string, which holds anything. A multi-line original that
    started with a line break (which TOML drops) keeps it."""
    basic = '"' + _toml_escape(value, _TOML_BASIC_RE) + '"'
    opener = original[:3] if original[:3] in ("'''", '"""') else original[:1]
    newline = "\n" if original[len(opener) : len(opener) + 1] == "\n" and len(opener) == 3 else ""
    if opener == "'''":
        candidate = opener + newline + value + opener
    elif opener == '"""':
        candidate = opener + newline + _toml_escape(value, _TOML_MULTILINE_RE) + opener
    elif opener == "'":
        candidate = "'" + value + "'"
    else:
        return basic
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        if tomlkit.parse("k = " + candidate).unwrap() == {"k": value}:
            return candidate
    except (TOMLKitError, ValueError):
        pass
    return basic
