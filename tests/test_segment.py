"""Segmentation: offsets slice back to the text; abbreviations, quotes and paragraph kinds."""

import json
import time
from pathlib import Path

import pytest

from classifier.segment import clip_spans, paragraph_kind, paragraphs, quote_spans, scare_quotes, sentence_bounds, sentences
from classifier.words import QUOTE_TOKEN, SHORT_QUOTE_TOKEN, writer_voice

PROBES = Path(__file__).resolve().parent / "probes"

ARTICLE = (
    "WASHINGTON (Reuters) -\n\n"
    "Mr. Smith met Gen. Ada Park on Jan. 5 at 3:30 p.m. in the U.S. capital.\u00a0It was brief.\n"
    "  \n"
    "“We will not back down,” she said. “Not now.”\r\n\r\n"
    "The index rose 2.5% — its best week since No. 2 in the series… Analysts were surprised.\n\n"
    "\u00a0\n\n"
    "(Jane Roe/Getty Images)\n"
)


def test_paragraph_offsets_slice_back():
    paras = paragraphs(ARTICLE)
    assert next(p.text for p in paras) == "WASHINGTON (Reuters) -"
    assert len(paras) == 5
    for p in paras:
        assert ARTICLE[p.start:p.end] == p.text
        assert p.text == p.text.strip()


def test_single_newlines_split_when_no_blank_line():
    text = "First line here.\nSecond line here.\r\nThird."
    assert [p.text for p in paragraphs(text)] == ["First line here.", "Second line here.", "Third."]


def test_blank_lines_win_over_single_newlines():
    text = "One sentence\nwrapped.\n\nAnother paragraph."
    assert [p.text for p in paragraphs(text)] == ["One sentence\nwrapped.", "Another paragraph."]


def test_empty_and_whitespace_only():
    assert paragraphs("") == []
    assert paragraphs(" \n\n\u00a0\t\n") == []
    assert sentences("") == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mr. Smith went to Washington. He left.", ["Mr. Smith went to Washington.", "He left."]),
        ("Gen. Ada Park and Dr. Li met on Jan. 5. Talks ended.", ["Gen. Ada Park and Dr. Li met on Jan. 5.", "Talks ended."]),
        ("The U.S. Army said it was ready. Others were not.", ["The U.S. Army said it was ready.", "Others were not."]),
        ("Sanctions hit the U.S. The move was expected.", ["Sanctions hit the U.S.", "The move was expected."]),
        ("J. K. Rowling and George W. Bush spoke. Then they left.", ["J. K. Rowling and George W. Bush spoke.", "Then they left."]),
        ("Growth was 3.5 percent in Q2. It slowed.", ["Growth was 3.5 percent in Q2.", "It slowed."]),
        ("He ranked No. 2 in the poll. She was first.", ["He ranked No. 2 in the poll.", "She was first."]),
        ("“We will win.” Then she left.", ["“We will win.”", "Then she left."]),
        ("\"It is over.\" He agreed.", ["\"It is over.\"", "He agreed."]),
        ("She paused... Then she spoke again.", ["She paused...", "Then she spoke again."]),
        ("It was, well… complicated. Fine.", ["It was, well… complicated.", "Fine."]),
        ("Is it true? Yes! It is.", ["Is it true?", "Yes!", "It is."]),
        ("The vote is at 10 a.m. on Friday at the hall.", ["The vote is at 10 a.m. on Friday at the hall."]),
        ("They paid $1,250.75 each. Costs rose.", ["They paid $1,250.75 each.", "Costs rose."]),
    ],
)
def test_sentence_splitting(text, expected):
    got = sentences(text)
    assert [s.text for s in got] == expected
    for s in got:
        assert text[s.start:s.end] == s.text


def test_sentence_offsets_are_absolute_with_offset():
    text = ARTICLE
    for p in paragraphs(text):
        for s in sentences(p.text, offset=p.start):
            assert text[s.start:s.end] == s.text


def test_quote_spans_straight_curly_and_open_ended():
    text = 'He said “this is it. And more” and "fine" then “still going'
    spans = [text[a:b] for a, b in quote_spans(text)]
    assert spans == ["“this is it. And more”", '"fine"', "“still going"]


def test_quote_spanning_sentences_in_a_paragraph():
    text = "“The plan failed. It cost millions,” the mayor said."
    (a, b), = quote_spans(text)
    assert text[a:b] == "“The plan failed. It cost millions,”"
    assert len(sentences(text)) == 2


def test_apostrophes_are_not_quotes():
    assert quote_spans("The mayor's plan isn't popular, and the '90s are over.") == []


def test_writer_voice_masks_quotations_and_keeps_scare_quotes():
    words = writer_voice("“These thugs must be stopped now,” Mayor Lee said of the “experts”.").words
    assert "thugs" not in words and words[:4] == [QUOTE_TOKEN, "mayor", "lee", "said"]
    assert words[-2:] == [SHORT_QUOTE_TOKEN, "experts"]


@pytest.mark.parametrize("text, scare", [
    ("“Yes.”", [False]),
    ('"Hello."', [False]),
    ("“It rained.”", [False]),
    ("“No comment,” she said.", [False]),
    ("He said: “No.”", [False]),
    ("The so-called “experts” were wrong.", [True]),
    ("Critics call the plan a “reform,” but it cuts benefits.", [True]),
    ("The “investment” never paid off, and “nobody at all knows why” either.", [True, False]),
])
def test_a_quotation_is_a_scare_quote_only_inside_the_writers_clause(text, scare):
    assert scare_quotes(text, quote_spans(text)) == scare


