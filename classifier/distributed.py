"""Scoring on a Dask cluster: a DataFrame function, and the run behind ``framing score --scheduler``.

* :func:`score_dataframe` turns a Dask DataFrame of articles into a Dask DataFrame of scored rows
  (one partition in, one partition out, through ``map_partitions`` with the schema of the level as
  ``meta``). The model is named, not shipped: each worker process loads it once and keeps it.
* :func:`run_distributed` is ``framing score --scheduler ADDRESS|local:N``: it reads parquet, CSV,
  TSV or JSONL files with Dask's readers (one partition per file), scores each partition on a
  worker and writes it as one part file of a parquet dataset, under a temporary name renamed into
  place (a killed worker never leaves half a part, and a retried partition replaces its part).
  The dataset is assembled in a hidden directory beside ``-o DIR`` and renamed onto ``DIR`` when
  the run completes, so an interrupted run leaves the previous ``DIR`` untouched.

Dask is imported only inside these functions: ``import classifier.distributed`` is cheap, and
without the ``dask`` extra ``--scheduler`` fails with one line naming it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import threading
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import FramingError, InputError, ModelError
from .schema import LEVELS, column_kind, output_columns

__all__ = ["DASK_EXTRA", "FREEZE_ENV", "ModelRef", "output_meta", "run_distributed", "score_dataframe", "worker_loads"]

DASK_EXTRA = "pip install 'framing-classifier[dask]'"
MARKER = "_framing.json"  # written last into a finished dataset; marks a directory -o may replace
COMMON_METADATA = "_common_metadata"
READ_FORMATS = ("parquet", "csv", "tsv", "jsonl")  # what --scheduler reads (with Dask's readers)
_MAX_BATCH_CHARS = 2_000_000  # as in the local CLI: a scoring batch also ends after this much text
_ROW_ISSUES_SHOWN = 10  # per input, as in the local CLI; the rest are counted in one line
_PARQUET_GROUP = 65536  # rows per row group, as in the local parquet writer


def require_dask(what: str = "framing score --scheduler") -> None:
    """Raise :class:`InputError` (one line naming the extra) when Dask or distributed cannot be imported."""
    try:
        import dask
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        raise InputError(f"{what} needs the dask extra: {DASK_EXTRA}") from None


# ---------------------------------------------------------------------------------------------
# The model on the workers: named by a small reference, loaded once per worker process


@dataclass(frozen=True)
class ModelRef:
    """A model as workers load it: a file (None: the shipped model) and the editor's controls.

    Small and hashable, so it travels with the tasks instead of the model; every worker must be able
    to read ``path`` (shared storage, or the same path on each machine).
    """

    path: str | None = None
    allow: tuple[str, ...] = ()
    cues: tuple[Any, ...] = ()
    thresholds: tuple[tuple[str, float], ...] = ()

    def load(self) -> Any:
        """The configured model (``persist.load_model``; raises :class:`ModelError` in one line)."""
        from .persist import load_model

        return load_model(self.path, allow=self.allow, cues=self.cues, thresholds=dict(self.thresholds))

    def fingerprint(self) -> str:
        """The sha256 of the model file as its manifest records it (the same on every machine, or a mismatch)."""
        from .persist import default_model_path, read_manifest

        return str(read_manifest(Path(self.path) if self.path else default_model_path()).get("sha256"))


FREEZE_ENV = "FRAMING_WORKER_GC_FREEZE"  # =1 in a worker's environment: a worker that only runs framing may freeze
_models: dict[ModelRef, Any] = {}
_loads: dict[ModelRef, int] = {}
_lock = threading.Lock()
_frozen: list[bool] = []


def _worker_model(ref: Any, freeze: bool = False) -> Any:
    """The model for ``ref`` in this process: loaded on first use and cached (``ref`` may be the model itself)."""
    if not isinstance(ref, ModelRef):
        return ref  # a FramingModel that came as a task dependency: Dask moved it to this worker once
    model = _models.get(ref)
    if model is None:
        with _lock:
            model = _models.get(ref)
            if model is None:
                model = ref.load()
                _models[ref] = model
                _loads[ref] = _loads.get(ref, 0) + 1
                if (freeze or os.environ.get(FREEZE_ENV) == "1") and not _frozen:
                    # a worker process the CLI started and owns (or one its owner lent to framing): exempt the
                    # model and the runtime from GC scans, as `framing score` does in its own process
                    import gc

                    gc.collect()
                    gc.freeze()
                    _frozen.append(True)
    return model


def worker_loads() -> dict[str, Any]:
    """This process's pid and how many times it loaded each model (run on workers with ``client.run``)."""
    return {"pid": os.getpid(), "loads": {repr(ref): n for ref, n in _loads.items()}, "total": sum(_loads.values())}


