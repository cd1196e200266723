"""Engines behind one interface (base.Engine): argos (default; on a Ray cluster with `cluster:`) and
pseudo; pivot chains two argos ones."""

from pipeline.engines.base import Engine, Translated
from pipeline.engines.factory import create

__all__ = ["Engine", "Translated", "create"]
