"""The ``framing`` command: a thin layer over the library (score, train, evaluate, export).

Every subcommand shares one error policy: a one-line message on stderr, no traceback unless
``--debug``, and exit codes that mean something — 0 ok, 1 some inputs failed (the rest done) or an
unexpected error, 2 usage or setup error (nothing done), 130 interrupted (Ctrl-C), 141 the reader of
a pipe went away, 143 terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

from . import __version__
from .cli_report import add_report_parser
from .cli_score import add_score_parser
from .cli_serve import add_serve_parser
from .errors import FramingError, InputError, Terminated

__all__ = ["Terminated", "build_parser", "main"]


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated


def _score(args: argparse.Namespace) -> int:
    """``framing score``: on this machine, or on a Dask cluster with ``--scheduler``."""
    if getattr(args, "scheduler", None):
        from .distributed import run_distributed

        return run_distributed(args)
    from .cli_score import run_score

    return run_score(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="framing", description="Loaded language and editorial framing in news text, per paragraph.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    add_score_parser(sub).set_defaults(func=_score)
    add_report_parser(sub)
    add_serve_parser(sub)

    t = sub.add_parser("train", help="train both heads and write model, pipelines, manifest and model card",
                       description="Train the model. Without --data, on the project corpus; without --out, to "
                       "./models/framing-default.npz under the current directory.")
    t.add_argument("--data", nargs="+", metavar="PATH", help="labelled table files (default: the project corpus)")
    t.add_argument("--out", metavar="PATH", help="model file to write, ending in .npz (default: ./models/framing-default.npz)")
    t.add_argument("--preset", help="label-column preset for external data (babe)")
    t.add_argument("--text-column", default="text")
    t.add_argument("--label-columns", help="loaded_language=COL,editorial_framing=COL (one head is enough)")
    t.add_argument("--with-default-data", action="store_true", help="train on the project corpus as well as --data")
    t.add_argument("--encoding", metavar="ENC", help="encoding of text tables (default: UTF-8)")
    t.add_argument("--folds", type=int, default=5, help="group cross-validation folds (0 = skip; C is then 8 unless --C)")
    t.add_argument("--C", type=float, metavar="VALUE", dest="C",
                   help="fix the inverse regularisation strength of both heads (default: chosen by group CV from 2, 4, 8)")
    t.add_argument("--tune-threshold", action="store_true",
                   help="fold the group-CV-optimal threshold into the model (for data drawn like what you will score)")
    t.add_argument("--benchmark", metavar="CSV", help="labelled real news in BABE's layout for the model card's accuracy section")
    vec = t.add_mutually_exclusive_group()
    vec.add_argument("--vectors", metavar="NPZ", help="word-vector file of the dense block (default: the packaged one)")
    vec.add_argument("--no-vectors", action="store_true", help="train without the dense word-vector block")
    t.add_argument("--quiet", "-q", action="store_true")
    t.set_defaults(func=_train)

    e = sub.add_parser("evaluate", help="measure a model on labelled sentences")
    e.add_argument("--data", required=True, metavar="FILE", help="labelled table (CSV, TSV, JSONL, JSON, parquet or xlsx)")
    e.add_argument("--text-column", default="text")
    e.add_argument("--label-columns", help="loaded_language=COL,editorial_framing=COL (0/1 values)")
    e.add_argument("--preset", help="label-column preset (babe)")
    e.add_argument("--encoding", metavar="ENC", help="encoding of text tables (default: UTF-8)")
    e.add_argument("--model", help="model file (default: the shipped model)")
    e.add_argument("--by", metavar="COLUMN", help="also report per value of this column (e.g. type)")
    e.add_argument("--json", action="store_true", help="print the report as JSON")
    e.add_argument("--plots", metavar="DIR", help="write reliability and precision-recall PNGs (needs matplotlib)")
    e.add_argument("--find-threshold", metavar="TARGET",
                   help="per head, the decision point meeting TARGET on these labels: precision=P, recall=R or f1, "
                        "with a 95%% bootstrap interval")
    e.add_argument("--save-threshold", metavar="OUT.npz",
                   help="with --find-threshold: write a copy of the model that uses the found decision points")
    e.set_defaults(func=_evaluate)

    x = sub.add_parser("export", help="write a model's pipelines in another format",
                       description="Write the scikit-learn pipelines of a model with skops, which can be opened with an "
                       "explicit list of trusted types instead of unpickling (pip install 'framing-classifier[skops]').")
    x.add_argument("--model", help="model file (default: the shipped model)")
    x.add_argument("--skops", action="store_true", required=True, help="write NAME.pipelines.skops beside the model")
    x.add_argument("--out", metavar="PATH", help="where to write (default: beside the model)")
    x.set_defaults(func=_export)
    return parser


def _train(args: argparse.Namespace) -> int:
    from .corpus import parse_label_columns
    from .train import train

    report = train(
        args.data, args.out, preset=args.preset, text_column=args.text_column,
        label_columns=parse_label_columns(args.label_columns), with_default_data=args.with_default_data,
        tune_threshold=args.tune_threshold, folds=args.folds, C=args.C, benchmark=args.benchmark, encoding=args.encoding,
        vectors=None if args.no_vectors else (args.vectors or ""),
    )
    if not args.quiet:
        print("\n".join(report.lines()))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    import json

    from .corpus import load_labelled, parse_label_columns
    from .evaluate import evaluate, format_report, parse_target, write_plots
    from .persist import load_model

    target = parse_target(args.find_threshold) if args.find_threshold else None
    if args.save_threshold and target is None:
        raise InputError("--save-threshold needs --find-threshold TARGET")
    data = load_labelled(args.data, text_column=args.text_column, label_columns=parse_label_columns(args.label_columns),
                         preset=args.preset, keep=[args.by] if args.by else [], encoding=args.encoding)
    model = load_model(args.model)
    report = evaluate(model, data, by=args.by)
    if args.plots:
        for path in write_plots(report, data, args.plots):
            print(f"wrote {path}", file=sys.stderr)
    if target is not None:
        report["thresholds"] = _thresholds(report, data, target)
    report.pop("_scores")
    print(json.dumps(report, indent=2) if args.json else format_report(report, by=args.by))
    if args.save_threshold:
        _save_thresholds(args, report["thresholds"])
    return 0


def _thresholds(report: dict, data: Any, target: Any) -> dict:
    from .evaluate import find_threshold

    out = {}
    for head in report["heads"]:
        keep = data[head].notna().to_numpy()
        out[head] = find_threshold(data[head].to_numpy()[keep].astype(int), report["_scores"][head].to_numpy()[keep], target)
    return out


def _save_thresholds(args: argparse.Namespace, found: dict) -> None:
    from .persist import copy_with_meta, default_model_path

    missing = [h for h, f in found.items() if f["threshold"] is None]
    if missing:
        raise InputError(f"--save-threshold: no threshold meets {found[missing[0]]['target']} for {', '.join(missing)}; nothing written")
    points = {h: f["threshold"] for h, f in found.items()}
    copy_with_meta(args.model or default_model_path(), args.save_threshold,
                   {"decision_points": points, "decision_points_from": {"data": str(args.data), "target": args.find_threshold}})
    print(f"wrote {args.save_threshold} (decision points: {', '.join(f'{h} {t:.4f}' for h, t in points.items())})", file=sys.stderr)


def _export(args: argparse.Namespace) -> int:
    from .persist import default_model_path, export_skops

    path = export_skops(args.model or default_model_path(), args.out)
    print(f"wrote {path}", file=sys.stderr)
    return 0


def _silence_stdout() -> None:
    """After the reader of a pipe went away: point stdout at /dev/null so exit does not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (a host application calling main)
        pass
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
    except Terminated:
        print("framing: terminated", file=sys.stderr)
        return 143
    except BrokenPipeError:
        _silence_stdout()
        return 141
    except Exception as exc:
        if args.debug:
            raise
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        print(f"framing: error: unexpected {type(exc).__name__}: {detail} (rerun with --debug for the traceback)",
              file=sys.stderr)
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
