"""Sentence alignment of an article and an existing translation of it, block by block.

The Markdown structure comes first: the blocks of both documents (headings, paragraphs, list items,
table cells, front matter keys) and the code and HTML blocks between them are paired in order.
Inside each pair of blocks, sentences are aligned by length (Gale and Church, 1993: 1-1, 1-2, 2-1,
1-0 and 0-1 beads, the length difference scored as a normal deviate; 1-3 and 3-1 rarely), with
the anchors of anchors.py making a bead likelier. The two languages' splitters do not cut alike
(boundaries.py): a bead may also join sentences across a soft boundary (inside a quotation, after
a dateline or an abbreviation), and for adopt the translation is first cut and joined inside
quotations as the source's splitter does, so a quotation cut on one side finds its parts on the
other. A bead's confidence is the posterior probability (forward-backward over the same lattice)
that the alignment passes both its ends, so a bead the lengths and anchors barely decide is left
for a person to review.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pipeline.core.document import Block, Document, Segment
from pipeline.evaluate import boundaries
from pipeline.evaluate.anchors import Unit, anchor_bonus, merge, unit_of, unit_of_text
from pipeline.evaluate.boundaries import Piece
from pipeline.segment.protect import renumber

# Bead priors: Gale and Church's figures (1-1 .89, 1-0/0-1 .0099, 2-1/1-2 .089), each split
# evenly between its two directions; 1-3 and 3-1 for a sentence one side writes as three.
PRIORS = {(1, 1): 0.89, (1, 2): 0.0445, (2, 1): 0.0445, (1, 0): 0.00495, (0, 1): 0.00495, (1, 3): 0.002, (3, 1): 0.002}
VARIANCE = 6.8  # Gale and Church's s^2: variance of target characters per source character
DEFAULT_THRESHOLD = 0.9  # beads below it are listed for review (bench/align_eval.py measures it)

# --- Gale-Church with anchors, and posteriors --------------------------------------------------


@dataclass(frozen=True)
class Bead:
    source: tuple[int, ...]  # indexes of the source sentences (empty for 0-1)
    target: tuple[int, ...]  # indexes of the target sentences (empty for 1-0)
    confidence: float  # how sure the alignment is of this bead (CONFIDENCE)
    ends: tuple[float, float] = (1.0, 1.0)  # posterior that the alignment passes its start, its end

    @property
    def kind(self) -> str:
        return f"{len(self.source)}-{len(self.target)}"


def length_cost(l1: int, l2: int, ratio: float, variance: float | None = None) -> float:
    """-log P(length difference) of Gale and Church: the difference, scaled by the expected one,
    is a standard normal deviate; two-tailed."""
    if l1 == 0 and l2 == 0:
        return 0.0
    mean = (l1 + l2 / ratio) / 2
    delta = (ratio * l1 - l2) / math.sqrt(max(mean, 1e-9) * (variance or VARIANCE))
    p = math.erfc(abs(delta) / math.sqrt(2))
    return -math.log(max(p, 1e-300))


def _logsumexp(values: list[float]) -> float:
    if not values:
        return -math.inf
    top = max(values)
    if top == -math.inf:
        return top
    return top + math.log(sum(math.exp(v - top) for v in values))


# Sentences joined on both sides at once: each side's soft boundaries are then where the other's
# are, so they are most likely real (a dateline with its full stop facing a dateline cut off).
BOTH_SIDES = 0.1
MIN_FIT = 0.0  # a pair whose lengths are this improbable (two-tailed) or less loses confidence in proportion
MAX_UNITS = 4  # sentences on one side of a bead, soft boundaries between them included
CONFIDENCE = "edges"  # "bead": the bead's own posterior; "edges": that the path passes both its ends
SETTLE = True  # adopt settles beads (settle)
SPLIT_TARGET = True  # adopt cuts the translation's sentences at their soft boundaries (boundaries.pieces)


def _side(soft: Sequence[float], n: int) -> dict[tuple[int, int], tuple[int, float]]:
    """(start, length) -> (sentences the bead counts on this side, log-weight of its boundaries):
    a soft boundary inside the bead is crossed with its probability and one at its end kept with
    the rest; each hard boundary inside counts one sentence more (a 2-1 or 3-1 bead)."""
    out: dict[tuple[int, int], tuple[int, float]] = {}
    for i in range(n + 1):
        out[(i, 0)] = (0, 0.0)
        hard, weight = 0, 0.0
        for d in range(1, min(MAX_UNITS, n - i) + 1):
            if d > 1:
                p = soft[i + d - 2]
                hard, weight = (hard + 1, weight) if p <= 0 else (hard, weight + math.log(p))
            if hard > 2:
                break
            end = soft[i + d - 1] if i + d < n else 0.0
            if end >= 1:
                continue  # a boundary surely one side's alone is never a bead's end
            out[(i, d)] = (hard + 1, weight + (math.log1p(-end) if end > 0 else 0.0))
    return out


def align_units(
    source: Sequence[Unit],
    target: Sequence[Unit],
    ratio: float = 1.0,
    source_soft: Sequence[float] = (),
    target_soft: Sequence[float] = (),
) -> list[Bead]:
    """The best monotone alignment of two sequences of sentences, each bead with its confidence.
    ``*_soft`` give, per boundary between two sentences, how likely it is one side's splitter's
    alone (boundaries.soft); a bead may then hold up to MAX_UNITS sentences of a side."""
    n, m = len(source), len(target)
    if n == 0 or m == 0:
        return [Bead((i,), (), 1.0) for i in range(n)] + [Bead((), (j,), 1.0) for j in range(m)]
    ratio = ratio if ratio > 0 else 1.0
    band = max(12, abs(n - m) + 12)  # cells far from the diagonal are never on a plausible path
    s_side = _side(list(source_soft) or [0.0] * (n - 1), n)
    t_side = _side(list(target_soft) or [0.0] * (m - 1), m)
    # the beads that may end at (i, j) and start at (i, j): only these lengths are ever scored
    ends = [_lengths(s_side, i, n, -1) for i in range(n + 1)], [_lengths(t_side, j, m, -1) for j in range(m + 1)]
    starts = [_lengths(s_side, i, n, 1) for i in range(n + 1)], [_lengths(t_side, j, m, 1) for j in range(m + 1)]
    cache: dict[tuple[int, int, int, int], float] = {}

    def score(i: int, j: int, di: int, dj: int) -> float:
        """log-weight of the bead covering source[i:i+di], target[j:j+dj]; -inf where none may."""
        key = (i, j, di, dj)
        if key not in cache:
            a, b = s_side.get((i, di)), t_side.get((j, dj))
            kind = (a[0], b[0]) if a and b else None
            if a is None or b is None or kind not in PRIORS:
                cache[key] = -math.inf
            else:
                su, tu = merge(source[i : i + di]) if di else Unit(0), merge(target[j : j + dj]) if dj else Unit(0)
                # a sentence without counterpart pays its prior only: its length says nothing about it
                lengths = length_cost(su.length, tu.length, ratio) if di and dj else 0.0
                w = math.log(PRIORS[kind]) + a[1] + b[1] - lengths
                w += math.log(BOTH_SIDES) if di > 1 and dj > 1 else 0.0
                cache[key] = w + anchor_bonus(su, tu) if di and dj else w
        return cache[key]

    def inside(i: int, j: int) -> bool:
        return abs(i * m - j * n) <= band * max(n, m)

    fwd, best, back = _forward(n, m, ends, score, inside)
    bwd = _backward(n, m, starts, score, inside)
    total = fwd[n][m]
    beads: list[Bead] = []
    i, j = n, m
    while (i, j) != (0, 0):
        step = back[i][j]
        if step is None:  # outside the band: cannot happen for a reachable end, but never loop
            break
        di, dj = step
        pi, pj = i - di, j - dj
        passed = (math.exp(min(0.0, fwd[pi][pj] + bwd[pi][pj] - total)), math.exp(min(0.0, fwd[i][j] + bwd[i][j] - total)))
        if CONFIDENCE == "edges":
            posterior = max(0.0, passed[0] + passed[1] - 1.0)  # P(both ends) >= P(one) + P(other) - 1
        else:
            posterior = math.exp(min(0.0, fwd[pi][pj] + score(pi, pj, di, dj) + bwd[i][j] - total))
        if di and dj and MIN_FIT:  # the best of bad alignments is still bad: lengths far apart are not sure
            su, tu = merge(source[pi:i]), merge(target[pj:j])
            posterior *= min(1.0, math.exp(-length_cost(su.length, tu.length, ratio)) / MIN_FIT)
        beads.append(Bead(tuple(range(pi, i)), tuple(range(pj, j)), posterior, passed))
        i, j = pi, pj
    beads.reverse()
    return beads


def _lengths(side: dict[tuple[int, int], tuple[int, float]], k: int, n: int, direction: int) -> list[int]:
    """Lengths of the beads of one side that end (direction -1) or start (1) at sentence k."""
    if direction < 0:
        return [d for d in range(min(MAX_UNITS, k) + 1) if (k - d, d) in side]
    return [d for d in range(min(MAX_UNITS, n - k) + 1) if (k, d) in side]


Lengths = tuple[list[list[int]], list[list[int]]]
Score = Callable[[int, int, int, int], float]


def _forward(n: int, m: int, ends: Lengths, score: Score, inside: Callable[[int, int], bool]):
    """Forward sums (log) and the best path's weights and steps, over the beads that end at each cell."""
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
            for di, dj in ((di, dj) for di in ends[0][i] for dj in ends[1][j] if di or dj):
                pi, pj = i - di, j - dj
                if fwd[pi][pj] == NEG:
                    continue
                w = score(pi, pj, di, dj)
                if w == NEG:
                    continue
                terms.append(fwd[pi][pj] + w)
                if best[pi][pj] + w > best[i][j]:
                    best[i][j], back[i][j] = best[pi][pj] + w, (di, dj)
            fwd[i][j] = _logsumexp(terms)
    return fwd, best, back


