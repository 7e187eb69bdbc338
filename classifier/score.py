"""Scoring: sentences and articles in, per-sentence / per-paragraph / per-article scores out.

Paragraph scores are the **maximum** of their sentences' scores (a paragraph is as loaded as its
most loaded sentence); ``loaded_terms`` are the words that pushed the loaded score up most, as
exact substrings with character offsets.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .compiled import Featurized, LinearHead, cue_counts, featurize
from .lexicon import Lexicon
from .segment import paragraph_kind, paragraphs, quote_spans, sentences

__all__ = [
    "ARTICLE_COLUMNS",
    "PARAGRAPH_COLUMNS",
    "SENTENCE_COLUMNS",
    "SENTENCE_LEVEL_COLUMNS",
    "FramingModel",
    "aggregate_articles",
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
_TERM_MIN_WEIGHT = 0.15  # a word must add this much to the loaded log-odds to be reported
_MAX_TERMS = 6
HEADS = ("loaded_language", "editorial_framing")


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


@dataclass(frozen=True)
class _Piece:
    """One unit to score: its text as the model sees it and where it sits in the source."""

    doc: int
    paragraph: int
    start: int  # offset of text[shift:] in the source
    text: str  # possibly with an opening quotation mark prepended (continuing quote)
    shift: int  # characters prepended to the source slice


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
        compiled: dict[str, LinearHead],
        lexicon: Lexicon,
        meta: dict[str, Any] | None = None,
        pipelines: bytes | dict[str, Any] | None = None,
        stop_words: frozenset[str] = frozenset(),
    ):
        missing = [h for h in HEADS if h not in compiled]
        if missing:
            raise ValueError(f"model lacks head(s): {', '.join(missing)}")
        self.compiled = compiled
        self.lexicon = lexicon
        self.meta = dict(meta or {})
        self.stop_words = frozenset(stop_words)
        self._pipelines = pipelines
        self._views = tuple(sorted({h.view for h in compiled.values()}))

    @classmethod
    def from_pipelines(cls, heads: dict[str, Any], meta: dict[str, Any] | None = None) -> FramingModel:
        """Wrap fitted head pipelines (as built by :func:`classifier.model.build_head`)."""
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        from .compiled import compile_head

        lexicon = dict(heads["loaded_language"].named_steps["features"].transformer_list)["lexicon"].matcher_
        compiled = {h: compile_head(p) for h, p in heads.items()}
        return cls(compiled, lexicon, meta, dict(heads), frozenset(ENGLISH_STOP_WORDS) | {"said", "says", "s", "t"})

    @property
    def heads(self) -> dict[str, Any]:
        """The scikit-learn pipelines, one per head (unpickled on first use; imports scikit-learn)."""
        if isinstance(self._pipelines, bytes):
            import pickle

            self._pipelines = pickle.loads(self._pipelines)
        if self._pipelines is None:
            raise AttributeError("this model was saved without its pipelines")
        return self._pipelines

    def pipelines_bytes(self) -> bytes | None:
        """The pipelines pickled, for saving (None when absent)."""
        import pickle

        if self._pipelines is None or isinstance(self._pipelines, bytes):
            return self._pipelines
        return pickle.dumps(self._pipelines, protocol=pickle.HIGHEST_PROTOCOL)

    def __repr__(self) -> str:
        return f"FramingModel(version={self.meta.get('version')!r}, sentences={self.meta.get('training_data', {}).get('n_sentences')!r})"

    # -- sentence level --------------------------------------------------------------------

    def _score(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[list[dict[str, Any]]]]:
        """Both heads' probabilities and loaded-term explanations for each text."""
        loaded_head = self.compiled["loaded_language"]
        framing_head = self.compiled["editorial_framing"]
        ncat = len(self.lexicon.categories)
        loaded = np.empty(len(texts))
        framing = np.empty(len(texts))
        terms: list[list[dict[str, Any]]] = []
        for i, text in enumerate(texts):
            feat = featurize(text, self.lexicon, self._views)
            words, cue = loaded_head.contributions(feat.tokens[loaded_head.view], cue_counts(feat, loaded_head.scopes, ncat), ncat)
            loaded[i] = _sigmoid(loaded_head.intercept + sum(words.values()) + sum(cue.values()))
            framing[i] = _sigmoid(framing_head.log_odds(feat.tokens[framing_head.view], cue_counts(feat, framing_head.scopes, ncat), ncat))
            terms.append(self._explain(text, feat, words, cue, ncat) if loaded[i] >= 0.5 else [])
        return loaded, framing, terms

    def _explain(self, text: str, feat: Featurized, words: dict[tuple[int, int], float], cue: dict[int, float], ncat: int) -> list[dict[str, Any]]:
        """The words of ``text`` that raised its loaded score most, merged into phrases."""
        spans = feat.spans
        toks = feat.tokens["all"]
        weight = [0.0] * len(spans)
        in_lexicon = [False] * len(spans)
        for (i, n), c in words.items():
            if c > 0:
                for k in range(i, i + n):
                    weight[k] += c / n
        scopes = self.compiled["loaded_language"].scopes
        nscope = len(scopes)
        per_feature: dict[int, int] = {}
        hits = []
        for start, end, scope, col in feat.cue_hits:
            if scope in scopes:
                f = scopes.index(scope) * ncat + col
                hits.append((start, end, f))
                per_feature[f] = per_feature.get(f, 0) + 1
        for start, end, f in hits:
            c = cue.get(f, 0.0) / per_feature[f] + cue.get(nscope * ncat + f // ncat, 0.0) / sum(
                v for g, v in per_feature.items() if g // ncat == f // ncat
            )
            idx = [k for k, (a, b) in enumerate(spans) if a >= start and b <= end]
            for k in idx:
                in_lexicon[k] = True
                if c > 0:
                    weight[k] += c / len(idx)
        stop = self.stop_words
        phrases: list[list[int]] = []
        for k, w in enumerate(weight):
            if w < _TERM_MIN_WEIGHT or (not in_lexicon[k] and toks[k] in stop):
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

    def score_sentences(self, sentences: Iterable[str]) -> pd.DataFrame:
        """Score each string as one sentence.

        Returns a DataFrame with columns ``text``, ``loaded_language``, ``editorial_framing``
        (probabilities; 0.5 is the decision point) and ``loaded_terms`` (list of
        ``{"term", "start", "end", "weight"}`` with offsets into that sentence; empty below 0.5).
        """
        texts = ["" if t is None else str(t) for t in sentences]
        loaded, framing, terms = self._score(texts)
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

        ``level`` is ``paragraph``, ``sentence`` or ``article`` (see :func:`aggregate_articles`).
        """
        if level not in ("paragraph", "sentence", "article"):
            raise ValueError(f"level must be paragraph, sentence or article, not {level!r}")
        ids = list(doc_ids) if doc_ids is not None else list(range(len(texts)))
        para_rows: list[dict[str, Any]] = []
        pieces: list[_Piece] = []
        sent_rows: list[dict[str, Any]] = []
        for d, text in enumerate(texts):
            text = "" if text is None else str(text)
            for p_idx, para in enumerate(paragraphs(text)):
                kind = paragraph_kind(para.text)
                row = {"doc": ids[d], "paragraph": p_idx, "start": para.start, "end": para.end, "kind": kind,
                       "text": para.text, "loaded_language": np.nan, "editorial_framing": np.nan,
                       "loaded_terms": [], "n_sentences": 0, "_first": len(pieces)}
                if kind == "content":
                    quotes = quote_spans(para.text)
                    for s_idx, sent in enumerate(sentences(para.text, offset=para.start)):
                        rel = sent.start - para.start
                        inside = any(a < rel < b for a, b in quotes)
                        for start, piece in _pieces(sent.text, sent.start):
                            prefix = "“" if inside and not piece.startswith(("“", "\"")) else ""
                            pieces.append(_Piece(d, p_idx, start, prefix + piece, len(prefix)))
                            sent_rows.append({"doc": ids[d], "paragraph": p_idx, "sentence": s_idx, "start": start,
                                              "end": start + len(piece), "kind": kind, "text": piece})
                row["_last"] = len(pieces)
                row["n_sentences"] = row["_last"] - row["_first"]
                para_rows.append(row)
        loaded, framing, terms = self._score([p.text for p in pieces])
        shifted = [
            [{**t, "start": t["start"] - p.shift + p.start, "end": t["end"] - p.shift + p.start} for t in ts]
            for p, ts in zip(pieces, terms)
        ]
        if level == "sentence":
            for r, lo, fr, ts in zip(sent_rows, loaded, framing, shifted):
                r.update(loaded_language=float(lo), editorial_framing=float(fr), loaded_terms=ts, n_sentences=1)
            return pd.DataFrame(sent_rows, columns=["doc", *SENTENCE_LEVEL_COLUMNS])
        for row in para_rows:
            a, b = row.pop("_first"), row.pop("_last")
            if b > a:
                row["loaded_language"] = float(loaded[a:b].max())
                row["editorial_framing"] = float(framing[a:b].max())
                merged = [t for ts in shifted[a:b] for t in ts]
                row["loaded_terms"] = sorted(merged, key=lambda t: -t["weight"])[:_MAX_TERMS]
        frame = pd.DataFrame(para_rows, columns=["doc", *PARAGRAPH_COLUMNS])
        if level == "article":
            return aggregate_articles(frame, ids)
        return frame


def aggregate_articles(paragraph_rows: pd.DataFrame, doc_ids: Sequence[Any] | None = None) -> pd.DataFrame:
    """One row per ``doc`` from paragraph rows, over content paragraphs only.

    ``loaded_language`` / ``editorial_framing`` are the maximum paragraph score, ``*_mean`` the mean,
    ``share_*`` the share of content paragraphs at or above 0.5, ``loaded_terms`` the strongest
    terms of the article. Documents in ``doc_ids`` without paragraphs get a row of zeros.
    """
    out = []
    groups = {k: g for k, g in paragraph_rows.groupby("doc", sort=False)} if len(paragraph_rows) else {}
    for doc in (doc_ids if doc_ids is not None else list(groups)):
        g = groups.get(doc)
        if g is None:
            g = paragraph_rows.iloc[0:0]
        c = g[g["kind"] == "content"]
        row: dict[str, Any] = {"doc": doc, "n_paragraphs": len(g), "n_content": len(c)}
        for head in HEADS:
            s = c[head].astype(float)
            row[head] = float(s.max()) if len(s) else np.nan
            row[f"{head}_mean"] = float(s.mean()) if len(s) else np.nan
        row["share_loaded"] = float((c["loaded_language"] >= 0.5).mean()) if len(c) else np.nan
        row["share_framing"] = float((c["editorial_framing"] >= 0.5).mean()) if len(c) else np.nan
        terms = [t for ts in c["loaded_terms"] for t in ts]
        row["loaded_terms"] = sorted(terms, key=lambda t: -t["weight"])[:_MAX_TERMS]
        row["n_sentences"] = int(c["n_sentences"].sum()) if len(c) else 0
        out.append(row)
    return pd.DataFrame(out, columns=["doc", *ARTICLE_COLUMNS])
