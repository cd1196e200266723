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
from pipeline.core import safe_yaml
from pipeline.segment.protect import Text

_STR = "tag:yaml.org,2002:str"
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
        if yaml.load("k: " + candidate, Loader=safe_yaml.LOADER) == {"k": value}:
            return candidate
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)
