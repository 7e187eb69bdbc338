"""The fitted pipelines in their linear form: scoring and explaining sentences without scikit-learn.

Each head is ``sigmoid(b + w · tfidf(n-grams) / max(‖tfidf‖, floor) + Σ w · cue features + Σ v(word) / max(n, f))``,
the last term the dense word-vector block folded into one weight ``v`` per word (``n``: words read, ``f``: a length floor).
:func:`export` reads those numbers off fitted pipelines **by feature name**
(``get_feature_names_out``). :class:`Scorer` computes the same values for a whole batch of sentences at
once: the tokens :func:`classifier.words.view` reads, the n-grams :func:`~classifier.words.ngrams` forms
and the cue values of the pipelines' own :class:`~classifier.lexicon.CueEncoder`, tokenizing each sentence
once for both heads; it splits each decision value into per-token contributions for explanations.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, compress, pairwise, repeat
from typing import Any, NamedTuple

from .lexicon import SCOPES, CueEncoder, Hit, Lexicon, scope_index
from .schema import FRAMING, HEADS, LOADED
from .words import TOKEN_RE, Tokens, lowered, tokenize, word_spans, writer_voice

DROPPED = -2  # the unigram row of a dropped (function) word; -1: a word outside the vocabulary

__all__ = ["Batch", "Contributions", "HeadWeights", "KeyTable", "Piece", "Scorer", "export"]


@dataclass
class HeadWeights:
    """One head as numbers: its view, intercept, length floor, and cue weights by feature name.

    The n-gram weights of both heads live in the :class:`Scorer`'s shared table.
    """

    view: str  # "all" or "writer"
    intercept: float
    floor: float
    cue_weights: dict[str, float]  # "{scope}:{category}" and "term:{scope}={concept}" -> weight
    scopes: tuple[str, ...]
    vector_floor: float = 0.0  # the word-vector mean never divides by fewer words than this


class Piece(NamedTuple):
    """A sentence (or a piece of an over-long one) to score, with its quotation spans (None: find them in it)."""

    text: str
    quotes: Sequence[tuple[int, int]] | None = None


class NgramPass(NamedTuple):
    """The n-gram occurrences of a batch of token sequences and each sequence's per-head [sq, dot] sums."""

    rows: Any  # table row of each occurrence (unigrams first, then bigrams)
    first: Any  # flat position of its first token
    second: Any  # flat position of each bigram's second token (dropped words may lie between)
    piece: Any  # sequence it occurs in
    count: Any  # occurrences of the same n-gram in the same sequence
    n_unigrams: int
    lengths: Any  # tokens per sequence
    sums: Any  # n x 6: sq and dot of the loaded head, then of the framing head, then each head's word-vector part
    vec_at: Any  # flat positions of the tokens with a word-vector weight
    vec_share: Any  # their share of each head's word-vector part (len(vec_at) x 2)


class Batch(NamedTuple):
    """What :meth:`Scorer.read_batch` learned about a batch of pieces: enough to score and to explain them.

    ``parts`` of a piece alternate the stretches between tokens and the tokens (lower-cased), so token offsets
    are sums of lengths; None when lower-casing changes the text's length (then offsets are found directly).
    """

    texts: list[str]
    words: list[list[str]]  # each piece's tokens
    parts: list[list[str] | None]
    writers: dict[int, Tokens]  # the writer's voice of each piece with quotations (the others': every word)
    word_spans: dict[int, list[tuple[int, int]]]  # the offsets of every token of each piece with quotations
    all: NgramPass
    writer: NgramPass | None  # over the quoted pieces only, in the order of ``quoted``
    quoted: list[int]
    cues: Any  # n x 2: each head's cue part of the decision value
    found: Any  # lexicon matches in reading order, one row each: piece, scope (0 outside, 1 inside), entry, first and end token
    hit_shares: Any  # per match, its share of each head's cue part (NaN: a scope the head does not read)
    hit_start: list[int]  # each piece's first match
    hit_count: list[int]  # and its number of matches


