"""A self-contained HTML page of scored articles: overview, paragraphs, and the words highlighted.

``render(frame)`` builds the page from paragraph rows (``model.score_documents(texts, doc_ids=ids)``,
or the columns of ``model.score_columns``); :class:`Report` builds it batch by batch, as
``framing report`` does. The page needs nothing else: CSS and JavaScript are inline (a Content
Security Policy allows only those two blocks, by hash, and no request of any kind), it is readable
with JavaScript off, and every string that comes from the input (text, terms, doc ids, file names,
problem messages) goes through Jinja2's autoescaping. Highlights use the terms' character offsets,
so they land on exactly the words the library reported.

    from classifier import load_model
    from classifier.report import render

    model = load_model()
    html = render(model.score_documents(texts, doc_ids=ids), model=model)
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .schema import CONTENT, DECISION_POINT, FRAMING, HEADS, LOADED, TERM_COLUMNS

__all__ = ["Report", "highlight", "render"]

BINS = 20  # bars in each distribution chart
TOP_TERMS = 5  # loaded terms listed per article in the overview
EXPAND = 20  # articles open by default when the report has at most this many
PAGE_SIZE = 50  # articles per page (with JavaScript; without it every article is listed, collapsed)

_CLASS = {LOADED: "ll", FRAMING: "fr"}
assert HEADS == (LOADED, FRAMING)  # the template shows Paragraph.scores[0] as loaded, [1] as framing
_SHORT = {LOADED: "loaded", FRAMING: "framing"}


# ---------------------------------------------------------------------------------------------
# What the template receives (plain data; every string in it is escaped by the template)


@dataclass(slots=True)
class Mark:
    """The opening tag of one highlighted term (or of a continuation fragment where terms cross)."""

    cls: str
    tid: int
    title: str
    weight: str | None  # on the first fragment only


@dataclass(slots=True)
class Score:
    head: str
    value: float | None
    text: str  # shown (2 decimals) or "n/a"
    exact: str  # in the tooltip (4 decimals)
    flagged: bool


@dataclass(slots=True)
class Paragraph:
    n: Any
    kind: str
    content: bool
    scores: list[Score]
    tokens: list[Any]  # str (text), Mark (open), None (close)
    cls: str


@dataclass(slots=True)
class Article:
    i: int
    doc: str
    paragraphs: list[Paragraph]
    n_content: int
    flagged: dict[str, int]
    share: dict[str, float | None]
    top: dict[str, float | None]
    terms: list[str]

    def share_text(self, head: str) -> str:
        s = self.share[head]
        return "–" if s is None else f"{s:.0%} ({self.flagged[head]}/{self.n_content})"

    def max_text(self, head: str) -> str:
        v = self.top[head]
        return "–" if v is None else f"{v:.2f}"

    @staticmethod
    def sort_value(v: float | None) -> str:
        return "" if v is None else f"{v:.4f}"


@dataclass(slots=True)
class Problem:
    text: str
    error: bool


@dataclass
class _Distribution:
    head: str
    counts: list[int] = field(default_factory=lambda: [0] * BINS)
    n: int = 0
    flagged: int = 0


# ---------------------------------------------------------------------------------------------
# Row -> view


def _number(v: Any) -> float | None:
    """A score as a float, or None when missing (None, NaN, absent)."""
    if v is None:
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if x != x else x


def _terms(value: Any) -> list[Mapping[str, Any]]:
    """A terms cell as a list of entries: lists, arrays (parquet), JSON strings (CSV); missing is empty."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else []
    return [t for t in value if isinstance(t, Mapping)]


def _weight(t: Mapping[str, Any]) -> float:
    w = _number(t.get("weight"))
    return 0.0 if w is None else w


def _title(head: str, t: Mapping[str, Any]) -> str:
    parts = [f"{_SHORT[head]}: {t.get('term', '')}", f"weight {_weight(t):g}"]
    if head == FRAMING and t.get("device"):
        parts.insert(1, f"device {t['device']}")
    if head == LOADED and t.get("alternative"):
        parts.append(f"plainer: {t['alternative']}")
    if t.get("source"):
        parts.append(f"source {t['source']}")
    return " · ".join(parts)


