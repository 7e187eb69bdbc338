"""Scoring: sentences and articles in, per-sentence / per-paragraph / per-article scores out.

The stages, each a function: :func:`segment` cuts articles into paragraphs (with their kind) and
content paragraphs into pieces to score (sentences, with their quotation context); :func:`score_pieces`
scores and explains every piece; :func:`aggregate` turns piece scores into the rows of a level.
Paragraph scores are the **maximum** of their sentences' scores (a paragraph is as loaded as its
most loaded sentence); the terms columns list the words that pushed a score up most, as exact
substrings with character offsets into the article.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .errors import InputError
from .explain import TERM_FLOOR, Controls, HouseCue, house_entries, terms
from .linear import Piece, Scorer
from .schema import (
    ARTICLE_COLUMNS,
    CONTENT,
    FRAMING,
    HEADS,
    LEVELS,
    LOADED,
    MAX_TERMS,
    PARAGRAPH_COLUMNS,
    SENTENCE_COLUMNS,
    SENTENCE_LEVEL_COLUMNS,
    TERM_COLUMNS,
)
from .segment import clip_spans, iter_sentence_bounds, paragraph_bounds, paragraph_kind, quote_spans
from .words import all_words

__all__ = ["MAX_PIECE_CHARS", "Batch", "FramingModel", "Pieces", "Scored", "aggregate", "as_text", "score_pieces", "segment"]

MAX_PIECE_CHARS = 1000  # a "sentence" longer than this (no punctuation) is scored in pieces of this size
Columns = dict[str, list[Any]]


def _sigmoid(z: float) -> float:
    if z != z:
        return z
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def as_text(value: Any, where: str = "text") -> str:
    """A document or sentence as ``str``: ``None`` and NaN are empty, bytes are decoded as UTF-8, others refused."""
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{where}: bytes that are not UTF-8 (byte 0x{bytes(value)[exc.start]:02x} at offset {exc.start})") from None
    raise InputError(f"{where}: expected text (str), got {type(value).__name__}")


# ---------------------------------------------------------------------------------------------
# Stage 1: segment


class Pieces(Sequence[Piece]):
    """The pieces of a batch as offsets into their paragraphs' text: a :class:`Piece` is cut out only when read.

    A huge article holds one copy of its text, not a second one cut into sentences.
    """

    def __init__(self, paragraphs: list[str]):
        self._paragraphs = paragraphs  # the batch's paragraph texts (shared, not copied)
        self._par = array("q")
        self._start = array("q")
        self._end = array("q")
        self._quotes: dict[int, list[tuple[int, int]]] = {}  # only pieces that overlap a quotation

    def add(self, par: int, start: int, end: int, quotes: list[tuple[int, int]] | tuple[()] = ()) -> None:
        """Append the piece ``[start, end)`` of paragraph ``par`` with its quotation spans (relative to ``start``)."""
        if quotes:
            self._quotes[len(self._start)] = quotes  # type: ignore[assignment]
        self._par.append(par)
        self._start.append(start)
        self._end.append(end)

    def __len__(self) -> int:
        return len(self._start)

    def _piece(self, i: int) -> Piece:
        return Piece(self._paragraphs[self._par[i]][self._start[i]:self._end[i]], self._quotes.get(i, ()))

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._piece(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("piece index out of range")
        return self._piece(index)

    def __iter__(self) -> Any:
        return map(self._piece, range(len(self)))

    def lengths(self) -> list[int]:
        """Each piece's length in characters."""
        return [b - a for a, b in zip(self._start, self._end)]


@dataclass
class Batch:
    """Articles cut into paragraphs (parallel lists, one entry per paragraph) and pieces to score."""

    p_doc: list[int] = field(default_factory=list)  # position of the article in the batch
    p_num: list[int] = field(default_factory=list)
    p_start: list[int] = field(default_factory=list)
    p_end: list[int] = field(default_factory=list)
    p_kind: list[str] = field(default_factory=list)
    p_text: list[str] = field(default_factory=list)
    p_first: list[int] = field(default_factory=list)  # index of the paragraph's first piece
    pieces: Pieces = field(init=False)
    s_par: array[int] = field(default_factory=lambda: array("q"))  # paragraph of each piece
    s_num: array[int] = field(default_factory=lambda: array("q"))  # sentence index of each piece in its paragraph
    s_start: array[int] = field(default_factory=lambda: array("q"))  # offset of each piece in its article

    def __post_init__(self) -> None:
        self.pieces = Pieces(self.p_text)