class Contributions:
    """One head's decision value split over the tokens it reads: ``intercept + sum(weights) == logit``.

    ``weights`` is a list of floats, one per token; token offsets are worked out on first use
    (:meth:`span`): a piece with nothing to report never needs them.
    """

    __slots__ = ("_cue", "_ends", "_hits", "_parts", "_spans", "_text", "candidates", "intercept", "weights", "words")

    def __init__(self, words: list[str], weights: list[float], cue: list[Hit | None] | None, intercept: float,
                 spans: list[tuple[int, int]] | None = None, text: str = "", parts: list[str] | None = None,
                 candidates: list[int] | None = None, hits: Sequence[Hit] | None = None):
        self.words = words
        self.candidates = candidates  # tokens whose weight reaches the reporting floor, when worked out for a batch
        self.weights = weights
        self._cue = cue
        self._hits = hits  # the cues, when ``cue`` is left to be worked out from them on first use
        self.intercept = intercept
        self._text = text
        self._parts = parts
        self._spans = spans
        self._ends: list[int] | None = None

    @property
    def cue(self) -> list[Hit | None] | None:
        """The lexicon cue each token belongs to (None: no cues in the head's scopes)."""
        if self._cue is None and self._hits:
            cue: list[Hit | None] = [None] * len(self.words)
            for h in self._hits:
                cue[h.first:h.end] = [h] * (h.end - h.first)
            self._cue = cue
        return self._cue

    @property
    def spans(self) -> list[tuple[int, int]]:
        """Every token's offsets in the piece."""
        if self._spans is None:
            self._spans = spans_of(self._text, self.words, self._parts)
        return self._spans

    def span(self, k: int) -> tuple[int, int]:
        """The offsets of token ``k`` in the piece."""
        if self._spans is None and self._parts is not None:
            if self._ends is None:
                self._ends = list(accumulate(map(len, self._parts)))
            end = self._ends[2 * k + 1]
            return end - len(self.words[k]), end
        return self.spans[k]

    def phrase_span(self, first: int, last: int) -> tuple[int, int]:
        """The offsets of tokens ``first`` to ``last`` (inclusive) in the piece, as one stretch of text."""
        if self._spans is None and self._parts is not None and self._ends is None:
            parts = self._parts  # two short sums cost less than every token's offset
            start = sum(map(len, parts[:2 * first + 1]))
            return start, start + sum(map(len, parts[2 * first + 1:2 * last + 2]))
        return self.span(first)[0], self.span(last)[1]

    def gap(self, k: int) -> str:
        """The text between token ``k - 1`` and token ``k`` (lower-cased when read from the piece's stretches)."""
        if self._spans is None and self._parts is not None:
            return self._parts[2 * k]
        return self._text[self.span(k - 1)[1]:self.span(k)[0]]

    def hit(self, k: int) -> Hit | None:
        """The lexicon cue token ``k`` belongs to, if any."""
        if self._cue is not None:
            return self._cue[k]
        if self._hits:
            for h in self._hits:
                if h.first <= k < h.end:
                    return h
        return None


def spans_of(text: str, words: list[str], parts: list[str] | None) -> list[tuple[int, int]]:
    """Token offsets from the alternating stretches and tokens of :func:`_split` (or from ``text``)."""
    if parts is None:
        return word_spans(text, words)
    ends = list(accumulate(map(len, parts)))
    return [(e - len(w), e) for e, w in zip(ends[1::2], words)]


_SPLIT = re.compile(f"({TOKEN_RE.pattern})")
_SPLIT_ASCII = re.compile(f"({TOKEN_RE.pattern})", re.ASCII)  # the same tokens in ASCII text, found faster


def _split(text: str) -> tuple[list[str], list[str] | None]:
    """Tokens of ``text`` (as :func:`~classifier.words.tokenize`) and, when exact, the stretches between them."""
    if text.isascii():
        parts = _SPLIT_ASCII.split(text.lower())
        return parts[1::2], parts
    low = lowered(text)
    if low is None:
        return tokenize(text), None
    parts = _SPLIT.split(low)
    return parts[1::2], parts


_MULTIPLIER = 0x9E3779B97F4A7C15  # Fibonacci hashing: odd, spreads consecutive keys over the table


class KeyTable:
    """Non-negative integer keys mapped to integer values, looked up a whole array at a time.

    An open-addressing hash table (linear probing, about half full) held in two numpy arrays, -1
    marking a free slot: a lookup costs a few array passes, where a binary search costs one per halving.
    Probing runs off the end into a free tail instead of wrapping around.
    """

    def __init__(self, keys: Any, values: Any):
        import numpy as np

        keys = np.asarray(keys, dtype=np.int64)
        values = np.asarray(values, dtype=np.int64)
        if len(keys) != len(values) or len(np.unique(keys)) != len(keys) or (len(keys) and keys.min() < 0):
            raise ValueError("KeyTable needs as many values as keys, and distinct non-negative keys")
        bits = max(4, int(len(keys) * 2).bit_length())
        self._shift = np.uint64(64 - bits)
        home = self._home(keys)
        order = np.argsort(home, kind="stable")
        rank = np.arange(len(keys))
        # in order of home slot, each key takes its home or the slot after the previous key's, whichever is later
        slot = (np.maximum.accumulate(home[order] - rank) + rank) if len(keys) else rank
        size = max(1 << bits, int(slot[-1]) + 1 if len(keys) else 0) + 1  # at least one free slot past the last key
        self._keys = np.full(size, -1, dtype=np.int64)
        self._values = np.zeros(size, dtype=np.int64)
        self._keys[slot] = keys[order]
        self._values[slot] = values[order]

    def __len__(self) -> int:
        return int((self._keys >= 0).sum())

    def _home(self, keys: Any) -> Any:
        import numpy as np

        return ((keys.astype(np.uint64) * np.uint64(_MULTIPLIER)) >> self._shift).astype(np.int64)

    def get(self, queries: Any, default: int = -1) -> Any:
        """The value of each query key (``default`` where it is not in the table)."""
        import numpy as np

        queries = np.asarray(queries, dtype=np.int64)
        out = np.full(len(queries), default, dtype=np.int64)
        pending = np.arange(len(queries))
        at = self._home(queries)
        while len(pending):
            found = self._keys[at]
            hit = found == queries[pending]
            out[pending[hit]] = self._values[at[hit]]
            more = ~hit & (found >= 0)
            pending, at = pending[more], at[more] + 1
        return out


