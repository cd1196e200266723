"""The argos engine's side of its registry line (engines/registry.py), light to import: its
config.yaml section (`argos:`, ArgosConfig) and which directions it can do (``pairs``).

Kept apart from engines/argos.py, which decodes, so that reading the configuration or checking a
language code (`--help`, `check`) imports no more than this; the package code (engines/packages.py)
is imported only when a language is asked about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.core.config import bounded, shown

if TYPE_CHECKING:
    from pipeline.core.config import Config

NAME = "argos"
# The official packages, which `translate` downloads on first use: usable before any is installed.
OFFICIAL = {("en", "uk"), ("uk", "en")}
# What CTranslate2 accepts as compute_type; which of them a device supports is known only there
# (checked when the model loads: engines/argos.py).
COMPUTE_TYPES = ("default", "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16", "bfloat16", "float32")
MAX_DEVICE_INDEX = 1023


@dataclass(frozen=True)
class ArgosConfig:
    packages_dir: str | None = None  # else $ARGOS_PACKAGES_DIR, else the Argos library's default
    package_index: str | None = None  # else $ARGOS_PACKAGE_INDEX, else the official argospm index
    auto_download: bool = True  # install a missing official package on first use
    device: str = "cpu"  # cpu | cuda | auto (cuda when CTranslate2 sees a CUDA device, else cpu)
    device_index: tuple[int, ...] = (0,)  # which device(s): 0, or a list of CUDA devices such as [0, 1]
    compute_type: str = "int8"  # one of COMPUTE_TYPES
    # Ranges below: what CTranslate2 survives on a transformer-base model (bench/limits.py ct2).
    beam_size: int = bounded(2, 1, 16)  # time and memory grow with it; the Argos library uses 4
    # 0: as many as there are cores. Each is a model replica with its own buffers: 64 x 64
    # threads still ran, 3,000 replicas took 34 s and 6.2 GB just to load.
    inter_threads: int = bounded(0, 0, 64)
    intra_threads: int = bounded(1, 0, 64)  # 0: CTranslate2's default
    # measured (bench/): as fast as 2048 at beam 2, ~40% less peak memory. At the top of the range
    # a batch at beam 16 peaked at 2.3 GB; 10^15 makes CTranslate2 fail to allocate.
    max_batch_tokens: int = bounded(1024, 1, 16_384)
    length_penalty: float = bounded(0.2, 0.0, 5.0)  # as the Argos library decodes; beyond ~2 only length counts
    repetition_penalty: float = bounded(1.0, 1.0, 10.0)  # below 1 would reward repeating
    no_repeat_ngram_size: int = bounded(0, 0, 64)  # 0: off; longer n-grams never repeat in a sentence
    # A model that loops must not write forever: at most ratio * source tokens + extra.
    max_length_ratio: float = bounded(2.0, 0.5, 10.0)
    max_length_extra: int = bounded(16, 1, 1024)
    # benchmarks only: decode exactly this many tokens (random weights never stop)
    force_length: int = bounded(0, 0, 1024)
    # Bounds on what comes from the network or a package file (official: a ~120 MB download that
    # unpacks to ~150 MB). The index is held in memory; the others are streamed to disk.
    max_download_bytes: int = bounded(1_000_000_000, 1, 10_000_000_000)
    max_index_bytes: int = bounded(20_000_000, 1, 100_000_000)
    max_unpacked_bytes: int = bounded(1_000_000_000, 1, 10_000_000_000)

    def problems(self) -> str | None:
        """What config.load checks beyond types and ranges: `key: why`, or None. Which device and
        compute type CTranslate2 can use here is checked when the model loads (argos.device_for)."""
        if self.device not in ("cpu", "cuda", "auto"):
            return f"device: {shown(self.device)} is not cpu, cuda or auto"
        indices = self.device_index
        if not indices or len(set(indices)) != len(indices) or not all(0 <= i <= MAX_DEVICE_INDEX for i in indices):
            return f"device_index: expected a device number (0 to {MAX_DEVICE_INDEX}) or a list of different ones"
        if self.compute_type not in COMPUTE_TYPES:
            return f"compute_type: {self.compute_type!r} is not one of {', '.join(COMPUTE_TYPES)}"
        return None


def of(config: Config) -> ArgosConfig:
    """The argos section of a configuration, typed."""
    settings: ArgosConfig = config.section(NAME)
    return settings


def pairs(config: Config, refresh: bool = False) -> set[tuple[str, str]]:
    """The languages hook: directions a package exists for, installed or indexed (the index as
    last cached, so validating needs no network), plus the official two. ``refresh``: the index
    read again first, when it can be reached (a code was refused with the cached one)."""
    from pipeline.core.errors import PipelineError
    from pipeline.engines import packages

    argos = of(config)
    if refresh:
        try:
            packages.fetch_index(argos)
        except PipelineError:
            pass  # unreachable: what was cached is all there is
    found = {(p.from_code, p.to_code) for p in packages.installed(argos)}
    found.update(packages.cached_pairs(argos))
    return found | OFFICIAL
