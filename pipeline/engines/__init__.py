"""Engines behind one interface (base.Engine): argos (default; on a Ray cluster with `cluster:`) and pseudo."""

from __future__ import annotations

from collections.abc import Callable

from pipeline.config import Config
from pipeline.engines.base import Engine, Translated

__all__ = ["Engine", "Translated", "create"]


def create(
    config: Config,
    source_lang: str,
    target_lang: str,
    *,
    allow_download: bool = True,
    progress: Callable[[int, int | None], None] | None = None,
) -> Engine:
    """An engine for one direction. For argos, the package must be installed or downloadable.

    Raises ModelMissing (before anything is written) when it is neither.
    """
    if config.engine == "pseudo":
        from pipeline.engines.pseudo import PseudoEngine

        return PseudoEngine(source_lang, target_lang)
    from pipeline import packages
    from pipeline.engines.argos import ArgosEngine

    installed = packages.ensure(config.argos, source_lang, target_lang, allow_download, progress)
    if config.cluster:
        from pipeline.engines.cluster import RayEngine  # imports Ray only when a cluster is asked for

        return RayEngine(installed.path, config)
    return ArgosEngine(installed.path, config.argos)
