"""Sentence alignment of an article and an existing translation of it, block by block.

The Markdown structure comes first: the blocks of both documents (headings, paragraphs, list items,
table cells, front matter keys) and the code and HTML blocks between them are paired in order.
Inside each pair of blocks, sentences are aligned by length (Gale and Church, 1993: 1-1, 1-2, 2-1,
1-0 and 0-1 beads, the length difference scored as a normal deviate), with anchors the pipeline
finds anyway (numbers, URLs, code, link targets, glossary terms, Latin names) making a bead
likelier. Each bead's confidence is its posterior probability over all alignments of the block
(forward-backward over the same lattice), so a bead the lengths and anchors barely decide gets a
low confidence and is left for a person to review.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.core.document import Block, Document, Segment
from pipeline.core.placeholders import TAG_RE

# Bead priors: Gale and Church's figures (1-1 .89, 1-0/0-1 .0099, 2-1/1-2 .089), each split
# evenly between its two directions.
PRIORS = {(1, 1): 0.89, (1, 2): 0.0445, (2, 1): 0.0445, (1, 0): 0.00495, (0, 1): 0.00495}
VARIANCE = 6.8  # Gale and Church's s^2: variance of target characters per source character
STRONG_BONUS = 2.0  # per shared number, URL, code span or link target (in -log probability units)
WEAK_BONUS = 0.7  # per shared Latin word or glossary term
STRONG_MISS = 1.0  # per number, URL, code span or link target on one side of a pair only
NAME_BONUS = 1.5  # per shared name, Latin or Cyrillic, compared by its consonants
DEFAULT_THRESHOLD = 0.9  # beads below it are listed for review (bench/align_eval.py measures it)

_NUMBER_RE = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d{3})*(?:[.,]\d+)?")
_URL_RE = re.compile(r"https?://[^\s)>\]]+")
_CODE_RE = re.compile(r"`[^`\n]+`")
_LATIN_RE = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z0-9_+#./-]*[A-Za-z0-9+#]|(?<![\w-])[A-Z](?![\w-])")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_LETTER_RE = re.compile(r"[^\W\d_]")
_SPACE_RE = re.compile(r"\s+")
_CAPITALISED_RE = re.compile(r"(?<![\w'’])[A-ZА-ЯІЇЄҐ][a-zа-яіїєґ'’]+")

# Ukrainian letters in Latin (the 2010 national system, enough for names); "дж" is one sound.
_TRANSLIT = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "h",
        "ґ": "g",
        "д": "d",
        "е": "e",
        "є": "ie",
        "ж": "zh",
        "з": "z",
        "и": "y",
        "і": "i",
        "ї": "i",
        "й": "i",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ь": "",
        "ю": "iu",
        "я": "ia",
        "'": "",
        "’": "",
    }
)
_SOUNDS = [
    ("shch", "s"),
    ("sch", "s"),
    ("ch", "k"),
    ("sh", "s"),
    ("zh", "j"),
    ("kh", ""),
    ("ts", "s"),
    ("ph", "f"),
    ("ck", "k"),
    ("x", "ks"),
    ("q", "k"),
    ("w", "v"),
    ("c", "k"),
    ("g", ""),
    ("h", ""),
]
_VOWELS_RE = re.compile(r"[aeiouy'’]")
_DOUBLE_RE = re.compile(r"(.)\1+")


def name_key(word: str) -> str:
    """A name by its first three consonants, the same for "Sturridge" and "Старрідж", "Peter Jones" and
    "Пітер Джонс"; "" when too short to tell names apart."""
    w = word.casefold().replace("дж", "j").translate(_TRANSLIT)
    for a, b in _SOUNDS:
        w = w.replace(a, b)
    w = _DOUBLE_RE.sub(r"\1", _VOWELS_RE.sub("", w))
    return w[:3] if len(w) >= 3 else ""


# --- sentences as the aligner sees them ------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A sentence (or any span of text) to align: its length in characters and its anchors."""

    length: int
    strong: Counter = field(default_factory=Counter)
    weak: Counter = field(default_factory=Counter)
    names: Counter = field(default_factory=Counter)