def _probe(ref: ModelRef, freeze: bool) -> dict[str, Any]:
    """Run on each worker before a job: its framing version and model fingerprint, model loaded and cached."""
    from . import __version__

    try:
        fingerprint = ref.fingerprint()
        _worker_model(ref, freeze)
    except FramingError as exc:
        return {"version": __version__, "error": str(exc)}
    return {"version": __version__, "model": fingerprint, "pid": os.getpid()}


def _model_argument(model: Any) -> Any:
    """What tasks carry for ``model``: a :class:`ModelRef`, or a model object as one shared graph dependency."""
    if model is None or isinstance(model, ModelRef):
        return model or ModelRef()
    if isinstance(model, (str, os.PathLike)):
        return ModelRef(path=os.path.abspath(os.fspath(model)))
    from .score import FramingModel

    if not isinstance(model, FramingModel):
        raise TypeError(f"model must be None, a model file path or a FramingModel, not {type(model).__name__}")
    import dask

    # one graph key holding the model: each worker fetches it once, and a lost copy is recomputed from the graph
    return dask.delayed(model, pure=True, name=f"framing-model-{uuid.uuid4().hex}")


# ---------------------------------------------------------------------------------------------
# One partition: cells to documents, documents to scored columns


def _cells(series: Any) -> list[Any]:
    """A column's values as Python objects, pandas' missing-value markers as None."""
    import pandas as pd

    return [None if v is pd.NA or v is pd.NaT else v for v in series.tolist()]


def _scored_columns(model: Any, texts: Sequence[str], docs: Sequence[str], level: str, batch_size: int,
                    each: Callable[[dict[str, list[Any]], list[str]], None]) -> None:
    """Score ``texts`` in batches (at most ``batch_size`` documents or about 2 MB of text), calling ``each``
    with the columns of every batch and the doc names they index into."""
    start = 0
    while start < len(texts):
        end, chars = start, 0
        while end < len(texts) and end - start < batch_size and chars < _MAX_BATCH_CHARS:
            chars += len(texts[end])
            end += 1
        each(model.score_columns(texts[start:end], level=level), list(docs[start:end]))
        start = end


def output_meta(level: str = "paragraph", with_text: bool = True) -> Any:
    """The empty pandas frame that describes :func:`score_dataframe`'s partitions at ``level``.

    Columns are :func:`classifier.schema.output_columns`: ``doc`` first, ``text`` last. Strings are
    ``object``, counts and offsets ``int64``, scores ``float64`` (NaN where there is no score), and the
    terms columns ``object`` holding lists of dicts with the fields of :data:`classifier.schema.TERM_FIELDS`
    (in a parquet file: ``list<struct<...>>``, see :func:`classifier.output.parquet_schema`).
    """
    import pandas as pd

    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    dtypes = {"str": object, "terms": object, "int": "int64", "score": "float64"}
    return pd.DataFrame({c: pd.Series([], dtype=dtypes[column_kind(c)]) for c in output_columns(level, with_text)})


def _frame(cols: dict[str, list[Any]], level: str) -> Any:
    """Scored columns (``doc`` already names) as a frame with exactly the dtypes of :func:`output_meta`."""
    import numpy as np
    import pandas as pd

    out = {}
    for c in output_columns(level):
        kind = column_kind(c)
        if kind in ("str", "terms"):
            out[c] = pd.Series(cols[c], dtype=object)
        elif kind == "int":
            out[c] = pd.Series(np.asarray(cols[c], dtype="int64"))
        else:
            out[c] = pd.Series(np.asarray(cols[c], dtype="float64"))
    return pd.DataFrame(out, columns=output_columns(level))


