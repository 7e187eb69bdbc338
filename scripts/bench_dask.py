#!/usr/bin/env python
"""Benchmark ``framing score --scheduler``: 1 worker against 2, and Dask against ``--jobs 2``.

In one run, on a synthetic archive this script generates (``scripts/bench_score.py``'s article
generator, fixed seed): exactly ``--paragraphs`` (default 100,000) paragraphs in ``--files``
(default 40) parquet files of ``id, text``. Then, interleaved ``--runs`` times (default 3; the order
rotates each round, so a slow spell of a shared machine hits every figure alike):

1. ``framing score ARCHIVE --scheduler ADDRESS`` on a running ``LocalCluster`` of **1** worker
   process, and on one of **2** worker processes (in this process, as ``classifier.cli.main``; both
   clusters are started once and warmed up with a one-file job, so their workers already hold the
   model, as on a long-running cluster). Time from the command's start to the dataset renamed into
   place: planning, connecting, the workers' check, reading, scoring, writing.
2. ``framing score ARCHIVE --jobs 2 -o FILE.parquet`` in a fresh process (the one-machine baseline:
   process start and model load included).
3. ``framing score ARCHIVE --scheduler local:2 -o DIR`` in a fresh process (end to end: the local
   cluster's start and its workers' model load included).

Medians are printed with each run's seconds; the scaling ratio (1 worker / 2 workers, the target is
at least 1.6x) is the ratio of the medians, with the median of the per-round ratios beside it. The
outputs are checked to be the same rows as the ``--jobs 2`` output. On a shared machine the script
waits before each measurement (up to ``--quiet-wait`` seconds) for other processes to leave the
CPUs idle and prints the CPU seconds other processes took during each run; a run during which they
kept less than a tenth of a core busy counts as undisturbed, and when every figure has undisturbed
runs the medians are taken over those (the report says which).

    python scripts/bench_dask.py                       # the full benchmark (about 4 minutes on 2 idle cores)
    python scripts/bench_dask.py --paragraphs 20000 --runs 1   # a quick look
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bench_score():
    spec = importlib.util.spec_from_file_location("bench_score", ROOT / "scripts" / "bench_score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_archive(root: Path, paragraphs: int, files: int, seed: int) -> int:
    """``files`` parquet files holding articles of exactly ``paragraphs`` paragraphs in all; returns the article count."""
    import random

    import pyarrow as pa
    import pyarrow.parquet as pq

    from classifier.segment import paragraph_bounds

    rng = random.Random(seed)
    make = _bench_score().make_article
    articles: list[str] = []
    total = 0
    while total < paragraphs:
        text = make(rng)
        bounds = paragraph_bounds(text)
        if total + len(bounds) > paragraphs:  # cut the last article to land on the exact count
            text = text[: bounds[paragraphs - total - 1][1]] + "\n"
            bounds = paragraph_bounds(text)
        articles.append(text)
        total += len(bounds)
    root.mkdir(parents=True)
    per = -(-len(articles) // files)
    for k in range(files):
        chunk = articles[k * per:(k + 1) * per]
        ids = [f"a{k * per + i:07d}" for i in range(len(chunk))]
        pq.write_table(pa.table({"id": ids, "text": chunk}), root / f"part-{k:03d}.parquet")
    return len(articles)


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes."""
    import psutil

    total = 0.0
    for pid in pids:
        t = psutil.Process(pid).cpu_times()
        total += t.user + t.system
    return total


def _in_process(argv: list[str], workers: list[int]) -> tuple[float, float]:
    """Wall seconds ``classifier.cli.main(argv)`` takes (it must succeed), and the CPU seconds this process
    (client and scheduler) and the cluster's ``workers`` used meanwhile."""
    from classifier.cli import main

    err = io.StringIO()
    pids = [os.getpid(), *workers]
    cpu = _cpu_seconds(pids)
    start = time.perf_counter()
    with contextlib.redirect_stderr(err):
        rc = main(argv)
    elapsed = time.perf_counter() - start
    cpu = _cpu_seconds(pids) - cpu
    if rc != 0:
        raise SystemExit(f"framing {' '.join(argv)} failed ({rc}): {err.getvalue().strip()}")
    return elapsed, cpu


