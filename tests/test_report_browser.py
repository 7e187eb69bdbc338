"""``framing report`` pages in a real browser: headless Debian Chromium driven by Playwright.

Marked ``browser`` (deselected by default; ``.ci/run`` runs ``pytest -m browser`` after installing the
``browser`` extra and Debian's ``chromium``). Nothing is downloaded: Playwright starts the system's
``/usr/bin/chromium`` (``executable_path``) with a fresh profile directory. The tests skip, with the
reason, only when that executable or the playwright package is absent.

What is checked: no console errors and no request besides the page itself; one highlighted span per
term of ``framing score``'s JSON output for the same input, on the same words; sorting the overview
table; a screenshot; the XSS payloads of issue 12 (in article text, doc ids and file names) shown as
text with ``window.__x`` never set, with and without the page's Content Security Policy; paging of a
long collection; and a readable page with JavaScript off.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from classifier.cli import main

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "training_data" / "examples"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]

XSS = [
    "<script>window.__x=1</script>",
    '<img src=x onerror="window.__x=1">',
    '"><svg onload=window.__x=1>',
    '<a href="javascript:window.__x=1">click me</a> and [a link](javascript:window.__x=1)',
    "</textarea><textarea>",
]

# the mark spans of the page, fragments joined: class, text, weight (from the first fragment)
MARKS_JS = """() => {
  const out = new Map();
  for (const e of document.querySelectorAll('.tx mark')) {
    const t = e.getAttribute('data-t');
    if (!out.has(t)) out.set(t, {cls: e.classList[0], text: '', w: null, title: null, firsts: 0});
    const m = out.get(t);
    m.text += e.textContent;
    if (!e.classList.contains('more')) { m.firsts += 1; m.w = parseFloat(e.getAttribute('data-w')); m.title = e.title; }
  }
  return [...out.values()];
}"""


def _need_browser() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("playwright is not installed (pip install '.[browser]')")


def _launch(pw, profile: Path, **kw):
    return pw.chromium.launch_persistent_context(str(profile), executable_path=CHROMIUM, headless=True, args=FLAGS,
                                                 viewport={"width": 1200, "height": 900}, **kw)


@pytest.fixture(scope="module")
def playwright_instance():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright_instance, tmp_path_factory):
    context = _launch(playwright_instance, tmp_path_factory.mktemp("profile"))
    yield context
    context.close()


class Opened:
    """A page loaded from a file, with every console message, page error and request it caused."""

    def __init__(self, context, path: Path):
        self.url = path.resolve().as_uri()
        self.console: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = context.new_page()
        self.page.set_default_timeout(10_000)
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(self.url, wait_until="load")
        self.page.wait_for_timeout(200)  # let anything the page might start (it should start nothing) show up

    def assert_clean(self) -> None:
        assert [c for c in self.console if c[0] in ("error", "warning")] == [] and self.errors == []
        assert self.requests == [self.url]  # the page itself, and nothing else: zero network requests


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def column(page, index: int) -> list[str | None]:
    return page.eval_on_selector_all("#ov tbody tr", f"rows => rows.map(r => r.cells[{index}].getAttribute('data-v'))")


def test_examples_report_in_chromium(browser, capsys, tmp_path):
    out_html = tmp_path / "report.html"
    code_s, out, _ = run(capsys, "score", str(EXAMPLES), "--format", "jsonl")
    code_r, _, _ = run(capsys, "report", str(EXAMPLES), "-o", str(out_html))
    assert code_r == code_s
    rows = [json.loads(line) for line in out.splitlines()]
    opened = Opened(browser, out_html)
    page = opened.page
    opened.assert_clean()

    # one highlighted span per term of the JSON output, on the term's words, with its weight on hover
    n_loaded = sum(len(r["loaded_terms"]) for r in rows)
    n_framing = sum(len(r["framing_terms"]) for r in rows)
    assert n_loaded > 0 and n_framing > 0
    assert page.locator(".tx mark.ll:not(.more)").count() == n_loaded
    assert page.locator(".tx mark.fr:not(.more)").count() == n_framing
    marks = page.evaluate(MARKS_JS)
    assert all(m["firsts"] == 1 for m in marks)
    want = sorted([("ll", t["term"], t["weight"]) for r in rows for t in r["loaded_terms"]]
                  + [("fr", t["term"], t["weight"]) for r in rows for t in r["framing_terms"]])
    got = sorted((m["cls"], m["text"], m["w"]) for m in marks)
    assert [g[:2] for g in got] == [w[:2] for w in want]
    assert all(g[2] == pytest.approx(w[2], abs=1e-9) for g, w in zip(got, want))
    assert all(f"weight {m['w']:g}" in m["title"] for m in marks)
    assert all("device" in m["title"] for m in marks if m["cls"] == "fr")
    # every paragraph is there, non-content ones greyed with their kind
    assert page.locator("li.p").count() == len(rows)
    kinds = page.eval_on_selector_all("li.p.nc .kind", "els => els.map(e => e.textContent)")
    assert kinds == [r["kind"] for r in rows if r["kind"] != "content"]
    grey = page.eval_on_selector("li.p.nc .tx", "e => getComputedStyle(e.closest('li')).color")
    assert grey != page.eval_on_selector("li.p:not(.nc) .tx", "e => getComputedStyle(e.closest('li')).color")

    # sorting the overview table
    docs = list(dict.fromkeys(r["doc"] for r in rows))
    page.click("#ov th:nth-child(6) button")  # max loaded: highest first
    values = [float(v) for v in column(page, 5)]
    assert values == sorted(values, reverse=True)
    assert page.get_attribute("#ov th:nth-child(6)", "aria-sort") == "descending"
    page.click("#ov th:nth-child(6) button")
    values = [float(v) for v in column(page, 5)]
    assert values == sorted(values)
    page.click("#ov th:nth-child(2) button")  # article: A to Z
    names = page.eval_on_selector_all("#ov tbody td.doc", "els => els.map(e => e.textContent)")
    assert names == sorted(docs, key=str.lower)
    page.click("#ov th:nth-child(1) button")
    page.click("#ov th:nth-child(1) button")  # back to input order
    assert page.eval_on_selector_all("#ov tbody td.doc", "els => els.map(e => e.textContent)") == docs

    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    width, height = png_size(shot)
    assert width >= 1000 and height > 900
    opened.assert_clean()
    page.close()


def xss_inputs(folder: Path) -> None:
    """Payloads in article text, in doc ids (a JSONL id column) and in file names (read, and refused)."""
    folder.mkdir()
    body = "\n\n".join(f"The corrupt regime and its thugs said {x} before the vote." for x in XSS)
    (folder / "article.txt").write_text(body + "\n\nOfficials declined to comment.\n", encoding="utf-8")
    (folder / '"><svg onload=window.__x=1>.txt').write_text("The council approved the budget on Monday.", encoding="utf-8")
    (folder / "<img src=x onerror=window.__x=1>.txt").write_bytes(b"binary\x00junk")  # refused: listed as a problem
    rows = [{"id": XSS[0], "text": XSS[1] + " cronies"}, {"id": XSS[2], "text": "Plain words."}, {"id": XSS[4], "text": XSS[3]}]
    (folder / "ids.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_xss_payloads_render_as_visible_text(browser, capsys, tmp_path):
    xss_inputs(tmp_path / "in")
    out_html = tmp_path / "report.html"
    code, _, err = run(capsys, "report", str(tmp_path / "in"), "--id-column", "id", "-o", str(out_html))
    assert code == 1 and "binary file" in err  # the refused file; everything else is in the page
    html = out_html.read_text(encoding="utf-8")
    csp_meta = html[html.index('<meta http-equiv="Content-Security-Policy"'):]
    csp_meta = csp_meta[:csp_meta.index(">") + 1]
    bare = tmp_path / "no-csp.html"  # the same page without its policy: escaping alone must hold
    bare.write_text(html.replace(csp_meta, ""), encoding="utf-8")
    for path in (out_html, bare):
        opened = Opened(browser, path)
        page = opened.page
        assert page.evaluate("typeof window.__x") == "undefined"
        for payload in XSS:
            assert payload in page.inner_text("#articles"), payload
        page.click("#ov th:nth-child(2) button")  # the page's script runs over the payloads too
        page.eval_on_selector_all("details.art", "els => els.forEach(e => e.open = true)")
        page.wait_for_timeout(100)
        assert page.evaluate("typeof window.__x") == "undefined"
        text = page.inner_text("body")
        for payload in XSS:
            assert payload in text, payload
        assert "<img src=x onerror=window.__x=1>.txt: binary file" in text  # the refused file's name, in the problems
        folder = str(tmp_path / "in")
        docs = page.eval_on_selector_all("summary .doc", "els => els.map(e => e.textContent)")
        assert sorted(docs) == sorted([f'{folder}/"><svg onload=window.__x=1>.txt', f"{folder}/article.txt", XSS[0], XSS[2], XSS[4]])
        for selector in ("img", "iframe", "textarea", "[onerror]", "[onload]", "a[href^='javascript']", "svg:not(.dist)"):
            assert page.locator(selector).count() == 0, selector
        assert page.locator("script").count() == 1
        opened.assert_clean()
        page.close()


def test_long_collection_is_paged_and_links_reveal_articles(browser, model, tmp_path):
    from classifier.report import render

    texts = [f"Item {i}: the council met on Monday.\n\nThe corrupt regime and its thugs looted it." for i in range(120)]
    path = tmp_path / "many.html"
    path.write_text(render(model.score_documents(texts, doc_ids=[f"doc-{i:03d}" for i in range(120)]), model=model),
                    encoding="utf-8")
    opened = Opened(browser, path)
    page = opened.page
    visible = "() => [...document.querySelectorAll('details.art')].filter(e => !e.hidden).map(e => e.id)"
    assert page.evaluate(visible) == [f"a{i}" for i in range(50)]
    assert page.locator("details.art[open]").count() == 0  # collapsed: more than 20 articles
    pagers = page.locator("nav.pager")
    assert pagers.count() == 2 and pagers.first.locator("button").count() == 3
    pagers.first.locator("button", has_text="51–100").click()
    assert page.evaluate(visible) == [f"a{i}" for i in range(50, 100)]
    page.click("#ov a[href='#a115']")
    assert page.evaluate(visible) == [f"a{i}" for i in range(100, 120)]
    assert page.evaluate("document.getElementById('a115').open") is True
    assert page.is_visible("#a115 li.p .tx")
    opened.assert_clean()
    page.close()


def test_readable_with_javascript_off(playwright_instance, capsys, tmp_path):
    out_html = tmp_path / "report.html"
    code_s, out, _ = run(capsys, "score", str(EXAMPLES), "--format", "jsonl")
    code_r, _, _ = run(capsys, "report", str(EXAMPLES), "-o", str(out_html), "--expand", "0")
    assert code_r == code_s
    docs = list(dict.fromkeys(json.loads(line)["doc"] for line in out.splitlines()))
    context = _launch(playwright_instance, tmp_path / "profile", java_script_enabled=False)
    try:
        opened = Opened(context, out_html)
        page = opened.page
        text = page.inner_text("body")
        assert "JavaScript is off" in text
        for doc in docs:
            assert doc in text
        assert page.locator("#ov tbody tr").count() == len(docs)
        assert page.locator("details.art").count() == len(docs) and page.locator("details.art[open]").count() == 0
        assert page.locator("nav.pager").count() == 0
        page.click("#a0 > summary")  # a closed article opens without JavaScript
        assert page.is_visible("#a0 li.p .tx")
        assert page.locator("#a0 .tx mark.ll").count() > 0
        opened.assert_clean()
    finally:
        context.close()
