"""Which TOML library reads Hugo front matter, and what the worst front matter costs.

    .venv/bin/pip install tomli tomli-w rtoml toml    # the other candidates: not dependencies
    .venv/bin/python bench/toml_front_matter.py

Part 1, the candidates, on one Hugo-style front matter that has what real ones have (comments, a
multi-line string, a literal string, dotted keys, an inline table, an array of tables, a date):
whether the library gives where each value is, or renders the document back byte for byte (then
positions follow, see pipeline/articles/frontmatter.py), and what each keeps when the title is
changed and the document written again (the others can only re-dump their dict). Then the time
to parse two hostile inputs. A library missing from the environment is left out.

Part 2, the pipeline (markdown.parse, the front matter reader included) on the costliest front
matter found within max_file_bytes and max_file_elements, in CPU seconds, beside a Markdown
article of prose of the same size read whole (read.load: parse and segment).
"""

from __future__ import annotations

import difflib
import importlib
import itertools
import string
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLE = """\
# Hugo front matter
title = "Sunsetting \\"OpenCensus\\""   # shown in lists
linkTitle = 'Sunsetting OC'
description = \"\"\"
A long description
over two lines.\"\"\"
date = 2023-05-01T10:00:00+02:00
draft = false
weight = -2023
tags = ["news", "world",]   # trailing comma
author.name = "Aaron"
menu = { main = { weight = 50 } }

[params]
  cover = "x.png"

[[resources]]
  src = "a.png"
"""
NEW_TITLE = "Новий заголовок"
KEPT = {
    "comments": lambda out: "# Hugo front matter" in out and "# shown in lists" in out,
    "multi-line string": lambda out: '"""\nA long description' in out,
    "literal string": lambda out: "'Sunsetting OC'" in out,
    "dotted key": lambda out: 'author.name = "Aaron"' in out,
    "inline table": lambda out: "menu = { main = { weight = 50 } }" in out,
    "trailing comma": lambda out: '["news", "world",]' in out,
}


def _candidates():
    """name -> (parse, change the title and write back, renders back exactly?) for what is installed."""
    found = {}
    try:
        tomlkit = importlib.import_module("tomlkit")

        def tomlkit_edit(src):
            doc = tomlkit.parse(src)
            doc["title"] = NEW_TITLE
            return doc.as_string()

        found["tomlkit"] = (tomlkit.parse, tomlkit_edit, lambda src: tomlkit.parse(src).as_string() == src)
    except ImportError:
        pass
    for name, writer in (("tomli", "tomli_w"), ("rtoml", "rtoml"), ("toml", "toml")):  # tomli is 3.11's tomllib
        try:
            lib, out = importlib.import_module(name), importlib.import_module(writer)
        except ImportError:
            continue

        def edit(src, lib=lib, out=out):
            data = lib.loads(src)
            data["title"] = NEW_TITLE
            return out.dumps(data)

        found[name] = (lib.loads, edit, lambda src: False)
    return found


def _seconds(fn, arg) -> str:
    start = time.process_time()
    try:
        fn(arg)
    except Exception as e:  # a refusal is an answer too
        return f"{time.process_time() - start:.2f} ({type(e).__name__})"
    return f"{time.process_time() - start:.2f}"


def libraries() -> None:
    array = "a = [" + ",".join(['""'] * 800_000) + "]\n"  # 2.4 MB
    comment = "# " + "x" * 4_999_000 + "\n"  # 5 MB
    print(
        "| library | renders back exactly | "
        + " | ".join(f"keeps {k}" for k in KEPT)
        + " | lines removed + added | 800,000-item array, s | 5 MB comment, s |"
    )
    print("|---" * (len(KEPT) + 5) + "|")
    for name, (parse, edit, exact) in _candidates().items():
        out = edit(SAMPLE)
        changed = sum(1 for line in difflib.ndiff(SAMPLE.splitlines(), out.splitlines()) if line[:1] in "+-")
        kept = " | ".join("yes" if check(out) else "no" for check in KEPT.values())
        print(
            f"| {name} | {'yes' if exact(SAMPLE) else 'no'} | {kept} | {changed} | {_seconds(parse, array)} | {_seconds(parse, comment)} |"
        )
    print("\nNo candidate reports where a value is; only tomlkit renders a document back as it was read.\n")


def _names():
    for n in itertools.count(1):
        yield from ("".join(t) for t in itertools.product(string.ascii_lowercase, repeat=n))


def worst_cases() -> None:
    from pipeline.articles import frontmatter, markdown, read
    from pipeline.core.config import Config

    keys = Config().front_matter_keys
    names = _names()
    cases = {
        "TOML: 5 MB comment": "+++\n# " + "x" * 4_999_000 + '\ntitle = "T"\n+++\nBody.\n',
        "TOML: 5 MB of spaces": '+++\ntitle = "T"' + " " * 4_999_000 + "\n+++\nBody.\n",
        "TOML: 5 MB title": '+++\ntitle = "' + "word " * 999_000 + '"\n+++\nBody.\n',
        "TOML: 19,990 keys (the element limit)": "+++\n" + "".join(f'{next(names)} = ""\n' for _ in range(19_990)) + "+++\nBody.\n",
        f"TOML: array of {frontmatter.MAX_TOML_COMMAS:,} items": "+++\na = [" + '"",' * frontmatter.MAX_TOML_COMMAS + "]\n+++\nBody.\n",
        "JSON: array of 800,000 strings": '{"title": "T", "a": [' + ",".join(['""'] * 800_000) + "]}\nBody.\n",
        "JSON: 5 MB string": '{"title": "T", "a": "' + "x" * 4_999_000 + '"}\nBody.\n',
        "YAML: 5 MB comment": "---\n# " + "x" * 4_999_000 + "\ntitle: T\n---\nBody.\n",
    }
    print("| front matter | MB | elements | CPU s | result |\n|---|---|---|---|---|")
    for name, text in cases.items():
        elements = read.count_elements(text)
        start = time.process_time()
        try:
            markdown.parse(text, keys)
            result = "read"
        except frontmatter.FrontMatterError as e:
            result = f"refused: {e}"
        print(f"| {name} | {len(text) / 1e6:.1f} | {elements:,} | {time.process_time() - start:.2f} | {result} |")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "prose.md"
        path.write_text("word " * 990_000 + "\n")
        start = time.process_time()
        read.load(path, "prose.md", Config(), "en")
        print(f"| (a 5 MB Markdown article of prose, read.load) | 5.0 | | {time.process_time() - start:.2f} | read |")


if __name__ == "__main__":
    libraries()
    worst_cases()
