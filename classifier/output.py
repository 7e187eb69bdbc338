"""Writing scored rows: one schema per level, in table, CSV, JSONL or parquet, streamed and safe.

* :func:`encode_block` turns one scored batch (the frame from ``score_documents``) into a block
  ready to write: rows filtered (``--threshold``, ``--only-content``), scores rounded to 4
  decimals, ``doc`` names filled in, text dropped on ``--no-text``. JSONL and CSV blocks are
  serialised right there, so worker processes do that work.
* Writers append blocks to standard output (each block in one write, so an interrupted run never
  leaves half a row) or to a file written under a temporary name and renamed into place when the
  run completes (an interrupted run leaves the previous file untouched).
* :class:`Reporter` prints one line per input problem on stderr and a progress bar when stderr is
  a terminal.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TextIO

from .errors import InputError

__all__ = [
    "LEVELS",
    "OUTPUT_FORMATS",
    "SCHEMAS",
    "Block",
    "BlockSpec",
    "Reporter",
    "Writer",
    "choose_format",
    "encode_block",
    "no_interrupt",
    "open_writer",
    "output_columns",
]

LEVELS = ("paragraph", "sentence", "article")
OUTPUT_FORMATS = ("table", "csv", "jsonl", "parquet")
_SUFFIX_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".parquet": "parquet",
                   ".pq": "parquet", ".txt": "table"}

# The output schema: column -> kind, in order, per level. ``text`` is last and optional.
SCHEMAS: dict[str, dict[str, str]] = {
    "paragraph": {
        "doc": "str", "paragraph": "int", "start": "int", "end": "int", "kind": "str",
        "loaded_language": "score", "editorial_framing": "score", "loaded_terms": "terms", "n_sentences": "int",
        "text": "str",
    },
    "sentence": {
        "doc": "str", "paragraph": "int", "sentence": "int", "start": "int", "end": "int", "kind": "str",
        "loaded_language": "score", "editorial_framing": "score", "loaded_terms": "terms", "n_sentences": "int",
        "text": "str",
    },
    "article": {
        "doc": "str", "n_paragraphs": "int", "n_content": "int",
        "loaded_language": "score", "loaded_language_mean": "score",
        "editorial_framing": "score", "editorial_framing_mean": "score",
        "share_loaded": "score", "share_framing": "score", "loaded_terms": "terms", "n_sentences": "int",
    },
}
DECIMALS = 4


def output_columns(level: str, with_text: bool = True) -> list[str]:
    """The output columns of ``level``, in order (``text`` only at paragraph/sentence level, unless ``with_text`` is off)."""
    return [c for c in SCHEMAS[level] if with_text or c != "text"]


def choose_format(fmt: str | None, output: str | None, stdout_is_tty: bool) -> str:
    """``--format`` if given; else from the ``--output`` extension; else table on a terminal, JSONL when piped."""
    if fmt:
        return fmt
    if output:
        return _SUFFIX_FORMATS.get(Path(output).suffix.lower(), "jsonl")
    return "table" if stdout_is_tty else "jsonl"


# ---------------------------------------------------------------------------------------------
# Blocks: one scored batch, filtered, rounded and (for text formats) serialised


@dataclass(frozen=True)
class BlockSpec:
    """What to keep and how to encode it (picklable: sent once to each worker process)."""

    level: str = "paragraph"
    fmt: str = "jsonl"
    with_text: bool = True
    threshold: float | None = None
    only_content: bool = False


@dataclass
class Block:
    """One batch ready to write: ``payload`` is a string (JSONL, CSV) or a dict of column lists (table, parquet)."""

    rows: int
    payload: Any


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _columns(frame: Any, docs: Sequence[str], spec: BlockSpec) -> dict[str, list[Any]]:
    """Filtered, rounded output columns of a ``score_documents`` frame (``doc`` holds positions into ``docs``)."""
    import numpy as np

    if spec.only_content and spec.level != "article":
        frame = frame[frame["kind"].to_numpy() == "content"]
    if spec.threshold is not None:
        ll = frame["loaded_language"].to_numpy(dtype=float)
        ef = frame["editorial_framing"].to_numpy(dtype=float)
        frame = frame[(ll >= spec.threshold) | (ef >= spec.threshold)]
    out: dict[str, list[Any]] = {}
    for col, kind in SCHEMAS[spec.level].items():
        if col == "text" and not spec.with_text:
            continue
        if col == "doc":
            out[col] = [docs[i] for i in frame["doc"].tolist()]
        elif kind == "score":
            values = np.round(frame[col].to_numpy(dtype=float), DECIMALS).tolist()
            out[col] = [None if v != v else v for v in values]
        else:
            out[col] = frame[col].tolist()
    return out


def encode_block(frame: Any, docs: Sequence[str], spec: BlockSpec) -> Block:
    """Encode one scored batch for ``spec.fmt``; ``frame`` is ``score_documents`` output with positional ``doc``."""
    cols = _columns(frame, docs, spec)
    n = len(cols["doc"])
    if spec.fmt == "jsonl":
        return Block(n, _jsonl_rows(cols, spec.level))
    if spec.fmt == "csv":
        return Block(n, _csv_rows(cols))
    return Block(n, cols)


_JSON_STR = json.encoder.encode_basestring  # what _JSON does to a string (the C version where available)


def _jsonl_rows(cols: dict[str, list[Any]], level: str) -> str:
    """One JSON object per row, keys in schema order: the same text as ``_JSON.encode(row)``, column by column."""
    parts = []
    for name, values in cols.items():
        kind = SCHEMAS[level][name]
        if kind == "str":
            if name in ("doc", "kind"):  # few distinct values: encode each once
                seen: dict[str, str] = {}
                parts.append([seen[v] if v in seen else seen.setdefault(v, _JSON_STR(v)) for v in values])
            else:
                parts.append([_JSON_STR(v) for v in values])
        elif kind == "int":
            parts.append([str(v) for v in values])
        elif kind == "score":
            parts.append(["null" if v is None else repr(v) for v in values])
        else:
            parts.append([_JSON.encode(v) if v else "[]" for v in values])
    template = "{" + ",".join(f'"{name}":%s' for name in cols) + "}\n"
    return "".join([template % row for row in zip(*parts)])


def _csv_rows(cols: dict[str, list[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if "loaded_terms" in cols:
        cols = {**cols, "loaded_terms": [_JSON.encode(ts) for ts in cols["loaded_terms"]]}
    writer.writerows(zip(*cols.values()))
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Interrupt-safe writes


@contextlib.contextmanager
def no_interrupt() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) until the block exits, then deliver it: a row is written whole or not at all."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: pending.append(signum))
    except ValueError:  # not the main interpreter thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if pending:
            if callable(previous):
                previous(signal.SIGINT, None)
            elif previous == signal.SIG_DFL:
                raise KeyboardInterrupt


def _write_all(fh: Any, data: bytes) -> None:
    """Write every byte: an unbuffered stdout (``python -u``) is a raw file whose write may be partial."""
    view = memoryview(data)
    while view:
        n = fh.write(view)
        if n is None:  # a full non-blocking pipe: wait for the reader
            time.sleep(0.01)
            continue
        view = view[n:]


class _Target:
    """Where bytes go: standard output, or a temporary file renamed onto ``path`` by :meth:`commit`."""

    def __init__(self, path: str | None, binary: bool):
        self.path = Path(path) if path else None
        self.binary = binary
        self.tmp: str | None = None
        if self.path is None:
            self.fh: Any = None
            return
        parent = self.path.parent
        if not parent.is_dir():
            raise InputError(f"{path}: output directory {str(parent) or '.'} does not exist")
        if self.path.is_dir():
            raise InputError(f"{path}: is a directory, not an output file")
        try:
            fd, self.tmp = tempfile.mkstemp(dir=parent, prefix=f".{self.path.name}.", suffix=".part")
        except OSError as exc:
            raise InputError(f"{path}: cannot write here ({exc.strerror or exc})") from None
        self.fh = os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8", newline=None if binary else "")

    def write(self, data: str) -> None:
        if self.fh is not None:
            self.fh.write(data)
            return
        with no_interrupt():
            out = sys.stdout
            buf = getattr(out, "buffer", None)
            if buf is not None:
                out.flush()
                _write_all(buf, data.encode("utf-8"))
                buf.flush()
            else:
                out.write(data)
                out.flush()

    def commit(self) -> None:
        if self.fh is None:
            return
        self.fh.close()
        assert self.tmp is not None and self.path is not None
        if self.path.exists():
            with contextlib.suppress(OSError):
                os.chmod(self.tmp, self.path.stat().st_mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.tmp, 0o666 & ~umask)
        os.replace(self.tmp, self.path)
        self.tmp = None

    def abort(self) -> None:
        if self.fh is not None:
            with contextlib.suppress(OSError):
                self.fh.close()
        if self.tmp:
            with contextlib.suppress(OSError):
                os.unlink(self.tmp)
            self.tmp = None


class Writer:
    """Appends blocks to one output; :meth:`close` completes it, :meth:`abort` discards a file output."""

    def __init__(self, level: str, with_text: bool, path: str | None, binary: bool = False):
        self.level = level
        self.columns = output_columns(level, with_text)
        self.target = _Target(path, binary)
        self.rows = 0

    def write(self, block: Block) -> None:
        """Append one block's rows."""
        self.rows += block.rows
        self._write(block)

    def _write(self, block: Block) -> None:
        if block.payload:
            self.target.write(block.payload)

    def close(self) -> None:
        """Finish the output (footer, rename into place)."""
        self.target.commit()

    def abort(self) -> None:
        """Give up: a file output is removed, its previous version kept."""
        self.target.abort()


