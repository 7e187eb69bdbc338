"""The one format registry and row reader: what each extension means, and rows out of every table format.

Every command reads through here: ``framing score`` turns rows into articles, ``framing train`` and
``framing evaluate`` into labelled sentences. One meaning per extension, one set of messages:

* documents (one file = one article): ``.txt`` ``.text`` ``.md`` ``.markdown``, and ``.html``
  ``.htm`` ``.xhtml`` (main text extracted);
* tables (one row = one article or one labelled sentence): ``.csv`` ``.tsv`` ``.jsonl`` ``.ndjson``
  ``.json`` (an array of objects) ``.parquet`` ``.xlsx`` (needs ``pip install '.[excel]'``).

:func:`iter_rows` yields :class:`Row` and :class:`Issue` (one line for the user about one input or
row) and never raises for a bad row; :class:`~classifier.errors.InputError` is raised only for a
table without a required column. Text is UTF-8, with or without BOM (a UTF-16/32 BOM is honoured
too), unless ``encoding`` is given.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from .errors import InputError

__all__ = [
    "DOCUMENT_FORMATS",
    "EXTENSIONS",
    "INPUT_FORMATS",
    "STDIN",
    "STDIN_NAME",
    "TABLE_FORMATS",
    "Issue",
    "ReadOptions",
    "Row",
    "Source",
    "column_names",
    "decode",
    "format_for",
    "iter_rows",
    "missing_column",
    "read_bytes",
    "validate_encoding",
]

STDIN = "-"
STDIN_NAME = "<stdin>"
EXTENSIONS = {
    ".txt": "text", ".text": "text", ".md": "text", ".markdown": "text",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
    ".parquet": "parquet", ".xlsx": "xlsx",
}
DOCUMENT_FORMATS = ("text", "html")
TABLE_FORMATS = ("csv", "tsv", "jsonl", "json", "parquet", "xlsx")
INPUT_FORMATS = ("auto", *DOCUMENT_FORMATS, *TABLE_FORMATS)
SNIFF = 8192
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"), (b"%PDF-", "PDF document"), (b"PK\x03\x04", "zip archive"),
    (b"\x1f\x8b", "gzip data"), (b"\x7fELF", "executable"), (b"PAR1", "parquet data"),
    (b"BZh9", "bzip2 data"), (b"\xfd7zXZ\x00", "xz data"), (b"7z\xbc\xaf\x27\x1c", "7z archive"),
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes that did not decode, kept by "surrogateescape"
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Issue:
    """A one-line report about an input: an ``error`` (the input, or part of it, was skipped) or a note."""

    source: str
    message: str
    error: bool = True

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass(frozen=True)
class ReadOptions:
    """How to find and read inputs (the input flags every command shares)."""

    text_column: str = "text"
    id_column: str | None = None
    encoding: str | None = None  # None: UTF-8, BOM optional
    input_format: str = "auto"
    globs: tuple[str, ...] = ()


@dataclass
class Source:
    """One input to read: a file (``path``) or standard input (``path`` is None)."""

    name: str
    path: Path | None
    fmt: str
    explicit: bool = True  # named on the command line (else found in a directory)
    _pushback: list[Any] = field(default_factory=list, repr=False)
    _stream: Any = field(default=None, repr=False)

    @property
    def is_stdin(self) -> bool:
        return self.path is None


@dataclass(frozen=True)
class Row:
    """One table row: ``where`` names it in messages (``line 3``, ``row 2``), ``number`` counts from 1."""

    number: int
    where: str
    values: dict[str, Any]


def format_for(name: str, input_format: str = "auto") -> str:
    """The reader for a file name: ``input_format`` unless ``auto``, else by extension (text if unknown)."""
    if input_format != "auto":
        return input_format
    return EXTENSIONS.get(Path(name).suffix.lower(), "text")


def missing_column(source: str, column: str, flag: str, present: Iterable[Any]) -> InputError:
    """The one message for a table without a column the command needs."""
    cols = ", ".join(str(c) for c in present) or "none"
    return InputError(f"{source}: no column {column!r} (columns: {cols}); choose one with {flag}")


# ---------------------------------------------------------------------------------------------
# Bytes and encodings


def validate_encoding(encoding: str | None) -> None:
    """Raise :class:`InputError` for an unknown ``--encoding``."""
    if encoding is None:
        return
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"--encoding {encoding}: unknown encoding") from None


def _stdin_binary() -> BinaryIO:
    buf = getattr(sys.stdin, "buffer", None)
    if buf is None:  # a text-only stdin (some test harnesses): re-encode what it gives
        return io.BufferedReader(io.BytesIO(sys.stdin.read().encode("utf-8")))  # type: ignore[arg-type]
    if not hasattr(buf, "peek"):
        buf = io.BufferedReader(buf)
    return buf


def open_binary(source: Source) -> BinaryIO:
    if source.path is None:
        if source._stream is None:
            source._stream = _stdin_binary()
        return source._stream
    return open(source.path, "rb")


def read_bytes(source: Source) -> bytes:
    """All bytes of a source (a file, or standard input)."""
    if source.path is None:
        return open_binary(source).read()
    return source.path.read_bytes()


def os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    return exc.strerror.lower() if exc.strerror else str(exc)


def encoding_for(head: bytes, encoding: str | None) -> tuple[str, bool]:
    """The codec to decode with and whether it is a wide (UTF-16/32) one, from a BOM or the option."""
    if encoding is None:
        for bom, name in _BOMS:
            if head.startswith(bom):
                return name, name != "utf-8-sig"
        return "utf-8-sig", False
    name = codecs.lookup(encoding).name
    if name == "utf-8":
        name = "utf-8-sig"
    return name, name.startswith(("utf-16", "utf-32"))


def binary_reason(head: bytes, wide: bool) -> str | None:
    """Why a file that starts with ``head`` is not text, or None."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return f"binary file ({what})"
    if not wide and b"\x00" in head:
        return "binary file (NUL bytes)"
    return None


