"""The evaluation as one HTML page an editor-in-chief can read: scores, a chart of chrF per
article, the checks that need no reference, and the worst sentences beside their references.

Self-contained like the review page: no script, no external resource, a Content-Security-Policy
that forbids both, and every piece of article text escaped.
"""

from __future__ import annotations

from html import escape

from pipeline import __version__
from pipeline.evaluate.scores import CHECK_NAMES, CHECKS, METRICS

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'; base-uri 'none'"
STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem 1.5rem;color:#1d1d1f;background:#fafafa}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
.meta,.sig{color:#666;font-size:.8rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;min-width:10rem}
.card b{display:block;font-size:1.8rem}
table{border-collapse:collapse;width:100%;background:#fff;margin:.3rem 0}
th,td{border-bottom:1px solid #eee;padding:.3rem .6rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f0f0f3}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.bad{color:#a50e0e;font-weight:600}.good{color:#0b6b2b;font-weight:600}
svg text{font:11px system-ui,sans-serif}
"""


def _num(value: float) -> str:
    return f"{value:.1f}"


def _chart(articles: list[dict]) -> str:
    """Horizontal bars of chrF per article, worst first."""
    rows = sorted(articles, key=lambda a: a["scores"]["chrF"])
    bar_h, label_w, width = 18, 320, 300
    height = bar_h * len(rows) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + width + 60}" height="{height}" role="img" aria-label="chrF per article">'
    ]
    for tick in (0, 25, 50, 75, 100):
        x = label_w + width * tick / 100
        parts.append(f'<line x1="{x}" y1="0" x2="{x}" y2="{height - 16}" stroke="#ddd"/>')
        parts.append(f'<text x="{x}" y="{height - 4}" text-anchor="middle" fill="#666">{tick}</text>')
    for i, a in enumerate(rows):
        y = i * bar_h
        value = max(0.0, min(100.0, a["scores"]["chrF"]))
        name = a["path"] if len(a["path"]) <= 48 else "…" + a["path"][-47:]
        colour = "#d93025" if value < 40 else "#f2b600" if value < 55 else "#1a73e8"
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{escape(name)}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{width * value / 100:.1f}" height="{bar_h - 6}" fill="{colour}"><title>{escape(a["path"])}: chrF {value:.1f}</title></rect>'
        )
        parts.append(f'<text x="{label_w + width * value / 100 + 4:.1f}" y="{y + 13}">{value:.1f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render(report: dict) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        "<title>Translation quality</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Translation quality</h1>",
        f'<p class="meta">Reference: {escape(report["reference"])} · uk-en-pipeline {escape(__version__)}</p>',
    ]
    comparison = report.get("comparison")
    if comparison:
        out.extend(_comparison(comparison, [s["name"] for s in report["systems"]]))
    for system in report["systems"]:
        out.extend(_system(system))
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _comparison(comparison: dict, names: list[str]) -> list[str]:
    """Which of two systems is better, metric by metric, with the bootstrap's p-value."""
    out: list[str] = []
    out.append("<h2>Which system is better</h2><table><tr><th>metric</th>")
    out.append("".join(f"<th>{escape(n)}</th>" for n in names) + "<th>p-value</th><th>verdict</th></tr>")
    for metric in METRICS:
        c = comparison[metric]
        cells = "".join(f'<td class="num">{_num(c[n]["score"])} ± {_num(c[n]["ci"])}</td>' for n in names)
        if c["better"] is None:
            verdict = "the same"
        elif c["significant"]:
            verdict = f'<span class="good">{escape(c["better"])} is better</span>'
        else:
            verdict = f"{escape(c['better'])} scores higher, but the difference is not significant"
        out.append(
            f"<tr><td>{metric}{' (lower is better)' if metric == 'TER' else ''}</td>{cells}"
            f'<td class="num">{c["p_value"]:.4f}</td><td>{verdict}</td></tr>'
        )
    out.append("</table>")
    out.append(
        '<p class="sig">Paired bootstrap resampling (sacrebleu); significant at p &lt; 0.05. '
        + " · ".join(escape(comparison[m]["signature"]) for m in METRICS)
        + "</p>"
    )
    return out


def _system(system: dict) -> list[str]:
    """One system's scores, checks, articles and worst sentences."""
    out: list[str] = []
    out.append(f"<h2>{escape(system['name'])}</h2>")
    out.append('<div class="cards">')
    for metric in METRICS:
        better = "lower is better" if metric == "TER" else "higher is better"
        out.append(f'<div class="card">{metric}<b>{_num(system["corpus"][metric]["score"])}</b><span class="meta">{better}</span></div>')
    out.append(
        f'<div class="card">articles<b>{system["articles_scored"]}</b><span class="meta">{system["segments"]} segments</span></div></div>'
    )
    out.append('<p class="sig">' + " · ".join(escape(system["corpus"][m]["signature"]) for m in METRICS) + "</p>")
    if system["missing"]:
        out.append(
            f'<p class="bad">Not translated: {len(system["missing"])} reference articles ('
            + escape(", ".join(system["missing"][:10]))
            + ("…" if len(system["missing"]) > 10 else "")
            + ")</p>"
        )
    with_text = [a for a in system["articles"] if a["segments"]]
    if with_text:
        out.append("<h2>chrF per article</h2>")
        out.append(_chart(with_text))
    checks = system["checks"]
    if checks:
        total = checks["sentences"] or 1
        out.append(
            f"<h2>Checks without a reference</h2><p class='meta'>{checks['sentences']} sentences, source from {escape(system['checks_from'])}</p>"
        )
        out.append("<table><tr><th>problem</th><th>sentences</th><th>share</th></tr>")
        for key in CHECKS[1:]:
            n = checks[key]
            cls = ' class="bad"' if n else ""
            out.append(
                f"<tr><td>{escape(CHECK_NAMES[key])}</td><td class='num'><span{cls}>{n}</span></td><td class='num'>{100 * n / total:.1f}%</td></tr>"
            )
        out.append("</table>")
    out.append(
        "<h2>Articles</h2><table><tr><th>article</th><th>segments</th>"
        + "".join(f"<th>{m}</th>" for m in METRICS)
        + "<th>problems</th><th>structure</th></tr>"
    )
    for a in sorted(system["articles"], key=lambda a: a["scores"]["chrF"]):
        problems = sum(v for k, v in a["checks"].items() if k != "sentences") if a["checks"] else ""
        out.append(
            f"<tr><td>{escape(a['path'])}</td><td class='num'>{a['segments']}</td>"
            + "".join(f"<td class='num'>{_num(a['scores'][m])}</td>" for m in METRICS)
            + f"<td class='num'>{problems}</td><td>{escape(a['divergence']) or 'matches'}</td></tr>"
        )
    out.append("</table>")
    if system["worst"]:
        out.append("<h2>Worst sentences</h2><table><tr><th>chrF</th><th>translation</th><th>reference</th><th>article</th></tr>")
        for w in system["worst"]:
            out.append(
                f"<tr><td class='num'>{_num(w['chrF'])}</td><td>{escape(w['hypothesis'])}</td>"
                f"<td>{escape(w['reference'])}</td><td>{escape(w['article'])}</td></tr>"
            )
        out.append("</table>")
    return out