class _CsvWriter(Writer):
    def __init__(self, level: str, with_text: bool, path: str | None):
        super().__init__(level, with_text, path)
        self.target.write(",".join(self.columns) + "\n")


class _TableWriter(Writer):
    """Aligned columns for reading on a terminal; text and terms truncated to fit the width."""

    WIDTH: ClassVar[dict[str, int]] = {"paragraph": 9, "sentence": 8, "start": 7, "end": 7, "kind": 12, "loaded_terms": 28}

    def __init__(self, level: str, with_text: bool, path: str | None):
        super().__init__(level, with_text, path)
        self.widths: dict[str, int] | None = None

    def _layout(self, cols: dict[str, list[Any]] | None) -> None:
        docs = cols["doc"] if cols else []
        widths = {"doc": min(40, max([3, *(len(d) for d in docs)]))}
        for c in self.columns[1:]:
            widths[c] = max(len(c), self.WIDTH.get(c, 6))
        if "text" in widths:
            total = shutil.get_terminal_size((120, 24)).columns
            used = sum(w + 2 for c, w in widths.items() if c != "text")
            widths["text"] = max(20, total - used)
        self.widths = widths
        head = "  ".join(self._fit(c, c) for c in self.columns).rstrip()
        self.target.write(head + "\n")

    def _fit(self, col: str, value: str, right: bool = False) -> str:
        assert self.widths is not None
        w = self.widths[col]
        if len(value) > w:
            value = ("…" + value[-(w - 1):]) if col == "doc" else value[: w - 1] + "…"
        return value.rjust(w) if right else value.ljust(w)

    def _cell(self, col: str, v: Any) -> str:
        kind = SCHEMAS[self.level][col]
        if kind == "score":
            return self._fit(col, "-" if v is None else f"{v:.{DECIMALS}f}", right=True)
        if kind == "int":
            return self._fit(col, str(v), right=True)
        if kind == "terms":
            return self._fit(col, ", ".join(t["term"] for t in v))
        return self._fit(col, " ".join(str(v).split()))

    def _write(self, block: Block) -> None:
        cols = block.payload
        if self.widths is None:
            self._layout(cols)
        lines = ["  ".join(self._cell(c, v) for c, v in zip(self.columns, row)).rstrip() for row in zip(*cols.values())]
        if lines:
            self.target.write("\n".join(lines) + "\n")

    def close(self) -> None:
        if self.widths is None:
            self._layout(None)
        super().close()


