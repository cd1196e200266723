"""Sentence alignment where the truth is known: precision and recall of the stored pairs.

    .venv/bin/python bench/align_eval.py [--threshold 0.9] [--seed 1] [--limit N]

WMT22 (en->uk, uk->en) and NTREX-128 (en->uk) hold professional translations aligned segment by
segment, grouped by document. For each document, segments are perturbed at random so that the
truth holds every kind of bead the aligner allows: a target segment merged with the next one
(2-1), a target segment cut in two at a sentence end or else at the space nearest its middle
(1-2), a target segment dropped (1-0), a source segment dropped (0-1). The aligner
(pipeline.evaluate.align) then aligns the whole document as one block, which is harder than the
few sentences of a real article's block; and, as adopt does, block by block, with each document
cut into blocks of four segments before it is perturbed. A stored pair is a bead with sentences on both sides
and a confidence at or above the threshold (what adopt records as a human translation); it is
correct when the truth holds exactly that bead. Precision = correct / stored; recall = correct /
true pairs (beads with both sides).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter
from itertools import groupby
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

from pipeline.evaluate.align import DEFAULT_THRESHOLD, align_texts  # noqa: E402  (after sys.path is set)

# Perturbation rates per segment (merge, split, drop target, drop source). "realistic": the bead
# frequencies Gale and Church counted in real translations (2-1 and 1-2 together 8.9%, 1-0 and 0-1
# together about 1%), which are also the aligner's priors; "harsh": three times as many drops.
RATES = {"realistic": (0.045, 0.045, 0.005, 0.005), "harsh": (0.08, 0.08, 0.03, 0.03)}
P_MERGE, P_SPLIT, P_DROP_TARGET, P_DROP_SOURCE = RATES["realistic"]
BLOCK = 4  # segments per block: an article paragraph's size (otel blog, English: see README)
_SENTENCE_END = re.compile(r"[.!?…]\s+(?=\S)")


def corpora(data: Path = DATA) -> dict[str, list[tuple[list[str], list[str]]]]:
    """name -> documents as (source segments, reference segments)."""

    def lines(path: Path) -> list[str]:
        return path.read_text(encoding="utf-8").replace("\r\n", "\n").rstrip("\n").split("\n")

    def grouped(src: list[str], ref: list[str], docids: list[str]) -> list[tuple[list[str], list[str]]]:
        rows = list(zip(docids, src, ref))
        return [([r[1] for r in g], [r[2] for r in g]) for _, g in ((k, list(g)) for k, g in groupby(rows, key=lambda r: r[0]))]

    out = {}
    wmt = data / "wmt22"
    for pair, (s, t) in {"wmt22 en-uk": ("en", "uk"), "wmt22 uk-en": ("uk", "en")}.items():
        stem = f"generaltest2022.{s}-{t}"
        docids = [line.split("\t")[1] for line in lines(wmt / f"{stem}.docids.tsv")[1:]]
        out[pair] = grouped(lines(wmt / f"{stem}.src.{s}"), lines(wmt / f"{stem}.ref.A.{t}"), docids)
    ntrex = data / "ntrex128"
    out["ntrex128 en-uk"] = grouped(
        lines(ntrex / "newstest2019-src.eng.txt"), lines(ntrex / "newstest2019-ref.ukr.txt"), lines(ntrex / "DOCUMENT_IDS.tsv")
    )
    return out


def _split(text: str, rng: random.Random) -> tuple[str, str] | None:
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    if not ends:
        spaces = [i for i, c in enumerate(text) if c == " "]
        if not spaces:
            return None
        middle = min(spaces, key=lambda i: abs(i - len(text) / 2))
        ends = [middle + 1]
    cut = rng.choice(ends)
    return text[:cut].strip(), text[cut:].strip()


def perturb(source: list[str], target: list[str], rng: random.Random):
    """New (source, target) lists and the true beads as (source indexes, target indexes)."""
    src: list[str] = []
    tgt: list[str] = []
    truth: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    i = 0
    while i < len(source):
        r = rng.random()
        if r < P_MERGE and i + 1 < len(source):
            truth.append(((len(src), len(src) + 1), (len(tgt),)))
            src += [source[i], source[i + 1]]
            tgt.append(target[i] + " " + target[i + 1])
            i += 2
            continue
        r -= P_MERGE
        if r < P_SPLIT:
            halves = _split(target[i], rng)
            if halves and all(halves):
                truth.append(((len(src),), (len(tgt), len(tgt) + 1)))
                src.append(source[i])
                tgt += list(halves)
                i += 1
                continue
        r -= P_SPLIT
        if r < P_DROP_TARGET:
            truth.append(((len(src),), ()))
            src.append(source[i])
        elif r < P_DROP_TARGET + P_DROP_SOURCE:
            truth.append(((), (len(tgt),)))
            tgt.append(target[i])
        else:
            truth.append(((len(src),), (len(tgt),)))
            src.append(source[i])
            tgt.append(target[i])
        i += 1
    return src, tgt, truth


def blocks(documents, size: int):
    """Each document cut into blocks of ``size`` segments: the paragraphs adopt aligns inside."""
    for source, target in documents:
        for i in range(0, len(source), size):
            yield source[i : i + size], target[i : i + size]


def evaluate(documents, seed: int, thresholds: list[float]) -> dict:
    rng = random.Random(seed)
    documents = list(documents)
    stored = Counter()
    correct = Counter()
    by_kind_true = Counter()
    by_kind_found = Counter()
    true_pairs = 0
    beads_total = 0
    for source, target in documents:
        src, tgt, truth = perturb(source, target, rng)
        truth_set = set(truth)
        pairs = [t for t in truth if t[0] and t[1]]
        true_pairs += len(pairs)
        for t in pairs:
            by_kind_true[f"{len(t[0])}-{len(t[1])}"] += 1
        for bead in align_texts(src, tgt):
            beads_total += 1
            if not (bead.source and bead.target):
                continue
            ok = (bead.source, bead.target) in truth_set
            for th in thresholds:
                if bead.confidence >= th:
                    stored[th] += 1
                    correct[th] += ok
            if ok and bead.confidence >= thresholds[-1]:
                by_kind_found[bead.kind] += 1
    return {
        "documents": len(documents),
        "true_pairs": true_pairs,
        "by_threshold": {
            th: {
                "stored": stored[th],
                "precision": correct[th] / stored[th] if stored[th] else 1.0,
                "recall": correct[th] / true_pairs if true_pairs else 1.0,
            }
            for th in thresholds
        },
        "recall_by_kind": {k: (by_kind_found[k], n) for k, n in sorted(by_kind_true.items())},
    }


def main() -> int:
    global P_MERGE, P_SPLIT, P_DROP_TARGET, P_DROP_SOURCE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not (DATA / "wmt22").is_dir():
        print(f"no evaluation data at {DATA}", file=sys.stderr)
        return 2
    thresholds = sorted({0.0, 0.5, 0.8, 0.95} - {args.threshold}) + [args.threshold]  # the default last
    data = corpora()
    print(f"seed {args.seed}; a stored pair: a bead with both sides and confidence >= the threshold")
    for rates_name, rates in RATES.items():
        P_MERGE, P_SPLIT, P_DROP_TARGET, P_DROP_SOURCE = rates
        for mode in ("blocks", "documents"):
            print(
                f"\n## {rates_name} (merge {rates[0]}, split {rates[1]}, drop target {rates[2]}, drop source {rates[3]}), "
                + (f"blocks of {BLOCK} segments" if mode == "blocks" else "whole documents as one block")
            )
            print("| corpus | units | true pairs | threshold | stored | precision | recall |")
            print("|---|---|---|---|---|---|---|")
            totals = Counter()
            for name, docs in data.items():
                units = list(blocks(docs, BLOCK)) if mode == "blocks" else docs
                started = time.perf_counter()
                result = evaluate(units, args.seed, thresholds)
                took = time.perf_counter() - started
                for th in sorted(result["by_threshold"]):
                    r = result["by_threshold"][th]
                    mark = " (default)" if th == args.threshold else ""
                    print(
                        f"| {name} | {len(units)} | {result['true_pairs']} | {th:.2f}{mark} | {r['stored']} | {r['precision']:.4f} | {r['recall']:.4f} |"
                    )
                r = result["by_threshold"][args.threshold]
                totals["stored"] += r["stored"]
                totals["correct"] += round(r["precision"] * r["stored"])
                totals["true"] += result["true_pairs"]
                kinds = ", ".join(f"{k} {f}/{n}" for k, (f, n) in result["recall_by_kind"].items())
                print(f"|  | recall by kind at the default: {kinds} | | | | | {took:.1f} s |")
            print(
                f"\nall three at {args.threshold}: precision {totals['correct'] / totals['stored']:.4f}, "
                f"recall {totals['correct'] / totals['true']:.4f} ({totals['stored']} stored, {totals['true']} true pairs)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
