#!/usr/bin/env python3
"""Benchmark the shipped pipeline against two baselines, in one run on one machine; write docs/benchmarks.md.

    python scripts/benchmark.py [--runs 3] [--out docs/benchmarks.md] [--benchmark PATH]

Baselines (trained on the same project corpus, same classifier settings: LogisticRegression C=8,
balanced classes, liblinear):
  - word: word 1-2-gram TF-IDF + logistic regression
  - word+char: word 1-2-gram TF-IDF + character 2-5-gram TF-IDF + logistic regression

Measured: macro-F1 on the shared BABE half (when present), group-CV macro-F1 on the project corpus
(folds keep topics together), scoring throughput (sentences/s, one process), cold start of one
small file, training time, model size, peak memory; and each model trained on one half of the BABE
file and tested on the other (in-domain strength). Timings are medians of --runs runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import joblib  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import GroupKFold, train_test_split  # noqa: E402
from sklearn.pipeline import FeatureUnion, make_pipeline  # noqa: E402

from classifier import load_model  # noqa: E402
from classifier.card import benchmark_path  # noqa: E402
from classifier.data import HEADS, default_lexicon_path, load_corpus, load_labelled  # noqa: E402
from classifier.features import read_lexicon  # noqa: E402
from classifier.model import C_GRID, C_TOLERANCE, DEFAULT_C, build_head, fit_heads  # noqa: E402
from classifier.persist import default_model_path  # noqa: E402
from classifier.score import FramingModel  # noqa: E402

NAMES = ("pipeline", "word", "word+char")
SPLITS = 5  # random stratified halvings of the benchmark for the in-domain comparison


def _clf(C: float = DEFAULT_C) -> LogisticRegression:
    return LogisticRegression(C=C, class_weight="balanced", solver="liblinear", max_iter=5000, random_state=0)


def baseline(kind: str, C: float = DEFAULT_C):
    """An untrained baseline pipeline for one head."""
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    if kind == "word":
        return make_pipeline(word, _clf(C))
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
    return make_pipeline(FeatureUnion([("word", word), ("char", char)]), _clf(C))


def baseline_cv_c(kind: str, X: list[str], y: np.ndarray, groups: np.ndarray) -> float:
    """C for a baseline chosen exactly as the pipeline's training chooses its own (group-CV, C_GRID, C_TOLERANCE)."""
    splits = list(GroupKFold(n_splits=5).split(X, y, groups))
    f1s = {}
    for c in C_GRID:
        oof = np.zeros(len(y))
        for tr, te in splits:
            oof[te] = baseline(kind, c).fit([X[i] for i in tr], y[tr]).predict_proba([X[i] for i in te])[:, 1]
        f1s[c] = f1_score(y, oof >= 0.5, average="macro")
    return min(c for c in C_GRID if f1s[c] >= max(f1s.values()) - C_TOLERANCE)


class Baseline:
    """Two baseline heads with the scoring call the benchmark times."""

    def __init__(self, heads: dict):
        self.heads = heads

    def score(self, texts: list[str]) -> dict[str, np.ndarray]:
        return {h: p.predict_proba(texts)[:, 1] for h, p in self.heads.items()}


def train_all(data: pd.DataFrame, lexicon, choose_c: bool = False) -> dict[str, object]:
    """Fit the three models on ``data``, returning scorers with a common interface.

    With ``choose_c`` every model picks its C by group cross-validation (the pipeline's own training
    procedure, applied to the baselines too); otherwise all use C=8.
    """
    out = {}
    res = fit_heads(data, lexicon, folds=5 if choose_c else 0)
    out["pipeline"] = FramingModel.from_pipelines(res.heads, {})
    for kind in ("word", "word+char"):
        heads = {}
        for h in HEADS:
            d = data[data[h].notna()]
            X, y = d["text"].tolist(), d[h].astype(int).to_numpy()
            c = baseline_cv_c(kind, X, y, d["group"].astype(str).to_numpy()) if choose_c else DEFAULT_C
            heads[h] = baseline(kind, c).fit(X, y)
        out[kind] = Baseline(heads)
    return out


def score(model, texts: list[str], explain: bool = True) -> dict[str, np.ndarray]:
    if isinstance(model, FramingModel):
        df = model.score_sentences(texts, explain=explain)
        return {h: df[h].to_numpy() for h in HEADS}
    return model.score(texts)


def macro_f1(data: pd.DataFrame, probs: dict[str, np.ndarray]) -> dict[str, float]:
    out = {}
    for h in HEADS:
        keep = data[h].notna().to_numpy()
        out[h] = float(f1_score(data[h][keep].astype(int), probs[h][keep] >= 0.5, average="macro"))
    return out


