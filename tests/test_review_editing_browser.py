"""The review app, round two, in a real browser (Debian's chromium through Playwright): flag
details and acknowledged checks, dropped pieces, suggestions, history, conflicts, needs editing
and progress, a restarted server. The article view's screenshot (docs/review.png) comes from here:
REVIEW_SCREENSHOT=docs/review.png .venv/bin/python -m pytest -q tests/test_review_editing_browser.py -k screenshot
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.core.config import load as load_config
from pipeline.review import app as review_app
from pipeline.review.project import Place, Project
from pipeline.workspace import Workspace
from tests import test_review_app, test_review_project
from tests.test_review_app import origin
from tests.test_review_project import FLAGGED, NUMBER, PLAIN, REL, sentence, translate

# their fixtures, under these names here
chromium = test_review_app.browser
translated_newsroom = test_review_project.newsroom

CORRECTED = "Це змусило Росію відволікти свої ресурси."  # an editor's correction in the other article


@pytest.fixture
def newsroom(translated_newsroom):
    return translated_newsroom


@pytest.fixture
def review(newsroom):
    return Project(Workspace.open(load_config(), newsroom / "out"), [], wait=0.3, editor="Olena")


@pytest.fixture
def server(review):
    running = review_app.make(review, "127.0.0.1", 0).start()
    yield running
    running.stop()


def new_page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    p = context.new_page()
    p.set_default_timeout(10_000)
    p.errors = []
    p.on("pageerror", lambda e: p.errors.append(str(e)))
    p.on("dialog", lambda d: d.accept())
    p.goto(server.url)
    return p


@pytest.fixture
def page(chromium, server):
    p = new_page(chromium, server)
    yield p
    p.context.close()


def open_article(page, server, rel: str = REL, query: str = ""):
    page.goto(origin(server) + f"/a/uk/{rel}{query}")
    page.wait_for_selector("main#article")


def row(page, source: str):
    return page.locator(".pair", has=page.locator(".src", has_text=source))


def saved(page, text: str) -> None:
    """Wait until the server's own rendering of a sentence holding text replaced the edited row."""
    page.wait_for_selector(f".pair.origin-human:not(.dirty):not(.unsaved):has(.editor:has-text('{text}'))")


def article_text(newsroom) -> str:
    return (newsroom / "out/uk/news/kursk.md").read_text()


def test_flag_details_are_shown_and_an_acknowledged_check_lets_strict_pass(newsroom, page, server, runner):
    assert translate(runner, "--strict").exit_code == 4
    open_article(page, server)
    assert "offensive → наступ" in row(page, FLAGGED).locator(".flags").inner_text()
    assert "1,100 km²" in row(page, NUMBER).locator(".flags").inner_text()
    assert page.locator("#count-flagged").inner_text() == "2"
    page.keyboard.press("f")  # the first flagged sentence, then x: its flags are checked and right
    assert page.locator(".pair.current .src").inner_text() == FLAGGED
    page.keyboard.press("x")
    row(page, FLAGGED).locator(".flag.acked").wait_for()
    assert "acknowledged by Olena" in row(page, FLAGGED).inner_text()
    row(page, NUMBER).locator(".flags button[data-action=acknowledge]").click()  # or with a click
    row(page, NUMBER).locator(".flag.acked").wait_for()
    assert page.locator("#count-flagged").inner_text() == "0" and not page.errors
    assert translate(runner, "--strict").exit_code == 0
    assert runner.invoke(main, ["check", "src", "--out", "out", "--strict"]).exit_code == 0


