"""``framing score``: read articles from files, tables or stdin and write scored rows.

Wiring only: :mod:`classifier.inputs` finds and reads the inputs, ``FramingModel.score_columns``
scores a batch of documents, :mod:`classifier.output` encodes and writes the rows. Batches go
through worker processes with ``--jobs``; output order is the input order either way.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import InputError
from .inputs import Document, Issue, ReadOptions, Source
from .output import OUTPUT_FORMATS, Block, BlockSpec, encode_block
from .schema import FRAMING, LEVELS, LOADED
from .tables import INPUT_FORMATS

__all__ = ["MAX_BATCH_CHARS", "add_input_options", "add_model_options", "add_score_parser", "check_output", "checked_sources",
           "freeze_long_lived", "limit_chars", "load_configured_model", "positive", "read_options", "run_score", "summary"]

MAX_BATCH_CHARS = 2_000_000  # a batch also ends after this much text, so one huge article does not hold many


def _jobs(value: str) -> int:
    n = int(value)
    if n == -1:
        return os.cpu_count() or 1
    if n < 1:
        raise argparse.ArgumentTypeError("must be a positive number of processes, or -1 for all cores")
    return n


def positive(value: str) -> int:
    """An argparse type: a whole number of at least 1."""
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def _probability(value: str) -> float:
    x = float(value)
    if not 0.0 <= x <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return x


def _open_probability(value: str) -> float:
    x = float(value)
    if not 0.0 < x < 1.0:
        raise argparse.ArgumentTypeError("must be strictly between 0 and 1")
    return x


def add_input_options(p: argparse.ArgumentParser) -> None:
    """The input flags ``score`` and ``report`` share."""
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="file, directory or - (stdin)")
    g = p.add_argument_group("inputs")
    g.add_argument("--glob", action="append", default=[], metavar="PATTERN",
                   help="in directories, read only files matching PATTERN (repeatable; default: every known input extension)")
    g.add_argument("--input-format", choices=INPUT_FORMATS, default="auto",
                   help="read every input as this format (default: by extension; stdin: JSON lines if its first line is an "
                        "object, else text)")
    g.add_argument("--text-column", default="text", metavar="COL", help="text column of table inputs (default: text)")
    g.add_argument("--id-column", metavar="COL", help="column naming each row in the output doc column (default: FILE:ROW)")
    g.add_argument("--encoding", metavar="ENC", help="encoding of text inputs (default: UTF-8 with or without BOM)")
    g.add_argument("--max-chars", type=positive, metavar="N",
                   help="skip (and report) any article longer than N characters (default: no limit)")


def add_model_options(p: argparse.ArgumentParser) -> None:
    """The model and editor's-control flags ``score``, ``report`` and ``serve`` share."""
    g = p.add_argument_group("model")
    g.add_argument("--model", metavar="PATH", help="model file (default: the shipped model)")
    g.add_argument("--allow", metavar="FILE", help="allow list: terms never reported, their weight taken out of the score")
    g.add_argument("--cues", metavar="FILE", help="house cue list (CSV: term,category[,weight]): reported and weighted")
    g.add_argument("--threshold-loaded", type=_open_probability, metavar="P", help="decision point of loaded_language")
    g.add_argument("--threshold-framing", type=_open_probability, metavar="P", help="decision point of editorial_framing")


