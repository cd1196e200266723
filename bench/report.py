"""The report: Markdown, printed and written to bench/RESULTS.md. Every figure comes from the run."""

from __future__ import annotations

TARGETS = {
    "b_over_a": 8.0,  # aim 12
    "b_over_a_aim": 12.0,
    "b_over_c": 0.9,
    "cold_start": 0.3,
    "check_at_scale": 2.0,
    "memory_growth": 2.0,  # peak RSS at 10x the articles; ours: "bounded" means well under 10x
}


def settings_of(a) -> dict:
    return {k: getattr(a, k) for k in ("beam_size", "inter_threads", "intra_threads", "max_batch_tokens", "compute_type")}


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _status(ok: bool) -> str:
    return "met" if ok else "**NOT met**"


def _arm_settings(r: dict) -> str:
    d = r.get("decoding") or {}
    t = r.get("translator") or {}
    if "stats" in r and not d:  # the pseudo engine: no model
        return "pseudo engine"
    threads = f"inter {t.get('inter_threads', 1)} / intra {t.get('intra_threads', 0)}"
    compute = t.get("compute_type", "default (the model's int8)")
    calls = f"{r['model_calls']} call{'s' if r['model_calls'] != 1 else ''}"
    return f"beam {d.get('beam_size')}, batch {d.get('max_batch_size')} {d.get('batch_type', '')}, {threads}, {compute}; {calls}"


def arms_section(info: dict, arms: dict) -> str:
    tokens, sentences = info["corpus"]["tokens"], info["corpus"]["sentences"]
    rows = []
    for r in arms.values():
        s = r["seconds"]
        rows.append(
            [
                r["label"],
                _arm_settings(r),
                f"{r['model_sentences']:,} / {r['model_tokens']:,}",
                f"{s:.1f}",
                f"{sentences / s:.2f}",
                f"{tokens / s:.0f}",
                f"{r['load_seconds']:.2f}" if r["load_seconds"] else "-",
                f"{r['peak_rss_mb']:.0f}",
                f"{r['loadavg_before']:.1f}",
            ]
        )
    header = [
        "arm",
        "settings (as the arm really called CTranslate2)",
        "sentences / tokens sent to the model",
        "wall s",
        "sentences/s",
        "source tokens/s",
        "model load s",
        "peak RSS MB",
        "load avg before",
    ]
    notes = [
        f"Corpus: {info['corpus']['articles']} articles, {info['corpus']['paragraphs']:,} paragraphs, "
        f"{sentences:,} sentences, {tokens:,} source tokens (the pipeline's splitter, the package's "
        f"SentencePiece); every arm decodes exactly {info['args']['length']} tokens per sentence. "
        "Rates are corpus sentences (tokens) divided by wall time; wall time excludes the model load.",
        "Peak RSS: the arm's whole worker process (os.wait4), one fresh process per arm.",
    ]
    for key in ("b4", "bd"):
        if key in arms and "stats" in arms[key]:
            notes.append(f"{arms[key]['label']}: {arms[key]['stats']}.")
    notes.append(
        "The pipeline's flags above come from random outputs (numbers and placeholders the model "
        "cannot copy): they say nothing about quality."
    )
    return "## Arms\n\n" + _table(header, rows) + "\n\n" + "\n".join(f"- {n}" for n in notes)


def _rate(arms: dict, key: str, sentences: int) -> float | None:
    return sentences / arms[key]["seconds"] if key in arms else None


