"""Labelled data: the project corpus, external labelled files, label-column presets, fingerprints."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from .errors import InputError

__all__ = [
    "HEADS",
    "PRESETS",
    "default_corpus_paths",
    "default_data_dir",
    "default_lexicon_path",
    "fingerprint",
    "load_corpus",
    "load_labelled",
    "parse_label_columns",
    "read_table",
]

HEADS = ("loaded_language", "editorial_framing")

# Label-column presets for public datasets: head -> (column, {value: label}); unlisted values drop.
PRESETS: dict[str, dict[str, tuple[str, dict[str, int]]]] = {
    "babe": {
        "loaded_language": ("label_bias", {"Biased": 1, "Non-biased": 0}),
        "editorial_framing": (
            "label_opinion",
            {
                "Entirely factual": 0,
                "Somewhat factual but also opinionated": 1,
                "Expresses writer’s opinion": 1,
                "Expresses writer's opinion": 1,
            },
        ),
    },
}

_PACKAGE = Path(__file__).resolve().parent


def default_data_dir() -> Path:
    """The project's ``training_data/`` (from a checkout, or the copy packaged with an install)."""
    for candidate in (_PACKAGE / "_training_data", _PACKAGE.parent / "training_data"):
        if (candidate / "sentences.jsonl").exists():
            return candidate
    raise InputError("training_data: the project corpus was not found next to the package (is this an install without it?)")


def default_corpus_paths() -> list[Path]:
    """The sentence files the shipped model is trained on."""
    return [default_data_dir() / "sentences.jsonl"]


def default_lexicon_path() -> Path:
    """The cue lexicon used as features."""
    return default_data_dir() / "lexicon.csv"


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV, JSONL/NDJSON, JSON, parquet or Excel file into a frame; errors name the file."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    suffix = p.suffix.lower()
    try:
        if suffix in (".jsonl", ".ndjson"):
            return pd.read_json(p, lines=True, dtype=False)
        if suffix == ".json":
            return pd.read_json(p, dtype=False)
        if suffix == ".parquet":
            return pd.read_parquet(p)
        if suffix in (".xlsx", ".xls"):
            return pd.read_excel(p)
        if suffix in (".csv", ".tsv", ".txt"):
            return pd.read_csv(p, sep="\t" if suffix == ".tsv" else ",", encoding="utf-8-sig")
    except ImportError as exc:
        raise InputError(f"{p}: reading {suffix} files needs an optional package ({exc.name})") from exc
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{p}: cannot be read as {suffix[1:]} ({first})") from exc
    raise InputError(f"{p}: unsupported file type {suffix or '(none)'} (use .csv, .jsonl, .parquet or .xlsx)")


def load_corpus(paths: Sequence[str | Path] | None = None) -> pd.DataFrame:
    """Load project-format sentence files: ``text``, both heads, and a CV ``group`` per row.

    Groups keep a topic (and so every minimal pair, whose members share a topic) in one fold.
    """
    paths = list(paths) if paths else default_corpus_paths()
    frames = []
    for path in paths:
        d = read_table(path)
        missing = [c for c in ("text", *HEADS) if c not in d.columns]
        if missing:
            raise InputError(f"{path}: missing column(s) {', '.join(missing)} (columns present: {', '.join(map(str, d.columns))})")
        frames.append(d)
    data = pd.concat(frames, ignore_index=True)
    data["group"] = data["topic"].astype(str) if "topic" in data else _groups(data)
    return data


def _groups(d: pd.DataFrame) -> pd.Series:
    """One CV group per minimal pair where ``pair_id`` is given, else one per row."""
    own = pd.Series("row" + d.index.astype(str), index=d.index)
    return d["pair_id"].astype("string").fillna(own).astype(str) if "pair_id" in d else own


def parse_label_columns(spec: str | None) -> dict[str, str]:
    """Parse ``loaded_language=COL,editorial_framing=COL`` into a mapping head -> column."""
    if not spec:
        return {}
    out = {}
    for part in spec.split(","):
        head, sep, col = part.partition("=")
        head, col = head.strip(), col.strip()
        if not sep or head not in HEADS or not col:
            raise InputError(f"--label-columns: {part!r} is not HEAD=COLUMN with HEAD one of {', '.join(HEADS)}")
        out[head] = col
    return out


def _binary(series: pd.Series, column: str, source: str) -> pd.Series:
    """Map a label column to 0/1 (NaN kept): numbers, booleans, yes/no, true/false."""
    words = {"1": 1, "0": 0, "true": 1, "false": 0, "yes": 1, "no": 0, "1.0": 1, "0.0": 0}
    mapped = series.map(lambda v: v if pd.isna(v) else words.get(str(v).strip().lower()))
    bad = series[mapped.isna() & series.notna()]
    if len(bad):
        values = ", ".join(sorted({str(v) for v in bad.unique()})[:5])
        raise InputError(f"{source}: column {column!r} has values that are not 0/1 labels ({values}); use --preset or map them first")
    return mapped.astype("Float64")


def load_labelled(
    path: str | Path,
    text_column: str = "text",
    label_columns: Mapping[str, str] | None = None,
    preset: str | None = None,
    keep: Sequence[str] = (),
) -> pd.DataFrame:
    """Load an external labelled file into ``text`` + head columns (0/1, NaN where unlabelled).

    ``preset`` maps a known dataset's columns (``babe``); ``label_columns`` maps head -> column of
    0/1 values; with neither, columns named after the heads are used. Columns in ``keep`` are
    carried along (for grouping).
    """
    d = read_table(path)
    if text_column not in d.columns:
        raise InputError(f"{path}: no text column {text_column!r} (columns present: {', '.join(map(str, d.columns))})")
    out = pd.DataFrame({"text": d[text_column].astype("string").fillna("")})
    if preset:
        if preset not in PRESETS:
            raise InputError(f"--preset: unknown preset {preset!r} (known: {', '.join(PRESETS)})")
        for head, (col, mapping) in PRESETS[preset].items():
            if col not in d.columns:
                raise InputError(f"{path}: preset {preset!r} needs column {col!r} (columns present: {', '.join(map(str, d.columns))})")
            out[head] = d[col].map(mapping).astype("Float64")
    mapping = dict(label_columns or {})
    if not preset and not mapping:
        mapping = {h: h for h in HEADS if h in d.columns}
    for head, col in mapping.items():
        if col not in d.columns:
            raise InputError(f"{path}: no label column {col!r} (columns present: {', '.join(map(str, d.columns))})")
        out[head] = _binary(d[col], col, str(path))
    if not any(h in out for h in HEADS):
        raise InputError(f"{path}: no label columns found; name them {' / '.join(HEADS)}, or use --label-columns or --preset")
    for col in keep:
        if col not in d.columns:
            raise InputError(f"{path}: no column {col!r} (columns present: {', '.join(map(str, d.columns))})")
        out[col] = d[col]
    out["group"] = _groups(d)
    return out


def fingerprint(paths: Sequence[str | Path]) -> str:
    """sha256 over the named files' names and bytes (in the order given)."""
    h = hashlib.sha256()
    for p in paths:
        p = Path(p)
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()
