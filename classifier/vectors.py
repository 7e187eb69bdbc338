"""Static word vectors: the table the heads' dense block is trained from.

``training_data/word_vectors.npz`` holds a word list (UTF-8 text, one word per line) and a float16
matrix, one row per word (see ``scripts/distill_vectors.py`` for where they come from). Training reads
it; scoring never does: it keeps only the per-word weights training folds out of it.
"""

from __future__ import annotations

import functools
import hashlib
import io
from pathlib import Path
from typing import Any, NamedTuple

from .errors import InputError

__all__ = ["WordTable", "default_vectors_path", "read_word_vectors"]

VECTORS_FILE = "word_vectors.npz"


class WordTable(NamedTuple):
    """Words, their row in ``vectors`` (float64, one row per word), and the sha256 of the file they came from."""

    words: tuple[str, ...]
    index: dict[str, int]
    vectors: Any
    sha256: str


def default_vectors_path() -> Path:
    """The word vectors beside the project corpus (from a checkout or the copy packaged with an install)."""
    from .corpus import default_data_dir

    return default_data_dir() / VECTORS_FILE


@functools.lru_cache(maxsize=2)
def _read(path: str, mtime_ns: int) -> WordTable:
    import numpy as np

    data = Path(path).read_bytes()
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            words = tuple(z["words"].tobytes().decode("utf-8").split("\n"))
            vectors = np.asarray(z["vectors"], dtype=np.float64)
    except (KeyError, ValueError, OSError, EOFError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable word-vector file ({str(exc).splitlines()[0]})") from None
    if vectors.ndim != 2 or vectors.shape[0] != len(words) or len(set(words)) != len(words):
        raise InputError(f"{path}: {len(words)} words but a vector table of shape {vectors.shape} (or repeated words)")
    vectors.setflags(write=False)
    return WordTable(words, {w: i for i, w in enumerate(words)}, vectors, hashlib.sha256(data).hexdigest())


def read_word_vectors(path: str | Path | None = None) -> WordTable:
    """The word-vector table at ``path`` (default: :func:`default_vectors_path`), cached while the file is unchanged."""
    p = Path(path) if path is not None else default_vectors_path()
    try:
        return _read(str(p.resolve()), p.stat().st_mtime_ns)
    except FileNotFoundError:
        raise InputError(f"{p}: word-vector file not found") from None
