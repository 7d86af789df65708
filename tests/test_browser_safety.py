"""Safe by default, in a real headless Chromium: the app listens on this machine only and calls nobody at start;
a user-given name is shown as text (no browser fetches it); deleting a session asks first; served to a team,
History asks for sign-in (against a tiny OpenID Connect provider on this machine) and shows nothing before it."""

from __future__ import annotations

import hashlib
import http.server
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from browser_helpers import (
    CHROMIUM_ARGS,
    ROOT,
    StreamlitServer,
    find_chromium,
    screenshot,
    streamlit_server,
    sync_playwright,
)
from oidc_provider import TinyOIDC
from test_browser import ERROR_ALERT, EXCEPTION, _grid_rows, _nav

from liftcheck.store import HistoryStore

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

# Anything Python in the server does to reach another machine, written down (installed as sitecustomize).
NET_WATCH = """
import ipaddress, os, socket

_LOG = os.environ["LIFTCHECK_TEST_NET_LOG"]


def _outside(host):
    host = str(host).strip("[]")
    if host in ("localhost", ""):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def _note(what):
    with open(_LOG, "a") as log:
        log.write(what + "\\n")


_connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo


def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and _outside(address[0]):
        _note(f"connect {address[0]}:{address[1]}")
    return _connect(self, address)


def connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and _outside(address[0]):
        _note(f"connect {address[0]}:{address[1]}")
    return _connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    if host is not None and _outside(host.decode() if isinstance(host, bytes) else host):
        _note(f"getaddrinfo {host}")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo
"""


def other_address() -> str | None:
    """This machine's address on its network (the one a route outward would use), or None with loopback only."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # a UDP "connect" sends nothing: it only picks the route
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address  # noqa: S104


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def chromium():  # type: ignore[no-untyped-def]
    find_chromium()
    with sync_playwright()() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def tab(chromium):  # type: ignore[no-untyped-def]
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    js_errors: list[str] = []
    page.on("pageerror", lambda exc: js_errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()
    assert not js_errors, f"JavaScript errors in the page: {js_errors}"


def _no_exception(page, server: StreamlitServer) -> None:  # type: ignore[no-untyped-def]
    if page.locator(EXCEPTION).count():
        pytest.fail(f"the app shows a Python exception:\n{page.locator(EXCEPTION).first.inner_text()}")


# --- the network -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    """Environment that makes a server write down every attempt to reach another machine, and that log."""
    folder = tmp_path_factory.mktemp("net-watch")
    (folder / "sitecustomize.py").write_text(NET_WATCH)
    log = folder / "outside.log"
    log.touch()
    path = os.pathsep.join([str(folder), str(ROOT), os.environ.get("PYTHONPATH", "")])
    return {"PYTHONPATH": path, "LIFTCHECK_TEST_NET_LOG": str(log)}, log


def test_the_default_server_answers_here_only_and_calls_nobody(  # type: ignore[no-untyped-def]
    tab, watched: tuple[dict[str, str], Path], model_dir: Path, tmp_path: Path
) -> None:
    """Started with the shipped config only: the app answers on 127.0.0.1, not on this machine's network address,
    and neither at start nor on a page load does its server try to reach another machine (Streamlit looked up
    its public address at checkip.amazonaws.com when server.address was not set)."""
    env, log = watched
    env = {**env, "LIFTCHECK_MODEL_DIR": str(model_dir), "LIFTCHECK_DATA_DIR": str(tmp_path / "data")}
    with streamlit_server(env, tmp_path / "default.log", address=None) as server:
        port = int(server.url.rsplit(":", 1)[1])
        tab.goto(server.url, wait_until="domcontentloaded")
        tab.get_by_role("heading", name="Check a recorded lift").wait_for(timeout=60_000)
        _no_exception(tab, server)
        other = other_address()
        if other is None:
            print("\nthis machine has no address besides loopback: only 127.0.0.1 was checked")
        else:
            assert not _answers(other, port), f"the app answers on {other}:{port}"
            with pytest.raises(Exception, match="ERR_CONNECTION_REFUSED|ERR_ADDRESS_UNREACHABLE"):
                tab.goto(f"http://{other}:{port}", wait_until="domcontentloaded", timeout=15_000)
            print(f"\nthe app answers on 127.0.0.1:{port} and not on {other}:{port}")
        assert _answers("127.0.0.1", port)
        time.sleep(1.0)
        output = server.output()
    attempts = log.read_text().strip()
    assert attempts == "", f"the server tried to reach other machines:\n{attempts}"
    assert "External URL" not in output and "Network URL" not in output, output


def test_the_watch_sees_the_lookup_when_the_address_is_left_open(  # type: ignore[no-untyped-def]
    watched: tuple[dict[str, str], Path], model_dir: Path, tmp_path: Path
) -> None:
    """The control for the test above: listening on every interface, Streamlit guesses its addresses by reaching
    out, and the watch writes that down (so an empty log above means something). The app itself then shows
    nothing but a refusal, as it does not serve a team."""
    env, log = watched
    log.write_text("")
    env = {**env, "LIFTCHECK_MODEL_DIR": str(model_dir), "LIFTCHECK_DATA_DIR": str(tmp_path / "data")}
    with streamlit_server(env, tmp_path / "open.log", address="0.0.0.0"):  # noqa: S104
        time.sleep(1.0)
    attempts = log.read_text()
    assert "checkip.amazonaws.com" in attempts or "8.8.8.8" in attempts, attempts


# --- names are text --------------------------------------------------------------------------------------------


class Tripwire:
    """An HTTP server on 127.0.0.1 that records every request (a name rendered as Markdown would make one)."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        tripwire = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                tripwire.requests.append(self.path)
                self.send_response(404)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def tripwire() -> Iterator[Tripwire]:
    running = Tripwire()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="module")
