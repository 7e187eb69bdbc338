"""Editor's controls: allow lists, house cues, plainer alternatives, thresholds from the user's own labels."""

from __future__ import annotations

import csv
import io
import json
import math

import pandas as pd
import pyarrow.parquet as pq
import pytest

from classifier import load_model
from classifier.cli import main
from classifier.errors import InputError
from classifier.evaluate import ThresholdTarget, find_threshold, parse_target
from classifier.explain import DEFAULT_HOUSE_WEIGHT, HouseCue, read_allow, read_cues

LOADED = "The regime's thugs attacked peaceful marchers outside the ministry on Tuesday."
SINGLE = [  # sentences whose loaded score may rest on one word
    "The council's radical plan passed 5-2 on Monday.",
    "Officials said the thugs left before the police arrived.",
    "The senator slammed the proposal at a hearing on Tuesday.",
    "The agency's disastrous rollout left thousands without coverage.",
]


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_an_allowed_term_disappears_and_takes_exactly_its_weight_with_it(model):
    before = model.score_sentences([LOADED]).iloc[0]
    thugs = next(t for t in before["loaded_terms"] if t["term"] == "thugs")
    after = model.configure(allow=["thug"]).score_sentences([LOADED]).iloc[0]  # the lexicon's inflection: thug -> thugs
    assert "thugs" not in [t["term"] for t in after["loaded_terms"]]
    assert logit(before["loaded_language"]) - logit(after["loaded_language"]) == pytest.approx(thugs["weight"], abs=1e-3)


def test_a_sentence_flagged_only_by_an_allowed_term_drops_below_the_decision_point(model):
    flipped = 0
    for text in SINGLE:
        row = model.score_sentences([text]).iloc[0]
        if row["loaded_language"] < 0.5 or len(row["loaded_terms"]) != 1:
            continue
        term = row["loaded_terms"][0]
        after = model.configure(allow=[term["term"].lower()]).score_sentences([text]).iloc[0]
        assert after["loaded_terms"] == [] or term["term"] not in [t["term"] for t in after["loaded_terms"]]
        expected = 1 / (1 + math.exp(-(logit(row["loaded_language"]) - term["weight"])))
        assert after["loaded_language"] == pytest.approx(expected, abs=1e-3)
        if logit(row["loaded_language"]) - term["weight"] < 0:  # the term alone made it a flag
            assert after["loaded_language"] < 0.5
            flipped += 1
    assert flipped >= 1


def test_house_cues_add_their_weight_and_are_reported_with_their_source(model):
    text = "Lawmakers approved the budget on Tuesday."
    before = model.score_sentences([text]).iloc[0]
    tuned = model.configure(cues=[HouseCue("lawmaker", "pejorative_label", 1.5)])
    after = tuned.score_sentences([text]).iloc[0]
    assert logit(after["loaded_language"]) - logit(before["loaded_language"]) == pytest.approx(1.5, abs=1e-9)
    house = [t for t in after["loaded_terms"] if t.get("source") == "house"]
    assert house == [{"term": "Lawmakers", "start": 0, "end": 9, "weight": 1.5, "source": "house"}]
    framing = model.configure(cues=[HouseCue("approve", "doubt_casting_attribution", 2.0)]).score_sentences([text]).iloc[0]
    assert [t["device"] for t in framing["framing_terms"] if t.get("source") == "house"] == ["doubt_casting_attribution"]


def test_allow_and_cue_files_parse_and_errors_name_the_line(tmp_path):
    allow = tmp_path / "allow.txt"
    allow.write_text("# beat vocabulary\nregime  # as in tax regime\n\nStrongman\n", encoding="utf-8")
    assert read_allow(allow) == ("regime", "strongman")
    cues = tmp_path / "cues.csv"
    cues.write_text("term,category,weight\nspin doctor,pejorative_label,\nalleged,doubt_casting_attribution,1.25\n")
    assert read_cues(cues) == (HouseCue("spin doctor", "pejorative_label", DEFAULT_HOUSE_WEIGHT),
                               HouseCue("alleged", "doubt_casting_attribution", 1.25))
    for body, message in [("term,category\nx,nonsense\n", "line 2: unknown category"),
                          ("term,category,weight\nx,praise,heavy\n", "line 2: weight 'heavy' is not a number"),
                          ("term,category\n,praise\n", "line 2: empty term"),
                          ("word,kind\nx,praise\n", "line 1: the header must name"),
                          ("term,category\nok,praise\nx,praise,3,4\n", "line 3: 4 fields")]:
        cues.write_text(body)
        with pytest.raises(InputError, match=message) as err:
            read_cues(cues)
        assert str(cues) in str(err.value) and "\n" not in str(err.value)


