"""The History page: past sessions, reopened with the same summary, deleted, and progress over time."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from liftcheck.store import SessionNotFound, SessionRow, StoreError
from liftcheck.ui.common import history_store
from liftcheck.ui.summary import render_summary
from liftcheck.ui.text import name, plain, with_names

CONFIRM_KEY = "history-confirm-delete"
DELETED_KEY = "history-deleted"


def page() -> None:
    st.title("History")
    deleted = st.session_state.pop(DELETED_KEY, None)
    if deleted:
        text, source = deleted
        st.success(with_names(text, [source]))
    store = history_store()
    if store is None:
        return
    try:
        rows = store.list_sessions()
    except StoreError as exc:
        st.error(plain(f"History cannot be read: {exc}"))
        return
    if not rows:
        st.info("No sessions yet. Analyse a video on the Upload page, or a live session; it appears here.")
        return
    table = pd.DataFrame(
        {
            "When (UTC)": [r.created.strftime("%Y-%m-%d %H:%M") for r in rows],
            "Source": [r.source_name for r in rows],
            "Lifts": [r.lift_count for r in rows],
            "Good lifts": [f"{r.good} of {r.lift_count}" for r in rows],
            "Peak trunk (°)": [r.peak_trunk_flexion_deg for r in rows],
            "Peak twist (°)": [r.peak_twist_deg for r in rows],
        }
    )
    st.caption("Choose a session to open it.")
    event = st.dataframe(
        table, hide_index=True, on_select="rerun", selection_mode="single-row", key="history-table", width="stretch"
    )
    if len(rows) >= 2:
        st.subheader("Progress")
        progress = store.progress()
        data = pd.DataFrame(
            {
                "session": list(range(1, len(progress) + 1)),
                "good lifts (%)": [None if r.share_good is None else 100 * r.share_good for r in progress],
                "peak trunk flexion (°)": [r.peak_trunk_flexion_deg for r in progress],
                "peak twist (°)": [r.peak_twist_deg for r in progress],
            }
        ).melt("session", var_name="measure", value_name="value")
        chart = (
            alt.Chart(data)
            .mark_line(point=True)
            .encode(x=alt.X("session:O", title="session (oldest first)"), y="value:Q", color="measure:N")
            .properties(height=240)
        )
        st.altair_chart(chart, width="stretch")
    picked = event.selection.rows if event is not None and hasattr(event, "selection") else []
    if not picked:
        return
    row = rows[picked[0]]
    try:
        session = store.load_session(row.id)
    except (SessionNotFound, StoreError) as exc:
        st.error(plain(f"That session cannot be opened: {exc}"))
        return
    st.divider()
    head, action = st.columns([4, 1])
    # The source is the name the user gave the file: shown as written, never as Markdown or a link.
    head.subheader(f"{name(row.source_name)} {plain('· ' + _when(row))}")
    if action.button("Delete this session", key=f"delete-{row.id}", type="secondary"):
        st.session_state[CONFIRM_KEY] = row.id
    if st.session_state.get(CONFIRM_KEY) == row.id:
        _confirm_delete(store, row)
    video = store.load_video(row.id) if row.has_video else None
    render_summary(session.report, thumbnails=session.thumbnails, video=video, key=f"history-{row.id}")


def _when(row: SessionRow) -> str:
    return f"{row.created.strftime('%Y-%m-%d %H:%M')} UTC"


def _confirm_delete(store, row: SessionRow) -> None:  # type: ignore[no-untyped-def]
    """Delete only after a second, explicit click: the session's report, thumbnails and video go for good."""
    with st.container(border=True):
        st.warning(
            with_names(
                f"Delete the session {row.source_name} of {_when(row)}, with its {row.lift_count} lifts, thumbnails "
                "and any saved video? This cannot be undone.",
                [row.source_name],
            )
        )
        yes, no = st.columns(2)
        if yes.button("Yes, delete it", key=f"delete-yes-{row.id}", type="primary"):
            st.session_state.pop(CONFIRM_KEY, None)
            try:
                store.delete_session(row.id)
            except StoreError as exc:
                st.error(plain(f"The session could not be deleted: {exc}"))
                return
            st.session_state[DELETED_KEY] = (f"Deleted the session {row.source_name} of {_when(row)}.", row.source_name)
            st.rerun()
        if no.button("Keep it", key=f"delete-no-{row.id}"):
            st.session_state.pop(CONFIRM_KEY, None)
            st.rerun()