def app_server(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StreamlitServer, Path]]:
    folder = tmp_path_factory.mktemp("names")
    env = {"LIFTCHECK_MODEL_DIR": str(model_dir), "LIFTCHECK_DATA_DIR": str(folder / "data")}
    with streamlit_server(env, folder / "streamlit.log") as running:
        yield running, folder / "data" / "history.sqlite3"


def _small_clip(path: Path) -> Path:
    """Two seconds of a grey room with nobody in it: a valid video that analyses in seconds."""
    rng = np.random.default_rng(0)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=15, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for i in range(30):
            picture = np.clip(rng.normal(120, 8, (120, 160, 3)), 0, 255).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 15)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def _select_first_row(page) -> None:  # type: ignore[no-untyped-def]
    """Tick the first row of the first table (the grid is a canvas: click where its row marker is)."""
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for()
    box = grid.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 15, box["y"] + 35 + 17)
    page.wait_for_timeout(300)
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)


def test_a_name_with_markdown_is_shown_as_text_and_fetches_nothing(  # type: ignore[no-untyped-def]
    tab, app_server: tuple[StreamlitServer, Path], tripwire: Tripwire, tmp_path: Path
) -> None:
    """A file named ![t](http://127.0.0.1:PORT/x.png).mp4: its name appears as written on the Upload page's error
    and result, in the History list and on the reopened session, download names are plain, and the address is
    never fetched."""
    server, _ = app_server
    image = f"http://127.0.0.1:{tripwire.port}"
    tab.goto(server.url, wait_until="domcontentloaded")
    tab.get_by_role("heading", name="Check a recorded lift").wait_for(timeout=60_000)

    # An error naming the file.
    bad_name = f"![e]({image}/e.png).mp4"
    tab.set_input_files("input[type=file]", files=[{"name": bad_name, "mimeType": "video/mp4", "buffer": b"0" * 512}])
    alert = tab.locator(ERROR_ALERT).filter(has_text="cannot be analysed")
    alert.first.wait_for(timeout=60_000)
    assert bad_name in alert.first.inner_text(), alert.first.inner_text()
    assert tab.locator(f'a[href^="{image}"]').count() == 0, "the name was made into a link"

    # A result headed by the file's name.
    name = f"![t]({image}/x.png).mp4"
    clip = _small_clip(tmp_path / "clip.mp4")
    upload = {"name": name, "mimeType": "video/mp4", "buffer": clip.read_bytes()}
    tab.set_input_files("input[type=file]", files=[upload])
    tab.get_by_role("button", name="Download HTML report").wait_for(timeout=180_000)
    _no_exception(tab, server)
    heading = tab.get_by_role("heading", name=name, exact=True)
    assert heading.count() == 1, "the result is not headed by the file's name, as written"
    with tab.expect_download() as download:
        tab.get_by_role("button", name="Download JSON").click()
    assert re.fullmatch(r"[A-Za-z0-9._-]+-liftcheck\.json", download.value.suggested_filename), (
        download.value.suggested_filename
    )
    screenshot(tab, "20-name-as-text-upload")

    # History: the list and the reopened session.
    _nav(tab, "History")
    tab.get_by_role("heading", name="History", exact=True).wait_for()
    _, table = _grid_rows(tab)
    assert name in table, table
    _select_first_row(tab)
    tab.get_by_role("heading", name=f"{name} · ").wait_for(timeout=30_000)  # substring: name, date and time
    screenshot(tab, "21-name-as-text-history")
    tab.wait_for_timeout(1000)
    assert tripwire.requests == [], f"the browser fetched {tripwire.requests}"
    assert tab.locator(f'img[src^="{image}"]').count() == 0
    assert tab.locator(f'a[href^="{image}"]').count() == 0, "the name was made into a link"


