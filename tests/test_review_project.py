"""The review app's library (pipeline/review/project.py) without a server: acknowledged checks,
history, needs editing, dropped pieces, suggestions, progress; and what the record keeps of them
(committed, merged by real git)."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess

import pytest

from pipeline.cli import main
from pipeline.core import flags
from pipeline.core.config import load as load_config
from pipeline.core.identity import MACHINE
from pipeline.engines import pseudo, registry
from pipeline.engines.base import Translated
from pipeline.review import suggest
from pipeline.review.project import Place, Project
from pipeline.store import records
from pipeline.store.files import Damaged
from pipeline.store.layout import Layout
from pipeline.store.store import RecordStore
from pipeline.workspace import Workspace
from tests.helpers import git

KURSK = """---
title: Kursk operation
lang: en
---

# What is known

The offensive began on Thursday.

It forced Russia to divert resources.

Forces took 1,100 km² of land.
"""
OTHER = "# Other news\n\nIt forced Russia to divert its resources.\n\nSomething else happened today.\n"
REL = "news/kursk.md"
FLAGGED = "The offensive began on Thursday."  # glossary: "наступ" expected, the pseudo engine keeps "offensive"
PLAIN = "It forced Russia to divert resources."
NUMBER = "Forces took 1,100 km² of land."  # the damaged engine below loses its number


def damaged(self, texts):
    """The pseudo engine, losing the first placeholder of one sentence, as a real model sometimes does."""
    for text in texts:
        out = f"\u27e6{self.target_lang}\u27e7 {text}"
        yield Translated(re.sub(r"<x\d+/>", "", out, count=1) if "took" in text else out)


def translate(runner, *extra):
    return runner.invoke(main, ["translate", "src", "--engine", "pseudo", "--to", "uk", "--out", "out", *extra])


@pytest.fixture
def newsroom(argos_env, tmp_path, runner, monkeypatch):
    root = tmp_path / "newsroom"
    (root / "src/news").mkdir(parents=True)
    (root / "src/news/kursk.md").write_text(KURSK)
    (root / "src/other.md").write_text(OTHER)
    (root / "config.yaml").write_text("memory: .pipeline/memory.sqlite\nsources: [src]\n")
    (root / "locales/uk").mkdir(parents=True)
    (root / "locales/uk/glossary.yaml").write_text("terms:\n  - source: offensive\n    target: наступ\n    forms: [наступу, наступом]\n")
    monkeypatch.chdir(root)
    monkeypatch.setattr(pseudo.PseudoEngine, "translate", damaged)
    # the damaged pseudo engine stands in for a model here: its output counts as a translation
    monkeypatch.setitem(registry.ENGINES, "pseudo", dataclasses.replace(registry.ENGINES["pseudo"], translation=True))
    result = translate(runner)
    assert result.exit_code == 0 and "(glossary 1, number-missing 1)" in result.stdout, result.output
    return root


@pytest.fixture
def review(newsroom):
    return Project(Workspace.open(load_config(), newsroom / "out"), [], wait=0.3, editor="Olena")


def sentence(review, source, rel=REL):
    return next(s for s in review.article("uk", rel).sentences() if s.shown_source == source)


def record_sentence(newsroom, source_text, rel=REL):
    record = records.load(Layout(newsroom / "out").record("uk", rel))
    doc_hashes = {s.hash: s for s in record.sentences()}
    return next(s for h, s in doc_hashes.items() if s.target and source_text in s.target)


# --- the one rule ----------------------------------------------------------------------------------


def test_an_acknowledgement_holds_for_the_target_it_was_given_for_only():
    ack = flags.Ack(flags.GLOSSARY, flags.target_key("Наступ  почався."), "Olena", "2026-05-01T10:00:00Z")
    found = (flags.GLOSSARY, flags.NUMBER_MISSING, flags.TARGET_LANGUAGE)
    assert flags.counting(found) == (flags.GLOSSARY, flags.NUMBER_MISSING)  # only problems count
    assert flags.counting(found, flags.holding([ack], "Наступ почався.")) == (flags.NUMBER_MISSING,)  # white space aside
    assert flags.counting(found, flags.holding([ack], "Наступ почався знову.")) == (flags.GLOSSARY, flags.NUMBER_MISSING)
    assert flags.holding([ack], None) == ()


def test_old_records_load_and_the_new_fields_round_trip_one_line_each(review, newsroom):
    file = Layout(newsroom / "out").record("uk", REL)
    text = file.read_text()
    assert '"ack"' not in text and '"hist"' not in text  # what a record of before this change holds: it loads
    record = records.load(file)
    s = next(x for x in record.sentences() if x.origin == MACHINE)
    change = records.Change("2026-05-01T10:00:00Z", 'Оле"на', "edited", "стара\nверсія")
    marked = records.Sentence(
        s.hash,
        s.origin,
        s.target,
        s.model,
        acks=(flags.Ack("glossary", "0123abcd", "Olena", "t"),),
        history=(change,),
        needs_editing=("Olena", "t"),
    )
    again = records.Record(**{**record.__dict__, "blocks": ((record.blocks[0][0], (marked,)),)})
    dumped = records.dump(again)
    assert sum(1 for line in dumped.splitlines() if '"hist"' in line) == 1  # one sentence, one line
    file.write_text(dumped)
    loaded = records.load(file)
    assert next(loaded.sentences()) == marked
    file.write_text(dumped.replace('"ne":["Olena","t"]', '"ne":["Olena"]'))
    with pytest.raises(Damaged):  # a malformed mark makes the record damaged, as any malformed field
        records.load(file)


# --- acknowledging a check -------------------------------------------------------------------------


def test_an_acknowledged_check_stops_counting_for_strict_and_check_until_the_target_changes(review, newsroom, runner):
    assert translate(runner, "--strict").exit_code == 4
    check = runner.invoke(main, ["check", "src", "--out", "out", "--strict", "--json"])
    assert check.exit_code == 4 and {t["source"]: t["flagged"] for t in json.loads(check.stdout)["translations"]}["src/news/kursk.md"] == 2
    for source in (FLAGGED, NUMBER):
        s = sentence(review, source)
        assert s.problems
        done = review.mark(Place("uk", REL, s.id, s.base), acknowledge=s.problems)
        assert done.status == "marked", done.message
        assert done.sentence.problems == () and {a.flag for a in done.sentence.acks} == set(s.problems)
    ack = sentence(review, FLAGGED).acks[0]
    assert (ack.flag, ack.by) == (flags.GLOSSARY, "Olena") and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", ack.at)
    data = json.loads((newsroom / "out/bilingual/news/kursk.en-uk.json").read_text())
    acked = [s for b in data["blocks"] for s in b["sentences"] if s.get("acknowledged")]
    assert len(acked) == 2 and acked[0]["flags"] == ["glossary"] and acked[0]["acknowledged"][0]["by"] == "Olena"
    page = (newsroom / "out/bilingual/news/kursk.en-uk.html").read_text()
    assert "acknowledged (no longer counts): glossary by Olena" in page and "· 0 flagged</p>" in page  # the static review page
    assert translate(runner, "--strict").exit_code == 0  # committed in the record: another run honours it
    assert runner.invoke(main, ["check", "src", "--out", "out", "--strict"]).exit_code == 0
    # an edit of the target re-opens the check it was given for
    s = sentence(review, NUMBER)
    assert review.save(Place("uk", REL, s.id, s.base), "Сили захопили землю.").status == "saved"
    assert sentence(review, NUMBER).problems == (flags.PLACEHOLDER_RESTORED,)  # the editor's text lacks the number too
    assert translate(runner, "--strict").exit_code == 4
    # and an edit of the source makes another sentence: nothing acknowledged on it
    source = newsroom / "src/news/kursk.md"
    source.write_text(source.read_text().replace(FLAGGED, "The offensive began on Friday."))
    assert translate(runner).exit_code == 0
    assert sentence(review, "The offensive began on Friday.").problems == (flags.GLOSSARY,)


def test_an_acknowledgement_for_a_target_that_changed_meanwhile_is_refused(review):
    s = sentence(review, FLAGGED)
    assert review.save(Place("uk", REL, s.id, s.base), "⟦uk⟧ The offensive began on Thursday, again.").status == "saved"
    late = review.mark(Place("uk", REL, s.id, s.base), acknowledge=s.problems)  # the page still shows the old target
    assert late.status == "conflict" and sentence(review, "The offensive began on Thursday.").acks == ()
    assert review.mark(Place("uk", REL, s.id, s.base), acknowledge=("no-such-flag",)).status == "refused"


# --- history -----------------------------------------------------------------------------------------


def test_each_human_change_keeps_who_when_and_the_text_it_replaced(review, newsroom):
    s = sentence(review, PLAIN)
    machine = s.target
    assert review.save(Place("uk", REL, s.id, s.base), "Перша версія.", editor="Taras").status == "saved"
    s = sentence(review, PLAIN)
    assert review.save(Place("uk", REL, s.id, s.base), "Друга версія.").status == "saved"
    s = sentence(review, PLAIN)
    assert review.save(Place("uk", REL, s.id, s.base), "Перша версія.", action="restored").status == "saved"
    history = sentence(review, PLAIN).history
    assert [(c.by, c.action, c.text) for c in history] == [
        ("Taras", "edited", machine),
        ("Olena", "edited", "Перша версія."),
        ("Olena", "restored", "Друга версія."),
    ]
    assert "Перша версія." in (newsroom / "out/uk/news/kursk.md").read_text()
    # approving a machine translation is a change too
    t = sentence(review, FLAGGED)
    assert review.save(Place("uk", REL, t.id, t.base), t.target, approve=True).status == "approved"
    assert [(c.action, c.text) for c in sentence(review, FLAGGED).history] == [("approved", t.target)]


def test_the_version_that_loses_a_conflict_is_kept_in_the_history(review):
    page = sentence(review, PLAIN)  # two editors loaded the same version
    assert review.save(Place("uk", REL, page.id, page.base), "Версія А.", editor="A").status == "saved"
    lost = review.save(Place("uk", REL, page.id, page.base), "Версія Б.", editor="B")
    assert lost.status == "conflict" and lost.sentence.target == "Версія А."
    # B takes theirs: B's text goes into the history, A's stays the translation
    kept = review.mark(Place("uk", REL, page.id, lost.sentence.base), editor="B", lost=lost.mine)
    assert kept.status == "marked" and kept.sentence.target == "Версія А."
    assert [(c.by, c.action, c.text) for c in kept.sentence.history][-1] == ("B", "lost-conflict", "Версія Б.")


def test_import_names_the_editor_and_keeps_the_file_version_that_loses_with_ours(newsroom, runner, review):
    assert runner.invoke(main, ["export", "src/news", "--out", "out"]).exit_code == 0
    for suffix in ("po", "xlf", "tmx"):  # the flags' details travel in every format's notes
        text = (newsroom / f"out/exchange/news/kursk.en-uk.{suffix}").read_text()
        assert "glossary: offensive → наступ" in text and "number-missing: 1,100 km²" in text, suffix
    po = newsroom / "out/exchange/news/kursk.en-uk.po"
    text = po.read_text()
    s = sentence(review, PLAIN)
    assert review.save(Place("uk", REL, s.id, s.base), "Змінено в застосунку.").status == "saved"
    po.write_text(text.replace(f'msgstr "⟦uk⟧ {PLAIN}"', 'msgstr "З файла."'))
    result = runner.invoke(main, ["import", str(po), "--out", "out", "--ours", "--editor", "Mykola"])
    assert result.exit_code == 0, result.output
    history = sentence(review, PLAIN).history
    assert (history[-1].by, history[-1].action, history[-1].text) == ("Mykola", "lost-conflict", "З файла.")


# --- needs editing, progress, the next article --------------------------------------------------------


def test_needs_editing_is_set_filtered_counted_and_cleared_by_a_save(review):
    rows = {r.rel: r for r in review.rows()[0]}
    assert rows[REL].sentences == 5 and rows[REL].reviewed == 0 and rows[REL].needs_editing == 0
    s = sentence(review, PLAIN)
    assert review.mark(Place("uk", REL, s.id, s.base), needs_editing=True).status == "marked"
    assert sentence(review, PLAIN).needs_editing[0] == "Olena"
    assert [r.rel for r in review.rows(flag="needs-editing")[0]] == [REL]
    assert review.article("uk", REL).counts()["needs_editing"] == 1
    s = sentence(review, PLAIN)
    assert review.save(Place("uk", REL, s.id, s.base), "Виправлено.").status == "saved"
    assert sentence(review, PLAIN).needs_editing is None
    counts = review.article("uk", REL).counts()
    assert (counts["reviewed"], counts["sentences"], counts["needs_editing"]) == (1, 5, 0)


def test_the_next_article_needing_attention_skips_what_is_done(review):
    assert review.next_attention("uk", REL).rel == "other.md"
    for s in [x for x in review.article("uk", "other.md").sentences() if x.editable]:
        assert review.save(Place("uk", "other.md", s.id, s.base), s.target, approve=True).status == "approved"
    assert review.next_attention("uk", "other.md").rel == REL  # round to the start
    assert review.next_attention("uk", REL) is None


# --- dropped pieces and suggestions ------------------------------------------------------------------


def test_the_pieces_the_machine_dropped_are_there_on_load(review):
    s = sentence(review, NUMBER)
    assert [c.label for c in s.dropped] == ["1 100 км²"] and s.details == ("number-missing: 1,100 km²",)
    assert [c.label for c in sentence(review, PLAIN).dropped] == []


def test_suggestions_are_another_articles_correction_the_machine_and_the_glossary(review):
    other = sentence(review, "It forced Russia to divert its resources.", "other.md")
    assert review.save(Place("uk", "other.md", other.id, other.base), "Це змусило Росію відволікти свої ресурси.").status == "saved"
    s = sentence(review, PLAIN)
    memory = s.suggestions[0]
    assert (memory.kind, memory.text, memory.score) == ("memory", "Це змусило Росію відволікти свої ресурси.", 95)
    assert memory.about == "an editor's translation in uk/other.md"
    assert not any(g.kind == "machine" for g in s.suggestions)  # the machine's is the translation there
    assert review.save(Place("uk", REL, s.id, s.base), memory.text).status == "saved"
    assert [g.kind for g in sentence(review, PLAIN).suggestions] == ["machine"]  # its own article is no memory
    terms = [g for g in sentence(review, FLAGGED).suggestions if g.kind == "glossary"]
    assert [(g.text, g.about) for g in terms] == [("наступ", "glossary: offensive → наступ (also наступу, наступом)")]


def test_memory_matches_stop_at_the_time_budget(newsroom):
    entries, version = suggest.Memory().entries(RecordStore(newsroom / "out"), "uk", REL)
    assert any(e.where == "uk/other.md" for e in entries) and version
    assert suggest.Matcher(entries)(PLAIN)
    found: dict = {}
    late = suggest.Matcher(entries, budget=0.0, found=found)
    assert late(PLAIN) == [] and late.cut
    again = suggest.Matcher(entries, found=found)  # the next view of the page: what the last had no time for
    assert again(PLAIN) and not again.cut and PLAIN in found


# --- real git: two branches, different sentences -------------------------------------------------------


def test_two_branches_changing_different_sentences_merge_cleanly_history_and_all(newsroom, runner, tmp_path):
    git(newsroom, "init", "-q", "-b", "main")
    (newsroom / ".gitignore").write_text(".pipeline/\n")  # the memory is a cache: never committed
    git(newsroom, "add", "-A")
    git(newsroom, "commit", "-qm", "translations")
    config = load_config()

    def change(branch_editor: str, source: str, text: str, ack: bool) -> None:
        review = Project(Workspace.open(config, newsroom / "out"), [], editor=branch_editor)
        s = sentence(review, source)
        assert review.save(Place("uk", REL, s.id, s.base), text).status == "saved"
        if ack:
            s = sentence(review, source)
            assert review.mark(Place("uk", REL, s.id, s.base), acknowledge=s.problems).status == "marked"
        git(newsroom, "commit", "-qam", branch_editor)

    git(newsroom, "checkout", "-qb", "a")
    change("A", "What is known", "Що відомо", ack=False)
    git(newsroom, "checkout", "-q", "main")
    change("B", NUMBER, "Сили захопили землю.", ack=True)
    merged = subprocess.run(["git", "merge", "--no-edit", "a"], cwd=newsroom, capture_output=True, text=True)
    assert merged.returncode == 0, merged.stdout + git(newsroom, "diff")
    assert translate(runner).exit_code == 0
    record = records.load(Layout(newsroom / "out").record("uk", REL))
    changed = {s.history[0].by: s for s in record.sentences() if s.history}
    assert set(changed) == {"A", "B"} and changed["B"].acks[0].flag == flags.PLACEHOLDER_RESTORED
    check = runner.invoke(main, ["check", "src", "--out", "out", "--json"])
    assert check.exit_code == 0, check.output  # fresh after the merge
    flagged = {t["source"]: t["flagged"] for t in json.loads(check.stdout)["translations"]}
    assert flagged["src/news/kursk.md"] == 1  # the glossary sentence nobody acknowledged; B's acknowledgement holds
