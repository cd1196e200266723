"""Sentence splitting, backed by libraries that know each language.

Chosen by measurement on NTREX-128 (bench/sentence_splitters.py): Ukrainian with tokenize-uk
(LanguageTool's SRX rules; boundary F1 0.950, sentencex 0.900); English with sentencex, because
tokenize-uk, though its F1 is higher, cuts sentences after "Mr.", "St.", "Rev." (64 such false
splits against 11), and a sentence cut in two is translated as two halves.
"""

from __future__ import annotations

import functools
import importlib
import re
from bisect import bisect_right
from collections.abc import Callable
from itertools import pairwise

from pipeline.core.placeholders import TAG_RE

Splitter = Callable[[str], list[str]]

# Longer "sentences" (a list without full stops, a paragraph of 10,000 words) are cut at a clause
# or word boundary before this many characters: engines truncate long inputs silently.
MAX_CHARS = 500
_BREAK_RE = re.compile(r"[,;:)\]]?\s+")


# A language's own splitter, "module:function" (text -> its sentences), imported when the language
# is first split; every other language is sentencex's. A language is added with one line here.
SPLITTERS: dict[str, str] = {
    "uk": "tokenize_uk:tokenize_sents",
}


@functools.cache
def splitter(lang: str) -> Splitter:
    if lang in SPLITTERS:
        module, function = SPLITTERS[lang].split(":")
        found: Splitter = getattr(importlib.import_module(module), function)
        return found
    import sentencex

    return lambda text: list(sentencex.segment(lang, text))


# tokenize-uk's rules are tried at every position of the text (~4 µs a character: 10 s for a
# 2.5-million-character paragraph without a full stop). Each of its break rules needs one of these
# characters, and its rules look at most a few dozen characters around them; so a long text is
# given to it only CONTEXT characters either side of them (the rest cannot hold a boundary).
_UK_TRIGGER_RE = re.compile(r"[.!?\u2026\n\r\v\f\x85\u2028\u2029]|<0\}|\{0>")
CONTEXT = 300
LONG = 10_000


def _sentences(text: str, lang: str) -> list[str]:
    """What the language's splitter makes of text, the splitter seeing only what it needs."""
    split = splitter(lang)
    if lang != "uk" or len(text) <= LONG:
        return split(text)
    windows: list[list[int]] = []
    for m in _UK_TRIGGER_RE.finditer(text):
        a, b = max(0, m.start() - CONTEXT), min(len(text), m.end() + CONTEXT)
        if windows and a <= windows[-1][1]:
            windows[-1][1] = b
        else:
            windows.append([a, b])
    cuts: list[int] = []
    for a, b in windows:
        piece = text[a:b]
        pos = 0
        for sentence in split(piece)[:-1]:  # the last one ends where the window does: no boundary
            i = piece.find(sentence, pos)
            if i < 0:
                break  # normalised by the splitter: the boundaries after it are not known here
            pos = i + len(sentence)
            cuts.append(a + pos)
    edges = [0, *cuts, len(text)]
    return [text[x:y] for x, y in pairwise(edges)]


class _Depth:
    """The number of placeholder pairs open at a position of a masked text."""

    def __init__(self, text: str):
        self.positions = [0]
        self.depths = [0]
        depth = 0
        for m in TAG_RE.finditer(text):
            if m.group(2) in "gG":
                depth += -1 if m.group(1) else 1
                self.positions.append(m.end())
                self.depths.append(depth)

    def at(self, pos: int) -> int:
        return self.depths[bisect_right(self.positions, pos) - 1]


def split(text: str, lang: str) -> list[str]:
    """Split a block's text into sentences, each stripped; joining them with spaces gives the block.

    Sentences are located again in the original, so nothing a splitter drops or normalises is
    lost: the pieces always cover the whole input. A placeholder pair is never cut in two.
    """
    text = text.strip()
    if not text:
        return []
    depth = _Depth(text)
    out: list[str] = []
    start = pos = 0
    for sentence in _sentences(text, lang):
        s = sentence.strip()
        i = text.find(s, pos) if s else -1
        if i < 0:
            continue  # the splitter normalised something: the next match or the tail covers it
        end = pos = i + len(s)
        if end >= len(text) or not text[end].isspace() or depth.at(end):
            continue  # inside a word, or a pair spans the boundary
        out.extend(_cut_long(text, start, end, depth))
        start = end
    out.extend(_cut_long(text, start, len(text), depth))
    return [s for s in out if s]


def _cut_long(text: str, start: int, end: int, depth: _Depth) -> list[str]:
    """text[start:end] in pieces of at most MAX_CHARS, cut at a clause end, else at a space."""
    pieces = []
    while end - start > MAX_CHARS:
        limit = start + MAX_CHARS
        clause = space = 0
        for m in _BREAK_RE.finditer(text, start + 1, limit):
            if depth.at(m.end()):
                continue
            if m.group(0)[0].isspace():
                space = m.end()
            else:
                clause = m.end()
        cut = clause if clause > start + MAX_CHARS * 2 // 3 else (space or clause)
        if not cut:
            break  # one very long word, or markup spanning the window: leave it whole
        pieces.append(text[start:cut].strip())
        start = cut
    pieces.append(text[start:end].strip())
    return pieces
