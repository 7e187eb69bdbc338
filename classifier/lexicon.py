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
    """Lower-cased word tokens of ``text``, ’ read as ' (the tokenizer of every TF-IDF step).

    One token per match of :data:`TOKEN_RE` in ``text``, in order (so tokens line up with match
    offsets). The whole string is lower-cased at once when that keeps every character's place and
    word-ness (nearly all text; faster), else each match is lower-cased on its own.
    """
    if "’" in text:
        text = text.replace("’", "'")
    low = text.lower()
    if len(low) == len(text) and (low.isascii() or all(a.isalnum() == b.isalnum() for a, b in zip(low, text) if a != b)):
        return TOKEN_RE.findall(low)
    return [t.lower() for t in TOKEN_RE.findall(text)]


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
    """Regular English inflections of ``word`` (over-generation is harmless for a cue lexicon).

    A hyphenated word inflects its last part ("cherry-pick" -> "cherry-picked").
    """
    head, sep, tail = word.rpartition("-")
    if sep and head and tail:
        return {head + sep + form for form in _inflections(tail)}
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
    """A matcher of lexicon terms (with regular inflections) over token sequences.

    Stored flat (phrase -> entry number, and the phrase lengths starting at each first token) so that
    a pickled lexicon of thousands of terms and their inflections loads in milliseconds.
    """

    def __init__(self, entries: Iterable[tuple[str, str]]):
        self.entries = tuple(entries)
        self.categories = tuple(sorted({c for _, c in self.entries}))
        self.column = {c: i for i, c in enumerate(self.categories)}
        phrases: dict[tuple[str, ...], int] = {}
        for n, (term, category) in enumerate(self.entries):
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
                if v not in phrases or (category, term) < self.entries[phrases[v]][::-1]:
                    phrases[v] = n
        lengths: dict[str, set[int]] = {}
        for v in phrases:
            lengths.setdefault(v[0], set()).add(len(v))
        self._phrases = {" ".join(v): n for v, n in sorted(phrases.items())}
        self._lengths = {t: tuple(sorted(ks, reverse=True)) for t, ks in sorted(lengths.items())}
        # the first two words of every longer phrase: most tokens that start a phrase ("the", "in")
        # are not followed by a word that continues one, and this rules them out with one lookup
        self._starts = frozenset(" ".join(v[:2]) for v in phrases if len(v) > 1)

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, tokens: Sequence[str]) -> list[tuple[int, int, str, str]]:
        """``(first_token, end_token, category, term)`` for each match, longest first, no overlaps."""
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
                    term, category = self.entries[n]
                    out.append((i, i + k, category, term))
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
