"""A Word paragraph's content (`docx`): read into items (text with its run's formatting,
atoms, the containers around runs) and made into runs with paired codes, and written back from
a translation: text into runs of its formatting, atoms where the translation puts them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.articles import office
from pipeline.articles.office import Token
from pipeline.segment.protect import Atom, Close, Open, Run, Text

# Elements around runs inside a paragraph: paired codes (their kind names them for editors).
CONTAINERS = {
    "w:hyperlink": "link",
    "w:ins": "ins",
    "w:moveTo": "ins",
    "w:smartTag": "tag",
    "w:customXml": "tag",
    "w:sdt": "control",
    "w:sdtContent": "control",
    "w:dir": "dir",
    "w:bdo": "dir",
}
PROPERTIES = frozenset({"w:rPr", "w:sdtPr", "w:sdtEndPr", "w:smartTagPr", "w:customXmlPr"})
DROPPED = frozenset({"w:proofErr", "w:lastRenderedPageBreak"})  # spell-check and layout marks
ANCHORS = frozenset({"bookmark", "comment", "perm"})  # atoms kept outside the region at its ends
LEADING = ANCHORS | {"note", "tab"}  # and at its start: a footnote's own number and the tab after it
# What a run holds besides text; anything else inside a paragraph is an atom of its own.
RUN_CONTENT = {
    "w:tab": "tab",
    "w:ptab": "tab",
    "w:br": "break",
    "w:cr": "break",
    "w:drawing": "image",
    "w:pict": "image",
    "w:object": "image",
    "mc:AlternateContent": "image",
    "w:footnoteReference": "note",
    "w:endnoteReference": "note",
    "w:footnoteRef": "note",
    "w:endnoteRef": "note",
    "w:commentReference": "comment",
    "w:annotationRef": "comment",
    "w:sym": "symbol",
    "w:noBreakHyphen": "symbol",
    "w:softHyphen": "symbol",
    "w:separator": "note",
    "w:continuationSeparator": "note",
    "w:fldChar": "field",
    "w:instrText": "field",
    "w:delText": "xml",
    "w:pgNum": "field",
}
_ATOM_KINDS = {"w:bookmarkStart": "bookmark", "w:bookmarkEnd": "bookmark", "w:commentRangeStart": "comment"}
_ATOM_KINDS.update({"w:commentRangeEnd": "comment", "w:permStart": "perm", "w:permEnd": "perm", "w:fldSimple": "field"})
_ATOM_KINDS.update({"m:oMath": "math", "m:oMathPara": "math", "w:del": "xml", "w:moveFrom": "xml"})
# What is not formatting in run properties: spell-check and revision marks, and the language.
_NOT_FORMAT_RE = re.compile(r'\s+w:rsid\w*="[^"]*"|<w:lang\b[^>]*/>|<w:noProof(?:\s+w:val="[^"]*")?\s*/>')
_EMPTY_RE = re.compile(r"<w:rPr>\s*</w:rPr>|<w:rPr\s*/>")
LANG_TAG_RE = re.compile(r"<w:lang\b[^>]*>")


@dataclass
class Item:
    kind: str  # text | atom | open | close
    start: int  # where it is in the part
    end: int
    level: int  # the container it is in (its number in the paragraph), -1: the paragraph itself
    source: str = ""  # as written: an atom's element, a container's opening or closing markup
    text: str = ""  # a text's characters
    fmt: str | None = None  # a run's formatting, as compared; None: not in a run
    run: str = ""  # the run's start tag and properties, as written
    atom: str = "xml"  # an atom's kind, a container's


@dataclass
class Walk:
    """A paragraph's content as items: text and atoms with the run and container each is in."""

    items: list[Item] = field(default_factory=list)
    containers: int = 0
    depth: int = 0  # complex fields open at the end
    continued: bool = False  # it starts inside a field that an earlier paragraph began


def lang_value(declared: str, target: str) -> str:
    """The target as the file writes languages: with a region ("uk-UA") where it wrote one."""
    if "-" in target or "-" not in declared:
        return target
    from babel.core import get_global

    likely = str(get_global("likely_subtags").get(target, "")).split("_")
    return f"{target}-{likely[-1]}" if len(likely) > 1 and likely[-1].isupper() else target


