"""How to keep numbers through machine translation: protect them, or find them again afterwards?

    .venv/bin/python bench/number_strategies.py

Two strategies, on the same sentences and engines:

- protect: every quantity (number, date, amount, unit) goes to the engine as a placeholder and is
  rendered by Babel afterwards; one the engine drops is put back at the end of its sentence.
  This is what the pipeline does.
- match: the engine sees the numbers as written; afterwards the quantities found in its output
  that have a source quantity's value are rendered by Babel for the target locale.

Score: the share of source quantities whose target-locale rendering is in the final sentence.
Engines: the pseudo engine; the copy test package (a CTranslate2 model that hands its input
back); "lossy", the pseudo engine damaged the way users report real models damage numbers (one
sentence in five loses a quantity or its placeholder, decimal points become commas with a space
before the unit, "0.85.x" style); and a random-weight model of the test package's size, whose
output is noise. None of them translates: they are stand-ins for what a model does to numbers.
"""

from __future__ import annotations

import random
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import localize  # noqa: E402  (after sys.path is set)
from pipeline.core.placeholders import TAG_RE  # noqa: E402  (after sys.path is set)
from pipeline.engines.argos_settings import ArgosConfig  # noqa: E402  (after sys.path is set)
from pipeline.engines.pseudo import PseudoEngine  # noqa: E402  (after sys.path is set)
from pipeline.segment import sentences  # noqa: E402  (after sys.path is set)
from pipeline.segment.protect import Text, alerts, mask, renumber, restore, scan_text, urls  # noqa: E402  after sys.path is set

SHARED = ROOT.parent / "shared" / "data"


def corpus(limit: int = 20) -> list[tuple[str, str]]:
    """(sentence, language) pairs with at least one quantity, from the seed and the shared articles."""
    texts = [(p.read_text(encoding="utf-8"), "en") for p in [ROOT / "examples/news/zelensky-kursk-advance.md"]]
    for lang in ("en", "uk"):
        for path in sorted((SHARED / "articles/ntrex128_en-uk" / lang).glob("*.md"))[:limit]:
            texts.append((path.read_text(encoding="utf-8"), lang))
    out = []
    for text, lang in texts:
        body = text.split("---\n", 2)[-1]
        for paragraph in body.split("\n\n"):
            for s in sentences.split(paragraph.replace("\n", " "), lang):
                if localize.find(s, lang):
                    out.append((s, lang))
    return out


class Lossy:
    """The pseudo engine, damaging numbers and placeholders as models are reported to."""

    name = "lossy"

    def __init__(self, seed: int = 1):
        self.random = random.Random(seed)

    def translate(self, texts):
        for t in texts:
            if self.random.random() < 0.2:  # lose one placeholder, or one number
                tags = list(TAG_RE.finditer(t))
                numbers = list(re.finditer(r"\d[\d.,\u00a0 ]*\d|\d", TAG_RE.sub(lambda m: " " * len(m.group(0)), t)))
                victim = self.random.choice(tags or numbers) if (tags or numbers) else None
                if victim is not None:
                    t = t[: victim.start()] + t[victim.end() :]
            t = re.sub(r"(\d)\.(\d+)\s*([a-zа-яі]+)", r"\1,\2 \3", t)  # "2.5 km" -> "2,5 km"
            yield type("R", (), {"text": t})()


def copy_engine(kind: str):
    from pipeline.engines.argos import ArgosEngine
    from pipeline.engines.packages import install_file
    from tests.conftest import corpus_texts
    from tests.fixtures.argos_package import build_package

    tmp = Path(tempfile.mkdtemp())
    shape = {"layers": 2, "d_model": 256, "heads": 4, "ffn": 1024}
    package = build_package(tmp, "en", "uk", corpus_texts(), kind=kind, **({"shape": shape} if kind == "random" else {}))
    config = ArgosConfig(packages_dir=str(tmp / "packages"))
    import os

    os.environ.pop("ARGOS_PACKAGES_DIR", None)
    return ArgosEngine(install_file(package, config).path, config)


def protect_strategy(sentence: str, lang: str, engine, locale: str) -> str:
    runs = scan_text([Text(sentence)], [urls, alerts, localize.scanner(lang)])
    seg = renumber(*mask(runs))
    (out,) = list(engine.translate([seg.text]))
    return restore(out.text, seg, render=localize.renderer(locale))[0]


def match_strategy(sentence: str, lang: str, engine, locale: str) -> str:
    (out,) = list(engine.translate([sentence]))
    text = out.text
    wanted = {key(q) for _, _, q in localize.find(sentence, lang)}
    pieces, pos = [], 0
    for start, end, q in localize.find(text, lang):  # the output still follows the source's conventions
        if key(q) in wanted:
            pieces.append(text[pos:start] + localize.render(q, locale))
            pos = end
    return "".join(pieces) + text[pos:]


def key(q) -> tuple:
    return (q.kind, q.value, q.unit, q.currency, q.date, q.time)


def score(pairs, engine, strategy) -> tuple[int, int]:
    kept = total = 0
    for sentence, lang in pairs:
        locale = localize.locale_for("uk" if lang == "en" else "en")
        final = strategy(sentence, lang, engine, locale)
        for _, _, q in localize.find(sentence, lang):
            if not q.valid:
                continue
            total += 1
            kept += localize.render(q, locale) in final
    return kept, total


def main() -> None:
    pairs = corpus()
    engines = {
        "pseudo": PseudoEngine("en", "uk"),
        "copy test package": copy_engine("copy"),
        "lossy (simulated)": Lossy(),
        "random weights": copy_engine("random"),
    }
    print(f"{len(pairs)} sentences with quantities (seed article + NTREX en/uk sample)\n")
    print("| engine | protect + restore | match + reformat |")
    print("|---|---|---|")
    for name, engine in engines.items():
        cells = []
        for strategy in (protect_strategy, match_strategy):
            if hasattr(engine, "random"):
                engine.random.seed(1)  # both strategies meet the same damage
            kept, total = score(pairs, engine, strategy)
            cells.append(f"{kept}/{total} ({100 * kept / total:.1f}%)")
        print(f"| {name} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
