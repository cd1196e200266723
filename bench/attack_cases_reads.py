"""Attack scenarios: what the pipeline reads of its own state, made hostile: huge sparse files,
FIFOs, /dev/zero (a link and a device node), deep JSON, records of the wrong shape, hostile
names, read-only and immutable files. See bench/attack_state.py."""

from __future__ import annotations

import json
import os
import subprocess

from bench.attack_cases_records import RECORD, SUMS, change_source, record
from bench.attack_state import ARTICLE, Lab, scenario

SPARSE = 1_300_000_000
PLACES = {
    "record": RECORD,
    "pending record": RECORD + ".new",
    "sidecar": SUMS,
    "sources.txt": "out/records/sources.txt",
    ".gitattributes": "out/records/.gitattributes",
    "translated article": "out/uk/a.md",
    "bilingual JSON": "out/bilingual/a.en-uk.json",
    "memory": ".pipeline/memory.sqlite",
}


def _replace(lab: Lab, rel: str, how: str) -> None:
    p = lab.path(rel)
    if p.exists() or p.is_symlink():
        p.unlink()
    p.parent.mkdir(parents=True, exist_ok=True)
    if how == "sparse":
        with open(p, "wb") as f:
            f.write(b'{"record": "uk-en-pipeline/record/2", ')
            f.truncate(SPARSE)
    elif how == "fifo":
        os.mkfifo(p)
    elif how == "dev-zero-link":
        os.symlink("/dev/zero", p)
    elif how == "dev-zero-node":
        os.mknod(p, 0o666 | 0o020000, os.makedev(1, 5))  # a character device: /dev/zero's numbers
    elif how == "deep":
        p.write_text("[" * 200_000 + "]" * 200_000)
    elif how == "empty":
        p.write_bytes(b"")


def _all_commands(lab: Lab) -> list:
    change_source(lab)
    calls = [lab.check(), lab.translate(), lab.run("export", "src", "--out", "out"), lab.check(), lab.run("prune", "src", "--out", "out")]
    lab.path("src/c.md").write_text("# Third\n\nA third article, from another folder.\n")
    lab.write("src2/d.md", "# Fourth\n\nA fourth article in a second source folder.\n")
    calls.append(lab.run("translate", "src2", "--to", "uk", "--out", "out"))
    return calls


def _hostile_place(lab: Lab, place: str, how: str) -> tuple[str, str, bool]:
    _replace(lab, PLACES[place], how)
    calls = _all_commands(lab)
    slow = [c for c in calls if c.seconds > 30]
    long_lines = [line for c in calls for line in c.lines if len(line) > 600]
    ok = not slow and not long_lines and all(c.rc in (0, 1, 5, 6) for c in calls)
    got = "; ".join(c.short()[:140] for c in calls)
    return "no hang, no 70, one line naming the file; each command finishes in < 30 s", got, ok


for _place in PLACES:
    for _how in ("sparse", "fifo", "dev-zero-link", "dev-zero-node"):
        if _place == "memory" and _how == "sparse":
            continue  # below, with a damaged SQLite header

        @scenario("unbounded reads", f"{_how} as the {_place}: check, translate, export, check, prune, translate a 2nd folder")
        def _(lab: Lab, place=_place, how=_how):
            return _hostile_place(lab, place, how)


@scenario("unbounded reads", "1.3 GB sparse file as the memory (not a database): translate, check")
def _(lab: Lab):
    _replace(lab, PLACES["memory"], "sparse")
    change_source(lab)
    t = lab.translate()
    return "one line naming the memory; exit 6 (memory unusable) or rebuilt", t.short(), t.rc in (0, 6)


for _where in ("record", "pending record", "bilingual JSON"):

    @scenario("deep JSON", f"JSON nested 200,000 deep as the {_where}: check, translate, export, prune")
    def _(lab: Lab, where=_where):
        _replace(lab, PLACES[where], "deep")
        calls = _all_commands(lab)
        return "one line, no RecursionError", "; ".join(c.short()[:140] for c in calls), all(c.rc in (0, 1, 5) for c in calls)


@scenario("deep JSON", "importing a bilingual JSON nested 200,000 deep")
def _(lab: Lab):
    lab.write("deep.json", "{" + '"a":{' * 200_000 + "}" * 200_001)
    i = lab.run("import", "deep.json", "--out", "out")
    return "exit 1, one line naming the file", i.short(), i.rc == 1 and len(i.lines) == 1


