"""The fitted pipelines in their linear form: scoring and explaining sentences without scikit-learn.

Each head is ``sigmoid(b + w · tfidf(n-grams) / max(‖tfidf‖, floor) + Σ w · cue features + Σ v(word) / max(n, f))``,
the last term the dense word-vector block folded into one weight ``v`` per word (``n``: words read, ``f``: a length floor).
:func:`export` reads those numbers off fitted pipelines **by feature name**
(``get_feature_names_out``); :class:`Scorer` computes the same values with the same functions the
pipelines use (:func:`classifier.words.view` and :func:`~classifier.words.ngrams` for the n-grams,
:class:`~classifier.lexicon.CueEncoder` for the cues), tokenizing each sentence once for both heads,
and splits each decision value into per-token contributions for explanations.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, repeat
from typing import Any, NamedTuple

from .lexicon import SCOPES, CueEncoder, Hit, Lexicon
from .schema import FRAMING, HEADS, LOADED
from .words import TOKEN_RE, lowered, tokenize, word_spans, writer_voice

DROPPED = -2  # the unigram row of a dropped (function) word; -1: a word outside the vocabulary

__all__ = ["Batch", "Contributions", "HeadWeights", "Piece", "Reading", "Scorer", "View", "export"]


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


class View(NamedTuple):
    """A writer's-voice view of a quoted piece: its tokens, their spans, their unigram rows (-1 outside the vocabulary)."""

    words: list[str]
    spans: list[tuple[int, int]]
    rows: list[int]


class Reading(NamedTuple):
    """A piece as scoring read it, kept for explaining it.

    ``parts`` alternates the stretches between tokens and the tokens (lower-cased), so token offsets are
    sums of lengths; None when lower-casing changes the text's length (then ``spans`` are found directly).
    """

    words: list[str]
    parts: list[str] | None
    writer: View | None  # None: no quotations, the writer's voice is every word
    hits: list[Hit]
    text: str


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
    """What :meth:`Scorer.read_batch` learned about a batch of pieces: enough to score and to explain them."""

    readings: list[Reading]
    all: NgramPass
    writer: NgramPass | None  # over the quoted pieces only, in the order of ``quoted``
    quoted: list[int]
    cues: Any  # n x 2: each head's cue part of the decision value


class Contributions:
    """One head's decision value split over the tokens it reads: ``intercept + sum(weights) == logit``.

    ``weights`` is a list of floats, one per token; token offsets are worked out on first use
    (:meth:`span`): a piece with nothing to report never needs them.
    """

    __slots__ = ("_ends", "_parts", "_spans", "_text", "cue", "intercept", "weights", "words")

    def __init__(self, words: list[str], weights: list[float], cue: list[Hit | None] | None, intercept: float,
                 spans: list[tuple[int, int]] | None = None, text: str = "", parts: list[str] | None = None):
        self.words = words
        self.weights = weights
        self.cue = cue  # the lexicon cue each token belongs to (None: no cues in the piece)
        self.intercept = intercept
        self._text = text
        self._parts = parts
        self._spans = spans
        self._ends: list[int] | None = None

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

    def hit(self, k: int) -> Hit | None:
        return self.cue[k] if self.cue is not None else None


def spans_of(text: str, words: list[str], parts: list[str] | None) -> list[tuple[int, int]]:
    """Token offsets from the alternating stretches and tokens of :func:`_split` (or from ``text``)."""
    if parts is None:
        return word_spans(text, words)
    ends = list(accumulate(map(len, parts)))
    return [(e - len(w), e) for e, w in zip(ends[1::2], words)]


_SPLIT = re.compile(f"({TOKEN_RE.pattern})")