def _score_partition(frame: Any, text_column: str, id_column: str | None, level: str, model: Any,
                     batch_size: int = 500) -> Any:
    """:func:`score_dataframe` on one pandas partition."""
    from .inputs import id_text, row_text

    m = _worker_model(model)
    values = _cells(frame[text_column])
    ids = _cells(frame[id_column]) if id_column else None
    labels = frame.index.tolist()
    docs: list[str] = []
    texts: list[str] = []
    for i, value in enumerate(values):
        text, _reason = row_text(value)
        if text is None:
            continue
        docs.append((id_text(ids[i]) if ids is not None else None) or str(labels[i]))
        texts.append(text)
    merged: dict[str, list[Any]] = {c: [] for c in output_columns(level)}

    def add(cols: dict[str, list[Any]], names: list[str]) -> None:
        cols["doc"] = [names[i] for i in cols["doc"]]
        for c, values in merged.items():
            values.extend(cols[c])

    _scored_columns(m, texts, docs, level, batch_size, add)
    return _frame(merged, level)


def score_dataframe(ddf: Any, text_column: str = "text", id_column: str | None = None, level: str = "paragraph",
                    model: Any = None) -> Any:
    """Score the articles of a Dask DataFrame; returns a Dask DataFrame of rows at ``level``.

    One output partition per input partition, rows in input order. Columns and dtypes are
    :func:`output_meta` (``doc``, the level's columns, ``text`` last); scores are the library's
    probabilities, unrounded, exactly as ``FramingModel.score_documents`` gives them. ``doc`` is the
    row's ``id_column`` value as a string, or its index label where there is no id column or the id is
    missing. A row whose text is missing, empty, blank or not a string gives no rows at any level
    (``framing score --scheduler`` reports each of them). ``model`` is None (the shipped model,
    loaded from each worker's own installation), a model file path every worker can read, or a
    ``FramingModel`` (sent once to each worker as a graph dependency). Workers load a model once per
    process and keep it for later tasks.
    """
    require_dask("score_dataframe")
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    for column in (text_column, id_column):
        if column is not None and column not in ddf.columns:
            cols = ", ".join(str(c) for c in ddf.columns) or "none"
            raise InputError(f"no column {column!r} in the DataFrame (columns: {cols})")
    return ddf.map_partitions(_score_partition, text_column, id_column, level, _model_argument(model),
                              meta=output_meta(level), clear_divisions=True)


# ---------------------------------------------------------------------------------------------
# framing score --scheduler: one task per input file, each writing one part of the dataset


@dataclass(frozen=True)
class _Job:
    """What every write task needs (one shared graph dependency, sent once to each worker)."""

    model: ModelRef
    spec: Any  # output.BlockSpec
    text_column: str
    id_column: str | None
    batch_size: int
    max_chars: int | None
    staging: str
    width: int
    freeze: bool

    def part_name(self, number: int) -> str:
        return f"part.{number:0{self.width}d}.parquet"


def _rows(frame: Any, job: _Job, source: str, fmt: str) -> tuple[list[str], list[str], list[tuple[str, str, bool]]]:
    """The documents of one partition as (names, texts), and the issues of the rows that were skipped."""
    from .inputs import id_text, row_text

    values = _cells(frame[job.text_column])
    ids = _cells(frame[job.id_column]) if job.id_column else None
    word = "line" if fmt == "jsonl" else "row"
    issues: list[tuple[str, str, bool]] = []
    row_problems = 0
    docs: list[str] = []
    texts: list[str] = []
    for i, value in enumerate(values):
        n = i + 1
        text, reason = row_text(value)
        if text is None:
            row_problems += 1
            if row_problems <= _ROW_ISSUES_SHOWN:
                issues.append((source, f"{word} {n}: {reason} in column {job.text_column!r}, row skipped", True))
            continue
        name = (id_text(ids[i]) if ids is not None else None) or f"{source}:{n}"
        if job.max_chars and len(text) > job.max_chars:
            issues.append((name, f"{len(text):,} characters, more than --max-chars {job.max_chars:,}; skipped", True))
            continue
        docs.append(name)
        texts.append(text)
    if row_problems > _ROW_ISSUES_SHOWN:
        issues.append((source, f"{row_problems - _ROW_ISSUES_SHOWN} more problem rows not shown ({row_problems} in all)", True))
    if not values:
        issues.append((source, "empty file, 0 rows" if fmt == "jsonl" else "no rows, 0 rows", False))
    return docs, texts, issues


