"""``framing score``: read articles from files, tables or stdin and write scored rows.

Wiring only: :mod:`classifier.inputs` finds and reads the inputs, ``FramingModel.score_documents``
scores a batch of documents, :mod:`classifier.output` encodes and writes the rows. Batches go
through worker processes with ``--jobs``; output order is the input order either way.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import deque
from collections.abc import Iterator
from typing import Any

from .errors import FramingError, InputError
from .inputs import INPUT_FORMATS, Document, Issue, ReadOptions
from .output import LEVELS, OUTPUT_FORMATS, Block, BlockSpec, encode_block

__all__ = ["add_score_parser", "run_score"]

_MAX_BATCH_CHARS = 2_000_000  # a batch also ends after this much text, so one huge article does not hold many


def _jobs(value: str) -> int:
    n = int(value)
    if n == -1:
        return os.cpu_count() or 1
    if n < 1:
        raise argparse.ArgumentTypeError("must be a positive number of processes, or -1 for all cores")
    return n


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def _probability(value: str) -> float:
    x = float(value)
    if not 0.0 <= x <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return x


def add_score_parser(sub: Any) -> argparse.ArgumentParser:
    """Register the ``score`` subcommand on an argparse subparsers object."""
    p = sub.add_parser(
        "score",
        help="score articles: one row per paragraph, sentence or article",
        description="Score news articles for loaded language and editorial framing. Inputs are files, "
        "directories (searched recursively) or - for standard input. Exit status: 0 all inputs scored, "
        "1 some inputs failed (the rest were scored), 2 usage or setup error.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="file, directory or - (stdin)")
    p.add_argument("--model", metavar="PATH", help="model file (default: the shipped model)")
    g = p.add_argument_group("inputs")
    g.add_argument("--glob", action="append", default=[], metavar="PATTERN",
                   help="in directories, score only files matching PATTERN (repeatable; default: every known input extension)")
    g.add_argument("--input-format", choices=INPUT_FORMATS, default="auto",
                   help="read every input as this format (default: by extension; stdin as text)")
    g.add_argument("--text-column", default="text", metavar="COL", help="text column of CSV/JSONL/parquet inputs (default: text)")
    g.add_argument("--id-column", metavar="COL", help="column naming each row in the output doc column (default: FILE:ROW)")
    g.add_argument("--encoding", metavar="ENC", help="encoding of text inputs (default: UTF-8 with or without BOM)")
    o = p.add_argument_group("output")
    o.add_argument("--level", choices=LEVELS, default="paragraph", help="one row per paragraph (default), sentence or article")
    o.add_argument("--format", choices=OUTPUT_FORMATS,
                   help="output format (default: from --output's extension, else table on a terminal and jsonl when piped)")
    o.add_argument("--output", "-o", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    o.add_argument("--no-text", action="store_true", help="leave the text column out")
    o.add_argument("--threshold", type=_probability, metavar="T", help="keep only rows where either score is at least T")
    o.add_argument("--only-content", action="store_true", help="drop non-content paragraphs (captions, links, widgets, bylines)")
    r = p.add_argument_group("run")
    r.add_argument("--jobs", "-j", type=_jobs, default=1, metavar="N", help="worker processes (default 1; -1 = all cores)")
    r.add_argument("--batch-size", type=_positive, default=500, metavar="N", help="documents per model call (default 500)")
    r.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no notes (errors are still printed)")
    r.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show Python tracebacks")
    p.set_defaults(func=run_score)
    return p


def _freeze_long_lived() -> None:
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


def _init_worker(model_path: str | None, spec: BlockSpec) -> None:
    import signal

    from .persist import load_model

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    _worker["model"] = load_model(model_path)
    _worker["spec"] = spec
    _freeze_long_lived()


def _score_batch(docs: list[str], texts: list[str]) -> Block:
    spec: BlockSpec = _worker["spec"]
    frame = _worker["model"].score_documents(texts, level=spec.level)
    return encode_block(frame, docs, spec)


# -- the run -----------------------------------------------------------------------------------


def run_score(args: argparse.Namespace) -> int:
    """Score every input and write the rows; returns the exit code (0 all scored, 1 some inputs failed)."""
    try:
        return _run(args)
    except (FramingError, KeyboardInterrupt):
        raise
    except BrokenPipeError:
        _silence_stdout()
        return 141
    except Exception as exc:
        if getattr(args, "debug", False):
            raise
        print(f"framing: error: unexpected {type(exc).__name__}: {exc} (rerun with --debug for the traceback)", file=sys.stderr)
        return 1


def _silence_stdout() -> None:
    """After the reader of a pipe went away: point stdout at /dev/null so exit does not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _run(args: argparse.Namespace) -> int:
    from .inputs import batches, check_columns, discover, read_documents, validate_encoding
    from .output import Reporter, choose_format, open_writer
    from .persist import load_model

    validate_encoding(args.encoding)
    fmt = choose_format(args.format, args.output, sys.stdout.isatty())
    if fmt == "parquet" and not args.output and sys.stdout.isatty():
        raise InputError("parquet output is binary: give --output FILE or redirect stdout")
    model = load_model(args.model)  # refuses a missing or tampered model before any work
    _freeze_long_lived()
    options = ReadOptions(text_column=args.text_column, id_column=args.id_column, encoding=args.encoding,
                          input_format=args.input_format, globs=tuple(args.glob))
    sources = discover(args.inputs, options)
    check_columns(sources, options)
    spec = BlockSpec(level=args.level, fmt=fmt, with_text=not args.no_text, threshold=args.threshold,
                     only_content=args.only_content)
    _worker.update(model=model, spec=spec)
    writer = open_writer(fmt, args.level, with_text=spec.with_text, path=args.output)
    pool = None
    reporter = None
    try:
        if args.jobs > 1:
            from concurrent.futures import ProcessPoolExecutor

            pool = ProcessPoolExecutor(max_workers=args.jobs, initializer=_init_worker, initargs=(args.model, spec))
            pool.submit(int).result()  # start the workers now, before the progress bar's thread exists
        reporter = Reporter(progress=sys.stderr.isatty(), quiet=args.quiet)
        work = batches(read_documents(sources, options), max_docs=args.batch_size, max_chars=_MAX_BATCH_CHARS)
        for issues, block, ndocs in _scored(work, pool, args.jobs):
            for issue in issues:
                reporter.issue(issue)
            if block is not None:
                writer.write(block)
            reporter.advance(ndocs, block.rows if block else 0)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if reporter is not None:
            reporter.close()
    done = f"{_count(reporter.docs, 'document')} scored, {_count(reporter.rows, 'row')} written"
    if reporter.failed:
        reporter.message(f"{_count(len(reporter.failed), 'input')} had errors; {done}")
    elif sys.stderr.isatty() and not args.quiet:
        reporter.message(done)
    return 1 if reporter.failed else 0


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
        pending.append((issues, pool.submit(_score_batch, names, texts) if docs else None, len(docs)))
        while len(pending) > 2 * jobs:
            issues, fut, n = pending.popleft()
            yield issues, fut.result() if fut is not None else None, n
    while pending:
        issues, fut, n = pending.popleft()
        yield issues, fut.result() if fut is not None else None, n
