#!/usr/bin/env python3
"""Model size, load time and score_sentences throughput of a model, beside a plain TF-IDF baseline.

    python scripts/speed.py [--model PATH] [--runs 5]

Load time is measured in a fresh interpreter (imports included, as a user's first call pays them).
Throughput: sentences/second of ``score_sentences`` on the project corpus (both heads, explanations
for flagged sentences), one process, median of ``--runs``; in the same run, a plain word TF-IDF +
logistic regression (both heads) trained on the same corpus scores the same sentences.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from classifier.data import HEADS, load_corpus
    from classifier.persist import default_model_path

    path = Path(args.model) if args.model else default_model_path()
    code = ("import time; t=time.perf_counter(); from classifier import load_model; "
            f"m=load_model({str(path)!r}); print(time.perf_counter()-t)")
    loads = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout)
             for _ in range(args.runs)]

    from classifier import load_model

    model = load_model(path)
    corpus = load_corpus(None)
    texts = corpus["text"].tolist()
    plain = {h: make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2), LogisticRegression(max_iter=2000))
             .fit(texts, corpus[h]) for h in HEADS}

    def ours() -> None:
        model.score_sentences(texts)

    def baseline() -> None:
        for pipe in plain.values():
            pipe.predict_proba(texts)

    rates = {"framing score_sentences": [], "plain word TF-IDF + LR": []}
    for _ in range(args.runs):
        for name, fn in (("framing score_sentences", ours), ("plain word TF-IDF + LR", baseline)):
            t = time.perf_counter()
            fn()
            rates[name].append(len(texts) / (time.perf_counter() - t))
    print(f"model: {path} ({path.stat().st_size / 1e6:.2f} MB)")
    print(f"load_model() in a fresh interpreter, imports included: median {statistics.median(loads):.3f} s over {args.runs} runs")
    for name, r in rates.items():
        print(f"{name:>26}: median {statistics.median(r):,.0f} sentences/s over {args.runs} runs of {len(texts)} sentences")
    ratio = statistics.median(rates["framing score_sentences"]) / statistics.median(rates["plain word TF-IDF + LR"])
    print(f"ratio framing / plain baseline: {ratio:.2f}")


if __name__ == "__main__":
    main()
