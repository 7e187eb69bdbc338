"""Model files: a scoring file that cannot run code, lazily loaded pipelines, one-line load errors, reproducibility."""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from classifier import ModelError, load_model
from classifier.cli import main
from classifier.persist import FORMAT, default_model_path, manifest_path, pipelines_path
from classifier.train import REFERENCE_SENTENCES

ROOT = Path(__file__).resolve().parents[1]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_model(src: Path, dest: Path) -> Path:
    shutil.copy(src, dest)
    shutil.copy(manifest_path(src), manifest_path(dest))
    shutil.copy(pipelines_path(src), pipelines_path(dest))
    return dest


def vouch(path: Path) -> None:
    """Rewrite the manifest so that its hashes match whatever is now on disk (what an attacker would do)."""
    m = json.loads(manifest_path(path).read_text())
    if path.is_file():
        m["sha256"] = sha256(path)
    if pipelines_path(path).is_file():
        m["pipelines"]["sha256"] = sha256(pipelines_path(path))
    manifest_path(path).write_text(json.dumps(m))


def test_shipped_model_and_manifest_agree():
    path = default_model_path()
    assert path.suffix == ".npz" and path.exists(), "the shipped model is missing"
    manifest = json.loads(manifest_path(path).read_text())
    assert manifest["sha256"] == sha256(path) and manifest["format"] == FORMAT
    assert manifest["pipelines"]["sha256"] == sha256(pipelines_path(path))
    for key in ("package_version", "scikit_learn_version", "numpy_version", "scipy_version", "pandas_version",
                "joblib_version", "python_version", "trained_at", "thresholds", "cv", "training_data", "reference_scores"):
        assert key in manifest, key
    assert manifest["training_data"]["fingerprint"]
    assert manifest["size_bytes"] == path.stat().st_size < 6_724_323  # smaller than the old joblib file


def test_scoring_file_is_numpy_data_without_pickles():
    import numpy as np

    with zipfile.ZipFile(default_model_path()) as zf:
        assert sorted(zf.namelist()) == ["grams.npy", "model.npy", "table.npy", "vector_table.npy", "vector_words.npy"]
    with np.load(default_model_path(), allow_pickle=False) as z:
        assert z["table"].dtype == np.float64 and z["model"].dtype == np.uint8
        assert z["vector_table"].dtype == np.float64 and z["vector_table"].shape == (len(z["vector_words"].tobytes().split(b"\n")), 2)


def test_reference_scores_in_the_manifest_are_reproduced(model):
    """The scoring code, whatever its refactors, gives the probabilities training recorded (1e-9)."""
    ref = json.loads(manifest_path(default_model_path()).read_text())["reference_scores"]
    assert tuple(ref["sentences"]) == REFERENCE_SENTENCES
    got = model.score_sentences(ref["sentences"], explain=False)
    for head in ("loaded_language", "editorial_framing"):
        assert (got[head] - ref[head]).abs().max() < 1e-9