def _backward(n: int, m: int, starts: Lengths, score: Score, inside: Callable[[int, int], bool]) -> list[list[float]]:
    NEG = -math.inf
    bwd = [[NEG] * (m + 1) for _ in range(n + 1)]
    bwd[n][m] = 0.0
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if (i == n and j == m) or not inside(i, j):
                continue
            terms = []
            for di, dj in ((di, dj) for di in starts[0][i] for dj in starts[1][j] if di or dj):
                ni, nj = i + di, j + dj
                if bwd[ni][nj] == NEG:
                    continue
                w = score(i, j, di, dj)
                if w != NEG:
                    terms.append(w + bwd[ni][nj])
            bwd[i][j] = _logsumexp(terms)
    return bwd


def settle(beads: Sequence[Bead], sure: float, source: _Side, target: _Side) -> list[Bead]:
    """Beads between two points the alignment surely passes, with none between them it surely
    does, made one where the source's sentences in there are one quotation and the target's are
    joined by soft boundaries: how the sentences share the text is unsure (a quotation cut on
    both sides, its attribution moved), but not which text they have together. Its confidence
    is that of both points (at most MAX_UNITS sentences a side)."""
    out: list[Bead] = []
    run: list[Bead] = []

    def flush() -> None:
        if not run:
            return
        s_units = tuple(i for b in run for i in b.source)
        t_units = tuple(j for b in run for j in b.target)
        quoted = all(source.kinds[i] == boundaries.QUOTATION for i in s_units[:-1])
        joined = all(target.soft[j] for j in t_units[:-1])
        if len(run) == 1 or not s_units or not t_units or max(len(s_units), len(t_units)) > MAX_UNITS or not (quoted and joined):
            out.extend(run)
        else:
            ends = (run[0].ends[0], run[-1].ends[1])
            out.append(Bead(s_units, t_units, max(0.0, ends[0] + ends[1] - 1.0), ends))
        run.clear()

    for bead in beads:
        run.append(bead)
        if bead.ends[1] >= sure:
            flush()
    flush()
    return out


