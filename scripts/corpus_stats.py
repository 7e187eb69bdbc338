#!/usr/bin/env python3
"""Statistics of the training corpus as Markdown tables (the datasheet's numbers).

    python scripts/corpus_stats.py           # print the tables
    python scripts/corpus_stats.py --write   # refresh them in training_data/README.md

The datasheet keeps its tables between ``<!-- stats:start -->`` and ``<!-- stats:end -->``;
tests/test_datasheet.py checks that they match the corpus.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "training_data"
START, END = "<!-- stats:start -->", "<!-- stats:end -->"


def _table(title: str, counts: Counter | pd.Series, total: int | None = None) -> list[str]:
    items = counts.most_common() if isinstance(counts, Counter) else list(counts.items())
    lines = [f"| {title} | sentences |" + (" share |" if total else ""), "|---|---|" + ("---|" if total else "")]
    for k, v in items:
        lines.append(f"| {k} | {v} |" + (f" {v / total:.1%} |" if total else ""))
    return [*lines, ""]


def stats_markdown() -> str:
    """The datasheet's statistics section, computed from training_data/."""
    d = pd.read_json(DATA / "sentences.jsonl", lines=True, dtype=False)
    n = len(d)
    words = d["text"].map(lambda t: len(re.findall(r"[a-z0-9']+", t.lower())))
    members = d.dropna(subset=["pair_id"]).groupby("pair_id")
    loaded_pairs = sum(1 for _, g in members if g["loaded_language"].sum() == 1)
    framing_pairs = sum(1 for _, g in members if g["loaded_language"].sum() == 0)
    with open(DATA / "lexicon.csv", encoding="utf-8", newline="") as fh:
        lexicon = list(csv.DictReader(fh))
    out = [
        f"- sentences: **{n}**; topics: **{d['topic'].nunique()}**; registers: {d['register'].nunique()}",
        f"- minimal pairs: **{loaded_pairs + framing_pairs}** ({loaded_pairs} loaded/neutral, {framing_pairs} framing-only/neutral)",
        f"- hard cases: **{int(d['hard_case'].notna().sum())}**",
        f"- lexicon: **{len(lexicon)}** terms and cues",
        f"- words per sentence: median {words.median():.0f}, 10th percentile {words.quantile(.1):.0f}, 90th {words.quantile(.9):.0f}",
        "",
        "| loaded_language \\ editorial_framing | 0 | 1 | total |",
        "|---|---|---|---|",
    ]
    ct = pd.crosstab(d["loaded_language"], d["editorial_framing"])
    for lv in (0, 1):
        row = [int(ct.loc[lv, fv]) if lv in ct.index and fv in ct.columns else 0 for fv in (0, 1)]
        out.append(f"| {lv} | {row[0]} | {row[1]} | {sum(row)} |")
    out.append(f"| total | {int((d['editorial_framing'] == 0).sum())} | {int(d['editorial_framing'].sum())} | {n} |")
    out.append("")
    out += _table("hard case", Counter(d["hard_case"].dropna()), n)
    out += _table("slant (loaded sentences)", Counter(d.loc[d["loaded_language"] == 1, "slant"]))
    out += _table("register", Counter(d["register"]), n)
    out += _table("framing device", Counter(x for devs in d["framing_devices"] for x in devs))
    topic = d.groupby("topic").agg(sentences=("text", "size"), loaded=("loaded_language", "mean"), framing=("editorial_framing", "mean"))
    out += ["| topic | sentences | loaded share | framing share |", "|---|---|---|---|"]
    for t, r in topic.sort_values("sentences", ascending=False).iterrows():
        out.append(f"| {t} | {r.sentences} | {r.loaded:.2f} | {r.framing:.2f} |")
    out += ["", "| lexicon category | terms |", "|---|---|"]
    for c, k in Counter(r["category"] for r in lexicon).most_common():
        out.append(f"| {c} | {k} |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="refresh the tables in training_data/README.md")
    args = ap.parse_args()
    tables = stats_markdown()
    if not args.write:
        print(tables)
        return
    readme = DATA / "README.md"
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        sys.exit(f"{readme}: no {START} ... {END} block to refresh")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{tables}\n{END}{tail}", encoding="utf-8")
    print(f"refreshed {readme}", file=sys.stderr)


if __name__ == "__main__":
    main()
