"""``framing serve``: an HTTP service over the library (being built, issue 14)."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_serve_parser"]


def add_serve_parser(sub: Any) -> argparse.ArgumentParser:
    """Register the ``serve`` subcommand (placeholder until issue 14 lands)."""
    p = sub.add_parser("serve", help="(in development) serve the model over HTTP")
    p.set_defaults(func=lambda args: 2)
    return p
