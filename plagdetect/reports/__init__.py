"""Reports of a stored check made for people outside the app: the PDF (``pdf.py``), with its charts (``charts.py``)
and fonts (``fonts.py``); ``marks.py`` holds what the screen and the PDF both mark in a text."""

from plagdetect.reports.pdf import report_pdf

__all__ = ["report_pdf"]
