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

from .lexicon import LEXICON_CATEGORIES, Lexicon, cue_spans, read_lexicon, tokenize, writer_voice

__all__ = ["LEXICON_CATEGORIES", "LexiconFeatures", "read_lexicon", "tokenize", "writer_voice"]


class LexiconFeatures(TransformerMixin, BaseEstimator):
    """Counts of lexicon cues per category, separately inside and outside quotations.

    Parameters
    ----------
    lexicon : sequence of (term, category) pairs
        The cue lexicon (see ``training_data/lexicon.csv``).
    scopes : tuple of {"outside", "inside"}
        Which parts of the text to count in: the writer's voice, the quoted words, or both.
    """

    def __init__(self, lexicon: Sequence[tuple[str, str]] = (), scopes: tuple[str, ...] = ("outside", "inside")):
        self.lexicon = lexicon
        self.scopes = scopes

    def fit(self, X: Iterable[str], y: object = None) -> LexiconFeatures:
        self.matcher_ = Lexicon(self.lexicon)
        self.categories_ = self.matcher_.categories
        self.n_features_in_ = 1
        return self

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "matcher_")
        names = [f"{scope}:{c}" for scope in self.scopes for c in self.categories_]
        names += [f"{scope}:any" for scope in self.scopes]
        return np.asarray(names, dtype=object)

    def matches(self, text: str) -> list[tuple[int, int, int]]:
        """Return ``(start, end, feature_index)`` character spans of every cue found in ``text``."""
        check_is_fitted(self, "matcher_")
        return cue_spans(text, self.matcher_, self.scopes)

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        check_is_fitted(self, "matcher_")
        ncat = len(self.categories_)
        nscope = len(self.scopes)
        rows, cols, vals = [], [], []
        n = 0
        for n, text in enumerate(X, 1):
            counts: dict[int, int] = {}
            for _, _, f in self.matches(text):
                counts[f] = counts.get(f, 0) + 1
                anycol = nscope * ncat + f // ncat
                counts[anycol] = counts.get(anycol, 0) + 1
            for f, c in counts.items():
                rows.append(n - 1)
                cols.append(f)
                vals.append(np.log1p(c))
        return sp.csr_matrix((vals, (rows, cols)), shape=(n, nscope * (ncat + 1)), dtype=np.float64)
