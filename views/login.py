"""Log in; on a fresh installation, create the first admin account instead."""

from __future__ import annotations

import streamlit as st

from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import PASSWORD_RULES
from plagdetect.services.corpus_admin import CorpusAdmin
from views.common import accounts_service, client_address, corpus_service, sign_in

accounts = accounts_service()

if accounts.needs_first_admin():
    st.title("Welcome to PlagDetect")
    st.write("This installation has no accounts yet. Create the first one: it is an admin account.")
    with st.form("first_admin"):
        username = st.text_input("Username")
        password = st.text_input("Password", type="password", help=PASSWORD_RULES)
        repeated = st.text_input("Password again", type="password")
        samples = st.checkbox(
            "Add the sample corpus (five short articles, collection “Sample”) to try a first check with "
            "data/samples/submission-sample.txt",
            value=True,
        )
        create = st.form_submit_button("Create the admin account", type="primary")
    if create:
        if password != repeated:
            st.error("The two passwords differ.")
        else:
            try:
                admin = accounts.create_first_admin(username, password)
                sign_in(admin)
                if samples:
                    with st.spinner("Adding the sample corpus…"):
                        CorpusAdmin(corpus_service(), admin).add_sample_corpus()
                st.rerun()
            except PlagDetectError as error:
                st.error(str(error))
    st.stop()

st.title("Log in to PlagDetect")
with st.form("login"):
    username = st.text_input("Username")
    password = st.text_input("Password", type="password")
    submitted = st.form_submit_button("Log in", type="primary")
if submitted:
    try:
        sign_in(accounts.authenticate(username, password, client=client_address()))
        st.rerun()
    except PlagDetectError as error:
        st.error(str(error))
