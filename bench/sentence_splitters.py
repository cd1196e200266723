"""Which sentence splitter for which language: boundary F1 on NTREX-128.

    .venv/bin/python bench/sentence_splitters.py

NTREX-128 holds one professionally translated sentence per line, grouped by document
(DOCUMENT_IDS.tsv). Consecutive lines of one document are joined with a space into paragraphs
of up to four, each splitter cuts the paragraphs again, and the sentence starts it finds are
compared with the line starts (precision, recall, F1 over boundaries inside paragraphs). Lines
that do not end a sentence (headlines without a full stop: no splitter can find their end) are
left out. Some lines hold two sentences, so every splitter pays a few false positives for those.
pysbd is measured when it is installed (`pip install pysbd`); it is not a dependency.
"""

from __future__ import annotations

import re
import sys
import time
from itertools import groupby
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NTREX = ROOT.parent / "shared" / "data" / "ntrex128"
FILES = {"en": "newstest2019-src.eng.txt", "uk": "newstest2019-ref.ukr.txt"}
GROUP = 4
# A false split right after "Mr.", "St.", "Rev.", "U.S.", "a.m.": the kind that breaks a translation
# (two halves of one sentence translated apart); a missed boundary only makes a longer input.
ABBREVIATION_END = re.compile(r"(?:\b[A-ZА-ЯІЇЄҐ][a-zа-яіїєґ']{0,3}|\b\w(?:\.\w)+)\.\s*$")


def paragraphs(lang: str) -> list[list[str]]:
    """Lists of up to GROUP consecutive sentences of one document."""
    lines = (NTREX / FILES[lang]).read_text(encoding="utf-8").splitlines()
    docs = (NTREX / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()
    out = []
    for _, group in groupby(zip(docs, lines, strict=True), key=lambda pair: pair[0]):
        sentences = [line.strip() for _, line in group if ends_sentence(line)]
        out.extend(sentences[i : i + GROUP] for i in range(0, len(sentences), GROUP))
    return out


def ends_sentence(line: str) -> bool:
    return line.strip().rstrip("\"'”’»)").endswith((".", "!", "?", "…"))


def starts(text: str, sentences: list[str]) -> set[int]:
    """Where each sentence begins in text (sentences found in order; the first start left out)."""
    found, pos = set(), 0
    for s in sentences:
        s = s.strip()
        i = text.find(s, pos) if s else -1
        if i < 0:
            continue
        found.add(i)
        pos = i + len(s)
    found.discard(0)
    return found


def splitters(lang: str) -> dict:
    import sentencex
    from tokenize_uk import tokenize_sents

    from pipeline.segment import sentences

    out = {
        "pipeline (sentences.split)": lambda text: sentences.split(text, lang),
        "tokenize-uk": tokenize_sents,
        "sentencex": lambda text: list(sentencex.segment(lang, text)),
    }
    try:
        import pysbd
    except ImportError:
        print("pysbd is not installed: left out", file=sys.stderr)
    else:
        seg = pysbd.Segmenter(language="en" if lang == "en" else "ru", clean=False)  # pysbd has no Ukrainian; Russian is closest
        out["pysbd" + ("" if lang == "en" else " (ru rules)")] = seg.segment
    return out


def measure(lang: str) -> list[tuple[str, float, float, float, int, float]]:
    paras = paragraphs(lang)
    texts = [" ".join(p) for p in paras]
    truth = [starts(t, p) for t, p in zip(texts, paras, strict=True)]
    rows = []
    for name, split in splitters(lang).items():
        started = time.perf_counter()
        found = [starts(t, split(t)) for t in texts]
        seconds = time.perf_counter() - started
        tp = sum(len(f & g) for f, g in zip(found, truth, strict=True))
        fp = sum(len(f - g) for f, g in zip(found, truth, strict=True))
        fn = sum(len(g - f) for f, g in zip(found, truth, strict=True))
        p, r = tp / (tp + fp or 1), tp / (tp + fn or 1)
        after_abbreviation = sum(1 for t, f, g in zip(texts, found, truth, strict=True) for i in f - g if ABBREVIATION_END.search(t[:i]))
        rows.append((name, p, r, 2 * p * r / (p + r or 1), after_abbreviation, seconds))
    return rows


def main() -> None:
    print(f"NTREX-128, sentences joined into paragraphs of up to {GROUP} within a document\n")
    print("| language | splitter | precision | recall | boundary F1 | false splits after an abbreviation | seconds |")
    print("|---|---|---|---|---|---|---|")
    for lang in ("uk", "en"):
        for name, p, r, f1, abbr, seconds in measure(lang):
            print(f"| {lang} | {name} | {p:.3f} | {r:.3f} | {f1:.3f} | {abbr} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
