"""Fuzz the article reader and the exchange-file parsers with hypothesis, for a while.

    .venv/bin/python bench/fuzz.py [--minutes M] [--only TARGET] [--seed S]

Targets:
  read      pipeline.articles.read.load on random bytes, and on Markdown-ish text built from fragments that
            have broken things before (front matter with anchors, aliases, tags and duplicate
            keys; shortcodes; private-use characters; deep nesting; tables; mixed line endings;
            byte order marks), written to a file and read as an article.
  exchange  pipeline.formats.read on XLIFF 2, TMX and PO files written by pipeline.formats.write
            from random units, then mutated (bytes flipped, cut, repeated, spliced with markup
            such as DOCTYPEs, entities, CDATA, <cp/>, deep nesting), with and without the format.
  record, pending, sidecar, sources, bilingual
            the output folder's state (records, pending records, sidecars, sources.txt) and the
            files editors send back (bilingual JSON, PO, XLIFF, TMX), from seeds a real run made,
            mutated: see bench/fuzz_store.py.

The property, for every input: success, or InputError / ExchangeError with a one-line message;
never another exception, and never more than PER_INPUT seconds (a SIGALRM interrupts it).
Each distinct failure (exception type and the line raising it) is kept with the smallest input
that caused it, and fuzzing goes on; at the end they are printed, with how many inputs each
target tried (exit status 1 if anything failed). The test suite runs the read target on 300
derandomized inputs (tests/test_hostile_input.py); this explores with fresh random seeds until
the time is up.
"""

from __future__ import annotations

import argparse
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

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from bench import fuzz_store  # noqa: E402
from pipeline import formats  # noqa: E402
from pipeline.articles import read  # noqa: E402
from pipeline.core.config import Config  # noqa: E402
from pipeline.core.errors import InputError  # noqa: E402
from pipeline.formats import Exchange, ExchangeError, Unit  # noqa: E402

PER_INPUT = 10.0  # seconds; the slowest legitimate input here takes well under one
COUNTS = {"read": 0, "exchange": 0}
REFUSED = {"read": 0, "exchange": 0}  # of those, how many were refused (the rest were read)
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
    units = [
        Unit(f"s{i}", draw(TEXT), draw(TEXT), draw(st.sampled_from(formats.STATES)), draw(TEXT)) for i in range(draw(st.integers(0, 4)))
    ]
    exchange = Exchange(draw(TEXT) or "a.md", draw(st.sampled_from(["en", "uk"])), draw(st.sampled_from(["uk", "en"])), units)
    kind = draw(st.sampled_from(list(formats.FORMATS)))
    data = bytearray(formats.write(exchange, kind))
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
