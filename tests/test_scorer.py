"""The batch scorer against simpler references: sklearn pipelines, the one-sentence matcher, a dict, writer_voice."""

from __future__ import annotations

import gc
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier.explain import TERM_FLOOR, terms
from classifier.lexicon import SCOPES, Hit
from classifier.linear import KeyTable, Piece, _split, spans_of
from classifier.schema import HEADS
from classifier.segment import quote_spans
from classifier.words import Tokens, writer_voice

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
PLAIN = ["The", "council", "said", "on", "Tuesday", "the", "plan", "would", "cost", "in", "a", "of", "to", "—", ",", ".",
         "“", "”", "\"", "(", ")", "Mr.", "é", "İ", "’s", "it", "is", "even", "only", "still", "according"]


@pytest.fixture(scope="module")
def forms(model):
    """Lexicon forms of one to four words, a fixed sample: batches must match them as the one-sentence matcher does."""
    all_forms = sorted(model.scorer.lexicon.form_entries())
    by_size = {k: [f for f in all_forms if f.count(" ") == k - 1] for k in (1, 2, 3, 4)}
    return [f for k in (1, 2, 3, 4) for f in by_size[k][:: max(1, len(by_size[k]) // 40)]]


def sentences(forms):
    word = st.sampled_from(PLAIN) | st.sampled_from(forms) | st.sampled_from(forms).map(str.upper)
    return st.lists(st.lists(word, max_size=40).map(" ".join), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.integers(0, 2**62), st.integers(0, 2**40), max_size=300), st.lists(st.integers(0, 2**62), max_size=50))
def test_key_table_finds_what_a_dict_finds(mapping, others):
    table = KeyTable(list(mapping), list(mapping.values()))
    queries = [*mapping, *others]
    assert table.get(np.array(queries, dtype=np.int64)).tolist() == [mapping.get(q, -1) for q in queries]
    assert len(table) == len(mapping)


def test_key_table_refuses_duplicate_or_negative_keys():
    for keys in ([1, 1], [-3], [1, 2, 3]):
        with pytest.raises(ValueError, match="KeyTable needs"):
            KeyTable(keys, [0, 0])


def test_batch_matches_cues_as_each_sentence_alone(model, forms):
    @SETTINGS
    @given(sentences(forms))
    def check(texts):
        scorer = model.scorer
        batch = scorer.read_batch([Piece(t) for t in texts])
        for i, text in enumerate(texts):
            words, parts = _split(text)
            quotes = quote_spans(text)
            spans = spans_of(text, words, parts)
            want = [(a, b, scorer.lexicon.entries[n], "inside" if any(qa <= spans[a][0] < qb for qa, qb in quotes) else "outside")
                    for a, b, n in scorer.lexicon.find_indexed(words)]
            got = [(h.first, h.end, h.entry, h.scope) for h in scorer.hits_of(batch, i)]
            assert got == want
            assert {h.scope for h in scorer.hits_of(batch, i)} <= set(SCOPES)

    check()


def test_batch_scores_equal_the_sklearn_pipelines(model, forms):
    @SETTINGS
    @given(sentences(forms))
    def check(texts):
        fast = model.score_sentences(texts, explain=False)
        for head, pipe in model.heads.items():
            assert np.abs(fast[head].to_numpy() - pipe.predict_proba(texts)[:, 1]).max() < 1e-9

    check()


def test_batch_explanations_equal_those_of_each_sentence_alone(model, forms):
    """Candidates picked for a whole batch give the terms that ``terms`` finds from a sentence's own weights."""
    @SETTINGS
    @given(sentences(forms))
    def check(texts):
        scorer = model.scorer
        pieces = [Piece(t) for t in texts]
        wanted = {h: list(range(len(texts))) for h in HEADS}
        batch = scorer.contributions(scorer.read_batch(pieces), wanted, TERM_FLOOR)
        for i, text in enumerate(texts):
            for head in HEADS:
                alone = scorer.contributions_of(pieces[i], head)
                assert alone.candidates is None
                assert batch[(i, head)].weights == pytest.approx(alone.weights, abs=1e-12)
                assert terms(batch[(i, head)], text, 0, head, model.stop_words) == terms(alone, text, 0, head, model.stop_words)

    check()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*PLAIN, "so-called", "“experts”", '"reform"', "“It rained.”", "'x'", ":", "“"]),
                max_size=40).map(" ".join))
def test_writer_voice_cut_from_read_tokens_equals_reading_afresh(text):
    quotes = quote_spans(text)
    if not quotes:
        return
    words, parts = _split(text)
    view = writer_voice(text, quotes, Tokens(words, spans_of(text, words, parts)))
    ref = writer_voice(text, quotes)
    assert (view.words, view.spans) == (ref.words, ref.spans)


@pytest.mark.parametrize("enabled", [True, False])
def test_scoring_leaves_the_garbage_collector_as_it_found_it(model, enabled):
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        model.score_sentences(["The regime slammed the so-called reform."])
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_weighted_cues_add_up_to_the_encoders_features(model):
    """The scorer's cue values come from the same encoder as training's: shares sum to features · weights."""
    enc = model.scorer.encoder
    entries = enc.lexicon.entries
    rng = random.Random(0)
    pool = rng.sample(range(len(entries)), 12)  # few entries, so categories and terms repeat within a sentence
    for hw in model.scorer.heads.values():
        weighted = enc.weighted(hw.cue_weights, hw.scopes)
        for _ in range(300):
            picks = [(rng.randrange(len(SCOPES)), rng.choice(pool)) for _ in range(rng.randint(1, 6))]
            hits = [Hit(0, 1, entries[e], SCOPES[s], *enc._names[SCOPES[s]][e]) for s, e in picks]
            want = sum(v * hw.cue_weights.get(name, 0.0) for name, v in enc.features([h for h in hits if h.scope in hw.scopes]).items())
            shares = weighted.shares(np.zeros(len(picks), dtype=np.int64), np.array([s for s, _ in picks]), np.array([e for _, e in picks]))
            assert np.nansum(shares) == pytest.approx(want, abs=1e-12)
            assert [np.isnan(x) for x in shares] == [SCOPES[s] not in hw.scopes for s, _ in picks]
