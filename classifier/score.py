"""Scoring: sentences and articles in, per-sentence / per-paragraph / per-article scores out.

Paragraph scores are the **maximum** of their sentences' scores (a paragraph is as loaded as its
most loaded sentence); ``loaded_terms`` are the words that pushed the loaded score up most, as
exact substrings with character offsets.
"""

from __future__ import annotations

import math
import pickle
import zlib
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .compiled import LinearHead, Scorer, Trace
from .lexicon import Lexicon
from .segment import paragraph_bounds, paragraph_kind, quote_spans, sentence_bounds

__all__ = [
    "ARTICLE_COLUMNS",
    "PARAGRAPH_COLUMNS",
    "SENTENCE_COLUMNS",
    "SENTENCE_LEVEL_COLUMNS",
    "FramingModel",
]

SENTENCE_COLUMNS = ["text", "loaded_language", "editorial_framing", "loaded_terms"]
PARAGRAPH_COLUMNS = [
    "paragraph", "start", "end", "kind", "text",
    "loaded_language", "editorial_framing", "loaded_terms", "n_sentences",
]
SENTENCE_LEVEL_COLUMNS = [
    "paragraph", "sentence", "start", "end", "kind", "text",
    "loaded_language", "editorial_framing", "loaded_terms", "n_sentences",
]
ARTICLE_COLUMNS = [
    "n_paragraphs", "n_content", "loaded_language", "loaded_language_mean", "editorial_framing",
    "editorial_framing_mean", "share_loaded", "share_framing", "loaded_terms", "n_sentences",
]

MAX_PIECE_CHARS = 1000  # a "sentence" longer than this (no punctuation) is scored in pieces of this size
_TERM_MIN_WEIGHT = 0.25  # a word must add this much to the loaded log-odds to be reported ...
_TERM_RELATIVE = 0.2  # ... and at least this share of the strongest word's contribution
_MAX_TERMS = 6


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _pieces(text: str, start: int) -> Iterable[tuple[int, str]]:
    """Cut an over-long sentence at whitespace into chunks of at most MAX_PIECE_CHARS."""
    pos = 0
    while len(text) - pos > MAX_PIECE_CHARS:
        cut = text.rfind(" ", pos + 1, pos + MAX_PIECE_CHARS)
        if cut <= pos:
            cut = pos + MAX_PIECE_CHARS
        chunk = text[pos:cut]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            yield start + pos + lead, chunk.strip()
        pos = cut
    chunk = text[pos:]
    if chunk.strip():
        lead = len(chunk) - len(chunk.lstrip())
        yield start + pos + lead, chunk.strip()


