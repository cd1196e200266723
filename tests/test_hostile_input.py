"""A batch full of hostile and malformed files: each bad one reported, the rest translated."""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil

import pytest
import yaml

from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from tests.helpers import structure

BAD = pathlib.Path(__file__).parent / "bad_files"

REFUSED = {
    "latin1.md": "not UTF-8 (invalid byte 0xe9 at offset 3)",
    "utf16-bom.md": "UTF-16 text (byte order mark); save it as UTF-8",
    "nul-byte.md": "binary file (NUL byte at offset 8)",
    "empty.md": "empty file",
    "front-matter-not-yaml.md": "front matter is not valid YAML: "
    + ("did not find expected ',' or ']'" if yaml.__with_libyaml__ else "expected ',' or ']', but got '<stream end>'")
    + " (line 3, column 1)",
    "front-matter-alias-bomb.md": "front matter is refused: its aliases expand to more than 10,000 extra nodes (line 7; a YAML alias bomb?)",
    "front-matter-duplicate-key.md": "front matter has the key 'title' twice (lines 2 and 4)",
    "front-matter-python-tag.md": (
        "front matter is not valid YAML: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system' (line 2, column 8)"
    ),
    "huge.md": "too large (20.0 MB; the limit is 5.0 MB, see max_file_bytes)",
    "unreadable.md": "cannot read: permission denied",
    "fifo.md": "not a regular file (a FIFO)",
    # 3.5 MB, under max_file_bytes, but parsing it took 92 s and 1.5 GB: refused before parsing
    "table-150k-rows.md": (
        "too many elements to translate in one piece (900,021 lines, markup characters, numbers and sentence ends; "
        "the limit is 40,000, see max_file_elements); split it"
    ),
    # markdown-it silently drops what is nested past its limit: refused instead of left untranslated
    "nested-quotes-5000.md": "nested 5000 levels deep (line 1); the limit is 100 levels of block quotes and lists",
    "nested-list-5000.md": "nested 5000 levels deep (line 1); the limit is 100 levels of block quotes and lists",
}
TRANSLATED = [
    "mixed-line-endings.md",
    "cr-only.md",
    "front-matter-anchors.md",
    "unclosed-fence.md",
    "deep-nesting.md",
    "long-paragraph.md",
    "many-lines.md",
    "odd name — «ї» [1].md",
    "-dash.md",
]


