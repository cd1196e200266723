"""The one writer of the output folder: translate, adopt, import, review and export all write
through it, so every safety rule holds for every command.

Before anything is written for an article, each of its outputs is checked: a file of the output
folder (no climbing out, no symbolic link on its way, never the records), not a source file, not
inside its source folder, not written twice in one run, and either absent, empty, or exactly what
the pipeline wrote there before (a person's edit is never overwritten); an output path belongs to
one source article, so a second article claiming it is refused while the first one's source
exists. Then the article is committed in the crash-safe order: pending record, outputs (their
folders flushed), sidecar, record; an interruption anywhere leaves a state the next run
recognises. Files whose bytes would not change are not touched. A file that cannot be written
costs its article (InputError); a full or read-only disk stops the batch (OutputError).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.assemble import alignment_json, review_html
from pipeline.core import flags, paths
from pipeline.core.config import Config
from pipeline.core.document import TranslatedDocument
from pipeline.core.errors import ExitStatus, InputError, OutputError
from pipeline.core.hashes import file_sha256
from pipeline.core.identity import ModelId
from pipeline.store import durable, fileio, files, records, sidecar
from pipeline.store.layout import ATTRIBUTES, Layout
from pipeline.store.records import Record, Sentence, Stored
from pipeline.store.store import RecordStore

Data = str | bytes
MAX_OUTPUT_BYTES = records.MAX_RECORD_BYTES  # an existing output larger than this cannot be one we wrote


@dataclass(frozen=True)
class Translation:
    """What one article into one language writes: its translated document and what its record keeps."""

    source: paths.Source
    td: TranslatedDocument
    blocks: tuple[tuple[str, tuple[Sentence, ...]], ...]
    pieces: tuple[Sentence, ...]
    model: ModelId  # what the outputs name as their engine
    stored: Stored  # the article's record as the output folder held it
    translator: tuple[Path, bytes] | None = None  # adopt: where the translator's file goes, and its bytes


def flagged(td: TranslatedDocument) -> tuple[tuple[str, int], ...]:
    """Sentences per problem flag that still counts (flags.counting); under "" the sentences with any."""
    counts: Counter = Counter()
    for sentence in (s for b in td.blocks for s in b.sentences):
        problems = flags.counting(sentence.flags, sentence.acks)
        counts[""] += bool(problems)
        counts.update(problems)
    return tuple(sorted((k, v) for k, v in counts.items() if v))


class Writer:
    def __init__(self, store: RecordStore, config: Config, fingerprint: str, protected: Iterable[Path] = ()):
        self.store, self.config, self.fingerprint = store, config, fingerprint
        self.out = store.out
        self.layout: Layout = store.layout
        self.protected = set(protected)  # the sources (real paths): never written
        self.written: dict[Path, str] = {}  # outputs (resolved) of this run -> the article that wrote them
        self.cleaned: set[Path] = set()  # folders whose leftover temporary files were removed
        self.roots: set[str] | None = None

    # --- one article ---------------------------------------------------------------------------------

    def write(self, t: Translation) -> tuple[Path, Record]:
        """Check and commit one article's outputs and record; returns the record and its file.
        InputError: this article cannot be written (the batch goes on)."""
        (result,) = self.write_all([t])
        if isinstance(result, InputError):
            raise result
        return result

    def dry_run(self, t: Translation) -> None:
        """Every check write() makes, with nothing written: InputError if the article could not be."""
        at = paths.Resolver()
        self.check(t, self.outputs(t, at), at)

    def write_all(self, ts: Sequence[Translation]) -> list[tuple[Path, Record] | InputError]:
        """Check and commit the articles of a window together (one flush per step of the crash-safe
        order for all of them, see commit_all). Per article: its record file and record, or the
        InputError that cost it (the others are written). A full or read-only disk raises OutputError."""
        results: list[tuple[Path, Record] | InputError] = []
        ready: list[tuple[int, Translation, Record, dict[Path, Data], list[Path]]] = []
        for t in ts:
            at = paths.Resolver()  # the article's paths, their folders' links resolved once, afresh per article
            try:
                outputs = self.outputs(t, at)
                self.check(t, outputs, at)
                outputs = {p: _encoded(d) for p, d in outputs.items()}  # once: hashed, compared and written as bytes
                record = self._record(t, outputs, at)
                try:
                    self.remember_root(record.root)
                except OutputError as e:
                    raise _cost(t, e) from None
            except InputError as e:
                results.append(e)
                continue
            claimed = [at.resolved(path) for path in outputs]  # now: a later article of the window may not write them too
            self.written.update(dict.fromkeys(claimed, t.source.shown))
            ready.append((len(results), t, record, outputs, claimed))
            results.append(InputError(t.source.shown, "not written"))  # replaced below
        done = self.commit_all([(record, outputs) for _, _, record, outputs, _ in ready])
        for (i, t, record, _, claimed), outcome in zip(ready, done, strict=True):
            try:
                if isinstance(outcome, OutputError):
                    raise outcome
                self._forget_legacy(record)
                results[i] = (self.layout.record(record.target_lang, record.rel), record)
            except OutputError as e:
                for path in claimed:
                    self.written.pop(path, None)
                results[i] = _cost(t, e)
        return results

    def outputs(self, t: Translation, at: paths.Resolver) -> dict[Path, Data]:
        """The article's output files and their bytes, from the output templates (its paths resolved by at)."""
        source, td, template = t.source, t.td, self.config.output
        src, tgt = td.document.source_lang, td.target_lang
        article = paths.output_path(self.out, template.article, source, src, tgt, at=at)
        previous = t.stored.latest
        if previous is not None and previous.fingerprint == self.fingerprint and previous.article in dict(previous.outputs):
            if previous.article != self.layout.rel(article):  # an adopted translation paired by a front matter key stays where it is...
                self._check_kept_at(t, previous.article)
            article = self.out / previous.article
        data: Data = td.text
        if t.translator is not None:
            article, data = t.translator
        elif previous is not None and previous.adopted and previous.source_sha256 == td.document.sha256:
            data = _adopted(self.layout, previous, article, data)
        outputs: dict[Path, Data] = {article: data}
        outputs[paths.output_path(self.out, template.bilingual, source, src, tgt, ".json", at)] = alignment_json.render(td)
        if template.review_html:
            outputs[paths.output_path(self.out, template.bilingual, source, src, tgt, ".html", at)] = review_html.render(td)
        return outputs

    def _check_kept_at(self, t: Translation, article: str) -> None:
        """...unless that file is another article's: a record (which a pull request may change) cannot
        lead one article's translation over another's."""
        others = [o for o in self.store.owners(article) if o != (t.td.target_lang, t.source.rel)]
        if others:
            raise InputError(
                t.source.shown,
                f"its record names {article} as its translation, which is the output of {others[0][1]} (into {others[0][0]}); "
                "not written (restore the record with git, or give the articles distinct paths)",
            )

    def check(self, t: Translation, outputs: Mapping[Path, Data], at: paths.Resolver) -> None:
        """Every rule an output must keep before anything of the article is written (InputError)."""
        source = t.source
        self._check_claim(t, at)
        in_place = at.real(self.out).is_relative_to(source.root)  # the output folder inside the sources: skipped when reading
        ours = t.stored.ours()
        checked: set[str] = set()  # the folders of its outputs found no link
        for path, data in outputs.items():
            rel = self.layout.rel(path)
            try:
                self.layout.inside(rel, checked)
            except ValueError as e:
                raise InputError(source.shown, f"output {rel}: {e}; not written") from None
            real = at.real(path)
            if real in self.protected:
                raise InputError(source.shown, f"refusing to overwrite the source file {path}")
            if real.is_relative_to(source.root) and not in_place and t.translator is None:
                raise InputError(source.shown, f"{path} would be written inside its source folder; change output templates")
            resolved = at.resolved(path)
            if resolved in self.written:
                raise InputError(source.shown, f"{path} is also the output of {self.written[resolved]}; give the articles distinct paths")
            edited = self._edited(path, rel, ours, data)
            if edited:
                raise InputError(source.shown, f"{path} {edited}")

    def _check_claim(self, t: Translation, at: paths.Resolver) -> None:
        """An output path belongs to one source article: another article with the same path inside
        another source folder may not take its record and outputs while it exists."""
        previous = t.stored.latest
        if previous is None or previous.legacy or previous.root == paths.relative_root(t.source.root, self.out, at):
            return
        other = self.store.source_of(previous)
        if other is not None and other.exists():
            record = self.layout.record(previous.target_lang, previous.rel)
            raise InputError(
                t.source.shown,
                f"{previous.article} is the translation of {paths.shown(str(other))} (see {record}), another article with the same "
                "path in another source folder; not written (give it another --out or output.article template)",
            )

    def _edited(self, path: Path, rel: str, ours: dict[str, set[str]], new: Data) -> str:
        """Nothing a person wrote is overwritten: an existing output must be what the pipeline wrote
        (before, or in an interrupted run), exactly what it is about to write, or empty. Why not, or ""."""
        try:
            os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            return ""  # the write reports a file in the way
        except OSError as e:
            return f"cannot be read ({e.strerror or e}); not overwritten"
        try:
            data = fileio.read_bytes(path, str(path), MAX_OUTPUT_BYTES, "", follow=False)
        except InputError as e:  # "is not a regular file (a FIFO)", "is too large (...)", "cannot read: ..."
            return f"{e.reason if e.reason.startswith('cannot') else 'is ' + e.reason}; not overwritten"
        raw = new.encode("utf-8") if isinstance(new, str) else new
        if not data.strip() or data == raw or file_sha256(data) in ours.get(rel, ()):
            return ""
        hint = "move it away, or bring edits back with `pipeline import`"
        if rel in ours:
            return f"was changed by hand since the pipeline wrote it; not overwritten ({hint})"
        owner = self.store.owner(rel)
        if owner is not None:
            return f"is the output of {owner[1]} (into {owner[0]}); give the articles distinct paths"
        return f"exists and was not written by the pipeline; not overwritten ({hint})"

    def _record(self, t: Translation, outputs: Mapping[Path, Data], at: paths.Resolver) -> Record:
        td, source = t.td, t.source
        sums = tuple((self.layout.rel(p), file_sha256(_encoded(d))) for p, d in outputs.items())
        previous = t.stored.latest
        # the article is the translator's file: adopted now, or kept as adopted (see _adopted)
        adopted = t.translator is not None or (previous is not None and previous.adopted and sums[0] in previous.outputs)
        return Record(
            root=paths.relative_root(source.root, self.out, at),
            rel=source.rel,
            source_lang=td.document.source_lang,
            target_lang=td.target_lang,
            source_sha256=td.document.sha256,  # the bytes that were translated, not the file as it is now
            article=sums[0][0],
            blocks=t.blocks,
            outputs=sums,
            model=t.model,
            fingerprint=self.fingerprint,
            pieces=t.pieces,
            flagged=flagged(td),
            adopted=adopted,
        )

    # --- the crash-safe order --------------------------------------------------------------------------

    def commit(self, record: Record, outputs: Mapping[Path, Data]) -> bool:
        """Write one article's outputs and record (see commit_all); whether anything was written."""
        (outcome,) = self.commit_all([(record, outputs)])
        if isinstance(outcome, OutputError):
            raise outcome
        return outcome

    def commit_all(self, items: Sequence[tuple[Record, Mapping[Path, Data]]]) -> list[bool | OutputError]:
        """Write articles' outputs and records in the crash-safe order, each step for all of them:
        the pending records, the outputs that changed, the sidecars and records; then the pending
        records go. Files whose bytes would not change are not touched. Per article: whether
        anything was written, or the OutputError that stopped it (a pending record it left is
        completed by the next run). A full or read-only disk raises, what was staged removed."""
        records_at = [self.layout.record(record.target_lang, record.rel) for record, _ in items]
        steps = [_steps(record, at, outputs) for (record, outputs), at in zip(items, records_at)]
        self.clean(p.parent for (_, outputs), at in zip(items, records_at) for p in (*outputs, at))  # before anything is staged
        with durable.Batch(self.out) as batch:
            outcomes = _Progress(batch, [bool(s) for s in steps]).run(steps)
            for at, outcome in zip(records_at, outcomes, strict=True):
                if not isinstance(outcome, OutputError):
                    batch.remove(Layout.pending(at))  # after the last flush, through the folders the batch holds open
        return outcomes

    def pending(self, record: Record) -> None:
        """A record made durable before its outputs are rewritten (an import's corrections)."""
        self.put(Layout.pending(self.layout.record(record.target_lang, record.rel)), records.dump(record, inline=True))

    def put(self, path: Path, data: Data, sync_folder: bool = True) -> None:
        """One file of the output folder, atomically, never through a symbolic link."""
        fileio.write_atomic(path, data, sync_folder=sync_folder, root=self.out)

    def remove(self, path: Path) -> bool:
        return fileio.remove_within(self.out, path)

    def clean(self, folders: Iterable[Path]) -> None:
        """Temporary files interrupted runs left, once per folder and run (a folder can hold thousands)."""
        todo = set(folders) - self.cleaned
        fileio.clean_temp(todo, self.out)
        self.cleaned |= todo

    # --- the store's own files ---------------------------------------------------------------------

    def remember_root(self, root: str) -> None:
        """sources.txt lists the source folders; .gitattributes merges it and the sidecars by union.
        Lines of the user's own in .gitattributes are kept."""
        if self.roots is None:
            self.roots = set(self.store.roots())
        if root in self.roots and self.layout.gitattributes.exists():
            return
        self.roots.add(root)
        listing = "".join(f"{r}\n" for r in sorted(self.roots))
        if not fileio.same_content(self.layout.sources_file, listing):
            self.put(self.layout.sources_file, listing)
        attributes = _with_attributes(self.layout)
        if attributes is not None:
            self.put(self.layout.gitattributes, attributes)

    def _forget_legacy(self, record: Record) -> None:
        legacy = self.layout.legacy(record.target_lang, record.rel)
        if legacy.is_file() and not legacy.is_symlink():
            self.remove(legacy)


