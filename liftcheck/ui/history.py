"""The History page: past sessions, reopened with the same summary, deleted, and progress over time."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from liftcheck.presentation import NO_LOAD_WORDS, PAPER
from liftcheck.store import SessionNotFound, SessionRow, StoreError
from liftcheck.ui.common import history_store
from liftcheck.ui.summary import render_summary, verdict_words
from liftcheck.ui.text import name, plain, with_names

CONFIRM_KEY = "history-confirm-delete"
NOBODY = "(no person given)"
# The verdict counts' headings: the word with its mark; the cells take the verdict's colour where not 0.
GOOD, CAUTION, POOR = (verdict_words(v) for v in ("good", "caution", "poor"))
DELETED_KEY = "history-deleted"
INDEX = "Lifting index"


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
    people = sorted({r.person for r in rows})
    if len(people) > 1:
        chosen = st.multiselect(
            "Person",
            people,
            default=[],
            format_func=lambda p: p or NOBODY,  # names are shown as the widget's plain text, never Markdown
            key="history-people",
            placeholder="Everyone",
            help="Show the sessions of these people only (empty: everyone).",
        )
        if chosen:
            try:
                rows = store.list_sessions(people=chosen)
            except StoreError as exc:
                st.error(plain(f"History cannot be read: {exc}"))
                return
    table = pd.DataFrame(
        {
            "When": [_local(r) for r in rows],
            "Person": [r.person or "–" for r in rows],
            "Task": [r.task or "–" for r in rows],
            "Source": [r.source_name for r in rows],
            "Lifts": [r.lift_count for r in rows],
            GOOD: [r.good for r in rows],
            CAUTION: [r.caution for r in rows],
            POOR: [r.poor for r in rows],
            INDEX: [_index(r) for r in rows],
            "Peak trunk (°)": [r.peak_trunk_flexion_deg for r in rows],
            "Peak twist (°)": [r.peak_twist_deg for r in rows],
        }
    )
    if not any(_has_index(r) for r in rows):
        table = table.drop(columns=[INDEX])
    st.caption("Choose a session to open it. Times are UTC.")
    event = st.dataframe(
        _styled(table),
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="history-table",
        width="stretch",
    )
    if len(rows) >= 2:
        progress_charts(list(reversed(rows)))
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
    return f"{_local(row)} UTC"


def _local(row: SessionRow) -> str:
    return row.when.strftime("%Y-%m-%d %H:%M")


def _has_index(row: SessionRow) -> bool:
    """A load was given and the task was rated: an index, or no load recommended at all."""
    return row.task_li is not None or row.task_no_load


def _index(row: SessionRow) -> float | None:
    """The task's lifting index as the table holds it: infinity for a limit of 0 kg (shown in words), so a
    sort by the column puts it above every index, as the team report ranks it; None without one."""
    return math.inf if row.task_no_load else row.task_li


def _index_words(value: float) -> str:
    return NO_LOAD_WORDS if value == math.inf else f"{value:.2f}"


def _on_paper(verdict: str) -> str:
    colours = PAPER[verdict]
    return f"color: {colours.ink}; background-color: {colours.background}; font-weight: 600"


def _styled(table: pd.DataFrame):  # type: ignore[no-untyped-def]
    """The verdict counts on their verdict's colour (where not 0), a task with no load recommended on the
    poor colour, the numbers rounded for reading."""
    styler = table.style
    for column, verdict in ((GOOD, "good"), (CAUTION, "caution"), (POOR, "poor")):
        styler = styler.map(lambda n, v=verdict: _on_paper(v) if n else "", subset=[column])
    if INDEX in table:
        styler = styler.map(lambda value: _on_paper("poor") if value == math.inf else "", subset=[INDEX])
    formats: dict[str, object] = {"Peak trunk (°)": "{:.0f}", "Peak twist (°)": "{:.0f}", INDEX: _index_words}
    return styler.format({k: v for k, v in formats.items() if k in table}, na_rep="–")


def progress_charts(rows: list[SessionRow]) -> None:
    """Progress over time, oldest first: good lifts in % on one chart, peak angles in degrees on another (and the
    lifting index on a third when a load was given): a share and an angle never share an axis."""
    st.subheader("Progress")
    when = [r.when.replace(tzinfo=None) for r in rows]
    base: dict[str, list] = {"when (UTC)": when, "session": [f"{_local(r)} · {r.source_name}" for r in rows]}
    shares = [None if r.share_good is None else 100 * r.share_good for r in rows]
    good = pd.DataFrame({**base, "good lifts (%)": shares})
    angles = pd.DataFrame(
        {
            **base,
            # The chart's title gives "peak" and the unit: the legend stays short enough to show whole.
            "trunk flexion": [r.peak_trunk_flexion_deg for r in rows],
            "twist": [r.peak_twist_deg for r in rows],
        }
    ).melt(["when (UTC)", "session"], var_name="measure", value_name="degrees")
    label, title = time_axis(when)
    axis = alt.Axis(format=label, labelAngle=0, tickCount=4 if label == "%d %b %Y" else 3)
    x = alt.X("when (UTC):T", title=title, axis=axis, scale=alt.Scale(padding=10))
    charts = [
        alt.Chart(good)
        .mark_line(point=alt.OverlayMarkDef(color=PAPER["good"].edge), color=PAPER["good"].edge)
        .encode(
            x=x,
            y=alt.Y("good lifts (%):Q", scale=alt.Scale(domain=[0, 100]), title="good lifts (%)"),
            tooltip=["session", "good lifts (%)"],
        )
        .properties(title="Good lifts (%)"),
        alt.Chart(angles)
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("degrees:Q", title="degrees (°)"),
            color=alt.Color("measure:N", legend=alt.Legend(orient="top", title=None)),
            tooltip=["session", "measure", alt.Tooltip("degrees:Q", format=".0f")],
        )
        .properties(title="Peak angles (°)"),
    ]
    if any(_has_index(r) for r in rows):
        charts.append(_index_chart(rows, base, x))
    for column, chart in zip(st.columns(len(charts)), charts):
        column.altair_chart(chart, width="stretch", height=340)


def time_axis(when: list[datetime]) -> tuple[str, str]:
    """The time axis's label format and title for sessions at ``when``: sessions over days are told apart by
    their date, a day's or an hour's (a batch, a morning's trials) by the time."""
    span = max(when) - min(when)
    if span >= timedelta(days=2):
        return "%d %b %Y", "date (UTC)"
    if span >= timedelta(hours=1):
        return "%d %b %H:%M", "date and time (UTC)"
    return "%H:%M:%S", f"time (UTC), {min(when):%d %b %Y}"


def _index_chart(rows: list[SessionRow], base: dict[str, list], x: alt.X) -> alt.Chart | alt.LayerChart:
    """The task's lifting index over time, the line joining the sessions that have one. A session whose limit
    was 0 kg has no index to plot: it is a dashed vertical line in the poor colour at its date, named in its
    tooltip and under the chart's title."""

    def sessions(keep: list[int], index: list[object]) -> pd.DataFrame:
        return pd.DataFrame({**{k: [v[i] for i in keep] for k, v in base.items()}, "lifting index": index})

    rated = [i for i, r in enumerate(rows) if r.task_li is not None]
    colour = PAPER["caution"].edge
    line = (
        alt.Chart(sessions(rated, [rows[i].task_li for i in rated]))
        .mark_line(point=alt.OverlayMarkDef(color=colour), color=colour)
        .encode(x=x, y=alt.Y("lifting index:Q", title="lifting index"), tooltip=["session", "lifting index"])
    )
    flagged = [i for i, r in enumerate(rows) if r.task_no_load]
    if not flagged:
        return line.properties(title="Task lifting index (NIOSH)")
    rules = (
        alt.Chart(sessions(flagged, [NO_LOAD_WORDS] * len(flagged)))
        .mark_rule(color=PAPER["poor"].edge, strokeWidth=3, strokeDash=[6, 3])
        .encode(x=x, tooltip=["session", "lifting index"])
    )
    title = alt.TitleParams("Task lifting index (NIOSH)", subtitle=f"red dashes: {NO_LOAD_WORDS}")
    return alt.layer(*([line, rules] if rated else [rules])).properties(title=title)


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