def read(text: str, toks: list[Token], ends: list[int], lo: int, hi: int, depth: int) -> Walk:
    """The items of a paragraph's content, toks[lo:hi]; ``depth``: complex fields open before it."""
    walk = Walk(depth=depth, continued=depth > 0)
    levels: list[tuple[int, int, Item]] = []  # open containers: number, token that ends it, its close
    k = lo
    while k < hi:
        while levels and k >= levels[-1][1]:
            walk.items.append(levels.pop()[2])
        t = toks[k]
        level = levels[-1][0] if levels else -1
        if t.kind in ("text", "other", "end") or t.name == "w:pPr" or t.name in DROPPED:
            k = (ends[k] if t.kind == "start" else k) + 1
            continue
        end = ends[k] if t.kind == "start" else k
        if t.name == "w:r":
            _run(walk, text, toks, ends, k, level)
        elif t.name not in CONTAINERS or walk.depth or t.kind == "empty":
            kind = "field" if walk.depth else _ATOM_KINDS.get(t.name, "xml")
            walk.items.append(Item("atom", t.start, toks[end].end, level, text[t.start : toks[end].end], atom=kind))
        else:
            opened = _container(walk, text, toks, ends, k, level)
            if opened is None:
                walk.items.append(Item("atom", t.start, toks[end].end, level, text[t.start : toks[end].end], atom="control"))
            else:
                levels.append(opened[1:])
                k = opened[0]
                continue
        k = end + 1
    while levels:
        walk.items.append(levels.pop()[2])
    walk.items = _fields_merged(walk.items, text)
    return walk


def _fields_merged(items: list[Item], text: str) -> list[Item]:
    """A complex field's runs (begin, instruction, separate, result, end) as one atom."""
    out: list[Item] = []
    for item in items:
        last = out[-1] if out else None
        if last and item.atom == last.atom == "field" and item.kind == last.kind == "atom" and item.level == last.level:
            if not text[last.end : item.start].strip():
                out[-1] = Item("atom", last.start, item.end, item.level, text[last.start : item.end], atom="field")
                continue
        out.append(item)
    return out


def _container(walk: Walk, text: str, toks: list[Token], ends: list[int], k: int, level: int):
    """A container's opening (its start tag and properties) as an item; the token to read next,
    its number, the token ending it and its closing item. None: a w:sdt without content."""
    t, end = toks[k], ends[k]
    j = k + 1
    while j < end and (toks[j].kind in ("text", "other") or toks[j].name in PROPERTIES):
        j = (ends[j] if toks[j].kind == "start" else j) + 1
    close_at = end
    if t.name == "w:sdt":  # its runs are in w:sdtContent: the pair opens after that start tag
        if j >= end or toks[j].name != "w:sdtContent" or toks[j].kind != "start":
            return None
        close_at = ends[j]
        j += 1
    opened = toks[j - 1].end
    number = walk.containers
    walk.containers += 1
    kind = CONTAINERS[t.name]
    walk.items.append(Item("open", t.start, opened, level, text[t.start : opened], atom=kind))
    a, b = toks[close_at].start, toks[end].end
    return j, number, close_at, Item("close", a, b, level, text[a:b], atom=kind)


