"""The Upload page: a recorded lift in, the per-lift summary out."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from liftcheck.ui.common import (
    VIDEO_TYPES,
    Result,
    clear_messages,
    notify,
    run_analysis,
    samples_dir,
    show_messages,
    sidebar_settings,
)
from liftcheck.ui.summary import PAGE_NOTE, render_summary
from liftcheck.ui.text import name
from liftcheck.workshop import synthetic


def page() -> None:
    settings = sidebar_settings()
    st.title("Check a recorded lift")
    st.write(
        "Upload a video of one or more lifts. Film the whole body, side-on or at 45°, from about 3 m away. "
        "liftcheck finds each lift and tells you how you bent, how far your trunk went forward and whether "
        "you twisted."
    )
    uploaded = st.file_uploader("Video of your lift", type=list(VIDEO_TYPES), key="upload")
    # The browser refuses a file over server.maxUploadSize before the app sees it, and the
    # uploader then only marks it red (its reason shows on hover): say the limit in plain sight.
    limit_mb = st.get_option("server.maxUploadSize")
    st.caption(
        f"Videos up to {limit_mb} MB ({', '.join(VIDEO_TYPES)}). A file marked red was refused: point at it to see why."
    )
    with st.expander("No video at hand? Try a sample"):
        folder = samples_dir()
        clips = sorted(p.name for p in folder.glob("*.mp4")) if folder else []
        choice = st.selectbox(
            "Sample",
            (clips or []) + ["synthetic lifter (no video needed)"],
            key="sample-choice",
            help="Real clips appear here after `liftcheck samples`.",
        )
        try_sample = st.button("Analyse the sample", key="sample-run")

    state = st.session_state
    job = None
    if uploaded is not None and state.get("analysed_upload") != uploaded.file_id:
        job = ("upload", uploaded.file_id)
    elif try_sample:
        job = ("sample", str(choice))

    # Clicking Cancel reruns the page, which stops the analysis in progress; this run then
    # must not start it again.
    if state.pop("cancel_requested", False) and job is not None:
        if job[0] == "upload":
            state["analysed_upload"] = job[1]
        clear_messages()
        notify("info", "Analysis cancelled. Nothing was saved.")
        job = None
    if job is not None:
        st.button("Cancel", key="cancel", on_click=lambda: state.update(cancel_requested=True))
    if job is not None:
        kind, what = job
        state["result"] = None
        clear_messages()
        if kind == "upload":
            assert uploaded is not None
            result = run_analysis(
                uploaded.getvalue(), uploaded.name, Path(uploaded.name).suffix, settings, source_kind="upload"
            )
            state["analysed_upload"] = uploaded.file_id
        elif what.startswith("synthetic") or folder is None:
            clip = synthetic.generate(synthetic.demo_session(), view_yaw_deg=60.0)
            result = run_analysis(None, "synthetic lifter", ".mp4", settings, source_kind="sample", synthetic=clip)
        else:
            path = folder / what
            result = run_analysis(path.read_bytes(), what, path.suffix, settings, source_kind="sample")
        state["result"] = result
        st.rerun()

    show_messages()
    shown: Result | None = state.get("result")
    if shown is not None:
        st.divider()
        st.subheader(name(shown.report["source"]))  # the user's file name: as written, never Markdown
        render_summary(shown.report, thumbnails=shown.thumbnails, video=shown.video, key="upload")
    else:
        st.caption(PAGE_NOTE)
