#!/usr/bin/env python3
"""The project's benchmark: accuracy, behaviour, speed and the model file, each beside a baseline, in one run.

    python scripts/benchmark.py                  # everything; writes docs/benchmarks.md and the README's table
    python scripts/benchmark.py --quick          # fewer runs and articles, prints only
    python scripts/benchmark.py --old-ref REF    # compare the model file with the one a git revision shipped
    python scripts/benchmark.py --others         # also run the other bench_*.py scripts and include their reports

Measured, on this machine, in this run:

* **Accuracy on real news** (when ``--benchmark`` or ../shared/benchmarks/babe_dev.csv exists): macro-F1 per head
  at 0.5 of the shipped model and of a plain word 1-2-gram TF-IDF + logistic regression trained on the same
  corpus (the baseline), with ROC-AUC and per-leaning false-positive rates. Group cross-validation figures are
  the model's manifest's (training computes them).
* **The dense word-vector block**: the same heads trained without it (same corpus, same C, same group folds),
  their group-CV and real-news figures beside the shipped model's, and their speed.
* **Behaviour**, on the probe sets in tests/probes: short neutral sentences below 0.5, flagged sentences that list
  a term, mirror symmetry (left/right), junk and content paragraph kinds.
* **Speed**: ``score_sentences`` (with and without explanations) against the baseline's two heads predicting
  into a DataFrame, on real-news-length sentences; ``framing score --jobs 1`` on generated articles against the
  library's ``score_documents`` on the same articles; cold start of ``framing score`` on one file. Runs are
  interleaved and medians reported, with the load average (this 2-core machine is shared).
* **The model file**: size and cold start beside the previous format (``--old-ref``, a git revision whose shipped
  model was a joblib pickle; checked out into a temporary worktree).
* **Per-term cue columns**: the same heads trained with the other setting of ``cue_terms``, beside the shipped ones.
* With ``--others``, the reports of the scripts that measure something else (the shipped model beside training
  on the benchmark's own labels, CLI throughput and memory, segmentation against size, the HTML report, the
  HTTP service, Dask), each run with its defaults, verbatim.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import bench_score  # the article generator (a sibling script)
import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.pipeline import make_pipeline

from classifier import load_model
from classifier.card import benchmark_path, mirror_symmetry
from classifier.corpus import load_labelled
from classifier.persist import FORMAT, default_model_path, read_manifest
from classifier.schema import FRAMING, HEADS, LOADED
from classifier.score import FramingModel
from classifier.segment import paragraph_kind
from classifier.train import head_options
from classifier.training import HeadOptions, fit_heads

ROOT = Path(__file__).resolve().parents[1]
PROBES = ROOT / "tests" / "probes"
OLD_REF = "6865fad"  # the last commit whose shipped model was a joblib pickle (format 4)


def plain_pipeline() -> Any:
    """The baseline's untrained pipeline: word 1-2-gram TF-IDF + class-balanced logistic regression."""
    return make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
                         LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000, solver="liblinear"))


def baseline(data: pd.DataFrame) -> dict[str, Any]:
    """A plain word 1-2-gram TF-IDF + logistic regression per head, on the same corpus."""
    out = {}
    for head in HEADS:
        d = data[data[head].notna()]
        out[head] = plain_pipeline().fit(d["text"].tolist(), d[head].astype(int))
    return out


def shipped_options(manifest: dict[str, Any], **changes: Any) -> HeadOptions:
    """The heads' options the shipped model was trained with (as its manifest records them), with ``changes``."""
    td = manifest["training_data"]
    shipped = {"cue_terms": td.get("cue_terms", True), "vectors": "" if td.get("word_vectors") else None}
    return head_options(**{**shipped, **changes})[0]


def baseline_frame(pipes: dict[str, Any], texts: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"text": texts, **{h: p.predict_proba(texts)[:, 1] for h, p in pipes.items()}})