def group_cv(corpus: pd.DataFrame, lexicon, folds: int = 5) -> dict[str, dict[str, float]]:
    """Out-of-fold macro-F1 per model and head, folds keeping topics (and pairs) together."""
    out = {n: {} for n in NAMES}
    X = corpus["text"].tolist()
    groups = corpus["group"].to_numpy()
    for h in HEADS:
        y = corpus[h].astype(int).to_numpy()
        oof = {n: np.zeros(len(y)) for n in NAMES}
        for tr, te in GroupKFold(n_splits=folds).split(X, y, groups):
            Xtr, Xte = [X[i] for i in tr], [X[i] for i in te]
            oof["pipeline"][te] = build_head(h, lexicon).fit(Xtr, y[tr]).predict_proba(Xte)[:, 1]
            for kind in ("word", "word+char"):
                oof[kind][te] = clone(baseline(kind)).fit(Xtr, y[tr]).predict_proba(Xte)[:, 1]
        for n in NAMES:
            out[n][h] = float(f1_score(y, oof[n] >= 0.5, average="macro"))
    return out


PROBE = r"""
import sys, joblib
kind, path, texts_path = sys.argv[1:4]
texts = open(texts_path, encoding="utf-8").read().split("\n")
if kind == "pipeline":
    from classifier import load_model
    m = load_model(path); m.score_sentences(texts)
else:
    heads = joblib.load(path)
    for p in heads.values(): p.predict_proba(texts)
# VmHWM: this process's peak resident set (ru_maxrss would also count the parent's memory copied at fork)
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")))
"""

