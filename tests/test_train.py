"""Training: determinism, the report, and that defaults reproduce the shipped model."""

from __future__ import annotations

import json
import random

import pandas as pd
import pytest
from sklearn.base import clone

from classifier import load_model
from classifier.cli import main
from classifier.corpus import default_lexicon_path, load_labelled
from classifier.features import LexiconFeatures
from classifier.lexicon import Entry, read_lexicon
from classifier.persist import default_model_path, load_pipelines, manifest_path
from classifier.train import train
from classifier.training import HeadOptions, build_head

SAMPLE = [
    "The regime's thugs attacked peaceful marchers.",
    "The council approved the budget 7-2 on Tuesday, a spokeswoman said.",
    "Critics claimed the so-called reform was a giveaway to donors.",
    "“This budget is a disgrace,” said council member Rita Vance.",
]


def test_same_data_same_model(tmp_path, small_corpus, small_model_path):
    again = tmp_path / "again.npz"
    train([small_corpus], again, folds=2, C=8.0)
    a = load_model(small_model_path).score_sentences(SAMPLE)
    b = load_model(again).score_sentences(SAMPLE)
    pd.testing.assert_frame_equal(a, b)
    thresholds = [json.loads(manifest_path(p).read_text())["thresholds"] for p in (again, small_model_path)]
    assert thresholds[0] == thresholds[1]


def test_train_cli_reports_cv_per_head(tmp_path, small_corpus, capsys):
    out = tmp_path / "m.npz"
    assert main(["train", "--data", str(small_corpus), "--out", str(out), "--folds", "2", "--C", "8"]) == 0
    text = capsys.readouterr().out
    assert "loaded_language" in text and "editorial_framing" in text and "CV macro-F1" in text
    assert out.exists() and manifest_path(out).exists()


