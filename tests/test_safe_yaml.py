"""safe_yaml: a document without aliases is checked by the tree walk, with the same refusals."""

from __future__ import annotations

import pytest
import yaml

from pipeline.core import safe_yaml

DOCUMENTS = [
    "a: 1\nb: [1, 2, {c: 3}]\n",
    "a: 1\na: 2\n",
    "a:\n  b: 1\n  c: {d: 1, d: 2}\nb: 2\nb: 3\n",
    "- {x: 1, y: 2}\n- {x: 1, x: 2}\n- [z, {k: 1, k: 1}]\n",
    "title: t\ntags: [a, b]\nmenu: { main: { weight: 50, weight: 51 } }\n",
    "? [a]\n: 1\n? [a]\n: 2\n",
]


def _refusal(check, text: str) -> str | None:
    root = yaml.compose(text, Loader=safe_yaml.LOADER)
    try:
        check(root, "front matter", 1)
    except safe_yaml.YAMLRefused as e:
        return str(e)
    return None


@pytest.mark.parametrize("text", DOCUMENTS)
def test_the_tree_walk_refuses_as_the_full_check(text):
    assert _refusal(safe_yaml._check_tree, text) == _refusal(safe_yaml._check_nodes, text)


def test_a_document_with_an_alias_still_gets_the_full_check():
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for n, p in zip("bcdef", "abcde", strict=True)
    )
    with pytest.raises(safe_yaml.YAMLRefused, match="alias"):
        safe_yaml.compose(bomb, "front matter")
