"""What a file picker accepts, said in words under it (the Check and Corpus pages): one place for both.

The pickers filter nothing and take up to the transport limit of .streamlit/config.toml (maxUploadSize, 400 MB): a file
the picker itself refused would say why only on hover. The services refuse what they cannot read, or what is larger
than ``max_file_mb``, with a message on the page. The picker's own note of the transport limit ("400MB per file") is
hidden, since it is not the limit a file is held to.
"""

from __future__ import annotations

import streamlit as st

from plagdetect.text.extract import SUPPORTED_SUFFIXES
from views.common import context

HIDE_TRANSPORT_LIMIT = "<style>[data-testid='stFileUploaderDropzoneInstructions'] {display: none}</style>"


def accepted_files(max_file_mb: float, archives: bool = False) -> str:
    """The sentence under a picker: the types read, the size limit, and what happens to any other file."""
    suffixes = sorted(SUPPORTED_SUFFIXES) + ([".zip"] if archives else [])
    kinds = "PDF, Word, plain text, Markdown or HTML files" + (", or zip archives of them" if archives else "")
    return (
        f"Accepted: {kinds} ({', '.join(suffixes)}), up to {max_file_mb:g} MB each. "
        "Any other file is refused, and this page says why."
    )


def accepted_files_caption(archives: bool = False) -> None:
    """Under a picker: ``accepted_files`` with the limit in force."""
    st.caption(accepted_files(context().settings.max_file_mb, archives))
    st.html(HIDE_TRANSPORT_LIMIT)
