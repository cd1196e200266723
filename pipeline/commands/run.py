"""`pipeline translate`: plan (commands/plan.py), then translate and write window by window.

    discover -> read + segment -> look up (lookup.py) -> translate (batched) -> restore + align
    -> write + record (writer.py)

Planning reads every article once and reports a missing model before anything is written. The
articles to write are then processed in windows: the window's new sentences go to the engine
(identical sentences once), are committed to the memory as they come out of it, and the window's
outputs are written before the next window's, so memory use stays bounded however large the
folder, and a killed run resumes where it stopped. While a window is written, the next one's new
sentences are already being decoded (commands/ahead.py).
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pipeline import localize
from pipeline.articles import parallel
from pipeline.assemble import align
from pipeline.commands import ahead
from pipeline.commands.plan import Job, Plan, Planner, Request, windows
from pipeline.commands.stats import Stats
from pipeline.core import paths
from pipeline.core.config import Config
from pipeline.core.document import Document, TranslatedDocument
from pipeline.core.errors import ConfigError, ExitStatus, InputError
from pipeline.core.identity import HUMAN_ID, MACHINE, ModelId
from pipeline.core.reporting import Reporter
from pipeline.engines.base import Translated
from pipeline.localize import glossary
from pipeline.lookup import Direction, KnownByHash, Layered, Lookup
from pipeline.store import records
from pipeline.store.fileio import make_dirs
from pipeline.store.memory import Memory
from pipeline.store.records import Stored
from pipeline.workspace import Workspace
from pipeline.writer import Translation, Writer

__all__ = ["Request", "Stats", "translate"]


def translate(request: Request, config: Config, reporter: Reporter | None = None) -> Stats:
    return _go(Workspace.open(config, request.out_dir, request.inputs), request, reporter)


def _go(ws: Workspace, request: Request, reporter: Reporter | None) -> Stats:
    run = _Run(ws, request, reporter or Reporter())
    try:
        run.go()
    finally:
        run.close()
    return run.stats


@dataclass(frozen=True)
class _Article:
    """One article into one language, as a window assembles and writes it."""

    job: Job
    doc: Document
    direction: Direction
    stored: Stored  # its record as the output folder holds it
    results: Mapping[str, Translated]  # its sentences' translations: its record's first, then the run's


_Read = tuple[Job, Document, str, Stored, KnownByHash]  # an article into one language, with what its record holds


class _Run:
    """One run: the workspace, the plan, and the windows that carry it out."""

    def __init__(self, ws: Workspace, request: Request, reporter: Reporter):
        self.ws, self.request, self.reporter = ws, request, ahead.Serialized(reporter)  # the thread advances the bar
        self.config = ws.config
        self.stats = Stats()
        self.started = time.perf_counter()
        self.lock = ws.lock()
        self.loader = parallel.Loader(self.config)  # reads and segments, in `workers` processes
        self.memory: Memory | None = None
        self.lookup = Lookup(self.config.engine, None, request.retranslate_machine)
        self.writer: Writer | None = None
        self.directions: dict[tuple[str, str], Direction] = {}
        self.ahead: ahead.Ahead | None = None  # the next window's decoding, in a thread

    def close(self) -> None:
        if self.ahead is not None:
            self.ahead.close()  # before the memory: its last results are committed
        self.loader.close()
        if self.memory is not None:
            self.memory.close()
        self.lock.release()
        self.stats.seconds = time.perf_counter() - self.started

    def go(self) -> None:
        request, ws = self.request, self.ws
        if ws.out.is_dir():
            self.lock.acquire()
        sources, problems = ws.sources()
        if request.only is not None:
            sources = [s for s in sources if paths.real(s.path) in request.only]
        for problem in problems:
            self.fail(problem)
        self.memory = self.lookup.memory = ws.memory(request.dry_run)
        planner = Planner(ws, request, self.lookup, self.loader, getattr(self.reporter, "download", None))
        plan = planner.make(sources)
        self._count_plan(plan)
        if request.dry_run:
            self._dry_run(plan)
            return
        planner.start_engines()
        if request.retranslate_machine:
            planner.find_outdated()
        if not plan.jobs:
            return
        # from here on the run writes
        make_dirs(ws.out)
        self.lock.acquire()
        if self.memory is not None and self.memory.path is None and self.config.memory_path is not None:
            self.memory = self.lookup.memory = self.memory.persist(self.config.memory_path)
        self.writer = ws.writer()
        self.writer.written.update(plan.claimed)
        self.directions = plan.directions
        self.reporter.begin(sum(len(d.missing) for d in plan.directions.values()))
        self.ahead = ahead.Ahead(self.lookup, self.directions, self.reporter.advance)
        try:
            for articles, shared in self.ahead.windows(windows(plan.jobs), self._prepare, self._docs, self._translate):
                self._window(articles, shared)
        finally:
            self.ahead.close()
            self.reporter.end()

    def _count_plan(self, plan: Plan) -> None:
        for error in plan.failed:
            self.fail(error)
        for notice in plan.notices:
            self.reporter.notice(notice)
        self.stats.skipped += plan.skipped
        self.stats.unchanged = plan.unchanged
        self.stats.articles += plan.unchanged
        self.stats.unchanged_flags = plan.unchanged_flags

    def _dry_run(self, plan: Plan) -> None:
        """What the run would do, from the same plan: the translations it would write and the
        sentences the engine would translate."""
        for job in plan.jobs:
            for target in job.targets:
                self.reporter.output(f"would translate {job.source.shown} into {target}")
                doc = job.doc or self._reload(job)
                self.stats.segments += len(align.segments_to_translate(doc, target)) if doc is not None else 0
        self.stats.articles += plan.translations
        self.stats.translated = plan.sentences()
        self.stats.reused = self.stats.segments - self.stats.translated

    # --- translating and writing, window by window ------------------------------------------------

    def _reload(self, job: Job) -> Document | None:
        """A planned article read again (it was not held); None, reported, when it changed meanwhile."""
        doc = parallel.load(parallel.Item(job.source, job.lang, job.lang), self.config)
        if isinstance(doc, InputError):
            self.fail(doc)
            return None
        if doc.sha256 != job.sha256:
            self.fail(InputError(job.source.shown, "changed while this run was translating it; run again"))
            return None
        return doc

    def _prepare(self, window: list[Job]) -> list[_Read]:
        """The window's articles read, with what their records hold."""
        articles: list[_Read] = []
        at = paths.Resolver()  # the output folder's real path once for the window
        for job in window:
            doc = job.doc or self._reload(job)
            job.doc = None  # the window holds it now: memory stays bounded
            if doc is None:
                continue
            for target in job.targets:
                stored = self.ws.store.stored(target, job.source.rel, legacy_root=job.source.root)
                problem = stored.damaged or stored.interrupted_adoption
                if problem:
                    self.fail(InputError(job.source.shown, problem))
                    continue
                direction = self.directions[(job.lang, target)]
                root = paths.relative_root(job.source.root, self.ws.out, at)
                overrides = self.request.overrides.get((paths.real(job.source.path), target), {}) if self.request.overrides else {}
                articles.append((job, doc, target, stored, self.lookup.known(stored, direction, overrides, root)))
        return articles

    def _docs(self, articles: list[_Read]) -> dict[tuple[str, str], ahead.Docs]:
        return {key: [(doc, known) for job, doc, target, _, known in articles if (job.lang, target) == key] for key in self.directions}

    def _translate(self, articles: list[_Read], decoded: dict[tuple[str, str], ahead.Decoded]) -> dict[tuple[str, str], dict]:
        """Every direction's translations for the window (ahead.results), in the plan's order."""
        return {
            key: ahead.results(self.lookup, self.directions[key], docs, self.stats, self.reporter.advance, decoded.get(key))
            for key, docs in self._docs(articles).items()
        }

    def _window(self, articles: list[_Read], shared: dict[tuple[str, str], dict]) -> None:
        done: list[Translation] = []
        for job, doc, target, stored, known in articles:
            key = (job.lang, target)
            article = _Article(job, doc, self.directions[key], stored, Layered(known, shared[key]))
            model = self._document_model(article)
            try:
                td = self._assemble(article, model)
            except ConfigError:  # a glossary or locale mistake is the run's, said once
                raise
            except Exception as e:  # a bug in assembling one article must not cost the rest of the batch
                self.fail(InputError(job.source.shown, f"internal error while assembling it ({type(e).__name__}: {e}); please report it"))
                continue
            blocks, pieces = align.recorded(td, article.results, model, stored.latest)
            done.append(Translation(job.source, td, blocks, pieces, model, stored))
        self._write(done)

    def _assemble(self, a: _Article, model: ModelId) -> TranslatedDocument:
        memory, doc, target = self.memory, a.doc, a.direction.target

        def suggestion(source_hash: str) -> tuple[str, str] | None:  # records of format 1 kept no text
            entry = memory.human_by_hash(doc.source_lang, target, source_hash) if memory is not None else None
            return (entry.source_display, entry.target_text) if entry else None

        options = align.Assembly(
            render=localize.renderer(localize.locale_for(target, self.config.locales)),
            previous=a.stored.latest,
            suggestion=suggestion,
            glossary=glossary.for_folder(self.config.glossary_dir),
            wrap=self.config.output.wrap,
        )
        return align.translate_document(doc, target, a.results, align.Named(model), options)

    def _document_model(self, a: _Article) -> ModelId:
        """What the outputs name as their engine: this run's when it translated any of the article,
        else what the article's record named (so a run without a model changes nothing), else the
        model behind most of its sentences."""
        direction, previous, results = a.direction, a.stored.latest, a.results
        texts = align.segments_to_translate(a.doc, direction.target)
        if direction.identity is not None and any(t in direction.fresh for t in texts):
            return direction.identity
        if previous is not None and previous.model.engine and not previous.legacy and self.lookup.usable(previous.model, None):
            return previous.model
        models: Counter[ModelId] = Counter(m for t in texts if results[t].origin == MACHINE and (m := results[t].model) is not None)
        if models:
            return models.most_common(1)[0][0]
        if direction.identity is not None:
            return direction.identity
        if previous is not None and previous.model.engine:
            return previous.model
        return HUMAN_ID if texts else ModelId(self.config.engine)

    def _write(self, translations: list[Translation]) -> None:
        """The window's articles, written together (writer.write_all: one flush per step)."""
        assert self.writer is not None  # made before the first window
        written = []
        for result in self.writer.write_all(translations):
            if isinstance(result, InputError):  # an output the pipeline may not write
                self.fail(result)
                continue
            written.append(result)
            self.stats.written(result[1].flagged)  # the record counted them: writer.flagged(t.td)
        if self.memory is not None:
            self.memory.absorb_all(written)  # one transaction for the window

    def fail(self, error: InputError) -> None:
        self.stats.failed += 1
        self.stats.unwritten += error.status == ExitStatus.OUTPUT_ERROR
        self.reporter.error(str(error))


def rewrite(
    ws: Workspace, source: Path, record: records.Record, overrides: Mapping[str, Translated], reporter: Reporter | None = None
) -> Stats:
    """Write one translated article again from its record and an import's corrections (`pipeline
    import`, the review app's saves), exactly as `translate` writes it, with the engine that
    translated it: nothing should need an engine, but its entries are the ones to reuse."""
    from pipeline.engines.registry import ENGINES

    config = ws.config
    if record.model.engine in ENGINES:
        config = dataclasses.replace(config, engine=record.model.engine)
    real = paths.real(source)
    request = Request(
        inputs=(str(source),),
        out_dir=ws.out,
        target=record.target_lang,
        source=record.source_lang,
        allow_download=False,
        only=frozenset({real}),
        overrides={(real, record.target_lang): overrides},
    )
    return _go(Workspace(config, ws.out, ws.store, ws.root, (str(source),)), request, reporter)
