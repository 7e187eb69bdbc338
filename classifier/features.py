"""Features for the scikit-learn pipelines: word n-grams of a view, lexicon cues, and length-aware scaling.

Each piece follows scikit-learn's conventions (parameters stored untouched in ``__init__``, learned
state ending in ``_``, ``get_feature_names_out``, string input declared in ``__sklearn_tags__``) so
that ``clone``, ``Pipeline`` and ``joblib`` work on it. The linear scorer reads the fitted pieces
by feature name and computes the same values with the same functions (:mod:`classifier.words`,
:class:`classifier.lexicon.CueEncoder`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .lexicon import CATEGORIES, SCOPES, CueEncoder, Entry, Lexicon
from .words import VIEWS, all_words, canonical, ngrams, view

__all__ = ["DEFAULT_VECTOR_WEIGHT", "FloorNormalizer", "LexiconFeatures", "Ngrams", "WordVectors"]


@dataclass(frozen=True)
class Ngrams:
    """The analyzer of a head's ``TfidfVectorizer``: word 1-2-grams of a view of the sentence.

    ``view`` is ``all`` (every word) or ``writer`` (quotations masked, scare quotes kept); ``canon``
    maps words to a shared form before n-grams are built (side words such as "Democrat" and
    "Republican" to one token, so that neither side's name carries a label); ``drop`` words (function
    words) are left out before n-grams are built.
    """

    view: str = "all"
    canon: tuple[tuple[str, str], ...] = ()
    drop: tuple[str, ...] = ()
    _map: dict[str, str] = field(default=None, init=False, repr=False, compare=False)  # type: ignore[assignment]
    _drop: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.view not in VIEWS:
            raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {self.view!r}")
        object.__setattr__(self, "_map", dict(self.canon))
        object.__setattr__(self, "_drop", frozenset(self.drop))

    def __call__(self, doc: str) -> list[str]:
        return ngrams(view(doc, self.view).words, self._map, self._drop)

    def __reduce__(self) -> tuple[type, tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]]]:
        return (Ngrams, (self.view, self.canon, self.drop))


def _check_documents(X: Any, who: str) -> list[str]:
    """Raw text documents as a list, refusing what ``CountVectorizer`` refuses."""
    if isinstance(X, (str, bytes)):
        raise ValueError(f"{who}: an iterable over raw text documents is expected, a single string was given")
    docs = list(X)
    for d in docs:
        if not isinstance(d, str):
            raise ValueError(f"{who}: documents must be str, got {type(d).__name__}")
    return docs


class _TextTransformer(TransformerMixin, BaseEstimator):
    """A transformer of raw text documents: declares string input (not 2-D numeric arrays), as ``CountVectorizer`` does."""

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = True
        return tags


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class LexiconFeatures(_TextTransformer):
    """Lexicon cues as features, separately inside and outside quotations.

    Per scope: log(1 + count) of cues in each category; with ``terms``, also a 0/1 column per
    lexicon term (or concept: spelling variants share one) seen in training, so a term's weight is
    learned from every form of it while unseen terms still count by category.

    Parameters
    ----------
    lexicon : sequence of :class:`~classifier.lexicon.Entry`
        The cue lexicon (see ``training_data/lexicon.csv`` and :func:`~classifier.lexicon.read_lexicon`).
    scopes : tuple of {"outside", "inside"}
        Where to count cues: the writer's voice, the quoted words, or both.
    terms : bool
        Add per-term presence columns.
    """

    def __init__(self, lexicon: Sequence[Entry] = (), scopes: tuple[str, ...] = SCOPES, terms: bool = True):
        self.lexicon = lexicon
        self.scopes = scopes
        self.terms = terms

    def _validate_params(self) -> None:
        scopes = tuple(self.scopes) if not isinstance(self.scopes, str) else (self.scopes,)
        if not scopes or not set(scopes) <= set(SCOPES) or len(set(scopes)) != len(scopes):
            raise ValueError(f"scopes must be a non-empty tuple of distinct values from {SCOPES}, got {self.scopes!r}")
        if not isinstance(self.terms, (bool, np.bool_)):
            raise ValueError(f"terms must be a bool, got {self.terms!r}")
        for e in self.lexicon:
            if not isinstance(e, Entry):
                raise ValueError(f"lexicon entries must be classifier.lexicon.Entry, got {type(e).__name__}")
            if e.category not in CATEGORIES:
                raise ValueError(f"lexicon term {e.term!r}: unknown category {e.category!r} (known: {', '.join(CATEGORIES)})")

    def _encoder(self, terms: Iterable[str] = ()) -> CueEncoder:
        return CueEncoder(self.matcher_, tuple(self.scopes), terms)

    @staticmethod
    def _hits(encoder: CueEncoder, doc: str) -> list[Any]:
        words, spans = all_words(doc)
        from .segment import quote_spans

        return encoder.hits(words, spans, quote_spans(doc))

    def fit(self, X: Iterable[str], y: object = None) -> LexiconFeatures:
        """Learn which terms occur (in the given scopes) in the training documents."""
        self._validate_params()
        docs = _check_documents(X, type(self).__name__)
        if not docs:
            raise ValueError("LexiconFeatures: fit needs at least one document")
        self.matcher_ = Lexicon(self.lexicon)
        seen: set[str] = set()
        if self.terms:
            encoder = self._encoder()
            for doc in docs:
                seen.update(encoder.term_name(h) for h in self._hits(encoder, doc))
        self.terms_ = tuple(sorted(seen))
        self.n_features_in_ = 1
        return self

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """``{scope}:{category}`` for each scope and category, then ``term:{scope}={term}`` for each seen term."""
        check_is_fitted(self, "matcher_")
        return np.asarray([*self._encoder().category_names(), *(f"term:{t}" for t in self.terms_)], dtype=object)

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        """One row per document: the cue features of :class:`~classifier.lexicon.CueEncoder`."""
        check_is_fitted(self, "matcher_")
        docs = _check_documents(X, type(self).__name__)
        names = self.get_feature_names_out()
        column = {n: i for i, n in enumerate(names)}
        encoder = self._encoder(self.terms_)
        rows, cols, vals = [], [], []
        for r, doc in enumerate(docs):
            for name, value in encoder.features(self._hits(encoder, doc)).items():
                rows.append(r)
                cols.append(column[name])
                vals.append(value)
        return sp.csr_matrix((vals, (rows, cols)), shape=(len(docs), len(names)), dtype=np.float64)


class FloorNormalizer(TransformerMixin, BaseEstimator):
    """Scale each row to unit length, but never divide by less than a floor learned from the training rows.

    The floor is ``relative`` times the median length of the training rows: with ``relative=1`` the
    few words of a text shorter than a typical sentence (a reply, a fragment, a single word) count
    no more than a typical sentence's words do, instead of being scaled up to a whole sentence's
    weight. ``relative=0`` is plain L2 normalisation.
    """

    def __init__(self, relative: float = 0.0):
        self.relative = relative

    @staticmethod
    def _norms(X: Any) -> np.ndarray:
        return np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())

    def fit(self, X: Any, y: object = None) -> FloorNormalizer:
        """Learn the floor: ``relative`` times the median norm of the non-empty training rows."""
        if not _is_number(self.relative) or self.relative < 0:
            raise ValueError(f"relative must be a non-negative number, got {self.relative!r}")
        X = sp.csr_matrix(X, dtype=np.float64)
        norms = self._norms(X)
        norms = norms[norms > 0]
        self.floor_ = float(self.relative * np.median(norms)) if len(norms) else 0.0
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: Any) -> sp.csr_matrix:
        """Each row divided by ``max(its norm, floor_)`` (empty rows stay empty)."""
        check_is_fitted(self, "floor_")
        X = sp.csr_matrix(X, dtype=np.float64)
        scale = np.maximum(self._norms(X), self.floor_)
        scale[scale == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / scale) @ X)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "floor_")
        if input_features is None:
            return np.asarray([f"x{i}" for i in range(self.n_features_in_)], dtype=object)
        return np.asarray(input_features, dtype=object)



DEFAULT_VECTOR_WEIGHT = 0.03  # the dense block's scale beside the sparse features: small, so it nudges rather than decides


class WordVectors(_TextTransformer):
    """A dense block: how far the words of a view of the sentence lean from an average word, in static vectors.

    The words are those the head's :class:`Ngrams` reads as unigrams: the ``view``'s tokens without the
    ``drop`` words. Each word with a vector adds its difference from ``center_`` (the average training
    word); a word the ``canon`` maps to a shared form (a side's name) and a word without a vector count
    as average. The sum is divided by the number of words read, but, as in :class:`FloorNormalizer`,
    never by fewer than ``floor`` times the median number a training sentence reads, so a fragment
    leans toward the average rather than being carried by one word. Each column is divided by its
    standard deviation on the training sentences, times ``weight`` (how strongly the block is
    regularised next to the sparse features). Being linear in the words, the block folds into one
    weight per word at export (:meth:`word_weights`), so scoring never reads the vectors.

    Parameters
    ----------
    path : str or None
        The word-vector file (:func:`classifier.vectors.read_word_vectors`); None: the packaged one.
    view : {"all", "writer"}
    canon : tuple of (word, form) pairs
    drop : tuple of str
    weight : float
    floor : float
    """

    def __init__(self, path: str | None = None, view: str = "all", canon: tuple[tuple[str, str], ...] = (),
                 drop: tuple[str, ...] = (), weight: float = DEFAULT_VECTOR_WEIGHT, floor: float = 1.0):
        self.path = path
        self.view = view
        self.canon = canon
        self.drop = drop
        self.weight = weight
        self.floor = floor

    def _table(self) -> Any:
        from .vectors import read_word_vectors

        return read_word_vectors(self.path)

    def _eligible(self, table: Any) -> dict[str, int]:
        """Word -> row for the words that carry their own vector (not dropped, not mapped to a shared form)."""
        drop, canon = frozenset(self.drop), dict(self.canon)
        return {w: i for w, i in table.index.items() if w not in drop and canonical(w, canon) == w}

    def _read(self, docs: list[str]) -> list[list[str]]:
        drop = frozenset(self.drop)
        return [[w for w in view(doc, self.view).words if w not in drop] for doc in docs]

    def _leans(self, read: list[list[str]], table: Any, rows: dict[str, int]) -> np.ndarray:
        """Per sentence: the sum of its words' differences from ``center_`` over max(words read, length floor, 1)."""
        out = np.zeros((len(read), table.vectors.shape[1]))
        for r, kept in enumerate(read):
            ids = [rows[w] for w in kept if w in rows]
            if ids:
                out[r] = (table.vectors[ids] - self.center_).sum(axis=0) / max(len(kept), self.length_floor_, 1)
        return out

    def fit(self, X: Iterable[str], y: object = None) -> WordVectors:
        """Learn the average word, the length floor, and each column's spread over the training sentences."""
        if self.view not in VIEWS:
            raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {self.view!r}")
        if not _is_number(self.weight) or not self.weight > 0:
            raise ValueError(f"weight must be a positive number, got {self.weight!r}")
        if not _is_number(self.floor) or not self.floor >= 0:
            raise ValueError(f"floor must be a non-negative number, got {self.floor!r}")
        docs = _check_documents(X, type(self).__name__)
        if not docs:
            raise ValueError("WordVectors: fit needs at least one document")
        table = self._table()
        read = self._read(docs)
        rows = self._eligible(table)
        lengths = [len(k) for k in read if k]
        self.length_floor_ = float(self.floor * np.median(lengths)) if lengths else 0.0
        ids = [rows[w] for kept in read for w in kept if w in rows]
        self.center_ = table.vectors[ids].mean(axis=0) if ids else np.zeros(table.vectors.shape[1])
        sd = self._leans(read, table, rows).std(axis=0)
        self.scale_ = np.where(sd > 0, sd, 1.0)
        self.table_sha256_ = table.sha256
        self.n_features_in_ = 1
        return self

    def _fitted_table(self) -> Any:
        check_is_fitted(self, "center_")
        table = self._table()
        if table.sha256 != self.table_sha256_:
            raise ValueError(f"WordVectors: the word-vector file {self.path or 'word_vectors.npz'} is not the one it was "
                             "fitted with (sha256 differs)")
        return table

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """``d0`` … ``d{n-1}``: the vector dimensions."""
        check_is_fitted(self, "center_")
        return np.asarray([f"d{j}" for j in range(len(self.center_))], dtype=object)

    def transform(self, X: Iterable[str]) -> np.ndarray:
        """One row per document: ``weight * lean / scale_`` (see the class docstring)."""
        table = self._fitted_table()
        docs = _check_documents(X, type(self).__name__)
        return self.weight * self._leans(self._read(docs), table, self._eligible(table)) / self.scale_

    def word_weights(self, coef: np.ndarray) -> tuple[list[str], np.ndarray]:
        """For coefficients ``coef`` over this block's columns: each eligible word's weight.

        A sentence's block value is ``sum(weight of each word) / max(words read, length_floor_, 1)``.
        """
        table = self._fitted_table()
        rows = self._eligible(table)
        direction = self.weight * np.asarray(coef, dtype=np.float64) / self.scale_
        words = sorted(rows)
        weights = (table.vectors[[rows[w] for w in words]] - self.center_) @ direction if words else np.zeros(0)
        return words, weights
