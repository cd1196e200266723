"""markdown-it's rules tried only where they can match, by the character they must start with.

markdown-it tries every block rule, in order, on every line (and every "terminator" rule on every
line of a paragraph), and every inline rule at every character that stops plain text, until one
matches. Nearly all of them first test one character (a heading "#", a quote ">", a link "[")
and return False at once otherwise: on the bench articles (bench/driver.py) those calls were most
of the parse. Here each chain of rules becomes one rule that looks at that character and tries,
in the same order, only the rules that can start with it. A rule returning False there changes
nothing, so skipping it is the same parse; a rule not listed here is tried everywhere, as before.
"""

from __future__ import annotations

from collections.abc import Callable

# Block rules: the characters a line must start with (after its indentation) for the rule to match,
# as each rule's own first test reads them (markdown-it-py 4.3, mdit-py-plugins). On an empty line
# (nothing after the indentation) none of them matches.
BLOCK_STARTS = {
    "fence": "`~",
    "blockquote": ">",
    "hr": "*-_",
    "list": "*-+0123456789",
    "footnote_def": "[",
    "reference": "[",
    "html_block": "<",
    "heading": "#",
}
NEXT_LINE_STARTS = {"table": "|-:"}  # a table's test is on the line after: its delimiter row
FIRST_LINE_ONLY = frozenset({"front_matter"})  # tried on the document's line 0 only
# Inline rules: the character at the position (markdown-it's own "text" rule matches exactly where
# its terminator pattern does not).
INLINE_STARTS = {
    "newline": "\n",
    "escape": "\\",
    "backticks": "`",
    "strikethrough": "~",
    "emphasis": "_*",
    "link": "[",
    "image": "!",
    "footnote_ref": "[",
    "footnote_inline": "^",
    "autolink": "<",
    "html_inline": "<",
    "entity": "&",
}


def _chains(ruler) -> dict[str, list[tuple[str, Callable]]]:
    """Each chain's enabled rules with their names, as Ruler.__compile__ makes them (checked against
    it: a markdown-it that compiles chains otherwise keeps its own)."""
    rules = [r for r in ruler.__rules__ if r.enabled]
    names = {""} | {name for r in rules for name in r.alt}
    chains = {chain: [(r.name, r.fn) for r in rules if not chain or chain in r.alt] for chain in names}
    if any([fn for _, fn in chains[chain]] != ruler.getRules(chain) for chain in chains):
        raise ValueError("markdown-it compiles its rule chains otherwise")
    return chains


def install(md) -> None:
    """Replace each rule chain of md's block and inline rulers by one rule that dispatches by
    character. md must not be configured further (a change recompiles the plain chains)."""
    block = _chains(md.block.ruler)
    inline = _chains(md.inline.ruler)
    terminator = md.inline.terminator_re
    md.block.ruler.getRules("")  # compiled: the cache replaced below is the one getRules reads
    md.block.ruler.__cache__ = {chain: [_block_rule(rules)] for chain, rules in block.items()}
    md.inline.ruler.getRules("")
    md.inline.ruler.__cache__ = {chain: [_inline_rule(rules, terminator)] for chain, rules in inline.items()}


def _block_rule(rules: list[tuple[str, Callable]]) -> Callable:
    has_table = any(name in NEXT_LINE_STARTS for name, _ in rules)
    chosen: dict[tuple[str, bool, bool], tuple[Callable, ...]] = {}

    def pick(key: tuple[str, bool, bool]) -> tuple[Callable, ...]:
        first, line0, table_next = key
        fns = []
        for name, fn in rules:
            if name in BLOCK_STARTS and first not in BLOCK_STARTS[name]:
                continue
            if name in NEXT_LINE_STARTS and not table_next:
                continue
            if name in FIRST_LINE_ONLY and not line0:
                continue
            fns.append(fn)
        chosen[key] = found = tuple(fns)
        return found

    def rule(state, start: int, end: int, silent: bool) -> bool:
        src = state.src
        pos = state.bMarks[start] + state.tShift[start]
        first = src[pos] if pos < state.eMarks[start] else "\n"  # "\n": nothing on the line
        table_next = False
        if has_table and start + 1 < state.lineMax:
            p = state.bMarks[start + 1] + state.tShift[start + 1]
            table_next = p < state.eMarks[start + 1] and src[p] in "|-:"
        key = (first, start == 0, table_next)
        fns = chosen.get(key)
        for fn in pick(key) if fns is None else fns:
            if fn(state, start, end, silent):
                return True
        return False

    return rule


def _inline_rule(rules: list[tuple[str, Callable]], terminator) -> Callable:
    chosen: dict[str, tuple[Callable, ...]] = {}

    def pick(ch: str) -> tuple[Callable, ...]:
        fns = []
        for name, fn in rules:
            if name == "text" and ch and terminator.match(ch):
                continue  # text stops at a terminator: it matches nothing there
            if name in INLINE_STARTS and ch not in INLINE_STARTS[name]:
                continue
            fns.append(fn)
        chosen[ch] = found = tuple(fns)
        return found

    def rule(state, silent: bool) -> bool:
        pos = state.pos
        ch = state.src[pos] if pos < len(state.src) else ""
        fns = chosen.get(ch)
        for fn in pick(ch) if fns is None else fns:
            if fn(state, silent):
                return True
        return False

    return rule
