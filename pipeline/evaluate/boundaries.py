"""Sentence boundaries that one language's splitter makes and the other's may not.

The pipeline splits Ukrainian with tokenize-uk and English with sentencex, and they disagree in
known places: tokenize-uk cuts inside a quotation (``«Ми встигли. Зараз туди прибула техніка», -
розповів він.`` is two sentences, the English ``“We made it. Now equipment has arrived,” he said.``
one), inside speech introduced by a dash (Ukrainian typography: ``– Ми встигли. Зараз прибула
техніка, – розповів він.``) and after abbreviations (``ген.``, ``р.``); a dateline (``Заголовок - DW -
08.02.2023``) runs into the first sentence on one side and ends with a full stop on the other. Such a
boundary is *soft*: the aligner may as well join the sentences on either side of it (see
align.align_units). Each boundary between two sentences gets the probability that it is one of
these (0 for an ordinary sentence end).

The source's sentences are the pipeline's own (their hashes key the records), so they are never
cut again; a translation's sentences may be: ``pieces`` cuts them where a sentence ends inside a
quotation or speech, or after a dateline, so that a source split there finds a target split there.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.core.document import Segment
from pipeline.segment.protect import TAG_RE

# How likely each kind of boundary is one side's alone (bench/align_eval.py measures them). Inside
# quotations and speech both sides are cut alike (``pieces``), so there a boundary is rarely one side's.
QUOTE = 0.2
ABBREVIATION = 0.3
DATELINE = 0.3
UNCUT = 0.3  # a sentence end the translation's own splitter did not cut (``pieces`` cuts it)
JOINED = 0.9  # inside a quotation where the source's splitter does not cut: most likely only the translation's

_ABBREVIATIONS = (
    "р рр ст тис млн млрд грн ген проф акад св вул просп пл обл ім т с м див напр ред прим гр"
    " Mr Mrs Ms Dr St Gen Prof Sen Rep Gov Lt Col Sgt Capt Jr Sr No Jan Feb Mar Apr Aug Sept Sep Oct Nov Dec vs approx"
).split()
_ABBREVIATION_RE = re.compile(r"(?<![\w.])(?:" + "|".join(_ABBREVIATIONS) + r"|[A-ZА-ЯІЇЄҐ]|(?:\w\.)+\w)\.$")
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "січня|лютого|березня|квітня|травня|червня|липня|серпня|вересня|жовтня|листопада|грудня"
)
_DATE = rf"(?:\x01+|\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}|(?:{_MONTHS})\.? \d{{1,2}},? \d{{4}}|\d{{1,2}} (?:{_MONTHS}) \d{{4}}(?: р(?:оку|\.))?)"
_DATELINE_RE = re.compile(rf"\s[-–—]\s[^.!?]{{0,80}}?{_DATE}\.?$")
_DATELINE_INSIDE_RE = re.compile(rf"\s[-–—]\s[^.!?]{{0,80}}?{_DATE}(\s+)(?=[\"«“„]?[A-ZА-ЯІЇЄҐ])")
_SENTENCE_END_RE = re.compile(r"[.!?…]+[»”\"]?(\s+)(?=[-–—]?\s?[\"«“„]?[A-ZА-ЯІЇЄҐ0-9])")
_SPEECH_OPEN_RE = re.compile(r"^[-–—]\s")
_SPEECH_CLOSE_RE = re.compile(r"[,!?…]\s[-–—]\s")


def _quote_depths(text: str, depth: int = 0, low: bool = False) -> list[tuple[int, int, bool]]:
    """(position, depth after it, whether a „ is open) at each quotation mark of text."""
    out = []
    straight = False
    for i, c in enumerate(text):
        if c == "«" or (c == "„"):
            depth, low = depth + 1, low or c == "„"
        elif c == "»" or c == "”" or (c == "“" and low):
            depth, low = max(0, depth - 1), low and c != "“"
        elif c == "“":
            depth += 1
        elif c == '"':
            depth, straight = (max(0, depth - 1), False) if straight else (depth + 1, True)
        else:
            continue
        out.append((i, depth, low))
    return out


def _quoted(texts: Sequence[str]) -> list[bool]:
    """For each boundary between consecutive texts: whether it falls inside a quotation that
    closes later in the block (an unbalanced quotation mark makes nothing soft)."""
    depth, low, after = 0, False, []
    for text in texts:
        marks = _quote_depths(text, depth, low)
        if marks:
            depth, low = marks[-1][1], marks[-1][2]
        after.append(depth)
    closes = [any(d == 0 for d in after[k + 1 :]) for k in range(len(texts))]
    return [after[k] > 0 and closes[k] for k in range(len(texts) - 1)]


def _spoken(texts: Sequence[str]) -> list[bool]:
    """For each boundary: whether it falls inside speech a dash opened (``– Ми встигли.``) and an
    attribution (``, – сказав він``) closes later (a dash before a list item opens nothing)."""
    out, open_ = [], False
    for k, text in enumerate(texts[:-1]):
        if _SPEECH_OPEN_RE.match(text) and not _SPEECH_CLOSE_RE.search(text):
            open_ = any(_SPEECH_CLOSE_RE.search(t) for t in texts[k + 1 :])
        elif _SPEECH_CLOSE_RE.search(text):
            open_ = False
        out.append(open_)
    return out


def _view(seg: Segment) -> str:
    """A sentence as the rules read it: placeholder form, a date's placeholder as a run of \\x01 of
    the same length (so positions are the segment's own)."""

    def sub(m: re.Match[str]) -> str:
        n = int(m.group(3))
        span = seg.spans[n - 1] if 1 <= n <= len(seg.spans) else None
        q = getattr(span, "value", None) if span is not None and span.kind == "quantity" else None
        return "\x01" * len(m.group(0)) if getattr(q, "kind", "") == "date" else m.group(0)

    return TAG_RE.sub(sub, seg.text)


@functools.cache
def cuts_quotations(lang: str) -> bool:
    """Whether the pipeline's splitter for lang cuts inside a quotation (tokenize-uk does, sentencex does not)."""
    from pipeline.segment import sentences

    return any(len(sentences.split(probe, lang)) > 1 for probe in ("«Ми прийшли. Ми пішли», – сказав він.", "“We came. We left,” he said."))


QUOTATION, DATED, ABBREVIATED = "quotation", "dateline", "abbreviation"  # kinds of soft boundary ("": none)


def kinds(segments: Sequence[Segment]) -> list[str]:
    """The sentences of one block -> for each boundary between two of them, what makes it soft:
    inside a quotation or speech, after a dateline, after an abbreviation (or before a lowercase
    word); "" for an ordinary sentence end."""
    texts = [_view(s) for s in segments]
    quoted, spoken = _quoted(texts), _spoken(texts)
    out = []
    for k in range(len(texts) - 1):
        before, after = texts[k].rstrip(), texts[k + 1].lstrip()
        if quoted[k] or spoken[k]:
            out.append(QUOTATION)
        elif _DATELINE_RE.search(before):
            out.append(DATED)
        elif _ABBREVIATION_RE.search(before) or (after[:1].islower()):
            out.append(ABBREVIATED)
        else:
            out.append("")
    return out


def soft(found: Sequence[str], quote: float | None = None) -> list[float]:
    """Boundary kinds -> the probability that each is one side's alone (``quote``: inside quotations)."""
    table = {QUOTATION: QUOTE if quote is None else quote, DATED: DATELINE, ABBREVIATED: ABBREVIATION, "": 0.0}
    return [table[k] for k in found]


# --- a translation's sentences, cut where the other language's splitter would cut ------------------


@dataclass(frozen=True)
class Piece:
    """Part of a segment of a block: segment.text[start:end] (placeholder form)."""

    segment: int
    start: int
    end: int


def _pair_depth_ok(text: str, pos: int) -> bool:
    """No paired placeholder is open at pos (a cut never splits a link or emphasis)."""
    depth = 0
    for m in TAG_RE.finditer(text, 0, pos):
        if m.group(2) in "gG":
            depth += -1 if m.group(1) else 1
    return depth == 0


def _cuts(text: str, depth: int, low: bool, quotes: bool) -> list[int]:
    """Where text (one sentence of the translation) could end a sentence that its own splitter
    did not end: after a dateline, after a full stop followed by a capital (``Q. Чи можна…``,
    ``Mr. Adams``), and, with ``quotes``, inside a quotation or speech: the positions of the spaces."""
    marks = _quote_depths(text, depth, low)
    cuts = [m.start(1) for m in _DATELINE_INSIDE_RE.finditer(text)]
    for m in _SENTENCE_END_RE.finditer(text):
        pos = m.start(1)
        before = [d for at, d, _ in marks if at < pos]
        inside = (before[-1] if before else depth) > 0 and any(d == 0 for at, d, _ in marks if at >= pos)
        talking = bool(_SPEECH_OPEN_RE.match(text) and not _SPEECH_CLOSE_RE.search(text[:pos]) and _SPEECH_CLOSE_RE.search(text[pos:]))
        if quotes or not (inside or talking):
            cuts.append(pos)
    return sorted(c for c in set(cuts) if _pair_depth_ok(text, c))


def pieces(segments: Sequence[Segment], quotes: bool) -> list[Piece]:
    """A translation's sentences, each cut after a dateline and, with ``quotes`` (the source's
    splitter cuts inside quotations), where a sentence ends inside a quotation or speech."""
    out = []
    depth, low = 0, False
    for n, seg in enumerate(segments):
        text = _view(seg)
        start = 0
        for cut in _cuts(text, depth, low, quotes):
            out.append(Piece(n, start, cut))
            start = cut + len(text[cut:]) - len(text[cut:].lstrip())
        out.append(Piece(n, start, len(text)))
        marks = _quote_depths(text, depth, low)
        if marks:
            depth, low = marks[-1][1], marks[-1][2]
    return out
