"""Every flag a segment or block can carry, with what it tells a reviewer. Defined once."""

from __future__ import annotations

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
    }
)
