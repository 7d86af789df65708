"""Tests for liftcheck.workshop.samples: the committed manifest, copying, rebuilding from originals, the command."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import socket
import threading
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from liftcheck.workshop import samples

COMMIT = "0123456789abcdef0123456789abcdef01234567"
REPO = "someone/lift-videos"


# --- factories -------------------------------------------------------------------------------


def make_clip(path: Path, *, seconds: float = 1.0, fps: int = 10, shade: int = 0, audio: bool = False) -> Path:
    """A small H.264 MP4 whose frames brighten over time (``shade`` makes clips differ), optionally with sound."""
    with av.open(str(path), mode="w", format="mp4") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        sound = out.add_stream("aac", rate=8000, layout="mono") if audio else None
        frames = int(round(seconds * fps))
        for i in range(frames):
            rgb = np.full((48, 64, 3), (shade + 7 * i) % 256, dtype=np.uint8)
            rgb[:, : 4 + i % 60] = 255 - shade
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            for packet in video.encode(frame):
                out.mux(packet)
        if sound is not None:
            for j in range(int(seconds * 8000 / 1024)):
                chunk = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
                chunk.sample_rate, chunk.pts, chunk.time_base = 8000, j * 1024, Fraction(1, 8000)
                for packet in sound.encode(chunk):
                    out.mux(packet)
            for packet in sound.encode():
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def entry(file: str, digest: str, *, path: str | None = None, spec: dict[str, Any] | None = None) -> dict[str, Any]:
    """One manifest clip; ``spec=None`` marks it as not rebuildable."""
    cut: dict[str, Any] = (
        {"reproducible": True, "how": "test cut", "spec": spec}
        if spec is not None
        else {"reproducible": False, "why_not": "made from still frames", "spec": None}
    )
    return {
        "file": file,
        "sha256": digest,
        "source": {"repo": REPO, "commit": COMMIT, "path": path or file, "license": {"spdx": None, "note": "test"}},
        "cut": cut,
        "labels": {"view": "side", "lift_count": {"min": 1, "max": 1}},
    }


def manifest_dict(*clips: dict[str, Any]) -> dict[str, Any]:
    return {"schema": samples.MANIFEST_SCHEMA, "version": samples.MANIFEST_VERSION, "clips": list(clips)}


@pytest.fixture
def source(tmp_path: Path) -> tuple[Path, samples.Manifest]:
    """A source folder with two small clips and labels.json, and a manifest pinning both."""
    src = tmp_path / "source"
    src.mkdir()
    a = make_clip(src / "a.mp4", shade=10)
    b = make_clip(src / "b.mp4", shade=120)
    (src / "labels.json").write_text('[{"file": "a.mp4"}, {"file": "b.mp4"}]')
    spec = {"start_s": None, "end_s": None, "video": "h264", "crf": 23, "drop_audio": True}
    manifest = samples.parse_manifest(manifest_dict(entry("a.mp4", sha(a), spec=spec), entry("b.mp4", sha(b))))
    return src, manifest


@pytest.fixture
def no_shared_source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Make ``samples_source_dir()`` find nothing, so fetching has to download."""
    monkeypatch.setenv(samples.SAMPLES_DIR_ENV, str(tmp_path / "no-such-folder"))


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A file server on 127.0.0.1 standing in for GitHub; yields the folder it serves."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    port = httpd.server_address[1]
    monkeypatch.setattr(samples, "ORIGINAL_URL_TEMPLATE", f"http://127.0.0.1:{port}/{{repo}}/{{commit}}/{{path}}")
    try:
        yield root
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def leftovers(dest: Path) -> list[str]:
    """Temporary files or folders a fetch may have left in ``dest``."""
    return sorted(p.name for p in dest.iterdir() if p.name.startswith(".") and p.name != samples.REBUILT_RECORD)


# --- the committed manifest ------------------------------------------------------------------


