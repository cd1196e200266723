"""Attack scenarios: where two parts of the state meet (issue 19): exchange files and the records,
pseudo output and a model, the memory and the committed folder (git checkouts, reverts, merges),
two writers (SIGKILL, two runs at once, a review save racing a translate), two source folders,
what `check` tells CI, exit statuses. See bench/attack_state.py."""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import time

from bench.attack_cases_records import RECORD, SUMS, change_source
from bench.attack_state import ARTICLE, CORRECTION, PIPELINE, Lab, scenario

SUFFIX = {"xliff": "xlf", "tmx": "tmx", "po": "po"}


def _edit_exchange(lab: Lab, kind: str, rel: str = "a") -> str:
    path = lab.path(f"out/exchange/{rel}.en-uk.{SUFFIX[kind]}")
    text = path.read_text()
    new = text.replace("⟦uk⟧ It forced Russia", "⟦uk⟧ EDITED It forced Russia", 1)
    assert new != text, "the sentence to edit is not in the exchange file"
    path.write_text(new)
    return new


for _kind in ("xliff", "tmx", "po"):

    @scenario("exchange files", f"{_kind}: edited in out/exchange, then `export` again before the import")
    def _(lab: Lab, kind=_kind):
        lab.run("export", "src", "--out", "out", "--format", kind)
        edited = _edit_exchange(lab, kind)
        again = lab.run("export", "src", "--out", "out", "--format", kind)
        kept = lab.path(f"out/exchange/a.en-uk.{SUFFIX[kind]}").read_text() == edited
        forced = lab.run("export", "src", "--out", "out", "--format", kind, "--force")
        replaced = lab.path(f"out/exchange/a.en-uk.{SUFFIX[kind]}").read_text() != edited
        ok = kept and again.rc == 1 and len(again.lines) == 1 and replaced and forced.rc == 0
        return "kept, exit 1 one line; --force replaces", f"{again.short()}; kept={kept}; --force: {forced.rc} replaced={replaced}", ok


@scenario("exchange files", "a nested article's XLIFF (src/sub/n.md) edited, export again; then --dest outside the project")
def _(lab: Lab):
    lab.write("src/sub/n.md", "# Nested\n\nIt forced Russia to divert resources.\n")
    lab.translate()
    lab.run("export", "src", "--out", "out")
    edited = _edit_exchange(lab, "xliff", "sub/n")
    again = lab.run("export", "src", "--out", "out")
    kept = lab.path("out/exchange/sub/n.en-uk.xlf").read_text() == edited
    dest = lab.dir / "peer"
    lab.run("export", "src", "--out", "out", "--dest", str(dest))
    (dest / "a.en-uk.xlf").write_text((dest / "a.en-uk.xlf").read_text().replace("⟦uk⟧ It forced", "⟦uk⟧ PEER It forced", 1))
    peer = lab.run("export", "src", "--out", "out", "--dest", str(dest))
    ok = kept and again.rc == 1 and peer.rc == 1 and "PEER" in (dest / "a.en-uk.xlf").read_text()
    return "both kept, exit 1 one line each", f"{again.short()}; {peer.short()}", ok


@scenario("exchange files", "an editor only approved units (state final) in the XLIFF; export again")
def _(lab: Lab):
    lab.run("export", "src", "--out", "out")
    path = lab.path("out/exchange/a.en-uk.xlf")
    path.write_text(path.read_text().replace('state="translated"', 'state="final"'))
    approved = path.read_text()
    again = lab.run("export", "src", "--out", "out")
    return "kept, one line", again.short(), path.read_text() == approved and again.rc == 1


@scenario("exchange files", "the exchange file of a replaced by b's (an editor saved the wrong file); export")
def _(lab: Lab):
    lab.run("export", "src", "--out", "out")
    shutil.copy(lab.path("out/exchange/b.en-uk.xlf"), lab.path("out/exchange/a.en-uk.xlf"))
    b = lab.path("out/exchange/b.en-uk.xlf").read_text()
    b_edit = b.replace("⟦uk⟧ Something", "⟦uk⟧ EDITED Something")
    lab.path("out/exchange/a.en-uk.xlf").write_text(b_edit)
    again = lab.run("export", "src", "--out", "out")
    return "kept (it holds an editor's work for b), one line", again.short(), "EDITED" in lab.path("out/exchange/a.en-uk.xlf").read_text()