def _window_hashes(codes: Any, size: int) -> Any:
    """A hash of every run of ``size`` consecutive codes (uint64 arithmetic, wrapping)."""
    import numpy as np

    base = np.uint64(_MULTIPLIER)
    h = codes[:len(codes) - size + 1].astype(np.uint64)
    for j in range(1, size):
        h = h * base + codes[j:len(codes) - size + 1 + j].astype(np.uint64)
    return h


COLUMNS = 4  # per n-gram row: idf² and idf·w of the loaded head, then of the framing head


def _union_parts(pipeline: Any) -> tuple[Any, Any, Any, Any, Any]:
    """The fitted TF-IDF vectorizer, floor normalizer, lexicon features, word vectors (or None) and classifier of a head."""
    features = pipeline.named_steps["features"]
    parts = dict(features.transformer_list)
    words = parts["words"]
    return (words.named_steps["tfidf"], words.named_steps["norm"], parts["lexicon"], parts.get("vectors"),
            pipeline.named_steps["clf"])


def _vector_part(head: str, vec: Any, dims: dict[str, float], rows: dict[str, list[float]], h: int) -> float:
    """Fold a head's word-vector block into per-word weights (into ``rows``, column ``h``); its length floor."""
    if vec is None:
        if dims:
            raise ValueError(f"{head}: vector coefficients without a vectors block")
        return 0.0
    names = vec.get_feature_names_out().tolist()
    if set(names) != set(dims):
        raise ValueError(f"{head}: the vectors block names {len(names)} columns, the classifier has {len(dims)}")
    words, weights = vec.word_weights([dims[n] for n in names])
    for w, v in zip(words, weights.tolist()):
        rows.setdefault(w, [0.0, 0.0])[h] = v
    return vec.length_floor_


def export(heads: Mapping[str, Any]) -> Scorer:
    """Read both heads' numbers off fitted pipelines (as built by :func:`classifier.training.build_head`).

    Weights are mapped by the feature names the fitted union reports, never by position.
    """
    shared: dict[str, Any] = {}
    weights: dict[str, HeadWeights] = {}
    gram_rows: dict[str, list[float]] = {}
    vec_rows: dict[str, list[float]] = {}
    for h, head in enumerate(HEADS):
        if head not in heads:
            continue
        pipe = heads[head]
        tfidf, norm, lex, vec, clf = _union_parts(pipe)
        if not tfidf.sublinear_tf or not tfidf.use_idf or tfidf.norm is not None or not callable(tfidf.analyzer):
            raise ValueError(f"{head}: expected sublinear TF-IDF with idf, no norm of its own, and an Ngrams analyzer")
        names = pipe.named_steps["features"].get_feature_names_out()
        coef = clf.coef_[0]
        if len(names) != len(coef):
            raise ValueError(f"{head}: {len(names)} feature names but {len(coef)} coefficients")
        idf = tfidf.idf_
        vocab = tfidf.vocabulary_
        cues: dict[str, float] = {}
        dims: dict[str, float] = {}
        for name, c in zip(names.tolist(), coef.tolist()):
            block, _, feature = name.partition("__")
            if block == "words":
                i = idf[vocab[feature]]
                row = gram_rows.setdefault(feature, [0.0] * COLUMNS)
                row[2 * h], row[2 * h + 1] = i * i, i * c
            elif block == "lexicon":
                if c:
                    cues[feature] = c
            elif block == "vectors":
                dims[feature] = c
            else:
                raise ValueError(f"{head}: unexpected feature block {block!r} in {name!r}")
        vector_floor = _vector_part(head, vec, dims, vec_rows, h)
        weights[head] = HeadWeights(view=tfidf.analyzer.view, intercept=float(clf.intercept_[0]), floor=float(norm.floor_),
                                    cue_weights=cues, scopes=tuple(lex.scopes), vector_floor=vector_floor)
        shared.setdefault("canon", tfidf.analyzer.canon)
        shared.setdefault("drop", tfidf.analyzer.drop)
        if tfidf.analyzer.canon != shared["canon"] or tfidf.analyzer.drop != shared["drop"]:
            raise ValueError("both heads must map words to the same canonical forms and drop the same words")
        shared.setdefault("lexicon", lex.matcher_)
        if lex.matcher_.entries != shared["lexicon"].entries:
            raise ValueError("both heads must use the same lexicon")
        shared.setdefault("terms", set()).update(lex.terms_)
    grams = sorted(gram_rows, key=lambda g: (" " in g, g))  # unigrams first, as the Scorer keeps them
    table = [w for g in grams for w in gram_rows[g]]
    vec_words = sorted(vec_rows)
    return Scorer(weights, shared["lexicon"], grams, table, dict(shared["canon"]), sorted(shared["terms"]), shared["drop"],
                  vec_words, [v for w in vec_words for v in vec_rows[w]])


