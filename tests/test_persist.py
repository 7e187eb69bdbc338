"""Model files: manifest, sha256 check before unpickling, scikit-learn version check, packaging."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import sklearn

from classifier import ModelError, load_model
from classifier.persist import default_model_path, manifest_path, sha256_file


def test_shipped_model_and_manifest_agree():
    path = default_model_path()
    assert path.exists(), "the shipped model is missing"
    manifest = json.loads(manifest_path(path).read_text())
    assert manifest["sha256"] == sha256_file(path)
    for key in ("package_version", "scikit_learn_version", "joblib_version", "python_version",
                "trained_at", "thresholds", "cv", "training_data"):
        assert key in manifest
    assert manifest["training_data"]["fingerprint"]
    assert manifest["size_bytes"] == path.stat().st_size < 20_000_000


def test_tampered_model_is_refused(tmp_path, small_model_path):
    bad = tmp_path / "bad.joblib"
    shutil.copy(small_model_path, bad)
    shutil.copy(manifest_path(small_model_path), manifest_path(bad))
    data = bytearray(bad.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256") as err:
        load_model(bad)
    assert "\n" not in str(err.value)


def test_model_without_manifest_is_refused(tmp_path, small_model_path):
    lone = tmp_path / "lone.joblib"
    shutil.copy(small_model_path, lone)
    with pytest.raises(ModelError, match="no manifest"):
        load_model(lone)


def test_other_sklearn_version_names_both_and_the_fix(tmp_path, small_model_path):
    other = tmp_path / "other.joblib"
    shutil.copy(small_model_path, other)
    manifest = json.loads(manifest_path(small_model_path).read_text())
    manifest["scikit_learn_version"] = "0.24.2"
    manifest_path(other).write_text(json.dumps(manifest))
    with pytest.raises(ModelError) as err:
        load_model(other)
    msg = str(err.value)
    assert "0.24.2" in msg and sklearn.__version__ in msg and "framing train" in msg


def test_missing_model_file(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        load_model(tmp_path / "nope.joblib")


def test_cli_refuses_tampered_model_in_one_line(tmp_path, small_model_path):
    bad = tmp_path / "bad.joblib"
    shutil.copy(small_model_path, bad)
    shutil.copy(manifest_path(small_model_path), manifest_path(bad))
    with open(bad, "ab") as fh:
        fh.write(b"x")
    article = tmp_path / "a.txt"
    article.write_text("The council met on Tuesday.", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "classifier", "score", "--model", str(bad), str(article)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "sha256" in lines[0] and "Traceback" not in proc.stderr


def test_installed_package_finds_its_model_from_any_directory(tmp_path):
    code = "from classifier import load_model; m = load_model(); print(len(m.score_sentences(['A test.'])))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "1"
