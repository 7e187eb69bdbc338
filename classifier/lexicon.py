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
    "cue_hits",
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
        phrases: dict[tuple[str, ...], tuple[str, str]] = {}
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
            for v in variants:
                # a form shared by two entries keeps the smallest (category, term), whatever the hash seed
                if v not in phrases or (category, term) < phrases[v]:
                    phrases[v] = (category, term)
        # first token -> [(length, {phrase: (category, term)})], longest first
        index: dict[str, dict[int, dict[tuple[str, ...], tuple[str, str]]]] = {}
        for v, found in sorted(phrases.items()):
            index.setdefault(v[0], {}).setdefault(len(v), {})[v] = found
        self._index = {t: sorted(by_len.items(), reverse=True) for t, by_len in sorted(index.items())}

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, tokens: Sequence[str]) -> list[tuple[int, int, str, str]]:
        """``(first_token, end_token, category, term)`` for each match, longest first, no overlaps."""
        index = self._index
        out = []
        resume = 0
        for i in [i for i, t in enumerate(tokens) if t in index]:
            if i < resume:
                continue
            for k, phrases in index[tokens[i]]:
                found = phrases.get(tuple(tokens[i:i + k]))
                if found is not None:
                    out.append((i, i + k, *found))
                    resume = i + k
                    break
        return out


def cue_hits(text: str, matcher: Lexicon, tokens: Sequence[str] | None = None) -> list[tuple[int, int, str, str, str]]:
    """``(first_token, end_token, scope, category, term)`` of every lexicon cue in ``text``.

    ``scope`` is "inside" for a cue within quotation marks, else "outside" (the writer's voice).
    ``tokens``, when given, must be ``tokenize(text)``.
    """
    toks = tokenize(text) if tokens is None else tokens
    found = matcher.find(toks)
    if not found:
        return []
    if "\"" not in text and "“" not in text and "”" not in text:
        return [(i, j, "outside", c, t) for i, j, c, t in found]
    starts = [m.start() for m in TOKEN_RE.finditer(text)]
    quotes = quote_spans(text)
    return [(i, j, "inside" if any(a <= starts[i] < b for a, b in quotes) else "outside", c, t) for i, j, c, t in found]
