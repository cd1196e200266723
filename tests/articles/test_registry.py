"""The article-format registry: formats by name and suffix, each module imported when first used."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.articles import registry
from pipeline.articles.base import ArticleFormat
from pipeline.core.config import Config

ROOT = Path(__file__).resolve().parents[2]


def test_every_registered_format_is_an_article_format_named_as_registered():
    for name, suffixes, _ in registry.FORMATS:
        fmt = registry.get(name)
        assert isinstance(fmt, ArticleFormat) and fmt.name == name and fmt.suffixes == suffixes
    assert len({s for _, suffixes, _ in registry.FORMATS for s in suffixes}) == sum(len(e[1]) for e in registry.FORMATS)


def test_the_default_include_patterns_are_every_formats_suffixes():
    assert Config().include == tuple(f"*{s}" for _, suffixes, _ in registry.FORMATS for s in suffixes)
    assert {"*.md", "*.markdown", "*.txt"} <= set(Config().include)


def test_a_file_of_another_suffix_named_explicitly_is_read_as_markdown():
    assert registry.name_for("NOTES") == registry.name_for("a.rst") == "markdown"
    assert registry.name_for("A.TXT") == "text"


def test_an_unknown_format_name_is_one_clear_error():
    with pytest.raises(ValueError, match="unknown article format 'rtf'; expected one of markdown, text"):
        registry.get("rtf")


def _modules_after(code: str, cwd) -> list[str]:
    script = f"import sys\n{code}\nprint(sorted(m for m in sys.modules if m.startswith('pipeline.articles.')))"
    out = subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert out.returncode == 0, out.stderr
    return ast.literal_eval(out.stdout.strip().splitlines()[-1])


def test_a_format_module_is_imported_only_when_one_of_its_files_is_read(tmp_path):
    (tmp_path / "a.md").write_text("# A title\n\nSome words to read.\n")
    help_ = "from pipeline.cli import main\ntry: main(['--help'])\nexcept SystemExit: pass"
    assert _modules_after(help_, tmp_path) == []
    assert not {
        m for m in _modules_after("from pipeline.core.config import Config; Config()", tmp_path) if m != "pipeline.articles.registry"
    }
    read = "from pipeline.articles.read import load; from pipeline.core.config import Config; from pathlib import Path; load(Path('a.md'), 'a.md', Config(), 'en')"
    loaded = _modules_after(read, tmp_path)
    formats = {module.split(":")[0] for _, _, module in registry.FORMATS}
    assert "pipeline.articles.markdown_format" in loaded
    assert not (formats - {"pipeline.articles.markdown_format"}) & set(loaded)