def test_committed_manifest_is_valid() -> None:
    """The committed manifest parses, and every clip is either rebuildable by a cut or says why not."""
    manifest = samples.load_manifest()
    assert len(manifest.clips) >= 1
    for clip in manifest.clips:
        assert clip.reproducible or clip.why_not
        assert len(clip.commit) == 40
        assert {"view", "lift_count", "twist_in_clip", "people_in_frame"} <= set(clip.labels)


def test_manifest_covers_every_labelled_clip(samples_dir: Path) -> None:
    """The manifest lists exactly the clips in labels.json, with their sha256 and lift-count ranges."""
    labels = {c["file"]: c for c in json.loads((samples_dir / "labels.json").read_text())}
    manifest = {clip.file: clip for clip in samples.load_manifest().clips}
    assert set(manifest) == set(labels)
    for name, clip in manifest.items():
        assert clip.sha256 == labels[name]["sha256"], name
        assert clip.labels["lift_count"] == {
            "min": labels[name]["rep_count"]["min"],
            "max": labels[name]["rep_count"]["max"],
        }
        assert clip.labels["twist_in_clip"] == labels[name]["twist_in_clip"], name
        assert clip.repo == labels[name]["source"]["repo"] and clip.commit == labels[name]["source"]["commit"]


def test_samples_source_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """LIFTCHECK_SAMPLES_DIR names the source folder, and a name that is not a folder gives None."""
    monkeypatch.setenv(samples.SAMPLES_DIR_ENV, str(tmp_path))
    assert samples.samples_source_dir() == tmp_path
    monkeypatch.setenv(samples.SAMPLES_DIR_ENV, str(tmp_path / "missing"))
    assert samples.samples_source_dir() is None


def test_cut_spec_refuses_impossible_cuts() -> None:
    """A cut spec that trims a stream copy, ends before it starts or has unknown fields is refused by name."""
    with pytest.raises(samples.SampleError, match="copy"):
        samples.CutSpec(start_s=1.0, video="copy")
    with pytest.raises(samples.SampleError, match="end_s"):
        samples.CutSpec(start_s=2.0, end_s=1.0)
    with pytest.raises(samples.SampleError, match="scale"):
        samples.CutSpec.from_dict({"scale": 0.5})


# --- copying from a source folder ------------------------------------------------------------


def test_fetch_copies_and_verifies(tmp_path: Path, source: tuple[Path, samples.Manifest]) -> None:
    """Fetching from a source folder copies every clip with the pinned sha256, and labels.json beside them."""
    src, manifest = source
    dest = tmp_path / "dest"
    seen: list[samples.ClipOutcome] = []
    result = samples.fetch_samples(dest, source_dir=src, manifest=manifest, progress=seen.append)
    assert [o.status for o in result.outcomes] == ["copied", "copied"]
    assert seen == list(result.outcomes)
    assert result.ok and result.labels == "copied"
    for clip in manifest.clips:
        assert sha(dest / clip.file) == clip.sha256
    assert (dest / "labels.json").read_text() == (src / "labels.json").read_text()
    assert leftovers(dest) == []


def test_fetch_again_skips_present_files(tmp_path: Path, source: tuple[Path, samples.Manifest]) -> None:
    """A second fetch leaves clips that already have the right sha256 alone."""
    src, manifest = source
    dest = tmp_path / "dest"
    samples.fetch_samples(dest, source_dir=src, manifest=manifest)
    before = {p.name: p.stat().st_mtime_ns for p in dest.glob("*.mp4")}
    result = samples.fetch_samples(dest, source_dir=src, manifest=manifest)
    assert [o.status for o in result.outcomes] == ["present", "present"]
    assert result.labels == "already present" and result.ok
    assert {p.name: p.stat().st_mtime_ns for p in dest.glob("*.mp4")} == before


