"""Evaluation of a model on labelled sentences: per-head metrics, calibration, per-group error rates."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError
from .schema import HEADS
from .score import FramingModel

__all__ = ["ThresholdTarget", "evaluate", "find_threshold", "format_report", "head_metrics", "parse_target", "write_plots"]


def _safe(fn: Any, *args: Any, **kwargs: Any) -> float | None:
    """A metric that is undefined (one class only) becomes None instead of raising or warning."""
    try:
        value = float(fn(*args, **kwargs))
    except ValueError:
        return None
    return None if math.isnan(value) else value


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> tuple[list[dict[str, float]], float]:
    """Equal-width probability bins: count, mean predicted, observed positive rate; and the ECE."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1], right=False), 0, bins - 1)
    rows, ece = [], 0.0
    for b in range(bins):
        mask = idx == b
        n = int(mask.sum())
        if not n:
            continue
        mean_p, frac = float(p[mask].mean()), float(y[mask].mean())
        ece += n / len(y) * abs(mean_p - frac)
        rows.append({"bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}", "n": n, "mean_predicted": mean_p, "observed": frac})
    return rows, float(ece)


def head_metrics(y: Sequence[int], p: Sequence[float], threshold: float = 0.5) -> dict[str, Any]:
    """Metrics of one head: macro-F1, per-class P/R/F1, ROC-AUC, AP, Brier, ECE, confusion, FPR."""
    from sklearn.metrics import (
        average_precision_score,
        brier_score_loss,
        confusion_matrix,
        f1_score,
        precision_recall_fscore_support,
        roc_auc_score,
    )

    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    pred = (p >= threshold).astype(int)
    prec, rec, f1, support = precision_recall_fscore_support(y, pred, labels=[0, 1], zero_division=0)
    tn, fp, fn, tp = (int(v) for v in confusion_matrix(y, pred, labels=[0, 1]).ravel())
    table, ece = calibration_table(y, p)
    return {
        "n": len(y),
        "positive_rate": float(y.mean()) if len(y) else None,
        "predicted_positive_rate": float(pred.mean()) if len(y) else None,
        "macro_f1": float(f1_score(y, pred, average="macro", labels=[0, 1], zero_division=0)),
        "accuracy": float((pred == y).mean()) if len(y) else None,
        "per_class": {
            str(c): {"precision": float(prec[i]), "recall": float(rec[i]), "f1": float(f1[i]), "support": int(support[i])}
            for i, c in enumerate((0, 1))
        },
        "roc_auc": _safe(roc_auc_score, y, p) if len(set(y)) == 2 else None,
        "average_precision": _safe(average_precision_score, y, p) if y.sum() else None,
        "brier": float(brier_score_loss(y, p, pos_label=1)) if len(y) else None,
        "ece": ece,
        "calibration": table,
        "confusion": {"tn": tn, "fp": fp, "fn": fn, "tp": tp},
        "false_positive_rate": fp / (fp + tn) if (fp + tn) else None,
        "false_negative_rate": fn / (fn + tp) if (fn + tp) else None,
    }


def evaluate(model: FramingModel, data: pd.DataFrame, by: str | None = None) -> dict[str, Any]:
    """Score ``data['text']`` and compare with each head column present (0/1, NaN rows skipped).

    With ``by``, the same metrics are computed per value of that column (missing or blank values -> "(none)").
    """
    available = getattr(model, "head_names", HEADS)
    heads = [h for h in HEADS if h in data and h in available]
    if not heads:
        raise InputError(f"no label columns for the heads this model has ({', '.join(available)}) to evaluate against")
    scores = model.score_sentences(data["text"].astype(str).tolist())
    report: dict[str, Any] = {"n_sentences": len(data), "heads": {}}
    for head in heads:
        keep = data[head].notna().to_numpy()
        y = data[head].to_numpy()[keep].astype(int)
        p = scores[head].to_numpy()[keep]
        if not len(y):
            continue
        entry = head_metrics(y, p)
        if by:
            groups = data[by].astype("string").str.strip().replace("", pd.NA).fillna("(none)").to_numpy()[keep]
            entry["by"] = {str(g): head_metrics(y[groups == g], p[groups == g]) for g in sorted(set(groups))}
        report["heads"][head] = entry
    report["_scores"] = scores
    return report


def _fmt(v: float | None, digits: int = 3) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def format_report(report: dict[str, Any], by: str | None = None) -> str:
    """A plain-text report of :func:`evaluate` output (with the thresholds found, when there are)."""
    lines = [f"{report['n_sentences']} sentences"]
    for head, t in report.get("thresholds", {}).items():
        if t["threshold"] is None:
            lines.append(f"{head}: no threshold meets {t['target']} on these labels")
            continue
        interval = t.get("interval")
        ci = f"95% bootstrap interval {interval[0]:.4f}-{interval[1]:.4f}" if interval else "no bootstrap interval"
        lines.append(f"{head}: decision point {t['threshold']:.4f} for {t['target']} (precision {t['precision']:.3f}, "
                     f"recall {t['recall']:.3f}, {t['flagged']} of {t['n']} flagged; {ci}; {t['unmet']} of 1000 resamples unmet)")
    for head, m in report["heads"].items():
        c = m["confusion"]
        lines += [
            "",
            f"{head}  (n={m['n']}, positive {_fmt(m['positive_rate'], 2)}, predicted positive {_fmt(m['predicted_positive_rate'], 2)})",
            f"  macro-F1 {_fmt(m['macro_f1'])}   ROC-AUC {_fmt(m['roc_auc'])}   average precision {_fmt(m['average_precision'])}"
            f"   Brier {_fmt(m['brier'])}   ECE {_fmt(m['ece'])}",
            "  class  precision  recall  f1     support",
        ]
        for cls, r in m["per_class"].items():
            lines.append(f"  {cls:<5}  {r['precision']:.3f}      {r['recall']:.3f}   {r['f1']:.3f}  {r['support']}")
        lines += [
            f"  confusion (rows true 0/1, cols predicted 0/1): [[{c['tn']}, {c['fp']}], [{c['fn']}, {c['tp']}]]",
            "  calibration: " + "  ".join(f"{r['bin']}: {r['observed']:.2f} (n={r['n']})" for r in m["calibration"]),
        ]
        if "by" in m:
            lines.append(f"  by {by}:  group  n  macro-F1  false-positive-rate  false-negative-rate")
            for g, gm in m["by"].items():
                rates = f"{_fmt(gm['false_positive_rate'])}  {_fmt(gm['false_negative_rate'])}"
                lines.append(f"    {g:<12} {gm['n']:>5}  {_fmt(gm['macro_f1'])}  {rates}")
    return "\n".join(lines)