def highlight(text: str, spans: Sequence[tuple[int, int, str, str, str]], first_id: int = 0) -> list[Any]:
    """``text`` cut into tokens for the template: strings, :class:`Mark` (open) and None (close).

    ``spans`` are ``(start, end, css class, title, weight)`` with offsets into ``text``. Marks nest
    properly; where two terms cross, the inner one is closed and reopened as a continuation fragment
    (class ``more``, same ``tid``), so each term still has exactly one first fragment.
    """
    items = sorted(((s, e, k) for k, (s, e, *_rest) in enumerate(spans) if 0 <= s < e <= len(text)),
                   key=lambda x: (x[0], -x[1], x[2]))
    if not items:
        return [text] if text else []
    starts: dict[int, list[int]] = {}
    for s, _, k in items:
        starts.setdefault(s, []).append(k)
    bounds = sorted({b for s, e, _ in items for b in (s, e)})
    tokens: list[Any] = []
    stack: list[int] = []
    pos = 0
    for p in bounds:
        if p > pos:
            tokens.append(text[pos:p])
            pos = p
        if any(spans[k][1] == p for k in stack):
            reopen = []
            while any(spans[k][1] == p for k in stack):
                k = stack.pop()
                tokens.append(None)
                if spans[k][1] != p:
                    reopen.append(k)
            for k in reversed(reopen):
                tokens.append(Mark(f"{spans[k][2]} more", first_id + k, spans[k][3], None))
                stack.append(k)
        for k in starts.get(p, ()):
            tokens.append(Mark(spans[k][2], first_id + k, spans[k][3], spans[k][4]))
            stack.append(k)
    if pos < len(text):
        tokens.append(text[pos:])
    return tokens


# ---------------------------------------------------------------------------------------------
# The report