def _write_scores(model: Any, docs: list[str], texts: list[str], job: _Job, number: int) -> int:
    """Score the documents into one part file, written under a temporary name and renamed; returns its rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .output import encode_block, parquet_schema

    schema = parquet_schema(job.spec.columns)
    final = os.path.join(job.staging, job.part_name(number))
    tmp = os.path.join(job.staging, f".{job.part_name(number)}.{uuid.uuid4().hex}.tmp")
    first = job.spec.columns[0]
    rows = 0
    pending: dict[str, list[Any]] = {c: [] for c in job.spec.columns}
    writer = pq.ParquetWriter(tmp, schema, compression="zstd")
    try:
        def flush() -> None:
            if pending[first]:
                writer.write_table(pa.Table.from_pydict(pending, schema=schema))
                for column in pending.values():
                    column.clear()

        def add(cols: dict[str, list[Any]], names: list[str]) -> None:
            nonlocal rows
            block = encode_block(cols, names, job.spec)
            rows += block.rows
            for c in job.spec.columns:
                pending[c].extend(block.payload[c])
            if len(pending[first]) >= _PARQUET_GROUP:
                flush()

        _scored_columns(model, texts, docs, job.spec.level, job.batch_size, add)
        flush()
        writer.close()
        os.replace(tmp, final)  # the part appears whole or not at all; a retry replaces it
    except BaseException:
        with contextlib.suppress(Exception):
            writer.close()
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return rows


def _write_part(frame: Any, job: _Job, number: int, source: str, fmt: str) -> dict[str, Any]:
    """Score one input file's partition and write its part file; returns counts and the issues to report."""
    model = _worker_model(job.model, job.freeze)
    docs, texts, issues = _rows(frame, job, source, fmt)
    rows = _write_scores(model, docs, texts, job, number)
    return {"number": number, "docs": len(docs), "rows": rows, "issues": issues, "pid": os.getpid()}


def _json_engine(source: Any, *, columns: Sequence[str], **kwargs: Any) -> Any:
    """pandas' JSON reader for ``dd.read_json``: only ``columns`` (missing ones null), values as parsed (object)."""
    import pandas as pd

    frame = pd.read_json(source, dtype=object, convert_dates=False, keep_default_dates=False, **kwargs)
    return pd.DataFrame({c: frame[c].astype(object) if c in frame.columns else pd.Series([None] * len(frame), dtype=object)
                         for c in columns})


# -- the client side ---------------------------------------------------------------------------


@dataclass
class _File:
    name: str  # as the local CLI names it (what the user typed, joined with the path below a directory)
    path: str  # absolute, for the workers
    fmt: str
    explicit: bool = True  # named on the command line (else found in a directory)


@dataclass
class _Plan:
    files: list[_File] = field(default_factory=list)
    notes: list[Any] = field(default_factory=list)  # classifier.tables.Issue, reported before the run


def _parse_scheduler(value: str) -> int | None:
    """``local`` / ``local:N`` -> N worker processes; an address -> None."""
    if value != "local" and not value.startswith("local:"):
        return None
    if value == "local":
        return os.cpu_count() or 1
    try:
        n = int(value[len("local:"):])
    except ValueError:
        n = 0
    if n < 1:
        raise InputError(f"--scheduler {value}: local:N needs a positive number of worker processes")
    return n


def _check_flags(args: argparse.Namespace) -> None:
    if not args.output:
        raise InputError("--scheduler writes a parquet dataset: give -o DIR")
    if getattr(args, "format", None) not in (None, "parquet"):
        raise InputError(f"--scheduler writes a parquet dataset; --format {args.format} does not apply")
    if getattr(args, "jobs", 1) != 1:
        raise InputError("--jobs does not apply with --scheduler: the cluster's workers do the work")
    if "-" in args.inputs:
        raise InputError("--scheduler reads files (parquet, CSV, TSV, JSONL), not standard input")


