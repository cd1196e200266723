"""Subtitles (.srt, .vtt): the article-format contract, and what subtitles add: sentences over
several cues, timings and everything outside cue text kept byte for byte, the spread of a
translation over its cues, the re-wrap to the cue's limits, the reading-speed flag, styling tags
as codes, and hostile files."""

from __future__ import annotations

import re
import time

import pytest

from pipeline.articles import registry
from pipeline.articles.subtitle_cues import SRT, VTT, read
from pipeline.articles.subtitle_layout import split_words, spread, words, wrap
from pipeline.core import flags
from pipeline.core.config import Config, SubtitlesConfig
from tests.articles.test_contract import HOSTILE_SECONDS, MARK, FormatContract
from tests.helpers import document, translate

FILM = """1
00:00:01,000 --> 00:00:03,500 X1:100 X2:600 Y1:50 Y2:90
Nobody in the village ever believed

2
0:00:03,5 --> 00:00:06,000
that the old mill would run again.

3
00:00:07,000 --> 00:00:09,000
{\\an8}<i>It rained</i> all night long.\x20\x20

4
00:00:09,500 --> 00:00:11,000
-Are you coming?
-In a minute.

5
00:00:12,000 --> 00:00:14,000
<font color="#ffff00">[Door slams]</font>
"""

NEWS = """WEBVTT - Village news
Kind: captions

NOTE Translated by the pipeline:
the note stays as it is

STYLE
::cue(.loud) { color: yellow }

REGION
id:bottom width:40% lines:3

intro
00:00:01.000 --> 00:00:04.000 align:start position:10% region:bottom
<v Narrator>Nobody in the village ever believed

00:04.000 --> 00:00:07.000 line:0
<v Narrator>that the old mill would run again.

00:00:07.500 --> 00:00:09.000
Tom &amp; Jerry said <c.loud>hello</c> to us.

00:00:09.500 --> 00:00:12.000
<ruby>Kanji<rt>reading</rt></ruby> is <b>hard</b>, <00:00:10.500>they said.
"""

ACROSS = "Nobody in the village ever believed that the old mill would run again."


def many_cues(n: int, ext: str = "srt") -> bytes:
    if ext == "vtt":
        return b"WEBVTT\n\n" + b"".join(b"00:00:01.000 --> 00:00:02.000\nGo on.\n\n" for _ in range(n))
    return b"".join(b"%d\n00:00:01,000 --> 00:00:02,000\nGo on.\n\n" % k for k in range(n))


class TestSubRipContract(FormatContract):
    name = "srt"
    samples = {
        "film.srt": FILM.encode(),
        "windows.srt": "\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\nWritten on Windows.\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nWith CRLF.\r\n".encode(),
    }
    translatable = {"film.srt": (ACROSS, "<g1>It rained</g1> all night long.", "Are you coming?", "In a minute.", "[Door slams]")}
    untouched = {"film.srt": ("X1:100", "0:00:03,5 --> 00:00:06,000", "{\\an8}", '<font color="#ffff00">')}
    hostile = (
        ("timing.srt", b"1\n00:00:01,000 --> 00:00:0x,000\nHello there.\n", "line 2: malformed cue timing '00:00:01,000 --> 00:00:0x,000'"),
        ("stray.srt", b"1\n00:00:01,000 --> 00:00:02,000\nHello.\n\nStray words.\n", "line 5: text that is in no cue"),
        ("backwards.srt", b"1\n00:00:05,000 --> 00:00:01,000\nHello.\n", "line 2: the cue ends before it starts"),
        (
            "blank.srt",
            b"1\n00:00:01,000 --> 00:00:02,000\nHello\n2\n00:00:03,000 --> 00:00:04,000\nthere.\n",
            "line 5: a cue timing inside a cue's text",
        ),
        ("cues.srt", many_cues(100_000), "too many elements to translate in one piece"),
        ("nested.srt", b"1\n00:00:01,000 --> 00:00:02,000\n" + b"<i>" * 100_000 + b"Deep." + b"</i>" * 100_000, "too many elements"),
        ("huge.srt", b"1\n00:00:01,000 --> 00:00:02,000\n" + b"Words and more words. " * 500_000, "too large"),
        ("utf16.srt", "\ufeff1\n00:00:01,000 --> 00:00:02,000\nHi.\n".encode("utf-16-le"), "UTF-16 text (byte order mark)"),
        ("cp1251.srt", "1\n00:00:01,000 --> 00:00:02,000\nПривіт.\n".encode("cp1251"), "not UTF-8"),
    )
    costly = ("cues.srt", many_cues(200))
    declared = None
    edit = ("film.srt", "all night long.", "all night and all day.")


