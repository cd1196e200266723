"""The benchmark corpus: NTREX-128 English news articles, counted once for every arm.

Every arm is charged for the same work: the sentences of the articles' body paragraphs, as the
pipeline's own splitter cuts them (``pipeline.segment.sentences.split(paragraph, "en")``), and their
source tokens under the package's SentencePiece model. The baseline is given the same splitter,
so all arms translate the same sentences; each arm also reports what actually reached the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ARTICLES = Path(__file__).resolve().parents[2] / "shared" / "data" / "articles" / "ntrex128_en-uk" / "en"
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)


def article_paths(limit: int | None = None) -> list[Path]:
    """The first ``limit`` articles by name (all 123 when None)."""
    paths = sorted(ARTICLES.glob("*.md"))
    return paths[:limit] if limit else paths


def paragraphs(path: Path) -> list[str]:
    """Body paragraphs as a caller of the Argos library passes them: front matter (ids, no prose)
    dropped, one paragraph per non-empty line (the articles hold one paragraph per line)."""
    body = _FRONT_MATTER.sub("", path.read_text(encoding="utf-8"), count=1)
    return [line.strip() for line in body.split("\n") if line.strip()]


def split_sentences(paragraph: str, lang: str = "en") -> list[str]:
    from pipeline.segment.sentences import split

    return split(paragraph, lang)


@dataclass(frozen=True)
class Corpus:
    articles: tuple[Path, ...]
    paragraphs: tuple[str, ...]
    sentences: tuple[str, ...]

    @classmethod
    def load(cls, articles: list[Path]) -> Corpus:
        paras = [p for a in articles for p in paragraphs(a)]
        sents = [s for p in paras for s in split_sentences(p)]
        return cls(tuple(articles), tuple(paras), tuple(sents))


def tokenize(sentences: list[str] | tuple[str, ...], package_path: Path) -> list[list[str]]:
    """SentencePiece pieces, with the package's model (the one the pipeline and Argos use)."""
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(Path(package_path) / "sentencepiece.model"))
    return sp.encode(list(sentences), out_type=str)