COLD = r"""
import sys, joblib
heads = joblib.load(sys.argv[1])
text = open(sys.argv[2], encoding="utf-8").read()
for p in heads.values(): p.predict_proba([text])
"""


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = int(next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1]) / 1e6
        mem_s = f"{mem:.0f} GB RAM"
    except (OSError, StopIteration):
        mem_s = "RAM unknown"
    import sklearn

    return (f"{cpu}, {os.cpu_count()} cores, {mem_s}; {platform.system()} {platform.release()}; Python {platform.python_version()}, "
            f"scikit-learn {sklearn.__version__}, pandas {pd.__version__}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    ap.add_argument("--benchmark", default=None, help="BABE-format CSV (default: ../shared/benchmarks/babe_dev.csv when present)")
    args = ap.parse_args()
    runs = max(3, args.runs)
    log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731

    corpus = load_corpus(None)
    lexicon = read_lexicon(default_lexicon_path())
    bench_file = Path(args.benchmark) if args.benchmark else benchmark_path()
    babe = load_labelled(bench_file, preset="babe", keep=["type"]) if bench_file else None
    texts = babe["text"].tolist() if babe is not None else corpus["text"].tolist()
    results: dict[str, dict] = {n: {} for n in NAMES}

    log("training (timed) ...")
    models = None
    for r in range(runs):
        t0 = time.perf_counter()
        res = fit_heads(corpus, lexicon, folds=0)
        t_pipe = time.perf_counter() - t0
        times = {"pipeline": t_pipe}
        for kind in ("word", "word+char"):
            t0 = time.perf_counter()
            for h in HEADS:
                baseline(kind).fit(corpus["text"].tolist(), corpus[h].astype(int))
            times[kind] = time.perf_counter() - t0
        for n in NAMES:
            results[n].setdefault("train_s", []).append(times[n])
        if r == 0:
            models = train_all(corpus, lexicon)
            models["pipeline"] = FramingModel.from_pipelines(res.heads, {})
    shipped = load_model(default_model_path())
    models["pipeline"] = shipped  # the shipped model itself (same data, same settings)

    if babe is not None:
        log("accuracy on the benchmark ...")
        for n in NAMES:
            probs = score(models[n], texts)
            results[n]["babe"] = macro_f1(babe, probs)
            fpr = {}
            for h in HEADS:
                for side in ("left", "right"):
                    neg = ((babe["type"] == side) & (babe[h] == 0)).fillna(False).to_numpy(dtype=bool)
                    fpr[f"{h} {side}"] = float((probs[h][neg] >= 0.5).mean())
            results[n]["fpr"] = fpr
    log("group cross-validation ...")
    cv = group_cv(corpus, lexicon)
    for n in NAMES:
        results[n]["cv"] = cv[n]

    log("throughput ...")
    for _ in range(runs):
        for n in NAMES:
            t0 = time.perf_counter()
            score(models[n], texts, explain=False)
            results[n].setdefault("rate", []).append(len(texts) / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        score(models["pipeline"], texts)
        results["pipeline"].setdefault("rate_explained", []).append(len(texts) / (time.perf_counter() - t0))

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        paths = {"pipeline": default_model_path()}
        for kind in ("word", "word+char"):
            paths[kind] = tmp / f"{kind}.joblib"
            joblib.dump(models[kind].heads, paths[kind], compress=("zlib", 6))
        for n in NAMES:
            results[n]["size_mb"] = paths[n].stat().st_size / 1e6
        texts_file = tmp / "texts.txt"
        texts_file.write_text("\n".join(t.replace("\n", " ") for t in texts), encoding="utf-8")
        one = tmp / "one.txt"
        one.write_text("The council approved the budget on Tuesday after a heated debate, a spokeswoman said.\n", encoding="utf-8")
        log("peak memory and cold start ...")
        for n in NAMES:
            out = subprocess.run([sys.executable, "-c", PROBE, n, str(paths[n]), str(texts_file)], capture_output=True, text=True,
                                 check=True, cwd=ROOT)
            results[n]["peak_mb"] = int(out.stdout.strip().splitlines()[-1]) / 1024
        framing = Path(sys.executable).with_name("framing")
        for _ in range(max(5, runs)):
            for n in NAMES:
                if n == "pipeline":
                    cmd = [str(framing), "score", "--quiet", "--format", "csv", str(one)]
                else:
                    cmd = [sys.executable, "-c", COLD, str(paths[n]), str(one)]
                t0 = time.perf_counter()
                subprocess.run(cmd, capture_output=True, check=True, cwd=tmp)
                results[n].setdefault("cold_s", []).append(time.perf_counter() - t0)

    if babe is not None:
        log("in-domain: train on one half of the benchmark, test on the other ...")
        raw = pd.read_csv(bench_file)
        for seed in range(SPLITS):
            a_idx, b_idx = train_test_split(np.arange(len(babe)), test_size=0.5, random_state=seed, stratify=raw["label_bias"])
            half_a, half_b = babe.iloc[a_idx].reset_index(drop=True), babe.iloc[b_idx].reset_index(drop=True)
            half_models = train_all(half_a, lexicon, choose_c=True)
            for n in NAMES:
                results[n].setdefault("in_domain", []).append(macro_f1(half_b, score(half_models[n], half_b["text"].tolist())))

    write_report(Path(args.out), results, babe is not None, bench_file, len(texts), len(corpus), runs)
    medians = {n: {k: (statistics.median(v) if isinstance(v, list) and k != "in_domain" else v) for k, v in r.items()}
               for n, r in results.items()}
    print(json.dumps(medians, indent=2))


def write_report(out: Path, results: dict, have_babe: bool, bench_file, n_texts: int, n_corpus: int, runs: int) -> None:
    med = {n: {k: (statistics.median(v) if isinstance(v, list) and k != "in_domain" else v) for k, v in r.items()}
           for n, r in results.items()}
    p, w, wc = med["pipeline"], med["word"], med["word+char"]

    def f(x: float, d: int = 3) -> str:
        return f"{x:.{d}f}"

    lines = [
        "# Benchmarks",
        "",
        f"_Generated by `python scripts/benchmark.py` on {dt.date.today().isoformat()}; every figure below comes from one run of "
        "that script on one machine. Rerun it to check them._",
        "",
        f"Machine: {machine()}. Timings are medians of {runs} runs (cold start: {max(5, runs)}), one process, one thread.",
        "",
        "Models, all trained on the project corpus "
        f"(`training_data/sentences.jsonl`, {n_corpus} sentences) with the same classifier settings "
        "(logistic regression, C=8 — the value the pipeline's cross-validation picks on this corpus — balanced classes):",
        "- **pipeline**: the shipped model — word 1-2-gram TF-IDF + lexicon cue counts and per-term cues, scored through its "
        "exported linear form (`score_sentences`; throughput is measured both with `explain=False`, probabilities only as "
        "the baselines give, and with the default `loaded_terms` explanations);",
        "- **word**: word 1-2-gram TF-IDF + logistic regression;",
        "- **word+char**: word 1-2-gram + character 2-5-gram (char_wb) TF-IDF + logistic regression.",
        "",
        "| | pipeline | word | word+char |",
        "|---|---|---|---|",
    ]
    if have_babe:
        for h in HEADS:
            lines.append(f"| {bench_file.name} macro-F1, {h} | **{f(p['babe'][h])}** | {f(w['babe'][h])} | {f(wc['babe'][h])} |")
    for h in HEADS:
        lines.append(f"| group-CV macro-F1 on the corpus, {h} | {f(p['cv'][h])} | {f(w['cv'][h])} | {f(wc['cv'][h])} |")
    lines += [
        f"| scoring throughput, sentences/s (both heads' probabilities) | **{p['rate']:,.0f}** | {w['rate']:,.0f} | {wc['rate']:,.0f} |",
        f"| throughput ratio, pipeline / baseline | 1 | {p['rate'] / w['rate']:.2f}× | {p['rate'] / wc['rate']:.1f}× |",
        f"| throughput with `loaded_terms` explanations (only the pipeline has them), sentences/s | {p['rate_explained']:,.0f} "
        f"({p['rate_explained'] / wc['rate']:.1f}× word+char) | – | – |",
        f"| cold start, one short file (s) | {f(p['cold_s'], 2)} (`framing score`) | {f(w['cold_s'], 2)} (load + predict) "
        f"| {f(wc['cold_s'], 2)} (load + predict) |",
        f"| training time, both heads, no CV (s) | {f(p['train_s'], 1)} | {f(w['train_s'], 1)} | {f(wc['train_s'], 1)} |",
        f"| model size (MB, joblib zlib-6) | {f(p['size_mb'], 1)} | {f(w['size_mb'], 1)} | {f(wc['size_mb'], 1)} |",
        f"| peak memory scoring {n_texts} sentences (MB RSS) | {p['peak_mb']:.0f} | {w['peak_mb']:.0f} | {wc['peak_mb']:.0f} |",
    ]
    if have_babe:
        lines += [
            "",
            f"## In-domain: trained on one half of `{bench_file.name}`, tested on the other",
            "",
            f"Same three designs, trained on a stratified half of the benchmark instead of the project corpus and tested "
            f"on the other half, for {SPLITS} random halvings (seeds 0-{SPLITS - 1}; one halving moves macro-F1 by about "
            "±0.02, so the mean is the figure to read); this shows the feature design's strength on real news when it has "
            "real labels. "
            f"Each model picks its C from {', '.join(str(c) for c in C_GRID)} by 5-fold cross-validation on its training half "
            "(the pipeline's own training procedure, applied to the baselines too).",
            "",
            "| macro-F1 on the held-out half: mean (each halving) | pipeline | word | word+char |",
            "|---|---|---|---|",
        ]

        def dom(m: dict, h: str) -> str:
            vals = [r[h] for r in m["in_domain"]]
            return f"{statistics.mean(vals):.3f} ({' '.join(f'{v:.3f}' for v in vals)})"

        for h in HEADS:
            lines.append(f"| {h} | **{dom(p, h)}** | {dom(w, h)} | {dom(wc, h)} |")
    lines += [
        "",
        "## Targets",
        "",
        f"- throughput ≥ 5× word+char: {p['rate'] / wc['rate']:.1f}× ({p['rate_explained'] / wc['rate']:.1f}× with explanations); "
        f"≥ 0.5× word: {p['rate'] / w['rate']:.2f}× ({p['rate_explained'] / w['rate']:.2f}× with explanations)",
    ]
    if have_babe:
        lines += [
            f"- benchmark macro-F1 not below either baseline: loaded {f(p['babe']['loaded_language'])} vs "
            f"{f(w['babe']['loaded_language'])} / {f(wc['babe']['loaded_language'])}; framing {f(p['babe']['editorial_framing'])} vs "
            f"{f(w['babe']['editorial_framing'])} / {f(wc['babe']['editorial_framing'])}",
            f"- in-domain loaded_language macro-F1 ≥ 0.72: mean {statistics.mean(r['loaded_language'] for r in p['in_domain']):.3f} "
            f"over {SPLITS} halvings (seed 0 alone: {p['in_domain'][0]['loaded_language']:.3f}); word+char baseline "
            f"{statistics.mean(r['loaded_language'] for r in wc['in_domain']):.3f}",
        ]
        for h in HEADS:
            left, right = p["fpr"][f"{h} left"], p["fpr"][f"{h} right"]
            lines.append(f"- false-positive rate, left- vs right-leaning outlets, {h}: {f(left)} vs {f(right)} "
                         f"(difference {abs(left - right):.3f}; target ≤ 0.10)")
    lines += [f"- cold start ≤ 1.5 s: {f(p['cold_s'], 2)} s", ""]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
