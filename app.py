"""liftcheck's Streamlit app: `streamlit run app.py`. Thin: the pages live in liftcheck/ui."""

from __future__ import annotations

import streamlit as st

from liftcheck.ui import access, history, live, upload
from liftcheck.ui.common import clean_up_after_a_killed_server, enable_thread_dumps, guarded

st.set_page_config(page_title="liftcheck", page_icon="🏋️", layout="wide")
# Less empty space above each page's title, so a result's headline, counts and lift table fit the first screen.
# (A <style> alone is placed in Streamlit's event container: it takes no room on the page.)
st.html("<style>[data-testid='stMainBlockContainer'] { padding-top: 3rem; }</style>")
enable_thread_dumps()
clean_up_after_a_killed_server()

PAGES = (
    (upload.page, "Upload", "📼", "upload"),
    (live.page, "Live", "🎥", "live"),
    (history.page, "History", "🗂️", "history"),
)

# Who this is decides what runs: nothing of any page (its data, its History) before the check passes.
who = access.check()
st.session_state[access.USER_KEY] = who
if who is None:
    # Every address answers with the refusal or the sign-in just drawn, and nothing else.
    pages = st.navigation(
        [st.Page(lambda: None, title=title, url_path=url, default=url == "upload") for _, title, _, url in PAGES],
        position="hidden",
    )
    st.stop()
access.sidebar(who)
pages = st.navigation(
    [
        st.Page(guarded(page, title), title=title, icon=icon, url_path=url, default=url == "upload")
        for page, title, icon, url in PAGES
    ]
)
# Which page the previous full run showed (the Live page needs it: see live.keep_stream_over_reruns).
st.session_state["page_before"] = st.session_state.get("page_now")
st.session_state["page_now"] = pages.url_path
pages.run()
