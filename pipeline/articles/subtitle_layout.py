"""A translation spread over the cues its source ran over, and each cue's part wrapped into lines.
Pure functions of text, in time linear in its length (times a logarithm when wrapping).

A translation is cut into words at white space; a styling tag belongs to the word it touches, so
no cut or line break falls between a tag and its text. The cuts between cues fall at the word
boundaries nearest the source's proportions (by characters), a little nearer a comma or a sentence
end; each cue keeps at least one word. A pair of tags cut by it is closed at the end of one cue
and opened again at the start of the next (each cue is shown on its own).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from typing import NamedTuple

from pipeline.articles.subtitle_cues import Markup, decode, tag

_SENTENCE_END = ".?!\u2026"
_CLAUSE_END = ",;:\u2014"
_CLOSING = "\"'\u201d\u2019\u00bb)]"
BONUS = {"sentence": 6, "clause": 3}  # characters a cut may move to fall after punctuation
NEAR = 6  # word boundaries looked at on each side of a cut's ideal place
MOVES = 12  # words that may move over one cut to fit a cue's lines


class Word(NamedTuple):  # a NamedTuple: a long cue has hundreds of thousands
    text: str  # as written in the translation: text and tags
    width: int  # characters a viewer sees
    start: int  # where it is in the translation
    end: int
    last: str = ""  # its last visible character (closing quotes and brackets aside)


Room = tuple[int, int]  # a cue's lines: (characters a line, lines)
_NON_SPACE_RE = re.compile(r"[^ \t\n]+")


def words(text: str, markup: Markup) -> list[Word]:
    """The translation's words in order. Tags with no text of their own on one side of a space
    join the next word (an opening tag) or the one before (tags at the end)."""
    bare = markup.tag.sub(lambda m: "\x00" * len(m.group(0)), text) if "<" in text or "{" in text else text
    out: list[Word] = []
    start = -1  # a word of tags only, waiting for the next one
    for m in _NON_SPACE_RE.finditer(bare):
        chars = m.group(0).replace("\x00", "")
        if markup.references and "&" in chars:
            chars = decode(chars)
        width = len(chars) - chars.count("\u2060")
        if not width:
            start = m.start() if start < 0 else start
            continue
        first = m.start() if start < 0 else start
        out.append(Word(text[first : m.end()], width, first, m.end(), chars.rstrip(_CLOSING)[-1:]))
        start = -1
    if start >= 0:
        if out:  # closing tags after the last word's space: they close that word
            w = out.pop()
            out.append(Word(text[w.start :], w.width, w.start, len(text), w.last))
        else:
            out.append(Word(text[start:], 0, start, len(text)))
    return out


def _bonus(word: Word) -> int:
    if word.last and word.last in _SENTENCE_END:
        return BONUS["sentence"]
    return BONUS["clause"] if word.last and word.last in _CLAUSE_END else 0


def spread(found: Sequence[Word], weights: Sequence[int], room: Sequence[Room] | None = None) -> list[tuple[int, int]]:
    """How many words each cue gets, as (first, end) word indexes: in proportion to ``weights``
    (the characters of each cue's source), every cue at least one word while there are enough;
    then, where a cue's words do not fit its ``room``, words move over a cut to a neighbour
    they fit."""
    n, m = len(weights), len(found)
    if n == 1 or m == 0:
        return [(0, m)] + [(m, m)] * (n - 1)
    ends: list[int] = []
    at = -1
    for w in found:
        at += w.width + 1
        ends.append(at)
    total, whole = ends[-1], sum(weights) or n
    cuts = [0]
    share = 0
    for k in range(1, n):
        share += weights[k - 1] if sum(weights) else 1
        target = total * share / whole
        lo, hi = cuts[-1] + 1, m - (n - k)
        if lo > hi:  # fewer words than cues: the rest get none
            cuts.append(min(cuts[-1] + 1, m))
            continue
        near = bisect_left(ends, target) + 1
        best = min(range(max(lo, near - NEAR), min(hi, near + NEAR) + 1), key=lambda c: abs(ends[c - 1] - target) - _bonus(found[c - 1]))
        cuts.append(best)
    cuts.append(m)
    if room is not None:
        _make_room(found, cuts, room)
    return [(cuts[k], max(cuts[k], cuts[k + 1])) for k in range(n)]


def _make_room(found: Sequence[Word], cuts: list[int], room: Sequence[Room]) -> None:
    """Move words over each cut, forwards then backwards, from a cue they do not fit to one they
    do; each cue keeps at least one word, and at most MOVES words cross one cut. A cue's size
    comes from running sums, so only a cue small enough to fit is wrapped to see whether it does."""
    sums = [0]
    for w in found:
        sums.append(sums[-1] + w.width + 1)

    def fits(k: int, first: int, end: int) -> bool:
        width, lines = room[k]
        if sums[end] - sums[first] - 1 > width * lines:
            return False
        return fit(found[first:end], width, lines)

    for k in range(len(cuts) - 2):  # the last words of cue k to the start of cue k + 1
        for _ in range(MOVES):
            a, b, c = cuts[k], cuts[k + 1], cuts[k + 2]
            if b - a < 2 or fits(k, a, b) or not fits(k + 1, b - 1, c):
                break
            cuts[k + 1] -= 1
    for k in range(len(cuts) - 2, 0, -1):  # the first words of cue k to the end of cue k - 1
        for _ in range(MOVES):
            a, b, c = cuts[k - 1], cuts[k], cuts[k + 1]
            if c - b < 2 or fits(k, b, c) or not fits(k - 1, a, b + 1):
                break
            cuts[k] += 1


def split_words(found: list[Word], wanted: int) -> list[Word]:
    """Words cut in two (the widest plain one, at its middle) until there are ``wanted``: a
    translation with fewer words than its source had cues still leaves no cue empty."""
    out = list(found)
    while len(out) < wanted:
        plain = [k for k, w in enumerate(out) if w.width >= 2 and w.width == len(w.text)]
        if not plain:
            break
        k = max(plain, key=lambda i: out[i].width)
        w = out[k]
        half = len(w.text) // 2
        out[k : k + 1] = [
            Word(w.text[:half], half, w.start, w.start + half, w.text[half - 1]),
            Word(w.text[half:], len(w.text) - half, w.start + half, w.end, w.last),
        ]
    return out


def pieces(text: str, found: Sequence[Word], ranges: Sequence[tuple[int, int]], markup: Markup) -> list[list[Word]]:
    """Each cue's words, a pair of tags that a cut goes through closed before the cut and opened
    again after it (with the tags as the translation writes them)."""
    tags = [tag(m.group(0), m.start(), m.end(), markup) for m in markup.tag.finditer(text)]
    closer: dict[int, str] = {}  # where a paired open tag is -> its close tag as written
    stack: list[tuple[str, int]] = []
    for t in tags:
        if t.kind == "open":
            stack.append((t.name, t.start))
        elif t.kind == "close" and stack and stack[-1][0] == t.name:
            closer[stack.pop()[1]] = t.source
    out: list[list[Word]] = []
    carried: list[tuple[str, str]] = []  # open pairs at the cut: (open tag, close tag)
    k = 0
    for first, end in ranges:
        mine = list(found[first:end])
        if not mine:
            out.append(mine)
            continue
        reopen = "".join(o for o, _ in carried)
        while k < len(tags) and tags[k].start < mine[-1].end:
            t = tags[k]
            if t.kind == "open" and t.start in closer:
                carried.append((t.source, closer[t.start]))
            elif t.kind == "close" and carried and carried[-1][1] == t.source:
                carried.pop()
            k += 1
        close = "".join(c for _, c in reversed(carried))
        if reopen:
            mine[0] = Word(reopen + mine[0].text, mine[0].width, mine[0].start, mine[0].end, mine[0].last)
        if close:
            mine[-1] = Word(mine[-1].text + close, mine[-1].width, mine[-1].start, mine[-1].end, mine[-1].last)
        out.append(mine)
    return out


def fit(found: Sequence[Word], width: int, lines: int) -> bool:
    """The words fit ``lines`` lines of ``width`` characters."""
    if not found:
        return True
    if lines == 1 or len(found) == 1:
        return sum(w.width for w in found) + len(found) - 1 <= width
    return max(w.width for w in found) <= width and _count(found, width) <= lines


def wrap(found: Sequence[Word], width: int, lines: int) -> list[str]:
    """The words in as few lines as fit in ``width`` characters (one when they fit), at most
    ``lines``: balanced, a two-line break preferring to follow punctuation. When they cannot fit,
    ``lines`` lines as even as the words allow (each longer than ``width``)."""
    if not found:
        return []
    total = sum(w.width for w in found) + len(found) - 1
    if total <= width or lines == 1 or len(found) == 1:
        return [" ".join(w.text for w in found)]
    if lines == 2 or total <= 2 * width:
        two = _two_lines(found, width)
        if two is not None or lines == 2:
            return two or _two_lines(found, None) or []
    for k in range(3, lines + 1):
        narrowest = _narrowest(found, k, total)
        if narrowest <= width or k == lines:
            return _fill(found, narrowest)
    return _fill(found, width)


def _two_lines(found: Sequence[Word], width: int | None) -> list[str] | None:
    """The break between two lines where the longer is shortest (less a bonus after punctuation);
    with ``width``, only where both fit (None if there is none)."""
    total = sum(w.width for w in found) + len(found) - 1
    best, best_cost = None, 0.0
    first = -1
    for c in range(1, len(found)):
        first += found[c - 1].width + 1
        second = total - first - 1
        if width is not None and (first > width or second > width):
            continue
        cost = max(first, second) - _bonus(found[c - 1])
        if best is None or cost < best_cost:
            best, best_cost = c, cost
    if best is None:
        return None
    return [" ".join(w.text for w in found[:best]), " ".join(w.text for w in found[best:])]


def _fill(found: Sequence[Word], width: int) -> list[str]:
    """Greedy: as many words on each line as fit in ``width`` (a wider word alone on its line)."""
    lines: list[list[str]] = []
    used = -1
    for w in found:
        if lines and used + 1 + w.width <= width:
            lines[-1].append(w.text)
            used += 1 + w.width
        else:
            lines.append([w.text])
            used = w.width
    return [" ".join(line) for line in lines]


def _count(found: Sequence[Word], width: int) -> int:
    count, used = 0, -1
    for w in found:
        if count and used + 1 + w.width <= width:
            used += 1 + w.width
        else:
            count, used = count + 1, w.width
    return count


def _narrowest(found: Sequence[Word], k: int, total: int) -> int:
    """The narrowest width at which greedy filling needs at most k lines (binary search)."""
    lo, hi = max(max(w.width for w in found), -(-total // k)), total
    while lo < hi:
        mid = (lo + hi) // 2
        if _count(found, mid) <= k:
            hi = mid
        else:
            lo = mid + 1
    return lo