def ratios_section(info: dict, arms: dict) -> tuple[str, dict]:
    n = info["corpus"]["sentences"]
    a, b4, c4, bd, cd = (_rate(arms, k, n) for k in ("a", "b4", "c4", "bd", "cd"))
    rows, values = [], {"b4/a": b4 / a, "b4/c4": b4 / c4, "bd/cd": bd / cd, "bd/a": bd / a}
    rows.append(
        [
            "b/a at beam 4 (pipeline vs Argos library)",
            f"{values['b4/a']:.2f}x",
            f">= {TARGETS['b_over_a']:.0f} (aim {TARGETS['b_over_a_aim']:.0f})",
            _status(values["b4/a"] >= TARGETS["b_over_a"]),
        ]
    )
    rows.append(
        [
            "b/c at beam 4 (pipeline vs one translate_batch)",
            f"{values['b4/c4']:.2f}",
            f">= {TARGETS['b_over_c']}",
            _status(values["b4/c4"] >= TARGETS["b_over_c"]),
        ]
    )
    d = info["defaults"]
    rows.append(
        [
            f"b/c at the pipeline defaults (beam {d['beam_size']})",
            f"{values['bd/cd']:.2f}",
            f">= {TARGETS['b_over_c']}",
            _status(values["bd/cd"] >= TARGETS["b_over_c"]),
        ]
    )
    rows.append([f"for information: b at defaults (beam {d['beam_size']}) / a (beam 4), unequal beams", f"{values['bd/a']:.2f}x", "-", "-"])
    if "a1" in arms:
        a1 = _rate(arms, "a1", n)
        values["b4/a1"], values["bd/a1"] = b4 / a1, bd / a1
        rows.append(["b/a1 at beam 4 (pipeline vs Argos library at its best threads)", f"{values['b4/a1']:.2f}x", "-", "-"])
        rows.append(
            [f"for information: b at defaults (beam {d['beam_size']}) / a1 (beam 4), unequal beams", f"{values['bd/a1']:.2f}x", "-", "-"]
        )
    if "bt" in arms:
        values["bt/bd"] = _rate(arms, "bt", n) / bd
        repeat = " (the same settings: run-to-run noise)" if "a repeat" in arms["bt"]["label"] else ""
        rows.append(
            [
                f"for information: (b) with the tuning's fastest settings / (b) at defaults, beam {d['beam_size']}{repeat}",
                f"{values['bt/bd']:.2f}x",
                "-",
                "-",
            ]
        )
    text = "## Ratios\n\n" + _table(["ratio (sentences/s over sentences/s)", "measured", "target", ""], rows)
    if "b0" in arms and "b4" in arms:
        share = arms["b0"]["seconds"] / arms["b4"]["seconds"]
        text += (
            f"\n\nThe pipeline's own work without a model (pseudo engine, same articles, outputs written): "
            f"{arms['b0']['seconds']:.2f} s, {share:.1%} of (b) at beam 4."
        )
    return text, values


def tuning_section(tuning: dict, info: dict) -> str:
    rows_in = tuning["rows"]
    n = tuning["sentences"]

    def rate(r: dict) -> float:
        return r["sentences"] / r["seconds"]

    d = info["defaults"]
    default_threads = (d["inter_threads"] or info["machine"]["cores"], d["intra_threads"])
    best = {beam: max((r for r in rows_in if r["beam_size"] == beam), key=rate) for beam in {r["beam_size"] for r in rows_in}}
    beams = sorted(best)
    keys = list(dict.fromkeys((r["inter_threads"], r["intra_threads"], r["max_batch_tokens"]) for r in rows_in))
    rows = []
    for inter, intra, tokens in keys:
        cells = []
        for beam in beams:
            r = next(
                (
                    r
                    for r in rows_in
                    if (r["inter_threads"], r["intra_threads"], r["max_batch_tokens"], r["beam_size"]) == (inter, intra, tokens, beam)
                ),
                None,
            )
            mark = " **fastest**" if r is best[beam] else ""
            cells.append(f"{rate(r):.2f}{mark}" if r else "-")
        note = "current default" if (inter, intra, tokens) == (*default_threads, d["max_batch_tokens"]) else ""
        rows.append([f"({inter}, {intra})", f"{tokens:,}", *cells, note])
    header = ["(inter, intra) threads", "max_batch_tokens", *(f"beam {b}: sentences/s" for b in beams), ""]
    lines = [
        f"## Tuning (the pipeline's engine, first {n} sentences of the corpus, {info['args']['length']} tokens each)\n",
        _table(header, rows),
        "",
    ]
    for beam in beams:
        b = best[beam]
        default = next(
            (
                r
                for r in rows_in
                if (r["inter_threads"], r["intra_threads"], r["max_batch_tokens"], r["beam_size"])
                == (*default_threads, d["max_batch_tokens"], beam)
            ),
            None,
        )
        vs = (
            f"; the current default threads and batch give {rate(default):.2f} ({rate(b) / rate(default):.2f}x slower)"
            if default and default is not b
            else ""
        )
        lines.append(
            f"- Fastest at beam {beam}: inter_threads {b['inter_threads']}, intra_threads {b['intra_threads']}, "
            f"max_batch_tokens {b['max_batch_tokens']}: {rate(b):.2f} sentences/s{vs}."
        )
    if len(beams) == 2:
        lines.append(f"- Beam {beams[0]} vs beam {beams[1]} at their fastest settings: {rate(best[beams[0]]) / rate(best[beams[1]]):.2f}x.")
    spreads = sorted(max(r["runs"]) / min(r["runs"]) - 1 for r in rows_in if len(r.get("runs", ())) > 1)
    if spreads:
        lines.append(
            f"- Each cell is the best of {tuning['passes']} passes (the second in reverse order); between "
            f"passes a cell varied by {spreads[len(spreads) // 2]:.0%} (median) and up to {spreads[-1]:.0%}: "
            "differences smaller than that are noise."
        )
    else:
        lines.append("- One pass per cell on a shared machine: differences of several percent are noise.")
    lines.append(
        "- A subset this small has few length buckets, so the grid's winner is checked on the whole "
        'corpus in the arms below (the "tuning\'s fastest" arm).'
    )
    return "\n".join(lines)