# --- pseudo output and a model -------------------------------------------------------------------


@scenario("pseudo output", "translate --engine pseudo, then translate with the copy model; check", argos="copy", translated=False)
def _(lab: Lab):
    p = lab.translate("--engine", "pseudo")
    before = lab.states()
    t = lab.translate()
    after = lab.states()
    text = lab.path("out/uk/a.md").read_text()
    ok = set(before.values()) == {"pseudo"} and "⟦uk⟧" not in text and set(after.values()) == {"fresh"}
    return "pseudo before (not fresh), replaced without a flag, fresh after", f"{p.rc}; {before}; {t.short()}; {after}", ok


@scenario("pseudo output", "pseudo, an editor's correction imported, then the copy model: correction kept", argos="copy", translated=False)
def _(lab: Lab):
    lab.translate("--engine", "pseudo")
    i = lab.correct(target=CORRECTION[1])
    t = lab.translate()
    text = lab.path("out/uk/a.md").read_text()
    ok = CORRECTION[1] in text and "⟦uk⟧" not in text and set(lab.states().values()) == {"fresh"}
    return "correction kept, the rest translated, fresh", f"{i.short()}; {t.short()}; {lab.states()}", ok


@scenario("pseudo output", "pseudo output, then `check --strict` and `translate --dry-run` with a model", argos="copy", translated=False)
def _(lab: Lab):
    lab.translate("--engine", "pseudo")
    c = lab.check("--strict")
    d = lab.translate("--dry-run")
    return (
        "check 5; dry run says it would translate both",
        f"{c.short()}; {d.stdout.strip()[:120]}",
        c.rc == 5 and "would translate" in d.stdout,
    )


# --- the memory and the committed folder ----------------------------------------------------------


def _git_project(lab: Lab) -> None:
    lab.write(".gitignore", ".pipeline/\n")
    lab.git("init", "-q")
    lab.git("add", "-A")
    lab.git("commit", "-qm", "translated")


def _new_article_with_the_corrected_sentence(lab: Lab) -> str:
    lab.write("src/c.md", f"# Third\n\n{CORRECTION[0]}\n")
    lab.translate()
    return lab.path("out/uk/c.md").read_text()


def _resurrect(lab: Lab, undo) -> tuple[str, str, bool]:
    _git_project(lab)
    i = lab.correct()
    assert CORRECTION[1] in lab.path("out/uk/a.md").read_text(), i.short()
    lab.git("add", "-A")
    lab.git("commit", "-qm", "corrected")
    undo(lab)
    text = _new_article_with_the_corrected_sentence(lab)
    back = CORRECTION[1] in text
    return "the undone correction does not come back from the memory", f"{i.short()}; c.md has it: {back}", not back


@scenario("memory", "correction imported, out/ reverted with `git checkout HEAD~1 -- out`, a new article has the sentence")
def _(lab: Lab):
    return _resurrect(lab, lambda lab: lab.git("checkout", "HEAD~1", "--", "out"))


@scenario("memory", "correction imported and committed, then `git revert HEAD`, a new article has the sentence")
def _(lab: Lab):
    return _resurrect(lab, lambda lab: lab.git("revert", "--no-edit", "HEAD"))


@scenario("memory", "correction imported and committed, then `git reset --hard HEAD~1`, a new article has the sentence")
def _(lab: Lab):
    return _resurrect(lab, lambda lab: lab.git("reset", "-q", "--hard", "HEAD~1"))


@scenario("memory", "correction on a branch, `git switch` back to main, a new article has the sentence")
def _(lab: Lab):
    def undo(lab: Lab) -> None:
        lab.git("branch", "-q", "edits")
        lab.git("reset", "-q", "--hard", "HEAD~1")

    return _resurrect(lab, undo)


@scenario("memory", "correction imported, then the whole output folder deleted (rm -rf out); translate again")
def _(lab: Lab):
    i = lab.correct()
    shutil.rmtree(lab.path("out"))
    lab.translate()
    back = CORRECTION[1] in lab.path("out/uk/a.md").read_text()
    return "the correction left with its records", f"{i.short()}; back: {back}", not back


