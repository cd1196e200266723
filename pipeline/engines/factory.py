"""Which engine a run gets: pseudo, argos (on a Ray cluster with `cluster:`), or a pivot of two."""

from __future__ import annotations

from collections.abc import Callable

from pipeline.core.config import Config
from pipeline.engines.base import Engine


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
    if config.engine == "pseudo":
        from pipeline.engines.pseudo import PseudoEngine

        return PseudoEngine(source_lang, target_lang)
    from pipeline.core.errors import ConfigError, ModelMissing
    from pipeline.core.languages import PIVOT
    from pipeline.engines import packages
    from pipeline.engines.argos import ArgosEngine

    a = config.argos

    def argos(path):
        if config.cluster:
            from pipeline.engines.cluster import RayEngine  # imports Ray only when a cluster is asked for

            return RayEngine(path, config)  # its actors load the model, not this process
        engine = ArgosEngine(path, a)
        if load:
            try:
                engine.load()
            except ConfigError as e:  # a device setting: named with its file, as config.load names the others
                raise ConfigError(f"{config.source}: {e}" if config.source else str(e)) from None
        return engine

    direct = packages.find(a, source_lang, target_lang)
    if direct is None and PIVOT not in (source_lang, target_lang):
        legs = ((source_lang, PIVOT), (PIVOT, target_lang))
        found = [packages.find(a, s, t) for s, t in legs]
        # pivot when both legs are here, or when the index (as last read) has no direct package
        if all(found) or (source_lang, target_lang) not in packages.cached_pairs(a):
            from pipeline.engines.pivot import PivotEngine

            try:
                chain = [f or packages.ensure(a, s, t, allow_download, progress) for f, (s, t) in zip(found, legs)]
            except ModelMissing as e:
                raise ModelMissing(
                    f"{source_lang}->{target_lang} has no direct package and goes through {PIVOT}: {e} "
                    f"(`pipeline models install {source_lang} {target_lang}` installs both legs)"
                ) from None
            return PivotEngine(*(argos(p.path) for p in chain))
    installed = direct or packages.ensure(a, source_lang, target_lang, allow_download, progress)
    return argos(installed.path)
