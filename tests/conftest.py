"""Shared fixtures: the shipped model, a small model trained on a slice of the corpus, the benchmark."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARK = ROOT.parent / "shared" / "benchmarks" / "babe_dev.csv"


def pytest_configure(config: pytest.Config) -> None:
    """Tests interrupt runs with Ctrl-C (SIGINT); make sure it is not ignored in them.

    A suite started in the background (``cmd &``, ``nohup``) inherits SIGINT ignored, and so would every
    process it starts: Python then installs no KeyboardInterrupt handler, as a well-behaved program run
    in the background should. A Python handler here is reset to the default when a test starts a
    process, so the processes under test see Ctrl-C as they would on a terminal.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def model():
    from classifier import load_model

    return load_model()


@pytest.fixture(scope="session")
def corpus_rows():
    path = ROOT / "training_data" / "sentences.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory, corpus_rows):
    """A 400-sentence slice of the corpus in project format (four topics)."""
    topics = sorted({r["topic"] for r in corpus_rows})[:4]
    rows = [r for r in corpus_rows if r["topic"] in topics][:400]
    path = tmp_path_factory.mktemp("data") / "small.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def small_model_path(tmp_path_factory, small_corpus):
    from classifier.train import train

    out = tmp_path_factory.mktemp("model") / "small.npz"
    train([small_corpus], out, folds=2, C=8.0)
    return out


@pytest.fixture(scope="session")
def benchmark_path():
    if not BENCHMARK.exists():
        pytest.skip("benchmark file ../shared/benchmarks/babe_dev.csv not present")
    return BENCHMARK
