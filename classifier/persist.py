"""Saving and loading models: one joblib file plus a JSON manifest that vouches for it.

joblib (pickle) files run code when loaded: load only model files you trust. ``load_model``
checks the file's sha256 against its manifest before unpickling anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import platform
import tempfile
import threading
import warnings
import zlib
from importlib import metadata
from pathlib import Path
from typing import Any

import joblib

from . import __version__
from .errors import ModelError
from .score import FramingModel

__all__ = ["DEFAULT_MODEL_NAME", "default_model_path", "load_model", "manifest_path", "save_model", "sha256_file"]

DEFAULT_MODEL_NAME = "framing-default.joblib"
_PACKAGE = Path(__file__).resolve().parent
_cache: dict[tuple[str, float, int], FramingModel] = {}
_lock = threading.Lock()
RETRAIN_HINT = "framing train"


def default_model_path() -> Path:
    """The shipped model: packaged inside an install, or ``models/`` in a checkout."""
    for candidate in (_PACKAGE / "_models" / DEFAULT_MODEL_NAME, _PACKAGE.parent / "models" / DEFAULT_MODEL_NAME):
        if candidate.exists():
            return candidate
    return _PACKAGE.parent / "models" / DEFAULT_MODEL_NAME


def manifest_path(model_path: str | Path) -> Path:
    """The manifest that sits beside a model file (``x.joblib`` -> ``x.json``)."""
    p = Path(model_path)
    return p.with_suffix(".json")


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _atomic_write(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def save_model(model: FramingModel, path: str | Path, manifest_extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write ``model`` to ``path`` (joblib) and its manifest beside it; return the manifest."""
    path = Path(path)
    # joblib's unpickler is pure Python and slow on large dicts of strings; the scoring state is
    # therefore stored as one compressed pickle blob inside the joblib file (loaded in C), and the
    # scikit-learn pipelines as another, unpickled only when someone asks for them.
    scoring = {"scorer": model.scorer, "stop_words": sorted(model.stop_words)}
    pipelines = model.pipelines_bytes()
    payload = {
        "format": 4,
        "meta": model.meta,
        "scoring": zlib.compress(pickle.dumps(scoring, protocol=pickle.HIGHEST_PROTOCOL), 6),
        "pipelines": pipelines,
    }
    _atomic_write(path, lambda tmp: joblib.dump(payload, tmp, compress=0))
    manifest = {
        "model_file": path.name,
        "sha256": sha256_file(path),
        "size_bytes": path.stat().st_size,
        "package_version": __version__,
        "scikit_learn_version": sklearn_version(),
        "joblib_version": joblib.__version__,
        "numpy_version": _version("numpy"),
        "scipy_version": _version("scipy"),
        "pandas_version": _version("pandas"),
        "python_version": platform.python_version(),
        **model.meta,
        **(manifest_extra or {}),
    }
    text = json.dumps(manifest, indent=2, sort_keys=False, ensure_ascii=False) + "\n"
    _atomic_write(manifest_path(path), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return manifest


def read_manifest(path: str | Path) -> dict[str, Any]:
    """The manifest of the model at ``path``; a missing or unreadable manifest is a ModelError."""
    mpath = manifest_path(path)
    try:
        return json.loads(mpath.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path}: no manifest {mpath.name} beside the model file; refusing to load an unvouched model") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"{mpath}: manifest unreadable ({exc})") from None


def _version(package: str) -> str:
    """An installed package's version, from its metadata (without importing it), or "not installed"."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def sklearn_version() -> str:
    """The installed scikit-learn version (read from package metadata, without importing it)."""
    return _version("scikit-learn")


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def load_model(path: str | Path | None = None) -> FramingModel:
    """Load a model (the shipped default when ``path`` is None), verified against its manifest.

    Refuses, with a one-line :class:`ModelError`, a file whose sha256 differs from its manifest or
    that was trained with another scikit-learn minor version. Loading is cached per path.
    """
    p = Path(path) if path is not None else default_model_path()
    try:
        st = p.stat()
    except FileNotFoundError:
        hint = f" (train one with `{RETRAIN_HINT}`)" if path is None else ""
        raise ModelError(f"{p}: model file not found{hint}") from None
    key = (str(p.resolve()), st.st_mtime, st.st_size)
    with _lock:
        if key in _cache:
            return _cache[key]
        manifest = read_manifest(p)
        digest = sha256_file(p)
        if digest != manifest.get("sha256"):
            raise ModelError(f"{p}: sha256 {digest[:12]}… does not match its manifest ({str(manifest.get('sha256'))[:12]}…); "
                             "the file was changed or corrupted, refusing to load it")
        trained = str(manifest.get("scikit_learn_version", "unknown"))
        installed = sklearn_version()
        if _minor(trained) != _minor(installed):
            raise ModelError(
                f"{p}: trained with scikit-learn {trained} but {installed} is installed; "
                f"install scikit-learn=={trained} or retrain with `{RETRAIN_HINT}`"
            )
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*(?:unpickle|InconsistentVersion).*")
            try:
                payload = joblib.load(p)
            except Exception as exc:
                raise ModelError(f"{p}: cannot be loaded ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})") from None
        if not isinstance(payload, dict) or payload.get("format") != 4:
            raise ModelError(f"{p}: not a framing model file of this version (retrain with `{RETRAIN_HINT}`)")
        s = pickle.loads(zlib.decompress(payload["scoring"]))
        model = FramingModel(s["scorer"], payload["meta"], payload["pipelines"], frozenset(s["stop_words"]))
        _cache[key] = model
        return model
