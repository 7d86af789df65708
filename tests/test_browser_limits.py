"""The app at its limits, in a real headless Chromium: a file over the upload limit, and a
10-minute video cancelled mid-analysis. Each ends in a clear message, nothing is saved,
and the app goes on working."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import (
    CHROMIUM_ARGS,
    StreamlitServer,
    chromium_tab,
    find_chromium,
    screenshot,
    streamlit_server,
    sync_playwright,
)
from test_browser import ERROR_ALERT, _grid_rows, _nav, _no_exception, _open_app, _wait_for_result

from liftcheck.store import HistoryStore
from liftcheck.workshop.looping import encode_loop, loop_video

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

# A low limit keeps the over-limit file small; the shipped limit (500 MB) works the same way.
LIMIT_MB = 20
LONG_CLIP = "stoop_deadlift_side_01.mp4"
SHORT_CLIP = "stoop_deadlift_side_01.mp4"
INFO_ALERT = '[data-testid="stAlertContentInfo"]'


@pytest.fixture(scope="module")
def long_video(samples_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 10-minute video made by looping a labelled clip (small enough to upload under the limit)."""
    folder = tmp_path_factory.mktemp("long")
    one = folder / "one-loop.mp4"
    encode_loop(samples_dir / LONG_CLIP, one, fps=15, max_side_px=480)
    out = folder / "ten-minutes.mp4"
    length = loop_video(one, out, 600.0)
    assert length >= 599.0
    assert out.stat().st_size < LIMIT_MB * 1024 * 1024
    return out


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("browser-limits")


@pytest.fixture(scope="module")
def app_tmp(tmp: Path) -> Path:
    """The server's TMPDIR, so the test can see the app's temporary files come and go. It starts with an upload
    left by a server that was killed (its process is gone), which the app must remove when it starts."""
    (tmp / "tmp").mkdir()
    stale = tmp / "tmp" / "liftcheck-killed"
    stale.mkdir(mode=0o700)
    (stale / "upload-00000000deadbeef.mp4").write_bytes(b"somebody's lift")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (stale / "owner.pid").write_text(f"{int(gone.stdout)} -\n")
    return tmp / "tmp"


@pytest.fixture(scope="module")
def server(model_dir: Path, samples_dir: Path, tmp: Path, app_tmp: Path) -> Iterator[StreamlitServer]:
    find_chromium()
    sync_playwright()
    env = {
        "LIFTCHECK_MODEL_DIR": str(model_dir),
        "LIFTCHECK_SAMPLES_DIR": str(samples_dir),
        "LIFTCHECK_DATA_DIR": str(tmp / "data"),
        "STREAMLIT_SERVER_MAX_UPLOAD_SIZE": str(LIMIT_MB),
        "TMPDIR": str(app_tmp),
    }
    with streamlit_server(env, tmp / "streamlit.log") as running:
        yield running


@pytest.fixture
def page(server: StreamlitServer):  # type: ignore[no-untyped-def]
    with chromium_tab() as tab:
        yield tab


def _history_names(page) -> str:  # type: ignore[no-untyped-def]
    _nav(page, "History")
    page.get_by_role("heading", name="History", exact=True).wait_for()
    page.wait_for_timeout(1000)
    if page.locator('[data-testid="stDataFrame"]').count():
        return _grid_rows(page)[1]
    return ""


def test_a_file_over_the_upload_limit_is_refused_with_the_limit_named(  # type: ignore[no-untyped-def]
    page, server: StreamlitServer, app_tmp: Path
) -> None:
    _open_app(page, server)
    assert not (app_tmp / "liftcheck-killed").exists(), "the upload a killed server left was not removed at start"
    too_big = os.urandom((LIMIT_MB + 1) * 1024 * 1024)
    page.set_input_files("input[type=file]", files=[{"name": "huge.mp4", "mimeType": "video/mp4", "buffer": too_big}])
    message = page.get_by_text(re.compile(rf"must be {LIMIT_MB}(\.0)?\s*MB or smaller", re.IGNORECASE))
    message.first.wait_for(timeout=30_000)
    # The uploader's own reason is a tooltip; the page states the limit where it can be read.
    page.get_by_text(f"Videos up to {LIMIT_MB} MB").wait_for(state="visible")
    screenshot(page, "10-over-the-limit")
    _no_exception(page, server)
    assert page.locator('[data-testid="stProgress"]').count() == 0, "nothing may be analysed"
    assert "huge.mp4" not in _history_names(page)
    assert server.process.poll() is None, "the server stopped"


