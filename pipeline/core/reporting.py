"""What a run tells its user, as an interface: the library says nothing by default; the CLI prints
(cli.common.ClickReporter) and the review app collects errors."""

from __future__ import annotations


class Reporter:
    """What a run tells its user. The default says nothing; the CLI prints."""

    def error(self, message: str) -> None: ...

    def notice(self, message: str) -> None: ...

    def output(self, message: str) -> None:
        """A line of the command's own result (a dry run's plan): stdout in the CLI."""

    def begin(self, total: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def end(self) -> None: ...

    def download(self, label: str, done: int, total: int | None) -> None: ...
