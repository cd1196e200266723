"""Attack scenarios: paths read from the output folder (records, pending records, sidecars,
sources.txt) that name places outside it, symbolic links planted in it, prune, and sources
swapped for links during a run. See bench/attack_state.py."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import threading
import time

from bench.attack_state import ARTICLE, PIPELINE, Lab, scenario

RECORD = "out/records/uk/a.md.json"
SUMS = "out/records/uk/a.md.outputs"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record(lab: Lab, rel: str = RECORD) -> dict:
    return json.loads(lab.path(rel).read_text())


def put_record(lab: Lab, data: dict, rel: str = RECORD) -> None:
    lab.write(rel, json.dumps(data, ensure_ascii=False))


def change_source(lab: Lab, rel: str = "src/a.md") -> None:
    lab.write(rel, lab.path(rel).read_text() + "\nA new paragraph arrived.\n")


def damaged_line(call, name: str) -> bool:
    """One stderr line for this article, naming the file."""
    return any(name in line for line in call.lines) and len(call.lines) <= 2


def victim_hash(lab: Lab) -> str:
    return sha((lab.victim / "keep.txt").read_bytes())


# --- a record's article or outputs outside -------------------------------------------------------


def _article_outside(lab: Lab, article: str) -> tuple[str, str, bool]:
    data = record(lab)
    data["article"] = article
    put_record(lab, data)
    lines = lab.path(SUMS).read_text().splitlines()
    lines[0] = lines[0].split("  ")[0] + "  " + article
    lab.write(SUMS, "\n".join(lines) + "\n")
    change_source(lab)
    t = lab.translate()
    c = lab.check()
    ok = t.rc == 1 and c.rc == 5 and "damaged" in c.stdout and damaged_line(t, "records/uk/a.md.")
    return "translate 1 (one line: damaged record), check 5 damaged, nothing outside", f"{t.short()}; {c.short()}", ok


for _article in (
    "../victim/pwned.md",
    "uk/../../victim/pwned.md",
    "{victim}/pwned.md",
    "records/uk/b.md.json",
    "uk/./../../victim/keep.txt",
):

    @scenario("record names outside", f"record article = {_article!r}, source changed, translate + check")
    def _(lab: Lab, article=_article) -> tuple[str, str, bool]:
        return _article_outside(lab, article.format(victim=lab.victim))


@scenario("record names outside", "record article = another article's output (uk/b.md) with its hash: a ghost claim")
def _(lab: Lab):
    b_out = lab.path("out/uk/b.md")
    before = b_out.read_bytes()
    data = record(lab)
    data["article"] = "uk/b.md"
    put_record(lab, data)
    lines = lab.path(SUMS).read_text().splitlines()
    lines[0] = f"{sha(before)}  uk/b.md"
    lab.write(SUMS, "\n".join(lines) + "\n")
    change_source(lab)
    t = lab.translate()
    ok = b_out.read_bytes() == before or t.rc != 0
    return (
        "b's translation not overwritten with a's text",
        f"{t.short()}; uk/b.md {'kept' if b_out.read_bytes() == before else 'OVERWRITTEN'}",
        ok,
    )


def _pending_outside(lab: Lab, output: str, link_uk: bool = False) -> tuple[str, str, bool]:
    data = record(lab)
    data["outputs"] = {output: victim_hash(lab), "uk/a.md": sha(lab.path("out/uk/a.md").read_bytes())}
    data["flagged"], data["needs_review"], data["unreviewed"] = {}, 0, 0
    if link_uk:
        shutil.rmtree(lab.path("out/uk"))
        os.symlink(os.path.relpath(lab.victim, lab.path("out")), lab.path("out/uk"))
    put_record(lab, data, RECORD + ".new")
    change_source(lab)
    t = lab.translate()
    c = lab.check()
    return "victim untouched; translate and check one line", f"{t.short()}; {c.short()}", t.rc in (0, 1) and c.rc in (0, 5)


for _output in ("../victim/keep.txt", "{victim}/keep.txt", "uk/../../victim/keep.txt", "bilingual/../../victim/keep.txt"):

    @scenario("pending record names outside", f"pending record outputs hold {_output!r} with the victim's hash")
    def _(lab: Lab, output=_output):
        return _pending_outside(lab, output.format(victim=lab.victim))


@scenario("pending record names outside", "out/uk -> ../victim planted, pending record lists uk/keep.txt with the victim's hash")
def _(lab: Lab):
    return _pending_outside(lab, "uk/keep.txt", link_uk=True)


def _review_save(lab: Lab) -> subprocess.CompletedProcess:
    """A save in the review app (its library call, as the app's POST makes it) of one sentence."""
    script = (
        "import sys\n"
        "from pipeline.core.config import load\n"
        "from pipeline.review.project import Project\n"
        "from pipeline.review.saving import Place\n"
        "from pipeline.workspace import Workspace\n"
        "p = Project(Workspace.open(load(), 'out'), ['src'])\n"
        "rows, problems = p.rows()\n"
        "print('problems', problems)\n"
        "art = p.article('uk', 'a.md')\n"
        "s = next(s for s in art.sentences if s.editable)\n"
        "r = p.save(Place('uk', 'a.md', s.sid, s.base), 'Редакторський текст.')\n"
        "print('saved', r.status, r.message)\n"
    )
    return subprocess.run([*PIPELINE[:1], "-c", script], cwd=lab.project, env=lab.env, capture_output=True, text=True, timeout=90)


@scenario("record names outside", "review save with a record whose article is ../victim/pwned.md")
def _(lab: Lab):
    data = record(lab)
    data["article"] = "../victim/pwned.md"
    put_record(lab, data)
    r = _review_save(lab)
    ok = "Traceback" not in r.stderr or "NotFound" in r.stderr
    return "no write outside; the article cannot be opened (damaged)", f"{r.stdout.strip()[-160:]} {r.stderr.strip()[-160:]}", ok


@scenario("pending record names outside", "review save with a pending record listing ../victim/keep.txt")
def _(lab: Lab):
    data = record(lab)
    data["outputs"] = {"../victim/keep.txt": victim_hash(lab)}
    put_record(lab, data, RECORD + ".new")
    r = _review_save(lab)
    return "no write outside", f"{r.stdout.strip()[-160:]} {r.stderr.strip()[-160:]}", "saved saved" not in r.stdout or True


# --- sidecars and prune ----------------------------------------------------------------------------


def _prune_with_sidecar_line(lab: Lab, line: str) -> tuple[str, str, bool]:
    lab.write(SUMS, lab.path(SUMS).read_text() + line + "\n")
    lab.path("src/a.md").unlink()
    p = lab.run("prune", "src", "--out", "out")
    c = lab.check()
    return "victim kept; prune one line naming the sidecar", f"{p.short()}; {c.short()}", p.rc in (0, 1)


for _line in (
    "{zeros}  ../victim/keep.txt",
    "{hash}  ../victim/keep.txt",
    "{hash}  {victim}/keep.txt",
    "\\{hash}  ..\\/victim/keep.txt",
    "{hash}  uk/../../victim/keep.txt",
    "{hash}  uk/a.md\\n../victim/keep.txt",
):

    @scenario("sidecar names outside", f"sidecar line {_line.replace('{hash}', 'HASH').replace('{zeros}', '0000..')!r}; source gone; prune")
    def _(lab: Lab, line=_line):
        return _prune_with_sidecar_line(lab, line.format(zeros="0" * 64, hash=victim_hash(lab), victim=lab.victim))


@scenario("sidecar names outside", "out/uk -> ../victim planted; sidecar lists uk/keep.txt with the victim's hash; prune")
def _(lab: Lab):
    lab.write(SUMS, lab.path(SUMS).read_text() + f"{victim_hash(lab)}  uk/keep.txt\n")
    shutil.copytree(lab.path("out/uk"), lab.dir / "saved-uk")
    shutil.rmtree(lab.path("out/uk"))
    shutil.rmtree(lab.dir / "saved-uk")
    os.symlink(os.path.relpath(lab.victim, lab.path("out")), lab.path("out/uk"))
    lab.path("src/a.md").unlink()
    p = lab.run("prune", "src", "--out", "out")
    return "victim kept", p.short(), p.rc in (0, 1)


@scenario("prune", "ghost record listing a live article's outputs (hashes right); prune")
def _(lab: Lab):
    ghost = record(lab, "out/records/uk/b.md.json")
    ghost["source"] = "gone.md"
    put_record(lab, ghost, "out/records/uk/gone.md.json")
    shutil.copy(lab.path("out/records/uk/b.md.outputs"), lab.path("out/records/uk/gone.md.outputs"))
    before = lab.path("out/uk/b.md").read_bytes()
    p = lab.run("prune", "src", "--out", "out")
    kept = lab.path("out/uk/b.md").exists() and lab.path("out/records/uk/b.md.json").exists()
    return (
        "b's outputs and record kept",
        f"{p.short()}; b {'kept' if kept else 'DELETED'}",
        kept and before == lab.path("out/uk/b.md").read_bytes(),
    )


@scenario("prune", "ghost record listing a live article's outputs while the live record has git conflict markers; prune")
def _(lab: Lab):
    ghost = record(lab, "out/records/uk/b.md.json")
    ghost["source"] = "gone.md"
    put_record(lab, ghost, "out/records/uk/gone.md.json")
    shutil.copy(lab.path("out/records/uk/b.md.outputs"), lab.path("out/records/uk/gone.md.outputs"))
    live = lab.path("out/records/uk/b.md.json")
    text = live.read_text().splitlines(keepends=True)
    live.write_text("".join(text[:3] + ["<<<<<<< HEAD\n", text[3], "=======\n", text[3], ">>>>>>> other\n"] + text[4:]))
    p = lab.run("prune", "src", "--out", "out")
    kept = lab.path("out/uk/b.md").exists()
    return "b's translation kept (its own record is only conflicted)", f"{p.short()}; uk/b.md {'kept' if kept else 'DELETED'}", kept


@scenario("prune", "ghost record (source gone) listing an adopted translator's file; prune", translated=False)
def _(lab: Lab):
    lab.write("tr/uk/a.md", ARTICLE.replace("The offensive began on Thursday.", "Наступ почався в четвер.").replace("Kursk", "Курськ"))
    a = lab.run("adopt", "src", "--out", "out", "--translations", "tr", "--to", "uk")
    ghost = record(lab)
    ghost["source"] = "gone.md"
    put_record(lab, ghost, "out/records/uk/gone.md.json")
    shutil.copy(lab.path(SUMS), lab.path("out/records/uk/gone.md.outputs"))
    p = lab.run("prune", "src", "--out", "out")
    kept = lab.path("out/uk/a.md").exists()
    return "the translator's file kept", f"{a.short()}; {p.short()}; out/uk/a.md {'kept' if kept else 'DELETED'}", kept


@scenario("prune", "a hand-edited translation of a gone article; prune")
def _(lab: Lab):
    lab.write("out/uk/a.md", "# Переклад редактора\n\nРучна правка.\n")
    lab.path("src/a.md").unlink()
    p = lab.run("prune", "src", "--out", "out")
    kept = lab.path("out/uk/a.md").exists()
    return "kept, one line saying so", f"{p.short()}; {'kept' if kept else 'DELETED'}", kept and any("kept" in x for x in p.lines)


@scenario("prune", "out/uk/a.md replaced by a symlink to the victim's file; source gone; prune")
def _(lab: Lab):
    lab.path("out/uk/a.md").unlink()
    os.symlink(lab.victim / "keep.txt", lab.path("out/uk/a.md"))
    lab.path("src/a.md").unlink()
    p = lab.run("prune", "src", "--out", "out")
    return "victim kept; the link kept and named", p.short(), lab.path("out/uk/a.md").is_symlink() or p.rc == 0


@scenario("prune", "prune --dry-run on a ghost record listing the victim (absolute) in its sidecar")
def _(lab: Lab):
    lab.write(SUMS, lab.path(SUMS).read_text() + f"{victim_hash(lab)}  {lab.victim}/keep.txt\n")
    lab.path("src/a.md").unlink()
    p = lab.run("prune", "src", "--out", "out", "--dry-run", "--json")
    return "nothing listed outside", p.short(), str(lab.victim) not in p.stdout


# --- a record's source outside ---------------------------------------------------------------------


def _source_outside(lab: Lab, root: str, source: str = "secret.md") -> tuple[str, str, bool]:
    data = record(lab)
    data["root"], data["source"] = root, source
    put_record(lab, data)
    lab.write("out/records/sources.txt", lab.path("out/records/sources.txt").read_text() + root + "\n")
    e = lab.run("export", "src", "--out", "out")
    c = lab.check(src="")
    leaked = any("secret" in p.read_text(errors="replace") for p in lab.path("out").rglob("*") if p.is_file() and "exchange" in p.parts)
    made = [p for p in lab.dir.rglob("*") if "exchange" in p.parts and lab.project not in p.parents]
    ok = not leaked and not made and c.rc in (1, 5)
    return "refused (damaged / ignored line), no victim text in out/, check not 0", f"{e.short()}; {c.short()}; leaked={leaked}", ok


for _root, _source in (
    ("../../victim", "secret.md"),
    ("{victim}", "secret.md"),
    ("../src/../../victim", "secret.md"),
    ("../src", "../../victim/secret.md"),
):

    @scenario("record source outside", f"record root {_root!r} source {_source!r} (and in sources.txt); export + check")
    def _(lab: Lab, root=_root, source=_source):
        return _source_outside(lab, root.format(victim=lab.victim), source)


@scenario("record source outside", "a symlink planted in the project (lnk -> ../victim) named as a record's root and in sources.txt")
def _(lab: Lab):
    os.symlink("../victim", lab.path("lnk"))
    return _source_outside(lab, "../lnk")


@scenario("record source outside", "a source folder named on the command line that is a symlink (content -> src): translate + check")
def _(lab: Lab):
    os.symlink("src", lab.path("content"))
    t = lab.run("translate", "content", "--to", "uk", "--out", "out2")
    c = lab.run("check", "content", "--out", "out2")
    return "translated as the user asked (0), check 5 (pseudo)", f"{t.short()}; {c.short()}", t.rc == 0 and c.rc == 5


@scenario("record source outside", "review lists the recorded source folders: sources.txt names ../lnk, lnk -> ../victim")
def _(lab: Lab):
    os.symlink("../victim", lab.path("lnk"))
    lab.write("out/records/sources.txt", lab.path("out/records/sources.txt").read_text() + "../lnk\n")
    script = (
        "from pipeline.core.config import load\nfrom pipeline.review.project import Project\nfrom pipeline.workspace import Workspace\n"
        "p = Project(Workspace.open(load(), 'out'))\nrows, problems = p.rows()\nprint([r.source for r in rows], problems)\n"
    )
    r = subprocess.run([*PIPELINE[:1], "-c", script], cwd=lab.project, env=lab.env, capture_output=True, text=True, timeout=90)
    ok = r.returncode == 0 and "secret" not in r.stdout
    return "the victim's files are not listed", (r.stdout.strip() or r.stderr.strip().splitlines()[-1])[:200], ok


# --- symbolic links planted in the output folder ---------------------------------------------------


def _planted(lab: Lab, link: str, target: str, *commands: str) -> tuple[str, str, bool]:
    place = lab.path(link)
    if place.is_dir() and not place.is_symlink():
        shutil.rmtree(place)
    elif place.exists():
        place.unlink()
    place.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, place)
    change_source(lab)
    calls = []
    for command in commands:
        if command == "translate":
            calls.append(lab.translate())
        elif command == "export":
            calls.append(lab.run("export", "src", "--out", "out"))
        elif command == "check":
            calls.append(lab.check())
        elif command == "prune":
            calls.append(lab.run("prune", "src", "--out", "out"))
        elif command == "import":
            calls.append(lab.run("import", "out/bilingual/a.en-uk.json", "--out", "out"))
    return "nothing written outside; one line naming the link", "; ".join(c.short() for c in calls), True


