"""The trained pipelines exported to their linear form, for fast scoring without scikit-learn.

Each head is ``sigmoid(w · [tfidf(words) ; log1p(cue counts)] + b)``. :func:`compile_head` reads
those numbers off a fitted pipeline; :class:`LinearHead` computes the same probabilities (tests
check them against ``Pipeline.predict_proba``) while tokenizing each sentence once for both heads
and keeping each feature's contribution, which is what explanations are made of.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .lexicon import TOKEN_RE, Lexicon, cue_spans, writer_voice

__all__ = ["Featurized", "LinearHead", "compile_head", "featurize"]


@dataclass
class LinearHead:
    """One head as numbers: n-gram vocabulary, idf and weights, cue weights, intercept."""

    vocabulary: dict[str, int]
    idf: list[float]
    word_coef: list[float]
    cue_coef: list[float]  # per cue feature: scope-major categories, then one "any" per scope
    intercept: float
    view: str  # "all" (every word) or "writer" (long quotations masked)
    scopes: tuple[str, ...]  # cue scopes this head counts
    ngram_max: int = 2

    def contributions(self, tokens: Sequence[str], cues: dict[int, int], ncat: int) -> tuple[dict[tuple[int, int], float], dict[int, float]]:
        """Log-odds contribution of each n-gram occurrence group and each cue feature.

        Returns ``({(first_token, n): contribution}, {cue_feature: contribution})``; the n-gram
        contribution of a feature is split evenly over its occurrences.
        """
        vocab = self.vocabulary
        where: dict[int, list[tuple[int, int]]] = {}
        for n in range(1, self.ngram_max + 1):
            for i in range(len(tokens) - n + 1):
                j = vocab.get(tokens[i] if n == 1 else " ".join(tokens[i:i + n]))
                if j is not None:
                    where.setdefault(j, []).append((i, n))
        words: dict[tuple[int, int], float] = {}
        if where:
            vals = {j: (math.log(len(occ)) + 1.0) * self.idf[j] for j, occ in where.items()}
            norm = math.sqrt(sum(v * v for v in vals.values()))
            for j, occ in where.items():
                c = vals[j] / norm * self.word_coef[j] / len(occ)
                for key in occ:
                    words[key] = c
        cue: dict[int, float] = {}
        for f, count in cues.items():
            cue[f] = math.log1p(count) * self.cue_coef[f]
        return words, cue

    def log_odds(self, tokens: Sequence[str], cues: dict[int, int], ncat: int) -> float:
        """The head's decision value for one featurized text."""
        words, cue = self.contributions(tokens, cues, ncat)
        return self.intercept + sum(words.values()) + sum(cue.values())


def compile_head(pipeline: Any) -> LinearHead:
    """Read the linear form off a fitted ``Pipeline([features: FeatureUnion(words, lexicon), clf])``."""
    union = dict(pipeline.named_steps["features"].transformer_list)
    words, lex = union["words"], union["lexicon"]
    clf = pipeline.named_steps["clf"]
    coef = [float(c) for c in clf.coef_[0]]
    v = len(words.vocabulary_)
    if words.ngram_range[0] != 1 or words.norm != "l2" or not words.sublinear_tf or not words.use_idf:
        raise ValueError("compile_head expects l2-normalised sublinear TF-IDF over 1..n-grams")
    return LinearHead(
        vocabulary={k: int(i) for k, i in words.vocabulary_.items()},
        idf=[float(x) for x in words.idf_],
        word_coef=coef[:v],
        cue_coef=coef[v:],
        intercept=float(clf.intercept_[0]),
        view="writer" if words.preprocessor is writer_voice else "all",
        scopes=tuple(lex.scopes),
        ngram_max=int(words.ngram_range[1]),
    )


@dataclass
class Featurized:
    """A sentence prepared once for every head: token spans, tokens per view, cue hits."""

    spans: list[tuple[int, int]]
    tokens: dict[str, list[str]]
    cue_hits: list[tuple[int, int, str, int]]  # (start, end, scope, category column)


def _tokens(text: str) -> tuple[list[tuple[int, int]], list[str]]:
    spans, toks = [], []
    for m in TOKEN_RE.finditer(text):
        spans.append((m.start(), m.end()))
        toks.append(m.group().lower().replace("’", "'"))
    return spans, toks


def featurize(text: str, lexicon: Lexicon, views: Sequence[str]) -> Featurized:
    """Tokenize ``text`` for each view and find its lexicon cues (inside and outside quotations)."""
    spans, toks = _tokens(text)
    tokens = {"all": toks}
    if "writer" in views:
        voiced = writer_voice(text)
        tokens["writer"] = toks if voiced is text else _tokens(voiced)[1]
    ncat = len(lexicon.categories)
    hits = [(a, b, ("outside", "inside")[f // ncat], f % ncat) for a, b, f in cue_spans(text, lexicon, ("outside", "inside"))]
    return Featurized(spans, tokens, hits)


def cue_counts(feat: Featurized, scopes: Sequence[str], ncat: int) -> dict[int, int]:
    """Cue feature counts for a head counting ``scopes`` (the layout of LexiconFeatures)."""
    counts: dict[int, int] = {}
    nscope = len(scopes)
    for _, _, scope, c in feat.cue_hits:
        if scope not in scopes:
            continue
        k = scopes.index(scope)
        f = k * ncat + c
        counts[f] = counts.get(f, 0) + 1
        anycol = nscope * ncat + k
        counts[anycol] = counts.get(anycol, 0) + 1
    return counts
