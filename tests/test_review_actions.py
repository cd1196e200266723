"""Issue 26's paper test, run: a review action that is not the package's is one module
(tests/review_checked.py) plus one line in ``pipeline.review.actions.ACTIONS``. Through the real
app (uvicorn on 127.0.0.1, an ephemeral port; httpx, then Debian's chromium) its button and key
are on the article page, its POST writes through importing.apply (the record shows it), and the
guard and the body checks hold for it without the module doing anything."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from pipeline.core.config import load as load_config
from pipeline.review import actions
from pipeline.review import app as review_app
from pipeline.review.project import Project
from pipeline.store.layout import Layout
from pipeline.workspace import Workspace
from tests import test_review_app, test_review_project
from tests.test_review_app import Editor, origin
from tests.test_review_editing_browser import new_page, row
from tests.test_review_project import FLAGGED, NUMBER, PLAIN, REL

chromium = test_review_app.browser
newsroom = test_review_project.newsroom
BUTTON = re.compile(r'<button type="button" data-action="checked" data-body="([^"]*)"[^>]*>Checked</button>')


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setattr(actions, "ACTIONS", (*actions.ACTIONS, "tests.review_checked"))  # the one line


def serve(newsroom):
    project = Project(Workspace.open(load_config(), newsroom / "out"), [], wait=0.3, editor="Olena")
    return review_app.make(project, "127.0.0.1", 0).start()


@pytest.fixture
def server(newsroom, registered):
    running = serve(newsroom)
    yield running
    running.stop()


def recorded(newsroom) -> list[dict]:
    """The article record's sentences, one line each: what `git diff` of the output folder shows."""
    text = Layout(newsroom / "out").record("uk", REL).read_text(encoding="utf-8")
    return [json.loads(line.strip().rstrip(",")) for line in text.splitlines() if line.strip().startswith('{"h"')]


def checked(e: Editor, source: str, **body) -> httpx.Response:
    r = e.row(source)
    sent = {"target": "uk", "rel": REL, "id": r["sid"], "base": r["base"], **body}
    return e.client.post("/api/action/checked", json=sent, headers={"Origin": origin(e.server)})


def test_a_registered_action_has_its_button_and_key_and_writes_through_the_import_path(newsroom, server):
    with Editor(server) as e:
        page = e.client.get(f"/a/uk/{REL}").text
        buttons = BUTTON.findall(page)
        assert len(buttons) == 5  # every translated sentence of the article offers it
        assert '<dt data-keys="y"' in page and "checked: the sentence" in page
        assert json.loads(buttons[0].replace("&quot;", '"')) == {"flags": []}
        flagged = next(json.loads(b.replace("&quot;", '"')) for b in buttons if "glossary" in b)
        assert flagged == {"flags": ["glossary"]}  # the page's flags, as the button sends them
        r = e.row(FLAGGED)
        marked = {"target": "uk", "rel": REL, "id": r["sid"], "base": r["base"], "needs_editing": True}
        assert e.client.post("/api/action/needs-editing", json=marked, headers={"Origin": origin(server)}).json()["status"] == "marked"
        before = next(line for line in recorded(newsroom) if line.get("t", "").endswith(FLAGGED))
        assert before["o"] == "machine" and "ack" not in before and before["ne"][0] == "Olena"
        done = checked(e, FLAGGED, flags=["glossary"], editor="Taras")
        assert done.status_code == 200 and done.json()["status"] == "marked", done.text
        assert 'class="flag acked"' in done.json()["row"] and "Needs editing</button>" in done.json()["row"]
        assert done.json()["flagged"] == 1 and done.json()["needs_editing"] == 0  # NUMBER's flag still counts
    after = next(line for line in recorded(newsroom) if line.get("t", "").endswith(FLAGGED))
    assert after["o"] == "machine" and after["t"] == before["t"] and "ne" not in after
    assert after["ack"][0][0] == "glossary" and after["ack"][0][2] == "Taras"


@pytest.mark.parametrize(
    "body, why",
    [
        ({}, "fields are missing"),
        ({"flags": "glossary"}, "'flags'"),
        ({"flags": ["glossary", 1]}, "'flags'"),
        ({"flags": [], "text": "Підміна."}, "'text'"),
        ({"flags": [], "editor": ["Taras"]}, "'editor'"),
    ],
)
def test_a_bad_body_for_it_is_a_one_line_400_and_nothing_is_written(newsroom, server, body, why):
    before = recorded(newsroom)
    with Editor(server) as e:
        refused = checked(e, FLAGGED, **body)
    assert refused.status_code == 400 and refused.json()["status"] == "refused"
    assert refused.json()["message"] == f"not a request of this app: {why}" and "\n" not in refused.json()["message"]
    assert recorded(newsroom) == before


def test_the_guard_holds_for_it_without_the_module_doing_anything(newsroom, server):
    before = recorded(newsroom)
    with Editor(server) as e:
        r = e.row(PLAIN)
        body = {"target": "uk", "rel": REL, "id": r["sid"], "base": r["base"], "flags": []}
        url = "/api/action/checked"
        assert e.client.post(url, json=body, headers={"Origin": "http://evil.example"}).status_code == 403
        assert e.client.post(url, data=body, headers={"Origin": origin(server)}).status_code == 415  # a form, not JSON
        assert e.client.post(url, json=body, headers={"Origin": origin(server), "Host": "evil.example"}).status_code == 421
        big = json.dumps({**body, "editor": "x" * review_app.MAX_BODY})
        too_large = e.client.post(url, content=big, headers={"Origin": origin(server), "Content-Type": "application/json"})
        assert too_large.status_code == 413
        wrong = e.client.post(url, json={**body, "id": "../../etc"}, headers={"Origin": origin(server)})
        assert wrong.status_code == 422 and wrong.json()["message"] == "not a sentence id of this pipeline"
        stale = e.client.post(url, json={**body, "base": "0" * 8}, headers={"Origin": origin(server)})
        assert stale.status_code == 409 and stale.json()["status"] == "conflict"
    with httpx.Client(base_url=origin(server)) as stranger:  # no token, no cookie
        assert stranger.post(url, json=body, headers={"Origin": origin(server)}).status_code == 403
    assert recorded(newsroom) == before


def test_an_action_not_registered_has_no_button_and_no_route(newsroom):
    running = serve(newsroom)
    try:
        with Editor(running) as e:
            assert 'data-action="checked"' not in e.client.get(f"/a/uk/{REL}").text
            assert checked(e, PLAIN, flags=[]).status_code == 404
    finally:
        running.stop()


def test_in_a_browser_its_button_and_its_key_work(newsroom, chromium, server):
    page = new_page(chromium, server)
    try:
        page.goto(origin(server) + f"/a/uk/{REL}")
        page.wait_for_selector("main#article")
        row(page, NUMBER).locator("button[data-action=checked]").click()
        row(page, NUMBER).locator(".flag.acked").wait_for()
        assert page.locator("#status").inner_text() == "Checked."
        row(page, FLAGGED).locator(".src").click()
        page.keyboard.press("y")
        row(page, FLAGGED).locator(".flag.acked").wait_for()
        assert page.locator("#count-flagged").inner_text() == "0"
        row(page, PLAIN).locator(".src").click()
        page.keyboard.press("x")  # a package action's key where its button is not offered: said so
        assert page.locator("#status").inner_text() == "No flag to acknowledge on this sentence." and not page.errors
    finally:
        page.context.close()
    flagged = [line for line in recorded(newsroom) if line.get("ack")]
    assert len(flagged) == 2 and all(line["o"] == "machine" and line["ack"][0][2] == "Olena" for line in flagged)
