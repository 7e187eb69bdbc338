"""Words and cues: the tokenizer shared by every stage, the writer's-voice view, and the cue lexicon.

Pure Python (no scikit-learn), so that scoring can start fast.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from .segment import mask_quotes, quote_spans

__all__ = [
    "LEXICON_CATEGORIES",
    "TOKEN_RE",
    "Lexicon",
    "cue_spans",
    "read_lexicon",
    "tokenize",
    "writer_voice",
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
        self.column = {c: i for i, c in enumerate(self.categories)}
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



def cue_spans(text: str, matcher: Lexicon, scopes: Sequence[str]) -> list[tuple[int, int, int]]:
    """``(start, end, feature_index)`` of every lexicon cue in ``text``.

    Feature index ``k * n_categories + c`` is category ``c`` (in ``matcher.categories`` order) counted
    in scope ``scopes[k]`` ("outside" = the writer's voice, "inside" = within quotation marks).
    """
    spans = [(m.start(), m.end()) for m in TOKEN_RE.finditer(text)]
    if not spans:
        return []
    toks = [text[a:b].lower().replace("’", "'") for a, b in spans]
    quotes = quote_spans(text) if ("\"" in text or "“" in text) else []
    ncat = len(matcher.categories)
    col = matcher.column
    out = []
    for i, j, category in matcher.find(toks):
        start, end = spans[i][0], spans[j - 1][1]
        scope = "inside" if any(a <= start < b for a, b in quotes) else "outside"
        if scope in scopes:
            out.append((start, end, scopes.index(scope) * ncat + col[category]))
    return out
