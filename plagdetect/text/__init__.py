"""From a file to the text the engine works on: extract (``extract/``), normalise, cut into sentences and windows.

``prepare.prepare_document`` runs the three steps; ingest and checks both start there, so a document is read
the same way on both sides. ``spans`` holds the character-range arithmetic every later stage uses.
"""