def test_deleting_a_session_asks_first(tab, app_server: tuple[StreamlitServer, Path]) -> None:  # type: ignore[no-untyped-def]
    """ "Delete this session" asks before deleting; "Keep it" keeps it; "Yes, delete it" deletes it."""
    server, db = app_server
    with HistoryStore(db) as store:
        store.save_session(
            {"schema_version": 1, "summary": {"lift_count": 0, "verdicts": {}}, "lifts": []},
            source_name="to-delete.mp4",
            source_kind="upload",
        )
        before = len(store.list_sessions())
    tab.goto(f"{server.url}/history", wait_until="domcontentloaded")
    tab.get_by_role("heading", name="History", exact=True).wait_for(timeout=60_000)
    _select_first_row(tab)  # the newest: to-delete.mp4
    tab.get_by_role("heading", name=re.compile(r"^to-delete\.mp4 · ")).wait_for(timeout=30_000)

    tab.get_by_role("button", name="Delete this session").click()
    question = tab.get_by_text(re.compile(r"Delete the session to-delete\.mp4 .* cannot be undone"))
    question.wait_for(timeout=30_000)
    screenshot(tab, "22-delete-asks")
    with HistoryStore(db) as store:
        assert len(store.list_sessions()) == before, "deleted before it was confirmed"

    tab.get_by_role("button", name="Keep it").click()
    question.wait_for(state="detached", timeout=30_000)
    with HistoryStore(db) as store:
        assert len(store.list_sessions()) == before

    tab.get_by_role("button", name="Delete this session").click()
    tab.get_by_role("button", name="Yes, delete it").click()
    tab.get_by_text("Deleted the session to-delete.mp4").first.wait_for(timeout=30_000)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with HistoryStore(db) as store:
            names = [r.source_name for r in store.list_sessions()]
        if "to-delete.mp4" not in names:
            break
        time.sleep(0.3)
    assert "to-delete.mp4" not in names and len(names) == before - 1


# --- serving a team --------------------------------------------------------------------------------------------


def _seed_history(path: Path, name: str) -> None:
    with HistoryStore(path) as store:
        store.save_session(
            {"schema_version": 1, "summary": {"lift_count": 0, "verdicts": {}}, "lifts": []},
            source_name=name,
            source_kind="upload",
        )


