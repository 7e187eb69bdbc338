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

__all__ = ["evaluate", "head_metrics", "format_report", "write_plots"]


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

    With ``by``, the same metrics are computed per value of that column (missing values -> "(none)").
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
            groups = data[by].astype("string").fillna("(none)").to_numpy()[keep]
            entry["by"] = {str(g): head_metrics(y[groups == g], p[groups == g]) for g in sorted(set(groups))}
        report["heads"][head] = entry
    report["_scores"] = scores
    return report


def _fmt(v: float | None, digits: int = 3) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def format_report(report: dict[str, Any], by: str | None = None) -> str:
    """A plain-text report of :func:`evaluate` output."""
    lines = [f"{report['n_sentences']} sentences"]
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
