#!/usr/bin/env python
"""Benchmark ``framing score``: throughput against the bare library, and peak memory on a large input.

In one run, on a synthetic corpus this script generates (deterministic seed, word lists below):

1. ``--articles`` (default 10,000) articles as JSONL; paragraphs/second of ``framing score``
   (a subprocess, start-up and model loading included) with ``--jobs 1`` and ``--jobs 2``, side by
   side with ``model.score_sentences`` (in this process, model already loaded) on exactly the
   sentences those articles are cut into; the CLI overhead ratio is CLI time (jobs 1) / library
   time, in wall time and in CPU time (user + system; steadier on a busy machine).
2. A JSONL file of at least ``--big-mb`` (default 200) MB; peak RSS of ``framing score`` on it
   (``/usr/bin/time``'s maximum resident set, else ``wait4``'s), plus RSS samples through the run
   to show it stays flat.
3. One article of ``--single-mb`` (default 50) MB on a single line (corpus sentences joined by spaces, one
   paragraph); peak RSS of ``framing score`` on it, paragraph rows with the text to a file.

Medians of ``--runs`` (default 5) runs are printed for the throughput figures. Everything generated
goes to a temporary directory that is removed at the end (``--keep`` to keep it).

    python scripts/bench_score.py                 # the full benchmark (about 10 minutes)
    python scripts/bench_score.py --articles 2000 --big-mb 0 --runs 1   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

# -- word lists for the generated corpus (written for this benchmark) ------------------------------

SUBJECTS = [
    "The city council", "The transport ministry", "The harbour board", "The teachers' union", "The regional assembly",
    "The water authority", "The hospital trust", "The planning committee", "The finance minister", "The opposition party",
    "The mayor's office", "The rail operator", "The energy regulator", "The school board", "The police commissioner",
    "A group of residents", "The chamber of commerce", "The housing agency", "The election commission", "The farmers' cooperative",
]
NEUTRAL_VERBS = [
    "approved", "postponed", "announced", "published", "reviewed", "rejected", "discussed", "proposed", "delayed",
    "extended", "revised", "questioned", "endorsed", "outlined", "presented",
]
LOADED_VERBS = ["slammed", "rammed through", "bungled", "railroaded", "gutted", "sabotaged", "whitewashed", "trashed"]
OBJECTS = [
    "the budget for next year", "a plan to widen the coastal road", "new rules on short-term rentals",
    "the contract for the harbour dredging", "a proposal to close two rural clinics", "the draft environmental study",
    "changes to the bus timetable", "a tax on vacant homes", "the merger of three school districts",
    "a review of police overtime", "the sale of the old ferry terminal", "funding for the new library",
    "a pilot scheme for night trains", "the pay offer for nurses", "the bid to host the regional games",
]
LOADED_PHRASES = [
    "a disgraceful betrayal of every taxpayer", "the reckless schemes of a corrupt clique", "a shameless power grab",
    "the latest stunt by a gang of radical extremists", "an outrageous attack on ordinary families",
    "the fanatical agenda of its cronies", "a catastrophic blunder that will haunt the region for decades",
]
TIMES = ["on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "last week", "this month", "in March", "overnight"]
ATTRIBUTIONS = ["officials said", "a spokeswoman said", "according to a statement", "the agency said in a report",
                "a spokesman confirmed", "documents show"]
DETAILS = [
    "The vote was 5-2, with two members absent.", "The measure takes effect on Jan. 1 if no appeal is filed.",
    "The cost is estimated at $340 million over ten years.", "About 1,200 households would be affected, the survey found.",
    "A public hearing is scheduled for the first week of April.", "The figures were published on the agency's website.",
    "Dr. Hanna Okafor, who led the study, presented the findings to the committee.",
    "The U.S. Department of Transportation has not commented on the plan.",
]
FIRST = ["Mara", "Tomas", "Ines", "Alan", "Ruth", "Kofi", "Leila", "Jonas", "Priya", "Marek", "Sofia", "Dana"]
LAST = ["Lindqvist", "Berg", "Duarte", "Pryce", "Okafor", "Mensah", "Haddad", "Novak", "Iyer", "Kowalski", "Moreau", "Whitfield"]
AGENCIES = ["Coastline Images", "Harbour Photo", "Northline Images", "City Desk"]


def _sentence(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.55:
        return f"{rng.choice(SUBJECTS)} {rng.choice(NEUTRAL_VERBS)} {rng.choice(OBJECTS)} {rng.choice(TIMES)}, {rng.choice(ATTRIBUTIONS)}."
    if r < 0.70:
        return rng.choice(DETAILS)
    if r < 0.82:
        return f"{rng.choice(SUBJECTS)} {rng.choice(LOADED_VERBS)} {rng.choice(OBJECTS)}, {rng.choice(LOADED_PHRASES)}."
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    if r < 0.92:
        return f"“We have looked at {rng.choice(OBJECTS)} for three years,” said {name}. “At some point a decision has to be made.”"
    return f"{name}, who opposed the plan, called it {rng.choice(LOADED_PHRASES)}."


def make_article(rng: random.Random) -> str:
    """One synthetic news article: headline, byline, 5-12 paragraphs, sometimes a caption, links and widgets."""
    paras = [f"{rng.choice(SUBJECTS)} {rng.choice(NEUTRAL_VERBS)} {rng.choice(OBJECTS)}".replace("The ", "", 1)]
    if rng.random() < 0.7:
        paras.append(f"By {rng.choice(FIRST)} {rng.choice(LAST)}")
    for i in range(rng.randint(5, 12)):
        paras.append(" ".join(_sentence(rng) for _ in range(rng.randint(1, 3))))
        if i == 1 and rng.random() < 0.4:
            credit = f"{rng.choice(FIRST)} {rng.choice(LAST)}/{rng.choice(AGENCIES)}"
            paras.append(f"Residents gather outside the hall before the vote. ({credit})")
        if i == 3 and rng.random() < 0.4:
            paras.append(f"RELATED: {rng.choice(SUBJECTS)} {rng.choice(NEUTRAL_VERBS)} {rng.choice(OBJECTS)}")
    if rng.random() < 0.5:
        paras += ["Share.", "Leave A Reply"]
    return "\n\n".join(paras) + "\n"


def write_corpus(path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"a{i:06d}", "text": make_article(rng)}, ensure_ascii=False) + "\n")


def write_big(path: Path, min_bytes: int, seed: int) -> int:
    """A JSONL file of at least ``min_bytes``: 20,000 distinct articles cycled under new ids."""
    rng = random.Random(seed + 1)
    pool = [make_article(rng) for _ in range(20000)]
    n = size = 0
    with open(path, "w", encoding="utf-8") as fh:
        while size < min_bytes:
            line = json.dumps({"id": f"b{n:08d}", "text": pool[n % len(pool)]}, ensure_ascii=False) + "\n"
            fh.write(line)
            size += len(line.encode("utf-8"))
            n += 1
    return n


# -- measurements ---------------------------------------------------------------------------------


TIME = "/usr/bin/time"


def _cli(args: list[str], stdout: object = subprocess.DEVNULL, rss_file: Path | None = None) -> tuple[float, float, int, list[int]]:
    """Run ``python -m classifier ARGS``: wall seconds, CPU seconds (user + system, workers included),
    peak RSS (KiB) and VmRSS samples of the process tree (KiB).

    The peak comes from ``/usr/bin/time`` (written to ``rss_file``) when it exists: a child forked
    straight from this process would count this process's own pages, before its exec, in its peak.
    Otherwise it is wait4's ``ru_maxrss``, which can overstate it that way.
    """
    cmd = [sys.executable, "-m", "classifier", *args]
    if rss_file is not None and os.path.exists(TIME):
        cmd = [TIME, "-f", "%M", "-o", str(rss_file), *cmd]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE)
    samples: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(1.0):
            samples.append(_tree_rss(proc.pid))

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    done.set()
    t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"framing score failed ({proc.returncode}): {err.strip()}")
    peak = usage.ru_maxrss
    if rss_file is not None and rss_file.exists() and rss_file.read_text().strip():
        peak = int(rss_file.read_text().split()[-1])
    return elapsed, usage.ru_utime + usage.ru_stime, peak, samples


def _tree_rss(pid: int) -> int:
    """Resident set (KiB) of ``pid`` plus its children, from /proc (0 where unavailable)."""
    total = 0
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            pids += [int(p) for p in fh.read().split()]
    except OSError:
        pass
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def library_baseline(corpus: Path) -> tuple[int, int, Callable[[], tuple[float, float]]]:
    """Paragraph count, sentence count, and a function timing one run of ``score_sentences`` on the corpus's sentences."""
    from classifier import load_model

    model = load_model()
    texts = [json.loads(line)["text"] for line in corpus.open(encoding="utf-8")]
    paragraphs = 0
    sentences: list[str] = []
    for i in range(0, len(texts), 1000):  # cut into sentences exactly as score_documents does (untimed)
        chunk = texts[i:i + 1000]
        paragraphs += len(model.score_documents(chunk, level="paragraph"))
        sentences += model.score_documents(chunk, level="sentence")["text"].tolist()

    def one_run() -> tuple[float, float]:
        start, start_cpu = time.perf_counter(), time.process_time()
        for i in range(0, len(sentences), 5000):
            model.score_sentences(sentences[i:i + 5000])
        return time.perf_counter() - start, time.process_time() - start_cpu

    return paragraphs, len(sentences), one_run


