"""Offline Ukrainian <-> English translation of Markdown and text article folders."""

__version__ = "0.1.0"