@scenario("deep JSON", "importing an XLIFF nested 200,000 elements deep")
def _(lab: Lab):
    lab.write("deep.xlf", '<?xml version="1.0"?><xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0">' + "<a>" * 200_000)
    i = lab.run("import", "deep.xlf", "--out", "out")
    return "exit 1, one line naming the file", i.short(), i.rc == 1 and len(i.lines) == 1


# --- records of the wrong shape ----------------------------------------------------------------------


def _shaped(lab: Lab, change, pending: bool = False) -> tuple[str, str, bool]:
    data = record(lab)
    if pending:
        data["outputs"] = {"uk/a.md": "0" * 64}
        data["flagged"], data["needs_review"], data["unreviewed"] = {}, 0, 0
    data = change(data)
    lab.write(RECORD + (".new" if pending else ""), json.dumps(data, ensure_ascii=True) if not isinstance(data, str) else data)
    change_source(lab)
    calls = [lab.check(), lab.translate(), lab.run("export", "src", "--out", "out"), lab.run("prune", "src", "--out", "out")]
    ok = all(c.rc in (0, 1, 5) for c in calls) and calls[1].rc == 1
    return "damaged: one line naming the record; translate 1, check 5", "; ".join(c.short()[:150] for c in calls), ok


def _set(path: str, value):
    def change(data):
        here = data
        keys = path.split(".")
        for k in keys[:-1]:
            here = here[int(k)] if isinstance(here, list) else here[k]
        last = keys[-1]
        if isinstance(here, list):
            here[int(last)] = value
        else:
            here[last] = value
        return data

    return change


SHAPES = {
    "a JSON list": lambda d: [d],
    "a JSON string": lambda d: '"x"',
    "blocks a mapping": _set("blocks", {}),
    "a block a string": _set("blocks.0", "x"),
    "a block of three": _set("blocks.0", ["a", [], 3]),
    "a sentence's hash a number": _set("blocks.1.1.0.h", 5),
    "a sentence's target a list": _set("blocks.1.1.0.t", ["x"]),
    "a sentence's target a lone surrogate": _set("blocks.1.1.0.t", "\ud800 text"),
    "a sentence's model index 99": _set("blocks.1.1.0.m", 99),
    "a sentence's model index -1": _set("blocks.1.1.0.m", -1),
    "a sentence's model index true": _set("blocks.1.1.0.m", True),
    "a sentence's origin a list": _set("blocks.1.1.0.o", ["human"]),
    "models a mapping": _set("models", {}),
    "a model's settings a list": _set("models.0.settings", []),
    "root null": _set("root", None),
    "record format 3": _set("record", "uk-en-pipeline/record/3"),
    "target_lang another language": _set("target_lang", "de"),
    "an acknowledgement of 3 strings": _set("blocks.1.1.0.ack", [["a", "b", "c"]]),
    "history of numbers": _set("blocks.1.1.0.hist", [[1, 2, 3, 4]]),
    "an integer of 5000 digits": lambda d: json.dumps(d)[:-1] + ', "x": ' + "9" * 5000 + "}",
    "model index 1e400 (infinity)": lambda d: json.dumps(d).replace('"model": 0', '"model": 1e400'),
    "fingerprint a mapping": _set("fingerprint", {"a": 1}),
    "source_sha256 a number": _set("source_sha256", 1),
    "a block hash of 10 MB": _set("blocks.0.0", "a" * 10_000_000),
}

for _name, _change in SHAPES.items():

    @scenario("wrong shapes", f"record: {_name}")
    def _(lab: Lab, change=_change):
        return _shaped(lab, change)


PENDING_SHAPES = {
    "outputs a list": _set("outputs", [["uk/a.md", "0" * 64]]),
    "an output's hash a number": _set("outputs", {"uk/a.md": 5}),
    "flagged of a string": _set("flagged", {"x": "y"}),
    "flagged of infinity": lambda d: json.dumps(d).replace('"flagged": {}', '"flagged": {"x": 1e400}'),
    "flagged of NaN": lambda d: json.dumps(d).replace('"flagged": {}', '"flagged": {"x": NaN}'),
    "flagged a list": _set("flagged", [1]),
    "needs_review a string": _set("needs_review", "x"),
}

for _name, _change in PENDING_SHAPES.items():

    @scenario("wrong shapes", f"pending record: {_name}")
    def _(lab: Lab, change=_change):
        return _shaped(lab, change, pending=True)


