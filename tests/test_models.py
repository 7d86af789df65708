"""Tests for liftcheck.models: finding, verifying and downloading the pose bundles, with no internet.

Downloads come from a tiny HTTP server on 127.0.0.1 that serves a copy of the real lite bundle.
"""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import liftcheck.models as models
from liftcheck.models import (
    MODEL_BYTES,
    MODEL_DIR_ENV,
    MODEL_SHA256,
    VARIANTS,
    ModelError,
    cache_dir,
    download,
    model_filename,
    read_verified,
    resolve_model,
    sha256_of,
)

LITE = "pose_landmarker_lite.task"


@pytest.fixture
def lite_copy(tmp_path: Path, model_dir: Path) -> Path:
    """A writable copy of the real lite bundle in its own folder."""
    folder = tmp_path / "models"
    folder.mkdir()
    return Path(shutil.copyfile(model_dir / LITE, folder / LITE))


def flip_one_byte(path: Path, offset: int = 1000) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


# --- LIFTCHECK_MODEL_DIR -------------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_shared_models_resolve_and_verify(model_dir: Path, monkeypatch: pytest.MonkeyPatch, variant: str) -> None:
    """Each of lite, full and heavy is found in LIFTCHECK_MODEL_DIR and matches its pinned size and sha256."""
    monkeypatch.setenv(MODEL_DIR_ENV, str(model_dir))
    path = resolve_model(variant, allow_download=False, progress=None)
    assert path == model_dir / model_filename(variant)
    assert path.stat().st_size == MODEL_BYTES[variant]
    assert sha256_of(path) == MODEL_SHA256[variant]


def test_wrong_bytes_in_model_dir_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file of the right name but wrong content raises ModelError naming the file and its sha256."""
    (tmp_path / "pose_landmarker_full.task").write_bytes(b"this is not a pose model")
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))
    with pytest.raises(ModelError, match="sha256") as error:
        resolve_model("full", progress=None)
    assert "pose_landmarker_full.task" in str(error.value)
    assert MODEL_SHA256["full"][:12] in str(error.value)


def test_tampered_copy_of_real_model_is_refused(lite_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real lite bundle with one byte changed is refused, though its size is right."""
    flip_one_byte(lite_copy)
    assert lite_copy.stat().st_size == MODEL_BYTES["lite"]
    monkeypatch.setenv(MODEL_DIR_ENV, str(lite_copy.parent))
    with pytest.raises(ModelError, match="sha256"):
        resolve_model("lite", progress=None)


def test_missing_file_in_model_dir_names_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty LIFTCHECK_MODEL_DIR raises ModelError naming the setting, its value and the missing file."""
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))
    with pytest.raises(ModelError, match=MODEL_DIR_ENV) as error:
        resolve_model("heavy", progress=None)
    assert str(tmp_path) in str(error.value) and "pose_landmarker_heavy.task" in str(error.value)


def test_model_dir_wins_over_the_cache(lite_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With LIFTCHECK_MODEL_DIR set, a broken file in the cache is never looked at."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cache_dir().mkdir(parents=True)
    (cache_dir() / LITE).write_bytes(b"broken")
    monkeypatch.setenv(MODEL_DIR_ENV, str(lite_copy.parent))
    assert resolve_model("lite", progress=None) == lite_copy


# --- read_verified -------------------------------------------------------------------------------


def test_read_verified_returns_the_checked_bytes(lite_copy: Path) -> None:
    """read_verified gives exactly the file's bytes when they are the official lite bundle."""
    data = read_verified(lite_copy, "lite")
    assert data == lite_copy.read_bytes()
    assert len(data) == MODEL_BYTES["lite"]