class _ParquetWriter(Writer):
    """Row groups of up to 64k rows; to stdout only through a pipe (written whole at the end)."""

    GROUP = 65536

    def __init__(self, level: str, with_text: bool, path: str | None):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.stdout_tmp: Any = None
        if path is None:
            if sys.stdout.isatty():
                raise InputError("parquet output is binary: give --output FILE or redirect stdout")
            self.stdout_tmp = tempfile.NamedTemporaryFile(prefix="framing-", suffix=".parquet")
        super().__init__(level, with_text, path, binary=True)
        term = pa.struct([("term", pa.string()), ("start", pa.int64()), ("end", pa.int64()), ("weight", pa.float64())])
        types = {"str": pa.string(), "int": pa.int64(), "score": pa.float64(), "terms": pa.list_(term)}
        self.schema = pa.schema([(c, types[SCHEMAS[level][c]]) for c in self.columns])
        sink = self.stdout_tmp.name if self.stdout_tmp is not None else self.target.fh
        self.pq = pq.ParquetWriter(sink, self.schema, compression="zstd")
        self.pending: dict[str, list[Any]] = {c: [] for c in self.columns}
        self.npending = 0

    def _write(self, block: Block) -> None:
        for c in self.columns:
            self.pending[c].extend(block.payload[c])
        self.npending += block.rows
        if self.npending >= self.GROUP:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.npending:
            self.pq.write_table(pa.Table.from_pydict(self.pending, schema=self.schema))
            self.pending = {c: [] for c in self.columns}
            self.npending = 0

    def close(self) -> None:
        self._flush()
        self.pq.close()
        if self.stdout_tmp is not None:
            sys.stdout.flush()
            with open(self.stdout_tmp.name, "rb") as fh, no_interrupt():
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    _write_all(sys.stdout.buffer, chunk)
                sys.stdout.buffer.flush()
            self.stdout_tmp.close()
        super().close()

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.pq.close()
        if self.stdout_tmp is not None:
            self.stdout_tmp.close()
        super().abort()


