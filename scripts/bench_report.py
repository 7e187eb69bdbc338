#!/usr/bin/env python
"""Benchmark ``framing report`` on a 1,000-article collection: file size, first paint, build speed.

In one run, on the synthetic corpus of ``scripts/bench_score.py`` (same word lists, fixed seed):

1. **Build speed**: ``framing report corpus.jsonl -o report.html`` side by side with its baseline
   ``framing score corpus.jsonl --format jsonl -o out.jsonl`` on the same input (fresh processes,
   start-up and model loading included). Runs are interleaved, the order alternating from run to
   run, so a slow spell of a shared machine hits both; medians and the speed ratio
   (score time / report time; the goal is at least 0.5) are printed, in wall and in CPU time.
2. **File size** of the report (the goal: under 15 MB).
3. **First paint** in headless Chromium (Debian's ``/usr/bin/chromium`` through Playwright, flags as
   in the browser tests, a fresh profile, offline): the page is opened from ``file://`` ``--runs``
   times in a fresh tab and the browser's own ``first-paint`` / ``first-contentful-paint`` entries
   (milliseconds from navigation start) and the load event are read; medians are printed (the
   goal: first paint under 2 s). Requests other than the page itself are counted (should be 0).

    python scripts/bench_report.py                   # 1,000 articles, 5 runs
    python scripts/bench_report.py --articles 200 --runs 3 --keep
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_score import write_corpus  # the same generated corpus as the score benchmark)

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
GOALS = {"size_mb": 15.0, "first_paint_ms": 2000.0, "speed_ratio": 0.5}


def run_cli(args: list[str]) -> tuple[float, float]:
    """Run ``python -m classifier ARGS`` in a fresh process: wall seconds and CPU seconds (user + system)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "classifier", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if code != 0:
        raise SystemExit(f"framing {args[0]} failed ({code}): {err.strip()}")
    return wall, usage.ru_utime + usage.ru_stime


def paint_times(page_path: Path, runs: int, chromium: str) -> tuple[list[dict[str, float]], int]:
    """Per run: first-paint, first-contentful-paint, domContentLoaded and load (ms); requests besides the page."""
    from playwright.sync_api import sync_playwright

    url = page_path.resolve().as_uri()
    out: list[dict[str, float]] = []
    others = 0
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(profile, executable_path=chromium, headless=True, args=FLAGS,
                                                        offline=True, viewport={"width": 1280, "height": 900})
        try:
            warm = context.new_page()  # the first tab of a browser pays for its start-up; not the page's cost
            warm.goto("about:blank")
            for _ in range(runs):
                page = context.new_page()
                seen: list[str] = []
                page.on("request", lambda r, seen=seen: seen.append(r.url))
                page.goto(url, wait_until="load")
                t = page.evaluate("""() => {
                    const p = {}; for (const e of performance.getEntriesByType('paint')) p[e.name] = e.startTime;
                    const n = performance.getEntriesByType('navigation')[0];
                    return {fp: p['first-paint'] ?? -1, fcp: p['first-contentful-paint'] ?? -1,
                            dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd};
                }""")
                out.append(t)
                others += sum(1 for u in seen if u != url)
                page.close()
        finally:
            context.close()
    return out, others


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=1000, help="articles in the collection (default 1000)")
    ap.add_argument("--runs", type=int, default=5, help="runs of each measurement; medians are reported (default 5)")
    ap.add_argument("--seed", type=int, default=20261127)
    ap.add_argument("--chromium", default=CHROMIUM, help=f"Chromium executable (default {CHROMIUM})")
    ap.add_argument("--keep", action="store_true", help="keep the generated files and print where")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="framing-bench-report-"))
    try:
        corpus = tmp / "corpus.jsonl"
        write_corpus(corpus, args.articles, args.seed)
        print(f"corpus: {args.articles} articles, {corpus.stat().st_size / 1e6:.1f} MB JSONL; "
              f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        html, jsonl = tmp / "report.html", tmp / "out.jsonl"
        commands = {
            "score": ["score", str(corpus), "--id-column", "id", "--format", "jsonl", "--quiet", "-o", str(jsonl)],
            "report": ["report", str(corpus), "--id-column", "id", "--quiet", "-o", str(html)],
        }
        times: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in commands}
        for i in range(args.runs):  # interleaved, order alternating
            for name in (("score", "report") if i % 2 == 0 else ("report", "score")):
                wall, cpu = run_cli(commands[name])
                times[name][0].append(wall)
                times[name][1].append(cpu)
        rows = sum(1 for _ in jsonl.open(encoding="utf-8"))
        print(f"\nbuild, median of {args.runs} interleaved runs (fresh process each; wall seconds of each run in brackets):")
        labels = {"score": "framing score --format jsonl (baseline)", "report": "framing report -o report.html"}
        for name, (walls, cpus) in times.items():
            print(f"  {labels[name]:<42} {statistics.median(walls):6.2f} s wall  {statistics.median(cpus):6.2f} s CPU  "
                  f"{rows / statistics.median(walls):7,.0f} paragraphs/s  [{', '.join(f'{w:.2f}' for w in walls)}]")
        ratio = statistics.median(times["score"][0]) / statistics.median(times["report"][0])
        ratio_cpu = statistics.median(times["score"][1]) / statistics.median(times["report"][1])
        per_run = statistics.median(s / r for s, r in zip(times["score"][0], times["report"][0]))
        print(f"  report speed relative to score: {ratio:.2f} (wall), {ratio_cpu:.2f} (CPU), median of per-run ratios "
              f"{per_run:.2f}; goal at least {GOALS['speed_ratio']}")

        size = html.stat().st_size / 1e6
        print(f"\nfile: {size:.2f} MB for {args.articles} articles, {rows} paragraphs; goal under {GOALS['size_mb']:.0f} MB")

        if not Path(args.chromium).exists():
            print(f"\nfirst paint: not measured, {args.chromium} not found (apt-get install chromium)")
            return 1
        paints, others = paint_times(html, args.runs, args.chromium)
        med = {k: statistics.median(p[k] for p in paints) for k in ("fp", "fcp", "dcl", "load")}
        print(f"\nheadless Chromium, file:// page, median of {args.runs} loads (ms from navigation start):")
        each = ", ".join(f"{p['fp']:.0f}" for p in paints)
        print(f"  first paint {med['fp']:.0f}  first contentful paint {med['fcp']:.0f}  DOMContentLoaded {med['dcl']:.0f}  "
              f"load {med['load']:.0f}  [first paint of each: {each}]")
        print(f"  requests besides the page itself: {others}; goal first paint under {GOALS['first_paint_ms']:.0f} ms")
        ok = size < GOALS["size_mb"] and med["fp"] < GOALS["first_paint_ms"] and ratio >= GOALS["speed_ratio"] and others == 0
        print(f"\nall goals met: {'yes' if ok else 'NO'}")
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f"\nfiles kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
