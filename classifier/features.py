"""Features: the tokenizer shared by every stage, the writer's-voice view, and lexicon cue counts.

The transformers follow scikit-learn conventions (parameters stored untouched in ``__init__``,
learned state ending in ``_``, ``get_feature_names_out``) so that ``clone``, ``Pipeline`` and
``joblib`` work on them.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .segment import mask_quotes, quote_spans

__all__ = [
    "TOKEN_RE",
    "tokenize",
    "writer_voice",
    "read_lexicon",
    "Lexicon",
    "LexiconFeatures",
    "LEXICON_CATEGORIES",
]

# A word: letters/digits/underscore, joined by inner hyphens or apostrophes ("far-right", "don't").
TOKEN_RE = re.compile(r"\w+(?:[-'’]\w+)*")


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` (the tokenizer of every TF-IDF step)."""
    return [m.group().lower().replace("’", "'") for m in TOKEN_RE.finditer(text)]


def writer_voice(text: str) -> str:
    """``text`` with long quotations replaced by a placeholder: what the writer says in their own voice."""
    return mask_quotes(text)


LEXICON_CATEGORIES = (
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
)


def read_lexicon(path: str | Path) -> tuple[tuple[str, str], ...]:
    """Read ``(term, category)`` rows from a lexicon CSV with columns ``term`` and ``category``."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [(r["term"].strip().lower(), r["category"].strip()) for r in csv.DictReader(fh)]
    return tuple(sorted({r for r in rows if r[0] and r[1]}))


_VOWELS = set("aeiou")


def _inflections(word: str) -> set[str]:
    """Regular English inflections of ``word`` (over-generation is harmless for a cue lexicon)."""
    forms = {word}
    if len(word) < 3 or not word.isalpha():
        return forms
    forms |= {word + s for s in ("s", "es", "ed", "ing", "er", "ers", "est", "ly")}
    if word.endswith("e"):
        forms |= {word + "d", word + "r", word + "rs", word + "st", word[:-1] + "ing", word[:-1] + "y"}
    if word.endswith("y") and word[-2] not in _VOWELS:
        forms |= {word[:-1] + s for s in ("ies", "ied", "ily", "ier", "iest")}
    if word.endswith("ic"):
        forms.add(word + "ally")
    if word[-1] not in _VOWELS | set("wxy") and word[-2] in _VOWELS and word[-3] not in _VOWELS:
        forms |= {word + word[-1] + s for s in ("ed", "ing", "er", "ers")}
    return forms


class Lexicon:
    """A matcher of lexicon terms (with regular inflections) over token sequences."""

    def __init__(self, entries: Iterable[tuple[str, str]]):
        self.entries = tuple(entries)
        self.categories = tuple(sorted({c for _, c in self.entries}))
        index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for term, category in self.entries:
            words = tokenize(term)
            if not words:
                continue
            variants = {tuple(words)}
            for form in _inflections(words[0]):
                variants.add((form, *words[1:]))
            if len(words) > 1:
                for form in _inflections(words[-1]):
                    variants.add((*words[:-1], form))
            for v in sorted(variants):
                index.setdefault(v[0], []).append((v, category))
        for cands in index.values():  # longest first; a fixed order, whatever the hash seed
            cands.sort(key=lambda c: (-len(c[0]), c))
        index = dict(sorted(index.items()))
        self._index = index

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, tokens: Sequence[str]) -> list[tuple[int, int, str]]:
        """Return ``(first_token, end_token, category)`` for each match, longest first, no overlaps."""
        out = []
        i, n = 0, len(tokens)
        index = self._index
        while i < n:
            cands = index.get(tokens[i])
            hit = None
            if cands:
                for words, category in cands:
                    k = len(words)
                    if k == 1 or tuple(tokens[i:i + k]) == words:
                        hit = (i, i + k, category)
                        break
            if hit:
                out.append(hit)
                i = hit[1]
            else:
                i += 1
        return out


class LexiconFeatures(TransformerMixin, BaseEstimator):
    """Counts of lexicon cues per category, separately inside and outside quotations.

    Parameters
    ----------
    lexicon : sequence of (term, category) pairs
        The cue lexicon (see ``training_data/lexicon.csv``).
    scopes : tuple of {"outside", "inside"}
        Which parts of the text to count in: the writer's voice, the quoted words, or both.
    """

    def __init__(self, lexicon: Sequence[tuple[str, str]] = (), scopes: tuple[str, ...] = ("outside", "inside")):
        self.lexicon = lexicon
        self.scopes = scopes

    def fit(self, X: Iterable[str], y: object = None) -> "LexiconFeatures":
        self.matcher_ = Lexicon(self.lexicon)
        self.categories_ = self.matcher_.categories
        self.n_features_in_ = 1
        return self

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "matcher_")
        names = [f"{scope}:{c}" for scope in self.scopes for c in self.categories_]
        names += [f"{scope}:any" for scope in self.scopes]
        return np.asarray(names, dtype=object)

    def matches(self, text: str) -> list[tuple[int, int, int]]:
        """Return ``(start, end, feature_index)`` character spans of every cue found in ``text``."""
        check_is_fitted(self, "matcher_")
        spans = [(m.start(), m.end()) for m in TOKEN_RE.finditer(text)]
        if not spans:
            return []
        toks = [text[a:b].lower().replace("’", "'") for a, b in spans]
        quotes = quote_spans(text) if ("\"" in text or "“" in text) else []
        ncat = len(self.categories_)
        col = {c: i for i, c in enumerate(self.categories_)}
        out = []
        for i, j, category in self.matcher_.find(toks):
            start, end = spans[i][0], spans[j - 1][1]
            scope = "inside" if any(a <= start < b for a, b in quotes) else "outside"
            if scope in self.scopes:
                out.append((start, end, self.scopes.index(scope) * ncat + col[category]))
        return out

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        check_is_fitted(self, "matcher_")
        ncat = len(self.categories_)
        nscope = len(self.scopes)
        rows, cols, vals = [], [], []
        n = 0
        for n, text in enumerate(X, 1):
            counts: dict[int, int] = {}
            for _, _, f in self.matches(text):
                counts[f] = counts.get(f, 0) + 1
                anycol = nscope * ncat + f // ncat
                counts[anycol] = counts.get(anycol, 0) + 1
            for f, c in counts.items():
                rows.append(n - 1)
                cols.append(f)
                vals.append(np.log1p(c))
        return sp.csr_matrix((vals, (rows, cols)), shape=(n, nscope * (ncat + 1)), dtype=np.float64)
