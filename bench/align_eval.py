"""What `pipeline adopt` stores, where the truth is known: news articles and their real translations.

    .venv/bin/python bench/align_eval.py [--threshold 0.9] [--seed 1] [--limit N]
        [--aligner same-boundaries|soft-beads|gale-church] [--rates realistic|3x]

WMT22 uk-en (Ukrainian originals), WMT22 en-uk and NTREX-128 en-uk hold professional translations
aligned segment by segment, grouped by document (small uk-en documents are joined into articles of
at least three segments). Each document is made news-like the way the translators' own news is:
a dateline (`Заголовок - DW - 08.02.2023`, run into the first sentence; the translator keeps the date
as written or rewrites it, and sometimes ends the dateline with a full stop the other side lacks)
and multi-sentence quotations made of consecutive segments, in each language's typography
(`«…», – сказав він.`, `– …, – сказав він.`, `Він сказав: «…».`, `“…,” he said.`). Segments are then
grouped into paragraphs of 3 to 5, and inside each paragraph the translators' edits are applied at
random: two target segments merged (joined as they are, or into one sentence with a semicolon), a
target segment split (at a sentence end, at a comma turned into a full stop, or mid-way), a
target segment dropped, a source segment dropped (the translation adds a sentence); at the rates
Gale and Church counted (merge and split 4.5% each, drops 0.5% each side) and at three times those.
The two articles are written as Markdown and go through `adopt_article`, as `pipeline adopt` runs it.

Scored on the pipeline's own source sentences: a source sentence belongs to the segments it
overlaps; sentences and segments that overlap form a group, whose right target is the target text
of the group's segments. A stored pair is a sentence recorded as `human`; it is right when the
targets stored for its group, in order (a sentence not stored matches anything), can be the
pieces of the group's target up to and including it and from it on, words compared (quantities
as `#`, so a re-rendered date or number is still the right sentence; punctuation aside). It is
verbatim when the same holds letter for letter (spaces, and the dash of dialogue between two
sentences, aside), both for the target the bilingual JSON shows and for the one a later
`translate` writes from the record. Coverage: source sentences whose group has a target that
were stored right. `--aligner` runs the alternatives docs/decisions.md compares.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

from pipeline.articles import markdown  # noqa: E402  (after sys.path is set)
from pipeline.evaluate.align import DEFAULT_THRESHOLD  # noqa: E402

# Edits per segment (merge, split, drop target, drop source): the bead frequencies Gale and Church
# counted in real translations (2-1 and 1-2 together 8.9%, 1-0 and 0-1 together about 1%), and three times those.
RATES = {"realistic": (0.045, 0.045, 0.005, 0.005), "3x": (0.135, 0.135, 0.015, 0.015)}
PARAGRAPH = (3, 5)  # segments per paragraph
P_DATELINE = 0.5  # documents that open with a dateline
P_QUOTE = 0.2  # eligible consecutive segments made into one multi-sentence quotation
_SENTENCE_END = re.compile(r"[.!?…]\s+(?=\S)")
_ENDS = re.compile(r"[.!?…]$")
_SPACE_RE = re.compile(r"\s+")
_DASH_RE = re.compile(r"(?:^|\s)[-–—](?=\s|$)|(?<=[.,!?…»”\"])[-–—]")
_WORDS_RE = re.compile(r"[^\w#]")
_DIGITS_RE = re.compile(r"#?\d(?:[\d.,:/ \u00a0\u202f-]*\d)?#?")  # what the quantity scanner leaves: "6/24/2023"

Truth = list[tuple[tuple[int, ...], tuple[int, ...]]]


def corpora(data: Path = DATA) -> dict[str, tuple[str, str, list[tuple[list[str], list[str]]]]]:
    """name -> (source language, target language, documents as (source segments, reference segments))."""

    def lines(path: Path) -> list[str]:
        return path.read_text(encoding="utf-8").replace("\r\n", "\n").rstrip("\n").split("\n")

    def grouped(src: list[str], ref: list[str], docids: list[str]) -> list[tuple[list[str], list[str]]]:
        docs: list[tuple[list[str], list[str]]] = []
        for _, group in groupby(zip(docids, src, ref), key=lambda r: r[0]):
            rows = list(group)
            if docs and len(docs[-1][0]) < PARAGRAPH[0]:  # a message of a line or two: joined with the next
                docs[-1][0].extend(r[1] for r in rows)
                docs[-1][1].extend(r[2] for r in rows)
            else:
                docs.append(([r[1] for r in rows], [r[2] for r in rows]))
        return docs

    out = {}
    wmt = data / "wmt22"
    for pair, (s, t) in {"wmt22 uk-en": ("uk", "en"), "wmt22 en-uk": ("en", "uk")}.items():
        stem = f"generaltest2022.{s}-{t}"
        docids = [line.split("\t")[1] for line in lines(wmt / f"{stem}.docids.tsv")[1:]]
        out[pair] = (s, t, grouped(lines(wmt / f"{stem}.src.{s}"), lines(wmt / f"{stem}.ref.A.{t}"), docids))
    ntrex = data / "ntrex128"
    docs = grouped(lines(ntrex / "newstest2019-src.eng.txt"), lines(ntrex / "newstest2019-ref.ukr.txt"), lines(ntrex / "DOCUMENT_IDS.tsv"))
    out["ntrex128 en-uk"] = ("en", "uk", docs)
    return out


# --- news: datelines and quotations ------------------------------------------------------------

AGENCIES = [("DW", "DW"), ("BBC News Україна", "BBC News Ukrainian"), ("Голос Америки", "Voice of America"), ("Укрінформ", "Ukrinform")]
SPEAKERS = [
    ("сказав президент", "the president said"),
    ("заявив міністр оборони", "the defence minister said"),
    ("зазначила речниця", "the spokeswoman noted"),
    ("додав Зеленський", "Zelensky added"),
    ("розповів один з учасників", "one of the participants said"),
    ("повідомили в ДСНС", "the State Emergency Service said"),
]
MONTHS_EN = "January February March April May June July August September October November December".split()


def _dateline(rng: random.Random, lang: str) -> tuple[str, str]:
    """An agency and date as the source writes it, and as its translator does."""
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.choice((2022, 2023))
    agency = rng.choice(AGENCIES)
    dash = rng.choice(("-", "–"))
    uk = f"{agency[0]} {dash} {day:02}.{month:02}.{year}"
    kept = f"{day:02}.{month:02}.{year}"  # the translator keeps the date as written
    en_date = rng.choice(
        (kept, kept, f"{month:02}/{day:02}/{year}", f"{MONTHS_EN[month - 1]} {day}, {year}", f"{day} {MONTHS_EN[month - 1]} {year}")
    )
    en = f"{agency[1]} {dash} {en_date}"
    return (uk, en) if lang == "uk" else (en, uk)


def _quote(parts: Sequence[str], rng: random.Random, lang: str, speaker: tuple[str, str]) -> str:
    """Sentences as one quotation, in the typography of lang."""
    body = " ".join(parts)
    bare = body[:-1] if body.endswith(".") else body
    if lang == "uk":
        verb = speaker[0]
        form = rng.randrange(4)
        if form == 0:
            return f"«{bare}», – {verb}."
        if form == 1:
            return f'"{bare}", - {verb}.'
        if form == 2:
            return f"– {bare}, – {verb}."  # dash-speech of Ukrainian typography
        who, _, rest = verb.partition(" ")
        return f"{rest[0].upper()}{rest[1:]} {who}: «{bare}»."
    said = speaker[1]
    if rng.random() < 0.75:
        return f"“{bare},” {said}."
    who, verb = said.rsplit(" ", 1)
    return f"{who[0].upper()}{who[1:]} {verb}: “{body}”"


def newsify(source: list[str], target: list[str], rng: random.Random, langs: tuple[str, str]) -> tuple[list[str], list[str]]:
    """A document with a dateline and multi-sentence quotations, the same on both sides."""
    src, tgt = list(source), list(target)
    if rng.random() < P_DATELINE:
        a, b = _dateline(rng, langs[0])
        if rng.random() < 0.25:  # one side ends its dateline with a full stop, the other does not
            a, b = (a + ".", b) if rng.random() < 0.5 else (a, b + ".")
        if _ENDS.search(src[0]) or _ENDS.search(tgt[0]):
            src.insert(0, a)
            tgt.insert(0, b)
        else:  # a headline: the dateline follows it
            src[0], tgt[0] = f"{src[0]} - {a}", f"{tgt[0]} - {b}"
    out_s: list[str] = []
    out_t: list[str] = []
    i = 0
    while i < len(src):
        n = 3 if rng.random() < 0.25 else 2
        group_s, group_t = src[i : i + n], tgt[i : i + n]
        plain = all(s.endswith(".") and t.endswith(".") and not re.search('[«»“”"]', s + t) for s, t in zip(group_s, group_t))
        if len(group_s) == n and plain and sum(map(len, group_s)) < 400 and rng.random() < P_QUOTE:
            speaker = rng.choice(SPEAKERS)
            out_s.append(_quote(group_s, rng, langs[0], speaker))
            out_t.append(_quote(group_t, rng, langs[1], speaker))
            i += n
            continue
        out_s.append(src[i])
        out_t.append(tgt[i])
        i += 1
    return out_s, out_t


# --- the translators' edits ----------------------------------------------------------------------


def _split(text: str, rng: random.Random) -> tuple[str, str] | None:
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    if ends:
        cut = rng.choice(ends)
        return text[:cut].strip(), text[cut:].strip()
    commas = [m.start() for m in re.finditer(r", (?=[^\W\d_])", text)]
    if commas and rng.random() < 0.5:  # a new sentence where the source has a comma
        i = min(commas, key=lambda c: abs(c - len(text) / 2))
        rest = text[i + 2 :]
        return text[:i] + ".", rest[0].upper() + rest[1:]
    spaces = [i for i, c in enumerate(text) if c == " "]
    if not spaces:
        return None
    middle = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return text[:middle].strip(), text[middle:].strip()


def _merged(a: str, b: str, rng: random.Random) -> str:
    if rng.random() < 0.5 and a.endswith("."):
        return f"{a[:-1]}; {b}"  # one sentence where the source has two
    return f"{a} {b}"


def perturb(source: list[str], target: list[str], rng: random.Random, rates=RATES["realistic"]):
    """New (source, target) lists and the true beads as (source indexes, target indexes)."""
    p_merge, p_split, p_drop_target, p_drop_source = rates
    src: list[str] = []
    tgt: list[str] = []
    truth: Truth = []
    i = 0
    while i < len(source):
        r = rng.random()
        if r < p_merge and i + 1 < len(source):
            truth.append(((len(src), len(src) + 1), (len(tgt),)))
            src += [source[i], source[i + 1]]
            tgt.append(_merged(target[i], target[i + 1], rng))
            i += 2
            continue
        r -= p_merge
        if r < p_split:
            halves = _split(target[i], rng)
            if halves and all(halves):
                truth.append(((len(src),), (len(tgt), len(tgt) + 1)))
                src.append(source[i])
                tgt += list(halves)
                i += 1
                continue
        r -= p_split
        if r < p_drop_target:
            truth.append(((len(src),), ()))
            src.append(source[i])
        elif r < p_drop_target + p_drop_source:
            truth.append(((), (len(tgt),)))
            tgt.append(target[i])
        else:
            truth.append(((len(src),), (len(tgt),)))
            src.append(source[i])
            tgt.append(target[i])
        i += 1
    return src, tgt, truth


@dataclass(frozen=True)
class Paragraph:
    source: tuple[str, ...]  # segments as Markdown
    target: tuple[str, ...]
    truth: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]


def _escaped(segments: list[str]) -> tuple[str, ...]:
    return tuple(markdown.escape(s, i == 0) for i, s in enumerate(segments))


def paragraphs(source: list[str], target: list[str], rng: random.Random, rates) -> list[Paragraph]:
    """A document in paragraphs of 3 to 5 segments, each with the translators' edits."""
    out = []
    i = 0
    while i < len(source):
        n = rng.randint(*PARAGRAPH)
        src, tgt, truth = perturb(source[i : i + n], target[i : i + n], rng, rates)
        i += n
        if src and tgt:
            out.append(Paragraph(_escaped(src), _escaped(tgt), tuple(truth)))
    return out


