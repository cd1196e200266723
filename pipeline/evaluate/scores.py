"""Scoring translated articles against reference translations, and checks that need no reference.

Articles of the hypothesis and the reference folders are paired by path. Inside a pair, blocks are
paired by structure (align.align_documents), and each reference block is one segment: its text
against the text of the hypothesis block facing it (a hypothesis block facing nothing is added to
the segment before it, so nothing a system wrote goes unscored; a reference block facing nothing
is scored against an empty hypothesis). For articles with the same structure, as WMT's documents
written one segment per paragraph, the segments are exactly the lines sacrebleu would score, so
the figures are sacrebleu's own. Inside each pair of blocks the sentences are aligned too, for the
worst-sentences list.

BLEU, chrF and TER are sacrebleu's (imported here only: the base install does not need it), each
reported with its signature. Two systems are compared with sacrebleu's paired bootstrap
resampling over the same segments.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from pipeline.articles import read
from pipeline.core import flags, paths
from pipeline.core.config import Config
from pipeline.core.document import Block, Document, Segment
from pipeline.core.errors import InputError, PipelineError
from pipeline.core.identity import KEPT
from pipeline.core.placeholders import TAG_RE
from pipeline.evaluate.align import align_documents, align_units, unit_of
from pipeline.segment.protect import has_words
from pipeline.store import fileio, records
from pipeline.store.layout import FOLDER
from pipeline.store.store import RecordStore

METRICS = ("BLEU", "chrF", "TER")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_LETTER_RE = re.compile(r"[^\W\d_]")
_NUMBER_RE = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d{3})*(?:[.,]\d+)?")
_CODE_URL_RE = re.compile(r"`[^`]*`|https?://\S+")


def metrics():
    """Fresh sacrebleu metrics with their defaults (those the WMT figures are given with)."""
    try:
        from sacrebleu.metrics import BLEU, CHRF, TER
    except ImportError:
        raise PipelineError("scoring needs sacrebleu: pip install 'uk-en-pipeline[evaluate]'") from None
    return {"BLEU": BLEU(), "chrF": CHRF(), "TER": TER()}


# --- text ---------------------------------------------------------------------------------------


def plain(seg: Segment) -> str:
    """A sentence as a reader sees it: link and emphasis markup out, code without its backticks,
    raw HTML and shortcodes out, numbers and URLs as written."""

    def sub(m: re.Match[str]) -> str:
        n = int(m.group(3))
        if not 1 <= n <= len(seg.spans) or m.group(2) in "gG":
            return ""
        span = seg.spans[n - 1]
        if span.kind in ("html", "shortcode", "comment"):
            return ""
        if span.kind == "break":
            return " "
        if span.kind == "code":
            return span.source.strip("`").strip()
        return span.source

    return re.sub(r"\s+", " ", TAG_RE.sub(sub, seg.text)).strip()


def block_text(block: Block) -> str:
    return " ".join(t for t in (plain(s) for s in block.segments) if t)


# --- pairing --------------------------------------------------------------------------------------


@dataclass
class Scored:
    """One segment: a reference block and what the hypothesis has for it."""

    article: str
    hypothesis: str
    reference: str


@dataclass
class SentencePair:
    article: str
    hypothesis: str
    reference: str
    chrf: float = 0.0


@dataclass
class Article:
    path: str
    segments: list[Scored] = field(default_factory=list)
    sentences: list[SentencePair] = field(default_factory=list)
    divergence: str = ""
    scores: dict[str, float] = field(default_factory=dict)
    checks: dict[str, int] = field(default_factory=dict)


def articles(folder: Path, config: Config) -> dict[str, Path]:
    found, problems = paths.discover([str(folder)], config.include, config.exclude)
    if problems:
        raise problems[0]
    return {s.rel: s.path for s in found}


def load(path: Path, config: Config, lang: str | None) -> Document:
    return read.load(path, paths.shown(str(path)), config, lang, lang)


def pair_article(rel: str, hyp: Document, ref: Document) -> Article:
    alignment = align_documents(ref, hyp, ratio=1.0, names=("reference", "translation"))
    article = Article(rel, divergence=alignment.divergence)
    for pair in alignment.pairs:
        hb = hyp.blocks[pair.target] if pair.target is not None else None
        rb = ref.blocks[pair.source] if pair.source is not None else None
        if rb is None:  # only in the hypothesis: added to the segment before, never lost
            if hb is not None and block_text(hb):
                if article.segments:
                    last = article.segments[-1]
                    last.hypothesis = f"{last.hypothesis} {block_text(hb)}".strip()
                else:
                    article.segments.append(Scored(rel, block_text(hb), ""))
            continue
        article.segments.append(Scored(rel, block_text(hb) if hb is not None else "", block_text(rb)))
        if hb is None:
            continue
        r_units = [unit_of(s) for s in rb.segments]
        h_units = [unit_of(s) for s in hb.segments]
        for bead in align_units(r_units, h_units, alignment.ratio or 1.0):
            r = " ".join(plain(rb.segments[i]) for i in bead.source)
            h = " ".join(plain(hb.segments[j]) for j in bead.target)
            if r or h:
                article.sentences.append(SentencePair(rel, h, r))
    return article


# --- scores ------------------------------------------------------------------------------------


def score(segments: Sequence[Scored]) -> tuple[dict[str, float], dict[str, str]]:
    """Corpus BLEU, chrF and TER of segments, and each metric's sacrebleu signature."""
    scores, signatures, _ = score_articles(segments, [])
    return scores, signatures


