"""Features for the scikit-learn pipelines: lexicon cue counts as a transformer.

The transformer follows scikit-learn conventions (parameters stored untouched in ``__init__``,
learned state ending in ``_``, ``get_feature_names_out``) so that ``clone``, ``Pipeline`` and
``joblib`` work on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .lexicon import LEXICON_CATEGORIES, Lexicon, cue_hits, read_lexicon, tokenize, writer_voice

__all__ = ["LEXICON_CATEGORIES", "LexiconFeatures", "read_lexicon", "tokenize", "writer_voice"]


class LexiconFeatures(TransformerMixin, BaseEstimator):
    """Lexicon cues as features, separately inside and outside quotations.

    Per scope: log(1 + count) of cues in each category; with ``terms``, also a
    0/1 column per lexicon term seen in training (inflections share their term's column), so a
    term's weight is learned from every form of it while unseen terms still count by category.

    Parameters
    ----------
    lexicon : sequence of (term, category) pairs
        The cue lexicon (see ``training_data/lexicon.csv``).
    scopes : tuple of {"outside", "inside"}
        Which parts of the text to count in: the writer's voice, the quoted words, or both.
    terms : bool
        Add per-term presence columns.
    """

    def __init__(self, lexicon: Sequence[tuple[str, str]] = (), scopes: tuple[str, ...] = ("outside", "inside"), terms: bool = True):
        self.lexicon = lexicon
        self.scopes = scopes
        self.terms = terms

    def _hits(self, text: str) -> list[tuple[int, int, str, str, str]]:
        return [h for h in cue_hits(text, self.matcher_) if h[2] in self.scopes]

    def fit(self, X: Iterable[str], y: object = None) -> LexiconFeatures:
        self.matcher_ = Lexicon(self.lexicon)
        self.categories_ = self.matcher_.categories
        seen = {f"{scope}={term}" for text in X for _, _, scope, _, term in self._hits(text)} if self.terms else set()
        self.terms_ = tuple(sorted(seen))
        self.n_features_in_ = 1
        return self

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "matcher_")
        names = [f"{scope}:{c}" for scope in self.scopes for c in self.categories_]
        names += [f"term:{t}" for t in self.terms_]
        return np.asarray(names, dtype=object)

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        check_is_fitted(self, "matcher_")
        ncat = len(self.categories_)
        nscope = len(self.scopes)
        col = self.matcher_.column
        base = nscope * ncat
        term_col = {t: base + i for i, t in enumerate(self.terms_)}
        rows, cols, vals = [], [], []
        n = 0
        for n, text in enumerate(X, 1):
            counts: dict[int, int] = {}
            present: set[int] = set()
            for _, _, scope, category, term in self._hits(text):
                k = self.scopes.index(scope)
                f = k * ncat + col[category]
                counts[f] = counts.get(f, 0) + 1
                t = term_col.get(f"{scope}={term}")
                if t is not None:
                    present.add(t)
            for f, c in counts.items():
                rows.append(n - 1)
                cols.append(f)
                vals.append(np.log1p(c))
            for t in present:
                rows.append(n - 1)
                cols.append(t)
                vals.append(1.0)
        return sp.csr_matrix((vals, (rows, cols)), shape=(n, base + len(self.terms_)), dtype=np.float64)
