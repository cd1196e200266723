"""Which language is this text in? py3langid (langid.py's model, shipped in the wheel, 97 languages)
decides, on the letters of the text's main script only.

Measured in bench/langid.py (README): on one-line texts py3langid was right 94-100% of the time for
uk, ru, en, de, pl, and on texts of 300+ characters always; pycld2 abstains on many short Russian
texts, lingua-language-detector is as accurate but a 96 MB wheel and ~5x slower on news sentences.

The script comes first, because the evidence is lopsided: a Ukrainian article quotes product
names, people and talk titles in Latin letters (an otel-blog post in Ukrainian has only 44%
Cyrillic letters), while an English one almost never carries Cyrillic. So an article at least 25%
Cyrillic is identified on its Cyrillic words alone, and a Russian one is not taken for Ukrainian.
A text too short for statistics ("Фото: Офіс Президента") is decided by its script alone, among
the languages the caller expects. Callers pass prose only: no code, URLs or markup.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter

MIN_LETTERS = 3
DOCUMENT_CYRILLIC = 0.25  # an article at least this Cyrillic is identified on its Cyrillic words
BLOCK_CYRILLIC = 0.6  # a block at least this Cyrillic is Cyrillic...
BLOCK_LATIN = 0.9  # ...and one at least this Latin is Latin; in between, undecided
STATISTICS_LETTERS = 20  # fewer letters of the main script: decided by the script alone
DOCUMENT_CONFIDENCE = 0.8  # a less sure guess ("word, word, word": Afrikaans 0.62) yields to the script
BLOCK_LETTERS = 40  # a block shorter than this is never called another language of the same script
BLOCK_CONFIDENCE = 0.9  # ...nor one the identifier is less sure of (bench/langid.py: no NTREX sentence flagged)
FALLBACK = ("en", "uk")
DOCUMENT_CHARS = 2000  # what the identifier reads of an article's words...
BLOCK_CHARS = 100  # ...and of a block's (its cost grows with every byte; bench/langid.py --articles)
_WORD_RE = re.compile(r"[^\W\d_]+")
# The ASCII characters that are not letters: an ASCII text's letters (all Latin) are counted in C
# by deleting these, which most blocks of an English article allow (bench/driver.py: 93%).
_ASCII_NOT_LETTERS = bytes(b for b in range(128) if not chr(b).isalpha())
# ...and its words split in C: every other ASCII character made a space (_WORD_RE's words, for ASCII)
_ASCII_WORDS = bytes(b if chr(b).isalpha() else 32 for b in range(256))


@functools.lru_cache(maxsize=4096)
def _script(ch: str) -> str:
    return unicodedata.name(ch, "?").split(" ")[0]


def _scripts(text: str) -> Counter:
    """Letters per script. Each distinct character is looked up once: a per-character loop took
    12 s on 5 MB."""
    if text.isascii():
        n = len(text.encode("ascii").translate(None, _ASCII_NOT_LETTERS))
        return Counter({"LATIN": n}) if n else Counter()
    found: Counter = Counter()
    for ch, n in Counter(text).items():
        if ch.isalpha():
            found[_script(ch)] += n
    return found


@functools.cache
def script_of(lang: str) -> str | None:
    """The script a language is written in, read from its CLDR month names ("CYRILLIC", "LATIN")."""
    from babel import Locale, UnknownLocaleError

    try:
        months = "".join(Locale.parse(lang).months["format"]["wide"].values())
    except (UnknownLocaleError, ValueError, TypeError, KeyError):
        return None
    counts = _scripts(months)
    return counts.most_common(1)[0][0] if counts else None


@functools.cache
def _identifier():
    """Loaded on first use only (0.1 s from the cached copy, 0.6 s without: segment/langid_model.py):
    a run whose articles declare `lang:` and whose blocks are decided by their script never loads it."""
    from pipeline.segment import langid_model

    return langid_model.identifier(norm_probs=True)


def identify(text: str, limit: int | None = None) -> tuple[str, float]:
    """py3langid's language and its probability among its 97 languages, on the first ``limit``
    characters of the text (all of it when None)."""
    return _classify(text[:limit] if limit else text)


@functools.lru_cache(maxsize=8192)
def _classify(text: str) -> tuple[str, float]:
    """Cached per text: a block repeated across articles (a byline, a disclaimer) is identified once."""
    lang, probability = _identifier().classify(text)
    return str(lang), float(probability)


def _only(text: str, script: str, limit: int) -> str:
    """The words of text written in one script, space-separated, as far as the first ``limit``
    characters of them (what the identifier reads: the rest of a long paragraph need not be looked at)."""
    latin = text.isascii()  # every word of an ASCII text is Latin
    if latin:
        return _ascii_words(text, limit) if script == "LATIN" else ""
    words: list[str] = []
    size = -1
    for m in _WORD_RE.finditer(text):
        if size >= limit:
            break
        w = m.group()
        if _word_script(w) == script:
            words.append(w)
            size += len(w) + 1
    return " ".join(words)[:limit]


def _ascii_words(text: str, limit: int) -> str:
    """_only of an ASCII text, split in C. The words of a prefix of the text, joined, are a prefix
    of all its words joined (a word the prefix cuts is the start of that word), so a prefix that
    gives ``limit`` characters gives the same ones; a longer one is read only when it does not."""
    n = 4 * limit
    while True:
        joined = b" ".join(text[:n].encode("ascii").translate(_ASCII_WORDS).split())
        if len(joined) >= limit or n >= len(text):
            return joined[:limit].decode("ascii")
        n *= 4


@functools.lru_cache(maxsize=65536)
def _word_script(word: str) -> str | None:
    """Most of a word's letters' script; words repeat, so each is looked up once."""
    counts = _scripts(word)
    return counts.most_common(1)[0][0] if counts else None


def _by_script(script: str, expected) -> str | None:
    return next((lang for lang in (*expected, *FALLBACK) if script_of(lang) == script), None)


def document_language(text: str, expected=FALLBACK) -> str | None:
    """The article's language, or None without enough letters. ``expected``: the languages a text
    too short for statistics is most likely in (config.languages), first match of its script."""
    counts = _scripts(text)
    total = sum(counts.values())
    if total < MIN_LETTERS:
        return None
    script = "CYRILLIC" if counts["CYRILLIC"] >= DOCUMENT_CYRILLIC * total else counts.most_common(1)[0][0]
    words = _only(text, script, DOCUMENT_CHARS)
    if counts[script] < STATISTICS_LETTERS:
        return _by_script(script, expected)
    lang, probability = identify(words, DOCUMENT_CHARS)
    if probability < DOCUMENT_CONFIDENCE:
        return _by_script(script, expected) or lang
    return lang


def block_language(text: str, doc_lang: str | None = None, expected=FALLBACK) -> str | None:
    """A block's language when it differs from the article's (``doc_lang``), else None; None also
    when undecided. A block in the article's script is another language only when long and sure."""
    found_script = _block_script(text)
    if found_script is None:
        return None
    script, letters = found_script
    if doc_lang is None or script_of(doc_lang) != script:
        # another script than the article's: that decides, among the languages the caller expects
        # (the identifier only for a script none of them is written in)
        found = _by_script(script, expected)
        if found is None and letters >= BLOCK_LETTERS:
            found = identify(_only(text, script, BLOCK_CHARS), BLOCK_CHARS)[0]
        return found if found != doc_lang else None
    if letters < BLOCK_LETTERS:
        return None  # the article's script, too short to be called another language
    words = _only(text, script, BLOCK_CHARS)
    if _plainly(words[:BLOCK_CHARS], doc_lang):
        return None  # what the identifier would read is full of the article's own commonest words
    lang, probability = identify(words, BLOCK_CHARS)
    return lang if probability >= BLOCK_CONFIDENCE and lang != doc_lang else None


