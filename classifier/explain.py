"""Explanations and editor's controls: which words made a score, allow lists and house cue lists.

:func:`terms` turns a head's per-token contributions (:meth:`classifier.linear.Scorer.contributions`)
into the ``loaded_terms`` / ``framing_terms`` entries. :class:`Controls` holds what an editor sets:
an allow list (terms whose contribution is taken out of the score, exactly, before the sigmoid),
house cues (terms that add a fixed weight and are always reported, with ``source: "house"``), and
per-head decision points.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from pathlib import Path
from typing import Any

from .errors import InputError
from .lexicon import CATEGORIES, Entry, Hit, Lexicon
from .linear import Contributions
from .schema import DECISION_POINT, FRAMING, HEADS, LOADED, MAX_TERMS
from .words import QUOTE_TOKEN, SHORT_QUOTE_TOKEN

__all__ = ["DEFAULT_HOUSE_WEIGHT", "FRAMING_CATEGORIES", "Controls", "HouseCue", "read_allow", "read_cues", "terms"]

TERM_MIN_WEIGHT = 0.25  # a word must add this much to the log-odds to be reported ...
TERM_RELATIVE = 0.2  # ... and at least this share of the strongest word's contribution
TERM_FLOOR = (TERM_MIN_WEIGHT, TERM_RELATIVE)  # as Scorer.contributions takes it
DEFAULT_HOUSE_WEIGHT = 2.0  # log-odds a house cue adds when its line gives no weight
# cue categories that describe the writer's framing; the others describe loaded words
FRAMING_CATEGORIES = frozenset({"doubt_casting_attribution", "scare_quote_cue", "presupposition", "motive_speculation",
                                "sarcasm", "selective_juxtaposition"})
_DEVICE = {"scare_quote_cue": "scare_quotes"}


@dataclass(frozen=True)
class HouseCue:
    """A newsroom's own cue: a term, the category it belongs to, and the log-odds it adds to its head."""

    term: str
    category: str
    weight: float = DEFAULT_HOUSE_WEIGHT

    @property
    def head(self) -> str:
        return FRAMING if self.category in FRAMING_CATEGORIES else LOADED


def read_allow(path: str | Path) -> tuple[str, ...]:
    """Terms or phrases of an allow-list file: one per line, ``#`` starts a comment, blank lines skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the allow list ({getattr(exc, 'strerror', None) or exc})") from None
    out = []
    for line in text.splitlines():
        term = line.split("#", 1)[0].strip().lower()
        if term:
            out.append(term)
    return tuple(dict.fromkeys(out))


def read_cues(path: str | Path) -> tuple[HouseCue, ...]:
    """House cues from a CSV with columns ``term``, ``category`` and optional ``weight`` (default 2.0).

    Any malformed line is an :class:`InputError` naming the file and line.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the cue list ({getattr(exc, 'strerror', None) or exc})") from None
    rows = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(rows, [])]
    if "term" not in header or "category" not in header:
        raise InputError(f"{path}: line 1: the header must name columns term and category (and optionally weight)")
    out = []
    for row in rows:
        line = rows.line_num
        if not any(c.strip() for c in row) or row[0].lstrip().startswith("#"):
            continue
        if len(row) != len(header):
            raise InputError(f"{path}: line {line}: {len(row)} fields, the header has {len(header)}")
        rec = dict(zip(header, (c.strip() for c in row)))
        if not rec["term"]:
            raise InputError(f"{path}: line {line}: empty term")
        if rec["category"] not in CATEGORIES:
            raise InputError(f"{path}: line {line}: unknown category {rec['category']!r} (use one of {', '.join(CATEGORIES)})")
        weight = DEFAULT_HOUSE_WEIGHT
        if rec.get("weight"):
            try:
                weight = float(rec["weight"])
            except ValueError:
                raise InputError(f"{path}: line {line}: weight {rec['weight']!r} is not a number") from None
            if weight != weight or abs(weight) > 20:
                raise InputError(f"{path}: line {line}: weight must be a number between -20 and 20")
        out.append(HouseCue(rec["term"].lower(), rec["category"], weight))
    return tuple(out)


@dataclass(frozen=True)
class Controls:
    """Editor's controls applied on top of a model: allow list, house cues, decision points per head."""

    allow: tuple[str, ...] = ()
    house: tuple[HouseCue, ...] = ()
    thresholds: Mapping[str, float] = field(default_factory=dict)
    _allow_matcher: Lexicon | None = field(default=None, compare=False, repr=False)
    _house_matcher: Lexicon | None = field(default=None, compare=False, repr=False)

    @classmethod
    def build(cls, lexicon: Lexicon, allow: Iterable[str] = (), house: Iterable[HouseCue] = (),
              thresholds: Mapping[str, float] | None = None) -> Controls:
        """Controls whose terms inflect as the model's lexicon inflects them (unknown words: any part of speech)."""
        known = {e.term: e for e in lexicon.entries}
        allow = tuple(dict.fromkeys(t.strip().lower() for t in allow if t.strip()))
        house = tuple(house)
        for head, t in (thresholds or {}).items():
            if head not in HEADS or not 0.0 < t < 1.0:
                raise InputError(f"threshold for {head}: must be a head ({', '.join(HEADS)}) and strictly between 0 and 1")

        def entry(term: str, category: str) -> Entry:
            e = known.get(term)
            return Entry(term, category, pos=(e.pos if e and e.pos else "any"), exclude=e.exclude if e else ())

        return cls(allow, house, dict(thresholds or {}),
                   Lexicon([entry(t, "context") for t in allow]) if allow else None,
                   Lexicon([entry(c.term, c.category) for c in house]) if house else None)

    def threshold(self, head: str) -> float:
        return self.thresholds.get(head, DECISION_POINT)

    def allowed(self, words: Sequence[str]) -> set[int]:
        """Indexes of the tokens in ``words`` that an allowed term covers."""
        if self._allow_matcher is None:
            return set()
        return {k for i, j, _ in self._allow_matcher.find(words) for k in range(i, j)}

    def house_hits(self, words: Sequence[str]) -> list[tuple[int, int, HouseCue]]:
        """House cues in ``words``: ``(first_token, end_token, cue)``."""
        if self._house_matcher is None:
            return []
        by_term = {c.term: c for c in self.house}
        return [(i, j, by_term[e.term]) for i, j, e in self._house_matcher.find(words)]

    def __bool__(self) -> bool:
        return bool(self.allow or self.house or self.thresholds)


