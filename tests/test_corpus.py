"""The training corpus and lexicon: schema, labels, minimums, balance, duplicates, no benchmark leakage."""

from __future__ import annotations

import collections
import csv
import re
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "training_data"

DEVICES = {
    "pejorative_label", "evaluative_modifier", "intensifier_hyperbole", "loaded_verb", "doubt_casting_attribution",
    "scare_quotes", "presupposition", "motive_speculation", "unattributed_opinion", "rhetorical_question",
    "loaded_metaphor", "selective_juxtaposition", "sarcasm",
}
REGISTERS = {"wire", "broadsheet", "tabloid", "partisan_left", "partisan_right", "opinion", "press_release", "local",
             "broadcast", "magazine"}
SLANTS = {"against_left", "against_right", "against_other", "none"}
HARD_CASES = {"quoted_loaded", "charged_topic_neutral", "literal_strong_word", "neutral_attribution",
              "doubt_attribution", "subtle_framing"}
LEXICON_CATEGORIES = {"pejorative_label", "evaluative_modifier", "intensifier_hyperbole", "loaded_verb",
                      "doubt_casting_attribution", "scare_quote_cue", "presupposition", "motive_speculation",
                      "loaded_metaphor", "sarcasm", "selective_juxtaposition", "praise"}


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    return pd.read_json(DATA / "sentences.jsonl", lines=True, dtype=False)


def test_schema_and_values(corpus):
    expected = {"id", "text", "loaded_language", "editorial_framing", "loaded_terms", "framing_devices", "topic",
                "register", "slant", "pair_id", "hard_case"}
    assert expected <= set(corpus.columns)
    assert corpus["id"].is_unique
    assert set(corpus["loaded_language"]) == {0, 1} and set(corpus["editorial_framing"]) == {0, 1}
    assert set(corpus["register"]) <= REGISTERS
    assert set(corpus["slant"]) <= SLANTS
    assert set(corpus["hard_case"].dropna()) <= HARD_CASES
    for devices in corpus["framing_devices"]:
        assert set(devices) <= DEVICES


def test_loaded_terms_are_substrings_and_labels_are_explained(corpus):
    for row in corpus.itertuples():
        for term in row.loaded_terms:
            assert term in row.text, (row.id, term)
        assert bool(row.loaded_terms) == bool(row.loaded_language), row.id
        marked = row.loaded_language or row.editorial_framing
        assert bool(row.framing_devices) == bool(marked), row.id


def test_minimums_hold(corpus):
    assert len(corpus) >= 4000
    assert corpus["topic"].nunique() >= 35
    members = corpus.dropna(subset=["pair_id"]).groupby("pair_id")
    loaded_pairs = sum(1 for _, g in members if len(g) == 2 and g["loaded_language"].sum() == 1)
    assert loaded_pairs >= 1500
    assert corpus["hard_case"].notna().sum() >= 600


def test_pairs_have_one_marked_and_one_neutral_member_on_one_topic(corpus):
    for pid, g in corpus.dropna(subset=["pair_id"]).groupby("pair_id"):
        assert len(g) == 2, pid
        marked = (g["loaded_language"] | g["editorial_framing"]).astype(bool)
        assert marked.sum() == 1, pid
        assert g["topic"].nunique() == 1, pid


def test_hard_case_labels_match_their_kind(corpus):
    rules = {
        "quoted_loaded": (1, 0), "charged_topic_neutral": (0, 0), "literal_strong_word": (0, 0),
        "neutral_attribution": (0, 0),
    }
    for row in corpus.dropna(subset=["hard_case"]).itertuples():
        if row.hard_case in rules:
            assert (row.loaded_language, row.editorial_framing) == rules[row.hard_case], row.id
        else:
            assert row.editorial_framing == 1, row.id


def test_balance(corpus):
    for head in ("loaded_language", "editorial_framing"):
        assert 0.35 <= corpus[head].mean() <= 0.65, head
        per_topic = corpus.groupby("topic")[head].mean()
        assert per_topic.between(0.2, 0.8).all(), per_topic[~per_topic.between(0.2, 0.8)]
        per_register = corpus.groupby("register")[head].mean()
        assert per_register.between(0.15, 0.85).all(), per_register[~per_register.between(0.15, 0.85)]
    slant = corpus.loc[corpus["loaded_language"] == 1, "slant"].value_counts()
    assert 0.8 <= slant["against_left"] / slant["against_right"] <= 1.25


def test_realistic_lengths(corpus):
    lengths = corpus["text"].map(lambda t: len(words(t)))
    assert 24 <= lengths.median() <= 40
    assert lengths.min() >= 6 and lengths.max() <= 70


def test_no_exact_or_near_duplicates(corpus):
    norm = corpus["text"].map(lambda t: " ".join(words(t)))
    assert not norm.duplicated().any(), corpus.loc[norm.duplicated(), "id"].tolist()
    shingles = [{" ".join(w[i:i + 5]) for i in range(len(w) - 4)} for w in map(words, corpus["text"])]
    pairs = corpus["pair_id"].tolist()
    index = collections.defaultdict(list)
    for i, sh in enumerate(shingles):
        for s in sh:
            index[s].append(i)
    near = []
    for i, sh in enumerate(shingles):
        shared = collections.Counter(j for s in sh for j in index[s] if j > i)
        for j, c in shared.items():
            if pairs[i] and pairs[i] == pairs[j]:
                continue  # minimal pairs share most words by design
            if c / len(sh | shingles[j]) > 0.5:
                near.append((corpus["id"].iat[i], corpus["id"].iat[j]))
    assert not near, near[:10]


def test_no_eight_word_sequence_from_the_benchmark(corpus, benchmark_path):
    bench = pd.read_csv(benchmark_path)
    grams = set()
    for text in bench["text"].astype(str):
        w = words(text)
        grams.update(" ".join(w[i:i + 8]) for i in range(len(w) - 7))
    leaks = []
    for row in corpus.itertuples():
        w = words(row.text)
        hits = [" ".join(w[i:i + 8]) for i in range(len(w) - 7) if " ".join(w[i:i + 8]) in grams]
        if hits:
            leaks.append((row.id, hits[0]))
    assert not leaks, leaks[:10]


def test_lexicon():
    with open(DATA / "lexicon.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 800
    terms = [r["term"] for r in rows]
    assert len({t.lower() for t in terms}) == len(terms)
    assert {r["category"] for r in rows} <= LEXICON_CATEGORIES
    for t in terms:
        assert t == t.lower().strip() and 1 <= len(t.split()) <= 4, t
