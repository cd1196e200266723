"""The review page in a real browser: nothing an article contains may run."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from pipeline.cli import main

CHROMIUM = shutil.which("chromium")

# Each payload, if it ran, would add an element with id="pwned..." to the page.
ADD = "document.body.insertAdjacentHTML('beforeend','<b id=pwned{n}></b>')"
HOSTILE = f"""---
title: "<script>{ADD.format(n=1)}</script>"
description: "<img src=x onerror=\\"{ADD.format(n=2)}\\">"
---

# Title <svg onload="{ADD.format(n=3)}"></svg>

A paragraph with <script>{ADD.format(n=4)}</script> inline and <img src=x onerror="{ADD.format(n=5)}">.

[click me](javascript:{ADD.format(n=6)}) and <a href="javascript:{ADD.format(n=7)}">raw</a> ]]> end.

<iframe srcdoc="<script>parent.{ADD.format(n=8)}</script>"></iframe>

| cell <img src=x onerror="{ADD.format(n=9)}"> | b |
|---|---|
| `<script>{ADD.format(n=10)}</script>` | c |
"""


class Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        self.ids.update(v for k, v in attrs if k == "id" and v)


def rendered_ids(page) -> set[str]:
    """Ids present in the DOM after Chromium loaded the page and ran whatever it would run."""
    profile = page.parent / "chromium-profile"
    out = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=2000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    parser = Ids()
    parser.feed(out.stdout)
    return parser.ids


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium; .ci/run installs it")
def test_no_script_from_an_article_runs_in_the_review_page(tmp_path, runner, argos_env):
    (tmp_path / "hostile.md").write_text(HOSTILE)
    result = runner.invoke(
        main, ["translate", str(tmp_path / "hostile.md"), "--engine", "pseudo", "--to", "uk", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    page = tmp_path / "out/bilingual/hostile.en-uk.html"
    ids = rendered_ids(page)
    assert "b0" in ids  # the page itself rendered
    assert not {i for i in ids if i.startswith("pwned")}

    # the same payloads pasted raw into a page do run: the check above can see an attack succeed
    control = tmp_path / "control.html"
    control.write_text(f'<!doctype html><body><img src=x onerror="{ADD.format(n=1)}"><script>{ADD.format(n=2)}</script></body>')
    assert {"pwned1", "pwned2"} <= rendered_ids(control)
