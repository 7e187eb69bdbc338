"""The README's commands are the ones CI runs, and its examples are real."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _command(marker: str) -> str:
    block = README.split(marker, 1)[1]
    return re.search(r"```sh\n(.+?)\n```", block, re.S).group(1).strip()


def test_ci_runs_exactly_the_readme_test_command():
    command = _command("<!-- quickstart:test -->")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert command in ci.splitlines()


def test_quickstart_scores_a_file_that_exists():
    command = _command("<!-- quickstart:run -->")
    target = command.split("framing score", 1)[1].split()[0]
    assert (ROOT / target).is_file()
