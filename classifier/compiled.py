"""The trained pipelines exported to their linear form, for fast scoring without scikit-learn.

Each head is ``sigmoid(w · [tfidf(words) ; log1p(cue counts)] + b)``. :func:`compile_head` reads
those numbers off a fitted pipeline; :class:`Scorer` computes the same probabilities (tests check
them against ``Pipeline.predict_proba``) while tokenizing each sentence once for both heads, and
:meth:`Scorer.contributions` gives each word's share of the loaded score for explanations.
"""

from __future__ import annotations

import itertools
import math
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from .lexicon import TOKEN_RE, Lexicon, cue_hits, tokenize, writer_voice

__all__ = ["LinearHead", "compile_head", "Scorer", "Trace"]


@dataclass
class LinearHead:
    """One head as numbers: n-gram vocabulary, idf and weights, cue weights, intercept."""

    vocabulary: dict[str, int]
    idf: Sequence[float]  # array("d"): compact, and not traversed by the garbage collector
    word_coef: Sequence[float]
    cue_coef: list[float]  # per cue category count, scope-major
    term_coef: dict[str, float]  # "scope=term" -> weight of that lexicon term's presence
    intercept: float
    view: str  # "all" (every word) or "writer" (long quotations masked)
    scopes: tuple[str, ...]  # cue scopes this head counts


class Trace(NamedTuple):
    """What scoring a sentence computed, kept to explain it: tokens, n-gram counts, loaded TF-IDF norm, cues."""

    tokens: list[str]
    bigrams: list[str]
    grams: Counter[str]
    norm: float
    hits: list[tuple[int, int, str, str, str]]


def compile_head(pipeline: Any) -> LinearHead:
    """Read the linear form off a fitted ``Pipeline([features: FeatureUnion(words, lexicon), clf])``."""
    union = dict(pipeline.named_steps["features"].transformer_list)
    words, lex = union["words"], union["lexicon"]
    clf = pipeline.named_steps["clf"]
    if words.ngram_range != (1, 2) or words.norm != "l2" or not words.sublinear_tf or not words.use_idf:
        raise ValueError("compile_head expects l2-normalised sublinear TF-IDF over word 1-2-grams")
    coef = [float(c) for c in clf.coef_[0]]
    v = len(words.vocabulary_)
    base = v + len(lex.scopes) * len(lex.categories_)
    return LinearHead(
        vocabulary={k: int(i) for k, i in words.vocabulary_.items()},
        idf=array("d", words.idf_),
        word_coef=array("d", coef[:v]),
        cue_coef=coef[v:base],
        term_coef=dict(zip(lex.terms_, coef[base:], strict=True)),
        intercept=float(clf.intercept_[0]),
        view="writer" if words.preprocessor is writer_voice else "all",
        scopes=tuple(lex.scopes),
    )


def _bigrams(toks: list[str]) -> list[str]:
    return [f"{a} {b}" for a, b in itertools.pairwise(toks)]


def _has_quotes(text: str) -> bool:
    return "\"" in text or "“" in text or "”" in text


