"""``framing report`` and ``classifier.report``: the page's content, escaping, highlights, paging, and the CLI.

The page is parsed with the standard library's HTML parser, so the tests read what a browser would
build: which elements exist, the text of each paragraph and where each highlight starts and ends in
it. Scores are never hard-coded: every expectation comes from what ``framing score`` or the library
returns for the same input. The browser itself is exercised in ``test_report_browser.py``.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.cli import main
from classifier.report import Mark, Report, highlight, render

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "training_data" / "examples"

PORT = """Council delays vote on harbour dredging plan

By Mara Lindqvist

The harbour board voted 4-3 on Thursday to delay the dredging contract until an environmental review is finished.

Fishermen gather at the quay before the vote. (Tomas Berg/Coastline Images)

Board member Alan Pryce slammed the delay as a cowardly capitulation to a mob of hysterical radicals.

Share.
"""
RANT = """The corrupt regime and its thugs have looted the treasury while the fanatical zealots cheer them on.

Officials declined to comment on the figures released on Friday."""
RAIL = "Rail operator adds weekend trains\n\nThe regional rail operator will add six weekend trains from next month, a spokesman said."

XSS = [
    "<script>window.__x=1</script>",
    '<img src=x onerror="window.__x=1">',
    '"><svg onload=window.__x=1>',
    "<a href=\"javascript:window.__x=1\">click</a> [link](javascript:window.__x=1)",
    "</textarea><textarea>",
    "'><iframe srcdoc='<script>window.__x=1</script>'>",
]

# every element the page template writes; anything else in a page came from the input
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "p", "a", "code", "span", "mark",
                "noscript", "main", "section", "ul", "li", "div", "figure", "svg", "rect", "line", "text", "figcaption", "b",
                "table", "thead", "tr", "th", "tbody", "td", "details", "summary", "ol", "i", "meter", "footer", "script"}
VOID = {"meta", "br", "img", "input", "link", "hr", "source", "wbr"}


class Page(HTMLParser):
    """What a report holds: articles, paragraphs (text, kind, classes, highlights with their offsets), overview, problems."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.handlers: list[tuple[str, str]] = []
        self.hrefs: list[str] = []
        self.scripts = 0
        self.articles: list[dict] = []
        self.rows: list[list[dict]] = []
        self.problems: list[str] = []
        self.head_text = ""
        self.stack: list[tuple[str, dict]] = []
        self.marks: list[dict] = []  # open marks inside the current paragraph text
        self.feed(html)
        self.close()

    def _inside(self, tag: str, cls: str | None = None, id_: str | None = None) -> bool:
        return any(t == tag and (cls is None or cls in (a.get("class") or "").split()) and (id_ is None or a.get("id") == id_)
                   for t, a in reversed(self.stack))

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        self.handlers += [(tag, k) for k in a if k.lower().startswith("on")]
        if "href" in a:
            self.hrefs.append(a["href"] or "")
        self.scripts += tag == "script"
        if tag not in VOID:
            self.stack.append((tag, a))
        cls = (a.get("class") or "").split()
        if tag == "details" and "art" in cls:
            self.articles.append({"id": a.get("id"), "open": "open" in a, "doc": "", "paragraphs": []})
        elif tag == "li" and "p" in cls and self.articles:
            self.articles[-1]["paragraphs"].append({"cls": set(cls), "n": "", "kind": None, "text": "", "marks": {},
                                                    "meters": []})
        elif tag == "meter" and self.articles:
            self.articles[-1]["paragraphs"][-1]["meters"].append(a)
        elif tag == "mark" and self._inside("p", "tx"):
            par = self.articles[-1]["paragraphs"][-1]
            at = len(par["text"])
            tid = a["data-t"]
            if "more" in cls:
                par["marks"][tid]["frags"] += 1
            else:
                assert tid not in par["marks"]
                par["marks"][tid] = {"cls": cls[0], "title": a.get("title"), "w": a.get("data-w"), "start": at, "end": at,
                                     "frags": 1, "covered": []}
            self.marks.append({"tid": tid, "start": at})
        elif tag == "tr" and self._inside("tbody") and self._inside("table", id_="ov"):
            self.rows.append([])
        elif tag == "td" and self._inside("table", id_="ov") and self.rows:
            self.rows[-1].append({"v": a.get("data-v"), "text": ""})

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag == "mark" and self.marks and self._inside("p", "tx"):
            par = self.articles[-1]["paragraphs"][-1]
            m = self.marks.pop()
            rec = par["marks"][m["tid"]]
            rec["covered"].append((m["start"], len(par["text"])))
            rec["end"] = max(rec["end"], len(par["text"]))
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data):
        if self._inside("p", "tx") and self.articles:
            self.articles[-1]["paragraphs"][-1]["text"] += data
        elif self._inside("span", "pn") and self.articles:
            self.articles[-1]["paragraphs"][-1]["n"] += data
        elif self._inside("span", "kind") and self._inside("li", "p"):
            self.articles[-1]["paragraphs"][-1]["kind"] = data
        elif self._inside("span", "doc") and self._inside("summary"):
            self.articles[-1]["doc"] += data
        elif self._inside("td") and self._inside("table", id_="ov") and self.rows:
            self.rows[-1][-1]["text"] += data
        elif self._inside("li") and self._inside("section", id_="problems"):
            self.problems.append(data)
        elif self._inside("header"):
            self.head_text += data


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def page_text(path: Path) -> str:
    """The page's text content, tags dropped and entities decoded."""
    import html as _html
    import re

    return _html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def check_against_rows(page: Page, rows: list[dict]) -> None:
    """Every paragraph of the page is the row's paragraph, and every highlight sits on the row's term offsets."""
    by_doc: dict[str, list[dict]] = {}
    for r in rows:
        by_doc.setdefault(r["doc"], []).append(r)
    assert [a["doc"] for a in page.articles] == list(by_doc)
    n_terms = n_marks = 0
    for art in page.articles:
        prows = by_doc[art["doc"]]
        assert len(art["paragraphs"]) == len(prows)
        for par, r in zip(art["paragraphs"], prows):
            assert par["text"] == r["text"] and par["n"] == str(r["paragraph"])
            if r["kind"] == "content":
                assert "nc" not in par["cls"] and len(par["meters"]) == 2
                for meter, head in zip(par["meters"], ("loaded_language", "editorial_framing")):
                    assert float(meter["value"]) == pytest.approx(r[head], abs=5e-5)
            else:
                assert "nc" in par["cls"] and par["kind"] == r["kind"] and not par["meters"]
            want = sorted([("ll", t["start"] - r["start"], t["end"] - r["start"], t["term"], t["weight"]) for t in r["loaded_terms"]]
                          + [("fr", t["start"] - r["start"], t["end"] - r["start"], t["term"], t["weight"])
                             for t in r.get("framing_terms", [])])
            got = sorted((m["cls"], m["start"], m["end"], par["text"][m["start"]:m["end"]], float(m["w"])) for m in par["marks"].values())
            assert [g[:4] for g in got] == [w[:4] for w in want]
            assert all(g[4] == pytest.approx(w[4], abs=1e-9) for g, w in zip(got, want))
            for m in par["marks"].values():
                assert f"weight {float(m['w']):g}" in m["title"]
            n_terms += len(want)
            n_marks += len(got)
    assert n_marks == n_terms