def test_corrupted_source_is_reported_not_copied(tmp_path: Path, source: tuple[Path, samples.Manifest]) -> None:
    """A source clip whose sha256 does not match is reported as failed and no file is left for it."""
    src, manifest = source
    data = bytearray((src / "b.mp4").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (src / "b.mp4").write_bytes(bytes(data))
    dest = tmp_path / "dest"
    result = samples.fetch_samples(dest, source_dir=src, manifest=manifest, allow_download=False)
    by_file = {o.file: o for o in result.outcomes}
    assert by_file["a.mp4"].status == "copied"
    assert by_file["b.mp4"].status == "failed" and "sha256" in by_file["b.mp4"].detail
    assert not (dest / "b.mp4").exists()
    assert not result.ok and result.missing == ("b.mp4",)
    assert leftovers(dest) == []


# --- rebuilding from the original ------------------------------------------------------------


def test_download_applies_the_cut(tmp_path: Path, server: Path, no_shared_source: None) -> None:
    """Without a source folder the original is downloaded and cut: trimmed to end_s - start_s, H.264, no sound."""
    original = server / REPO / COMMIT / "raw clips" / "long one.mp4"
    original.parent.mkdir(parents=True)
    make_clip(original, seconds=3.0, fps=10, audio=True)
    spec = {"start_s": 0.5, "end_s": 2.0, "video": "h264", "crf": 30, "drop_audio": True, "rotate_display_deg": 90}
    manifest = samples.parse_manifest(
        manifest_dict(
            entry("cut.mp4", "0" * 64, path="raw clips/long one.mp4", spec=spec), entry("frames.mp4", "1" * 64)
        )
    )
    dest = tmp_path / "dest"
    result = samples.fetch_samples(dest, manifest=manifest)
    cut, frames = result.outcomes
    assert cut.status == "rebuilt" and "labels' times still apply" in cut.detail
    assert frames.status == "skipped" and "still frames" in frames.detail
    assert not result.ok and result.labels == "no source folder"
    with av.open(str(dest / "cut.mp4")) as container:
        assert [s.type for s in container.streams] == ["video"]
        stream = container.streams.video[0]
        decoded = list(container.decode(stream))
        assert stream.codec_context.name == "h264" and decoded[0].format.name == "yuv420p"
        assert decoded[0].rotation == 90
        assert float(decoded[0].pts * stream.time_base) == pytest.approx(0.0)
        duration_s = float(decoded[-1].pts * stream.time_base) + 0.1
    assert duration_s == pytest.approx(2.0 - 0.5, abs=0.11)
    assert leftovers(dest) == []
    again = samples.fetch_samples(dest, manifest=manifest)
    assert again.outcomes[0].status == "present" and "rebuilt" in again.outcomes[0].detail


def test_lfs_pointer_is_followed_to_the_media_url(tmp_path: Path, no_shared_source: None) -> None:
    """When the raw URL gives a Git LFS pointer, the original is fetched again from the LFS media URL."""
    original = make_clip(tmp_path / "orig.mp4", seconds=1.0)
    calls: list[str] = []

    def fake_download(url: str, target: Path) -> None:
        calls.append(url)
        if url.startswith("https://raw.githubusercontent.com/"):
            target.write_bytes(b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 1\n")
        else:
            target.write_bytes(original.read_bytes())

    spec = {"video": "copy", "crf": None, "pix_fmt": None, "drop_audio": True}
    manifest = samples.parse_manifest(manifest_dict(entry("x.mp4", "2" * 64, path="dir/x.mp4", spec=spec)))
    result = samples.fetch_samples(tmp_path / "dest", manifest=manifest, downloader=fake_download)
    assert result.ok
    assert calls == [
        f"https://raw.githubusercontent.com/{REPO}/{COMMIT}/dir/x.mp4",
        f"https://media.githubusercontent.com/media/{REPO}/{COMMIT}/dir/x.mp4",
    ]


def test_server_down_fails_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_shared_source: None) -> None:
    """A server that does not answer gives a per-clip failure naming the URL, and leaves no partial file."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(samples, "ORIGINAL_URL_TEMPLATE", f"http://127.0.0.1:{port}/{{repo}}/{{commit}}/{{path}}")
    spec = {"start_s": 0.0, "end_s": 1.0, "video": "h264", "crf": 23, "drop_audio": True}
    manifest = samples.parse_manifest(manifest_dict(entry("c.mp4", "3" * 64, spec=spec)))
    dest = tmp_path / "dest"
    result = samples.fetch_samples(dest, manifest=manifest)
    (outcome,) = result.outcomes
    assert outcome.status == "failed"
    assert "could not download the original" in outcome.detail and f"127.0.0.1:{port}" in outcome.detail
    assert list(dest.iterdir()) == []


def test_missing_original_reports_http_status(tmp_path: Path, server: Path, no_shared_source: None) -> None:
    """An original the server does not have is reported with its HTTP status, and no file is left."""
    spec = {"start_s": 0.0, "end_s": 1.0, "video": "h264", "crf": 23, "drop_audio": True}
    manifest = samples.parse_manifest(manifest_dict(entry("d.mp4", "4" * 64, spec=spec)))
    dest = tmp_path / "dest"
    (outcome,) = samples.fetch_samples(dest, manifest=manifest).outcomes
    assert outcome.status == "failed" and "HTTP 404" in outcome.detail
    assert list(dest.iterdir()) == []


def test_download_cut_off_midway_fails_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_shared_source: None
) -> None:
    """A download that stops before the promised length is a per-clip failure and leaves no file behind."""

    class Truncating(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"\0" * 1000)
            self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Truncating)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        port = httpd.server_address[1]
        template = f"http://127.0.0.1:{port}/{{repo}}/{{commit}}/{{path}}"
        spec = {"start_s": 0.0, "end_s": 1.0, "video": "h264", "crf": 23, "drop_audio": True}
        manifest = samples.parse_manifest(manifest_dict(entry("e.mp4", "5" * 64, spec=spec)))
        dest = tmp_path / "dest"
        (outcome,) = samples.fetch_samples(dest, manifest=manifest, url_template=template).outcomes
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
    assert outcome.status == "failed" and "could not download the original" in outcome.detail
    assert list(dest.iterdir()) == []


# --- the command -----------------------------------------------------------------------------


def test_command_exit_code_and_output(
    tmp_path: Path,
    source: tuple[Path, samples.Manifest],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`liftcheck samples` prints a line per clip and a total, and exits 0 only when every clip is present."""
    src, manifest = source
    manifest_file = tmp_path / "manifest.json"
    a, b = (src / "a.mp4"), (src / "b.mp4")
    spec = {"video": "copy", "crf": None, "pix_fmt": None, "drop_audio": True}
    manifest_file.write_text(json.dumps(manifest_dict(entry("a.mp4", sha(a), spec=spec), entry("b.mp4", sha(b)))))
    monkeypatch.setattr(samples, "MANIFEST_PATH", manifest_file)
    dest = tmp_path / "dest"

    assert samples.main(["--dest", str(dest), "--source", str(src)]) == 0
    out = capsys.readouterr().out
    assert "a.mp4: copied" in out and "b.mp4: copied" in out
    assert "total: 2 clips: 2 copied" in out

    assert samples.main(["--dest", str(dest), "--list"]) == 0
    out = capsys.readouterr().out
    assert "a.mp4: present" in out and "2 of 2 clips" in out

    (dest / "b.mp4").unlink()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert samples.main(["--dest", str(dest), "--source", str(empty), "--no-download"]) == 1
    out = capsys.readouterr().out
    assert "a.mp4: already present" in out
    assert "b.mp4: failed: not in" in out and "downloading is off" in out
    assert "1 of 2 clips are missing" in out

    assert samples.main(["--dest", str(dest), "--source", str(tmp_path / "nowhere")]) == 1
    assert "does not exist" in capsys.readouterr().out