def _device(contrib: Contributions, k: int, in_scare: bool) -> str:
    hit = contrib.hit(k)
    if hit is not None:
        return _DEVICE.get(hit.entry.category, hit.entry.category)
    return "scare_quotes" if in_scare else "opinion"


def terms(contrib: Contributions, text: str, offset: int, head: str, stop_words: frozenset[str],
          skip: set[int] = frozenset()) -> list[dict[str, Any]]:  # type: ignore[assignment]
    """The words that raised ``head``'s score most, merged into phrases, strongest first (at most 6).

    A word is reported when it adds at least 0.25 to the log-odds and a fifth of the strongest word's
    share. Offsets are ``offset`` plus positions in ``text``. ``skip`` are token indexes never reported
    (allowed terms). Loaded terms carry the lexicon's plainer ``alternative`` where it has one;
    framing terms carry the ``device``: a lexicon category, ``scare_quotes`` or ``opinion``.
    """
    weights = contrib.weights
    if not weights:
        return []
    candidates = contrib.candidates
    if candidates is None:
        floor = max(TERM_MIN_WEIGHT, TERM_RELATIVE * max(weights))
        candidates = list(compress(range(len(weights)), map(floor.__le__, weights)))
    elif not candidates:
        return []
    words, hit_at = contrib.words, contrib.hit
    quoted = "\"" in text or "“" in text or "”" in text
    scare = _scare_tokens(words) if quoted and SHORT_QUOTE_TOKEN in words else ()
    phrases: list[list[int]] = []
    for k in candidates:
        word = words[k]
        hit = hit_at(k)
        if (hit is None and word in stop_words and word != SHORT_QUOTE_TOKEN) or k in skip or word == QUOTE_TOKEN:
            continue
        if phrases and phrases[-1][-1] == k - 1:
            prev = k - 1
            if contrib.gap(k).strip(" -") == "" and (
                    head == LOADED or _device(contrib, prev, prev in scare) == _device(contrib, k, k in scare)):
                phrases[-1].append(k)
                continue
        phrases.append([k])
    out = []
    for ph in phrases:
        a, b = contrib.phrase_span(ph[0], ph[-1])
        if words[ph[0]] == SHORT_QUOTE_TOKEN:  # a scare quote: the quoted words, marks included
            b = _scare_end(contrib, ph[0], text)
        entry: dict[str, Any] = {"term": text[a:b], "start": a + offset, "end": b + offset,
                                 "weight": round(weights[ph[0]] if len(ph) == 1 else sum([weights[k] for k in ph]), 3)}
        if head == LOADED:
            alt = _alternative(hit_at, ph)
            if alt:
                entry["alternative"] = alt
        else:
            entry["device"] = _device(contrib, ph[0], ph[0] in scare)
        out.append(entry)
    if len(out) > 1:
        out.sort(key=_by_weight)
    return out[:MAX_TERMS]


def _by_weight(t: dict[str, Any]) -> float:
    return -t["weight"]


def _scare_tokens(words: Sequence[str]) -> set[int]:
    """Indexes of the tokens inside scare quotes (after a ``_shortquote_`` marker, up to four words)."""
    out: set[int] = set()
    for k, w in enumerate(words):
        if w == SHORT_QUOTE_TOKEN:
            out.update(range(k, min(k + 5, len(words))))
    return out


def _scare_end(contrib: Contributions, k: int, text: str) -> int:
    """The end of the scare quote whose marker is token ``k``: the closing quotation mark."""
    start = contrib.span(k)[0]
    for close in ("”", "\""):
        end = text.find(close, start + 1)
        if end >= 0:
            return end + 1
    return contrib.span(k)[1]


def _alternative(hit_at: Callable[[int], Hit | None], phrase: list[int]) -> str:
    """The lexicon's plainer word when the phrase is exactly one cue that has one."""
    hit = hit_at(phrase[0])
    if hit is None or any(hit_at(k) is not hit for k in phrase[1:]):
        return ""
    return hit.entry.alternative


def house_entries(controls: Controls, words: Sequence[str], spans: Sequence[tuple[int, int]], text: str,
                  offset: int, head: str) -> tuple[float, list[dict[str, Any]]]:
    """The log-odds house cues add to ``head`` in a sentence, and their term entries (``source: "house"``)."""
    total = 0.0
    out = []
    for i, j, cue in controls.house_hits(words):
        if cue.head != head:
            continue
        a, b = spans[i][0], spans[j - 1][1]
        total += cue.weight
        entry: dict[str, Any] = {"term": text[a:b], "start": a + offset, "end": b + offset, "weight": round(cue.weight, 3)}
        entry["device" if head == FRAMING else "source"] = cue.category if head == FRAMING else "house"
        entry["source"] = "house"
        out.append(entry)
    return total, out