def checks_section(extra: dict) -> str:
    cs, sc = extra["cold_start"], extra["scale"]
    t = TARGETS

    def imports(i: dict) -> str:
        heavy = ", ".join(i["heavy"]) or "neither ctranslate2 nor argostranslate"
        slow = ", ".join(f"{m} {us / 1000:.0f} ms" for m, us in i["slowest"])
        return f"{heavy} ({i['modules']} modules; slowest: {slow})"

    growth = sc["peak_rss_mb"] / sc["part_peak_rss_mb"]
    rows = [
        [
            "cold start: `python -m pipeline --help` (best of 5)",
            f"{cs['help_seconds']:.3f} s",
            f"< {t['cold_start']} s",
            _status(cs["help_seconds"] < t["cold_start"]),
        ],
        [
            f"cold start: `pipeline check` on {cs['check_articles']} articles (best of 5)",
            f"{cs['check_seconds']:.3f} s",
            f"< {t['cold_start']} s",
            _status(cs["check_seconds"] < t["cold_start"]),
        ],
        [
            "imports of `--help` (`python -X importtime`)",
            imports(cs["help_imports"]),
            "no ctranslate2 / argostranslate",
            _status(not cs["help_imports"]["heavy"]),
        ],
        ["imports of `check`", imports(cs["check_imports"]), "no ctranslate2 / argostranslate", _status(not cs["check_imports"]["heavy"])],
        [
            f"`pipeline check` over {sc['articles']:,} articles (best of 3)",
            f"{sc['check_seconds']:.2f} s ({sc['check_summary']})",
            f"< {t['check_at_scale']:.0f} s",
            _status(sc["check_seconds"] < t["check_at_scale"]),
        ],
        [
            f"peak RSS, pseudo engine: {sc['part_articles']:,} vs {sc['articles']:,} articles",
            f"{sc['part_peak_rss_mb']:.0f} MB vs {sc['peak_rss_mb']:.0f} MB ({growth:.2f}x)",
            f"bounded (< {t['memory_growth']:.0f}x for 10x the articles)",
            _status(growth < t["memory_growth"]),
        ],
        [
            f"pseudo translation of {sc['articles']:,} articles (the run that wrote the records)",
            f"{sc['translate_seconds']:.0f} s ({sc['translate_summary']})",
            "-",
            "-",
        ],
    ]
    return "## Start-up, `pipeline check` and memory at scale\n\n" + _table(["check", "measured", "target", ""], rows)


def header_section(info: dict) -> str:
    m, mod, d = info["machine"], info["model"], info["defaults"]
    quick = ["", "**`--quick` smoke run: too little work for the figures to mean anything.**"] if info["args"]["quick"] else []
    return "\n".join(
        [
            "# Throughput benchmark: pipeline vs the Argos library (en->uk)",
            "",
            f"- Command: `{info['command']}`",
            f"- Date: {info['date']}; whole run {info['total_seconds'] / 60:.1f} min",
            f"- Machine: {m['cores']} cores ({m['cpu']}), {m['platform']}, Python {m['python']}; "
            "shared and noisy: compare timings only as ratios within one run",
            f"- Versions: ctranslate2 {m['ctranslate2']}, {m['argos']}",
            f"- Model: Argos-format en->uk package, transformer-base ({mod['shape']['layers']}+{mod['shape']['layers']} layers, "
            f"d_model {mod['shape']['d_model']}, {mod['shape']['heads']} heads, FFN {mod['shape']['ffn']}), SentencePiece "
            f"vocabulary {mod['vocabulary']:,} pieces (asked for 32,000), {mod['quantization']}, {mod['archive_mb']:.0f} MB archive. "
            "**Random weights: its outputs are noise, never translations.**",
            f"- Pipeline defaults (`pipeline.core.config.ArgosConfig()`): beam {d['beam_size']}, inter_threads {d['inter_threads']} "
            f"(0 = one per core), intra_threads {d['intra_threads']}, max_batch_tokens {d['max_batch_tokens']}, {d['compute_type']}",
            *quick,
        ]
    )


def render(info: dict, arms: dict, tuning: dict | None, extra: dict | None) -> str:
    parts = [header_section(info)]
    if tuning:
        parts.append(tuning_section(tuning, info))
    parts.append(arms_section(info, arms))
    parts.append(ratios_section(info, arms)[0])
    if extra:
        parts.append(checks_section(extra))
    return "\n\n".join(parts) + "\n"
