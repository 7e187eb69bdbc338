"""Writing scored rows: one schema per level, in table, CSV, JSONL or parquet, streamed and safe.

* :func:`encode_block` turns one scored batch (the columns of ``FramingModel.score_columns``) into a
  block ready to write: rows filtered (``--threshold``, ``--only-content``), scores rounded to 4
  decimals, ``doc`` names filled in, text dropped on ``--no-text``. JSONL and CSV blocks are
  serialised right there, so worker processes do that work.
* Writers append blocks to standard output (each block in one write, so an interrupted run never
  leaves half a row) or to a file. A regular file is written under a temporary name beside it and
  renamed into place when the run completes (an interrupted or empty run leaves the previous file
  untouched); a symbolic link's target is replaced the same way; a FIFO or device is written into.
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
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TextIO

from .errors import InputError
from .schema import DECIMALS, LEVELS, TERM_FIELDS, column_kind, output_columns

__all__ = [
    "LEVELS",
    "OUTPUT_FORMATS",
    "Block",
    "BlockSpec",
    "Reporter",
    "Writer",
    "choose_format",
    "encode_block",
    "no_interrupt",
    "open_writer",
]

OUTPUT_FORMATS = ("table", "csv", "jsonl", "parquet")
_SUFFIX_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".parquet": "parquet",
                   ".pq": "parquet", ".txt": "table"}


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
    alternatives: bool = False  # the table shows "term → alternative"
    flagged: tuple[tuple[str, float], ...] = ()  # keep rows at or above a head's decision point (head, point)

    @property
    def columns(self) -> list[str]:
        return output_columns(self.level, self.with_text)


@dataclass
class Block:
    """One batch ready to write: ``payload`` is a string (JSONL, CSV) or a dict of column lists (table, parquet)."""

    rows: int
    payload: Any


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_JSON_STR = json.encoder.encode_basestring  # what _JSON does to a string (the C version where available)


def _keep(cols: dict[str, list[Any]], spec: BlockSpec) -> list[int] | None:
    """Indexes of the rows that pass ``--only-content`` and ``--threshold`` (None: all)."""
    keep = None
    if spec.only_content and spec.level != "article":
        keep = [i for i, k in enumerate(cols["kind"]) if k == "content"]
    if spec.threshold is not None:
        t = spec.threshold
        ll, ef = cols["loaded_language"], cols["editorial_framing"]
        rows = range(len(ll)) if keep is None else keep
        keep = [i for i in rows if ll[i] >= t or ef[i] >= t]  # NaN compares False
    if spec.flagged:
        rows = range(len(cols["doc"])) if keep is None else keep
        keep = [i for i in rows if any(cols[head][i] >= point for head, point in spec.flagged)]
    return keep


def _columns(cols: dict[str, list[Any]], docs: Sequence[str], spec: BlockSpec) -> dict[str, list[Any]]:
    """Filtered, rounded output columns (``cols["doc"]`` holds positions into ``docs``)."""
    keep = _keep(cols, spec)
    out: dict[str, list[Any]] = {}
    for col in spec.columns:
        values = cols[col] if keep is None else [cols[col][i] for i in keep]
        if col == "doc":
            values = [docs[i] for i in values]
        elif column_kind(col) == "score":
            values = [None if v != v else round(v, DECIMALS) for v in values]
        out[col] = values
    return out


def encode_block(cols: dict[str, list[Any]], docs: Sequence[str], spec: BlockSpec) -> Block:
    """Encode one scored batch for ``spec.fmt``; ``cols`` are ``score_columns`` output with positional ``doc``."""
    out = _columns(cols, docs, spec)
    n = len(out["doc"])
    if spec.fmt == "jsonl":
        return Block(n, _jsonl_rows(out))
    if spec.fmt == "csv":
        return Block(n, _csv_rows(out))
    return Block(n, out)


def _jsonl_rows(cols: dict[str, list[Any]]) -> str:
    """One JSON object per row, keys in schema order: the same text as ``_JSON.encode(row)``, column by column."""
    parts = []
    for name, values in cols.items():
        kind = column_kind(name)
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
    cols = {c: [_JSON.encode(v) for v in vals] if column_kind(c) == "terms" else vals for c, vals in cols.items()}
    writer.writerows(zip(*cols.values()))
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Interrupt-safe writes


@contextlib.contextmanager
def no_interrupt() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block exits, then deliver them: a row is written whole or not at all."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous: dict[int, Any] = {}
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda signum, frame: pending.append(signum))
    except ValueError:  # not the main interpreter thread
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        yield
        return
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in pending[:1]:
            handler = previous[sig]
            if callable(handler):
                handler(sig, None)
            elif handler == signal.SIG_DFL:
                if sig == signal.SIGINT:
                    raise KeyboardInterrupt
                signal.raise_signal(sig)


def _write_all(fh: Any, data: bytes) -> None:
    """Write every byte: an unbuffered stdout (``python -u``) is a raw file whose write may be partial."""
    view = memoryview(data)
    while view:
        n = fh.write(view)
        if n is None:  # a full non-blocking pipe: wait for the reader
            time.sleep(0.01)
            continue
        view = view[n:]


def output_target(path: str) -> tuple[Path, bool]:
    """Where ``-o path`` writes, and whether it is written in place (a FIFO, a device) rather than replaced.

    A symbolic link is followed: its target is replaced and the link kept. A directory, or a file in
    a directory that does not exist, is an :class:`InputError`.
    """
    p = Path(path)
    real = Path(os.path.realpath(p)) if p.is_symlink() else p
    try:
        mode = real.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise InputError(f"{path}: cannot write here ({exc.strerror or exc})") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise InputError(f"{path}: is a directory, not an output file")
    if mode is not None and not stat.S_ISREG(mode):
        return real, True
    if not real.parent.is_dir():
        raise InputError(f"{path}: output directory {str(real.parent) or '.'} does not exist")
    return real, False


class _Target:
    """Where bytes go: stdout, a FIFO or device written in place, or a temporary file renamed onto the path."""

    def __init__(self, path: str | None, binary: bool):
        self.path: Path | None = None
        self.tmp: str | None = None
        self.fh: Any = None
        if path is None:
            return
        self.path, in_place = output_target(path)
        mode = "wb" if binary else "w"
        enc = {} if binary else {"encoding": "utf-8", "newline": ""}
        try:
            if in_place:
                self.fh = open(self.path, mode, **enc)
                return
            fd, self.tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".part")
        except OSError as exc:
            raise InputError(f"{path}: cannot write here ({exc.strerror or exc})") from None
        self.fh = os.fdopen(fd, mode, **enc)

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
        if self.tmp is None or self.path is None:
            return  # written in place
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

    def __init__(self, spec: BlockSpec, path: str | None, binary: bool = False):
        self.spec = spec
        self.columns = spec.columns
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
    def __init__(self, spec: BlockSpec, path: str | None):
        super().__init__(spec, path)
        self.target.write(",".join(self.columns) + "\n")


class _TableWriter(Writer):
    """Aligned columns for reading on a terminal; text and terms truncated to fit the width."""

    WIDTH: ClassVar[dict[str, int]] = {"paragraph": 9, "sentence": 8, "start": 7, "end": 7, "kind": 12,
                                       "loaded_terms": 28, "framing_terms": 24}

    def __init__(self, spec: BlockSpec, path: str | None):
        super().__init__(spec, path)
        self.widths: dict[str, int] | None = None

    def _layout(self, cols: dict[str, list[Any]] | None) -> None:
        docs = cols["doc"] if cols else []
        widths = {"doc": min(40, max([3, *(len(d) for d in docs)]))}
        for c in self.columns[1:]:
            widths[c] = max(len(c), self.WIDTH.get(c, 6) * (2 if c == "loaded_terms" and self.spec.alternatives else 1))
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

    def _terms(self, terms: list[dict[str, Any]]) -> str:
        if self.spec.alternatives:
            return ", ".join(f"{t['term']} → {t['alternative']}" if t.get("alternative") else t["term"] for t in terms)
        return ", ".join(t["term"] for t in terms)

    def _cell(self, col: str, v: Any) -> str:
        kind = column_kind(col)
        if kind == "score":
            return self._fit(col, "-" if v is None else f"{v:.{DECIMALS}f}", right=True)
        if kind == "int":
            return self._fit(col, str(v), right=True)
        if kind == "terms":
            return self._fit(col, self._terms(v))
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


def parquet_schema(columns: Sequence[str]) -> Any:
    """The arrow schema of the output columns (terms as lists of structs with the fields of TERM_FIELDS)."""
    import pyarrow as pa

    scalar = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "score": pa.float64()}

    def field_type(col: str) -> Any:
        kind = column_kind(col)
        if kind != "terms":
            return scalar[kind]
        return pa.list_(pa.struct([(f, scalar[t.rstrip("?")]) for f, t in TERM_FIELDS[col].items()]))

    return pa.schema([(c, field_type(c)) for c in columns])


class _ParquetWriter(Writer):
    """Row groups of up to 64k rows; to stdout only through a pipe (written whole at the end)."""

    GROUP = 65536

    def __init__(self, spec: BlockSpec, path: str | None):
        import pyarrow.parquet as pq

        self.stdout_tmp: Any = None
        if path is None:
            if sys.stdout.isatty():
                raise InputError("parquet output is binary: give --output FILE or redirect stdout")
            self.stdout_tmp = tempfile.NamedTemporaryFile(prefix="framing-", suffix=".parquet")
        super().__init__(spec, path, binary=True)
        self.schema = parquet_schema(self.columns)
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


def open_writer(spec: BlockSpec, path: str | None = None) -> Writer:
    """A writer of ``spec.fmt`` rows at ``spec.level`` to ``path`` or stdout.

    Raises :class:`InputError` when ``path`` is a directory or in one that does not exist, or for
    parquet to a terminal.
    """
    cls = {"jsonl": Writer, "csv": _CsvWriter, "table": _TableWriter, "parquet": _ParquetWriter}[spec.fmt]
    return cls(spec, path)


# ---------------------------------------------------------------------------------------------
# Messages and progress on stderr


class Reporter:
    """One line per input problem on stderr (``framing: NAME: reason``) and an optional progress bar."""

    def __init__(self, progress: bool = False, quiet: bool = False, stream: TextIO | None = None):
        self.quiet = quiet
        self.stream = stream
        self.bar: Any = None
        self.failed: set[str] = set()
        self.problems = 0
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
        """Report an input :class:`~classifier.tables.Issue`; errors mark the input failed."""
        if issue.error:
            self.failed.add(issue.source)
            self.problems += 1
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