def _expand(inputs: Sequence[str]) -> list[str]:
    """Glob patterns (``'archive/*.parquet'``, ``'**'`` recursive) expanded, sorted; other inputs as given."""
    import glob

    out: list[str] = []
    for item in inputs:
        if any(c in item for c in "*?[") and not os.path.exists(item):
            found = sorted(glob.glob(item, recursive=True))
            out.extend(found if found else [item])  # no match: reported as a missing path
        else:
            out.append(item)
    return out


def _plan(args: argparse.Namespace) -> _Plan:
    """The files to read, in the local CLI's order, and the notes about inputs that will not be read."""
    from .cli_score import check_output, read_options
    from .inputs import discover
    from .tables import Issue

    options = read_options(args)
    inputs = _expand(args.inputs)
    sources = discover(inputs, options)
    check_output(args.output, sources, inputs)
    out = os.path.realpath(args.output)
    for item in inputs:
        if os.path.isdir(item) and os.path.realpath(item) == out:
            raise InputError(f"{args.output}: is also an input; write the dataset elsewhere")
    plan = _Plan()
    skipped: dict[str, list[str]] = {}
    for src in sources:
        if isinstance(src, Issue):
            plan.notes.append(src)
            continue
        if src.fmt not in READ_FORMATS:
            if src.explicit:
                raise InputError(f"{src.name}: --scheduler reads parquet, CSV, TSV and JSONL tables, not {src.fmt} files")
            skipped.setdefault(os.path.dirname(src.name) or ".", []).append(os.path.basename(src.name))
            continue
        plan.files.append(_File(src.name, os.path.abspath(src.name), src.fmt, src.explicit))
    for folder, names in skipped.items():
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        plan.notes.append(Issue(folder, f"{len(names)} file(s) skipped: not parquet, CSV, TSV or JSONL ({shown})", error=False))
    kept = []
    for f in plan.files:
        problem = _unreadable(f, args, options)
        if problem is None:
            kept.append(f)
        else:
            plan.notes.append(problem)
    plan.files = kept
    return plan


def _unreadable(f: _File, args: argparse.Namespace, options: Any) -> Any:
    """The note (an ``Issue``) saying why a planned file will not be read, or ``None`` when it will be.

    Raises :class:`InputError` when a file named on the command line lacks a requested column.
    """
    from .inputs import Source
    from .tables import Issue, column_names, missing_column, os_reason

    if f.fmt != "parquet" and os.path.getsize(f.path) == 0:
        return Issue(f.name, "empty file, 0 rows", error=False)
    if f.fmt == "parquet":  # Dask reads footers when it plans the graph: a corrupt file is reported here
        try:
            import pyarrow.parquet as pq

            names = [str(n) for n in pq.ParquetFile(f.path).schema_arrow.names]
        except OSError as exc:
            return Issue(f.name, f"cannot read ({os_reason(exc)}), skipped")
        except Exception as exc:
            return Issue(f.name, f"not a valid parquet file ({_first_line(exc)}), skipped")
    else:
        names = column_names(Source(f.name, Path(f.path), f.fmt), options)
    missing = [(c, flag) for c, flag in ((args.text_column, "--text-column"), (args.id_column, "--id-column"))
               if c and names is not None and c not in names]
    if not missing:
        return None
    err = missing_column(f.name, missing[0][0], missing[0][1], names or [])
    if f.explicit:
        raise err
    return Issue(f.name, f"{str(err).split(': ', 1)[1]}; file skipped")


def _groups(files: Sequence[_File]) -> list[list[_File]]:
    """Runs of consecutive files one Dask reader call can read in this order.

    ``dd.read_parquet`` reads its list in natural order (``f2`` before ``f10``), so a parquet run
    also ends where the next file would sort before the last one.
    """
    from dask.utils import natural_sort_key

    out: list[list[_File]] = []
    for f in files:
        last = out[-1][-1] if out else None
        if last is not None and last.fmt == f.fmt and (
                f.fmt != "parquet" or natural_sort_key(last.path) < natural_sort_key(f.path)):
            out[-1].append(f)
        else:
            out.append([f])
    return out