def decode(data: bytes, encoding: str | None) -> tuple[str | None, str | None]:
    """Decode a whole file: ``(text, None)`` or ``(None, reason)`` for binary or undecodable bytes."""
    codec, wide = encoding_for(data[:4], encoding)
    reason = binary_reason(data[:SNIFF], wide)
    if reason:
        return None, reason
    if not wide:
        nul = data.find(b"\x00")
        if nul >= 0:
            return None, f"binary file (NUL bytes at byte {nul})"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        label = "UTF-8" if codec == "utf-8-sig" else codec
        bad = data[exc.start:exc.start + 1].hex()
        return None, f"invalid {label} (byte 0x{bad} at offset {exc.start}); try --encoding"
    if wide and "\x00" in text:
        return None, "binary file (NUL characters)"
    return clean(text), None


def clean(text: str) -> str:
    """Replace lone surrogates (from JSON escapes) so the text can be written as UTF-8."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


class Unreadable(Exception):
    """Raised inside a reader: the whole input is unusable for the reason given."""


def _text_lines(source: Source, options: ReadOptions) -> Iterator[str]:
    """Decoded lines of a text table (undecodable bytes kept as lone surrogates), BOM removed."""
    raw = open_binary(source)
    try:
        head = raw.peek(SNIFF)[:SNIFF] if hasattr(raw, "peek") else b""
        codec, wide = encoding_for(head[:4], options.encoding)
        reason = binary_reason(head, wide)
        if reason:
            raise Unreadable(reason)
        stream = io.TextIOWrapper(raw, encoding=codec, errors="surrogateescape", newline="")
    except BaseException:
        if source.path is not None:
            raw.close()
        raise
    try:
        yield from stream
    finally:
        if source.path is not None:
            stream.close()
        else:  # leave standard input open
            with contextlib.suppress(ValueError):
                stream.detach()


def _lines(source: Source, options: ReadOptions) -> Iterator[str]:
    """The source's lines, replaying what :func:`peek_lines` read from standard input first."""
    if source._pushback:
        pending, source._pushback = source._pushback, []
        rest = pending.pop()  # the live line iterator, stored last
        yield from pending
        yield from rest
    else:
        yield from _text_lines(source, options)