@pytest.fixture
def batch(tmp_path, monkeypatch):
    src = tmp_path / "src"
    shutil.copytree(BAD, src)
    (src / "huge.md").write_bytes(b"word " * 4_000_000)  # 20 MB
    (src / "long-paragraph.md").write_text("word, " * 170_000 + "end")  # 1 MB, no full stop
    (src / "many-lines.md").write_text("word\n" * 10_000)
    (src / "table-150k-rows.md").write_text("| Name | Value | Note |\n|---|---|---|\n" + "| item | word | text |\n" * 150_000)
    (src / "odd name — «ї» [1].md").write_text("An article with an odd name.\n")
    (src / "-dash.md").write_text("Starts with a dash.\n")
    (src / "unreadable.md").write_text("Fine text.\n")
    outside = tmp_path / "secret.md"
    outside.write_text("Not part of the source tree.\n")
    (src / "link-out.md").symlink_to(outside)
    os.mkfifo(src / "fifo.md")  # opening it for reading would wait for a writer forever
    original = os.open

    def denied(path, *args, **kwargs):  # chmod 000 does not stop root, who runs CI: simulate EACCES
        if os.path.basename(path) == "unreadable.md":
            raise PermissionError(13, "Permission denied", str(path))
        return original(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    return src


def test_bad_files_are_reported_and_the_rest_translated(batch, tmp_path, runner, argos_env):
    out = tmp_path / "out"
    result = runner.invoke(main, ["translate", str(batch), "--engine", "pseudo", "--to", "uk", "--out", str(out)])
    assert result.exit_code == ExitStatus.FILES_FAILED
    assert "Traceback" not in result.output
    errors = {}
    for line in result.stderr.splitlines():
        assert line.startswith("pipeline: "), line  # one line each, nothing else
        if line.startswith("pipeline: error: "):
            path, _, reason = line[len("pipeline: error: ") :].partition(": ")
            errors[pathlib.Path(path).name] = reason
    assert errors == {**REFUSED, "link-out.md": "symbolic link to a file outside the source folder; skipped"}
    for name in TRANSLATED:
        source = (batch / name).read_text()
        translated = (out / "uk" / name).read_text()
        assert structure(translated) == structure(source), name
    assert not (out / "uk" / "link-out.md").exists()
    assert f"{len(TRANSLATED)} articles" in result.stdout and f"{len(errors)} failed" in result.stdout


def test_a_long_paragraph_is_cut_into_bounded_sentences(batch, tmp_path, runner, argos_env):
    out = tmp_path / "out"
    runner.invoke(main, ["translate", str(batch / "long-paragraph.md"), "--engine", "pseudo", "--to", "uk", "--out", str(out)])
    data = json.loads((out / "bilingual/long-paragraph.en-uk.json").read_text())
    (block,) = data["blocks"]
    assert len(block["sentences"]) > 1000
    assert max(len(s["source"]) for s in block["sentences"]) <= 500


def test_anchored_front_matter_comes_out_valid_and_translated_once(tmp_path, runner, argos_env):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(BAD / "front-matter-anchors.md", src)
    out = tmp_path / "out"
    result = runner.invoke(main, ["translate", str(src), "--engine", "pseudo", "--to", "uk", "--out", str(out)])
    assert result.exit_code == 0, result.output
    translated = (out / "uk" / "front-matter-anchors.md").read_text()
    meta = yaml.safe_load(translated.split("---\n")[1])
    assert meta["title"] == meta["description"] == "\u27e6uk\u27e7 A short description of the article."
    assert meta["summary"] == meta["slug"] == "the-slug" and meta["tags"] == ["news", "world"]
    data = json.loads((out / "bilingual" / "front-matter-anchors.en-uk.json").read_text())
    flagged = {b["key"]: b["flags"] for b in data["blocks"] if b["kind"] == "front_matter"}
    assert flagged == {"description": [], "summary": ["unsupported-markup"]}  # not translated: said so
    again = runner.invoke(main, ["translate", str(out / "uk"), "--engine", "pseudo", "--to", "en", "--out", str(tmp_path / "back")])
    assert again.exit_code == 0, again.output  # the pipeline reads its own output


def test_nesting_up_to_the_limit_is_translated_at_every_level(tmp_path, runner, argos_env):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(BAD / "deep-nesting.md", src)  # 60 levels of lists, then 60 of quotes
    (src / "at-the-limit.md").write_text("> - " * 50 + "The deepest text.\n")
    out = tmp_path / "out"
    result = runner.invoke(main, ["translate", str(src), "--engine", "pseudo", "--to", "uk", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("deep-nesting.md", "at-the-limit.md"):
        source = (src / name).read_text()
        translated = (out / "uk" / name).read_text()
        lines = [line for line in source.splitlines() if "level" in line or "deepest" in line]
        assert translated.count("\u27e6uk\u27e7") == len(lines), name  # every level, none skipped


@pytest.mark.parametrize("name", ["mixed-line-endings.md", "cr-only.md"])
def test_line_endings_are_kept_line_by_line(tmp_path, runner, argos_env, name):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(BAD / name, src)
    out = tmp_path / "out"
    result = runner.invoke(main, ["translate", str(src), "--engine", "pseudo", "--to", "uk", "--out", str(out)])
    assert result.exit_code == 0, result.output
    source = (src / name).read_bytes()
    translated = (out / "uk" / name).read_bytes()
    endings = re.compile(rb"\r\n|\r|\n")
    assert endings.findall(translated) == endings.findall(source)  # each line keeps its own ending
    kept = [line for line in endings.split(source) if line.startswith((b"x =", b"y =", b"z =", b"```", b"    "))]
    assert kept and all(line in endings.split(translated) for line in kept)
    code = re.search(rb"```python.*?```|    indented code.*more code", source, re.DOTALL).group(0)
    assert code in translated  # the code block byte for byte, its mixed endings too


def test_the_fuzzer_finds_nothing_in_the_article_reader(tmp_path):
    """bench/fuzz.py's read target, derandomized and short: what it runs for minutes, in CI."""
    import importlib.util
    import signal

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    spec = importlib.util.spec_from_file_location("fuzz", pathlib.Path(__file__).parent.parent / "bench" / "fuzz.py")
    fuzz = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fuzz)
    previous = signal.signal(signal.SIGALRM, fuzz._alarm)

    @settings(max_examples=300, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(fuzz.articles(), st.sampled_from([None, "en", "uk"]))
    def run(article, lang):
        fuzz.check_read(tmp_path, article[0], article[1], lang)

    try:
        run()
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert fuzz.FAILURES == {}
    assert fuzz.COUNTS["read"] >= 300 and 0 < fuzz.REFUSED["read"] < fuzz.COUNTS["read"]  # both outcomes seen
