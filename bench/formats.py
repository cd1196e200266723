"""Cost per file of the article formats, the HTML tokenizers that were candidates, and what the
office libraries keep.

    .venv/bin/python bench/formats.py [cost] [tokenizers] [subtitles] [subtitle-libraries] [subtitle-hostile] [word] [office]

cost: a 1 MB HTML news page built from the NTREX articles in shared/data (headlines, paragraphs
with links, bold and emphasis inside sentences, figures with alt text, a navigation bar, a footer,
an inline script and style sheet) and the same articles as one Markdown file, each translated by
`pipeline translate --engine pseudo` in a process of its own: wall and CPU seconds and peak RSS,
and the file's cost (what `max_file_elements` bounds; the limit is raised to it when it is over).

tokenizers: what each candidate HTML tokenizer keeps. "offsets": it reports where each token is in
the source; "round trip": the library's own output of the parsed page is the page byte for byte;
seconds on the 1 MB page, on 8,000 and 32,000 unclosed comments ("<!--" x N), and on "<![" x 1,000. A candidate not
installed is said so (html5lib and selectolax are not dependencies: `pip install --target DIR
html5lib selectolax` and PYTHONPATH=DIR to measure them).

subtitles, subtitle-libraries: a feature-length film's subtitles (~1,500 cues) as SubRip and
WebVTT, measured as `cost` measures the page; what each candidate subtitle library keeps; the
costliest subtitle shapes (see bench/subtitles.py).
word: a Word document of 200 pages written by python-docx (60,000 words of the NTREX articles, each
a heading and paragraphs with bold and italic words inside sentences, a table every tenth
article, a header and a footer), measured as `cost` measures the HTML page; its pages are
counted by LibreOffice (converted to PDF) when `soffice` is there.

office: what python-docx and odfpy keep of a package they open and save unchanged (members byte
for byte, their order, the XML declarations and namespace prefixes), against this pipeline's
rendering of the same file with every block translated unchanged and with the pseudo engine.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data" / "articles" / "ntrex128_en-uk" / "en"
TARGET_BYTES = 1_000_000

HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>World news &mdash; the archive</title>
<meta name="description" content="Every story of the week, in one page.">
<style>
{style}
</style>
<script>
{script}
</script>
</head>
<body>
<header><nav><a href="/">Home</a> | <a href="/world/" title="World news">World</a> | <a href="/sport/">Sport</a></nav></header>
<main>
"""
FOOT = """</main>
<footer><p>&copy; 2025 The Archive. All rights reserved. <a href="/privacy/">Privacy</a></p></footer>
</body>
</html>
"""


def articles() -> list[tuple[str, list[str]]]:
    """(headline, paragraphs) of each NTREX article."""
    out = []
    for path in sorted(SHARED.glob("*.md")):
        body = path.read_text(encoding="utf-8").split("---", 2)[2]
        paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
        out.append((paragraphs[0], paragraphs[1:]))
    return out


def _marked(paragraph: str, k: int) -> str:
    """Inline markup inside the sentence, as a CMS writes it: a link, bold and emphasis on words."""
    words = paragraph.replace("&", "&amp;").replace("<", "&lt;").split(" ")
    if len(words) > 12:
        words[2] = f'<a href="/story/{k}" title="Read more">{words[2]}</a>'
        words[6] = f"<b>{words[6]}</b>"
        words[9] = f"<em>{words[9]}</em>"
    return " ".join(words)


