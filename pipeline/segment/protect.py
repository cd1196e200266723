"""Placeholders: what the engine must not translate goes in as a tag and comes back as it was.

A block's inline content arrives as runs (text, atoms, opening and closing markup). ``mask`` turns
them into text with ``<xN/>`` for atoms and ``<gN>...</gN>`` around paired markup. ``restore`` puts
the markup back into the engine's output, tolerating what models do to tags (spaces inside them,
changed case, lost or duplicated tags). An atom the engine lost is put back at the end of the
sentence and flagged; lost or crossed pairs make ``restore`` return None so the caller can
translate the pieces between the tags separately (see ``pieces``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from pipeline.core.document import Segment, Span
from pipeline.core.placeholders import TAG_RE

# Atoms that render as words (a localised number, a glossary term): escaped with the text around
# them, since together they can spell markup ("1" + ". " at the start of a line is a list item).
TEXT_KINDS = frozenset({"quantity", "term"})

# Tolerant of what engines do to tags: "< x 1 / >", "<X1/>", "</ g2>".
_WORD_RE = re.compile(r"[^\W\d_]")
_TRAILING_PUNCT_RE = re.compile(r"[\s.!?…:;]*$")


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Atom:
    kind: str
    source: str
    value: object = None


@dataclass(frozen=True)
class Open:
    kind: str
    source: str
    key: int  # matches the Close with the same key


@dataclass(frozen=True)
class Close:
    kind: str
    source: str
    key: int


Run = Text | Atom | Open | Close
Scanner = Callable[[str], Iterable[Run]]


@functools.lru_cache(maxsize=16384)
def has_words(text: str) -> bool:
    """Whether text (placeholders aside) has anything a translator would translate. Cached: each
    sentence is asked about by planning, assembling and every output (48,000 calls on the bench's
    5,380 sentences)."""
    return bool(_WORD_RE.search(TAG_RE.sub(" ", text)))


@dataclass(frozen=True)
class Prefiltered:
    """A scanner, with a test true of every text it can find anything in and of every text holding
    such a text (cheap, in C: a regex search without anchors or lookarounds), so that scan_text asks
    the scanner only about those: most texts have no URL, no digit, no alert marker, and each
    scanner made new runs of every text it was given (half of scan_text's time on the bench
    articles, bench/driver.py). A block whose text fails the test is not looked at run by run."""

    scan: Callable[[str], list[Run]]
    may_find: Callable[[str], object]

    def __call__(self, text: str) -> list[Run]:
        return self.scan(text)


def never(text: str) -> bool:
    """The test of a scanner with nothing to find (a glossary without entries)."""
    return False


def scan_text(runs: Iterable[Run], scanners: Sequence[Scanner]) -> list[Run]:
    """Let each scanner split the Text runs further (URLs, numbers, protected terms...)."""
    out = list(runs)
    # every Text a scanner is given is a piece of these: where the test fails on all of them, it
    # would fail on each
    whole = "\n".join(run.text for run in out if isinstance(run, Text))
    for scanner in scanners:
        scan, may_find = (scanner.scan, scanner.may_find) if isinstance(scanner, Prefiltered) else (scanner, None)
        if may_find is not None and not may_find(whole):
            continue
        nxt: list[Run] = []
        for run in out:
            if isinstance(run, Text) and (may_find is None or may_find(run.text)):
                nxt.extend(scan(run.text))
            else:
                nxt.append(run)  # not text, or nothing this scanner could find in it: as it is
        out = nxt
    return out


def _collapse(runs: list[Run]) -> list[Run]:
    """Turn a pair with nothing to translate inside ("[`x`](url)", "![](img.png)") into one atom.

    One pass with a stack of open pairs, each knowing whether anything inside it must be
    translated or stays markup (searching back for each pair's opening was quadratic in depth).
    """
    out: list[Run] = []
    stack: list[list] = []  # [index in out of the Open, its key, whether it must stay a pair]
    for run in runs:
        if isinstance(run, Open):
            stack.append([len(out), run.key, False])
            out.append(run)
            continue
        if isinstance(run, Close) and stack and stack[-1][1] == run.key:
            i, _, keep = stack.pop()
            if keep:
                out.append(run)
                if stack:
                    stack[-1][2] = True  # a pair inside is markup to restore
            else:
                source = out[i].source + "".join(_source_of(r) for r in out[i + 1 :]) + run.source
                out[i:] = [Atom(run.kind, source)]
            continue
        out.append(run)
        if stack and (isinstance(run, Close) or (isinstance(run, Text) and has_words(run.text))):
            stack[-1][2] = True  # words to translate, or markup that is not this pair's own
    return out


def _source_of(run: Run) -> str:
    return run.text if isinstance(run, Text) else run.source


def mask(runs: Sequence[Run]) -> tuple[str, tuple[Span, ...]]:
    """Runs -> text with placeholders numbered from 1, and the spans they stand for."""
    parts: list[str] = []
    spans: list[Span] = []
    numbers: dict[int, int] = {}
    for run in _collapse(list(runs)):
        if isinstance(run, Text):
            # "<x1/>" typed by an author must not be read back as a placeholder
            parts.append(TAG_RE.sub(_disarm, run.text) if "<" in run.text else run.text)
        elif isinstance(run, Atom):
            spans.append(Span(run.kind, run.source, None, run.value))
            parts.append(f"<x{len(spans)}/>")
        elif isinstance(run, Open):
            spans.append(Span(run.kind, run.source, ""))
            numbers[run.key] = len(spans)
            parts.append(f"<g{len(spans)}>")
        else:
            n = numbers[run.key]
            spans[n - 1] = Span(spans[n - 1].kind, spans[n - 1].source, run.source)
            parts.append(f"</g{n}>")
    return "".join(parts), tuple(spans)


def _disarm(m: re.Match[str]) -> str:
    return m.group(0).replace("<", "\u2039")


def renumber(text: str, spans: Sequence[Span]) -> Segment:
    """Cut a sentence out of a masked block: its placeholders are numbered again from 1.

    Numbering per sentence makes identical sentences identical strings, so they are translated
    (and remembered) once wherever they appear.
    """
    if "<" not in text:  # no placeholder (most sentences): nothing to renumber
        return Segment(text, ())
    mapping: dict[int, int] = {}
    local: list[Span] = []

    def sub(m: re.Match[str]) -> str:
        n = int(m.group(3))
        if n not in mapping:
            local.append(spans[n - 1])
            mapping[n] = len(local)
        return f"<{m.group(1)}{m.group(2)}{mapping[n]}{m.group(4)}>"

    return Segment(TAG_RE.sub(sub, text), tuple(local))


# --- restoring -------------------------------------------------------------------------------

Escape = Callable[[str, bool], str]  # (text, at_line_start) -> text safe in the output syntax
RenderAtom = Callable[[Span], str]


def no_escape(text: str, at_line_start: bool) -> str:
    return text


def restore(
    translated: str,
    segment: Segment,
    escape: Escape = no_escape,
    render: RenderAtom = lambda span: span.source,
    starts_line: bool = True,
) -> tuple[str, tuple[int, ...]] | None:
    """Put the spans back into an engine's output.

    ``starts_line``: the sentence begins a line of the output (a block's first sentence; the
    others follow a space). Text after a line break inside the sentence always begins one.

    Returns the text and the numbers of the atoms the engine lost (put back at the end of the
    sentence), or None when paired markup did not survive (missing, duplicated or crossed tags):
    the caller then translates the pieces between the tags on their own.
    """
    spans = segment.spans
    if not spans and "<" not in translated:  # no tag to read (most sentences): the text, escaped
        return (escape(translated, starts_line) if translated else ""), ()
    out: list[str] = []
    text: list[str] = []  # text not yet escaped
    used: set[int] = set()
    stack: list[int] = []
    closed: set[int] = set()
    pos = 0
    at_line_start = starts_line

    def flush() -> None:
        nonlocal at_line_start
        if text:
            joined = "".join(text)
            text.clear()
            if joined:
                out.append(escape(joined, at_line_start))
                at_line_start = False

    for m in TAG_RE.finditer(translated):
        text.append(translated[pos : m.start()])
        pos = m.end()
        n = int(m.group(3))
        if not 1 <= n <= len(spans):
            continue  # a tag the engine invented
        span = spans[n - 1]
        kind = m.group(2).lower()
        if kind == "x" and not span.paired:
            if n not in used:
                used.add(n)
                rendered = render(span)
                if span.kind in TEXT_KINDS:
                    text.append(rendered)
                    continue
                flush()
                out.append(rendered)
                at_line_start = rendered.endswith("\n") or span.kind == "break"
            continue
        flush()
        if kind == "g" and span.paired:
            if m.group(1):  # closing
                if not stack or stack[-1] != n:
                    return None
                stack.pop()
                closed.add(n)
                out.append(span.close or "")
            else:
                if n in used:
                    return None
                used.add(n)
                stack.append(n)
                out.append(span.source)
    text.append(translated[pos:])
    flush()

    pairs = {i + 1 for i, s in enumerate(spans) if s.paired}
    if stack or closed != pairs:
        return None
    missing = tuple(i + 1 for i, s in enumerate(spans) if not s.paired and i + 1 not in used)
    lost = " ".join(_rendered(spans[i - 1], render, escape) for i in missing)
    return _put_back("".join(out), lost), missing


def _put_back(result: str, lost: str) -> str:
    """The sentence with the atoms the engine lost (rendered) before its final punctuation."""
    if not lost:
        return result
    tail = _TRAILING_PUNCT_RE.search(result)
    cut = tail.start() if tail else len(result)
    sep = " " if cut and not result[:cut].endswith((" ", "\n")) else ""
    return result[:cut] + sep + lost + result[cut:]


def _rendered(span: Span, render: RenderAtom, escape: Escape) -> str:
    rendered = render(span)
    return escape(rendered, False) if span.kind in TEXT_KINDS else rendered


def pieces(segment: Segment) -> list[str | int]:
    """Split a sentence at its paired tags: text chunks (with atoms) and tag numbers in between.

    Closing tags are given as negative numbers. Used when an engine lost the tags of a sentence:
    each chunk is translated alone, then ``assemble`` rebuilds the sentence with its markup.
    """
    out: list[str | int] = []
    pos = 0
    for m in TAG_RE.finditer(segment.text):
        if m.group(2) in "gG":
            out.append(segment.text[pos : m.start()])
            n = int(m.group(3))
            out.append(-n if m.group(1) else n)
            pos = m.end()
    out.append(segment.text[pos:])
    return out


def _chunk(part: str, segment: Segment) -> tuple[Segment, list[int]]:
    """A chunk as a sentence of its own, and which of the segment's spans its atoms are."""
    numbers = list(dict.fromkeys(int(m.group(3)) for m in TAG_RE.finditer(part)))
    return renumber(part.strip(), segment.spans), numbers


def assemble(
    parts: Sequence[str | int],
    translated: dict[str, str],
    segment: Segment,
    escape: Escape = no_escape,
    render: RenderAtom = lambda span: span.source,
    starts_line: bool = True,
) -> tuple[str, tuple[int, ...]]:
    """Rebuild a sentence from its separately translated chunks (see ``pieces``); returns the text
    and the numbers (in the whole sentence) of the atoms the engine lost. ``starts_line``: as
    for ``restore``."""
    out: list[str] = []
    missing: list[int] = []
    for part in parts:
        if isinstance(part, int):
            span = segment.spans[abs(part) - 1]
            out.append(span.source if part > 0 else span.close or "")
            continue
        if not part:
            continue
        lead = part[: len(part) - len(part.lstrip())]
        trail = part[len(part.rstrip()) :]
        chunk, numbers = _chunk(part, segment)
        target = translated.get(chunk.text, chunk.text) if has_words(chunk.text) else chunk.text
        # a chunk holds no paired tags, so restoring its own text always succeeds
        restored = restore(target, chunk, escape, render, starts_line) or restore(chunk.text, chunk, escape, render, starts_line)
        restored = restored or (chunk.text, ())
        missing.extend(numbers[i - 1] for i in restored[1])
        out.append(lead + restored[0] + trail)
    return "".join(out), tuple(missing)


def reassembled(parts: Sequence[str | int], translated: dict[str, str], segment: Segment) -> str:
    """A sentence rebuilt from its separately translated chunks in placeholder form, numbered as the
    sentence is (what the article shows, as tags: what an exchange file must carry). Atoms a chunk's
    translation lost are put back before the sentence's final punctuation, as ``restore`` does."""
    out: list[str] = []
    used: set[int] = set()
    for part in parts:
        if isinstance(part, int):
            out.append(f"<g{part}>" if part > 0 else f"</g{-part}>")
            continue
        if not part:
            continue
        lead = part[: len(part) - len(part.lstrip())]
        trail = part[len(part.rstrip()) :]
        chunk, numbers = _chunk(part, segment)
        target = translated.get(chunk.text, chunk.text) if has_words(chunk.text) else chunk.text

        def number(m: re.Match[str], numbers=numbers) -> str:
            k = int(m.group(3))
            if m.group(2) not in "xX" or not 1 <= k <= len(numbers) or numbers[k - 1] in used:
                return ""  # a tag the engine invented, or repeated
            used.add(numbers[k - 1])
            return f"<x{numbers[k - 1]}/>"

        out.append(lead + TAG_RE.sub(number, target) + trail)
    result = "".join(out)
    lost = [n for n, span in enumerate(segment.spans, 1) if not span.paired and n not in used]
    if lost:
        tail = _TRAILING_PUNCT_RE.search(result)
        cut = tail.start() if tail else len(result)
        sep = " " if cut and not result[:cut].endswith((" ", "\n")) else ""
        result = result[:cut] + sep + " ".join(f"<x{n}/>" for n in lost) + result[cut:]
    return result


def chunks_to_translate(segment: Segment) -> list[str]:
    """The chunk texts ``assemble`` will look up for this segment."""
    return [_chunk(p, segment)[0].text for p in pieces(segment) if isinstance(p, str) and has_words(p)]


# --- scanners: what inside plain text must not be translated ---------------------------------


def split_runs(text: str, found: Iterable[tuple[int, int, Atom]]) -> list[Run]:
    """text as runs, with an atom in place of each (start, end) found (in order, not overlapping)."""
    out: list[Run] = []
    pos = 0
    for start, end, atom in found:
        if start > pos:
            out.append(Text(text[pos:start]))
        out.append(atom)
        pos = end
    if pos < len(text) or not out:
        out.append(Text(text[pos:]))
    return out


@functools.cache
def _linkify():
    from linkify_it import LinkifyIt

    return LinkifyIt()


# What any link linkify-it finds must hold (its defaults, as _linkify makes it): "//" after a
# schema (http:, https:, ftp:, //), "@" in an e-mail (mailto:root@localhost has no dot), or a dot
# before a top-level domain, which starts with a letter (xn-- too). Most sentences hold none:
# linkify-it's match cost 2.0 s on the 9,932 lines of the bench articles, this test 0.01 s.
_MAY_LINK_RE = re.compile(r"//|@|\.[^\W\d_]")


def _urls(text: str) -> list[Run]:
    """Bare URLs, domains and e-mail addresses become atoms (linkify-it, as markdown-it uses)."""
    if not _MAY_LINK_RE.search(text):
        return [Text(text)]
    matches = _linkify().match(text) or ()
    return split_runs(text, ((m.index, m.last_index, Atom("url", text[m.index : m.last_index])) for m in matches))


urls = Prefiltered(_urls, _MAY_LINK_RE.search)


_ALERT_RE = re.compile(r"\[!(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]")


def _alerts(text: str) -> list[Run]:
    """GitHub and Hugo alert markers ("> [!NOTE]") are syntax, not words."""
    if "[!" not in text:
        return [Text(text)]
    return split_runs(text, ((m.start(), m.end(), Atom("alert", m.group(0))) for m in _ALERT_RE.finditer(text)))


alerts = Prefiltered(_alerts, re.compile(r"\[!").search)


_MD_ESCAPE_RE = re.compile(r"\\([!-/:-@\[-`{-~])")


def unmask(text: str, segment: Segment, render: RenderAtom = lambda span: span.source, as_written: Collection[str] = ()) -> str | None:
    """An article's sentence (Markdown, as in the bilingual JSON) back into placeholder form, given
    the source segment: each atom's text becomes ``<xN/>`` (an atom not found is simply absent),
    each pair's markup ``<gN>...</gN>``; None when a pair's markup cannot be found. Backslash
    escapes are undone, since the words are escaped again when the sentence is written. Atoms of
    the kinds in ``as_written`` stay in the words as the person wrote them (a translator's "08.02.2023"
    is not to become the locale's "2/8/2023")."""
    parts: list[str | tuple[str]] = [text]  # str: words; 1-tuple: a placeholder

    def take(needle: str, start: int = 0) -> int | None:
        for i in range(start, len(parts)):
            part = parts[i]
            if isinstance(part, str) and needle and needle in part:
                return i
        return None

    def cut(i: int, needle: str, tag: str) -> int:
        before, _, after = parts[i].partition(needle)  # type: ignore[union-attr]
        parts[i : i + 1] = [before, (tag,), after]
        return i + 1

    for n, span in enumerate(segment.spans, 1):
        if not span.paired:
            if span.kind in as_written:
                continue
            for form in dict.fromkeys((render(span), span.source)):
                i = take(form)
                if i is not None:
                    cut(i, form, f"<x{n}/>")
                    break
            continue
        i = take(span.source)
        if i is None:
            return None
        j = take(span.close or "", cut(i, span.source, f"<g{n}>") + 1)
        if j is None:
            return None
        cut(j, span.close or "", f"</g{n}>")
    out = []
    for part in parts:
        if isinstance(part, tuple):
            out.append(part[0])
        else:
            words = _MD_ESCAPE_RE.sub(r"\1", part)
            out.append(TAG_RE.sub(lambda m: m.group(0).replace("<", "\u2039"), words))
    return "".join(out)