def test_sentences_of_a_multi_sentence_quotation_know_they_are_quoted():
    para = "“We studied it. We found nothing wrong. Otherwise, no interest!,” the minister wrote."
    quotes = quote_spans(para)
    bounds = sentence_bounds(para)
    assert len(bounds) == 3
    for a, b in bounds[:2]:  # wholly inside the quotation: one _quote_ token, nothing in the writer's voice
        assert writer_voice(para[a:b], clip_spans(quotes, a, b)).words == [QUOTE_TOKEN]
    a, b = bounds[2]
    assert writer_voice(para[a:b], clip_spans(quotes, a, b)).words == [QUOTE_TOKEN, "the", "minister", "wrote"]


@pytest.mark.parametrize(
    "text, kind",
    [
        ("(Jane Roe/Getty Images)", "caption"),
        ("Protesters gather outside the court on Monday. (AP Photo/Evan Vucci)", "caption"),
        ("Photo: Dana Lee for the Herald", "caption"),
        ("RELATED: Senate passes the budget bill", "related_link"),
        ("Read more: How the vote unfolded", "related_link"),
        ("Read the full article here", "related_link"),
        ("Share.", "widget"),
        ("Leave A Reply", "widget"),
        ("Leave a Reply", "widget"),
        ("Exit mobile version", "widget"),
        ("Facebook Twitter Email", "widget"),
        ("Follow Dana Lee on Twitter @danalee", "author_promo"),
        ("By Dana Lee and Omar Haddad", "byline"),
        ("By DANA LEE", "byline"),
        ("WASHINGTON (Reuters) -", "dateline"),
        ("November 27, 2026", "dateline"),
        ("Updated 3:45 p.m. ET", "dateline"),
        ("The meeting is scheduled for Tuesday, officials said.", "content"),
        ("Share prices fell 3 percent on Monday after the company cut its forecast.", "content"),
        ("Read the report, the senator urged colleagues, before voting on Tuesday.", "content"),
        ("By the end of the week, the council had approved the plan.", "content"),
    ],
)
def test_paragraph_kinds(text, kind):
    assert paragraph_kind(text) == kind


def test_long_paragraph_is_content_even_with_credit_words():
    text = "Share " * 200
    assert paragraph_kind(text) == "content"


def test_unicode_never_raises():
    weird = "\u200b\ufeff“”\"\"…—\u00a0\U0001f600 İstanbul ÇAĞ. Ωmega! \x00 end"
    for p in paragraphs(weird):
        assert weird[p.start:p.end] == p.text
        for s in sentences(p.text, p.start):
            assert weird[s.start:s.end] == s.text
        paragraph_kind(p.text)
        quote_spans(p.text)


def _rows(name):
    return [json.loads(line) for line in (PROBES / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("text", [
    "More than 100 people were killed by the brutal regime on Tuesday.",
    "By Friday, the corrupt regime had collapsed.",
    "Copyright lawyers slammed the disgraceful ruling.",
    "Recommended doses were cut in half after the trial.",
    "Watch out: the storm is expected to strengthen overnight.",
    "The suspect is a freelance writer who spewed hate on twitter for years.",
    "Click here to read our full coverage\nMore than 1,200 residents attended public hearings on the plan last year, "
    "and written comments were roughly evenly split, the clerk's office said.",
])
def test_content_that_starts_like_junk_stays_content(text):
    assert paragraph_kind(text) == "content"


@pytest.mark.parametrize("text, kind", [
    ("Follow Frances Martel on\u00a0Facebook\u00a0and\u00a0Twitter.", "author_promo"),
    ("Share.\nLeave A Reply", "widget"),
    ("Share\u2009this\tarticle", "widget"),
    ("Advertisement\nStory continues below advertisement", "widget"),
])
def test_whitespace_is_normalised_and_all_junk_lines_make_a_junk_paragraph(text, kind):
    assert paragraph_kind(text) == kind


def test_kind_probe_corpus_keeps_all_content_and_catches_junk():
    rows = _rows("kinds")
    content = [r["text"] for r in rows if r["kind"] == "content"]
    junk = [r for r in rows if r["kind"] != "content"]
    assert len(content) >= 100 and len(junk) >= 100
    lost = [t for t in content if paragraph_kind(t) != "content"]
    assert lost == []
    caught = sum(paragraph_kind(r["text"]) != "content" for r in junk) / len(junk)
    assert caught >= 0.97
    same_kind = sum(paragraph_kind(r["text"]) == r["kind"] for r in junk) / len(junk)
    assert same_kind >= 0.85  # and mostly as the right kind


ADVERSARIAL = {
    "dots": "." * 1_000_000,
    "interrobang": "It happened" + "?!" * 500_000,
    "long words": "y" * 500_000 + " " + "x" * 500_000 + ". X",
    "byline": "By A" + "andA" * 250_000 + "!",
    "quotes": "“a” " * 250_000,
    "spaces": "word " + " " * 1_000_000 + ". Next",
    "quoted sentences": "He said “yes” to it. " * 50_000,  # one paragraph: each sentence's quotations are cut from 50,000
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_segmentation_is_linear_on_adversarial_megabytes(name):
    """Each pattern at 1 MB: well under the 2 s budget (a generous bound; scripts/bench_segment.py shows the slope)."""
    from classifier.score import segment

    text = ADVERSARIAL[name]
    t0 = time.perf_counter()
    for a, b in [(p.start, p.end) for p in paragraphs(text)]:
        paragraph_kind(text[a:b])
        sentence_bounds(text[a:b])
        quote_spans(text[a:b])
    segment([text])  # paragraphs, kinds, sentences and each piece's share of its paragraph's quotations
    assert time.perf_counter() - t0 < 5.0
