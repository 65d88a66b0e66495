"""The one exception type for errors a user can cause."""

from __future__ import annotations


class PlagDetectError(Exception):
    """An error caused by input or a request, with a message fit to show a user as is.

    Pages and the CLI show ``str(error)``, never a traceback.
    """
