"""Which engine a run gets: the one config.yaml's `engine:` names, made by the `create` of its
registered module (engines/registry.py); that module is imported only now."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from pipeline.core.config import Config
from pipeline.engines.base import Engine
from pipeline.engines.registry import ENGINES


def create(
    config: Config,
    source_lang: str,
    target_lang: str,
    *,
    allow_download: bool = True,
    progress: Callable[[int, int | None], None] | None = None,
    load: bool = False,
) -> Engine:
    """An engine for one direction. For argos, the package must be installed or downloadable.

    Raises ModelMissing (before anything is written) when it is neither, DamagedPackage (a
    ModelMissing) when it is damaged. With ``load``, the model is loaded now rather than at the
    first batch (a run that will translate: a model or device CTranslate2 cannot use is then
    reported before anything is written; ConfigError for a device setting).
    """
    module = importlib.import_module(ENGINES[config.engine].module)
    engine: Engine = module.create(config, source_lang, target_lang, allow_download=allow_download, progress=progress, load=load)
    return engine
