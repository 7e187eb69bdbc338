#!/usr/bin/env python
"""Regenerate ``docs/report.png``: a real run of ``framing report training_data/examples/``, shown in headless Chromium.

Runs ``python -m classifier report training_data/examples/ -o TMP/report.html`` from the repository
root (exit code 1 is expected: ``archive.jsonl`` keeps its text in ``body``, and the page lists that
problem), opens the page in Debian's Chromium (``/usr/bin/chromium``, driven by Playwright; nothing
is downloaded) and saves a screenshot of the top of the page.

    python scripts/report_screenshot.py                      # writes docs/report.png
    python scripts/report_screenshot.py --out /tmp/r.png --height 0   # the whole page
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "report.png"), help="PNG to write (default: docs/report.png)")
    ap.add_argument("--width", type=int, default=1200, help="viewport width in CSS pixels (default 1200)")
    ap.add_argument("--height", type=int, default=1500, help="height of the shot (default 1500; 0 = the whole page)")
    ap.add_argument("--chromium", default=CHROMIUM, help=f"Chromium executable (default {CHROMIUM})")
    args = ap.parse_args()
    if not Path(args.chromium).exists():
        raise SystemExit(f"report_screenshot: {args.chromium} not found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        page_path = Path(tmp) / "report.html"
        cmd = [sys.executable, "-m", "classifier", "report", "training_data/examples/", "-o", str(page_path), "--quiet"]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
        print(f"$ framing {' '.join(cmd[3:])}  (exit {proc.returncode})", file=sys.stderr)
        sys.stderr.write(proc.stderr)
        if proc.returncode not in (0, 1) or not page_path.exists():
            raise SystemExit("report_screenshot: framing report did not write the page")
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(str(Path(tmp) / "profile"), executable_path=args.chromium,
                                                            headless=True, args=FLAGS, offline=True,
                                                            viewport={"width": args.width, "height": args.height or 900})
            try:
                page = context.new_page()
                page.goto(page_path.as_uri())
                page.wait_for_load_state("load")
                out = Path(args.out)
                out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(out), full_page=args.height == 0)
            finally:
                context.close()
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
