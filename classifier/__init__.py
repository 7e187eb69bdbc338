"""Stance and framing classifier for news text: loaded language and editorial framing, per paragraph.

    from classifier import load_model
    model = load_model()
    model.score_text(article)          # one row per paragraph
    model.score_sentences(["..."])     # one row per sentence
"""

__version__ = "0.1.0"

from .errors import FramingError, InputError, ModelError
from .persist import default_model_path, load_model, save_model
from .score import FramingModel

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