class Report:
    """A report being built: add scored batches and input problems, then :meth:`html`.

    ``decision_points`` (per head; default 0.5) decide which paragraphs count as flagged. Articles
    are listed in the order they are added.
    """

    def __init__(self, decision_points: Mapping[str, float] | None = None, *, title: str = "framing report",
                 model_label: str | None = None, inputs: Sequence[str] = (), expand: int = EXPAND, page_size: int = PAGE_SIZE):
        self.decision_points = {h: float((decision_points or {}).get(h, DECISION_POINT)) for h in HEADS}
        self.title = title
        self.model_label = model_label
        self.inputs = list(inputs)
        self.expand = expand
        self.page_size = max(1, int(page_size))
        self.articles: list[Article] = []
        self.problems: list[Problem] = []
        self.dist = {h: _Distribution(h) for h in HEADS}
        self.n_paragraphs = 0
        self.has_framing_terms = False
        self._next_tid = 0

    # -- input -------------------------------------------------------------------------------

    def add_issue(self, issue: Any) -> None:
        """List an input problem (a :class:`~classifier.tables.Issue`, or a message) in the page."""
        self.problems.append(Problem(str(issue), bool(getattr(issue, "error", True))))

    def add_columns(self, cols: Mapping[str, Sequence[Any]], docs: Sequence[Any] | None = None) -> None:
        """Add paragraph rows as column lists (``score_columns``); ``doc`` holds positions into ``docs``.

        Without ``docs``, the ``doc`` values are the names. Rows of one article are consecutive.
        """
        _check_columns(cols.keys())
        n = len(cols["text"])
        doc_col = cols.get("doc") or [0] * n
        run_start = 0
        for i in range(1, n + 1):
            if i == n or doc_col[i] != doc_col[run_start]:
                name = doc_col[run_start] if docs is None else docs[doc_col[run_start]]
                self._add_article(str(name), cols, range(run_start, i))
                run_start = i

    def add_frame(self, frame: Any, docs: Sequence[Any] | None = None) -> None:
        """Add a paragraph-level DataFrame (``score_documents`` or ``score_text``; also a read-back score output)."""
        cols = {c: frame[c].tolist() for c in frame.columns}
        if "doc" in cols and docs is None:
            order: dict[Any, list[int]] = {}
            for i, d in enumerate(cols["doc"]):
                order.setdefault(d, []).append(i)
            if any(idx[-1] - idx[0] + 1 != len(idx) for idx in order.values()):  # an article's rows are apart: regroup
                perm = [i for idx in order.values() for i in idx]
                cols = {c: [v[i] for i in perm] for c, v in cols.items()}
        self.add_columns(cols, docs)

    def _add_article(self, name: str, cols: Mapping[str, Sequence[Any]], rows: range) -> None:
        dp = self.decision_points
        kinds, texts, starts = cols.get("kind"), cols["text"], cols.get("start")
        numbers = cols.get("paragraph")
        paragraphs: list[Paragraph] = []
        flagged = dict.fromkeys(HEADS, 0)
        top: dict[str, float | None] = dict.fromkeys(HEADS)
        best: dict[str, tuple[float, str]] = {}
        n_content = 0
        for j, r in enumerate(rows):
            text = "" if texts[r] is None else str(texts[r])
            kind = str(kinds[r]) if kinds is not None and kinds[r] is not None else CONTENT
            content = kind == CONTENT
            n_content += content
            offset = int(starts[r]) if starts is not None and starts[r] is not None else 0
            scores = []
            spans: list[tuple[int, int, str, str, str]] = []
            for head in HEADS:
                v = _number(cols[head][r]) if head in cols else None
                hit = content and v is not None and v >= dp[head]
                if content and v is not None:
                    d = self.dist[head]
                    d.counts[min(int(v * BINS), BINS - 1) if v > 0 else 0] += 1
                    d.n += 1
                    d.flagged += hit
                    top[head] = v if top[head] is None else max(top[head], v)  # type: ignore[type-var]
                flagged[head] += hit
                scores.append(Score(head, v, "n/a" if v is None else f"{v:.2f}", "n/a" if v is None else f"{v:.4f}", hit))
                tcol = TERM_COLUMNS[head]
                if tcol not in cols:
                    continue
                if head == FRAMING:
                    self.has_framing_terms = True
                for t in _terms(cols[tcol][r]):
                    s, e = t.get("start"), t.get("end")
                    if s is None or e is None:
                        continue
                    spans.append((int(s) - offset, int(e) - offset, _CLASS[head], _title(head, t), f"{_weight(t):g}"))
                    if head == LOADED:
                        key = str(t.get("term", "")).lower()
                        if key and (key not in best or best[key][0] < _weight(t)):
                            best[key] = (_weight(t), str(t.get("term")))
            tokens = highlight(text, spans, self._next_tid)
            self._next_tid += len(spans)
            cls = "p" if content else "p nc"
            cls += "".join(f" f-{_CLASS[s.head]}" for s in scores if s.flagged)
            paragraphs.append(Paragraph(numbers[r] if numbers is not None else j, kind, content, scores, tokens, cls))
        self.n_paragraphs += len(paragraphs)
        share = {h: (flagged[h] / n_content if n_content and top[h] is not None else None) for h in HEADS}
        terms = [term for _, term in sorted(best.values(), key=lambda x: -x[0])[:TOP_TERMS]]
        self.articles.append(Article(len(self.articles), name, paragraphs, n_content, flagged, share, top, terms))

    # -- output ------------------------------------------------------------------------------

    def _charts(self) -> list[dict[str, Any]]:
        width, height, pad = 300, 96, 14
        bw = width / BINS
        charts = []
        for head in HEADS:
            d = self.dist[head]
            peak = max(d.counts) or 1
            bars = []
            for b, c in enumerate(d.counts):
                h = 0.0 if c == 0 else max(1.5, (height - pad) * c / peak)
                lo = b / BINS
                bars.append({"x": f"{b * bw + 0.5:.1f}", "y": f"{height - h:.1f}", "w": f"{bw - 1:.1f}", "h": f"{h:.1f}",
                             "cls": "bar hot" if lo >= self.decision_points[head] - 1e-9 else "bar",
                             "tip": f"{lo:.2f}–{lo + 1 / BINS:.2f}: {c} paragraph{'' if c == 1 else 's'}"})
            charts.append({"head": head, "cls": _CLASS[head], "bars": bars, "n": d.n, "flagged": d.flagged,
                           "dp": f"{self.decision_points[head]:.2f}", "dx": f"{self.decision_points[head] * width:.1f}",
                           "width": width, "height": height, "peak": peak})
        return charts

    def context(self) -> dict[str, Any]:
        """What the template is rendered with."""
        errors = sum(p.error for p in self.problems)
        return {
            "title": self.title, "model_label": self.model_label, "inputs": self.inputs, "articles": self.articles,
            "problems": self.problems, "n_errors": errors, "n_paragraphs": self.n_paragraphs,
            "n_content": sum(a.n_content for a in self.articles), "heads": HEADS, "short": _SHORT, "cls": _CLASS,
            "dp": {h: f"{v:.2f}" for h, v in self.decision_points.items()}, "dpv": self.decision_points,
            "charts": self._charts(), "open": len(self.articles) <= self.expand, "page_size": self.page_size,
            "framing_terms": self.has_framing_terms, "csp": CSP, "css": _markup(CSS), "js": _markup(JS),
        }

    def chunks(self) -> Iterator[str]:
        """The page, piece by piece."""
        return _template().generate(**self.context())

    def html(self) -> str:
        """The whole page."""
        return _template().render(**self.context())


