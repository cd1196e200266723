"""Argos Translate packages, driven through CTranslate2 directly.

The package is read with ``argostranslate.package.Package``, exactly as the Argos library reads
it (metadata, tokenizer, target prefix, ``model/``). Translation does not go through
``argostranslate.translate``: that path splits input line by line, translates about one sentence
per batch, and needs a downloaded sentence splitter. Here every sentence of a run goes to
``Translator.translate_batch`` in token-budget batches, and decoding length is capped relative to
each input's length so a model caught in a loop cannot write without end.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from pipeline.core import flags
from pipeline.core.config import Config
from pipeline.core.errors import ConfigError, PipelineError
from pipeline.engines import argos_settings, package_files
from pipeline.engines.argos_settings import ArgosConfig
from pipeline.engines.base import Engine, Translated
from pipeline.engines.package_files import DamagedPackage

BUCKET_GROWTH = 1.5  # sentences batched under one cap differ in length by at most this factor
# CTranslate2's errors when a model cannot be used (ValueError: a payload or vocabulary that does not
# fit; RuntimeError: a file it cannot read, a format it does not know; IndexError: a variable missing)
_MODEL_ERRORS = (RuntimeError, ValueError, IndexError, OSError, MemoryError)


class ArgosEngine:
    name = "argos"

    def __init__(self, package_path: Path, config: ArgosConfig):
        from argostranslate.package import Package, argospm_package_name

        folder = Path(package_path)
        try:  # before the Argos library, SentencePiece or CTranslate2 open any file of it
            package_files.check(folder, config.max_unpacked_bytes, deep=True)
        except package_files.Damaged as e:
            raise DamagedPackage(folder, str(e)) from None
        self.package = Package(folder)
        self.config = config
        self.source_lang = self.package.from_code
        self.target_lang = self.package.to_code
        self.model = argospm_package_name(self.package)
        self.model_version = self.package.package_version
        # What keys the memory and the records. The device and device_index are left out: the same
        # model and settings give the same translations on any device, up to floating-point rounding,
        # as they do across CPUs (AVX2 or AVX-512 kernels), which was never keyed either; keying them
        # would make translations made on the CPU stale for a GPU run, and every record made before
        # the device settings existed invalid. compute_type, as configured, stays: it changes the
        # arithmetic (int8 or float16) far more than rounding.
        self.settings = {
            "beam_size": config.beam_size,
            "compute_type": config.compute_type,
            "length_penalty": config.length_penalty,
            "repetition_penalty": config.repetition_penalty,
            "no_repeat_ngram_size": config.no_repeat_ngram_size,
            "max_length_ratio": config.max_length_ratio,
            "max_length_extra": config.max_length_extra,
        }
        if config.force_length:
            self.settings["force_length"] = config.force_length
        self._translator = None

    @property
    def translator(self):
        if self._translator is None:
            import ctranslate2

            c = self.config
            device, index = device_for(c)
            try:
                self._translator = ctranslate2.Translator(
                    str(Path(self.package.package_path) / "model"),
                    device=device,
                    device_index=index,
                    compute_type=c.compute_type,
                    # 0: one replica per core on the CPU; on a GPU, one per device (each holds the model)
                    inter_threads=c.inter_threads or (1 if device == "cuda" else os.cpu_count() or 1),
                    intra_threads=c.intra_threads,
                )
            except _MODEL_ERRORS as e:
                raise self._cannot_load(device, e) from None
        return self._translator

    def load(self) -> None:
        """Load the model and decode one short sentence now, so that a model or a device that
        CTranslate2 cannot use is reported before a run writes anything, not at its first batch."""
        tokens = self._encode(["Hello."])
        translator = self.translator
        try:
            translator.translate_batch(tokens, beam_size=1, max_decoding_length=4)
        except _MODEL_ERRORS as e:
            raise self._cannot_load(translator.device, e, "translate with it") from None

    def _cannot_load(self, device: str, e: BaseException, what: str = "load it") -> PipelineError:
        """The error a failed load (or first decoding) means: the device's, memory's or the model's."""
        why = _one_line(e)
        if "bad_alloc" in why or isinstance(e, MemoryError):
            return PipelineError(f"not enough memory to load the model in {self.package.package_path} ({why})", DamagedPackage.status)
        if device == "cuda" and ("CUDA" in why or "cuDNN" in why or "cuBLAS" in why):
            return ConfigError(f"argos.device: cuda, but CTranslate2 cannot use the device ({why}); use cpu or auto")
        return DamagedPackage(Path(self.package.package_path), f"model/: CTranslate2 cannot {what} ({why})")

    def cap(self, source_tokens: int) -> int:
        return int(self.config.max_length_ratio * source_tokens) + self.config.max_length_extra

    def translate(self, texts: Sequence[str]) -> Iterator[Translated]:
        """Yield one result per text, in order, as soon as the batches holding it are done.

        Every length bucket is submitted at once (asynchronously), so all of CTranslate2's workers
        stay busy while the caller stores and reports what is finished.
        """
        if not texts:
            return
        tokens = self._encode(list(texts))
        prefix = self.package.target_prefix or None
        c = self.config
        futures: list = [None] * len(texts)
        caps = [0] * len(texts)
        for group in _buckets(tokens):
            cap = c.force_length or self.cap(max(len(tokens[i]) for i in group))
            # our batches, not CTranslate2's: its sort is unstable, and the results depend on batching
            for batch in _batches(group, tokens, c.max_batch_tokens):
                submitted = self.translator.translate_batch(
                    [tokens[i] for i in batch],
                    target_prefix=[[prefix] for _ in batch] if prefix else None,
                    asynchronous=True,
                    **self.decoding_options(cap),
                )
                for i, future in zip(batch, submitted):
                    futures[i], caps[i] = future, cap
        for future, cap in zip(futures, caps):
            text, capped = self._finish(future.result(), cap)
            yield Translated(text, (flags.DECODING_CAPPED,) if capped else ())

    def translate_tokens(self, tokens: list[list[str]], cap: int) -> list[tuple[str, bool]]:
        """One batch, already tokenized, under one decoding cap: (text, capped) per input. What a
        cluster worker runs (engines/cluster.py); the same decoding options as translate()."""
        prefix = self.package.target_prefix or None
        results = self.translator.translate_batch(
            tokens, target_prefix=[[prefix] for _ in tokens] if prefix else None, **self.decoding_options(cap)
        )
        return [self._finish(r, cap) for r in results]

    def decoding_options(self, cap: int) -> dict:
        """translate_batch's keyword arguments for this engine's settings, decoding at most cap tokens."""
        c = self.config
        return dict(
            max_batch_size=c.max_batch_tokens,
            batch_type="tokens",
            beam_size=c.beam_size,
            length_penalty=c.length_penalty,
            repetition_penalty=c.repetition_penalty,
            no_repeat_ngram_size=c.no_repeat_ngram_size,
            max_decoding_length=cap,
            min_decoding_length=c.force_length or 1,
            replace_unknowns=True,
        )

    def _finish(self, result, cap: int) -> tuple[str, bool]:
        prefix = self.package.target_prefix or None
        hyp = list(result.hypotheses[0])
        if prefix and hyp[:1] == [prefix]:
            hyp = hyp[1:]
        capped = not self.config.force_length and len(hyp) >= cap - (1 if prefix else 0)
        return self._decode(hyp), capped

    def _encode(self, texts: list[str]) -> list[list[str]]:
        tokenizer = self.package.tokenizer
        processor = getattr(tokenizer, "lazy_processor", None)
        try:
            if processor is not None:  # one call into SentencePiece for the whole list
                return processor().encode(texts, out_type=str)
            return [tokenizer.encode(t) for t in texts]
        except (RuntimeError, OSError) as e:  # the tokenizer was checked, but changed since or fails anyway
            name = Path(getattr(tokenizer, "model_file", "tokenizer")).name
            raise DamagedPackage(Path(self.package.package_path), f"{name}: cannot be used ({_one_line(e)})") from None

    def _decode(self, pieces: list[str]) -> str:
        tokenizer = self.package.tokenizer
        processor = getattr(tokenizer, "lazy_processor", None)
        if processor is not None:
            # SentencePiece directly: the Argos decoder also turns every "_" into a space
            return processor().decode_pieces(pieces).strip()
        return tokenizer.decode(pieces).strip()