def _subprocess(argv: list[str]) -> tuple[float, float]:
    """Wall seconds ``python -m classifier ARGV`` takes in a fresh process (it must succeed), and the CPU
    seconds it and its worker processes used (the process tree, sampled every 0.1 s)."""
    import threading

    import psutil

    seen: dict[int, float] = {}
    start = time.perf_counter()
    proc = psutil.Popen([sys.executable, "-m", "classifier", *argv], cwd=ROOT, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            with contextlib.suppress(psutil.Error):
                for p in [proc, *proc.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        t = p.cpu_times()
                        seen[p.pid] = t.user + t.system
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        _, err = proc.communicate(timeout=3600)
    finally:
        done.set()
        sampler.join()
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"framing {' '.join(argv)} failed ({proc.returncode}): {err.strip()}")
    return elapsed, sum(seen.values())


def _busy() -> float:
    """CPU seconds the whole machine has been busy (all cores, all processes)."""
    import psutil

    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def _wait_quiet(limit: float) -> float:
    """Wait up to ``limit`` seconds for a 3-second spell in which other processes keep less than a tenth of one
    core busy; returns the busy cores seen in the last spell (this script's idle clusters barely count)."""
    deadline = time.monotonic() + limit
    while True:
        before = _busy()
        time.sleep(3)
        cores = (_busy() - before) / 3
        if cores < 0.1 or time.monotonic() >= deadline:
            return cores


def _measured(run: Callable[[], tuple[float, float]]) -> tuple[float, float, float]:
    """Wall and CPU seconds of ``run``, and the CPU seconds other processes on the machine used meanwhile."""
    before = _busy()
    wall, cpu = run()
    return wall, cpu, max(0.0, _busy() - before - cpu)


_SPIN = "import sys\nx = 0\nfor i in range(int(sys.argv[1])):\n    x += i * i % 7\n"


def _ceiling(loops: int = 20_000_000) -> float:
    """How much faster this machine runs two CPU-bound Python processes than one (2.0 on two free cores):
    the most 2 workers can gain over 1 here, whatever the software."""
    def run(n: int) -> float:
        start = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", _SPIN, str(loops)]) for _ in range(n)]
        for p in procs:
            p.wait()
        return time.perf_counter() - start

    one, two = run(1), run(2)
    return 2 * one / two


def _rows(path: Path) -> list[dict]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path.is_dir():
        parts = sorted(p for p in os.listdir(path) if p.startswith("part."))
        return pa.concat_tables([pq.read_table(path / p) for p in parts]).to_pylist()
    return pq.read_table(path).to_pylist()


def _cpu() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--paragraphs", type=int, default=100_000, help="paragraphs in the archive (default 100000)")
    ap.add_argument("--files", type=int, default=40, help="parquet files (= Dask partitions) in the archive (default 40)")
    ap.add_argument("--runs", type=int, default=3, help="interleaved rounds; medians are reported (default 3)")
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--keep", action="store_true", help="keep the generated files and print where")
    ap.add_argument("--quiet-wait", type=float, default=60, metavar="SECONDS",
                    help="before each measurement, wait up to SECONDS for other processes to leave the CPUs idle (default 60)")
    args = ap.parse_args(argv)

    import dask
    import distributed
    from distributed import Client, LocalCluster

    tmp = Path(tempfile.mkdtemp(prefix="framing-bench-dask-"))
    clusters: dict[int, LocalCluster] = {}
    try:
        archive = tmp / "archive"
        n_articles = write_archive(archive, args.paragraphs, args.files, args.seed)
        size = sum(p.stat().st_size for p in archive.iterdir()) / 1e6
        print(f"archive: {args.paragraphs:,} paragraphs in {n_articles:,} articles, {args.files} parquet files, {size:.1f} MB")
        print(f"machine: {_cpu()}, {os.cpu_count()} cores; Python {platform.python_version()}, dask {dask.__version__}, "
              f"distributed {distributed.__version__}; load average before: {os.getloadavg()[0]:.2f}")

        workers: dict[int, list[int]] = {}
        for n in (1, 2):
            # workers lent to framing (FRAMING_WORKER_GC_FREEZE=1), as those `--scheduler local:N` starts
            clusters[n] = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR,
                                       env={"FRAMING_WORKER_GC_FREEZE": "1"})
            with Client(clusters[n]) as client:
                workers[n] = sorted(client.run(os.getpid).values())
        warm = {n: _in_process(["score", str(archive / "part-000.parquet"), "--scheduler", clusters[n].scheduler_address,
                                "-o", str(tmp / f"warm{n}"), "-q"], workers[n])[0] for n in (1, 2)}
        print(f"warm-up (one file; workers load the model): 1 worker {warm[1]:.1f} s, 2 workers {warm[2]:.1f} s")
        _wait_quiet(args.quiet_wait)
        ceiling = _ceiling()
        print(f"this machine runs two CPU-bound Python processes {ceiling:.2f}x as fast as one (the ceiling for 2 workers)")

        figures = {
            "w1": ("running cluster, 1 worker  (framing score --scheduler tcp://...)",
                   lambda: _in_process(["score", str(archive), "--scheduler", clusters[1].scheduler_address,
                                        "-o", str(tmp / "w1"), "-q"], workers[1])),
            "w2": ("running cluster, 2 workers (framing score --scheduler tcp://...)",
                   lambda: _in_process(["score", str(archive), "--scheduler", clusters[2].scheduler_address,
                                        "-o", str(tmp / "w2"), "-q"], workers[2])),
            "jobs2": ("framing score --jobs 2, fresh process (one machine, no Dask)",
                      lambda: _subprocess(["score", str(archive), "--jobs", "2", "-o", str(tmp / "jobs2.parquet"), "-q"])),
            "local2": ("framing score --scheduler local:2, fresh process (cluster start included)",
                       lambda: _subprocess(["score", str(archive), "--scheduler", "local:2", "-o", str(tmp / "local2"), "-q"])),
        }
        times: dict[str, list[float]] = {k: [] for k in figures}
        cpus: dict[str, list[float]] = {k: [] for k in figures}
        others: dict[str, list[float]] = {k: [] for k in figures}
        order = list(figures)
        print("rounds (wall seconds; in brackets, CPU seconds other processes on the machine used during the run):")
        for r in range(args.runs):
            for key in order[r % len(order):] + order[:r % len(order)]:
                _wait_quiet(args.quiet_wait)
                wall, cpu, other = _measured(figures[key][1])
                times[key].append(wall)
                cpus[key].append(cpu)
                others[key].append(other)
            print(f"  round {r + 1}: " + ", ".join(f"{k} {times[k][-1]:.1f} s ({others[k][-1]:.1f})" for k in figures))

        reference = _rows(tmp / "jobs2.parquet")
        assert len(reference) == args.paragraphs, f"{len(reference)} rows, expected {args.paragraphs}"
        for key in ("w1", "w2", "local2"):
            if _rows(tmp / key) != reference:
                raise SystemExit(f"{key}: the dataset differs from the --jobs 2 output")

        # a run is undisturbed when other processes kept less than a tenth of a core busy during it (on average)
        calm = {k: [i for i in range(args.runs) if others[k][i] < 0.1 * times[k][i]] for k in figures}
        use_calm = all(calm.values())
        pick = {k: (calm[k] if use_calm else list(range(args.runs))) for k in figures}
        med = {k: statistics.median(times[k][i] for i in pick[k]) for k in figures}
        which = "undisturbed runs only (marked *)" if use_calm else "all runs (no figure had an undisturbed run in every case)"
        print(f"\nthroughput, median of {which}; wall seconds of each run in brackets; CPU: all processes of the run, "
              "client and workers; the four outputs are identical:")
        for key, (label, _) in figures.items():
            runs = ", ".join(f"{x:.1f}{'*' if i in calm[key] else ''}" for i, x in enumerate(times[key]))
            cpu = statistics.median(cpus[key][i] for i in pick[key])
            print(f"  {label:<76} {args.paragraphs / med[key]:>7,.0f} paragraphs/s  {med[key]:6.1f} s wall  "
                  f"{cpu:6.1f} s CPU  [{runs}]")
        scale = med["w1"] / med["w2"]
        rounds = [times["w1"][i] / times["w2"][i] for i in range(args.runs) if not use_calm or (i in calm["w1"] and i in calm["w2"])]
        per_round = f"{statistics.median(rounds):.2f}x" if rounds else "n/a"
        print(f"\n  2 workers vs 1 worker: {scale:.2f}x faster (median of the rounds' own ratios {per_round}; machine "
              f"ceiling {ceiling:.2f}x); target >= 1.6x: {'met' if scale >= 1.6 else 'NOT met'}")
        print(f"  Dask overhead against --jobs 2 on one machine: running 2-worker cluster {med['w2'] / med['jobs2']:.2f}x "
              f"the time of --jobs 2 ({(med['w2'] / med['jobs2'] - 1) * 100:+.0f}%); --scheduler local:2 end to end "
              f"{med['local2'] / med['jobs2']:.2f}x ({(med['local2'] / med['jobs2'] - 1) * 100:+.0f}%, "
              f"{med['local2'] - med['jobs2']:+.1f} s)")
    finally:
        logging.getLogger("distributed").setLevel(logging.CRITICAL)  # no INFO lines as the clusters close
        for c in clusters.values():
            with contextlib.suppress(Exception):
                c.close(timeout=30)
        if args.keep:
            print(f"\nfiles kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
