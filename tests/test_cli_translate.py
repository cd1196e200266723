from __future__ import annotations

import json
import shutil
import unicodedata

import pytest

from pipeline.cli import main
from pipeline.core.errors import ExitStatus
from tests.conftest import EXAMPLES, SHARED
from tests.helpers import structure

SEED = EXAMPLES / "news" / "zelensky-kursk-advance.md"


def files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def articles(tmp_path):
    """A source folder shaped like a newsroom's: articles/news/kursk.md and friends."""
    root = tmp_path / "articles"
    (root / "news").mkdir(parents=True)
    shutil.copy(SEED, root / "news" / "kursk.md")
    shutil.copy(EXAMPLES / "news" / "avalanche-washington.uk.md", root / "news" / "avalanche.md")
    return root


def test_en_to_uk_writes_article_and_bilingual_files(installed, runner, articles, tmp_path):
    out = tmp_path / "translations"
    result = runner.invoke(main, ["translate", str(articles), "--to", "uk", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert files(out) == [
        "bilingual/news/kursk.en-uk.html",
        "bilingual/news/kursk.en-uk.json",
        "records/.gitattributes",
        "records/sources.txt",
        "records/uk/news/kursk.md.json",
        "records/uk/news/kursk.md.outputs",
        "uk/news/kursk.md",
    ]
    assert (out / "records/sources.txt").read_text() == "../articles\n"
    assert "already in uk; skipped" in result.stderr
    assert result.stdout.startswith("1 articles, 16 segments (16 translated, 0 reused), 0 flagged, 0 failed, 1 skipped in ")
    data = json.loads((out / "bilingual/news/kursk.en-uk.json").read_text())
    assert data["model"] == {"package": "translate-en_uk", "version": "1.0"} and data["engine"] == "argos"
    article = (out / "uk/news/kursk.md").read_text()
    assert structure(article) == structure(SEED.read_text())
    assert "lang: uk" in article


def test_both_directions_from_config_languages(installed, runner, articles, tmp_path):
    out = tmp_path / "t"
    result = runner.invoke(main, ["translate", str(articles), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert files(out) == [
        "bilingual/news/avalanche.uk-en.html",
        "bilingual/news/avalanche.uk-en.json",
        "bilingual/news/kursk.en-uk.html",
        "bilingual/news/kursk.en-uk.json",
        "en/news/avalanche.md",
        "records/.gitattributes",
        "records/en/news/avalanche.md.json",
        "records/en/news/avalanche.md.outputs",
        "records/sources.txt",
        "records/uk/news/kursk.md.json",
        "records/uk/news/kursk.md.outputs",
        "uk/news/kursk.md",
    ]
    data = json.loads((out / "bilingual/news/avalanche.uk-en.json").read_text())
    assert (data["source_lang"], data["target_lang"], data["model"]["package"]) == ("uk", "en", "translate-uk_en")
    # the copy model hands every sentence back through the Argos path; SentencePiece applies NFKC
    # on the way in (U+00A0 becomes a space), as the official models' tokenizers do
    pairs = [(s["source"], s["target"]) for b in data["blocks"] for s in b["sentences"]]
    assert all(unicodedata.normalize("NFKC", a) == b for a, b in pairs if not any(c.isdigit() for c in a))
    # numbers, units and dates went round the model as placeholders and came back in English
    (target,) = [b for a, b in pairs if "85\u00a0миль" in a]
    assert "на 85 miles (137 kilometers) південно-східніше" in target


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_otel_blog_posts_keep_code_links_shortcodes_and_front_matter(installed, runner, tmp_path, lang):
    source = EXAMPLES / "otel-blog" / lang
    out = tmp_path / "out"
    result = runner.invoke(main, ["translate", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    target = "uk" if lang == "en" else "en"
    for path in source.rglob("*.md"):
        translated = out / target / path.relative_to(source)
        assert structure(translated.read_text()) == structure(path.read_text()), path.name


def test_hard_wrapped_paragraphs_are_joined(installed, runner, tmp_path):
    src = tmp_path / "wrapped.md"
    src.write_text("This paragraph is wrapped\nat a narrow width, as\nin the otel blog.\n")
    out = tmp_path / "out"
    assert runner.invoke(main, ["translate", str(src), "--to", "uk", "--out", str(out)]).exit_code == 0
    assert (out / "uk/wrapped.md").read_text() == "This paragraph is wrapped at a narrow width, as in the otel blog.\n"
    data = json.loads((out / "bilingual/wrapped.en-uk.json").read_text())
    assert data["blocks"][0]["source"] == "This paragraph is wrapped at a narrow width, as in the otel blog."


def test_one_bad_file_does_not_stop_the_batch(installed, runner, articles, tmp_path):
    (articles / "broken.md").write_bytes(b"\xff\xfe not utf-8 \xc3")
    (articles / "empty.md").write_bytes(b"")
    (articles / "bad-yaml.md").write_text("---\ntitle: [\n---\nText.\n")
    out = tmp_path / "out"
    result = runner.invoke(main, ["translate", str(articles), "--to", "uk", "--out", str(out)])
    assert result.exit_code == ExitStatus.FILES_FAILED
    errors = [line for line in result.stderr.splitlines() if line.startswith("pipeline: error:")]
    assert len(errors) == 3
    assert f"pipeline: error: {articles / 'broken.md'}: UTF-16 text" in result.stderr
    assert f"{articles / 'empty.md'}: empty file" in result.stderr
    assert f"{articles / 'bad-yaml.md'}: front matter is not valid YAML" in result.stderr
    assert "Traceback" not in result.output
    assert (out / "uk/news/kursk.md").is_file()
    assert ", 3 failed," in result.stdout


def test_missing_model_fails_before_writing_anything(argos_env, runner, articles, tmp_path):
    out = tmp_path / "out"
    for extra in (["--no-download"], []):  # the index is unreachable: no download either
        result = runner.invoke(main, ["translate", str(articles), "--to", "uk", "--out", str(out), *extra])
        assert result.exit_code == ExitStatus.NO_MODEL, result.output
        assert "no en->uk model is installed; install it with `pipeline models install`" in result.stderr
        assert len(result.stderr.strip().splitlines()) <= 2 and "Traceback" not in result.output
        assert not out.exists()


def test_first_use_downloads_the_official_package(argos_env, runner, articles, tmp_path, package_files, http_server, monkeypatch):
    root, url = http_server
    shutil.copy(package_files["en_uk"], root / "translate-en_uk-1_0.argosmodel")
    entry = {
        "package_version": "1.0",
        "from_code": "en",
        "to_code": "uk",
        "code": "translate-en_uk",
        "links": [url + "translate-en_uk-1_0.argosmodel"],
    }
    (root / "index.json").write_text(json.dumps([entry]))
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", url)
    out = tmp_path / "out"
    result = runner.invoke(main, ["translate", str(articles / "news" / "kursk.md"), "--to", "uk", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "downloading en->uk model" in result.stderr
    assert (out / "uk/kursk.md").is_file() and (argos_env / "translate-en_uk-1_0").is_dir()


def test_decoding_cap_flags_and_strict(argos_env, runner, package_files, tmp_path):
    assert runner.invoke(main, ["models", "install", str(package_files["en_uk_loop"])]).exit_code == 0
    src = tmp_path / "a.md"
    src.write_text("A short sentence.\n")
    out = tmp_path / "out"
    result = runner.invoke(main, ["translate", str(src), "--to", "uk", "--out", str(out)])
    assert result.exit_code == 0 and ", 1 flagged (decoding-capped 1)," in result.stdout
    data = json.loads((out / "bilingual/a.en-uk.json").read_text())
    assert data["blocks"][0]["flags"] == ["decoding-capped"]
    about = data["blocks"][0]["sentences"][0]["details"]
    assert len(about) == 1 and about[0].startswith("decoding-capped: stopped after ") and "× the source's tokens + 16" in about[0]
    strict = runner.invoke(main, ["translate", str(src), "--to", "uk", "--out", str(out), "--strict"])
    # nothing changed, nothing is parsed again, and the flag is still counted
    assert strict.exit_code == ExitStatus.PROBLEMS and "1 unchanged (1 flagged: decoding-capped 1)" in strict.stdout


def test_pseudo_engine_needs_no_model(argos_env, runner, articles, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(main, ["translate", str(articles), "--engine", "pseudo", "--to", "uk", "--out", str(out)])
    assert result.exit_code == 0, result.output
    article = (out / "uk/news/kursk.md").read_text()
    assert "\u27e6uk\u27e7 President Volodymyr Zelensky confirmed" in article
    assert "Фото: Офіс Президента\n" in article  # already Ukrainian: kept as is


def test_output_layout_from_config_and_refusals(installed, runner, articles, tmp_path):
    (tmp_path / "hugo.yaml").write_text('output:\n  article: "content/{target}/{path}"\n  review_html: false\n')
    out = tmp_path / "site"
    result = runner.invoke(main, ["translate", str(articles), "--to", "uk", "--out", str(out), "--config", str(tmp_path / "hugo.yaml")])
    assert result.exit_code == 0, result.output
    assert files(out) == [
        "bilingual/news/kursk.en-uk.json",
        "content/uk/news/kursk.md",
        "records/.gitattributes",
        "records/sources.txt",
        "records/uk/news/kursk.md.json",
        "records/uk/news/kursk.md.outputs",
    ]
    (tmp_path / "evil.yaml").write_text('output:\n  article: "../../{path}"\n')
    result = runner.invoke(main, ["translate", str(articles), "--to", "uk", "--out", str(out), "--config", str(tmp_path / "evil.yaml")])
    assert result.exit_code == ExitStatus.FILES_FAILED
    assert "would leave the output folder" in result.stderr
    assert not (tmp_path / "news").exists()


def test_output_folder_inside_the_sources_is_not_read_back(installed, runner, articles):
    out = articles / "translations"
    for _ in range(2):
        result = runner.invoke(main, ["translate", str(articles), "--to", "uk", "--out", str(out)])
        assert result.exit_code == 0 and result.stdout.startswith("1 articles")


def test_no_temporary_files_are_left(installed, runner, articles, tmp_path):
    out = tmp_path / "out"
    runner.invoke(main, ["translate", str(articles), "--out", str(out)])
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_usage_errors(runner, tmp_path, argos_env):
    no_package = runner.invoke(main, ["translate", str(tmp_path), "--to", "de"])
    assert no_package.exit_code == ExitStatus.USAGE and "de" in no_package.stderr
    (tmp_path / "bad.yaml").write_text("engine: nope\n")
    result = runner.invoke(main, ["translate", str(tmp_path), "--config", str(tmp_path / "bad.yaml")])
    assert result.exit_code == ExitStatus.USAGE
    assert result.stderr.strip() == f"pipeline: error: {tmp_path / 'bad.yaml'}: engine: 'nope' is not one of argos, pseudo"
    missing = runner.invoke(main, ["translate", str(tmp_path / "nope"), "--engine", "pseudo", "--out", str(tmp_path / "o")])
    assert missing.exit_code == ExitStatus.USAGE  # a typo on the command line, not a bad article
    assert missing.stderr == f"pipeline: error: {tmp_path / 'nope'}: no such file or folder\n" and not (tmp_path / "o").exists()


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared evaluation data is beside the checkout in CI and dev")
def test_whole_otel_blog_with_the_pseudo_engine(argos_env, runner, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(main, ["translate", str(SHARED / "otel-blog"), "--engine", "pseudo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for path in (SHARED / "otel-blog").rglob("*.md"):
        rel = path.relative_to(SHARED / "otel-blog")
        lang = rel.parts[0]
        translated = out / ("uk" if lang == "en" else "en") / rel
        if translated.exists():
            assert structure(translated.read_text()) == structure(path.read_text()), rel


def test_a_damaged_model_is_one_line_and_nothing_is_written(installed, runner, articles, tmp_path):
    (installed / "translate-en_uk-1_0" / "model" / "model.bin").write_bytes(b"truncated")
    out = tmp_path / "out"
    result = runner.invoke(main, ["translate", str(articles), "--to", "uk", "--out", str(out)])
    assert result.exit_code == ExitStatus.NO_MODEL
    (line,) = [row for row in result.stderr.splitlines() if "error" in row]
    assert line.startswith(f"pipeline: error: {installed / 'translate-en_uk-1_0'}: damaged package: model/model.bin: ")
    assert line.endswith("remove it (`pipeline models remove translate-en_uk-1_0`) and install it again")
    assert not out.exists()  # the package is checked before anything is written


def test_an_unexpected_bug_is_one_line(installed, runner, articles, tmp_path, monkeypatch):
    from pipeline.assemble import align

    def broken(*a, **k):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(align, "translate_document", broken)
    result = runner.invoke(main, ["translate", str(articles), "--to", "uk", "--out", str(tmp_path / "o")])
    assert result.exit_code == ExitStatus.FILES_FAILED
    assert "internal error while assembling it (ZeroDivisionError: boom); please report it" in result.stderr
