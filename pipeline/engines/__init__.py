"""Engines behind one interface (base.Engine), by name in registry.py: argos (default; on a Ray
cluster with `cluster:`) and pseudo; pivot chains two argos ones; factory.create makes one."""
