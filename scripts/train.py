#!/usr/bin/env python3
"""Train the shipped model from training_data/ (same as `framing train`; takes the same flags)."""

import sys

from classifier.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