def _read(group: Sequence[_File], args: argparse.Namespace) -> list[Any]:
    """One Dask reader over ``group``: a list of delayed partitions, exactly one per file, in order."""
    import dask
    import dask.dataframe as dd
    import pandas as pd

    cols = [c for c in (args.text_column, args.id_column) if c]
    paths = [f.path for f in group]
    fmt = group[0].fmt
    with dask.config.set({"dataframe.convert-string": False}):  # keep cells as read: a number stays a number
        if fmt == "parquet":
            ddf = dd.read_parquet(paths, columns=cols, split_row_groups=False, aggregate_files=False, index=False,
                                  dtype_backend="pyarrow", parquet_file_extension=None, calculate_divisions=False)
        elif fmt in ("csv", "tsv"):
            ddf = dd.read_csv(paths, blocksize=None, sep="\t" if fmt == "tsv" else ",", usecols=cols, dtype=object,
                              keep_default_na=False, na_filter=False, encoding=args.encoding or "utf-8-sig")
        else:
            meta = pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
            biggest = max(os.path.getsize(p) for p in paths)
            # a block larger than the largest file: one partition per file, so row numbers are the file's own
            ddf = dd.read_json(paths, lines=True, orient="records", blocksize=biggest + 1, sample=False, meta=meta,
                               engine=_json_engine, columns=cols, encoding=args.encoding or "utf-8-sig", compression=None)
        parts = ddf.to_delayed(optimize_graph=False)
    if len(parts) != len(group):
        raise RuntimeError(f"Dask read {len(group)} {fmt} files as {len(parts)} partitions, expected one per file")
    return parts


def _partitions(group: Sequence[_File], args: argparse.Namespace) -> tuple[list[tuple[_File, Any]], list[Any]]:
    """:func:`_read` for a group; where Dask cannot even plan the read, file by file, reporting those it cannot read."""
    from .tables import Issue

    try:
        return list(zip(group, _read(group, args))), []
    except Exception as exc:
        if len(group) == 1:
            return [], [Issue(group[0].name, f"cannot read ({type(exc).__name__}: {_first_line(exc)}), skipped")]
    pairs: list[tuple[_File, Any]] = []
    issues: list[Any] = []
    for f in group:
        p, i = _partitions([f], args)
        pairs += p
        issues += i
    return pairs, issues


class _Stderr:
    """stderr for the one-line messages, clearing Dask's progress bar line first when it is drawn."""

    def __init__(self) -> None:
        self.bar = False

    def write(self, text: str) -> int:
        if self.bar and text.strip():
            sys.stderr.write("\r\33[2K")
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def fileno(self) -> int:
        return sys.stderr.fileno()


def _progress(futures: list[Any], stream: _Stderr) -> threading.Thread:
    """Dask's text progress bar (``distributed.progress``), drawn on stderr, in a background thread."""
    from dask.utils import format_time
    from distributed.diagnostics.progressbar import TextProgressBar

    class Bar(TextProgressBar):
        def _draw_bar(self, remaining: int, all: int, **kwargs: Any) -> None:
            frac = (1 - remaining / all) if all else 1.0
            sys.stderr.write(f"\r[{'#' * int(self.width * frac):<{self.width}}] | {int(100 * frac)}% Completed | "
                             f"{format_time(self.elapsed)}")
            sys.stderr.flush()

        def _draw_stop(self, **kwargs: Any) -> None:
            sys.stderr.write("\33[2K\r")
            sys.stderr.flush()
            stream.bar = False

    def run() -> None:
        with contextlib.suppress(Exception):
            stream.bar = True
            Bar(futures, complete=True)
        stream.bar = False

    thread = threading.Thread(target=run, name="framing-progress", daemon=True)
    thread.start()
    return thread


def _output_dir(output: str) -> Path:
    """The dataset directory ``-o`` names, checked: new, empty, or a framing dataset to replace."""
    p = Path(output)
    if p.exists() and not p.is_dir():
        raise InputError(f"{output}: is a file; --scheduler writes a parquet dataset directory")
    if p.is_dir() and any(p.iterdir()) and not (p / MARKER).exists():
        raise InputError(f"{output}: directory is not empty and is not a framing dataset; refusing to replace it "
                         "(give a new or empty directory)")
    parent = p.absolute().parent
    if not parent.is_dir():
        raise InputError(f"{output}: directory {parent} does not exist")
    return p.absolute()