class TestWebVttContract(FormatContract):
    name = "vtt"
    samples = {
        "news.vtt": NEWS.encode(),
        "windows.vtt": "\ufeffWEBVTT\r\n\r\n00:01.000 --> 00:03.000\r\nA cue written on Windows.\r\n".encode(),
    }
    translatable = {
        "news.vtt": (ACROSS, "Tom & Jerry said <g1>hello</g1> to us.", "<g1>Kanji<g2>reading</g2></g1> is <g3>hard</g3>, <x4/>they said.")
    }
    untouched = {
        "news.vtt": (
            "Village news",
            "Kind: captions",
            "Translated by the pipeline",
            "the note stays",
            "color: yellow",
            "id:bottom",
            "intro",
            "<v Narrator>",
        )
    }
    hostile = (
        ("header.vtt", b"00:01.000 --> 00:02.000\nHi there.\n", "not WebVTT: its first line must be WEBVTT"),
        (
            "comma.vtt",
            b"WEBVTT\n\n00:01,000 --> 00:02.000\nHi there.\n",
            "line 3: malformed cue timing '00:01,000 --> 00:02.000'; expected HH:MM:SS.mmm",
        ),
        ("minutes.vtt", b"WEBVTT\n\n00:61.000 --> 00:62.000\nHi there.\n", "line 3: malformed cue timing"),
        ("glued.vtt", b"WEBVTT\n00:01.000 --> 00:02.000\nHi there.\n", "line 2: a cue timing in the WEBVTT header"),
        (
            "lang.vtt",
            b"WEBVTT\nLanguage: " + b"x" * 500 + b"\n\n00:01.000 --> 00:02.000\nHi there.\n",
            "a `Language:` line in its WEBVTT header says 'xxx",
        ),
        ("cues.vtt", many_cues(100_000, "vtt"), "too many elements to translate in one piece"),
    )
    costly = ("cues.vtt", many_cues(200, "vtt"))
    declared = (
        "de.vtt",
        b"WEBVTT\nLanguage: de\n\n00:01.000 --> 00:03.000\nHallo Freunde, wie geht es euch heute?\n",
        "de",
        b"Language: uk",
    )
    edit = ("news.vtt", "Tom &amp; Jerry", "Tom &amp; Jim")


def texts(out: str, ext: str = "srt") -> list[str]:
    """Each cue's text as the file has it."""
    track = read(out, SRT if ext == "srt" else VTT)
    return ["\n".join(out[a:b] for a, b in cue.lines) for cue in track.cues]


def outside_text(out: str, ext: str = "srt") -> list[str]:
    """Every line that is not cue text: numbers, timings and settings, header, NOTE, STYLE, blank lines."""
    track = read(out, SRT if ext == "srt" else VTT)
    inside = {a for cue in track.cues for a, _ in cue.lines}
    starts = [0] + [m.end() for m in re.finditer("\n", out)]
    return [out[s : out.find("\n", s) if "\n" in out[s:] else len(out)] for s in starts if s not in inside]


def test_a_sentence_over_two_cues_is_translated_whole_and_spread_back_over_the_same_cues(tmp_path):
    doc = document(tmp_path, FILM, "film.srt")
    assert [s.text for s in doc.blocks[0].segments] == [ACROSS]
    seen = []

    def engine(s: str) -> str:
        seen.append(s)
        return "Ніхто в селі ніколи не вірив, що старий млин знову запрацює." if s == ACROSS else s

    out = str(translate(tmp_path, FILM, engine, name="film.srt").text)
    assert ACROSS in seen
    assert texts(out)[:2] == ["Ніхто в селі ніколи не вірив,", "що старий млин знову запрацює."]  # at the comma, near the source's share
    assert outside_text(out) == outside_text(FILM)


def test_everything_outside_cue_text_is_byte_identical_whatever_the_translation(tmp_path):
    for name, source in (("film.srt", FILM), ("news.vtt", NEWS)):
        ext = name.split(".")[1]
        out = str(translate(tmp_path, source, lambda s: "Дуже довгий переклад " * 6 + s, name=name, target="uk").text)
        assert outside_text(out, ext) == outside_text(source, ext), name
        assert [c.times for c in read(out, SRT if ext == "srt" else VTT).cues] == [
            c.times for c in read(source, SRT if ext == "srt" else VTT).cues
        ]
        assert out.count("-->") == source.count("-->")


