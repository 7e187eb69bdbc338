#!/usr/bin/env python
"""Bounded load test of ``framing serve`` on 127.0.0.1, side by side with calling the library directly.

In one run:

1. Builds ``--distinct`` (default 500) real-length articles from the project corpus's sentences
   (fixed seed): a headline, often a byline, 10-18 paragraphs of 1-3 sentences, sometimes a photo
   caption, a related link and share widgets — about 5,300 characters, the length of a news story.
2. Starts ``framing serve --host 127.0.0.1 --port 0`` (a subprocess, ``--workers`` processes) and
   waits until it says it is serving.
3. Sends ``--warmup`` (default 200) requests, then ``--requests`` (default 5,000) ``POST /v1/score``
   requests at ``--concurrency`` (default 16) connections from an asyncio + httpx client in this
   process, in ``--rounds`` (default 5) equal rounds. Before each round, the same articles go through
   the library in this process: ``model.score_columns([text])`` (the call the server makes) and
   ``model.score_text(text)`` (the DataFrame a Python user gets).
4. Reports requests/s per round and their medians, the ratio server / library, latency p50/p99/max
   over every request, the error count (anything but a 200 with the library's row count; must be
   0), and the server's RSS (process tree, from /proc: Linux) after start, after the warm-up and at
   the end (must stay within 10% of the after-warm-up figure). Exit status 1 if a check fails.

Only 127.0.0.1 is ever contacted. The client shares the machine with the server, so on a 2-core
machine the figures are a floor, not a ceiling; the load average is printed.

    python scripts/bench_serve.py                         # 5,000 requests, 16 connections (about 1 minute)
    python scripts/bench_serve.py --requests 800 --rounds 2 --json   # quicker; one JSON object on stdout
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RSS_TOLERANCE = 0.10

CAPTIONS = ["Residents gather outside the hall before the vote. (Mara Lindqvist/Coastline Images)",
            "Delegates arrive for the opening session on Monday. (Tomas Berg/Harbour Photo)"]
RELATED = ["RELATED: What the plan would change for commuters", "Read more: Council budget, line by line"]
BYLINES = ["By Dana Whitfield", "By Kofi Mensah and Leila Haddad", "By Priya Iyer, Staff Writer"]


def make_articles(n: int, seed: int) -> list[str]:
    """``n`` articles of corpus sentences (deterministic): headline, byline, 10-18 paragraphs, scraper leftovers."""
    path = ROOT / "training_data" / "sentences.jsonl"
    sentences = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        paras = [rng.choice(sentences).rstrip(".")]
        if rng.random() < 0.7:
            paras.append(rng.choice(BYLINES))
        for i in range(rng.randint(10, 18)):
            paras.append(" ".join(rng.choice(sentences) for _ in range(rng.randint(1, 3))))
            if i == 1 and rng.random() < 0.4:
                paras.append(rng.choice(CAPTIONS))
            if i == 4 and rng.random() < 0.4:
                paras.append(rng.choice(RELATED))
        if rng.random() < 0.5:
            paras += ["Share.", "Leave A Reply"]
        out.append("\n\n".join(paras) + "\n")
    return out


def tree_rss_kib(pid: int) -> int:
    """Resident set (KiB) of ``pid`` and its descendants, from /proc (0 where unavailable)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its live descendants, from /proc (0 where unavailable)."""
    total, todo, tick = 0.0, [pid], os.sysconf("SC_CLK_TCK")
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (OSError, ValueError, IndexError):
            continue
    return total


class Server:
    """``framing serve`` on 127.0.0.1 with a free port, in a subprocess."""

    def __init__(self, workers: int, extra: list[str]):
        self.err = tempfile.NamedTemporaryFile("w+", prefix="bench_serve.", suffix=".log", delete=False)
        cmd = [sys.executable, "-m", "classifier", "serve", "--host", "127.0.0.1", "--port", "0", "--workers", str(workers), *extra]
        self.proc = subprocess.Popen(cmd, stderr=self.err, stdout=subprocess.DEVNULL, cwd=ROOT)
        self.url = self._wait_ready(120)

    def log(self) -> str:
        return Path(self.err.name).read_text(encoding="utf-8", errors="replace")

    def _wait_ready(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(r"serving on (http://127\.0\.0\.1:\d+)", self.log())
            if m:
                return m.group(1)
            if self.proc.poll() is not None:
                raise SystemExit(f"framing serve exited with {self.proc.returncode}:\n{self.log()}")
            time.sleep(0.05)
        self.proc.kill()
        raise SystemExit(f"framing serve did not start within {timeout:.0f} s:\n{self.log()}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()
        finally:
            self.err.close()
            os.unlink(self.err.name)


async def load(url: str, texts: list[str], expected_rows: list[int] | None, concurrency: int) -> tuple[float, list[float], list[str]]:
    """POST every text to /v1/score over ``concurrency`` keep-alive connections: wall seconds, latencies, errors."""
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    queue = iter(range(len(texts)))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:

        async def worker() -> None:
            for i in queue:
                t0 = time.perf_counter()
                try:
                    r = await client.post("/v1/score", json={"text": texts[i]})
                    body = r.content
                except httpx.HTTPError as exc:
                    errors.append(f"request {i}: {type(exc).__name__}: {exc}")
                    continue
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors.append(f"request {i}: HTTP {r.status_code}: {body[:200]!r}")
                elif expected_rows is not None and len(json.loads(body)["rows"]) != expected_rows[i]:
                    errors.append(f"request {i}: {len(json.loads(body)['rows'])} rows, the library gives {expected_rows[i]}")

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - t0, latencies, errors


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=5000, help="scored requests, over all rounds (default 5000)")
    ap.add_argument("--concurrency", type=int, default=16, help="connections (default 16)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds, each preceded by the library on the same articles (default 5)")
    ap.add_argument("--warmup", type=int, default=200, help="requests before the first RSS reading (default 200)")
    ap.add_argument("--distinct", type=int, default=500, help="distinct articles, cycled (default 500)")
    ap.add_argument("--workers", type=int, default=1, help="framing serve --workers (default 1)")
    ap.add_argument("--threads", type=int, default=1, help="framing serve --threads (default 1)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    args = ap.parse_args(argv)
    if args.requests < args.rounds or args.rounds < 1 or args.concurrency < 1:
        ap.error("need --rounds >= 1, --requests >= --rounds and --concurrency >= 1")

    from classifier import load_model
    from classifier.schema import CONTENT

    pool = make_articles(args.distinct, args.seed)
    texts = [pool[i % len(pool)] for i in range(args.requests)]
    model = load_model()
    cols = model.score_columns(pool, "paragraph")
    rows_of = [0] * len(pool)
    for d in cols["doc"]:
        rows_of[d] += 1
    n_content = sum(k == CONTENT for k in cols["kind"])
    expected = [rows_of[i % len(pool)] for i in range(args.requests)]
    lengths = sorted(len(t) for t in pool)
    gc.collect()
    gc.freeze()  # as the server does (freeze_long_lived): the comparison is the service's overhead, not the GC's

    server = Server(args.workers, ["--threads", str(args.threads)])
    rc = 0
    try:
        rss_start = tree_rss_kib(server.proc.pid)
        asyncio.run(load(server.url, [pool[i % len(pool)] for i in range(args.warmup)], None, args.concurrency))
        rss_before = tree_rss_kib(server.proc.pid)
        per_round = args.requests // args.rounds
        rounds: list[dict[str, float]] = []
        latencies: list[float] = []
        errors: list[str] = []
        rss_samples = []
        for r in range(args.rounds):
            lo, hi = r * per_round, (args.requests if r == args.rounds - 1 else (r + 1) * per_round)
            chunk = texts[lo:hi]
            t0, c0 = time.perf_counter(), time.process_time()
            for text in chunk:
                model.score_columns([text], "paragraph")
            t_columns, c_columns = time.perf_counter() - t0, time.process_time() - c0
            t0 = time.perf_counter()
            for text in chunk:
                model.score_text(text)
            t_frame = time.perf_counter() - t0
            cpu0, client0 = tree_cpu_seconds(server.proc.pid), time.process_time()
            wall, lat, errs = asyncio.run(load(server.url, chunk, expected[lo:hi], args.concurrency))
            server_cpu, client_cpu = tree_cpu_seconds(server.proc.pid) - cpu0, time.process_time() - client0
            latencies += lat
            errors += errs
            rss_samples.append(tree_rss_kib(server.proc.pid))
            rounds.append({"library_score_columns": len(chunk) / t_columns, "library_score_text": len(chunk) / t_frame,
                           "server": len(chunk) / wall, "server_cpu_ms_per_request": 1000 * server_cpu / len(chunk),
                           "client_cpu_ms_per_request": 1000 * client_cpu / len(chunk),
                           "library_cpu_ms_per_call": 1000 * c_columns / len(chunk), "n": len(chunk)})
        rss_after = tree_rss_kib(server.proc.pid)
    finally:
        stop_rc = server.stop()

    med = {k: statistics.median(r[k] for r in rounds)
           for k in ("library_score_columns", "library_score_text", "server", "server_cpu_ms_per_request", "library_cpu_ms_per_call",
                     "client_cpu_ms_per_request")}
    growth = (rss_after - rss_before) / rss_before if rss_before else float("nan")
    result = {
        "requests": args.requests, "answered": len(latencies),
        "concurrency": args.concurrency, "workers": args.workers, "threads": args.threads, "rounds": rounds, "median_rps": med,
        "ratio_server_to_score_columns": med["server"] / med["library_score_columns"],
        "ratio_server_to_score_text": med["server"] / med["library_score_text"],
        "cpu_ratio_server_to_score_columns": med["server_cpu_ms_per_request"] / med["library_cpu_ms_per_call"],
        "latency_ms": {"p50": 1000 * percentile(latencies, 0.50), "p99": 1000 * percentile(latencies, 0.99),
                       "max": 1000 * max(latencies)} if latencies else {},
        "errors": len(errors), "error_examples": errors[:5],
        "rss_mb": {"after_start": rss_start / 1024, "after_warmup": rss_before / 1024, "after_run": rss_after / 1024,
                   "max_sampled": max([*rss_samples, rss_after]) / 1024, "growth": growth},
        "server_exit_code": stop_rc,
        "articles": {"distinct": len(pool), "median_chars": statistics.median(lengths), "min_chars": lengths[0],
                     "max_chars": lengths[-1], "paragraphs_per_article": len(cols["doc"]) / len(pool),
                     "content_paragraphs_per_article": n_content / len(pool)},
        "load_average": os.getloadavg()[0], "cores": os.cpu_count(),
    }
    if errors:
        rc = 1
    if not growth <= RSS_TOLERANCE:
        rc = 1
    if stop_rc != 0:
        rc = 1
    if args.json:
        print(json.dumps(result, indent=2))
        return rc

    a = result["articles"]
    print(f"articles: {a['distinct']} distinct (cycled), median {a['median_chars']:,.0f} characters "
          f"({a['min_chars']:,}-{a['max_chars']:,}), {a['paragraphs_per_article']:.1f} paragraphs "
          f"({a['content_paragraphs_per_article']:.1f} scored) each")
    print(f"server: framing serve --workers {args.workers} --threads {args.threads} on 127.0.0.1 (uvicorn); "
          "client: httpx.AsyncClient in this process, "
          f"{args.concurrency} connections; load average {result['load_average']:.2f} on {result['cores']} cores")
    print()
    print(f"requests/s per round ({args.rounds} rounds of about {per_round:,} articles; the library on the same articles just before):")
    print(f"  {'round':>5}  {'library score_columns':>22}  {'library score_text':>19}  {'framing serve':>14}")
    for i, r in enumerate(rounds, 1):
        print(f"  {i:>5}  {r['library_score_columns']:>22,.0f}  {r['library_score_text']:>19,.0f}  {r['server']:>14,.0f}")
    print(f"  {'median':>5}  {med['library_score_columns']:>22,.0f}  {med['library_score_text']:>19,.0f}  {med['server']:>14,.0f}")
    print(f"  server / library: {result['ratio_server_to_score_columns']:.2f}x score_columns (the call the server makes), "
          f"{result['ratio_server_to_score_text']:.2f}x score_text")
    print(f"  CPU time per article (median of rounds): server process {med['server_cpu_ms_per_request']:.2f} ms per request, "
          f"library score_columns {med['library_cpu_ms_per_call']:.2f} ms per call "
          f"({result['cpu_ratio_server_to_score_columns']:.2f}x); the httpx client {med['client_cpu_ms_per_request']:.2f} ms "
          "per request on the same machine")
    lat = result["latency_ms"]
    print()
    print(f"latency over {len(latencies):,} requests at {args.concurrency} connections: p50 {lat['p50']:.1f} ms, "
          f"p99 {lat['p99']:.1f} ms, max {lat['max']:.1f} ms")
    print(f"errors: {len(errors)}" + "".join(f"\n  {e}" for e in errors[:5]))
    m = result["rss_mb"]
    print(f"server RSS: {m['after_start']:.0f} MB after start, {m['after_warmup']:.0f} MB after {args.warmup} warm-up requests, "
          f"{m['after_run']:.0f} MB after {args.requests:,} more ({growth:+.1%}; limit +{RSS_TOLERANCE:.0%}); "
          f"max sampled {m['max_sampled']:.0f} MB")
    print(f"server stopped with SIGTERM: exit code {stop_rc}")
    if rc:
        print("FAILED: " + "; ".join(x for x, bad in (("errors", bool(errors)), ("RSS grew", not growth <= RSS_TOLERANCE),
                                                      ("unclean exit", stop_rc != 0)) if bad))
    return rc


if __name__ == "__main__":
    sys.exit(main())
