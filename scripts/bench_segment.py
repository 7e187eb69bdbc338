#!/usr/bin/env python3
"""Segmentation time against input size on adversarial inputs: the slope must be about 1 (linear time).

    python scripts/bench_segment.py            # 125 KB ... 1 MB per pattern, median of 3 runs each

For each pattern (runs of dots, "?!" runs, very long words, a byline-shaped run, thousands of quotes,
a megabyte of spaces, ordinary prose) it times what scoring does to a text before any model runs:
paragraphs, paragraph kinds, sentences, quotation spans and each sentence's share of them. The slope is the least-squares fit of
log(time) on log(size); a quadratic pattern would show a slope near 2.
"""

from __future__ import annotations

import math
import statistics
import time

from classifier.score import segment

PROSE = ("The council voted 5-2 on Tuesday to delay the plan. Mr. Smith said the U.S. agency would review it, "
         "and critics called it a “giveaway.” ")
PATTERNS = {
    "dots": lambda n: "." * n,
    "?! run": lambda n: "It happened" + "?!" * (n // 2),
    "long words": lambda n: "y" * (n // 2) + " " + "x" * (n // 2) + ". X",
    "byline run": lambda n: "By A" + "andA" * (n // 4) + "!",
    "quotes": lambda n: "“a” " * (n // 4),
    "spaces": lambda n: "word " + " " * n + ". Next",
    "prose": lambda n: (PROSE * (n // len(PROSE) + 1))[:n],
    "prose paragraphs": lambda n: ((PROSE + "\n\n") * (n // len(PROSE) + 1))[:n],
}
SIZES = [125_000, 250_000, 500_000, 1_000_000]


def segment_all(text: str) -> None:
    """The whole segmentation stage of scoring: paragraphs, kinds, sentences, quotations cut per sentence."""
    segment([text])


def slope(xs: list[float], ys: list[float]) -> float:
    lx, ly = [math.log(x) for x in xs], [math.log(max(y, 1e-9)) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def main() -> None:
    print(f"{'pattern':18s} " + " ".join(f"{s // 1000:>7d} KB" for s in SIZES) + "   slope  (seconds, median of 3)")
    worst = 0.0
    for name, make in PATTERNS.items():
        times = []
        for size in SIZES:
            text = make(size)
            runs = []
            for _ in range(3):
                t0 = time.perf_counter()
                segment_all(text)
                runs.append(time.perf_counter() - t0)
            times.append(statistics.median(runs))
        worst = max(worst, times[-1])
        print(f"{name:18s} " + " ".join(f"{t:10.4f}" for t in times) + f"   {slope(SIZES, times):5.2f}")
    print(f"slowest at 1 MB: {worst:.3f} s (budget 2 s on one core)")


if __name__ == "__main__":
    main()