def test_a_long_video_cancelled_midway_saves_nothing_and_the_app_goes_on(  # type: ignore[no-untyped-def]
    page, server: StreamlitServer, long_video: Path, samples_dir: Path, app_tmp: Path
) -> None:
    _open_app(page, server)
    page.set_input_files("input[type=file]", str(long_video))
    progress = page.locator('[data-testid="stProgress"]')
    progress.first.wait_for(timeout=120_000)

    # Let the analysis get well under way: at least 20 s of the video analysed.
    started = time.monotonic()
    analysed_s = 0.0
    while time.monotonic() - started < 180:
        text = progress.first.inner_text() if progress.count() else ""
        found = re.search(r"([\d.]+) of ([\d.]+) s", text)
        if found:
            analysed_s = float(found.group(1))
            assert abs(float(found.group(2)) - 600.0) < 2.0, text
            if analysed_s >= 20.0:
                break
        _no_exception(page, server)
        page.wait_for_timeout(500)
    assert analysed_s >= 20.0, "the analysis of the long video did not get going"
    uploads = list(app_tmp.glob("liftcheck-*/*"))
    assert uploads, "the upload should be in the app's private temporary folder while it is analysed"
    assert all(long_video.name not in p.name for p in uploads), "the user's file name must not be used as a path"
    names = [p.name for p in uploads if p.name.startswith("upload")]
    assert names and all(re.fullmatch(r"upload-[0-9a-f]{16}\.mp4", n) for n in names), names
    assert all(stat.S_IMODE(p.parent.stat().st_mode) == 0o700 for p in uploads), "the folder must be private"

    page.get_by_role("button", name="Cancel").click()
    page.locator(INFO_ALERT).filter(has_text="Analysis cancelled. Nothing was saved.").first.wait_for(timeout=60_000)
    screenshot(page, "11-cancelled")
    _no_exception(page, server)
    page.wait_for_timeout(3000)
    assert progress.count() == 0, "the progress bar should be gone after cancelling"
    assert page.locator('[data-testid="stMetric"]').count() == 0, "a cancelled analysis shows no result"
    assert not list(app_tmp.glob("liftcheck-*")), "the temporary upload must be deleted on cancel"
    assert long_video.name not in _history_names(page), "a cancelled analysis must not be saved"

    # The app still works: a short clip is analysed and saved.
    _nav(page, "Upload")
    page.get_by_role("heading", name="Check a recorded lift").wait_for()
    page.set_input_files("input[type=file]", str(samples_dir / SHORT_CLIP))
    _wait_for_result(page, server)
    assert page.locator(ERROR_ALERT).count() == 0
    assert not list(app_tmp.glob("liftcheck-*")), "the temporary upload must be deleted after the analysis"
    names = _history_names(page)
    assert SHORT_CLIP in names and long_video.name not in names
    assert server.process.poll() is None


def test_a_third_analysis_waits_in_line_with_its_place_shown_and_can_leave_it(  # type: ignore[no-untyped-def]
    server: StreamlitServer, long_video: Path, samples_dir: Path, app_tmp: Path, tmp: Path
) -> None:
    """Two long analyses run (the app runs at most two at once); a third upload, in a third browser, shows
    "Waiting: 2 analyses ahead of yours" and no work starts for it; its Cancel leaves the line; the others are
    cancelled too and nothing is saved or left behind."""
    history = tmp / "data" / "history.sqlite3"
    saved_before = len(HistoryStore(history).list_sessions()) if history.exists() else 0
    analysing = re.compile(r"Analysing: \d+ frames")
    with sync_playwright()() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            tabs = []
            for _ in range(3):
                tab = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                tab.set_default_timeout(30_000)
                _open_app(tab, server)
                tabs.append(tab)
            first, second, third = tabs
            for tab in (first, second):
                tab.set_input_files("input[type=file]", str(long_video))
            for tab in (first, second):  # both are analysing, not waiting
                progress = tab.locator('[data-testid="stProgress"]').filter(has_text=analysing)
                progress.first.wait_for(timeout=180_000)
            working = set(app_tmp.glob("liftcheck-*"))
            assert len(working) == 2, working

            third.set_input_files("input[type=file]", str(samples_dir / SHORT_CLIP))
            waiting = third.locator('[data-testid="stProgress"]').filter(has_text="Waiting: 2 analyses ahead of yours")
            waiting.first.wait_for(timeout=60_000)
            screenshot(third, "12-waiting-in-line")
            third.wait_for_timeout(2000)
            assert waiting.count() == 1, "the third analysis started although two were running"
            assert set(app_tmp.glob("liftcheck-*")) == working, "a waiting upload must not start any work"

            third.get_by_role("button", name="Cancel").click()
            third.locator(INFO_ALERT).filter(has_text="Analysis cancelled. Nothing was saved.").first.wait_for(
                timeout=60_000
            )
            for tab in (first, second):
                tab.get_by_role("button", name="Cancel").click()
                tab.locator(INFO_ALERT).filter(has_text="Analysis cancelled").first.wait_for(timeout=60_000)
            deadline = time.monotonic() + 30
            while list(app_tmp.glob("liftcheck-*")) and time.monotonic() < deadline:
                time.sleep(0.5)
            assert not list(app_tmp.glob("liftcheck-*")), "a cancelled analysis left its upload behind"
        finally:
            browser.close()
    assert server.process.poll() is None
    saved_after = len(HistoryStore(history).list_sessions()) if history.exists() else 0
    assert saved_after == saved_before, "a cancelled analysis was saved"
