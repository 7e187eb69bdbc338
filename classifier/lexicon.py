"""The cue lexicon: terms with a category and a plainer alternative, matched with their real inflections.

:class:`Lexicon` finds terms in a token sequence; :class:`CueEncoder` turns the matches in a sentence
into named features (per-category counts inside and outside quotations, per-concept presence).
Training (``LexiconFeatures``) and scoring (the linear scorer) both use the same encoder, so the
features the model was fitted on are the features it is scored with. Pure Python.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress
from pathlib import Path
from typing import Any, NamedTuple

from .words import tokenize

__all__ = ["CATEGORIES", "POS", "CueEncoder", "Entry", "Hit", "Lexicon", "inflections", "read_lexicon"]

CATEGORIES = (
    "pejorative_label",
    "evaluative_modifier",
    "intensifier_hyperbole",
    "loaded_verb",
    "doubt_casting_attribution",
    "scare_quote_cue",
    "presupposition",
    "motive_speculation",
    "loaded_metaphor",
    "sarcasm",
    "selective_juxtaposition",
    "praise",
    "context",  # words that are loaded in some uses and plain in most news copy: weighed on their own
    "house",  # a newsroom's own cues (``--cues``)
)
# Part of speech, which decides the inflections matched: a verb's -s/-ed/-ing, a noun's plural, an
# adjective's -ly adverb and comparatives, a phrase or fixed form only as written.
POS = ("verb", "noun", "adj", "adv", "fixed", "any")
_DEFAULT_POS = {"loaded_verb": "verb", "doubt_casting_attribution": "verb", "pejorative_label": "noun",
                "loaded_metaphor": "noun", "evaluative_modifier": "adj", "intensifier_hyperbole": "adj", "praise": "adj"}
SCOPES = ("outside", "inside")


@dataclass(frozen=True)
class Entry:
    """One lexicon row: the term, its category, what it shares a feature with, and a plainer word."""

    term: str
    category: str
    concept: str = ""  # terms with the same concept (spelling or hyphen variants) share one feature
    pos: str = ""
    alternative: str = ""
    exclude: tuple[str, ...] = ()  # forms the inflection rules would produce that mean something else

    @property
    def key(self) -> str:
        return self.concept or self.term


def read_lexicon(path: str | Path) -> tuple[Entry, ...]:
    """Read a lexicon CSV: ``term`` and ``category``, optional ``concept``, ``pos``, ``neutral_alternative``, ``exclude``.

    Rows with an empty term or category are skipped; terms are lower-cased; the result is sorted.
    """
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for r in rows:
        term, category = (r.get("term") or "").strip().lower(), (r.get("category") or "").strip()
        if not term or not category:
            continue
        out[term] = Entry(
            term=term,
            category=category,
            concept=(r.get("concept") or "").strip().lower(),
            pos=(r.get("pos") or "").strip(),
            alternative=(r.get("neutral_alternative") or r.get("alternative") or "").strip(),
            exclude=tuple(sorted(w.strip().lower() for w in (r.get("exclude") or "").split(";") if w.strip())),
        )
    return tuple(out[t] for t in sorted(out))


_VOWELS = frozenset("aeiou")
# Irregular past forms of verbs that lexicon phrases are built on ("tore into", "threw under the bus").
_IRREGULAR = {
    "beat": ("beaten",), "bend": ("bent",), "bite": ("bit", "bitten"), "bleed": ("bled",), "blow": ("blew", "blown"),
    "break": ("broke", "broken"), "bring": ("brought",), "buy": ("bought",), "creep": ("crept",), "deal": ("dealt",),
    "drink": ("drank", "drunk"), "drive": ("drove", "driven"), "eat": ("ate", "eaten"), "feed": ("fed",),
    "fight": ("fought",), "flee": ("fled",), "fling": ("flung",), "freeze": ("froze", "frozen"), "go": ("went", "gone"),
    "grind": ("ground",), "hide": ("hid", "hidden"), "hold": ("held",), "lay": ("laid",), "lead": ("led",),
    "leap": ("leapt",), "mislead": ("misled",), "overthrow": ("overthrew", "overthrown"), "ride": ("rode", "ridden"),
    "ring": ("rang", "rung"), "run": ("ran",), "sell": ("sold",), "shake": ("shook", "shaken"), "sink": ("sank", "sunk"),
    "sling": ("slung",), "slink": ("slunk",), "speak": ("spoke", "spoken"), "spin": ("spun",), "stand": ("stood",),
    "steal": ("stole", "stolen"), "sting": ("stung",), "stink": ("stank", "stunk"), "strike": ("struck", "stricken"),
    "swear": ("swore", "sworn"), "sweep": ("swept",), "take": ("took", "taken"), "tear": ("tore", "torn"),
    "throw": ("threw", "thrown"), "wake": ("woke", "woken"), "weep": ("wept",), "win": ("won",), "withhold": ("withheld",),
}


def _plural(w: str) -> set[str]:
    if w.endswith(("s", "x", "z", "ch", "sh")):
        if w.endswith("is") and len(w) > 4:
            return {w[:-2] + "es"}  # crisis -> crises
        return {w + "es"}
    if w.endswith("y") and len(w) > 2 and w[-2] not in _VOWELS:
        return {w[:-1] + "ies"}
    if w.endswith("man") and len(w) > 4:
        return {w[:-3] + "men"}  # strongman -> strongmen
    if w.endswith("o") and w[-2] not in _VOWELS:
        return {w + "s", w + "es"}  # heroes, radios
    if w.endswith(("f", "fe")) and not w.endswith("ff"):
        return {w + "s", w.rstrip("e")[:-1] + "ves"}  # thieves, wolves (chiefs kept too)
    return {w + "s"}


def _cvc(w: str) -> bool:
    """Ends consonant-vowel-consonant (stop, admit, patrol): the final consonant may double (stopped, admitted)."""
    return len(w) >= 3 and w[-1] not in _VOWELS | set("wxy") and w[-2] in _VOWELS and w[-3] not in _VOWELS


def _third_person(w: str) -> str:
    if w.endswith(("s", "x", "z", "ch", "sh", "o")):
        return w + "es"
    if w.endswith("y") and len(w) > 2 and w[-2] not in _VOWELS:
        return w[:-1] + "ies"
    return w + "s"


def _verb_forms(w: str) -> set[str]:
    forms = {_third_person(w)}
    if w.endswith("e") and not w.endswith("ee"):
        forms |= {w + "d", w[:-1] + "ing"}
    elif w.endswith("ee"):
        forms |= {w + "d", w + "ing"}
    elif w.endswith("y") and len(w) > 2 and w[-2] not in _VOWELS:
        forms |= {w[:-1] + "ied", w + "ing"}
    elif w.endswith("ic"):
        forms |= {w + "ked", w + "king"}
    else:
        forms |= {w + "ed", w + "ing"}
        if _cvc(w):  # stress decides doubling (admitted, but edited): both are matched, the wrong one never occurs
            forms |= {w + w[-1] + "ed", w + w[-1] + "ing"}
    return forms | set(_IRREGULAR.get(w, ()))


def _adj_forms(w: str) -> set[str]:
    """An adjective's adverb and comparatives, and its plural as a noun ("radical" -> "radicals")."""
    if w.endswith("ly"):
        return set()
    forms = _plural(w)
    if w.endswith("ic"):
        forms.add(w + "ally")
    elif w.endswith("le") and len(w) > 3:
        forms.add(w[:-1] + "y")
    elif w.endswith("y") and len(w) > 2 and w[-2] not in _VOWELS:
        forms |= {w[:-1] + "ily", w[:-1] + "ier", w[:-1] + "iest"}
    else:
        forms.add(w + "ly")
    return forms


