"""Articles to score: files, directories, standard input, HTML pages and table rows, as a stream.

Inputs become a stream of :class:`Document` (one article: a name and its text) interleaved with
:class:`~classifier.tables.Issue` (one line for the user about one input or row). Nothing here
raises for a bad *input*; :class:`~classifier.errors.InputError` is raised only for setup mistakes
that make the run pointless (a table named on the command line without the ``--text-column``).
Formats and their meaning come from :mod:`classifier.tables`.
"""

from __future__ import annotations

import codecs
import fnmatch
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import InputError
from .tables import (
    EXTENSIONS,
    SNIFF,
    STDIN,
    STDIN_NAME,
    TABLE_FORMATS,
    Issue,
    ReadOptions,
    Row,
    Source,
    clean,
    column_names,
    decode,
    format_for,
    iter_rows,
    missing_column,
    open_binary,
    os_reason,
    read_bytes,
)

__all__ = ["Document", "Issue", "ReadOptions", "Source", "batches", "check_columns", "discover", "extract_html",
           "id_text", "read_documents", "row_text"]

_MAX_ISSUES_PER_INPUT = 10  # per-row problems reported one by one, then summarised
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)


@dataclass(frozen=True)
class Document:
    """One article to score: ``doc`` names it in the output, ``text`` is what offsets index into."""

    doc: str
    text: str


# ---------------------------------------------------------------------------------------------
# Discovery


def _matches(rel: str, name: str, globs: Sequence[str]) -> bool:
    if not globs:
        return Path(name).suffix.lower() in EXTENSIONS
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

    ``-`` is standard input: read as ``input_format``; with ``auto``, as JSON lines when its first
    line is a JSON object, else as one plain-text article. A directory is walked recursively: only
    files matching ``options.globs`` (matched against the file name, or the path below the directory
    when the pattern holds a ``/``), or without globs every file whose extension is a known format.
    """
    out: list[Source | Issue] = []
    stdin_seen = False
    for item in inputs:
        if item == STDIN:
            if stdin_seen:
                out.append(Issue(STDIN_NAME, "standard input given more than once, read once", error=False))
                continue
            stdin_seen = True
            out.append(Source(STDIN_NAME, None, options.input_format))
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
                    f"no input files ({', '.join(sorted(EXTENSIONS))})"
                )
                out.append(Issue(item, f"{what} in directory, skipped"))
            out.extend(Source(f, Path(f), format_for(f, options.input_format), explicit=False) for f in found)
        elif path.exists() or path.is_symlink():
            if not path.exists():
                out.append(Issue(item, "broken symbolic link, skipped"))
            else:
                out.append(Source(item, path, format_for(item, options.input_format)))
        else:
            out.append(Issue(item, "no such file or directory, skipped"))
    return out


def _resolve_stdin(source: Source, options: ReadOptions) -> list[Issue]:
    """Decide how to read standard input given as ``auto``: JSON lines if its first line is an object, else text.

    Looks at the buffered head of the stream without consuming it.
    """
    if source.fmt != "auto":
        return []
    raw = open_binary(source)
    head = raw.peek(SNIFF)[:SNIFF] if hasattr(raw, "peek") else b""
    first = head.lstrip().split(b"\n", 1)
    is_jsonl = False
    if first[0].startswith(b"{"):
        try:
            is_jsonl = isinstance(json.loads(first[0]), dict) if len(first) > 1 else True
        except ValueError:
            is_jsonl = False
    source.fmt = "jsonl" if is_jsonl else "text"
    if is_jsonl:
        return [Issue(STDIN_NAME, "read as JSON lines (its first line is a JSON object); --input-format text reads it as "
                                  "one article", error=False)]
    if options.text_column != "text" or options.id_column:
        raise InputError("standard input is read as one plain-text article, so --text-column/--id-column do not apply; "
                         "give --input-format jsonl (or csv, tsv, parquet) to read it as a table")
    return []


def check_columns(sources: list[Source | Issue], options: ReadOptions) -> None:
    """Before scoring: raise :class:`InputError` if a table named on the command line lacks the text (or id) column.

    A table found in a directory without them is skipped with an issue instead (when it is read);
    standard input given as ``auto`` is resolved to JSON lines or text here. Unreadable tables are
    left alone; reading them reports the problem.
    """
    for i, source in enumerate(list(sources)):
        if not isinstance(source, Source):
            continue
        if source.is_stdin:
            for k, note in enumerate(_resolve_stdin(source, options)):
                sources.insert(i + k, note)
        if source.fmt not in TABLE_FORMATS or not source.explicit:
            continue
        names = column_names(source, options)
        if names is None:
            continue
        for column, flag in _needed(options):
            if column not in names:
                raise missing_column(source.name, column, flag, names)


def _needed(options: ReadOptions) -> list[tuple[str, str]]:
    out = [(options.text_column, "--text-column")]
    if options.id_column:
        out.append((options.id_column, "--id-column"))
    return out


# ---------------------------------------------------------------------------------------------
# Whole-file documents: text and HTML


def _text_documents(source: Source, options: ReadOptions) -> Iterator[Document | Issue]:
    try:
        data = read_bytes(source)
    except OSError as exc:
        yield Issue(source.name, f"cannot read ({os_reason(exc)}), skipped")
        return
    if not data or data.isspace():  # (no stripped copy of a large file)
        yield Issue(source.name, "empty file, 0 rows", error=False)
        return
    if source.fmt == "html":
        yield from _html_documents(source, data, options)
        return
    text, reason = decode(data, options.encoding)
    del data  # the bytes are not held while the text is scored
    if text is None:
        yield Issue(source.name, f"{reason}, skipped")
    elif not text or text.isspace():
        yield Issue(source.name, "no text (whitespace only), 0 rows", error=False)
    else:
        yield Document(source.name, text)


def html_encoding(data: bytes, encoding: str | None) -> str:
    """The encoding of an HTML page, as the HTML standard sniffs it.

    A byte-order mark wins; then ``--encoding``; then a ``<meta charset>`` in the first 4 KB — except
    that a page whose bytes are valid UTF-8 is read as UTF-8 whatever a legacy charset claims, and a
    meta ``utf-16``/``utf-32`` means UTF-8 (the bytes that declared it were ASCII-compatible); with
    no declaration, UTF-8 if valid, else windows-1252.
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return name
    if encoding is not None:
        return encoding
    try:
        data.decode("utf-8")
        valid_utf8 = True
    except UnicodeDecodeError:
        valid_utf8 = False
    m = _META_CHARSET.search(data[:4096])
    declared = None
    if m:
        try:
            declared = codecs.lookup(m.group(1).decode("ascii")).name
        except (LookupError, UnicodeDecodeError):
            declared = None
    if declared and declared.startswith(("utf-16", "utf-32")):
        declared = "utf-8"
    if valid_utf8:
        return "utf-8"
    return declared or "windows-1252"


