"""``python -m plagdetect`` runs the command line."""

from __future__ import annotations

import sys

from plagdetect.cli.main import main

sys.exit(main())
