"""Markdown (with YAML front matter) under the article-format contract."""

from __future__ import annotations

from tests.articles.test_contract import FormatContract

ARTICLE = """---
title: "Forces advanced near the town"
description: A short report, with numbers.
---

# The *first* report

Troops moved **2.5 km** east on February 6, said [the ministry](https://example.org/report "Report").

A line with `code` stays and {{< figure src="x.png" >}} too.

- An item with _emphasis_ here.
- Another item, with an image ![a map of the area](map.png).

> A quote from the report.

| Town | Distance |
|------|----------|
| Kursk | far away |

```python
print("kept as it is")
```

<div class="note">A raw HTML block.</div>
"""


class TestMarkdownContract(FormatContract):
    name = "markdown"
    samples = {
        "report.md": ARTICLE.encode(),
        "crlf.markdown": "\ufeffA title line\r\n\r\nA paragraph written on Windows.\r\n".encode(),
        "hugo.md": b'+++\ntitle = "A title in TOML"\ndraft = false\n+++\n\nA paragraph after it.\n',
        "json.md": b'{\n  "title": "A title in JSON",\n  "tags": ["a"]\n}\n\nA paragraph after it.\n',
    }
    translatable = {
        "report.md": (
            "Forces advanced near the town",
            "A short report, with numbers.",
            "The <g1>first</g1> report",
            "Troops moved",
            "the ministry",
            "An item with",
            "a map of the area",
            "A quote from the report.",
            "Town",
            "far away",
        ),
    }
    untouched = {
        "report.md": ('print("kept as it is")', '<div class="note">A raw HTML block.</div>', '{{< figure src="x.png" >}}', "`code`")
    }
    hostile = (
        ("nul.md", b"text\x00more", "binary file (NUL byte at offset 4)"),
        ("bad.md", b"---\ntitle: [oops\n---\nBody text here.\n", "front matter is not valid YAML"),
        ("deep.md", b"> " * 5000 + b"quoted\n", "nested 5000 levels deep"),
        (
            "bomb.md",
            b'---\na: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
            b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n---\nText.\n",
            "alias bomb",
        ),
    )
    costly = ("table.md", b"| a | b |\n|---|---|\n" + b"| 1 | 2 |\n" * 200)
    declared = ("de.md", b"---\nlang: de\ntitle: Guten Tag\n---\nHello there, friends.\n", "de", b"lang: uk\n")
    edit = ("report.md", "A quote from the report.", "A quote from the new report.")
