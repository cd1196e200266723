"""What the settings' upper bounds cost: the measurements behind the ranges in pipeline/core/config.py
and docs/configuration.md.

    .venv/bin/python bench/limits.py ct2|read|glossary|workers|all

  ct2       CTranslate2 on a transformer-base model (random weights, int8, built here; no download),
            each setting at or beyond its bound, in a process of its own: seconds and peak RSS
            (about 10 minutes on 2 cores, most of it beam 16 over a full batch).
  read      read.load of a 10 MB paragraph and of a 66,000-row table (396,021 elements), the
            bounds raised so they are read: seconds and peak RSS (about 2 minutes).
  glossary  glossary.load of 1,000 and 8,500 terms (0.98 MB, under the 1 MB bound), then finding
            them in 5.7 KB and 570 KB of text (run it alone for its peak RSS).
  workers   `pipeline translate` (pseudo engine) of 400 short articles with workers 1 and 64.
  patterns  fnmatch of an include pattern of 200, 1,000 and 10,000 "[" (why list items are bounded).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))  # after PYTHONPATH: PYTHONPATH=<another checkout> measures that code

# (inter_threads, intra_threads, beam, max_batch_tokens, sentences, source tokens, decoded tokens)
CT2_PROBES = [
    (1, 1, 2, 1024, 16, 20, 20),
    (64, 1, 2, 1024, 64, 20, 20),
    (64, 64, 2, 1024, 64, 20, 20),  # both thread counts at their bound
    (3000, 1, 2, 1024, 16, 20, 20),  # the number that was seen to abort
    (1, 2, 2, 10**9, 4, 10, 10),
    (1, 2, 2, 10**15, 4, 10, 10),  # the number that was seen to fail to allocate
    (1, 2, 16, 16_384, 256, 64, 16),  # beam and batch at their bounds, one full batch
]
PROBE = textwrap.dedent(
    """
    import resource, sys, time
    import ctranslate2
    model, inter, intra, beam, tokens, n, length, decoded = sys.argv[1], *map(int, sys.argv[2:])
    t = time.time()
    tr = ctranslate2.Translator(model, device="cpu", compute_type="int8", inter_threads=inter, intra_threads=intra)
    load = time.time() - t
    t = time.time()
    try:
        tr.translate_batch([["▁the"] * length] * n, max_batch_size=tokens, batch_type="tokens", beam_size=beam,
                           max_decoding_length=decoded, min_decoding_length=decoded)
        outcome = f"decoded in {time.time() - t:.1f} s"
    except Exception as e:
        outcome = f"{type(e).__name__}: {e}"
    print(f"loaded in {load:.1f} s, {outcome}, peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    """
)


def build(folder: str) -> None:
    """The model, built in a process of its own: Linux keeps a parent's peak RSS in its children's."""
    from tests.conftest import corpus_texts
    from tests.fixtures.argos_package import build_package

    package = build_package(Path(folder), "en", "uk", corpus_texts(), kind="random", vocab_size=8000)
    zipfile.ZipFile(package).extractall(folder)


def ct2() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, __file__, "build", tmp], check=True)
        model = next(Path(tmp).glob("translate-*/model"))
        print("| inter | intra | beam | max_batch_tokens | sentences x tokens | decoded | result |\n|---|---|---|---|---|---|---|")
        for inter, intra, beam, tokens, n, length, decoded in CT2_PROBES:
            args = [str(v) for v in (inter, intra, beam, tokens, n, length, decoded)]
            out = subprocess.run([sys.executable, "-c", PROBE, str(model), *args], capture_output=True, text=True)
            result = out.stdout.strip() or f"exit {out.returncode}: {out.stderr.strip()[-200:]}"
            print(f"| {inter} | {intra} | {beam} | {tokens} | {n} x {length} | {decoded} | {result} |", flush=True)


def _timed_read(path: Path) -> str:
    """read.load in a fresh process: its elements, seconds and peak RSS."""
    code = (
        "import resource, sys, time\nfrom pathlib import Path\nfrom pipeline.articles import read\nfrom pipeline.core.config import Config\n"
        "path = Path(sys.argv[1]); elements = read.count_elements(path.read_text(), True)\n"
        "t = time.time(); read.load(path, 'a.md', Config(max_file_bytes=10**10, max_file_elements=10**9), 'en')\n"
        "print(f'{path.stat().st_size / 1e6:.1f} MB, {elements:,} elements: {time.time() - t:.1f} s, '\n"
        "      f'peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB')"
    )
    return subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=ROOT).stdout.strip()


def read() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        paragraph = Path(tmp) / "paragraph.md"
        paragraph.write_bytes(b"word " * 2_000_000)
        print(f"a paragraph: {_timed_read(paragraph)}", flush=True)
        table = Path(tmp) / "table.md"
        table.write_text("| Name | Value | Note |\n|---|---|---|\n" + "| item | word | text |\n" * 66_000)
        print(f"a table: {_timed_read(table)}")


def glossary() -> None:
    from pipeline.localize import glossary

    body = "The term number 17 alpha was seen by Name3 in the town. " * 100
    for n in (1_000, 8_500):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "uk").mkdir()
            entries = [
                f"  - source: term number {i} alpha\n    target: термін номер {i}"
                + (f"\n    forms: [терміну номер {i}, терміном номер {i}]" if i % 2 else "")
                for i in range(n)
            ]
            text = "terms:\n" + "\n".join(entries) + "\nkeep: [" + ", ".join(f"Name{i}" for i in range(n // 10)) + "]\n"
            (Path(tmp) / "uk" / glossary.FILE).write_text(text)
            t = time.time()
            g = glossary.load(tmp)
            loaded = time.time() - t
            scan = glossary.scanner(g, "en")
            t = time.time()
            scan(body), glossary.expected(g, "en", body)  # the first call builds the matchers
            first = time.time() - t
            t = time.time()
            scan(body * 100), glossary.expected(g, "en", body * 100)
            print(
                f"{n:,} terms ({len(text.encode()) / 1e6:.2f} MB): read in {loaded:.2f} s; 5.7 KB searched in {first:.2f} s "
                f"(matchers built), then 570 KB in {time.time() - t:.2f} s; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
            )


def workers() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / ".git").mkdir()
        (project / "src").mkdir()
        for i in range(400):
            (project / "src" / f"a{i}.md").write_text(f"Article number {i} is here. It has two sentences.\n")
        for n in (1, 64):
            (project / "config.yaml").write_text(f"engine: pseudo\nmemory: null\nworkers: {n}\n")
            t = time.time()
            out = subprocess.run(
                [sys.executable, "-m", "pipeline", "translate", "src", "--out", f"out{n}"], cwd=project, capture_output=True, text=True
            )
            print(f"workers {n}: {time.time() - t:.1f} s, exit {out.returncode}: {out.stdout.strip()}", flush=True)


def patterns() -> None:
    import fnmatch

    for n in (200, 1_000, 10_000):
        t = time.time()
        fnmatch.fnmatch("a.md", "[" * n)
        print(f'a pattern of {n:,} "[": {time.time() - t:.3f} s', flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["ct2", "read", "glossary", "workers", "patterns", "all", "build"])
    parser.add_argument("folder", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.what == "build":
        build(args.folder)
        return
    for name, fn in (("ct2", ct2), ("read", read), ("glossary", glossary), ("workers", workers), ("patterns", patterns)):
        if args.what in (name, "all"):
            print(f"## {name}", flush=True)
            fn()


if __name__ == "__main__":
    main()
