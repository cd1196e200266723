"""Exit statuses and the errors a user sees, defined once."""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    OK = 0
    FILES_FAILED = 1  # some inputs could not be translated; the others were
    USAGE = 2  # bad command line or configuration (click uses 2 as well)
    NO_MODEL = 3  # a needed model is not installed and was not downloaded; nothing written
    PROBLEMS = 4  # --strict: everything was translated, but some segments were flagged
    NOT_FRESH = 5  # check: some translations are stale, missing, orphaned or need review
    OUTPUT_ERROR = 6  # outputs or the translation memory could not be written
    BUSY = 7  # another run holds the output folder's or the memory's lock
    CLUSTER = 8  # the Ray cluster is unreachable, lacks what the run needs, or was lost; decoded work is kept
    INTERNAL = 70  # a bug: one line on stderr, the traceback with PIPELINE_DEBUG=1
    INTERRUPTED = 130  # Ctrl-C; finished files are kept, nothing is half-written

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_MEANINGS = {
    ExitStatus.OK: "success",
    ExitStatus.FILES_FAILED: "some input files failed; the others were written",
    ExitStatus.USAGE: "bad command line or configuration",
    ExitStatus.NO_MODEL: "no model for a needed direction, and none downloaded (nothing written)",
    ExitStatus.PROBLEMS: "with --strict: some segments were flagged (numbers, glossary, markup)",
    ExitStatus.NOT_FRESH: "check: some translations are stale, missing, orphaned or need review",
    ExitStatus.OUTPUT_ERROR: "an output file or the translation memory could not be written",
    ExitStatus.BUSY: "another run is writing the same output folder or translation memory",
    ExitStatus.CLUSTER: "the Ray cluster is unreachable, cannot run the model, or was lost (decoded sentences are kept)",
    ExitStatus.INTERNAL: "internal error (a bug; PIPELINE_DEBUG=1 shows the traceback)",
    ExitStatus.INTERRUPTED: "interrupted",
}


def exit_status_help() -> str:
    """The table shown in --help and the README."""
    return "\n".join(f"{int(s):>4}  {s.meaning}" for s in ExitStatus)


class PipelineError(Exception):
    """An error reported to the user as one line, with the exit status it implies."""

    status = ExitStatus.USAGE

    def __init__(self, message: str, status: ExitStatus | None = None):
        super().__init__(message)
        if status is not None:
            self.status = status


class ConfigError(PipelineError):
    status = ExitStatus.USAGE


class ModelMissing(PipelineError):
    status = ExitStatus.NO_MODEL


class ClusterError(PipelineError):
    """The cluster (--cluster) cannot do the run: an environment problem, not a bug."""

    status = ExitStatus.CLUSTER


class OutputError(PipelineError):
    status = ExitStatus.OUTPUT_ERROR
    errno: int | None = None  # of the OSError behind it: a full disk stops a batch, one locked file costs one article


class InputError(PipelineError):
    """One input file cannot be translated; the batch goes on without it."""

    status = ExitStatus.FILES_FAILED

    def __init__(self, path: str, reason: str, status: ExitStatus | None = None):
        # status OUTPUT_ERROR: its output could not be written; the batch still goes on without it
        super().__init__(f"{path}: {reason}", status)
        self.path = path
        self.reason = reason


def worst(statuses) -> ExitStatus:
    """The exit status of a batch whose articles failed with these statuses: an output that could not
    be written (6) says more than an input that could not be read (1)."""
    found = set(statuses)
    return ExitStatus.OUTPUT_ERROR if ExitStatus.OUTPUT_ERROR in found else ExitStatus.FILES_FAILED