def single_article(tmp: Path, mb: int, seed: int) -> None:
    """Peak RSS of ``framing score`` on one article of ``mb`` MB on one line (one paragraph)."""
    rng = random.Random(seed)
    path = tmp / "single.txt"
    with open(path, "w", encoding="utf-8") as fh:
        size = 0
        while size < mb * 1_000_000:
            s = _sentence(rng) + " "
            fh.write(s)
            size += len(s.encode("utf-8"))
    elapsed, _, maxrss, _ = _cli(["score", str(path), "--format", "jsonl", "--quiet", "-o", str(tmp / "single.jsonl")],
                                 rss_file=tmp / "rss_single.txt")
    print(f"\none article on one line: {path.stat().st_size / 1e6:.0f} MB, paragraph rows (text included) to a file, "
          f"{elapsed:.0f} s")
    print(f"  peak RSS: {maxrss / 1024:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=10000, help="articles in the throughput corpus (default 10000)")
    ap.add_argument("--big-mb", type=int, default=200, help="size of the memory-test JSONL in MB (0 to skip; default 200)")
    ap.add_argument("--runs", type=int, default=5, help="runs per throughput figure; medians are reported (default 5)")
    ap.add_argument("--rss-jobs", type=int, default=1, help="--jobs for the memory run (default 1)")
    ap.add_argument("--single-mb", type=int, default=50, help="size of the one-line article in MB (0 to skip; default 50)")
    ap.add_argument("--seed", type=int, default=20261127)
    ap.add_argument("--keep", action="store_true", help="keep the generated files and print where")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="framing-bench-"))
    try:
        corpus = tmp / "corpus.jsonl"
        write_corpus(corpus, args.articles, args.seed)
        print(f"corpus: {args.articles} articles, {corpus.stat().st_size / 1e6:.1f} MB ({corpus})" if args.keep else
              f"corpus: {args.articles} articles, {corpus.stat().st_size / 1e6:.1f} MB")
        paragraphs, n_sent, library_run = library_baseline(corpus)
        print(f"        {paragraphs} paragraphs, {n_sent} sentences; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        lib_times: list[float] = []
        lib_cpu: list[float] = []
        cli: dict[int, tuple[list[float], list[float]]] = {1: ([], []), 2: ([], [])}
        for _ in range(args.runs):  # interleaved, so a slow spell of the machine hits every figure alike
            wall, cpu = library_run()
            lib_times.append(wall)
            lib_cpu.append(cpu)
            for jobs in (1, 2):
                wall, cpu, _, _ = _cli(["score", str(corpus), "--id-column", "id", "--format", "jsonl", "--quiet",
                                        "--jobs", str(jobs), "-o", str(tmp / "out.jsonl")])
                cli[jobs][0].append(wall)
                cli[jobs][1].append(cpu)
        rows = [("library score_sentences (in-process, loaded model)", lib_times, lib_cpu)]
        rows += [(f"framing score --jobs {jobs} (process start + model load included)", *cli[jobs]) for jobs in (1, 2)]
        print(f"\nthroughput, median of {args.runs} run(s) (wall seconds of each run in brackets):")
        for label, walls, cpus in rows:
            t = statistics.median(walls)
            runs = ", ".join(f"{x:.1f}" for x in walls)
            print(f"  {label:<64} {paragraphs / t:>8,.0f} paragraphs/s  {t:6.1f} s wall  {statistics.median(cpus):6.1f} s CPU  [{runs}]")
        lib, lib_c = statistics.median(lib_times), statistics.median(lib_cpu)
        j1, j1_c = statistics.median(cli[1][0]), statistics.median(cli[1][1])
        j2 = statistics.median(cli[2][0])
        per_run = statistics.median(c / ln for c, ln in zip(cli[1][1], lib_cpu))
        print(f"  CLI overhead over the library, jobs 1: {j1 / lib:.2f}x wall time ({(j1 / lib - 1) * 100:+.0f}%), "
              f"{j1_c / lib_c:.2f}x CPU time ({(j1_c / lib_c - 1) * 100:+.0f}%); median of the runs' own CPU ratios "
              f"{per_run:.2f}x (each run times the library and the CLI back to back, so a slow spell of a shared "
              "machine hits both)")
        print(f"  jobs 2 speed-up over jobs 1: {j1 / j2:.2f}x wall time on {os.cpu_count()} cores")

        if args.big_mb > 0:
            big = tmp / "big.jsonl"
            n = write_big(big, args.big_mb * 1_000_000, args.seed)
            size = big.stat().st_size / 1e6
            elapsed, _, maxrss, samples = _cli(["score", str(big), "--id-column", "id", "--format", "jsonl", "--quiet",
                                                "--jobs", str(args.rss_jobs)], rss_file=tmp / "rss.txt")
            print(f"\nmemory: {size:.0f} MB JSONL, {n} articles, --jobs {args.rss_jobs}, output to /dev/null, {elapsed:.0f} s")
            how = "/usr/bin/time %M" if os.path.exists(TIME) else "wait4 ru_maxrss"
            print(f"  peak RSS ({how}): {maxrss / 1024:.0f} MB")
            if samples:
                q = [samples[int(f * (len(samples) - 1))] / 1024 for f in (0.1, 0.5, 0.9)]
                print(f"  RSS of the process tree through the run (10% / 50% / 90% of the time): "
                      f"{q[0]:.0f} / {q[1]:.0f} / {q[2]:.0f} MB, max sampled {max(samples) / 1024:.0f} MB")
        if args.single_mb > 0:
            single_article(tmp, args.single_mb, args.seed)
    finally:
        if args.keep:
            print(f"\nfiles kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
