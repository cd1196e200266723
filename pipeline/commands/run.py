"""The one place that wires the stages together for a batch of articles.

    discover -> read + segment -> records + memory lookup -> translate (batched) -> restore + align
    -> write -> record

Articles are first read once to learn their languages and what the output folder's records and the
memory already hold, so a missing model is reported before anything is written (exit 3 writes
nothing at all), and a run with nothing new loads no model. An article whose source and outputs are
exactly what its record says costs a read and a hash. The rest are processed in windows: the
window's new sentences go to the engine (identical sentences once), are committed to the memory as
they come out of it, and the window's outputs are written before the next window is read, so memory
use stays bounded however large the folder, and a killed run resumes where it stopped.

Where a sentence's translation comes from, first found wins: what an import brings, the article's
own record (pending, then committed), the memory, the engine. So an editor's correction is never
replaced by machine text unless its source changed, and every checkout of the output folder writes
the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import engines, localize
from pipeline.articles import parallel, read
from pipeline.assemble import align, alignment_json, review_html
from pipeline.core import flags, languages, paths
from pipeline.core.config import Config
from pipeline.core.document import HUMAN_ID, Document, ModelId, TranslatedDocument
from pipeline.core.errors import ConfigError, InputError, ModelMissing
from pipeline.core.hashes import file_sha256, text_hash
from pipeline.core.reporting import Reporter
from pipeline.engines.base import Engine, Translated
from pipeline.localize import glossary
from pipeline.store import fileio, records
from pipeline.store.fileio import FolderLock, clean_temp, make_dirs, not_regular, same_content, write_atomic
from pipeline.store.memory import LEGACY_HUMAN, Entry, Memory, settings_key

WINDOW_BYTES = 400_000  # source text read, translated and written together
WINDOW_FILES = 200
CHUNK = 256  # engine results between two commits to the memory...
COMMIT_SECONDS = 2.0  # ...or this long, whichever comes first
RENDERING = "2"  # bump when the same translations would be written differently


@dataclass
class Stats:
    articles: int = 0  # translations written or confirmed (one article into one language)
    segments: int = 0  # sentences in them that needed translating
    translated: int = 0  # distinct sentences the engine translated in this run
    reused: int = 0  # sentences that did not need the engine (repeats, records, memory, editors)
    flagged: int = 0  # sentences with a problem flag (see flags.PROBLEMS)
    failed: int = 0  # input files that could not be translated
    skipped: int = 0  # articles already in the target language, or without prose
    unchanged: int = 0  # translations whose source and outputs are as recorded: not even parsed
    seconds: float = 0.0
    flag_counts: Counter = field(default_factory=Counter)  # sentences per problem flag

    def line(self) -> str:
        kinds = ", ".join(f"{name} {n}" for name, n in sorted(self.flag_counts.items()))
        return (
            f"{self.articles} articles, {self.segments} segments "
            f"({self.translated} translated, {self.reused} reused), {self.flagged} flagged"
            + (f" ({kinds})" if kinds else "")
            + f", {self.failed} failed, {self.skipped} skipped"
            + (f", {self.unchanged} unchanged" if self.unchanged else "")
            + f" in {self.seconds:.1f} s"
        )


Overrides = Mapping[tuple[Path, str], Mapping[str, Translated]]  # (source file, target) -> hash -> translation


@dataclass(frozen=True)
class Request:
    inputs: tuple[str, ...]
    out_dir: Path
    target: str | None = None  # --to; None: every other language in config.languages
    source: str | None = None  # --from; None: front matter `lang:`, else detection
    allow_download: bool = True
    retranslate_machine: bool = False  # machine translations from another model or settings are redone
    only: frozenset[Path] | None = None  # restrict to these source files (resolved)
    dry_run: bool = False  # plan only: say what would be translated, write nothing, load no model
    overrides: Overrides = field(default_factory=dict)  # editors' translations an import brings


@dataclass(frozen=True)
class _Job:
    source: paths.Source
    lang: str
    targets: tuple[str, ...]
    size: int
    sha256: str  # of the bytes planned with: a file changed since is reported, not half-translated


@dataclass(frozen=True)
class _Article:
    """One article into one language, as a window assembles and writes it."""

    source: paths.Source
    doc: Document
    target: str
    direction: _Direction
    stored: records.Stored  # its record as the output folder holds it
    results: Mapping[str, Translated]  # its sentences' translations: its record's first, then the run's


@dataclass
class _Direction:
    """What a run needs for one language pair: the engine (created only when something is new)."""

    source: str
    target: str
    missing: set[str] = field(default_factory=set)  # hashes of sentences nothing holds
    engine: Engine | None = None
    identity: ModelId | None = None  # of the engine, when there is one
    fresh: set[str] = field(default_factory=set)  # texts the engine translated in this run


def fingerprint(config: Config) -> str:
    """The settings that shape the outputs besides the translations: a record made under other
    ones is written again, even when its source did not change."""
    gloss = config.glossary_dir
    glossaries = []
    for lang in sorted(config.languages):
        file = Path(gloss) / lang / glossary.FILE if gloss else None
        glossaries.append(hashlib.sha256(file.read_bytes()).hexdigest() if file and file.is_file() else "")
    data = [
        RENDERING,
        config.front_matter_keys,
        sorted(config.locales.items()),
        config.output.article,
        config.output.bilingual,
        config.output.review_html,
        glossaries,
    ]
    if config.output.wrap:  # only when set, so the fingerprints of earlier runs stay valid
        data.append("wrap")
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def translate(request: Request, config: Config, reporter: Reporter | None = None) -> Stats:
    run = _Run(request, config, reporter or Reporter())
    try:
        run.go()
    finally:
        run.close()
    return run.stats


class _Run:
    """One run's context: what every step needs, in one place."""

    def __init__(self, request: Request, config: Config, reporter: Reporter):
        self.request, self.config, self.reporter = request, config, reporter
        self.out = request.out_dir
        self.stats = Stats()
        self.started = time.perf_counter()
        self.memory: Memory | None = None
        self.lock = FolderLock(self.out)
        self.directions: dict[tuple[str, str], _Direction] = {}
        self.protected: set[Path] = set()
        self.written: dict[Path, str] = {}
        self.roots = set(records.known_roots(self.out))
        self.cleaned: set[Path] = set()  # folders whose leftover temporary files were removed
        self.fingerprint = fingerprint(config)
        self.known_languages: set[str] | None = None  # what packages cover, read once when needed
        self.loader = parallel.Loader(config)  # reads and segments, in `workers` processes

    def close(self) -> None:
        self.loader.close()
        if self.memory is not None:
            self.memory.close()
        self.lock.release()
        self.stats.seconds = time.perf_counter() - self.started

    # --- planning: nothing is written before a missing model is reported -------------------------

    def go(self) -> None:
        request, config = self.request, self.config
        paths.check_out_dir(request.inputs, self.out)
        if self.out.is_dir():
            self.lock.acquire()
        roots = paths.known_roots(self.out, config.source_roots)
        sources, problems = paths.discover(request.inputs, config.include, config.exclude, [self.out], roots)
        if request.only is not None:
            sources = [s for s in sources if paths.real(s.path) in request.only]
        for problem in problems:
            self.fail(problem)
        self.protected = {paths.real(s.path) for s in sources}
        self.memory = self._memory_for_planning()
        jobs = self._plan(sources)
        if request.dry_run:
            self._dry_run(jobs)
            return
        missing = []
        for direction in self.directions.values():
            try:
                self._start_engine(direction, needed=bool(direction.missing) or request.retranslate_machine)
            except ModelMissing as e:
                missing.append((direction, e))
        if missing:
            raise ModelMissing(_no_model(missing))
        if request.retranslate_machine:
            self._find_outdated(jobs)
        if not jobs:
            return
        # from here on the run writes
        make_dirs(self.out)
        self.lock.acquire()
        if self.memory is not None and self.memory.path is None and config.memory_path is not None:
            self.memory = self.memory.persist(config.memory_path)
        self.reporter.begin(sum(len(d.missing) for d in self.directions.values()))
        try:
            for window in _windows(jobs):
                self._window(window)
        finally:
            self.reporter.end()

    def _dry_run(self, jobs: list[_Job]) -> None:
        """What a run would do: the translations it would write and the sentences nothing holds."""
        for job in jobs:
            for target in job.targets:
                self.reporter.output(f"would translate {job.source.shown} into {target}")
        self.stats.articles += sum(len(job.targets) for job in jobs)
        self.stats.translated = sum(len(d.missing) for d in self.directions.values())

    def _memory_for_planning(self) -> Memory | None:
        """The memory, refilled from the output folder. A memory that does not exist yet is built
        in RAM for planning and written to disk only once the run is sure to write."""
        path = self.config.memory_path
        if path is None:
            return None
        memory = Memory(path) if path.exists() and not self.request.dry_run else Memory(None)
        if memory.path is None and path.exists():  # a dry run reads the memory and writes nothing
            memory.copy_from(path)
        memory.sync(self.out)
        return memory

    def _plan(self, sources: list[paths.Source]) -> list[_Job]:
        """Read every article once: its language, and which of its sentences nothing holds yet."""
        request = self.request
        default = languages.default_source(self.config, request.target) if request.target else None
        jobs: list[_Job] = []
        no_prose: list[tuple[paths.Source, InputError]] = []
        folder_langs: dict[Path, Counter] = {}  # per source folder: its articles' languages
        todo = []
        for source in sources:
            unchanged = self._unchanged(source)
            if unchanged:
                folder_langs.setdefault(source.root, Counter())[unchanged] += 1
            else:
                todo.append(source)
        loaded = self.loader((s.path, s.shown, s.rel, request.source, default) for s in todo)
        for source, doc in zip(todo, loaded):
            if isinstance(doc, read.NoProse):
                no_prose.append((source, doc))
                continue
            if isinstance(doc, InputError):
                self.fail(doc)
                continue
            if not self._translatable(doc.source_lang):  # reported, never given to another language's model
                self.fail(
                    InputError(
                        source.shown,
                        f"is in {languages.name(doc.source_lang)} ({doc.source_lang}), which no installed "
                        f"or indexed package translates; skipped (a wrong guess? pass --from or set `lang:`)",
                    )
                )
                continue
            folder_langs.setdefault(source.root, Counter())[doc.source_lang] += 1
            self._plan_one(source, doc, jobs)
        for source, e in no_prose:  # a section page (front matter only) is in its folder's language
            folder = folder_langs.get(source.root)
            if not folder:
                self.stats.skipped += 1
                self.reporter.notice(str(e))
                continue
            try:
                doc = self._load(source, folder.most_common(1)[0][0], None)
            except InputError as error:
                self.fail(error)
                continue
            self._plan_one(source, doc, jobs)
        return jobs

    def _plan_one(self, source: paths.Source, doc: Document, jobs: list[_Job]) -> None:
        targets = self._targets(doc.source_lang)
        if not targets:
            self.stats.skipped += 1
            self.reporter.notice(f"{source.shown}: already in {doc.source_lang}; skipped")
            return
        jobs.append(_Job(source, doc.source_lang, targets, len(doc.text), doc.sha256))
        for target in targets:
            direction = self.directions.setdefault((doc.source_lang, target), _Direction(doc.source_lang, target))
            known = self._known(source, target)
            texts = {t for t in align.segments_to_translate(doc, target) if t not in known}
            found = self._remembered(direction, texts)
            texts -= set(found)
            # a remembered translation that lost its tags needs its pieces translated too
            chunks = {c for c in align.fallback_chunks(doc, target, _Layered(known, found)) if c not in known}
            chunks -= set(self._remembered(direction, chunks))
            direction.missing.update(text_hash(t) for t in texts | chunks)

    def _translatable(self, lang: str) -> bool:
        if self.request.source or self.config.engine == "pseudo":
            return True  # --from: a missing model is reported as such (exit 3)
        if self.known_languages is None:
            self.known_languages = languages.known(self.config) | set(self.config.languages)
        return lang in self.known_languages

    def _targets(self, lang: str) -> tuple[str, ...]:
        if self.request.target:
            return (self.request.target,) if lang != self.request.target else ()
        return tuple(t for t in self.config.languages if t != lang)

    def _unchanged(self, source: paths.Source) -> str | None:
        """An article whose every translation is as its record says, under the same settings: a
        read and a hash, no parsing, nothing written. Returns its language, or None."""
        if self.request.retranslate_machine or self.request.overrides:
            return None
        found = []
        for target in self.config.languages if not self.request.target else (self.request.target,):
            stored = records.stored(self.out, target, source.rel, head_only=True)
            if stored.pending is not None:
                return None
            if stored.record is not None and (stored.record.legacy or stored.record.merged):
                return None  # written by an older version, or merged by git: its outputs need a look
            if stored.record is not None:
                found.append(stored.record)
        if not found or len({r.source_lang for r in found}) != 1:
            return None
        if len(found) != len(self._targets(found[0].source_lang)):
            return None
        try:
            data = fileio.read_bytes(source.path, source.shown, self.config.max_file_bytes)
        except InputError:
            return None  # reported when the article is read
        digest = file_sha256(data)
        for record in found:
            if record.source_sha256 != digest or record.fingerprint != self.fingerprint:
                return None
            if paths.relative_root(source.root, self.out) != record.root:
                return None
            if not all((self.out / p).is_file() for p, _ in record.outputs):
                return None
        for record in found:
            self.written.update({(self.out / p).resolve(): source.shown for p, _ in record.outputs})
            self._count(record.flagged)
        self.stats.unchanged += len(found)
        self.stats.articles += len(found)
        return found[0].source_lang

    def _count(self, flagged: tuple[tuple[str, int], ...]) -> None:
        for flag, n in flagged:
            if flag:
                self.stats.flag_counts[flag] += n
        self.stats.flagged += dict(flagged).get("", 0)

    def _known(self, source: paths.Source, target: str) -> dict[str, Translated]:
        """What the output folder holds for this article, by source text: an import's corrections,
        the pending record (an interrupted write), then the committed one."""
        stored = records.stored(self.out, target, source.rel, source.root)
        return self._known_from(source, target, stored)

    def _known_from(self, source: paths.Source, target: str, stored: records.Stored) -> dict[str, Translated]:
        by_hash: dict[str, Translated] = {}
        for record in (stored.record, stored.pending):
            if record is None or record.target_lang != target:
                continue
            direction = self.directions.get((record.source_lang, target))
            current = direction.identity if direction is not None and self.request.retranslate_machine else None
            for h, s in record.by_hash().items():
                if s.target is None:
                    continue
                if s.origin == records.MACHINE and current is not None and s.model != current:
                    continue  # --retranslate-machine: from another model or settings
                by_hash[h] = Translated(
                    s.target,
                    s.flags if s.origin == records.MACHINE else (),
                    s.origin,
                    s.model,
                    markdown=records.FINAL_MARKDOWN in s.flags,
                )
        by_hash.update(self.request.overrides.get((paths.real(source.path), target), {}))
        return _KnownByHash(by_hash)

    def _remembered(self, direction: _Direction, texts) -> dict[str, Translated]:
        if self.memory is None or not texts:
            return {}
        out = {}
        strict = self.request.retranslate_machine and direction.identity is not None
        for text, entry in self.memory.lookup(direction.source, direction.target, texts, self.config.engine).items():
            if entry.origin == "machine" and strict and _entry_model(entry) != direction.identity:
                continue
            out[text] = _translated(entry)
        return out

    def _find_outdated(self, jobs: list[_Job]) -> None:
        """With --retranslate-machine: what nothing holds from exactly this engine, model and settings."""
        for direction in self.directions.values():
            direction.missing = set()
        for job in jobs:
            try:
                doc = self._load(job.source, job.lang, job.lang)
            except InputError:
                continue  # reported when the article is translated
            for target in job.targets:
                direction = self.directions[(job.lang, target)]
                known = self._known(job.source, target)
                texts = {t for t in align.segments_to_translate(doc, target) if t not in known}
                texts -= set(self._remembered(direction, texts))
                direction.missing.update(text_hash(t) for t in texts)

    def _start_engine(self, direction: _Direction, needed: bool) -> None:
        """Create the engine (its model loads on first use). When the records and the memory hold
        every sentence, a missing package is no error."""
        s, t = direction.source, direction.target
        try:
            engine = engines.create(
                self.config,
                s,
                t,
                allow_download=self.request.allow_download and needed,
                progress=lambda done, total: self.reporter.download(f"{s}->{t} model", done, total),
            )
        except ModelMissing:
            if needed:
                raise
            return
        direction.engine = engine
        direction.identity = ModelId(engine.name, engine.model, engine.model_version, settings_key(engine.settings))

    # --- translating and writing, window by window ------------------------------------------------

    def _window(self, window: list[_Job]) -> None:
        docs: list[tuple[_Job, Document]] = []
        loaded = self.loader((j.source.path, j.source.shown, j.source.rel, j.lang, j.lang) for j in window)
        for job, doc in zip(window, loaded):
            if isinstance(doc, InputError):  # changed since it was planned
                self.fail(doc)
                continue
            if doc.sha256 != job.sha256:
                self.fail(InputError(job.source.shown, "changed while this run was translating it; run again"))
                continue
            docs.append((job, doc))
        stored: dict[tuple[int, str], records.Stored] = {}
        known: dict[tuple[int, str], Mapping[str, Translated]] = {}
        for job, doc in docs:
            for target in job.targets:
                key = (id(doc), target)
                stored[key] = records.stored(self.out, target, job.source.rel, job.source.root)
                known[key] = self._known_from(job.source, target, stored[key])
        shared = {
            key: self._results(
                d, [(doc, known[(id(doc), d.target)]) for job, doc in docs if job.lang == d.source and d.target in job.targets]
            )
            for key, d in self.directions.items()
        }
        for job, doc in docs:
            for target in job.targets:
                article = _Article(
                    job.source,
                    doc,
                    target,
                    self.directions[(job.lang, target)],
                    stored[(id(doc), target)],
                    _Layered(known[(id(doc), target)], shared[(job.lang, target)]),
                )
                try:
                    td = self._assemble(article)
                except ConfigError:  # a glossary or locale mistake is the run's, said once
                    raise
                except Exception as e:  # a bug in assembling one article must not cost the rest of the batch
                    self.fail(
                        InputError(job.source.shown, f"internal error while assembling it ({type(e).__name__}: {e}); please report it")
                    )
                    continue
                try:
                    self._write(article, td)
                except InputError as e:  # an output the pipeline may not write
                    self.fail(e)
                    continue
                self.stats.articles += 1
                self._count(_flagged(td))

    def _results(self, direction: _Direction, docs: list[tuple[Document, Mapping[str, Translated]]]) -> dict[str, Translated]:
        """Every sentence of these documents for one direction that their records lack: from the
        memory, else from the engine."""
        occurrences: list[str] = []
        for doc, known in docs:
            texts = align.segments_to_translate(doc, direction.target)
            self.stats.segments += len(texts)
            occurrences.extend(t for t in texts if t not in known)
        wanted = list(dict.fromkeys(occurrences))
        results: dict[str, Translated] = self._remembered(direction, wanted)
        new = [t for t in wanted if t not in results]
        self._translate(direction, new, results, progress=True)
        self.stats.translated += len(new)
        self.stats.reused += sum(len(align.segments_to_translate(doc, direction.target)) for doc, _ in docs) - len(new)
        chunks: dict[str, None] = {}
        for doc, known in docs:
            layered = _Layered(known, results)
            chunks.update(dict.fromkeys(c for c in align.fallback_chunks(doc, direction.target, layered) if c not in layered))
        found = self._remembered(direction, list(chunks))
        results.update(found)
        self._translate(direction, [c for c in chunks if c not in found], results, progress=False)
        return results

    def _translate(self, direction: _Direction, texts: list[str], results: dict, progress: bool) -> None:
        """Engine output for texts, committed to the memory as it comes: every CHUNK results or
        every COMMIT_SECONDS, whichever is first, so a killed run loses at most that much."""
        if not texts:
            return
        if direction.engine is None:  # planning found everything; the sources changed since
            raise ModelMissing(
                f"{direction.source}->{direction.target}: {len(texts)} sentences changed during the run and no model is installed; run again"
            )
        engine, identity = direction.engine, direction.identity
        assert identity is not None  # set with the engine
        pending: list[Entry] = []
        last = time.monotonic()

        def commit() -> None:
            if self.memory is not None:
                self.memory.add(pending)
            if progress:
                self.reporter.advance(len(pending))
            pending.clear()

        for text, out in zip(texts, engine.translate(texts)):
            results[text] = Translated(out.text, out.flags, "machine", identity)
            direction.fresh.add(text)
            pending.append(
                Entry(
                    direction.source,
                    direction.target,
                    text,
                    out.text,
                    "machine",
                    identity.engine,
                    identity.package,
                    identity.version,
                    identity.settings,
                    out.flags,
                )
            )
            if len(pending) >= CHUNK or time.monotonic() - last >= COMMIT_SECONDS:
                commit()
                last = time.monotonic()
        commit()

    def _assemble(self, a: _Article) -> TranslatedDocument:
        memory, doc, target = self.memory, a.doc, a.target

        def suggestion(source_hash: str) -> tuple[str, str] | None:  # records of format 1 kept no text
            entry = memory.human_by_hash(doc.source_lang, target, source_hash) if memory is not None else None
            return (entry.source_display, entry.target_text) if entry else None

        return align.translate_document(
            doc,
            target,
            a.results,
            _Named(self._document_model(a)),
            render=localize.renderer(localize.locale_for(target, self.config.locales)),
            previous=a.stored.latest,
            suggestion=suggestion,
            glossary=glossary.for_folder(self.config.glossary_dir),
            wrap=self.config.output.wrap,
        )

    def _document_model(self, a: _Article) -> ModelId:
        """What the outputs name as their engine: this run's when it translated any of the article,
        else what the article's record named (so a run without a model changes nothing), else the
        model behind most of its sentences."""
        direction, previous, results = a.direction, a.stored.latest, a.results
        texts = align.segments_to_translate(a.doc, a.target)
        if direction.identity is not None and any(t in direction.fresh for t in texts):
            return direction.identity
        if previous is not None and previous.model.engine and not previous.legacy:
            return previous.model
        models: Counter[ModelId] = Counter(m for t in texts if results[t].origin == "machine" and (m := results[t].model) is not None)
        if models:
            return models.most_common(1)[0][0]
        if direction.identity is not None:
            return direction.identity
        if previous is not None and previous.model.engine:
            return previous.model
        return HUMAN_ID if texts else ModelId(self.config.engine)

    def _write(self, a: _Article, td: TranslatedDocument) -> None:
        """Pending record, outputs, record: an interruption anywhere leaves a state the next run
        recognises (see records.py). Files whose bytes would not change are not touched."""
        source, stored = a.source, a.stored
        src, tgt = td.document.source_lang, td.target_lang
        out_dir = self.out
        template = self.config.output
        article = paths.output_path(out_dir, template.article, source, src, tgt)
        previous = stored.latest
        if previous is not None and previous.fingerprint == self.fingerprint and previous.article in dict(previous.outputs):
            article = out_dir / previous.article  # an adopted translation paired by a front matter key stays where it is
        outputs = {article: td.text}
        outputs[paths.output_path(out_dir, template.bilingual, source, src, tgt, ".json")] = alignment_json.render(td)
        if template.review_html:
            outputs[paths.output_path(out_dir, template.bilingual, source, src, tgt, ".html")] = review_html.render(td)
        ours = stored.ours()
        in_place = paths.real(out_dir).is_relative_to(source.root)  # the output folder inside the sources: skipped when reading
        for path, text in outputs.items():
            resolved = path.resolve()
            if paths.real(path) in self.protected:
                raise InputError(source.shown, f"refusing to overwrite the source file {path}")
            if paths.real(path).is_relative_to(source.root) and not in_place:
                raise InputError(source.shown, f"{path} would be written inside its source folder; change output templates")
            if resolved in self.written:
                raise InputError(source.shown, f"{path} is also the output of {self.written[resolved]}; give the articles distinct paths")
            edited = _edited(path, path.relative_to(out_dir).as_posix(), ours, text)
            if edited:
                raise InputError(
                    source.shown, f"{path} {edited}; not overwritten (move it away, or bring edits back with `pipeline import`)"
                )
        model = ModelId(td.engine, td.model, td.model_version, settings_key(td.settings))
        blocks, pieces = align.recorded(td, a.results, model, stored.latest)
        record = records.Record(
            root=paths.relative_root(source.root, out_dir),
            rel=source.rel,
            source_lang=src,
            target_lang=tgt,
            source_sha256=td.document.sha256,  # the bytes that were translated, not the file as it is now
            article=next(iter(outputs)).relative_to(out_dir).as_posix(),
            blocks=blocks,
            outputs=tuple((p.relative_to(out_dir).as_posix(), file_sha256(t.encode("utf-8"))) for p, t in outputs.items()),
            model=model,
            fingerprint=self.fingerprint,
            pieces=pieces,
            flagged=_flagged(td),
        )
        self._remember_root(record.root)
        record_path = records.path(out_dir, tgt, source.rel)
        folders = {p.parent for p in outputs} | {record_path.parent}
        clean_temp(folders - self.cleaned)  # once per folder and run: a folder can hold thousands
        self.cleaned |= folders
        records.commit(out_dir, record, dict(outputs))
        self._forget_legacy(source, tgt)
        for path in outputs:
            self.written[path.resolve()] = source.shown
        if self.memory is not None:
            self.memory.add([e for e in _human_entries(record, self.request.overrides.get((paths.real(source.path), tgt), {}))])

    def _remember_root(self, root: str) -> None:
        if root in self.roots:
            return
        self.roots.add(root)
        for path, text in records.roots_file(self.out, sorted(self.roots)).items():
            if not same_content(path, text):
                write_atomic(path, text)

    def _forget_legacy(self, source: paths.Source, target: str) -> None:
        legacy = self.out / records.LEGACY_FOLDER / target / (source.rel + ".json")
        if legacy.is_file():
            legacy.unlink()

    # --- helpers ------------------------------------------------------------------------------------

    def _load(self, source: paths.Source, lang: str | None, default: str | None) -> Document:
        doc = parallel.load((source.path, source.shown, source.rel, lang, default), self.config)
        if isinstance(doc, InputError):
            raise doc
        return doc

    def fail(self, error: InputError) -> None:
        self.stats.failed += 1
        self.reporter.error(str(error))


