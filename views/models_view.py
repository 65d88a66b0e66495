"""The Admin page's Models tab: the models in use, and for the cross-encoder and the bi-encoder: fine-tuning on the
labels, each version beside its parent, promote, roll back, delete. A bi-encoder is promoted (or rolled back) by a
job that embeds the corpus with it first (``services.reembedding``), followed here."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from plagdetect.context import BI_ENCODER, CROSS_ENCODER
from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import Account
from plagdetect.services.model_registry import ModelRegistry, VersionInfo, model_inventory
from plagdetect.training.fine_tuning import training_data
from views.common import context, job_pool, jobs_service
from views.jobs_view import show_job

KIND_NAMES = {CROSS_ENCODER: "Cross-encoder (reranks the candidates)", BI_ENCODER: "Bi-encoder (finds the candidates)"}


def show_models(account: Account) -> None:
    registry = ModelRegistry(context())
    st.subheader("In use")
    st.dataframe(
        pd.DataFrame(
            [
                {"model": m.kind, "in use": m.in_use, "version": m.version, "folder": m.folder}
                for m in model_inventory(context())
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    kind = st.radio("Model", list(KIND_NAMES), format_func=KIND_NAMES.get, horizontal=True, key="model_kind")
    versions = registry.versions(account, kind)
    st.subheader(f"{kind.capitalize()} versions")
    st.dataframe(
        pd.DataFrame([_row(v, versions) for v in versions]), hide_index=True, width="stretch", key="versions_table"
    )
    active = next(v for v in versions if v.active)
    switching = _switch_under_way(account) if kind == BI_ENCODER else False
    left, right = st.columns([3, 1])
    left.caption(
        f"New checks use version {active.id} ({active.version}); each check records the versions it used. Roll "
        "back returns to the version that was active before it."
        + (
            " A bi-encoder serves only once the corpus is embedded with it: promoting or rolling back does that in "
            "the background, and checks go on with the serving version until it is done."
            if kind == BI_ENCODER
            else ""
        )
    )
    if right.button("Roll back", icon=":material/undo:", disabled=len(versions) < 2 or switching):
        _promote_or_roll_back(account, kind, None)
    _fine_tuning(account, kind)
    trained = [v for v in versions if not v.configured]
    by_id = {v.id: v for v in versions}
    st.subheader("A version beside its parent")
    if not trained:
        st.caption("No version trained here yet: label pairs on the Review page, then fine-tune above.")
        return
    chosen = by_id[st.selectbox("Version", [v.id for v in reversed(trained)], format_func=lambda i: _name(by_id[i]))]
    _comparison(chosen, by_id)
    promote, delete = st.columns(2)
    if promote.button("Promote: new checks use it", disabled=chosen.active or switching, icon=":material/upgrade:"):
        _promote_or_roll_back(account, kind, chosen.id)
    sure = delete.checkbox(f"Delete version {chosen.id} and its folder for good", key=f"delete_version:{chosen.id}")
    if delete.button("Delete the version", disabled=not sure or chosen.active, icon=":material/delete:"):
        try:
            registry.delete(account, chosen.id)
            st.rerun()
        except PlagDetectError as error:
            st.error(str(error))


def _promote_or_roll_back(account: Account, kind: str, version_id: int | None) -> None:
    """Promote ``version_id`` (None: roll back): a cross-encoder at once, a bi-encoder by a re-embedding job."""
    try:
        if kind == BI_ENCODER:
            jobs_service().switch_bi_encoder(account, version_id)
            job_pool()
        elif version_id is None:
            st.toast(f"Rolled back to version {ModelRegistry(context()).roll_back(account, kind).id}")
        else:
            ModelRegistry(context()).promote(account, version_id)
        st.rerun()
    except PlagDetectError as error:
        st.error(str(error))


def _switch_under_way(account: Account) -> bool:
    """The latest bi-encoder switch, followed while it runs; whether one runs."""
    jobs = jobs_service()
    switches = [j for j in jobs.visible(account, everyone=True) if j.kind == "reembed"]  # newest first
    if switches and not switches[0].ended:
        _follow(account, switches[0].id)
        return True
    if switches:
        show_job(jobs, account, switches[0])
    return False


def _name(version: VersionInfo) -> str:
    state = " (active)" if version.active else ""
    return f"{version.id}: {version.version}{state}"


def _row(version: VersionInfo, versions: list[VersionInfo]) -> dict:
    new = version.evaluation.get("new", {})
    return {
        "id": version.id,
        "active": version.active,
        "version": version.version,
        "parent": version.parent_id,
        "by": "configured" if version.configured else version.trained_by,
        "created": version.created_at,
        "labelled pairs": version.training.get("train_pairs"),
        "held-out AP": new.get("held_out", {}).get("average_precision"),
        "held-out F1": new.get("held_out", {}).get("f1"),
        "STS-B dev": new.get("sts_dev_spearman"),
    }


def _fine_tuning(account: Account, kind: str) -> None:
    jobs = jobs_service()
    st.subheader("Fine-tune on the labels")
    trainings = [j for j in jobs.visible(account, everyone=True) if j.kind == "train"]  # newest first
    busy = bool(trainings) and not trainings[0].ended  # one training at a time, of either kind
    if busy:
        _follow(account, trainings[0].id)
    elif trainings:
        show_job(jobs, account, trainings[0])
    try:
        split = training_data(context(), account, kind)
    except PlagDetectError as error:
        st.info(str(error), icon=":material/info:")
        return
    summary = split.summary()
    st.caption(
        f"{summary['train_pairs']} labelled pairs to learn from ({summary['train_plagiarism']} plagiarism) and "
        f"{summary['held_out_pairs']} held out to judge by ({summary['held_out_plagiarism']} plagiarism), from "
        f"{summary['source_documents']} source documents; {summary['left_out_unsure_or_tied']} unsure or tied left "
        "out. The new version starts from the active one, also replays STS-B pairs so it keeps what it knew, and "
        "serves no check until you promote it."
    )
    epochs = st.number_input("Epochs", min_value=0.5, max_value=10.0, value=2.0, step=0.5)
    if st.button("Start fine-tuning", type="primary", disabled=busy, icon=":material/model_training:"):
        try:
            jobs.train(account, kind, epochs=float(epochs))
            job_pool()
            st.rerun()
        except PlagDetectError as error:
            st.error(str(error))


@st.fragment(run_every=2.0)
def _follow(account: Account, job_id: int) -> None:
    """A training or a re-embedding under way, redrawn every two seconds; once it has ended the whole page is drawn
    again."""
    jobs = jobs_service()
    job = jobs.get(account, job_id)
    show_job(jobs, account, job)
    if job.ended:
        st.rerun(scope="app")


def _comparison(version: VersionInfo, by_id: dict[int, VersionInfo]) -> None:
    evaluation = version.evaluation
    if not evaluation:
        return
    parent = by_id.get(version.parent_id)
    st.caption(
        f"Trained by {version.trained_by} on {version.created_at:%Y-%m-%d %H:%M} from "
        f"{parent.version if parent else 'a deleted version'}: {version.training.get('train_pairs')} labelled pairs, "
        f"{version.training.get('replayed_stsb_pairs')} STS-B pairs, {version.training.get('epochs')} epochs, "
        f"{version.training.get('training_seconds')} s on the {version.training.get('device')}. Judged on "
        f"{version.training.get('held_out_pairs')} held-out labelled pairs (from source documents it never learned "
        "from) and on STS-B dev."
    )
    rows = []
    for side, title in (("active", "its parent"), ("new", "this version")):
        report = evaluation[side]
        held = report["held_out"]
        confusion = held["confusion"]
        rows.append(
            {
                "model": f"{title}: {report['version']}",
                "average precision": held["average_precision"],
                f"F1 at {held['threshold']:g}": held["f1"],
                "precision": held["precision"],
                "recall": held["recall"],
                "flagged right / wrongly": f"{confusion['true_positive']} / {confusion['false_positive']}",
                "missed / cleared right": f"{confusion['false_negative']} / {confusion['true_negative']}",
                "STS-B dev Spearman": report.get("sts_dev_spearman"),
                **({"PAN plagdet": evaluation["pan"][side]["plagdet"]} if "pan" in evaluation else {}),
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if "pan" in evaluation:
        st.caption(f"PAN plagdet on {evaluation['pan']['documents']} documents of {evaluation['pan']['corpus']}.")
    scores = pd.DataFrame(
        [
            {"model": title, "score": score, "label": "plagiarism" if label >= 0.5 else "not plagiarism"}
            for side, title in (("active", "its parent"), ("new", "this version"))
            for score, label in evaluation[side]["scores"]
        ]
    )
    figure = px.histogram(
        scores,
        x="score",
        color="label",
        facet_col="model",
        nbins=20,
        range_x=[min(0.0, float(scores["score"].min())), 1],
        barmode="overlay",
        opacity=0.6,
        color_discrete_map={"plagiarism": "#fb8072", "not plagiarism": "#80b1d3"},
        title="Scores of the held-out labelled pairs",
    )
    figure.add_vline(x=evaluation["threshold"], line_dash="dash")
    st.plotly_chart(figure, width="stretch")
