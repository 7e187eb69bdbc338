"""Labelled sentences: the project corpus and users' own files, read through the one row reader.

The project corpus (``training_data/sentences.jsonl``) is labelled data like any other: one path,
:func:`load_labelled`, reads it and external files alike. Cross-validation groups come from a
``topic`` column (which keeps every minimal pair in one fold), else ``pair_id``, else each row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import InputError
from .schema import HEADS
from .tables import Issue, ReadOptions, Source, format_for, iter_rows

__all__ = [
    "CORPUS_FIELDS",
    "DEVICES",
    "HARD_CASE_LABELS",
    "PRESETS",
    "REGISTERS",
    "SLANTS",
    "default_corpus_paths",
    "default_data_dir",
    "default_lexicon_path",
    "default_side_terms_path",
    "fingerprint",
    "load_labelled",
    "parse_label_columns",
]

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

# The vocabulary of the project's corpus (training_data/sentences.jsonl; described in its datasheet).
CORPUS_FIELDS = ("id", "text", "loaded_language", "editorial_framing", "loaded_terms", "framing_devices", "topic",
                 "register", "slant", "pair_id", "hard_case")
DEVICES = frozenset({
    "pejorative_label", "evaluative_modifier", "intensifier_hyperbole", "loaded_verb", "doubt_casting_attribution",
    "scare_quotes", "presupposition", "motive_speculation", "unattributed_opinion", "rhetorical_question",
    "loaded_metaphor", "selective_juxtaposition", "sarcasm",
})
REGISTERS = frozenset({"wire", "broadsheet", "tabloid", "partisan_left", "partisan_right", "opinion", "press_release",
                       "local", "broadcast", "magazine", "headline"})
SLANTS = frozenset({"against_left", "against_right", "against_other", "none"})
# hard case -> the labels it requires (loaded, framing); None = that label is free
HARD_CASE_LABELS: dict[str, tuple[int | None, int | None]] = {
    "quoted_loaded": (1, 0), "charged_topic_neutral": (0, 0), "literal_strong_word": (0, 0),
    "neutral_attribution": (0, 0), "short_neutral": (0, 0), "negated_charge": (0, None),
    "doubt_attribution": (None, 1), "subtle_framing": (None, 1), "loaded_with_attribution": (1, None),
    "scare_quote": (1, 1), "rhetorical_question": (None, 1), "long_loaded": (1, None), "sarcasm": (None, 1),
}

_PACKAGE = Path(__file__).resolve().parent
_LABEL_WORDS = {"1": 1, "0": 0, "true": 1, "false": 0, "yes": 1, "no": 0, "1.0": 1, "0.0": 0}


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


def default_side_terms_path() -> Path:
    """Words that name a political side, mapped to one form so that neither side's name carries a label."""
    return default_data_dir() / "side_terms.csv"


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


def _label(value: Any, mapping: Mapping[str, int] | None, where: str, column: str) -> float:
    """A label cell as 1.0, 0.0 or NaN (missing, or a preset value that is dropped)."""
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return float("nan")
    if mapping is not None:
        return float(mapping[value]) if value in mapping else float("nan")
    word = _LABEL_WORDS.get(str(value).strip().lower())
    if word is None:
        raise InputError(f"{where}: column {column!r} has {value!r}, not a 0/1 label; use --preset or map the values first")
    return float(word)


def _label_plan(names: Sequence[str], label_columns: Mapping[str, str], preset: str | None,
                source: str) -> dict[str, tuple[str, Mapping[str, int] | None]]:
    """head -> (column, value mapping or None for 0/1 values), checked against the table's columns."""
    plan: dict[str, tuple[str, Mapping[str, int] | None]] = {}
    if preset:
        if preset not in PRESETS:
            raise InputError(f"--preset: unknown preset {preset!r} (known: {', '.join(PRESETS)})")
        plan.update(PRESETS[preset])
    plan.update({h: (c, None) for h, c in label_columns.items()})
    if not plan:
        plan = {h: (h, None) for h in HEADS if h in names}
    if not plan:
        raise InputError(f"{source}: no label columns found; name them {' / '.join(HEADS)}, or use --label-columns or --preset")
    return plan


def load_labelled(
    paths: Sequence[str | Path] | str | Path | None = None,
    text_column: str = "text",
    label_columns: Mapping[str, str] | None = None,
    preset: str | None = None,
    keep: Sequence[str] = (),
    encoding: str | None = None,
) -> Any:
    """Labelled sentences from table files (default: the project corpus) as a DataFrame.

    Columns: ``text``, one column per labelled head (1.0 / 0.0, NaN where unlabelled), ``group``
    (cross-validation group, qualified by file name when several files are read) and the ``keep``
    columns. ``preset`` maps a known dataset's columns (``babe``); ``label_columns`` maps head ->
    column of 0/1 values; with neither, columns named after the heads are used. Any unreadable row
    is an :class:`InputError` naming the file and row: training data is read whole or not at all.
    """
    import pandas as pd

    if paths is None:
        paths = default_corpus_paths()
    elif isinstance(paths, (str, Path)):
        paths = [paths]
    options = ReadOptions(text_column=text_column, encoding=encoding)
    frames = [_read_one(Path(p), options, dict(label_columns or {}), preset, keep) for p in paths]
    data = pd.concat(frames, ignore_index=True)
    if len(paths) > 1:
        data["group"] = data["_file"] + ":" + data["group"]
    return data.drop(columns="_file")


def _read_one(path: Path, options: ReadOptions, label_columns: dict[str, str], preset: str | None,
              keep: Sequence[str]) -> Any:
    import pandas as pd

    from .inputs import row_text

    if not path.exists():
        raise InputError(f"{path}: no such file")
    source = Source(str(path), path, format_for(str(path)))
    records: list[dict[str, Any]] = []
    plan: dict[str, tuple[str, Mapping[str, int] | None]] | None = None
    for item in iter_rows(source, options, [(options.text_column, "--text-column"), *((k, "--by") for k in keep)]):
        if isinstance(item, Issue):
            if item.error:
                raise InputError(str(item).replace(", row skipped", "").replace(", line skipped", ""))
            continue
        v = item.values
        if plan is None:
            plan = _label_plan(list(v), label_columns, preset, source.name)
            for head, (col, _) in plan.items():
                if col not in v:
                    flag = "--preset" if preset and col == PRESETS.get(preset, {}).get(head, ("",))[0] else "--label-columns"
                    raise InputError(f"{source.name}: no label column {col!r} (columns: {', '.join(map(str, v))}); check {flag}")
        where = f"{source.name}: {item.where}"
        text, reason = row_text(v.get(options.text_column))
        if text is None:
            raise InputError(f"{where}: {reason} in column {options.text_column!r}")
        rec: dict[str, Any] = {"text": text}
        for head, (col, mapping) in plan.items():
            rec[head] = _label(v.get(col), mapping, where, col)
        for col in keep:
            rec[col] = v.get(col)
        rec["group"] = _group(v, item.number)
        records.append(rec)
    if not records:
        raise InputError(f"{source.name}: no labelled rows")
    data = pd.DataFrame(records)
    data["_file"] = path.name
    return data


def _group(values: Mapping[str, Any], number: int) -> str:
    for column in ("topic", "pair_id"):
        v = values.get(column)
        if v is not None and v == v and v != "":
            return f"{column}={v}"
    return f"row={number}"


def fingerprint(paths: Sequence[str | Path]) -> str:
    """sha256 over the named files' names and bytes (in the order given)."""
    h = hashlib.sha256()
    for p in paths:
        p = Path(p)
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()