def _run(walk: Walk, text: str, toks: list[Token], ends: list[int], k: int, level: int) -> None:
    """A run: its text in pieces with its formatting, and what else it holds as atoms; a run
    with no text, or inside a complex field, is one atom."""
    end = ends[k]
    if end == k:  # <w:r/>
        return
    start_tag = text[toks[k].start : toks[k].end]
    props = ""
    pieces: list[Item] = []
    in_field = walk.depth > 0
    j = k + 1
    while j < end:
        t = toks[j]
        if t.kind in ("text", "other", "end"):
            j += 1
            continue
        stop = ends[j] if t.kind == "start" else j
        source = text[t.start : toks[stop].end]
        if t.name == "w:rPr":
            props = source
        elif t.name == "w:t":
            words = "".join(office.text_of(text, x) for x in toks[j + 1 : stop] if x.kind == "text")
            pieces.append(Item("text", t.start, toks[stop].end, level, source, text=words))
        elif t.name == "w:fldChar":
            found = office.attribute(text[t.start : t.end], "w:fldCharType")
            change = {"begin": 1, "end": -1}.get(found[0] if found else "", 0)
            walk.depth = max(0, walk.depth + change)
            in_field = True
        elif t.name not in DROPPED:
            pieces.append(Item("atom", t.start, toks[stop].end, level, source, atom=RUN_CONTENT.get(t.name, "xml")))
        j = stop + 1
    whole = text[toks[k].start : toks[end].end]
    if in_field or walk.depth > 0:
        walk.items.append(Item("atom", toks[k].start, toks[end].end, level, whole, atom="field"))
    elif pieces and not any(p.kind == "text" for p in pieces):
        walk.items.append(Item("atom", toks[k].start, toks[end].end, level, whole, atom=pieces[0].atom))
    else:
        fmt = _EMPTY_RE.sub("", _NOT_FORMAT_RE.sub("", props))
        for p in pieces:  # a block's region is whole runs
            p.fmt, p.run, p.start, p.end = fmt, start_tag + props, toks[k].start, toks[end].end
        walk.items.extend(pieces)


def formats(items: list[Item]) -> dict[int, str]:
    """Each level's most common formatting (by characters), the first of a tie: its text is plain."""
    counts: dict[int, dict[str, int]] = {}
    for item in items:
        if item.kind == "text" and item.fmt is not None:
            level = counts.setdefault(item.level, {})
            level[item.fmt] = level.get(item.fmt, 0) + len(item.text.strip()) + 1
    return {level: max(c, key=lambda f: c[f]) for level, c in counts.items()}


def runs_of(items: list[Item], bases: dict[int, str]) -> list[Run]:
    """Items as runs: text in its level's base formatting is plain, other formatting a pair."""
    out: list[Run] = []
    key = 0
    open_run: tuple[int, str, int] | None = None  # level, formatting, key
    stack: list[int] = []  # open containers' keys

    def close_run() -> None:
        nonlocal open_run
        if open_run is not None:
            out.append(Close(_format_kind(open_run[1]), "</w:r>", open_run[2]))
            open_run = None

    for item in items:
        if item.kind == "open":
            close_run()
            key += 1
            stack.append(key)
            out.append(Open(item.atom, item.source, key))
        elif item.kind == "close":
            close_run()
            out.append(Close(item.atom, item.source, stack.pop()))
        elif item.fmt is None or item.fmt == bases.get(item.level) and (open_run is None or item.kind == "text"):
            close_run()  # a base-formatted atom between two formatted texts stays outside their pairs
            out.append(Text(item.text) if item.kind == "text" else Atom(item.atom, item.source))
        else:
            if open_run is None or open_run[:2] != (item.level, item.fmt):
                close_run()
                key += 1
                open_run = (item.level, item.fmt, key)
                out.append(Open(_format_kind(item.fmt), item.run, key))
            out.append(Text(item.text) if item.kind == "text" else Atom(item.atom, item.source))
    close_run()
    return out


def _format_kind(fmt: str) -> str:
    for pattern, kind in _KINDS:
        if pattern.search(fmt):
            return kind
    return "format"


_KINDS = [
    (re.compile(rf'<w:{tag}(?:\s+w:val="(?:1|true|on)")?\s*/>'), kind)
    for tag, kind in (("b", "strong"), ("i", "em"), ("strike", "s"), ("u", "u"))
]


# --- writing paragraphs ----------------------------------------------------------------------


@dataclass
class _Frame:
    kind: str  # para | cont (a container) | run
    run: str  # the run's start tag and properties; for para and cont, their base run's
    open: bool = False  # a run is open: a base run in para and cont, the run itself in run


