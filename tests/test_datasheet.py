"""The datasheet's statistics block matches the corpus it describes."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_datasheet_statistics_are_current():
    spec = importlib.util.spec_from_file_location("corpus_stats", ROOT / "scripts" / "corpus_stats.py")
    stats = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stats)
    readme = (ROOT / "training_data" / "README.md").read_text(encoding="utf-8")
    block = readme.split(stats.START, 1)[1].split(stats.END, 1)[0].strip()
    assert block == stats.stats_markdown().strip(), "run: python scripts/corpus_stats.py --write"