RATIO_PRIOR = 500  # characters of 1:1 text the measured ratio starts from (a short article's added sentence must not set it)


def length_ratio(source: Sequence[Unit], target: Sequence[Unit]) -> float:
    """Target characters per source character over everything being aligned, drawn towards 1
    for a short text."""
    a = sum(u.length for u in source)
    b = sum(u.length for u in target)
    return (b + RATIO_PRIOR) / (a + RATIO_PRIOR) if a and b else 1.0


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
    pieces: tuple[Piece, ...] = ()  # with split_target: what the beads' target indexes point to


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


def piece_segment(block: Block, piece: Piece) -> Segment:
    """A piece of a sentence as a sentence of its own (placeholders numbered again)."""
    seg = block.segments[piece.segment]
    if piece.start == 0 and piece.end == len(seg.text):
        return seg
    return renumber(seg.text[piece.start : piece.end], seg.spans)


@dataclass(frozen=True)
class _Side:
    """A block's sentences as the aligner sees them: their units, the kinds of soft boundary
    between them and how likely each is one side's alone, and the pieces they were cut into."""

    units: list[Unit]
    kinds: list[str]
    soft: list[float]
    pieces: tuple[Piece, ...] = ()


def _sentences(block: Block, target_of: str | None = None) -> _Side:
    """A block's sentences; with ``target_of`` (the source's language), a translation's, cut and
    joined inside quotations as that language's splitter does."""
    if target_of is None:
        found = boundaries.kinds(block.segments)
        return _Side([unit_of(s) for s in block.segments], found, boundaries.soft(found))
    cuts = boundaries.cuts_quotations(target_of)
    cut = boundaries.pieces(block.segments, cuts)
    segs = [piece_segment(block, p) for p in cut]
    found = boundaries.kinds(segs)
    soft = boundaries.soft(found, None if cuts else boundaries.JOINED)
    for k in range(len(cut) - 1):
        if cut[k].segment == cut[k + 1].segment:  # cut by boundaries.pieces: soft by construction
            soft[k] = soft[k] or boundaries.UNCUT
    return _Side([unit_of(s) for s in segs], found, soft, tuple(cut))


