"""The workspace: the configuration and an output folder, opened once by every command (as each of
sqlite-utils' commands opens a Database), holding what they share: the sources, discovered once;
the record store; the memory; the writer; the output folder's lock.

What a project may touch is decided here. The project root is the folder of config.yaml, else the
top of the git checkout, else the working directory. Paths that come from files a pull request
changes (config.yaml's output folder, memory, glossary and source folders; the source folders
the records name) must lie inside the project; paths the user types on the command line may lie
anywhere.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pipeline.core import paths
from pipeline.core.config import Config, SubtitlesConfig
from pipeline.core.errors import ConfigError, InputError, OutputError
from pipeline.localize import glossary
from pipeline.store import fileio
from pipeline.store.fileio import FolderLock
from pipeline.store.memory import Memory
from pipeline.store.store import RecordStore
from pipeline.writer import Writer

RENDERING = "2"  # bump when the same translations would be written differently
MAX_GLOSSARY_BYTES = 5_000_000


def project_root(config: Config) -> Path:
    """The folder of config.yaml (or the root a library caller gave), else the top of the git
    checkout holding the working directory, else the working directory."""
    here = Path.cwd().resolve()
    if config.source or config.root and paths.resolved(config.root) != here:
        return paths.resolved(config.root)
    return next((folder for folder in (here, *here.parents) if (folder / ".git").exists()), here)


@dataclass
class Workspace:
    config: Config
    out: Path
    store: RecordStore
    root: Path  # the project root (real path)
    named: tuple[str, ...] = ()  # sources named on the command line
    _sources: tuple[list[paths.Source], list[InputError]] | None = field(default=None, repr=False)

    @classmethod
    def open(cls, config: Config, out: Path | str | None = None, named: Sequence[str] = ()) -> Workspace:
        """The workspace of this configuration. ``out`` from the command line may be anywhere; the
        configured one (and the memory, glossary and source folders) must be inside the project."""
        root = project_root(config)
        configured = {"output.dir": config.out_dir} if out is None else {}
        if config.memory_path is not None:
            configured["memory"] = config.memory_path
        if config.glossary_dir is not None:
            configured["glossary"] = Path(config.glossary_dir)
        configured.update({f"sources: {s}": config.at_root(s) for s in config.sources})
        for key, path in configured.items():
            # a link a pull request planted leads where it leads; the memory's own file is the
            # cache's business (Workspace.memory): a link there costs the cache, not check
            real = paths.resolved(path.parent) / path.name if key == "memory" else paths.resolved(path)
            if not real.is_relative_to(root):
                where = f"leads to {real}," if real != Path(os.path.abspath(path)) else "is"
                raise ConfigError(
                    f"{config.source or 'configuration'}: {key}: {path} {where} outside the project ({root}); name it on the command line"
                )
        allowed = [root, *(_folder(n) for n in named), *(paths.real(p) for p in config.source_roots)]
        out_dir = Path(out) if out is not None else config.out_dir
        return cls(config, out_dir, RecordStore(out_dir, allowed), root, tuple(named))

    # --- the sources, discovered once ----------------------------------------------------------------

    def sources(self, inputs: Sequence[str] | None = None) -> tuple[list[paths.Source], list[InputError]]:
        """The article files under the given files and folders (default: those named when the
        workspace was opened, else the source folders the output folder recorded), each with its
        identity, and one line per file or folder that cannot be read."""
        if inputs is None and self._sources is not None:
            return self._sources
        given = list(inputs if inputs is not None else self.named or self.recorded())
        paths.check_out_dir(given, self.out)
        roots = [*self.config.source_roots, *self.store.root_paths()]
        found = paths.discover(given, self.config.include, self.config.exclude, [self.out], roots)
        # once each, however often the store read sources.txt
        found[1].extend(InputError(p.partition(": ")[0], p.partition(": ")[2]) for p in dict.fromkeys(self.store.problems))
        self.store.problems.clear()
        if inputs is None:
            self._sources = found
        return found

    def recorded(self) -> list[str]:
        """The source folders config.yaml names and the output folder has recorded that exist: what
        `check`, `prune`, `review` and `export` look at when no sources are named. Named from the
        working directory when they are under it, so messages show short paths."""
        roots = [*(paths.real(p) for p in self.config.source_roots), *self.store.root_paths()]
        here = Path.cwd()
        return [os.path.relpath(r) if here in r.parents else str(r) for r in dict.fromkeys(roots) if r.is_dir()]

    # --- what the commands share -------------------------------------------------------------------

    @cached_property
    def fingerprint(self) -> str:
        """The settings that shape the outputs besides the translations: a record made under other
        ones is written again, even when its source did not change."""
        config = self.config
        gloss = config.glossary_dir
        glossaries = []
        for lang in sorted(config.languages):
            file = Path(gloss) / lang / glossary.FILE if gloss else None
            data = b""
            if file is not None and file.is_file():
                try:
                    data = fileio.read_bytes(file, str(file), MAX_GLOSSARY_BYTES, "")
                except InputError as e:
                    raise ConfigError(str(e)) from None
            glossaries.append(hashlib.sha256(data).hexdigest() if data else "")
        data_ = [
            RENDERING,
            config.front_matter_keys,
            sorted(config.locales.items()),
            config.output.article,
            config.output.bilingual,
            config.output.review_html,
            glossaries,
        ]
        if config.output.wrap:  # only when set, so the fingerprints of earlier runs stay valid
            data_.append("wrap")
        if config.subtitles != SubtitlesConfig():  # how cues are laid out (likewise only when set)
            data_.append(["subtitles", config.subtitles.max_line_chars, config.subtitles.max_lines, config.subtitles.max_cps])
        return hashlib.sha256(json.dumps(data_, sort_keys=True).encode()).hexdigest()[:16]

    def writer(self, protected: Sequence[Path] = ()) -> Writer:
        """The output folder's writer; protected: source files it must never write (default: the
        discovered sources)."""
        if not protected and self._sources is not None:
            protected = [paths.real(s.path) for s in self._sources[0]]
        return Writer(self.store, self.config, self.fingerprint, protected)

    def lock(self) -> FolderLock:
        return FolderLock(self.out)

    def memory(self, dry_run: bool = False) -> Memory | None:
        """The memory, refilled from the records. One that does not exist yet is built in RAM (a
        run writes it to disk only once it is sure to write, see Memory.persist); a dry run reads the
        memory and writes nothing."""
        path = self.config.memory_path
        if path is None:
            return None
        if path.is_symlink():  # never written or read through: it is a cache, nobody links it on purpose
            raise OutputError(
                f"{path}: the translation memory cannot be used: it is a symbolic link; remove it (it is rebuilt from the records)"
            )
        memory = Memory(path) if path.exists() and not dry_run else Memory(None)
        if memory.path is None and path.exists():
            memory.copy_from(path)
        memory.sync(self.store)
        return memory


def _folder(named: str) -> Path:
    real = paths.real(named)
    return real if os.path.isdir(real) else real.parent
