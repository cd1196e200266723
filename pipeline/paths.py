"""Which files to translate, and where their outputs go (never outside the output folder)."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline.errors import InputError


@dataclass(frozen=True)
class Source:
    path: Path  # the file
    root: Path  # the folder it was found in (a file given directly: its folder)
    rel: str  # POSIX path inside root, used in output paths and shown to the user
    shown: str  # how the user named it, for messages


def discover(
    inputs: list[str], include: tuple[str, ...], exclude: tuple[str, ...], skip: list[Path] = ()
) -> tuple[list[Source], list[InputError]]:
    """Article files under the given files and folders, in a stable order.

    Hidden folders, folders in ``skip`` (the output folder) and symbolic links that lead outside
    the folder being read are passed over; the links are reported.
    """
    found: list[Source] = []
    errors: list[InputError] = []
    skipped = {p.resolve() for p in skip}
    for given in inputs:
        path = Path(given)
        if path.is_file():
            found.append(Source(path, path.parent, path.name, given))
            continue
        if not path.is_dir():
            errors.append(InputError(given, "no such file or folder"))
            continue
        root = path.resolve()
        for folder, dirs, files in os.walk(path):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (here / d).resolve() not in skipped)
            for name in sorted(files):
                file = here / name
                rel = file.relative_to(path).as_posix()
                if not any(fnmatch.fnmatch(name, p) for p in include) or any(
                    fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) for p in exclude
                ):
                    continue
                shown = str(Path(given) / rel)
                if file.is_symlink() and not file.resolve().is_relative_to(root):
                    errors.append(InputError(shown, "symbolic link to a file outside the source folder; skipped"))
                    continue
                found.append(Source(file, path, rel, shown))
    return found, errors


def output_path(out_dir: Path, template: str, source: Source, source_lang: str, target_lang: str, suffix: str = "") -> Path:
    """Fill an output template; refuses any result that would leave the output folder."""
    rel = PurePosixPath(source.rel)
    parent = rel.parent.as_posix()
    filled = template.format(
        target=target_lang,
        source=source_lang,
        path=rel.as_posix(),
        dir="" if parent == "." else parent,
        stem=rel.stem,
        ext=rel.suffix,
    )
    parts = [p for p in filled.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or ".." in parts or PurePosixPath(filled).is_absolute():
        raise InputError(source.shown, f"output path {filled!r} would leave the output folder")
    result = out_dir.joinpath(*parts)
    result = result.with_name(result.name + suffix)
    if not result.resolve().is_relative_to(out_dir.resolve()):
        raise InputError(source.shown, f"output path {result} leads outside the output folder")
    return result
