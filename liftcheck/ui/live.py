"""The Live page: check a lift on camera in real time (streamlit-webrtc)."""

from __future__ import annotations

import streamlit as st


def page() -> None:
    st.title("Live check")
    st.info(
        "The live camera check is not built yet. Until it is, film your lift with any camera or phone and "
        "analyse it on the Upload page."
    )