def _check_columns(names: Iterable[str]) -> None:
    names = set(names)
    if "sentence" in names:
        raise ValueError("a report needs paragraph rows (level='paragraph'), not sentence rows")
    if "text" not in names:
        missing = "article rows" if "n_paragraphs" in names else "no 'text' column"
        raise ValueError(f"a report needs paragraph rows with their text (level='paragraph'): {missing}")


def render(data: Any, *, docs: Sequence[Any] | None = None, model: Any = None, decision_points: Mapping[str, float] | None = None,
           issues: Iterable[Any] = (), title: str = "framing report", expand: int = EXPAND, page_size: int = PAGE_SIZE) -> str:
    """The HTML page for paragraph rows: a DataFrame (``score_documents``/``score_text``) or ``score_columns`` output.

    ``docs`` names the articles when ``doc`` holds positions (``score_columns``). Flags use
    ``decision_points``, else ``model.decision_points``, else 0.5. ``issues`` are listed as problems.
    Articles are open when there are at most ``expand`` of them; ``page_size`` articles per page.
    """
    if decision_points is None and model is not None:
        decision_points = model.decision_points
    label = None
    if model is not None:
        label = f"version {model.meta.get('version', '?')}" if getattr(model, "meta", None) is not None else None
    report = Report(decision_points, title=title, model_label=label, expand=expand, page_size=page_size)
    if hasattr(data, "columns") and hasattr(data, "iloc"):
        report.add_frame(data, docs)
    elif isinstance(data, Mapping):
        report.add_columns(data, docs)
    else:
        raise TypeError(f"render needs a DataFrame or a dict of column lists, not {type(data).__name__}")
    for issue in issues:
        report.add_issue(issue)
    return report.html()


# ---------------------------------------------------------------------------------------------
# Template, style and script (inline: the page makes no request)