def _adopted(layout: Layout, previous: Record, article: Path, rendered: Data) -> Data:
    """A translator's file is kept as written while its source is unchanged: the pipeline's
    rendering of the same sentences would rewrite what the translator wrote."""
    try:
        data = fileio.read_bytes(article, str(article), MAX_OUTPUT_BYTES, "", follow=False)
    except InputError:
        return rendered
    ours = dict(previous.outputs).get(layout.rel(article))
    return data if ours == file_sha256(data) else rendered


def _with_attributes(layout: Layout) -> str | None:
    """records/.gitattributes with the lines the pipeline needs added (the user's kept), or None
    when it has them all."""
    try:
        present = files.read_file(layout.gitattributes, sidecar.MAX_SUMS_BYTES) or ""
    except files.Damaged:
        present = ""
    lines = present.splitlines()
    missing = [line for line in ATTRIBUTES if line not in (x.strip() for x in lines)]
    return "".join(f"{line}\n" for line in [*lines, *missing]) if missing else None


def _steps(record: Record, record_path: Path, outputs: Mapping[Path, Data]) -> tuple[dict[Path, Data], ...]:
    """What one article's commit writes, step by step; () when every file already holds its bytes."""
    changed = {p: data for p, data in outputs.items() if not fileio.same_content(p, data)}
    pending, committed = (_encoded(d) for d in records.dump_both(record))  # once: compared and written as bytes
    last: dict[Path, Data] = {
        p: data
        for p, data in ((Layout.sums(record_path), _encoded(sidecar.dump(record))), (record_path, committed))
        if not fileio.same_content(p, data)
    }
    if not (changed or last):
        return ()
    return ({Layout.pending(record_path): pending}, changed, last)


