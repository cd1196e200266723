"""How long the review app's memory matches take (pipeline/review/suggest.py), on real sentences.

    .venv/bin/python bench/review_memory.py

The memory is the English side of WMT22 en-uk and NTREX-128 (../shared/data), as many sentences
as a project of that many articles would hold; the queries are WMT22 uk-en's English references
(other sentences of the same kind of news). Prints, per memory size, the time per sentence when a
page's 200 sentences are matched at once, and how many sentences fit the page's time budget
(suggest.BUDGET).
"""

from __future__ import annotations

import time
from pathlib import Path

from pipeline.review import suggest

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    sources = lines(DATA / "wmt22/generaltest2022.en-uk.src.en") + lines(DATA / "ntrex128/newstest2019-src.eng.txt")
    queries = lines(DATA / "wmt22/generaltest2022.uk-en.ref.A.en")[:200]
    print(f"{len(sources)} distinct memory sentences, {len(queries)} queries; budget {suggest.BUDGET} s per page")
    print("| memory sentences | per sentence | sentences matched per page view |")
    print("|---|---|---|")
    for size in (4_000, 40_000, suggest.MAX_ENTRIES):
        entries = [suggest.Entry(f"{sources[i % len(sources)]} ({i // len(sources)})", "t", True, "x") for i in range(size)]
        match = suggest.Matcher(entries, budget=1e9)
        start = time.perf_counter()
        match.prepare(queries)  # as a page does: its sentences at once
        one = (time.perf_counter() - start) / len(queries)
        print(f"| {size:,} | {one * 1000:.1f} ms | {int(suggest.BUDGET / one):,} |")


if __name__ == "__main__":
    main()
