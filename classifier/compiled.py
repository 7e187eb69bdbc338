"""The trained pipelines exported to their linear form, for fast scoring without scikit-learn.

Each head is ``sigmoid(w · [tfidf(words) ; log1p(cue counts)] + b)``. :func:`compile_head` reads
those numbers off a fitted pipeline; :class:`Scorer` computes the same probabilities (tests check
them against ``Pipeline.predict_proba``) while tokenizing each sentence once for both heads, and
:meth:`Scorer.contributions` gives each word's share of the loaded score for explanations.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .lexicon import TOKEN_RE, Lexicon, cue_hits, writer_voice

__all__ = ["LinearHead", "compile_head", "Scorer"]


@dataclass
class LinearHead:
    """One head as numbers: n-gram vocabulary, idf and weights, cue weights, intercept."""

    vocabulary: dict[str, int]
    idf: list[float]
    word_coef: list[float]
    cue_coef: list[float]  # per cue feature: scope-major categories, then one "any" per scope
    term_coef: dict[str, float]  # "scope=term" -> weight of that lexicon term's presence
    intercept: float
    view: str  # "all" (every word) or "writer" (long quotations masked)
    scopes: tuple[str, ...]  # cue scopes this head counts


def compile_head(pipeline: Any) -> LinearHead:
    """Read the linear form off a fitted ``Pipeline([features: FeatureUnion(words, lexicon), clf])``."""
    union = dict(pipeline.named_steps["features"].transformer_list)
    words, lex = union["words"], union["lexicon"]
    clf = pipeline.named_steps["clf"]
    if words.ngram_range != (1, 2) or words.norm != "l2" or not words.sublinear_tf or not words.use_idf:
        raise ValueError("compile_head expects l2-normalised sublinear TF-IDF over word 1-2-grams")
    coef = [float(c) for c in clf.coef_[0]]
    v = len(words.vocabulary_)
    base = v + len(lex.scopes) * (len(lex.categories_) + 1)
    return LinearHead(
        vocabulary={k: int(i) for k, i in words.vocabulary_.items()},
        idf=[float(x) for x in words.idf_],
        word_coef=coef[:v],
        cue_coef=coef[v:base],
        term_coef=dict(zip(lex.terms_, coef[base:], strict=True)),
        intercept=float(clf.intercept_[0]),
        view="writer" if words.preprocessor is writer_voice else "all",
        scopes=tuple(lex.scopes),
    )


def _tokens(text: str) -> list[str]:
    """The pipeline tokenizer's output (lower-cased word tokens, ’ as ')."""
    if "’" in text:
        text = text.replace("’", "'")
    return [t.lower() for t in TOKEN_RE.findall(text)]


def _grams(toks: list[str]) -> Counter[str]:
    return Counter(toks + [f"{a} {b}" for a, b in zip(toks, toks[1:])])


def _has_quotes(text: str) -> bool:
    return "\"" in text or "“" in text or "”" in text


class Scorer:
    """Scores sentences with every head at once: one tokenization, one vocabulary lookup per n-gram."""

    def __init__(self, heads: dict[str, LinearHead], lexicon: Lexicon):
        self.heads = heads
        self.lexicon = lexicon
        self.names = tuple(heads)
        self.ncat = len(lexicon.categories)
        # gram -> per head (idf, coef) or None; one dict lookup serves every head
        table: dict[str, list[tuple[float, float] | None]] = {}
        for h, name in enumerate(self.names):
            head = heads[name]
            for gram, j in head.vocabulary.items():
                table.setdefault(gram, [None] * len(self.names))[h] = (head.idf[j], head.word_coef[j])
        self._table = {g: tuple(v) for g, v in table.items()}

    def _cue_features(self, head: LinearHead, hits: list[tuple[int, int, str, str, str]]) -> list[tuple[int, int, int, str]]:
        """The hits this head counts, as ``(first_token, end_token, scope_index, category feature, term key)``."""
        out = []
        for i, j, scope, category, term in hits:
            if scope in head.scopes:
                k = head.scopes.index(scope)
                out.append((i, j, k, k * self.ncat + self.lexicon.column[category], f"{scope}={term}"))
        return out

    def _cue_score(self, head: LinearHead, hits: list[tuple[int, int, str, str, str]]) -> float:
        if not hits:
            return 0.0
        counts: dict[int, int] = {}
        terms = set()
        anycol = len(head.scopes) * self.ncat
        for _, _, k, f, key in self._cue_features(head, hits):
            counts[f] = counts.get(f, 0) + 1
            counts[anycol + k] = counts.get(anycol + k, 0) + 1
            terms.add(key)
        return sum(math.log1p(c) * head.cue_coef[f] for f, c in counts.items()) + sum(head.term_coef.get(t, 0.0) for t in terms)

    def log_odds(self, texts: Sequence[str]) -> list[list[float]]:
        """Per text, each head's decision value (in ``self.names`` order)."""
        table = self._table
        heads = [self.heads[n] for n in self.names]
        nh = len(heads)
        log = math.log
        out = []
        for text in texts:
            toks = _tokens(text)
            hits = cue_hits(text, self.lexicon, toks)
            quoted = _has_quotes(text)
            views = {"all": _grams(toks)}
            if quoted and any(h.view == "writer" for h in heads):
                views["writer"] = _grams(_tokens(writer_voice(text)))
            else:
                views["writer"] = views["all"]
            dots = [0.0] * nh
            norms = [0.0] * nh
            if views["writer"] is views["all"]:
                for gram, c in views["all"].items():
                    entry = table.get(gram)
                    if entry is None:
                        continue
                    tf = 1.0 if c == 1 else log(c) + 1.0
                    for h in range(nh):
                        e = entry[h]
                        if e is not None:
                            v = tf * e[0]
                            norms[h] += v * v
                            dots[h] += v * e[1]
            else:
                for h, head in enumerate(heads):
                    for gram, c in views[head.view].items():
                        entry = table.get(gram)
                        if entry is None or entry[h] is None:
                            continue
                        idf, coef = entry[h]
                        v = (1.0 if c == 1 else log(c) + 1.0) * idf
                        norms[h] += v * v
                        dots[h] += v * coef
            out.append([
                head.intercept + (dots[h] / math.sqrt(norms[h]) if norms[h] else 0.0) + self._cue_score(head, hits)
                for h, head in enumerate(heads)
            ])
        return out

    def contributions(self, text: str, name: str) -> tuple[list[tuple[int, int]], list[float], list[bool]]:
        """Each token's share of head ``name``'s log-odds (n-gram and cue contributions spread over
        their tokens, negative ones left out), with token spans and whether a cue covers the token."""
        head = self.heads[name]
        if head.view != "all":
            raise ValueError("explanations are computed for heads that read every word")
        t = text.replace("’", "'") if "’" in text else text
        spans = [(m.start(), m.end()) for m in TOKEN_RE.finditer(t)]
        toks = [t[a:b].lower() for a, b in spans]
        where: dict[int, list[tuple[int, int]]] = {}
        vocab = head.vocabulary
        for n in (1, 2):
            for i in range(len(toks) - n + 1):
                j = vocab.get(toks[i] if n == 1 else f"{toks[i]} {toks[i + 1]}")
                if j is not None:
                    where.setdefault(j, []).append((i, n))
        weight = [0.0] * len(toks)
        if where:
            vals = {j: (1.0 if len(o) == 1 else math.log(len(o)) + 1.0) * head.idf[j] for j, o in where.items()}
            norm = math.sqrt(sum(v * v for v in vals.values()))
            for j, occ in where.items():
                c = vals[j] / norm * head.word_coef[j] / len(occ)
                if c > 0:
                    for i, n in occ:
                        for k in range(i, i + n):
                            weight[k] += c / n
        covered = [False] * len(toks)
        # each hit's share: its category feature and its scope's "any" feature split over the hits
        # that feed them, plus its term's weight split over that term's hits
        usable = self._cue_features(head, cue_hits(text, self.lexicon, toks))
        per_feature: dict[int, int] = {}
        per_scope: dict[int, int] = {}
        per_term: dict[str, int] = {}
        for _, _, k, f, key in usable:
            per_feature[f] = per_feature.get(f, 0) + 1
            per_scope[k] = per_scope.get(k, 0) + 1
            per_term[key] = per_term.get(key, 0) + 1
        anycol = len(head.scopes) * self.ncat
        for i, j, k, f, key in usable:
            share = (math.log1p(per_feature[f]) * head.cue_coef[f] / per_feature[f]
                     + math.log1p(per_scope[k]) * head.cue_coef[anycol + k] / per_scope[k]
                     + head.term_coef.get(key, 0.0) / per_term[key])
            for tok in range(i, j):
                covered[tok] = True
                if share > 0:
                    weight[tok] += share / (j - i)
        return spans, weight, covered
