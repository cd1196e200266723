"""Writer, directly: every output checked before anything of the article is written (one line
when refused, never a hang), nothing a person wrote overwritten, and the crash-safe commit that a
real SIGKILL cannot leave half done."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipeline.core.errors import InputError
from pipeline.store.layout import Layout
from pipeline.workspace import Workspace
from tests.helpers import KURSK, pseudo_project, pseudo_translation

ROOT = Path(__file__).resolve().parent.parent
CHANGED = KURSK.replace("Forces advanced.", "Forces advanced quickly.")


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    pseudo_project(tmp_path)
    (tmp_path / "articles" / "kursk.md").write_text(CHANGED, encoding="utf-8")  # the next write has work to do
    return tmp_path


def workspace(project: Path) -> Workspace:
    return Workspace.open(pseudo_project(project, {}, run_it=False), None, ("articles",))


def files(project: Path) -> dict[str, bytes]:
    out = project / "translations"
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.fixture
def no_hang():
    def stop(signum, frame):
        raise TimeoutError("the write waited")

    signal.signal(signal.SIGALRM, stop)
    signal.alarm(20)
    yield
    signal.alarm(0)


def test_a_fifo_at_an_output_is_refused_in_one_line_and_nothing_is_written(project, no_hang):
    article = project / "translations" / "uk" / "kursk.md"
    article.unlink()
    os.mkfifo(article)
    before = files(project)
    ws = workspace(project)
    with pytest.raises(InputError) as e:
        ws.writer().write(pseudo_translation(ws))
    assert str(e.value) == f"articles/kursk.md: {article} is not a regular file (a FIFO); not overwritten"
    assert files(project) == before  # not the bilingual files, not the record


def test_a_symbolic_link_at_an_output_is_refused_and_not_followed(project, tmp_path_factory):
    victim = tmp_path_factory.mktemp("victim") / "important.json"
    victim.write_text("{}\n", encoding="utf-8")
    output = project / "translations" / "bilingual" / "kursk.en-uk.json"
    output.unlink()
    output.symlink_to(victim)
    ws = workspace(project)
    with pytest.raises(InputError) as e:
        ws.writer().write(pseudo_translation(ws))
    assert str(e.value) == f"articles/kursk.md: output path {output} leads outside the output folder"
    assert victim.read_text(encoding="utf-8") == "{}\n" and output.is_symlink()


def test_an_output_edited_by_hand_is_not_overwritten(project):
    article = project / "translations" / "uk" / "kursk.md"
    article.write_text("Відредаговано вручну.\n", encoding="utf-8")
    ws = workspace(project)
    with pytest.raises(InputError) as e:
        ws.writer().write(pseudo_translation(ws))
    assert "was changed by hand since the pipeline wrote it; not overwritten" in str(e.value)
    assert article.read_text(encoding="utf-8") == "Відредаговано вручну.\n"


def test_an_emptied_output_or_the_pipelines_own_is_written_again(project):
    article = project / "translations" / "uk" / "kursk.md"
    article.write_text("", encoding="utf-8")
    ws = workspace(project)
    path, record = ws.writer().write(pseudo_translation(ws))
    assert "⟦uk⟧ Forces advanced quickly." in article.read_text(encoding="utf-8")
    assert path == Layout(project / "translations").record("uk", "kursk.md") and not Layout.pending(path).exists()
    assert ws.store.outputs_problem(record) == ""


KILL_AFTER_PENDING = textwrap.dedent(
    """
    import os, signal
    from pipeline.store.durable import Batch
    from pipeline.workspace import Workspace
    from tests.helpers import pseudo_project, pseudo_translation

    publish = Batch.publish

    def publish_then_die(self, staged):
        publish(self, staged)
        if staged.path.name.endswith(".json.new"):
            os.kill(os.getpid(), signal.SIGKILL)  # the pending record is in place, nothing else yet

    Batch.publish = publish_then_die
    ws = Workspace.open(pseudo_project(Path.cwd(), {}, run_it=False), None, ("articles",))
    ws.writer().write(pseudo_translation(ws))
    """
).replace("import os, signal", "import os, signal\nfrom pathlib import Path")


def test_a_write_killed_after_its_pending_record_is_completed_by_the_next(project):
    record = Layout(project / "translations").record("uk", "kursk.md")
    before = files(project)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.run([sys.executable, "-c", KILL_AFTER_PENDING], cwd=project, env=env, capture_output=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    pending = Layout.pending(record)
    assert pending.is_file()  # pending first...
    assert {k: v for k, v in files(project).items() if not k.endswith(".json.new")} == before  # ...and nothing else changed
    ws = workspace(project)
    t = pseudo_translation(ws)
    assert t.stored.pending is not None  # the next writer sees the interrupted write
    ws.writer().write(t)
    assert not pending.exists()
    assert "⟦uk⟧ Forces advanced quickly." in (project / "translations" / "uk" / "kursk.md").read_text(encoding="utf-8")
    assert ws.store.stored("uk", "kursk.md").record.source_sha256 == t.td.document.sha256


def test_remove_deletes_only_inside_the_output_folder(project, tmp_path_factory):
    ws = workspace(project)
    writer = ws.writer()
    html = project / "translations" / "bilingual" / "kursk.en-uk.html"
    assert writer.remove(html) and not html.exists()
    assert not writer.remove(html)  # gone already: nothing to do
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "keep.md").write_text("mine\n", encoding="utf-8")
    (project / "translations" / "linked").symlink_to(elsewhere)
    with pytest.raises(Exception, match="symbolic link"):
        writer.remove(project / "translations" / "linked" / "keep.md")
    assert (elsewhere / "keep.md").read_text(encoding="utf-8") == "mine\n"