def inflections(term: str, pos: str) -> set[str]:
    """The word forms of ``term`` matched as it: itself and the regular inflections of its part of speech.

    ``verb``: -s, -ed, -ing (e-dropping, y to i, consonant doubling) and common irregular pasts;
    ``noun``: the plural (crises, strongmen, heroes); ``adj``: the -ly adverb, comparatives of -y
    adjectives and the plural of its use as a noun; ``any``: all of these (an editor's own terms);
    ``adv`` and ``fixed``: only as written. A hyphenated noun or adjective inflects its last part.
    """
    if pos == "any":
        return set().union(*(inflections(term, p) for p in ("verb", "noun", "adj")))
    if pos not in ("verb", "noun", "adj") or not term.replace("-", "").replace("'", "").isalpha():
        return {term}
    head, sep, tail = term.rpartition("-")
    if sep and head and tail and pos != "verb":
        return {head + sep + f for f in inflections(tail, pos)}
    if len(term) < 3:
        return {term}
    return {term} | {"verb": _verb_forms, "noun": _plural, "adj": _adj_forms}[pos](term)


class Hit(NamedTuple):
    """A lexicon term found in a token sequence: tokens ``[first, end)``, the entry, inside a quotation or not.

    ``category`` and ``term`` are the names of the features it counts for (see :class:`CueEncoder`).
    """

    first: int
    end: int
    entry: Entry
    scope: str
    category: str  # "{scope}:{category}"
    term: str  # "term:{scope}={concept}"