def test_a_team_server_without_sign_in_configured_shows_no_history(  # type: ignore[no-untyped-def]
    tab, model_dir: Path, tmp_path: Path
) -> None:
    """LIFTCHECK_SERVE_TEAM=1 and no [auth]: /history shows how to configure sign-in and no session."""
    data = tmp_path / "data"
    _seed_history(data / "history.sqlite3", "shared-lift.mp4")
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text("")
    env = {"LIFTCHECK_MODEL_DIR": str(model_dir), "LIFTCHECK_DATA_DIR": str(data), "LIFTCHECK_SERVE_TEAM": "1"}
    with streamlit_server(env, tmp_path / "team.log", extra_args=("--secrets.files", str(secrets_file))) as server:
        tab.goto(f"{server.url}/history", wait_until="domcontentloaded")
        tab.get_by_text(re.compile("sign-in is not configured")).first.wait_for(timeout=60_000)
        tab.wait_for_timeout(1500)
        _no_exception(tab, server)
        text = tab.locator('[data-testid="stMain"]').inner_text()
        screenshot(tab, "23-team-no-sign-in")
    assert "[auth]" in text and "secrets.toml" in text
    assert "shared-lift.mp4" not in text and tab.locator('[data-testid="stDataFrame"]').count() == 0


def test_a_team_server_asks_for_sign_in_and_then_shows_that_persons_history(  # type: ignore[no-untyped-def]
    tab, model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LIFTCHECK_SERVE_TEAM=1 with [auth] for a provider on this machine: /history shows only "Sign in" (no session,
    no table); signing in goes through the provider and back, and History then lists the person's own session and
    not the machine's."""
    pytest.importorskip("authlib", reason="Streamlit's sign-in needs Authlib (pip install 'streamlit[auth]')")
    from liftcheck.ui import access

    email = "ann@example.org"
    data = tmp_path / "data"
    monkeypatch.setenv("LIFTCHECK_DATA_DIR", str(data))
    _seed_history(data / "history.sqlite3", "someone-elses-lift.mp4")
    _seed_history(access.history_path(access.Access("sign-in", email)), "anns-lift.mp4")
    expected = data / "people" / hashlib.sha256(email.encode()).hexdigest()[:32] / "history.sqlite3"
    assert expected.is_file()
    with TinyOIDC(email=email, client_id="liftcheck", client_secret=secrets.token_hex(8)) as provider:
        secrets_file = tmp_path / "secrets.toml"
        secrets_file.write_text(
            "[auth]\n"
            'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(32)}"\n'
            f'client_id = "{provider.client_id}"\n'
            f'client_secret = "{provider.client_secret}"\n'
            f'server_metadata_url = "{provider.metadata_url}"\n'
        )
        env = {"LIFTCHECK_MODEL_DIR": str(model_dir), "LIFTCHECK_DATA_DIR": str(data), "LIFTCHECK_SERVE_TEAM": "1"}
        args = ("--secrets.files", str(secrets_file))
        with streamlit_server(env, tmp_path / "team.log", extra_args=args) as server:
            tab.goto(f"{server.url}/history", wait_until="domcontentloaded")
            sign_in = tab.get_by_role("button", name="Sign in")
            sign_in.wait_for(timeout=60_000)
            tab.wait_for_timeout(1500)
            _no_exception(tab, server)
            text = tab.locator('[data-testid="stMain"]').inner_text()
            assert "lift.mp4" not in text and tab.locator('[data-testid="stDataFrame"]').count() == 0
            assert tab.get_by_role("heading", name="History").count() == 0
            screenshot(tab, "24-team-sign-in")

            sign_in.click()
            tab.get_by_role("heading", name="Check a recorded lift").wait_for(timeout=60_000)
            assert any(r.startswith("POST /token") for r in provider.requests), provider.requests
            tab.get_by_text(email).first.wait_for()
            _nav(tab, "History")
            tab.get_by_role("heading", name="History", exact=True).wait_for()
            _, table = _grid_rows(tab)
            screenshot(tab, "25-team-history-signed-in")
            _no_exception(tab, server)
    assert "anns-lift.mp4" in table and "someone-elses-lift.mp4" not in table, table
