"""Segmentation: offsets slice back to the text; abbreviations, quotes and paragraph kinds."""

import pytest

from classifier.segment import mask_quotes, paragraph_kind, paragraphs, quote_spans, sentences

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


def test_mask_quotes_keeps_writer_voice():
    masked = mask_quotes("“These thugs must be stopped now,” Mayor Lee said of the “experts”.")
    assert "thugs" not in masked and "Mayor Lee said" in masked
    assert "experts" in masked and "_shortquote_" in masked and "_quote_" in masked


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
