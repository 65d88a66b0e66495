"""What a person can do, with the role rules: accounts, the corpus, checks, their defaults, collusion.

The pages and the tests go through these modules; the CLI too, acting as the server's operator (it runs a check
through ``detection.pipeline`` directly, with the same defaults). None of them imports Streamlit.
"""