# --- scoring -------------------------------------------------------------------------------------


def _nonspace(text: str) -> str:
    return _SPACE_RE.sub("", text)


def _verbatim(text: str) -> str:
    """Letter for letter, spaces and the dashes between sentences aside (which of two sentences
    a dash of dialogue belongs to is the splitter's choice, not the translator's)."""
    return _nonspace(_DASH_RE.sub(" ", text))


def _numbers_aside(lang: str):
    """The words only: quantities as "#", punctuation aside."""
    from pipeline.localize import quantities

    def norm(text: str) -> str:
        found = quantities.find(text, lang)
        for start, end, _ in reversed(found):
            text = text[:start] + "#" + text[end:]
        return _WORDS_RE.sub("", _DIGITS_RE.sub("#", text))

    return norm


def _fits(pieces: list[str | None], whole: str, at_start: bool, at_end: bool) -> bool:
    """Whether the pieces, in order, can be consecutive parts of whole (None: any text)."""
    pattern = "".join(".*?" if p is None else re.escape(p) for p in pieces)
    return re.fullmatch(("" if at_start else ".*?") + pattern + ("" if at_end else ".*"), whole, re.DOTALL) is not None


def _right(targets: list[str | None], whole: str, i: int, norm) -> bool:
    pieces = [None if t is None else norm(t) for t in targets]
    w = norm(whole)
    return _fits(pieces[: i + 1], w, True, False) and _fits(pieces[i:], w, False, True)