def news_page() -> tuple[str, str]:
    """The HTML page, and the same stories as Markdown (no script, style or navigation)."""
    style = "\n".join(f".c{n} {{ margin: {n}px 0 {n % 7}px; color: #{n:06x}; }}" for n in range(600))
    script = "\n".join(f'  window.slots.push({{id: "ad-{n}", size: [300, 250], at: {n}.5}});' for n in range(1500))
    parts = [HEAD.format(style=style, script="  window.slots = [];\n" + script)]
    markdown = ["---\ntitle: World news\n---\n\n"]
    k = 0
    while sum(map(len, parts)) < TARGET_BYTES:
        for headline, paragraphs in articles():
            k += 1
            parts.append(f'<article id="a{k}">\n<h2>{headline}</h2>\n')
            parts.append(
                f'<figure><img src="/img/{k}.jpg" alt="Photo for {headline[:40]}"><figcaption>Photo: agency</figcaption></figure>\n'
            )
            parts += [f"<p>{_marked(p, k)}</p>\n" for p in paragraphs]
            parts.append("</article>\n")
            markdown.append(f"## {headline}\n\n" + "".join(f"{p}\n\n" for p in paragraphs))
            if sum(map(len, parts)) >= TARGET_BYTES:
                break
    return "".join(parts) + FOOT, "".join(markdown)