def words_of(segment: Segment) -> str:
    """A segment's words: placeholders out, spaces folded."""
    return _SPACE_RE.sub(" ", TAG_RE.sub(" ", segment.text)).strip()


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def unit_of_text(text: str, spans: Sequence = ()) -> Unit:
    """Length and anchors of a sentence: numbers (as digits, so 1,100 and 1 100 agree), URLs, code,
    link targets and atoms from ``spans``, and Latin names (in a mostly Cyrillic sentence every
    Latin word is one; in a Latin one, capitalised words after the first)."""
    words = _SPACE_RE.sub(" ", TAG_RE.sub(" ", text)).strip()
    strong: Counter = Counter()
    weak: Counter = Counter()
    for span in spans:
        if span.kind == "quantity":
            digits = _digits(span.source)
            if digits:
                strong["#" + digits] += 1
        elif span.kind == "term":
            # a kept name is itself on both sides; an enforced term is keyed by its pair of forms,
            # which both languages' scanners find (each glossary entry works both ways)
            other = getattr(span.value, "target", None)
            forms = sorted({span.source.casefold(), str(other).casefold()}) if other else [span.source.casefold()]
            weak["t:" + "|".join(forms)] += 1
        elif span.paired:
            if span.close and "](" in span.close:
                strong["l:" + span.close] += 1  # a link's target
        elif span.kind != "break":
            strong["a:" + span.source] += 1
    for m in _URL_RE.finditer(words):
        strong["a:" + m.group(0)] += 1
    for m in _CODE_RE.finditer(words):
        strong["a:" + m.group(0)] += 1
    stripped = _CODE_RE.sub(" ", _URL_RE.sub(" ", words))
    for m in _NUMBER_RE.finditer(stripped):
        strong["#" + _digits(m.group(0))] += 1
    cyrillic = len(_CYRILLIC_RE.findall(stripped)) * 2 > len(_LETTER_RE.findall(stripped))
    for m in _LATIN_RE.finditer(stripped):
        token = m.group(0)
        if len(token) < 2:
            continue
        if cyrillic or (m.start() > 0 and (token[0].isupper() or any(c.isdigit() for c in token))):
            weak["w:" + token.casefold()] += 1
    names = Counter(k for k in (name_key(m.group(0)) for m in _CAPITALISED_RE.finditer(stripped)) if k)
    return Unit(len(stripped.replace(" ", "")), strong, weak, names)


def unit_of(segment: Segment) -> Unit:
    return unit_of_text(segment.text, segment.spans)


def _merge(units: Sequence[Unit]) -> Unit:
    if len(units) == 1:
        return units[0]
    strong: Counter = Counter()
    weak: Counter = Counter()
    names: Counter = Counter()
    for u in units:
        strong.update(u.strong)
        weak.update(u.weak)
        names.update(u.names)
    return Unit(sum(u.length for u in units), strong, weak, names)


# --- Gale-Church with anchors, and posteriors --------------------------------------------------


@dataclass(frozen=True)
class Bead:
    source: tuple[int, ...]  # indexes of the source sentences (empty for 0-1)
    target: tuple[int, ...]  # indexes of the target sentences (empty for 1-0)
    confidence: float  # posterior probability of this bead

    @property
    def kind(self) -> str:
        return f"{len(self.source)}-{len(self.target)}"


def length_cost(l1: int, l2: int, ratio: float, variance: float = VARIANCE) -> float:
    """-log P(length difference) of Gale and Church: the difference, scaled by the expected one,
    is a standard normal deviate; two-tailed."""
    if l1 == 0 and l2 == 0:
        return 0.0
    mean = (l1 + l2 / ratio) / 2
    delta = (ratio * l1 - l2) / math.sqrt(max(mean, 1e-9) * variance)
    p = math.erfc(abs(delta) / math.sqrt(2))
    return -math.log(max(p, 1e-300))


def anchor_bonus(a: Unit, b: Unit) -> float:
    shared_strong = sum((a.strong & b.strong).values())
    shared_weak = sum((a.weak & b.weak).values())
    shared_names = sum((a.names & b.names).values())
    # only in a pair: a sentence left without a translation (1-0, 0-1) does not pay for its anchors
    missed = sum((a.strong - b.strong).values()) + sum((b.strong - a.strong).values())
    return STRONG_BONUS * shared_strong + WEAK_BONUS * shared_weak + NAME_BONUS * shared_names - STRONG_MISS * missed


def _logsumexp(values: list[float]) -> float:
    if not values:
        return -math.inf
    top = max(values)
    if top == -math.inf:
        return top
    return top + math.log(sum(math.exp(v - top) for v in values))


TEMPERATURE = 1.0


