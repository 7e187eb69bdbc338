"""The two heads as scikit-learn pipelines, and how they are fitted, cross-validated and checked.

A head is ``Pipeline([features: FeatureUnion(words: Pipeline(tfidf, norm), lexicon[, vectors]), clf])``:
word 1-2-gram TF-IDF of the head's view scaled by :class:`~classifier.features.FloorNormalizer`,
beside :class:`~classifier.features.LexiconFeatures` and (when the options name a word-vector file)
:class:`~classifier.features.WordVectors`, into a class-balanced logistic regression.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import FeatureUnion, Pipeline

from .errors import InputError
from .features import DEFAULT_VECTOR_WEIGHT, FloorNormalizer, LexiconFeatures, Ngrams, WordVectors
from .lexicon import SCOPES, Entry
from .schema import DECISION_POINT, FRAMING, HEADS, LOADED
from .words import FUNCTION_WORDS

__all__ = ["C_GRID", "DEFAULT_C", "DEFAULT_FLOOR", "SEED", "HeadOptions", "TrainingResult", "build_head", "fit_heads",
           "parity_check"]

SEED = 0
C_GRID = (2.0, 4.0, 8.0)  # inverse regularisation strengths tried by group cross-validation
C_TOLERANCE = 0.005  # the smallest C whose CV macro-F1 is within this of the best is chosen
DEFAULT_C = 8.0  # used when there is no cross-validation to choose by
DEFAULT_FLOOR = 1.0  # TF-IDF vectors shorter than the median training sentence's are not scaled up to unit length
VIEW = {LOADED: "all", FRAMING: "writer"}
CUE_SCOPES = {LOADED: SCOPES, FRAMING: ("outside",)}


@dataclass(frozen=True)
class HeadOptions:
    """What shapes both heads besides the data: the lexicon, side-neutral word forms, the length floor, word vectors.

    ``floor`` is relative to the median training sentence (see :class:`~classifier.features.FloorNormalizer`).
    ``vectors`` adds the dense block: ``""`` reads the packaged word vectors, a path another file, None
    leaves the block out. ``cue_terms`` adds a presence column per lexicon term (or concept) beside the
    per-category counts. It is off by default: a term's own column learns the few sentences the corpus
    happens to use it in (literal "blast" outweighing the loaded verb "blasted"), while the category's
    weight carries to every member term, and on real news the heads did better without the columns
    (``scripts/benchmark.py`` retrains with them beside the shipped heads).
    """

    lexicon: tuple[Entry, ...] = ()
    canon: tuple[tuple[str, str], ...] = ()
    floor: float = DEFAULT_FLOOR
    drop: tuple[str, ...] = FUNCTION_WORDS
    vectors: str | None = None
    vector_weight: float = DEFAULT_VECTOR_WEIGHT
    cue_terms: bool = False


def build_head(head: str, options: HeadOptions, C: float = DEFAULT_C) -> Pipeline:
    """An untrained pipeline for one head.

    The loaded head reads every word and counts cues inside and outside quotations; the framing head
    reads the writer's voice (quotations masked, scare quotes kept) and counts cues outside them.
    """
    if head not in HEADS:
        raise ValueError(f"unknown head {head!r}")
    tfidf = TfidfVectorizer(analyzer=Ngrams(VIEW[head], options.canon, options.drop), min_df=2, sublinear_tf=True, norm=None,
                            dtype=np.float64)
    words = Pipeline([("tfidf", tfidf), ("norm", FloorNormalizer(options.floor))])
    lexicon = LexiconFeatures(lexicon=options.lexicon, scopes=CUE_SCOPES[head], terms=options.cue_terms)
    blocks: list[tuple[str, Any]] = [("words", words), ("lexicon", lexicon)]
    if options.vectors is not None:
        blocks.append(("vectors", WordVectors(options.vectors or None, VIEW[head], options.canon, options.drop,
                                              options.vector_weight)))
    features = FeatureUnion(blocks)
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, solver="liblinear", random_state=SEED)
    return Pipeline([("features", features), ("clf", clf)])


@dataclass
class TrainingResult:
    """Fitted heads plus what training measured."""

    heads: dict[str, Pipeline]
    thresholds: dict[str, float]
    cv: dict[str, dict[str, Any]] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


def _best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The probability cut that maximises macro-F1 on out-of-fold predictions (ties -> nearest 0.5)."""
    grid = np.round(np.arange(0.2, 0.801, 0.01), 2)
    scores = [(f1_score(y, p >= t, average="macro"), -abs(t - DECISION_POINT), t) for t in grid]
    return float(max(scores)[2])


def _shift_to_half(clf: LogisticRegression, threshold: float) -> None:
    """Move the intercept so that ``predict_proba`` crosses 0.5 where the raw model crossed ``threshold``."""
    clf.intercept_ = clf.intercept_ - math.log(threshold / (1 - threshold))


