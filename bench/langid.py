"""Language identification: accuracy and speed of the candidates on short and long texts.

    pip download --no-deps Django==5.2.19 -d /tmp        # the data: Django's message catalogues
    pip install lingua-language-detector py3langid pycld2  # the candidates (only py3langid is a dependency)
    .venv/bin/python bench/langid.py /tmp/Django-5.2.19-py3-none-any.whl
    .venv/bin/python bench/langid.py --articles        # the pipeline's own detection on real articles
    PIPELINE_ROOT=../main .venv/bin/python bench/langid.py --articles   # ...as another checkout has it

`--articles`: every NTREX article (en and uk) and otel-blog post (en and uk) of ../shared/data read
and segmented as a run does (`pipeline.articles.read.load`, no `lang:` given): whether the article's
language is found, how many blocks are called another language (and a digest of which, so two
versions can be compared decision for decision), how often the identifier ran, and the time spent
in language identification (document and blocks) against the time of reading and segmenting
(CPU seconds of this process: on a shared machine they move less than wall time).

Data. Django ships its user-facing messages translated into ~100 languages (BSD-3-Clause,
django-*.dist-info/licenses/LICENSE): real human translations of the same English strings, so
every language gets the same content. "short" = one message, 20-100 characters after format
placeholders and HTML are removed (UI strings such as "Enter a valid email address."); "long" =
eight consecutive messages joined into one text (300-700 characters; a concatenation, not running
prose). For en and uk there is also running news prose: NTREX-128 (CC-BY-SA-4.0, ../shared/data),
sentences of at most 100 characters ("short") and whole documents ("long").
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
import time
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

from babel.messages.pofile import read_po

sys.path.insert(0, os.environ.get("PIPELINE_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

LANGS = ("en", "uk", "ru", "be", "bg", "de", "pl", "cs", "fr", "es", "it")
CATALOGUES = ("django/conf/locale/{lang}/LC_MESSAGES/django.po", "django/contrib/admin/locale/{lang}/LC_MESSAGES/django.po")
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
NTREX = SHARED / "ntrex128"
_NOISE_RE = re.compile(r"%\(\w+\)[sdfr]|%[sdfr]|\{[^}]*\}|<[^>]+>|&\w+;")


def _clean(text: str) -> str:
    return " ".join(_NOISE_RE.sub(" ", text).split()).strip(" :,")


def django_texts(wheel: Path) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    with zipfile.ZipFile(wheel) as z:
        english: list[str] = []
        for lang in LANGS:
            if lang == "en":
                continue
            messages = []
            for pattern in CATALOGUES:
                with z.open(pattern.format(lang=lang)) as f:
                    with contextlib.redirect_stdout(io.StringIO()):  # Babel prints about Django's extra plural forms
                        catalog = read_po(f)
                for m in catalog:
                    if not m.id or not m.string or m.fuzzy:
                        continue
                    source = m.id[0] if isinstance(m.id, tuple) else m.id
                    target = m.string[0] if isinstance(m.string, tuple) else m.string
                    messages.append(_clean(target))
                    if lang == "uk":  # the English side once, from the same catalogue
                        english.append(_clean(source))
            _split(out, lang, messages)
        _split(out, "en", english)
    return out


def _split(out, lang: str, messages: list[str]) -> None:
    messages = [m for m in messages if m]
    out[(lang, "short")] = [m for m in messages if 20 <= len(m) <= 100]
    joined = [" ".join(messages[i : i + 8]) for i in range(0, len(messages) - 7, 8)]
    out[(lang, "long")] = [t for t in joined if len(t) >= 300][:60]


def ntrex_texts() -> dict[tuple[str, str], list[str]]:
    out = {}
    ids = (NTREX / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()
    for lang, file in (("en", "newstest2019-src.eng.txt"), ("uk", "newstest2019-ref.ukr.txt")):
        lines = (NTREX / file).read_text(encoding="utf-8-sig").splitlines()
        out[(lang, "news-short")] = [s for s in lines if 20 <= len(s) <= 100]
        docs: dict[str, list[str]] = defaultdict(list)
        for doc, line in zip(ids, lines):
            docs[doc.split("\t")[0]].append(line)
        out[(lang, "news-long")] = [" ".join(v) for v in docs.values()]
    return out


def detectors() -> dict:
    found = {}
    try:
        import py3langid

        found["py3langid"] = lambda t: py3langid.classify(t)[0]
    except ImportError:
        pass
    try:
        import pycld2

        def cld2(t: str) -> str:
            try:
                return pycld2.detect(t)[2][0][1]
            except pycld2.error:
                return "?"

        found["pycld2"] = cld2
    except ImportError:
        pass
    try:
        from lingua import LanguageDetectorBuilder

        lingua = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models().build()

        def detect(t: str) -> str:
            lang = lingua.detect_language_of(t)
            return lang.iso_code_639_1.name.lower() if lang else "?"

        found["lingua (all 75 languages, high accuracy)"] = detect
    except ImportError:
        pass
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("django_wheel", type=Path, nargs="?")
    parser.add_argument("--articles", action="store_true", help="the pipeline's detection on the NTREX and otel-blog articles")
    args = parser.parse_args()
    if args.articles:
        articles()
        return
    if args.django_wheel is None:
        parser.error("give the Django wheel, or --articles")
    data = {**django_texts(args.django_wheel), **ntrex_texts()}
    print("| detector | set | " + " | ".join(LANGS) + " | texts/s |")
    print("|---|---|" + "---|" * (len(LANGS) + 1))
    for name, detect in detectors().items():
        for kind in ("short", "long", "news-short", "news-long"):
            cells, n, seconds = [], 0, 0.0
            confusions: Counter = Counter()
            for lang in LANGS:
                texts = data.get((lang, kind), [])
                if not texts:
                    cells.append("")
                    continue
                start = time.perf_counter()
                guesses = [detect(t) for t in texts]
                seconds += time.perf_counter() - start
                n += len(texts)
                right = sum(g == lang for g in guesses)
                confusions.update(f"{lang}->{g}" for g in guesses if g != lang)
                cells.append(f"{100 * right / len(texts):.1f} ({len(texts)})")
            print(f"| {name} | {kind} | " + " | ".join(cells) + f" | {n / seconds:,.0f} |")
            top = ", ".join(f"{k} {v}" for k, v in confusions.most_common(4))
            print(f"  {name} {kind} most confused: {top}", file=sys.stderr)
    blocks(data)


def blocks(data) -> None:
    """The pipeline's own rule (pipeline.segment.detect.block_language): how often a block of the article's
    language is wrongly called another, and how often a foreign block of the same script is found."""
    from pipeline.segment import detect

    print("\n| blocks (pipeline.segment.detect.block_language) | flagged as another language |\n|---|---|")
    for lang in ("uk", "en"):
        texts = data[(lang, "news-short")] + [s for s in data.get((lang, "news-all"), [])]
        wrong = sum(detect.block_language(t, lang) is not None for t in texts)
        print(f"| {lang} news sentences in a {lang} article (NTREX, 20-100 chars) | {wrong} of {len(texts)} |")
    for lang, doc in (("ru", "uk"), ("de", "en"), ("pl", "en"), ("uk", "ru")):
        texts = [t for t in data[(lang, "short")] + data[(lang, "long")] if len(t) >= 45]
        found = sum(detect.block_language(t, doc) == lang for t in texts)
        print(f"| {lang} blocks (Django, 45+ chars) in a {doc} article: found | {found} of {len(texts)} |")


def articles() -> None:
    import hashlib

    from pipeline.articles import read
    from pipeline.core.config import Config
    from pipeline.segment import blocks as segment_blocks
    from pipeline.segment import detect

    timed = {"identify": 0, "document": 0.0, "blocks": 0.0}
    identify, document_language, block_language = detect.identify, detect.document_language, detect.block_language

    def counting_identify(*a, **k):
        timed["identify"] += 1
        return identify(*a, **k)

    def timing(key, function):
        def run(*a, **k):
            started = time.process_time()
            try:
                return function(*a, **k)
            finally:
                timed[key] += time.process_time() - started

        return run

    detect.identify = counting_identify
    read.document_language = timing("document", document_language)  # type: ignore[assignment]
    segment_blocks.block_language = timing("blocks", block_language)  # type: ignore[assignment]
    sets = [
        ("NTREX en", sorted((SHARED / "articles" / "ntrex128_en-uk" / "en").glob("*.md")), "en"),
        ("NTREX uk", sorted((SHARED / "articles" / "ntrex128_en-uk" / "uk").glob("*.md")), "uk"),
        ("otel-blog en", sorted((SHARED / "otel-blog" / "en").rglob("*.md")), "en"),
        ("otel-blog uk", sorted((SHARED / "otel-blog" / "uk").rglob("*.md")), "uk"),
    ]
    config = Config()
    print(
        "| articles | found the article's language | blocks | called another language | identifier runs | detection CPU s | read + segment CPU s |"
    )
    print("|---|---|---|---|---|---|---|")
    decisions = hashlib.sha256()
    dump = open(os.environ["LANGID_DUMP"], "w", encoding="utf-8") if os.environ.get("LANGID_DUMP") else None  # decision by decision
    for label, files, lang in sets:
        for key in timed:
            timed[key] = 0 if key == "identify" else 0.0
        right = n = blocks = other = 0
        started = time.process_time()
        for f in files:
            try:
                doc = read.load(f, f.name, config)
            except read.NoProse:  # a section index: no prose
                continue
            n += 1
            right += doc.source_lang == lang
            blocks += len(doc.blocks)
            flagged = [(b.index, b.lang) for b in doc.blocks if b.lang is not None]
            other += len(flagged)
            decisions.update(repr((f.name, doc.source_lang, flagged)).encode())
            if dump is not None:
                dump.write(f"{label}\t{f.name}\t{doc.source_lang}\t{flagged}\n")
        total = time.process_time() - started
        spent = timed["document"] + timed["blocks"]
        print(f"| {label} | {right} of {n} | {blocks:,} | {other} | {timed['identify']:,} | {spent:.2f} | {total:.2f} |")
    print(f"\ndecisions digest: {decisions.hexdigest()[:16]} (the same digest: the same language for every article and block)")


if __name__ == "__main__":
    main()