CSS = """
:root{--ll:#ffcf70;--ll-edge:#d08a00;--fr:#2f62c9;--ink:#1d2330;--mute:#6b7280;--line:#e3e6ea;--bg:#fbfbfc;--flag:#c2410c}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header,main,footer{max-width:1100px;margin:0 auto;padding:0 20px}
header{padding-top:18px}
h1{font-size:1.5em;margin:.2em 0}
h2{font-size:1.15em;margin:1.4em 0 .5em;border-bottom:1px solid var(--line);padding-bottom:.2em}
.meta{color:var(--mute);margin:.2em 0;font-size:.92em}
.meta code{font-size:.95em;background:#eef0f3;padding:0 .3em;border-radius:3px;word-break:break-all}
.legend{display:flex;flex-wrap:wrap;gap:.4em 1.4em;font-size:.9em;color:var(--mute);margin:.6em 0}
mark{color:inherit;background:none;padding:0;border-radius:2px}
mark.ll{background:var(--ll);box-shadow:inset 0 -1px 0 var(--ll-edge)}
mark.fr{text-decoration:underline 2px var(--fr);text-underline-offset:3px;text-decoration-skip-ink:none;
background-color:rgba(47,98,201,.08)}
mark.ll mark.fr,mark.fr mark.ll{background-color:var(--ll)}
mark[title]{cursor:help}
.kind{display:inline-block;font-size:.78em;border:1px solid #c9ced6;color:var(--mute);border-radius:9px;padding:0 .5em;
white-space:nowrap}
#problems ul{margin:.3em 0;padding-left:1.2em;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em}
#problems li.err{color:#9f1239}
#problems li.note{color:var(--mute)}
.charts{display:flex;flex-wrap:wrap;gap:18px 36px;margin:.4em 0 1em}
figure{margin:0}
figcaption{font-size:.85em;color:var(--mute);max-width:300px}
svg.dist{display:block;overflow:visible}
svg.dist rect.bar{fill:#9aa3af}
svg.dist.ll rect.hot{fill:var(--ll-edge)}
svg.dist.fr rect.hot{fill:var(--fr)}
svg.dist line.base{stroke:#9aa3af}
svg.dist line.dp{stroke:var(--ink);stroke-dasharray:3 2}
svg.dist text{font-size:10px;fill:var(--mute)}
table{border-collapse:collapse;width:100%;font-size:.9em;background:#fff}
th,td{border-bottom:1px solid var(--line);padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f1f3f5;position:sticky;top:0;font-weight:600;white-space:nowrap}
th button{all:unset;cursor:pointer}
th button::after{content:" \\2195";color:#b0b6bf}
th[aria-sort=ascending] button::after{content:" \\2191";color:var(--ink)}
th[aria-sort=descending] button::after{content:" \\2193";color:var(--ink)}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.doc{word-break:break-all;min-width:12em}
td.terms{color:#7c4a03}
td.hot{color:var(--flag);font-weight:600}
.pager{display:flex;flex-wrap:wrap;gap:.3em;align-items:center;margin:.6em 0;font-size:.9em}
.pager button{font:inherit;border:1px solid #c9ced6;background:#fff;border-radius:4px;padding:.1em .55em;cursor:pointer}
.pager button[aria-current=page]{background:var(--ink);color:#fff;border-color:var(--ink)}
details.art{background:#fff;border:1px solid var(--line);border-radius:6px;margin:.5em 0;content-visibility:auto;
contain-intrinsic-size:auto 3em}
details.art>summary{cursor:pointer;padding:.45em .8em;display:flex;flex-wrap:wrap;gap:.2em 1em;align-items:baseline}
details.art>summary .doc{font-weight:600;word-break:break-all}
details.art>summary .st{color:var(--mute);font-size:.88em}
details.art>summary .st b{color:var(--flag)}
ol.paras{list-style:none;margin:0;padding:0 .8em .6em}
li.p{display:grid;grid-template-columns:2.6em 9.5em 1fr;gap:.2em .8em;padding:.35em 0 .35em .5em;border-top:1px solid #f0f1f3;
border-left:3px solid transparent}
li.p.f-ll{border-left-color:var(--ll-edge)}
li.p.f-fr{border-left-color:var(--fr)}
li.p.f-ll.f-fr{border-left-color:var(--flag)}
li.nc{color:#9aa0a8}
li.nc .tx{font-style:italic}
.pn{color:var(--mute);font-size:.8em;text-align:right;padding-top:.2em;font-variant-numeric:tabular-nums}
.sc{display:flex;flex-direction:column;align-items:flex-start;gap:.1em;font-size:.78em;color:var(--mute);padding-top:.15em}
.sc span{display:flex;align-items:center;gap:.35em;white-space:nowrap}
.sc i{font-style:normal;width:3.6em}
.sc b{font-weight:500;font-variant-numeric:tabular-nums;color:var(--ink)}
.sc .hot b{color:var(--flag);font-weight:700}
meter{width:3.6em;height:.6em}
meter::-webkit-meter-bar{background:#e9ecef;border:0;border-radius:2px;height:.6em}
meter::-webkit-meter-optimum-value{background:#9aa3af}
meter.hot.ll::-webkit-meter-optimum-value{background:var(--ll-edge)}
meter.hot.fr::-webkit-meter-optimum-value{background:var(--fr)}
meter::-moz-meter-bar{background:#9aa3af}
meter.hot.ll::-moz-meter-bar{background:var(--ll-edge)}
meter.hot.fr::-moz-meter-bar{background:var(--fr)}
.tx{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
.tools{font-size:.9em;display:flex;gap:.5em;margin:.3em 0}
.tools button{font:inherit;border:1px solid #c9ced6;background:#fff;border-radius:4px;padding:.1em .55em;cursor:pointer}
footer{color:var(--mute);font-size:.85em;padding:1.5em 20px 2em}
@media print{details.art{content-visibility:visible}.pager,.tools{display:none}}
"""

