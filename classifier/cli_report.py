"""``framing report``: a self-contained HTML page of scored articles (being built, issue 12)."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_report_parser"]


def add_report_parser(sub: Any) -> argparse.ArgumentParser:
    """Register the ``report`` subcommand (placeholder until issue 12 lands)."""
    p = sub.add_parser("report", help="(in development) write an HTML report of scored articles")
    p.set_defaults(func=lambda args: 2)
    return p
