"""Two engines in a row: X->en then en->Y, for a pair no package translates directly (as the Argos
library pivots). Each leg is batched by its own engine; the whole first leg runs before the second,
so each model sees every sentence of the run at once.

The chain is the model: ``model`` and ``model_version`` name both packages and versions, so a new
version of either leg makes these translations stale for --retranslate-machine.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pipeline.engines.base import Engine, Translated


class PivotEngine:
    def __init__(self, first: Engine, second: Engine):
        if first.target_lang != second.source_lang:
            raise ValueError(f"cannot chain {first.source_lang}->{first.target_lang} with {second.source_lang}->{second.target_lang}")
        self.legs = (first, second)
        self.name = first.name
        self.source_lang, self.target_lang = first.source_lang, second.target_lang
        self.model = f"{first.model}+{second.model}"
        self.model_version = f"{first.model_version}+{second.model_version}"
        # both legs run with the same argos settings; the pivot language is part of what shapes the output
        self.settings = {**first.settings, **second.settings, "pivot": first.target_lang}

    def prepare(self) -> None:
        """Each leg's set-up before the run writes (a cluster: reached and checked)."""
        for leg in self.legs:
            prepare = getattr(leg, "prepare", None)
            if prepare is not None:
                prepare()

    def translate(self, texts: Sequence[str]) -> Iterator[Translated]:
        first, second = self.legs
        middle = list(first.translate(texts))
        for m, out in zip(middle, second.translate([m.text for m in middle])):
            yield Translated(out.text, tuple(dict.fromkeys((*m.flags, *out.flags))))
