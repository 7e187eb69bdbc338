"""Segmentation of news text: paragraphs, sentences, quoted spans and paragraph kinds.

Every function here is pure and returns character offsets into the string it was given, so that
``text[start:end]`` is exactly the piece it reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "NON_CONTENT_KINDS",
    "Span",
    "mask_quotes",
    "paragraph_kind",
    "paragraphs",
    "quote_spans",
    "sentences",
]


@dataclass(frozen=True)
class Span:
    """A piece of a text: ``source[start:end] == text``."""

    start: int
    end: int
    text: str


# ---------------------------------------------------------------------------------------------
# Paragraphs

_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")  # a line holding only whitespace (NBSP included)
_NEWLINE = re.compile(r"\n\s*")


def paragraphs(text: str) -> list[Span]:
    """Split ``text`` into paragraphs, trimmed of surrounding whitespace.

    Paragraphs are separated by blank lines; a text without any blank line but with single
    newlines is split on single newlines. ``\\r\\n`` line ends are handled like ``\\n``.
    """
    return [Span(a, b, text[a:b]) for a, b in paragraph_bounds(text)]


def _trim_bounds(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``(start, end)`` of ``text[start:end]`` trimmed of whitespace, or None if it is blank."""
    piece = text[start:end]
    left = len(piece) - len(piece.lstrip())
    right = len(piece.rstrip())
    if right <= left:
        return None
    return start + left, start + right


