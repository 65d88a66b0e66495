"""The ``plagdetect`` command line (``main``)."""

from plagdetect.cli.main import main

__all__ = ["main"]