def translate(path: Path, config: Path) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds, peak RSS in MB and exit status of one `pipeline translate`."""
    out = path.parent / f"out-{path.suffix[1:]}"
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline",
            "translate",
            str(path),
            "--engine",
            "pseudo",
            "--to",
            "uk",
            "--out",
            str(out),
            "--config",
            str(config),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=path.parent,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def cost() -> None:
    from pipeline.articles import registry
    from pipeline.articles.read import load
    from pipeline.core.config import Config

    print("| file | bytes | cost (elements) | parse CPU s | read + segment CPU s | translate wall s | CPU s | peak RSS MB | exit |")
    print("|---|---|---|---|---|---|---|---|---|")
    page, markdown = news_page()
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in (("news-1mb.html", page), ("news-same-stories.md", markdown)):
            path = Path(tmp) / name
            path.write_text(text, encoding="utf-8")
            fmt = registry.for_path(path)
            elements = fmt.cost(text)
            limit = max(Config().max_file_elements, elements)
            config = Path(tmp) / "config.yaml"
            config.write_text(f"max_file_elements: {limit}\nmemory: null\n")
            started = time.process_time()
            fmt.parse(text, Config())
            parse = time.process_time() - started
            started = time.process_time()
            load(path, name, Config(max_file_elements=limit), "en")
            read = time.process_time() - started
            wall, cpu, rss, status = translate(path, config)
            print(
                f"| {name} | {len(text.encode()):,} | {elements:,} | {parse:.2f} | {read:.2f} | {wall:.1f} | {cpu:.1f} | {rss:.0f} | {status} |"
            )


def subtitles_cost() -> None:
    from subtitles import feature_film

    from pipeline.articles import registry
    from pipeline.articles.read import load
    from pipeline.articles.subtitles import _read
    from pipeline.core.config import Config

    print("| file | bytes | cues | cost (elements) | parse CPU s | read + segment CPU s | translate wall s | CPU s | peak RSS MB | exit |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for kind, text in feature_film().items():
            path = Path(tmp) / f"film.{kind}"
            path.write_text(text, encoding="utf-8")
            fmt = registry.for_path(path)
            elements = fmt.cost(text)
            config = Path(tmp) / "config.yaml"
            config.write_text(f"max_file_elements: {max(Config().max_file_elements, elements)}\nmemory: null\n")
            started = time.process_time()
            fmt.parse(text, Config())
            parse = time.process_time() - started
            _read.cache_clear()  # parse keeps what it read for render: load must read it again
            started = time.process_time()
            load(path, path.name, Config(max_file_elements=max(Config().max_file_elements, elements)), "en")
            read = time.process_time() - started
            wall, cpu, rss, status = translate(path, config)
            print(
                f"| film.{kind} | {len(text.encode()):,} | {text.count('-->'):,} | {elements:,} | {parse:.2f} | {read:.2f} "
                f"| {wall:.1f} | {cpu:.1f} | {rss:.0f} | {status} |"
            )


def _html_parser(text: str) -> tuple[bool, bool]:
    from html.parser import HTMLParser

    class Positions(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=False)
            self.seen = 0

        def handle_starttag(self, tag, attrs) -> None:
            self.getpos()
            self.seen += 1

    p = Positions()
    p.feed(text)
    p.close()
    return True, False  # positions (line, column) of each event, but it writes no HTML to compare


def _html5lib(text: str) -> tuple[bool, bool]:
    import html5lib

    tree = html5lib.parse(text)
    return False, html5lib.serialize(tree, omit_optional_tags=False) == text


def _lxml(text: str) -> tuple[bool, bool]:
    from lxml import html

    tree = html.document_fromstring(text.encode())
    return False, html.tostring(tree, doctype="<!DOCTYPE html>", encoding="unicode") == text  # sourceline only: no columns


def _selectolax(text: str) -> tuple[bool, bool]:
    from selectolax.lexbor import LexborHTMLParser

    return False, LexborHTMLParser(text).html == text


def _ours(text: str) -> tuple[bool, bool]:
    from pipeline.articles.html_tokens import tokens

    toks = tokens(text)
    return True, "".join(text[t.start : t.end] for t in toks) == text


def tokenizers() -> None:
    page = news_page()[0]
    print('| tokenizer | offsets | round trip | 1 MB page s | "<!--" x 8,000 s | x 32,000 s | "<![" x 1,000 s |')
    print("|---|---|---|---|---|---|---|")
    for name, fn in (
        ("html.parser (stdlib)", _html_parser),
        ("html5lib", _html5lib),
        ("lxml.html", _lxml),
        ("selectolax (lexbor)", _selectolax),
        ("html_tokens (ours)", _ours),
    ):
        try:
            started = time.perf_counter()
            offsets, exact = fn(page)
            seconds = time.perf_counter() - started
        except ImportError:
            print(f"| {name} | not installed | | | | |")
            continue
        hostile = []
        for unit, n in (("<!--", 8000), ("<!--", 32000), ("<![", 1000)):
            started = time.perf_counter()
            try:
                fn("<p>" + unit * n)
                hostile.append(f"{time.perf_counter() - started:.2f}")
            except Exception as e:  # what the candidate does with it is the measurement
                hostile.append(f"fails: {type(e).__name__}")
        print(f"| {name} | {'yes' if offsets else 'no'} | {'yes' if exact else 'no'} | {seconds:.2f} | {' | '.join(hostile)} |")


def word_document(path: Path, words: int = 60_000) -> None:
    """A long Word document as python-docx writes one (its default template)."""
    import docx

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "The Archive: world news of the week"
    section.footer.paragraphs[0].text = "Published by The Archive. All rights reserved."
    written, k = 0, 0
    while written < words:
        for headline, paragraphs in articles():
            k += 1
            document.add_heading(headline, level=1)
            for text in paragraphs:
                p = document.add_paragraph()
                parts = text.split(" ")
                if len(parts) > 12:  # bold and italic words inside the sentence, as an editor marks them
                    p.add_run(" ".join(parts[:6]) + " ")
                    p.add_run(parts[6]).bold = True
                    p.add_run(" " + " ".join(parts[7:9]) + " ")
                    p.add_run(parts[9]).italic = True
                    p.add_run(" " + " ".join(parts[10:]))
                else:
                    p.add_run(text)
                written += len(parts)
            if k % 10 == 0:
                table = document.add_table(rows=2, cols=2)
                for cell, text in zip(table._cells, ("Story", "Words", headline[:40], f"{written:,}")):
                    cell.text = text
            if written >= words:
                break
    document.save(str(path))


def pages(path: Path) -> str:
    """The document's pages as LibreOffice lays it out ("" without soffice)."""
    import shutil

    if shutil.which("soffice") is None:
        return ""
    out = path.parent / "pdf"
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{path.parent}/profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(path),
        ],
        capture_output=True,
        timeout=600,
    )
    pdf = (out / f"{path.stem}.pdf").read_bytes()
    count = len(re.findall(rb"/Type\s*/Page\b", pdf))
    return f"{count:,}"


