"""Training: labelled files in, a checked, saved model + manifest + model card out, with a short report."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .card import write_card
from .corpus import (
    default_corpus_paths,
    default_lexicon_path,
    default_side_terms_path,
    fingerprint,
    load_labelled,
)
from .lexicon import Entry, read_lexicon
from .persist import default_output_path, manifest_path, save_model
from .schema import DECISION_POINT, HEADS
from .score import FramingModel
from .training import DEFAULT_FLOOR, HeadOptions, fit_heads, parity_check
from .vectors import default_vectors_path, read_word_vectors
from .words import canonical, read_side_terms, tokenize

__all__ = ["REFERENCE_SENTENCES", "TrainReport", "train"]

# Sentences whose probabilities training records in the manifest, so that any later change to the
# scoring code that moves a prediction is caught (tests compare them with the loaded model).
REFERENCE_SENTENCES = (
    "The regime's thugs attacked peaceful marchers.",
    "The council approved the budget 7-2 on Tuesday, a spokeswoman said.",
    "Critics claimed the so-called reform was a giveaway to donors.",
    "“This budget is a disgrace,” said council member Rita Vance.",
    "Even the mayor's allies now doubt the plan.",
    "The far-left passed the bill.",
    "“Yes.”",
    "a",
)


@dataclass
class TrainReport:
    """What a training run did: where it wrote, on what, and how well group-CV scored it."""

    model_path: Path
    manifest: dict[str, Any]
    card_path: Path

    def lines(self) -> list[str]:
        """A short human-readable report."""
        m = self.manifest
        out = [f"trained on {m['training_data']['n_sentences']} sentences from {', '.join(m['training_data']['files'])}"]
        for head in HEADS:
            c, cv = m["counts"].get(head), m["cv"].get(head)
            if not c:
                out.append(f"  {head}: no labels, head not trained (scores will be empty)")
                continue
            line = f"  {head}: {c['positive']} positive / {c['negative']} negative"
            if cv:
                line += f"; group {cv['folds']}-fold CV macro-F1 {cv['macro_f1']:.3f}, ROC-AUC {cv['roc_auc']:.3f}, C={cv['C']:g}"
            out.append(line)
        out.append(f"wrote {self.model_path} ({m['size_bytes'] / 1e6:.1f} MB), {manifest_path(self.model_path).name}, "
                   f"{m['pipelines']['file']} and {self.card_path.name}")
        return out


def side_neutral_lexicon(entries: Sequence[Entry], canon: Mapping[str, str]) -> tuple[Entry, ...]:
    """Lexicon entries whose words name a side share a concept with their mirror ("far-left" and "far-right")."""
    out = []
    for e in entries:
        words = tokenize(e.key)
        mapped = [canonical(w, canon) for w in words]
        if mapped != words:
            e = Entry(e.term, e.category, " ".join(mapped), e.pos, e.alternative, e.exclude)
        out.append(e)
    return tuple(out)


def train(
    data: Sequence[str | Path] | None = None,
    out: str | Path | None = None,
    *,
    preset: str | None = None,
    text_column: str = "text",
    label_columns: dict[str, str] | None = None,
    with_default_data: bool = False,
    lexicon: str | Path | None = None,
    side_terms: str | Path | None = None,
    folds: int = 5,
    tune_threshold: bool = False,
    C: float | None = None,
    floor: float = DEFAULT_FLOOR,
    benchmark: str | Path | None = None,
    encoding: str | None = None,
    vectors: str | Path | None = "",
    cue_terms: bool = False,
) -> TrainReport:
    """Train both heads and save the model (default: the project corpus -> ``./models/framing-default.npz``).

    ``data`` files replace the project corpus, or join it with ``with_default_data``; their labels come
    from ``preset``, ``label_columns`` or columns named after the heads (one head is enough). ``C``
    fixes the regularisation instead of choosing it by group cross-validation. The exported scorer is
    checked against the pipelines before anything is written. ``benchmark`` (a CSV in BABE's layout)
    fills the model card's real-news section. ``vectors`` is the word-vector file of the dense block
    (``""``: the packaged one; None: no dense block). ``cue_terms`` adds a presence column per lexicon
    term beside the per-category counts (:class:`~classifier.training.HeadOptions`).
    """
    table, files = _training_table(data, text_column, label_columns, preset, with_default_data, encoding)
    options, lex_path, vec_path = head_options(lexicon, side_terms, floor, vectors, cue_terms)
    inputs = [*files, lex_path, *([vec_path] if vec_path is not None else [])]
    result = fit_heads(table, options, folds=folds, tune_threshold=tune_threshold, C=C)
    meta = {
        "version": _package_version(),
        "training_data": {"files": [p.name for p in files], "fingerprint": fingerprint(inputs),
                          "n_sentences": len(table), "lexicon": lex_path.name, "lexicon_terms": len(options.lexicon),
                          "side_terms": len(options.canon), "length_floor": floor,
                          "word_vectors": _vectors_meta(vec_path), "cue_terms": options.cue_terms},
        "heads": list(result.heads),
        "thresholds": result.thresholds,
        "decision_points": {h: DECISION_POINT for h in result.heads},
        "aggregation": "paragraph score = max of its sentences' scores",
        "counts": result.counts,
        "cv": result.cv,
    }
    model = _checked_model(result.heads, meta, table)
    out_path = Path(out) if out else default_output_path()
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest = save_model(model, out_path, {"trained_at": stamp})
    card = write_card(model, out_path, manifest, table if not data else None, benchmark)
    return TrainReport(out_path, manifest, card)


def head_options(lexicon: str | Path | None = None, side_terms: str | Path | None = None, floor: float = DEFAULT_FLOOR,
                 vectors: str | Path | None = "", cue_terms: bool = False) -> tuple[HeadOptions, Path, Path | None]:
    """The heads' options as :func:`train` builds them, with the lexicon and word-vector files they read.

    ``lexicon`` and ``side_terms`` default to the project's; ``vectors`` as in :func:`train` (the
    options keep ``""`` for the packaged file, so pipelines do not record this machine's path).
    """
    lex_path = Path(lexicon) if lexicon else default_lexicon_path()
    side_path = Path(side_terms) if side_terms else default_side_terms_path()
    canon = read_side_terms(side_path) if side_path.exists() else ()
    vec_path = None if vectors is None else Path(vectors) if vectors else default_vectors_path()
    chosen = None if vectors is None else str(vectors)
    options = HeadOptions(side_neutral_lexicon(read_lexicon(lex_path), dict(canon)), canon, floor, vectors=chosen,
                          cue_terms=cue_terms)
    return options, lex_path, vec_path


def _vectors_meta(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    table = read_word_vectors(path)
    return {"file": path.name, "words": len(table.words), "dimensions": int(table.vectors.shape[1]), "sha256": table.sha256}


def _training_table(data: Sequence[str | Path] | None, text_column: str, label_columns: dict[str, str] | None,
                    preset: str | None, with_default_data: bool, encoding: str | None) -> tuple[Any, list[Path]]:
    """The labelled rows to train on (the project corpus, the user's files, or both) and the files they came from."""
    import pandas as pd

    frames, files = [], []
    if not data or with_default_data:
        frames.append(load_labelled(default_corpus_paths(), encoding=encoding))
        files += default_corpus_paths()
    if data:
        frames.append(load_labelled(list(data), text_column=text_column, label_columns=label_columns, preset=preset,
                                    encoding=encoding))
        files += [Path(p) for p in data]
    table = pd.concat(frames, ignore_index=True)
    if len(frames) > 1:  # keep the two sources' groups apart
        table["group"] = [f"{k}:{g}" for k, f in enumerate(frames) for g in f["group"]]
    return table, files


def _checked_model(heads: Mapping[str, Any], meta: dict[str, Any], table: Any) -> FramingModel:
    """The model of fitted heads, after checking its scorer against the pipelines, with reference scores recorded."""
    model = FramingModel.from_pipelines(heads, meta)
    parity_check(heads, model.scorer, [*table["text"].iloc[:: max(1, len(table) // 300)], *REFERENCE_SENTENCES])
    scores = model.score_sentences(list(REFERENCE_SENTENCES), explain=False)
    model.meta["reference_scores"] = {"sentences": list(REFERENCE_SENTENCES),
                                      **{h: [round(float(x), 12) for x in scores[h]] for h in heads}}
    return model


def _package_version() -> str:
    from . import __version__

    return __version__