SIDECARS = {
    "a count of 10 digits": "needs-review 1234567890",
    "a NUL byte in a path": "0" * 64 + "  uk/a\x00.md",
    "an undecodable byte": b"\xff\xfe".decode("latin-1"),
    "only conflict markers": "<<<<<<< HEAD\n=======\n>>>>>>> b",
    "a path of 100,000 characters": "0" * 64 + "  " + "x" * 100_000,
}

for _name, _line in SIDECARS.items():

    @scenario("wrong shapes", f"sidecar: {_name}")
    def _(lab: Lab, line=_line):
        data = lab.path(SUMS).read_bytes() + line.encode("latin-1" if "\xff" in line else "utf-8") + b"\n"
        lab.write(SUMS, data)
        change_source(lab)
        calls = [lab.check(), lab.translate(), lab.run("prune", "src", "--out", "out")]
        ok = all(c.rc in (0, 1, 5) for c in calls) and all(len(x) < 600 for c in calls for x in c.lines)
        return "one line naming the sidecar (or ignored), no 70", "; ".join(c.short()[:150] for c in calls), ok


SOURCES_TXT = {
    "a NUL byte": "../src\x00evil\n",
    "undecodable bytes": b"\xff\xfe\n",
    "a line of 900 KB": "../" + "a" * 900_000 + "\n",
    "ten thousand lines": "".join(f"../src/d{n}\n" for n in range(10_000)),
    "a line naming the records": "records\n",
    "a line naming the output folder": ".\n",
    "a line naming the project root": "..\n",
}

for _name, _text in SOURCES_TXT.items():

    @scenario("wrong shapes", f"sources.txt: {_name}")
    def _(lab: Lab, text=_text):
        lab.write("out/records/sources.txt", b"../src\n" + (text if isinstance(text, bytes) else text.encode()))
        calls = [lab.check(src=""), lab.run("prune", "--out", "out"), lab.translate()]
        ok = (
            all(c.rc in (0, 1, 5) for c in calls)
            and all(len(x) < 600 for c in calls for x in c.lines)
            and all(c.seconds < 30 for c in calls)
        )
        return "ignored or one line naming sources.txt; < 30 s", "; ".join(c.short()[:150] for c in calls), ok


# --- hostile names -----------------------------------------------------------------------------------


def _name_cycle(lab: Lab, name: bytes) -> tuple[str, str, bool]:
    folder = os.fsencode(lab.path("src"))
    with open(os.path.join(folder, name), "wb") as f:
        f.write(b"# Named\n\nAn article with a strange name was written.\n")
    t = lab.translate()
    c = lab.check()
    e = lab.run("export", "src", "--out", "out", "--force")
    os.unlink(os.path.join(folder, name))
    p = lab.run("prune", "src", "--out", "out")
    c2 = lab.check()
    calls = [t, c, e, p, c2]
    one_line = all(len(x.splitlines()) == 1 for call in calls for x in call.lines)
    ok = all(x.rc in (0, 1, 5) for x in calls) and one_line and c2.rc in (0, 5) and "damaged" not in c2.stdout
    return "translated or refused on one quoted line; prune removes it; check clean after", "; ".join(x.short()[:120] for x in calls), ok


NAMES = {
    "a newline": b"new\nline.md",
    "a backslash": b"back\\slash.md",
    "a backslash-n": b"back\\nslash.md",
    "undecodable bytes": b"bad\xff\xfe.md",
    "a tab and a carriage return": b"tab\tcr\r.md",
    "200 characters": b"n" * 197 + b".md",
    "224 characters": b"n" * 221 + b".md",
    "235 characters": b"n" * 232 + b".md",
    "250 characters": b"n" * 247 + b".md",
    "255 characters": b"n" * 252 + b".md",
    "120 Cyrillic letters (240 bytes)": ("ж" * 117).encode() + b".md",
    "two spaces": b"two  spaces.md",
    "a leading dash": b"-rf.md",
    "a git conflict marker": b"<<<<<<< x.md",
}

for _label, _name in NAMES.items():

    @scenario("hostile names", f"a source named with {_label}: translate, check, export, delete, prune, check")
    def _(lab: Lab, name=_name):
        return _name_cycle(lab, name)