def align_documents(
    source: Document,
    target: Document,
    ratio: float | None = None,
    names: tuple[str, str] = ("source", "translation"),
    split_target: bool = False,
    sure: float = 0.0,
) -> Alignment:
    """Pair the blocks of an article and its translation by structure, then the sentences inside each
    pair. Front matter blocks pair by key; the rest in order, as long as the kinds agree (a code or
    HTML block faces a code or HTML block). Where the structures differ, the body is aligned with
    gaps (a block only on one side) and ``divergence`` says where they first differ. With
    ``split_target``, the translation's sentences are cut at their soft boundaries first (the beads
    then index ``BlockPair.pieces``). With ``sure``, beads are settled (see settle) so that two
    points each passed with probability (1 + sure) / 2 bound a bead of confidence ``sure``."""
    s_sides = {b.index: _sentences(b) for b in source.blocks}
    t_sides = {b.index: _sentences(b, source.source_lang if split_target else None) for b in target.blocks}
    s_units = {i: side.units for i, side in s_sides.items()}
    t_units = {i: side.units for i, side in t_sides.items()}
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
        ss = s_sides[sa] if sa is not None else _Side([], [], [])
        ts = t_sides[sb] if sb is not None else _Side([], [], [])
        beads = align_units(ss.units, ts.units, ratio, ss.soft, ts.soft)
        out.append(BlockPair(sa, sb, tuple(settle(beads, (1 + sure) / 2, ss, ts) if sure else beads), ts.pieces))
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
        ua, ub = merge(s_units[ea.block]), merge(t_units[eb.block])
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