def peek_lines(source: Source, options: ReadOptions, want: Any) -> Any:
    """Read lines until ``want(line)`` returns non-None; for stdin keep them for the real read."""
    it = _text_lines(source, options)
    seen: list[str] = []
    result = None
    try:
        for line in it:
            seen.append(line)
            result = want(line)
            if result is not None or len(seen) >= 1000:
                break
    except BaseException:
        source._pushback = []
        raise
    if source.is_stdin:
        source._pushback = [*seen, it]
    else:
        it.close()
    return result


# ---------------------------------------------------------------------------------------------
# Column names (checked before reading)


def _first_object(line: str) -> list[str] | None:
    if not line.strip() or _ESCAPED.search(line):
        return None
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    return [str(k) for k in obj] if isinstance(obj, dict) else None


def column_names(source: Source, options: ReadOptions) -> list[str] | None:
    """The columns of a table source (None when they cannot be known without reading it whole)."""
    try:
        if source.fmt == "parquet":
            if source.is_stdin:
                return None
            import pyarrow.parquet as pq

            return [str(n) for n in pq.ParquetFile(source.path).schema_arrow.names]
        if source.fmt == "jsonl":
            return peek_lines(source, options, _first_object)
        if source.fmt in ("csv", "tsv"):
            delimiter = "\t" if source.fmt == "tsv" else ","
            return peek_lines(source, options, lambda line: next(csv.reader([line], delimiter=delimiter), None)
                              if line.strip() else None)
    except Exception:
        return None  # unreadable: reading it reports why
    return None


# ---------------------------------------------------------------------------------------------
# Rows


def _need(source: Source, names: Sequence[str], columns: Sequence[tuple[str, str]]) -> None:
    for column, flag in columns:
        if column not in names:
            raise missing_column(source.name, column, flag, names)


def _jsonl_rows(source: Source, options: ReadOptions, columns: Sequence[tuple[str, str]]) -> Iterator[Row | Issue]:
    n = 0
    for lineno, line in enumerate(_lines(source, options), 1):
        if not line.strip():
            continue
        n += 1
        bad = _ESCAPED.search(line)
        if bad:
            yield Issue(source.name, f"line {lineno}: invalid UTF-8 (byte 0x{ord(bad.group()) - 0xDC00:02x}), line skipped")
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            yield Issue(source.name, f"line {lineno}: malformed JSON ({str(exc).split(':')[0]}), line skipped")
            continue
        if not isinstance(obj, dict):
            yield Issue(source.name, f"line {lineno}: not a JSON object ({type(obj).__name__}), line skipped")
            continue
        if n == 1:
            _need(source, list(obj), columns)
        yield Row(lineno, f"line {lineno}", obj)
    if n == 0:
        yield Issue(source.name, "empty file, 0 rows", error=False)


def _csv_rows(source: Source, options: ReadOptions, columns: Sequence[tuple[str, str]]) -> Iterator[Row | Issue]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.reader(_lines(source, options), delimiter="\t" if source.fmt == "tsv" else ",", strict=True)
    header: list[str] | None = None
    row_no = 0
    while True:
        start_line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row_no += 1
            if "unexpected end of data" in str(exc):
                yield Issue(source.name, f"row {row_no} (line {start_line}): a quoted field is never closed and runs to the end of "
                                         "the file, rest of file skipped")
                break
            yield Issue(source.name, f"row {row_no} (line {start_line}): malformed CSV ({exc}), row skipped")
            continue
        if header is None:
            if not record or not any(c.strip() for c in record):
                continue
            header = record
            _need(source, header, columns)
            continue
        if not record:
            continue
        row_no += 1
        where = f"row {row_no} (line {start_line})"
        if len(record) != len(header):
            yield Issue(source.name, f"{where}: {len(record)} fields, the header has {len(header)}, row skipped")
            continue
        bad = next((m for m in map(_ESCAPED.search, record) if m), None)
        if bad:
            yield Issue(source.name, f"{where}: invalid UTF-8 (byte 0x{ord(bad.group()) - 0xDC00:02x}), row skipped")
            continue
        yield Row(row_no, where, dict(zip(header, record)))
    if header is None:
        yield Issue(source.name, "empty file, 0 rows", error=False)
    elif row_no == 0:
        yield Issue(source.name, "no rows, 0 rows", error=False)


