"""Helpers for the real-browser test: a Streamlit server in a subprocess, Chromium, screenshots."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "artifacts" / "screenshots"

# Without the background-networking flags Chromium keeps dialling Google on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def find_chromium() -> str:
    """The system Chromium (Debian's package; `playwright install` cannot download here); fails in CI, else skips."""
    candidates = [os.environ.get("LIFTCHECK_CHROMIUM"), "/usr/bin/chromium"]
    candidates += [shutil.which(name) for name in ("chromium", "chromium-browser")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    message = "Chromium not found at /usr/bin/chromium (install Debian's `chromium`, or set LIFTCHECK_CHROMIUM)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; .ci/run installs it, so in CI this is a setup failure", pytrace=False)
    pytest.skip(message)
    raise AssertionError("unreachable")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class StreamlitServer:
    url: str
    process: subprocess.Popen
    log_path: Path

    def output(self, tail_chars: int = 6000) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server output)"
        return text[-tail_chars:]

    def thread_dump(self, keep: tuple[str, ...] = ("liftcheck", "mediapipe", "streamlit_webrtc", "aiortc")) -> str:
        """The stacks of the server's threads that run ``keep`` code (the app prints all of them on SIGUSR1)."""
        if self.process.poll() is not None or not hasattr(signal, "SIGUSR1"):
            return "(the server is not running)"
        try:
            before = len(self.log_path.read_bytes())
        except OSError:
            before = 0
        os.kill(self.process.pid, signal.SIGUSR1)
        time.sleep(1.5)
        try:
            dump = self.log_path.read_bytes()[before:].decode(errors="replace")
        except OSError:
            return "(no server output)"
        blocks = re.split(r"\n(?=(?:Current thread|Thread) 0x)", dump.strip())
        kept = [b.strip() for b in blocks if any(word in b for word in keep)]
        idle = len(blocks) - len(kept)
        return "\n\n".join(kept) + f"\n({idle} other threads: Streamlit, Tornado, file watchers)"


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except OSError:
        return False


def _stop(process: subprocess.Popen) -> None:
    """Stop the server and everything it started: it runs in its own process group."""
    if process.poll() is not None:
        return
    try:
        pgid = os.getpgid(process.pid)
    except ProcessLookupError:
        return
    for sig, wait_s in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def streamlit_server(
    env: dict[str, str],
    log_path: Path,
    start_timeout_s: float = 60.0,
    *,
    address: str | None = "127.0.0.1",
    extra_args: tuple[str, ...] = (),
) -> Iterator[StreamlitServer]:
    """`streamlit run app.py` on a free local port; yields once /_stcore/health answers ok.

    ``address`` None leaves server.address to .streamlit/config.toml (the shipped default).
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        *(("--server.address", address) if address is not None else ()),
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        *extra_args,
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        # A log file, not a pipe: a pipe nobody reads fills up and stalls the server.
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = StreamlitServer(url=url, process=process, log_path=log_path)
    try:
        deadline = time.monotonic() + start_timeout_s
        while not _healthy(url):
            if process.poll() is not None:
                pytest.fail(f"streamlit exited with code {process.returncode}:\n{server.output()}", pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit did not answer {url}/_stcore/health within {start_timeout_s:.0f} s:\n{server.output()}",
                    pytrace=False,
                )
            time.sleep(0.3)
        yield server
    finally:
        _stop(process)


def sync_playwright():  # type: ignore[no-untyped-def]
    """Playwright's ``sync_playwright``; skips the test without the package (fails in CI, where it must be)."""
    try:
        from playwright.sync_api import sync_playwright as start
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("the playwright package is missing in CI (it is in the dev extra)", pytrace=False)
        pytest.skip("the playwright package is not installed (pip install -e '.[dev]')")
    return start


@contextmanager
def chromium_tab(extra_args: list[str] | None = None, size: tuple[int, int] = (1280, 900)) -> Iterator:  # type: ignore[type-arg]
    """A tab in a fresh headless Chromium, ``size`` (width, height); fails the test if the page raised a JS error."""
    with sync_playwright()() as p:
        browser = p.chromium.launch(
            executable_path=find_chromium(), args=CHROMIUM_ARGS + (extra_args or []), headless=True
        )
        try:
            tab = browser.new_context(viewport={"width": size[0], "height": size[1]}).new_page()
            tab.set_default_timeout(30_000)
            js_errors: list[str] = []
            tab.on("pageerror", lambda exc: js_errors.append(str(exc)))
            yield tab
            assert not js_errors, f"JavaScript errors in the page: {js_errors}"
        finally:
            browser.close()


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """A full-page PNG in artifacts/screenshots/.

    Streamlit scrolls inside its own container, not the document, so Playwright's
    full_page alone shows one viewport: grow the viewport to the content, shoot, restore.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    size = page.viewport_size or {"width": 1280, "height": 900}
    height = page.evaluate(
        """() => {
            let h = document.documentElement.scrollHeight;
            for (const el of document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"],'
                                                      + ' section, main, div')) {
                if (el.scrollHeight > el.clientHeight + 1) {
                    const style = getComputedStyle(el);
                    if (/(auto|scroll)/.test(style.overflowY)) h = Math.max(h, el.scrollHeight);
                }
            }
            return h;
        }"""
    )
    page.set_viewport_size({"width": size["width"], "height": min(max(int(height), size["height"]), 12000)})
    try:
        page.wait_for_timeout(400)  # let the grid and charts re-layout to the new size
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
    return path


# --- A fake camera for the Live page -----------------------------------------------------------------------------

FAKE_CAMERA_SIZE = (640, 480)


def fake_camera_args(video: Path) -> list[str]:
    """Chromium flags that grant the camera without asking and feed it from ``video`` (.y4m or .mjpeg), looped.

    With the camera granted, Chrome gives WebRTC its real host addresses instead of mDNS names,
    so the stream connects to aiortc on localhost with no ICE servers and no extra flag.
    """
    return [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]


def write_fake_camera(clip: Path, out: Path, *, seconds: float = 10.0, fps: int = 15) -> tuple[Path, int]:
    """The first ``seconds`` of ``clip`` as a 640×480 yuv420p .y4m at ``fps``, scaled to fit and padded with grey.

    Returns the file and its frame count. Uncompressed: 10 s at 15 fps is about 70 MB, so write it under tmp.
    """
    import av
    import numpy as np

    from liftcheck.video import read_frames

    width, height = FAKE_CAMERA_SIZE
    container = av.open(str(out), "w", format="yuv4mpegpipe")
    count = 0
    try:
        stream = container.add_stream("rawvideo", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for frame in read_frames(clip, max_fps=fps):
            if frame.t_s >= seconds:
                break
            in_h, in_w = frame.rgb.shape[:2]
            scale = min(width / in_w, height / in_h)
            new_w, new_h = max(2, round(in_w * scale)), max(2, round(in_h * scale))
            small = av.VideoFrame.from_ndarray(frame.rgb, format="rgb24").reformat(
                width=new_w, height=new_h, format="rgb24"
            )
            canvas = np.full((height, width, 3), 128, dtype=np.uint8)
            x, y = (width - new_w) // 2, (height - new_h) // 2
            canvas[y : y + new_h, x : x + new_w] = small.to_ndarray()
            out_frame = av.VideoFrame.from_ndarray(canvas, format="rgb24").reformat(format="yuv420p")
            out_frame.pts = count
            for packet in stream.encode(out_frame):
                container.mux(packet)
            count += 1
        for packet in stream.encode():
            container.mux(packet)
    finally:
        container.close()
    if count == 0:
        raise ValueError(f"{clip} gave no frames for the fake camera")
    return out, count