def test_cli_bad_cue_file_is_one_line_rc_2_and_empty_allow_list_changes_nothing(tmp_path, capsys):
    article = tmp_path / "a.txt"
    article.write_text(LOADED + "\n\nThe committee meets again on Friday.\n", encoding="utf-8")
    bad = tmp_path / "cues.csv"
    bad.write_text("term,category\nspin,not-a-category\n")
    assert main(["score", str(article), "--cues", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{bad}: line 2" in err[0]
    empty = tmp_path / "allow.txt"
    empty.write_text("# nothing allowed yet\n")
    outputs = []
    for extra in ([], ["--allow", str(empty)]):
        assert main(["score", str(article), "--format", "jsonl", *extra]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]


def test_alternatives_in_every_output_format(tmp_path, capsys):
    article = tmp_path / "a.txt"
    article.write_text(LOADED + "\n", encoding="utf-8")
    got = {}
    for fmt in ("jsonl", "csv", "parquet"):
        out = tmp_path / f"o.{fmt}"
        assert main(["score", str(article), "-o", str(out)]) == 0
        if fmt == "jsonl":
            got[fmt] = json.loads(out.read_text().splitlines()[0])["loaded_terms"]
        elif fmt == "csv":
            got[fmt] = json.loads(next(csv.DictReader(io.StringIO(out.read_text())))["loaded_terms"])
        else:
            got[fmt] = [{k: v for k, v in t.items() if v is not None} for t in pq.read_table(out).column("loaded_terms")[0].as_py()]
    assert got["jsonl"] == got["csv"] == got["parquet"]
    assert any(t.get("alternative") for t in got["jsonl"])
    capsys.readouterr()
    assert main(["score", str(article), "--format", "table", "--alternatives"]) == 0
    assert "→" in capsys.readouterr().out


@pytest.fixture()
def labelled(tmp_path, corpus_rows):
    """A user's labelled file: 400 corpus sentences with a tenth of the labels flipped (deterministic)."""
    import random

    rng = random.Random(1)
    rows = corpus_rows[:400]
    path = tmp_path / "mine.csv"
    pd.DataFrame({"text": [r["text"] for r in rows],
                  "loaded_language": [r["loaded_language"] if rng.random() > 0.1 else 1 - r["loaded_language"] for r in rows],
                  }).to_csv(path, index=False)
    return path


def test_find_threshold_meets_the_target_with_a_bootstrap_interval():
    import numpy as np

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    p = np.clip(y * 0.3 + rng.random(500) * 0.7, 0, 1)
    for target in (ThresholdTarget("precision", 0.9), ThresholdTarget("recall", 0.8), ThresholdTarget("f1")):
        r = find_threshold(y, p, target, n_boot=200)
        pred = p >= r["threshold"]
        precision, recall = (pred & (y == 1)).sum() / pred.sum(), (pred & (y == 1)).sum() / y.sum()
        assert r["precision"] == pytest.approx(precision) and r["recall"] == pytest.approx(recall)
        if target.metric == "precision":
            assert precision >= 0.9
            assert not any((p >= t).sum() and ((p >= t) & (y == 1)).sum() / (p >= t).sum() >= 0.9 for t in p[p < r["threshold"]])
        if target.metric == "recall":
            assert recall >= 0.8
        lo, hi = r["interval"]
        assert lo <= r["threshold"] <= hi or r["unmet"] > 0
    assert find_threshold([0, 0, 0], [0.2, 0.5, 0.9], ThresholdTarget("precision", 0.9))["threshold"] is None
    with pytest.raises(InputError):
        parse_target("precision=2")


def test_find_and_save_threshold_round_trip_through_score(tmp_path, labelled, capsys):
    out = tmp_path / "tuned.npz"
    assert main(["evaluate", "--data", str(labelled), "--find-threshold", "precision=0.9", "--save-threshold", str(out),
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    t = report["thresholds"]["loaded_language"]
    assert t["precision"] >= 0.9 and len(t["interval"]) == 2
    tuned = load_model(out)
    assert tuned.decision_points["loaded_language"] == pytest.approx(t["threshold"])
    texts = pd.read_csv(labelled)["text"].tolist()
    articles = tmp_path / "a.jsonl"
    articles.write_text("".join(json.dumps({"text": x}) + "\n" for x in texts), encoding="utf-8")
    assert main(["score", str(articles), "--model", str(out), "--flagged", "--format", "jsonl", "--no-text"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    scores = tuned.score_sentences(texts, explain=False)
    expected = {i + 1 for i in range(len(texts))
                if scores["loaded_language"][i] >= t["threshold"] or scores["editorial_framing"][i] >= 0.5}
    assert {int(r["doc"].rsplit(":", 1)[1]) for r in rows} == expected
    assert all(r["loaded_terms"] or r["editorial_framing"] >= 0.5 for r in rows)