@scenario("memory", "the memory's human entry hand-planted (sqlite UPDATE of a machine entry to human); new article")
def _(lab: Lab):
    import sqlite3

    db = sqlite3.connect(lab.path(".pipeline/memory.sqlite"))
    n = db.execute("UPDATE translations SET origin='human', target_text='ПІДРОБКА' WHERE origin='machine'").rowcount
    db.commit()
    db.close()
    text = _new_article_with_the_corrected_sentence(lab)
    return (
        "a memory entry no record holds is not taken as human",
        f"{n} rows changed; planted text used: {'ПІДРОБКА' in text}",
        "ПІДРОБКА" not in text,
    )


# --- an untouched export imports -----------------------------------------------------------------


for _kind in ("xliff", "tmx", "po", "json"):

    @scenario("untouched export", f"lossy model (tags lost): {_kind} exported and imported untouched", argos="lossy")
    def _(lab: Lab, kind=_kind):
        if kind == "json":
            i = lab.run("import", "out/bilingual/a.en-uk.json", "--out", "out")
        else:
            lab.run("export", "src", "--out", "out", "--format", kind)
            i = lab.run("import", f"out/exchange/a.en-uk.{SUFFIX[kind]}", "--out", "out")
        return "exit 0, 0 refused", i.short() + " " + i.stdout.strip()[:100], i.rc == 0 and " 0 refused" in i.stdout


@scenario("untouched export", "lossy model: an editor corrects one sentence of the XLIFF; import", argos="lossy")
def _(lab: Lab):
    lab.run("export", "src", "--out", "out")
    path = lab.path("out/exchange/a.en-uk.xlf")
    text = path.read_text()
    start = text.index("<source>It forced")
    a, b = text.index("<target>", start) + 8, text.index("</target>", start)
    path.write_text(text[:a] + CORRECTION[1] + text[b:])
    i = lab.run("import", str(path), "--out", "out")
    return (
        "1 corrected, 0 refused, exit 0",
        i.short() + " " + i.stdout.strip()[:100],
        i.rc == 0 and "1 corrected" in i.stdout and " 0 refused" in i.stdout,
    )


# --- two writers ------------------------------------------------------------------------------------


