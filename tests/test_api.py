"""The library API: load_model, score_sentences, score_text — the contract other tools rely on."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import pandas as pd
import pytest

from classifier import FramingModel, load_model
from classifier.score import PARAGRAPH_COLUMNS, SENTENCE_COLUMNS, SENTENCE_LEVEL_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "training_data" / "examples" / "article.txt"

ARTICLE = """Regional leaders meet as border talks resume

By Clara Mendes

Delegates from both countries arrived in the capital on Monday for a second round of talks on the disputed river crossing.

Delegates pose for a photo before the opening session. (Ivan Petrov/Northline Images)

RELATED: What is at stake in the river crossing dispute

The meeting is scheduled for Tuesday, officials said.

The genocidal communist dictator and his thugs have bled the country dry for two decades.

Share.

Leave A Reply
"""


def test_load_model_is_cached_and_typed(model):
    assert isinstance(model, FramingModel)
    assert load_model() is model
    assert set(model.meta["thresholds"]) == {"loaded_language", "editorial_framing"}


def test_score_text_marks_non_content(model):
    df = model.score_text(ARTICLE)
    assert list(df.columns) == PARAGRAPH_COLUMNS
    kinds = dict(zip(df["text"], df["kind"]))
    assert kinds["Delegates pose for a photo before the opening session. (Ivan Petrov/Northline Images)"] == "caption"
    assert kinds["RELATED: What is at stake in the river crossing dispute"] == "related_link"
    assert kinds["Share."] == "widget"
    assert kinds["Leave A Reply"] == "widget"
    assert kinds["By Clara Mendes"] == "byline"
    non_content = df[df["kind"] != "content"]
    assert non_content["loaded_language"].isna().all() and (non_content["n_sentences"] == 0).all()


def test_loaded_paragraph_and_its_words(model):
    df = model.score_text(ARTICLE).set_index("text")
    row = df.loc["The genocidal communist dictator and his thugs have bled the country dry for two decades."]
    assert row["loaded_language"] > 0.5
    blamed = " ".join(t["term"] for t in row["loaded_terms"]).lower()
    for word in ("genocidal", "dictator"):
        assert word in blamed
    wire = df.loc["The meeting is scheduled for Tuesday, officials said."]
    assert wire["loaded_language"] < 0.5
    assert wire["editorial_framing"] < 0.5
    assert wire["loaded_terms"] == []


def test_offsets_slice_back_to_the_article(model):
    df = model.score_text(ARTICLE)
    for row in df.itertuples():
        assert ARTICLE[row.start:row.end] == row.text
        for t in row.loaded_terms:
            assert ARTICLE[t["start"]:t["end"]] == t["term"]
    sent = model.score_text(ARTICLE, level="sentence")
    assert list(sent.columns) == SENTENCE_LEVEL_COLUMNS
    for row in sent.itertuples():
        assert ARTICLE[row.start:row.end] == row.text
        for t in row.loaded_terms:
            assert ARTICLE[t["start"]:t["end"]] == t["term"]


def test_paragraph_score_is_max_of_its_sentences(model):
    para = model.score_text(ARTICLE)
    sent = model.score_text(ARTICLE, level="sentence")
    for row in para[para["kind"] == "content"].itertuples():
        mine = sent[sent["paragraph"] == row.paragraph]
        assert len(mine) == row.n_sentences
        assert row.loaded_language == pytest.approx(mine["loaded_language"].max())
        assert row.editorial_framing == pytest.approx(mine["editorial_framing"].max())


def test_score_sentences_contract(model):
    texts = [
        "The regime's thugs attacked peaceful marchers.",
        "The council approved the budget 7-2 on Tuesday, a spokeswoman said.",
    ]
    df = model.score_sentences(texts)
    assert list(df.columns) == SENTENCE_COLUMNS
    assert df["text"].tolist() == texts
    assert df["loaded_language"].between(0, 1).all() and df["editorial_framing"].between(0, 1).all()
    assert df.loc[0, "loaded_language"] > 0.5 > df.loc[1, "loaded_language"]
    for text, terms in zip(df["text"], df["loaded_terms"]):
        for t in terms:
            assert text[t["start"]:t["end"]] == t["term"]
            assert t["weight"] > 0


def test_quoted_loaded_words_are_not_the_writers_framing(model):
    quoted, voiced = model.score_sentences([
        "“These people are thugs and criminals,” council member Rita Vance said on Tuesday.",
        "These people are thugs and criminals, and council member Rita Vance knows it.",
    ])["editorial_framing"]
    assert quoted < voiced


def test_empty_and_odd_inputs_never_raise(model):
    assert model.score_text("").empty
    assert list(model.score_text("").columns) == PARAGRAPH_COLUMNS
    assert model.score_sentences([]).empty
    df = model.score_sentences(["", "   ", "\x00\ufeff", "🙂🙂🙂", "İSTANBUL’DA ÇAĞ…"])
    assert len(df) == 5 and df["loaded_language"].notna().all()
    rng = random.Random(7)
    alphabet = "abc XYZ.!?“”\"'—…\n\n\u00a0\t0123456789éß漢字🙂\x00\ufeff"
    for _ in range(30):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
        out = model.score_text(text)
        for row in out.itertuples():
            assert text[row.start:row.end] == row.text


def test_huge_unpunctuated_paragraph_is_scored_in_pieces(model):
    text = " ".join(["word"] * 60_000)  # ~300 KB, one paragraph, no punctuation
    df = model.score_text(text)
    assert len(df) == 1 and df.loc[0, "n_sentences"] > 1
    sent = model.score_text(text, level="sentence")
    for row in sent.itertuples():
        assert text[row.start:row.end] == row.text


def test_scoring_is_thread_safe(model):
    texts = [EXAMPLE.read_text(encoding="utf-8"), ARTICLE] * 4
    expected = [model.score_text(t) for t in texts]
    results: list[pd.DataFrame | None] = [None] * len(texts)

    def work(i: int) -> None:
        results[i] = model.score_text(texts[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, expected):
        pd.testing.assert_frame_equal(got, want)


def test_score_documents_matches_score_text(model):
    texts = [ARTICLE, "", EXAMPLE.read_text(encoding="utf-8")]
    batch = model.score_documents(texts, doc_ids=["a", "b", "c"])
    assert batch["doc"].unique().tolist() == ["a", "c"]
    for doc, text in (("a", texts[0]), ("c", texts[2])):
        alone = model.score_text(text)
        mine = batch[batch["doc"] == doc].drop(columns="doc").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone)
    art = model.score_documents(texts, level="article", doc_ids=["a", "b", "c"])
    assert art["doc"].tolist() == ["a", "b", "c"]
    assert art.loc[1, "n_paragraphs"] == 0
    para = batch[(batch["doc"] == "a") & (batch["kind"] == "content")]
    assert art.loc[0, "loaded_language"] == pytest.approx(para["loaded_language"].max())
    assert art.loc[0, "n_content"] == len(para)


def test_bad_level_is_a_clear_error(model):
    with pytest.raises(ValueError, match="level"):
        model.score_text("Text.", level="word")
