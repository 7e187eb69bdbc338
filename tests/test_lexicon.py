"""The cue lexicon: real inflections only, phrases, variants sharing a column, the shared cue encoder."""

from __future__ import annotations

import pytest

from classifier.corpus import default_lexicon_path
from classifier.lexicon import CueEncoder, Entry, Lexicon, inflections, read_lexicon
from classifier.words import all_words, tokenize


def test_phrases_inflections_and_sentence_ends():
    lex = Lexicon([Entry("witch hunt", "loaded_metaphor"), Entry("witch", "pejorative_label"), Entry("slam", "loaded_verb"),
                   Entry("cherry-pick", "loaded_verb"), Entry("ram through", "loaded_verb")])
    toks = tokenize("They slammed the witch hunts, cherry-picked data and rammed through a witch")
    found = [(toks[i:j], e.category, e.term) for i, j, e in lex.find(toks)]
    assert found == [
        (["slammed"], "loaded_verb", "slam"),
        (["witch", "hunts"], "loaded_metaphor", "witch hunt"),  # the longest match wins
        (["cherry-picked"], "loaded_verb", "cherry-pick"),
        (["rammed", "through"], "loaded_verb", "ram through"),  # a verb phrase inflects its first word
        (["witch"], "pejorative_label", "witch"),  # a phrase's first word at the very end still matches alone
    ]


@pytest.mark.parametrize("term, pos, form", [
    ("rat", "noun", "rates"), ("even", "fixed", "evening"), ("tank", "verb", "tanker"), ("still", "fixed", "stills"),
    ("only", "fixed", "onlyly"), ("spin", "verb", "spiner"), ("hero", "noun", "heroing"), ("mob", "noun", "mobbed"),
    ("brave", "adj", "braving"), ("slam", "verb", "slamly"), ("bully", "noun", "bullily"), ("gut", "verb", "guts-ly"),
])
def test_no_false_inflections(term, pos, form):
    assert form not in inflections(term, pos)


@pytest.mark.parametrize("term, pos, forms", [
    ("slam", "verb", {"slam", "slams", "slammed", "slamming"}),
    ("smear", "verb", {"smears", "smeared", "smearing"}),
    ("bully", "verb", {"bullies", "bullied", "bullying"}),
    ("decree", "verb", {"decreed", "decreeing"}),
    ("thug", "noun", {"thug", "thugs"}),
    ("witch", "noun", {"witches"}),
    ("radical", "adj", {"radically", "radicals"}),
    ("crazy", "adj", {"crazier", "craziest", "crazily"}),
    ("horrific", "adj", {"horrifically"}),
    ("far-left", "adj", {"far-lefts"}),
])
def test_real_inflections(term, pos, forms):
    assert forms <= inflections(term, pos)


def test_excluded_forms_do_not_match():
    lex = Lexicon([Entry("doctor", "loaded_verb", exclude=("doctors",)), Entry("shelve", "loaded_verb", exclude=("shelves",))])
    assert lex.find(tokenize("Doctors stacked the shelves")) == []
    assert [e.term for _, _, e in lex.find(tokenize("They doctored the data and shelved the plan"))] == ["doctor", "shelve"]


def test_variants_share_one_feature_column():
    lex = Lexicon([Entry("criticise", "loaded_verb", concept="criticize"), Entry("criticize", "loaded_verb", concept="criticize")])
    enc = CueEncoder(lex, terms={"outside=criticize"})
    for text in ("They criticised it.", "They criticized it."):
        words, spans = all_words(text)
        assert enc.features(enc.hits(words, spans, [])) == {"outside:loaded_verb": pytest.approx(0.693147, abs=1e-6),
                                                            "term:outside=criticize": 1.0}


def test_cue_scope_inside_and_outside_quotes():
    lex = Lexicon([Entry("thug", "pejorative_label")])
    text = "“These thugs,” the sheriff said of the thugs."
    words, spans = all_words(text)
    hits = CueEncoder(lex).hits(words, spans, [(0, 14)])
    assert [h.scope for h in hits] == ["inside", "outside"]


def test_the_shipped_lexicon_reads_and_matches_no_ordinary_word_forms():
    lex = Lexicon(read_lexicon(default_lexicon_path()))
    forms = lex.forms()
    for ordinary in ("rates", "evening", "doctors", "shelves", "tanker", "stills", "evens"):
        assert ordinary not in forms, (ordinary, forms.get(ordinary))
