"""Reading inputs for batch scoring: files, directories, stdin, HTML pages and tables.

Inputs become a stream of :class:`Document` (one article: a name and its text) interleaved with
:class:`Issue` (one line for the user about one input: an error that skips it, or a note).
Nothing here raises for a bad *input*; :class:`~classifier.errors.InputError` is raised only for
setup mistakes that make the whole run pointless (a table without the ``--text-column``).

Formats, chosen by extension unless ``input_format`` says otherwise:

* ``.txt`` ``.text`` ``.md`` ``.markdown`` (and any other named file): the whole file is one document;
* ``.html`` ``.htm`` ``.xhtml``: the page's main text as extracted by trafilatura (comments and
  tables left out, one paragraph per block);
* ``.csv`` ``.tsv`` ``.jsonl`` ``.ndjson`` ``.parquet``: one document per row, its text in
  ``text_column`` and its name in ``id_column`` (else ``FILE:ROW``, ``FILE:LINE`` for JSONL).

Text is UTF-8, with or without BOM (a UTF-16/32 BOM is honoured too) unless ``encoding`` is given.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import fnmatch
import io
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from .errors import InputError

__all__ = [
    "INPUT_FORMATS",
    "STDIN",
    "Document",
    "Issue",
    "ReadOptions",
    "Source",
    "batches",
    "check_columns",
    "discover",
    "format_for",
    "read_documents",
    "validate_encoding",
]

STDIN = "-"
STDIN_NAME = "<stdin>"
INPUT_FORMATS = ("auto", "text", "html", "csv", "tsv", "jsonl", "parquet")
_SUFFIX_FORMATS = {
    ".txt": "text", ".text": "text", ".md": "text", ".markdown": "text",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet",
}
TABULAR = ("csv", "tsv", "jsonl", "parquet")
_MAX_ISSUES_PER_INPUT = 10  # per-row problems reported one by one, then summarised
_SNIFF = 8192
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
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)


@dataclass(frozen=True)
class Document:
    """One article to score: ``doc`` names it in the output, ``text`` is what offsets index into."""

    doc: str
    text: str


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
    """How to find and read inputs (the ``framing score`` input flags)."""

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
    _pushback: list[Any] = field(default_factory=list, repr=False)
    _stream: Any = field(default=None, repr=False)

    @property
    def is_stdin(self) -> bool:
        return self.path is None


# ---------------------------------------------------------------------------------------------
# Discovery


def format_for(name: str, input_format: str = "auto") -> str:
    """The reader for a file name: ``input_format`` unless ``auto``, else by extension (text if unknown)."""
    if input_format != "auto":
        return input_format
    return _SUFFIX_FORMATS.get(Path(name).suffix.lower(), "text")


def _matches(rel: str, name: str, globs: Sequence[str]) -> bool:
    if not globs:
        return Path(name).suffix.lower() in _SUFFIX_FORMATS
    for g in globs:
        if "/" in g:
            if PurePosixPath(rel).match(g) or fnmatch.fnmatch(rel, g):
                return True
        elif fnmatch.fnmatch(name, g):
            return True
    return False


def _walk(root: str, globs: Sequence[str]) -> Iterator[str]:
    """Files under ``root`` (sorted, recursive, hidden entries skipped) that match ``globs``."""

    def onerror(exc: OSError) -> None:
        raise exc

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            if _matches(rel, name, globs):
                yield full


def discover(inputs: Sequence[str], options: ReadOptions) -> list[Source | Issue]:
    """Expand the command-line inputs into sources, in order; missing paths and empty directories become issues.

    ``-`` is standard input (read as ``input_format``, text when ``auto``). A directory is walked
    recursively: only files matching ``options.globs`` (matched against the file name, or the path
    below the directory when the pattern holds a ``/``), or without globs every file whose
    extension is a known input format.
    """
    out: list[Source | Issue] = []
    stdin_seen = False
    for item in inputs:
        if item == STDIN:
            if stdin_seen:
                out.append(Issue(STDIN_NAME, "standard input given more than once, read once", error=False))
                continue
            stdin_seen = True
            out.append(Source(STDIN_NAME, None, options.input_format if options.input_format != "auto" else "text"))
            continue
        path = Path(item)
        if path.is_dir():
            try:
                found = list(_walk(item, options.globs))
            except OSError as exc:
                out.append(Issue(item, f"cannot list directory ({exc.strerror or exc})"))
                continue
            if not found:
                what = f"no files matching {', '.join(options.globs)}" if options.globs else (
                    f"no input files ({', '.join(sorted(_SUFFIX_FORMATS))})"
                )
                out.append(Issue(item, f"{what} in directory, skipped"))
            out.extend(Source(f, Path(f), format_for(f, options.input_format)) for f in found)
        elif path.exists() or path.is_symlink():
            if not path.exists():
                out.append(Issue(item, "broken symbolic link, skipped"))
            else:
                out.append(Source(item, path, format_for(item, options.input_format)))
        else:
            out.append(Issue(item, "no such file or directory, skipped"))
    return out


# ---------------------------------------------------------------------------------------------
# Bytes and encodings


def _stdin_binary() -> BinaryIO:
    buf = getattr(sys.stdin, "buffer", None)
    if buf is None:  # a text-only stdin (some test harnesses): re-encode what it gives
        return io.BufferedReader(io.BytesIO(sys.stdin.read().encode("utf-8")))  # type: ignore[arg-type]
    if not hasattr(buf, "peek"):
        buf = io.BufferedReader(buf)
    return buf


def _open_binary(source: Source) -> BinaryIO:
    if source.path is None:
        if source._stream is None:
            source._stream = _stdin_binary()
        return source._stream
    return open(source.path, "rb")


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    return exc.strerror.lower() if exc.strerror else str(exc)


def _encoding_for(head: bytes, encoding: str | None) -> tuple[str, bool]:
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


def validate_encoding(encoding: str | None) -> None:
    """Raise :class:`InputError` for an unknown ``--encoding``."""
    if encoding is None:
        return
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"--encoding {encoding}: unknown encoding") from None


def _binary_reason(head: bytes, wide: bool) -> str | None:
    """Why a file that starts with ``head`` is not text, or None."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return f"binary file ({what})"
    if not wide and b"\x00" in head:
        return "binary file (NUL bytes)"
    return None