JS = """
(function () {
  "use strict";
  var table = document.getElementById("ov");
  if (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      var b = document.createElement("button");
      b.type = "button";
      while (th.firstChild) { b.appendChild(th.firstChild); }
      th.appendChild(b);
      b.addEventListener("click", function () { sortBy(col, th); });
    });
  }
  function sortBy(col, th) {
    var numeric = th.getAttribute("data-type") === "num";
    var now = th.getAttribute("aria-sort");
    var dir = now === "descending" ? "ascending" : now === "ascending" ? "descending" : (numeric ? "descending" : "ascending");
    Array.prototype.forEach.call(th.parentNode.cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
    var body = table.tBodies[0];
    var rows = Array.prototype.map.call(body.rows, function (r, i) {
      var cell = r.cells[col], k;
      if (numeric) {
        var v = cell.getAttribute("data-v");
        k = v === null || v === "" ? null : parseFloat(v);
      } else {
        k = cell.textContent.trim().toLowerCase();
        if (k === "" || k === "\\u2013") { k = null; }
      }
      return { r: r, k: k, i: i };
    });
    var sign = dir === "ascending" ? 1 : -1;
    rows.sort(function (a, b) {
      if (a.k === null || b.k === null) { return a.k === b.k ? a.i - b.i : (a.k === null ? 1 : -1); }
      if (a.k < b.k) { return -sign; }
      if (a.k > b.k) { return sign; }
      return a.i - b.i;
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (x) { frag.appendChild(x.r); });
    body.appendChild(frag);
  }

  var box = document.getElementById("arts");
  if (!box) { return; }
  var arts = box.querySelectorAll("details.art");
  var size = parseInt(box.getAttribute("data-page-size"), 10) || 50;
  var pages = Math.ceil(arts.length / size);
  var current = -1;
  var navs = [];
  function show(k) {
    if (k === current) { return; }
    current = k;
    for (var i = 0; i < arts.length; i++) { arts[i].hidden = Math.floor(i / size) !== k; }
    navs.forEach(function (nav) {
      Array.prototype.forEach.call(nav.querySelectorAll("button[data-page]"), function (b) {
        if (parseInt(b.getAttribute("data-page"), 10) === k) { b.setAttribute("aria-current", "page"); }
        else { b.removeAttribute("aria-current"); }
      });
    });
  }
  function pager() {
    var nav = document.createElement("nav");
    nav.className = "pager";
    nav.setAttribute("aria-label", "article pages");
    var label = document.createElement("span");
    label.textContent = "Articles:";
    nav.appendChild(label);
    for (var k = 0; k < pages; k++) {
      var b = document.createElement("button");
      b.type = "button";
      b.setAttribute("data-page", String(k));
      b.textContent = (k * size + 1) + "\\u2013" + Math.min(arts.length, (k + 1) * size);
      nav.appendChild(b);
    }
    nav.addEventListener("click", function (e) {
      var b = e.target.closest("button[data-page]");
      if (b) { show(parseInt(b.getAttribute("data-page"), 10)); box.scrollIntoView(); }
    });
    navs.push(nav);
    return nav;
  }
  var tools = document.createElement("div");
  tools.className = "tools";
  [["Open all", true], ["Close all", false]].forEach(function (t) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = t[0] + (pages > 1 ? " on this page" : "");
    b.addEventListener("click", function () {
      for (var i = 0; i < arts.length; i++) { if (!arts[i].hidden) { arts[i].open = t[1]; } }
    });
    tools.appendChild(b);
  });
  box.parentNode.insertBefore(tools, box);
  if (pages > 1) {
    box.parentNode.insertBefore(pager(), box);
    box.parentNode.insertBefore(pager(), box.nextSibling);
  }
  show(0);
  function reveal(id) {
    var el = id ? document.getElementById(id) : null;
    if (!el || !el.classList.contains("art")) { return false; }
    var i = Array.prototype.indexOf.call(arts, el);
    if (i >= 0) { show(Math.floor(i / size)); }
    el.open = true;
    el.scrollIntoView();
    return true;
  }
  document.addEventListener("click", function (e) {
    var a = e.target.closest("a[href^='#a']");
    if (a && reveal(a.getAttribute("href").slice(1))) {
      e.preventDefault();
      if (history.replaceState) { history.replaceState(null, "", a.getAttribute("href")); }
    }
  });
  window.addEventListener("hashchange", function () { reveal(location.hash.slice(1)); });
  if (location.hash) { reveal(location.hash.slice(1)); }
})();
"""


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