class Lexicon:
    """Matches lexicon terms (with the inflections of their part of speech) over token sequences.

    The longest term starting at a token wins; matches do not overlap. ``Lexicon`` is built from its
    entries alone (and pickles as them), so a loaded model rebuilds the same tables.
    """

    def __init__(self, entries: Iterable[Entry]):
        self.entries = tuple(entries)
        phrases: dict[tuple[str, ...], int] = {}
        for n, e in enumerate(self.entries):
            words = tokenize(e.term)
            if not words:
                continue
            pos = e.pos or _DEFAULT_POS.get(e.category, "fixed")
            variants = {tuple(words)}
            if len(words) == 1:
                variants |= {(f,) for f in inflections(words[0], pos)}
            elif pos == "verb":
                variants |= {(f, *words[1:]) for f in inflections(words[0], pos)}
            else:
                variants |= {(*words[:-1], f) for f in inflections(words[-1], pos)}
            for v in sorted(variants):
                if " ".join(v) in e.exclude:
                    continue
                # a form shared by two entries keeps the one whose own term it is, else the first
                if v not in phrases or tuple(words) == v:
                    phrases[v] = n
        self._phrases = {" ".join(v): n for v, n in sorted(phrases.items())}
        lengths: dict[str, set[int]] = {}
        for v in phrases:
            lengths.setdefault(v[0], set()).add(len(v))
        self._lengths = {t: tuple(sorted(ks, reverse=True)) for t, ks in sorted(lengths.items())}
        self._alone = {t: self._phrases[t] for t, ks in self._lengths.items() if ks == (1,)}
        nexts: dict[str, set[str]] = {}
        for v in phrases:
            if len(v) > 1:
                nexts.setdefault(v[0], set()).add(v[1])
        self._next = {t: frozenset(ws) for t, ws in sorted(nexts.items())}

    def __reduce__(self) -> tuple[type, tuple[tuple[Entry, ...]]]:
        return (Lexicon, (self.entries,))

    def __len__(self) -> int:
        return len(self.entries)

    def forms(self) -> dict[str, Entry]:
        """Every matched form (a word or phrase) and the entry it stands for."""
        return {form: self.entries[n] for form, n in self._phrases.items()}

    def find(self, tokens: Sequence[str]) -> list[tuple[int, int, Entry]]:
        """``(first_token, end_token, entry)`` for each match, longest first, no overlaps."""
        return [(i, j, self.entries[n]) for i, j, n in self.find_indexed(tokens)]

    def find_indexed(self, tokens: Sequence[str]) -> list[tuple[int, int, int]]:
        """:meth:`find` with the entry's index in :attr:`entries` instead of the entry."""
        return self.find_at(tokens, compress(range(len(tokens)), map(self._lengths.__contains__, tokens)))

    def form_entries(self) -> dict[str, int]:
        """Every matched form (words joined by spaces) and the index of its entry in :attr:`entries`."""
        return dict(self._phrases)

    def find_at(self, tokens: Sequence[str], positions: Iterable[int]) -> list[tuple[int, int, int]]:
        """:meth:`find_indexed` trying only ``positions`` (ascending), which must hold every position a match can start at."""
        lengths = self._lengths
        phrases = self._phrases
        alone = self._alone
        out = []
        resume = 0
        end = len(tokens)
        for i in positions:
            if i < resume:
                continue
            t = tokens[i]
            n = alone.get(t)
            if n is not None:  # a word that starts no longer phrase: the common case
                out.append((i, i + 1, n))
                continue
            nexts = self._next.get(t)
            if i + 1 >= end or nexts is None or tokens[i + 1] not in nexts:  # no longer phrase can start here
                n = phrases.get(t)
                if n is not None:
                    out.append((i, i + 1, n))
                continue
            for k in lengths[t]:
                if i + k > end:
                    continue
                n = phrases.get(t if k == 1 else " ".join(tokens[i:i + k]))
                if n is not None:
                    out.append((i, i + k, n))
                    resume = i + k
                    break
        return out


def scope_index(start: int, quotes: Sequence[tuple[int, int]]) -> int:
    """Where a cue starting at offset ``start`` lies: 0 ``outside`` every quotation, 1 ``inside`` one (see :data:`SCOPES`)."""
    return int(any(a <= start < b for a, b in quotes))


