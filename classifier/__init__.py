"""Stance and framing classifier for news text: loaded language and editorial framing, per paragraph.

    from classifier import load_model
    model = load_model()
    model.score_text(article)          # one row per paragraph
    model.score_sentences(["..."])     # one row per sentence
"""

__version__ = "0.1.0"

from .errors import FramingError, InputError, ModelError  # noqa: E402
from .persist import default_model_path, load_model, save_model  # noqa: E402
from .score import FramingModel  # noqa: E402

__all__ = [
    "__version__",
    "load_model",
    "save_model",
    "default_model_path",
    "FramingModel",
    "FramingError",
    "InputError",
    "ModelError",
]
