"""The `pipeline` command: a thin layer that parses options and calls the library."""

from pipeline.cli.main import main

__all__ = ["main"]
