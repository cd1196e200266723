"""Planning a translate run: one planner for the dry run and the real one, so what `--dry-run`
says is what the run then does.

Every article is read once: an article whose source and outputs are exactly what its record says
costs a read and a hash (it is *unchanged*); the others are read and segmented, and the planner
learns their languages and which of their sentences nothing holds yet (its records, the memory).
So a missing model is reported before anything is written (exit 3 writes nothing at all), and a
run with nothing new loads no model. The documents read are held for the windows up to a bound
(HOLD_BYTES of source text); beyond it a window reads its articles again and checks they did not
change since.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.articles import parallel, read
from pipeline.assemble import align
from pipeline.core import languages, paths
from pipeline.core.document import Document
from pipeline.core.errors import InputError, ModelMissing
from pipeline.core.hashes import file_sha256, text_hash
from pipeline.core.identity import ModelId, settings_key
from pipeline.engines.factory import create as create_engine
from pipeline.engines.registry import ENGINES
from pipeline.lookup import Direction, Layered, Lookup, Overrides
from pipeline.store.records import Stored
from pipeline.workspace import Workspace

Progress = Callable[[str, int, int | None], None]
HOLD_BYTES = 64_000_000  # source text held between planning and the windows (documents take ~10x in memory)


@dataclass(frozen=True)
class Request:
    inputs: tuple[str, ...]
    out_dir: Path | None  # None: the configuration's output.dir
    target: str | None = None  # --to; None: every other language in config.languages
    source: str | None = None  # --from; None: front matter `lang:`, else detection
    allow_download: bool = True
    retranslate_machine: bool = False  # machine translations from another model or settings are redone
    only: frozenset[Path] | None = None  # restrict to these source files (resolved)
    dry_run: bool = False  # plan only: say what would be translated, write nothing, load no model
    overrides: dict[tuple[Path, str], Overrides] = field(default_factory=dict)  # (source, target) -> editors' translations


@dataclass
class Job:
    source: paths.Source
    lang: str
    targets: tuple[str, ...]
    size: int
    sha256: str  # of the bytes planned with: a file changed since is reported, not half-translated
    doc: Document | None = None  # held from planning (None beyond HOLD_BYTES: read again)


@dataclass
class Plan:
    jobs: list[Job] = field(default_factory=list)
    directions: dict[tuple[str, str], Direction] = field(default_factory=dict)
    unchanged: int = 0  # translations whose source and outputs are as recorded
    unchanged_flags: Counter = field(default_factory=Counter)  # their sentences per problem flag ("" any)
    skipped: int = 0
    failed: list[InputError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    claimed: dict[Path, str] = field(default_factory=dict)  # outputs of unchanged articles -> the article

    @property
    def translations(self) -> int:
        return sum(len(j.targets) for j in self.jobs)

    def sentences(self) -> int:
        """Distinct sentences the engine would translate (pieces of sentences aside)."""
        return sum(len(d.missing - d.pieces) for d in self.directions.values())


class Planner:
    def __init__(self, ws: Workspace, request: Request, lookup: Lookup, loader: parallel.Loader, progress: Progress | None = None):
        self.ws, self.request, self.lookup, self.loader = ws, request, lookup, loader
        self.config = ws.config
        self.progress = progress  # of a model download
        self.plan = Plan()
        self.known_languages: set[str] | None = None  # what packages cover, read once when needed
        self.held = 0  # bytes of source text held in planned documents
        self.at = paths.Resolver()  # the output folder's real path, once for the plan

    def stored(self, source: paths.Source, target: str, head_only: bool = False) -> Stored:
        return self.ws.store.stored(target, source.rel, head_only=head_only, legacy_root=source.root)

    def overrides(self, source: paths.Source, target: str) -> Overrides:
        if not self.request.overrides:  # an import's; a translate run has none
            return {}
        return self.request.overrides.get((paths.real(source.path), target), {})

    def make(self, sources: Sequence[paths.Source]) -> Plan:
        """Read every article once: its language, and which of its sentences nothing holds yet."""
        request = self.request
        default = languages.default_source(self.config, request.target) if request.target else None
        no_prose: list[tuple[paths.Source, bytes]] = []
        folder_langs: dict[Path, Counter] = {}  # per source folder: its articles' languages
        todo: list[tuple[paths.Source, bytes | None]] = []
        for source in sources:
            lang, data = self._unchanged(source)
            if lang:
                folder_langs.setdefault(source.root, Counter())[lang] += 1
            else:
                todo.append((source, data))
        items = (parallel.Item(s, request.source, default, data) for s, data in todo)
        for (source, data), doc in zip(todo, self.loader(items)):
            if isinstance(doc, read.NoProse):
                no_prose.append((source, data or b""))
            elif isinstance(doc, InputError):
                self.plan.failed.append(doc)
            elif self._translatable(source, doc):
                folder_langs.setdefault(source.root, Counter())[doc.source_lang] += 1
                self._plan_one(source, doc)
        for source, data in no_prose:  # a section page (front matter only) is in its folder's language
            folder = folder_langs.get(source.root)
            if not folder:
                self.plan.skipped += 1
                self.plan.notices.append(f"{source.shown}: no prose to translate and no `lang:` in its front matter; skipped")
                continue
            lang = folder.most_common(1)[0][0]
            doc = parallel.load(parallel.Item(source, lang, None, data or None), self.config)
            if isinstance(doc, InputError):
                self.plan.failed.append(doc)
            else:
                self._plan_one(source, doc)
        return self.plan

    def _translatable(self, source: paths.Source, doc: Document) -> bool:
        if self.request.source or not ENGINES[self.config.engine].models:
            return True  # --from: a missing model is reported as such (exit 3)
        if self.known_languages is None:
            self.known_languages = languages.known(self.config) | set(self.config.languages)
        if doc.source_lang in self.known_languages:
            return True
        self.plan.failed.append(
            InputError(
                source.shown,
                f"is in {languages.name(doc.source_lang)} ({doc.source_lang}), which no installed or indexed "
                "package translates; skipped (a wrong guess? pass --from or set `lang:`)",
            )
        )
        return False

    def targets(self, lang: str) -> tuple[str, ...]:
        if self.request.target:
            return (self.request.target,) if lang != self.request.target else ()
        return tuple(t for t in self.config.languages if t != lang)

    def _plan_one(self, source: paths.Source, doc: Document) -> None:
        targets = self.targets(doc.source_lang)
        if not targets:
            self.plan.skipped += 1
            self.plan.notices.append(f"{source.shown}: already in {doc.source_lang}; skipped")
            return
        held = self.held + len(doc.text) <= HOLD_BYTES
        self.held += len(doc.text) if held else 0
        self.plan.jobs.append(Job(source, doc.source_lang, targets, len(doc.text), doc.sha256, doc if held else None))
        for target in targets:
            direction = self.plan.directions.setdefault((doc.source_lang, target), Direction(doc.source_lang, target))
            self.missing(direction, source, doc)

    def missing(self, direction: Direction, source: paths.Source, doc: Document) -> None:
        """Add what nothing holds of this document's sentences to the direction's missing set."""
        root = paths.relative_root(source.root, self.ws.out, self.at)
        known = self.lookup.known(self.stored(source, direction.target), direction, self.overrides(source, direction.target), root)
        texts = {t for t in align.segments_to_translate(doc, direction.target) if t not in known}
        found = self.lookup.remembered(direction, texts)
        texts -= set(found)
        # a remembered translation that lost its tags needs its pieces translated too
        chunks = {c for c in align.fallback_chunks(doc, direction.target, Layered(known, found)) if c not in known}
        chunks -= set(self.lookup.remembered(direction, chunks))
        direction.missing.update(text_hash(t) for t in texts | chunks)
        direction.pieces.update(text_hash(c) for c in chunks - texts)

    def _unchanged(self, source: paths.Source) -> tuple[str | None, bytes | None]:
        """An article whose every translation is as its record says, under the same settings: a
        read and a hash (of the source and of its outputs), no parsing, nothing written. Returns its
        language (or None), and the bytes read, so an article that is not unchanged is not read twice."""
        if self.request.retranslate_machine or self.request.overrides:
            return None, None
        found = []
        for target in self.config.languages if not self.request.target else (self.request.target,):
            stored = self.stored(source, target, head_only=True)
            if stored.pending is not None or stored.damaged:
                return None, None
            record = stored.record
            if record is not None and (record.legacy or record.merged):
                return None, None  # written by an older version, or merged by git: its outputs need a look
            if record is not None:
                found.append(record)
        if not found or len({r.source_lang for r in found}) != 1 or len(found) != len(self.targets(found[0].source_lang)):
            return None, None
        try:
            data = read.read_source(source, self.config.max_file_bytes)
        except InputError:
            return None, None  # reported when the article is read
        digest = file_sha256(data)
        for record in found:
            if record.source_sha256 != digest or record.fingerprint != self.ws.fingerprint:
                return None, data
            if paths.relative_root(source.root, self.ws.out, self.at) != record.root:
                return None, data
            if not self.lookup.usable(record.model, None):
                return None, data  # pseudo output, and a real engine now
            if self.ws.store.outputs_problem(record):
                return None, data  # an output is gone, emptied or edited: the writer decides
        for record in found:
            self.plan.unchanged_flags.update(dict(record.flagged))
            self.plan.claimed.update({paths.resolved(self.ws.out / p): source.shown for p, _ in record.outputs})
        self.plan.unchanged += len(found)
        return found[0].source_lang, None

    # --- engines --------------------------------------------------------------------------------------

    def start_engines(self) -> None:
        """Create the engines the plan needs (their models load on first use); ModelMissing naming
        every direction without a model, before anything is written. When the records and the
        memory hold every sentence, a missing package is no error."""
        missing = []
        for direction in self.plan.directions.values():
            needed = bool(direction.missing) or self.request.retranslate_machine
            try:
                self._start(direction, needed)
            except ModelMissing as e:
                missing.append((direction, e))
        if missing:
            raise ModelMissing(no_model(missing))

    def _start(self, direction: Direction, needed: bool) -> None:
        s, t = direction.source, direction.target
        try:
            engine = create_engine(
                self.config,
                s,
                t,
                allow_download=self.request.allow_download and needed,
                progress=self._progress(f"{s}->{t} model"),
                load=needed,  # a model or device that cannot be used: reported before anything is written
            )
        except ModelMissing:
            if needed:
                raise
            return
        prepare = getattr(engine, "prepare", None)
        if needed and prepare is not None:
            prepare()  # a cluster: reached, checked and its model loaded before the run writes (ClusterError)
        direction.engine = engine
        direction.identity = ModelId(engine.name, engine.model, engine.model_version, settings_key(engine.settings))

    def _progress(self, label: str) -> Callable[[int, int | None], None] | None:
        report = self.progress
        return None if report is None else lambda done, total: report(label, done, total)

    def find_outdated(self) -> None:
        """With --retranslate-machine: what nothing holds from exactly this engine, model and settings."""
        for direction in self.plan.directions.values():
            direction.missing, direction.pieces = set(), set()
        for job in self.plan.jobs:
            doc = job.doc or parallel.load(parallel.Item(job.source, job.lang, job.lang), self.config)
            if isinstance(doc, InputError):
                continue  # reported when the article is translated
            for target in job.targets:
                self.missing(self.plan.directions[(job.lang, target)], job.source, doc)


def no_model(missing: list[tuple[Direction, ModelMissing]]) -> str:
    """One line naming every direction without a model, and what to do."""
    from pipeline.engines.package_files import DamagedPackage

    if any(isinstance(e, DamagedPackage) for _, e in missing):  # each says which folder and what is wrong
        return "; ".join(str(e) for _, e in missing)
    if len(missing) == 1:
        return f"{missing[0][1]}; or check layouts without a model: --engine pseudo"
    names = ", ".join(f"{d.source}->{d.target}" for d, _ in missing)
    return (
        f"no model is installed for {names}; install them with `pipeline models install` (downloads ~100 MB "
        f"each, once) or `pipeline models install FILE.argosmodel`; or check layouts without a model: --engine pseudo"
    )


WINDOW_BYTES = 400_000  # source text read, translated and written together
WINDOW_FILES = 200


def windows(jobs: list[Job]) -> Iterator[list[Job]]:
    """The jobs in windows of at most WINDOW_FILES articles and about WINDOW_BYTES of source."""
    window: list[Job] = []
    size = 0
    for job in jobs:
        if window and (size + job.size > WINDOW_BYTES or len(window) >= WINDOW_FILES):
            yield window
            window, size = [], 0
        window.append(job)
        size += job.size
    if window:
        yield window