def score_articles(segments: Sequence[Scored], spans: Sequence[tuple[int, int]]):
    """Corpus scores and signatures, and the scores of each slice of segments in spans (one per
    article). Each segment's statistics are extracted once, as sacrebleu's corpus_score does, and
    summed per slice: TER's statistics are the slow part."""
    hyps = [s.hypothesis for s in segments]
    refs = [[s.reference for s in segments]]
    corpus: dict[str, float] = {}
    signatures: dict[str, str] = {}
    per_article: list[dict[str, float]] = [{} for _ in spans]
    if not hyps:
        return {m: 0.0 for m in METRICS}, {m: "" for m in METRICS}, [{m: 0.0 for m in METRICS} for _ in spans]
    for name, metric in metrics().items():
        try:
            stats = metric._extract_corpus_statistics(hyps, refs)
            corpus[name] = float(metric._aggregate_and_compute(stats).score)
            for i, (a, b) in enumerate(spans):
                per_article[i][name] = float(metric._aggregate_and_compute(stats[a:b]).score) if b > a else 0.0
        except AttributeError:  # another sacrebleu: its public calls, slower
            corpus[name] = float(metric.corpus_score(hyps, refs).score)
            for i, (a, b) in enumerate(spans):
                part = metrics()[name]
                per_article[i][name] = float(part.corpus_score(hyps[a:b], [refs[0][a:b]]).score) if b > a else 0.0
        signatures[name] = str(metric.get_signature())
    return corpus, signatures, per_article


def sentence_chrf(pairs: Sequence[SentencePair]) -> None:
    chrf = metrics()["chrF"]
    for p in pairs:
        p.chrf = float(chrf.sentence_score(p.hypothesis, [p.reference]).score)