class _KnownByHash(dict):
    """An article's known translations, looked up by source text through its hash."""

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and dict.__contains__(self, text_hash(text))

    def __getitem__(self, text: str) -> Translated:
        return dict.__getitem__(self, text_hash(text))

    def get(self, text, default=None):
        return self[text] if text in self else default

    def __iter__(self):  # no texts are kept, only hashes: set(known) would be meaningless
        raise TypeError("an article's known translations are looked up by text, not listed")


class _Layered(Mapping):
    """The article's own translations first, then what the run found for every article."""

    def __init__(self, first: Mapping[str, Translated], second: Mapping[str, Translated]):
        self.first, self.second = first, second

    def __getitem__(self, text: str) -> Translated:
        if text in self.first:
            return self.first[text]
        return self.second[text]

    def __contains__(self, text: object) -> bool:
        return text in self.first or text in self.second

    def __iter__(self):
        return iter(self.second)

    def __len__(self) -> int:
        return len(self.second)


class _Named:
    """Names the model in the outputs."""

    def __init__(self, model: ModelId):
        self.name, self.model, self.model_version = model.engine, model.package, model.version
        self.settings = json.loads(model.settings or "{}")


def _entry_model(entry: Entry) -> ModelId:
    return ModelId(entry.engine, entry.model, entry.model_version, entry.settings)