def accuracy(model: Any, pipes: dict[str, Any], bench: pd.DataFrame) -> dict[str, Any]:
    ours = model.score_sentences(bench["text"].tolist(), explain=False)
    base = baseline_frame(pipes, bench["text"].tolist())
    out: dict[str, Any] = {}
    for head in HEADS:
        keep = bench[head].notna().to_numpy()
        y = bench[head].to_numpy()[keep].astype(int)
        row = {}
        for name, frame in (("framing", ours), ("baseline", base)):
            p = frame[head].to_numpy()[keep]
            row[name] = {"macro_f1": f1_score(y, p >= 0.5, average="macro"), "roc_auc": roc_auc_score(y, p)}
            if "type" in bench:
                leaning = bench["type"].to_numpy()[keep]
                row[name]["fpr"] = {g: float(((p >= 0.5) & (y == 0) & (leaning == g)).sum() / max(1, ((y == 0) & (leaning == g)).sum()))
                                    for g in ("left", "right", "center")}
        out[head] = row
    y = bench[LOADED].to_numpy()
    missed = (y == 1) & (ours[LOADED].to_numpy() < 0.5)
    out["loaded_missed"] = {"n": int(missed.sum()), "positives": int((y == 1).sum()),
                            "framing_flags": int((missed & (ours[FRAMING].to_numpy() >= 0.5)).sum())}
    return out


