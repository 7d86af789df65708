"""The Live page in a real headless Chromium fed a fake camera: frames reach the server, lifts appear, Stop sums up.

Chromium's fake capture device plays a real side-view clip (made at test time, looped) as
the webcam; streamlit-webrtc sends it to the app over WebRTC on localhost and shows the
annotated frames the app sends back.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import (
    StreamlitServer,
    chromium_tab,
    fake_camera_args,
    find_chromium,
    screenshot,
    streamlit_server,
    sync_playwright,
    write_fake_camera,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(420)]

# Side view, whole body in frame, ten squat lifts of about 1.6 s each: the first 9.8 s hold six.
CLIP = "squat_lift_side_01.mp4"
CAMERA_SECONDS = 9.8
CAMERA_FPS = 15  # half the clip's analysis rate: lighter on the two cores the browser shares with the server
# The pose model competes with the browser's video encoder for two cores: generous, but bounded.
CONNECT_TIMEOUT_S = 60.0
FIRST_LIFT_TIMEOUT_S = 120.0
SUMMARY_TIMEOUT_S = 60.0

ERROR_ALERT = '[data-testid="stAlertContentError"]'
EXCEPTION = '[data-testid="stException"]'
WEBRTC_IFRAME = 'iframe[title*="webrtc_streamer"]'
# The buttons say "Start"/"Stop"; CSS shows them in capitals.
START_BUTTON = re.compile(r"^\s*start\s*$", re.IGNORECASE)
STOP_BUTTON = re.compile(r"^\s*stop\s*$", re.IGNORECASE)


@pytest.fixture(scope="module")
def fake_camera(samples_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    clip = samples_dir / CLIP
    assert clip.is_file(), f"{clip} is missing from the labelled clips"
    out = tmp_path_factory.mktemp("camera") / "camera.y4m"
    path, frames = write_fake_camera(clip, out, seconds=CAMERA_SECONDS, fps=CAMERA_FPS)
    assert frames >= int(CAMERA_SECONDS * CAMERA_FPS) - 2, f"the fake camera has only {frames} frames"
    return path


@pytest.fixture(scope="module")
def server(model_dir: Path, samples_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    find_chromium()  # skip (or fail in CI) before paying for a server start
    sync_playwright()
    tmp = tmp_path_factory.mktemp("live-browser")
    env = {
        "LIFTCHECK_MODEL_DIR": str(model_dir),
        "LIFTCHECK_SAMPLES_DIR": str(samples_dir),
        "LIFTCHECK_DATA_DIR": str(tmp / "data"),  # History starts empty
        "LIFTCHECK_ICE_SERVERS": "",  # localhost needs none, and the test must not reach out
    }
    with streamlit_server(env, tmp / "streamlit.log") as running:
        yield running


@pytest.fixture
def page(server: StreamlitServer, fake_camera: Path):  # type: ignore[no-untyped-def]
    with chromium_tab(fake_camera_args(fake_camera), size=(1400, 900)) as tab:
        # streamlit-webrtc logs its connection steps to the console (in its iframe): kept for a failure message.
        console: list[str] = []
        tab.on("console", lambda message: console.append(f"{message.type}: {message.text}"[:300]))
        tab.liftcheck_console = console
        yield tab


def _diagnosis(page, server: StreamlitServer) -> str:  # type: ignore[no-untyped-def]
    """What a failure message needs: what the page shows, the WebRTC steps, and where the server's threads are."""
    try:
        main = page.locator('[data-testid="stMain"]').inner_text(timeout=5000)
    except Exception as exc:  # noqa: BLE001 - a diagnosis must not fail
        main = f"(could not read the page: {exc})"
    console = getattr(page, "liftcheck_console", [])
    steps = [line for line in console if re.search(r"state|ice|error|fail|track|offer|answer", line, re.IGNORECASE)]
    connected = any("connectionstatechange connected" in line for line in console)
    if "Frames analysed" in main:
        where = "the live panel is up: connected, and the app's callback has made its processor (model loaded)"
    elif "Waiting for the camera" in main:
        where = "connected, but no frame has reached the app's callback yet, or the model is still loading"
    elif connected:
        where = "the browser reached 'connected', but the page never showed the live panel (no rerun with playing)"
    else:
        where = "the WebRTC connection never reached 'connected' in the browser"
    log = server.output(3000)  # before the thread dump adds to it
    # CI shows the end of a long message: the state goes last.
    return (
        f"--- server threads ---\n{server.thread_dump()}\n--- server output ---\n{log}\n"
        f"--- the page ---\n{main[-2000:]}\n"
        f"--- browser console (WebRTC steps, last 30 of {len(steps)}) ---\n"
        + "\n".join(steps[-30:])
        + f"\n--- state: {where}"
    )


