"""YAML front matter: which values to translate, and where they are, without re-dumping the YAML.

Re-serialising would lose comments, key order and quoting; instead each translated value replaces
exactly the characters of its scalar (positions from ``yaml.compose``), so every other byte of the
front matter is kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import yaml

from pipeline.protect import Text

_STR = "tag:yaml.org,2002:str"


class FrontMatterError(ValueError):
    pass


@dataclass(frozen=True)
class FrontMatter:
    data: dict
    blocks: tuple  # RawBlock, one per translated key
    lang_field: tuple[int, int] | None


def parse(text: str, start: int, end: int, keys: tuple[str, ...]) -> FrontMatter:
    """Read the YAML between ``start`` and ``end`` of ``text``."""
    from pipeline.markdown import RawBlock

    source = text[start:end]
    try:
        data = yaml.safe_load(source)  # safe_load refuses !!python/object and other tags
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        raise FrontMatterError(f"front matter is not valid YAML: {_one_line(e)}") from None
    if data is None:
        return FrontMatter({}, (), None)
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        raise FrontMatterError("front matter is not a YAML mapping of keys to values")
    blocks = []
    lang_field = None
    for key_node, value_node in root.value:
        if not isinstance(value_node, yaml.ScalarNode) or value_node.tag != _STR:
            continue
        begin, end = value_node.start_mark.index, value_node.end_mark.index
        while end > begin and source[end - 1] in " \t\n":
            end -= 1  # a block scalar ("|", ">") ends after its last line break; keep that
        region = (start + begin, start + end)
        if key_node.value == "lang":
            lang_field = region
        elif key_node.value in keys and isinstance(data.get(key_node.value), str):
            value = data[key_node.value]
            blocks.append(
                RawBlock("front_matter", (Text(value),), *region, syntax="yaml", key=key_node.value)
            )
    return FrontMatter(data, tuple(blocks), lang_field)


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
        if yaml.safe_load("k: " + candidate) == {"k": value}:
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
