"""YAML from an untrusted file: safe constructors only, no alias bomb, no duplicate key, one-line errors.

Front matter, config.yaml and the glossaries all come from whoever wrote the file (a pull request,
in CI). The text is composed once; the nodes are checked before any Python object is built;
errors are ``YAMLRefused`` with a message that starts with what was read ("front matter",
"the configuration") and names the line.
"""

from __future__ import annotations

from typing import Any

import yaml

# libyaml when PyYAML has it: ~40x faster on a large file, and it bounds nesting depth (1,000 levels)
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Nodes that aliases may add when expanded. Real files use a few; a "billion laughs" of ~700
# bytes expands to billions (and str() of it would fill the memory).
ALIAS_BUDGET = 10_000


class YAMLRefused(ValueError):
    pass


def compose(text: str, what: str, first_line: int = 1) -> tuple[yaml.Node | None, Any]:
    """The root node of ``text`` and the data built from it (None, None for an empty document).

    ``what`` begins every message; ``first_line`` is the line of the file where ``text`` begins.
    """
    try:
        loader = LOADER(text)
        try:
            root = loader.get_single_node()
            if root is not None and "*" not in text:  # no alias (written "*name"): a tree, each node once
                _check_tree(root, what, first_line)
            elif root is not None:
                _check_nodes(root, what, first_line)
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except YAMLRefused:
        raise
    except yaml.YAMLError as e:
        raise YAMLRefused(f"{what} is not valid YAML: {_one_line(e, first_line)}") from None
    except RecursionError:  # the pure-Python parser recurses (libyaml stops at 1,000 levels)
        raise YAMLRefused(f"{what} is nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as e:  # a value its tag cannot hold: 2023-02-30, 5,000 digits
        raise YAMLRefused(f"{what} holds a value that cannot be read: {short(' '.join(str(e).split()), 120)}") from None
    return root, data


def load(text: str, what: str) -> Any:
    """The data of a whole file (None when it is empty)."""
    return compose(text, what)[1]


def short(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _check_nodes(root: yaml.Node, what: str, first_line: int) -> None:
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
                raise YAMLRefused(
                    f"{what} is refused: its aliases expand to more than {ALIAS_BUDGET:,} extra nodes "
                    f"(line {node.start_mark.line + first_line}; a YAML alias bomb?)"
                )
            continue
        if key in size:
            continue  # an alias of a node already measured
        if key in entered:
            raise YAMLRefused(f"{what} is refused: a recursive alias (line {node.start_mark.line + first_line})")
        entered.add(key)
        if isinstance(node, yaml.MappingNode):
            _check_duplicates(node, what, first_line)
        stack.append((node, True))
        stack.extend((c, False) for c in children)


def _check_tree(root: yaml.Node, what: str, first_line: int) -> None:
    """_check_nodes of a document without aliases: no node is shared, so none can recur or expand,
    and only duplicate keys are left to refuse (in the order _check_nodes finds them)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            _check_duplicates(node, what, first_line)
        stack.extend(_children(node))


def _children(node: yaml.Node) -> list:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return node.value
    return []


def _check_duplicates(node: yaml.MappingNode, what: str, first_line: int) -> None:
    seen: dict[tuple[str, str], yaml.Node] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        k = (key_node.tag, key_node.value)
        if k in seen:
            first = seen[k].start_mark.line + first_line
            raise YAMLRefused(
                f"{what} has the key {short(key_node.value)!r} twice (lines {first} and {key_node.start_mark.line + first_line})"
            )
        seen[k] = key_node


def _one_line(e: Exception, first_line: int) -> str:
    problem = getattr(e, "problem", None)
    mark = getattr(e, "problem_mark", None)
    if problem and mark is not None:
        return f"{problem} (line {mark.line + first_line}, column {mark.column + 1})"
    return short(" ".join(str(e).split()), 200)