def _encoded(data: Data) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def _cost(t: Translation, e: OutputError) -> InputError:
    """A failed write costs its article; a full or read-only disk (raised again) the batch."""
    if e.errno in fileio.DEVICE_ERRORS:
        raise e
    return InputError(t.source.shown, f"not written: {e}", ExitStatus.OUTPUT_ERROR)


class _Progress:
    """Where each article of a commit_all stands: the files it has staged, and what stopped it.

    Each step's files are staged (temporary files, not flushed), the file system is flushed once,
    then they are renamed into place; the next step's flush makes those names durable before
    anything of that step is renamed, and a last flush ends the commit. So a record never names
    outputs whose bytes or names could be lost, and an output never replaces a file before the
    pending record that lets the next run recognise it is durable (store/durable.py)."""

    def __init__(self, batch: durable.Batch, outcomes: list[bool | OutputError]):
        self.batch, self.outcomes = batch, outcomes
        self.staged: list[list[durable.Staged]] = [[] for _ in outcomes]

    def run(self, steps: Sequence[tuple[dict[Path, Data], ...]]) -> list[bool | OutputError]:
        try:
            for k in range(3):
                for i, article_steps in enumerate(steps):
                    if article_steps:
                        self.stage(i, article_steps[k])
                self.batch.flush()  # this step's bytes, and the names the step before published
                for i in range(len(steps)):
                    self.publish(i)
            self.batch.flush()  # the records' names
        except OutputError:  # the disk is full or read-only: no temporary file stays
            self.discard_all()
            raise
        return self.outcomes

    def stage(self, i: int, files: Mapping[Path, Data]) -> None:
        if isinstance(self.outcomes[i], OutputError):
            return
        try:
            for path, data in files.items():
                self.staged[i].append(self.batch.stage(path, data))
        except OutputError as e:
            self._stop(i, e)

    def publish(self, i: int) -> None:
        try:
            while self.staged[i]:
                self.batch.publish(self.staged[i][0])
                self.staged[i].pop(0)
        except OutputError as e:
            self._stop(i, e)

    def _stop(self, i: int, e: OutputError) -> None:
        """One article's write failed: its other staged files go; a full or read-only disk stops all."""
        if e.errno in fileio.DEVICE_ERRORS:
            raise e
        self.outcomes[i] = e
        for f in self.staged[i]:
            self.batch.discard(f)
        self.staged[i] = []

    def discard_all(self) -> None:
        for staged in self.staged:
            for f in staged:
                self.batch.discard(f)
        self.staged = [[] for _ in self.outcomes]