class CueEncoder:
    """Lexicon matches as named features, the one definition shared by training and scoring.

    Features per sentence: ``{scope}:{category}`` = log(1 + number of cues of that category in that
    scope), and ``term:{scope}={concept}`` = 1 for each term (or concept) present, for the terms in
    ``terms`` (those seen in training). ``scope`` is ``inside`` a quotation or ``outside`` it.
    """

    def __init__(self, lexicon: Lexicon, scopes: Sequence[str] = SCOPES, terms: Iterable[str] = ()):
        self.lexicon = lexicon
        self.scopes = tuple(scopes)
        self.terms = frozenset(terms)
        # feature names of every entry in every scope, worked out once
        self._names = {scope: [(f"{scope}:{e.category}", f"term:{scope}={e.key}") for e in lexicon.entries] for scope in SCOPES}

    def hits(self, words: Sequence[str], spans: Sequence[tuple[int, int]],
             quotes: Sequence[tuple[int, int]]) -> list[Hit]:
        """The cues in a sentence's ``words`` that fall in this encoder's scopes (``spans`` needed only with ``quotes``)."""
        found = self.lexicon.find_indexed(words)
        if not found:
            return []
        out = []
        entries = self.lexicon.entries
        for i, j, n in found:
            scope = SCOPES[scope_index(spans[i][0], quotes) if quotes else 0]
            if scope in self.scopes:
                out.append(Hit(i, j, entries[n], scope, *self._names[scope][n]))
        return out

    @staticmethod
    def term_name(hit: Hit) -> str:
        """``{scope}={concept}``: the term's key in :attr:`terms`."""
        return hit.term[5:]

    def features(self, hits: Sequence[Hit]) -> dict[str, float]:
        """The feature values of a sentence's hits, by feature name (zeros left out)."""
        counts: dict[str, int] = {}
        out: dict[str, float] = {}
        for h in hits:
            counts[h.category] = counts.get(h.category, 0) + 1
            if h.term[5:] in self.terms:
                out[h.term] = 1.0
        for name, c in counts.items():
            out[name] = math.log1p(c)
        return out

    def weighted(self, weights: Mapping[str, float], scopes: Sequence[str]) -> WeightedCues:
        """These features with one head's weights (by feature name), for scoring many sentences' cues at once."""
        return WeightedCues(self, weights, scopes)

    def category_names(self) -> list[str]:
        """Names of the category features, scope-major."""
        return [f"{s}:{c}" for s in self.scopes for c in CATEGORIES]


class WeightedCues:
    """A :class:`CueEncoder`'s features times one head's weights, worked out for many matches at once.

    Built once per head from feature names; :meth:`shares` gives each match its share of its sentence's
    cue value, so that the shares of a sentence's matches add up to ``Σ features(hits) · weights``.
    """

    def __init__(self, encoder: CueEncoder, weights: Mapping[str, float], scopes: Sequence[str]):
        import numpy as np

        n = len(encoder.lexicon.entries)
        cat_names: dict[str, int] = {"": 0}  # id 0 weighs nothing: a scope not read, a term not seen in training
        term_names: dict[str, int] = {"": 0}
        self._cat = np.zeros((len(SCOPES), n), dtype=np.int64)
        self._term = np.zeros((len(SCOPES), n), dtype=np.int64)
        for s, scope in enumerate(SCOPES):
            if scope not in scopes:
                continue
            for e, (cat, term) in enumerate(encoder._names[scope]):
                self._cat[s, e] = cat_names.setdefault(cat, len(cat_names))
                if term[5:] in encoder.terms:
                    self._term[s, e] = term_names.setdefault(term, len(term_names))
        self._cat_w = np.array([0.0, *(weights.get(c, 0.0) for c in list(cat_names)[1:])])
        self._term_w = np.array([0.0, *(weights.get(t, 0.0) for t in list(term_names)[1:])])
        self._in_scope = np.array([scope in scopes for scope in SCOPES])

    def shares(self, sentence: Any, scope: Any, entry: Any) -> Any:
        """Each match's share of its sentence's cue value (NaN: a scope this head does not read).

        Arrays, one item per match: the sentence it is in, its scope (0 ``outside``, 1 ``inside``) and
        its entry's index. A category's value log(1 + count) is shared equally by its matches, a term's
        weight by that term's matches.
        """
        import numpy as np

        cat = self._cat[scope, entry]
        _, inverse, counts = np.unique(sentence * len(self._cat_w) + cat, return_inverse=True, return_counts=True)
        count = counts[inverse.ravel()]
        part = np.log1p(count) * self._cat_w[cat] / count
        term = self._term[scope, entry]
        _, inverse, counts = np.unique(sentence * len(self._term_w) + term, return_inverse=True, return_counts=True)
        part += self._term_w[term] / counts[inverse.ravel()]
        return np.where(self._in_scope[scope], part, np.nan)