def _commit(staging: Path, target: Path, job: _Job, parts: list[int], totals: dict[str, int]) -> None:
    """Check every part is there, add the metadata files, and rename the dataset onto ``target``."""
    import pyarrow.parquet as pq

    from . import __version__
    from .output import parquet_schema

    present = set(os.listdir(staging))
    missing = [job.part_name(n) for n in parts if job.part_name(n) not in present]
    if missing:
        raise InputError(f"{target}: {len(missing)} part file(s) written by the workers are not visible here "
                         f"(e.g. {missing[0]}); -o must be on storage shared by this machine and every worker")
    for name in present:
        if name.endswith(".tmp"):  # left by a worker killed mid-write; its partition was written again
            with contextlib.suppress(OSError):
                os.unlink(staging / name)
    pq.write_metadata(parquet_schema(job.spec.columns), staging / COMMON_METADATA)
    info = {"framing_version": __version__, "level": job.spec.level, "columns": job.spec.columns,
            "parts": len(parts), **totals}
    (staging / MARKER).write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    if target.exists():
        old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
        os.rename(target, old)
        os.rename(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(staging, target)


def _remove(path: Path) -> None:
    for _ in range(5):  # a task still finishing may add a file while the tree is removed
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return


def _connect(scheduler: str) -> tuple[Any, Any]:
    """A client on a new LocalCluster (``local:N``, on 127.0.0.1) or on a running scheduler."""
    import logging

    from distributed import Client, LocalCluster

    n = _parse_scheduler(scheduler)
    if n is not None:
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL)
        try:
            return Client(cluster), cluster
        except BaseException:
            cluster.close()
            raise
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"--scheduler {scheduler}: cannot connect to a Dask scheduler ({_first_line(exc)})") from None
    try:
        client.wait_for_workers(1, timeout=120)
    except (TimeoutError, OSError):
        client.close()
        raise InputError(f"--scheduler {scheduler}: the scheduler has no workers (waited 120 s)") from None
    return client, None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _preflight(client: Any, ref: ModelRef, freeze: bool) -> None:
    """Every worker runs this framing version and has the same model, which it loads now (once)."""
    from . import __version__

    try:
        answers = client.run(_probe, ref, freeze)
    except Exception as exc:
        raise InputError(f"the Dask workers cannot run framing ({type(exc).__name__}: {_first_line(exc)}); install "
                         f"framing-classifier[dask]=={__version__} on every worker") from None
    mine = ref.fingerprint()
    for worker, answer in sorted(answers.items()):
        if answer.get("error"):
            raise ModelError(f"on Dask worker {worker}: {answer['error']}")
        if answer.get("version") != __version__ or answer.get("model") != mine:
            raise InputError(f"Dask worker {worker} has framing {answer.get('version')} and model "
                             f"{str(answer.get('model'))[:12]}, this machine {__version__} and model {mine[:12]}; "
                             "install the same version (and give --model a file every worker reads)")


def _model_ref(args: argparse.Namespace) -> tuple[ModelRef, Any]:
    """The ``--model``/``--allow``/``--cues``/threshold flags as a reference the workers load, and the model
    they give here (loading it first refuses a missing or tampered model, bad lists or thresholds)."""
    from .cli_score import load_configured_model
    from .explain import read_allow, read_cues
    from .schema import FRAMING, LOADED

    model = load_configured_model(args)
    thresholds = tuple((h, v) for h, v in ((LOADED, getattr(args, "threshold_loaded", None)),
                                           (FRAMING, getattr(args, "threshold_framing", None))) if v is not None)
    ref = ModelRef(path=os.path.abspath(args.model) if args.model else None,
                   allow=read_allow(args.allow) if getattr(args, "allow", None) else (),
                   cues=read_cues(args.cues) if getattr(args, "cues", None) else (),
                   thresholds=thresholds)
    return ref, model


