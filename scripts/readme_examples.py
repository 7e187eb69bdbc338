#!/usr/bin/env python3
"""Run the README's `framing score` examples and refresh their output in README.md.

    python scripts/readme_examples.py           # print the examples block
    python scripts/readme_examples.py --write   # refresh it in README.md

The README keeps the block between ``<!-- examples:start -->`` and ``<!-- examples:end -->`` and the
quickstart's output between ``<!-- quickstart:output:start -->`` and ``<!-- quickstart:output:end -->``;
tests/test_readme.py checks both are what the shipped model prints now.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = "training_data/examples"
MARKERS = {
    "examples": ("<!-- examples:start -->", "<!-- examples:end -->"),
    "quickstart": ("<!-- quickstart:output:start -->", "<!-- quickstart:output:end -->"),
}


def _run(args: list[str], cwd: Path, stdin: str | None = None) -> tuple[str, str, int]:
    env = {**os.environ, "COLUMNS": "150", "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run([sys.executable, "-m", "classifier", *args], cwd=cwd, input=stdin, capture_output=True,
                          text=True, env=env)
    return proc.stdout, proc.stderr, proc.returncode


def _block(shown: str, out: str, err: str = "", code: int | None = None) -> list[str]:
    lines = ["```", f"$ {shown}"]
    lines += [line.rstrip() for line in (out + err).rstrip("\n").splitlines()]
    if code is not None:
        lines += ["$ echo $?", str(code)]
    return [*lines, "```", ""]


def quickstart() -> str:
    out, _, _ = _run(["score", f"{EXAMPLES}/article.txt", "--format", "table"], ROOT)
    return "\n".join(_block(f"framing score {EXAMPLES}/article.txt", out)[:-1])


def examples() -> str:
    md: list[str] = []
    files = f"{EXAMPLES}/article.txt {EXAMPLES}/rail.md {EXAMPLES}/dredging.html"
    md += ["Three articles — plain text, Markdown and an HTML page (navigation, comments and footer left out) — one row "
           "per article as CSV:", ""]
    cmd = f"score {files} --level article --format csv"
    md += _block(f"framing {cmd}", _run(cmd.split(), ROOT)[0])
    md += ["A news-archive JSONL with the text in `body` and an `id` per article; only flagged paragraphs, without "
           "their text:", ""]
    cmd = f"score {EXAMPLES}/archive.jsonl --text-column body --id-column id --flagged --no-text --format jsonl"
    md += _block(f"framing {cmd}", _run(cmd.split(), ROOT)[0])
    md += ["From standard input, one row per sentence:", ""]
    cmd = "score - --level sentence --format csv --no-text"
    md += _block(f"framing {cmd} < {EXAMPLES}/rail.md", _run(cmd.split(), ROOT, (ROOT / EXAMPLES / "rail.md").read_text())[0])
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(ROOT / EXAMPLES / "article.txt", work / "article.txt")
        shutil.copy(ROOT / EXAMPLES / "archive.jsonl", work / "archive.jsonl")
        (work / "notes.bin").write_bytes(b"\x00\x01binary\x00data")
        (work / "partial.jsonl").write_text('{"text": "The library opens on Sundays from January, the board said."}\n'
                                             '{"text": broken line\n', encoding="utf-8")
        md += ["Two workers, to a parquet file (the schema is the same in every format):", ""]
        cmd = "score archive.jsonl --text-column body --id-column id --jobs 2 -o scores.parquet"
        out, err, code = _run(cmd.split(), work)
        schema = subprocess.run([sys.executable, "-c", "import pyarrow.parquet as pq; print(pq.read_schema('scores.parquet'))"],
                                cwd=work, capture_output=True, text=True).stdout
        md += ["```", f"$ framing {cmd}", "$ python -c \"import pyarrow.parquet as pq; print(pq.read_schema('scores.parquet'))\""]
        md += [line.rstrip() for line in schema.rstrip().splitlines() if not line.startswith("-- schema metadata")][:12]
        md += ["```", ""]
        md += ["Bad inputs are reported one line each on stderr, naming the input and the reason; the rest of the batch "
               "is scored and the exit code is 1:", ""]
        cmd = "score article.txt notes.bin missing.txt partial.jsonl --level article --format csv --no-text"
        out, err, code = _run(cmd.split(), work)
        md += _block(f"framing {cmd}", out, err, code)
        md += ["A table without the text column stops the run before anything is scored (exit code 2):", ""]
        cmd = "score archive.jsonl"
        out, err, code = _run(cmd.split(), work)
        md += _block(f"framing {cmd}", out, err, code)
    return "\n".join(md).rstrip() + "\n"


def refresh(text: str, name: str, block: str) -> str:
    start, end = MARKERS[name]
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{block}\n{end}{tail}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="refresh README.md")
    args = ap.parse_args()
    blocks = {"quickstart": quickstart(), "examples": examples()}
    if not args.write:
        print("\n\n".join(blocks.values()))
        return
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    for name, block in blocks.items():
        text = refresh(text, name, block)
    readme.write_text(text, encoding="utf-8")
    print(f"refreshed {readme}", file=sys.stderr)


if __name__ == "__main__":
    main()