def _decode(data: bytes, encoding: str | None) -> tuple[str | None, str | None]:
    """Decode a whole file: ``(text, None)`` or ``(None, reason)`` for binary or undecodable bytes."""
    codec, wide = _encoding_for(data[:4], encoding)
    reason = _binary_reason(data[:_SNIFF], wide)
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
    return _clean(text), None


def _clean(text: str) -> str:
    """Replace lone surrogates (from JSON escapes) so the text can be written as UTF-8."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


# ---------------------------------------------------------------------------------------------
# Whole-file documents: text and HTML


def _read_all(source: Source) -> bytes:
    if source.path is None:
        return _open_binary(source).read()
    return source.path.read_bytes()


def _text_documents(source: Source, options: ReadOptions) -> Iterator[Document | Issue]:
    try:
        data = _read_all(source)
    except OSError as exc:
        yield Issue(source.name, f"cannot read ({_os_reason(exc)}), skipped")
        return
    if not data.strip():
        yield Issue(source.name, "empty file, 0 rows", error=False)
        return
    if source.fmt == "html":
        yield from _html_documents(source, data, options)
        return
    text, reason = _decode(data, options.encoding)
    if text is None:
        yield Issue(source.name, f"{reason}, skipped")
    elif not text.strip():
        yield Issue(source.name, "no text (whitespace only), 0 rows", error=False)
    else:
        yield Document(source.name, text)


def _html_documents(source: Source, data: bytes, options: ReadOptions) -> Iterator[Document | Issue]:
    encoding = options.encoding
    if encoding is None and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        m = _META_CHARSET.search(data[:4096])
        if m:
            try:
                encoding = codecs.lookup(m.group(1).decode("ascii")).name
            except (LookupError, UnicodeDecodeError):
                encoding = None
    html, reason = _decode(data, encoding)
    if html is None:
        yield Issue(source.name, f"{reason}, skipped")
        return
    try:
        text = extract_html(html)
    except ImportError as exc:
        yield Issue(source.name, f"HTML extraction unavailable (trafilatura cannot be imported: {exc}), skipped")
        return
    except Exception as exc:
        yield Issue(source.name, f"HTML extraction failed ({type(exc).__name__}: {exc}), skipped")
        return
    if not text:
        yield Issue(source.name, "no article text found in the HTML page, 0 rows", error=False)
    else:
        yield Document(source.name, text)


def extract_html(html: str) -> str:
    """The main text of an HTML page (trafilatura; comments and tables left out), paragraphs blank-line separated."""
    import logging

    import trafilatura

    for name in ("trafilatura", "htmldate", "courlan"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    out = trafilatura.extract(html, include_comments=False, include_tables=False, output_format="txt")
    if not out:
        return ""
    return "\n\n".join(line.strip() for line in out.splitlines() if line.strip())


# ---------------------------------------------------------------------------------------------
# Tables: CSV / TSV, JSONL, parquet


def _text_lines(source: Source, options: ReadOptions) -> Iterator[str]:
    """Decoded lines of a text table (undecodable bytes kept as lone surrogates), BOM removed."""
    raw = _open_binary(source)
    try:
        head = raw.peek(_SNIFF)[:_SNIFF] if hasattr(raw, "peek") else b""
        codec, wide = _encoding_for(head[:4], options.encoding)
        reason = _binary_reason(head, wide)
        if reason:
            raise _Unreadable(reason)
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


class _Unreadable(Exception):
    """Raised inside a reader: the whole input is unusable for the reason given."""


def _lines_with_pushback(source: Source, options: ReadOptions) -> Iterator[str]:
    if source._pushback:
        pending, source._pushback = source._pushback, []
        rest = pending.pop()  # the live line iterator, stored last
        yield from pending
        yield from rest
    else:
        yield from _text_lines(source, options)


def _peek_lines(source: Source, options: ReadOptions, want: Any) -> Any:
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
        source._pushback = []  # stdin: read again from the (only peeked) stream, which fails the same way
        raise
    if source.is_stdin:
        source._pushback = [*seen, it]
    else:
        it.close()
    return result


def _missing(source: Source, column: str, flag: str, present: Iterable[str]) -> InputError:
    cols = ", ".join(str(c) for c in present) or "none"
    return InputError(f"{source.name}: no column {column!r} (columns: {cols}); choose one with {flag}")


def check_columns(sources: Sequence[Source | Issue], options: ReadOptions) -> None:
    """Before scoring: raise :class:`InputError` if a table lacks the text (or id) column.

    Unreadable or corrupt tables are left alone here; reading them reports the problem.
    """
    for source in sources:
        if not isinstance(source, Source) or source.fmt not in TABULAR:
            continue
        try:
            names = _column_names(source, options)
        except (OSError, _Unreadable, UnicodeDecodeError, ValueError, csv.Error):
            continue
        if names is None:
            continue
        for column, flag in ((options.text_column, "--text-column"), (options.id_column, "--id-column")):
            if column is not None and column not in names:
                raise _missing(source, column, flag, names)


def _column_names(source: Source, options: ReadOptions) -> list[str] | None:
    if source.fmt == "parquet":
        import pyarrow.parquet as pq

        if source.is_stdin:
            return None  # read whole when scoring; checked then
        try:
            return list(pq.ParquetFile(source.path).schema_arrow.names)
        except Exception:
            return None
    if source.fmt == "jsonl":

        def first_object(line: str) -> list[str] | None:
            if not line.strip() or _ESCAPED.search(line):
                return None
            try:
                obj = json.loads(line)
            except ValueError:
                return None
            return list(obj) if isinstance(obj, dict) else None

        return _peek_lines(source, options, first_object)
    delimiter = "\t" if source.fmt == "tsv" else ","
    header: list[str] | None = None

    def first_record(line: str) -> list[str] | None:
        nonlocal header
        if not line.strip():
            return None
        header = next(csv.reader([line], delimiter=delimiter), [])
        return header

    _peek_lines(source, options, first_record)
    return header


def _row_doc(source: Source, where: int, row_id: Any) -> str:
    if row_id is None or (isinstance(row_id, float) and row_id != row_id) or row_id == "":
        return f"{source.name}:{where}"
    return _clean(str(row_id))


def _as_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return _clean(value if isinstance(value, str) else str(value))


def _jsonl_documents(source: Source, options: ReadOptions) -> Iterator[Document | Issue]:
    text_col, id_col = options.text_column, options.id_column
    n = 0
    for lineno, line in enumerate(_lines_with_pushback(source, options), 1):
        if not line.strip():
            continue
        n += 1
        if _ESCAPED.search(line):
            bad = _ESCAPED.search(line).group()  # type: ignore[union-attr]
            yield Issue(source.name, f"line {lineno}: invalid UTF-8 (byte 0x{ord(bad) - 0xDC00:02x}), line skipped")
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            yield Issue(source.name, f"line {lineno}: malformed JSON ({str(exc).split(':')[0]}), line skipped")
            continue
        if not isinstance(obj, dict):
            yield Issue(source.name, f"line {lineno}: not a JSON object ({type(obj).__name__}), line skipped")
            continue
        if text_col not in obj:
            yield Issue(source.name, f"line {lineno}: no {text_col!r} field, line skipped")
            continue
        yield Document(_row_doc(source, lineno, obj.get(id_col) if id_col else None), _as_text(obj[text_col]))
    if n == 0:
        yield Issue(source.name, "empty file, 0 rows", error=False)


def _csv_documents(source: Source, options: ReadOptions) -> Iterator[Document | Issue]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.reader(_lines_with_pushback(source, options), delimiter="\t" if source.fmt == "tsv" else ",")
    header: list[str] | None = None
    text_i = id_i = -1
    n = 0
    row_no = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row_no += 1
            yield Issue(source.name, f"row {row_no} (line {reader.line_num}): malformed CSV ({exc}), row skipped")
            continue
        if header is None:
            if not record or not any(c.strip() for c in record):
                continue
            header = record
            if options.text_column not in header:  # checked before scoring; stdin/odd files land here
                raise _missing(source, options.text_column, "--text-column", header)
            text_i = header.index(options.text_column)
            if options.id_column is not None:
                if options.id_column not in header:
                    raise _missing(source, options.id_column, "--id-column", header)
                id_i = header.index(options.id_column)
            continue
        if not record:
            continue
        row_no += 1
        if len(record) <= max(text_i, id_i):
            yield Issue(source.name, f"row {row_no} (line {reader.line_num}): {len(record)} fields, header has {len(header)}, row skipped")
            continue
        text = record[text_i]
        row_id = record[id_i] if id_i >= 0 else None
        bad = _ESCAPED.search(text) or (_ESCAPED.search(row_id) if row_id else None)
        if bad:
            byte = ord(bad.group()) - 0xDC00
            yield Issue(source.name, f"row {row_no} (line {reader.line_num}): invalid UTF-8 (byte 0x{byte:02x}), row skipped")
            continue
        n += 1
        yield Document(_row_doc(source, row_no, row_id), text)
    if header is None:
        yield Issue(source.name, "empty file, 0 rows", error=False)
    elif n == 0 and row_no == 0:
        yield Issue(source.name, "no rows, 0 rows", error=False)


def _parquet_documents(source: Source, options: ReadOptions) -> Iterator[Document | Issue]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        target: Any = source.path if source.path is not None else pa.BufferReader(_read_all(source))
        pf = pq.ParquetFile(target)
        names = list(pf.schema_arrow.names)
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        yield Issue(source.name, f"cannot read ({_os_reason(exc)}), skipped")
        return
    except Exception as exc:
        yield Issue(source.name, f"not a valid parquet file ({_first_line(exc)}), skipped")
        return
    for column, flag in ((options.text_column, "--text-column"), (options.id_column, "--id-column")):
        if column is not None and column not in names:
            raise _missing(source, column, flag, names)
    columns = [options.text_column] + ([options.id_column] if options.id_column else [])
    row = 0
    try:
        for batch in pf.iter_batches(batch_size=1024, columns=columns):
            texts = batch.column(0).to_pylist()
            ids = batch.column(1).to_pylist() if options.id_column else [None] * len(texts)
            for text, row_id in zip(texts, ids):
                row += 1
                yield Document(_row_doc(source, row, row_id), _as_text(text))
    except Exception as exc:
        yield Issue(source.name, f"corrupt parquet data after row {row} ({_first_line(exc)}), rest of file skipped")
        return
    if row == 0:
        yield Issue(source.name, "no rows, 0 rows", error=False)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_READERS = {"text": _text_documents, "html": _text_documents, "csv": _csv_documents, "tsv": _csv_documents,
            "jsonl": _jsonl_documents, "parquet": _parquet_documents}


def read_documents(sources: Iterable[Source | Issue], options: ReadOptions) -> Iterator[Document | Issue]:
    """Read every source in order, yielding its documents and issues; issues from discovery pass through.

    A problem with one row (malformed JSON line, undecodable row) is an error issue naming the
    line or row, and the rest of the file is still read; after 10 such issues in one input the
    rest are counted and summarised in one line. Raises :class:`InputError` only for a table
    without the requested column (normally caught earlier by :func:`check_columns`).
    """
    for source in sources:
        if isinstance(source, Issue):
            yield source
            continue
        reported = 0
        suppressed = 0
        try:
            for item in _READERS[source.fmt](source, options):
                if isinstance(item, Issue) and item.error:
                    reported += 1
                    if reported > _MAX_ISSUES_PER_INPUT:
                        suppressed += 1
                        continue
                yield item
        except _Unreadable as exc:
            yield Issue(source.name, f"{exc}, skipped")
        except OSError as exc:
            yield Issue(source.name, f"cannot read ({_os_reason(exc)}), skipped")
        except UnicodeDecodeError as exc:  # wide encodings cannot escape every bad byte
            yield Issue(source.name, f"undecodable text ({exc.reason}), rest of file skipped")
        if suppressed:
            yield Issue(source.name, f"{suppressed} more problem rows not shown ({reported} in all)")


def batches(items: Iterable[Document | Issue], max_docs: int = 500, max_chars: int = 2_000_000) -> Iterator[list[Document | Issue]]:
    """Group a stream into lists holding at most ``max_docs`` documents or about ``max_chars`` of text.

    Issues ride along in their place, so reporting stays in step with scoring.
    """
    batch: list[Document | Issue] = []
    docs = chars = 0
    for item in items:
        batch.append(item)
        if isinstance(item, Document):
            docs += 1
            chars += len(item.text)
            if docs >= max_docs or chars >= max_chars:
                yield batch
                batch, docs, chars = [], 0, 0
    if batch:
        yield batch