def _html_documents(source: Source, data: bytes, options: ReadOptions) -> Iterator[Document | Issue]:
    html, reason = decode(data, html_encoding(data, options.encoding))
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
# Table rows as documents


def row_text(value: Any) -> tuple[str | None, str | None]:
    """A table cell as article text: ``(text, None)``, or ``(None, reason)`` when it cannot be one.

    Strings are used as they are (lone surrogates replaced); bytes are decoded as UTF-8; a missing
    value, an empty or blank string, a number or any other type is refused with its reason.
    """
    if isinstance(value, (bytes, bytearray)):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, f"binary text that is not UTF-8 (byte 0x{bytes(value)[exc.start]:02x} at offset {exc.start})"
    if value is None or (isinstance(value, float) and value != value):
        return None, "no text (null)"
    if not isinstance(value, str):
        return None, f"text is {type(value).__name__}, not a string"
    if not value.strip():
        return None, "no text (empty)" if not value else "no text (whitespace only)"
    return clean(value), None


def id_text(value: Any) -> str | None:
    """An id cell as a document name, or ``None`` when it is missing or empty (the row is then named ``FILE:ROW``)."""
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return None
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8", "replace")
    return clean(str(value))


def _row_name(source: Source, row: Row, id_column: str | None) -> str:
    name = id_text(row.values.get(id_column)) if id_column else None
    return name or f"{source.name}:{row.number}"


def _table_documents(source: Source, options: ReadOptions) -> Iterator[Document | Issue]:
    try:
        for item in iter_rows(source, options, _needed(options)):
            if isinstance(item, Issue):
                yield item
                continue
            if options.text_column not in item.values:
                yield Issue(source.name, f"{item.where}: no {options.text_column!r} field, row skipped")
                continue
            text, reason = row_text(item.values[options.text_column])
            if text is None:
                yield Issue(source.name, f"{item.where}: {reason} in column {options.text_column!r}, row skipped")
                continue
            yield Document(_row_name(source, item, options.id_column), text)
    except InputError as exc:
        if source.explicit:
            raise
        yield Issue(source.name, f"{str(exc).split(': ', 1)[1]}; file skipped")


def read_documents(sources: Iterable[Source | Issue], options: ReadOptions) -> Iterator[Document | Issue]:
    """Read every source in order, yielding its documents and issues; issues from discovery pass through.

    A problem with one row (malformed line, null or non-string text) is an error issue naming the
    line or row, and the rest of the file is still read; after 10 such issues in one input the rest
    are counted and summarised in one line.
    """
    for source in sources:
        if isinstance(source, Issue):
            yield source
            continue
        if source.fmt == "auto":  # standard input not resolved by check_columns
            yield from _resolve_stdin(source, options)
        reader = _table_documents if source.fmt in TABLE_FORMATS else _text_documents
        reported = suppressed = 0
        for item in reader(source, options):
            if isinstance(item, Issue) and item.error:
                reported += 1
                if reported > _MAX_ISSUES_PER_INPUT:
                    suppressed += 1
                    continue
            yield item
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
