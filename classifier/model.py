"""The two heads (scikit-learn pipelines) and how they are trained, cross-validated and thresholded."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import FeatureUnion, Pipeline

from .data import HEADS
from .errors import InputError
from .features import LexiconFeatures, tokenize, writer_voice

__all__ = ["SEED", "TrainingResult", "build_head", "fit_heads"]

SEED = 0


def build_head(head: str, lexicon: Sequence[tuple[str, str]], C: float = 8.0) -> Pipeline:
    """An untrained pipeline for one head: word TF-IDF + lexicon cue counts -> logistic regression.

    The editorial head reads the writer's voice only (long quotations masked); the loaded head
    reads every word, quotations included.
    """
    if head not in HEADS:
        raise ValueError(f"unknown head {head!r}")
    words = TfidfVectorizer(
        tokenizer=tokenize,
        token_pattern=None,
        lowercase=False,
        preprocessor=writer_voice if head == "editorial_framing" else None,
        ngram_range=(1, 2),
        min_df=2,
        sublinear_tf=True,
        dtype=np.float64,
    )
    scopes = ("outside", "inside") if head == "loaded_language" else ("outside",)
    features = FeatureUnion([("words", words), ("lexicon", LexiconFeatures(lexicon=lexicon, scopes=scopes, terms=True))])
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, solver="liblinear", random_state=SEED)
    return Pipeline([("features", features), ("clf", clf)])


@dataclass
class TrainingResult:
    """Fitted heads plus what training measured."""

    heads: dict[str, Pipeline]
    thresholds: dict[str, float]
    cv: dict[str, dict[str, float]] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


def _best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The probability cut that maximises macro-F1 on out-of-fold predictions (ties -> nearest 0.5)."""
    grid = np.round(np.arange(0.2, 0.801, 0.01), 2)
    scores = [(f1_score(y, p >= t, average="macro"), -abs(t - 0.5), t) for t in grid]
    return float(max(scores)[2])


def _shift_to_half(clf: LogisticRegression, threshold: float) -> None:
    """Move the intercept so that ``predict_proba`` crosses 0.5 where the raw model crossed ``threshold``."""
    clf.intercept_ = clf.intercept_ - math.log(threshold / (1 - threshold))


C_GRID = (2.0, 4.0, 8.0)  # inverse regularisation strengths tried by group cross-validation
C_TOLERANCE = 0.005  # the smallest C whose CV macro-F1 is within this of the best is chosen
DEFAULT_C = 8.0  # used when there is no cross-validation to choose by


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
    lexicon: Sequence[tuple[str, str]],
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
    the intercept instead (sensible when the training data is drawn like the data to be scored; on
    the project's minimal-pair corpus it picks cuts that over-flag real news, so it is off by default).
    ``data`` has ``text``, a 0/1 (or NaN) column per head, and ``group`` (rows sharing a group stay in
    one fold). Deterministic: the same data in the same order gives the same model.
    """
    result = TrainingResult(heads={}, thresholds={})
    for head in heads:
        if head not in data:
            continue
        d = data[data[head].notna()]
        y = d[head].astype(int).to_numpy()
        X = d["text"].astype(str).tolist()
        groups = d["group"].astype(str).to_numpy()
        counts = {"n": len(y), "positive": int(y.sum()), "negative": int((1 - y).sum())}
        if counts["positive"] < 2 or counts["negative"] < 2:
            raise InputError(f"{head}: needs at least 2 positive and 2 negative examples to train "
                             f"(got {counts['positive']} and {counts['negative']})")
        result.counts[head] = counts
        n_groups = len(set(groups))
        threshold = 0.5
        chosen = C if C is not None else DEFAULT_C
        if folds >= 2 and n_groups >= 2:
            splits = list(GroupKFold(n_splits=min(folds, n_groups)).split(X, y, groups))
            grid = (chosen,) if C is not None else C_GRID
            oofs = {c: _out_of_fold(build_head(head, lexicon, C=c), X, y, splits) for c in grid}
            f1s = {c: f1_score(y, oof >= 0.5, average="macro") for c, oof in oofs.items()}
            chosen = min(c for c in grid if f1s[c] >= max(f1s.values()) - C_TOLERANCE)
            oof = oofs[chosen]
            best = _best_threshold(y, oof)
            if tune_threshold:
                threshold = best
            result.cv[head] = {
                "macro_f1": float(f1_score(y, oof >= threshold, average="macro")),
                "roc_auc": float(roc_auc_score(y, oof)),
                "best_threshold": best,
                "folds": len(splits),
                "C": chosen,
                "macro_f1_by_C": {str(c): round(float(f), 4) for c, f in f1s.items()},
            }
        pipe = build_head(head, lexicon, C=chosen).fit(X, y)
        if threshold != 0.5:
            _shift_to_half(pipe.named_steps["clf"], threshold)
        result.heads[head] = pipe
        result.thresholds[head] = threshold
    if not result.heads:
        raise InputError(f"no labelled rows for any head ({', '.join(heads)})")
    return result
