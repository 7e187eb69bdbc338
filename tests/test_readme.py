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


def _load_script(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_examples_show_what_the_shipped_model_prints():
    examples = _load_script("readme_examples")
    for name, block in (("quickstart", examples.quickstart()), ("examples", examples.examples())):
        start, end = examples.MARKERS[name]
        shown = README.split(start, 1)[1].split(end, 1)[0].strip()
        assert shown == block.strip(), f"README {name} output is stale: run python scripts/readme_examples.py --write"