def compare(a: Sequence[Scored], b: Sequence[Scored], names: tuple[str, str], samples: int = 1000) -> dict:
    """sacrebleu's paired bootstrap resampling: is b better than a, and is it significant?"""
    from sacrebleu.significance import PairedTest, Result

    refs = [[s.reference for s in a]]
    if [s.reference for s in b] != refs[0]:
        raise PipelineError("the two systems were not scored on the same reference segments")
    test = PairedTest(
        [(names[0], [s.hypothesis for s in a]), (names[1], [s.hypothesis for s in b])],
        metrics(),
        refs,
        test_type="bs",
        n_samples=samples,
    )
    signatures, results = test()
    out = {}
    for key, values in results.items():
        if key == "System":
            continue
        base, other = cast("list[Result]", values)  # only the "System" column holds names
        # the bootstrap test fills mean and ci for every system, and p_value for the compared one
        assert base.mean is not None and base.ci is not None and other.mean is not None and other.ci is not None
        assert other.p_value is not None
        name = "chrF" if key.startswith("chrF") else key
        lower_better = name == "TER"
        better = names[1] if (other.score < base.score if lower_better else other.score > base.score) else names[0]
        out[name] = {
            "signature": str(signatures[key]),
            names[0]: {"score": base.score, "mean": float(base.mean), "ci": float(base.ci)},
            names[1]: {"score": other.score, "mean": float(other.mean), "ci": float(other.ci)},
            "p_value": float(other.p_value),
            "better": better if other.score != base.score else None,
            "significant": bool(other.p_value < 0.05),
        }
    return out


# --- checks that need no reference ---------------------------------------------------------------


CHECKS = ("sentences", "flagged", "numbers", "placeholders", "wrong_language", "length_outliers", "untranslated")
CHECK_NAMES = {
    "sentences": "sentences checked",
    "flagged": "flagged by the pipeline",
    "numbers": "numbers differ from the source",
    "placeholders": "placeholder tags left in the text",
    "wrong_language": "not in the target language",
    "length_outliers": "length ratio far from the rest",
    "untranslated": "identical to the source",
}


@dataclass
class Checked:
    source: str
    target: str
    flags: tuple[str, ...] = ()


def numbers(text: str) -> Counter:
    return Counter(re.sub(r"\D", "", m.group(0)) for m in _NUMBER_RE.finditer(_CODE_URL_RE.sub(" ", TAG_RE.sub(" ", text))))


_NOT_PROSE_RE = re.compile(r"`[^`]*`|https?://\S+|\{#[^}]*\}|\S*[._=/@#:\\]\S*[^\W\d_]\S*|\S*[^\W\d_]\S*[._=/@#\\]\S*")
_WORD_RE = re.compile(r"[^\W\d_][\w'’-]*")


def wrong_language(text: str, target_lang: str) -> bool:
    """A cheap script test: the words of a Ukrainian sentence are mostly Cyrillic, an English one's
    mostly not. Code, URLs, heading ids and identifiers (service.name) are left out, and so are
    capitalised words, since names and brands keep their own script in either language; a
    sentence with fewer than 12 letters left is not judged."""
    words = [w for w in _WORD_RE.findall(_NOT_PROSE_RE.sub(" ", text)) if not w[0].isupper()]
    letters = sum(len(_LETTER_RE.findall(w)) for w in words)
    if letters < 12:
        return False
    share = sum(len(_CYRILLIC_RE.findall(w)) for w in words) / letters
    return share < 0.5 if target_lang == "uk" else share > 0.5


def check(pairs: Sequence[Checked], target_lang: str, log_ratios: tuple[float, float] | None = None) -> dict[str, int]:
    """Counts of sentences with each problem. log_ratios: mean and deviation of log(target/source
    length) over everything evaluated; a sentence more than 3 deviations away is an outlier."""
    out = Counter(sentences=len(pairs))
    for p in pairs:
        out["flagged"] += bool(set(p.flags) & flags.PROBLEMS)
        out["numbers"] += numbers(p.source) != numbers(p.target)
        out["placeholders"] += bool(TAG_RE.search(p.target))
        out["wrong_language"] += wrong_language(p.target, target_lang)
        same = " ".join(p.target.split()) == " ".join(p.source.split())
        out["untranslated"] += same and has_words(p.source) and len(_LETTER_RE.findall(p.source)) >= 8
        if log_ratios and len(p.source) >= 20 and p.target:
            mean, dev = log_ratios
            out["length_outliers"] += dev > 0 and abs(math.log(len(p.target) / len(p.source)) - mean) > 3 * dev
    return {k: out[k] for k in CHECKS}


