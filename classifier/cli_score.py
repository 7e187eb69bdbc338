"""``framing score``: read articles from files, tables or stdin and write scored rows."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["add_score_parser", "run_score"]


def add_score_parser(sub: Any) -> argparse.ArgumentParser:
    """Register the ``score`` subcommand on an argparse subparsers object."""
    p = sub.add_parser("score", help="score articles, one row per paragraph")
    p.add_argument("inputs", nargs="+", metavar="FILE")
    p.add_argument("--model", help="model file (default: the shipped model)")
    p.set_defaults(func=run_score)
    return p


def run_score(args: argparse.Namespace) -> int:
    """Score every input and print the per-paragraph table; returns the exit code."""
    import pandas as pd

    from .persist import load_model

    model = load_model(args.model)
    frames = []
    for name in args.inputs:
        text = Path(name).read_text(encoding="utf-8")
        df = model.score_text(text)
        df.insert(0, "doc", name)
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out["loaded_terms"] = out["loaded_terms"].map(lambda ts: ", ".join(t["term"] for t in ts))
    with pd.option_context("display.max_colwidth", 60, "display.width", 200):
        print(out.drop(columns=["start", "end"]).to_string(index=False))
    return 0
