"""YAML front matter: which values to translate, and where they are, without re-dumping the YAML.

Re-serialising would lose comments, key order and quoting; instead each translated value replaces
exactly the characters of its scalar (positions from ``yaml.compose``), so every other byte of the
front matter is kept.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import yaml

from pipeline.articles.blocks import RawBlock
from pipeline.segment.protect import Text

_STR = "tag:yaml.org,2002:str"
# libyaml when PyYAML has it: ~40x faster on a large front matter, and it bounds nesting depth
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Nodes that aliases may add to the front matter when expanded. Real front matter uses a few;
# a "billion laughs" of ~700 bytes expands to billions (and str() of it would fill the memory).
ALIAS_BUDGET = 10_000
# Anchors and tags before a value ("&a", "!!str", "&a # note" then the value on the next line):
# the value's own text starts after them, and they stay in the output.
_PROPERTIES_RE = re.compile(r"(?:[&!][^\s,\[\]{}]*\s*(?:#[^\n]*\s*)*)*")


class FrontMatterError(ValueError):
    pass


@dataclass(frozen=True)
class FrontMatter:
    data: dict
    blocks: tuple[RawBlock, ...]  # one per translated key
    lang_field: tuple[int, int] | None


def parse(text: str, start: int, end: int, keys: tuple[str, ...]) -> FrontMatter:
    """Read the YAML between ``start`` and ``end`` of ``text``.

    It is composed once; duplicate keys and alias bombs are refused on the nodes, before any
    Python object is built (safe constructors only: !!python/object and other tags are refused).
    """
    source = text[start:end]
    try:
        loader = _LOADER(source)
        try:
            root = loader.get_single_node()
            if root is not None:
                _check_nodes(root)
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as e:
        raise FrontMatterError(f"front matter is not valid YAML: {_one_line(e)}") from None
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


def _check_nodes(root) -> None:
    """Refuse duplicate keys, recursive aliases and alias expansion beyond ALIAS_BUDGET nodes.

    Iterative (a pure-Python parser allows any depth) and linear in the distinct nodes: each
    node's expanded size is computed once, from its children's.
    """
    size: dict[int, int] = {}  # id(node) -> nodes in its full expansion
    entered: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            size[key] = 1 + sum(size[id(c)] for c in children)
            if size[key] > len(size) + ALIAS_BUDGET:  # len(size) bounds the distinct nodes below
                raise FrontMatterError(
                    f"front matter is refused: its aliases expand to more than {ALIAS_BUDGET:,} extra nodes "
                    f"(line {node.start_mark.line + 2}; a YAML alias bomb?)"
                )
            continue
        if key in size:
            continue  # an alias of a node already measured
        if key in entered:
            raise FrontMatterError(f"front matter is refused: a recursive alias (line {node.start_mark.line + 2})")
        entered.add(key)
        if isinstance(node, yaml.MappingNode):
            _check_duplicates(node)
        stack.append((node, True))
        stack.extend((c, False) for c in children)


def _children(node) -> list:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return node.value
    return []


def _check_duplicates(node) -> None:
    seen: dict[tuple[str, str], yaml.Node] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        k = (key_node.tag, key_node.value)
        if k in seen:
            first = seen[k].start_mark.line + 2
            raise FrontMatterError(
                f"front matter has the key {_short(key_node.value)!r} twice (lines {first} and {key_node.start_mark.line + 2})"
            )
        seen[k] = key_node


def _short(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def scalar(value: str, original: str) -> str:
    """A YAML scalar for value, in the original's quoting style when that style can hold it."""
    quote = original[:1]
    if quote == "'" and "\n" not in value:
        candidate = "'" + value.replace("'", "''") + "'"
    elif quote not in ('"', "'", "|", ">") and "\n" not in value:
        candidate = value
    else:
        candidate = json.dumps(value, ensure_ascii=False)  # JSON strings are YAML double-quoted scalars
    try:
        if yaml.load("k: " + candidate, Loader=_LOADER) == {"k": value}:
            return candidate
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)


def _one_line(e: Exception) -> str:
    problem = getattr(e, "problem", None)
    mark = getattr(e, "problem_mark", None)
    if problem and mark is not None:
        return f"{problem} (line {mark.line + 2}, column {mark.column + 1})"
    return " ".join(str(e).split())