def write_plots(report: dict[str, Any], data: pd.DataFrame, directory: str | Path) -> list[Path]:
    """Write a reliability diagram and a precision-recall curve per head as PNG files."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InputError("--plots needs matplotlib: pip install 'framing-classifier[plots]'") from None
    from sklearn.metrics import precision_recall_curve

    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    scores = report["_scores"]
    for head, m in report["heads"].items():
        keep = data[head].notna().to_numpy()
        y = data[head].to_numpy()[keep].astype(int)
        p = scores[head].to_numpy()[keep]
        fig, ax = plt.subplots(figsize=(4.5, 4.5))
        ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
        ax.plot([r["mean_predicted"] for r in m["calibration"]], [r["observed"] for r in m["calibration"]], "o-", label=head)
        ax.set(xlabel="mean predicted probability", ylabel="observed positive rate", title=f"Reliability: {head}")
        ax.legend(loc="upper left")
        path = out_dir / f"reliability_{head}.png"
        fig.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
        precision, recall, _ = precision_recall_curve(y, p)
        fig, ax = plt.subplots(figsize=(4.5, 4.5))
        ax.plot(recall, precision, label=f"AP {_fmt(m['average_precision'])}")
        ax.set(xlabel="recall", ylabel="precision", title=f"Precision-recall: {head}", xlim=(0, 1), ylim=(0, 1.02))
        ax.legend(loc="lower left")
        path = out_dir / f"pr_{head}.png"
        fig.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
    return written


# ---------------------------------------------------------------------------------------------
# Thresholds chosen from the user's own labels


class ThresholdTarget:
    """What a decision point must achieve: ``precision=0.9``, ``recall=0.8`` or ``f1`` (the best F1)."""

    def __init__(self, metric: str, value: float | None = None):
        self.metric = metric
        self.value = value

    def __str__(self) -> str:
        return self.metric if self.value is None else f"{self.metric}={self.value:g}"


def parse_target(spec: str) -> ThresholdTarget:
    """Parse ``--find-threshold``: ``precision=P``, ``recall=R`` (0 < P, R <= 1) or ``f1``."""
    metric, sep, value = spec.partition("=")
    metric = metric.strip().lower()
    if metric == "f1" and not sep:
        return ThresholdTarget("f1")
    if metric in ("precision", "recall") and sep:
        try:
            v = float(value)
        except ValueError:
            v = -1.0
        if 0.0 < v <= 1.0:
            return ThresholdTarget(metric, v)
    raise InputError(f"--find-threshold {spec!r}: use precision=P, recall=R (a number in (0, 1]) or f1")


def _pick(y: np.ndarray, p: np.ndarray, target: ThresholdTarget) -> float | None:
    """The decision point meeting ``target`` on labels ``y`` and scores ``p`` (None when none does).

    precision=P: the lowest threshold whose precision is at least P (the most recall at that
    precision); recall=R: the highest threshold whose recall is at least R; f1: the best F1.
    Thresholds are the observed scores, so "score >= threshold" reproduces the counts exactly.
    """
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], y[order]
    last = np.r_[ps[1:] != ps[:-1], True]  # the last row of each group of tied scores
    tp = np.cumsum(ys)[last]
    k = np.arange(1, len(ps) + 1)[last]
    thresholds = ps[last]
    positives = ys.sum()
    if not positives:
        return None
    precision, recall = tp / k, tp / positives
    if target.metric == "precision":
        ok = np.flatnonzero(precision >= target.value)
        return float(thresholds[ok[-1]]) if len(ok) else None
    if target.metric == "recall":
        ok = np.flatnonzero(recall >= target.value)
        return float(thresholds[ok[0]]) if len(ok) else None
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return float(thresholds[int(np.argmax(f1))])


def find_threshold(y: Sequence[int], p: Sequence[float], target: ThresholdTarget, n_boot: int = 1000,
                   seed: int = 0) -> dict[str, Any]:
    """The decision point meeting ``target`` on these labels, the metrics it gives, and a 95% bootstrap interval.

    The interval is the 2.5th-97.5th percentile of the threshold chosen the same way on ``n_boot``
    resamples of the rows (with replacement); resamples where no threshold meets the target are
    counted in ``unmet``.
    """
    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    t = _pick(y, p, target)
    out: dict[str, Any] = {"target": str(target), "threshold": t, "n": len(y)}
    if t is None:
        return out
    pred = p >= t
    tp = int((pred & (y == 1)).sum())
    out.update(precision=tp / max(int(pred.sum()), 1), recall=tp / max(int(y.sum()), 1), flagged=int(pred.sum()))
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        b = _pick(y[idx], p[idx], target)
        if b is not None:
            boots.append(b)
    out["unmet"] = n_boot - len(boots)
    if boots:
        out["interval"] = [float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5))]
    return out
