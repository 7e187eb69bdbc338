"""Training: data files in, a saved model + manifest (+ model card) out, with a short report."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from .card import write_card
from .data import HEADS, default_corpus_paths, default_lexicon_path, fingerprint, load_corpus, load_labelled
from .features import read_lexicon
from .model import fit_heads
from .persist import save_model
from .score import FramingModel

__all__ = ["TrainReport", "train"]


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
            c = m["counts"].get(head)
            cv = m["cv"].get(head)
            if not c:
                continue
            line = f"  {head}: {c['positive']} positive / {c['negative']} negative"
            if cv:
                line += (f"; group {cv['folds']}-fold CV macro-F1 {cv['macro_f1']:.3f}, ROC-AUC {cv['roc_auc']:.3f}"
                         f" (decision point: raw probability {m['thresholds'][head]:.2f})")
            out.append(line)
        out.append(f"wrote {self.model_path} ({m['size_bytes'] / 1e6:.1f} MB), {self.model_path.with_suffix('.json').name}"
                   f" and {self.card_path.name}")
        return out


def train(
    data: Sequence[str | Path] | None = None,
    out: str | Path | None = None,
    *,
    preset: str | None = None,
    text_column: str = "text",
    label_columns: dict[str, str] | None = None,
    with_default_data: bool = False,
    lexicon: str | Path | None = None,
    folds: int = 5,
    tune_threshold: bool = False,
    C: float | None = None,
) -> TrainReport:
    """Train both heads and save the model (default: the project corpus -> the shipped model path).

    External files (``preset`` or ``label_columns``, or columns named after the heads) can be used
    instead of, or with ``with_default_data`` together with, the project corpus. ``C`` fixes the
    regularisation of both heads instead of choosing it by group cross-validation.
    """
    from .persist import default_model_path

    external = bool(data) and (preset is not None or label_columns or not _is_project_format(data))
    frames = []
    files: list[Path] = []
    if external:
        for p in data or ():
            d = load_labelled(p, text_column=text_column, label_columns=label_columns, preset=preset)
            d["group"] = Path(p).name + ":" + d["group"].astype(str)
            frames.append(d)
            files.append(Path(p))
        if with_default_data:
            frames.insert(0, load_corpus(None))
            files = [*default_corpus_paths(), *files]
    else:
        paths = [Path(p) for p in data] if data else default_corpus_paths()
        frames.append(load_corpus(paths))
        files = paths
    table = pd.concat(frames, ignore_index=True)
    lex_path = Path(lexicon) if lexicon else default_lexicon_path()
    lex = read_lexicon(lex_path)
    result = fit_heads(table, lex, folds=folds, tune_threshold=tune_threshold, C=C)
    meta = {
        "version": __version__,
        "training_data": {
            "files": [p.name for p in files],
            "fingerprint": fingerprint([*files, lex_path]),
            "n_sentences": len(table),
            "lexicon": lex_path.name,
            "lexicon_terms": len(lex),
        },
        "thresholds": result.thresholds,
        "decision_point": 0.5,
        "aggregation": "paragraph score = max of its sentences' scores",
        "counts": result.counts,
        "cv": result.cv,
    }
    model = FramingModel.from_pipelines(result.heads, meta)
    out_path = Path(out) if out else default_model_path()
    manifest = save_model(model, out_path, {"trained_at": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})
    card = write_card(model, out_path, manifest, None if external else table)
    return TrainReport(out_path, manifest, card)


def _is_project_format(paths: Sequence[str | Path]) -> bool:
    """True when every file is in the project corpus format (has ``text`` and both head columns)."""
    from .data import read_table

    return all({"text", *HEADS} <= set(read_table(p).columns) for p in paths)
