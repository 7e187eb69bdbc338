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
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from itertools import accumulate, chain
from operator import sub
from pathlib import Path
from typing import NamedTuple

from .segment import quote_spans, scare_quotes

__all__ = ["FUNCTION_WORDS", "QUOTE_TOKEN", "SHORT_QUOTE_TOKEN", "TOKEN_RE", "Tokens", "all_words", "canonical", "ngrams",
           "read_side_terms",
           "lowered", "tokenize", "view", "word_spans", "writer_voice"]

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


def lowered(text: str) -> str | None:
    """``text`` lower-cased with ’ read as ', when that keeps every character in place (else None).

    No character whose lower case is a single character changes between word and non-word, so when
    the length is kept, the tokens of the lowered text are the lowered tokens, at the same offsets.
    """
    low = text.lower()
    if len(low) != len(text):
        return None
    return low.replace("’", "'") if "’" in low else low


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` (’ read as '), one per match of :data:`TOKEN_RE`."""
    low = lowered(text)
    if low is not None:
        return TOKEN_RE.findall(low)
    return [_lower(t) for t in TOKEN_RE.findall(text)]


def word_spans(text: str, words: Sequence[str]) -> list[tuple[int, int]]:
    """The offsets of ``words`` (``tokenize(text)``) in ``text``, from the lengths of the gaps between them."""
    low = lowered(text)
    if low is None:
        return all_words(text).spans
    gaps = TOKEN_RE.split(low)  # len(words) + 1 stretches of non-words
    ends = list(accumulate(map(len, chain.from_iterable(zip(gaps, words)))))[1::2]
    return list(zip(map(sub, ends, map(len, words)), ends))


def all_words(text: str) -> Tokens:
    """Every word of ``text`` with its offsets."""
    words: list[str] = []
    spans: list[tuple[int, int]] = []
    _add_words(text, 0, len(text), words, spans)
    return Tokens(words, spans)


def writer_voice(text: str, quotes: Sequence[tuple[int, int]] | None = None, read: Tokens | None = None) -> Tokens:
    """The writer's own words of ``text``: each quotation one ``_quote_`` token, scare quotes kept.

    ``quotes`` are the quotation spans in ``text`` (default: :func:`~classifier.segment.quote_spans`).
    ``read``: every word of ``text`` with its offsets (:func:`all_words`), when already known; the view
    is then cut from them instead of read afresh.
    """
    spans_q = list(quote_spans(text) if quotes is None else quotes)
    if not spans_q:
        return all_words(text) if read is None else read
    scare = scare_quotes(text, spans_q)
    if read is not None:
        cut = _cut_quotations(read, spans_q, scare)
        if cut is not None:
            return cut
    low = lowered(text) or ""
    words: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for (a, b), is_scare in zip(spans_q, scare):
        _add_words(text, pos, a, words, spans, low)
        if is_scare:
            words.append(SHORT_QUOTE_TOKEN)
            spans.append((a, a + 1))
            _add_words(text, a, b, words, spans, low)
        else:
            words.append(QUOTE_TOKEN)
            spans.append((a, b))
        pos = b
    _add_words(text, pos, len(text), words, spans, low)
    return Tokens(words, spans)


def _cut_quotations(read: Tokens, quotes: Sequence[tuple[int, int]], scare: Sequence[bool]) -> Tokens | None:
    """:func:`writer_voice` from every word already read, or None where that would differ from reading afresh.

    A token lies in a quotation when it starts inside its span. A quotation's marks are not word
    characters, so no token crosses its edges; when one does (or quotations overlap), None.
    """
    words, spans = read
    starts = [a for a, _ in spans]
    out_words: list[str] = []
    out_spans: list[tuple[int, int]] = []
    pos, prev_end = 0, 0
    for (a, b), is_scare in zip(quotes, scare):
        lo = bisect_left(starts, a, pos)
        hi = bisect_left(starts, b, lo)
        if a < prev_end or (lo and spans[lo - 1][1] > a) or (hi > lo and spans[hi - 1][1] > b):
            return None
        out_words += words[pos:lo]
        out_spans += spans[pos:lo]
        if is_scare:
            out_words += [SHORT_QUOTE_TOKEN, *words[lo:hi]]
            out_spans += [(a, a + 1), *spans[lo:hi]]
        else:
            out_words.append(QUOTE_TOKEN)
            out_spans.append((a, b))
        pos, prev_end = hi, b
    return Tokens(out_words + words[pos:], out_spans + spans[pos:])


def _add_words(text: str, start: int, end: int, words: list[str], spans: list[tuple[int, int]],
               low: str | None = None) -> None:
    low = lowered(text) if low is None else (low or None)
    if low is not None:
        words.extend(TOKEN_RE.findall(low, start, end))
        spans.extend(m.span() for m in TOKEN_RE.finditer(low, start, end))
        return
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


# Words that are not features: a flag must rest on words with content. First and second person, negations
# and modals stay (they mark the writer's voice).
FUNCTION_WORDS = tuple(sorted(set(
    "a an the is are was were be been being am it its this that these those of in on at to for with by from as and or".split())))


def ngrams(words: Sequence[str], canon: Mapping[str, str] | None = None, drop: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """Unigrams then bigrams of ``words`` without the ``drop`` words, each first replaced by its ``canon`` form."""
    if drop:
        words = [w for w in words if w not in drop]
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
