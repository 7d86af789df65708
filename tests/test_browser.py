"""The Streamlit app in a real headless Chromium: upload a clip, read the result, History, a broken file."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import (
    CHROMIUM_ARGS,
    StreamlitServer,
    find_chromium,
    screenshot,
    streamlit_server,
    sync_playwright,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(480)]

CLIP = "deadlift_oblique_01.mp4"
CLIP_LIFTS = 2
CLIP_DURATION_S = 6.7
# The pose model runs on two cores shared with the browser: generous, but bounded.
ANALYSIS_TIMEOUT_S = 240.0

ERROR_ALERT = '[data-testid="stAlertContentError"]'
EXCEPTION = '[data-testid="stException"]'
# Anything a browser would fetch: src/poster/srcset, <link href>, CSS url() and @import (plain <a href> is a link).
NETWORK_RESOURCE = re.compile(
    r"""(?:\b(?:src|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?//)"""
    r"""|(?:<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//)"""
    r"""|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import)""",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def server(model_dir: Path, samples_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    find_chromium()  # skip (or fail in CI) before paying for a server start
    sync_playwright()
    tmp = tmp_path_factory.mktemp("browser")
    env = {
        "LIFTCHECK_MODEL_DIR": str(model_dir),
        "LIFTCHECK_SAMPLES_DIR": str(samples_dir),
        "LIFTCHECK_DATA_DIR": str(tmp / "data"),  # History starts empty
    }
    with streamlit_server(env, tmp / "streamlit.log") as running:
        yield running


@pytest.fixture(scope="module")
def browser(server: StreamlitServer):  # type: ignore[no-untyped-def]
    executable = find_chromium()
    with sync_playwright()() as p:
        chromium = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, server: StreamlitServer):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    js_errors: list[str] = []
    tab.on("pageerror", lambda exc: js_errors.append(str(exc)))
    try:
        yield tab
    finally:
        context.close()
    assert not js_errors, f"JavaScript errors in the page: {js_errors}"


def _open_app(page, server: StreamlitServer) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url, wait_until="domcontentloaded")
    page.wait_for_selector("input[type=file]", state="attached", timeout=60_000)
    page.get_by_role("heading", name="Check a recorded lift").wait_for()


def _nav(page, title: str) -> None:  # type: ignore[no-untyped-def]
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).click()


def _no_exception(page, server: StreamlitServer) -> None:  # type: ignore[no-untyped-def]
    if page.locator(EXCEPTION).count():
        text = page.locator(EXCEPTION).first.inner_text()
        pytest.fail(f"the app shows a Python exception:\n{text}\n--- server output ---\n{server.output()}")


def _wait_for_result(page, server: StreamlitServer) -> float:  # type: ignore[no-untyped-def]
    """Wait for the finished result; fail early, with the message, if the app shows an error instead."""
    started = time.monotonic()
    download = page.get_by_role("button", name="Download HTML report")
    shot_taken = False
    while time.monotonic() - started < ANALYSIS_TIMEOUT_S:
        if download.count() and download.first.is_visible():
            return time.monotonic() - started
        _no_exception(page, server)
        if page.locator(ERROR_ALERT).count():
            pytest.fail(f"the app shows an error instead of a result: {page.locator(ERROR_ALERT).first.inner_text()}")
        if server.process.poll() is not None:
            pytest.fail(f"the server died during the analysis:\n{server.output()}")
        if not shot_taken and page.locator('[data-testid="stProgress"]').count():
            screenshot(page, "02-upload-analysing")
            shot_taken = True
        page.wait_for_timeout(500)
    screenshot(page, "02-upload-timeout")
    pytest.fail(f"no result within {ANALYSIS_TIMEOUT_S:.0f} s\n--- server output ---\n{server.output()}")
    raise AssertionError("unreachable")


def _grid_rows(page) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """Data rows and text of the first st.dataframe.

    The grid itself is a canvas; glide-data-grid keeps an accessible <table role="grid">
    beside it, whose aria-rowcount counts the header row too.
    """
    grid = page.locator('[data-testid="stDataFrame"] table[role="grid"]').first
    grid.wait_for(state="attached")
    rowcount = int(grid.get_attribute("aria-rowcount") or "0")
    return rowcount - 1, grid.text_content() or ""