def test_dropped_pieces_show_on_load_and_go_back_with_a_shortcut_or_a_click(newsroom, page, server):
    open_article(page, server)
    r = row(page, NUMBER)
    assert r.locator(".missing-chips .chip").inner_text() == "1 100 км²"  # before any typing
    r.locator(".editor").click()
    page.keyboard.press("Control+a")
    page.keyboard.type("Сили захопили ")
    page.keyboard.press("Control+i")  # the next dropped piece, at the cursor
    page.keyboard.type(" землі.")
    assert r.locator(".missing-chips .chip").count() == 0
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(f".pair.origin-human:has-text('{NUMBER}')")
    assert "Сили захопили 1\u00a0100 км² землі." in article_text(newsroom)
    r = row(page, NUMBER)
    r.locator(".editor").click()
    page.keyboard.press("Control+a")
    page.keyboard.type("Інакше: ")
    r.locator(".missing-chips button.insert").click()
    page.keyboard.press("Control+Enter")
    saved(page, "Інакше")
    assert "Інакше: 1\u00a0100 км²" in article_text(newsroom) and not page.errors


def test_a_suggestion_from_another_articles_correction_is_taken_with_ctrl_1(newsroom, review, page, server):
    other = sentence(review, "It forced Russia to divert its resources.", "other.md")
    assert review.save(Place("uk", "other.md", other.id, other.base), CORRECTED).status == "saved"
    open_article(page, server)
    r = row(page, PLAIN)
    assert "95%" in r.locator(".suggestions").inner_text() and "an editor's translation in uk/other.md" in r.inner_text()
    r.locator(".src").click()
    page.keyboard.press("Control+1")
    assert r.locator(".editor").inner_text() == CORRECTED
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(f".pair.origin-human:has-text('{PLAIN}')")
    assert CORRECTED in article_text(newsroom)
    # a glossary term goes in at the cursor
    g = row(page, FLAGGED)
    g.locator(".editor").click()
    page.keyboard.press("Control+a")
    page.keyboard.type("Почався ")
    page.keyboard.press("Control+1")
    assert g.locator(".editor").inner_text() == "Почався наступ" and not page.errors


def test_history_shows_each_version_with_its_diff_and_restores_any(newsroom, page, server):
    open_article(page, server)
    for text in ("Перша версія.", "Друга версія, довша."):
        row(page, PLAIN).locator(".editor").click()
        page.keyboard.press("Control+a")
        page.keyboard.type(text)
        page.keyboard.press("Control+Enter")
        saved(page, text)
    r = row(page, PLAIN)
    r.locator(".src").click()
    page.keyboard.press("h")
    versions = r.locator(".history .version")
    assert versions.count() == 2 and "Olena · edited" in versions.first.inner_text()
    assert versions.first.locator(".diff del").inner_text() == "Перша"  # newest first: "Перша версія." -> now
    versions.last.locator("button[data-restore]").click()  # the machine's, the oldest
    assert r.locator(".editor").inner_text() == f"⟦uk⟧ {PLAIN}"
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(f".pair:has-text('{PLAIN}') .last:has-text('restored')")
    assert f"⟦uk⟧ {PLAIN}" in article_text(newsroom)
    assert row(page, PLAIN).locator(".history .version").count() == 3 and not page.errors


def test_two_editors_conflict_and_the_losing_text_is_kept_in_the_history(newsroom, page, chromium, server):
    other = new_page(chromium, server)
    open_article(page, server)
    open_article(other, server)
    for p, text in ((page, "Версія першої."), (other, "Версія другого.")):
        row(p, PLAIN).locator(".editor").click()
        p.keyboard.press("Control+a")
        p.keyboard.type(text)
        p.keyboard.press("Control+Enter")
    conflict = row(other, PLAIN).locator(".conflict")
    conflict.wait_for()
    conflict.locator("button", has_text="Take theirs").click()
    other.wait_for_selector(".pair:not(.unsaved) .last:has-text('lost a conflict')")
    r = row(other, PLAIN)
    assert r.locator(".editor").inner_text() == "Версія першої."
    assert "Версія другого." in r.locator(".history").text_content()  # the loser's text, kept
    assert "Версія першої." in article_text(newsroom) and not other.errors
    other.context.close()