def test_a_translation_is_spread_in_proportion_at_word_boundaries_and_never_empties_a_cue():
    text = " ".join(f"w{k:02d}" for k in range(40))  # 40 words of 3 characters: 159 characters
    found = words(text, SRT)
    ranges = spread(found, [10, 30])  # a quarter, three quarters
    assert ranges == [(0, 10), (10, 40)]
    assert spread(found, [1, 1, 1, 1]) == [(0, 10), (10, 20), (20, 30), (30, 40)]
    two = split_words(words("Так.", SRT), 2)  # fewer words than cues: a word is cut, no cue is left empty
    assert [[w.text for w in two[a:b]] for a, b in spread(two, [5, 5])] == [["Та"], ["к."]]
    assert all(b > a for a, b in spread(split_words(words("Ні", SRT), 2), [3, 3]))


def test_a_cut_prefers_to_follow_punctuation_and_a_pair_it_cuts_is_closed_and_opened_again(tmp_path):
    source = (
        "1\n00:00:01,000 --> 00:00:04,000\n<i>We waited at the station\n\n2\n00:00:04,000 --> 00:00:08,000\nfor the last train home.</i>\n"
    )
    assert document(tmp_path, source, "a.srt").blocks[0].segments[0].text == "We waited at the station for the last train home."
    source = "1\n00:00:01,000 --> 00:00:04,000\nWe waited, <i>all of us at the\n\n2\n00:00:04,000 --> 00:00:08,000\nstation</i>, for the train.\n"
    out = str(translate(tmp_path, source, lambda s: s.replace("waited", "stood"), name="a.srt").text)
    # the source's <i> runs over the cues; in the translation each cue closes what it opens
    assert texts(out) == ["We stood, <i>all of us at the</i>", "<i>station</i>, for the train."]
    source = "1\n00:00:01,000 --> 00:00:04,000\nHe said <i>nothing at all</i>\n\n2\n00:00:04,000 --> 00:00:08,000\nto anyone.\n"
    assert document(tmp_path, source, "a.srt").blocks[0].segments[0].text == "He said <g1>nothing at all</g1> to anyone."
    out = str(translate(tmp_path, source, lambda s: "<g1>Він зовсім нічого нікому не сказав</g1> про це.", name="a.srt").text)
    assert texts(out) == ["<i>Він зовсім нічого нікому не</i>", "<i>сказав</i> про це."]


def test_lines_are_wrapped_to_the_cues_limits_and_the_limits_are_configurable(tmp_path):
    source = "1\n00:00:01,000 --> 00:00:09,000\nA short line.\n"
    long = "Довге речення перекладу, яке ніяк не вміщується в одному рядку субтитрів."
    out = str(translate(tmp_path, source, lambda s: long, name="a.srt").text)
    (text,) = texts(out)
    lines = text.split("\n")
    assert len(lines) == 2 and all(len(line) <= 42 for line in lines) and " ".join(lines) == long
    assert abs(len(lines[0]) - len(lines[1])) < 12  # balanced
    narrow = Config(subtitles=SubtitlesConfig(max_line_chars=26, max_lines=3))
    doc = document(tmp_path, source, "a.srt", config=narrow)
    from pipeline.articles.subtitles import limits

    assert limits(doc.blocks[0].syntax).width == 26
    found = words(long, SRT)
    assert all(len(line) <= 26 for line in wrap(found, 26, 3)) and len(wrap(found, 26, 3)) == 3
    assert wrap(words("Коротко.", SRT), 42, 2) == ["Коротко."]


def test_a_translation_too_long_for_its_cues_time_is_flagged_reading_speed(tmp_path):
    source = "1\n00:00:01,000 --> 00:00:02,000\nGo now.\n\n2\n00:00:03,000 --> 00:00:09,000\nWe stay here.\n"
    td = translate(tmp_path, source, lambda s: "Ідіть негайно звідси, будь ласка!" if s == "Go now." else "Ми лишаємося.", name="a.srt")
    fast, calm = td.blocks
    assert fast.flags == (flags.READING_SPEED,) and calm.flags == ()
    (sentence,) = fast.sentences
    assert sentence.details == ("reading-speed: cue 1 (00:00:01,000 --> 00:00:02,000): 33 characters in 1 s, 33.0 a second (limit 17)",)
    assert flags.READING_SPEED in flags.PROBLEMS and flags.READING_SPEED in flags.MEANINGS
    lines = translate(tmp_path, source, lambda s: "дуже " * 30 + s, name="a.srt").blocks[1].sentences[0].details
    assert any("lines, the longest" in d and "(limit 2 of 42)" in d for d in lines)


