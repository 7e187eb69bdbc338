"""``framing report``: score articles and write one self-contained HTML page (:mod:`classifier.report`).

Inputs, model options, bad-input handling and exit codes are those of ``framing score``: the same
readers, the same one-line messages on stderr, and the problems are also listed in the page.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .errors import InputError

__all__ = ["add_report_parser", "run_report"]


def add_report_parser(sub: Any) -> argparse.ArgumentParser:
    """Register the ``report`` subcommand on an argparse subparsers object."""
    from .cli_score import add_input_options, add_model_options, positive

    p = sub.add_parser(
        "report",
        help="write a self-contained HTML page: overview, every paragraph, the words highlighted",
        description="Score news articles and write one HTML file that works offline: an overview table of all "
        "articles (sortable) with the distribution of paragraph scores, and every paragraph with both scores "
        "and its loaded terms and framing devices highlighted. Inputs and model options are those of "
        "framing score. Exit status: 0 all inputs scored, 1 some inputs or rows failed (the rest are in the "
        "report, and the problems listed in it), 2 usage or setup error, 130 interrupted, 143 terminated.",
    )
    add_input_options(p)
    add_model_options(p)
    o = p.add_argument_group("output")
    o.add_argument("--output", "-o", metavar="FILE",
                   help="the HTML file to write (atomically); without it, the page goes to stdout when that is not a terminal")
    o.add_argument("--title", default="framing report", help="the page title (default: framing report)")
    o.add_argument("--page-size", type=positive, default=50, metavar="N", help="articles per page (default 50)")
    o.add_argument("--expand", type=int, default=20, metavar="N",
                   help="open every article when there are at most N of them (default 20); others start closed")
    r = p.add_argument_group("run")
    r.add_argument("--batch-size", type=positive, default=500, metavar="N", help="documents per model call (default 500)")
    r.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no notes (errors are still printed)")
    r.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show Python tracebacks")
    p.set_defaults(func=run_report)
    return p


def _model_label(args: argparse.Namespace, model: Any) -> str:
    version = (getattr(model, "meta", None) or {}).get("version", "?")
    return f"{args.model} (version {version})" if args.model else f"shipped (version {version})"


def run_report(args: argparse.Namespace) -> int:
    """Score every input and write the report; returns the exit code (0 all scored, 1 some inputs or rows failed)."""
    from .cli_score import MAX_BATCH_CHARS, checked_sources, freeze_long_lived, limit_chars, load_configured_model, read_options, summary
    from .inputs import Document, batches, read_documents
    from .output import Block, BlockSpec, Reporter, Writer
    from .report import Report
    from .tables import validate_encoding

    validate_encoding(args.encoding)
    if not args.output and sys.stdout.isatty():
        raise InputError("the report is an HTML file: give --output FILE or redirect stdout")
    model = load_configured_model(args)
    freeze_long_lived()
    options = read_options(args)
    sources = checked_sources(args, options)
    report = Report(model.decision_points, title=args.title, model_label=_model_label(args, model), inputs=args.inputs,
                    expand=args.expand, page_size=args.page_size)
    writer = Writer(BlockSpec(), args.output)  # refuses a directory, or a file in a missing one, before any scoring
    reporter = None
    try:
        reporter = Reporter(progress=sys.stderr.isatty(), quiet=args.quiet)
        docs = limit_chars(read_documents(sources, options), args.max_chars)
        for batch in batches(docs, max_docs=args.batch_size, max_chars=MAX_BATCH_CHARS):
            found = [b for b in batch if isinstance(b, Document)]
            for item in batch:
                if not isinstance(item, Document):
                    reporter.issue(item)
                    report.add_issue(item)
            rows = 0
            if found:
                cols = model.score_columns([d.text for d in found], level="paragraph")
                report.add_columns(cols, [d.doc for d in found])
                rows = len(cols["doc"])
            reporter.advance(len(found), rows)
        if reporter.docs == 0:
            writer.abort()  # nothing scored: no page (and any previous file untouched), as framing score does
        else:
            writer.write(Block(report.n_paragraphs, report.html()))
            writer.close()
    except BaseException:
        writer.abort()
        raise
    finally:
        if reporter is not None:
            reporter.close()
    return summary(reporter, args)
