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
    t.add_argument("--quiet", "-q", action="store_true")
    t.set_defaults(func=_train)
    return parser


def _train(args: argparse.Namespace) -> int:
    from .data import parse_label_columns
    from .train import train

    report = train(
        args.data, args.out, preset=args.preset, text_column=args.text_column,
        label_columns=parse_label_columns(args.label_columns), with_default_data=args.with_default_data,
    )
    if not args.quiet:
        print("\n".join(report.lines()))
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
