"""The History page: past sessions, reopened with the same summary, deleted, and progress over time."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from liftcheck.store import SessionNotFound, StoreError
from liftcheck.ui.common import history_store
from liftcheck.ui.summary import render_summary


def page() -> None:
    st.title("History")
    store = history_store()
    if store is None:
        return
    try:
        rows = store.list_sessions()
    except StoreError as exc:
        st.error(f"History cannot be read: {exc}")
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
        st.error(f"That session cannot be opened: {exc}")
        return
    st.divider()
    head, action = st.columns([4, 1])
    head.subheader(f"{row.source_name} · {row.created.strftime('%Y-%m-%d %H:%M')} UTC")
    if action.button("Delete this session", key=f"delete-{row.id}", type="secondary"):
        store.delete_session(row.id)
        st.toast("Session deleted")
        st.rerun()
    video = store.load_video(row.id) if row.has_video else None
    render_summary(session.report, thumbnails=session.thumbnails, video=video, key=f"history-{row.id}")
