"""Checking a submission: candidates from the index, alignment, matches and exclusions, the report.

``pipeline`` reads as the list of a check's stages; each stage lives in a module of its own.
"""
