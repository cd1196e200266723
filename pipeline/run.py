"""The one place that wires the stages together for a batch of articles.

    discover -> read + segment -> memory lookup -> translate (batched) -> restore + align -> write -> record

Articles are first read once to learn their languages and what the memory already holds, so a
missing model is reported before anything is written, and a run with nothing new loads no model.
Then they are processed in windows: the window's new sentences go to the engine in chunks
(identical sentences once), each chunk is committed to the memory as soon as it is translated,
and the window's outputs are written before the next window is read, so memory use stays bounded
however large the folder, and a killed run resumes where it stopped.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import align, engines, flags, localize, paths, read, records
from pipeline.config import Config
from pipeline.document import Document, TranslatedDocument
from pipeline.engines.base import Translated
from pipeline.errors import InputError, ModelMissing
from pipeline.fileio import write_atomic
from pipeline.localize import glossary
from pipeline.memory import Entry, Memory, settings_key, text_hash
from pipeline.outputs import alignment_json, review_html

WINDOW_BYTES = 400_000  # source text read, translated and written together
WINDOW_FILES = 200
CHUNK = 256  # sentences per engine call between two commits to the memory


@dataclass
class Stats:
    articles: int = 0  # translations written (one article into one language)
    segments: int = 0  # sentences in them that needed translating
    translated: int = 0  # distinct sentences the engine translated in this run
    reused: int = 0  # sentences that did not need the engine (repeats, memory, editors)
    flagged: int = 0  # sentences with a problem flag (see flags.PROBLEMS)
    failed: int = 0  # input files that could not be translated
    skipped: int = 0  # articles already in the target language, or without prose
    seconds: float = 0.0
    flag_counts: Counter = field(default_factory=Counter)  # sentences per problem flag

    def line(self) -> str:
        kinds = ", ".join(f"{name} {n}" for name, n in sorted(self.flag_counts.items()))
        return (
            f"{self.articles} articles, {self.segments} segments "
            f"({self.translated} translated, {self.reused} reused), {self.flagged} flagged"
            + (f" ({kinds})" if kinds else "")
            + f", {self.failed} failed, {self.skipped} skipped in {self.seconds:.1f} s"
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
    retranslate_machine: bool = False  # machine translations from another model or settings are redone
    only: frozenset[str] | None = None  # restrict to these source paths (relative to their folder)


@dataclass(frozen=True)
class _Job:
    source: paths.Source
    lang: str
    targets: tuple[str, ...]
    size: int


@dataclass
class _Direction:
    """What a run needs for one language pair: the engine (created only when something is new)."""

    source: str
    target: str
    missing: set[str] = field(default_factory=set)  # hashes of sentences the memory lacks
    engine: object | None = None
    identity: tuple[str, str, str, dict] | None = None  # engine, model, version, settings


def other(lang: str) -> str:
    return "en" if lang == "uk" else "uk"


def open_memory(config: Config, lock: bool = True) -> Memory | None:
    return Memory(Path(config.memory), lock=lock) if config.memory else None


def translate(request: Request, config: Config, reporter: Reporter | None = None) -> Stats:
    reporter = reporter or Reporter()
    started = time.perf_counter()
    stats = Stats()
    sources, problems = paths.discover(list(request.inputs), config.include, config.exclude, [request.out_dir])
    if request.only is not None:
        sources = [s for s in sources if s.rel in request.only]
    for problem in problems:
        _fail(stats, reporter, problem)
    memory = open_memory(config)
    try:
        jobs, directions = _plan(sources, request, config, memory, stats, reporter)
        for direction in directions.values():
            _start_engine(direction, request, config, reporter, needed=bool(direction.missing) or request.retranslate_machine)
        if request.retranslate_machine and memory is not None:
            for direction in directions.values():  # entries from other models or settings no longer count
                _find_missing(direction, jobs, config, memory, request)
        protected = {s.path.resolve() for s in sources}
        reporter.begin(sum(len(d.missing) for d in directions.values()))
        written: dict[Path, str] = {}
        try:
            for window in _windows(jobs):
                _translate_window(window, request, config, directions, memory, protected, written, stats, reporter)
        finally:
            reporter.end()
    finally:
        if memory is not None:
            memory.close()
        stats.seconds = time.perf_counter() - started
    return stats


def _load(source: paths.Source, config: Config, lang: str | None, default: str | None) -> Document:
    try:
        return read.load(source.path, source.shown, config, lang, default)
    except InputError:
        raise
    except Exception as e:  # a bug in reading one article must not cost the rest of the batch
        raise InputError(source.shown, f"internal error while reading it ({type(e).__name__}: {e}); please report it") from e


def _fail(stats: Stats, reporter: Reporter, error: InputError) -> None:
    stats.failed += 1
    reporter.error(str(error))


def _plan(sources, request, config, memory, stats, reporter) -> tuple[list[_Job], dict[tuple[str, str], _Direction]]:
    """Read every article once: its language, and which of its sentences the memory lacks."""
    default = other(request.target) if request.target else None
    jobs: list[_Job] = []
    directions: dict[tuple[str, str], _Direction] = {}
    for source in sources:
        try:
            doc = _load(source, config, request.source, default)
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
        for target in targets:
            direction = directions.setdefault((doc.source_lang, target), _Direction(doc.source_lang, target))
            texts = set(align.segments_to_translate(doc, target))
            if memory is not None:
                found = memory.lookup(doc.source_lang, target, texts, config.engine)
                remembered = {t: Translated(e.target_text, e.flags, e.origin) for t, e in found.items()}
                # a remembered translation that lost its tags needs its pieces translated too
                chunks = set(align.fallback_chunks(doc, target, remembered))
                chunks -= set(memory.lookup(doc.source_lang, target, chunks, config.engine))
                texts = (texts - set(found)) | chunks
            direction.missing.update(text_hash(t) for t in texts)
    return jobs, directions


def _find_missing(direction: _Direction, jobs, config, memory: Memory, request) -> None:
    """With --retranslate-machine: what the memory lacks from exactly this engine, model and settings."""
    engine, model, version, settings = direction.identity
    direction.missing = set()
    for job in jobs:
        if job.lang != direction.source or direction.target not in job.targets:
            continue
        try:
            doc = _load(job.source, config, job.lang, job.lang)
        except InputError:
            continue  # reported when the article is translated
        texts = set(align.segments_to_translate(doc, direction.target))
        texts -= set(memory.lookup(direction.source, direction.target, texts, engine, model, version, settings_key(settings)))
        direction.missing.update(text_hash(t) for t in texts)


def _start_engine(direction: _Direction, request: Request, config: Config, reporter: Reporter, needed: bool) -> None:
    """Create the engine (its model loads on first use). When the memory holds every sentence, a
    missing package is no error: the outputs then name the memory as their source."""
    s, t = direction.source, direction.target
    try:
        engine = engines.create(
            config,
            s,
            t,
            allow_download=request.allow_download and needed,
            progress=lambda done, total: reporter.download(f"{s}->{t} model", done, total),
        )
    except ModelMissing:
        if needed:
            raise
        direction.identity = (config.engine, "memory", "", {})
        return
    direction.engine = engine
    direction.identity = (engine.name, engine.model, engine.model_version, dict(engine.settings))


def _windows(jobs: list[_Job]) -> Iterator[list[_Job]]:
    window: list[_Job] = []
    size = 0
    for job in jobs:
        if window and (size + job.size > WINDOW_BYTES or len(window) >= WINDOW_FILES):
            yield window
            window, size = [], 0
        window.append(job)
        size += job.size
    if window:
        yield window


def _translate_window(window, request, config, directions, memory, protected, written, stats, reporter) -> None:
    docs: list[tuple[_Job, Document]] = []
    for job in window:
        try:
            docs.append((job, _load(job.source, config, job.lang, job.lang)))
        except InputError as e:  # changed since it was planned
            _fail(stats, reporter, e)
    results = {
        key: _results(d, [doc for job, doc in docs if job.lang == d.source and d.target in job.targets], request, config, memory, stats, reporter)
        for key, d in directions.items()
    }
    for job, doc in docs:
        for target in job.targets:
            direction = directions[(job.lang, target)]
            previous = records.load(records.path(request.out_dir, target, job.source.rel))
            try:
                td = _assemble(doc, target, results[(job.lang, target)], direction, previous, config, memory)
            except Exception as e:  # a bug in assembling one article must not cost the rest of the batch
                _fail(stats, reporter, InputError(job.source.shown, f"internal error while assembling it ({type(e).__name__}: {e}); please report it"))
                continue
            try:
                _write(td, job.source, previous, request.out_dir, config, protected, written)
            except InputError as e:  # an output the pipeline may not write
                _fail(stats, reporter, e)
                continue
            stats.articles += 1
            for sentence in (s for b in td.blocks for s in b.sentences):
                problems = set(sentence.flags) & flags.PROBLEMS
                stats.flagged += bool(problems)
                stats.flag_counts.update(problems)


def _results(direction: _Direction, docs: Sequence[Document], request, config, memory, stats, reporter) -> dict[str, Translated]:
    """Every sentence of these documents for one direction: from the memory, else from the engine."""
    occurrences: list[str] = []
    for doc in docs:
        occurrences.extend(align.segments_to_translate(doc, direction.target))
    stats.segments += len(occurrences)
    wanted = list(dict.fromkeys(occurrences))
    results: dict[str, Translated] = {}
    if memory is not None:
        for text, entry in memory.lookup(direction.source, direction.target, wanted, config.engine).items():
            if entry.origin == "machine" and request.retranslate_machine and not _same_model(entry, direction):
                continue  # from another model or other settings: translate it again
            results[text] = Translated(entry.target_text, entry.flags, entry.origin)
    new = [t for t in wanted if t not in results]
    _translate(direction, new, results, memory, reporter)
    stats.translated += len(new)
    stats.reused += len(occurrences) - len(new)
    chunks: dict[str, None] = {}
    for doc in docs:
        chunks.update(dict.fromkeys(c for c in align.fallback_chunks(doc, direction.target, results) if c not in results))
    _translate(direction, list(chunks), results, memory, None)
    return results


def _same_model(entry: Entry, direction: _Direction) -> bool:
    engine, model, version, settings = direction.identity
    return (entry.engine, entry.model, entry.model_version, entry.settings) == (engine, model, version, settings_key(settings))


def _translate(direction: _Direction, texts: list[str], results: dict, memory, reporter) -> None:
    """Engine output for texts, committed to the memory chunk by chunk."""
    if not texts:
        return
    if direction.engine is None:  # planning found everything in the memory, which this run holds locked
        raise RuntimeError(f"{direction.source}->{direction.target}: no engine for {len(texts)} sentences")
    engine = direction.engine
    settings = settings_key(engine.settings)
    pending: list[Entry] = []

    def commit() -> None:
        if memory is not None:
            memory.add(pending)
        if reporter:
            reporter.advance(len(pending))
        pending.clear()

    for text, out in zip(texts, engine.translate(texts)):
        results[text] = out
        pending.append(
            Entry(direction.source, direction.target, text, out.text, "machine", engine.name, engine.model,
                  engine.model_version, settings, out.flags)
        )
        if len(pending) >= CHUNK:
            commit()
    commit()


class _Identity:
    """Names the engine in outputs when every sentence came from the memory."""

    def __init__(self, name: str, model: str, version: str, settings: dict):
        self.name, self.model, self.model_version, self.settings = name, model, version, settings


def _assemble(doc, target, results, direction: _Direction, previous: records.Record | None, config, memory) -> TranslatedDocument:
    engine = direction.engine or _Identity(*direction.identity)

    def suggestion(source_hash: str) -> tuple[str, str] | None:
        if memory is None:
            return None
        entry = memory.human_by_hash(doc.source_lang, target, source_hash)
        return (entry.source_display, entry.target_text) if entry else None

    return align.translate_document(
        doc,
        target,
        results,
        engine,
        render=localize.renderer(localize.locale_for(target, config.locales)),
        previous=previous,
        suggestion=suggestion,
        glossary=glossary.for_folder(config.glossary),
    )


def _write(td: TranslatedDocument, source: paths.Source, previous: records.Record | None, out_dir: Path, config: Config,
           protected: set[Path], written: dict[Path, str]) -> None:
    src, tgt = td.document.source_lang, td.target_lang
    outputs = {paths.output_path(out_dir, config.output.article, source, src, tgt): td.text}
    outputs[paths.output_path(out_dir, config.output.bilingual, source, src, tgt, ".json")] = alignment_json.render(td)
    if config.output.review_html:
        outputs[paths.output_path(out_dir, config.output.bilingual, source, src, tgt, ".html")] = review_html.render(td)
    ours = dict(previous.outputs) if previous else {}
    for path in outputs:
        resolved = path.resolve()
        if resolved in protected:
            raise InputError(source.shown, f"refusing to overwrite the source file {path}")
        if resolved in written:
            raise InputError(source.shown, f"{path} is also the output of {written[resolved]}; give the articles distinct paths")
        _check_not_edited(path, out_dir, ours, source)
    for path, text in outputs.items():
        write_atomic(path, text)
        written[path.resolve()] = source.shown
    article = next(iter(outputs))
    record = records.Record(
        source=str(source.path),
        root=str(source.root),
        rel=source.rel,
        source_lang=src,
        target_lang=tgt,
        source_sha256=td.document.sha256,  # the bytes that were translated, not the file as it is now
        article=article.relative_to(out_dir).as_posix(),
        blocks=records.sentences_of(td),
        engine=td.engine,
        model=td.model,
        model_version=td.model_version,
        outputs=tuple((p.relative_to(out_dir).as_posix(), records.file_sha256(t.encode("utf-8"))) for p, t in outputs.items()),
    )
    write_atomic(records.path(out_dir, tgt, source.rel), records.dump(record))


def _check_not_edited(path: Path, out_dir: Path, ours: dict[str, str], source: paths.Source) -> None:
    """Nothing a person wrote is overwritten: an existing output must be exactly what we last wrote."""
    if not path.exists():
        return
    rel = path.relative_to(out_dir).as_posix()
    if ours.get(rel) == records.file_sha256(path.read_bytes()):
        return
    if rel in ours:
        reason = "was changed by hand since the pipeline wrote it"
    else:
        reason = "exists and was not written by the pipeline"
    raise InputError(source.shown, f"{path} {reason}; not overwritten (move it away, or bring edits back with `pipeline import`)")