def _piece_bounds(text: str, start: int, end: int) -> Iterable[tuple[int, int]]:
    """``[start, end)`` cut at whitespace into trimmed chunks of at most :data:`MAX_PIECE_CHARS`."""
    pos = start
    while end - pos > MAX_PIECE_CHARS:
        cut = text.rfind(" ", pos + 1, pos + MAX_PIECE_CHARS)
        if cut <= pos:
            cut = pos + MAX_PIECE_CHARS
        a, b = pos, cut
        while a < b and text[a].isspace():
            a += 1
        if a < b:
            yield a, b
        pos = cut
    while pos < end and text[pos].isspace():
        pos += 1
    if pos < end:
        yield pos, end


def segment(texts: Sequence[str]) -> Batch:
    """Paragraphs of every article with their kind; each content paragraph's sentences as pieces.

    Each piece carries the quotation spans of its paragraph that overlap it, so a sentence inside a
    multi-sentence quotation is scored as quoted.
    """
    b = Batch()
    for d, text in enumerate(texts):
        for p_idx, (ps, pe) in enumerate(paragraph_bounds(text)):
            ptext = text[ps:pe]
            kind = paragraph_kind(ptext)
            b.p_doc.append(d)
            b.p_num.append(p_idx)
            b.p_start.append(ps)
            b.p_end.append(pe)
            b.p_kind.append(kind)
            b.p_text.append(ptext)
            b.p_first.append(len(b.pieces))
            if kind == CONTENT:
                _add_pieces(b, ptext, ps, len(b.p_doc) - 1)
    return b


def _add_pieces(b: Batch, ptext: str, pstart: int, par: int) -> None:
    quotes = quote_spans(ptext)
    for s_idx, (a, e) in enumerate(iter_sentence_bounds(ptext)):
        for start, end in _piece_bounds(ptext, a, e) if e - a > MAX_PIECE_CHARS else ((a, e),):
            b.pieces.add(par, start, end, clip_spans(quotes, start, end) if quotes else ())
            b.s_par.append(par)
            b.s_num.append(s_idx)
            b.s_start.append(pstart + start)


# ---------------------------------------------------------------------------------------------
# Stage 2: score pieces


@dataclass
class Scored:
    """Per piece: each head's probability and terms (offsets relative to ``offsets[i]``)."""

    probs: dict[str, Sequence[float]]  # 8 bytes a piece (an ``array("d")``) when made by :func:`score_pieces`
    terms: dict[str, list[list[dict[str, Any]]]]

    def prob_lists(self) -> dict[str, list[float]]:
        """Each head's probabilities as a list (for output columns)."""
        return {head: list(values) for head, values in self.probs.items()}


