"""Model files: a scoring file that is data (cannot run code), the pipelines beside it, and a manifest.

A model named ``NAME`` is three files:

* ``NAME.npz`` — what scoring needs, read with ``numpy.load(allow_pickle=False)``: a zip of ``.npy``
  arrays (the n-gram list as UTF-8 text, the weight table as float64, the dense block's words as
  UTF-8 text with a float64 weight per head each, and ``model.json`` holding the intercepts, cue
  weights, lexicon and metadata as UTF-8 JSON). No pickle anywhere.
* ``NAME.pipelines.joblib`` — the scikit-learn pipelines (joblib, i.e. pickle: **trusted files
  only**), for inspection and retraining. Loaded only when ``model.heads`` is asked for, after the
  hash check, from the very bytes that were hashed. ``framing export --skops`` writes them with skops
  too, for people who must open pipelines from sources they do not control.
* ``NAME.json`` — the manifest: sha256 of both files, library versions, training data, metrics.

Every load failure is a one-line :class:`~classifier.errors.ModelError`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import tempfile
import threading
import zipfile
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from .errors import ModelError
from .lexicon import Entry, Lexicon
from .linear import COLUMNS, HeadWeights, Scorer
from .schema import HEADS
from .score import FramingModel

__all__ = [
    "DEFAULT_MODEL_NAME",
    "FORMAT",
    "default_model_path",
    "default_output_path",
    "library_versions",
    "copy_with_meta",
    "load_model",
    "manifest_path",
    "pipelines_path",
    "read_manifest",
    "save_model",
]

FORMAT = 6  # the project's own model format version (6 added per-word vector weights); 4 and older were joblib pickles
READABLE_FORMATS = (5, 6)  # format 5 is format 6 without word-vector weights
DEFAULT_MODEL_NAME = "framing-default.npz"
_PACKAGE = Path(__file__).resolve().parent
_cache: dict[tuple[str, float, int], FramingModel] = {}
_lock = threading.Lock()
RETRAIN_HINT = "framing train"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same model gives the same bytes


def default_model_path() -> Path:
    """The shipped model: packaged inside an install, or ``models/`` in a checkout."""
    for candidate in (_PACKAGE / "_models" / DEFAULT_MODEL_NAME, _PACKAGE.parent / "models" / DEFAULT_MODEL_NAME):
        if candidate.exists():
            return candidate
    return _PACKAGE.parent / "models" / DEFAULT_MODEL_NAME


def default_output_path() -> Path:
    """Where ``framing train`` writes without ``--out``: ``./models/`` under the current directory."""
    return Path.cwd() / "models" / DEFAULT_MODEL_NAME


def manifest_path(model_path: str | Path) -> Path:
    """The manifest that sits beside a model file (``x.npz`` -> ``x.json``)."""
    return Path(model_path).with_suffix(".json")


def pipelines_path(model_path: str | Path) -> Path:
    """The pipelines file beside a model file (``x.npz`` -> ``x.pipelines.joblib``)."""
    p = Path(model_path)
    return p.with_name(p.stem + ".pipelines.joblib")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def library_versions() -> dict[str, str]:
    """Versions of the libraries training depends on (read from package metadata, nothing imported)."""
    return {f"{p.replace('-', '_')}_version": _version(p) for p in ("scikit-learn", "numpy", "scipy", "pandas", "joblib")}


# ---------------------------------------------------------------------------------------------
# Writing


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _npy(array: Any) -> bytes:
    import numpy as np

    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def _text_array(text: str) -> Any:
    import numpy as np

    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def scoring_bytes(model: FramingModel) -> bytes:
    """The scoring file of ``model``: a zip of ``.npy`` members with fixed timestamps (same model, same bytes)."""
    import numpy as np

    s = model.scorer
    doc = {
        "format": FORMAT,
        "heads": {h: {"view": w.view, "intercept": w.intercept, "floor": w.floor, "vector_floor": w.vector_floor,
                      "scopes": list(w.scopes),
                      "cue_weights": dict(sorted(w.cue_weights.items()))} for h, w in s.heads.items()},
        "canon": dict(sorted(s.canon.items())),
        "drop": list(s.drop),
        "terms": list(s.terms),
        "lexicon": [[e.term, e.category, e.concept, e.pos, e.alternative, list(e.exclude)] for e in s.lexicon.entries],
        "stop_words": sorted(model.stop_words),
        "meta": model.meta,
    }
    members = {
        "model.npy": _npy(_text_array(json.dumps(doc, ensure_ascii=False, sort_keys=True))),
        "grams.npy": _npy(_text_array("\n".join(s.grams))),
        "table.npy": _npy(np.asarray(s.table, dtype=np.float64).reshape(-1, COLUMNS)),
        "vector_words.npy": _npy(_text_array("\n".join(s.vector_words))),
        "vector_table.npy": _npy(np.asarray(s.vector_table, dtype=np.float64).reshape(-1, 2)),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data, compresslevel=6)
    return buf.getvalue()


def pipelines_bytes(heads: Mapping[str, Any]) -> bytes:
    """The pipelines as joblib bytes, without the per-process ids scikit-learn stores (reproducible)."""
    import joblib

    for pipe in heads.values():
        for _, step in _walk(pipe):
            if hasattr(step, "_stop_words_id"):
                step._stop_words_id = None
    buf = io.BytesIO()
    joblib.dump(dict(heads), buf, compress=3)
    return buf.getvalue()


def _walk(est: Any) -> list[tuple[str, Any]]:
    out = [("", est)]
    for attr in ("steps", "transformer_list"):
        for name, sub in getattr(est, attr, []) or []:
            out += [(name, s) for _, s in _walk(sub)]
    return out


def copy_with_meta(source: str | Path, out: str | Path, meta: Mapping[str, Any]) -> dict[str, Any]:
    """Copy the model at ``source`` to ``out`` with ``meta`` merged into its metadata (e.g. decision points).

    The scoring file is rewritten (its hash changes); the pipelines file is copied byte for byte.
    Returns the new manifest, which records the source model's sha256.
    """
    src, dest = Path(source), Path(out)
    if dest.suffix != ".npz":
        raise ModelError(f"{dest}: a model file name must end in .npz")
    if dest.resolve() == src.resolve():
        raise ModelError(f"{dest}: is the source model; write the tuned copy to another file")
    model = load_model(src)
    manifest = read_manifest(src)
    tuned = FramingModel(model.scorer, {**model.meta, **meta}, model.stop_words)
    scoring = scoring_bytes(tuned)
    new = {**manifest, **meta, "model_file": dest.name, "sha256": hashlib.sha256(scoring).hexdigest(),
           "size_bytes": len(scoring), "derived_from": {"model_file": src.name, "sha256": manifest["sha256"]}}
    if isinstance(manifest.get("pipelines"), dict) and pipelines_path(src).exists():
        _atomic_write(pipelines_path(dest), _read_verified(pipelines_path(src), manifest["pipelines"]["sha256"], "pipelines file"))
        new["pipelines"] = {**manifest["pipelines"], "file": pipelines_path(dest).name}
    _atomic_write(dest, scoring)
    _atomic_write(manifest_path(dest), (json.dumps(new, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return new


def save_model(model: FramingModel, path: str | Path, manifest_extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Write ``model`` to ``path`` (``.npz``), its pipelines and its manifest beside it; return the manifest."""
    path = Path(path)
    if path.suffix != ".npz":
        raise ModelError(f"{path}: a model file name must end in .npz")
    scoring = scoring_bytes(model)
    manifest: dict[str, Any] = {"model_file": path.name, "format": FORMAT, "sha256": hashlib.sha256(scoring).hexdigest(),
                                "size_bytes": len(scoring)}
    heads = model._pipelines() if callable(model._pipelines) else model._pipelines
    if heads is not None:
        pipes = pipelines_bytes(heads)
        manifest["pipelines"] = {"file": pipelines_path(path).name, "sha256": hashlib.sha256(pipes).hexdigest(),
                                 "size_bytes": len(pipes), "format": "joblib"}
        _atomic_write(pipelines_path(path), pipes)
    from . import __version__

    manifest.update({"package_version": __version__, **library_versions(), "python_version": platform.python_version()})
    manifest.update(model.meta)
    manifest.update(manifest_extra or {})
    _atomic_write(path, scoring)
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    _atomic_write(manifest_path(path), text.encode("utf-8"))
    return manifest