class Scorer:
    """Scores sentences with both heads: one tokenization, one table lookup per n-gram for both heads.

    The loaded head reads every word; the framing head reads the writer's voice (quotations masked),
    which differs from every word only in sentences with quotation marks. A model trained for one
    head only gives NaN for the other.

    Rows of the weight table are the n-grams, unigrams first. A sentence becomes a list of unigram
    rows (side words already mapped to their shared form); every bigram of a vocabulary has both
    its words in the vocabulary (``min_df`` holds for a word wherever it holds for a pair that
    contains it), so bigram rows are found from pairs of unigram rows, a whole batch at once.
    """

    def __init__(self, heads: Mapping[str, HeadWeights], lexicon: Lexicon, grams: Sequence[str],
                 table: Sequence[float], canon: Mapping[str, str], terms: Sequence[str], drop: Sequence[str] = (),
                 vector_words: Sequence[str] = (), vector_table: Sequence[float] = ()):
        import numpy as np

        if not heads or not set(heads) <= set(HEADS):
            raise ValueError(f"heads must be some of {', '.join(HEADS)}, got {', '.join(heads) or 'none'}")
        for head, hw in heads.items():
            if hw.view != {LOADED: "all", FRAMING: "writer"}[head]:
                raise ValueError(f"{head}: unexpected view {hw.view!r}")
        if len(table) != COLUMNS * len(grams):
            raise ValueError(f"weight table has {len(table)} values for {len(grams)} n-grams ({COLUMNS} each expected)")
        self.heads = dict(heads)
        self.loaded = heads.get(LOADED)
        self.framing = heads.get(FRAMING)
        self.lexicon = lexicon
        self.canon = dict(canon)
        self.drop = tuple(sorted(drop))
        self.terms = tuple(terms)
        self.encoder = CueEncoder(lexicon, SCOPES, terms)
        grams = list(grams)
        # columns: idf² and idf·coef of the loaded head, then of the framing head (zeros where a head lacks the n-gram)
        table = np.asarray(table, dtype=np.float64).reshape(-1, COLUMNS)
        n_uni = next((r for r, g in enumerate(grams) if " " in g), len(grams))
        if any(" " in g for g in grams[:n_uni]) or not all(" " in g for g in grams[n_uni:]):
            order = sorted(range(len(grams)), key=lambda r: (" " in grams[r], grams[r]))  # unigrams first
            grams, table = [grams[r] for r in order], table[order]
            n_uni = next((r for r, g in enumerate(grams) if " " in g), len(grams))
        self.grams = grams
        self.table = table
        self._n_uni = n_uni
        self._uni = {g: r for r, g in enumerate(self.grams[:n_uni])}
        for word, form in self.canon.items():  # side words read as their shared form
            for suffix in ("", "'s"):
                if form + suffix in self._uni and word + suffix not in self._uni:
                    self._uni[word + suffix] = self._uni[form + suffix]
        for word in self.drop:  # function words are not features: left out before n-grams are formed
            self._uni[word] = DROPPED
        keys = []
        for r in range(n_uni, len(self.grams)):
            a, _, b = self.grams[r].partition(" ")
            ua, ub = self._uni.get(a), self._uni.get(b)
            if ua is None or ub is None or " " in b:
                raise ValueError(f"bigram {self.grams[r]!r} has a word outside the vocabulary")
            keys.append(ua * n_uni + ub)
        self._bigrams = KeyTable(keys, np.arange(n_uni, len(self.grams)))
        # the word-vector block: each word's weight per head (loaded, framing); words read as their own form only
        self.vector_words = list(vector_words)
        self.vector_table = np.asarray(vector_table, dtype=np.float64).reshape(-1, 2)
        if len(self.vector_table) != len(self.vector_words):
            raise ValueError(f"vector table has {len(self.vector_table)} rows for {len(self.vector_words)} words")
        self._vec = {w: i for i, w in enumerate(self.vector_words)}  # export leaves dropped and side words out
        self._vector_floors = np.array([h.vector_floor if h else 0.0 for h in (self.loaded, self.framing)])
        self._build_codes(lexicon)
        self._weighted_cues = [self.encoder.weighted(hw.cue_weights, hw.scopes) if hw else None for hw in (self.loaded, self.framing)]
        # what a Hit holds beyond its tokens, by scope (0 outside, 1 inside) and entry
        self._hit_tail = [[(e, scope, *names) for e, names in zip(lexicon.entries, self.encoder._names[scope])] for scope in SCOPES]

    def _build_codes(self, lexicon: Lexicon) -> None:
        """One code per word any table knows (0: none), and per code its unigram row, word-vector row and one-word form.

        Words are coded frequent first (function words, then by idf), so that the lookups news text makes
        most stay close together in memory; a hash of every lexicon form of two or more words, by length,
        tells where such a form may start.
        """
        import numpy as np

        forms = lexicon.form_entries()
        multi = [f.split(" ") for f in forms if " " in f]
        words = list(self._uni)
        rows = np.fromiter(self._uni.values(), dtype=np.int64, count=len(words))
        idf2 = np.maximum(self.table[:, 0], self.table[:, 2])
        rank = np.where(rows == DROPPED, -1.0, idf2[np.maximum(rows, 0)]) if len(rows) else rows
        known = list(dict.fromkeys([*(words[i] for i in np.argsort(rank, kind="stable").tolist()), *self._vec,
                                    *sorted(f for f in forms if " " not in f), *sorted(w for f in multi for w in f)]))
        self._code = {(w + " ")[:-1]: c for c, w in enumerate(known, start=1)}  # keys made afresh, in that order
        self._code_uni = np.array([-1, *map(self._uni.get, known, repeat(-1))], dtype=np.int64)
        self._code_vec = np.array([-1, *map(self._vec.get, known, repeat(-1))], dtype=np.int64)
        self._code_form = np.array([-1, *map(forms.get, known, repeat(-1))], dtype=np.int64)
        self._form_hashes = {}
        for size in sorted({len(f) for f in multi}):
            codes = np.array([[self._code[w] for w in f] for f in multi if len(f) == size], dtype=np.int64)
            hashes = np.unique(_window_hashes(codes.ravel(), size)[::size] >> np.uint64(1)).astype(np.int64)  # as keys: 63 bits
            self._form_hashes[size] = KeyTable(hashes, np.ones(len(hashes)))

    # -- decision values ---------------------------------------------------------------------

    def _ngram_pass(self, codes: Any, lengths: Any) -> NgramPass:
        """Every in-vocabulary n-gram occurrence of a batch of token sequences, and each sequence's TF-IDF sums.

        ``codes`` are the word codes of every sequence's tokens, one after the other (``lengths`` per sequence).
        Dropped (function) words are left out before bigrams are formed, as the pipelines' analyzer does.
        """
        import numpy as np

        n = len(lengths)
        ids = self._code_uni[codes]
        piece = np.repeat(np.arange(n, dtype=np.int64), lengths)
        kept = np.flatnonzero(ids != DROPPED)  # flat positions of the words n-grams are formed from
        ids, piece_k = ids[kept], piece[kept]
        uni = ids >= 0
        a, b = ids[:-1], ids[1:]
        pair = (piece_k[:-1] == piece_k[1:]) & (a >= 0) & (b >= 0)
        keys = a[pair] * self._n_uni + b[pair]
        bi_rows = self._bigrams.get(keys)
        found = bi_rows >= 0
        bi_rows, bi_at = bi_rows[found], np.flatnonzero(pair)[found]
        rows = np.concatenate([ids[uni], bi_rows])
        first = np.concatenate([kept[uni], kept[bi_at]])
        second = kept[bi_at + 1]
        owner = piece[first]
        # occurrences of the same n-gram in the same sequence share its tf: count them
        _, inverse, counts = np.unique(owner * max(len(self.grams), 1) + rows, return_inverse=True, return_counts=True)
        count = counts[inverse].astype(np.float64)
        tf = 1.0 + np.log(count)
        w = self.table[rows]
        sums = np.zeros((n, 6))
        for k in (0, 2):  # each occurrence carries 1/count of its n-gram's term
            sums[:, k] = np.bincount(owner, weights=tf * tf * w[:, k] / count, minlength=n)
            sums[:, k + 1] = np.bincount(owner, weights=tf * w[:, k + 1] / count, minlength=n)
        vid = self._code_vec[codes]
        vec_at = np.flatnonzero(vid >= 0)
        n_read = np.bincount(piece_k, minlength=n)  # the words each sequence reads: the mean's divisor, above each head's floor
        divisor = np.maximum(n_read[:, None], np.maximum(self._vector_floors, 1.0))
        vec_share = self.vector_table[vid[vec_at]] / divisor[piece[vec_at]]
        for k in (0, 1):
            sums[:, 4 + k] = np.bincount(piece[vec_at], weights=vec_share[:, k], minlength=n)
        return NgramPass(rows, first, second, owner, count, int(uni.sum()), lengths, sums, vec_at, vec_share)

    def _cue_parts(self, found: Any, n: int) -> tuple[Any, Any]:
        """Each head's cue part of the decision value for ``n`` pieces, and each match's share of it (NaN: out of the head's scopes).

        ``found`` holds a row ``(piece, scope, entry, first, end)`` per match (scope 0 outside, 1 inside); the
        values are those of the pipelines' own cue encoder (:meth:`~classifier.lexicon.CueEncoder.weighted`).
        """
        import numpy as np

        out = np.zeros((n, 2))
        shares = np.full((len(found), 2), np.nan)
        if not len(found):
            return out, shares
        for k, weighted in enumerate(self._weighted_cues):
            if weighted is not None:
                shares[:, k] = weighted.shares(found[:, 0], found[:, 1], found[:, 2])
                out[:, k] = np.bincount(found[:, 0], weights=np.nan_to_num(shares[:, k]), minlength=n)
        return out, shares

    def _writer_views(self, pieces: Sequence[Piece], split: Sequence[tuple[list[str], list[str] | None]]
                      ) -> tuple[dict[int, Tokens], dict[int, tuple[Sequence[tuple[int, int]], list[tuple[int, int]]]]]:
        """The writer's-voice view of each piece with quotations, and its quotation spans and token spans (by position)."""
        from .segment import quote_spans

        views: dict[int, Tokens] = {}
        quoted: dict[int, tuple[Sequence[tuple[int, int]], list[tuple[int, int]]]] = {}
        for i, ((text, q), (words, parts)) in enumerate(zip(pieces, split)):
            if q is None:
                if "\"" not in text and "“" not in text and "”" not in text:
                    continue
                q = quote_spans(text)
            if q:
                spans = spans_of(text, words, parts)
                views[i] = writer_voice(text, q, Tokens(words, spans))
                quoted[i] = (q, spans)
        return views, quoted

    def _matches(self, words: Sequence[list[str]], quoted: Mapping[int, tuple[Sequence[tuple[int, int]], list[tuple[int, int]]]],
                 codes: Any, lengths: Any) -> Any:
        """Lexicon matches of a batch, one row each: ``(piece, scope, entry, first_token, end_token)`` in reading order.

        Scope 0 is outside a quotation, 1 inside. Where no form of two or more words can start, every
        one-word form is a match: pieces outside quotation marks with no such start are matched all at
        once, the others term by term.
        """
        import numpy as np

        n = len(lengths)
        piece = np.repeat(np.arange(n, dtype=np.int64), lengths)
        starts = np.concatenate([[0], np.cumsum(lengths)])
        form = self._code_form[codes]
        slow = np.zeros(len(codes), dtype=bool)  # a longer form may start here (hashes that collide only cost time)
        for size, hashes in self._form_hashes.items():
            if len(codes) >= size:
                h = (_window_hashes(codes, size) >> np.uint64(1)).astype(np.int64)
                slow[:len(h)] |= hashes.get(h) > 0  # a window across two pieces is tried and finds nothing
        by_piece = np.zeros(n, dtype=bool)
        by_piece[piece[slow]] = True
        if quoted:
            by_piece[list(quoted)] = True
        fast = np.flatnonzero((form >= 0) & ~by_piece[piece])
        rows = [np.stack([piece[fast], np.zeros_like(fast), form[fast], fast - starts[piece[fast]], fast - starts[piece[fast]] + 1], 1)]
        found = []
        find = self.lexicon.find_at
        at = np.flatnonzero((slow | (form >= 0)) & by_piece[piece])
        at_piece = piece[at]
        cuts = np.flatnonzero(np.r_[True, at_piece[1:] != at_piece[:-1], True]).tolist() if len(at) else [0]
        at_list, piece_list, start_list = at.tolist(), at_piece.tolist(), starts.tolist()
        for a, b in pairwise(cuts):
            i = piece_list[a]
            s = start_list[i]
            hits = find(words[i], [k - s for k in at_list[a:b]])
            if i not in quoted:
                found += [(i, 0, e, f, g) for f, g, e in hits]
                continue
            q, spans = quoted[i]
            found += [(i, scope_index(spans[f][0], q), e, f, g) for f, g, e in hits]
        if found:
            rows.append(np.array(found, dtype=np.int64))
        out = np.concatenate(rows)
        return out[np.lexsort((out[:, 3], out[:, 0]))]

    def hits_of(self, batch: Batch, i: int) -> list[Hit]:
        """The lexicon cues of piece ``i`` of a read batch, in reading order."""
        a = batch.hit_start[i]
        tail = self._hit_tail
        return [Hit._make((f, g, *tail[sc][e])) for _, sc, e, f, g in batch.found[a:a + batch.hit_count[i]].tolist()]

    def read_batch(self, pieces: Sequence[Piece]) -> Batch:
        """Read and score a batch of pieces: everything :meth:`logits_of` and :meth:`contributions` need.

        Each piece is tokenized once; word lookups, n-grams and cue values are worked out for the whole batch.
        """
        import numpy as np

        n = len(pieces)
        split = [_split(p.text) for p in pieces]
        words = [w for w, _ in split]
        lengths = np.fromiter(map(len, words), dtype=np.int64, count=n)
        codes = np.fromiter(map(self._code.get, chain.from_iterable(words), repeat(0)), dtype=np.int64,
                            count=int(lengths.sum()))
        writers, quoted_spans = self._writer_views(pieces, split)
        found = self._matches(words, quoted_spans, codes, lengths)
        hit_count = np.bincount(found[:, 0], minlength=n)
        hit_start = np.concatenate([[0], np.cumsum(hit_count)[:-1]]).tolist()
        quoted = sorted(writers)
        writer = None
        if quoted:
            w_codes = np.fromiter(map(self._code.get, chain.from_iterable(writers[i].words for i in quoted), repeat(0)),
                                  dtype=np.int64)
            w_lengths = np.fromiter((len(writers[i].words) for i in quoted), dtype=np.int64, count=len(quoted))
            writer = self._ngram_pass(w_codes, w_lengths)
        npass = self._ngram_pass(codes, lengths)
        cues, shares = self._cue_parts(found, n)
        return Batch([p.text for p in pieces], words, [parts for _, parts in split], writers,
                     {i: spans for i, (_, spans) in quoted_spans.items()}, npass, writer, quoted, cues,
                     found, shares, hit_start, hit_count.tolist())

    def _sums(self, batch: Batch, head: str) -> tuple[Any, Any, Any]:
        """``(sq, dot, vectors)`` of ``head`` for every piece of the batch.

        The framing head reads quoted pieces' writer's voice.
        """
        col, vcol = (0, 4) if head == LOADED else (2, 5)
        sums = batch.all.sums
        sq, dot, vec = sums[:, col].copy(), sums[:, col + 1].copy(), sums[:, vcol].copy()
        if head == FRAMING and batch.quoted:
            w = batch.writer.sums  # type: ignore[union-attr]
            sq[batch.quoted], dot[batch.quoted], vec[batch.quoted] = w[:, col], w[:, col + 1], w[:, vcol]
        return sq, dot, vec

    def _scale(self, hw: HeadWeights, sq: Any) -> Any:
        import numpy as np

        scale = np.maximum(np.sqrt(sq), hw.floor)
        scale[scale == 0] = 1.0
        return scale

    def logits_of(self, batch: Batch) -> tuple[Any, Any]:
        """The loaded and framing decision values (log-odds) of each piece of a read batch (NaN for a missing head)."""
        import numpy as np

        out = []
        for k, head in enumerate(HEADS):
            hw = self.heads.get(head)
            if hw is None:
                out.append(np.full(len(batch.texts), np.nan))
                continue
            sq, dot, vec = self._sums(batch, head)
            out.append(hw.intercept + dot / self._scale(hw, sq) + batch.cues[:, k] + vec)
        return out[0], out[1]

    def logits_batch(self, pieces: Sequence[Piece]) -> tuple[Any, Any]:
        """The loaded and framing decision values (log-odds) of each piece, as two float arrays."""
        return self.logits_of(self.read_batch(pieces))

    def logits(self, piece: Piece) -> tuple[float, float]:
        """The loaded and framing decision values (log-odds) of one piece."""
        lo, fr = self.logits_batch([piece])
        return float(lo[0]), float(fr[0])

    # -- explanations ------------------------------------------------------------------------

    def _token_shares(self, npass: NgramPass, col: int, scale: Any) -> Any:
        """Each token's share of one head's n-gram and word-vector parts (``col`` 0 or 2), for every sequence, flat.

        An n-gram's tf·idf·weight/scale is shared equally by its occurrences and their tokens; a word's
        vector weight over the words read is its own.
        """
        import numpy as np

        total = int(npass.lengths.sum())
        share = (1.0 + np.log(npass.count)) * self.table[npass.rows, col + 1] / scale[npass.piece] / npass.count
        u = npass.n_unigrams
        weights = np.bincount(npass.first[:u], weights=share[:u], minlength=total).astype(np.float64)  # int64 when empty
        if len(share) > u:
            half = share[u:] / 2
            weights += np.bincount(npass.first[u:], weights=half, minlength=total)
            weights += np.bincount(npass.second, weights=half, minlength=total)
        if len(npass.vec_at):
            weights += np.bincount(npass.vec_at, weights=npass.vec_share[:, col // 2], minlength=total)
        return weights

    def contributions(self, batch: Batch, wanted: Mapping[str, Sequence[int]],
                      floor: tuple[float, float] | None = None) -> dict[tuple[int, str], Contributions]:
        """For each head, each wanted piece's decision value split over the tokens the head reads.

        ``intercept + sum(weights) == logit`` for every result: n-gram parts by :meth:`_token_shares`,
        a cue category's value·weight shared by that category's cues and their tokens, a term's presence
        weight by that term's occurrences. With ``floor = (least, share)`` each result also lists its
        :attr:`~Contributions.candidates`: the tokens adding at least ``max(least, share × the largest weight)``.
        """
        import numpy as np

        out: dict[tuple[int, str], Contributions] = {}
        n = len(batch.texts)
        lengths = batch.all.lengths
        starts = np.concatenate([[0], np.cumsum(lengths)])
        starts_list = starts.tolist()
        hit_cache: dict[int, list[Hit]] = {}  # a piece's cues, made once for both heads
        for h, head in enumerate(HEADS):
            idx = wanted.get(head, ())
            if not len(idx):
                continue
            hw = self.heads[head]
            scale = self._scale(hw, self._sums(batch, head)[0])
            flat = self._token_shares(batch.all, 2 * h, scale[:n])
            writer_view = np.zeros(n, dtype=bool)
            if head == FRAMING and batch.quoted:
                writer_view[batch.quoted] = True
            self._add_cue_shares(batch, h, flat, starts, writer_view)
            candidates = self._candidates(flat, lengths, starts, idx, writer_view, floor) if floor else {}
            writer = (self._writer_contributions(batch, h, scale, [i for i in idx if writer_view[i]], hit_cache)
                      if writer_view.any() else {})
            in_scope = (~np.isnan(batch.hit_shares[:, h])).tolist()  # NaN: a scope this head does not read
            count, start, texts, words, parts, intercept = (batch.hit_count, batch.hit_start, batch.texts, batch.words,
                                                            batch.parts, hw.intercept)
            for i in idx:
                if i in writer:
                    out[(i, head)] = writer[i]
                    continue
                hits = None
                if count[i]:
                    a = start[i]
                    hits = list(compress(self._cached_hits(batch, i, hit_cache), in_scope[a:a + count[i]]))
                out[(i, head)] = Contributions(words[i], flat[starts_list[i]:starts_list[i + 1]].tolist(), None, intercept,
                                               None, texts[i], parts[i], candidates.get(i, []) if floor else None, hits)
        return out

    def _add_cue_shares(self, batch: Batch, h: int, flat: Any, starts: Any, writer_view: Any) -> None:
        """Add each cue's share of head ``h`` to the tokens it covers in ``flat`` (in place), but for writer's-voice pieces."""
        import numpy as np

        if not len(batch.found):
            return
        found, shares = batch.found, batch.hit_shares[:, h]
        keep = ~np.isnan(shares) & ~writer_view[found[:, 0]]
        found, shares = found[keep], shares[keep]
        span = found[:, 4] - found[:, 3]
        offset = np.arange(int(span.sum())) - np.repeat(np.cumsum(span) - span, span)
        np.add.at(flat, np.repeat(starts[found[:, 0]] + found[:, 3], span) + offset, np.repeat(shares / span, span))

    @staticmethod
    def _candidates(flat: Any, lengths: Any, starts: Any, idx: Sequence[int], writer_view: Any,
                    floor: tuple[float, float]) -> dict[int, list[int]]:
        """The tokens of each wanted piece (but writer's-voice ones) whose weight reaches the piece's floor."""
        import numpy as np

        n = len(lengths)
        want = np.zeros(n, dtype=bool)
        want[np.asarray(idx, dtype=np.int64)] = True
        want &= ~writer_view & (lengths > 0)
        if not want.any():
            return {}
        nonempty = np.flatnonzero(lengths > 0)
        bar = np.full(n, np.inf)
        bar[nonempty] = np.maximum(floor[0], floor[1] * np.maximum.reduceat(flat, starts[nonempty]))
        piece = np.repeat(np.arange(n, dtype=np.int64), lengths)
        at = np.flatnonzero((flat >= bar[piece]) & want[piece])
        out: dict[int, list[int]] = {}
        for i, k in zip(piece[at].tolist(), (at - starts[piece[at]]).tolist()):
            out.setdefault(i, []).append(k)
        return out

    def _cached_hits(self, batch: Batch, i: int, cache: dict[int, list[Hit]]) -> list[Hit]:
        """:meth:`hits_of`, made once per piece for both heads."""
        if i not in cache:
            cache[i] = self.hits_of(batch, i)
        return cache[i]

    def _writer_contributions(self, batch: Batch, h: int, scale: Any, idx: Sequence[int],
                              hit_cache: dict[int, list[Hit]]) -> dict[int, Contributions]:
        """The framing head's contributions for pieces read in the writer's voice (cues mapped to view tokens by span)."""
        import numpy as np

        pos = {i: k for k, i in enumerate(batch.quoted)}
        flat = self._token_shares(batch.writer, 2 * h, scale[batch.quoted]).tolist()  # type: ignore[arg-type]
        starts = np.concatenate([[0], np.cumsum(batch.writer.lengths)]).tolist()  # type: ignore[union-attr]
        out = {}
        for i in idx:
            k, text, parts = pos[i], batch.texts[i], batch.parts[i]
            words, spans = batch.writers[i]
            weights = flat[starts[k]:starts[k + 1]]
            cue = None
            if batch.hit_count[i]:
                first = batch.hit_start[i]
                shares = batch.hit_shares[first:first + batch.hit_count[i], h].tolist()
                hit_shares = list(zip(self._cached_hits(batch, i, hit_cache), shares))
                cue = _add_writer_cue_shares(hit_shares, weights, spans, batch.word_spans[i])
            out[i] = Contributions(words, weights, cue, self.heads[HEADS[h]].intercept, spans, text, parts)
        return out

    def contributions_of(self, piece: Piece, head: str) -> Contributions:
        """One piece's decision value for ``head`` split over the tokens it reads (see :meth:`contributions`)."""
        return self.contributions(self.read_batch([piece]), {head: [0]})[(0, head)]


def _add_writer_cue_shares(hit_shares: Sequence[tuple[Hit, float]], weights: list[float], spans: list[tuple[int, int]],
                    word_spans: list[tuple[int, int]]) -> list[Hit | None] | None:
    """Add each cue's share to the writer's-voice tokens it covers (in place); the cue of each token (None: none in scope).

    Hits index every word of the piece (offsets ``word_spans``); they are mapped to view tokens (offsets ``spans``) by span.
    """
    cue: list[Hit | None] | None = None
    at = {s: k for k, s in enumerate(spans)}
    for hit, share in hit_shares:
        if share != share:  # NaN: a scope this head does not read
            continue
        if cue is None:
            cue = [None] * len(spans)
        toks = [at[s] for s in word_spans[hit.first:hit.end] if s in at]
        for k in toks:
            weights[k] += share / len(toks)
            cue[k] = hit
    return cue