def word() -> None:
    from pipeline.articles import registry
    from pipeline.articles.read import load
    from pipeline.core.config import Config

    print("| file | bytes | pages | cost (elements) | parse CPU s | read + segment CPU s | translate wall s | CPU s | peak RSS MB | exit |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "archive-200-pages.docx"
        word_document(path)
        data = path.read_bytes()
        fmt = registry.for_path(path)
        elements = fmt.cost(data)
        limit = max(Config().max_file_elements, elements)
        config = Path(tmp) / "config.yaml"
        config.write_text(f"max_file_elements: {limit}\nmax_file_bytes: {max(len(data), 5_000_000)}\nmemory: null\n")
        started = time.process_time()
        fmt.parse(data, Config())
        parse = time.process_time() - started
        started = time.process_time()
        load(path, path.name, Config(max_file_elements=limit), "en")
        read = time.process_time() - started
        wall, cpu, rss, status = translate(path, config)
        row = f"| {path.name} | {len(data):,} | {pages(path)} | {elements:,} | {parse:.2f} | {read:.2f} | {wall:.1f} | {cpu:.1f} | {rss:.0f} | {status} |"
        print(row)


def office() -> None:
    """Members of a package kept byte for byte when a library opens and saves it unchanged."""
    import io
    import zipfile

    import docx
    from odf import opendocument

    from pipeline.articles import office as parts
    from tests.articles import test_docx, test_odt
    from tests.helpers import document as document_of
    from tests.helpers import translate as pipeline_translate

    notes: list[str] = []
    print("| file | written by | members kept byte for byte | same order | XML declarations and prefixes kept |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in (("news.docx", test_docx.news_docx()), ("news.odt", test_odt.news_odt())):
            path = Path(tmp) / name
            path.write_bytes(data)
            saved = io.BytesIO()
            if name.endswith(".docx"):
                document = docx.Document(str(path))
                document.save(saved)
                library = "python-docx open + save"
                reached = [p.text for p in document.paragraphs] + [c.text for t in document.tables for c in t._cells]
                reached += [p.text for s in document.sections for p in (*s.header.paragraphs, *s.footer.paragraphs)]
                ours = [b.source for b in document_of(Path(tmp), data, name).blocks]
                notes.append(
                    f"python-docx's API reaches {sum(1 for t in reached if t.strip())} of the {len(ours)} paragraphs with text read here"
                )
            else:
                opendocument.load(str(path)).save(saved)
                library = "odfpy load + save"
            outputs = [(library, saved.getvalue())]
            outputs.append(("this pipeline, translated unchanged", bytes(pipeline_translate(Path(tmp), data, lambda s: s, name=name).text)))
            outputs.append(("this pipeline, pseudo", bytes(pipeline_translate(Path(tmp), data, lambda s: "⟦uk⟧ " + s, name=name).text)))
            before = parts.members(data)
            for who, out in outputs:
                after = dict(parts.members(out))
                same = [n for n, c in before if after.get(n) == c]
                order = [n for n, _ in before] == [i.filename for i in zipfile.ZipFile(io.BytesIO(out)).infolist()]
                heads = all(after[n][:200].split(b">")[0] == c[:200].split(b">")[0] for n, c in before if n.endswith(".xml") and n in after)
                prefixes = all(b'xmlns:officeooo="' in after[n] for n, c in before if b'xmlns:officeooo="' in c)
                print(
                    f"| {name} | {who} | {len(same)} of {len(before)} | {'yes' if order else 'no'} | {'yes' if heads and prefixes else 'no'} |"
                )
    print("\n".join(notes))


PARTS = ("cost", "tokenizers", "subtitles", "subtitle-libraries", "subtitle-hostile", "word", "office")


def main() -> None:
    wanted = set(sys.argv[1:]) or set(PARTS)
    if wanted - set(PARTS):
        sys.exit(f"unknown part(s): {' '.join(sorted(wanted - set(PARTS)))}; expected {', '.join(PARTS)}")
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/subtitles.py
    if "tokenizers" in wanted:
        tokenizers()
    if "cost" in wanted:
        cost()
    if "subtitle-libraries" in wanted:
        from subtitles import libraries

        libraries()
    if "subtitle-hostile" in wanted:
        from subtitles import hostile

        hostile()
    if "subtitles" in wanted:
        subtitles_cost()
    if "word" in wanted:
        word()
    if "office" in wanted:
        office()


if __name__ == "__main__":
    main()
