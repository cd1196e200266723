"""What a run of `pipeline translate` did, counted as it goes and said in one line at its end."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Stats:
    articles: int = 0  # translations written or confirmed (one article into one language)
    segments: int = 0  # sentences in those written that needed translating
    translated: int = 0  # distinct sentences the engine translated in this run
    reused: int = 0  # sentences that did not need the engine (repeats, records, memory, editors)
    flagged: int = 0  # sentences with a problem flag in the translations written (see flags.PROBLEMS)
    failed: int = 0  # input files that could not be translated (or whose outputs could not be written)
    unwritten: int = 0  # ...of which those whose outputs could not be written
    skipped: int = 0  # articles already in the target language, or without prose
    unchanged: int = 0  # translations whose source and outputs are as recorded: not even parsed
    seconds: float = 0.0
    flag_counts: Counter = field(default_factory=Counter)  # sentences per problem flag, in the translations written
    unchanged_flags: Counter = field(default_factory=Counter)  # ...in the unchanged ones ("": with any)

    def written(self, flagged: tuple[tuple[str, int], ...]) -> None:
        """One more translation written, with its flagged sentences per flag ("": with any)."""
        self.articles += 1
        for flag, n in flagged:
            if flag:
                self.flag_counts[flag] += n
        self.flagged += dict(flagged).get("", 0)

    @property
    def unchanged_flagged(self) -> int:
        return self.unchanged_flags.get("", 0)

    @property
    def all_flagged(self) -> int:
        """Flagged sentences in every translation this run wrote or confirmed (what --strict counts)."""
        return self.flagged + self.unchanged_flagged

    def line(self) -> str:
        """The run's work, then the unchanged translations apart (their flags were counted when they were written)."""
        kinds = ", ".join(f"{name} {n}" for name, n in sorted(self.flag_counts.items()))
        old = ", ".join(f"{name} {n}" for name, n in sorted(self.unchanged_flags.items()) if name)
        return (
            f"{self.articles} articles, {self.segments} segments "
            f"({self.translated} translated, {self.reused} reused), {self.flagged} flagged"
            + (f" ({kinds})" if kinds else "")
            + f", {self.failed} failed, {self.skipped} skipped"
            + (f", {self.unchanged} unchanged ({self.unchanged_flagged} flagged{': ' + old if old else ''})" if self.unchanged else "")
            + f" in {self.seconds:.1f} s"
        )
