"""The ``framing`` command: a thin layer over the library (train, score, evaluate)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .cli_score import add_score_parser
from .errors import FramingError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="framing", description="Loaded language and editorial framing in news text, per paragraph.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    add_score_parser(sub)

    t = sub.add_parser("train", help="train both heads and write model + manifest")
    t.add_argument("--data", nargs="+", metavar="PATH", help="training files (default: training_data/sentences.jsonl)")
    t.add_argument("--out", metavar="PATH", help="model file to write (default: the shipped model path)")
    t.add_argument("--preset", help="label-column preset for external data (babe)")
    t.add_argument("--text-column", default="text")
    t.add_argument("--label-columns", help="loaded_language=COL,editorial_framing=COL")
    t.add_argument("--with-default-data", action="store_true", help="train on the project corpus too")
    t.add_argument("--folds", type=int, default=5, help="group cross-validation folds for the report (0 = skip)")
    t.add_argument("--C", type=float, metavar="VALUE", dest="C",
                   help="fix the inverse regularisation strength of both heads (default: chosen by group CV from 2, 4, 8)")
    t.add_argument("--tune-threshold", action="store_true",
                   help="fold the group-CV-optimal threshold into the model (for data drawn like what you will score)")
    t.add_argument("--quiet", "-q", action="store_true")
    t.set_defaults(func=_train)

    e = sub.add_parser("evaluate", help="measure a model on labelled sentences")
    e.add_argument("--data", required=True, metavar="FILE", help="labelled CSV, JSONL, parquet or xlsx file")
    e.add_argument("--text-column", default="text")
    e.add_argument("--label-columns", help="loaded_language=COL,editorial_framing=COL (0/1 values)")
    e.add_argument("--preset", help="label-column preset (babe)")
    e.add_argument("--model", help="model file (default: the shipped model)")
    e.add_argument("--by", metavar="COLUMN", help="also report per value of this column (e.g. type)")
    e.add_argument("--json", action="store_true", help="print the report as JSON")
    e.add_argument("--plots", metavar="DIR", help="write reliability and precision-recall PNGs (needs matplotlib)")
    e.set_defaults(func=_evaluate)
    return parser


def _train(args: argparse.Namespace) -> int:
    from .data import parse_label_columns
    from .train import train

    report = train(
        args.data, args.out, preset=args.preset, text_column=args.text_column,
        label_columns=parse_label_columns(args.label_columns), with_default_data=args.with_default_data,
        tune_threshold=args.tune_threshold, folds=args.folds, C=args.C,
    )
    if not args.quiet:
        print("\n".join(report.lines()))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    import json

    from .data import load_labelled, parse_label_columns
    from .evaluate import evaluate, format_report, write_plots
    from .persist import load_model

    data = load_labelled(args.data, text_column=args.text_column, label_columns=parse_label_columns(args.label_columns),
                         preset=args.preset, keep=[args.by] if args.by else [])
    model = load_model(args.model)
    report = evaluate(model, data, by=args.by)
    if args.plots:
        for path in write_plots(report, data, args.plots):
            print(f"wrote {path}", file=sys.stderr)
    report.pop("_scores")
    print(json.dumps(report, indent=2) if args.json else format_report(report, by=args.by))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.func(args)
    except FramingError as exc:
        if args.debug:
            raise
        print(f"framing: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("framing: interrupted", file=sys.stderr)
        return 130