def _check_healthy(page, server: StreamlitServer) -> None:  # type: ignore[no-untyped-def]
    """Fail at once, with the message, when the app shows an exception or an error, or the server died."""
    if page.locator(EXCEPTION).count():
        text = page.locator(EXCEPTION).first.inner_text()
        pytest.fail(f"the app shows a Python exception:\n{text}\n--- server output ---\n{server.output()}")
    if page.locator(ERROR_ALERT).count():
        text = page.locator(ERROR_ALERT).first.inner_text()
        pytest.fail(f"the app shows an error: {text}\n--- server output ---\n{server.output()}")
    if server.process.poll() is not None:
        pytest.fail(f"the server stopped:\n{server.output()}")


def _metric(page, label: str) -> int | None:  # type: ignore[no-untyped-def]
    """The value of the st.metric labelled exactly ``label`` (outside the webrtc iframe), or None."""
    metric = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    )
    if metric.count() == 0:
        return None
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        # A rerun can take the metric away between the count and the read (the live panel after Stop): then
        # it is gone, not late, and waiting Playwright's 30 s for it only hides that.
        text = metric.first.locator('[data-testid="stMetricValue"]').inner_text(timeout=3000).strip()
    except PlaywrightTimeout:
        return None
    return int(text) if text.isdigit() else None


# The live panel's metrics and the caption under them, read in one script so they come from one render:
# read one after the other, a rerun of the panel (once a second) could fall between them (in CI the
# metric said 29 dropped while the newer caption already said 34 skipped while busy).
_READ_CAMERA_PANEL = """() => {
    const metrics = [...document.querySelectorAll('[data-testid="stMetric"]')].map((m) => m.innerText);
    const caption = [...document.querySelectorAll('[data-testid="stCaptionContainer"], p, div')]
        .map((e) => e.innerText || '').find((t) => /^Of the \\d+ frames the camera sent/.test(t.trim()));
    return {metrics, caption: caption || ''};
}"""


def _camera_counts(page) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """The live panel's camera figures, read in one go: rate, analysed, dropped, and the caption's breakdown."""
    page.get_by_text(re.compile(r"^Of the \d+ frames the camera sent")).first.wait_for()
    panel = page.evaluate(_READ_CAMERA_PANEL)
    texts, caption = panel["metrics"], panel["caption"].strip()
    metrics = {}
    for text in texts:
        label, _, value = text.strip().partition("\n")
        metrics[label.strip()] = value.strip()
    found = re.search(r"Of the (\d+) frames .*?: (\d+) analysed, (\d+) skipped .*?about (\d+) lost", caption)
    assert found, caption
    sent, analysed, busy, lost = (int(g) for g in found.groups())
    return {
        "fps": float(metrics["Camera frames/s"]),
        "sent": sent,
        "analysed": analysed,
        "busy": busy,
        "lost": lost,
        "dropped": sent - analysed if "Frames dropped" not in metrics else int(metrics["Frames dropped"]),
    }


def _live_count(page) -> int:  # type: ignore[no-untyped-def]
    """The live panel's lift counter (large type, beside the camera), or 0 before it shows."""
    counter = page.locator(".lc-live .count")
    found = re.search(r"Lifts\s*(\d+)", counter.first.inner_text()) if counter.count() else None
    return int(found.group(1)) if found else 0


