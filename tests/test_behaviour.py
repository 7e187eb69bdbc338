"""The shipped model on probe sets written for the tests (tests/probes, never trained on): how a reader sees it.

- short neutral sentences (facts, datelines, quoted replies, fragments) stay below 0.5;
- a flagged sentence has words to show for it;
- mirrored sentences (sides swapped) score alike;
- the quotation and framing cases of real articles.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifier.card import mirror_symmetry

PROBES = Path(__file__).resolve().parent / "probes"


def rows(name: str) -> list[dict]:
    return [json.loads(x) for x in (PROBES / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]


def test_short_neutral_sentences_stay_below_the_decision_point(model):
    probes = rows("short_neutral")
    assert len(probes) >= 200 and all(len(r["text"].split()) < 12 for r in probes)
    assert {r["kind"] for r in probes} >= {"fact", "dateline", "reply", "fragment"}
    scores = model.score_sentences([r["text"] for r in probes])
    below = (scores["loaded_language"] < 0.5) & (scores["editorial_framing"] < 0.5)
    assert below.mean() >= 0.97, scores.loc[~below, ["text", "loaded_language", "editorial_framing"]].to_string()


def test_a_flagged_sentence_lists_the_words_that_flagged_it(model):
    probes = rows("flagged")
    assert len(probes) >= 300
    scores = model.score_sentences([r["text"] for r in probes])
    for head, column in (("loaded_language", "loaded_terms"), ("editorial_framing", "framing_terms")):
        flagged = scores[scores[head] >= 0.5]
        assert len(flagged) >= 150, head
        with_terms = flagged[column].map(len) > 0
        assert with_terms.mean() >= 0.95, (head, flagged.loc[~with_terms, "text"].tolist()[:10])


def test_the_reported_cases_have_something_to_blame_or_stay_low(model):
    cases = ["The president is preparing for it.", "The meeting is on Friday.", "Just one short para.",
             "It rained on Tuesday.", "a", "We are preparing for this visit; the president is preparing for it."]
    scores = model.score_sentences(cases)
    for row in scores.to_dict("records"):
        for head, column in (("loaded_language", "loaded_terms"), ("editorial_framing", "framing_terms")):
            assert row[head] < 0.5 or row[column], (row["text"], head, row[head])


def test_mirrored_sentences_score_alike(model):
    probes = rows("mirror_pairs")
    assert len(probes) >= 150
    assert {r["axis"] for r in probes} >= {"party", "ideology", "figure"}
    sym = mirror_symmetry(model, PROBES / "mirror_pairs.jsonl")
    for head, m in sym.items():
        assert m["mean_abs_difference"] <= 0.05, (head, m)
        assert m["opposite_sides"] <= 0.03, (head, m)


@pytest.mark.parametrize("left, right", [
    ("The far-left passed the bill.", "The far-right passed the bill."),
    ("Democrat extremists blocked the vote on Tuesday.", "Republican extremists blocked the vote on Tuesday."),
])
def test_the_reported_asymmetries_are_gone(model, left, right):
    a, b = model.score_sentences([left, right])["loaded_language"]
    assert abs(a - b) <= 0.05 and (a >= 0.5) == (b >= 0.5)


@pytest.mark.parametrize("text", ["“Yes.”", "\"Hello.\"", "“It rained.”", "“No comment.”", "“We studied it."])
def test_a_short_quotation_is_not_a_scare_quote(model, text):
    assert model.score_sentences([text])["editorial_framing"][0] < 0.5


def test_sentences_of_a_quotation_in_an_article_are_read_as_quoted(model):
    article = ("“I may go to China, but it would only be at the invitation of President Xi, which has been extended. "
               "Otherwise, no interest!,” the former president wrote.")
    rows_ = model.score_text(article, level="sentence")
    assert len(rows_) == 2
    assert (rows_["editorial_framing"] < 0.5).all(), rows_[["text", "editorial_framing"]].to_string()


def test_framing_has_an_explanation(model):
    row = model.score_sentences(["Opponents claimed the plan would raise taxes."]).iloc[0]
    assert row["editorial_framing"] >= 0.5
    devices = {t["term"]: t["device"] for t in row["framing_terms"]}
    assert devices.get("claimed") == "doubt_casting_attribution"


def test_scare_quotes_in_the_writers_clause_are_framing_devices(model):
    text = "Critics call the plan a “reform,” but it mostly cuts benefits."
    row = model.score_sentences([text]).iloc[0]
    assert row["editorial_framing"] >= 0.5
    scare = [t for t in row["framing_terms"] if t["device"] == "scare_quotes"]
    assert scare and scare[0]["term"] == text[scare[0]["start"]:scare[0]["end"]] == "“reform,”"


def test_everyday_copy_far_from_politics_stays_below_the_decision_point(model):
    """Food, crafts, music, weather, local listings: words the corpus rarely has must not read as charged.

    Guards the dense word-vector block, which gives unseen words a weight from the words they resemble.
    """
    probes = rows("everyday_neutral")
    assert len(probes) >= 60 and len({r["topic"] for r in probes}) >= 12
    scores = model.score_sentences([r["text"] for r in probes])
    below = (scores["loaded_language"] < 0.5) & (scores["editorial_framing"] < 0.5)
    assert below.mean() >= 0.95, scores.loc[~below, ["text", "loaded_language", "editorial_framing"]].to_string()
