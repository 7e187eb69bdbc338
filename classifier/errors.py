"""Errors the tool reports to users as one line (the CLI prints ``str(error)`` without a traceback)."""

__all__ = ["FramingError", "InputError", "ModelError", "Terminated"]


class FramingError(Exception):
    """Base class of errors with a one-line message meant for the user."""


class InputError(FramingError, ValueError):
    """An input (file, column, flag value) cannot be used; the message names it and says why."""


class ModelError(FramingError, RuntimeError):
    """A model file cannot be used: missing, tampered with, or from another scikit-learn."""


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C (temporary files removed, workers stopped), then exit 143."""