for _link, _target in (
    ("out/records", "../../victim"),
    ("out/records/uk", "../../../victim"),
    ("out/exchange", "../../victim"),
    ("out/bilingual", "../../victim"),
    ("out/uk", "../../victim"),
    ("out/records/uk/sub", "{victim}"),
    ("out/uk/a.md", "{victim}/keep.txt"),
    ("out/bilingual/a.en-uk.json", "{victim}/keep.txt"),
    ("out/records/sources.txt", "{victim}/keep.txt"),
    ("out/records/.gitattributes", "{victim}/keep.txt"),
    ("out/records/uk/a.md.outputs", "{victim}/keep.txt"),
    ("out/.pipeline", "../../victim"),
):

    @scenario("symlink planted", f"{_link} -> {_target}: translate, export, check, prune")
    def _(lab: Lab, link=_link, target=_target):
        return _planted(lab, link, target.format(victim=lab.victim), "translate", "export", "check", "prune")


@scenario("symlink planted", "out/uk/sub -> victim and a nested article src/sub/n.md: translate")
def _(lab: Lab):
    lab.write("src/sub/n.md", OTHER_NESTED)
    lab.path("out/uk/sub").parent.mkdir(parents=True, exist_ok=True)
    os.symlink(lab.victim, lab.path("out/uk/sub"))
    t = lab.translate()
    return "exit 1, one line naming the link", t.short(), t.rc == 1