def _split(text: str) -> tuple[list[str], list[str] | None]:
    """Tokens of ``text`` (as :func:`~classifier.words.tokenize`) and, when exact, the stretches between them."""
    low = lowered(text)
    if low is None:
        return tokenize(text), None
    parts = _SPLIT.split(low)
    return parts[1::2], parts


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
        self._columns = [table[:, j].tolist() for j in range(4)]  # plain floats: fast to index one at a time
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
        self._bi = dict(zip(keys, range(n_uni, len(self.grams))))
        key_array = np.asarray(keys, dtype=np.int64)
        sort = np.argsort(key_array, kind="stable")
        self._bkeys = key_array[sort]
        self._brows = (np.arange(n_uni, len(self.grams), dtype=np.int64))[sort]
        # the word-vector block: each word's weight per head (loaded, framing); words read as their own form only
        self.vector_words = list(vector_words)
        self.vector_table = np.asarray(vector_table, dtype=np.float64).reshape(-1, 2)
        if len(self.vector_table) != len(self.vector_words):
            raise ValueError(f"vector table has {len(self.vector_table)} rows for {len(self.vector_words)} words")
        self._vec = {w: i for i, w in enumerate(self.vector_words)}  # export leaves dropped and side words out
        self._vector_floors = np.array([h.vector_floor if h else 0.0 for h in (self.loaded, self.framing)])

    # -- decision values ---------------------------------------------------------------------

    def unigram_rows(self, words: Sequence[str]) -> list[int]:
        """The table row of each word (-1 outside the vocabulary), side words read as their shared form."""
        return list(map(self._uni.get, words, repeat(-1)))

    def vector_rows(self, words: Sequence[str]) -> list[int]:
        """The word-vector row of each word (-1: none)."""
        return list(map(self._vec.get, words, repeat(-1)))

    def _ngram_pass(self, rows_per_piece: Sequence[Sequence[int]], vec_per_piece: Sequence[Sequence[int]]) -> NgramPass:
        """Every in-vocabulary n-gram occurrence of a batch of token sequences, and each sequence's TF-IDF sums.

        Dropped (function) words are left out before bigrams are formed, as the pipelines' analyzer does.
        """
        import numpy as np

        n = len(rows_per_piece)
        lengths = np.fromiter(map(len, rows_per_piece), dtype=np.int64, count=n)
        total = int(lengths.sum())
        ids = np.fromiter(chain.from_iterable(rows_per_piece), dtype=np.int64, count=total)
        piece = np.repeat(np.arange(n, dtype=np.int64), lengths)
        kept = np.flatnonzero(ids != DROPPED)  # flat positions of the words n-grams are formed from
        ids, piece_k = ids[kept], piece[kept]
        uni = ids >= 0
        a, b = ids[:-1], ids[1:]
        pair = (piece_k[:-1] == piece_k[1:]) & (a >= 0) & (b >= 0)
        keys = a[pair] * self._n_uni + b[pair]
        bi_rows = bi_at = np.zeros(0, dtype=np.int64)
        if len(self._bkeys) and len(keys):
            pos = np.minimum(np.searchsorted(self._bkeys, keys), len(self._bkeys) - 1)
            found = self._bkeys[pos] == keys
            bi_rows, bi_at = self._brows[pos[found]], np.flatnonzero(pair)[found]
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
        vid = np.fromiter(chain.from_iterable(vec_per_piece), dtype=np.int64, count=total)
        vec_at = np.flatnonzero(vid >= 0)
        n_read = np.bincount(piece_k, minlength=n)  # the words each sequence reads: the mean's divisor, above each head's floor
        divisor = np.maximum(n_read[:, None], np.maximum(self._vector_floors, 1.0))
        vec_share = self.vector_table[vid[vec_at]] / divisor[piece[vec_at]]
        for k in (0, 1):
            sums[:, 4 + k] = np.bincount(piece[vec_at], weights=vec_share[:, k], minlength=n)
        return NgramPass(rows, first, second, owner, count, int(uni.sum()), lengths, sums, vec_at, vec_share)

    def _cue_part(self, hw: HeadWeights | None, hits: list[Hit]) -> float:
        if not hits or hw is None:
            return 0.0
        weights = hw.cue_weights
        feats = self.encoder.features([h for h in hits if h.scope in hw.scopes])
        return sum(v * weights.get(name, 0.0) for name, v in feats.items())

    def read(self, piece: Piece) -> Reading:
        """Tokens, writer's voice and cues of one piece (what scoring and explaining share)."""
        from .segment import quote_spans

        text, quotes = piece
        words, parts = _split(text)
        if quotes is None and ("\"" in text or "“" in text or "”" in text):
            quotes = quote_spans(text)
        writer = None
        if quotes:
            w_words, w_spans = writer_voice(text, quotes)
            writer = View(w_words, w_spans, self.unigram_rows(w_words))
        hits: list[Hit] = []
        if not self.lexicon.first_words.isdisjoint(words):
            hits = self.encoder.hits(words, spans_of(text, words, parts) if quotes else (), quotes or ())
        return Reading(words, parts, writer, hits, text)

    def read_batch(self, pieces: Sequence[Piece]) -> Batch:
        """Read and score a batch of pieces: everything :meth:`logits_of` and :meth:`contributions` need."""
        import numpy as np

        readings = [self.read(p) for p in pieces]
        quoted = [i for i, r in enumerate(readings) if r.writer is not None]
        writer = self._ngram_pass([readings[i].writer.rows for i in quoted],  # type: ignore[union-attr]
                                  [self.vector_rows(readings[i].writer.words) for i in quoted]) if quoted else None  # type: ignore[union-attr]
        cues = np.array([(self._cue_part(self.loaded, r.hits), self._cue_part(self.framing, r.hits)) if r.hits else (0.0, 0.0)
                         for r in readings]).reshape(-1, 2)
        npass = self._ngram_pass([self.unigram_rows(r.words) for r in readings], [self.vector_rows(r.words) for r in readings])
        return Batch(readings, npass, writer, quoted, cues)

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
                out.append(np.full(len(batch.readings), np.nan))
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

    def contributions(self, batch: Batch, wanted: Mapping[str, Sequence[int]]) -> dict[tuple[int, str], Contributions]:
        """For each head, each wanted piece's decision value split over the tokens the head reads.

        ``intercept + sum(weights) == logit`` for every result: n-gram parts by :meth:`_token_shares`,
        a cue category's value·weight shared by that category's cues and their tokens, a term's presence
        weight by that term's occurrences.
        """
        import numpy as np

        out: dict[tuple[int, str], Contributions] = {}
        for head, idx in wanted.items():
            if not len(idx):
                continue
            hw, col = self.heads[head], (0 if head == LOADED else 2)
            scale = self._scale(hw, self._sums(batch, head)[0])
            flat = self._token_shares(batch.all, col, scale[:len(batch.readings)])
            starts = np.concatenate([[0], np.cumsum(batch.all.lengths)]).tolist()
            writer_flat = writer_starts = None
            at = {}
            if head == FRAMING and batch.quoted:
                at = {i: k for k, i in enumerate(batch.quoted)}
                writer_flat = self._token_shares(batch.writer, col, scale[batch.quoted]).tolist()  # type: ignore[arg-type]
                writer_starts = np.concatenate([[0], np.cumsum(batch.writer.lengths)]).tolist()  # type: ignore[union-attr]
            flat_list = flat.tolist()
            for i in idx:
                r = batch.readings[i]
                if i in at:
                    k = at[i]
                    words, spans = r.writer.words, r.writer.spans  # type: ignore[union-attr]
                    weights = writer_flat[writer_starts[k]:writer_starts[k + 1]]  # type: ignore[index]
                else:
                    words, spans = r.words, None
                    weights = flat_list[starts[i]:starts[i + 1]]
                hits = [h for h in r.hits if h.scope in hw.scopes]
                cue: list[Hit | None] | None = None
                if hits:
                    cue = [None] * len(words)
                    hit_spans = spans_of(r.text, r.words, r.parts) if spans is not None else None
                    self._cue_shares(hw, hits, hit_spans, spans, weights, cue)
                out[(i, head)] = Contributions(words, weights, cue, hw.intercept, spans, r.text, r.parts)
        return out

    def contributions_of(self, piece: Piece, head: str) -> Contributions:
        """One piece's decision value for ``head`` split over the tokens it reads (see :meth:`contributions`)."""
        return self.contributions(self.read_batch([piece]), {head: [0]})[(0, head)]

    def _cue_shares(self, hw: HeadWeights, hits: list[Hit], hit_spans: list[tuple[int, int]] | None,
                    spans: list[tuple[int, int]] | None, weights: list[float], cue: list[Hit | None]) -> None:
        """Add each cue's share of the decision value to the view tokens it covers (in place).

        Hits index every word; with ``spans`` (a writer's-voice view) they are mapped to view tokens by span.
        """
        per_category: dict[str, int] = {}
        per_term: dict[str, int] = {}
        for h in hits:
            per_category[h.category] = per_category.get(h.category, 0) + 1
            per_term[h.term] = per_term.get(h.term, 0) + 1
        at = {s: k for k, s in enumerate(spans)} if spans is not None else None
        cw, seen = hw.cue_weights, self.encoder.terms
        for h in hits:
            n = per_category[h.category]
            share = math.log1p(n) * cw.get(h.category, 0.0) / n
            if h.term[5:] in seen:
                share += cw.get(h.term, 0.0) / per_term[h.term]
            if at is None:
                toks: Sequence[int] = range(h.first, h.end)
            else:
                toks = [at[s] for s in hit_spans[h.first:h.end] if s in at]  # type: ignore[index]
            for k in toks:
                weights[k] += share / len(toks)
                cue[k] = h
