"""Property-based tests: any text, lone surrogates included, segments and scores without raising, and offsets hold."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier.schema import HEADS, TERM_COLUMNS
from classifier.segment import paragraph_bounds, paragraph_kind, quote_spans, sentence_bounds

# Any Unicode, surrogates included (hypothesis leaves them out unless asked).
ANY_TEXT = st.text(st.characters(codec=None, categories=None, exclude_categories=()), max_size=300)
# News-shaped text: words, charged words, quotes, abbreviations, punctuation runs and line breaks.
PIECES = ["The", "council", "regime", "thugs", "slammed", "so-called", "claimed", "Mr.", "U.S.", "Dr.", "3.5", "No.",
          "“", "”", "\"", "'", "’s", "—", "(", ")", ".", "!", "?", "...", "…", ",", ";", ":", " ", "  ", "\n", "\n\n",
          "\u00a0", "\t", "Share.", "By", "Jane", "Doe", "RELATED:", "Photo:", "radical", "far-left", "far-right", "a",
          "\ud800", "é", "İ", "ß", "\U0001f600"]
NEWSY = st.lists(st.sampled_from(PIECES), max_size=120).map(" ".join) | st.lists(st.sampled_from(PIECES), max_size=60).map("".join)
TEXT = NEWSY | ANY_TEXT
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(TEXT)
def test_segmentation_offsets_slice_back(text):
    for a, b in paragraph_bounds(text):
        para = text[a:b]
        assert para and para == para.strip()
        paragraph_kind(para)
        for s, e in sentence_bounds(para):
            assert 0 <= s < e <= len(para) and para[s:e] == para[s:e].strip()
        for qa, qb in quote_spans(para):
            assert 0 <= qa < qb <= len(para) and para[qa] in "\"“"


def _check_terms(row, article):
    for col in TERM_COLUMNS.values():
        for t in row[col]:
            assert article[t["start"]:t["end"]] == t["term"]
            assert math.isfinite(t["weight"])


@SETTINGS
@given(TEXT)
def test_any_text_scores_in_range_with_terms_that_slice_back(model, text):
    for level in ("paragraph", "sentence"):
        frame = model.score_text(text, level=level)
        for row in frame.to_dict("records"):
            assert text[row["start"]:row["end"]] == row["text"]
            for head in HEADS:
                v = row[head]
                if row["kind"] == "content":
                    assert 0.0 <= v <= 1.0 and not math.isnan(v)
                else:
                    assert math.isnan(v)
            _check_terms(row, text)


@SETTINGS
@given(st.lists(TEXT, min_size=1, max_size=4))
def test_documents_score_as_each_text_alone_and_deterministically(model, texts):
    batch = model.score_documents(texts)
    again = model.score_documents(texts)
    assert batch.equals(again)
    for i, text in enumerate(texts):
        alone = model.score_text(text)
        mine = batch[batch["doc"] == i].drop(columns="doc").reset_index(drop=True)
        assert len(mine) == len(alone)
        if len(alone):
            pd.testing.assert_frame_equal(mine, alone.reset_index(drop=True), check_dtype=False)
    art = model.score_documents(texts, level="article")
    assert list(art["doc"]) == list(range(len(texts)))


@SETTINGS
@given(st.lists(TEXT, max_size=6))
def test_sentences_never_raise_and_stay_in_range(model, sentences):
    frame = model.score_sentences(sentences)
    assert len(frame) == len(sentences)
    for row in frame.to_dict("records"):
        for head in HEADS:
            assert 0.0 <= row[head] <= 1.0
        _check_terms(row, row["text"])
