"""Every flag a segment or block can carry, with what it tells a reviewer, and which of them
still count once an editor acknowledged them. Defined once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.core.hashes import text_hash

PLACEHOLDER_RESTORED = "placeholder-restored"
MARKUP_SPLIT = "markup-split"
DECODING_CAPPED = "decoding-capped"
TARGET_LANGUAGE = "already-target-language"
OTHER_LANGUAGE = "other-language"
UNSUPPORTED_MARKUP = "unsupported-markup"
STALE_REVIEW = "stale-review"
NUMBER_MISSING = "number-missing"
NUMBER_CHANGED = "number-changed"
NUMBER_UNPARSED = "number-unparsed"
GLOSSARY = "glossary"
ALIGNMENT_UNCERTAIN = "alignment-uncertain"
READING_SPEED = "reading-speed"

MEANINGS = {
    PLACEHOLDER_RESTORED: "the engine dropped code, a link or a number; it was put back at the end of the sentence",
    MARKUP_SPLIT: "the engine lost the tags around emphasis or a link; the pieces were translated separately",
    DECODING_CAPPED: "the output reached the length cap (the model was probably repeating itself)",
    TARGET_LANGUAGE: "the block is already in the target language and was kept as it is",
    OTHER_LANGUAGE: "the block is in a language other than the article's and the target; it was kept as it is, untranslated",
    UNSUPPORTED_MARKUP: "the block could not be located in the source and was kept as it is",
    STALE_REVIEW: "the source changed after an editor corrected this sentence: machine translation again, the editor's version is the suggestion",
    NUMBER_MISSING: "the engine lost a number, date or amount of the source (it was put back at the end of the sentence)",
    NUMBER_CHANGED: "the engine wrote a number that is not in the source",
    NUMBER_UNPARSED: "a number or date could not be read safely (too large, impossible, mixed separators): left as written",
    GLOSSARY: "a glossary term is not translated the way the glossary says",
    ALIGNMENT_UNCERTAIN: "an existing translation's sentence, adopted without confidence that it is this sentence's translation",
    READING_SPEED: "a subtitle cue's translation cannot be read in the cue's time at subtitles.max_cps characters a second, or does not fit its lines: shorten it",
}

# Flags that mean the translation needs a reviewer's eye (--strict fails on them).
PROBLEMS = frozenset(
    {
        PLACEHOLDER_RESTORED,
        MARKUP_SPLIT,
        DECODING_CAPPED,
        UNSUPPORTED_MARKUP,
        STALE_REVIEW,
        NUMBER_MISSING,
        NUMBER_CHANGED,
        NUMBER_UNPARSED,
        GLOSSARY,
        ALIGNMENT_UNCERTAIN,
        OTHER_LANGUAGE,
        READING_SPEED,
    }
)


@dataclass(frozen=True)
class Ack:
    """An editor's "checked, it is right" for one flag of one sentence, kept in its record."""

    flag: str
    target: str  # target_key of the translation it was given for: another translation re-opens it
    by: str
    at: str  # ISO 8601, UTC


def target_key(target: str) -> str:
    """A translation (placeholder form) as acknowledgements and exchange ids name it: white space
    that tools rewrap does not count."""
    return text_hash(" ".join(target.split()))[:8]


def holding(acks: Iterable[Ack], target: str | None) -> tuple[Ack, ...]:
    """The acknowledgements that still hold for this translation: an edit of the target re-opens
    them (an edit of the source makes another sentence, which has none)."""
    if target is None:
        return ()
    key = target_key(target)
    return tuple(a for a in acks if a.target == key)


def counting(found: Iterable[str], acks: Iterable[Ack] = ()) -> tuple[str, ...]:
    """The rule for every count, --strict, check and the review app: the problem flags of a
    sentence that nobody acknowledged for its current translation (acks: as `holding` gives them)."""
    if not found:  # most sentences: no flag at all
        return ()
    done = {a.flag for a in acks}
    return tuple(sorted({f for f in found if f in PROBLEMS and f not in done}))