def retrained(corpus: pd.DataFrame, bench: pd.DataFrame | None, manifest: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Each head retrained with ``changes`` to the shipped options (the shipped C and fold count): group-CV and real-news figures."""
    options = shipped_options(manifest, **changes)
    out: dict[str, Any] = {}
    for head in HEADS:
        cv = manifest["cv"][head]
        fitted = fit_heads(corpus, options, folds=cv["folds"], heads=[head], C=cv["C"])
        row = {"cv_macro_f1": fitted.cv[head]["macro_f1"], "cv_roc_auc": fitted.cv[head]["roc_auc"], "pipe": fitted.heads[head]}
        if bench is not None:
            keep = bench[head].notna().to_numpy()
            y = bench[head].to_numpy()[keep].astype(int)
            p = fitted.heads[head].predict_proba(bench["text"][keep].tolist())[:, 1]
            row.update(macro_f1=f1_score(y, p >= 0.5, average="macro"), roc_auc=roc_auc_score(y, p))
        out[head] = row
    return out


def _rows(name: str) -> list[dict]:
    return [json.loads(x) for x in (PROBES / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]


def behaviour(model: Any) -> dict[str, Any]:
    short = model.score_sentences([r["text"] for r in _rows("short_neutral")])
    flagged = model.score_sentences([r["text"] for r in _rows("flagged")])
    everyday = model.score_sentences([r["text"] for r in _rows("everyday_neutral")])
    out: dict[str, Any] = {"short_neutral_below": float(((short["loaded_language"] < 0.5) & (short["editorial_framing"] < 0.5)).mean()),
                           "n_short": len(short), "n_everyday": len(everyday),
                           "everyday_below": float(((everyday["loaded_language"] < 0.5) & (everyday["editorial_framing"] < 0.5)).mean())}
    for head, col in (("loaded_language", "loaded_terms"), ("editorial_framing", "framing_terms")):
        hit = flagged[flagged[head] >= 0.5]
        out[f"{head}_flagged_with_terms"] = float((hit[col].map(len) > 0).mean()) if len(hit) else float("nan")
        out[f"{head}_flagged_n"] = len(hit)
    out["mirror"] = mirror_symmetry(model, PROBES / "mirror_pairs.jsonl")
    kinds = _rows("kinds")
    content = [r["text"] for r in kinds if r["kind"] == "content"]
    junk = [r["text"] for r in kinds if r["kind"] != "content"]
    out["content_kept"] = sum(paragraph_kind(t) == "content" for t in content) / len(content)
    out["junk_caught"] = sum(paragraph_kind(t) != "content" for t in junk) / len(junk)
    return out


def _timed(fn: Any) -> tuple[float, float]:
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def speed(model: Any, pipes: dict[str, Any], sentences: list[str], runs: int, plain: Any = None) -> dict[str, Any]:
    """Sentences per second, interleaved runs, medians of wall and CPU time (``plain``: the model without vectors)."""
    cases = {
        "baseline": lambda: baseline_frame(pipes, sentences),
        "explain": lambda: model.score_sentences(sentences),
        "no_explain": lambda: model.score_sentences(sentences, explain=False),
    }
    if plain is not None:
        cases["plain_explain"] = lambda: plain.score_sentences(sentences)
        cases["plain_no_explain"] = lambda: plain.score_sentences(sentences, explain=False)
    for fn in cases.values():  # warm up
        fn()
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in cases}
    for _ in range(runs):
        for name, fn in cases.items():
            times[name].append(_timed(fn))
    out = {}
    for name, ts in times.items():
        out[name] = {"wall": statistics.median(t[0] for t in ts), "cpu": statistics.median(t[1] for t in ts)}
        out[name]["per_s"] = len(sentences) / out[name]["wall"]
    for key in ("explain", "no_explain"):
        out[f"{key}_ratio"] = statistics.median(b[0] / e[0] for b, e in zip(times["baseline"], times[key]))
        out[f"{key}_ratio_cpu"] = statistics.median(b[1] / e[1] for b, e in zip(times["baseline"], times[key]))
    return out


def _cli(args: list[str], cwd: Path | None = None, env: dict | None = None) -> tuple[float, float]:
    t0 = time.perf_counter()
    before = os.times()
    proc = subprocess.run([sys.executable, "-m", "classifier", *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    after = os.times()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"framing {' '.join(args)} failed: {proc.stderr.decode()[-500:]}")
    return time.perf_counter() - t0, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def cli_overhead(model: Any, n_articles: int, runs: int, work: Path) -> dict[str, Any]:
    """``framing score --jobs 1`` (a new process: start-up, reading, writing included) against ``score_documents``."""
    path = work / "articles.jsonl"
    bench_score.write_corpus(path, n_articles, seed=7)
    texts = [json.loads(x)["text"] for x in path.read_text(encoding="utf-8").splitlines()]
    cli, lib = [], []
    model.score_documents(texts[:50])
    for _ in range(runs):
        cli.append(_cli(["score", str(path), "--jobs", "1", "--format", "jsonl", "-o", str(work / "out.jsonl"), "--quiet"]))
        lib.append(_timed(lambda: model.score_documents(texts)))
    return {"articles": n_articles, "cli_wall": statistics.median(c[0] for c in cli), "lib_wall": statistics.median(x[0] for x in lib),
            "ratio": statistics.median(c[0] / x[0] for c, x in zip(cli, lib)),
            "ratio_cpu": statistics.median(c[1] / x[1] for c, x in zip(cli, lib))}


def cold_start(runs: int, cwd: Path, model_path: Path | None = None, env: dict | None = None) -> float:
    article = ROOT / "training_data" / "examples" / "article.txt"
    args = ["score", str(article), "--format", "jsonl"] + (["--model", str(model_path)] if model_path else [])
    _cli(args, cwd, env)
    return statistics.median(_cli(args, cwd, env)[0] for _ in range(runs))


def old_format(ref: str, runs: int, work: Path) -> dict[str, Any] | None:
    """Size and cold start of the model file a git revision shipped, run with that revision's code."""
    tree = work / "old"
    proc = subprocess.run(["git", "worktree", "add", "--detach", str(tree), ref], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode:
        print(f"(old format not measured: git worktree {ref} failed: {proc.stderr.strip()})", file=sys.stderr)
        return None
    try:
        model = tree / "models" / "framing-default.joblib"
        env = {**os.environ, "PYTHONPATH": str(tree)}
        return {"ref": ref, "size": model.stat().st_size, "cold_start": cold_start(runs, tree, model, env)}
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, capture_output=True)


def real_news_sentences(bench: pd.DataFrame | None, corpus: pd.DataFrame) -> tuple[list[str], str]:
    if bench is not None:
        return bench["text"].tolist() * 3, f"the {len(bench)} benchmark sentences x3"
    long = corpus[corpus["text"].str.split().str.len() >= 25]["text"].tolist()
    return random.Random(0).sample(long, min(5000, len(long))), "5,000 corpus sentences of 25+ words"


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average {load:.2f} at the start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmark", help="labelled real news in BABE's layout (default: ../shared/benchmarks/babe_dev.csv)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--old-ref", default=OLD_REF)
    ap.add_argument("--quick", action="store_true", help="3 runs, 2,000 articles, no old-format comparison, nothing written")
    ap.add_argument("--others", action="store_true", help="also run " + ", ".join(OTHERS) + " and include their reports")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.articles, args.old_ref = 3, 2000, ""
    bench_file = benchmark_path(args.benchmark or ROOT.parent / "shared" / "benchmarks" / "babe_dev.csv")
    bench = load_labelled(bench_file, preset="babe", keep=["type"]) if bench_file else None
    corpus = load_labelled()
    model = load_model()
    manifest = read_manifest(default_model_path())
    results: dict[str, Any] = {"machine": machine(), "model": manifest, "corpus_n": len(corpus)}
    print(results["machine"], file=sys.stderr)
    pipes = baseline(corpus)
    if bench is not None:
        results["accuracy"] = accuracy(model, pipes, bench)
        results["bench"] = {"file": bench_file.name, "n": len(bench)}
    results["behaviour"] = behaviour(model)
    if manifest["training_data"].get("word_vectors"):
        print("retraining without the word-vector block ...", file=sys.stderr)
        results["plain"] = retrained(corpus, bench, manifest, vectors=None)
    terms = manifest["training_data"].get("cue_terms", True)
    print(f"retraining {'without' if terms else 'with'} per-term cue columns ...", file=sys.stderr)
    results["terms"] = {"shipped": terms, "other": retrained(corpus, bench, manifest, cue_terms=not terms)}
    sentences, what = real_news_sentences(bench, corpus)
    plain = (FramingModel.from_pipelines({h: row["pipe"] for h, row in results["plain"].items()}, model.meta)
             if results.get("plain") else None)
    results["speed"] = {**speed(model, pipes, sentences, args.runs, plain), "what": what,
                        "median_words": float(np.median([len(s.split()) for s in sentences]))}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        results["cli"] = cli_overhead(model, args.articles, max(3, args.runs // 2 + 1), work)
        results["cold_start"] = cold_start(7, work)
        results["size"] = default_model_path().stat().st_size
        results["old"] = old_format(args.old_ref, 5, work) if args.old_ref else None
    text = report(results)
    if args.others:
        text += "\n" + "\n".join(other_reports())
    print(text)
    if not args.quick:
        (ROOT / "docs" / "benchmarks.md").write_text(text, encoding="utf-8")
        write_readme_table(results)


def _f(x: float | None, d: int = 3) -> str:
    return "n/a" if x is None or x != x else f"{x:.{d}f}"


def readme_table(r: dict[str, Any]) -> list[str]:
    s, c = r["speed"], r["cli"]
    lines = ["| | framing | plain word TF-IDF + LR (same corpus) |", "|---|---|---|"]
    if "accuracy" in r:
        for head in HEADS:
            a = r["accuracy"][head]
            lines.append(f"| macro-F1 on real news ({r['bench']['file']}), {head} | **{_f(a['framing']['macro_f1'])}** | "
                         f"{_f(a['baseline']['macro_f1'])} |")
            lines.append(f"| ROC-AUC on real news, {head} | {_f(a['framing']['roc_auc'])} | {_f(a['baseline']['roc_auc'])} |")
    for head in HEADS:
        cv = r["model"]["cv"].get(head, {})
        lines.append(f"| group-CV macro-F1 on the corpus, {head} | {_f(cv.get('macro_f1'))} | |")
    lines += [
        f"| sentences/s on one core, with explanations ({s['what']}, median {s['median_words']:.0f} words) | "
        f"{s['explain']['per_s']:,.0f} ({s['explain_ratio']:.2f}x the baseline) | {s['baseline']['per_s']:,.0f} |",
        f"| sentences/s without explanations | {s['no_explain']['per_s']:,.0f} ({s['no_explain_ratio']:.2f}x) | |",
        f"| `framing score --jobs 1` on {c['articles']:,} articles vs `score_documents` in-process | {c['ratio']:.2f}x the time | |",
        f"| cold start of `framing score` on one file | {r['cold_start']:.2f} s | |",
        f"| scoring file | {r['size'] / 1e6:.1f} MB | |",
    ]
    return lines


def report(r: dict[str, Any]) -> str:
    out = ["# Benchmarks", "", "_Generated by `python scripts/benchmark.py`; rerun it to check any figure._", "",
           f"Machine: {r['machine']}. Corpus: {r['corpus_n']:,} sentences. Model trained {r['model'].get('trained_at', 'n/a')}.", "",
           "## Summary", "", *readme_table(r), ""]
    if "accuracy" in r:
        bench = r["bench"]
        out += ["## Real news, per leaning", "",
                f"False-positive rates at 0.5 on `{bench['file']}` ({bench['n']} sentences), by the outlet's leaning:", "",
                "| head | model | left | center | right |", "|---|---|---|---|---|"]
        for head in HEADS:
            for name in ("framing", "baseline"):
                fpr = r["accuracy"][head][name].get("fpr", {})
                out.append(f"| {head} | {name} | {_f(fpr.get('left'))} | {_f(fpr.get('center'))} | {_f(fpr.get('right'))} |")
        m = r["accuracy"]["loaded_missed"]
        out += ["", f"Of the {m['positives']} sentences marked biased, the loaded head misses {m['n']} at 0.5; the framing head "
                f"flags {m['framing_flags']} of those ({m['framing_flags'] / max(1, m['n']):.0%}). The benchmark's annotators judge the "
                "whole sentence, so opinion and doubt-casting attribution in plain words are marked biased; our labels "
                "(`training_data/README.md`) keep those in editorial framing and out of loaded language.", ""]
    b = r["behaviour"]
    out += ["## Behaviour on the probe sets (tests/probes, written for the tests, never trained on)", "",
            f"- short neutral sentences (under 12 words) below 0.5 on both heads: {b['short_neutral_below']:.1%} of {b['n_short']}",
            f"- everyday copy far from politics (food, crafts, music, weather, listings) below 0.5 on both heads: "
            f"{b['everyday_below']:.1%} of {b['n_everyday']}",
            f"- flagged sentences that list at least one term: loaded {b['loaded_language_flagged_with_terms']:.1%} "
            f"(of {b['loaded_language_flagged_n']}), framing {b['editorial_framing_flagged_with_terms']:.1%} "
            f"(of {b['editorial_framing_flagged_n']})",
            f"- paragraph kinds: content kept {b['content_kept']:.1%}, junk caught {b['junk_caught']:.1%}"]
    if b["mirror"]:
        for head, m in b["mirror"].items():
            out.append(f"- mirror symmetry, {head}: mean |difference| {m['mean_abs_difference']:.4f} over {m['pairs']} pairs, "
                       f"{m['opposite_sides']:.1%} on opposite sides of 0.5")
    s, c = r["speed"], r["cli"]
    out += ["", "## Speed", "", f"Interleaved runs, medians; sentences: {s['what']}.", "",
            "| | sentences/s (wall) | CPU s | ratio to baseline (wall / CPU) |", "|---|---|---|---|",
            f"| baseline: word TF-IDF + LR, two heads, into a DataFrame | {s['baseline']['per_s']:,.0f} | {s['baseline']['cpu']:.2f} | 1 |",
            f"| `score_sentences` with explanations | {s['explain']['per_s']:,.0f} | {s['explain']['cpu']:.2f} | "
            f"{s['explain_ratio']:.2f} / {s['explain_ratio_cpu']:.2f} |",
            f"| `score_sentences(explain=False)` | {s['no_explain']['per_s']:,.0f} | {s['no_explain']['cpu']:.2f} | "
            f"{s['no_explain_ratio']:.2f} / {s['no_explain_ratio_cpu']:.2f} |", "",
            f"`framing score --jobs 1` on {c['articles']:,} generated articles (process start, model load, reading and writing "
            f"included): {c['cli_wall']:.1f} s against {c['lib_wall']:.1f} s for `score_documents` on the same texts in-process: "
            f"{c['ratio']:.2f}x the wall time ({c['ratio_cpu']:.2f}x CPU). Cold start on one file: {r['cold_start']:.2f} s.", ""]
    out += vector_section(r)
    out += terms_section(r)
    out += ["## The model file", "", "| | file | size | cold start of `framing score` on one file |", "|---|---|---|---|",
            f"| this version (format {FORMAT}: `.npz`, no pickle) | `{default_model_path().name}` | {r['size'] / 1e6:.2f} MB | "
            f"{r['cold_start']:.2f} s |"]
    if r.get("old"):
        o = r["old"]
        out.append(f"| before (format 4, joblib pickle; commit `{o['ref']}`) | `framing-default.joblib` | {o['size'] / 1e6:.2f} MB | "
                   f"{o['cold_start']:.2f} s |")
    out += ["", "Other benchmarks, each measuring something different: `scripts/bench_domain.py` (the shipped model beside the "
            "same pipeline trained on the benchmark's own labels), `scripts/bench_score.py` (CLI throughput with "
            "`--jobs 1/2` and peak memory on a 200 MB archive), `scripts/bench_segment.py` (segmentation time against "
            "size on adversarial input), `scripts/bench_report.py` (docs/report.md), `scripts/bench_serve.py` "
            "(docs/serve.md), `scripts/bench_dask.py` (docs/dask.md).", ""]
    return "\n".join(out)


def _retrained_table(r: dict[str, Any], other: dict[str, Any], ours: str, theirs: str) -> list[str]:
    """Per head, the shipped figures beside those of the same head retrained otherwise (``other``, from :func:`retrained`)."""
    out = [f"| head | group-CV macro-F1 {ours} / {theirs} | real-news macro-F1 {ours} / {theirs} | "
           f"real-news ROC-AUC {ours} / {theirs} |", "|---|---|---|---|"]
    for head in HEADS:
        p, cv = other[head], r["model"]["cv"][head]
        acc = r.get("accuracy", {}).get(head, {}).get("framing", {})
        out.append(f"| {head} | {_f(cv['macro_f1'])} / {_f(p['cv_macro_f1'])} | {_f(acc.get('macro_f1'))} / "
                   f"{_f(p.get('macro_f1'))} | {_f(acc.get('roc_auc'))} / {_f(p.get('roc_auc'))} |")
    return out


def vector_section(r: dict[str, Any]) -> list[str]:
    """The shipped heads beside the same heads without the dense word-vector block."""
    if not r.get("plain"):
        return []
    wv = r["model"]["training_data"]["word_vectors"]
    out = ["## The dense word-vector block", "",
           f"Each head's mean static word vector ({wv['words']:,} words x {wv['dimensions']} dimensions, "
           "distilled from all-MiniLM-L6-v2 by `scripts/distill_vectors.py`), beside the TF-IDF and lexicon features. "
           "Without it: the same heads retrained in this run with the same C and group folds.", "",
           *_retrained_table(r, r["plain"], "with", "without")]
    s = r["speed"]
    if "plain_explain" in s:
        out += ["", f"Speed without the block, same run: {s['plain_explain']['per_s']:,.0f} sentences/s with explanations, "
                f"{s['plain_no_explain']['per_s']:,.0f} without (with it: {s['explain']['per_s']:,.0f} and "
                f"{s['no_explain']['per_s']:,.0f})."]
    return [*out, ""]


def terms_section(r: dict[str, Any]) -> list[str]:
    """The shipped heads beside the same heads with (or without) a presence column per lexicon term."""
    if not r.get("terms"):
        return []
    ours, theirs = ("with", "without") if r["terms"]["shipped"] else ("without", "with")
    return ["## Per-term cue columns", "",
            "Lexicon cues always count per category, inside and outside quotations. A presence column per term lets each "
            "term learn its own weight from the corpus; without it every term weighs as its category does. "
            f"The shipped heads are {ours} those columns; {theirs} them: the same heads retrained in this run with the "
            "same C and group folds.", "",
            *_retrained_table(r, r["terms"]["other"], ours, theirs), ""]


OTHERS = ("bench_domain.py", "bench_score.py", "bench_segment.py", "bench_report.py", "bench_serve.py", "bench_dask.py")


def other_reports() -> list[str]:
    """Each other benchmark script run with its defaults, its report (stdout) verbatim under a heading."""
    out = ["## Other benchmarks", "", "Each script below was run by `scripts/benchmark.py --others` in this same session, "
           "with its defaults; its report follows verbatim.", ""]
    for name in OTHERS:
        print(f"running {name} ...", file=sys.stderr)
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, str(ROOT / "scripts" / name)], capture_output=True, text=True, cwd=ROOT)
        took = time.perf_counter() - start
        status = "" if proc.returncode == 0 else f" — exit status {proc.returncode}: {proc.stderr.strip().splitlines()[-1:]}"
        out += [f"### `scripts/{name}` ({took:.0f} s{status})", "", "```", proc.stdout.rstrip(), "```", ""]
    return out


def write_readme_table(r: dict[str, Any]) -> None:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- benchmark:start -->", "<!-- benchmark:end -->"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    block = [f"Measured by `python scripts/benchmark.py` on {r['machine']} — full tables, per-leaning error rates and "
             "the probe-set figures in [docs/benchmarks.md](docs/benchmarks.md):", "", *readme_table(r)]
    readme.write_text(f"{head}{start}\n" + "\n".join(block) + f"\n{end}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
