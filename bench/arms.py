"""The measured arms. Each runs in a fresh worker process (bench/worker.py), so its peak RSS and
its imports and settings are its own.

Every arm decodes exactly ``length`` tokens for every sentence (min = max decoding length): the
benchmark model has random weights and never emits end-of-sentence, and a fixed length makes the
decoding work identical across arms. Timings exclude model loading (Translator construction),
which is reported separately.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
import tempfile
import time
from pathlib import Path

from corpus import Corpus, article_paths, tokenize

# --- watching ctranslate2.Translator --------------------------------------------------------------


class RecordingTranslator:
    """A real ctranslate2.Translator behind a thin proxy.

    translate_batch passes every argument through unchanged, except that with ``force_length``
    the decoding length is fixed (min = max). It counts the sentences and tokens it is given and
    keeps the decoding options of the first call, so the report shows what each arm really asked for.
    """

    def __init__(self, translator, force_length: int | None, log: dict):
        self._translator = translator
        self._force_length = force_length
        self._log = log

    def translate_batch(self, source, *args, **kwargs):
        if self._force_length:
            kwargs["min_decoding_length"] = kwargs["max_decoding_length"] = self._force_length
        log = self._log
        log["calls"] += 1
        log["sentences"] += len(source)
        log["tokens"] += sum(len(s) for s in source)
        if log["decoding"] is None:
            keys = (
                "beam_size",
                "num_hypotheses",
                "max_batch_size",
                "batch_type",
                "length_penalty",
                "min_decoding_length",
                "max_decoding_length",
                "asynchronous",
            )
            log["decoding"] = {k: kwargs[k] for k in keys if k in kwargs}
        return self._translator.translate_batch(source, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._translator, name)


def watch_translators(force_length: int | None = None) -> dict:
    """Replace ``ctranslate2.Translator`` by a factory that times each construction (the model
    load) and returns a RecordingTranslator. Both the Argos library and the pipeline look the
    class up on the module at call time, so each builds its Translator with its own settings."""
    import ctranslate2

    real = ctranslate2.Translator
    log = {"load_seconds": 0.0, "constructed": [], "calls": 0, "sentences": 0, "tokens": 0, "decoding": None}

    def factory(*args, **kwargs):
        started = time.perf_counter()
        translator = real(*args, **kwargs)
        log["load_seconds"] += time.perf_counter() - started
        log["constructed"].append({k: v for k, v in kwargs.items() if k != "model_path"})
        return RecordingTranslator(translator, force_length, log)

    ctranslate2.Translator = factory
    return log


def _result(corpus: Corpus, seconds: float, log: dict, **extra) -> dict:
    return {
        "sentences": len(corpus.sentences),
        "seconds": seconds,
        "load_seconds": log["load_seconds"],
        "translator": log["constructed"][0] if log["constructed"] else None,
        "model_calls": log["calls"],
        "model_sentences": log["sentences"],
        "model_tokens": log["tokens"],
        "decoding": log["decoding"],
        **extra,
    }


# --- (a) the Argos library's own path ------------------------------------------------------------


class PipelineSentencizer:
    """The pipeline's sentence splitter in the Argos sentencizer interface (split_sentences).

    The library's default (MiniSBD) downloads a model on first use, which cannot happen here;
    giving it the pipeline's splitter also makes both arms translate the same sentences."""

    def __init__(self, lang: str):
        self.lang = lang

    def split_sentences(self, text: str) -> list[str]:
        from corpus import split_sentences

        return split_sentences(text, self.lang)