# -- the library face -----------------------------------------------------------------------------


def test_render_a_scored_frame_shows_every_paragraph_and_term(model):
    texts, ids = [PORT, RANT, RAIL], ["port", "rant", "rail"]
    frame = model.score_documents(texts, doc_ids=ids)
    html = render(frame, model=model)
    page = Page(html)
    rows = json.loads(frame.to_json(orient="records"))
    check_against_rows(page, rows)
    assert sum(len(m) for a in page.articles for p in a["paragraphs"] for m in [p["marks"]]) > 0  # the test has terms to check
    # overview: one row per article, shares and maxima from the library's own flags
    art = model.score_documents(texts, level="article", doc_ids=ids)
    assert [r[1]["text"] for r in page.rows] == ids
    for row, (_, a) in zip(page.rows, art.iterrows()):
        assert float(row[5]["v"]) == pytest.approx(a["loaded_language"], abs=5e-5)
        assert float(row[6]["v"]) == pytest.approx(a["editorial_framing"], abs=5e-5)
        assert float(row[3]["v"]) == pytest.approx(a["share_loaded"], abs=5e-5)
        assert float(row[4]["v"]) == pytest.approx(a["share_framing"], abs=5e-5)
    flagged = {p["text"] for a in page.articles for p in a["paragraphs"] if "f-ll" in p["cls"]}
    assert flagged == {r["text"] for r in rows if r["kind"] == "content" and r["loaded_language"] >= 0.5}


