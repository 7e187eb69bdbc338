#!/usr/bin/env python3
"""Statistics of the training corpus as Markdown tables (the datasheet's numbers).

    python scripts/corpus_stats.py           # print the tables
    python scripts/corpus_stats.py --write   # refresh them in training_data/README.md and lexicon_precision.csv

The datasheet keeps its tables between ``<!-- stats:start -->`` and ``<!-- stats:end -->``;
tests/test_datasheet.py checks that they match the corpus. Besides counts, the block holds the
corpus's register profile beside real news (the same surface features and "far from news" rule as
``../shared/tools/corpus-report``; the real-news column is that tool's figures for the shared BABE
half, copied here as constants so no benchmark row is needed) and the lexicon's precision and
coverage on the corpus, with one precision per term written to ``training_data/lexicon_precision.csv``.
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


def _words(t: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", t.lower())


# Surface features of news copy: (name, test, share in real news, loaded rate among them in real news).
# The real-news figures are corpus-report's for the shared BABE half (1,836 sentences).
PROFILE = [
    ("contains a digit", lambda t: bool(re.search(r"\d", t)), 0.218, 0.30),
    ("contains 'said'/'says'", lambda t: bool(re.search(r"\b(said|says)\b", t, re.I)), 0.095, 0.14),
    ("contains 'according to'", lambda t: "according to" in t.lower(), 0.023, 0.19),
    ("contains a dash (em/en)", lambda t: "\u2014" in t or "\u2013" in t or " - " in t, 0.083, 0.59),
    ("contains parentheses", lambda t: "(" in t, 0.038, 0.57),
    ("starts with a pronoun or connector", lambda t: bool(re.match(
        r"\W*(he|she|it|they|this|that|these|those|but|and|so|yet|still|meanwhile|however|instead)\b", t, re.I)), 0.102, 0.67),
    ("first person (I/we/our)", lambda t: bool(re.search(r"\b(I|we|our|us|my)\b", t)), 0.062, 0.82),
    ("starts with a quotation mark", lambda t: t.lstrip()[:1] in "\"\u201c'\u2018", 0.003, 0.00),
    ("contains a quotation mark", lambda t: bool(re.search("[\"\u201c\u201d]", t)), 0.142, 0.55),
    ("ends with a question mark", lambda t: t.rstrip().rstrip("\"\u201d'").endswith("?"), 0.008, 0.86),
    ("under 20 words", lambda t: len(_words(t)) < 20, 0.137, 0.63),
    ("50 words or more", lambda t: len(_words(t)) >= 50, 0.074, 0.66),
]
NEWS_SENTENCES = 1836


def register_profile(d: pd.DataFrame) -> list[dict]:
    """Per surface feature: corpus share and loaded rate beside real news, and whether it is far from news."""
    rows = []
    for name, f, news_share, news_rate in PROFILE:
        hit = d["text"].map(f)
        share = float(hit.mean())
        rate = float(d.loc[hit, "loaded_language"].mean()) if hit.any() else float("nan")
        far_share = abs(share - news_share) > max(0.03, 0.5 * news_share)
        far_rate = hit.sum() >= 15 and news_share * NEWS_SENTENCES >= 15 and abs(rate - news_rate) > 0.25
        rows.append({"feature": name, "share": share, "news_share": news_share, "rate": rate, "news_rate": news_rate,
                     "far": bool(far_share or far_rate)})
    return rows


def lexicon_precision(d: pd.DataFrame) -> pd.DataFrame:
    """Per lexicon term: sentences where it matches (any inflection) and the share of them labelled loaded."""
    from classifier.lexicon import Lexicon, read_lexicon
    from classifier.words import tokenize

    lex = Lexicon(read_lexicon(DATA / "lexicon.csv"))
    hits: dict[str, list[int]] = {}
    for text, label in zip(d["text"], d["loaded_language"]):
        for term in {e.term for _, _, e in lex.find(tokenize(text))}:
            hits.setdefault(term, []).append(int(label))
    rows = [{"term": e.term, "category": e.category, "sentences": len(hits.get(e.term, [])),
             "precision": round(sum(hits[e.term]) / len(hits[e.term]), 3) if e.term in hits else None} for e in lex.entries]
    return pd.DataFrame(rows)


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
    out += ["", *_profile_markdown(d), "", *_lexicon_markdown(d)]
    return "\n".join(out)


def _profile_markdown(d: pd.DataFrame) -> list[str]:
    prof = register_profile(d)
    words = d["text"].map(lambda t: len(_words(t)))
    loaded = d[d["loaded_language"] == 1]
    single = loaded["loaded_terms"].map(len).eq(1).mean()
    out = ["Register profile beside real news (share of sentences with the feature; loaded rate among them; a feature "
           "is *far* when the shares differ by more than max(3 points, half the news share), or the loaded rates by more "
           "than 0.25):", "",
           "| feature | corpus share | news share | corpus loaded rate | news loaded rate | far from news |",
           "|---|---|---|---|---|---|"]
    for r in prof:
        out.append(f"| {r['feature']} | {r['share']:.1%} | {r['news_share']:.1%} | {r['rate']:.2f} | {r['news_rate']:.2f} | "
                   f"{'yes' if r['far'] else 'no'} |")
    out += ["", f"- features far from news: **{sum(r['far'] for r in prof)} of {len(prof)}**",
            f"- words per sentence: median **{words.median():.0f}**, standard deviation **{words.std():.1f}** "
            "(real news: median 32, sd 11.8)",
            f"- loaded sentences loaded by a single marked term: **{single:.0%}**"]
    return out


def _lexicon_markdown(d: pd.DataFrame) -> list[str]:
    prec = lexicon_precision(d)
    seen = prec[prec["sentences"] >= 5]
    core = seen[seen["category"] != "context"]
    out = ["Lexicon precision and coverage on this corpus (precision: share of the sentences where a term matches "
           "that are labelled loaded; per term in `lexicon_precision.csv`):", "",
           f"- terms matched at least once: {int((prec['sentences'] > 0).sum())} of {len(prec)}; at least 5 times: {len(seen)}",
           f"- median precision of terms matched 5+ times: {core['precision'].median():.2f} outside the context category, "
           f"{seen.loc[seen['category'] == 'context', 'precision'].median():.2f} for context terms",
           f"- terms outside the context category matched 5+ times with precision under 0.5: "
           f"{int((core['precision'] < 0.5).sum())}"]
    from classifier.lexicon import Lexicon, read_lexicon
    from classifier.words import tokenize

    lex = Lexicon([e for e in read_lexicon(DATA / "lexicon.csv") if e.category != "context"])
    has = d["text"].map(lambda t: bool(lex.find(tokenize(t))))
    out += [f"- coverage: a non-context cue occurs in {has[d['loaded_language'] == 1].mean():.0%} of loaded sentences and "
            f"{has[(d['loaded_language'] == 0) & (d['editorial_framing'] == 0)].mean():.0%} of neutral ones"]
    return out


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
    d = pd.read_json(DATA / "sentences.jsonl", lines=True, dtype=False)
    lexicon_precision(d).to_csv(DATA / "lexicon_precision.csv", index=False)
    print(f"refreshed {readme} and {DATA / 'lexicon_precision.csv'}", file=sys.stderr)


if __name__ == "__main__":
    main()