# Only the page's own style and script run; nothing is fetched (no images, fonts, frames, connections).
CSP = f"default-src 'none'; style-src {_sha256(CSS)}; script-src {_sha256(JS)}; base-uri 'none'; form-action 'none'"

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="framing report">
<title>{{ title }}</title>
<style>{{ css }}</style>
</head>
<body>
<header>
<h1>{{ title }}</h1>
<p class="meta">{{ articles|length }} article{{ '' if articles|length == 1 else 's' }}
 · {{ n_paragraphs }} paragraphs ({{ n_content }} scored)
{%- if model_label %} · model: {{ model_label }}{% endif %} · flagged at
{%- for h in heads %} {{ short[h] }} ≥ {{ dp[h] }}{{ ',' if not loop.last }}{% endfor %}
{%- if problems %} · <a href="#problems">{{ n_errors }} problem{{ '' if n_errors == 1 else 's' }}</a>{% endif %}</p>
{% if inputs %}
<p class="meta">inputs: {% for i in inputs %}<code>{{ i }}</code>{{ ' ' if not loop.last }}{% endfor %}</p>
{% endif %}
<p class="legend"><span><mark class="ll">loaded term</mark> weight on hover</span>
{%- if framing_terms %}<span><mark class="fr">framing device</mark> device on hover</span>{% endif %}
<span><span class="kind">caption</span> not article text, not scored</span>
<span>bars: loaded and framing score, 0 to 1</span>
<span>numbers at the left: paragraph index, as in <code>framing score</code></span></p>
<noscript><p class="meta">JavaScript is off: every article is listed below (click one to open it);
sorting and pages need JavaScript.</p></noscript>
</header>
<main>
{% if problems %}
<section id="problems">
<h2>Problems ({{ problems|length }})</h2>
<ul>
{% for p in problems %}
<li class="{{ 'err' if p.error else 'note' }}">{{ p.text }}</li>
{% endfor %}
</ul>
</section>
{% endif %}
<section id="overview">
<h2>Overview</h2>
<div class="charts">
{% for c in charts %}
<figure>
<svg class="dist {{ c.cls }}" width="{{ c.width }}" height="{{ c.height + 14 }}" viewBox="0 0 {{ c.width }} {{ c.height + 14 }}"
 role="img" aria-label="distribution of paragraph {{ c.head }} scores">
{% for b in c.bars %}
<rect class="{{ b.cls }}" x="{{ b.x }}" y="{{ b.y }}" width="{{ b.w }}" height="{{ b.h }}"><title>{{ b.tip }}</title></rect>
{% endfor %}
<line class="base" x1="0" y1="{{ c.height }}" x2="{{ c.width }}" y2="{{ c.height }}"/>
<line class="dp" x1="{{ c.dx }}" y1="0" x2="{{ c.dx }}" y2="{{ c.height }}"/>
<text x="0" y="{{ c.height + 12 }}">0</text>
<text x="{{ c.dx }}" y="{{ c.height + 12 }}" text-anchor="middle">{{ dp[c.head] }}</text>
<text x="{{ c.width }}" y="{{ c.height + 12 }}" text-anchor="end">1</text>
<text x="2" y="9">{{ c.peak }}</text>
</svg>
<figcaption><b>{{ c.head }}</b>: {{ c.flagged }} of {{ c.n }} scored paragraphs at or above {{ dp[c.head] }}</figcaption>
</figure>
{% endfor %}
</div>
<table id="ov">
<thead><tr><th data-type="num">#</th><th>article</th><th data-type="num">paragraphs</th>
{%- for h in heads %}<th data-type="num">{{ short[h] }} flagged</th>{% endfor %}
{%- for h in heads %}<th data-type="num">max {{ short[h] }}</th>{% endfor %}<th>top loaded terms</th></tr></thead>
<tbody>
{% for a in articles %}
<tr><td class="n" data-v="{{ a.i + 1 }}">{{ a.i + 1 }}</td><td class="doc"><a href="#a{{ a.i }}">{{ a.doc }}</a></td>
{#- #}<td class="n" data-v="{{ a.n_content }}">{{ a.n_content }}/{{ a.paragraphs|length }}</td>
{%- for h in heads %}
<td class="n{% if a.flagged[h] %} hot{% endif %}" data-v="{{ a.sort_value(a.share[h]) }}">{{ a.share_text(h) }}</td>
{%- endfor %}
{%- for h in heads %}
<td class="n{% if a.top[h] is not none and a.top[h] >= dpv[h] %} hot{% endif %}" data-v="{{ a.sort_value(a.top[h]) }}">
{{- a.max_text(h) }}</td>
{%- endfor %}
<td class="terms">{{ a.terms|join(', ') }}</td></tr>
{% endfor %}
</tbody>
</table>
</section>
<section id="articles">
<h2>Articles</h2>
<div id="arts" data-page-size="{{ page_size }}">
{% for a in articles %}
<details class="art" id="a{{ a.i }}"{% if open %} open{% endif %}>
<summary><span class="doc">{{ a.doc }}</span><span class="st">{{ a.paragraphs|length }} paragraphs
{%- for h in heads %} · {{ short[h] }} {% if a.flagged[h] %}<b>{{ a.flagged[h] }} flagged</b>{% else %}0 flagged{% endif %}
{#- #}, max {{ a.max_text(h) }}{% endfor %}</span></summary>
<ol class="paras">
{% for p in a.paragraphs %}
<li class="{{ p.cls }}"><span class="pn">{{ p.n }}</span>
{%- if p.content %}<span class="sc">
{%- with s = p.scores[0] %}<span class="s{% if s.flagged %} hot{% endif %}" title="loaded_language {{ s.exact }}"><i>loaded</i>
{%- if s.value is not none %}<meter class="ll{% if s.flagged %} hot{% endif %}" value="{{ s.exact }}"></meter>{% endif %}
{#- #}<b>{{ s.text }}</b></span>{% endwith %}
{%- with s = p.scores[1] %}<span class="s{% if s.flagged %} hot{% endif %}" title="editorial_framing {{ s.exact }}"><i>framing</i>
{%- if s.value is not none %}<meter class="fr{% if s.flagged %} hot{% endif %}" value="{{ s.exact }}"></meter>{% endif %}
{#- #}<b>{{ s.text }}</b></span>{% endwith %}</span>
{%- else %}<span class="sc"><span class="kind">{{ p.kind }}</span></span>{% endif %}
<p class="tx">{% for t in p.tokens %}
{%- if t is string %}{{ t }}
{%- elif t is none %}</mark>
{%- else %}<mark class="{{ t.cls }}" data-t="{{ t.tid }}" title="{{ t.title }}"
{%- if t.weight is not none %} data-w="{{ t.weight }}"{% endif %}>
{%- endif %}
{%- endfor %}</p></li>
{% endfor %}
</ol>
</details>
{% endfor %}
</div>
</section>
</main>
<footer>Made by <code>framing report</code>. Scores describe wording (charged words, the writer's own voice), not truth
or an outlet's worth. Flagged: a paragraph score at or above the decision point.</footer>
<script>{{ js }}</script>
</body>
</html>
"""

_compiled: list[Any] = []


def _markup(text: str) -> Any:
    from markupsafe import Markup

    return Markup(text)  # a constant of this module, never input


def _template() -> Any:
    """The page template, compiled once (autoescaping on for every value)."""
    if not _compiled:
        from jinja2 import Environment, StrictUndefined

        env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        _compiled.append(env.from_string(TEMPLATE))
    return _compiled[0]