def _translated(entry: Entry) -> Translated:
    if entry.origin == "human":
        return Translated(entry.target_text, (), "human", None, markdown=entry.engine == LEGACY_HUMAN)
    return Translated(entry.target_text, entry.flags, "machine", _entry_model(entry))


def _human_entries(record: records.Record, overrides: Mapping[str, Translated]) -> list[Entry]:
    """An import's corrections for the memory (the cache), so other articles with the same sentence use them."""
    out = []
    for s in record.sentences():
        if s.origin == records.HUMAN and s.hash in overrides:
            out.append(
                Entry(
                    record.source_lang,
                    record.target_lang,
                    "",
                    s.target or "",
                    "human",
                    "human",
                    "",
                    "",
                    "",
                    source_display=s.shown[0] if s.shown else "",
                    hash=s.hash,
                )
            )
    return out


def _no_model(missing: list[tuple[_Direction, ModelMissing]]) -> str:
    """One line naming every direction without a model, and what to do."""
    if len(missing) == 1:
        return f"{missing[0][1]}; or check layouts without a model: --engine pseudo"
    names = ", ".join(f"{d.source}->{d.target}" for d, _ in missing)
    return (
        f"no model is installed for {names}; install them with `pipeline models install` (downloads ~100 MB "
        f"each, once) or `pipeline models install FILE.argosmodel`; or check layouts without a model: --engine pseudo"
    )


def _flagged(td: TranslatedDocument) -> tuple[tuple[str, int], ...]:
    """Sentences per problem flag that still counts (flags.counting); under "" the sentences with any."""
    counts: Counter = Counter()
    for sentence in (s for b in td.blocks for s in b.sentences):
        problems = flags.counting(sentence.flags, sentence.acks)
        counts[""] += bool(problems)
        counts.update(problems)
    return tuple(sorted((k, v) for k, v in counts.items() if v))


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


def _edited(path: Path, rel: str, ours: dict[str, set[str]], new_text: str) -> str:
    """Nothing a person wrote is overwritten: an existing output must be what the pipeline wrote
    (before, or in an interrupted run), or exactly what it is about to write. Why not, or ""."""
    try:
        why = not_regular(os.stat(path).st_mode)  # a FIFO planted among the outputs is never opened
        if why:
            return f"is {why}"
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):  # the write reports a file in the way
        return ""
    except OSError as e:
        return f"cannot be read ({e.strerror or e})"
    if file_sha256(data) in ours.get(rel, ()) or data == new_text.encode("utf-8"):
        return ""
    return "was changed by hand since the pipeline wrote it" if rel in ours else "exists and was not written by the pipeline"
