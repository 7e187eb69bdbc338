#!/usr/bin/env python3
"""Check corpus files before they join ``training_data/``: schema, labels, pairs, duplicates, names, register.

    python scripts/check_corpus.py NEW.jsonl [MORE.jsonl ...]          # check new files against the corpus
    python scripts/check_corpus.py --profile-only training_data/sentences.jsonl

Prints one line per problem (file:line: id: reason), then the files' register profile: for each of
the surface features real news copy has, the share of sentences with it and the loaded rate among
them, beside the target range for new copy. Exit status 1 when any record has a problem.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import statistics
import sys
from pathlib import Path

from classifier.corpus import CORPUS_FIELDS, DEVICES, HARD_CASE_LABELS, REGISTERS, SLANTS

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "training_data"

FIELDS = CORPUS_FIELDS
HARD_CASES = set(HARD_CASE_LABELS)
TOPICS = {
    "abortion", "africa", "agriculture_food", "asia_pacific", "business", "china", "climate", "courts", "crime",
    "culture", "disasters", "domestic_politics", "drugs_addiction", "economy", "education", "elections", "energy",
    "environment", "europe", "extremism_terrorism", "free_speech", "gender", "guns", "healthcare", "housing",
    "immigration", "labour", "latin_america", "lgbtq_rights", "local_government", "media", "middle_east", "military",
    "race_policing", "religion", "russia_ukraine", "science", "sports", "taxes", "tech_platforms", "trade_tariffs",
    "vaccines_public_health", "welfare_social_security",
    # era and topic gaps (round 6)
    "covid_pandemic", "racial_justice_protests", "trump_first_term", "impeachment", "election_2020", "islam",
    "white_nationalism", "marriage_equality", "student_debt", "metoo", "medicare_for_all", "green_new_deal",
    "middle_class",
}

# Surface features of real news copy (the same definitions as ../shared/tools/corpus-report), with the range
# new copy should land in so that the whole corpus moves toward real news: (share low, share high) and the
# loaded rate wanted among sentences with the feature (None: free).
PROFILE = [
    ("contains a digit", lambda t: bool(re.search(r"\d", t)), (0.10, 0.22), None),
    ("contains 'said'/'says'", lambda t: bool(re.search(r"\b(said|says)\b", t, re.I)), (0.05, 0.11), (0.25, 0.5)),
    ("contains 'according to'", lambda t: "according to" in t.lower(), (0.0, 0.02), None),
    ("contains a dash (em/en)", lambda t: "\u2014" in t or "\u2013" in t or " - " in t, (0.09, 0.15), None),
    ("contains parentheses", lambda t: "(" in t, (0.05, 0.08), None),
    ("starts with a pronoun or connector",
     lambda t: bool(re.match(r"\W*(he|she|it|they|this|that|these|those|but|and|so|yet|still|meanwhile|however|instead)\b",
                             t, re.I)), (0.11, 0.18), None),
    ("first person (I/we/our)", lambda t: bool(re.search(r"\b(I|we|our|us|my)\b", t)), (0.06, 0.10), (0.6, 0.95)),
    ("starts with a quotation mark", lambda t: t.lstrip()[:1] in "\"\u201c'\u2018", (0.0, 0.01), None),
    ("contains a quotation mark", lambda t: bool(re.search("[\"\u201c\u201d]", t)), (0.12, 0.20), (0.45, 0.7)),
    ("ends with a question mark", lambda t: t.rstrip().rstrip("\"\u201d'").endswith("?"), (0.01, 0.03), (0.75, 1.0)),
    ("under 20 words", lambda t: len(_words(t)) < 20, (0.15, 0.22), (0.45, 0.7)),
    ("50 words or more", lambda t: len(_words(t)) >= 50, (0.09, 0.14), (0.55, 0.75)),
]

REAL_NAMES_FILE = DATA / "real_names.txt"


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


def _shingles(text: str) -> set[str]:
    w = _words(text)
    return {" ".join(w[i:i + 5]) for i in range(len(w) - 4)}


def real_names() -> list[str]:
    """Surnames (or full names) of real public figures the corpus mentions, one per line in real_names.txt."""
    if not REAL_NAMES_FILE.exists():
        return []
    lines = REAL_NAMES_FILE.read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def names_in(text: str, names: list[str]) -> list[str]:
    return [n for n in names if re.search(r"(?<![\w-])" + re.escape(n) + r"(?![\w-])", text)]


def read_records(path: Path) -> list[tuple[int, dict]]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as exc:
            out.append((n, {"_error": f"malformed JSON ({exc})"}))
            continue
        out.append((n, rec))
    return out


def check_record(rec: dict) -> list[str]:
    problems = []
    missing = [f for f in FIELDS if f not in rec]
    if missing:
        return [f"missing field(s) {', '.join(missing)}"]
    text = rec["text"]
    if not isinstance(text, str) or not text.strip() or text != text.strip():
        problems.append("text must be a non-empty string without surrounding whitespace")
        return problems
    if "  " in text or "\n" in text:
        problems.append("text has a double space or a newline")
    ll, ef = rec["loaded_language"], rec["editorial_framing"]
    if ll not in (0, 1) or ef not in (0, 1):
        problems.append("labels must be 0 or 1")
        return problems
    terms = rec["loaded_terms"]
    if not isinstance(terms, list) or not all(isinstance(t, str) and t for t in terms):
        problems.append("loaded_terms must be a list of strings")
    else:
        for t in terms:
            if t not in text:
                problems.append(f"loaded term {t!r} is not a substring of the text")
        if bool(terms) != bool(ll):
            problems.append("loaded_terms must be non-empty exactly when loaded_language is 1")
    devices = rec["framing_devices"]
    if not isinstance(devices, list) or not set(devices) <= DEVICES:
        problems.append(f"framing_devices must be a list from {sorted(DEVICES)}")
    elif bool(devices) != bool(ll or ef):
        problems.append("framing_devices must be non-empty exactly when a label is 1")
    if rec["topic"] not in TOPICS:
        problems.append(f"unknown topic {rec['topic']!r}")
    if rec["register"] not in REGISTERS:
        problems.append(f"unknown register {rec['register']!r}")
    if rec["slant"] not in SLANTS:
        problems.append(f"unknown slant {rec['slant']!r}")
    elif not (ll or ef) and rec["slant"] != "none":
        problems.append("slant must be 'none' when both labels are 0")
    elif ll and rec["slant"] == "none":
        problems.append("a loaded sentence needs a slant (whose side the charged wording attacks)")
    hc = rec["hard_case"]
    if hc is not None:
        if hc not in HARD_CASES:
            problems.append(f"unknown hard_case {hc!r}")
        else:
            want = HARD_CASE_LABELS.get(hc)
            if want and any(w is not None and w != got for w, got in zip(want, (ll, ef))):
                problems.append(f"hard_case {hc} needs labels {want} (None = free), got {(ll, ef)}")
    n = len(_words(text))
    if n < 3 or n > 90:
        problems.append(f"{n} words (3 to 90 allowed)")
    return problems


def load_existing(exclude: set[Path]) -> list[dict]:
    rows = []
    for path in sorted(DATA.glob("*.jsonl")):
        if path.resolve() in exclude:
            continue
        rows += [r for _, r in read_records(path) if "_error" not in r]
    return rows


def profile(records: list[dict], targets: bool = True) -> list[str]:
    lines = []
    n = len(records)
    if not n:
        return ["(no records)"]
    lengths = [len(_words(r["text"])) for r in records]
    loaded = sum(r["loaded_language"] for r in records)
    framed = sum(r["editorial_framing"] for r in records)
    lines.append(f"{n} sentences; loaded {loaded / n:.1%}, framing {framed / n:.1%}; words median "
                 f"{statistics.median(lengths):.0f}, sd {statistics.pstdev(lengths):.1f} (new copy: median 30-34, sd >= 11)")
    single = [r for r in records if r["loaded_language"] and len(r["loaded_terms"]) == 1]
    if loaded:
        lines.append(f"loaded by a single term: {len(single) / loaded:.0%} of loaded sentences (want >= 35%)")
    lines.append(f"  {'feature':38s} {'share':>7s} {'target':>13s}   {'loaded rate':>11s} {'target':>11s}")
    for name, f, (lo, hi), want in PROFILE:
        hits = [r for r in records if f(r["text"])]
        share = len(hits) / n
        rate = sum(r["loaded_language"] for r in hits) / len(hits) if hits else float("nan")
        flag = "" if lo <= share <= hi else "  <- share off target"
        rate_s = f"{rate:11.2f}" if hits else f"{'-':>11s}"
        want_s = f"{want[0]:.2f}-{want[1]:.2f}" if want else "free"
        if want and hits and len(hits) >= 10 and not want[0] <= rate <= want[1]:
            flag += "  <- loaded rate off target"
        tgt = f"{lo:.0%}-{hi:.0%}" if targets else ""
        lines.append(f"  {name:38s} {share:7.1%} {tgt:>13s}   {rate_s} {want_s:>11s}{flag}")
    opens = collections.Counter(" ".join(_words(r["text"])[:2]) for r in records)
    common = [f"{c}x {o!r}" for o, c in opens.most_common(6) if c >= max(4, n // 100)]
    if common:
        lines.append("most repeated openings (vary them): " + ", ".join(common))
    grams: collections.Counter[str] = collections.Counter()
    for r in records:
        grams.update(_shingles(r["text"]))
    rep = [f"{c}x {g!r}" for g, c in grams.most_common(6) if c >= max(4, n // 150)]
    if rep:
        lines.append("most repeated 5-word sequences (vary them): " + ", ".join(rep))
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--profile-only", action="store_true", help="print the register profile, no checks")
    args = ap.parse_args(argv)
    records: list[tuple[Path, int, dict]] = []
    for path in args.files:
        records += [(path, n, r) for n, r in read_records(path)]
    good = [r for _, _, r in records if "_error" not in r]
    if args.profile_only:
        print("\n".join(profile(good, targets=False)))
        return 0
    problems: list[str] = []

    def report(path: Path, line: int, rec: dict, msg: str) -> None:
        problems.append(f"{path}:{line}: {rec.get('id', '?')}: {msg}")

    existing = load_existing({p.resolve() for p in args.files})
    ids = collections.Counter(r.get("id") for r in existing)
    names = real_names()
    for path, line, rec in records:
        if "_error" in rec:
            report(path, line, rec, rec["_error"])
            continue
        for msg in check_record(rec):
            report(path, line, rec, msg)
        ids[rec.get("id")] += 1
        if rec.get("hard_case") == "quoted_loaded" and names_in(rec.get("text", ""), names):
            report(path, line, rec, f"quoted_loaded sentence names a real person ({', '.join(names_in(rec['text'], names))}); "
                                    "invented charged quotes go only to invented people")
    for path, line, rec in records:
        if "_error" not in rec and ids[rec.get("id")] > 1:
            report(path, line, rec, "duplicate id")
    # pairs: two members, one marked, one neutral, one topic
    by_pair: dict[str, list[tuple[Path, int, dict]]] = collections.defaultdict(list)
    for item in records:
        if "_error" not in item[2] and item[2].get("pair_id"):
            by_pair[item[2]["pair_id"]].append(item)
    old_pairs = {r.get("pair_id") for r in existing if r.get("pair_id")}
    for pid, members in by_pair.items():
        path, line, rec = members[0]
        if pid in old_pairs:
            report(path, line, rec, f"pair_id {pid} is already used in training_data/")
            continue
        if len(members) != 2:
            report(path, line, rec, f"pair {pid} has {len(members)} members (2 needed)")
            continue
        marked = [bool(m[2]["loaded_language"] or m[2]["editorial_framing"]) for m in members]
        if sum(marked) != 1:
            report(path, line, rec, f"pair {pid} needs one marked and one neutral member")
        if members[0][2]["topic"] != members[1][2]["topic"]:
            report(path, line, rec, f"pair {pid} members have different topics")
    # exact and near duplicates, within the new files and against the corpus
    pool = [(None, 0, r) for r in existing] + [(p, ln, r) for p, ln, r in records if "_error" not in r]
    norm: dict[str, int] = {}
    index: dict[str, list[int]] = collections.defaultdict(list)
    shingles = [_shingles(r["text"]) if isinstance(r.get("text"), str) else set() for _, _, r in pool]
    for i, sh in enumerate(shingles):
        for s in sh:
            index[s].append(i)
    first_new = len(existing)
    for i in range(first_new, len(pool)):
        path, line, rec = pool[i]
        key = " ".join(_words(rec.get("text", "")))
        if key in norm:
            report(path, line, rec, f"duplicate of {pool[norm[key]][2].get('id')}")
        norm.setdefault(key, i)
        shared = collections.Counter(j for s in shingles[i] for j in index[s] if j != i)
        for j, c in shared.items():
            if j > i or j < first_new:  # each new pair once, every old record
                other = pool[j][2]
                if rec.get("pair_id") and rec.get("pair_id") == other.get("pair_id"):
                    continue
                if c / len(shingles[i] | shingles[j]) > 0.5:
                    report(path, line, rec, f"near duplicate of {other.get('id')} (share most 5-word sequences)")
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s) in {len(records)} record(s)")
    print("\n".join(profile(good)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