def test_render_score_columns_and_score_text_and_read_back_output(model, tmp_path, capsys):
    cols = model.score_columns([PORT, RAIL])
    page = Page(render(cols, docs=["a.txt", "b.txt"], model=model))
    assert [a["doc"] for a in page.articles] == ["a.txt", "b.txt"]
    one = Page(render(model.score_text(PORT), model=model))
    assert len(one.articles) == 1 and [p["text"] for p in one.articles[0]["paragraphs"]] == \
        [p["text"] for p in page.articles[0]["paragraphs"]]
    # a framing score output read back with pandas renders the same page body
    (tmp_path / "port.txt").write_text(PORT, encoding="utf-8")
    code, out, _ = run(capsys, "score", str(tmp_path / "port.txt"), "--format", "jsonl")
    assert code == 0
    back = Page(render(pd.read_json(io.StringIO(out), lines=True), model=model))
    check_against_rows(back, jsonl(out))


def test_render_refuses_rows_it_cannot_show(model):
    with pytest.raises(ValueError, match="paragraph rows"):
        render(model.score_documents([RAIL], level="sentence"))
    with pytest.raises(ValueError, match="paragraph rows"):
        render(model.score_documents([RAIL], level="article"))
    with pytest.raises(TypeError):
        render([RAIL])


def test_decision_points_decide_flags(model):
    frame = model.score_documents([PORT, RANT, RAIL], doc_ids=["p", "r", "l"])
    content = frame[frame["kind"] == "content"]
    cut = float(content["loaded_language"].median())
    page = Page(render(frame, decision_points={"loaded_language": cut, "editorial_framing": 0.99}))
    flagged = [p for a in page.articles for p in a["paragraphs"] if "f-ll" in p["cls"]]
    assert len(flagged) == int((content["loaded_language"] >= cut).sum())
    assert f"loaded ≥ {cut:.2f}" in page.head_text and "framing ≥ 0.99" in page.head_text


# -- escaping ---------------------------------------------------------------------------------------


def crafted_columns() -> tuple[dict, list[str]]:
    """Paragraph columns whose every string field carries a payload (doc names are given separately)."""
    text = " ".join(XSS) + " thugs"
    t0 = text.index("thugs")
    cols = {
        "doc": [0, 0, 1], "paragraph": [0, 1, 0], "start": [0, len(text) + 2, 0], "end": [len(text), len(text) + 2 + len(XSS[1]), 8],
        "kind": ["content", XSS[2], "content"], "text": [text, XSS[1], "<b>x</b>"],
        "loaded_language": [0.9, None, 0.1], "editorial_framing": [0.8, None, 0.2],
        "loaded_terms": [[{"term": XSS[0], "start": 0, "end": len(XSS[0]), "weight": 2.5, "alternative": XSS[1], "source": XSS[2]},
                          {"term": "thugs", "start": t0, "end": t0 + 5, "weight": 3.0}], [], []],
        "framing_terms": [[{"term": XSS[1], "start": len(XSS[0]) + 1, "end": len(XSS[0]) + 1 + len(XSS[1]), "weight": 1.0,
                            "device": XSS[3]}], [], []],
        "n_sentences": [1, 0, 1],
    }
    return cols, [XSS[0] + ".txt", XSS[2]]


def assert_inert(html: str, page: Page) -> None:
    assert page.tags <= ALLOWED_TAGS, page.tags - ALLOWED_TAGS
    assert page.handlers == [] and page.scripts == 1
    assert all(h.startswith("#") for h in page.hrefs), page.hrefs
    for payload in XSS:
        if "<" in payload:
            assert payload not in html