def _kill_trials(lab: Lab, command: list[str], trials: int, prepare, verify) -> tuple[str, str, bool]:
    problems = []
    for n in range(trials):
        prepare(lab, n)
        proc = subprocess.Popen([*PIPELINE, *command], cwd=lab.project, env=lab.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(random.uniform(0.3, 3.5))
        proc.send_signal(signal.SIGKILL)  # this trial's own process, by its PID
        proc.wait()
        problem = verify(lab, n)
        if problem:
            problems.append(f"trial {n}: {problem}")
    return f"{trials} SIGKILLs: each next run completes, nothing lost", "; ".join(problems[:3]) or "all completed", not problems


@scenario("SIGKILL", "adopt killed at a random moment (8 trials); adopt again; translate leaves the translator's file", translated=False)
def _(lab: Lab):
    translation = ARTICLE.replace("The offensive began on Thursday.", "Наступ почався в четвер.").replace("It forced", "Це змусило")
    lab.write("tr/uk/a.md", translation)
    adopt = ["adopt", "src", "--out", "out", "--translations", "tr", "--to", "uk"]

    def prepare(lab: Lab, n: int) -> None:
        shutil.rmtree(lab.path("out"), ignore_errors=True)

    def verify(lab: Lab, n: int) -> str:
        pending = lab.path("out/records/uk/a.md.json.new").exists()
        again = lab.run(*adopt)
        # "already recorded" is right when the kill came after the commit (no pending record left)
        if again.rc != 0 or "already" in again.stdout and pending:
            return f"adopt again: {again.short()} {again.stdout.strip()[:80]}"
        t = lab.translate()
        if lab.path("out/uk/a.md").read_text() != translation:
            return f"translator's file rewritten ({t.short()})"
        return ""

    return _kill_trials(lab, adopt, 8, prepare, verify)


@scenario("SIGKILL", "import killed at a random moment (8 trials); the correction is durable or absent, never half")
def _(lab: Lab):
    lab.run("export", "src", "--out", "out")
    xlf = lab.path("out/exchange/a.en-uk.xlf")
    text = xlf.read_text()
    start = text.index("<source>It forced")
    a, b = text.index("<target>", start) + 8, text.index("</target>", start)
    xlf.write_text(text[:a] + CORRECTION[1] + text[b:])

    def prepare(lab: Lab, n: int) -> None:
        pass

    def verify(lab: Lab, n: int) -> str:
        t = lab.translate()
        again = lab.run("import", str(xlf), "--out", "out")
        if again.rc != 0:
            return f"import again: {again.short()}"
        if CORRECTION[1] not in lab.path("out/uk/a.md").read_text():
            return f"correction missing after re-import ({t.short()})"
        temp = [p.name for p in lab.path("out").rglob("*pipeline-tmp")]
        return f"temporary files left: {temp}" if temp else ""

    return _kill_trials(lab, ["import", str(xlf), "--out", "out"], 8, prepare, verify)


@scenario("SIGKILL", "export killed at a random moment (8 trials) over 60 articles: no half-written exchange file")
def _(lab: Lab):
    for n in range(60):
        lab.write(f"src/m/n{n:02d}.md", f"# Article {n}\n\nThe weather on day {n} was fine. It rained.\n")
    lab.translate()

    def verify(lab: Lab, n: int) -> str:
        bad = []
        for p in lab.path("out/exchange").rglob("*.xlf") if lab.path("out/exchange").exists() else ():
            if not p.read_text().rstrip().endswith("</xliff>"):
                bad.append(p.name)
        again = lab.run("export", "src", "--out", "out")
        return f"half files {bad[:3]}" if bad else (f"export again: {again.short()}" if again.rc != 0 else "")

    return _kill_trials(lab, ["export", "src", "--out", "out"], 8, lambda lab, n: None, verify)


def _many(lab: Lab, n: int = 150) -> None:
    for i in range(n):
        lab.write(f"src/many/n{i:03d}.md", f"# Article {i}\n\nThe weather on day {i} was fine. Forces advanced {i} km.\n")


@scenario("two writers", "two `translate` runs at once over 150 articles")
def _(lab: Lab):
    _many(lab)
    first = subprocess.Popen([*PIPELINE, "translate", "src", "--to", "uk", "--out", "out"], cwd=lab.project, env=lab.env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    time.sleep(2.5)
    second = lab.translate()
    out, err = first.communicate(timeout=300)
    c = lab.check()
    ok = first.returncode == 0 and second.rc in (0, 7) and c.rc == 5 and "damaged" not in c.stdout
    return (
        "the second exits 7 on one line (or runs after); check clean",
        f"first {first.returncode}; {second.short()}; {c.short()[:80]}",
        ok,
    )


@scenario("two writers", "import, prune and adopt while a translate of 150 articles runs")
def _(lab: Lab):
    _many(lab)
    lab.run("export", "src", "--out", "out")
    first = subprocess.Popen([*PIPELINE, "translate", "src", "--to", "uk", "--out", "out"], cwd=lab.project, env=lab.env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    time.sleep(2.5)
    calls = [lab.run("import", "out/exchange/a.en-uk.xlf", "--out", "out"), lab.run("prune", "src", "--out", "out"),
             lab.run("adopt", "src", "--out", "out", "--translations", "out")]  # fmt: skip
    first.communicate(timeout=300)
    ok = all(c.rc in (0, 1, 7) for c in calls) and first.returncode == 0
    return (
        "each 7 on one line (or done after), the translate 0",
        "; ".join(c.short()[:100] for c in calls) + f"; translate {first.returncode}",
        ok,
    )


@scenario("two writers", "a review save racing a translate of 150 articles (the save waits or says busy; nothing lost)")
def _(lab: Lab):
    _many(lab)
    change_source(lab)
    script = (
        "from pipeline.core.config import load\nfrom pipeline.review.project import Project\nfrom pipeline.review.saving import Place\n"
        "from pipeline.workspace import Workspace\nimport time\n"
        "p = Project(Workspace.open(load(), 'out'), ['src'], wait=0.5)\n"
        "art = p.article('uk', 'b.md')\ns = next(s for s in art.sentences() if s.editable)\n"
        "import sys; sys.stdout.write('ready\\n'); sys.stdout.flush(); time.sleep(2.5)\n"
        f"r = p.save(Place('uk', 'b.md', s.id, s.base), {CORRECTION[1]!r})\nprint(r.status, r.message[:80])\n"
    )
    save = subprocess.Popen(
        [*PIPELINE[:1], "-c", script], cwd=lab.project, env=lab.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    save.stdout.readline()
    first = subprocess.Popen([*PIPELINE, "translate", "src", "--to", "uk", "--out", "out"], cwd=lab.project, env=lab.env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    said, err = save.communicate(timeout=120)
    first.communicate(timeout=300)
    lab.translate()
    text = lab.path("out/uk/b.md").read_text()
    saved = said.startswith("saved")
    ok = (saved and CORRECTION[1] in text) or (said.startswith("busy") and CORRECTION[1] not in text)
    return (
        "saved and kept, or busy and not saved",
        f"save: {said.strip()[:100]} {err.strip()[-100:]}; translate {first.returncode}; in b: {CORRECTION[1] in text}",
        ok,
    )


# --- one output path, one source article ----------------------------------------------------------


def _second_folder(lab: Lab, name: str) -> tuple[str, str, bool]:
    lab.correct()
    record_before = lab.path(RECORD).read_bytes()
    lab.write("src2/a.md", "# Another\n\nA different article with the same path.\n")
    t = lab.run("translate", name, "--to", "uk", "--out", "out")
    same = lab.path(RECORD).read_bytes() == record_before and CORRECTION[1] in lab.path("out/uk/a.md").read_text()
    return "refused on one line (exit 1); src/a.md's record and correction intact", f"{t.short()}; intact={same}", same and t.rc == 1


@scenario("two source folders", "translate src2 (another a.md) into the same out")
def _(lab: Lab):
    return _second_folder(lab, "src2")


@scenario("two source folders", "translate src2/a.md named as a file, by its absolute path")
def _(lab: Lab):
    return _second_folder(lab, str(lab.path("src2/a.md")))


@scenario("two source folders", "src2 is a symlink to src (the same article): translate src2")
def _(lab: Lab):
    import os

    os.symlink("src", lab.path("src2"))
    t = lab.run("translate", "src2", "--to", "uk", "--out", "out")
    return "the same article: unchanged, exit 0", t.short(), t.rc == 0


@scenario("two source folders", "check and export of src2 while src/a.md holds the output")
def _(lab: Lab):
    lab.write("src2/a.md", "# Another\n\nA different article with the same path.\n")
    c = lab.run("check", "src2", "--out", "out")
    e = lab.run("export", "src2", "--out", "out")
    return (
        "check says missing (5), export writes nothing of src's a.md",
        f"{c.short()}; {e.short()}",
        c.rc == 5 and not lab.path("out/exchange").exists(),
    )


# --- what check tells CI ----------------------------------------------------------------------------


def _tampered(lab: Lab, rel: str, how) -> tuple[str, str, bool]:
    how(lab.path(rel))
    before = lab.states()
    t = lab.translate()
    after = lab.states()
    ok = before.get("src/a.md") != "fresh" and "src/a.md" in before
    return "not fresh; translate writes it again or refuses a hand edit on one line", f"{before}; {t.short()}; {after}", ok


for _rel, _label, _how in (
    ("out/uk/a.md", "truncated to 0 bytes", lambda p: p.write_bytes(b"")),
    ("out/uk/a.md", "made white space only", lambda p: p.write_text("\n \n")),
    ("out/uk/a.md", "deleted", lambda p: p.unlink()),
    ("out/uk/a.md", "one byte appended", lambda p: p.write_bytes(p.read_bytes() + b"\n")),
    ("out/bilingual/a.en-uk.json", "truncated to 0 bytes", lambda p: p.write_bytes(b"")),
    ("out/bilingual/a.en-uk.html", "deleted", lambda p: p.unlink()),
    ("out/uk/a.md", "replaced by a hard link to an identical copy outside", None),
):

    @scenario("check tells CI", f"{_rel} {_label}: check, translate, check")
    def _(lab: Lab, rel=_rel, how=_how):
        if how is None:
            import os

            shutil.copy(lab.path(rel), lab.dir / "peer-copy")
            lab.path(rel).unlink()
            os.link(lab.dir / "peer-copy", lab.path(rel))
            states = lab.states()
            t = lab.translate()
            (lab.dir / "peer-copy").unlink()
            return "as fresh as before (same bytes), nothing written outside", f"{states}; {t.short()}", t.rc == 0
        return _tampered(lab, rel, how)


@scenario("check tells CI", "check with the copy model: fresh only when the output is what was recorded", argos="copy")
def _(lab: Lab):
    first = lab.states()
    lab.path("out/uk/a.md").write_text(lab.path("out/uk/a.md").read_text() + "Hand-added line.\n")
    second = lab.states()
    return "fresh, then modified", f"{first}; {second}", first.get("src/a.md") == "fresh" and second.get("src/a.md") == "modified"


# --- merge conflicts inside records, real git -----------------------------------------------------


def _conflicting_branches(lab: Lab) -> subprocess.CompletedProcess:
    _git_project(lab)
    lab.git("switch", "-qc", "left")
    lab.correct(target="Ліва правка.")
    lab.git("add", "-A")
    lab.git("commit", "-qm", "left")
    lab.git("switch", "-q", "main")
    lab.correct(target="Права правка.")
    lab.git("add", "-A")
    lab.git("commit", "-qm", "right")
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@x", "merge", "left"], cwd=lab.project, capture_output=True, text=True
    )


@scenario("merge conflicts", "two branches corrected the same sentence; git merge; translate, check, follow the advice")
def _(lab: Lab):
    merge = _conflicting_branches(lab)
    change_source(lab, "src/b.md")
    t = lab.translate()
    c = lab.check()
    named = any("conflict" in x and "git checkout --ours" in x for x in t.lines)
    b_ok = "new paragraph" in lab.path("out/uk/b.md").read_text().lower()
    lab.git("checkout", "--ours", "--", "out")
    fixed = lab.translate()
    ok = merge.returncode != 0 and t.rc == 1 and named and b_ok and c.rc == 5 and fixed.rc == 0
    return (
        "named as a conflict with the command, b written, check 5; the advice works",
        f"{t.short()[:200]}; {c.short()[:80]}; after advice {fixed.short()[:100]}",
        ok,
    )


@scenario("merge conflicts", "the same, without records/.gitattributes (so the sidecar conflicts too)")
def _(lab: Lab):
    lab.path("out/records/.gitattributes").unlink()
    merge = _conflicting_branches(lab)
    t = lab.translate()
    c = lab.check()
    named = any("conflict" in x for x in t.lines)
    return (
        "named as a conflict, check 5",
        f"merge {merge.returncode}; {t.short()[:200]}; {c.short()[:100]}",
        named and c.rc == 5 and t.rc == 1,
    )


@scenario("merge conflicts", "the two branches also translated different source folders (sources.txt both sides)")
def _(lab: Lab):
    _git_project(lab)
    lab.git("switch", "-qc", "left")
    lab.write("left/l.md", "# Left\n\nThe left branch article.\n")
    lab.run("translate", "left", "--to", "uk", "--out", "out")
    lab.git("add", "-A")
    lab.git("commit", "-qm", "left")
    lab.git("switch", "-q", "main")
    lab.write("right/r.md", "# Right\n\nThe right branch article.\n")
    lab.run("translate", "right", "--to", "uk", "--out", "out")
    lab.git("add", "-A")
    lab.git("commit", "-qm", "right")
    merge = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@x", "merge", "-q", "left", "-m", "m"],
        cwd=lab.project,
        capture_output=True,
        text=True,
    )
    c = lab.check(src="")
    listed = lab.path("out/records/sources.txt").read_text()
    ok = merge.returncode == 0 and "../left" in listed and "../right" in listed and c.rc == 5 and not c.lines
    return "merged by union; check lists all three folders, no error line", f"merge {merge.returncode}; {c.short()[:160]}", ok


@scenario("merge conflicts", "two checkouts (git clone) correcting different articles, merged: both corrections survive")
def _(lab: Lab):
    lab.correct()  # a.md's correction in the first checkout is made before the clone, committed below
    _git_project(lab)
    peer = lab.dir / "peer"
    subprocess.run(["git", "clone", "-q", str(lab.project), str(peer)], check=True)
    lab.run("translate", "src", "--to", "uk", "--out", "out", cwd=peer)
    xlf = lab.run("export", "src", "--out", "out", cwd=peer)
    path = peer / "out/exchange/b.en-uk.xlf"
    text = path.read_text()
    a, b = text.index("<target>") + 8, text.index("</target>")
    path.write_text(text[:a] + "Правка з другої копії." + text[b:])
    i = lab.run("import", str(path), "--out", "out", cwd=peer)
    lab.git("add", "-A", cwd=peer)
    lab.git("commit", "-qm", "peer", cwd=peer)
    lab.git("pull", "-q", "--no-rebase", str(peer), "main")
    lab.translate()
    both = CORRECTION[1] in lab.path("out/uk/a.md").read_text() and "Правка з другої копії." in lab.path("out/uk/b.md").read_text()
    return "both corrections in the merged checkout", f"{xlf.rc}; {i.short()}; both={both}", both


@scenario("gitattributes", "a user line in records/.gitattributes; a second source folder translated")
def _(lab: Lab):
    ga = lab.path("out/records/.gitattributes")
    ga.write_text(ga.read_text() + "*.json -diff\n")
    lab.write("src2/d.md", "# Fourth\n\nA fourth article.\n")
    t = lab.run("translate", "src2", "--to", "uk", "--out", "out")
    return "the user's line kept", t.short(), "*.json -diff" in ga.read_text()


@scenario("gitattributes", "records/.gitattributes replaced by the user's own (no pipeline lines, no final newline)")
def _(lab: Lab):
    ga = lab.path("out/records/.gitattributes")
    ga.write_text("*.json linguist-generated")
    lab.write("src2/d.md", "# Fourth\n\nA fourth article.\n")
    lab.run("translate", "src2", "--to", "uk", "--out", "out")
    text = ga.read_text()
    ok = "*.json linguist-generated\n" in text and "sources.txt merge=union" in text and "*.outputs merge=union" in text
    return "user line kept whole, pipeline lines added", repr(text), ok


# --- exit statuses ----------------------------------------------------------------------------------


for _cmd in (
    ["check", "nosuch/", "--out", "out"],
    ["translate", "nosuch/", "--to", "uk", "--out", "out"],
    ["export", "nosuch/", "--out", "out"],
    ["prune", "nosuch/", "--out", "out"],
    ["adopt", "nosuch/", "--out", "out"],
    ["import", "nosuch.xlf", "--out", "out"],
    ["check", "src", "nosuch.md", "--out", "out"],
    ["translate", "src", "nosuch.md", "--to", "uk", "--out", "out"],
    ["check", "no\nsuch", "--out", "out"],
    ["check", "src", "--out", "nosuch-out"],
    ["export", "src", "--out", "nosuch-out"],
    ["import", "out/bilingual/a.en-uk.json", "--out", "nosuch-out"],
    ["prune", "src", "--out", "nosuch-out"],
):

    @scenario("exit statuses", " ".join(_cmd).replace("\n", "\\n"))
    def _(lab: Lab, cmd=_cmd):
        call = lab.run(*cmd)
        ok = call.rc == 2 and len(call.lines) == 1
        return "2 (usage), one line", call.short(), ok


@scenario("exit statuses", "check of a project whose records hold one damaged record among fresh ones (CI)")
def _(lab: Lab):
    lab.write(SUMS, "garbage\n")
    c = lab.check("--format", "github")
    return "5, the damaged record named", c.short() + " " + c.stdout.strip()[:160], c.rc == 5 and "a.md" in c.stdout


@scenario("exit statuses", "check --json on a conflicted record says damaged, with the fix")
def _(lab: Lab):
    text = lab.path(RECORD).read_text().splitlines(keepends=True)
    lab.path(RECORD).write_text("".join(text[:3] + ["<<<<<<< HEAD\n", text[3], "=======\n", text[3], ">>>>>>> b\n"] + text[4:]))
    c = lab.check("--json")
    items = json.loads(c.stdout)["translations"] if c.stdout.strip().startswith("{") else []
    states = {t["source"]: (t["status"], t.get("detail", "")) for t in items}
    ok = c.rc == 5 and states.get("src/a.md", ("", ""))[0] == "damaged" and "git checkout" in states["src/a.md"][1]
    return "5, damaged with the command", f"{c.short()[:80]} {states}", ok
