#!/usr/bin/env python3
"""How far the corpus's labels are from a labelled real-news set's: the shipped model beside in-domain training.

    python scripts/bench_domain.py                       # ../shared/benchmarks/babe_dev.csv, 5 folds
    python scripts/bench_domain.py --benchmark my.csv    # any file in BABE's layout

Measured per head, macro-F1 at 0.5 and ROC-AUC over the same stratified folds of the benchmark:

* **shipped**: the shipped model, which never saw the benchmark (scored on every fold).
* **in-domain**: the same pipeline (the shipped options and C) trained on the other folds of the benchmark
  only: what this architecture reaches when its training labels are the benchmark annotators' own.
* **corpus + in-domain**: the project corpus and the other folds together: what the corpus's labels do to a
  model that also has in-domain data.
* **plain in-domain**: ``benchmark.py``'s baseline, word 1-2-gram TF-IDF + logistic regression, on the other
  folds (the benchmark's README quotes about 0.70 for it on the other half of BABE).

The models trained here are thrown away: nothing is saved, and the shipped model never sees the benchmark.
Without the benchmark file the script says so and exits 0 (users do not have it).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from benchmark import plain_pipeline, shipped_options  # the baseline and the shipped options (a sibling script)
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from classifier import load_model
from classifier.card import benchmark_path
from classifier.corpus import load_labelled
from classifier.persist import default_model_path, read_manifest
from classifier.schema import HEADS
from classifier.training import SEED, build_head

ROOT = Path(__file__).resolve().parents[1]
SETUPS = ("shipped", "in-domain", "corpus + in-domain", "plain in-domain")


def out_of_fold(head: str, texts: list[str], y: np.ndarray, corpus: pd.DataFrame, manifest: dict[str, Any],
                folds: int) -> dict[str, np.ndarray]:
    """Per setup, each benchmark sentence's probability from a model that did not train on it."""
    options = shipped_options(manifest)
    C = manifest["cv"][head]["C"]
    d = corpus[corpus[head].notna()]
    corpus_x, corpus_y = d["text"].astype(str).tolist(), d[head].astype(int).to_numpy()
    out = {name: np.zeros(len(y)) for name in SETUPS[1:]}
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=SEED).split(texts, y):
        x_tr, x_te = [texts[i] for i in train], [texts[i] for i in test]
        models = {"in-domain": build_head(head, options, C=C).fit(x_tr, y[train]),
                  "corpus + in-domain": build_head(head, options, C=C).fit(corpus_x + x_tr, np.r_[corpus_y, y[train]]),
                  "plain in-domain": plain_pipeline().fit(x_tr, y[train])}
        for name, model in models.items():
            out[name][test] = model.predict_proba(x_te)[:, 1]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmark", help="labelled real news in BABE's layout (default: ../shared/benchmarks/babe_dev.csv)")
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    path = benchmark_path(args.benchmark or ROOT.parent / "shared" / "benchmarks" / "babe_dev.csv")
    if path is None:
        print("bench_domain: no benchmark file (give --benchmark PATH); nothing measured")
        return 0
    start = time.perf_counter()
    bench = load_labelled(path, preset="babe")
    corpus = load_labelled()
    manifest = read_manifest(default_model_path())
    shipped = load_model().score_sentences(bench["text"].tolist(), explain=False)
    lines = [f"`{path.name}`: {len(bench)} sentences, {args.folds} stratified folds; corpus: {len(corpus):,} sentences.", "",
             "| head | setup | macro-F1 at 0.5 | ROC-AUC |", "|---|---|---|---|"]
    for head in HEADS:
        keep = bench[head].notna().to_numpy()
        texts = bench["text"][keep].astype(str).tolist()
        y = bench[head][keep].astype(int).to_numpy()
        print(f"{head}: training {3 * args.folds} models ...", file=sys.stderr)
        probs = {"shipped": shipped[head].to_numpy()[keep], **out_of_fold(head, texts, y, corpus, manifest, args.folds)}
        for name in SETUPS:
            p = probs[name]
            lines.append(f"| {head} | {name} | {f1_score(y, p >= 0.5, average='macro'):.3f} | {roc_auc_score(y, p):.3f} |")
    lines += ["", f"({time.perf_counter() - start:.0f} s)"]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
