"""pipeline review: the local review app, served for real (uvicorn on 127.0.0.1, an ephemeral port).

HTTP-level tests drive it with httpx; the browser tests drive Debian's chromium through
Playwright (never `playwright install`) and skip, with the reason, where it cannot start.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from pipeline.cli import main
from pipeline.commands.exchange import base_of
from pipeline.core.config import load as load_config
from pipeline.core.identity import HUMAN
from pipeline.review import actions
from pipeline.review import app as review_app
from pipeline.review.project import Project
from pipeline.store import records
from pipeline.store.layout import Layout
from pipeline.workspace import Workspace

ARTICLE = """---
title: Kursk operation
lang: en
---

# What is known

The offensive began on Thursday. Forces advanced *quickly* with `code` and [a link](https://example.com).

It forced Russia to divert resources.
"""
OTHER = "# Other news\n\nSomething else happened today.\n"
FLAGGED = "The offensive began on Thursday."  # the glossary wants "наступ": the pseudo engine keeps "offensive"
MARKUP = "Forces advanced <g1>quickly</g1> with <x2/> and <g3>a link</g3>."
PLAIN = "It forced Russia to divert resources."
REL = "news/kursk.md"


@pytest.fixture
def project(argos_env, tmp_path, runner, monkeypatch):
    root = tmp_path / "newsroom"
    (root / "src/news").mkdir(parents=True)
    (root / "src/news/kursk.md").write_text(ARTICLE)
    (root / "src/other.md").write_text(OTHER)
    (root / "config.yaml").write_text("memory: .pipeline/memory.sqlite\nsources: [src]\n")
    (root / "locales/uk").mkdir(parents=True)
    (root / "locales/uk/glossary.yaml").write_text("terms:\n  - source: offensive\n    target: наступ\n    forms: [наступу, наступом]\n")
    monkeypatch.chdir(root)
    result = runner.invoke(main, ["translate", "src", "--engine", "pseudo", "--to", "uk", "--out", "out"])
    assert result.exit_code == 0 and "glossary 1" in result.stdout, result.output
    return root


@pytest.fixture
def server(project):
    running = review_app.make(Project(Workspace.open(load_config(), project / "out"), [], wait=0.3), "127.0.0.1", 0).start()
    yield running
    running.stop()


def origin(server) -> str:
    return server.url.split("/?")[0]


class Rows(HTMLParser):
    """The sentence rows of an article page: id -> their data attributes."""

    def __init__(self):
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-sid" in a and "data-base" in a:
            self.rows[a["data-sid"]] = {k[5:]: v for k, v in a.items() if k.startswith("data-")}


class Editor:
    """One editor's session over plain HTTP: the token once, then the cookie."""

    def __init__(self, server):
        self.server = server
        self.client = httpx.Client(base_url=origin(server), timeout=30)
        first = self.client.get(server.url)
        assert first.status_code == 303 and "token" not in first.headers["location"]
        self.client.cookies.set(f"pipeline-review-{server.port}", server.url.split("token=")[1])

    def rows(self, rel: str = REL) -> dict[str, dict[str, str]]:
        page = self.client.get(f"/a/uk/{rel}")
        assert page.status_code == 200, page.text
        parser = Rows()
        parser.feed(page.text)
        return parser.rows

    def row(self, source: str, rel: str = REL) -> dict[str, str]:
        return next(r for r in self.rows(rel).values() if r["source"] == source)

    def save(self, row: dict[str, str], text: str, approve: bool = False, rel: str = REL, **headers) -> httpx.Response:
        body = {"target": "uk", "rel": rel, "id": row["sid"], "base": row["base"], "text": text}
        return self.client.post(
            f"/api/action/{'approve' if approve else 'save'}", json=body, headers={"Origin": origin(self.server), **headers}
        )

    def close(self):
        self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@pytest.fixture
def editor(server):
    e = Editor(server)
    yield e
    e.close()


def article(project) -> str:
    return (project / "out/uk/news/kursk.md").read_text()


def origins(project) -> dict[str, str]:
    data = json.loads((project / "out/bilingual/news/kursk.en-uk.json").read_text())
    return {s["source"]: s["origin"] for b in data["blocks"] for s in b["sentences"]}


def check_json(runner) -> dict[str, dict]:
    result = runner.invoke(main, ["check", "src", "--out", "out", "--json"])
    return {t["source"]: t for t in json.loads(result.stdout)["translations"]}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- security --------------------------------------------------------------------------------


def test_every_request_needs_the_token_which_becomes_a_strict_cookie(server):
    with httpx.Client(base_url=origin(server)) as client:
        for path in ("/", f"/a/uk/{REL}", "/static/review.js", "/?token=wrong"):
            assert client.get(path).status_code == 403, path
        assert client.post("/api/action/save", json={}, headers={"Origin": origin(server)}).status_code == 403
        first = client.get(server.url.replace("/?", "/?flag=flagged&"))
        assert first.status_code == 303 and first.headers["location"] == "/?flag=flagged"  # the token leaves the URL
        cookie = first.headers["set-cookie"]
        assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/" in cookie
        client.cookies.set(f"pipeline-review-{server.port}", server.url.split("token=")[1])
        page = client.get("/")
        assert page.status_code == 200 and REL in page.text
        csp = page.headers["content-security-policy"]
        nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
        assert "unsafe-inline" not in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        scripts = re.findall(r"<script[^>]*>", page.text)
        assert scripts == [f'<script src="/static/review.js" nonce="{nonce}" defer>']  # no inline script at all


def test_a_foreign_host_is_refused(server, editor):
    port = server.port
    for host in (f"evil.example:{port}", f"localhost:{port}", "127.0.0.1", f"127.0.0.1:{port + 1}"):
        assert editor.client.get("/", headers={"Host": host}).status_code == 421, host
    row = editor.row(PLAIN)
    assert editor.save(row, "Чуже.", Host=f"evil.example:{port}").status_code == 421
    assert editor.client.get("/").status_code == 200


def test_a_write_from_another_origin_is_refused(project, editor):
    before = snapshot(project / "out")
    row = editor.row(PLAIN)
    body = {"target": "uk", "rel": REL, "id": row["sid"], "base": row["base"], "text": "Підробка."}
    for headers in (
        {"Origin": "http://evil.example"},
        {},
        {"Origin": "null"},
        {"Origin": origin(editor.server), "Sec-Fetch-Site": "cross-site"},
    ):
        assert editor.client.post("/api/action/save", json=body, headers=headers).status_code == 403, headers
    # a form post (the only write another page could make without CORS) is not JSON
    form = editor.client.post("/api/action/save", data=body, headers={"Origin": origin(editor.server)})
    assert form.status_code == 415
    assert snapshot(project / "out") == before


@pytest.mark.parametrize(
    "path",
    [
        "/a/uk/../../config.yaml",
        "/a/uk/..%2F..%2Fconfig.yaml",
        "/a/uk/%2Fetc%2Fpasswd",
        "/a/uk/news/none.md",
        "/a/xx/news/kursk.md",
        "/a/en/news/kursk.md",
        "/a/uk/src/news/kursk.md",
        "/static/..%2F__init__.py",
        "/static/review.py",
    ],
)
def test_no_url_reaches_a_file_outside_the_articles(editor, path):
    response = editor.client.get(path)
    assert response.status_code == 404, response.text
    assert "memory:" not in response.text and "root:" not in response.text


# --- saving: exactly the import path -------------------------------------------------------------


def test_saving_and_approving_over_http_go_through_the_import_path(project, editor, runner):
    flagged, plain = editor.row(FLAGGED), editor.row(PLAIN)
    saved = editor.save(flagged, "Наступ почався в четвер.")
    assert saved.status_code == 200 and saved.json()["status"] == "saved", saved.text
    assert saved.json()["origin"] == "human" and saved.json()["base"] == base_of("Наступ почався в четвер.")
    approved = editor.save(plain, plain["machine"], approve=True)  # the machine target, unchanged
    assert approved.json()["status"] == "approved", approved.text
    text = article(project)
    assert "Наступ почався в четвер." in text and "⟦uk⟧ It forced Russia to divert resources." in text
    assert origins(project)[FLAGGED] == origins(project)[PLAIN] == "human" and origins(project)["Kursk operation"] == "machine"
    report = check_json(runner)["src/news/kursk.md"]
    assert report["status"] == "pseudo" and report["unreviewed"] == 3  # 5 sentences, 2 reviewed; pseudo output is never fresh
    assert check_json(runner)["src/other.md"]["unreviewed"] == 2
    record = records.load(Layout(project / "out").record("uk", REL))
    assert sum(s.origin == HUMAN for s in record.sentences()) == 2
    # a following run (of the same engine: a real one would translate over the pseudo text) translates nothing and keeps both
    before = snapshot(project / "out")
    again = runner.invoke(main, ["translate", "src", "--to", "uk", "--out", "out", "--engine", "pseudo"])
    assert again.exit_code == 0 and "0 translated" in again.stdout, again.output
    assert snapshot(project / "out") == before


def test_a_stale_review_shows_the_editors_version_and_what_changed_in_the_source(project, editor, runner):
    assert editor.save(editor.row(PLAIN), "Це змусило Росію відволікти ресурси.").json()["status"] == "saved"
    assert editor.row(PLAIN)["machine"] == f"⟦uk⟧ {PLAIN}"  # revert offers the machine text the memory keeps
    source = project / "src/news/kursk.md"
    source.write_text(source.read_text().replace(PLAIN, "It forced Russia to divert many resources."))
    assert runner.invoke(main, ["translate", "src", "--engine", "pseudo", "--to", "uk", "--out", "out"]).exit_code == 0
    home = editor.client.get("/?state=needs-review").text
    assert f'href="/a/uk/{REL}"' in home and "other.md" not in home
    page = editor.client.get(f"/a/uk/{REL}?show=flagged").text
    assert "stale-review" in page and "Editor's earlier version" in page and "Це змусило Росію відволікти ресурси." in page
    assert "divert <ins>many </ins>resources" in page
    row = editor.row("It forced Russia to divert many resources.")
    assert row["suggestion"] == "Це змусило Росію відволікти ресурси."  # "use earlier version" puts it in the editor
    assert editor.save(row, row["suggestion"]).json()["status"] == "saved"
    assert check_json(runner)["src/news/kursk.md"]["status"] == "pseudo"  # reviewed again; the rest is still pseudo text


def test_markup_the_import_path_refuses_is_refused_with_its_reason(project, editor):
    row = editor.row(MARKUP)
    before = article(project)
    lost = editor.save(row, "Сили просунулися <g1>швидко з <x2/> та <g3>посиланням</g3>.")
    assert lost.status_code == 422 and "paired markup" in lost.json()["message"]
    unknown = editor.save(row, "Сили <x7/> просунулися.")
    assert unknown.status_code == 422 and "code the source does not have" in unknown.json()["message"]
    control = editor.save(row, "Сили\x00 просунулися.")
    assert control.status_code == 422 and "control characters" in control.json()["message"]
    assert article(project) == before
    good = editor.save(row, "Сили просунулися <g1>швидко</g1> з <x2/> та <g3>посиланням</g3>.")
    assert good.json()["status"] == "saved"
    assert "Сили просунулися *швидко* з `code` та [посиланням](https://example.com)." in article(project)


def test_two_editors_saving_one_sentence_is_a_conflict_and_nothing_is_lost(project, server, editor):
    other = Editor(server)
    mine, theirs = editor.row(PLAIN), other.row(PLAIN)  # both pages loaded the same version
    assert editor.save(mine, "Перша редакторка.").json()["status"] == "saved"
    second = other.save(theirs, "Другий редактор.")
    assert second.status_code == 409
    body = second.json()
    assert body["status"] == "conflict" and body["mine"] == "Другий редактор." and body["current"] == "Перша редакторка."
    assert "Перша редакторка." in article(project) and "Другий редактор." not in article(project)
    # approving the version the page showed is no approval of what is there now
    stale_approve = other.save(theirs, other.row(PLAIN)["source"], approve=True)
    assert stale_approve.json()["status"] == "conflict"
    # "keep mine": saved again against the version the conflict showed
    kept = other.save({**theirs, "base": body["base"]}, "Другий редактор.")
    assert kept.json()["status"] == "saved"
    assert "Другий редактор." in article(project) and "Перша редакторка." not in article(project)
    # and the first editor's old page is now the one in conflict, not silently overwriting
    again = editor.save(mine, "Перша знову.")
    assert again.json()["status"] == "conflict" and again.json()["current"] == "Другий редактор."
    other.close()


HOLD_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""


def test_a_run_holding_the_output_folder_is_reported_and_nothing_is_lost(project, editor):
    row = editor.row(PLAIN)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(project / "out")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        busy = editor.save(row, "Під час перекладу.")
        assert busy.status_code == 409 and busy.json()["status"] == "busy"
        assert "writing the output folder" in busy.json()["message"] and busy.json()["mine"] == "Під час перекладу."
        assert "Під час перекладу." not in article(project)
    finally:
        holder.stdin.close()
        holder.wait(10)
    assert editor.save(row, "Під час перекладу.").json()["status"] == "saved"
    assert "Під час перекладу." in article(project)


def test_the_command_prints_the_address_and_warns_off_loopback(project):
    exe = [sys.executable, "-m", "pipeline", "review", "--out", "out", "--no-browser"]
    proc = subprocess.Popen([*exe, "--host", "127.0.0.2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.2:\d+/\?token=[\w-]{40,}", url), (
            url,
            proc.stderr.read() if proc.poll() is not None else "",
        )
        first = httpx.get(url)
        assert first.status_code == 303 and "pipeline-review-" in first.headers["set-cookie"]
    finally:
        proc.terminate()  # the process this test started, by its handle
        _, err = proc.communicate(timeout=10)
    assert "warning: listening on 127.0.0.2" in err


def test_the_base_install_does_not_import_the_web_stack():
    code = "import sys; from pipeline.cli import main; print(any(m in sys.modules for m in ('starlette', 'uvicorn')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- in a real browser ----------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("needs Debian's chromium (.ci/run installs it); Playwright never downloads a browser here")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")
    try:
        pw = sync_api.sync_playwright().start()
    except Exception as e:  # e.g. no driver for this platform
        pytest.skip(f"playwright cannot start: {e}")
    try:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    except Exception as e:  # a chromium too old or too new for this playwright, a missing library...
        pw.stop()
        pytest.skip(f"chromium cannot be driven by playwright here: {str(e).splitlines()[0]}")
    yield chromium
    chromium.close()
    pw.stop()


@pytest.fixture
def page(browser, server):
    context = browser.new_context()
    p = context.new_page()
    p.set_default_timeout(10_000)
    p.dialogs = []
    p.errors = []
    p.on("dialog", lambda d: (p.dialogs.append(d.message), d.dismiss()) if d.type != "beforeunload" else d.accept())
    p.on("pageerror", lambda e: p.errors.append(str(e)))
    p.goto(server.url)
    yield p
    context.close()


def open_article(page, rel: str = REL, query: str = ""):
    page.goto(origin_of(page) + f"/a/uk/{rel}{query}")
    page.wait_for_selector("main#article")


def origin_of(page) -> str:
    return re.match(r"http://[^/]+", page.url).group(0)


def test_an_editor_works_with_the_keyboard(project, page, runner):
    # home: filter to flagged translations
    assert page.locator("table.articles tbody tr").count() == 2
    with page.expect_navigation():
        page.select_option("select[name=flag]", "flagged")  # submits on change
    assert page.locator("table.articles tbody tr").count() == 1
    page.click(f"text={REL}")
    page.wait_for_selector("main#article")
    # next flagged sentence, edit, save: keyboard only
    page.keyboard.press("f")
    current = page.locator(".pair.current")
    assert current.locator(".src").inner_text() == FLAGGED and "glossary" in current.inner_text()
    page.keyboard.press("Enter")
    page.keyboard.press("Control+a")
    page.keyboard.type("Наступ почався в четвер.")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(f".pair.origin-human:has-text('{FLAGGED}')")
    assert page.locator("#count-flagged").inner_text() == "0"
    # saving went on to the next sentence that needs attention, in the editor; leave it, go to another, approve
    assert page.evaluate("document.activeElement.classList.contains('editor')")
    page.keyboard.press("Escape")
    for _ in range(10):
        if page.locator(".pair.current .src").inner_text() == PLAIN:
            break
        page.keyboard.press("j")
    page.keyboard.press("a")
    page.wait_for_selector(f".pair.origin-human:has-text('{PLAIN}')")
    assert page.locator("#count-unreviewed").inner_text() == "3"
    assert not page.dialogs and not page.errors
    # what the output folder says
    text = article(project)
    assert "Наступ почався в четвер." in text and "⟦uk⟧ It forced Russia to divert resources." in text
    assert origins(project)[FLAGGED] == origins(project)[PLAIN] == "human"
    report = check_json(runner)["src/news/kursk.md"]
    assert report["status"] == "pseudo" and report["unreviewed"] == 3
    before = snapshot(project / "out")
    again = runner.invoke(main, ["translate", "src", "--to", "uk", "--out", "out", "--engine", "pseudo"])
    assert again.exit_code == 0 and "0 translated" in again.stdout, again.output
    assert snapshot(project / "out") == before


def test_chips_stay_whole_and_a_refusal_keeps_the_editors_text(project, page):
    open_article(page)
    row = page.locator(".pair", has_text="Forces advanced")
    editor = row.locator(".editor")
    assert editor.locator(".chip").count() == 5  # em open/close, code, link open/close
    assert editor.locator(".chip").first.get_attribute("contenteditable") == "false"
    # copy the source: the chips come with it; an edit keeps them
    row.locator("button[data-local=copy]").click()
    page.keyboard.press("End")
    page.keyboard.type(" Додано.")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".pair.origin-human:has-text('Forces advanced')")
    assert "with `code` and [a link](https://example.com). Додано." in article(project)
    # a lost chip: the app lists it; the server refuses the crossed markup with its reason, the text stays
    row = page.locator(".pair", has_text="Forces advanced")
    row.locator(".editor .chip[data-tag='</g1>']").evaluate("c => { c.remove(); }")
    row.locator(".editor").press("End")
    row.locator(".editor").type("!")
    assert row.locator(".missing-chips .chip").count() == 1
    row.locator("button[data-action=save]").click()
    page.wait_for_selector(".pair .msg.error")
    assert "paired markup" in row.locator(".msg").inner_text()
    assert "!" in row.locator(".editor").inner_text() and "unsaved" in row.get_attribute("class")
    assert not page.errors


def test_two_editors_in_browsers_see_the_conflict_with_both_versions(project, page, browser, server):
    other_context = browser.new_context()
    other = other_context.new_page()
    other.goto(server.url)
    open_article(page)
    open_article(other)
    for p, text in ((page, "Перша редакторка."), (other, "Другий редактор.")):
        row = p.locator(".pair", has_text=PLAIN)
        row.locator(".editor").click()
        p.keyboard.press("Control+a")
        p.keyboard.type(text)
        p.keyboard.press("Control+Enter")
    conflict = other.locator(".pair", has_text=PLAIN).locator(".conflict")
    conflict.wait_for()
    assert "Перша редакторка." in conflict.locator(".theirs").inner_text()
    assert "Другий редактор." in conflict.locator(".mine").inner_text()
    assert "Перша редакторка." in article(project)
    conflict.locator("button", has_text="Keep mine").click()
    other.wait_for_selector(f".pair.origin-human:has-text('{PLAIN}'):not(.unsaved)")
    assert "Другий редактор." in article(project)
    other_context.close()


HOSTILE = """---
title: "<script>window.pwned=1;alert(1)</script>"
---

# Heading <img src=x onerror="window.pwned=2;alert(2)">

A paragraph with <script>window.pwned=3</script> inline, `<img src=x onerror=alert(3)>` and <svg onload="alert(4)"></svg>.

[click me](javascript:alert(5)) and "><b id=pwned6>x</b> and <x1/> typed.
"""


def test_no_script_from_a_source_or_a_target_runs(project, page, server, runner):
    (project / "src/news/hostile.md").write_text(HOSTILE)
    assert runner.invoke(main, ["translate", "src", "--engine", "pseudo", "--to", "uk", "--out", "out"]).exit_code == 0
    hostile_target = '"><img src=x onerror="window.pwned=7;alert(7)"><script>alert(8)</script>'
    with Editor(server) as e:
        rows = e.rows("news/hostile.md")
        first = next(iter(rows.values()))
        assert e.save(first, hostile_target, rel="news/hostile.md").json()["status"] == "saved"
    open_article(page, "news/hostile.md")
    # the app's own script runs on this page (the checks below are not vacuous)...
    page.keyboard.press("j")
    assert page.locator(".pair.current").count() == 1
    page.keyboard.press("k")
    # ...and the paths that build the editor from text (copy the source, revert) run on every sentence
    for _ in range(page.locator(".pair").count()):
        page.keyboard.press("j")
        page.keyboard.press("c")
        page.keyboard.press("Escape")
        page.keyboard.press("r")
        page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    assert page.evaluate("window.pwned") is None
    assert page.locator("#pwned6").count() == 0
    assert "onerror" in page.content()  # shown as text, escaped
    assert not page.dialogs and not page.errors
    page.goto(origin_of(page) + "/?q=onerror")
    assert page.locator("table.articles tbody tr").count() == 1 and not page.dialogs
    # the listener does see a script that runs
    page.goto("about:blank")
    page.set_content("<img src=x onerror=\"alert('control')\">")
    page.wait_for_timeout(300)
    assert page.dialogs == ["control"]


# --- the server's surface: bodies, restarts, the printed address ---------------------------------------


def raw_post(server, body_chunks, headers: dict[str, str]) -> tuple[int, int, bytes]:
    """POST over a raw socket, sending chunks until the server answers: (bytes sent, status, reply)."""
    import select
    import socket

    cookie = f"pipeline-review-{server.port}={server.url.split('token=')[1]}"
    head = {"Host": f"127.0.0.1:{server.port}", "Origin": origin(server), "Content-Type": "application/json", "Cookie": cookie, **headers}
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
    sock.sendall(("POST /api/action/save HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items()) + "\r\n").encode())
    sent = 0
    reply = b""
    try:
        for chunk in body_chunks:
            if select.select([sock], [], [], 0)[0]:
                break  # the server answered: stop sending, as a client reading its socket would
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        sock.settimeout(30)
        while b"\r\n\r\n" not in reply:
            more = sock.recv(65536)
            if not more:
                break
            reply += more
    finally:
        sock.close()
    return sent, int(reply.split(b" ", 2)[1]), reply


def test_a_chunked_50_mb_body_is_refused_after_1_mb_is_read(project, server):
    before = snapshot(project / "out")
    piece = b"x" * 65536
    chunks = (b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(800))  # 52 MB, chunked, no Content-Length
    sent, status, _ = raw_post(server, chunks, {"Transfer-Encoding": "chunked"})
    assert status == 413
    assert sent < 8_000_000  # the server answered after MAX_BODY and the socket buffers, long before 50 MB
    declared, status, _ = raw_post(server, [b"{}"], {"Content-Length": "52000000"})
    assert status == 413 and declared == 2  # a declared size past the limit is refused before any body is read
    assert snapshot(project / "out") == before


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # deep nesting: no RecursionError
        b'{"target": "uk", "rel": "news/kursk.md", "id": {"a": [[[[[1]]]]]}, "base": "x", "text": "y"}',
        b'{"target": "uk", "rel": "news/kursk.md", "id": "s0-0-000000000000", "base": "00000000", "text": "\\ud800"}',  # lone surrogate
        b'{"target": "uk", "rel": "news/kursk.md", "id": "s0-0-000000000000", "base": "00000000", "text": 5}',
        b'{"target": "uk", "rel": "news/kursk.md", "id": "s0-0-000000000000", "base": "00000000", "text": "t", "restored": "yes"}',
        b'{"target": "uk", "rel": "news/kursk.md", "id": "s0-0-000000000000", "base": "00000000", "text": "t", "acknowledge": ["a", 1]}',
        b'{"target": "uk", "rel": "news/kursk.md", "id": "s0-0-000000000000", "base": "00000000", "text": "t", "extra": 1}',
        b'{"target": "uk", "rel": "news/kursk.md"}',
        b"\xff\xfe not utf-8",
        b"[1, 2]",
        b"",
    ],
)
def test_any_body_the_app_cannot_parse_is_400(editor, body):
    for path in (f"/api/action/{name}" for name in actions.registered()):
        response = editor.client.post(path, content=body, headers={"Origin": origin(editor.server), "Content-Type": "application/json"})
        assert response.status_code == 400, (path, response.text)
        assert response.json()["status"] == "refused"


def test_a_tab_from_before_a_restart_is_told_so(project, editor):
    row = editor.row(PLAIN)
    name, token = f"pipeline-review-{editor.server.port}", editor.server.url.split("token=")[1]
    editor.client.cookies.clear()
    editor.client.cookies.set(name, "an-earlier-launch-token")
    stale = editor.save(row, "Текст, що не має пропасти.")
    assert stale.status_code == 403 and stale.json()["status"] == "restarted"
    assert "restarted" in stale.json()["message"] and "open the address" in stale.json()["message"]
    page = editor.client.get(f"/a/uk/{REL}")
    assert page.status_code == 403 and "restarted" in page.text
    editor.client.cookies.clear()
    assert "restarted" not in editor.client.get("/").text  # no cookie at all: just "open the address"
    editor.client.cookies.set(name, token)
    assert editor.client.get("/").status_code == 200


def test_the_printed_address_answers_the_instant_it_is_printed(project):
    import socket

    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "review", "--out", "out", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]+)", url)
        assert m, (url, proc.stderr.read() if proc.poll() is not None else "")
        with socket.create_connection(("127.0.0.1", int(m.group(1))), timeout=10) as sock:  # no retry, no wait
            sock.sendall(f"GET /?token={m.group(2)} HTTP/1.1\r\nHost: 127.0.0.1:{m.group(1)}\r\nConnection: close\r\n\r\n".encode())
            assert sock.recv(64).startswith(b"HTTP/1.1 303")
    finally:
        proc.terminate()  # the process this test started, by its handle
        proc.communicate(timeout=10)
