"""liftcheck's Streamlit app: `streamlit run app.py`. Thin: the pages live in liftcheck/ui."""

from __future__ import annotations

import streamlit as st

from liftcheck.ui import history, live, upload
from liftcheck.ui.common import clean_up_after_a_killed_server, enable_thread_dumps

st.set_page_config(page_title="liftcheck", page_icon="🏋️", layout="wide")
enable_thread_dumps()
clean_up_after_a_killed_server()

pages = st.navigation(
    [
        st.Page(upload.page, title="Upload", icon="📼", url_path="upload", default=True),
        st.Page(live.page, title="Live", icon="🎥", url_path="live"),
        st.Page(history.page, title="History", icon="🗂️", url_path="history"),
    ]
)
# Which page the previous full run showed (the Live page needs it: see live.keep_stream_over_reruns).
st.session_state["page_before"] = st.session_state.get("page_now")
st.session_state["page_now"] = pages.url_path
pages.run()