def align_units(source: Sequence[Unit], target: Sequence[Unit], ratio: float = 1.0) -> list[Bead]:
    """The best monotone alignment of two sequences of sentences, each bead with its posterior."""
    n, m = len(source), len(target)
    if n == 0 or m == 0:
        return [Bead((i,), (), 1.0) for i in range(n)] + [Bead((), (j,), 1.0) for j in range(m)]
    ratio = ratio if ratio > 0 else 1.0
    band = max(12, abs(n - m) + 12)  # cells far from the diagonal are never on a plausible path

    def inside(i: int, j: int) -> bool:
        return abs(i * m - j * n) <= band * max(n, m)

    cache: dict[tuple[int, int, int, int], float] = {}

    def score(i: int, j: int, di: int, dj: int) -> float:
        """log-weight of the bead covering source[i:i+di], target[j:j+dj]."""
        key = (i, j, di, dj)
        if key not in cache:
            a = _merge(source[i : i + di])
            b = _merge(target[j : j + dj])
            w = math.log(PRIORS[(di, dj)]) - length_cost(a.length, b.length, ratio)
            if di and dj:
                w += anchor_bonus(a, b)
            cache[key] = w
        return cache[key]

    NEG = -math.inf
    fwd = [[NEG] * (m + 1) for _ in range(n + 1)]
    best = [[NEG] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    fwd[0][0] = best[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if (i == 0 and j == 0) or not inside(i, j):
                continue
            terms = []
            for di, dj in PRIORS:
                pi, pj = i - di, j - dj
                if pi < 0 or pj < 0 or fwd[pi][pj] == NEG:
                    continue
                w = score(pi, pj, di, dj)
                terms.append(fwd[pi][pj] + w / TEMPERATURE)
                if best[pi][pj] + w > best[i][j]:
                    best[i][j], back[i][j] = best[pi][pj] + w, (di, dj)
            fwd[i][j] = _logsumexp(terms)
    bwd = [[NEG] * (m + 1) for _ in range(n + 1)]
    bwd[n][m] = 0.0
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if (i == n and j == m) or not inside(i, j):
                continue
            terms = []
            for di, dj in PRIORS:
                ni, nj = i + di, j + dj
                if ni > n or nj > m or bwd[ni][nj] == NEG:
                    continue
                terms.append(score(i, j, di, dj) / TEMPERATURE + bwd[ni][nj])
            bwd[i][j] = _logsumexp(terms)
    total = fwd[n][m]
    beads: list[Bead] = []
    i, j = n, m
    while (i, j) != (0, 0):
        step = back[i][j]
        if step is None:  # outside the band: cannot happen for a reachable end, but never loop
            break
        di, dj = step
        pi, pj = i - di, j - dj
        posterior = math.exp(min(0.0, fwd[pi][pj] + score(pi, pj, di, dj) / TEMPERATURE + bwd[i][j] - total))
        beads.append(Bead(tuple(range(pi, i)), tuple(range(pj, j)), posterior))
        i, j = pi, pj
    beads.reverse()
    return beads


def length_ratio(source: Sequence[Unit], target: Sequence[Unit]) -> float:
    """Target characters per source character over everything being aligned (at least 1 each)."""
    a = sum(u.length for u in source)
    b = sum(u.length for u in target)
    return (b / a) if a and b else 1.0


def align_texts(source: Sequence[str], target: Sequence[str], ratio: float | None = None) -> list[Bead]:
    """Align two lists of plain sentences (no Markdown)."""
    su = [unit_of_text(s) for s in source]
    tu = [unit_of_text(t) for t in target]
    return align_units(su, tu, ratio if ratio is not None else length_ratio(su, tu))


# --- the structure: blocks, code and HTML blocks -----------------------------------------------


@dataclass(frozen=True)
class Element:
    """One element of a document's structure, in order: a block of the Document, or a code or HTML
    block between them (not translated, but where it stands says which blocks face each other)."""

    kind: str  # a block kind, or "code" / "html"
    line: int  # 1-based line in the file
    block: int | None = None  # index into Document.blocks
    key: str = ""  # front matter key


def structure(doc: Document) -> list[Element]:
    from pipeline.articles import markdown, shortcodes

    starts = [0] + [i + 1 for i, c in enumerate(doc.text) if c == "\n"]
    items: list[tuple[int, int, Element]] = []
    for b in doc.blocks:
        line = bisect.bisect_right(starts, b.start)
        items.append((line, 1, Element(b.kind, line, b.index, b.key)))
    if doc.format == "markdown":
        masked, _ = shortcodes.hide_shortcodes(doc.text)
        for tok in markdown._parser().parse(masked):
            if tok.type in ("fence", "code_block", "html_block") and tok.map:
                kind = "html" if tok.type == "html_block" else "code"
                items.append((tok.map[0] + 1, 0, Element(kind, tok.map[0] + 1)))
    return [e for _, _, e in sorted(items, key=lambda x: (x[0], x[1]))]


@dataclass(frozen=True)
class BlockPair:
    source: int | None  # block index in the source document (None: only in the translation)
    target: int | None
    beads: tuple[Bead, ...] = ()


@dataclass(frozen=True)
class Alignment:
    pairs: tuple[BlockPair, ...]
    divergence: str = ""  # where the structures stop matching; "" when they match element by element
    ratio: float = 1.0  # target characters per source character

    @property
    def matches(self) -> bool:
        return not self.divergence


def _describe(e: Element | None, doc_name: str) -> str:
    if e is None:
        return f"the end of the {doc_name}"
    what = {"list_item": "list item", "table_cell": "table cell", "html": "HTML block", "code": "code block"}.get(e.kind, e.kind)
    if e.key:
        what = f"front matter {e.key!r}"
    return f"{what} at line {e.line} of the {doc_name}"


def _block_units(doc: Document, block: Block) -> list[Unit]:
    return [unit_of(s) for s in block.segments]


def align_documents(
    source: Document, target: Document, ratio: float | None = None, names: tuple[str, str] = ("source", "translation")
) -> Alignment:
    """Pair the blocks of an article and its translation by structure, then the sentences inside each
    pair. Front matter blocks pair by key; the rest in order, as long as the kinds agree (a code or
    HTML block faces a code or HTML block). Where the structures differ, the body is aligned with
    gaps (a block only on one side) and ``divergence`` says where they first differ."""
    s_units = {b.index: _block_units(source, b) for b in source.blocks}
    t_units = {b.index: _block_units(target, b) for b in target.blocks}
    if ratio is None:
        ratio = length_ratio([u for us in s_units.values() for u in us], [u for us in t_units.values() for u in us])
    s_struct = [e for e in structure(source) if e.kind != "front_matter"]
    t_struct = [e for e in structure(target) if e.kind != "front_matter"]
    pairs: list[tuple[int | None, int | None]] = []
    divergence = ""
    t_keys = {b.key: b.index for b in target.blocks if b.kind == "front_matter"}
    for block in source.blocks:  # not ``b``: that names a target index below
        if block.kind == "front_matter":
            pairs.append((block.index, t_keys.get(block.key)))
    path = _align_structure(s_struct, t_struct, s_units, t_units, ratio)
    for a, b in path:
        ea = s_struct[a] if a is not None else None
        eb = t_struct[b] if b is not None else None
        if (ea is None or eb is None) and not divergence:
            if ea is None:
                before = next((s_struct[x] for x, _ in reversed(path[: path.index((a, b))]) if x is not None), None)
                where = f"after {_describe(before, names[0])}" if before else f"at the start of the {names[0]}"
                divergence = f"{_describe(eb, names[1])} has no counterpart in the {names[0]} ({where})"
            else:
                before = next((t_struct[y] for _, y in reversed(path[: path.index((a, b))]) if y is not None), None)
                where = f"after {_describe(before, names[1])}" if before else f"at the start of the {names[1]}"
                divergence = f"{_describe(ea, names[0])} has no counterpart in the {names[1]} ({where})"
        sa = ea.block if ea is not None else None
        sb = eb.block if eb is not None else None
        if sa is not None or sb is not None:
            pairs.append((sa, sb))
    out = []
    for sa, sb in pairs:
        su = s_units[sa] if sa is not None else []
        tu = t_units[sb] if sb is not None else []
        out.append(BlockPair(sa, sb, tuple(align_units(su, tu, ratio))))
    return Alignment(tuple(out), divergence, ratio)


GAP = 1.5  # cost of a block present on one side only, against a match worth 1 to 2


def _align_structure(a: list[Element], b: list[Element], s_units, t_units, ratio: float) -> list[tuple[int | None, int | None]]:
    """Needleman-Wunsch over the two structures: equal kinds may match (worth more when their
    lengths and anchors agree); anything may be left alone at a cost."""
    n, m = len(a), len(b)
    if [e.kind for e in a] == [e.kind for e in b]:
        return [(i, i) for i in range(n)]  # the common case: the same structure, element by element

    def match(i: int, j: int) -> float | None:
        ea, eb = a[i], b[j]
        if ea.kind != eb.kind:
            return None
        if ea.block is None:
            return 1.5
        ua, ub = _merge(s_units[ea.block]), _merge(t_units[eb.block])
        closeness = math.exp(-length_cost(ua.length, ub.length, ratio) / 4)
        return 1.0 + closeness + min(1.0, anchor_bonus(ua, ub) / 4)

    NEG = -math.inf
    score = [[NEG] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int]]] = [[(0, 0)] * (m + 1) for _ in range(n + 1)]
    score[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if i and score[i - 1][j] - GAP > score[i][j]:
                score[i][j], back[i][j] = score[i - 1][j] - GAP, (1, 0)
            if j and score[i][j - 1] - GAP > score[i][j]:
                score[i][j], back[i][j] = score[i][j - 1] - GAP, (0, 1)
            if i and j:
                w = match(i - 1, j - 1)
                if w is not None and score[i - 1][j - 1] + w > score[i][j]:
                    score[i][j], back[i][j] = score[i - 1][j - 1] + w, (1, 1)
    path: list[tuple[int | None, int | None]] = []
    i, j = n, m
    while i or j:
        di, dj = back[i][j]
        path.append((i - 1 if di else None, j - 1 if dj else None))
        i, j = i - di, j - dj
    path.reverse()
    return path