def _out_of_fold(pipe: Pipeline, X: list[str], y: np.ndarray, splits: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Out-of-fold probabilities of ``pipe`` over the given splits."""
    oof = np.zeros(len(y))
    for train_idx, test_idx in splits:
        if len(set(y[train_idx])) < 2:
            oof[test_idx] = y[train_idx].mean()
            continue
        m = clone(pipe).fit([X[i] for i in train_idx], y[train_idx])
        oof[test_idx] = m.predict_proba([X[i] for i in test_idx])[:, 1]
    return oof


def fit_heads(
    data: pd.DataFrame,
    options: HeadOptions,
    folds: int = 5,
    heads: Sequence[str] = HEADS,
    tune_threshold: bool = False,
    C: float | None = None,
) -> TrainingResult:
    """Train each head on the rows labelled for it; report group-CV macro-F1; 0.5 is the decision point.

    The regularisation ``C`` (unless given) is chosen per head by group cross-validation from
    :data:`C_GRID`: the smallest value whose macro-F1 is within :data:`C_TOLERANCE` of the best.
    Classes are weighted to balance, so 0.5 is the decision point of a model that assumes both labels
    equally likely. With ``tune_threshold`` the cut that maximises group-CV macro-F1 is folded into
    the intercept instead (sensible when the training data is drawn like the data to be scored).
    ``data`` has ``text``, a 0/1 (or NaN) column per head, and ``group`` (rows sharing a group stay in
    one fold). Deterministic: the same data in the same order gives the same model. A head without
    labelled rows is left out of the result.
    """
    result = TrainingResult(heads={}, thresholds={})
    for head in heads:
        if head not in data or not data[head].notna().any():
            continue
        d = data[data[head].notna()]
        y = d[head].astype(int).to_numpy()
        X = d["text"].astype(str).tolist()
        counts = {"n": len(y), "positive": int(y.sum()), "negative": int((1 - y).sum())}
        if counts["positive"] < 2 or counts["negative"] < 2:
            raise InputError(f"{head}: needs at least 2 positive and 2 negative examples to train "
                             f"(got {counts['positive']} and {counts['negative']})")
        result.counts[head] = counts
        chosen, threshold = C if C is not None else DEFAULT_C, DECISION_POINT
        with _too_little_text(head, len(X), folds):
            cv = _cross_validate(head, options, X, y, d["group"].astype(str).to_numpy(), folds, C, tune_threshold)
            if cv:
                chosen, threshold = cv["C"], cv["threshold"]
                result.cv[head] = {k: v for k, v in cv.items() if k != "threshold"}
            pipe = build_head(head, options, C=chosen).fit(X, y)
        if threshold != DECISION_POINT:
            _shift_to_half(pipe.named_steps["clf"], threshold)
        result.heads[head] = pipe
        result.thresholds[head] = threshold
    if not result.heads:
        raise InputError(f"no labelled rows for any head ({', '.join(heads)})")
    return result


@contextmanager
def _too_little_text(head: str, n: int, folds: int) -> Iterator[None]:
    """Turn the vectorizer's "no terms remain" into a one-line error about the data."""
    try:
        yield
    except ValueError as exc:
        if "no terms remain" not in str(exc):
            raise
        hint = " (or train with --folds 0: cross-validation folds are smaller still)" if folds >= 2 else ""
        raise InputError(f"{head}: no word or word pair occurs in two of the {n} training sentences once function "
                         f"words are left out; too little text to learn from{hint}") from None


def _cross_validate(head: str, options: HeadOptions, X: list[str], y: np.ndarray, groups: np.ndarray, folds: int,
                    C: float | None, tune_threshold: bool) -> dict[str, Any] | None:
    """Group-CV over the C grid (or the given C): the chosen C, its figures, and the decision threshold to use."""
    n_groups = len(set(groups))
    if folds < 2 or n_groups < 2:
        return None
    splits = list(GroupKFold(n_splits=min(folds, n_groups)).split(X, y, groups))
    grid = (C,) if C is not None else C_GRID
    oofs = {c: _out_of_fold(build_head(head, options, C=c), X, y, splits) for c in grid}
    f1s = {c: f1_score(y, oof >= DECISION_POINT, average="macro") for c, oof in oofs.items()}
    chosen = min(c for c in grid if f1s[c] >= max(f1s.values()) - C_TOLERANCE)
    oof = oofs[chosen]
    best = _best_threshold(y, oof)
    threshold = best if tune_threshold else DECISION_POINT
    return {"macro_f1": float(f1_score(y, oof >= threshold, average="macro")), "roc_auc": float(roc_auc_score(y, oof)),
            "best_threshold": best, "folds": len(splits), "C": chosen,
            "macro_f1_by_C": {str(c): round(float(f), 4) for c, f in f1s.items()}, "threshold": threshold}


def parity_check(heads: Mapping[str, Pipeline], scorer: Any, texts: Sequence[str], tolerance: float = 1e-9) -> None:
    """Raise if the exported scorer and the pipelines' ``predict_proba`` disagree on ``texts``.

    Run by training before anything is saved, so a model whose two forms differ is never written.
    """
    from .linear import Piece

    for h, head in enumerate(HEADS):
        if head not in heads:
            continue
        slow = heads[head].predict_proba(list(texts))[:, 1]
        fast = np.array([1 / (1 + math.exp(-scorer.logits(Piece(t))[h])) for t in texts])
        worst = float(np.abs(slow - fast).max()) if len(texts) else 0.0
        if worst > tolerance:
            i = int(np.abs(slow - fast).argmax())
            raise RuntimeError(f"{head}: exported scorer differs from the pipeline by {worst:.3g} on {texts[i]!r}; "
                               "refusing to save this model")
