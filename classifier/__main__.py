"""``python -m classifier`` runs the ``framing`` command."""

import sys

from .cli import main

sys.exit(main())
