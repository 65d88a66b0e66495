"""Training PlagDetect's own models: data for them (``data``), and later the trainers."""
