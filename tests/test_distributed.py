"""Scoring on Dask: the same rows, order and values as in-process scoring, one model load per worker,
and every row exactly once after a worker is killed.

Tests marked ``cluster`` start Dask clusters (``LocalCluster(n_workers=2, processes=True)`` on
127.0.0.1, closed by their fixtures) and need the dask extra; ``.ci/run`` runs them with
``pytest -m cluster``. The unmarked tests run everywhere, with or without Dask installed: they check
that scoring without ``--scheduler`` never imports Dask, and that ``--scheduler`` without the extra
prints one line and exits 2. Scores are never hard-coded: every comparison is with what the library
or the local CLI returns for the same input, in this run.
"""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from classifier.cli import main
from classifier.schema import LEVELS, output_columns

ROOT = Path(__file__).resolve().parents[1]
EXTRA = "pip install 'framing-classifier[dask]'"
TIMEOUT = 240  # seconds for any one command or computation; nothing here should come close


def _load_script(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(args: list[str], timeout: float = TIMEOUT, **kwargs) -> subprocess.CompletedProcess:
    """``python -m classifier ARGS`` in a fresh process (SIGTERM, then SIGKILL, if it overruns)."""
    proc = subprocess.Popen([sys.executable, "-m", "classifier", *args], cwd=kwargs.pop("cwd", ROOT),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        pytest.fail(f"framing {' '.join(args)} ran over {timeout} s; stderr: {err[-2000:]}")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


# ---------------------------------------------------------------------------------------------
# Fast tests, without a cluster (and without needing Dask)


def test_scoring_without_scheduler_imports_no_dask(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("The council approved the budget on Tuesday.\n\nThe regime's thugs attacked.\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from classifier.cli import main\n"
        f"rc = main(['score', {str(article)!r}, '--quiet', '-o', {str(tmp_path / 'out.jsonl')!r}])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed') or m == 'classifier.distributed')\n"
        "print(rc, loaded)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0 []"
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8").count("\n") == 2

    # the import-time trace agrees: nothing from Dask is even looked at on the way in
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "classifier", "score", str(article), "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")]
    assert "classifier.cli_score" in imported  # the trace is the real one
    assert not [m for m in imported if m.split(".")[0] in ("dask", "distributed") or m == "classifier.distributed"]


def test_importing_the_module_imports_no_dask():
    code = "import sys, classifier.distributed; print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


BLOCK_DASK = """
import sys
from importlib.abc import MetaPathFinder

class NoDask(MetaPathFinder):
    \"\"\"A plain `pip install .`: dask and distributed are not there.\"\"\"

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("dask", "distributed"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoDask())
from classifier.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_scheduler_without_the_dask_extra_prints_one_line_and_exits_2(tmp_path):
    table = tmp_path / "a.jsonl"
    table.write_text(json.dumps({"text": "The council approved the budget."}) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-c", BLOCK_DASK, "score", str(table), "--scheduler", "local:2", "-o", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("framing: error: ")
    assert EXTRA in lines[0] and "dask extra" in lines[0]
    assert not out.exists()
    # the finder really hides Dask (so the test cannot pass by accident on a machine without it, or with it)
    probe = BLOCK_DASK.split("from classifier.cli")[0] + "import dask\n"
    blocked = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert blocked.returncode != 0 and "No module named 'dask'" in blocked.stderr


# ---------------------------------------------------------------------------------------------
# Inputs shared by the cluster tests


@pytest.fixture(scope="module")
def make_article():
    rng = random.Random(13)
    bench = _load_script("bench_score")
    return lambda: bench.make_article(rng)


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _write_parquet(path: Path, rows: list[dict]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("id", pa.string()), ("text", pa.string()), ("section", pa.string())])
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path, row_group_size=7)


def _write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "section", "text"])
        for r in rows:
            writer.writerow([r["id"] or "", r["section"], r["text"] if r["text"] is not None else ""])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, make_article):
    """A directory of 8 table files (JSONL, parquet, CSV; one partition each): null, empty and blank
    text, a number for text, missing ids, a header-only CSV and a parquet file without rows."""
    root = tmp_path_factory.mktemp("archive")
    n = 0

    def rows(k: int) -> list[dict]:
        nonlocal n
        out = []
        for _ in range(k):
            n += 1
            out.append({"id": f"art-{n:04d}", "text": make_article(), "section": "news"})
        return out

    a = rows(14)
    a[2]["text"], a[5]["text"], a[9]["id"] = None, "", None
    _write_jsonl(root / "2026-01.jsonl", a)
    b = rows(12)
    b[4]["text"] = "   \n "
    _write_jsonl(root / "2026-02.jsonl", [*b[:6], {"id": "art-num", "text": 42, "section": "x"}, *b[6:]])
    c = rows(15)
    c[0]["text"], c[7]["id"] = None, None
    _write_parquet(root / "2026-03.parquet", c)
    _write_parquet(root / "2026-04.parquet", rows(9))
    _write_parquet(root / "2026-05.parquet", [])  # a parquet file without rows: an empty partition
    d = rows(10)
    d[3]["text"] = ""
    _write_csv(root / "2026-06.csv", d)
    _write_csv(root / "2026-07.csv", [])  # header only: an empty partition
    _write_jsonl(root / "2026-08.jsonl", rows(11))
    return root


def _dataset(path: Path):
    """The rows of a dataset directory: its part files in name order, concatenated."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = sorted(p for p in os.listdir(path) if p.startswith("part."))
    return pa.concat_tables([pq.read_table(path / p) for p in parts]), parts


def _local(tmp_path: Path, corpus: Path, extra: list[str], capsys) -> tuple[object, int, list[str]]:
    """The local CLI's parquet output, exit code and stderr lines for the same input and flags."""
    import pyarrow.parquet as pq

    out = tmp_path / "local.parquet"
    capsys.readouterr()
    rc = main(["score", str(corpus), "-o", str(out), *extra])
    return pq.read_table(out), rc, capsys.readouterr().err.splitlines()


def _same_messages(local: list[str], dask: list[str]) -> None:
    """The same lines, except that a local CSV message also gives the line number (Dask's reader cannot)."""
    import re

    def norm(line: str) -> str:
        return re.sub(r"^(framing: [^:]+\.csv: row \d+) \(line \d+\)", r"\1", line)

    assert [norm(x) for x in dask] == [norm(x) for x in local]


# ---------------------------------------------------------------------------------------------
# Cluster tests


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    lc = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0")
    client = Client(lc)
    try:
        client.wait_for_workers(2, timeout=60)
        yield client
    finally:
        client.close()
        lc.close(timeout=30)


def _frames_with_empty_partition(corpus: Path):
    """The corpus' string-text JSONL rows (null, empty and blank text and missing ids among them) as a Dask
    DataFrame of 4 partitions, one of them empty, index labels from 100; and that frame computed."""
    import dask.dataframe as dd
    import pandas as pd

    rows = [json.loads(line) for f in ("2026-01.jsonl", "2026-02.jsonl", "2026-08.jsonl")
            for line in (corpus / f).read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if not isinstance(r["text"], int)]
    df = pd.DataFrame(rows, columns=["id", "text", "section"])
    df.index = pd.RangeIndex(100, 100 + len(df))
    pieces = [df.iloc[:15], df.iloc[15:15], df.iloc[15:27], df.iloc[27:]]
    ddf = dd.concat([dd.from_pandas(p, npartitions=1, sort=False) for p in pieces])
    return ddf.compute(), ddf  # what the partitions hold (Dask stores the strings as arrow strings)


def _expected(model, df, level: str, id_column: str | None):
    """In-process scoring of the same frame: the rows whose text is text, named by id or index label."""
    import pandas as pd

    from classifier.distributed import output_meta
    from classifier.inputs import row_text

    def cell(v):
        return None if v is pd.NA else v

    kept = [(i, row_text(cell(t))[0]) for i, t in zip(df.index, df["text"]) if row_text(cell(t))[0] is not None]
    names = []
    for i, _ in kept:
        v = cell(df.at[i, id_column]) if id_column else None
        names.append(str(v) if v is not None and v == v and v != "" else str(i))
    assert len(kept) < len(df)  # the input has rows without text
    frame = model.score_documents([t for _, t in kept], level=level, doc_ids=names)
    return frame[output_columns(level)].astype(output_meta(level).dtypes.to_dict())


@pytest.mark.cluster
@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("id_column", [None, "id"])
def test_score_dataframe_gives_the_rows_of_in_process_scoring(cluster, corpus, model, level, id_column):
    import pandas as pd

    from classifier.distributed import output_meta, score_dataframe

    df, ddf = _frames_with_empty_partition(corpus)
    assert ddf.npartitions == 4
    scored = score_dataframe(ddf, text_column="text", id_column=id_column, level=level)
    assert scored.npartitions == ddf.npartitions
    pd.testing.assert_frame_equal(scored._meta, output_meta(level))  # the explicit meta is the documented schema
    got = cluster.compute(scored).result(timeout=TIMEOUT)
    assert got.dtypes.to_dict() == output_meta(level).dtypes.to_dict()
    want = _expected(model, df, level, id_column)
    assert len(want) > 0
    # same code on the same text: identical floats expected, so the stated tolerance is zero
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_exact=True)
    # the empty partition stays, empty
    sizes = cluster.compute(scored.map_partitions(len)).result(timeout=TIMEOUT).tolist()
    assert sizes[1] == 0 and all(s > 0 for s in sizes[:1] + sizes[2:])


@pytest.mark.cluster
@pytest.mark.parametrize("level", LEVELS)
def test_cli_local_2_writes_the_rows_of_the_local_cli(tmp_path, corpus, level, capsys):
    want, local_rc, local_err = _local(tmp_path, corpus, ["--level", level], capsys)
    out = tmp_path / "scored"
    proc = _run(["score", str(corpus), "--scheduler", "local:2", "--level", level, "-o", str(out)])
    assert proc.returncode == local_rc == 1, proc.stderr  # null, empty and non-string text rows
    assert proc.stdout == ""
    got, parts = _dataset(out)
    assert got.schema.equals(want.schema)
    assert got.to_pylist() == want.to_pylist()  # rows, order and (rounded) values
    assert len(parts) == 8  # one part per input file, the two empty ones included
    _same_messages(local_err, proc.stderr.splitlines())
    assert any("2026-02.jsonl: line 7: text is int, not a string" in line for line in proc.stderr.splitlines())
    info = json.loads((out / "_framing.json").read_text(encoding="utf-8"))
    assert info["level"] == level and info["rows"] == want.num_rows and info["parts"] == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == ["local.parquet", "scored"]  # no staging left behind


@pytest.mark.cluster
def test_cli_on_a_running_scheduler_with_id_column_and_filters(tmp_path, corpus, cluster, capsys):
    flags = ["--id-column", "id", "--threshold", "0.3", "--only-content", "--no-text"]
    want, local_rc, local_err = _local(tmp_path, corpus, flags, capsys)
    out = tmp_path / "scored"
    capsys.readouterr()
    rc = main(["score", str(corpus), "--scheduler", cluster.scheduler.address, "-o", str(out), *flags])
    err = capsys.readouterr().err.splitlines()
    assert rc == local_rc == 1
    got, _ = _dataset(out)
    assert got.to_pylist() == want.to_pylist()
    assert got.column_names == output_columns("paragraph", with_text=False)
    assert any(r["doc"].startswith("art-") for r in got.to_pylist())  # named by id
    _same_messages(local_err, err)

    # a second run replaces the dataset whole; a directory that is not a framing dataset is refused
    (out / "part.99999.parquet").write_bytes(b"stale")
    rc = main(["score", str(corpus / "2026-04.parquet"), "--scheduler", cluster.scheduler.address, "-o", str(out), "-q"])
    assert rc == 0
    assert sorted(p for p in os.listdir(out) if p.startswith("part.")) == ["part.00000.parquet"]
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    capsys.readouterr()
    rc = main(["score", str(corpus), "--scheduler", cluster.scheduler.address, "-o", str(other)])
    err = capsys.readouterr().err.splitlines()
    assert rc == 2 and len(err) == 1 and "not a framing dataset" in err[0]
    assert os.listdir(other) == ["notes.txt"]


@pytest.mark.cluster
def test_model_is_loaded_once_per_worker_process_and_not_shipped(cluster, corpus, small_model_path):
    import cloudpickle

    from classifier.distributed import ModelRef, score_dataframe, worker_loads
    from classifier.persist import load_model

    def graph_bytes(collection) -> int:
        return len(cloudpickle.dumps(dict(collection.__dask_graph__())))

    _, ddf = _frames_with_empty_partition(corpus)
    many = ddf.repartition(npartitions=12)
    scored = score_dataframe(many, model=str(small_model_path))
    model_bytes = len(cloudpickle.dumps(load_model(small_model_path)))
    assert model_bytes > 100_000
    # tasks name the model (a path); they do not carry it: 12 tasks add less than a fifth of one model
    assert graph_bytes(scored) - graph_bytes(many) < model_bytes / 5
    got = cluster.compute(scored).result(timeout=TIMEOUT)
    assert len(got) > 0
    key = repr(ModelRef(path=str(small_model_path)))
    loads = cluster.run(worker_loads)
    pids = {info["pid"] for info in loads.values()}
    assert len(pids) == 2  # two worker processes
    per_worker = [info["loads"].get(key, 0) for info in loads.values()]
    assert max(per_worker) == 1 and sum(per_worker) >= 1  # 12 tasks, at most one load in each process

    # a model object travels once, as one graph dependency, however many partitions use it
    obj = load_model(small_model_path).configure(thresholds={"loaded_language": 0.4})
    scored_obj = score_dataframe(many, model=obj)
    assert model_bytes * 0.9 < graph_bytes(scored_obj) - graph_bytes(many) < model_bytes * 1.5
    got_obj = cluster.compute(scored_obj).result(timeout=TIMEOUT)
    assert len(got_obj) == len(got)


def _slow_corpus(root: Path, make_article, files: int = 8, articles: int = 300) -> Path:
    root.mkdir()
    for k in range(files):
        _write_jsonl(root / f"part-{k:02d}.jsonl", [{"id": f"f{k}-{i}", "text": make_article()} for i in range(articles)])
    return root


@pytest.mark.cluster
def test_killed_worker_every_row_exactly_once_and_no_partial_parts(tmp_path, make_article, capsys):
    """SIGKILL a worker process while it is writing a part: Dask reruns its partition elsewhere, the
    atomic rename keeps the half-written file out of the dataset, and every row is there once."""
    import pyarrow.parquet as pq
    from distributed import Client, LocalCluster

    import classifier.distributed as cd

    src = _slow_corpus(tmp_path / "in", make_article, files=8, articles=500)
    want, rc, _ = _local(tmp_path, src, ["--jobs", "2"], capsys)
    assert rc == 0
    out = tmp_path / "scored"
    lc = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0")
    client = Client(lc)
    proc = None
    try:
        client.wait_for_workers(2, timeout=60)
        # small row groups: a part being written is a real, partial parquet file on disk for most of its task
        client.run(setattr, cd, "_PARQUET_GROUP", 200)
        proc = subprocess.Popen([sys.executable, "-m", "classifier", "score", str(src), "--scheduler",
                                 lc.scheduler_address, "-o", str(out), "-q", "--batch-size", "50"], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        victim = partial = None
        deadline = time.monotonic() + 120
        while victim is None and time.monotonic() < deadline and proc.poll() is None:
            for staging in tmp_path.glob(".scored.framing-*"):
                partial = [p for p in staging.glob(".part.*.tmp") if p.stat().st_size > 1000]
                busy = [w for w, keys in client.processing().items() if any("_write_part" in str(k) for k in keys)]
                if partial and busy:
                    victim = busy[0]
                    break
            time.sleep(0.05)
        assert victim is not None, "no part was being written while the job ran"
        done_before = len(list(partial[0].parent.glob("part.*.parquet")))
        assert done_before < 8  # the job was mid-run
        pid = client.run(os.getpid, workers=[victim])[victim]
        os.kill(pid, signal.SIGKILL)
        _, err_text = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0, err_text
        # the nanny started a new worker process in place of the killed one
        client.wait_for_workers(2, timeout=60)
        assert pid not in client.run(os.getpid).values()
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.communicate()
        client.close()
        lc.close(timeout=30)
    got, parts = _dataset(out)
    assert parts == [f"part.{k:05d}.parquet" for k in range(8)]
    for p in parts:  # every part is a whole parquet file
        pq.ParquetFile(out / p).metadata  # noqa: B018 (raises on a truncated file)
    assert sorted(os.listdir(out)) == ["_common_metadata", "_framing.json", *parts]  # no temporary files
    rows = got.to_pylist()
    assert rows == want.to_pylist()  # every row exactly once, in order
    keys = [(r["doc"], r["paragraph"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert not list(tmp_path.glob(".scored.*"))  # no staging directory left


@pytest.mark.cluster
def test_sigterm_stops_the_run_and_leaves_no_output(tmp_path, make_article):
    import psutil

    src = _slow_corpus(tmp_path / "in", make_article, files=6, articles=400)
    out = tmp_path / "scored"
    proc = subprocess.Popen([sys.executable, "-m", "classifier", "score", str(src), "--scheduler", "local:2", "-o", str(out)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob(".scored.framing-*/part.*")) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 2  # the local cluster's worker processes
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 143
    assert err.splitlines()[-1] == "framing: terminated"
    _, alive = psutil.wait_procs(children, timeout=30)
    assert not alive  # the workers went with it
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]  # staging removed
