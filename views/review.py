"""Review page (instructors and admins): label the passage pairs past checks stored, most uncertain first."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from plagdetect.errors import PlagDetectError
from plagdetect.services.accounts import STAFF, Role
from plagdetect.services.corpus_admin import CorpusAdmin
from plagdetect.services.review import VERDICTS, ReviewItem, State
from views.common import corpus_service, page_for, review_service
from views.links import link, show_link, wanted
from views.report_view import COLOURS, passage_html, plain

DONE_KEY = "review_done"  # pairs labelled or skipped in this session: the next one comes up instead
VERDICT_BUTTONS = {"plagiarism": "Plagiarism", "not plagiarism": "Not plagiarism", "unsure": "Unsure"}
assert set(VERDICT_BUTTONS) == set(VERDICTS)

account = page_for(*STAFF)
review = review_service()
st.title("Review")
st.caption(
    "Pairs of passages that past checks found, and near misses the reranker turned down, the most uncertain first "
    "(the reranker's score closest to the check's threshold). Your labels are kept with both passages; an admin "
    "trains the models on them."
)

names = [c.name for c in CorpusAdmin(corpus_service(), account).collections()]
left, middle, right, far = st.columns(4)
collection = left.selectbox("Source collection", [None, *names], format_func=lambda n: "All" if n is None else n)
state = middle.selectbox("Pairs", list(State), index=list(State).index(State.NOT_MINE), format_func=str.capitalize)
check_id = int(right.number_input("Check id (0: every check)", min_value=0, step=1)) or None
labeller = far.text_input("Labelled by (name)").strip() or None

done = st.session_state.setdefault(DONE_KEY, [])
summary, queue = review.overview(account, collection, check_id, state, labeller, limit=None)
queue = [item for item in queue if item.pair_id not in done]
counts = st.columns(5)
counts[0].metric("Pairs", summary.pairs)
counts[1].metric("Labelled", summary.labelled)
counts[2].metric("Not labelled", summary.unlabelled)
counts[3].metric("By you", summary.by_you)
counts[4].metric("Disputed", summary.disputed, help="People's latest labels of the pair differ")
if summary.agreement:
    st.dataframe(
        pd.DataFrame(
            [
                {"labeller": a.first, "and": a.second, "pairs both labelled": a.pairs, "Cohen's kappa": a.kappa}
                for a in summary.agreement
            ]
        ),
        hide_index=True,
    )


def show_item(item: ReviewItem, position: int, total: int) -> None:
    st.subheader(f"Pair {position} of {total}")
    scores = f"similarity {item.bi_score:.2f}"
    if item.rerank_score is not None:
        scores += f" · reranker {item.rerank_score:.2f} (threshold {item.threshold:.2f})"
    else:
        scores += " · copied word for word: the reranker did not read it"
    found = "a near miss: the reranker turned it down" if item.kind == "near miss" else f"a {item.kind} match"
    st.caption(
        f"Check #{item.check_id} of {plain(item.filename)} ({item.checked_at:%Y-%m-%d %H:%M}) · "
        f"{plain(item.source_title)} ({plain(item.collection)}) · {found} · {scores}"
    )
    show_link("Link to this pair", link("views/review.py", pair=item.pair_id))
    for label in item.labels:
        st.caption(
            f"{plain(label.labeller)} said **{label.verdict}**" + (f": {plain(label.comment)}" * bool(label.comment))
        )
    try:
        passages = review.passages(account, item.pair_id)
    except PlagDetectError as error:  # deleted since the queue was read
        st.warning(str(error))
        return
    sides = st.columns(2)
    sides[0].caption("In the submission")
    sides[0].html(passage_html(passages.submission_text, [a for a, _ in passages.shared], COLOURS[0]))
    sides[1].caption(f"In {plain(item.source_title)}")
    sides[1].html(passage_html(passages.source_text, [b for _, b in passages.shared], COLOURS[0]))
    st.caption(f"{len(passages.shared)} run(s) of 4 or more words in both (underlined).")
    if passages.tokens:
        st.markdown("**Words both passages weigh**: " + " ".join(f"`{word}`" for word, _ in passages.tokens))
    comment = st.text_input("Comment (optional)", key=f"comment:{item.pair_id}")
    buttons = st.columns(4)
    for column, (verdict, text) in zip(buttons, VERDICT_BUTTONS.items(), strict=False):
        if column.button(text, key=f"{verdict}:{item.pair_id}"):  # alike: no answer is suggested
            try:
                review.label(account, item.pair_id, verdict, comment)
            except PlagDetectError as error:
                st.error(str(error))
                return
            st.session_state[DONE_KEY].append(item.pair_id)
            st.toast(f"Pair labelled: {verdict}")
            st.rerun()
    if buttons[3].button("Skip", key=f"skip:{item.pair_id}"):
        st.session_state[DONE_KEY].append(item.pair_id)
        st.rerun()


asked = wanted("pair")  # a link to one pair (views/links.py)
if asked is not None:
    try:
        linked = review.item(account, asked)
    except PlagDetectError as error:
        st.error(str(error))
    else:
        show_item(linked, 1, 1)
    if st.button("Back to the queue", icon=":material/arrow_back:"):
        st.query_params.clear()
        st.rerun()
elif not queue:
    st.success("No pair left to review here." + (" Skipped pairs come back when you reload the page." * bool(done)))
else:
    show_item(queue[0], 1, len(queue))
    with st.expander(f"The next {min(len(queue) - 1, 20)} in the queue"):
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "pair": item.pair_id,
                        "check": item.check_id,
                        "file": item.filename,
                        "source": item.source_title,
                        "kind": item.kind,
                        "reranker": item.rerank_score,
                        "labels": ", ".join(f"{label.labeller}: {label.verdict}" for label in item.labels),
                    }
                    for item in queue[1:21]
                ]
            ),
            hide_index=True,
            width="stretch",
        )

with st.expander("Labels in and out (JSON Lines)", icon=":material/swap_vert:"):
    st.download_button(
        "Download every label",
        data=lambda: "".join(line + "\n" for line in review.export_labels(account)),
        file_name="plagdetect-labels.jsonl",
        mime="application/jsonl",
    )
    if account.role == Role.ADMIN:
        upload = st.file_uploader("Import labels (an export of PlagDetect)", type=["jsonl", "json"], key="labels_in")
        if upload is not None and st.button("Import"):
            try:
                added, there = review.import_labels(account, upload.getvalue().decode("utf-8").splitlines())
                st.success(f"{added} label(s) added, {there} already there.")
            except (PlagDetectError, UnicodeDecodeError) as error:
                st.error(str(error))