class _Evil:
    """A pickle payload that creates a marker file when unpickled."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_malicious_pickle_with_a_matching_manifest_is_refused_without_running(tmp_path, small_model_path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.npz"
    copy_model(small_model_path, evil)
    evil.write_bytes(pickle.dumps({"format": 4, "scoring": _Evil(str(marker))}))
    vouch(evil)
    with pytest.raises(ModelError) as err:
        load_model(evil)
    assert "\n" not in str(err.value) and "old model format" in str(err.value)
    assert not marker.exists()
    joblib_evil = tmp_path / "old" / "evil.joblib"  # an old-style name
    joblib_evil.parent.mkdir()
    shutil.copy(evil, joblib_evil)
    shutil.copy(manifest_path(evil), manifest_path(joblib_evil))
    with pytest.raises(ModelError):
        load_model(joblib_evil)
    assert not marker.exists()
    article = tmp_path / "a.txt"
    article.write_text("The council met on Tuesday.", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "classifier", "score", "--model", str(evil), str(article)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not marker.exists()


def test_a_malicious_pipelines_file_is_only_read_when_asked_for_and_after_the_hash(tmp_path, small_model_path):
    marker = tmp_path / "pwned"
    path = copy_model(small_model_path, tmp_path / "m.npz")
    pipelines_path(path).write_bytes(pickle.dumps(_Evil(str(marker))))  # not vouched for
    model = load_model(path)
    model.score_sentences(["Scoring never touches the pipelines."])
    with pytest.raises(ModelError, match="sha256"):
        model.heads  # noqa: B018
    assert not marker.exists()


def _truncated(p: Path) -> None:
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])


def _flipped(p: Path) -> None:
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0xFF
    p.write_bytes(bytes(data))


def _missing_member(p: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(p) as src, zipfile.ZipFile(buf, "w") as dst:
        for name in src.namelist():
            if name != "table.npy":
                dst.writestr(name, src.read(name))
    p.write_bytes(buf.getvalue())


def _object_array(p: Path) -> None:
    import numpy as np

    buf = io.BytesIO()
    np.savez(buf, model=np.array([{"a": 1}], dtype=object), grams=np.zeros(1, np.uint8), table=np.zeros((0, 4)))
    p.write_bytes(buf.getvalue())


def _other_format(p: Path) -> None:
    import numpy as np

    from classifier.persist import _text_array

    buf = io.BytesIO()
    np.savez(buf, model=_text_array(json.dumps({"format": 99})), grams=np.zeros(0, np.uint8), table=np.zeros((0, 4)))
    p.write_bytes(buf.getvalue())


def _malformed_json(p: Path) -> None:
    import numpy as np

    from classifier.persist import _text_array

    buf = io.BytesIO()
    np.savez(buf, model=_text_array(json.dumps({"format": FORMAT, "heads": 7})), grams=np.zeros(0, np.uint8),
             table=np.zeros((0, 4)))
    p.write_bytes(buf.getvalue())


@pytest.mark.parametrize("damage, message", [
    (_truncated, "not a readable framing model file"),
    (_flipped, "not a readable framing model file"),
    (_missing_member, "not a readable framing model file"),
    (_object_array, "not a readable framing model file"),
    (_other_format, "model format 99"),
    (_malformed_json, "contents are malformed"),
])
def test_corrupt_files_with_a_matching_manifest_are_one_line_model_errors(tmp_path, small_model_path, damage, message):
    path = copy_model(small_model_path, tmp_path / "m.npz")
    damage(path)
    vouch(path)
    with pytest.raises(ModelError, match=message) as err:
        load_model(path)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("setup, message", [
    (lambda p: manifest_path(p).write_text("{not json"), "manifest unreadable"),
    (lambda p: manifest_path(p).write_text('["x"]'), "not a model manifest"),
    (lambda p: manifest_path(p).unlink(), "no manifest"),
    (lambda p: (p.unlink(), p.mkdir()), "is a directory"),
    (lambda p: p.unlink(), "not found"),
    (lambda p: _flipped(p), "sha256"),
])
def test_bad_manifests_missing_parts_and_directories(tmp_path, small_model_path, setup, message):
    path = copy_model(small_model_path, tmp_path / "m.npz")
    setup(path)
    with pytest.raises(ModelError, match=message) as err:
        load_model(path)
    assert "\n" not in str(err.value)
    code = main(["score", "--model", str(path), str(ROOT / "training_data" / "examples" / "rail.md")])
    assert code == 2


def test_scoring_needs_no_scikit_learn_and_never_unpickles(tmp_path):
    """A subprocess where importing sklearn or joblib fails and any unpickling raises still loads and scores."""
    code = (
        "import sys, pickle\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('sklearn', 'joblib'):\n"
        "            raise ImportError(name + ' is blocked in this test')\n"
        "sys.meta_path.insert(0, Block())\n"
        "def refuse(*a, **k):\n"
        "    raise AssertionError('unpickling on the scoring path')\n"
        "pickle.load = pickle.loads = pickle.Unpickler = refuse\n"
        "from classifier import load_model\n"
        "m = load_model()\n"
        "print(m.score_text(open(sys.argv[1], encoding='utf-8').read())['loaded_language'].notna().sum())\n"
        "assert 'sklearn' not in sys.modules and 'joblib' not in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(ROOT / "training_data" / "examples" / "article.txt")],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) > 0


def test_another_scikit_learn_only_blocks_the_pipelines(tmp_path, small_model_path):
    import sklearn

    path = copy_model(small_model_path, tmp_path / "m.npz")
    m = json.loads(manifest_path(path).read_text())
    m["scikit_learn_version"] = "0.24.2"
    manifest_path(path).write_text(json.dumps(m))
    model = load_model(path)
    assert len(model.score_sentences(["Scoring works with any scikit-learn."])) == 1
    with pytest.raises(ModelError) as err:
        model.heads  # noqa: B018
    assert "0.24.2" in str(err.value) and sklearn.__version__ in str(err.value)


def test_pipelines_load_lazily_and_match_the_scorer(small_model_path):
    from classifier.training import parity_check

    model = load_model(small_model_path)
    assert callable(model._pipelines)  # not loaded yet
    heads = model.heads
    assert set(heads) == {"loaded_language", "editorial_framing"}
    parity_check(heads, model.scorer, list(REFERENCE_SENTENCES))


def test_training_is_byte_reproducible(tmp_path, small_corpus, small_model_path):
    """The same data, code and libraries give the same bytes, in another process with another hash seed."""
    again = tmp_path / "again.npz"
    code = f"from classifier.train import train; train([{str(small_corpus)!r}], {str(again)!r}, folds=2, C=8.0)"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True)
    assert sha256(again) == sha256(small_model_path)
    assert sha256(pipelines_path(again)) == sha256(pipelines_path(small_model_path))


def test_train_without_out_writes_under_the_current_directory(tmp_path, small_corpus, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--data", str(small_corpus), "--folds", "0", "--quiet"]) == 0
    assert (tmp_path / "models" / "framing-default.npz").is_file()
    card = (tmp_path / "models" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "Skipped in this run" in card and "--benchmark" in card


def test_export_skops_round_trips_with_explicit_trusted_types(tmp_path, small_model_path):
    pytest.importorskip("skops")
    from classifier.persist import SKOPS_TRUSTED, load_pipelines_skops, skops_path
    from classifier.training import parity_check

    path = copy_model(small_model_path, tmp_path / "m.npz")
    assert main(["export", "--skops", "--model", str(path)]) == 0
    import skops.io as sio

    untrusted = set(sio.get_untrusted_types(file=skops_path(path)))
    assert untrusted <= set(SKOPS_TRUSTED)
    heads = load_pipelines_skops(skops_path(path))
    parity_check(heads, load_model(path).scorer, list(REFERENCE_SENTENCES))


def test_export_without_skops_names_the_extra(tmp_path, small_model_path):
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'skops' or name.startswith('skops.'):\n"
        "            raise ImportError('no skops')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from classifier.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    path = copy_model(small_model_path, tmp_path / "m.npz")
    proc = subprocess.run([sys.executable, "-c", code, "export", "--skops", "--model", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["framing: error: skops is not installed: pip install 'framing-classifier[skops]'"]


def test_installed_package_finds_its_model_from_any_directory(tmp_path):
    code = "from classifier import load_model; m = load_model(); print(len(m.score_sentences(['A test.'])))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "1"