def argos_library(spec: dict) -> dict:
    """Baseline (a): ``get_translation_from_codes("en", "uk").translate(paragraph)`` per paragraph,
    as argos-translate-files and LibreTranslate call the library.

    The library is left at its defaults (beam 4, max_batch_size 32 tokens, inter_threads 1,
    intra_threads 0, read from its settings, which the worker isolates from any user settings):
    it splits each paragraph into sentences and translates them in one translate_batch call per
    paragraph. Only two things are replaced, both needed to run it offline on this model: the
    sentencizer (the pipeline's splitter instead of a MiniSBD download) and, through the
    Translator proxy, the decoding length (min = max = L, as in every arm).
    """
    log = watch_translators(force_length=spec["length"])
    import argostranslate.translate

    corpus = Corpus.load(article_paths(spec["articles"]))
    translation = argostranslate.translate.get_translation_from_codes("en", "uk")
    package_translation = getattr(translation, "underlying", translation)  # CachedTranslation wraps it
    package_translation.sentencizer = PipelineSentencizer("en")
    started = time.perf_counter()
    for i, paragraph in enumerate(corpus.paragraphs, 1):
        translation.translate(paragraph)
        if i % 250 == 0:
            print(f"  {i:,}/{len(corpus.paragraphs):,} paragraphs", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started - log["load_seconds"]  # the Translator loads lazily, on the first call
    return _result(corpus, seconds, log, library=argos_version())


def argos_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    for name in ("argostranslate", "argos-translate-lt"):
        try:
            return f"{name} {version(name)}"
        except PackageNotFoundError:
            continue
    return "argostranslate (version unknown)"


# --- (b) the pipeline, end to end ---------------------------------------------------------------


def argos_config(spec: dict):
    """The pipeline's ArgosConfig defaults, with the arm's overrides and the forced length."""
    from pipeline.engines.argos_settings import ArgosConfig

    overrides = {k: v for k, v in spec.get("settings", {}).items() if v is not None}
    return dataclasses.replace(ArgosConfig(), force_length=spec["length"], **overrides)


def pipeline_run(spec: dict) -> dict:
    """Arm (b): ``pipeline.commands.run.translate`` over the articles folder, as `pipeline translate` runs
    it: discovery, Markdown segmentation, placeholders, the engine, restoring and alignment, and
    writing the article, the JSON alignment and the review page to a temporary folder. The
    translation memory is off (``Config(memory=None)``), so every sentence reaches the engine.
    The proxy only counts here: the decoding length is forced by the engine's own ``force_length``.
    With ``engine="pseudo"`` it measures the pipeline's own cost without any model.
    """
    log = watch_translators(force_length=None)
    from pipeline.commands import run
    from pipeline.core import paths
    from pipeline.core.config import Config
    from pipeline.engines import argos_settings

    articles = article_paths(spec["articles"])
    corpus = Corpus.load(articles)
    config = Config(memory=None, engine=spec.get("engine", "argos"), engines={"argos": argos_config(spec)})
    out = Path(tempfile.mkdtemp(prefix="bench-out-"))
    try:
        request = run.Request(
            inputs=(str(articles[0].parent),),
            out_dir=out,
            target="uk",
            allow_download=False,
            only=frozenset(paths.real(a) for a in articles),  # run.Request.only holds resolved paths
        )
        started = time.perf_counter()
        stats = run.translate(request, config)
        seconds = time.perf_counter() - started - log["load_seconds"]  # the model loads on first use
    finally:
        shutil.rmtree(out, ignore_errors=True)
    if stats.failed or stats.articles != len(articles):
        raise RuntimeError(f"the pipeline did not translate every article: {stats.line()}")
    return _result(
        corpus, seconds, log, stats=stats.line(), settings=_settings(argos_settings.of(config)), engine_sentences=stats.translated
    )


def _settings(a) -> dict:
    return {k: getattr(a, k) for k in ("beam_size", "inter_threads", "intra_threads", "max_batch_tokens", "compute_type")}


# --- (c) the engine limit ------------------------------------------------------------------------


def engine_limit(spec: dict) -> dict:
    """Arm (c): ONE ``translate_batch`` call over every sentence of the corpus, tokenized
    beforehand, with exactly (b)'s settings: the Translator is built by the pipeline's own engine
    (same threads, compute type and device) and decodes with the same beam, token budget
    (batch_type="tokens"), length penalty and forced length. No segmentation, no bucketing, no
    detokenization, no files: what CTranslate2 alone does with the work.
    """
    log = watch_translators(force_length=None)
    from pipeline.engines.argos import ArgosEngine

    corpus = Corpus.load(article_paths(spec["articles"]))
    tokens = tokenize(corpus.sentences, Path(spec["package"]))
    c = argos_config(spec)
    engine = ArgosEngine(Path(spec["package"]), c)
    translator = engine.translator  # loads the model (timed by the hook)
    started = time.perf_counter()
    # the pipeline's own decoding options: with force_length, min = max = force_length
    translator.translate_batch(tokens, **engine.decoding_options(c.force_length))
    seconds = time.perf_counter() - started
    return _result(corpus, seconds, log, settings=_settings(c))


# --- tuning ---------------------------------------------------------------------------------------


def tuning(spec: dict) -> dict:
    """The settings grid on a subset of sentences, through the pipeline's engine
    (``ArgosEngine.translate``: its length buckets submitted asynchronously), since that is what
    these settings control. One engine, hence one model load, per cell and pass; loads are not
    timed. Each cell keeps its best pass (the one least disturbed by other processes)."""
    corpus = Corpus.load(article_paths(spec["articles"]))
    sentences = list(corpus.sentences[: spec["sentences"]])
    grid = spec["grid"]
    rows = [{**cell, "runs": [], "sentences": len(sentences)} for cell in grid]
    for n in range(spec["passes"]):  # every other pass in reverse order, so a slow spell hits different cells
        order = range(len(grid)) if n % 2 == 0 else reversed(range(len(grid)))
        for i in order:
            rows[i]["runs"].append(_time_engine(spec, grid[i], sentences))
            print(f"  tuning pass {n + 1}, {grid[i]}: {len(sentences) / rows[i]['runs'][-1]:.1f} sentences/s", file=sys.stderr, flush=True)
    for row in rows:
        row["seconds"] = min(row["runs"])
    return {"rows": rows, "sentences": len(sentences), "passes": spec["passes"]}


def _time_engine(spec: dict, cell: dict, sentences: list[str]) -> float:
    from pipeline.engines.argos import ArgosEngine

    engine = ArgosEngine(Path(spec["package"]), argos_config({**spec, "settings": cell}))
    _ = engine.translator  # load outside the timing
    started = time.perf_counter()
    for _ in engine.translate(sentences):
        pass
    return time.perf_counter() - started


TASKS = {
    "argos_library": argos_library,
    "pipeline_run": pipeline_run,
    "engine_limit": engine_limit,
    "tuning": tuning,
}