def add_score_parser(sub: Any) -> argparse.ArgumentParser:
    """Register the ``score`` subcommand on an argparse subparsers object."""
    p = sub.add_parser(
        "score",
        help="score articles: one row per paragraph, sentence or article",
        description="Score news articles for loaded language and editorial framing. Inputs are files, "
        "directories (searched recursively) or - for standard input. Exit status: 0 all inputs scored, "
        "1 some inputs or rows failed (the rest were scored), 2 usage or setup error, 130 interrupted, 143 terminated.",
    )
    add_input_options(p)
    add_model_options(p)
    o = p.add_argument_group("output")
    o.add_argument("--level", choices=LEVELS, default="paragraph", help="one row per paragraph (default), sentence or article")
    o.add_argument("--format", choices=OUTPUT_FORMATS,
                   help="output format (default: from --output's extension, else table on a terminal and jsonl when piped)")
    o.add_argument("--output", "-o", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    o.add_argument("--no-text", action="store_true", help="leave the text column out")
    o.add_argument("--threshold", type=_probability, metavar="T", help="keep only rows where either score is at least T")
    o.add_argument("--only-content", action="store_true", help="drop non-content paragraphs (captions, links, widgets, bylines)")
    o.add_argument("--flagged", action="store_true",
                   help="keep only rows flagged by a head: at or above its decision point (the model's, or --threshold-*)")
    o.add_argument("--alternatives", action="store_true", help="table format: show the plainer alternative beside each loaded term")
    r = p.add_argument_group("run")
    r.add_argument("--jobs", "-j", type=_jobs, default=1, metavar="N", help="worker processes (default 1; -1 = all cores)")
    r.add_argument("--scheduler", metavar="ADDRESS",
                   help="score on Dask: a running distributed scheduler (tcp://host:8786) or local:N for N local worker "
                        "processes; inputs are globs or directories of parquet/CSV/JSONL, -o a parquet dataset directory "
                        "(pip install 'framing-classifier[dask]')")
    r.add_argument("--batch-size", type=positive, default=500, metavar="N", help="documents per model call (default 500)")
    r.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no notes (errors are still printed)")
    r.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show Python tracebacks")
    p.set_defaults(func=run_score)
    return p


def load_configured_model(args: argparse.Namespace) -> Any:
    """The model named by ``--model`` with ``--allow``, ``--cues`` and per-head thresholds applied."""
    from .explain import read_allow, read_cues
    from .persist import load_model

    model = load_model(args.model)  # refuses a missing or tampered model before any work
    allow = read_allow(args.allow) if getattr(args, "allow", None) else ()
    cues = read_cues(args.cues) if getattr(args, "cues", None) else ()
    thresholds = {h: v for h, v in ((LOADED, getattr(args, "threshold_loaded", None)),
                                    (FRAMING, getattr(args, "threshold_framing", None))) if v is not None}
    return model.configure(allow=allow, cues=cues, thresholds=thresholds) if allow or cues or thresholds else model


def freeze_long_lived() -> None:
    """Exempt what is alive now (modules, the model) from garbage collection for the rest of the run.

    Scoring allocates many short-lived containers, and every full collection would otherwise walk
    all the long-lived objects too: this alone makes a large run about a third faster. The command
    owns its process, so this is safe here (the library never does it to a host application).
    """
    import gc

    gc.collect()
    gc.freeze()


# -- worker side (also used in-process with --jobs 1) --------------------------------------------

_worker: dict[str, Any] = {}


def _watch_parent(parent: int) -> None:
    """Exit this worker as soon as its parent process is gone, whatever killed it."""
    import time

    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(1)


def _init_worker(args: argparse.Namespace, spec: BlockSpec, parent: int) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if "model" not in _worker:  # a forked worker already has the parent's
        _worker["model"] = load_configured_model(args)
    _worker["spec"] = spec
    freeze_long_lived()


def _score_batch(docs: list[str], texts: list[str]) -> Block:
    spec: BlockSpec = _worker["spec"]
    cols = _worker["model"].score_columns(texts, level=spec.level)
    return encode_block(cols, docs, spec)


# -- the run -----------------------------------------------------------------------------------


def check_output(output: str | None, sources: list[Source | Issue], inputs: list[str]) -> None:
    """Refuse an ``--output`` that is one of the inputs or lies inside an input directory (read back next time)."""
    if not output:
        return
    out = Path(os.path.realpath(output))
    for src in sources:
        if isinstance(src, Source) and src.path is not None and Path(os.path.realpath(src.path)) == out:
            raise InputError(f"{output}: is also an input ({src.name}); refusing to overwrite it")
    for item in inputs:
        if item != "-" and Path(item).is_dir():
            root = Path(os.path.realpath(item))
            if root in out.parents:
                raise InputError(f"{output}: is inside the input directory {item}, where the next run would read it back; "
                                 "write it elsewhere")


def read_options(args: argparse.Namespace) -> ReadOptions:
    """How the input flags every scoring command shares (``add_input_options``) ask inputs to be read."""
    return ReadOptions(text_column=args.text_column, id_column=args.id_column, encoding=args.encoding,
                       input_format=args.input_format, globs=tuple(args.glob))


def checked_sources(args: argparse.Namespace, options: ReadOptions) -> list[Source | Issue]:
    """The inputs of ``args.inputs``, after refusing an ``--output`` among them and checking the named columns."""
    from .inputs import check_columns, discover

    sources = discover(args.inputs, options)
    check_output(args.output, sources, args.inputs)
    check_columns(sources, options)
    return sources


def run_score(args: argparse.Namespace) -> int:
    """Score every input on this machine and write the rows; returns the exit code (0 all scored, 1 some inputs or rows failed)."""
    from .inputs import batches, read_documents
    from .output import Reporter, choose_format, open_writer
    from .tables import validate_encoding

    validate_encoding(args.encoding)
    fmt = choose_format(args.format, args.output, sys.stdout.isatty())
    if fmt == "parquet" and not args.output and sys.stdout.isatty():
        raise InputError("parquet output is binary: give --output FILE or redirect stdout")
    model = load_configured_model(args)
    freeze_long_lived()
    options = read_options(args)
    sources = checked_sources(args, options)
    spec = BlockSpec(level=args.level, fmt=fmt, with_text=not args.no_text, threshold=args.threshold,
                     only_content=args.only_content, alternatives=args.alternatives,
                     flagged=tuple(model.decision_points.items()) if args.flagged else ())
    _worker.update(model=model, spec=spec)
    writer = open_writer(spec, args.output)
    pool = reporter = None
    try:
        if args.jobs > 1:
            pool = _start_pool(args, spec)
        reporter = Reporter(progress=sys.stderr.isatty(), quiet=args.quiet)
        docs = limit_chars(read_documents(sources, options), args.max_chars)
        for issues, block, ndocs in _scored(batches(docs, max_docs=args.batch_size, max_chars=MAX_BATCH_CHARS), pool, args.jobs):
            for issue in issues:
                reporter.issue(issue)
            if block is not None:
                writer.write(block)
            reporter.advance(ndocs, block.rows if block else 0)
        if reporter.docs == 0 and args.output:
            writer.abort()  # nothing scored: leave no output file (and any previous one untouched)
        else:
            writer.close()
        if pool is not None:
            pool.close()
    except BaseException:
        writer.abort()
        if pool is not None:
            pool.terminate()
        raise
    finally:
        if pool is not None:
            pool.join()
        if reporter is not None:
            reporter.close()
    return summary(reporter, args)


def summary(reporter: Any, args: argparse.Namespace) -> int:
    """Print the run's summary line on stderr (always when there were problems) and return the exit code."""
    done = f"{_count(reporter.docs, 'document')} scored, {_count(reporter.rows, 'row')} written"
    if reporter.problems:
        reporter.message(f"{done}, {_count(reporter.problems, 'problem')} in {_count(len(reporter.failed), 'input')}")
    elif sys.stderr.isatty() and not args.quiet:
        reporter.message(done)
    if reporter.docs == 0 and args.output:
        reporter.message(f"nothing scored; {args.output} not written")
    return 1 if reporter.problems else 0


def limit_chars(items: Iterator[Document | Issue], max_chars: int | None) -> Iterator[Document | Issue]:
    """The stream with every article longer than ``max_chars`` replaced by an issue saying so."""
    for item in items:
        if max_chars and isinstance(item, Document) and len(item.text) > max_chars:
            yield Issue(item.doc, f"{len(item.text):,} characters, more than --max-chars {max_chars:,}; skipped")
            continue
        yield item


def _start_pool(args: argparse.Namespace, spec: BlockSpec) -> Any:
    import multiprocessing

    pool = multiprocessing.get_context().Pool(args.jobs, initializer=_init_worker, initargs=(args, spec, os.getpid()))
    pool.apply(int)  # start the workers now, before the progress bar's thread exists
    return pool


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _scored(work: Iterator[list[Document | Issue]], pool: Any, jobs: int) -> Iterator[tuple[list[Issue], Block | None, int]]:
    """Score batches in input order: in-process, or ``jobs`` workers with at most 2 batches each in flight."""
    pending: deque[tuple[list[Issue], Any, int]] = deque()
    for batch in work:
        issues = [b for b in batch if isinstance(b, Issue)]
        docs = [b for b in batch if isinstance(b, Document)]
        names, texts = [d.doc for d in docs], [d.text for d in docs]
        if pool is None:
            yield issues, _score_batch(names, texts) if docs else None, len(docs)
            continue
        pending.append((issues, pool.apply_async(_score_batch, (names, texts)) if docs else None, len(docs)))
        while len(pending) > 2 * jobs:
            issues, fut, n = pending.popleft()
            yield issues, fut.get() if fut is not None else None, n
    while pending:
        issues, fut, n = pending.popleft()
        yield issues, fut.get() if fut is not None else None, n