def test_train_cli_bad_data_is_one_line_error(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("sentence,label\nhello,1\n", encoding="utf-8")
    assert main(["train", "--data", str(bad), "--out", str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.csv" in err[0]


@pytest.mark.slow
def test_retraining_with_defaults_reproduces_the_shipped_model(tmp_path, corpus_rows):
    out = tmp_path / "retrained.npz"
    train(None, out)
    rng = random.Random(0)
    sample = [r["text"] for r in rng.sample(corpus_rows, 200)] + SAMPLE
    shipped = load_model(default_model_path()).score_sentences(sample)
    fresh = load_model(out).score_sentences(sample)
    # Another machine's numpy/scipy/BLAS may move probabilities in the 5th decimal: decisions must agree
    # exactly, probabilities within 1e-4 (the manifest records the library versions of each side).
    for head in ("loaded_language", "editorial_framing"):
        assert ((shipped[head] >= 0.5) == (fresh[head] >= 0.5)).all(), head
        assert (shipped[head] - fresh[head]).abs().max() <= 1e-4, head
    shipped_manifest = json.loads(manifest_path(default_model_path()).read_text())
    fresh_manifest = json.loads(manifest_path(out).read_text())
    for key in ("training_data", "thresholds", "counts"):
        assert fresh_manifest[key] == shipped_manifest[key]
    for head, cv in shipped_manifest["cv"].items():
        assert fresh_manifest["cv"][head]["C"] == cv["C"]
        assert fresh_manifest["cv"][head]["macro_f1"] == pytest.approx(cv["macro_f1"], abs=2e-3)


def test_custom_transformer_follows_sklearn_conventions(tmp_path):
    import joblib

    lex = (Entry("slam", "loaded_verb"), Entry("regime", "pejorative_label"))
    t = LexiconFeatures(lexicon=lex, scopes=("outside",))
    assert t.get_params() == {"lexicon": lex, "scopes": ("outside",), "terms": True}
    c = clone(t)
    assert c.get_params() == t.get_params() and not hasattr(c, "matcher_")
    X = t.fit_transform(["The regime slammed critics.", "“Regime,” she said.", "Nothing here."])
    assert X.shape == (3, len(t.get_feature_names_out()))
    names = list(t.get_feature_names_out())
    assert X[0, names.index("outside:pejorative_label")] > 0 and X[0, names.index("outside:loaded_verb")] > 0
    assert X[0, names.index("term:outside=slam")] == 1  # "slammed" counts for its term "slam"
    assert "term:inside=regime" not in names  # the quoted "Regime" is outside this transformer's scopes
    assert X[2].sum() == 0
    joblib.dump(t, tmp_path / "t.joblib")
    again = joblib.load(tmp_path / "t.joblib")
    assert (again.transform(["The regime slammed critics."]) != t.transform(["The regime slammed critics."])).nnz == 0


def test_custom_transformers_declare_string_input_and_validate_like_count_vectorizer():
    from sklearn.utils import get_tags
    from sklearn.utils.estimator_checks import check_estimator

    t = LexiconFeatures(lexicon=(Entry("slam", "loaded_verb"),))
    assert get_tags(t).input_tags.string and not get_tags(t).input_tags.two_d_array
    with pytest.warns(Warning):  # scikit-learn skips numeric checks for string-input estimators, as for CountVectorizer
        check_estimator(t)
    with pytest.raises(ValueError, match="single string"):
        t.fit("The regime slammed critics.")
    with pytest.raises(ValueError, match="at least one document"):
        t.fit([])
    with pytest.raises(ValueError, match="scopes"):
        LexiconFeatures(lexicon=(), scopes=("outside", "elsewhere")).fit(["x"])
    with pytest.raises(ValueError, match="unknown category"):
        LexiconFeatures(lexicon=(Entry("x", "nonsense"),)).fit(["x"])
    with pytest.raises(ValueError, match="documents must be str"):
        t.fit(["ok", 3])


def test_heads_are_pipelines_ending_in_logistic_regression(small_corpus):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    options = HeadOptions(lexicon=read_lexicon(default_lexicon_path()))
    data = load_labelled([small_corpus])
    for head in ("loaded_language", "editorial_framing"):
        pipe = build_head(head, options)
        assert isinstance(pipe, Pipeline) and isinstance(pipe.steps[-1][1], LogisticRegression)
        fitted = clone(pipe).fit(data["text"].tolist(), data[head])
        names = fitted[:-1].get_feature_names_out()
        assert len(names) == fitted.steps[-1][1].coef_.shape[1]


def test_fast_scoring_matches_the_sklearn_pipelines(model, corpus_rows):
    texts = [r["text"] for r in corpus_rows[::25]] + SAMPLE + ["", "“Quoted words only, nothing else at all here,” she said."]
    fast = model.score_sentences(texts)
    for head, pipe in model.heads.items():
        slow = pipe.predict_proba(texts)[:, 1]
        assert abs(fast[head].to_numpy() - slow).max() < 1e-9


def test_training_refuses_to_save_a_scorer_that_differs_from_its_pipelines(tmp_path, small_corpus, monkeypatch):
    from classifier import linear

    real = linear.Scorer.logits
    monkeypatch.setattr(linear.Scorer, "logits", lambda self, piece: tuple(x + 0.01 for x in real(self, piece)))
    with pytest.raises(RuntimeError, match="refusing to save"):
        train([small_corpus], tmp_path / "m.npz", folds=0)
    assert not (tmp_path / "m.npz").exists()


def test_training_one_head_gives_a_model_with_one_head(tmp_path, capsys):
    data = tmp_path / "mine.csv"
    rows = ["text,biased"] + [f"\"The radical zealots slammed plan {i}.\",1" for i in range(6)] + [
        f"\"The council approved plan {i} on Tuesday.\",0" for i in range(6)]
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "mine.npz"
    assert main(["train", "--data", str(data), "--label-columns", "loaded_language=biased", "--out", str(out),
                 "--folds", "2"]) == 0
    assert "editorial_framing: no labels" in capsys.readouterr().out
    scores = load_model(out).score_sentences(["The radical zealots slammed it."])
    assert scores["loaded_language"].notna().all() and scores["editorial_framing"].isna().all()


def test_with_default_data_always_adds_the_corpus(tmp_path, small_corpus, corpus_rows):
    out = tmp_path / "both.npz"
    report = train([small_corpus], out, with_default_data=True, folds=0, C=8.0)
    n_small = sum(1 for line in small_corpus.read_text(encoding="utf-8").splitlines() if line.strip())
    assert report.manifest["training_data"]["n_sentences"] == len(corpus_rows) + n_small


@pytest.mark.parametrize("cue_terms", [False, True])
def test_per_term_cue_columns_are_an_option_the_scorer_follows(tmp_path, small_corpus, cue_terms):
    out = tmp_path / "m.npz"
    report = train([small_corpus], out, folds=0, C=8.0, cue_terms=cue_terms)  # train refuses to save on any disagreement
    assert report.manifest["training_data"]["cue_terms"] is cue_terms
    pipes = load_pipelines(out)
    names = list(pipes["loaded_language"].named_steps["features"].get_feature_names_out())
    assert any(n.startswith("lexicon__term:") for n in names) is cue_terms
    assert any(n.startswith("lexicon__outside:") for n in names)
    text = ["The regime slammed its critics, a spokeswoman said.", "The council met on Tuesday."]
    ours = load_model(out).score_sentences(text, explain=False)
    for head, pipe in pipes.items():
        assert ours[head].to_numpy() == pytest.approx(pipe.predict_proba(text)[:, 1], abs=1e-9)