def log_ratio_stats(pairs: Sequence[Checked]) -> tuple[float, float] | None:
    values = [math.log(len(p.target) / len(p.source)) for p in pairs if len(p.source) >= 20 and p.target]
    if len(values) < 2:
        return None
    mean = sum(values) / len(values)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def bilingual_files(hyp_dir: Path) -> dict[Path, Path]:
    """Translated article -> its bilingual JSON, from the records of the output folder holding
    hyp_dir (hyp_dir itself or a folder above it)."""
    for folder in [hyp_dir, *list(hyp_dir.resolve().parents)[:3]]:
        if (folder / FOLDER).is_dir():
            out = {}
            for _, _, record, _ in RecordStore(folder).records():
                jsons = [p for p, _ in record.outputs if p.endswith(".json")] if record is not None else []
                if record is not None and jsons:
                    out[(folder / record.article).resolve()] = folder / jsons[0]
            return out
    return {}


def checked_from_bilingual(file: Path) -> list[Checked]:
    """The sentence pairs of a bilingual JSON (read bounded, shape checked: InputError if unusable)."""
    name = str(file)
    try:
        data = fileio.load_json(fileio.read_bytes(file, name, records.MAX_RECORD_BYTES, "", follow=False))
        return [
            Checked(_text(s["source"]), _text(s["target"]), tuple(map(_text, s.get("flags", ()))))
            for b in data["blocks"]
            for s in b["sentences"]
            if s.get("origin") != KEPT
        ]
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise InputError(name, f"not a bilingual JSON of this pipeline ({type(e).__name__}: {str(e)[:80]})") from None


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{type(value).__name__}, not a string")
    return value


def checked_from_source(source: Document, hyp: Document) -> list[Checked]:
    alignment = align_documents(source, hyp)
    out = []
    for pair in alignment.pairs:
        if pair.source is None or pair.target is None:
            continue
        sb, hb = source.blocks[pair.source], hyp.blocks[pair.target]
        if sb.keep:
            continue
        for bead in pair.beads:
            s = " ".join(plain(sb.segments[i]) for i in bead.source)
            t = " ".join(plain(hb.segments[j]) for j in bead.target)
            if s and has_words(s):
                out.append(Checked(s, t))
    return out


# --- one system -----------------------------------------------------------------------------------


@dataclass
class System:
    name: str
    articles: list[Article]
    corpus: dict[str, float] = field(default_factory=dict)
    signatures: dict[str, str] = field(default_factory=dict)
    checks: dict[str, int] = field(default_factory=dict)
    checks_from: str = ""  # where the source sentences came from: bilingual JSON, --source, nothing
    missing: list[str] = field(default_factory=list)  # reference articles this system has no translation of
    problems: list[str] = field(default_factory=list)  # one line each: files that could not be used

    @property
    def segments(self) -> list[Scored]:
        return [s for a in self.articles for s in a.segments]