def _groups(sentences: list[tuple[int, int]], para: Paragraph) -> list[tuple[list[int], list[int]]]:
    """Sentences (as non-space character ranges of the source paragraph) with the beads they overlap,
    joined where they overlap: [(sentence indexes, target segment indexes)]."""
    starts, pos = [], 0
    for s in para.source:
        starts.append((pos, pos + len(_nonspace(s))))
        pos += len(_nonspace(s))
    bead_of = {k: b for b, (src, _) in enumerate(para.truth) for k in src}
    groups: list[tuple[list[int], set[int]]] = []
    for n, (a, b) in enumerate(sentences):
        beads = {bead_of[k] for k, (x, y) in enumerate(starts) if x < b and a < y}
        if groups and beads & groups[-1][1]:
            groups[-1][0].append(n)
            groups[-1][1].update(beads)
        else:
            groups.append(([n], beads))
    return [(ns, sorted(j for b in sorted(beads) for j in para.truth[b][1])) for ns, beads in groups]


def score(paras: list[Paragraph], td, blocks, rewritten, lang: str) -> Counter:
    """Counts for one article: stored pairs, right, verbatim (bilingual JSON, a later translate), covered."""
    norm = _numbers_aside(lang)
    c: Counter = Counter()
    for para, aligned, (_, record), again in zip(paras, td.blocks, blocks, rewritten.blocks):
        ranges, pos = [], 0
        for pair in aligned.sentences:
            ranges.append((pos, pos + len(_nonspace(pair.source))))
            pos += len(_nonspace(pair.source))
        if pos != len(_nonspace("".join(para.source))):
            c["unmatched paragraphs"] += 1
            continue
        for ns, tj in _groups(ranges, para):
            whole = " ".join(para.target[j] for j in tj)
            human = [record[n].origin == "human" for n in ns]
            shown = [aligned.sentences[n].target if h else None for n, h in zip(ns, human)]
            later = [again.sentences[n].target if h else None for n, h in zip(ns, human)]
            for k, n in enumerate(ns):
                if record[n].origin == "kept":
                    continue
                c["sentences"] += 1
                c["with a target"] += bool(tj)
                if not human[k]:
                    continue
                right = bool(tj) and _right(shown, whole, k, norm)
                c["stored"] += 1
                c["right"] += right
                c["covered"] += right
                c["verbatim"] += right and _right(shown, whole, k, _verbatim)
                c["verbatim later"] += right and _right(later, whole, k, _verbatim)
    return c


