"""The shared vocabulary: heads, levels, paragraph kinds, output columns and the decision point.

Every other module imports its names from here, so each list is written once. This module imports
nothing from the package.
"""

from __future__ import annotations

__all__ = [
    "ARTICLE_COLUMNS",
    "COLUMNS",
    "CONTENT",
    "DECIMALS",
    "DECISION_POINT",
    "FRAMING",
    "HEADS",
    "KINDS",
    "LEVELS",
    "LOADED",
    "MAX_TERMS",
    "NON_CONTENT_KINDS",
    "PARAGRAPH_COLUMNS",
    "SENTENCE_COLUMNS",
    "SENTENCE_LEVEL_COLUMNS",
    "TERM_COLUMNS",
    "TERM_FIELDS",
    "column_kind",
    "output_columns",
]

LOADED = "loaded_language"
FRAMING = "editorial_framing"
HEADS = (LOADED, FRAMING)
# the terms column that explains each head
TERM_COLUMNS = {LOADED: "loaded_terms", FRAMING: "framing_terms"}

DECISION_POINT = 0.5  # a probability at or above this is a flag, unless a model or the user sets another
MAX_TERMS = 6  # terms listed per row, strongest first
DECIMALS = 4  # scores in CLI output are rounded to this many decimals

LEVELS = ("paragraph", "sentence", "article")

CONTENT = "content"
NON_CONTENT_KINDS = ("caption", "related_link", "widget", "author_promo", "byline", "dateline")
KINDS = (CONTENT, *NON_CONTENT_KINDS)

# Fields of one entry of a terms column, with their types. Optional fields are absent (JSON) or null
# (parquet) when they do not apply: ``alternative`` where the lexicon has a plainer word, ``source``
# for terms from a house cue list ("house").
TERM_FIELDS: dict[str, dict[str, str]] = {
    "loaded_terms": {"term": "str", "start": "int", "end": "int", "weight": "float", "alternative": "str?",
                     "source": "str?"},
    "framing_terms": {"term": "str", "start": "int", "end": "int", "weight": "float", "device": "str",
                      "source": "str?"},
}

# Columns of the library's frames, per level (the CLI adds ``doc`` first and may drop ``text``).
SENTENCE_COLUMNS = ["text", LOADED, FRAMING, "loaded_terms", "framing_terms"]  # score_sentences
PARAGRAPH_COLUMNS = ["paragraph", "start", "end", "kind", "text", LOADED, FRAMING, "loaded_terms", "framing_terms",
                     "n_sentences"]
SENTENCE_LEVEL_COLUMNS = ["paragraph", "sentence", "start", "end", "kind", "text", LOADED, FRAMING, "loaded_terms",
                          "framing_terms", "n_sentences"]
ARTICLE_COLUMNS = ["n_paragraphs", "n_content", LOADED, f"{LOADED}_mean", FRAMING, f"{FRAMING}_mean", "share_loaded",
                   "share_framing", "loaded_terms", "framing_terms", "n_sentences"]
COLUMNS = {"paragraph": PARAGRAPH_COLUMNS, "sentence": SENTENCE_LEVEL_COLUMNS, "article": ARTICLE_COLUMNS}

_KIND = {"doc": "str", "paragraph": "int", "sentence": "int", "start": "int", "end": "int", "kind": "str", "text": "str",
         "n_paragraphs": "int", "n_content": "int", "n_sentences": "int", "loaded_terms": "terms",
         "framing_terms": "terms"}


def column_kind(column: str) -> str:
    """``str``, ``int``, ``score`` (a probability or share, may be missing) or ``terms`` (a list of term entries)."""
    return _KIND.get(column, "score")


def output_columns(level: str, with_text: bool = True) -> list[str]:
    """The CLI's columns at ``level``, in order: ``doc``, then the level's columns, ``text`` last or left out."""
    cols = [c for c in COLUMNS[level] if c != "text"]
    return ["doc", *cols, *(["text"] if with_text and "text" in COLUMNS[level] else [])]