def test_every_untrusted_field_is_escaped():
    cols, docs = crafted_columns()
    report = Report(title=XSS[0], model_label=XSS[1], inputs=[XSS[2], XSS[4]])
    report.add_columns(cols, docs)
    report.add_issue(f"{XSS[1]}.bin: binary file (NUL bytes), skipped")
    html = report.html()
    page = Page(html)
    assert_inert(html, page)
    assert [a["doc"] for a in page.articles] == docs
    paras = page.articles[0]["paragraphs"]
    assert paras[0]["text"] == cols["text"][0] and paras[1]["text"] == XSS[1] and paras[1]["kind"] == XSS[2]
    marks = sorted(paras[0]["marks"].values(), key=lambda m: (m["start"], m["cls"]))
    assert [paras[0]["text"][m["start"]:m["end"]] for m in marks] == [XSS[0], XSS[1], "thugs"]
    assert XSS[1] in marks[0]["title"] and XSS[2] in marks[0]["title"] and XSS[3] in marks[1]["title"]
    assert page.problems == [f"{XSS[1]}.bin: binary file (NUL bytes), skipped"]
    assert XSS[0] in page.head_text and XSS[1] in page.head_text and XSS[4] in page.head_text
    assert "&lt;script&gt;window.__x=1&lt;/script&gt;" in html


def test_page_allows_only_its_own_style_and_script():
    import base64
    import hashlib
    import re

    html = render(crafted_columns()[0], docs=["a", "b"])
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1).replace("&#39;", "'")
    script = re.search(r"<script>(.*?)</script>", html, re.S).group(1)
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)

    def digest(s: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"

    assert "default-src 'none'" in csp and f"script-src {digest(script)}" in csp and f"style-src {digest(style)}" in csp
    assert "http" not in html.replace("http-equiv", "").lower()  # no URL of any kind: nothing to fetch
    assert "@import" not in style and "url(" not in style and "@font-face" not in style


# -- highlights ---------------------------------------------------------------------------------------


def spans_of(tokens: list) -> tuple[str, dict[int, list[tuple[int, int]]], int]:
    """Text, the ranges each term id covers, and the number of first fragments, from a token list."""
    text, covered, stack, firsts = "", {}, [], 0
    for t in tokens:
        if isinstance(t, str):
            text += t
        elif t is None:
            tid, start = stack.pop()
            covered.setdefault(tid, []).append((start, len(text)))
        else:
            assert isinstance(t, Mark)
            firsts += "more" not in t.cls
            stack.append((t.tid, len(text)))
    assert stack == []
    return text, covered, firsts


def test_crossing_terms_are_split_but_counted_once():
    text = "a genocidal communist dictator spoke"
    spans = [(2, 21, "ll", "loaded", "2"), (12, 30, "fr", "framing", "1"), (12, 21, "fr", "same", "1")]
    tokens = highlight(text, spans)
    got, covered, firsts = spans_of(tokens)
    assert got == text and firsts == 3
    for k, (s, e, *_) in enumerate(spans):
        ranges = sorted(covered[k])
        assert ranges[0][0] == s and ranges[-1][1] == e
        assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))  # contiguous fragments


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab <&\"'", min_size=0, max_size=30), st.lists(st.tuples(st.integers(-2, 32), st.integers(-2, 32)), max_size=6))
def test_highlight_keeps_the_text_and_covers_exactly_each_span(text, raw):
    spans = [(s, e, "ll" if k % 2 else "fr", "t", "1") for k, (s, e) in enumerate(raw)]
    tokens = highlight(text, spans)
    got, covered, firsts = spans_of(tokens)
    assert got == text
    valid = [k for k, (s, e, *_) in enumerate(spans) if 0 <= s < e <= len(text)]
    assert sorted(covered) == valid and firsts == len(valid)
    for k in valid:
        ranges = sorted(covered[k])
        assert ranges[0][0] == spans[k][0] and ranges[-1][1] == spans[k][1]
        assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))


# -- many articles: collapsed and paged ------------------------------------------------------------


def test_long_collections_are_collapsed_and_paged(model):
    texts = [f"Item {i}: the council met on Monday.\n\nShare." for i in range(25)]
    frame = model.score_documents(texts, doc_ids=[f"d{i}" for i in range(25)])
    page = Page(render(frame, page_size=10))
    assert len(page.articles) == 25 and not any(a["open"] for a in page.articles)
    assert 'data-page-size="10"' in render(frame, page_size=10)
    page = Page(render(frame, expand=30))
    assert all(a["open"] for a in page.articles)
    assert [a["id"] for a in page.articles] == [f"a{i}" for i in range(25)]
    assert {h for h in page.hrefs if h.startswith("#a")} == {f"#a{i}" for i in range(25)}