class Scorer:
    """Scores sentences with both heads at once: one tokenization, one vocabulary lookup per n-gram.

    ``loaded`` reads every word; ``framing`` reads the writer's voice (long quotations masked), which
    differs from every word only in sentences with quotation marks.
    """

    def __init__(self, loaded: LinearHead, framing: LinearHead, lexicon: Lexicon):
        if loaded.view != "all" or framing.view != "writer":
            raise ValueError("expected a loaded head reading every word and a framing head reading the writer's voice")
        self.loaded = loaded
        self.framing = framing
        self.lexicon = lexicon
        self.ncat = len(lexicon.categories)
        # gram -> row r of ``_weights``: [4r, 4r+4) hold idf² and idf·coef of the loaded head, then of
        # the framing head; zeros where a head lacks the gram, which then adds nothing to it.
        # (A dict of ints and one float array pickle and load far faster than a dict of tuples.)
        rows: dict[str, list[float]] = {}
        for h, head in enumerate((loaded, framing)):
            for gram, j in head.vocabulary.items():
                row = rows.setdefault(gram, [0.0, 0.0, 0.0, 0.0])
                row[2 * h] = head.idf[j] * head.idf[j]
                row[2 * h + 1] = head.idf[j] * head.word_coef[j]
        self._index = {g: r for r, g in enumerate(rows)}
        self._weights = array("d", (w for row in rows.values() for w in row))

    def _cue_features(self, head: LinearHead, hits: list[tuple[int, int, str, str, str]]) -> list[tuple[int, int, int, str]]:
        """The hits this head counts, as ``(first_token, end_token, category feature, term key)``."""
        out = []
        for i, j, scope, category, term in hits:
            if scope in head.scopes:
                f = head.scopes.index(scope) * self.ncat + self.lexicon.column[category]
                out.append((i, j, f, f"{scope}={term}"))
        return out

    def _cue_score(self, head: LinearHead, hits: list[tuple[int, int, str, str, str]]) -> float:
        if not hits:
            return 0.0
        counts: dict[int, int] = {}
        terms = set()
        for _, _, f, key in self._cue_features(head, hits):
            counts[f] = counts.get(f, 0) + 1
            terms.add(key)
        return sum(math.log1p(c) * head.cue_coef[f] for f, c in counts.items()) + sum(head.term_coef.get(t, 0.0) for t in terms)

    def _words(self, grams: Counter[str], offset: int) -> tuple[float, float]:
        """One head's TF-IDF · weights over ``grams``, and its squared norm (``offset`` 0: loaded, 2: framing)."""
        get = self._index.get
        w = self._weights
        log = math.log
        sq = dot = 0.0
        for gram, c in grams.items():
            r = get(gram)
            if r is None:
                continue
            r = 4 * r + offset
            if c == 1:
                sq += w[r]
                dot += w[r + 1]
            else:
                tf = log(c) + 1.0
                sq += tf * tf * w[r]
                dot += tf * w[r + 1]
        return (dot / math.sqrt(sq) if sq else 0.0), sq

    def score(self, texts: Sequence[str]) -> list[tuple[float, float, Trace]]:
        """Per text: the loaded and framing decision values, and a :class:`Trace` for explaining them."""
        get = self._index.get
        w = self._weights
        log = math.log
        loaded, framing = self.loaded, self.framing
        out = []
        for text in texts:
            toks = tokenize(text)
            bigrams = _bigrams(toks)
            hits = cue_hits(text, self.lexicon, toks)
            grams = Counter(toks + bigrams)
            if _has_quotes(text):
                lo_words, sq_l = self._words(grams, 0)
                voiced = tokenize(writer_voice(text))
                fr_words = self._words(Counter(voiced + _bigrams(voiced)), 2)[0]
            else:  # both heads read the same words: one pass
                sq_l = dot_l = sq_f = dot_f = 0.0
                for gram, c in grams.items():
                    r = get(gram)
                    if r is None:
                        continue
                    r *= 4
                    if c == 1:
                        sq_l += w[r]
                        dot_l += w[r + 1]
                        sq_f += w[r + 2]
                        dot_f += w[r + 3]
                    else:
                        tf = log(c) + 1.0
                        tf2 = tf * tf
                        sq_l += tf2 * w[r]
                        dot_l += tf * w[r + 1]
                        sq_f += tf2 * w[r + 2]
                        dot_f += tf * w[r + 3]
                lo_words = dot_l / math.sqrt(sq_l) if sq_l else 0.0
                fr_words = dot_f / math.sqrt(sq_f) if sq_f else 0.0
            lo_cues, fr_cues = (self._cue_score(loaded, hits), self._cue_score(framing, hits)) if hits else (0.0, 0.0)
            out.append((
                loaded.intercept + lo_words + lo_cues,
                framing.intercept + fr_words + fr_cues,
                Trace(toks, bigrams, grams, math.sqrt(sq_l), hits),
            ))
        return out

    def contributions(self, text: str, trace: Trace) -> tuple[list[tuple[int, int]], list[float], list[bool]]:
        """Each token's share of the loaded head's log-odds (n-gram and cue contributions spread over
        their tokens, negative ones left out), with token spans and whether a cue covers the token.

        ``trace`` is the one :meth:`score` returned for ``text``.
        """
        head = self.loaded
        toks, grams, norm, hits = trace.tokens, trace.grams, trace.norm, trace.hits
        spans = [(m.start(), m.end()) for m in TOKEN_RE.finditer(text)]
        weight = [0.0] * len(toks)
        if norm:
            # an n-gram's contribution tf·idf·coef/norm, split over its occurrences and their tokens
            get = self._index.get
            w = self._weights
            for n, grams_at in ((1, toks), (2, trace.bigrams)):
                for i, gram in enumerate(grams_at):
                    r = get(gram)
                    if r is None or w[4 * r + 1] <= 0:
                        continue
                    c = grams[gram]
                    share = (1.0 if c == 1 else math.log(c) + 1.0) * w[4 * r + 1] / norm / c / n
                    for k in range(i, i + n):
                        weight[k] += share
        covered = [False] * len(toks)
        # each hit's share: its category feature split over that category's hits, plus its term's
        # weight split over that term's hits
        usable = self._cue_features(head, hits)
        per_feature: dict[int, int] = {}
        per_term: dict[str, int] = {}
        for _, _, f, key in usable:
            per_feature[f] = per_feature.get(f, 0) + 1
            per_term[key] = per_term.get(key, 0) + 1
        for i, j, f, key in usable:
            share = (math.log1p(per_feature[f]) * head.cue_coef[f] / per_feature[f]
                     + head.term_coef.get(key, 0.0) / per_term[key])
            for tok in range(i, j):
                covered[tok] = True
                if share > 0:
                    weight[tok] += share / (j - i)
        return spans, weight, covered