def paragraph_bounds(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` of each of :func:`paragraphs`, without building spans (for batch scoring)."""
    if not text:
        return []
    # same length, same offsets: "\r\n" counts as one line end, a lone "\r" as another
    normal = text.replace("\r\n", " \n").replace("\r", "\n") if "\r" in text else text
    sep = _BLANK_LINE if _BLANK_LINE.search(normal) else _NEWLINE
    bounds: list[tuple[int, int]] = []
    pos = 0
    for m in sep.finditer(normal):
        b = _trim_bounds(text, pos, m.start())
        if b:
            bounds.append(b)
        pos = m.end()
    b = _trim_bounds(text, pos, len(text))
    if b:
        bounds.append(b)
    return bounds


# ---------------------------------------------------------------------------------------------
# Sentences

# Abbreviations that do not end a sentence when followed by a capitalised word.
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st gen lt col maj capt cmdr adm sgt cpl pvt gov sen rep rev fr hon pres
    supt insp det atty messrs mme mlle jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues
    wed thu thur thurs fri sat sun no nos vol vols fig figs p pp ch art sec para ed eds est approx
    dept univ assn bros inc corp co ltd llc plc vs v etc al e.g i.e cf ca mt ft ave blvd rd hwy
    a.m p.m u.s u.k u.n u.s.a e.u d.c n.y l.a
    """.split()
)
# Dotted acronyms such as U.S. *can* end a sentence; they do when the next word usually starts one.
_SENTENCE_STARTERS = frozenset(
    """
    the a an in on at but and he she it they we i this that these those there his her its their
    our my after before when while if as for so yet however meanwhile still then now some many
    most officials what who why how
    """.split()
)
_SOMETIMES_FINAL = frozenset("no co st sun sat mar est sec art v p ca inc corp ltd llc plc jr sr etc al bros".split())
_OPENERS = "\"'“‘([{«"
_WORD_BEFORE = re.compile(r"([\w.]+)$")
# A sentence-ending candidate: "...", "…" or a run of [.!?], then closing quotes/brackets, then
# whitespace (captured). It starts with a character class so the regex engine skips straight to the
# next [.!?…] instead of trying every position.
_CANDIDATE_NEXT = re.compile(r"[.!?…](?:(?<=\.)\.\.|(?<=[.!?])[.!?]*|(?<=…))[\"'”’)\]}»]*(?=(\s+))")
_NEXT_WORD = re.compile(r"[\w'’]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _word_before(text: str, end: int) -> re.Match[str] | None:
    r"""``_WORD_BEFORE.search(text, 0, end)`` without rescanning the text from its start.

    The leftmost match of ``[\w.]+$`` is the whole run of word characters and dots before
    ``end``; searching from a window start finds the same run unless the run reaches the window
    start, in which case the window is widened. Linear in the run, not in the text.
    """
    width = 16
    while True:
        lo = max(0, end - width)
        m = _WORD_BEFORE.search(text, lo, end)
        if m is None or m.start() > lo or lo == 0:
            return m
        width *= 4


def _next_word(text: str, start: int) -> str:
    """The word starting at ``start`` (opening quotes and brackets skipped), or ``""``."""
    m = _NEXT_WORD.match(text[start:start + 40].lstrip(_OPENERS))
    return m.group(0) if m else ""


def _is_boundary(text: str, end_punct: int, token_end: int, next_start: int) -> bool:
    """Decide whether the punctuation ending at ``token_end`` closes a sentence."""
    if next_start >= len(text):
        return True
    nxt = text[next_start]
    nxt_word: str | None = None  # the next word, looked up only when a rule needs it
    starts_upper = nxt in _OPENERS or nxt.isupper() or nxt.isdigit() or (not nxt.isalnum() and nxt not in ",;:")
    if not starts_upper:
        nxt_word = _next_word(text, next_start)
        if not (nxt_word and nxt_word[0].isupper()):
            return False
    punct = text[end_punct:token_end]
    if not punct.startswith(".") or punct.startswith("..."):
        # "!" "?" always end a sentence before a capital; an ellipsis only before a capital too
        return True
    m = _word_before(text, end_punct)
    if not m:
        return True
    word = m.group(1)
    low = word.lower().rstrip(".")
    if nxt.isdigit() and _NUMBER.fullmatch(word):
        return False
    if low in ("no", "nos", "vol", "p", "pp", "art", "sec", "fig") and nxt.isdigit():
        return False
    if "." in low:  # dotted acronym: U.S., a.m., e.g.
        if nxt_word is None:
            nxt_word = _next_word(text, next_start)
        return nxt_word.lower() in _SENTENCE_STARTERS and low not in ("e.g", "i.e", "cf")
    if low in _ABBREVIATIONS:
        if low in _SOMETIMES_FINAL:
            if nxt_word is None:
                nxt_word = _next_word(text, next_start)
            # ordinary words, or abbreviations that often end a sentence ("... Apple Inc. The ...")
            return nxt_word.lower() in _SENTENCE_STARTERS
        return False
    if len(word) == 1 and word.isalpha() and word.isupper():
        return False  # an initial: "J. K. Rowling", "George W. Bush"
    return True


def sentences(text: str, offset: int = 0) -> list[Span]:
    """Split ``text`` into sentences; offsets are into ``text`` plus ``offset``.

    Aware of abbreviations (Mr., Gen., Jan., U.S., No. 2), initials, decimals and numbers,
    ellipses and quotation marks that close after the final stop (``.”``).
    """
    return [Span(a + offset, b + offset, text[a:b]) for a, b in sentence_bounds(text)]


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` in ``text`` of each of :func:`sentences`, without building spans."""
    bounds: list[tuple[int, int]] = []
    pos = 0
    for m in _CANDIDATE_NEXT.finditer(text):
        token_end = m.end()
        if _is_boundary(text, m.start(), token_end, m.end(1)):
            b = _trim_bounds(text, pos, token_end)
            if b:
                bounds.append(b)
            pos = token_end
    b = _trim_bounds(text, pos, len(text))
    if b:
        bounds.append(b)
    return bounds


# ---------------------------------------------------------------------------------------------
# Quotations


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` of each double-quoted span in ``text``, quotation marks included.

    Curly quotes pair “ with ”; a straight ``"`` opens when it follows a space, an opening bracket
    or the start of text and closes otherwise. A quote still open at the end of the text runs to
    the end (news paragraphs often leave a quote open when it continues in the next paragraph).
    """
    spans: list[tuple[int, int]] = []
    if "\"" not in text and "“" not in text and "”" not in text:
        return spans  # most paragraphs: no quotation mark at all
    open_at: int | None = None
    for m in _QUOTE_CHAR.finditer(text):
        i, ch = m.start(), m.group()
        if open_at is None:
            if ch == "“" or (ch == "\"" and _opens(text, i)):
                open_at = i
        elif ch != "“":
            spans.append((open_at, i + 1))
            open_at = None
    if open_at is not None and len(text) - open_at > 1:
        spans.append((open_at, len(text)))
    return spans


_QUOTE_CHAR = re.compile("[\"“”]")


def _opens(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before.isspace() or before in "([{—–-/:") and not after.isspace()


QUOTE_TOKEN = " _quote_ "
SHORT_QUOTE_TOKEN = " _shortquote_ "


def mask_quotes(text: str, spans: list[tuple[int, int]] | None = None, short_words: int = 3) -> str:
    """Replace quoted spans by a placeholder so that only the writer's own voice remains.

    Quotes of at most ``short_words`` words (scare quotes, a quoted label) keep their words and
    gain a ``_shortquote_`` marker, because quoting a single word is itself a framing choice.
    """
    if spans is None:
        spans = quote_spans(text)
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end in spans:
        out.append(text[pos:start])
        inner = text[start:end].strip("\"“” ")
        if len(inner.split()) <= short_words:
            out.append(SHORT_QUOTE_TOKEN + inner + " ")
        else:
            out.append(QUOTE_TOKEN)
        pos = end
    out.append(text[pos:])
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Paragraph kinds

NON_CONTENT_KINDS = ("caption", "related_link", "widget", "author_promo", "byline", "dateline")

_CREDIT = (
    r"\((?=[^()]*(?:\b(?:Images?|Photos?|Photography|Pictures|AP|AFP|Reuters|Getty|Shutterstock|EPA|Pool"
    r"|Wikimedia|Handout|Courtesy|File)\b|[A-Za-z.]\s?/\s?[A-Z]))[^()]{3,120}\)"
)
_KIND_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "related_link",
        re.compile(
            r"^(?:RELATED|Related|READ MORE|Read [Mm]ore|MORE|More|SEE ALSO|See [Aa]lso|ALSO READ|Also [Rr]ead"
            r"|WATCH|Watch|LISTEN|RECOMMENDED|Recommended|TRENDING|Trending|CLICK HERE|Click [Hh]ere"
            r"|Sign up|SIGN UP|Subscribe|SUBSCRIBE|Read the (?:full|original) (?:article|story)"
            r"|Continue [Rr]eading|Keep [Rr]eading|This (?:article|story) (?:was )?(?:originally|first) (?:appeared|published)"
            r"|(?:Originally|First) published)\b.{0,200}$",
            re.S,
        ),
    ),
    (
        "widget",
        re.compile(
            r"^(?:Share(?: this(?: article| story)?)?[.:!]?|Share on \w+|Tweet|Email|Print|Comments?"
            r"|\d+ [Cc]omments?|Leave [Aa] [Rr]eply|Leave a [Cc]omment|Cancel [Rr]eply|Post a [Cc]omment"
            r"|Exit [Mm]obile [Vv]ersion|Advertisement|ADVERTISEMENT|Sponsored|Skip to (?:main )?content"
            r"|Back to top|Log ?in|Sign in|You must be logged in to post a comment\.?|Loading\.{0,3}"
            r"|Copyright\b.*|©.*|All rights reserved\.?|Tags?:.*|Filed [Uu]nder:?.*|Topics?:.*"
            r"|(?:Facebook|Twitter|LinkedIn|WhatsApp|Reddit|Pinterest|Email|Print)"
            r"(?:[\s|,·•]+(?:Facebook|Twitter|X|LinkedIn|WhatsApp|Reddit|Pinterest|Email|Print|Copy [Ll]ink))*)$",
            re.S,
        ),
    ),
    (
        "author_promo",
        re.compile(
            r"^(?:(?:You can )?[Ff]ollow\b.{0,80}\bon (?:Twitter|X|Facebook|Instagram|Threads|Bluesky|TikTok|LinkedIn)\b.{0,80}"
            r"|.{0,80}\b(?:is|writes as) an? (?:\w+ )?(?:reporter|correspondent|writer|editor|columnist|contributor)\b"
            r".{0,160}(?:Follow|Contact|Email|@\w+|\btwitter\b).{0,120}"
            r"|(?:Contact|Email|Reach) (?:the )?(?:author|reporter|\w+ \w+) at .{0,80}"
            r"|.{0,120}@\w+ on (?:Twitter|X)\.?)$",
            re.S,
        ),
    ),
    ("caption", re.compile(r"^(?:(?:Photo|Image|Picture|Credit|Photograph|File photo)s?(?: by)?\s*[:|].{0,200}|" + _CREDIT + r")$", re.S)),
    (
        "byline",
        re.compile(
            r"^(?:By|BY|Written by|Words by|Story by)\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}"
            r"(?:\s*(?:,|and|&)\s*[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}){0,3}"
            r"(?:\s*[|,–—-]\s*.{0,60})?$",
            re.S,
        ),
    ),
    (
        "dateline",
        re.compile(
            r"^(?:(?:Published|Updated|Posted|Last updated)\b.{0,60}"
            r"|(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}.{0,30}"
            r"|\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{4}.{0,30}"
            r"|\d{4}-\d{2}-\d{2}(?:[T ][\d:]+)?\S*"
            r"|[A-Z][A-Z .,'-]{2,40}(?:\([\w .]+\))?\s*[-–—]*)$",
            re.S,
        ),
    ),
]
_CAPTION_TAIL = re.compile(_CREDIT + r"\s*$")
# All kind patterns as one alternation, tried in list order at position 0 exactly as the loop
# would (one regex call per paragraph instead of one per kind). Only when they share flags.
_KIND_ANY = (
    re.compile("|".join(f"(?P<{kind}>{p.pattern})" for kind, p in _KIND_PATTERNS), _KIND_PATTERNS[0][1].flags)
    if len({p.flags for _, p in _KIND_PATTERNS}) == 1 else None
)


def paragraph_kind(text: str) -> str:
    """Classify a paragraph as ``content`` or one of :data:`NON_CONTENT_KINDS`.

    Non-content paragraphs are what scrapers leave around an article: photo captions and credits,
    "RELATED:" and "Read more" links, share/comment/footer widgets, author promotions, and bylines
    or datelines standing alone.
    """
    t = text.strip()
    if not t:
        return "widget"
    if len(t) <= 400:
        if _KIND_ANY is not None:
            m = _KIND_ANY.match(t)
            if m:
                return next(kind for kind, _ in _KIND_PATTERNS if m.group(kind) is not None)
        else:
            for kind, pattern in _KIND_PATTERNS:
                if pattern.match(t):
                    return kind
        # a caption: a short description ending in a credit "(Name/Agency Images)"
        if _CAPTION_TAIL.search(t) and len(t.split()) <= 60:
            return "caption"
    return "content"