def test_needs_editing_a_filter_progress_and_the_next_article(newsroom, page, server):
    assert "0%" in page.locator("#totals").inner_text()
    open_article(page, server)
    row(page, PLAIN).locator(".src").click()
    page.keyboard.press("m")
    row(page, PLAIN).locator(".needs").wait_for()
    assert page.locator("#count-needs_editing").inner_text() == "1"
    row(page, FLAGGED).locator(".src").click()
    page.keyboard.press("a")  # approve: 1 of 5 reviewed
    page.wait_for_selector(f".pair.origin-human:has-text('{FLAGGED}')")
    assert page.locator("#progress").inner_text() == "20%"
    open_article(page, server, query="?show=needs-editing")
    assert page.locator(".pair").count() == 1 and page.locator(".pair .src").inner_text() == PLAIN
    page.goto(origin(server) + "/?flag=needs-editing")
    assert page.locator("table.articles tbody tr").count() == 1
    assert "20%" in page.locator("table.articles").inner_text()
    page.goto(origin(server) + "/")
    assert "12% reviewed (1 of 8 sentences)" in page.locator("#totals").inner_text()  # the project: both articles
    open_article(page, server)
    page.keyboard.press("Shift+N")  # the next article needing attention
    page.wait_for_url("**/a/uk/other.md")
    assert not page.errors


def test_a_restarted_server_says_so_and_the_unsaved_text_is_kept(newsroom, review, chromium):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    first = review_app.make(review, "127.0.0.1", port).start()
    p = new_page(chromium, first)
    try:
        open_article(p, first)
        row(p, PLAIN).locator(".editor").click()
        p.keyboard.press("Control+a")
        p.keyboard.type("Не загубити.")
        first.stop()
        second = review_app.make(Project(Workspace.open(load_config(), newsroom / "out"), [], editor="Olena"), "127.0.0.1", port).start()
        try:
            p.keyboard.press("Control+Enter")
            msg = row(p, PLAIN).locator(".msg.error")
            msg.wait_for()
            assert "restarted" in msg.inner_text() and "open the address" in msg.inner_text()
            assert row(p, PLAIN).locator(".editor").inner_text() == "Не загубити."
            p.goto(second.url)  # the newly printed address
            open_article(p, second)
            assert row(p, PLAIN).locator(".editor").inner_text() == "Не загубити."  # put back
            assert "unsaved" in row(p, PLAIN).get_attribute("class")
            row(p, PLAIN).locator(".src").click()
            p.keyboard.press("Control+Enter")
            saved(p, "Не загубити.")
            assert "Не загубити." in article_text(newsroom) and not p.errors
        finally:
            second.stop()
    finally:
        p.context.close()


def test_the_article_view_screenshot(newsroom, review, page, server, tmp_path):
    """The state docs/review.md describes: a memory match, a glossary term, a dropped number, an
    acknowledged check, a sentence needing editing, a history."""
    other = sentence(review, "It forced Russia to divert its resources.", "other.md")
    assert review.save(Place("uk", "other.md", other.id, other.base), CORRECTED, editor="Taras").status == "saved"
    s = sentence(review, "What is known")
    assert review.save(Place("uk", REL, s.id, s.base), "Що відомо").status == "saved"
    s = sentence(review, "What is known")
    assert review.save(Place("uk", REL, s.id, s.base), "Що нам відомо", editor="Taras").status == "saved"
    s = sentence(review, "What is known")
    assert review.mark(Place("uk", REL, s.id, s.base), needs_editing=True).status == "marked"
    s = sentence(review, FLAGGED)
    assert review.mark(Place("uk", REL, s.id, s.base), acknowledge=s.problems).status == "marked"
    open_article(page, server)
    page.locator(".pair", has_text="What is known").locator("details.history summary").click()
    row(page, PLAIN).locator(".src").click()
    page.evaluate("window.scrollTo(0, 0)")  # the head is sticky: a full-page shot taken scrolled would show it mid-page
    wanted = os.environ.get("REVIEW_SCREENSHOT")  # relative to the checkout: the test runs in its own folder
    out = str(Path(__file__).resolve().parent.parent / wanted) if wanted else str(tmp_path / "review.png")
    page.screenshot(path=out, full_page=True)
    assert os.path.getsize(out) > 10_000 and not page.errors
