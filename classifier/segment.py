"""Segmentation of news text: paragraphs, sentences, quoted spans, scare quotes and paragraph kinds.

Every function here is pure, runs in time linear in its input, and returns character offsets into
the string it was given, so that ``text[start:end]`` is exactly the piece it reports.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from .schema import CONTENT, NON_CONTENT_KINDS

__all__ = [
    "NON_CONTENT_KINDS",
    "Span",
    "clip_spans",
    "iter_sentence_bounds",
    "paragraph_bounds",
    "paragraph_kind",
    "paragraphs",
    "quote_spans",
    "scare_quotes",
    "sentence_bounds",
    "sentences",
]


@dataclass(frozen=True)
class Span:
    """A piece of a text: ``source[start:end] == text``."""

    start: int
    end: int
    text: str


def _trim_bounds(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``(start, end)`` of ``text[start:end]`` trimmed of whitespace, or None if it is blank."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


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


def paragraph_bounds(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` of each of :func:`paragraphs`, without building spans."""
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
# A run of sentence punctuation and the closing quotes or brackets after it. Nothing follows the
# run in the pattern, so the engine never backtracks into it: one pass over the text.
_PUNCT_RUN = re.compile(r"[.!?…]+[\"'”’)\]}»]*")
_SPACES = re.compile(r"\s+")
_NEXT_WORD = re.compile(r"[\w'’]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD_CHAR = re.compile(r"[\w.]")
_MAX_WORD = 64  # an abbreviation, initial or number is shorter than this


def _word_before(text: str, end: int) -> str:
    """The run of word characters and dots that ends at ``end`` (at most 64 characters, else ``""``)."""
    i = end
    floor = max(0, end - _MAX_WORD - 1)
    while i > floor and _WORD_CHAR.match(text, i - 1):
        i -= 1
    if i == floor and floor > 0 and _WORD_CHAR.match(text, i - 1):
        return ""  # a longer run: an ordinary (if odd) word, not an abbreviation
    return text[i:end]


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
    word = _word_before(text, end_punct)
    if not word:
        return True
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
    return list(iter_sentence_bounds(text))


def iter_sentence_bounds(text: str) -> Iterator[tuple[int, int]]:
    """:func:`sentence_bounds` one at a time (a huge paragraph's bounds are never all held at once)."""
    pos = 0
    n = len(text)
    for m in _PUNCT_RUN.finditer(text):
        token_end = m.end()
        if token_end >= n or not text[token_end].isspace():
            continue  # "U.S.-led", "3.5", "?!x": not followed by whitespace, not an end
        next_start = _SPACES.match(text, token_end).end()  # type: ignore[union-attr]
        if _is_boundary(text, m.start(), token_end, next_start):
            b = _trim_bounds(text, pos, token_end)
            if b:
                yield b
            pos = token_end
    b = _trim_bounds(text, pos, n)
    if b:
        yield b


# ---------------------------------------------------------------------------------------------
# Quotations

_QUOTE_CHAR = re.compile("[\"“”]")


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


def _opens(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before.isspace() or before in "([{—–-/:") and not after.isspace()


def _end(span: tuple[int, int]) -> int:
    return span[1]


def clip_spans(spans: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    """``spans`` (sorted, non-overlapping) cut to ``[start, end)`` and shifted to start at 0.

    The first overlapping span is found by bisection, so cutting a paragraph's quotations for each of
    its sentences stays linear in the paragraph.
    """
    out = []
    i = bisect_right(spans, start, key=_end)
    while i < len(spans) and spans[i][0] < end:
        a, b = spans[i]
        out.append((max(a, start) - start, min(b, end) - start))
        i += 1
    return out


SCARE_QUOTE_MAX_WORDS = 4
_TERMINAL = re.compile(r"[.!?…]")
_LETTER = re.compile(r"[^\W\d_]")


def scare_quotes(text: str, spans: list[tuple[int, int]]) -> list[bool]:
    """For each quoted span of ``text``: is it a scare quote, quoted words in the writer's own clause?

    A scare quote has at most four words, sits inside a clause of the writer's (some letter comes
    before it in ``text``, and no colon introduces it), closes within ``text``, and quotes words, not a
    sentence (no ``. ! ?`` inside): ``the “experts”``, ``a “reform,” critics said``. Quoted
    sentences and replies (``“Yes.”``, ``“It rained.”``) and quotations that open the text or run
    past its end are quotations, however short.
    """
    out = []
    for a, b in spans:
        closed = b - a >= 2 and text[b - 1] in "\"”" and b <= len(text)
        inner = text[a + 1:b - 1] if closed else ""
        words = inner.split()
        before = text[:a].rstrip()
        out.append(
            closed
            and 1 <= len(words) <= SCARE_QUOTE_MAX_WORDS
            and not _TERMINAL.search(inner)
            and bool(_LETTER.search(before))
            and not before.endswith(":")
        )
    return out


# ---------------------------------------------------------------------------------------------
# Paragraph kinds

_CREDIT = (
    r"\((?=[^()]*(?:\b(?:Images?|Photos?|Photography|Pictures|AP|AFP|Reuters|Getty|Shutterstock|EPA|Pool"
    r"|Wikimedia|Handout|Courtesy|File)\b|[A-Za-z.]\s?/\s?[A-Z]))[^()]{3,120}\)"
)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DAY = r"(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?"
_SOCIAL = r"(?:Twitter|X|Facebook|Instagram|Threads|Bluesky|TikTok|LinkedIn|Mastodon|YouTube|WhatsApp|Telegram)"
_NAME = r"[A-Z][\w.'’-]+(?: (?:[A-Z][\w.'’-]+|de|van|von|da|al|el|bin)){0,3}"
_AGENCY = r"(?:AP|AFP|Reuters|EPA|Getty Images|Shutterstock|Bloomberg|Pool|Handout|iStock(?:photo)?)"
_KIND_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("related_link", re.compile(
        r"(?:RELATED|READ MORE|MORE|SEE ALSO|ALSO READ|WATCH|LISTEN|RECOMMENDED|TRENDING|CLICK HERE|MUST READ"
        r"|DON'T MISS|READ NEXT|UP NEXT|VIDEO|PHOTOS|GALLERY|PODCAST)\b.{0,200}"
        r"|(?:Related(?: [Cc]overage| [Ss]tories| [Aa]rticles?| [Cc]ontent| [Ll]inks?)?|Read [Mm]ore|Read [Nn]ext|Read [Aa]lso"
        r"|More(?: [Ss]tories| [Cc]overage| [Nn]ews| from [^:|]{1,60}| on [^:|]{1,60})?|See [Aa]lso|Also [Rr]ead"
        r"|Watch(?: [Nn]ow| [Ll]ive| the [Vv]ideo)?|Listen(?: [Nn]ow)?|Recommended(?: [Ss]tories| for [Yy]ou| [Rr]eading)?"
        r"|Trending(?: [Nn]ow| [Ss]tories)?|Must [Rr]ead|Don't [Mm]iss|Up [Nn]ext|Video|Photos|Gallery|Podcast"
        r"|(?:Next|Previous) (?:[Aa]rticle|[Ss]tory|[Pp]ost)|Editor'?s'? [Pp]icks?|Most (?:[Rr]ead|[Pp]opular|[Vv]iewed|[Ss]hared)"
        r"|Top [Ss]tories|Latest(?: [Nn]ews| [Ss]tories)?|You (?:[Mm]ay|[Mm]ight) (?:[Aa]lso )?[Ll]ike|Further [Rr]eading)"
        r"\s*(?:[:|»›>–—-]\s*.{0,200})?"
        r"|(?:Click|Tap) here\b.{0,150}"
        r"|Read (?:more|on)(?:\s*[:»›>…]|\s+(?:about|from|on|at|in|here)\b).{0,150}"
        r"|Read the (?:full|original|complete) (?:article|story|report|interview)\b.{0,150}"
        r"|(?:Continue|Keep) [Rr]eading\b.{0,100}"
        r"|This (?:article|story|post) (?:was )?(?:originally|first) (?:appeared|published)\b.{0,160}"
        r"|(?:Originally|First) published\b.{0,120}")),
    ("widget", re.compile(
        r"(?:[-–—•|]\s*)?(?:Share(?: this(?: article| story| post| page)?| on " + _SOCIAL + r"| via \w+)?[.:!]?|Tweet|Email|E-mail"
        r"|Print|Comments?(?: \(\d+\))?|\d+ [Cc]omments?|(?:Show|View|Hide|Load|Read) (?:all )?comments|Leave [Aa] [Rr]eply"
        r"|(?:Leave|Add|Post) a [Cc]omment|Cancel [Rr]eply|Join the [Cc]onversation|Exit [Mm]obile [Vv]ersion"
        r"|Advertisement|ADVERTISEMENT|Sponsored(?: [Cc]ontent)?|Skip to (?:main )?content|Back to top|Log ?in|Sign in"
        r"|(?:Story|Article) continues below(?: [Aa]dvertisement)?|Continue reading (?:below|the main story)"
        r"|Scroll (?:down )?to continue(?: with content| reading)?|Like this:|Like us on " + _SOCIAL + r".{0,60}"
        r"|Follow us on " + _SOCIAL + r".{0,80}|Share this:|Click to (?:share|email|print)\b.{0,80}|Copy [Ll]ink"
        r"|Gift (?:this )?[Aa]rticle|Listen to (?:this )?(?:article|story)\b.{0,40}|Reprints?(?: (?:&|and) [Pp]ermissions)?"
        r"|(?:Terms of (?:Use|Service)|Privacy Policy|Cookie (?:Policy|Settings)|Contact [Uu]s|About [Uu]s)(?:\s*[|·•]\s*"
        r"(?:Terms of (?:Use|Service)|Privacy Policy|Cookie (?:Policy|Settings)|Contact [Uu]s|About [Uu]s))*"
        r"|Report an? (?:error|typo|correction)|(?:Have|Got) a (?:news )?tip\?.{0,120}"
        r"|Your email address will not be published\..{0,100}|Required fields are marked.{0,20}"
        r"|You must be logged in to post a comment\.?|Loading\.{0,3}"
        r"|(?:Enjoy|Get|Unlock) unlimited (?:digital )?access\b.{0,120}|Already a subscriber\?.{0,80}"
        r"|This (?:article|story|content) is (?:only )?(?:available|exclusive|reserved) (?:to|for) (?:subscribers|members)\b.{0,80}"
        r"|Subscribe(?: now| today| here| to (?:our|the) .{0,80}| for .{0,80})?[.!:]?"
        r"|(?:Copyright|COPYRIGHT)\s*(?:©|\([Cc]\)|\d{4}).{0,200}|©.{0,200}|All [Rr]ights [Rr]eserved\.?"
        r"|(?:Tags?|TAGS?|Topics?|TOPICS?|Filed [Uu]nder|FILED UNDER|Categories|Category)\s*:.{0,300}"
        r"|Sign up (?:for|to) (?:our|the|a)\b.{0,80}\b(?:newsletters?|alerts|briefing|emails?)\b.{0,120}"
        r"|(?:Download|Get) (?:our|the) .{0,40}\bapp\b.{0,120}"
        r"|(?:Facebook|Twitter|LinkedIn|WhatsApp|Reddit|Pinterest|Email|Print|Flipboard)"
        r"(?:[\s|,·•]+(?:Facebook|Twitter|X|LinkedIn|WhatsApp|Reddit|Pinterest|Email|Print|Flipboard|Copy [Ll]ink))*)"
        r"(?:\s*[-–—•|])?")),
    ("author_promo", re.compile(
        r"(?:You can )?[Ff]ollow (?:\S+ ){0,5}on " + _SOCIAL + r"\b.{0,100}"
        r"|" + _NAME + r" (?:is|writes as) an? (?:[\w-]+ ){0,4}"
        r"(?:reporter|correspondent|writer|editor|columnist|contributor|producer)\b.{0,200}"
        r"(?:[Ff]ollow (?:him|her|them)|[Cc]ontact (?:him|her|them)|[Ee]mail (?:him|her|them)|[Rr]each (?:him|her|them)"
        r"|@\w+|on " + _SOCIAL + r"\b|reached at|[Ee]mail\b).{0,120}"
        r"|" + _NAME + r" (?:covers|writes about|reports on|is the [\w' ]{0,60}?(?:correspondent|reporter|editor|writer|columnist))"
        r"\b.{0,200}(?:reached at|[Ee]mail\b|@\w+|[Ff]ollow (?:him|her|them)|[Cc]ontact (?:him|her|them)|[Tt]ip\?).{0,120}"
        r"|(?:Support local journalism: )?(?:Contact|Email|Reach) (?:the )?(?:author|reporter|writer|him|her|them|(?:reporter )?"
        + _NAME + r")(?:s)?\s*(?:at|on|via|:)\s*.{0,80}"
        r"|About the (?:author|reporter|writer)s?\s*:.{0,300}|More (?:from|by) this (?:author|writer|reporter)"
        r"|.{0,120}@\w+ on (?:Twitter|X)\.?")),
    ("caption", re.compile(
        r"(?:Photo|Image|Picture|Credit|Photograph|File [Pp]hoto|Pictured|PHOTO|IMAGE|FILE PHOTO|Photo [Cc]redit|Photo illustration)s?"
        r"(?: by)?\s*[:|].{0,250}|" + _CREDIT +
        r"|(?:Photo|Image|Photograph|Video|Photo illustration|Illustration)s? (?:by|courtesy of|courtesy|via|credit)\b.{0,150}"
        r"|\[(?:Photo|Image|Picture)s?:? [^\]]{0,150}\]|Pictured(?:,? from left)?[:,] .{0,250}"
        r"|(?:[\w .'-]{0,60} via )?" + _AGENCY + r"(?: (?:Photos?|Images))?(?:\s*/\s*[\w .'-]{1,60})?"
        r"|Enlarge this image|[Tt]oggle caption|Supplied|Handout|File photo|Hide caption|Caption")),
    ("dateline", re.compile(
        r"(?:Published|Updated|Posted|Last updated|PUBLISHED|UPDATED)(?: on| at)?:?\s*(?:(?:\d|" + _MONTH + r"|" + _DAY
        + r").{0,120})?"
        r"|(?:" + _DAY + r",?\s+)?" + _MONTH + r"\s+\d{1,2},?\s+\d{4}.{0,40}"
        r"|(?:" + _DAY + r",?\s+)?\d{1,2}\s+" + _MONTH + r"\s+\d{4}.{0,40}"
        r"|\d{4}-\d{2}-\d{2}(?:[T ][\d:]+)?\S*"
        r"|(?:\d+|an?|one) (?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?) ago|Yesterday|Just now"
        r"|[A-Z][A-Z .,'-]{2,40}(?:\([\w .]+\))?\s*[-–—]*")),
]
_CAPTION_TAIL = re.compile(r"(?:" + _CREDIT + r"|(?:Photo|Image|Credit|Photograph)s?\s*:\s*[^.:]{2,80})\s*$")
_KIND_ANY = re.compile("|".join(f"(?P<{kind}>(?:{p.pattern})$)" for kind, p in _KIND_PATTERNS), re.S)
_LINK_HEADER = re.compile(r".{1,40}:$")  # "Read more:", "Related:" over a list of headlines

_BYLINE_START = re.compile(r"(?:By|BY|Written by|Words by|Story by|Reporting by|Compiled by|Edited by)\s+")
_BYLINE_WHOLE = re.compile(
    r"(?:By|BY|From) (?:[Tt]he )?(?:Associated Press|Reuters|AFP|Agence France-Presse|Bloomberg(?: News)?"
    r"|[Ss]taff(?: [Rr]eports?| [Ww]riters?)?"
    r"|(?:[Tt]he )?[Ee]ditorial [Bb]oard|[Nn]ews [Ss]ervices|[Ww]ire [Ss]ervices|[Ss]taff and [Ww]ire [Rr]eports)"
    r"|(?:From )?[Ss]taff [Rr]eports?|[Ss]taff [Rr]eport"
    r"|(?:Senior |Staff |Contributing |Special |Chief |Political |National |Deputy |Managing |Associate )*"
    r"(?:Writer|Reporter|Correspondent|Editor|Columnist|Contributor)s?(?:,? .{0,40})?")
_BARE_NAME = re.compile(_NAME)
_NAME_WORD = re.compile(r"[A-Z][\w.'’-]*")
_NOT_NAMES = frozenset(
    """
    the this that then now monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december today tomorrow tonight noon midnight election
    christmas easter spring summer fall autumn winter law contrast comparison far most some all early late mid
    """.split()
)
_BYLINE_TAIL_WORDS = frozenset("and of the for at in to staff writer reporter correspondent contributor editor news senior "
                               "special political national chief bureau".split())
_MAX_KIND_CHARS = 400  # a line longer than this (after normalising whitespace) is content
_MAX_LINES_CHARS = 4000  # a paragraph longer than this is content without looking at its lines
_SHORT_LINE_WORDS = 15  # under a link-list header, headline-length lines are links
_SENTENCE_END = re.compile(r"[a-z]{2,}[.!?]$")  # "..., was the last day the plant operated." is prose, not a dateline


def _is_byline(t: str) -> bool:
    """``By Jane Doe``, ``By JANE DOE and JOHN ROE, Associated Press``, ``By Jane Doe | Staff Writer``."""
    if _BYLINE_WHOLE.fullmatch(t):
        return True
    m = _BYLINE_START.match(t)
    if not m:
        return False
    words = t[m.end():].split(" ")
    names = 0
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("and", "&") and names:
            i += 1
            continue
        bare = w.rstrip(",")
        if not _NAME_WORD.fullmatch(bare) or bare.lower().strip(".") in _NOT_NAMES:
            break
        names += 1
        i += 1
        if w.endswith(","):
            break
    if not names or names > 12:
        return False
    tail = [w for w in words[i:] if w not in ("|", "-", "–", "—")]
    if not tail:
        return True
    if len(tail) > 8 or (tail[-1].endswith((".", "!", "?")) and not tail[-1][:1].isupper()):
        return False
    return all(w[:1].isupper() or w.strip(",.|") in _BYLINE_TAIL_WORDS for w in tail)


def _line_kind(t: str) -> str:
    """The kind of one line of text with normalised whitespace."""
    if not t:
        return "widget"
    if len(t) > _MAX_KIND_CHARS:
        return CONTENT
    m = _KIND_ANY.match(t)
    if m and not (m.lastgroup == "dateline" and _SENTENCE_END.search(t)):
        return m.lastgroup or CONTENT
    if _is_byline(t):
        return "byline"
    if _CAPTION_TAIL.search(t) and len(t.split()) <= 60:
        return "caption"  # a short description ending in a credit "(Name/Agency Images)"
    return CONTENT


def paragraph_kind(text: str) -> str:
    """Classify a paragraph as ``content`` or one of :data:`NON_CONTENT_KINDS`.

    Non-content paragraphs are what scrapers leave around an article: photo captions and credits,
    "RELATED:" and "Read more" links, share/comment/footer widgets, author promotions, and bylines
    or datelines standing alone. Whitespace (non-breaking and thin spaces, tabs) is normalised first.
    A paragraph of several lines is non-content only when every line is (it then takes the first
    line's kind): a content line makes the whole paragraph content.
    """
    if len(text) > _MAX_LINES_CHARS:
        return CONTENT
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    if len(lines) <= 1:
        return _line_kind(lines[0] if lines else "")
    kinds = [_line_kind(line) for line in lines]
    if CONTENT not in kinds:
        return kinds[0]
    if kinds[0] == "related_link" and _LINK_HEADER.fullmatch(lines[0]) and all(
            k != CONTENT or (len(line.split()) <= _SHORT_LINE_WORDS and not line.endswith(".")) for k, line in zip(kinds, lines)):
        return "related_link"  # "Read more:" over a list of headlines
    if any(_BYLINE_WHOLE.fullmatch(line) for line in lines) and all(
            k != CONTENT or _BARE_NAME.fullmatch(line) for k, line in zip(kinds, lines)):
        return "byline"  # a name on one line, "Staff Writer" on the next
    whole = " ".join(lines)
    if len(whole) <= _MAX_KIND_CHARS and _CAPTION_TAIL.search(whole) and len(lines) <= 3:
        return "caption"  # a description wrapped over lines, ending in a credit
    return CONTENT