def open_writer(fmt: str, level: str, with_text: bool = True, path: str | None = None) -> Writer:
    """A writer of ``fmt`` rows at ``level`` to ``path`` (atomically) or stdout.

    Raises :class:`InputError` when ``path``'s directory does not exist, or for parquet to a terminal.
    """
    cls = {"jsonl": Writer, "csv": _CsvWriter, "table": _TableWriter, "parquet": _ParquetWriter}[fmt]
    return cls(level, with_text, path)


# ---------------------------------------------------------------------------------------------
# Messages and progress on stderr


class Reporter:
    """One line per input problem on stderr (``framing: NAME: reason``) and an optional progress bar."""

    def __init__(self, progress: bool = False, quiet: bool = False, stream: TextIO | None = None):
        self.quiet = quiet
        self.stream = stream
        self.bar: Any = None
        self.failed: set[str] = set()
        self.docs = 0
        self.rows = 0
        if progress and not quiet:
            from tqdm import tqdm

            try:
                sized = os.get_terminal_size(self._stream().fileno()).columns > 0
            except (OSError, ValueError, AttributeError):
                sized = False
            # a terminal that reports no size (a bare pty) gets 80x24; tqdm would print nothing on 0 rows
            self.bar = tqdm(unit=" docs", file=self._stream(), delay=0.5, leave=False, dynamic_ncols=sized,
                            ncols=None if sized else 80, nrows=None if sized else 24)

    def _stream(self) -> TextIO:
        return self.stream or sys.stderr

    def message(self, line: str) -> None:
        """Print ``framing: line`` on stderr, above the progress bar if there is one."""
        text = f"framing: {line}"
        if self.bar is not None:
            self.bar.write(text, file=self._stream())
        else:
            print(text, file=self._stream(), flush=True)

    def issue(self, issue: Any) -> None:
        """Report an input :class:`~classifier.inputs.Issue`; errors mark the input failed."""
        if issue.error:
            self.failed.add(issue.source)
        elif self.quiet:
            return
        self.message(str(issue))

    def advance(self, docs: int, rows: int) -> None:
        """Count a written batch."""
        self.docs += docs
        self.rows += rows
        if self.bar is not None:
            self.bar.update(docs)
            self.bar.set_postfix_str(f"{self.rows} rows", refresh=False)

    def close(self) -> None:
        """Remove the progress bar."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
