from __future__ import annotations

import json

from pipeline.core import flags
from pipeline.core.config import Config
from pipeline.engines import packages
from pipeline.engines.argos import ArgosEngine, _buckets
from pipeline.engines.argos_settings import ArgosConfig
from pipeline.engines.factory import create
from pipeline.engines.pseudo import PseudoEngine

CONFIG = ArgosConfig()


def test_copy_package_through_the_argos_code_path(argos_env, package_files):
    """The copy model returns its input: what comes back went through tokenizer, model and decoder."""
    pkg = packages.install_file(package_files["en_uk"], CONFIG)
    engine = ArgosEngine(pkg.path, CONFIG)
    assert (engine.model, engine.model_version, engine.source_lang, engine.target_lang) == ("translate-en_uk", "1.0", "en", "uk")
    texts = [
        "Read <g1>the docs</g1> at <x2/> today.",
        "Президент Володимир Зеленський підтвердив наступ.",
        "snake_case_names survive",
        "A much longer sentence, with commas, to land in another length bucket than the rest of them.",
    ]
    assert [t.text for t in engine.translate(texts)] == texts
    assert list(engine.translate([])) == []


def test_decoding_is_capped_relative_to_input_length(argos_env, package_files):
    pkg = packages.install_file(package_files["en_uk_loop"], CONFIG)
    engine = ArgosEngine(pkg.path, CONFIG)
    short, long = engine.translate(["Hello world.", "Hello world. " * 8])  # a generator: unpacking runs it
    tokenizer = engine.package.tokenizer
    for result, source in ((short, "Hello world."), (long, "Hello world. " * 8)):
        assert result.flags == (flags.DECODING_CAPPED,)
        n = len(tokenizer.encode(source))
        assert len(tokenizer.encode(result.text)) <= engine.cap(n) + 2  # re-tokenising may split differently
    assert len(short.text) < len(long.text)


def test_buckets_keep_similar_lengths_together():
    tokens = [["a"] * n for n in (1, 30, 2, 3, 31, 100, 45)]
    groups = [[len(tokens[i]) for i in g] for g in _buckets(tokens)]
    assert groups == [[1], [2, 3], [30, 31, 45], [100]]


class RecordingTranslator:
    """Stands in for ctranslate2.Translator: echoes its input behind the target prefix."""

    def __init__(self):
        self.calls = []

    def translate_batch(self, batch, **kwargs):
        self.calls.append((batch, kwargs))

        class Result:
            def __init__(self, tokens):
                self.hypotheses = [tokens]

            def result(self):
                return self

        return [Result(kwargs["target_prefix"][i] + tokens) for i, tokens in enumerate(batch)]


def test_target_prefix_is_given_and_stripped(argos_env, package_files):
    pkg = packages.install_file(package_files["en_uk"], CONFIG)
    meta = json.loads((pkg.path / "metadata.json").read_text())
    (pkg.path / "metadata.json").write_text(json.dumps({**meta, "target_prefix": "__uk__"}))
    engine = ArgosEngine(pkg.path, ArgosConfig(beam_size=3, max_batch_tokens=99))
    engine._translator = RecordingTranslator()
    assert [t.text for t in engine.translate(["Hello there."])] == ["Hello there."]
    ((batch, kwargs),) = engine._translator.calls
    assert kwargs["target_prefix"] == [["__uk__"]]
    assert (kwargs["beam_size"], kwargs["max_batch_size"], kwargs["batch_type"]) == (3, 99, "tokens")
    assert kwargs["max_decoding_length"] == engine.cap(len(batch[0])) and kwargs["asynchronous"]


def test_forced_length_for_benchmarks(argos_env, package_files):
    pkg = packages.install_file(package_files["en_uk_loop"], CONFIG)
    engine = ArgosEngine(pkg.path, ArgosConfig(force_length=12))
    (result,) = engine.translate(["A sentence that is rather long, longer than twelve tokens surely."])
    assert len(engine.package.tokenizer.encode(result.text)) in range(10, 15) and result.flags == ()
    assert engine.settings["force_length"] == 12


def test_pseudo_marks_each_segment_and_keeps_words():
    engine = PseudoEngine("en", "uk")
    assert [t.text for t in engine.translate(["One <x1/>.", "Two."])] == ["\u27e6uk\u27e7 One <x1/>.", "\u27e6uk\u27e7 Two."]


def test_create_picks_the_engine(argos_env, package_files):
    assert create(Config(engine="pseudo"), "en", "uk").name == "pseudo"
    packages.install_file(package_files["uk_en"], CONFIG)
    assert create(Config(), "uk", "en", allow_download=False).model == "translate-uk_en"


def test_device_auto_uses_the_cpu_without_a_gpu_and_threads_follow_config(argos_env, package_files, monkeypatch):
    import ctranslate2

    made = {}

    class Recorder:
        def __init__(self, path, **kwargs):
            made.update(kwargs, path=path)

    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 0)
    monkeypatch.setattr(ctranslate2, "Translator", Recorder)
    pkg = packages.install_file(package_files["en_uk"], CONFIG)
    _ = ArgosEngine(pkg.path, ArgosConfig(device="auto", inter_threads=3, intra_threads=2, compute_type="int8_float32")).translator
    assert made == {
        "path": str(pkg.path / "model"),
        "device": "cpu",
        "device_index": 0,
        "compute_type": "int8_float32",
        "inter_threads": 3,
        "intra_threads": 2,
    }
    # a machine with two GPUs (CTranslate2's view of it, which this one cannot give)
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 2)
    monkeypatch.setattr(ctranslate2, "get_supported_compute_types", lambda device, index=0: {"int8", "float16", "int8_float16"})
    _ = ArgosEngine(pkg.path, ArgosConfig(device="auto", device_index=(0, 1))).translator
    assert (made["device"], made["device_index"], made["inter_threads"]) == ("cuda", [0, 1], 1)  # one replica per GPU


def test_batches_are_the_engines_own_within_the_token_budget():
    from pipeline.engines.argos import _batches

    tokens = [["a"] * n for n in (5, 9, 5, 9, 3, 9)]
    batches = _batches(list(range(6)), tokens, 20)
    assert batches == [[1, 3], [5, 0], [2, 4]]  # longest first, ties in input order, longest x count <= 20
    assert _batches([0], [["a"] * 50], 20) == [[0]]  # one sentence over the budget is a batch of its own
