"""Links that last: the URL of a page with the ids it opens (``link``), and the id a page was opened with (``wanted``).

A link opens its page after sign-in, under the same role rules as a click: someone not signed in sees the log-in page
at the link's address and lands on the page once signed in (app.py), and each page refuses, in words, what the reader
may not see. Pages name what they open by a query parameter: History ``?check=ID``, Review ``?pair=ID``.
"""

from __future__ import annotations

from pathlib import PurePath
from urllib.parse import urlencode, urlsplit

import streamlit as st

from views.session_cookie import base_path


def url_path(page: str) -> str:
    """A page's address in the app: "views/history.py" (its file, as app.py names it) or "History" gives "history"."""
    if page.endswith(".py"):
        return PurePath(page).stem
    return page.strip("/").lower().replace(" ", "_")


def link(page: str, **params: int | str) -> str:
    """The URL that opens ``page`` (its file or its title) with ``params``: ``link("views/history.py", check=12)``.
    Absolute where the browser's address is known (a link to copy), else from the app's root."""
    query = urlencode(params)
    return f"{_root()}/{url_path(page)}" + (f"?{query}" if query else "")


def wanted(name: str) -> int | None:
    """The id the page was opened with as ``?name=ID``; None when there is none or it is no whole number."""
    value = st.query_params.get(name, "").strip()
    return int(value) if value.isascii() and value.isdecimal() and len(value) <= 18 else None


def show_link(label: str, url: str) -> None:
    """A URL to copy (the box has a copy button), under ``label``."""
    st.caption(label)
    st.code(url, language=None)


def _root() -> str:
    """The scheme, host and base path the browser reaches the app at ("" for the base path alone when unknown)."""
    address = st.context.url
    if not address:
        return base_path()
    parts = urlsplit(address)
    return f"{parts.scheme}://{parts.netloc}{base_path()}"