def _block_script(text: str) -> tuple[str, int] | None:
    """A block's script and how many letters it has in it; None with too few letters, or mixed."""
    if text.isascii():  # every letter Latin (most blocks): counted in C, no counter made
        n = len(text.encode("ascii").translate(None, _ASCII_NOT_LETTERS))
        return ("LATIN", n) if n >= MIN_LETTERS else None
    counts = _scripts(text)
    total = sum(counts.values())
    if total < MIN_LETTERS:
        return None
    if counts["CYRILLIC"] >= BLOCK_CYRILLIC * total:
        script = "CYRILLIC"
    elif counts["LATIN"] >= BLOCK_LATIN * total:
        script = "LATIN"
    else:
        script, n = counts.most_common(1)[0]
        if script in ("CYRILLIC", "LATIN") or n < BLOCK_CYRILLIC * total:
            return None  # mixed: the article's language, as it is
    return script, counts[script]


# Words frequent in running text of one language and in no other language of its script that
# py3langid knows (so not "in", "is", "on", "was" for English: Dutch, French, German have them;
# not "і", "та", "через", "тому" for Ukrainian: Belarusian, Bulgarian or Russian have them). A block
# whose first words hold enough of them is in the article's language, and the identifier is not
# asked: on the 342 shared articles (8,312 blocks) its calls went from 6,257 to 830 with the same
# decisions (bench/langid.py --articles), and it was the largest part of a pseudo-engine run.
_COMMON = {
    "en": frozenset(
        "the and of to that with for this are from have has had which by its were their will not or be it been would there "
        "they you we our than who he she his her him them these those said says but can could should may more about after "
        "also all when what where while into out up just how new one two first last year years people other some only such "
        "many most any each between both through because before then now being get use used using make like if do does did "
        "my your so".split()
    ),
    "uk": frozenset("що це є від його її їх який яка які також буде було були він вона вони щоб після між ще вже".split()),
}
COMMON_WORDS = 3  # at least this many of them...
COMMON_SHARE = 0.15  # ...and this share of the words
_NOT_UK = frozenset("ўыэъёјљњћђџѓќѕ")  # letters of the other Cyrillic languages, none Ukrainian


def _hits(sample: list[str], lang: str, common: frozenset[str]) -> int:
    """How many of the words are the language's own: its commonest words, and in Ukrainian any word
    with і, ї, є or ґ when the text has и and no letter of another Cyrillic language (Russian and
    Bulgarian have no і, Belarusian no и)."""
    hits = sum(w in common for w in sample)
    if lang == "uk":
        letters = set("".join(sample))
        if "и" in letters and not letters & _NOT_UK:
            hits += sum(w not in common and any(c in w for c in "іїєґ") for w in sample)
    return hits


def _plainly(words: str, lang: str) -> bool:
    """Whether these words (space-separated) are plainly in ``lang`` by its commonest words."""
    lang = lang.split("-")[0].lower()
    common = _COMMON.get(lang)
    if common is None:
        return False
    sample = words.lower().split()
    hits = _hits(sample, lang, common)
    return hits >= COMMON_WORDS and hits >= COMMON_SHARE * len(sample)
