"""pipeline evaluate"""

from __future__ import annotations

import json
from pathlib import Path

import click

from pipeline.cli.common import common_options, error, existing, language, load_config, quiet, reports_errors


@click.command()
@click.argument("systems", nargs=-1, required=True, type=click.Path(file_okay=False), callback=existing)
@click.option(
    "--reference",
    "reference",
    required=True,
    type=click.Path(file_okay=False),
    callback=existing,
    help="Folder of reference translations, with the same article paths.",
)
@click.option(
    "--source",
    "source",
    type=click.Path(file_okay=False),
    callback=existing,
    help="Folder of the source articles, for the checks without a reference when there is no bilingual JSON.",
)
@click.option("--lang", callback=language, metavar="LANG", help="Language of the translations [default: detected].")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@click.option("--html", "html", type=click.Path(dir_okay=False), help="Write the report as an HTML page.")
@click.option("--worst", type=click.IntRange(0, 10000), default=20, show_default=True, help="Worst sentences to list.")
@click.option(
    "--bootstrap",
    type=click.IntRange(100, 100000),
    default=1000,
    show_default=True,
    help="Resamples for the paired bootstrap (two systems).",
)
@common_options
@reports_errors
def evaluate(systems, reference, source, lang, as_json, html, worst, bootstrap, config_path, quiet_flag) -> None:
    """Score translated articles (SYSTEMS: one folder, or two to compare) against references.

    Corpus and per-article BLEU, chrF and TER (sacrebleu, with signatures), segments paired by
    the articles' structure; with two folders, which one is better and whether the difference is
    significant (paired bootstrap). Also checks that need no reference: flagged sentences, numbers,
    placeholders, wrong language, length outliers, untranslated sentences.
    """
    from pipeline.evaluate import report as reporting
    from pipeline.evaluate import scores

    if len(systems) > 2:
        raise click.UsageError("give one folder to score, or two to compare")
    scores.metrics()  # without sacrebleu, say so before reading anything
    config = load_config(config_path, glossary=True)
    src = Path(source) if source else None
    results, comparison = scores.evaluate_systems(systems, reference, config, lang, src, bootstrap)
    for system in results:
        for problem in system.problems:
            error(problem)
    report = scores.to_dict(results, reference, comparison, worst)
    if html:
        from pipeline.store.fileio import write_atomic

        write_atomic(Path(html), reporting.render(report))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    if not quiet(quiet_flag):
        _summary(report, comparison)


def _summary(report: dict, comparison: dict | None) -> None:
    """The report in a few lines: each system's corpus scores with their signatures and checks,
    then, with two, which is better and whether significantly."""
    from pipeline.evaluate import scores

    for s in report["systems"]:
        corpus = ", ".join(f"{m} {s['corpus'][m]['score']:.1f}" for m in scores.METRICS)
        click.echo(f"{s['name']}: {corpus} ({s['articles_scored']} articles, {s['segments']} segments)")
        for m in scores.METRICS:
            click.echo(f"  {m} signature: {s['corpus'][m]['signature']}")
        if s["checks"]:
            checked = ", ".join(f"{s['checks'][k]} {scores.CHECK_NAMES[k]}" for k in scores.CHECKS[1:])
            click.echo(f"  {s['checks']['sentences']} sentences checked without a reference: {checked}")
        if s["missing"]:
            click.echo(f"  {len(s['missing'])} reference articles without a translation")
    if not comparison:
        return
    for m in scores.METRICS:
        c = comparison[m]
        verdict = (
            "the same"
            if c["better"] is None
            else (
                f"{c['better']} is better" + (" (significant" if c["significant"] else " (not significant") + f", p = {c['p_value']:.4f})"
            )
        )
        click.echo(f"{m}: {verdict}")