SCORE_CHUNK = 1024  # pieces scored per vectorised call: bounds memory on one huge article


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a block that makes no reference cycles, then restore it.

    Scoring allocates many short-lived lists and tuples, all freed by reference counting as soon as
    they go; a collection pass started meanwhile would walk every live object of the host process.
    The collector is turned back on afterwards only if it was on before.
    """
    import gc

    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def score_pieces(scorer: Scorer, pieces: Sequence[Piece], offsets: Sequence[int], stop_words: frozenset[str],
                 controls: Controls, explain: bool = True, groups: Sequence[int] | None = None) -> Scored:
    """Score and explain each piece with both heads (terms only at or above each head's decision point).

    With ``groups`` (the paragraph of each piece) only the terms a paragraph row can show are kept:
    the strongest of each group, on its first piece in each chunk (bounded memory on huge articles).
    """
    out = Scored({h: array("d") for h in HEADS}, {TERM_COLUMNS[h]: [] for h in HEADS})
    for a in range(0, len(pieces), SCORE_CHUNK):
        with _collector_paused():
            part = _score_chunk(scorer, pieces[a:a + SCORE_CHUNK], offsets[a:a + SCORE_CHUNK], stop_words, controls, explain)
        for head in HEADS:
            listed = part.terms[TERM_COLUMNS[head]]
            if groups is not None:
                _keep_strongest(listed, groups[a:a + SCORE_CHUNK])
            out.probs[head].extend(part.probs[head])
            out.terms[TERM_COLUMNS[head]].extend(listed)
    return out


_NO_TERMS: list[dict[str, Any]] = []  # shared by the pieces whose terms moved to their group's first piece; never mutated


def _keep_strongest(listed: list[list[dict[str, Any]]], groups: Sequence[int]) -> None:
    """Move each group's strongest terms onto its first piece (in place); a group's union keeps its top terms.

    The other pieces share one empty list: a huge paragraph holds no list per sentence.
    """
    first = 0
    for i in range(1, len(listed) + 1):
        if i == len(listed) or groups[i] != groups[first]:
            if i - first > 1:
                merged = _top(t for ts in listed[first:i] for t in ts)
                listed[first] = merged
                listed[first + 1:i] = [_NO_TERMS] * (i - first - 1)
            first = i


def _probabilities(z: Any) -> Any:
    import numpy as np

    probs = np.empty_like(z)
    pos = z >= 0
    probs[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    probs[~pos] = ez / (1.0 + ez)  # NaN (a head the model lacks) stays NaN
    return probs


def _score_chunk(scorer: Scorer, pieces: Sequence[Piece], offsets: Sequence[int], stop_words: frozenset[str],
                 controls: Controls, explain: bool) -> Scored:
    import numpy as np

    batch = scorer.read_batch(pieces)
    lo, fr = scorer.logits_of(batch)
    logits = {LOADED: lo, FRAMING: fr}
    found: dict[int, dict[str, tuple[set[int], list[dict[str, Any]]]]] = {}
    if controls.allow or controls.house:
        for i, (piece, offset) in enumerate(zip(pieces, offsets)):
            row = {h: float(logits[h][i]) for h in HEADS}
            found[i] = _adjust(scorer, piece, offset, controls, row)
            for h in HEADS:
                logits[h][i] = row[h]
    probs = {head: _probabilities(logits[head]) for head in HEADS}
    wanted = {head: np.flatnonzero(probs[head] >= controls.threshold(head)).tolist() if explain else [] for head in HEADS}
    contrib = scorer.contributions(batch, wanted, TERM_FLOOR)
    out = Scored({}, {})
    for head in HEADS:
        out.probs[head] = probs[head].tolist()
        listed: list[list[dict[str, Any]]] = [[] for _ in pieces]
        for i in wanted[head]:
            skip = found[i][head][0] if i in found else set()
            listed[i] = terms(contrib[(i, head)], pieces[i].text, offsets[i], head, stop_words, skip)
        for i, f in found.items():
            if f[head][1]:
                listed[i] = sorted([*f[head][1], *listed[i]], key=lambda t: -t["weight"])[:MAX_TERMS]
        out.terms[TERM_COLUMNS[head]] = listed
    return out


def _adjust(scorer: Scorer, piece: Piece, offset: int, controls: Controls,
            logits: dict[str, float]) -> dict[str, tuple[set[int], list[dict[str, Any]]]]:
    """Apply allow list and house cues to ``logits`` in place; per head, the skipped tokens and house terms."""
    words, spans = all_words(piece.text)
    allowed = {spans[k] for k in controls.allowed(words)}
    found: dict[str, tuple[set[int], list[dict[str, Any]]]] = {}
    for head in HEADS:
        if logits[head] != logits[head]:
            continue
        skip: set[int] = set()
        if allowed:
            contrib = scorer.contributions_of(piece, head)
            skip = {k for k, s in enumerate(contrib.spans) if s in allowed}
            logits[head] -= sum(contrib.weights[k] for k in skip)
        house_words, house_spans = words, spans
        if head == FRAMING and piece.quotes:  # framing counts house cues in the writer's voice only
            keep = [k for k, (a, _) in enumerate(spans) if not any(qa <= a < qb for qa, qb in piece.quotes)]
            house_words, house_spans = [words[k] for k in keep], [spans[k] for k in keep]
        added, entries = house_entries(controls, house_words, house_spans, piece.text, offset, head)
        logits[head] += added
        found[head] = (skip, entries)
    return found


# ---------------------------------------------------------------------------------------------
# Stage 3: aggregate


def _top(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entries, key=lambda t: -t["weight"])[:MAX_TERMS]


def aggregate(level: str, b: Batch, s: Scored, n_docs: int, thresholds: Mapping[str, float]) -> Columns:
    """The rows of ``level`` (``doc`` holds article positions) from segmented, scored pieces."""
    if level == "sentence":
        return _sentence_rows(b, s)
    paras = _paragraph_rows(b, s)
    return paras if level == "paragraph" else _article_rows(paras, n_docs, thresholds)


def _sentence_rows(b: Batch, s: Scored) -> Columns:
    n = len(b.pieces)
    return {"doc": [b.p_doc[p] for p in b.s_par], "paragraph": [b.p_num[p] for p in b.s_par], "sentence": list(b.s_num),
            "start": list(b.s_start), "end": [a + k for a, k in zip(b.s_start, b.pieces.lengths())], "kind": [CONTENT] * n,
            "text": [p.text for p in b.pieces], **s.prob_lists(), **s.terms, "n_sentences": [1] * n}


def _paragraph_rows(b: Batch, s: Scored) -> Columns:
    n = len(b.p_doc)
    last = [*b.p_first[1:], len(b.pieces)]
    cols: Columns = {"doc": b.p_doc, "paragraph": b.p_num, "start": b.p_start, "end": b.p_end, "kind": b.p_kind,
                     "text": b.p_text, "n_sentences": [e - a for a, e in zip(b.p_first, last)]}
    for head in HEADS:
        probs, tcol = s.probs[head], TERM_COLUMNS[head]
        cols[head] = [max(probs[a:e]) if e > a else math.nan for a, e in zip(b.p_first, last)]
        cols[tcol] = [_top(t for ts in s.terms[tcol][a:e] for t in ts) if e > a else [] for a, e in zip(b.p_first, last)]
    assert all(len(v) == n for v in cols.values())
    return cols


def _article_rows(paras: Columns, n_docs: int, thresholds: Mapping[str, float]) -> Columns:
    """One row per article over its content paragraphs (maximum, mean, share flagged, strongest terms)."""
    rows: list[list[int]] = [[] for _ in range(n_docs)]
    for i, d in enumerate(paras["doc"]):
        rows[d].append(i)
    cols: Columns = {c: [] for c in ["doc", *ARTICLE_COLUMNS]}
    share = {LOADED: "share_loaded", FRAMING: "share_framing"}
    for d, idx in enumerate(rows):
        content = [i for i in idx if paras["kind"][i] == CONTENT]
        n = len(content)
        cols["doc"].append(d)
        cols["n_paragraphs"].append(len(idx))
        cols["n_content"].append(n)
        for head in HEADS:
            vals = [paras[head][i] for i in content]
            ok = n and vals[0] == vals[0]
            cols[head].append(max(vals) if ok else math.nan)
            cols[f"{head}_mean"].append(sum(vals) / n if ok else math.nan)
            cols[share[head]].append(sum(v >= thresholds.get(head, 0.5) for v in vals) / n if ok else math.nan)
            tcol = TERM_COLUMNS[head]
            cols[tcol].append(_top(t for i in content for t in paras[tcol][i]))
        cols["n_sentences"].append(sum(paras["n_sentences"][i] for i in content))
    return cols


# ---------------------------------------------------------------------------------------------
# The model


class FramingModel:
    """A trained two-headed framing model.

    Scoring uses each head's linear form (:mod:`classifier.linear`), which gives the same
    probabilities as the scikit-learn pipelines in :attr:`heads` without importing scikit-learn.
    Load the shipped one with ``load_model()``; :meth:`configure` applies an editor's allow list,
    house cues and decision points.
    """

    def __init__(self, scorer: Scorer, meta: Mapping[str, Any] | None = None, stop_words: Iterable[str] = (),
                 pipelines: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
                 controls: Controls | None = None):
        self.scorer = scorer
        self.meta = dict(meta or {})
        self.stop_words = frozenset(stop_words)
        self._pipelines = pipelines
        saved = {h: float(t) for h, t in (self.meta.get("decision_points") or {}).items() if h in HEADS}
        self.controls = controls if controls is not None else Controls.build(scorer.lexicon, thresholds=saved)

    @classmethod
    def from_pipelines(cls, heads: Mapping[str, Any], meta: Mapping[str, Any] | None = None) -> FramingModel:
        """Wrap fitted head pipelines (as built by :func:`classifier.training.build_head`)."""
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        from .linear import export

        stop = sorted(set(ENGLISH_STOP_WORDS) | {"said", "says", "s", "t"})
        return cls(export(heads), meta, stop, dict(heads))

    def configure(self, allow: Iterable[str] = (), cues: Iterable[HouseCue] = (),
                  thresholds: Mapping[str, float] | None = None) -> FramingModel:
        """A copy of this model with an allow list, house cues and per-head decision points.

        Allowed terms are never reported and their contribution is subtracted from the log-odds;
        house cues add their weight and are always reported (``source: "house"``); a decision point
        decides which scores count as flagged (terms listed, article shares).
        """
        merged = {**self.controls.thresholds, **(thresholds or {})}
        controls = Controls.build(self.lexicon, allow, cues, merged)
        return FramingModel(self.scorer, self.meta, self.stop_words, self._pipelines, controls)

    @property
    def lexicon(self) -> Any:
        """The cue lexicon matcher both heads use."""
        return self.scorer.lexicon

    @property
    def head_names(self) -> tuple[str, ...]:
        """The heads this model was trained for (a head without labels gives NaN scores)."""
        return tuple(h for h in HEADS if h in self.scorer.heads)

    @property
    def decision_points(self) -> dict[str, float]:
        """The probability at or above which each head flags."""
        return {h: self.controls.threshold(h) for h in HEADS}

    @property
    def heads(self) -> dict[str, Any]:
        """The scikit-learn pipelines, one per head (loaded on first use; imports scikit-learn)."""
        if callable(self._pipelines):
            self._pipelines = self._pipelines()
        if self._pipelines is None:
            raise AttributeError("this model was saved without its pipelines")
        return dict(self._pipelines)

    def __repr__(self) -> str:
        n = self.meta.get("training_data", {}).get("n_sentences")
        return f"FramingModel(version={self.meta.get('version')!r}, sentences={n!r})"

    # -- scoring -----------------------------------------------------------------------------

    def _scored(self, pieces: Sequence[Piece], offsets: Sequence[int], explain: bool) -> Scored:
        return score_pieces(self.scorer, pieces, offsets, self.stop_words, self.controls, explain)

    def score_sentences(self, sentences: Iterable[Any], explain: bool = True) -> Any:
        """Score each string as one sentence (quotation marks read within it).

        Returns a DataFrame with columns ``text``, ``loaded_language``, ``editorial_framing``
        (probabilities; 0.5 is the decision point), ``loaded_terms`` and ``framing_terms`` (lists of
        term entries with offsets into that sentence; empty below the decision point, and always
        empty with ``explain=False``, which is faster). ``None`` and NaN count as empty text.
        """
        import pandas as pd

        texts = [as_text(t, f"sentence {i}") for i, t in enumerate(sentences)]
        s = self._scored([Piece(t) for t in texts], [0] * len(texts), explain)
        cols = {"text": pd.Series(texts, dtype=object), **s.prob_lists(), **s.terms}
        return pd.DataFrame(cols, columns=SENTENCE_COLUMNS)

    def score_columns(self, texts: Sequence[Any], level: str = "paragraph", explain: bool = True) -> Columns:
        """:meth:`score_documents` as a dict of column lists, ``doc`` holding each row's position in ``texts``.

        The fastest way to score in bulk (no DataFrame); columns as in :data:`classifier.schema.COLUMNS`.
        """
        if level not in LEVELS:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
        docs = [as_text(t, f"document {i}") for i, t in enumerate(texts)]
        b = segment(docs)
        s = score_pieces(self.scorer, b.pieces, b.s_start, self.stop_words, self.controls, explain,
                         groups=None if level == "sentence" else b.s_par)
        return aggregate(level, b, s, len(docs), self.decision_points)

    def score_text(self, text: Any, level: str = "paragraph") -> Any:
        """Score an article: one row per paragraph (``level="paragraph"``) or per sentence.

        Paragraph rows: ``paragraph, start, end, kind, text, loaded_language, editorial_framing,
        loaded_terms, framing_terms, n_sentences``; offsets (also those of the terms) index into
        ``text``. Non-content paragraphs (captions, links, widgets, bylines) keep their ``kind`` and
        have no scores. Empty text gives an empty frame.
        """
        return self.score_documents([text], level=level).drop(columns="doc")

    def score_documents(self, texts: Sequence[Any], level: str = "paragraph", doc_ids: Sequence[Any] | None = None) -> Any:
        """Score many articles in one batch; rows carry a ``doc`` column (``doc_ids`` or the position).

        ``level`` is ``paragraph``, ``sentence`` or ``article`` (one row per text, even when ids repeat).
        """
        import pandas as pd

        texts = list(texts)
        ids = list(range(len(texts))) if doc_ids is None else list(doc_ids)
        if len(ids) != len(texts):
            raise ValueError(f"doc_ids has {len(ids)} ids for {len(texts)} texts")
        cols = self.score_columns(texts, level)
        cols["doc"] = [ids[i] for i in cols["doc"]]
        order = ["doc", *{"paragraph": PARAGRAPH_COLUMNS, "sentence": SENTENCE_LEVEL_COLUMNS, "article": ARTICLE_COLUMNS}[level]]
        frame = {c: pd.Series(cols[c], dtype=object) if c in ("doc", "text") else cols[c] for c in order}
        return pd.DataFrame(frame, columns=order)