# ---------------------------------------------------------------------------------------------
# Reading


def read_manifest(path: str | Path) -> dict[str, Any]:
    """The manifest of the model at ``path``; missing, unreadable or not an object is a ModelError."""
    mpath = manifest_path(path)
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path}: no manifest {mpath.name} beside the model file; refusing to load an unvouched model") from None
    except IsADirectoryError:
        raise ModelError(f"{mpath}: manifest is a directory") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"{mpath}: manifest unreadable ({_first_line(exc)})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("sha256"), str):
        raise ModelError(f"{mpath}: not a model manifest (a JSON object with a sha256)")
    return manifest


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


def _read_verified(path: Path, digest: str, what: str) -> bytes:
    """The file's bytes, read once, refused unless their sha256 is ``digest``."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise ModelError(f"{path}: is a directory, not a {what}") from None
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != digest:
        raise ModelError(f"{path}: sha256 {actual[:12]}… does not match its manifest ({digest[:12]}…); "
                         "the file was changed or corrupted, refusing to load it")
    return data


def _old_format(data: bytes) -> bool:
    return data[:1] == b"\x80" or data[:2] in (b"x\x9c", b"\x1f\x8b")  # a pickle, or joblib's compressed pickle


def _parse(path: Path, data: bytes) -> tuple[dict[str, Any], list[str], Any, tuple[list[str], Any]]:
    """``model.json``, the n-gram list, the weight table and the word-vector weights of a scoring file (no pickle)."""
    import numpy as np

    if _old_format(data) or path.suffix == ".joblib":
        raise ModelError(f"{path}: an old model format (a joblib pickle, format 4 or older) that this version no longer "
                         f"loads, because pickles can run code; retrain with `{RETRAIN_HINT}`")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            doc = json.loads(z["model"].tobytes().decode("utf-8"))
            grams_blob = z["grams"].tobytes().decode("utf-8")
            table = z["table"]
            has_vectors = "vector_words" in z.files
            vec_blob = z["vector_words"].tobytes().decode("utf-8") if has_vectors else ""
            vec_table = z["vector_table"] if has_vectors else np.zeros((0, 2))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path}: not a readable framing model file ({_first_line(exc)})") from None
    if not isinstance(doc, dict) or doc.get("format") not in READABLE_FORMATS:
        found = doc.get("format") if isinstance(doc, dict) else None
        raise ModelError(f"{path}: model format {found!r}, this version reads format {FORMAT} (retrain with `{RETRAIN_HINT}`)")
    grams = grams_blob.split("\n") if grams_blob else []
    if table.dtype != np.float64 or table.ndim != 2 or table.shape != (len(grams), COLUMNS):
        raise ModelError(f"{path}: weight table of shape {table.shape} does not fit {len(grams)} n-grams")
    vec_words = vec_blob.split("\n") if vec_blob else []
    if vec_table.dtype != np.float64 or vec_table.shape != (len(vec_words), 2):
        raise ModelError(f"{path}: word-vector weights of shape {vec_table.shape} do not fit {len(vec_words)} words")
    return doc, grams, table, (vec_words, vec_table)


def _build(path: Path, doc: dict[str, Any], grams: list[str], table: Any, vectors: tuple[list[str], Any]) -> FramingModel:
    try:
        heads = {h: HeadWeights(view=str(w["view"]), intercept=float(w["intercept"]), floor=float(w["floor"]),
                                cue_weights={str(k): float(v) for k, v in w["cue_weights"].items()},
                                scopes=tuple(str(s) for s in w["scopes"]), vector_floor=float(w.get("vector_floor", 0.0)))
                 for h, w in doc["heads"].items() if h in HEADS}
        entries = [Entry(str(t), str(c), str(k), str(p), str(a), tuple(str(x) for x in ex)) for t, c, k, p, a, ex in doc["lexicon"]]
        scorer = Scorer(heads, Lexicon(entries), grams, table.ravel(), {str(k): str(v) for k, v in doc["canon"].items()},
                        [str(t) for t in doc["terms"]], [str(w) for w in doc.get("drop", [])], vectors[0], vectors[1].ravel())
        meta = dict(doc["meta"])
        stop = [str(w) for w in doc["stop_words"]]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelError(f"{path}: model file contents are malformed ({_first_line(exc)})") from None
    return FramingModel(scorer, meta, stop, _pipeline_loader(path))


def _pipeline_loader(path: Path) -> Callable[[], Mapping[str, Any]]:
    def load() -> Mapping[str, Any]:
        return load_pipelines(path)

    return load


def load_pipelines(path: str | Path) -> dict[str, Any]:
    """The scikit-learn pipelines saved beside the model at ``path`` (joblib: trusted files only).

    The manifest vouches for the file (sha256, checked on the bytes that are then unpickled) and
    records the scikit-learn version it was written with; another minor version is refused.
    """
    import joblib

    p = Path(path)
    manifest = read_manifest(p)
    info = manifest.get("pipelines")
    if not isinstance(info, dict) or "sha256" not in info:
        raise ModelError(f"{p}: this model was saved without its pipelines")
    trained, installed = str(manifest.get("scikit_learn_version", "unknown")), _version("scikit-learn")
    if tuple(trained.split(".")[:2]) != tuple(installed.split(".")[:2]):
        raise ModelError(f"{pipelines_path(p)}: written with scikit-learn {trained} but {installed} is installed; "
                         f"install scikit-learn=={trained} to open the pipelines (scoring does not need them)")
    data = _read_verified(pipelines_path(p), str(info["sha256"]), "pipelines file")
    try:
        heads = joblib.load(io.BytesIO(data))
    except Exception as exc:
        raise ModelError(f"{pipelines_path(p)}: cannot be loaded ({_first_line(exc)})") from None
    if not isinstance(heads, dict):
        raise ModelError(f"{pipelines_path(p)}: not a dict of head pipelines")
    return heads


def load_model(path: str | Path | None = None, *, allow: Any = (), cues: Any = (),
               thresholds: Mapping[str, float] | None = None) -> FramingModel:
    """Load a model (the shipped default when ``path`` is None), verified against its manifest.

    The scoring file is read once, its sha256 checked against the manifest, and parsed from those
    bytes with ``allow_pickle=False``: loading a model never runs code from it. Any failure is a
    one-line :class:`ModelError`. Loading is cached per path; ``allow``, ``cues`` and ``thresholds``
    return a configured copy (see :meth:`FramingModel.configure`).
    """
    p = Path(path) if path is not None else default_model_path()
    try:
        st = p.stat()
    except FileNotFoundError:
        hint = f" (train one with `{RETRAIN_HINT}`)" if path is None else ""
        raise ModelError(f"{p}: model file not found{hint}") from None
    except OSError as exc:
        raise ModelError(f"{p}: cannot read the model file ({exc.strerror or exc})") from None
    key = (str(p.resolve()), st.st_mtime, st.st_size)
    with _lock:
        model = _cache.get(key)
        if model is None:
            manifest = read_manifest(p)
            data = _read_verified(p, manifest["sha256"], "model file")
            model = _build(p, *_parse(p, data))
            _cache[key] = model
    if allow or cues or thresholds:
        return model.configure(allow=allow, cues=cues, thresholds=thresholds)
    return model


def skops_path(model_path: str | Path) -> Path:
    """The skops copy of the pipelines beside a model file (``x.npz`` -> ``x.pipelines.skops``)."""
    p = Path(model_path)
    return p.with_name(p.stem + ".pipelines.skops")


# The project's own types inside the pipelines: what a skops reader must be told to trust.
SKOPS_TRUSTED = (
    "classifier.features.FloorNormalizer",
    "classifier.features.LexiconFeatures",
    "classifier.features.Ngrams",
    "classifier.features.WordVectors",
    "classifier.lexicon.Entry",
    "classifier.lexicon.Lexicon",
)


def _skops() -> Any:
    try:
        import skops.io as sio
    except ImportError:
        raise ModelError("skops is not installed: pip install 'framing-classifier[skops]'") from None
    return sio


def export_skops(model_path: str | Path, out: str | Path | None = None) -> Path:
    """Write a model's pipelines with skops (loaded by :func:`load_pipelines_skops` without unpickling)."""
    sio = _skops()
    heads = load_pipelines(model_path)
    dest = Path(out) if out else skops_path(model_path)
    _atomic_write(dest, sio.dumps(heads))
    return dest


def load_pipelines_skops(path: str | Path, trusted: Any = SKOPS_TRUSTED) -> dict[str, Any]:
    """Pipelines from a skops file, trusting scikit-learn's types and only the ``trusted`` others."""
    sio = _skops()
    try:
        return sio.load(path, trusted=list(trusted))
    except Exception as exc:
        raise ModelError(f"{path}: cannot be loaded with skops ({_first_line(exc)})") from None