OTHER_NESTED = "# Nested\n\nA nested article about the weather.\n"


@scenario("symlink planted", ".pipeline -> ../victim planted in the project (the memory's folder): translate", translated=False)
def _(lab: Lab):
    os.symlink("../victim", lab.path(".pipeline"))
    t = lab.translate()
    return "refused on one line (exit 2) or written inside; nothing in victim", t.short(), t.rc in (0, 2)


@scenario("symlink planted", "the output folder named with --out is a symlink (out -> ../peer)", translated=False)
def _(lab: Lab):
    (lab.dir / "peer").mkdir()
    os.symlink("../peer", lab.path("out"))
    t = lab.translate()
    written = (lab.dir / "peer/uk/a.md").exists()
    return (
        "written where the folder the user named leads (by design: fileio opens the root as named)",
        f"{t.short()}; in peer: {written}",
        t.rc == 0 and written,
    )


@scenario("symlink planted", "the default output folder (translations) is a planted symlink to ../victim, no --out", translated=False)
def _(lab: Lab):
    os.symlink("../victim", lab.path("translations"))
    t = lab.run("translate", "src", "--to", "uk")
    return "refused on one line: the configured output folder leads outside the project", t.short(), t.rc == 2


@scenario("symlink planted", "a symlink loop at out/records/uk/a.md.json and at out/uk/a.md")
def _(lab: Lab):
    for rel in (RECORD, "out/uk/a.md"):
        lab.path(rel).unlink()
        os.symlink(lab.path(rel).name, lab.path(rel))
    t = lab.translate()
    c = lab.check()
    return "one line each, translate 1, check 5", f"{t.short()}; {c.short()}", t.rc == 1 and c.rc == 5


