"""Evaluation, external-data training and the model card."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from classifier import load_model
from classifier.card import card_path
from classifier.cli import main
from classifier.corpus import load_labelled
from classifier.evaluate import evaluate, format_report, head_metrics
from classifier.persist import manifest_path

# Sentences written for these tests, with BABE's column layout (the `babe` preset maps them).
BABE_LIKE = pd.DataFrame(
    {
        "text": [
            "The regime's thugs crushed the peaceful march, the latest outrage from a rotten government.",
            "The council approved the budget 7-2 on Tuesday, a spokeswoman said.",
            "Radical zealots in Congress rammed through a bloated giveaway to their donors.",
            "The Senate passed the spending bill 52-48 late Thursday, sending it to the House.",
            "The mayor's disastrous scheme squandered millions on a useless vanity project.",
            "The mayor said the project would be finished by 2027 at a cost of $40 million.",
            "Shameless corporate fat cats gouged families while boasting of record profits.",
            "The company reported quarterly profit of $1.2 billion, up 8% from a year earlier.",
            "The so-called experts once again peddled their tired doom-mongering to a gullible press.",
            "The report was published on Monday by the state's environmental agency.",
        ],
        "outlet": ["A", "B", "C", "B", "A", "B", "C", "B", "A", "B"],
        "type": ["left", "center", "right", "center", "left", "center", "right", "center", "left", "right"],
        "label_bias": ["Biased", "Non-biased"] * 5,
        "label_opinion": ["Expresses writer’s opinion", "Entirely factual", "Somewhat factual but also opinionated",
                          "Entirely factual", "Expresses writer’s opinion", "No agreement",
                          "Expresses writer’s opinion", "Entirely factual", "Somewhat factual but also opinionated",
                          "Entirely factual"],
    }
)


@pytest.fixture()
def babe_like(tmp_path):
    path = tmp_path / "babe_like.csv"
    BABE_LIKE.to_csv(path, index=False)
    return path


def test_head_metrics_known_confusion_matrix():
    y = [1, 1, 1, 0, 0, 0, 0, 1]
    p = [0.9, 0.6, 0.2, 0.1, 0.7, 0.3, 0.4, 0.5]
    m = head_metrics(y, p)
    assert m["confusion"] == {"tn": 3, "fp": 1, "fn": 1, "tp": 3}
    assert m["per_class"]["1"]["precision"] == pytest.approx(0.75)
    assert m["per_class"]["0"]["recall"] == pytest.approx(0.75)
    assert m["macro_f1"] == pytest.approx(0.75)
    assert m["false_positive_rate"] == pytest.approx(0.25)
    assert m["roc_auc"] == pytest.approx(11 / 16)  # 11 of the 16 positive-negative pairs ranked right
    assert m["brier"] == pytest.approx(np.mean((np.array(p) - np.array(y)) ** 2))
    assert sum(r["n"] for r in m["calibration"]) == len(y)
    assert 0 <= m["ece"] <= 1


def test_single_class_metrics_do_not_crash():
    m = head_metrics([0, 0, 0], [0.1, 0.7, 0.2])
    assert m["roc_auc"] is None and m["false_negative_rate"] is None
    assert m["false_positive_rate"] == pytest.approx(1 / 3)


class FixedScores:
    """A scorer returning given probabilities (to check evaluate's bookkeeping exactly)."""

    def __init__(self, loaded, framing):
        self.loaded, self.framing = loaded, framing

    def score_sentences(self, texts):
        return pd.DataFrame({"text": texts, "loaded_language": self.loaded, "editorial_framing": self.framing})


def test_evaluate_groups_and_drops_unlabelled_rows(babe_like):
    data = load_labelled(babe_like, preset="babe", keep=["type"])
    assert data["editorial_framing"].isna().sum() == 1  # "No agreement" is dropped for that head only
    loaded = [0.9, 0.1, 0.8, 0.2, 0.7, 0.6, 0.9, 0.1, 0.4, 0.3]  # one FP (row 5, center), one FN (row 8, left)
    report = evaluate(FixedScores(loaded, loaded), data, by="type")
    m = report["heads"]["loaded_language"]
    assert m["confusion"] == {"tn": 4, "fp": 1, "fn": 1, "tp": 4}
    assert m["by"]["center"]["false_positive_rate"] == pytest.approx(1 / 4)
    assert m["by"]["left"]["false_negative_rate"] == pytest.approx(1 / 3)
    assert report["heads"]["editorial_framing"]["n"] == 9
    text = format_report(report, by="type")
    assert "loaded_language" in text and "by type" in text and "center" in text


def test_blank_and_missing_group_values_are_one_named_group(babe_like):
    data = load_labelled(babe_like, preset="babe", keep=["type"])
    data.loc[[0, 1], "type"] = ["", None]
    report = evaluate(FixedScores([0.5] * 10, [0.5] * 10), data, by="type")
    groups = report["heads"]["loaded_language"]["by"]
    assert "" not in groups and groups["(none)"]["n"] == 2


def test_evaluate_cli_with_babe_preset(babe_like, capsys):
    assert main(["evaluate", "--data", str(babe_like), "--preset", "babe", "--by", "type", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["heads"]["loaded_language"]["n"] == 10
    assert report["heads"]["editorial_framing"]["n"] == 9
    assert set(report["heads"]["loaded_language"]["by"]) == {"left", "center", "right"}
    for m in report["heads"].values():
        c = m["confusion"]
        assert c["tn"] + c["fp"] + c["fn"] + c["tp"] == m["n"]


def test_evaluate_cli_label_columns_and_errors(tmp_path, capsys):
    path = tmp_path / "mine.jsonl"
    pd.DataFrame({"sentence": BABE_LIKE["text"], "biased": [1, 0] * 5}).to_json(path, orient="records", lines=True)
    assert main(["evaluate", "--data", str(path), "--text-column", "sentence", "--label-columns", "loaded_language=biased"]) == 0
    out = capsys.readouterr().out
    assert "loaded_language" in out and "editorial_framing" not in out
    assert main(["evaluate", "--data", str(path), "--text-column", "text"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "mine.jsonl" in err[0] and "sentence" in err[0]  # names the columns present
    assert main(["evaluate", "--data", str(path), "--text-column", "sentence", "--label-columns", "loaded=biased"]) == 2
    assert "--label-columns" in capsys.readouterr().err


def test_train_on_external_data_round_trip(babe_like, tmp_path, capsys):
    out = tmp_path / "babe_model.npz"
    assert main(["train", "--data", str(babe_like), "--preset", "babe", "--out", str(out), "--folds", "0"]) == 0
    assert "trained on 10 sentences" in capsys.readouterr().out
    manifest = json.loads(manifest_path(out).read_text())
    assert manifest["training_data"]["files"] == ["babe_like.csv"]
    assert manifest["counts"]["editorial_framing"]["n"] == 9
    model = load_model(out)
    df = model.score_sentences(BABE_LIKE["text"].tolist())
    assert df["loaded_language"].between(0, 1).all()
    assert main(["evaluate", "--data", str(babe_like), "--preset", "babe", "--model", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["heads"]["loaded_language"]["macro_f1"] > 0.9  # it has seen these very sentences
    assert card_path(out).exists()


def test_too_little_text_for_cross_validation_is_a_one_line_error(babe_like, tmp_path, capsys):
    out = tmp_path / "tiny.npz"
    # 5-sentence folds of 10 unrelated sentences: no word occurs twice in a fold's training half
    assert main(["train", "--data", str(babe_like), "--preset", "babe", "--out", str(out), "--folds", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "too little text" in err and "--folds 0" in err
    assert not out.exists()


def test_train_with_default_data_adds_the_corpus(babe_like, tmp_path, corpus_rows, capsys):
    out = tmp_path / "both.npz"
    assert main(["train", "--data", str(babe_like), "--preset", "babe", "--with-default-data", "--out", str(out), "--folds", "0"]) == 0
    manifest = json.loads(manifest_path(out).read_text())
    assert manifest["training_data"]["n_sentences"] == len(corpus_rows) + len(BABE_LIKE)
    assert manifest["training_data"]["files"] == ["sentences.jsonl", "babe_like.csv"]


def test_model_card_is_regenerated_by_training(tmp_path, small_corpus, babe_like, monkeypatch):
    from classifier.train import train

    monkeypatch.setenv("FRAMING_BENCHMARK", str(babe_like))
    out = tmp_path / "m.npz"
    report = train([small_corpus], out, folds=2, C=8.0)
    card = card_path(out).read_text(encoding="utf-8")
    m = report.manifest
    for section in ("## Intended use", "## Out of scope", "## Training data", "## Accuracy on real news",
                    "## Known failure modes", "## Caution", "Error rates by the outlet's leaning"):
        assert section in card
    assert f"{m['cv']['loaded_language']['macro_f1']:.3f}" in card
    assert m["sha256"][:16] in card
    assert "| loaded_language | left |" in card
    monkeypatch.setenv("FRAMING_BENCHMARK", str(tmp_path / "absent.csv"))
    train([small_corpus], out, folds=0, C=8.0)
    assert "Skipped in this run" in card_path(out).read_text(encoding="utf-8")


def test_shipped_model_card_matches_the_shipped_model():
    from classifier.persist import default_model_path

    path = default_model_path()
    card = card_path(path).read_text(encoding="utf-8")
    manifest = json.loads(manifest_path(path).read_text())
    assert manifest["sha256"][:16] in card