# -- the command ---------------------------------------------------------------------------------------


def test_report_of_the_examples_matches_framing_score(capsys, tmp_path):
    out_html = tmp_path / "report.html"
    code_s, out, err_s = run(capsys, "score", str(EXAMPLES), "--format", "jsonl")
    code_r, out_r, err_r = run(capsys, "report", str(EXAMPLES), "-o", str(out_html))
    assert code_r == code_s and err_r == err_s and out_r == ""
    html = out_html.read_text(encoding="utf-8")
    page = Page(html)
    rows = jsonl(out)
    check_against_rows(page, rows)
    assert_inert(html, page)
    issues = [ln.removeprefix("framing: ") for ln in err_s.splitlines()[:-1]]
    assert page.problems == issues
    assert sum(len(r["loaded_terms"]) for r in rows) > 0 and sum(len(r["framing_terms"]) for r in rows) > 0


def test_bad_inputs_behave_as_in_framing_score(capsys, tmp_path):
    (tmp_path / "good.txt").write_text(PORT, encoding="utf-8")
    (tmp_path / "notes.bin").write_bytes(b"some words\x00\x01 more")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "rows.jsonl").write_text(json.dumps({"text": RANT}) + "\n{not json\n" + json.dumps({"body": "x"}) + "\n",
                                         encoding="utf-8")
    (tmp_path / "latin.txt").write_bytes("Caf\xe9 society".encode("latin-1"))
    inputs = [str(tmp_path / n) for n in ("good.txt", "notes.bin", "empty.txt", "missing.txt", "rows.jsonl", "latin.txt")]
    out_html = tmp_path / "out" / "r.html"
    out_html.parent.mkdir()
    code_s, out, err_s = run(capsys, "score", *inputs, "--format", "jsonl")
    code_r, _, err_r = run(capsys, "report", *inputs, "-o", str(out_html))
    assert code_s == code_r == 1
    assert err_r == err_s and "Traceback" not in err_r
    page = Page(out_html.read_text(encoding="utf-8"))
    check_against_rows(page, jsonl(out))
    assert page.problems == [ln.removeprefix("framing: ") for ln in err_s.splitlines()[:-1]]
    assert len(page.problems) == 6  # five errors and the note about the empty file


def test_setup_errors_exit_2_and_leave_the_old_page(capsys, tmp_path):
    (tmp_path / "good.txt").write_text(RAIL, encoding="utf-8")
    (tmp_path / "export.csv").write_text("id,body\n1,Some words here.\n", encoding="utf-8")
    target = tmp_path / "r.html"
    target.write_text("previous")
    for args in ([str(tmp_path / "good.txt"), str(tmp_path / "export.csv")],
                 [str(tmp_path / "good.txt"), "--model", str(tmp_path / "none.npz")],
                 [str(tmp_path / "good.txt"), "--encoding", "klingon"]):
        code_s, _, err_s = run(capsys, "score", *args, "-o", str(tmp_path / "s.jsonl"))
        code_r, out_r, err_r = run(capsys, "report", *args, "-o", str(target))
        assert code_s == code_r == 2 and err_r == err_s and len(err_r.splitlines()) == 1 and out_r == ""
        assert target.read_text() == "previous"
    code, _, err = run(capsys, "report", str(tmp_path / "good.txt"), "-o", str(tmp_path / "nowhere" / "r.html"))
    assert code == 2 and "does not exist" in err and len(err.splitlines()) == 1
    code, _, err = run(capsys, "report", str(tmp_path), "-o", str(tmp_path / "inside.html"))
    assert code == 2 and "inside the input directory" in err
    with pytest.raises(SystemExit) as exc:
        main(["report", str(tmp_path / "good.txt"), "--threshold-loaded", "1.5"])
    assert exc.value.code == 2