class FramingModel:
    """A trained two-headed framing model.

    Scoring uses each head's exported linear form (:mod:`classifier.compiled`), which gives the
    same probabilities as the scikit-learn pipelines in :attr:`heads` without importing
    scikit-learn. Build one with :meth:`from_pipelines`; load the shipped one with ``load_model()``.
    """

    def __init__(
        self,
        scorer: Scorer,
        meta: dict[str, Any] | None = None,
        pipelines: bytes | dict[str, Any] | None = None,  # dict, or pipelines_bytes() of one
        stop_words: frozenset[str] = frozenset(),
    ):
        self.scorer = scorer
        self.meta = dict(meta or {})
        self.stop_words = frozenset(stop_words)
        self._pipelines = pipelines

    @property
    def compiled(self) -> dict[str, LinearHead]:
        """Each head's exported linear form."""
        return {"loaded_language": self.scorer.loaded, "editorial_framing": self.scorer.framing}

    @property
    def lexicon(self) -> Lexicon:
        """The cue lexicon matcher both heads use."""
        return self.scorer.lexicon

    @classmethod
    def from_pipelines(cls, heads: dict[str, Any], meta: dict[str, Any] | None = None) -> FramingModel:
        """Wrap fitted head pipelines (as built by :func:`classifier.model.build_head`)."""
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        from .compiled import compile_head

        lexicon = dict(heads["loaded_language"].named_steps["features"].transformer_list)["lexicon"].matcher_
        scorer = Scorer(compile_head(heads["loaded_language"]), compile_head(heads["editorial_framing"]), lexicon)
        return cls(scorer, meta, dict(heads), frozenset(ENGLISH_STOP_WORDS) | {"said", "says", "s", "t"})

    @property
    def heads(self) -> dict[str, Any]:
        """The scikit-learn pipelines, one per head (unpickled on first use; imports scikit-learn)."""
        if isinstance(self._pipelines, bytes):
            self._pipelines = pickle.loads(zlib.decompress(self._pipelines))
        if self._pipelines is None:
            raise AttributeError("this model was saved without its pipelines")
        return self._pipelines

    def pipelines_bytes(self) -> bytes | None:
        """The pipelines as a zlib-compressed pickle, for saving (None when absent)."""
        if self._pipelines is None or isinstance(self._pipelines, bytes):
            return self._pipelines
        return zlib.compress(pickle.dumps(self._pipelines, protocol=pickle.HIGHEST_PROTOCOL), 6)

    def __repr__(self) -> str:
        return f"FramingModel(version={self.meta.get('version')!r}, sentences={self.meta.get('training_data', {}).get('n_sentences')!r})"

    # -- sentence level --------------------------------------------------------------------

    def _score(self, texts: Sequence[str], explain: bool = True) -> tuple[np.ndarray, np.ndarray, list[list[dict[str, Any]]]]:
        """Both heads' probabilities and (with ``explain``) loaded-term explanations for each text."""
        scored = self.scorer.score(texts)
        loaded = np.array([_sigmoid(s[0]) for s in scored])
        framing = np.array([_sigmoid(s[1]) for s in scored])
        if not explain:
            return loaded, framing, [[] for _ in texts]
        terms = [self._explain(t, s[2]) if p >= 0.5 else [] for t, s, p in zip(texts, scored, loaded)]
        return loaded, framing, terms

    def _explain(self, text: str, trace: Trace) -> list[dict[str, Any]]:
        """The words of ``text`` that raised its loaded score most, merged into phrases."""
        spans, weight, covered = self.scorer.contributions(text, trace)
        stop = self.stop_words
        floor = max(_TERM_MIN_WEIGHT, _TERM_RELATIVE * max(weight, default=0.0))
        phrases: list[list[int]] = []
        for k, w in enumerate(weight):
            if w < floor or (not covered[k] and text[spans[k][0]:spans[k][1]].lower() in stop):
                continue
            if phrases and phrases[-1][-1] == k - 1 and text[spans[k - 1][1]:spans[k][0]].strip(" -") == "":
                phrases[-1].append(k)
            else:
                phrases.append([k])
        out = []
        for ph in phrases:
            a, b = spans[ph[0]][0], spans[ph[-1]][1]
            out.append({"term": text[a:b], "start": a, "end": b, "weight": round(sum(weight[k] for k in ph), 3)})
        out.sort(key=lambda t: -t["weight"])
        return out[:_MAX_TERMS]

    def score_sentences(self, sentences: Iterable[str], explain: bool = True) -> pd.DataFrame:
        """Score each string as one sentence.

        Returns a DataFrame with columns ``text``, ``loaded_language``, ``editorial_framing``
        (probabilities; 0.5 is the decision point) and ``loaded_terms`` (list of
        ``{"term", "start", "end", "weight"}`` with offsets into that sentence; empty below 0.5, and
        always empty with ``explain=False``, which scores about a quarter faster).
        """
        texts = ["" if t is None else str(t) for t in sentences]
        loaded, framing, terms = self._score(texts, explain)
        return pd.DataFrame(
            {"text": texts, "loaded_language": loaded, "editorial_framing": framing, "loaded_terms": terms},
            columns=SENTENCE_COLUMNS,
        )

    # -- article level ---------------------------------------------------------------------

    def score_text(self, text: str, level: str = "paragraph") -> pd.DataFrame:
        """Score an article: one row per paragraph (``level="paragraph"``) or per sentence.

        Paragraph rows: ``paragraph, start, end, kind, text, loaded_language, editorial_framing,
        loaded_terms, n_sentences``; offsets (also those of ``loaded_terms``) index into ``text``.
        Non-content paragraphs (captions, links, widgets, bylines) keep their ``kind`` and have
        no scores. Empty text gives an empty frame.
        """
        return self.score_documents([text], level=level).drop(columns="doc")

    def score_documents(self, texts: Sequence[str], level: str = "paragraph", doc_ids: Sequence[Any] | None = None) -> pd.DataFrame:
        """Score many articles in one batch; rows carry a ``doc`` column (``doc_ids`` or the position).

        ``level`` is ``paragraph``, ``sentence`` or ``article`` (one row per text, even when ids repeat).
        """
        if level not in ("paragraph", "sentence", "article"):
            raise ValueError(f"level must be paragraph, sentence or article, not {level!r}")
        ids = list(doc_ids) if doc_ids is not None else list(range(len(texts)))
        # Paragraph rows and the pieces to score, as parallel lists (this loop runs for every
        # paragraph of every article, so it avoids per-row dicts and objects).
        p_doc: list[Any] = []
        p_pos: list[int] = []
        p_num: list[int] = []
        p_start: list[int] = []
        p_end: list[int] = []
        p_kind: list[str] = []
        p_text: list[str] = []
        p_first: list[int] = []
        piece_text: list[str] = []
        piece_start: list[int] = []
        piece_shift: list[int] = []
        want_sentences = level == "sentence"
        s_doc: list[Any] = []
        s_par: list[int] = []
        s_num: list[int] = []
        s_kind: list[str] = []
        s_text: list[str] = []
        for d, text in enumerate(texts):
            text = "" if text is None else str(text)
            doc = ids[d]
            for p_idx, (pstart, pend) in enumerate(paragraph_bounds(text)):
                ptext = text[pstart:pend]
                kind = paragraph_kind(ptext)
                p_doc.append(doc)
                p_pos.append(d)
                p_num.append(p_idx)
                p_start.append(pstart)
                p_end.append(pend)
                p_kind.append(kind)
                p_text.append(ptext)
                p_first.append(len(piece_text))
                if kind != "content":
                    continue
                quotes = quote_spans(ptext)  # sorted, non-overlapping
                quote_starts = [a for a, _ in quotes]
                # the sentences of ``ptext`` (as :func:`sentences` gives them, without building spans)
                for s_idx, (rel, rel_end) in enumerate(sentence_bounds(ptext)):
                    # the one quote that can hold ``rel``: the last starting before it
                    if quotes:
                        q = bisect_left(quote_starts, rel) - 1
                        inside = q >= 0 and rel < quotes[q][1]
                    else:
                        inside = False
                    stext = ptext[rel:rel_end]
                    # a sentence is already trimmed: it is its own single piece unless over-long
                    cut = _pieces(stext, pstart + rel) if len(stext) > MAX_PIECE_CHARS else ((pstart + rel, stext),)
                    for start, piece in cut:
                        if inside and not piece.startswith(("“", "\"")):
                            piece_text.append("“" + piece)
                            piece_shift.append(1)
                        else:
                            piece_text.append(piece)
                            piece_shift.append(0)
                        piece_start.append(start)
                        if want_sentences:
                            s_doc.append(doc)
                            s_par.append(p_idx)
                            s_num.append(s_idx)
                            s_kind.append(kind)
                            s_text.append(piece)
        loaded, framing, terms = self._score(piece_text)
        shifted = [
            [{**t, "start": t["start"] - sh + st, "end": t["end"] - sh + st} for t in ts] if ts else []
            for st, sh, ts in zip(piece_start, piece_shift, terms)
        ]
        if level == "sentence":
            if not piece_text:
                return pd.DataFrame([], columns=["doc", *SENTENCE_LEVEL_COLUMNS])
            return pd.DataFrame(
                {"doc": s_doc, "paragraph": s_par, "sentence": s_num, "start": piece_start,
                 "end": [a + len(t) for a, t in zip(piece_start, s_text)], "kind": s_kind, "text": s_text,
                 "loaded_language": [float(x) for x in loaded], "editorial_framing": [float(x) for x in framing],
                 "loaded_terms": shifted, "n_sentences": [1] * len(piece_text)},
                columns=["doc", *SENTENCE_LEVEL_COLUMNS],
            )
        n_par = len(p_doc)
        p_last = [*p_first[1:], len(piece_text)]
        p_loaded: list[float] = [np.nan] * n_par
        p_framing: list[float] = [np.nan] * n_par
        p_terms: list[list[dict[str, Any]]] = [[] for _ in range(n_par)]
        p_nsent = [b - a for a, b in zip(p_first, p_last)]
        loaded_l, framing_l = loaded.tolist(), framing.tolist()
        for i, (a, b) in enumerate(zip(p_first, p_last)):
            if b > a:  # a content paragraph: scores are its sentences' maximum
                p_loaded[i] = max(loaded_l[a:b])
                p_framing[i] = max(framing_l[a:b])
                merged = [t for ts in shifted[a:b] for t in ts]
                p_terms[i] = sorted(merged, key=lambda t: -t["weight"])[:_MAX_TERMS]
        if level == "article":
            return _articles(ids, p_pos, p_kind, p_loaded, p_framing, p_terms, p_nsent)
        return pd.DataFrame(
            {"doc": p_doc, "paragraph": p_num, "start": p_start, "end": p_end, "kind": p_kind, "text": p_text,
             "loaded_language": p_loaded, "editorial_framing": p_framing, "loaded_terms": p_terms, "n_sentences": p_nsent},
            columns=["doc", *PARAGRAPH_COLUMNS],
        )