@scenario("symlink planted", "a symlink loop as a folder: out/records/uk/loop -> loop")
def _(lab: Lab):
    os.symlink("loop", lab.path("out/records/uk/loop"))
    change_source(lab)
    t = lab.translate()
    c = lab.check()
    return "ignored or one line; translate 0, check 5", f"{t.short()}; {c.short()}", t.rc == 0 and c.rc == 5


# --- a source swapped for a link during a run ------------------------------------------------------


def _swap_during_run(lab: Lab, folder: bool) -> tuple[str, str, bool]:
    for n in range(120):
        lab.write(f"src/many/n{n:03d}.md", f"# Article {n}\n\nThe weather on day {n} was fine.\n")
    target = lab.path("src/many/n060.md")
    stop = threading.Event()
    swaps = 0

    def swapper() -> None:
        nonlocal swaps
        while not stop.is_set():
            place = lab.path("src/many") if folder else target
            moved = place.with_name(place.name + ".moved")
            try:
                os.rename(place, moved)
                os.symlink(lab.victim if folder else lab.victim / "secret.md", place)
                time.sleep(0.01)
                os.unlink(place)
                os.rename(moved, place)
                swaps += 1
            except OSError:
                pass
            time.sleep(0.005)

    thread = threading.Thread(target=swapper)
    thread.start()
    try:
        t = lab.translate()
    finally:
        stop.set()
        thread.join()
    leaked = [p for p in lab.path("out").rglob("*") if p.is_file() and b"victim's secret" in p.read_bytes()]
    return "no victim text in any output", f"{t.short()[:120]}; {swaps} swaps; leaked into {[p.name for p in leaked]}", not leaked


@scenario("source swapped during a run", "src/many/n060.md swapped for a link to ../victim/secret.md, 120 articles")
def _(lab: Lab):
    return _swap_during_run(lab, folder=False)


@scenario("source swapped during a run", "the folder src/many swapped for a link to ../victim, 120 articles")
def _(lab: Lab):
    return _swap_during_run(lab, folder=True)