def run_distributed(args: argparse.Namespace) -> int:
    """``framing score --scheduler``: score table files on Dask into a parquet dataset; returns the exit code."""
    require_dask()
    from .cli_score import summary
    from .output import BlockSpec, Reporter
    from .tables import validate_encoding

    _check_flags(args)
    validate_encoding(args.encoding)
    target = _output_dir(args.output)
    ref, model = _model_ref(args)
    plan = _plan(args)
    stream = _Stderr()
    reporter = Reporter(progress=False, quiet=args.quiet, stream=stream)  # type: ignore[arg-type]
    for note in plan.notes:
        reporter.issue(note)
    if plan.files:
        # --flagged: rows at or above a head's decision point, as the local CLI keeps them
        flagged = {"flagged": tuple(model.decision_points.items())} if getattr(args, "flagged", False) else {}
        spec = BlockSpec(level=args.level, fmt="parquet", with_text=not args.no_text, threshold=args.threshold,
                         only_content=args.only_content, **flagged)
        staging = target.parent / f".{target.name}.framing-{uuid.uuid4().hex[:12]}"
        job = _Job(model=ref, spec=spec, text_column=args.text_column, id_column=args.id_column,
                   batch_size=args.batch_size, max_chars=getattr(args, "max_chars", None), staging=str(staging),
                   width=max(5, len(str(len(plan.files) - 1))), freeze=_parse_scheduler(args.scheduler) is not None)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"distributed\b.*")  # problems reach the user as one-line messages
            _score_files(args, plan, job, target, reporter, stream)
    return summary(reporter, args)


def _score_files(args: argparse.Namespace, plan: _Plan, job: _Job, target: Path, reporter: Any, stream: _Stderr) -> None:
    """Connect, check the workers, run one task per file and commit the dataset; clean up whatever happens."""
    import dask

    staging = Path(job.staging)
    client = cluster = None
    committed = False
    futures: list[Any] = []
    try:
        try:
            staging.mkdir()
        except OSError as exc:
            raise InputError(f"{args.output}: cannot write here ({exc.strerror or exc})") from None
        client, cluster = _connect(args.scheduler)
        _preflight(client, job.model, freeze=job.freeze)
        shared = dask.delayed(job, pure=True, name=f"framing-job-{uuid.uuid4().hex}")
        tasks = []
        files: list[_File] = []
        for group in _groups(plan.files):
            pairs, issues = _partitions(group, args)
            for issue in issues:
                reporter.issue(issue)
            for f, part in pairs:
                tasks.append(dask.delayed(_write_part, pure=False)(part, shared, len(tasks), f.name, f.fmt))
                files.append(f)
        if not tasks:
            return
        futures = client.compute(tasks)
        if sys.stderr.isatty() and not args.quiet:
            _progress(futures, stream)
        parts, totals = _collect(futures, files, reporter)
        if reporter.docs and parts:
            _commit(staging, target, job, parts, totals)
            committed = True
    finally:
        if futures and not committed and client is not None:
            with contextlib.suppress(Exception):
                client.cancel(futures)
        for closing in (client, cluster):
            if closing is not None:
                with contextlib.suppress(Exception):
                    closing.close()
        if not committed:
            _remove(staging)
        reporter.close()


def _collect(futures: list[Any], files: Sequence[_File], reporter: Any) -> tuple[list[int], dict[str, int]]:
    """Wait for every partition; report issues in input order as soon as the partitions before them are done."""
    from distributed import as_completed

    from .tables import Issue

    done: dict[int, Any] = {}
    written: list[int] = []
    totals = {"documents": 0, "rows": 0}
    nxt = 0
    index = {f.key: i for i, f in enumerate(futures)}
    for future in as_completed(futures):
        i = index[future.key]
        try:
            done[i] = future.result()
        except Exception as exc:  # this partition failed (after Dask's own retries if workers died)
            done[i] = exc
        future.release()
        while nxt in done:
            result = done.pop(nxt)
            if isinstance(result, BaseException):
                if isinstance(result, FramingError):
                    raise ModelError(f"on a Dask worker: {result}") if isinstance(result, ModelError) else result
                reporter.issue(Issue(files[nxt].name, _failure(result)))
            else:
                for source, message, error in result["issues"]:
                    reporter.issue(Issue(source, message, error))
                reporter.advance(result["docs"], result["rows"])
                totals["documents"] += result["docs"]
                totals["rows"] += result["rows"]
                written.append(nxt)
            nxt += 1
    return written, totals


def _failure(exc: BaseException) -> str:
    """One line for a partition that could not be read or scored."""
    name = type(exc).__name__
    if name == "KilledWorker":
        return "the Dask workers reading it died too often (out of memory?), skipped"
    return f"cannot read or score ({name}: {_first_line(exc)}), skipped"