def _parquet_rows(source: Source, options: ReadOptions, columns: Sequence[tuple[str, str]]) -> Iterator[Row | Issue]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(source.path if source.path is not None else pa.BufferReader(read_bytes(source)))
        names = [str(n) for n in pf.schema_arrow.names]
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        yield Issue(source.name, f"cannot read ({os_reason(exc)}), skipped")
        return
    except Exception as exc:
        yield Issue(source.name, f"not a valid parquet file ({_first_line(exc)}), skipped")
        return
    _need(source, names, columns)
    wanted = list(dict.fromkeys(c for c, _ in columns)) or names
    row = 0
    try:
        for batch in pf.iter_batches(batch_size=1024, columns=wanted):
            cols = {name: batch.column(i).to_pylist() for i, name in enumerate(wanted)}
            for k in range(batch.num_rows):
                row += 1
                yield Row(row, f"row {row}", {name: values[k] for name, values in cols.items()})
    except Exception as exc:
        yield Issue(source.name, f"corrupt parquet data after row {row} ({_first_line(exc)}), rest of file skipped")
        return
    if row == 0:
        yield Issue(source.name, "no rows, 0 rows", error=False)


def _whole_table_rows(source: Source, options: ReadOptions, columns: Sequence[tuple[str, str]]) -> Iterator[Row | Issue]:
    """JSON arrays and Excel sheets, which are read whole."""
    try:
        data = read_bytes(source)
    except OSError as exc:
        yield Issue(source.name, f"cannot read ({os_reason(exc)}), skipped")
        return
    if source.fmt == "xlsx":
        try:
            import openpyxl  # noqa: F401
        except ImportError:
            raise InputError(f"{source.name}: reading .xlsx files needs openpyxl: pip install 'framing-classifier[excel]'") from None
        import pandas as pd

        try:
            frame = pd.read_excel(io.BytesIO(data), dtype=object)
        except Exception as exc:
            yield Issue(source.name, f"not a readable Excel file ({_first_line(exc)}), skipped")
            return
        records: list[Any] = frame.to_dict("records")
        names = [str(c) for c in frame.columns]
    else:
        text, reason = decode(data, options.encoding)
        try:
            records = json.loads(text) if text is not None else None
        except ValueError as exc:
            reason = f"malformed JSON ({str(exc).split(':')[0]})"
        if text is None or reason:
            yield Issue(source.name, f"{reason}, skipped")
            return
        if not isinstance(records, list):
            yield Issue(source.name, "a .json input must be an array of objects, skipped")
            return
        names = list(dict.fromkeys(str(k) for r in records if isinstance(r, dict) for k in r))
    _need(source, names, columns)
    for i, rec in enumerate(records, 1):
        if not isinstance(rec, dict):
            yield Issue(source.name, f"row {i}: not an object ({type(rec).__name__}), row skipped")
            continue
        yield Row(i, f"row {i}", {str(k): v for k, v in rec.items()})
    if not records:
        yield Issue(source.name, "no rows, 0 rows", error=False)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_ROW_READERS = {"csv": _csv_rows, "tsv": _csv_rows, "jsonl": _jsonl_rows, "parquet": _parquet_rows,
                "json": _whole_table_rows, "xlsx": _whole_table_rows}


def iter_rows(source: Source, options: ReadOptions, columns: Sequence[tuple[str, str]] = ()) -> Iterator[Row | Issue]:
    """The rows of a table source, with an :class:`Issue` for each unreadable row or the unreadable file.

    ``columns`` are ``(column, flag)`` pairs the command needs; a table without one raises
    :class:`InputError` naming the columns it has and the flag that chooses another.
    """
    if source.fmt not in _ROW_READERS:
        raise InputError(f"{source.name}: a {source.fmt} file is one article, not a table "
                         f"(tables: {', '.join(e for e, f in EXTENSIONS.items() if f in TABLE_FORMATS)})")
    try:
        yield from _ROW_READERS[source.fmt](source, options, columns)
    except Unreadable as exc:
        yield Issue(source.name, f"{exc}, skipped")
    except OSError as exc:
        yield Issue(source.name, f"cannot read ({os_reason(exc)}), skipped")
    except UnicodeDecodeError as exc:  # wide encodings cannot escape every bad byte
        yield Issue(source.name, f"undecodable text ({exc.reason}), rest of file skipped")
