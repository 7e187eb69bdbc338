"""The fitted pipelines in their linear form: scoring and explaining sentences without scikit-learn.

Each head is ``sigmoid(b + w · tfidf(n-grams) / max(‖tfidf‖, floor) + Σ w · cue features)``.
:func:`export` reads those numbers off fitted pipelines **by feature name**
(``get_feature_names_out``); :class:`Scorer` computes the same values with the same functions the
pipelines use (:func:`classifier.words.view` and :func:`~classifier.words.ngrams` for the n-grams,
:class:`~classifier.lexicon.CueEncoder` for the cues), tokenizing each sentence once for both heads,
and splits each decision value into per-token contributions for explanations.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from .lexicon import SCOPES, CueEncoder, Hit, Lexicon
from .schema import FRAMING, HEADS, LOADED
from .words import all_words, ngrams, writer_voice

__all__ = ["Contributions", "HeadWeights", "Piece", "Scorer", "export"]


@dataclass
class HeadWeights:
    """One head as numbers: its view, intercept, length floor, and cue weights by feature name.

    The n-gram weights of both heads live in the :class:`Scorer`'s shared table.
    """

    view: str  # "all" or "writer"
    intercept: float
    floor: float
    cue_weights: dict[str, float]  # "{scope}:{category}" and "term:{scope}={concept}" -> weight
    scopes: tuple[str, ...]


class Piece(NamedTuple):
    """A sentence (or a piece of an over-long one) to score, with its quotation spans (None: find them in it)."""

    text: str
    quotes: Sequence[tuple[int, int]] | None = None


class Contributions(NamedTuple):
    """One head's decision value split over tokens: ``intercept + sum(weights) == logit``."""

    spans: list[tuple[int, int]]
    words: list[str]
    weights: list[float]
    cue: list[Hit | None]  # the lexicon cue each token belongs to, if any
    intercept: float


def _union_parts(pipeline: Any) -> tuple[Any, Any, Any, Any]:
    """The fitted TF-IDF vectorizer, floor normalizer, lexicon features and classifier of a head pipeline."""
    features = pipeline.named_steps["features"]
    parts = dict(features.transformer_list)
    words = parts["words"]
    return words.named_steps["tfidf"], words.named_steps["norm"], parts["lexicon"], pipeline.named_steps["clf"]


def export(heads: Mapping[str, Any]) -> Scorer:
    """Read both heads' numbers off fitted pipelines (as built by :func:`classifier.training.build_head`).

    Weights are mapped by the feature names the fitted union reports, never by position.
    """
    shared: dict[str, Any] = {}
    weights: dict[str, HeadWeights] = {}
    gram_rows: dict[str, list[float]] = {}
    for h, head in enumerate(HEADS):
        if head not in heads:
            continue
        pipe = heads[head]
        tfidf, norm, lex, clf = _union_parts(pipe)
        if not tfidf.sublinear_tf or not tfidf.use_idf or tfidf.norm is not None or not callable(tfidf.analyzer):
            raise ValueError(f"{head}: expected sublinear TF-IDF with idf, no norm of its own, and an Ngrams analyzer")
        names = pipe.named_steps["features"].get_feature_names_out()
        coef = clf.coef_[0]
        if len(names) != len(coef):
            raise ValueError(f"{head}: {len(names)} feature names but {len(coef)} coefficients")
        idf = tfidf.idf_
        vocab = tfidf.vocabulary_
        cues: dict[str, float] = {}
        for name, c in zip(names.tolist(), coef.tolist()):
            block, _, feature = name.partition("__")
            if block == "words":
                i = idf[vocab[feature]]
                row = gram_rows.setdefault(feature, [0.0, 0.0, 0.0, 0.0])
                row[2 * h], row[2 * h + 1] = i * i, i * c
            elif block == "lexicon":
                if c:
                    cues[feature] = c
            else:
                raise ValueError(f"{head}: unexpected feature block {block!r} in {name!r}")
        weights[head] = HeadWeights(view=tfidf.analyzer.view, intercept=float(clf.intercept_[0]), floor=float(norm.floor_),
                                    cue_weights=cues, scopes=tuple(lex.scopes))
        shared.setdefault("canon", tfidf.analyzer.canon)
        if tfidf.analyzer.canon != shared["canon"]:
            raise ValueError("both heads must map words to the same canonical forms")
        shared.setdefault("lexicon", lex.matcher_)
        if lex.matcher_.entries != shared["lexicon"].entries:
            raise ValueError("both heads must use the same lexicon")
        shared.setdefault("terms", set()).update(lex.terms_)
    grams = sorted(gram_rows)
    table = array("d", (w for g in grams for w in gram_rows[g]))
    return Scorer(weights, shared["lexicon"], grams, table, dict(shared["canon"]), sorted(shared["terms"]))