def _articles(ids: list[Any], p_pos: list[int], p_kind: list[str], p_loaded: list[float], p_framing: list[float],
              p_terms: list[list[dict[str, Any]]], p_nsent: list[int]) -> pd.DataFrame:
    """One row per document (``ids[k]`` for the k-th text) from its paragraphs' columns.

    Over content paragraphs only: ``loaded_language`` / ``editorial_framing`` are the maximum paragraph
    score, ``*_mean`` the mean, ``share_*`` the share at or above 0.5, ``loaded_terms`` the article's
    strongest terms; a document without content paragraphs has empty scores.
    """
    paras: list[list[int]] = [[] for _ in ids]
    for i, k in enumerate(p_pos):
        paras[k].append(i)
    out = []
    for doc, rows in zip(ids, paras):
        content = [i for i in rows if p_kind[i] == "content"]
        row: dict[str, Any] = {"doc": doc, "n_paragraphs": len(rows), "n_content": len(content)}
        n = len(content)
        for head, col in (("loaded_language", p_loaded), ("editorial_framing", p_framing)):
            vals = [col[i] for i in content]
            row[head] = max(vals) if n else np.nan
            row[f"{head}_mean"] = sum(vals) / n if n else np.nan
        row["share_loaded"] = sum(p_loaded[i] >= 0.5 for i in content) / n if n else np.nan
        row["share_framing"] = sum(p_framing[i] >= 0.5 for i in content) / n if n else np.nan
        row["loaded_terms"] = sorted((t for i in content for t in p_terms[i]), key=lambda t: -t["weight"])[:_MAX_TERMS]
        row["n_sentences"] = sum(p_nsent[i] for i in content)
        out.append(row)
    return pd.DataFrame(out, columns=["doc", *ARTICLE_COLUMNS])