def test_nothing_scored_writes_no_page(capsys, tmp_path):
    target = tmp_path / "r.html"
    target.write_text("previous")
    code_s, _, err_s = run(capsys, "score", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "s.jsonl"))
    code_r, _, err_r = run(capsys, "report", str(tmp_path / "missing.txt"), "-o", str(target))
    assert code_s == code_r == 1
    assert err_r == err_s.replace(str(tmp_path / "s.jsonl"), str(target))
    assert target.read_text() == "previous"


def test_thresholds_apply_to_flags_and_terms(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(PORT + "\n\n" + RANT, encoding="utf-8")
    _, out_default, _ = run(capsys, "score", str(tmp_path / "a.txt"), "--format", "jsonl")
    content = [r for r in jsonl(out_default) if r["kind"] == "content"]
    low = max(0.01, math.floor((min(r["loaded_language"] for r in content) - 1e-4) * 100) / 100)  # every content paragraph flags
    assert any(r["loaded_language"] < 0.5 for r in content)  # so the flag changes something
    flags = ["--threshold-loaded", f"{low:.2f}", "--threshold-framing", "0.99"]
    code, out, _ = run(capsys, "score", str(tmp_path / "a.txt"), "--format", "jsonl", *flags)
    assert code == 0
    code, _, _ = run(capsys, "report", str(tmp_path / "a.txt"), "-o", str(tmp_path / "r.html"), *flags)
    assert code == 0
    page = Page((tmp_path / "r.html").read_text(encoding="utf-8"))
    rows = jsonl(out)
    check_against_rows(page, rows)  # the terms listed at these decision points, on the page
    flagged = [p["text"] for a in page.articles for p in a["paragraphs"] if "f-ll" in p["cls"]]
    assert flagged == [r["text"] for r in content]
    framed = [p["text"] for a in page.articles for p in a["paragraphs"] if "f-fr" in p["cls"]]
    assert framed == [r["text"] for r in rows if r["kind"] == "content" and r["editorial_framing"] >= 0.99]
    assert f"loaded ≥ {low:.2f}" in page.head_text and "framing ≥ 0.99" in page.head_text
    assert f"{len(content)} of {len(content)} scored paragraphs at or above {low:.2f}" in page_text(tmp_path / "r.html")


def test_tables_ids_stdin_and_stdout(capsys, tmp_path, monkeypatch):
    data = "".join(json.dumps({"id": i, "body": t}) + "\n" for i, t in ((XSS[0], RANT), (XSS[2], RAIL)))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode("utf-8"))))
    code, out, err = run(capsys, "report", "-", "--input-format", "jsonl", "--text-column", "body", "--id-column", "id")
    assert code == 0 and err == ""
    page = Page(out)  # stdout is not a terminal here: the page is written there
    assert [a["doc"] for a in page.articles] == [XSS[0], XSS[2]]
    assert_inert(out, page)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(RAIL.encode("utf-8"))))
    code, out, _ = run(capsys, "report", "-")
    assert code == 0 and [a["doc"] for a in Page(out).articles] == ["<stdin>"] and "&lt;stdin&gt;" in out


def test_refuses_to_write_html_to_a_terminal(capsys, tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text(RAIL, encoding="utf-8")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, err = run(capsys, "report", str(tmp_path / "a.txt"))
    assert code == 2 and out == "" and "--output" in err and len(err.splitlines()) == 1


def test_other_commands_do_not_load_the_report_code():
    code = ("import sys; from classifier.cli import build_parser; build_parser(); "
            "assert 'jinja2' not in sys.modules and 'classifier.report' not in sys.modules, sorted(sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_run_keeps_the_previous_page(tmp_path, sig, code):
    big = tmp_path / "big.jsonl"
    big.write_text("".join(json.dumps({"text": f"{i}. {PORT}\n\n{RANT}"}) + "\n" for i in range(20_000)), encoding="utf-8")
    target = tmp_path / "r.html"
    target.write_text("previous")
    proc = subprocess.Popen([sys.executable, "-m", "classifier", "report", str(big), "-o", str(target)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".r.html.*.part")) and time.monotonic() < deadline:  # the model is loaded, reading began
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.5)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code and b"Traceback" not in err and len(err.decode().strip().splitlines()) == 1
    assert target.read_text() == "previous" and list(tmp_path.glob(".r.html.*")) == []