class Scorer:
    """Scores sentences with both heads: one tokenization, one table lookup per n-gram for both heads.

    The loaded head reads every word; the framing head reads the writer's voice (quotations masked),
    which differs from every word only in sentences with quotation marks. A model trained for one
    head only gives NaN for the other.
    """

    def __init__(self, heads: Mapping[str, HeadWeights], lexicon: Lexicon, grams: Sequence[str],
                 table: Sequence[float], canon: Mapping[str, str], terms: Sequence[str]):
        if not heads or not set(heads) <= set(HEADS):
            raise ValueError(f"heads must be some of {', '.join(HEADS)}, got {', '.join(heads) or 'none'}")
        for head, hw in heads.items():
            if hw.view != {LOADED: "all", FRAMING: "writer"}[head]:
                raise ValueError(f"{head}: unexpected view {hw.view!r}")
        if len(table) != 4 * len(grams):
            raise ValueError(f"weight table has {len(table)} values for {len(grams)} n-grams (4 each expected)")
        self.heads = dict(heads)
        self.loaded = heads.get(LOADED)
        self.framing = heads.get(FRAMING)
        self.lexicon = lexicon
        self.grams = list(grams)
        # row r of the table: [4r, 4r+4) hold idf² and idf·coef of the loaded head, then of the framing
        # head; zeros where a head lacks the n-gram, which then adds nothing to it
        self.table = array("d", table)
        self.canon = dict(canon)
        self.terms = tuple(terms)
        self._index = {g: r for r, g in enumerate(self.grams)}
        self.encoder = CueEncoder(lexicon, SCOPES, terms)

    # -- decision values ---------------------------------------------------------------------

    def _words(self, grams: list[str], offset: int, floor: float) -> float:
        """One head's TF-IDF · weights over ``grams`` (``offset`` 0: loaded, 2: framing), scaled by its norm."""
        get = self._index.get
        w = self.table
        sq = dot = 0.0
        for gram, c in Counter(grams).items():
            r = get(gram)
            if r is None:
                continue
            r = 4 * r + offset
            if c == 1:
                sq += w[r]
                dot += w[r + 1]
            else:
                tf = math.log(c) + 1.0
                sq += tf * tf * w[r]
                dot += tf * w[r + 1]
        scale = max(math.sqrt(sq), floor)
        return dot / scale if scale else 0.0

    def _cues(self, head: HeadWeights, hits: list[Hit]) -> float:
        if not hits:
            return 0.0
        weights = head.cue_weights
        feats = self.encoder.features([h for h in hits if h.scope in head.scopes])
        return sum(v * weights.get(name, 0.0) for name, v in feats.items())

    def logits(self, piece: Piece) -> tuple[float, float]:
        """The loaded and framing decision values (log-odds) of one piece."""
        text, quotes = piece
        words, spans = all_words(text)
        grams = ngrams(words, self.canon)
        if quotes is None and ("\"" in text or "“" in text or "”" in text):
            from .segment import quote_spans

            quotes = quote_spans(text)
        hits = self.encoder.hits(words, spans, quotes or ())
        lo = fr = math.nan
        if self.loaded is not None:
            lo = self.loaded.intercept + self._words(grams, 0, self.loaded.floor) + self._cues(self.loaded, hits)
        if self.framing is not None:
            voiced = grams if not quotes else ngrams(writer_voice(text, quotes).words, self.canon)
            fr = self.framing.intercept + self._words(voiced, 2, self.framing.floor) + self._cues(self.framing, hits)
        return lo, fr

    # -- explanations ------------------------------------------------------------------------

    def contributions(self, piece: Piece, head: str) -> Contributions:
        """Split one head's decision value over the tokens it reads (``intercept + sum == logit``).

        An n-gram's tf·idf·weight/scale is shared equally by its occurrences and their tokens; a cue
        category's value·weight by that category's cues and their tokens; a term's presence weight
        by that term's occurrences.
        """
        text, quotes = piece
        if quotes is None:
            from .segment import quote_spans

            quotes = quote_spans(text)
        hw, offset = self.heads[head], (0 if head == LOADED else 2)
        words, spans = all_words(text) if hw.view == "all" else writer_voice(text, quotes)
        grams = ngrams(words, self.canon)
        n1 = len(words)
        weights = [0.0] * n1
        get = self._index.get
        w = self.table
        counts = Counter(grams)
        sq = 0.0
        for gram, c in counts.items():
            r = get(gram)
            if r is not None:
                tf = 1.0 if c == 1 else math.log(c) + 1.0
                sq += tf * tf * w[4 * r + offset]
        scale = max(math.sqrt(sq), hw.floor)
        if scale:
            for k, gram in enumerate(grams):
                r = get(gram)
                if r is None:
                    continue
                c = counts[gram]
                tf = 1.0 if c == 1 else math.log(c) + 1.0
                share = tf * w[4 * r + offset + 1] / scale / c
                if k < n1:
                    weights[k] += share
                else:  # bigram k - n1 covers tokens i and i + 1
                    i = k - n1
                    weights[i] += share / 2
                    weights[i + 1] += share / 2
        cue: list[Hit | None] = [None] * n1
        all_tokens = all_words(text) if hw.view != "all" else (words, spans)
        hits = [h for h in self.encoder.hits(all_tokens[0], all_tokens[1], quotes) if h.scope in hw.scopes]
        if hits:
            self._cue_shares(hw, hits, all_tokens[1], spans, weights, cue)
        return Contributions(spans, words, weights, cue, hw.intercept)

    def _cue_shares(self, hw: HeadWeights, hits: list[Hit], hit_spans: list[tuple[int, int]],
                    spans: list[tuple[int, int]], weights: list[float], cue: list[Hit | None]) -> None:
        """Add each cue's share of the decision value to the view tokens it covers."""
        per_category: Counter[str] = Counter(f"{h.scope}:{h.entry.category}" for h in hits)
        per_term: Counter[str] = Counter(self.encoder.term_name(h) for h in hits)
        at = {s: k for k, s in enumerate(spans)}  # view token by its span (the hit's tokens are all-words tokens)
        for h in hits:
            name = f"{h.scope}:{h.entry.category}"
            term = self.encoder.term_name(h)
            share = math.log1p(per_category[name]) * hw.cue_weights.get(name, 0.0) / per_category[name]
            if term in self.encoder.terms:
                share += hw.cue_weights.get(f"term:{term}", 0.0) / per_term[term]
            toks = [at[s] for s in hit_spans[h.first:h.end] if s in at]
            if not toks:
                continue
            for k in toks:
                weights[k] += share / len(toks)
                cue[k] = h
