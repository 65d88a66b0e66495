"""What a person can do, with the role rules: accounts, the corpus, checks, their defaults, collusion.

The CLI, the pages and the tests all go through these modules; none of them imports Streamlit.
"""
