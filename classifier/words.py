"""Words: tokens with their offsets, the writer's-voice view of a sentence, and word n-grams.

Both heads read a sentence as a sequence of lower-cased word tokens. The loaded head reads every
word; the framing head reads the writer's voice, where a quotation is one ``_quote_`` token and a
scare quote keeps its words after a ``_shortquote_`` token. Quotation spans are passed in
explicitly (a sentence inside a multi-sentence quotation knows it is quoted); when they are not
given they are found in the sentence itself. Pure Python, so that scoring starts fast.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from .segment import quote_spans, scare_quotes

__all__ = ["QUOTE_TOKEN", "SHORT_QUOTE_TOKEN", "TOKEN_RE", "Tokens", "all_words", "canonical", "ngrams", "read_side_terms",
           "tokenize", "view", "writer_voice"]

# A word: letters/digits/underscore, joined by inner hyphens or apostrophes ("far-right", "don't").
TOKEN_RE = re.compile(r"\w+(?:[-'’]\w+)*")
QUOTE_TOKEN = "_quote_"
SHORT_QUOTE_TOKEN = "_shortquote_"
VIEWS = ("all", "writer")


class Tokens(NamedTuple):
    """Word tokens (lower-cased, ’ read as ') and the ``(start, end)`` of each in the text.

    A ``_quote_`` token spans its whole quotation; a ``_shortquote_`` token spans its opening mark.
    """

    words: list[str]
    spans: list[tuple[int, int]]


def _lower(token: str) -> str:
    return token.lower().replace("’", "'")


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` (’ read as '), one per match of :data:`TOKEN_RE`."""
    return [_lower(t) for t in TOKEN_RE.findall(text)]


def all_words(text: str) -> Tokens:
    """Every word of ``text`` with its offsets."""
    words, spans = [], []
    for m in TOKEN_RE.finditer(text):
        words.append(_lower(m.group()))
        spans.append(m.span())
    return Tokens(words, spans)


def writer_voice(text: str, quotes: Sequence[tuple[int, int]] | None = None) -> Tokens:
    """The writer's own words of ``text``: each quotation one ``_quote_`` token, scare quotes kept.

    ``quotes`` are the quotation spans in ``text`` (default: :func:`~classifier.segment.quote_spans`).
    """
    spans_q = list(quote_spans(text) if quotes is None else quotes)
    if not spans_q:
        return all_words(text)
    scare = scare_quotes(text, spans_q)
    words: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for (a, b), is_scare in zip(spans_q, scare):
        _add_words(text, pos, a, words, spans)
        if is_scare:
            words.append(SHORT_QUOTE_TOKEN)
            spans.append((a, a + 1))
            _add_words(text, a, b, words, spans)
        else:
            words.append(QUOTE_TOKEN)
            spans.append((a, b))
        pos = b
    _add_words(text, pos, len(text), words, spans)
    return Tokens(words, spans)


def _add_words(text: str, start: int, end: int, words: list[str], spans: list[tuple[int, int]]) -> None:
    for m in TOKEN_RE.finditer(text, start, end):
        words.append(_lower(m.group()))
        spans.append(m.span())


def view(text: str, kind: str, quotes: Sequence[tuple[int, int]] | None = None) -> Tokens:
    """The tokens a head reads: ``all`` words, or the ``writer``'s voice."""
    if kind == "all":
        return all_words(text)
    if kind == "writer":
        return writer_voice(text, quotes)
    raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {kind!r}")


def canonical(word: str, canon: Mapping[str, str]) -> str:
    """``word`` as its ``canon`` form, a possessive following its word ("trump's" -> "_politician_'s")."""
    c = canon.get(word)
    if c is not None:
        return c
    if word.endswith("'s"):
        c = canon.get(word[:-2])
        if c is not None:
            return c + "'s"
    return word


def ngrams(words: Sequence[str], canon: Mapping[str, str] | None = None) -> list[str]:
    """Unigrams then bigrams of ``words``, each word first replaced by its ``canon`` form if it has one."""
    if canon:
        words = [canonical(w, canon) for w in words]
    return [*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))]


def read_side_terms(path: str | Path) -> tuple[tuple[str, str], ...]:
    """``(word, token)`` pairs from a CSV of ``term,group`` rows (``#`` lines are comments): word -> ``_group_``."""
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        rows = [line for line in fh if line.strip() and not line.lstrip().startswith("#")]
    out = {}
    for r in csv.DictReader(rows):
        term, group = (r.get("term") or "").strip().lower(), (r.get("group") or "").strip().lower()
        if term and group:
            out[term] = f"_{group}_"
    return tuple(sorted(out.items()))