def device_for(config: ArgosConfig) -> tuple[str, int | list[int]]:
    """The device and device index(es) CTranslate2 gets, once checked against what it sees here;
    ConfigError (exit 2) naming the setting otherwise, never a model that would be called broken."""
    import ctranslate2

    count = ctranslate2.get_cuda_device_count()
    device = config.device if config.device != "auto" else ("cuda" if count > 0 else "cpu")
    indices = list(config.device_index)
    shown = indices[0] if len(indices) == 1 else indices
    if device == "cuda" and count == 0:
        raise ConfigError(f"argos.device: cuda, but no CUDA device is visible to CTranslate2 ({_cuda_problem()}); use cpu or auto")
    if device == "cuda" and max(indices) >= count:
        raise ConfigError(
            f"argos.device_index: {shown}, but CTranslate2 sees {count} CUDA device{'s' if count > 1 else ''} (0 to {count - 1})"
        )
    if device == "cpu" and indices != [0]:
        raise ConfigError(f"argos.device_index: {shown} names CUDA devices; on the cpu it must be 0")
    if config.compute_type not in ("default", "auto"):
        for i in indices:
            supported = sorted(ctranslate2.get_supported_compute_types(device, i))
            if config.compute_type not in supported:
                where = f"{device} {i}" if device == "cuda" else "this cpu"
                raise ConfigError(
                    f"argos.compute_type: {config.compute_type} is not supported on {where} "
                    f"(it supports {', '.join(supported)}); use auto or one of those"
                )
    return device, indices[0] if len(indices) == 1 else indices