# --- running adopt -------------------------------------------------------------------------------


def adopt_pair(paras: list[Paragraph], langs: tuple[str, str], folder: Path, threshold: float):
    """adopt_article on the two articles, and the target a later translate writes from its record."""
    from pipeline import localize
    from pipeline.articles.read import load
    from pipeline.assemble import align
    from pipeline.commands.adopt import _Engine, adopt_article
    from pipeline.core.config import Config
    from pipeline.engines.base import Translated

    config = Config(glossary=None)
    (folder / "s.md").write_text("\n\n".join(" ".join(p.source) for p in paras) + "\n", encoding="utf-8")
    (folder / "t.md").write_text("\n\n".join(" ".join(p.target) for p in paras) + "\n", encoding="utf-8")
    doc = load(folder / "s.md", "s.md", config, langs[0])
    tdoc = load(folder / "t.md", "t.md", config, langs[1])
    made = adopt_article(doc, tdoc, config, threshold)
    if not isinstance(made, tuple) or len(doc.blocks) != len(paras):
        return None
    td, blocks, _ = made
    results = {}
    for block, (_, sentences) in zip(doc.blocks, blocks):
        for seg, s in zip(block.segments, sentences):
            results.setdefault(seg.text, Translated(s.target or "", (), "human" if s.origin == "human" else "machine"))
    render = localize.renderer(localize.locale_for(langs[1]))
    return td, blocks, align.translate_document(doc, langs[1], results, _Engine(), align.Assembly(render=render))