def test_upload_shows_result_video_report_and_history(page, server: StreamlitServer, samples_dir: Path, tmp_path):  # type: ignore[no-untyped-def]
    clip = samples_dir / CLIP
    assert clip.is_file(), f"{clip} is missing from the labelled clips"
    timings: dict[str, float] = {}

    t0 = time.monotonic()
    _open_app(page, server)
    timings["page load"] = time.monotonic() - t0
    assert page.locator("h1").first.inner_text().strip() == "Check a recorded lift"  # Upload is the default page
    screenshot(page, "01-upload-empty")

    # 1. Upload a real clip and wait for the result.
    page.set_input_files("input[type=file]", str(clip))
    timings["analysis"] = _wait_for_result(page, server)
    _no_exception(page, server)
    page.locator('[data-testid="stDataFrame"]').first.wait_for()

    lifts_metric = page.locator('[data-testid="stMetric"]').filter(has_text="Lifts")
    assert lifts_metric.locator('[data-testid="stMetricValue"]').inner_text().strip() == str(CLIP_LIFTS)

    rows, table_text = _grid_rows(page)
    assert rows == CLIP_LIFTS, f"the per-lift table has {rows} rows, expected {CLIP_LIFTS}: {table_text!r}"
    for header in ("Lift", "Style", "Verdict", "Cue"):
        assert header in table_text

    cards = page.locator('[data-testid="stMarkdownContainer"] strong').filter(has_text=re.compile(r"^Lift \d+$"))
    assert sorted(cards.all_inner_texts()) == [f"Lift {i}" for i in range(1, CLIP_LIFTS + 1)]

    # The annotated video: the browser can decode it, it has the clip's length, and it plays.
    assert page.locator("video").count() == 1, "expected exactly one annotated video"
    state = page.locator("video").first.evaluate(
        """async (v) => {
            v.muted = true;
            const deadline = Date.now() + 30000;
            while (v.readyState < 2 && !v.error && Date.now() < deadline) await new Promise(r => setTimeout(r, 200));
            const readyState = v.readyState;
            let advanced = false;
            if (readyState >= 2) {
                const before = v.currentTime;
                try { await v.play(); } catch (e) { return {readyState, duration: v.duration, playError: String(e)}; }
                const until = Date.now() + 5000;
                while (v.currentTime <= before + 0.2 && Date.now() < until) await new Promise(r => setTimeout(r, 100));
                advanced = v.currentTime > before + 0.2;
                v.pause();
            }
            return {readyState, duration: v.duration, error: v.error && v.error.code, advanced, src: v.currentSrc};
        }"""
    )
    assert state.get("error") is None and "playError" not in state, f"the video cannot play: {state}"
    assert state["readyState"] >= 2, f"the video never got a frame to show: {state}"
    assert abs(state["duration"] - CLIP_DURATION_S) <= 0.5, f"video duration {state['duration']} s: {state}"
    assert state["advanced"], f"the video did not advance when played: {state}"
    assert state["src"].startswith(server.url), f"the video is not served by the app itself: {state['src']}"
    # The angles chart (Vega, rendered as SVG) draws its three angle lines, each with a colour.
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.locator(".mark-line path").first.wait_for(state="attached")
    strokes = chart.locator(".mark-line path").evaluate_all(
        "ps => ps.map(p => getComputedStyle(p).stroke).filter(s => s && s !== 'none')"
    )
    assert len(strokes) >= 3, f"the angles chart draws {len(strokes)} coloured lines, expected 3: {strokes}"
    assert "trunk flexion" in chart.inner_text(), "the angles chart has no legend naming its lines"
    screenshot(page, "03-upload-result")

    # The HTML report downloads, mentions the lifts and loads nothing from the network.
    with page.expect_download(timeout=30_000) as download_info:
        page.get_by_role("button", name="Download HTML report").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".html"), download.suggested_filename
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    html = saved.read_text(encoding="utf-8")
    assert re.match(r"\s*<!doctype html", html, re.IGNORECASE) or "<html" in html.lower()
    assert "Lift 1" in html and f"Lift {CLIP_LIFTS}" in html
    external = NETWORK_RESOURCE.findall(html)
    assert not external, f"the HTML report loads resources from the network: {external}"

    # 2. History lists the session.
    _nav(page, "History")
    page.get_by_role("heading", name="History", exact=True).wait_for()
    page.wait_for_url(re.compile(r"/history$"))
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    _no_exception(page, server)
    assert page.get_by_text("No sessions yet").count() == 0
    rows, table_text = _grid_rows(page)
    assert rows == 1, f"History lists {rows} sessions, expected 1: {table_text!r}"
    assert CLIP in table_text, f"History does not show {CLIP}: {table_text!r}"
    screenshot(page, "04-history")

    timings["total"] = time.monotonic() - t0
    print("\nbrowser test timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))


def test_broken_file_shows_an_error_and_the_app_keeps_working(page, server: StreamlitServer):  # type: ignore[no-untyped-def]
    _open_app(page, server)
    junk = random.Random(0).randbytes(4096)
    page.set_input_files("input[type=file]", files=[{"name": "broken.mp4", "mimeType": "video/mp4", "buffer": junk}])

    alert = page.locator(ERROR_ALERT).filter(has_text="cannot be analysed")
    alert.first.wait_for(timeout=60_000)
    screenshot(page, "05-broken-file")
    _no_exception(page, server)
    assert page.locator('[data-testid="stMetric"]').count() == 0, "a broken file must not show a result"
    assert page.locator('[data-testid="stProgress"]').count() == 0, "the progress bar should be gone"

    # The app still answers: another page opens, and the broken file was not saved to History.
    _nav(page, "History")
    page.get_by_role("heading", name="History", exact=True).wait_for()
    _no_exception(page, server)
    if page.locator('[data-testid="stDataFrame"]').count():
        _, table_text = _grid_rows(page)
        assert "broken.mp4" not in table_text, "a file that could not be analysed was saved to History"
    _nav(page, "Upload")
    page.get_by_role("heading", name="Check a recorded lift").wait_for()
    page.wait_for_selector("input[type=file]", state="attached")
    _no_exception(page, server)
    assert server.process.poll() is None, "the server stopped"