def _cuda_problem() -> str:
    """Why CTranslate2 sees no CUDA device, in its own words when it has some."""
    import ctranslate2

    try:
        ctranslate2.get_supported_compute_types("cuda")
    except (RuntimeError, ValueError) as e:
        return _one_line(e)
    return "it counts 0 devices"


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split())[:300]


def _buckets(tokens: list[list[str]]) -> list[list[int]]:
    """Indices grouped by length, so one decoding cap suits every sentence in a group."""
    order = sorted(range(len(tokens)), key=lambda i: len(tokens[i]))
    groups: list[list[int]] = []
    floor = 0.0
    for i in order:
        n = len(tokens[i])
        if not groups or n > floor * BUCKET_GROWTH:
            groups.append([])
            floor = max(n, 1)
        groups[-1].append(i)
    return groups


def _batches(indices: list[int], tokens: list[list[str]], budget: int) -> list[list[int]]:
    """Batches of at most ``budget`` padded tokens (longest x count), longest first, ties in input
    order. Decided here rather than by CTranslate2 (which sorts without keeping ties in order)
    because results depend on batching: padding and matrix shapes change the arithmetic, and a
    model unsure between two tokens can flip. So the same sentences give the same output wherever
    they are decoded: in this process, or batch by batch on a cluster (engines/cluster.py)."""
    batches: list[list[int]] = []
    batch: list[int] = []
    longest = 0
    for i in sorted(indices, key=lambda i: -len(tokens[i])):
        n = len(tokens[i])
        if batch and max(longest, n) * (len(batch) + 1) > budget:
            batches.append(batch)
            batch, longest = [], 0
        batch.append(i)
        longest = max(longest, n)
    if batch:
        batches.append(batch)
    return batches


def create(
    config: Config,
    source_lang: str,
    target_lang: str,
    *,
    allow_download: bool = True,
    progress: Callable[[int, int | None], None] | None = None,
    load: bool = False,
) -> Engine:
    """The registry's factory (engines/registry.py): the direction's package, installed or
    downloaded (engines/packages.py), else two through English; on a Ray cluster with `cluster:`.
    See engines.factory.create for ``load`` and what is raised."""
    from pipeline.core.errors import ModelMissing
    from pipeline.engines import packages
    from pipeline.engines.registry import ENGINES

    pivot = ENGINES[argos_settings.NAME].pivot or "en"
    a = argos_settings.of(config)

    def argos(path):
        if config.cluster:
            from pipeline.engines.cluster import RayEngine  # imports Ray only when a cluster is asked for

            return RayEngine(path, config)  # its actors load the model, not this process
        engine = ArgosEngine(path, a)
        if load:
            try:
                engine.load()
            except ConfigError as e:  # a device setting: named with its file, as config.load names the others
                raise ConfigError(f"{config.source}: {e}" if config.source else str(e)) from None
        return engine

    direct = packages.find(a, source_lang, target_lang)
    if direct is None and pivot not in (source_lang, target_lang):
        legs = ((source_lang, pivot), (pivot, target_lang))
        found = [packages.find(a, s, t) for s, t in legs]
        # pivot when both legs are here, or when the index (as last read) has no direct package
        if all(found) or (source_lang, target_lang) not in packages.cached_pairs(a):
            from pipeline.engines.pivot import PivotEngine

            try:
                chain = [f or packages.ensure(a, s, t, allow_download, progress) for f, (s, t) in zip(found, legs)]
            except ModelMissing as e:
                raise ModelMissing(
                    f"{source_lang}->{target_lang} has no direct package and goes through {pivot}: {e} "
                    f"(`pipeline models install {source_lang} {target_lang}` installs both legs)"
                ) from None
            return PivotEngine(*(argos(p.path) for p in chain))
    installed = direct or packages.ensure(a, source_lang, target_lang, allow_download, progress)
    return argos(installed.path)
