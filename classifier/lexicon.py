"""The cue lexicon: terms with a category and a plainer alternative, matched with their real inflections.

:class:`Lexicon` finds terms in a token sequence; :class:`CueEncoder` turns the matches in a sentence
into named features (per-category counts inside and outside quotations, per-concept presence).
Training (``LexiconFeatures``) and scoring (the linear scorer) both use the same encoder, so the
features the model was fitted on are the features it is scored with. Pure Python.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

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
POS = ("verb", "noun", "adj", "adv", "fixed")
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


def _plural(w: str) -> set[str]:
    if w.endswith(("s", "x", "z", "ch", "sh")):
        return {w + "es"}
    if w.endswith("y") and len(w) > 2 and w[-2] not in _VOWELS:
        return {w[:-1] + "ies"}
    return {w + "s"}


def _doubles(w: str) -> bool:
    """A short word ending consonant-vowel-consonant doubles its last letter (stop -> stopped)."""
    return (len(w) >= 3 and w[-1] not in _VOWELS | set("wxy") and w[-2] in _VOWELS and w[-3] not in _VOWELS
            and sum(c in _VOWELS for c in w) == 1)


def _verb_forms(w: str) -> set[str]:
    forms = _plural(w)
    if w.endswith("e") and not w.endswith("ee"):
        forms |= {w + "d", w[:-1] + "ing"}
    elif w.endswith("ee"):
        forms |= {w + "d", w + "ing"}
    elif w.endswith("y") and len(w) > 2 and w[-2] not in _VOWELS:
        forms |= {w[:-1] + "ied", w + "ing"}
    elif w.endswith("c"):
        forms |= {w + "ked", w + "king"}
    elif _doubles(w):
        forms |= {w + w[-1] + "ed", w + w[-1] + "ing", w + "ed", w + "ing"}
    else:
        forms |= {w + "ed", w + "ing"}
    return forms


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

    A phrase inflects its last word when that is a noun or adjective, its first word when it is a
    verb phrase ("ram through" -> "rammed through"); a hyphenated word inflects its last part.
    """
    if pos not in ("verb", "noun", "adj") or not term.replace("-", "").replace("'", "").isalpha():
        return {term}
    head, sep, tail = term.rpartition("-")
    if sep and head and tail and pos != "verb":
        return {head + sep + f for f in inflections(tail, pos)}
    if len(term) < 3:
        return {term}
    forms = {"verb": _verb_forms, "noun": _plural, "adj": _adj_forms}[pos](term)
    return {term} | forms


@dataclass(frozen=True)
class Hit:
    """A lexicon term found in a token sequence: tokens ``[first, end)``, the entry, inside a quotation or not."""

    first: int
    end: int
    entry: Entry
    scope: str


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
        # the first two words of every longer phrase: most tokens that start a phrase ("the", "in")
        # are not followed by a word that continues one, and this rules them out with one lookup
        self._starts = frozenset(" ".join(v[:2]) for v in phrases if len(v) > 1)

    def __reduce__(self) -> tuple[type, tuple[tuple[Entry, ...]]]:
        return (Lexicon, (self.entries,))

    def __len__(self) -> int:
        return len(self.entries)

    def forms(self) -> dict[str, Entry]:
        """Every matched form (a word or phrase) and the entry it stands for."""
        return {form: self.entries[n] for form, n in self._phrases.items()}

    def find(self, tokens: Sequence[str]) -> list[tuple[int, int, Entry]]:
        """``(first_token, end_token, entry)`` for each match, longest first, no overlaps."""
        lengths = self._lengths
        phrases = self._phrases
        out = []
        resume = 0
        end = len(tokens)
        for i in [i for i, t in enumerate(tokens) if t in lengths]:
            if i < resume:
                continue
            longer = i + 1 < end and f"{tokens[i]} {tokens[i + 1]}" in self._starts
            for k in lengths[tokens[i]]:
                if k > 1 and (not longer or i + k > end):
                    continue
                n = phrases.get(tokens[i] if k == 1 else " ".join(tokens[i:i + k]))
                if n is not None:
                    out.append((i, i + k, self.entries[n]))
                    resume = i + k
                    break
        return out


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

    def hits(self, words: Sequence[str], spans: Sequence[tuple[int, int]],
             quotes: Sequence[tuple[int, int]]) -> list[Hit]:
        """The cues in a sentence's ``words`` (with their ``spans``) that fall in this encoder's scopes."""
        found = self.lexicon.find(words)
        if not found:
            return []
        out = []
        for i, j, entry in found:
            start = spans[i][0]
            scope = "inside" if quotes and any(a <= start < b for a, b in quotes) else "outside"
            if scope in self.scopes:
                out.append(Hit(i, j, entry, scope))
        return out

    @staticmethod
    def term_name(hit: Hit) -> str:
        return f"{hit.scope}={hit.entry.key}"

    def features(self, hits: Sequence[Hit]) -> dict[str, float]:
        """The feature values of a sentence's hits, by feature name (zeros left out)."""
        counts: dict[str, int] = {}
        out: dict[str, float] = {}
        for h in hits:
            name = f"{h.scope}:{h.entry.category}"
            counts[name] = counts.get(name, 0) + 1
            term = self.term_name(h)
            if term in self.terms:
                out[f"term:{term}"] = 1.0
        for name, c in counts.items():
            out[name] = math.log1p(c)
        return out

    def category_names(self) -> list[str]:
        """Names of the category features, scope-major."""
        return [f"{s}:{c}" for s in self.scopes for c in CATEGORIES]