def _live_lifts(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The "**Lift n**" entries of the live list, newest first."""
    strong = page.locator('[data-testid="stMarkdownContainer"] strong').filter(has_text=re.compile(r"^Lift \d+$"))
    return strong.all_inner_texts()


def _wait(page, server: StreamlitServer, what: str, timeout_s: float, done, shot: str):  # type: ignore[no-untyped-def]
    """Poll ``done()`` (truthy = finished) every half second; fail with a screenshot and the server log."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        value = done()
        if value:
            return value, time.monotonic() - started
        _check_healthy(page, server)
        page.wait_for_timeout(500)
    screenshot(page, f"live-timeout-{shot}")
    pytest.fail(f"{what} within {timeout_s:.0f} s\n{_diagnosis(page, server)}")


# Runs inside the component iframe on its <video>: whether it shows frames, whether time moves on,
# and how dark the top-left corner is. The fake camera has flat grey (128) there; the app draws its
# dark angle panel over it, so a dark corner means the frames shown are the app's annotated ones.
VIDEO_STATE_JS = """async (v) => {
    const deadline = Date.now() + 20000;
    while (v.readyState < 2 && Date.now() < deadline) await new Promise(r => setTimeout(r, 200));
    const before = v.currentTime;
    const until = Date.now() + 8000;
    while (v.currentTime <= before + 0.5 && Date.now() < until) await new Promise(r => setTimeout(r, 200));
    let corner = null;
    if (v.videoWidth > 0) {
        const c = document.createElement('canvas');
        c.width = v.videoWidth; c.height = v.videoHeight;
        const g = c.getContext('2d');
        g.drawImage(v, 0, 0);
        const w = Math.round(v.videoWidth * 0.15), h = Math.round(v.videoHeight * 0.15);
        const d = g.getImageData(Math.round(v.videoWidth * 0.01), Math.round(v.videoHeight * 0.01), w, h).data;
        let sum = 0;
        for (let i = 0; i < d.length; i += 4) sum += (d[i] + d[i + 1] + d[i + 2]) / 3;
        corner = sum / (d.length / 4);
    }
    return {readyState: v.readyState, before, after: v.currentTime, paused: v.paused,
            width: v.videoWidth, height: v.videoHeight, corner};
}"""


def test_live_camera_lifts_summary_and_history(page, server: StreamlitServer):  # type: ignore[no-untyped-def]
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    page.goto(f"{server.url}/live", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Live check").wait_for(timeout=60_000)
    webrtc = page.frame_locator(WEBRTC_IFRAME)
    start = webrtc.get_by_role("button", name=START_BUTTON)
    start.wait_for(timeout=60_000)
    timings["page load"] = time.monotonic() - t0
    _check_healthy(page, server)
    assert page.get_by_text("Live session summary").count() == 0, "a summary before any session"
    screenshot(page, "live-01-ready")

    # 1. Start: the browser sends the fake camera, the server analyses frames.
    start.click()
    webrtc.get_by_role("button", name=STOP_BUTTON).wait_for(timeout=CONNECT_TIMEOUT_S * 1000)
    frames, timings["first frames analysed"] = _wait(
        page,
        server,
        "no frame reached the server (the 'Frames analysed' metric stayed at 0 or never appeared)",
        CONNECT_TIMEOUT_S,
        lambda: _metric(page, "Frames analysed") or 0,
        "connect",
    )
    assert frames > 0

    # 2. The component's <video> plays what the server sends back: the annotated frames.
    video = webrtc.locator("video")
    assert video.count() == 1, f"expected one <video> in the component, found {video.count()}"
    # The browser plays what arrived a moment ago: on a busy machine the raw frames sent back while
    # the model was still loading can still be on screen when the first analysed frame is counted.
    deadline = time.monotonic() + 20
    state = video.first.evaluate(VIDEO_STATE_JS)
    while not (state["corner"] is not None and state["corner"] < 100) and time.monotonic() < deadline:
        state = video.first.evaluate(VIDEO_STATE_JS)
    assert state["readyState"] >= 2, f"the returned video shows no frame: {state}"
    assert state["after"] > state["before"], f"the returned video does not advance: {state}"
    assert (state["width"], state["height"]) == (640, 480), f"unexpected size of the returned video: {state}"
    assert state["corner"] is not None and state["corner"] < 100, (
        f"the top-left corner is not the app's dark angle panel (mean {state['corner']}, the camera's grey is 128): "
        f"the video shown is not the annotated one: {state}"
    )
    screenshot(page, "live-02-streaming")

    # 3. A lift shows up in the live list (the fragment drains the processor once a second).
    lifts, timings["first lift"] = _wait(
        page, server, "no lift appeared in the live list", FIRST_LIFT_TIMEOUT_S, lambda: _live_lifts(page), "lift"
    )
    assert "Lift 1" in lifts, f"the live list does not start at Lift 1: {lifts}"
    assert _live_count(page) >= 1
    live_count = max(len(_live_lifts(page)), _live_count(page))
    # The counter, the lift under way or waiting, and the last verdict in words sit on the first screen (1400×900).
    for what in (".lc-live .count", ".lc-live .now", ".lc-live .verdict"):
        box = page.locator(what).first.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 900, (what, box)
    assert re.search(r"(Good|Caution|Poor|Not judged)", page.locator(".lc-live .verdict").first.inner_text())
    frames_live = _metric(page, "Frames analysed") or 0
    assert frames_live >= frames, "the 'Frames analysed' metric went down"
    screenshot(page, "live-03-lift")
    camera = _camera_counts(page)
    print(f"\nlive counters: {camera}")

    # The counters against the fake camera's known rate: the rate read from its clock is the file's
    # 15 frames/s (the browser may send a little under it on a busy machine, never more), and analysed,
    # dropped and sent add up (one frame may be in the analysis between the two reads).
    assert CAMERA_FPS - 2.5 <= camera["fps"] <= CAMERA_FPS + 0.5, camera
    assert 0 <= camera["sent"] - camera["analysed"] - camera["dropped"] <= 1, camera
    assert camera["dropped"] <= camera["sent"] and camera["lost"] <= 0.1 * camera["sent"] + 3, camera

    # The stream stayed up until now (streamlit-webrtc once dropped it a second after it connected).
    dropped = [
        line for line in page.liftcheck_console if re.search(r"connectionstatechange (disconnected|failed)", line)
    ]
    assert not dropped, f"the WebRTC connection dropped before Stop: {dropped}\n{_diagnosis(page, server)}"

    # 4. Stop: the summary of the whole session replaces the live panel.
    webrtc.get_by_role("button", name=STOP_BUTTON).click()
    _, timings["summary"] = _wait(
        page,
        server,
        "no 'Live session summary' after Stop",
        SUMMARY_TIMEOUT_S,
        lambda: page.get_by_role("heading", name="Live session summary").count(),
        "summary",
    )
    start.wait_for()
    # The rerun that draws the summary is over when its last parts are there and the live panel is gone.
    _wait(
        page,
        server,
        "the summary did not finish drawing, or the live panel stayed, after Stop",
        SUMMARY_TIMEOUT_S,
        lambda: (
            _metric(page, "Frames analysed") is None and page.get_by_role("button", name="Download HTML report").count()
        ),
        "summary-drawn",
    )
    summary_lifts = _metric(page, "Lifts")
    assert summary_lifts is not None and summary_lifts >= 1, f"the summary's Lifts metric is {summary_lifts}"
    # A lift cut off by Stop (or by the start) is listed with its card but not counted; the summary says how many.
    cut_off = re.search(r"(\d+) lift\(s\) cut off", page.locator("body").inner_text())
    partial = int(cut_off.group(1)) if cut_off else 0
    cards = _live_lifts(page)  # after Stop the same bold "Lift n" heads the summary's lift cards
    assert sorted(cards) == sorted(f"Lift {i}" for i in range(1, summary_lifts + partial + 1)), (cards, partial)
    # Lifts drained after the last look, and one cut off by Stop, can only add to what the live list showed.
    assert len(cards) >= live_count, f"the summary lists {len(cards)} lifts, the live list showed {live_count}"
    screenshot(page, "live-04-summary")

    # 5. History lists the camera session.
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="History").click()
    page.get_by_role("heading", name="History", exact=True).wait_for()
    grid = page.locator('[data-testid="stDataFrame"] table[role="grid"]').first
    grid.wait_for(state="attached")
    _check_healthy(page, server)
    rows = int(grid.get_attribute("aria-rowcount") or "0") - 1  # the header row counts too
    table_text = grid.text_content() or ""
    assert rows == 1, f"History lists {rows} sessions, expected the one live session: {table_text!r}"
    assert "camera" in table_text, f"History does not show the camera session: {table_text!r}"
    screenshot(page, "live-05-history")

    timings["total"] = time.monotonic() - t0
    print(
        "\nlive browser test: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
        + f"; frames analysed by the first lift {frames_live}, lifts live {live_count}, in the summary {summary_lifts}"
        + f"; returned video corner brightness {state['corner']:.0f} (camera grey 128)"
    )