@scenario("hostile names", "a source folder 30 levels deep (path of ~3,000 characters)")
def _(lab: Lab):
    rel = "/".join(["f" * 95] * 30) + "/deep.md"
    lab.write("src/" + rel, "# Deep\n\nA deeply nested article.\n")
    t = lab.translate()
    c = lab.check()
    return "translated, or one line", f"{t.short()}; {c.short()}", t.rc in (0, 1) and c.rc in (0, 5)


# --- read-only and immutable files ------------------------------------------------------------------


def _immutable(lab: Lab, rel: str, *then: str) -> tuple[str, str, bool]:
    subprocess.run(["chattr", "+i", str(lab.path(rel))], check=True)
    change_source(lab)
    change_source(lab, "src/b.md")
    calls = []
    for command in then or ("translate",):
        if command == "translate":
            calls.append(lab.translate())
        elif command == "second":
            lab.write("src2/d.md", "# Fourth\n\nA fourth article in a second source folder.\n")
            calls.append(lab.run("translate", "src2", "--to", "uk", "--out", "out"))
        elif command == "export":
            calls.append(lab.run("export", "src", "--out", "out", "--force"))
        elif command == "import":
            calls.append(lab.correct())
        elif command == "prune":
            lab.path("src/b.md").unlink()
            calls.append(lab.run("prune", "src", "--out", "out"))
    b_done = b"new paragraph" in lab.path("out/uk/b.md").read_bytes().lower() if lab.path("out/uk/b.md").exists() else False
    subprocess.run(["chattr", "-i", str(lab.path(rel))], check=True)
    c = lab.check()
    got = "; ".join(x.short()[:160] for x in calls) + f"; b written: {b_done}; then {c.short()[:80]}"
    ok = all(x.rc in (0, 1, 6) for x in calls) and all(len(x.lines) <= 3 for x in calls)
    return "costs its article (exit 1 or 6, one line), the others written", got, ok


for _rel in (RECORD, SUMS, "out/uk/a.md", "out/bilingual/a.en-uk.json", "out/uk", "out/records/uk"):

    @scenario("immutable", f"chattr +i {_rel}; sources changed; translate")
    def _(lab: Lab, rel=_rel):
        return _immutable(lab, rel, "translate")


@scenario("immutable", "chattr +i out/records/sources.txt; translate a second source folder")
def _(lab: Lab):
    return _immutable(lab, "out/records/sources.txt", "second")


@scenario("immutable", "chattr +i out/records/.gitattributes (missing a line); translate a second source folder")
def _(lab: Lab):
    lab.write("out/records/.gitattributes", "*.json -diff\n")
    return _immutable(lab, "out/records/.gitattributes", "second")


@scenario("immutable", "chattr +i the memory (.pipeline/memory.sqlite); translate")
def _(lab: Lab):
    return _immutable(lab, ".pipeline/memory.sqlite", "translate")


@scenario("immutable", "chattr +i the memory's folder (.pipeline); translate")
def _(lab: Lab):
    return _immutable(lab, ".pipeline", "translate")


@scenario("immutable", "chattr +i an exchange file; export --force")
def _(lab: Lab):
    lab.run("export", "src", "--out", "out")
    return _immutable(lab, "out/exchange/a.en-uk.xlf", "export")


@scenario("immutable", "chattr +i the record; import a correction")
def _(lab: Lab):
    return _immutable(lab, RECORD, "import")


@scenario("immutable", "chattr +i the translation of a gone article; prune")
def _(lab: Lab):
    return _immutable(lab, "out/uk/b.md", "prune")


@scenario("immutable", "chattr +i the whole output folder; translate")
def _(lab: Lab):
    return _immutable(lab, "out", "translate")


@scenario("unbounded reads", "an adopted translation of 1.3 GB (sparse): adopt", translated=False)
def _(lab: Lab):
    p = lab.write("tr/uk/a.md", ARTICLE.replace("The offensive", "Наступ"))
    os.truncate(p, SPARSE)
    a = lab.run("adopt", "src", "--out", "out", "--translations", "tr", "--to", "uk")
    return "one line naming the file, < 30 s", a.short(), a.rc in (1,) and a.seconds < 30


@scenario("unbounded reads", "an adopted translation that is a FIFO: adopt", translated=False)
def _(lab: Lab):
    lab.path("tr/uk").mkdir(parents=True)
    os.mkfifo(lab.path("tr/uk/a.md"))
    a = lab.run("adopt", "src", "--out", "out", "--translations", "tr", "--to", "uk")
    return "one line naming the file, no hang", a.short(), a.rc == 1
