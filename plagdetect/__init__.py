"""PlagDetect: semantic plagiarism detection that runs on the institution's own machines.

The package root stays light (no torch, no models) so that small helpers such as the
extraction child process (text/extract/worker.py) start quickly.
"""

from __future__ import annotations

from plagdetect.errors import PlagDetectError

__version__ = "0.1.0"
__all__ = ["PlagDetectError", "__version__"]
