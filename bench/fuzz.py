"""Fuzz the article reader, the exchange-file parsers, the configuration and the glossaries with hypothesis, for a while.

    .venv/bin/python bench/fuzz.py [--minutes M] [--only TARGET] [--seed S]

Targets:
  read      pipeline.articles.read.load on random bytes, and on Markdown-ish text built from fragments that
            have broken things before (front matter with anchors, aliases, tags and duplicate
            keys; shortcodes; private-use characters; deep nesting; tables; mixed line endings;
            byte order marks), written to a file and read as an article.
  exchange  pipeline.formats.read on XLIFF 2, TMX and PO files written by pipeline.formats.write
            from random units, then mutated (bytes flipped, cut, repeated, spliced with markup
            such as DOCTYPEs, entities, CDATA, <cp/>, deep nesting), with and without the format.
  config    pipeline.core.config.load on config.yaml files built from every setting with hostile
            values (out of range, huge, NaN, wrong types, format specs, paths as locales, tags,
            anchors and aliases, duplicate keys), and on random bytes. A file that loads must also
            work: its output templates filled, its locales resolved, without another exception.
  glossary  pipeline.localize.glossary.load on glossaries of hostile entries (numbers and lists as
            terms, empty names, unknown keys, duplicates, `from:` of any kind, aliases) in one or
            two language folders, and on random bytes. A glossary that loads must also work:
            its scanners and checks run on a sentence holding its terms.
  record, pending, sidecar, sources, bilingual
            the output folder's state (records, pending records, sidecars, sources.txt) and the
            files editors send back (bilingual JSON, PO, XLIFF, TMX), from seeds a real run made,
            mutated: see bench/fuzz_store.py.

The property, for every input: success, or InputError / ExchangeError / ConfigError with a one-line message;
never another exception, and never more than PER_INPUT seconds (a SIGALRM interrupts it).
Each distinct failure (exception type and the line raising it) is kept with the smallest input
that caused it, and fuzzing goes on; at the end they are printed, with how many inputs each
target tried (exit status 1 if anything failed). The test suite runs the read target on 300
derandomized inputs (tests/test_hostile_input.py); this explores with fresh random seeds until
the time is up.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, assume, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from bench import fuzz_store  # noqa: E402
from pipeline import formats  # noqa: E402
from pipeline.articles import read  # noqa: E402
from pipeline.core import config as configuration  # noqa: E402
from pipeline.core.config import Config  # noqa: E402
from pipeline.core.errors import ConfigError, InputError  # noqa: E402
from pipeline.engines.argos_settings import ArgosConfig  # noqa: E402
from pipeline.formats import Exchange, ExchangeError, Unit  # noqa: E402

PER_INPUT = 10.0  # seconds; the slowest legitimate input here takes well under one
COUNTS = {"read": 0, "exchange": 0, "config": 0, "glossary": 0}
REFUSED = {"read": 0, "exchange": 0, "config": 0, "glossary": 0}  # of those, how many were refused (the rest were read)
COUNTS.update(dict.fromkeys(fuzz_store.TARGETS, 0))
REFUSED.update(dict.fromkeys(fuzz_store.TARGETS, 0))


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang(f"took more than {PER_INPUT} s")


def bounded(fn, *args):
    """fn(*args) with a time bound; Hang if it is exceeded."""
    signal.setitimer(signal.ITIMER_REAL, PER_INPUT)
    try:
        return fn(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def one_line(message: str) -> None:
    assert message and "\n" not in message and "\r" not in message, f"not one line: {message!r}"


FAILURES: dict[tuple[str, str], tuple[int, str, str]] = {}  # (target, where) -> (size, input, error)


def record(target: str, data, error: BaseException) -> None:
    """Keep the smallest input for each distinct failure (exception type and the line raising
    it), and go on fuzzing: one bug must not hide the next."""
    tb = traceback.extract_tb(error.__traceback__)
    where = f"{type(error).__name__} at {tb[-1].filename.rpartition('/')[2]}:{tb[-1].lineno}" if tb else type(error).__name__
    text = repr(data)
    if (target, where) not in FAILURES or len(text) < FAILURES[(target, where)][0]:
        FAILURES[(target, where)] = (len(text), text, " ".join(str(error).split())[:300])


# --- articles -----------------------------------------------------------------------------------

FRONT = st.sampled_from(
    [
        "title: Hello world\n",
        "lang: en\n",
        "lang: uk\n",
        "lang: [en, uk]\n",
        "lang: 1\n",
        "lang: *a\n",
        "description: &d Some words.\n",
        "title: *d\n",
        "summary: !!str Tagged\n",
        "a: &a [1, 2]\nb: [*a, *a, *a]\n",
        "title: x\ntitle: y\n",
        "x: !!python/object:os.system {}\n",
        "title: |\n  Block\n  text\n",
        "title: >-\n  folded\n",
        "k: [unclosed\n",
        "'quoted': 'It''s'\n",
        "? complex\n: key\n",
        "<<: {merged: 1}\n",
        'title: "\\u00e9\\x00"\n',
        "r: &r [*r]\n",
        "deep: " + "[" * 50 + "]" * 50 + "\n",
        "date: 2025-02-06\n",
        "n: 1e999999\n",
        "title: \ue000\ue001\n",
    ]
)
BODY = st.sampled_from(
    [
        "Words in a sentence. ",
        "Слова українською. ",
        "\n",
        "\n\n",
        "# ",
        "## Heading\n",
        "- ",
        "1. ",
        "> ",
        "    code\n",
        "```\n",
        "```python\nx = 1\n```\n",
        "| a | b |\n|---|---|\n| 1 | 2 |\n",
        "*em* ",
        "**strong** ",
        "`code` ",
        "[link](http://e.org) ",
        "![img](a.png) ",
        "<b>html</b> ",
        "<div>\n",
        "&amp; ",
        "&#0; ",
        "\\",
        "[^1] ",
        "[^1]: note\n",
        '{{< figure src="a" >}} ',
        "{{% note %}}",
        "{{<",
        ">}}",
        "\ue000",
        "\ue001",
        "\ue100",
        "\uf8ff",
        "\U000f0000",
        "\u2028",
        "\u0301",
        "\ufeff",
        "\r\n",
        "\r",
        "2.5 km ",
        "$1,000 ",
        "6 лютого 2025 р. ",
        "1e308 ",
        "99999999999999999999999 ",
        "<x1/> ",
        "<g1>",
        "</g1>",
        "*" * 30,
        "[" * 30,
        "![" * 10,
        "> " * 40,
        "- " * 40,
        "\t",
        "https://example.org/a_b ",
        "a@b.cd ",
        "[!NOTE] ",
        "\x00",
        "\x1b[31m",
    ]
)
ENDINGS = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def articles(draw) -> tuple[bytes, str]:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=3000)), draw(st.sampled_from(["a.md", "a.txt"]))
    text = ""
    if draw(st.booleans()):
        text = "---\n" + "".join(draw(st.lists(FRONT, max_size=6))) + "---\n"
    text += "".join(draw(st.lists(st.one_of(BODY, st.text(max_size=20)), max_size=60)))
    ending = draw(ENDINGS)
    if ending != "\n":
        text = text.replace("\n", ending)
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:
        data = b"\xef\xbb\xbf" + data
    return data, draw(st.sampled_from(["a.md", "a.md", "a.txt"]))


def check_read(folder: Path, data: bytes, name: str, lang: str | None) -> None:
    COUNTS["read"] += 1
    path = folder / name
    path.write_bytes(data)
    try:
        try:
            bounded(read.load, path, name, Config(), lang, "en")
        except InputError as e:
            REFUSED["read"] += 1
            one_line(str(e))
    except Exception as e:
        record("read", (data, name, lang), e)


# --- exchange files -----------------------------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
SPLICES = [
    b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>",
    b"&a;",
    b"&#0;",
    b"&#x110000;",
    b"<![CDATA[",
    b"]]>",
    b'<cp hex="0"/>',
    b'<cp hex="zz"/>',
    b'<ph type="x-cp">FFFF</ph>',
    b"<" * 1000,
    b"<a>" * 300,
    b"</",
    b"\x00",
    b"\xff\xfe",
    b'msgid "',
    b'msgctxt "x"\n',
    b'"\n',
    b"\\",
    b'<?xml version="1.0" encoding="UTF-16"?>',
    b'xmlns="urn:x"',
    b'<unit id="1">',
    b"<segment>",
    b'<tu tuid="1">',
    b'srcLang="zz"',
    b'state="bogus"',
]


@st.composite
def exchanges(draw) -> tuple[bytes, str | None]:
    texts = [(draw(TEXT), draw(TEXT), draw(st.sampled_from(formats.STATES)), draw(TEXT)) for _ in range(draw(st.integers(0, 4)))]
    document, pair = draw(TEXT) or "a.md", (draw(st.sampled_from(["en", "uk"])), draw(st.sampled_from(["uk", "en"])))
    kind = draw(st.sampled_from(list(formats.FORMATS)))
    try:
        exchange = Exchange(document, *pair, [Unit(f"s{i}", *t) for i, t in enumerate(texts)])
        data = bytearray(formats.write(exchange, kind))
    except ValueError:  # units the pipeline never makes (a target's code the source lacks): no file it writes
        assume(False)
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.integers(0, 4))
        at = draw(st.integers(0, len(data)))
        if op == 0 and data:
            data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == 1:
            del data[at : at + draw(st.integers(1, 50))]
        elif op == 2:
            data[at:at] = draw(st.sampled_from(SPLICES))
        elif op == 3:
            data[at:at] = data[at : at + draw(st.integers(1, 200))]
        else:
            del data[at:]
    return bytes(data), draw(st.sampled_from([None, kind]))


def check_exchange(data: bytes, kind: str | None) -> None:
    COUNTS["exchange"] += 1
    try:
        try:
            bounded(formats.read, data, kind, "f")
        except ExchangeError as e:
            REFUSED["exchange"] += 1
            one_line(str(e))
    except Exception as e:
        record("exchange", (data, kind), e)


# --- config.yaml --------------------------------------------------------------------------------

SETTINGS = [
    f"{prefix}{f.name}"
    for prefix, cls in (
        ("", Config),
        ("argos.", ArgosConfig),
        ("output.", configuration.OutputConfig),
        ("ray.", configuration.RayConfig),
        ("subtitles.", configuration.SubtitlesConfig),
    )
    for f in configuration.dataclasses.fields(cls)
    if f.name not in ("source", "root", "engines", "output", "ray", "subtitles")
] + ["enigne", "argos.beam", "output.x"]
SCALARS = [
    "0",
    "-1",
    "1",
    "2",
    "16",
    "17",
    "64",
    "65",
    "1024",
    "16384",
    "16385",
    "100000",
    "1e3",
    "1.0e+3",
    "2.5",
    "-0.0",
    ".nan",
    ".inf",
    "-.inf",
    "9" * 400,
    "9" * 5000,
    "0x10",
    "0o7",
    "0b11",
    "1_000",
    "1:30",
    "true",
    "null",
    "~",
    "''",
    "' '",
    "[]",
    "{}",
    "[en, uk]",
    "[en, zz, uk]",
    "[EN]",
    "[en, zt]",
    "[pb]",
    "'{target}/{path}'",
    "'{target}/{path:>1500000000}'",
    "'{path!r}'",
    "'{0}'",
    "'{}'",
    "'{path.__class__}'",
    "'{path[0]}'",
    "'../{path}'",
    "'/abs/{path}'",
    "'records/{path}'",
    "'{'",
    "'}'",
    "'{{x}}/{path}'",
    "'{path:{stem}}'",
    "'" + "x" * 300 + "{path}'",
    "'{target}\\\\..\\\\{path}'",
    "'{dir}'",
    "{uk: xx_YY}",
    "{uk: uk_UA}",
    "{uk: ../../etc/passwd}",
    "{uk: en_US}",
    "{uk: uk@calendar=x}",
    "{zt: zh_Hant}",
    "{Ukrainian: uk}",
    "{uk: 5}",
    "{5: uk}",
    "{uk: ''}",
    "xx_YY",
    "uk_UA",
    "ray://h:1",
    "ray://",
    "local",
    "cuda",
    "auto",
    "int8",
    "pseudo",
    "argos",
    "locales",
    ".pipeline/m.sqlite",
    "!!binary aGk=",
    "!!timestamp 2023-02-30",
    "2023-02-30",
    "['" + "[" * 300 + "']",
    "[" + ", ".join(["a"] * 101) + "]",
    "!!python/object:os.system {}",
    "!!set {a, b}",
    "&a 5",
    "*a",
    "*b",
    "'\\u0000'",
    '"\\ud800"',
    '"\\x00"',
    "|\n  block",
]


@st.composite
def configs(draw) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=2000))
    value = st.one_of(
        st.sampled_from(SCALARS),
        st.integers(-(10**20), 10**20).map(str),
        st.floats().map(lambda f: repr(f).replace("inf", ".inf").replace("nan", ".nan")),
        st.text(max_size=30).map(lambda t: json.dumps(t)),
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    for key in draw(st.lists(st.sampled_from(SETTINGS), max_size=12)):
        head, _, rest = key.rpartition(".")
        groups.setdefault(head, []).append((rest, draw(value)))
    lines = []
    for head, pairs in groups.items():
        if head and draw(st.integers(0, 9)) == 0:
            lines.append(f"{head}: {draw(value)}")  # a scalar where a mapping goes
        elif head:
            lines.append(f"{head}:")
            lines += [f"  {k}: {v}" for k, v in pairs]
        else:
            lines += [f"{k}: {v}" for k, v in pairs]
    if draw(st.integers(0, 19)) == 0:
        lines.append("deep: " + "[" * draw(st.integers(100, 3000)))
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


def check_config(folder: Path, data: bytes) -> None:
    COUNTS["config"] += 1
    path = folder / "config.yaml"
    path.write_bytes(data)
    try:
        try:
            loaded = bounded(configuration.load, path)
        except ConfigError as e:
            REFUSED["config"] += 1
            one_line(str(e))
            return
        bounded(use_config, loaded)
    except Exception as e:
        record("config", data, e)


def use_config(config: Config) -> None:
    """What the commands do with settings that were accepted: none of it may fail now."""
    from pipeline.core import locales, paths

    source = paths.Source(Path("src/a/b.md"), Path("src").resolve(), "a/b.md", "src/a/b.md")
    for template in (config.output.article, config.output.bilingual):
        for lang in config.languages:
            try:
                paths.output_path(Path("out"), template, source, "en", lang)
            except InputError as e:
                one_line(str(e))
    for lang in config.languages:
        locales.locale_for(lang, config.locales)


# --- glossaries ---------------------------------------------------------------------------------

PHRASES = [
    "Kursk region",
    "Курська область",
    "Курської області",
    "drone",
    "Drone",
    "DRONE",
    "ЗСУ",
    "ISW",
    "Reuters",
    "a",
    "x" * 300,
    "5",
    "1.5",
    "true",
    "null",
    "''",
    "' '",
    "[]",
    "[a, b]",
    "[a, '']",
    "[a, 5]",
    "{a: b}",
    "en",
    "uk",
    "de",
    "xx",
    "EN",
    "&a drone",
    "*a",
    "!!binary aGk=",
    "!!python/name:os.system",
    "'it''s'",
    '"\\ud800"',
    "(",
    "\\\\b",
    ".*",
    "[a-z]+",
]
ENTRY_KEYS = ["source", "target", "forms", "from", "form", "extra"]


@st.composite
def glossaries(draw) -> list[tuple[str, bytes]]:
    files = []
    for lang in draw(st.lists(st.sampled_from(["uk", "en", "de", "Uk", "u", "uk-UA"]), min_size=1, max_size=2, unique=True)):
        if draw(st.integers(0, 9)) == 0:
            files.append((lang, draw(st.binary(max_size=1000))))
            continue
        phrase = st.one_of(st.sampled_from(PHRASES), st.text(max_size=20).map(json.dumps))
        lines = []
        if draw(st.booleans()):
            lines.append("terms:")
            for _ in range(draw(st.integers(0, 5))):
                keys = draw(st.lists(st.sampled_from(ENTRY_KEYS), min_size=1, max_size=4))
                lines.append("  - " + "\n    ".join(f"{k}: {draw(phrase)}" for k in keys))
            if draw(st.integers(0, 9)) == 0:
                lines.append(f"  - {draw(phrase)}")
        if draw(st.booleans()):
            lines.append("keep: [" + ", ".join(draw(st.lists(phrase, max_size=4))) + "]")
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["words: []", "terms: x", "keep: Reuters", "terms: []", "keep:"])))
        files.append((lang, ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")))
    return files


SENTENCES = {
    # ı and İ match i under re.IGNORECASE, but fold to other letters
    "en": "Drones over the Kursk region, Reuters and ISW say; a drone, ЗСУ, DRONE, ıSW and İSW.",
    "uk": "Дрони над Курською областю, повідомляють Reuters та ISW; ЗСУ.",
    "de": "Drohnen über Kursk.",
}


def check_glossary(folder: Path, files: list[tuple[str, bytes]]) -> None:
    from pipeline.localize import glossary

    COUNTS["glossary"] += 1
    for lang, data in files:
        (folder / lang).mkdir(exist_ok=True)
        (folder / lang / glossary.FILE).write_bytes(data)
    try:
        try:
            loaded = bounded(glossary.load, folder)
        except ConfigError as e:
            REFUSED["glossary"] += 1
            one_line(str(e))
            return
        bounded(use_glossary, loaded)
    except Exception as e:
        record("glossary", files, e)
    finally:
        for lang, _ in files:
            (folder / lang / glossary.FILE).unlink()


def use_glossary(g) -> None:
    """What a run does with a glossary that was accepted: protect, render and check its terms."""
    from pipeline.localize import glossary
    from pipeline.segment.protect import Atom

    for lang, sentence in SENTENCES.items():
        for run in glossary.scanner(g, lang)(sentence):
            if isinstance(run, Atom):
                glossary.render(run)
        for term in glossary.expected(g, lang, sentence):
            glossary.satisfied(term, sentence)


# --- the output folder's state ---------------------------------------------------------------------


def check_store(target: str, probe, given: fuzz_store.Input) -> None:
    COUNTS[target] += 1
    try:
        refused = bounded(probe, given)
        REFUSED[target] += bool(refused)
        for line in refused:
            one_line(line)
    except Exception as e:
        record(target, given, e)


def store_test(target: str, common: dict):
    seeds = fuzz_store.Seeds.once()
    probe = fuzz_store.probe(seeds, target)

    @settings(**common)
    @given(fuzz_store.inputs(seeds, target))
    def test(given_input):
        check_store(target, probe, given_input)

    return test


# --- running ------------------------------------------------------------------------------------


def run(target: str, deadline: float, base_seed: int) -> None:
    common = dict(deadline=None, database=None, suppress_health_check=list(HealthCheck), max_examples=2_000)
    rng = random.Random(base_seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if target in fuzz_store.TARGETS:
            test = store_test(target, common)
        elif target == "read":

            @settings(**common)
            @given(articles(), st.sampled_from([None, "en", "uk"]))
            def test(article, lang):
                check_read(folder, article[0], article[1], lang)

        elif target == "config":

            @settings(**common)
            @given(configs())
            def test(data):
                check_config(folder, data)

        elif target == "glossary":

            @settings(**common)
            @given(glossaries())
            def test(files):
                check_glossary(folder, files)

        else:

            @settings(**common)
            @given(exchanges())
            def test(exchange):
                check_exchange(*exchange)

        while time.monotonic() < deadline:
            seed(rng.getrandbits(64))(test)()  # a fresh seed for each batch: hypothesis explores anew


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="total time, shared between the targets")
    parser.add_argument("--only", choices=list(COUNTS))
    parser.add_argument("--seed", type=int, default=int.from_bytes(os.urandom(4), "little"))
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _alarm)
    targets = [args.only] if args.only else list(COUNTS)
    print(f"seed {args.seed}; {args.minutes} minutes; targets: {', '.join(targets)}", flush=True)
    started = time.monotonic()
    failed = False
    for i, target in enumerate(targets):
        share = (args.minutes * 60 - (time.monotonic() - started)) / (len(targets) - i)
        try:
            run(target, time.monotonic() + share, args.seed + i)
        except Exception as e:  # hypothesis re-raises the shrunk failure; print it and go on
            failed = True
            print(f"{target}: FAILED", flush=True)
            traceback.print_exception(e)
    elapsed = time.monotonic() - started
    for (target, where), (_, text, error) in sorted(FAILURES.items()):
        print(f"{target}: {where}: {error}\n    smallest input: {text[:1000]}")
    total = sum(COUNTS.values())
    print(
        f"{total:,} inputs in {elapsed / 60:.1f} minutes: "
        + ", ".join(f"{k} {v:,} ({REFUSED[k]:,} refused)" for k, v in COUNTS.items())
        + f"; {len(FAILURES)} distinct failures"
    )
    sys.exit(1 if failed or FAILURES else 0)


if __name__ == "__main__":
    main()
