"""Admin page: user accounts, everyone's jobs, the settings in force, the model versions (views/models_view.py)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import PASSWORD_RULES, Role
from plagdetect.services.check_defaults import CheckDefaults, load_defaults, save_defaults
from views.common import accounts_service, context, exclusion_inputs, jobs_service, page_for
from views.models_view import show_models

account = page_for(Role.ADMIN)
accounts = accounts_service()


def create_account() -> None:
    """The new-account form's action, run before the page is drawn: the list below then holds the new account, and
    the form empties only when the account was made (after an error it keeps what was typed)."""
    state = st.session_state
    try:
        created = accounts.create_user(account, state.new_username, state.new_password, state.new_role)
    except PlagDetectError as error:
        state.new_user_outcome = ("error", str(error))
        return
    state.new_user_outcome = ("success", f"Created {created.username} ({created.role.value}).")
    state.new_username = state.new_password = ""


settings = context().settings
st.title("Admin")
users_tab, jobs_tab, settings_tab, models_tab = st.tabs(["Accounts", "Jobs", "Settings", "Models"])

with users_tab:
    users = accounts.list_users(account)
    st.dataframe(
        pd.DataFrame(
            [
                {"id": u.id, "username": u.username, "role": u.role.value, "active": u.active, "locked": u.locked}
                for u in users
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    with st.form("new_user"):
        st.subheader("New account")
        left, middle, right = st.columns(3)
        left.text_input("Username", key="new_username")
        middle.text_input("Password", type="password", help=PASSWORD_RULES, key="new_password")
        right.selectbox("Role", [r.value for r in Role], key="new_role")
        st.form_submit_button("Create the account", on_click=create_account)
        if "new_user_outcome" in st.session_state:
            kind, message = st.session_state.pop("new_user_outcome")
            (st.success if kind == "success" else st.error)(message)

    st.subheader("Change an account")
    by_id = {u.id: u for u in users}
    chosen = by_id[
        st.selectbox("Account", list(by_id), format_func=lambda i: f"{by_id[i].username} ({by_id[i].role.value})")
    ]
    left, middle, right = st.columns(3)
    try:
        if chosen.locked:
            left.warning(f"{chosen.username} is locked after repeated failed sign-ins.")
            if left.button("Unlock", icon=":material/lock_open:"):
                accounts.unlock(account, chosen.id)
                st.rerun()
        if left.button("Disable" if chosen.active else "Enable", disabled=chosen.id == account.id):
            accounts.set_active(account, chosen.id, not chosen.active)
            st.rerun()
        new_role = middle.selectbox("New role", [r.value for r in Role], index=list(Role).index(chosen.role))
        if middle.button("Change the role", disabled=new_role == chosen.role.value):
            accounts.set_role(account, chosen.id, new_role)
            st.rerun()
        with right.form("reset_password", clear_on_submit=True):  # the field empties: no second reset by mistake
            new_password = st.text_input("New password", type="password")
            if st.form_submit_button("Reset the password") and new_password:
                accounts.reset_password(account, chosen.id, new_password)
                st.success(f"{chosen.username}'s password is reset.")
    except PlagDetectError as error:
        st.error(str(error))


@st.fragment(run_every=2.0)
def everyones_jobs() -> None:
    """Everyone's jobs, redrawn every two seconds: a job queued, ended or cancelled meanwhile shows without a click."""
    jobs = jobs_service()
    everyone = jobs.visible(account, everyone=True)
    st.caption(
        f"Checks and uploads run in {settings.job_workers} worker process(es), each job for at most "
        f"{settings.job_timeout_s:g} s; a person running a job waits behind those who are not."
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "id": j.id,
                    "by": j.username or "(command line)",
                    "kind": j.kind,
                    "state": j.state,
                    "queued": j.created_at,
                    "what": j.label,
                    "note": j.message or (j.stages[-1] if j.stages and not j.ended else ""),
                }
                for j in everyone
            ],
            columns=["id", "by", "kind", "state", "queued", "what", "note"],
        ),
        hide_index=True,
        width="stretch",
    )
    unfinished = {j.id: j for j in everyone if not j.ended}
    if unfinished:
        left, right = st.columns([3, 1])
        chosen_job = left.selectbox(
            "Job", list(unfinished), format_func=lambda i: f"{i}: {unfinished[i].label} ({unfinished[i].state})"
        )
        if right.button("Cancel the job", icon=":material/cancel:"):
            try:
                jobs.cancel(account, chosen_job)
                st.rerun()
            except PlagDetectError as error:
                st.error(str(error))


with jobs_tab:
    everyones_jobs()

with settings_tab:
    st.subheader("Defaults of every new check")
    defaults = load_defaults(context())
    with st.form("check_defaults"):
        quotes, bibliography, shortest = exclusion_inputs(defaults)
        threshold = st.slider(
            "Reranker threshold: aligned passages the cross-encoder scores lower are not reported",
            min_value=0.0,
            max_value=1.0,
            value=float(defaults.rerank_threshold),
            step=0.05,
        )
        if st.form_submit_button("Save the defaults"):
            try:
                chosen_defaults = CheckDefaults(quotes, bibliography, shortest, float(threshold))
                save_defaults(context(), account, chosen_defaults)
                st.success("Saved: every new check starts from these.")
            except PlagDetectError as error:
                st.error(str(error))
    st.subheader("Settings the app was started with")
    st.write("Each is set by an environment variable `PLAGDETECT_<NAME>` (in capitals) when the app starts.")
    values = dataclasses.asdict(settings)
    if values.get("database_url"):
        values["database_url"] = "(set; not shown: it may hold a password)"
    st.dataframe(
        pd.DataFrame([{"setting": name, "value": str(value)} for name, value in values.items()]),
        hide_index=True,
        width="stretch",
    )

with models_tab:
    show_models(account)