def written(region: str, target: str, lang: str | None) -> str | None:
    """A paragraph's runs rebuilt from its translation (text, and the markup of its pairs and
    atoms); None when the translation is its source."""
    toks = office.tokens(region)
    walk = read(region, toks, office.element_ends(toks), 0, len(toks), 0)
    bases = formats(walk.items)
    runs = runs_of(walk.items, bases)
    source = "".join(office.escape(r.text) if isinstance(r, Text) else r.source for r in runs)
    if " ".join(source.split()) == " ".join(target.split()):
        return None
    base_runs: dict[int, str] = {}
    for item in walk.items:
        if item.kind == "text" and item.fmt == bases.get(item.level):
            base_runs.setdefault(item.level, item.run)
    top = base_runs.get(-1, "<w:r>")
    opens = [i for i in walk.items if i.kind == "open"]
    by_open = {item.source: base_runs.get(n, top) for n, item in enumerate(opens)}
    return _rebuilt(target.strip(), top, by_open, lang)  # the region starts and ends where its text does


def _rebuilt(target: str, top: str, by_open: dict[str, str], lang: str | None) -> str:
    """The state machine that puts text into runs: text outside a formatted run goes into its
    container's base run, an atom that is run content into a run, any other atom between runs."""
    toks = office.tokens(target)
    ends = office.element_ends(toks)
    out: list[str] = []
    words: list[str] = []
    stack = [_Frame("para", _with_lang(top, lang))]

    def flush() -> None:
        if words:
            s = "".join(words)
            out.append('<w:t xml:space="preserve">' if s[:1].isspace() or s[-1:].isspace() else "<w:t>")
            out.extend((s, "</w:t>"))
            words.clear()

    def into_run() -> None:
        frame = stack[-1]
        if not frame.open:
            out.append(frame.run)
            frame.open = True

    def out_of_run() -> None:
        flush()
        frame = stack[-1]
        if frame.open:
            out.append("</w:r>")
            frame.open = False

    k = 0
    while k < len(toks):
        t = toks[k]
        piece = target[t.start : t.end]
        if t.kind == "text":
            into_run()
            words.append(piece)
        elif t.kind == "end":
            out_of_run()
            if stack[-1].kind == "cont":
                out.append(piece)
            stack.pop()
        elif t.kind == "start" and t.name == "w:r" and _holds_text(target, toks, ends, k):
            out_of_run()
            stack.append(_Frame("run", piece, True))
            out.append(piece)
        elif t.kind == "start" and t.name in CONTAINERS and _holds_text(target, toks, ends, k):
            out_of_run()
            inherited = stack[-1].run if t.name == "w:sdtContent" else _with_lang(by_open.get(piece, top), lang)
            stack.append(_Frame("cont", inherited))
            out.append(piece)
        elif t.kind in ("start", "empty"):
            element = target[t.start : toks[ends[k]].end] if t.kind == "start" else piece
            k = ends[k] if t.kind == "start" else k
            if t.name == "w:rPr" and stack[-1].kind == "run":
                element = _with_lang(element, lang)
                stack[-1].run += element
                out.append(element)
            elif t.name in PROPERTIES:
                out.append(element)
            elif t.name in RUN_CONTENT:
                flush()
                into_run()
                out.append(element)
            else:
                out_of_run()
                out.append(element)
        k += 1
    while stack:
        out_of_run()
        stack.pop()
    return "".join(out)


def _holds_text(target: str, toks: list[Token], ends: list[int], k: int) -> bool:
    """Whether an element has words of the translation directly in it: a pair's markup around
    them, not an atom (a whole run or hyperlink as the source has it, copied as it is)."""
    j = k + 1
    while j < ends[k]:
        t = toks[j]
        if t.kind == "text" and target[t.start : t.end].strip():
            return True
        if t.kind == "start" and t.name == "w:sdtContent" and toks[k].name == "w:sdt":
            return _holds_text(target, toks, ends, j)  # a content control's runs are in its content
        j = (ends[j] if t.kind == "start" else j) + 1
    return False


def _with_lang(markup: str, lang: str | None) -> str:
    """Run properties with each w:lang's w:val set to the target."""
    if not lang or "<w:lang" not in markup:
        return markup

    def one(m: re.Match[str]) -> str:
        tag = m.group(0)
        value = office.attribute(tag, "w:val")
        if value is None:
            return tag
        return tag[: value[1]] + office.escape_attribute(lang_value(value[0], lang)) + tag[value[2] :]

    return LANG_TAG_RE.sub(one, markup)