def test_an_unchanged_translation_keeps_the_cues_own_lines_and_is_not_flagged(tmp_path):
    source = "1\n00:00:01,000 --> 00:00:01,500\nA cue that is far too fast to read,\nwith its own line break.\n"
    td = translate(tmp_path, source, lambda s: s, name="a.srt")
    assert td.text == source and td.blocks[0].flags == ()


def test_styling_tags_are_paired_codes_or_atoms_and_come_back_as_written(tmp_path):
    source = "WEBVTT\n\n00:01.000 --> 00:05.000\nShe said <i>no</i>, <b.x>twice</b> and <00:00:02.000><font>left</font>.\n"
    doc = document(tmp_path, source, "a.vtt")
    (seg,) = doc.blocks[0].segments
    assert seg.text == "She said <g1>no</g1>, <g2>twice</g2> and <x3/><x4/>left<x5/>."
    assert [(s.kind, s.source, s.close) for s in seg.spans[:3]] == [
        ("em", "<i>", "</i>"),
        ("strong", "<b.x>", "</b>"),
        ("timestamp", "<00:00:02.000>", None),
    ]
    out = str(translate(tmp_path, source, lambda s: s.replace("She said", "Вона сказала"), name="a.vtt").text)
    assert "Вона сказала <i>no</i>, <b.x>twice</b> and <00:00:02.000><font>left</font>." in out


def test_translated_text_never_becomes_markup(tmp_path):
    evil = "Write <i>this</i> & {\\an8} --> <b>"
    srt = str(translate(tmp_path, "1\n00:00:01,000 --> 00:00:05,000\nA line here.\n", lambda s: evil, name="a.srt").text)
    (text,) = texts(srt)
    assert not SRT.tag.search(text) and "-->" not in text and text.replace("\u2060", "") == evil
    vtt = str(translate(tmp_path, "WEBVTT\n\n00:01.000 --> 00:05.000\nA line here.\n", lambda s: evil, name="a.vtt").text)
    assert texts(vtt, "vtt") == ["Write &lt;i&gt;this&lt;/i&gt; &amp; {\\an8} --&gt; &lt;b&gt;"]


def test_a_speakers_dash_and_a_cue_wide_tag_stay_where_they_are(tmp_path):
    out = str(
        translate(tmp_path, FILM, lambda s: {"Are you coming?": "Ти йдеш?", "In a minute.": "Хвилинку."}.get(s, s), name="film.srt").text
    )
    assert "-Ти йдеш?\n-Хвилинку." in out and '<font color="#ffff00">[Door slams]</font>' in out


def test_a_file_without_punctuation_is_not_one_block(tmp_path):
    source = "".join(f"{k}\n00:00:{k:02d},000 --> 00:00:{k:02d},900\nwords without an end {k}\n\n" for k in range(1, 31))
    doc = document(tmp_path, source, "a.srt")
    assert len(doc.blocks) == 3  # ten cues a block at most


def test_deep_nesting_and_100000_cues_are_read_in_bounded_time(tmp_path):
    nested = "1\n00:00:01,000 --> 00:00:02,000\n" + "<i>" * 100_000 + "Deep text." + "</i>" * 100_000 + "\n"
    fmt = registry.get("srt")
    started = time.monotonic()
    (block,) = fmt.parse(nested, Config()).blocks
    opened = sum(1 for r in block.runs if type(r).__name__ == "Open")
    assert opened <= 50
    cues = many_cues(100_000).decode()
    assert len(fmt.parse(cues, Config()).blocks) == 100_000
    assert time.monotonic() - started < HOSTILE_SECONDS


def test_the_subtitles_settings_are_bounded(tmp_path):
    from pipeline.core.config import load
    from pipeline.core.errors import ConfigError

    for setting, message in (
        ("max_lines: 0", "subtitles.max_lines: 0 is out of range (1 to 9)"),
        ("max_cps: 0.5", "subtitles.max_cps: 0.5 is out of range (1.0 to 100.0)"),
    ):
        (tmp_path / "config.yaml").write_text(f"subtitles:\n  {setting}\n")
        with pytest.raises(ConfigError, match=re.escape(message)):
            load(tmp_path / "config.yaml")
    (tmp_path / "config.yaml").write_text("subtitles:\n  max_line_chars: 37\n  max_cps: 20\n")
    assert load(tmp_path / "config.yaml").subtitles == SubtitlesConfig(37, 2, 20.0)


def test_a_pseudo_translation_marks_each_sentence_once_over_its_cues(tmp_path):
    out = str(translate(tmp_path, FILM, lambda s: MARK + s, name="film.srt").text)
    assert out.count(MARK) == 5 and texts(out)[1] == "that the old mill would run again."
