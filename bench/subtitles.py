"""Subtitle files for bench/formats.py: a feature-length film's subtitles, and what each candidate
subtitle library keeps of a file it reads and writes back.

    .venv/bin/python bench/formats.py subtitles subtitle-libraries

subtitles: a ~1,500-cue SubRip file and the same cues as WebVTT (sentences of the NTREX articles
in shared/data cut into cues of at most two 42-character lines, a sentence over two or three
cues, italics, speakers' dashes), each translated by `pipeline translate --engine pseudo`.

subtitle-libraries: each library parses each probe and writes it out again ("srt": srt.parse and
srt.compose; webvtt-py: from_string and .content; pysubs2: from_string and to_string; ours:
`pipeline.articles.read.load` and the format's render with nothing translated); "kept" means the
output is the probe character for character. Seconds: each library reading and writing the
1,500-cue file; ours: reading its cues and their tags (`parse`), without segmenting. Candidates not installed are said so; they are not
dependencies: `pip install --target DIR srt webvtt-py pysubs2` and PYTHONPATH=DIR to measure them.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "articles" / "ntrex128_en-uk" / "en"

SRT_PROBES = {
    "BOM, CRLF": "\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\nHello there.\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nAnd again.\r\n",
    "odd timings": "1\n0:00:01,5 --> 00:00:02,500\nOne digit hours.\n\n2\n00:00:03.000 --> 00:00:04.000\nA dot for a comma.\n",
    "coordinates": "1\n00:00:01,000 --> 00:00:02,500 X1:100 X2:600 Y1:50 Y2:90\nPlaced here.\n",
    "trailing spaces": "1\n00:00:01,000 --> 00:00:02,500\n<i>Spaces after</i>   \nand {\\an8}here.\n",
    "no number": "00:00:01,000 --> 00:00:02,500\nA cue without its number.\n",
}
VTT_PROBES = {
    "BOM, CRLF": "\ufeffWEBVTT\r\n\r\n00:01.000 --> 00:02.500\r\nHello there.\r\n",
    "odd timings": "WEBVTT\n\n01:02.500 --> 100:00:00.000\nMinutes only, and 100 hours.\n",
    "cue settings": "WEBVTT\n\nid-1\n00:00:01.000 --> 00:00:02.500 align:start position:10%,line-left line:0 size:50%\nPlaced here.\n",
    "NOTE, STYLE, REGION": (
        "WEBVTT\n\nNOTE a note on\ntwo lines\n\nSTYLE\n::cue(.loud) { color: red }\n\nREGION\nid:r1 width:40% lines:3\n\n"
        "00:00:01.000 --> 00:00:02.500 region:r1\n<v Bob>Hello <c.loud>there</c>.\n"
    ),
    "header text": "WEBVTT - a title\nKind: captions\nLanguage: en\n\n00:00:01.000 --> 00:00:02.500\nHello <00:00:01.500>there.\n",
    "trailing spaces": "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nSpaces after   \nand &amp; here.\n",
}


def _srt_lib(text: str, kind: str) -> str:
    import srt

    return srt.compose(srt.parse(text), reindex=False)


def _webvtt(text: str, kind: str) -> str:
    import webvtt

    return webvtt.WebVTT.from_string(text).content


def _pysubs2(text: str, kind: str) -> str:
    import pysubs2

    return pysubs2.SSAFile.from_string(text, format_=kind).to_string(kind)


def _ours(text: str, kind: str) -> str:
    from pipeline.articles import registry
    from pipeline.articles.read import load
    from pipeline.core.config import Config

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"probe.{kind}"
        path.write_bytes(text.encode("utf-8"))
        doc = load(path, path.name, Config(), "en")
        return str(registry.get(kind).render(doc, {}))


def _parse(text: str, kind: str) -> None:
    """Our reading of the cues alone (no segmenting): what the libraries' parse and write do."""
    from pipeline.articles import registry
    from pipeline.core.config import Config

    registry.get(kind).parse(text, Config())


def libraries() -> None:
    candidates = (
        ("srt", _srt_lib, ("srt",)),
        ("webvtt-py", _webvtt, ("vtt",)),
        ("pysubs2", _pysubs2, ("srt", "vtt")),
        ("ours", _ours, ("srt", "vtt")),
    )
    probes = [("srt", k, v) for k, v in SRT_PROBES.items()] + [("vtt", k, v) for k, v in VTT_PROBES.items()]
    print("| library | " + " | ".join(f"{kind}: {name}" for kind, name, _ in probes) + " | 1,500 cues s |")
    print("|---|" + "---|" * (len(probes) + 1))
    film = feature_film()
    for name, fn, kinds in candidates:
        cells = []
        for kind, _, text in probes:
            if kind not in kinds:
                cells.append("n/a")
                continue
            try:
                cells.append("kept" if fn(text, kind) == text else "changed")
            except ImportError:
                cells = ["not installed"]
                break
            except Exception as e:  # what the candidate does with the probe is the measurement
                cells.append(f"fails: {type(e).__name__}")
        if cells == ["not installed"]:
            print(f"| {name} | not installed |")
            continue
        kind = kinds[0]
        started = time.perf_counter()
        _parse(film[kind], kind) if fn is _ours else fn(film[kind], kind)
        print(f"| {name} | {' | '.join(cells)} | {time.perf_counter() - started:.2f} |")