def test_read_verified_refuses_a_tampered_copy(lite_copy: Path) -> None:
    """read_verified raises ModelError naming the file and sha256 when one byte is flipped."""
    flip_one_byte(lite_copy, offset=MODEL_BYTES["lite"] // 2)
    with pytest.raises(ModelError, match="sha256") as error:
        read_verified(lite_copy, "lite")
    assert str(lite_copy) in str(error.value)


def test_read_verified_refuses_the_wrong_variant(lite_copy: Path) -> None:
    """The genuine lite bundle is not accepted as the full one."""
    with pytest.raises(ModelError, match="official full pose model"):
        read_verified(lite_copy, "full")


# --- downloading, from a local server ------------------------------------------------------------


@dataclass
class FakeGoogle:
    """What the local server serves for /{variant}.task, and every path it was asked for."""

    body: bytes = b""
    mode: str = "good"  # good | short (Content-Length promises more than is sent) | chunked-cut
    requests: list[str] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def fake_google(model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGoogle]:
    """A ThreadingHTTPServer on 127.0.0.1 serving the real lite bundle; MODEL_URL points at it; empty cache."""
    state = FakeGoogle(body=(model_dir / LITE).read_bytes())

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # the name http.server calls
            state.requests.append(self.path)
            self.close_connection = True
            if self.path != "/models/pose_landmarker_lite.task":
                self.send_error(404, "no such model")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            if state.mode == "chunked-cut":
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = state.body[:100_000]
                self.wfile.write(b"%x\r\n" % len(chunk) + chunk + b"\r\n")  # then hang up mid-body
                return
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body if state.mode == "good" else state.body[: len(state.body) // 3])

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/models/pose_landmarker_{{variant}}.task"
    monkeypatch.setattr(models, "MODEL_URL", state.url)
    monkeypatch.delenv(MODEL_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def cache_contents() -> list[str]:
    folder = cache_dir()
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_once_into_the_cache_with_progress(fake_google: FakeGoogle, tmp_path: Path) -> None:
    """A missing model is fetched once into the XDG cache, reporting rising progress up to the full size."""
    calls: list[tuple[int, int]] = []
    path = resolve_model("lite", progress=lambda done, total: calls.append((done, total)))
    assert path == tmp_path / "xdg-cache" / "liftcheck" / "models" / LITE
    assert sha256_of(path) == MODEL_SHA256["lite"]
    assert cache_contents() == [LITE]  # no leftover partial files
    assert fake_google.requests == ["/models/pose_landmarker_lite.task"]

    assert len(calls) > 10
    done = [d for d, _ in calls]
    assert all(b > a for a, b in zip(done, done[1:], strict=False))
    assert {t for _, t in calls} == {MODEL_BYTES["lite"]}
    assert done[-1] == MODEL_BYTES["lite"]

    # Later resolves use the cache and never ask the server again.
    def no_progress_expected(done: int, total: int) -> None:
        raise AssertionError(f"downloaded again ({done} of {total} bytes)")

    assert resolve_model("lite", progress=no_progress_expected) == path
    assert resolve_model("lite", allow_download=False, progress=None) == path
    assert len(fake_google.requests) == 1


def test_wrong_bytes_from_server_are_not_kept(fake_google: FakeGoogle) -> None:
    """A download whose sha256 is wrong raises ModelError, saying it was not saved, and leaves the cache empty."""
    official = fake_google.body
    body = bytearray(official)
    body[12345] ^= 0x01
    fake_google.body = bytes(body)
    with pytest.raises(ModelError, match="sha256") as error:
        resolve_model("lite", progress=None)
    assert "not saved" in str(error.value) and MODEL_DIR_ENV in str(error.value)
    assert cache_contents() == []
    # Nothing was cached, so the next try downloads again (and now succeeds).
    fake_google.body = official
    assert sha256_of(resolve_model("lite", progress=None)) == MODEL_SHA256["lite"]
    assert len(fake_google.requests) == 2


def test_download_cut_short_is_reported_and_not_kept(fake_google: FakeGoogle) -> None:
    """A server that sends a third of the promised bytes gives ModelError saying how far it got; nothing is kept."""
    fake_google.mode = "short"
    with pytest.raises(ModelError, match="stopped after") as error:
        resolve_model("lite", progress=None)
    assert f"{MODEL_BYTES['lite']:,}" in str(error.value)
    assert cache_contents() == []


def test_connection_dropped_mid_chunk_is_a_model_error(fake_google: FakeGoogle) -> None:
    """A chunked download whose connection drops mid-body raises ModelError (not an http.client error)."""
    fake_google.mode = "chunked-cut"
    with pytest.raises(ModelError, match=MODEL_DIR_ENV):
        resolve_model("lite", progress=None)
    assert cache_contents() == []


def test_missing_on_server_is_a_model_error(fake_google: FakeGoogle) -> None:
    """A 404 from the server raises ModelError that names the URL and tells the user about LIFTCHECK_MODEL_DIR."""
    with pytest.raises(ModelError, match=MODEL_DIR_ENV) as error:
        resolve_model("full", progress=None)
    assert "404" in str(error.value)
    assert fake_google.url.format(variant="full") in str(error.value)
    assert cache_contents() == []


def test_no_download_when_not_allowed(fake_google: FakeGoogle) -> None:
    """With allow_download=False and an empty cache, ModelError names the setting and the server is not asked."""
    with pytest.raises(ModelError, match=MODEL_DIR_ENV):
        resolve_model("lite", allow_download=False, progress=None)
    assert fake_google.requests == []


def test_corrupt_cached_file_is_refused_not_redownloaded(fake_google: FakeGoogle) -> None:
    """A damaged file already in the cache raises ModelError (sha256) instead of being silently trusted."""
    cache_dir().mkdir(parents=True)
    (cache_dir() / LITE).write_bytes(fake_google.body[:-10])
    with pytest.raises(ModelError, match="sha256"):
        resolve_model("lite", progress=None)
    assert fake_google.requests == []


def test_refused_connection_tells_user_to_set_model_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Downloading from a port nobody listens on raises ModelError that suggests LIFTCHECK_MODEL_DIR."""
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        port = probe_socket.getsockname()[1]
    # The socket is closed, so the port refuses connections.
    monkeypatch.setattr(models, "MODEL_URL", f"http://127.0.0.1:{port}/pose_landmarker_{{variant}}.task")
    monkeypatch.delenv(MODEL_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(ModelError) as error:
        resolve_model("lite", progress=None)
    message = str(error.value)
    assert MODEL_DIR_ENV in message and LITE in message
    assert "could not be downloaded" in message
    assert cache_contents() == []


def test_default_progress_prints_a_bar(fake_google: FakeGoogle, capsys: pytest.CaptureFixture[str]) -> None:
    """Without a progress argument the download draws a bar on stderr that ends at the full size."""
    download("lite", cache_dir())
    err = capsys.readouterr().err
    assert err.startswith("\rdownloading model [")
    assert err.endswith(f"{MODEL_BYTES['lite'] / 1e6:.1f}/{MODEL_BYTES['lite'] / 1e6:.1f} MB\n")


# --- variants ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["tiny", "Full", "", "pose_landmarker_full"])
def test_unknown_variant_is_a_clear_model_error(bad: str, tmp_path: Path) -> None:
    """An unknown variant raises ModelError quoting it and listing lite, full and heavy, before any file work."""
    for call in (
        lambda: resolve_model(bad, progress=None),
        lambda: model_filename(bad),
        lambda: download(bad, tmp_path / "never", progress=None),
    ):
        with pytest.raises(ModelError, match="unknown model") as error:
            call()
        assert repr(bad) in str(error.value)
        assert all(v in str(error.value) for v in VARIANTS)
    assert not (tmp_path / "never").exists()
