"""The one place that wires the stages together for a batch of articles.

    discover -> read + segment -> translate (batched across articles) -> restore + align -> write

Articles are first read once to learn their languages, so that a missing model is reported
before anything is written. Then they are processed in windows: every sentence of a window goes
to the engine in one call (identical sentences once), and the window's outputs are written before
the next is read, so memory stays bounded however large the folder.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import align, engines, flags, paths, read
from pipeline.config import Config
from pipeline.document import Document, TranslatedDocument
from pipeline.engines.base import Engine, Translated
from pipeline.errors import InputError, OutputError
from pipeline.fileio import write_atomic
from pipeline.outputs import alignment_json, review_html

WINDOW_BYTES = 400_000  # source text read, translated and written together
WINDOW_FILES = 200


@dataclass
class Stats:
    articles: int = 0  # translations written (one article into one language)
    segments: int = 0  # sentences in them that needed translating
    translated: int = 0  # distinct sentences the engine translated
    reused: int = 0  # sentences that did not need the engine (repeats)
    flagged: int = 0  # sentences with a problem flag (see flags.PROBLEMS)
    failed: int = 0  # input files that could not be translated
    skipped: int = 0  # articles already in the target language, or without prose
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"{self.articles} articles, {self.segments} segments "
            f"({self.translated} translated, {self.reused} reused), {self.flagged} flagged, "
            f"{self.failed} failed, {self.skipped} skipped in {self.seconds:.1f} s"
        )


class Reporter:
    """What a run tells its user. The default says nothing; the CLI prints."""

    def error(self, message: str) -> None: ...

    def notice(self, message: str) -> None: ...

    def begin(self, total: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def end(self) -> None: ...

    def download(self, label: str, done: int, total: int | None) -> None: ...


@dataclass(frozen=True)
class Request:
    inputs: tuple[str, ...]
    out_dir: Path
    target: str | None = None  # --to; None: every other language in config.languages
    source: str | None = None  # --from; None: front matter `lang:`, else detection
    allow_download: bool = True


@dataclass(frozen=True)
class _Job:
    source: paths.Source
    lang: str
    targets: tuple[str, ...]
    size: int


@dataclass
class _Window:
    jobs: list[_Job] = field(default_factory=list)
    size: int = 0


def other(lang: str) -> str:
    return "en" if lang == "uk" else "uk"


def translate(request: Request, config: Config, reporter: Reporter | None = None) -> Stats:
    reporter = reporter or Reporter()
    started = time.perf_counter()
    stats = Stats()
    sources, problems = paths.discover(list(request.inputs), config.include, config.exclude, [request.out_dir])
    for problem in problems:
        _fail(stats, reporter, problem)
    jobs = _plan(sources, request, config, stats, reporter)
    directions = sorted({(job.lang, t) for job in jobs for t in job.targets})
    engine_for = {
        (s, t): engines.create(
            config,
            s,
            t,
            allow_download=request.allow_download,
            progress=lambda done, total, label=f"{s}->{t} model": reporter.download(label, done, total),
        )
        for s, t in directions
    }
    protected = {s.path.resolve() for s in sources}
    reporter.begin(sum(len(j.targets) for j in jobs))
    try:
        for window in _windows(jobs):
            _translate_window(window, request, config, engine_for, protected, stats, reporter)
    finally:
        reporter.end()
        stats.seconds = time.perf_counter() - started
    return stats


def _fail(stats: Stats, reporter: Reporter, error: InputError) -> None:
    stats.failed += 1
    reporter.error(str(error))


def _plan(sources: Sequence[paths.Source], request: Request, config: Config, stats: Stats, reporter: Reporter) -> list[_Job]:
    """Read every article once to learn its language; report the ones that cannot be read."""
    default = other(request.target) if request.target else None
    jobs = []
    for source in sources:
        try:
            doc = read.load(source.path, source.shown, config, request.source, default)
        except read.NoProse as e:
            stats.skipped += 1
            reporter.notice(str(e))
            continue
        except InputError as e:
            _fail(stats, reporter, e)
            continue
        if request.target:
            targets: tuple[str, ...] = (request.target,) if doc.source_lang != request.target else ()
        else:
            targets = tuple(lang for lang in config.languages if lang != doc.source_lang)
        if not targets:
            stats.skipped += 1
            reporter.notice(f"{source.shown}: already in {doc.source_lang}; skipped")
            continue
        jobs.append(_Job(source, doc.source_lang, targets, len(doc.text)))
    return jobs


def _windows(jobs: list[_Job]):
    window = _Window()
    for job in jobs:
        if window.jobs and (window.size + job.size > WINDOW_BYTES or len(window.jobs) >= WINDOW_FILES):
            yield window
            window = _Window()
        window.jobs.append(job)
        window.size += job.size
    if window.jobs:
        yield window


def _translate_window(window, request, config, engine_for, protected, stats, reporter) -> None:
    docs: list[tuple[_Job, Document]] = []
    for job in window.jobs:
        try:
            docs.append((job, read.load(job.source.path, job.source.shown, config, job.lang, job.lang)))
        except InputError as e:  # changed since it was planned
            _fail(stats, reporter, e)
    results = _engine_pass(docs, engine_for, stats)
    for job, doc in docs:
        for target in job.targets:
            td = align.translate_document(doc, target, results[(job.lang, target)], engine_for[(job.lang, target)])
            try:
                _write(td, job.source, request.out_dir, config, protected)
            except InputError as e:  # an output path the templates cannot place
                _fail(stats, reporter, e)
                continue
            stats.articles += 1
            stats.flagged += sum(
                1 for b in td.blocks for s in b.sentences if set(s.flags) & flags.PROBLEMS
            )
            reporter.advance()


def _engine_pass(docs, engine_for: dict[tuple[str, str], Engine], stats: Stats) -> dict:
    """Translate every sentence of the window, per direction, each distinct sentence once."""
    results: dict[tuple[str, str], dict[str, Translated]] = {}
    for (source, target), engine in engine_for.items():
        mine = [doc for job, doc in docs if job.lang == source and target in job.targets]
        wanted: dict[str, None] = {}
        for doc in mine:
            texts = align.segments_to_translate(doc, target)
            stats.segments += len(texts)
            wanted.update(dict.fromkeys(texts))
        done = dict(zip(wanted, engine.translate(list(wanted))))
        stats.translated += len(wanted)
        chunks: dict[str, None] = {}
        for doc in mine:
            chunks.update(dict.fromkeys(c for c in align.fallback_chunks(doc, target, done) if c not in done))
        done.update(zip(chunks, engine.translate(list(chunks))))
        results[(source, target)] = done
    stats.reused = stats.segments - stats.translated
    return results


def _write(td: TranslatedDocument, source: paths.Source, out_dir: Path, config: Config, protected: set[Path]) -> None:
    src, tgt = td.document.source_lang, td.target_lang
    outputs = {paths.output_path(out_dir, config.output.article, source, src, tgt): td.text}
    renderers = {"json": alignment_json.render, "html": review_html.render}
    for fmt in config.output.formats:
        path = paths.output_path(out_dir, config.output.bilingual, source, src, tgt, "." + fmt)
        outputs[path] = renderers[fmt](td)
    for path in outputs:
        if path.resolve() in protected:
            raise InputError(source.shown, f"refusing to overwrite the source file {path}")
    for path, text in outputs.items():
        write_atomic(path, text)


__all__ = ["Request", "Reporter", "Stats", "translate", "OutputError"]