def _sentences() -> list[str]:
    out = []
    for path in sorted(SHARED.glob("*.md")):
        body = path.read_text(encoding="utf-8").split("---", 2)[2]
        for paragraph in body.split("\n\n"):
            for s in paragraph.replace("\n", " ").split(". "):
                if len(s.split()) > 3:
                    out.append(s.strip() if s.strip()[-1] in ".?!\"'" else s.strip() + ".")
    return out


def _cues_of(sentence: str) -> list[str]:
    """A sentence as cues of at most two 42-character lines: cut at word boundaries."""
    cues: list[str] = []
    lines: list[str] = []
    line = ""
    for word in sentence.split():
        if line and len(line) + 1 + len(word) > 42:
            lines.append(line)
            line = word
            if len(lines) == 2:
                cues.append("\n".join(lines))
                lines = []
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    cues.append("\n".join(lines))
    return cues


def feature_film(cues: int = 1500) -> dict[str, str]:
    """A film's subtitles as SubRip and WebVTT: ~1,500 cues over about two hours."""
    srt, vtt = [], ["WEBVTT\n"]
    at, n = 60_000, 0
    for k, sentence in enumerate(_sentences()):
        for text in _cues_of(sentence):
            if n == cues:
                return {"srt": "\n".join(srt), "vtt": "\n".join(vtt)}
            n += 1
            if k % 9 == 0:
                text = f"<i>{text}</i>"
            elif k % 13 == 0 and "\n" not in text:
                text = f"-{text}\n-Yes."
            length = 1000 + 60 * len(text)  # about 17 characters a second
            stamps = [_stamp(at), _stamp(at + length)]
            srt.append(f"{n}\n{stamps[0]} --> {stamps[1]}\n{text}\n")
            vtt.append(f"{stamps[0].replace(',', '.')} --> {stamps[1].replace(',', '.')}\n{text.replace('&', '&amp;')}\n")
            at += length + 120
    return {"srt": "\n".join(srt), "vtt": "\n".join(vtt)}


def _stamp(ms: int) -> str:
    return f"{ms // 3_600_000:02}:{ms // 60_000 % 60:02}:{ms // 1000 % 60:02},{ms % 1000:03}"


def hostile() -> None:
    """CPU seconds of reading (the cues alone), loading (read and segment) and laying out a
    translation of the costliest shapes, with max_file_elements raised so they are read."""
    from pipeline.articles import registry
    from pipeline.articles.read import load
    from pipeline.articles.subtitles import _read
    from pipeline.core.config import Config

    cues = "".join(f"{k}\n00:00:01,000 --> 00:00:02,000\nGo on.\n\n" for k in range(100_000))
    shapes = {
        "100,000 cues": cues,
        "100,000 nested <i>": "1\n00:00:01,000 --> 00:00:02,000\n" + "<i>" * 100_000 + "Deep text." + "</i>" * 100_000 + "\n",
        "one 4 MB cue": "1\n00:00:01,000 --> 00:00:02,000\n" + "Words and more words " * 200_000 + "\n",
    }
    fmt = registry.get("srt")
    print("| shape | bytes | cost (elements) | parse CPU s | read + segment CPU s | lay out a translation CPU s |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in shapes.items():
            path = Path(tmp) / "hostile.srt"
            path.write_text(text, encoding="utf-8")
            started = time.process_time()
            fmt.parse(text, Config())
            parse = time.process_time() - started
            _read.cache_clear()  # parse keeps what it read for render: load must read it again
            started = time.process_time()
            doc = load(path, path.name, Config(max_file_elements=2_000_000), "en")
            read = time.process_time() - started
            block = max(doc.blocks, key=lambda b: b.end - b.start)
            started = time.process_time()
            fmt.laid(doc, block, "Слова " + " ".join(s.text for s in block.segments))
            laid = time.process_time() - started
            print(f"| {name} | {len(text.encode()):,} | {fmt.cost(text):,} | {parse:.2f} | {read:.2f} | {laid:.2f} |")