def run(name: str, langs, documents, rates, seed: int, threshold: float) -> Counter:
    rng = random.Random(f"{seed}-{name}")
    totals: Counter = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for source, target in documents:
            src, tgt = newsify(source, target, rng, langs)
            paras = paragraphs(src, tgt, rng, rates)
            if not paras:
                continue
            made = adopt_pair(paras, langs, Path(tmp), threshold)
            totals["articles"] += 1
            if made is None:
                totals["not adopted"] += 1
                continue
            totals.update(score(paras, *made, langs[1]))
    return totals


def report(name: str, c: Counter, seconds: float | None = None) -> str:
    stored, target = c["stored"] or 1, c["with a target"] or 1
    took = f"{seconds:.1f} s" if seconds is not None else ""
    return (
        f"| {name} | {c['articles']} | {c['sentences']} | {c['stored']} | {c['right'] / stored:.4f} | "
        f"{c['verbatim'] / stored:.4f} | {c['verbatim later'] / stored:.4f} | {c['covered'] / target:.4f} | "
        f"{c['not adopted'] + c['unmatched paragraphs']} | {took} |"
    )


# The two answers to "the splitters disagree" (docs/decisions.md), and the aligner before either:
# settings that differ from the pipeline's own (which are "same-boundaries").
ALIGNERS: dict[str, dict[str, float | bool | str]] = {
    "same-boundaries": {},
    "soft-beads": {"QUOTE": 0.5, "SPLIT_TARGET": False},
    "gale-church": {"QUOTE": 0.0, "ABBREVIATION": 0.0, "DATELINE": 0.0, "SPLIT_TARGET": False, "SETTLE": False, "CONFIDENCE": "bead"},
}


def use_aligner(name: str) -> None:
    from pipeline.evaluate import align, boundaries

    for key, value in ALIGNERS[name].items():
        setattr(boundaries if hasattr(boundaries, key) else align, key, value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=int, default=0, help="documents per corpus (0: all)")
    parser.add_argument("--aligner", choices=sorted(ALIGNERS), default="same-boundaries")
    parser.add_argument("--rates", choices=sorted(RATES), action="append", help="edit rates to run (default: all)")
    args = parser.parse_args()
    use_aligner(args.aligner)
    if not (DATA / "wmt22").is_dir():
        print(f"no evaluation data at {DATA}", file=sys.stderr)
        return 2
    data = corpora()
    print(f"aligner {args.aligner}, seed {args.seed}, threshold {args.threshold}; a stored pair: a source sentence recorded as human")
    for rates_name, rates in RATES.items():
        if args.rates and rates_name not in args.rates:
            continue
        print(f"\n## {rates_name}: merge {rates[0]}, split {rates[1]}, drop target {rates[2]}, drop source {rates[3]}")
        print(
            "| corpus | articles | source sentences | stored | right | verbatim (JSON) | verbatim (later translate) | coverage | not scored | time |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        totals: Counter = Counter()
        for name, (s, t, docs) in data.items():
            started = time.perf_counter()
            c = run(name, (s, t), docs[: args.limit or None], rates, args.seed, args.threshold)
            totals.update(c)
            print(report(name, c, time.perf_counter() - started))
        print(report("all", totals))
    return 0


if __name__ == "__main__":
    sys.exit(main())
