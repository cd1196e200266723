"""The benchmark model: an Argos-format en->uk package shaped like the official ones.

Transformer-base (6 encoder + 6 decoder layers, d_model 512, 8 heads, FFN 2048), a SentencePiece
vocabulary of up to 32k pieces trained on the shared uk/en texts, int8, RANDOM weights. It is
built with the test fixture ``tests.fixtures.argos_package.build_package`` (a genuine
.argosmodel, read by the Argos library and by the pipeline alike) and cached under bench/.cache/.

Random weights never emit end-of-sentence, so every arm forces the same output length; the
outputs are noise and must never be presented as translations.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CACHE = BENCH / ".cache"
DATA = REPO.parent / "shared" / "data"  # ../shared beside the checkout, as in CI

SHAPE = {"layers": 6, "d_model": 512, "heads": 8, "ffn": 2048}  # transformer-base
VOCAB_SIZE = 32000
QUANTIZATION = "int8"
TRAINING_SOURCES = ("wmt22", "ntrex128", "articles", "otel-blog")


def training_files() -> list[Path]:
    """The uk/en texts of the shared data (sources, references, articles, blog posts)."""
    files = []
    for name in TRAINING_SOURCES:
        for path in sorted((DATA / name).rglob("*")):
            if not path.is_file() or path.name.upper().startswith(("README", "LICENSE")):
                continue
            if path.suffix in (".en", ".uk", ".txt", ".md"):
                files.append(path)
    return files


def training_lines(files: list[Path]) -> list[str]:
    lines = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        lines.extend(line.strip() for line in text.splitlines() if line.strip())
    return lines


def _cache_key(files: list[Path]) -> str:
    h = hashlib.sha256()
    spec = {"shape": SHAPE, "vocab": VOCAB_SIZE, "quantization": QUANTIZATION, "pair": "en-uk"}
    h.update(json.dumps(spec, sort_keys=True).encode())
    h.update((REPO / "tests" / "fixtures" / "argos_package.py").read_bytes())  # the builder itself
    for path in files:
        h.update(str(path).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def package_file(log=print) -> Path:
    """The cached .argosmodel, built on first use (about a minute: SentencePiece and int8 weights)."""
    files = training_files()
    folder = CACHE / f"en_uk-{_cache_key(files)}"
    found = sorted(folder.glob("*.argosmodel"))
    if found:
        return found[0]
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tests.fixtures.argos_package import build_package

    log(f"building the benchmark package in {folder} (once) ...")
    shutil.rmtree(folder, ignore_errors=True)
    return build_package(
        folder,
        "en",
        "uk",
        training_lines(files),
        kind="random",
        vocab_size=VOCAB_SIZE,
        shape=SHAPE,
        quantization=QUANTIZATION,
    )


def install(archive: Path, packages_dir: Path):
    """Install into packages_dir through the pipeline's own installer; returns its InstalledPackage."""
    os.environ["ARGOS_PACKAGES_DIR"] = str(packages_dir)
    from pipeline.engines.argos_settings import ArgosConfig
    from pipeline.engines.packages import install_file

    return install_file(archive, ArgosConfig())


def vocabulary_size(package_path: Path) -> int:
    import sentencepiece as spm

    return spm.SentencePieceProcessor(model_file=str(package_path / "sentencepiece.model")).get_piece_size()
