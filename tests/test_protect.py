from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core.document import Span
from pipeline.segment.protect import Atom, Close, Open, Text, alerts, assemble, has_words, mask, pieces, renumber, restore, scan_text, urls
from tests.conftest import EXAMPLES


def test_mask_numbers_atoms_and_pairs_in_order():
    runs = [Text("Read "), Open("link", "[", 1), Text("the "), Atom("code", "`x`"), Text(" docs"), Close("link", "](u)", 1), Text(".")]
    text, spans = mask(runs)
    assert text == "Read <g1>the <x2/> docs</g1>."
    assert spans == (Span("link", "[", "](u)"), Span("code", "`x`"))


def test_pairs_with_nothing_to_translate_become_one_atom():
    runs = [
        Open("image", "![", 1),
        Close("image", "](a.png)", 1),
        Text(" and "),
        Open("link", "[", 2),
        Atom("code", "`f`"),
        Close("link", "](u)", 2),
    ]
    text, spans = mask(runs)
    assert text == "<x1/> and <x2/>"
    assert [s.source for s in spans] == ["![](a.png)", "[`f`](u)"]


def test_tags_typed_by_an_author_are_not_taken_for_placeholders():
    text, spans = mask([Text("literal <x1/> here")])
    assert spans == () and "<x1/>" not in text


def test_renumber_makes_identical_sentences_identical():
    _, spans = mask([Atom("code", "`a`"), Text(" then "), Atom("code", "`b`")])
    seg = renumber("then <x2/> again", spans)
    assert seg.text == "then <x1/> again" and seg.spans == (Span("code", "`b`"),)


def test_restore_tolerates_what_engines_do_to_tags():
    seg = renumber("See <x1/> and <g2>docs</g2>.", (Span("code", "`c`"), Span("em", "*", "*")))
    assert restore("Див. < X1 /> та <G2>документи</ g2>.", seg) == ("Див. `c` та *документи*.", ())


def test_restore_puts_a_lost_atom_back_before_final_punctuation_and_says_which():
    seg = renumber("Run <x1/> now <x2/>.", (Span("code", "`make`"), Span("code", "`x`")))
    assert restore("Запустіть <x2/> зараз.", seg) == ("Запустіть `x` зараз `make`.", (1,))


def test_restore_drops_invented_and_duplicated_tags():
    seg = renumber("A <x1/>.", (Span("code", "`a`"),))
    assert restore("B <x1/> <x1/> <x7/>.", seg) == ("B `a`  .", ())


def test_restore_gives_up_on_lost_or_crossed_pairs():
    seg = renumber("<g1>a <g2>b</g2></g1>", (Span("em", "*", "*"), Span("strong", "**", "**")))
    assert restore("<g1>a b</g1>", seg) is None
    assert restore("<g1>a <g2>b</g1></g2>", seg) is None
    assert restore("<g1>a <g2>b</g2></g1>", seg) == ("*a **b***", ())


def test_piecewise_fallback_keeps_markup_and_flags_it():
    seg = renumber("Read <g1>the docs</g1> now.", (Span("link", "[", "](u)"),))
    parts = pieces(seg)
    assert parts == ["Read ", 1, "the docs", -1, " now."]
    chunks = {"Read": "Читайте", "the docs": "документацію", "now.": "зараз."}
    assert assemble(parts, chunks, seg) == ("Читайте [документацію](u) зараз.", ())


def test_fallback_reports_lost_atoms_by_their_number_in_the_sentence():
    seg = renumber("<x1/> read <g2>the <x3/> docs</g2>.", (Span("code", "`a`"), Span("em", "*", "*"), Span("code", "`b`")))
    text, missing = assemble(pieces(seg), {"<x1/> read": "<x1/> читай", "the <x1/> docs": "документацію"}, seg)
    assert (text, missing) == ("`a` читай *документацію `b`*.", (3,))


def test_atoms_that_read_as_words_are_escaped_with_the_text_around_them():
    from pipeline.articles.markdown import escape

    seg = renumber("<x1/>. one", (Span("quantity", "1", None, None),))
    text, _ = restore("<x1/>. one", seg, escape=escape, render=lambda span: "1")
    assert text == "1\\. one"  # not an ordered list
    code = renumber("<x1/>. one", (Span("code", "`1`"),))
    assert restore("<x1/>. one", code, escape=escape)[0] == "`1`. one"


def test_escape_applies_to_text_not_atoms():
    seg = renumber("x <x1/> y", (Span("code", "`*`"),))
    text, _ = restore("*x <x1/> y*", seg, escape=lambda t, start: t.replace("*", "\\*"))
    assert text == "\\*x `*` y\\*"


def test_has_words_ignores_placeholders_and_digits():
    assert not has_words("<x1/> 2025 — <x2/>!")
    assert has_words("<x1/> Київ")


def test_urls_and_alerts_become_atoms():
    assert urls("see https://ex.com/a_b?c=1 or mail a@b.org.") == [
        Text("see "),
        Atom("url", "https://ex.com/a_b?c=1"),
        Text(" or mail "),
        Atom("url", "a@b.org"),
        Text("."),
    ]
    assert alerts("[!NOTE] Read this") == [Atom("alert", "[!NOTE]"), Text(" Read this")]


def test_the_link_prefilter_lets_every_link_through():
    """urls() asks linkify-it only about text that can hold a link: it must find what linkify-it
    alone finds, on every form of link and on every line of the examples."""
    from pipeline.segment import protect

    forms = [
        "see http://a.io/x",
        "HTTPS://EXAMPLE.COM/A",
        "ftp://files.example.org",
        "a protocol-relative //cdn.example.net/lib.js",
        "mail mailto:editor@example.org today",
        "or mailto:root@localhost",
        "on http://localhost:8080/x",
        "write to a.b@example.co.uk",
        "visit opentelemetry.io or Example.COM.",
        "the site xn--80ak6aa92e.com",
        "an IDN президент.рф",
        "v1.2.3 and 3.5 and U.S. forces",
        "no link here: none.",
    ]
    lines = [line for p in sorted(EXAMPLES.rglob("*.md")) for line in p.read_text(encoding="utf-8").splitlines()]
    for text in forms + lines:
        found = [(m.index, m.last_index) for m in protect._linkify().match(text) or ()]
        atoms = [run for run in urls(text) if isinstance(run, Atom)]
        assert [a.source for a in atoms] == [text[i:j] for i, j in found], text


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["see ", "a@b.org", "https://e.com/x", "//", "e.com", ".", "[!NOTE]", "[!", "5", " km", "2,500", "abc", " "]),
        max_size=12,
    )
)
def test_a_scanner_is_skipped_only_where_it_finds_nothing(pieces):
    """scan_text skips a Prefiltered scanner where its test fails, on a run or on all of a block's
    runs joined: there it must find nothing."""
    from pipeline import localize

    text = "".join(pieces)
    half = len(pieces) // 2
    a, b = "".join(pieces[:half]), "".join(pieces[half:])
    for scanner in (urls, alerts, localize.scanner("en"), localize.scanner("uk")):
        if not scanner.may_find(text):
            assert scanner.scan(text) == [Text(text)]
        if not scanner.may_find(a + "\n" + b):
            assert scanner.scan(a) == [Text(a)] and scanner.scan(b) == [Text(b)]
        assert scan_text([Text(text)], [scanner]) == list(scanner.scan(text))
        assert scan_text([Text(a), Atom("code", "`x`"), Text(b)], [scanner]) == [*scanner.scan(a), Atom("code", "`x`"), *scanner.scan(b)]
