"""Stance and framing classifier for news text: loaded language and editorial framing, per paragraph.

    from classifier import load_model
    model = load_model()
    model.score_text(article)          # one row per paragraph
    model.score_sentences(["..."])     # one row per sentence

Names are imported on first use, so ``import classifier`` is cheap.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.2.0"

__all__ = [
    "FramingError",
    "FramingModel",
    "InputError",
    "ModelError",
    "__version__",
    "default_model_path",
    "load_model",
    "save_model",
]

_HOMES = {
    "FramingError": "errors", "InputError": "errors", "ModelError": "errors",
    "FramingModel": "score",
    "default_model_path": "persist", "load_model": "persist", "save_model": "persist",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'classifier' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
