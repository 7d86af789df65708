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
    state = st.session_state
    has_result = state.get("result") is not None
    st.title("Check a recorded lift")
    # Once a result is shown it owns the first screen: the uploader folds into one line above it.
    with st.expander("Analyse another video" if has_result else "Choose a video", expanded=not has_result):
        if not has_result:
            st.write(
                "Upload a video of one or more lifts. Film the whole body, side-on or at 45°, from about 3 m away. "
                "liftcheck finds each lift and tells you how you bent, how far your trunk went forward and whether "
                "you twisted. Under *About this session* in the sidebar you can name the person and the task, and "
                "give the load and the person's height for a lifting index."
            )
        uploaded = st.file_uploader("Video of your lift", type=list(VIDEO_TYPES), key="upload")
        # The browser refuses a file over server.maxUploadSize before the app sees it, and the
        # uploader then only marks it red (its reason shows on hover): say the limit in plain sight.
        limit_mb = st.get_option("server.maxUploadSize")
        st.caption(
            f"Videos up to {limit_mb} MB ({', '.join(VIDEO_TYPES)}). A file marked red was refused: point at it to "
            "see why."
        )
        folder = samples_dir()
        clips = sorted(p.name for p in folder.glob("*.mp4")) if folder else []
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        choice = left.selectbox(
            "No video at hand? Try a sample",
            (clips or []) + ["synthetic lifter (no video needed)"],
            key="sample-choice",
            help="Real clips appear here after `liftcheck samples`.",
        )
        try_sample = right.button("Analyse the sample", key="sample-run")

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
        st.subheader(name(shown.report["source"]))  # the user's file name: as written, never Markdown
        render_summary(shown.report, thumbnails=shown.thumbnails, video=shown.video, key="upload")
    else:
        st.caption(PAGE_NOTE)
