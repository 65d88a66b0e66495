"""Measuring the product: the PAN format and plagdet (``pan``), ``eval-pan`` (``pan_eval``), speed (``bench``)."""