def evaluate_system(
    hyp_dir: Path, ref_dir: Path, config: Config, lang: str | None = None, source_dir: Path | None = None, rels: Sequence[str] | None = None
) -> System:
    refs = articles(ref_dir, config)
    hyps = articles(hyp_dir, config)
    wanted = [r for r in sorted(refs) if r in hyps] if rels is None else list(rels)
    system = System(str(hyp_dir), [], missing=[r for r in sorted(refs) if r not in hyps])
    bilingual = bilingual_files(hyp_dir)
    sources = articles(source_dir, config) if source_dir else {}
    checked: dict[str, list[Checked]] = {}
    target_lang = lang or _language([refs[r] for r in wanted], config)
    for rel in wanted:
        ref = load(refs[rel], config, target_lang)
        hyp = load(hyps[rel], config, target_lang)
        article = pair_article(rel, hyp, ref)
        sentence_chrf(article.sentences)
        system.articles.append(article)
        json_file = bilingual.get(hyps[rel].resolve())
        if json_file is not None and json_file.is_file():
            try:
                checked[rel] = checked_from_bilingual(json_file)
            except InputError as e:
                system.problems.append(str(e))
                continue
            system.checks_from = "bilingual JSON"
        elif rel in sources:
            try:
                src = load(sources[rel], config, None)
            except InputError:
                continue
            checked[rel] = checked_from_source(src, hyp)
            system.checks_from = system.checks_from or "--source"
    spans, start = [], 0
    for article in system.articles:
        spans.append((start, start + len(article.segments)))
        start += len(article.segments)
    system.corpus, system.signatures, per_article = score_articles(system.segments, spans)
    for article, scores in zip(system.articles, per_article):
        article.scores = scores
    target_lang = target_lang or "uk"
    stats = log_ratio_stats([p for ps in checked.values() for p in ps])
    for article in system.articles:
        if article.path in checked:
            article.checks = check(checked[article.path], target_lang, stats)
    if checked:
        system.checks = check([p for ps in checked.values() for p in ps], target_lang, stats)
    return system


def evaluate_systems(
    systems: Sequence[str], reference: str, config: Config, lang: str | None, source_dir: Path | None, samples: int
) -> tuple[list[System], dict | None]:
    """One system scored, or two scored on the articles they share (so the bootstrap resamples the
    same segments) and compared; folders as the user named them, for the messages."""
    ref = Path(reference)
    if len(systems) == 1:
        results = [evaluate_system(Path(systems[0]), ref, config, lang, source_dir)]
        comparison = None
    else:
        have = [set(articles(Path(s), config)) for s in systems]
        common = sorted(set(articles(ref, config)) & have[0] & have[1])
        if not common:
            raise PipelineError(f"{systems[0]} and {systems[1]} have no article in common with {reference}")
        first, second = (evaluate_system(Path(s), ref, config, lang, source_dir, common) for s in systems)
        results = [first, second]
        if first.name == second.name:
            second.name += " (2)"
        comparison = compare(first.segments, second.segments, (first.name, second.name), samples)
    if not results[0].articles:
        raise PipelineError(f"no article of {systems[0]} has a reference in {reference} (articles are paired by path)")
    return results, comparison


def _language(files: Sequence[Path], config: Config) -> str | None:
    """The references' language: that of the first one with prose to tell it (a section page with
    only a title cannot)."""
    for file in files:
        try:
            return load(file, config, None).source_lang
        except InputError:
            continue
    return None


def worst(system: System, n: int) -> list[SentencePair]:
    pairs = [p for a in system.articles for p in a.sentences if p.reference and has_words(p.reference)]
    return sorted(pairs, key=lambda p: p.chrf)[:n]


def to_dict(systems: Sequence[System], reference: str, comparison: dict | None, n_worst: int) -> dict:
    def system_dict(s: System) -> dict:
        return {
            "name": s.name,
            "articles_scored": len(s.articles),
            "segments": len(s.segments),
            "missing": s.missing,
            "corpus": {m: {"score": round(s.corpus[m], 4), "signature": s.signatures[m]} for m in METRICS},
            "checks": s.checks,
            "checks_from": s.checks_from,
            "articles": [
                {
                    "path": a.path,
                    "segments": len(a.segments),
                    "scores": {m: round(a.scores.get(m, 0.0), 4) for m in METRICS},
                    "divergence": a.divergence,
                    "checks": a.checks,
                }
                for a in s.articles
            ],
            "worst": [
                {"article": p.article, "hypothesis": p.hypothesis, "reference": p.reference, "chrF": round(p.chrf, 2)}
                for p in worst(s, n_worst)
            ],
        }

    return {
        "schema": "uk-en-pipeline/evaluation/1",
        "reference": reference,
        "systems": [system_dict(s) for s in systems],
        "comparison": comparison,
    }
