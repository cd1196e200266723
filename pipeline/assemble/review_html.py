"""The review page: one self-contained HTML file, each source block beside its translation.

No script at all: sentence pairs light up together on hover through CSS ``:has()``. Every piece of
article text is HTML-escaped, and a Content-Security-Policy forbids scripts, so nothing in an
article can run in a reviewer's browser even if escaping were ever wrong.
"""

from __future__ import annotations

import functools
from html import escape

from pipeline import __version__
from pipeline.core import flags
from pipeline.core.document import AlignedBlock, TranslatedDocument

LANGUAGE_NAMES = {"en": "English", "uk": "Українська"}


@functools.cache  # four times per page
def language_name(code: str) -> str:
    """A language's own name: from CLDR for any language beyond the two named here."""
    from pipeline.core.languages import name

    return escape(LANGUAGE_NAMES.get(code) or name(code))


CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'; base-uri 'none'"

STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
header{padding:1rem 1.5rem;background:#fff;border-bottom:1px solid #ddd}
h1{font-size:1.2rem;margin:0 0 .3rem}
.meta{color:#555;margin:0}
table{border-collapse:collapse;width:100%;table-layout:fixed;background:#fff}
th,td{vertical-align:top;padding:.45rem .8rem;border-bottom:1px solid #eee;text-align:left;overflow-wrap:anywhere}
td.n{overflow-wrap:normal;word-break:keep-all}
th{position:sticky;top:0;background:#f0f0f3;z-index:1}
col.n{width:7.5rem}
td.n{color:#888;font-size:.8rem}
.kind{display:block}
.s{border-radius:3px;padding:0 1px}
.s sup{color:#999;font-size:.65em;margin-right:1px}
tr.flagged td.n{border-left:4px solid #d93025}
tr.kept td.t{color:#666;font-style:italic}
.flag{display:inline-block;font-size:.72rem;background:#fde8e6;color:#a50e0e;border-radius:3px;padding:0 .35rem;margin:.1rem .2rem 0 0}
.flag.info{background:#e8f0fe;color:#174ea6}
.s.flagged{background:#fff0ee;outline:1px dashed #d93025}
.details{display:block;font-size:.78rem;color:#a50e0e}
.acked{display:block;font-size:.78rem;color:#137333}
.suggestion{display:block;margin:.2rem 0 .3rem 1rem;font-size:.85rem;color:#5f4b00;background:#fff8e1;border-left:3px solid #f2b600;padding:0 .4rem}
dl.legend{margin:.5rem 0 0;font-size:.8rem;color:#555}
dl.legend dt{display:inline;font-weight:600;white-space:nowrap}
dl.legend dd{display:inline;margin:0 1rem 0 .3rem}
"""


@functools.cache
def _pair_rules(count: int) -> str:
    return "\n".join(f"tr:has(.p{i}:hover) .p{i}{{background:#fff3b0}}" for i in range(1, count + 1))


@functools.cache
def _flag(name: str) -> str:
    cls = "flag" if name in flags.PROBLEMS else "flag info"
    return f'<span class="{cls}" title="{escape(flags.MEANINGS.get(name, name))}">{escape(name)}</span>'


def _block_problem(block: AlignedBlock) -> bool:
    """A problem flag of the block itself (not of one of its sentences), such as other-language."""
    own = set(block.flags) - {f for p in block.sentences for f in p.flags}
    return bool(own & flags.PROBLEMS)


def _side(block: AlignedBlock, side: str) -> str:
    parts = []
    on_target = side == "target"
    for i, pair in enumerate(block.sentences, 1):
        text = escape(getattr(pair, side))
        if not on_target:
            parts.append(f'<span class="s p{i}"><sup>{i}</sup>{text}</span>')
            continue
        cls = f"s p{i}" + (" flagged" if flags.counting(pair.flags, pair.acks) else "")
        about = f' title="{escape("; ".join(pair.details))}"' if pair.details else ""
        parts.append(f'<span class="{cls}"{about}><sup>{i}</sup>{text}</span>')
        if pair.details:
            parts.append(f'<span class="details">{escape("; ".join(pair.details))}</span>')
        if pair.acks:
            done = "; ".join(f"{a.flag} by {a.by}, {a.at}" for a in pair.acks)
            parts.append(f'<span class="acked">acknowledged (no longer counts): {escape(done)}</span>')
        if pair.suggestion:
            source, target = pair.suggestion
            parts.append(
                f'<span class="suggestion" title="the editor translated: {escape(source)}">'
                f"editor's earlier version: {escape(target)}</span>"
            )
    return " ".join(parts) or escape(getattr(block, side))


@functools.cache  # the same on every page
def _legend() -> str:
    return "".join(f"<dt>{escape(name)}</dt><dd>{escape(meaning)}</dd>" for name, meaning in flags.MEANINGS.items())


def render(td: TranslatedDocument) -> str:
    doc = td.document
    src, tgt = doc.source_lang, td.target_lang
    most = max((len(b.sentences) for b in td.blocks), default=0)
    counting = {b.index: any(flags.counting(p.flags, p.acks) for p in b.sentences) or _block_problem(b) for b in td.blocks}
    flagged = sum(counting.values())
    rows = []
    for b in td.blocks:
        classes = []
        if counting[b.index]:
            classes.append("flagged")
        if flags.TARGET_LANGUAGE in b.flags or b.target == b.source:
            classes.append("kept")
        kind = b.kind + (f": {b.key}" if b.key else "")
        badges = "".join(_flag(f) for f in b.flags)
        rows.append(
            f'<tr id="b{b.index}" class="{" ".join(classes)}">'
            f'<td class="n">{b.index + 1}<span class="kind">{escape(kind)}</span></td>'
            f'<td class="s-src" lang="{src}">{_side(b, "source")}</td>'
            f'<td class="t" lang="{tgt}">{_side(b, "target")}{"<br>" + badges if badges else ""}</td></tr>'
        )
    legend = _legend()
    return f"""<!doctype html>
<html lang="{tgt}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="uk-en-pipeline {__version__}">
<title>{escape(doc.path)} · {src}→{tgt}</title>
<style>{STYLE}{_pair_rules(most)}</style>
</head>
<body>
<header>
<h1>{escape(doc.path)}</h1>
<p class="meta">{language_name(src)} → {language_name(tgt)} · engine {escape(td.engine)} · model {escape(td.model)} {escape(td.model_version)} · {len(td.blocks)} blocks · {flagged} flagged</p>
<dl class="legend">{legend}</dl>
</header>
<table>
<colgroup><col class="n"><col><col></colgroup>
<thead><tr><th>#</th><th lang="{src}">{language_name(src)}</th><th lang="{tgt}">{language_name(tgt)}</th></tr></thead>
<tbody>
{(chr(10) * 2).join(rows)}
</tbody>
</table>
</body>
</html>
"""
