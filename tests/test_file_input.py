"""Files are opened as files: no URL, playlist or concat script is followed, the size a file claims is
checked against the limits before a frame is decoded, and the stream that holds the video is the one read.

Every input is made at test time in tmp_path.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from liftcheck.config import APP_LIMITS, CLI_LIMITS, LimitsConfig
from liftcheck.video import VideoError, VideoReader, VideoWriteError, VideoWriter, probe

ROOT = Path(__file__).resolve().parent.parent
# The limit for refusing the pixel bomb; it took 2.9 GB before the limits existed.
BOMB_PEAK_LIMIT_MB = 1536


# --- factories ---------------------------------------------------------------------------------------------------


def grey_clip(path: Path, *, frames: int = 30, level: int = 128, size: tuple[int, int] = (64, 48)) -> Path:
    """A small H.264 clip of flat grey ``level``."""
    width, height = size
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((height, width, 3), level, np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 30)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


class Listener:
    """A TCP socket on 127.0.0.1 that records every connection made to it (and closes it at once)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener():  # type: ignore[no-untyped-def]
    running = Listener()
    try:
        yield running
    finally:
        running.close()


# --- names, scripts and playlists --------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["http", "tcp"])
def test_a_name_like_a_url_is_a_file_and_nothing_is_connected_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, listener: Listener, scheme: str
) -> None:
    """A file named "http:127.0.0.1:PORT" is read from disk as the clip it holds; the listening port hears nothing."""
    monkeypatch.chdir(tmp_path)
    name = f"{scheme}:127.0.0.1:{listener.port}"
    grey_clip(tmp_path / "clip.mp4", frames=12).rename(tmp_path / name)
    info = probe(name)
    assert (info.width, info.height, info.frame_count) == (64, 48, 12)
    with VideoReader(name, max_fps=None) as reader:
        assert len(list(reader)) == 12
    assert listener.connections == 0, f"opening {name!r} connected to 127.0.0.1:{listener.port}"


def test_the_annotated_video_under_a_url_like_name_is_written_to_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, listener: Listener
) -> None:
    """VideoWriter given "http:127.0.0.1:PORT.mp4" writes that file, and connects nowhere."""
    monkeypatch.chdir(tmp_path)
    name = f"http:127.0.0.1:{listener.port}"
    with VideoWriter(name) as writer:
        for i in range(5):
            writer.write(np.full((48, 64, 3), 90, np.uint8), i / 30)
    assert (tmp_path / name).stat().st_size > 0 and probe(name).frame_count == 5
    assert listener.connections == 0


def test_an_ffconcat_script_named_avi_is_refused_and_the_clip_beside_it_is_not_read(tmp_path: Path) -> None:
    """An ffconcat script saved as .avi, listing a real clip beside it, is "not a video file", named as a script."""
    grey_clip(tmp_path / "real.mp4")
    script = tmp_path / "lift.avi"
    script.write_text("ffconcat version 1.0\nfile real.mp4\n")
    with pytest.raises(VideoError, match="not a video file") as error:
        probe(script)
    assert "ffconcat script" in str(error.value) and "lift.avi" in str(error.value)
    with pytest.raises(VideoError, match="ffconcat"):
        VideoReader(script)


@pytest.mark.parametrize("name", ["lift.mp4", "lift.m3u8"])
def test_an_hls_playlist_is_refused(tmp_path: Path, listener: Listener, name: str) -> None:
    """An HLS playlist (named .mp4, or .m3u8, which FFmpeg would follow) listing a local clip and a local address
    is refused as a playlist, and the address hears nothing."""
    grey_clip(tmp_path / "segment.mp4")
    playlist = tmp_path / name
    playlist.write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nsegment.mp4\n"
        f"#EXTINF:1.0,\nhttp://127.0.0.1:{listener.port}/next.mp4\n#EXT-X-ENDLIST\n"
    )
    with pytest.raises(VideoError, match="not a video file") as error:
        probe(playlist)
    assert "HLS playlist" in str(error.value)
    assert listener.connections == 0


def test_a_device_is_not_a_video_file() -> None:
    """/dev/zero is refused without reading it (it would never end)."""
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero on this platform")
    with pytest.raises(VideoError, match="not a regular file"):
        probe("/dev/zero")


def test_an_other_container_is_named_in_the_refusal(tmp_path: Path) -> None:
    """A video in a container liftcheck does not read (MPEG-TS) says "not a video file" and names the format."""
    path = tmp_path / "camcorder.mp4"
    with av.open(str(path), "w", format="mpegts") as container:
        stream = container.add_stream("mpeg2video", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 25)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    with pytest.raises(VideoError, match=r"not a video file liftcheck reads: FFmpeg detects the mpegts format"):
        probe(path)


# --- limits ------------------------------------------------------------------------------------------------------

_MAKE_BOMB = """
import sys, av
width = height = 16000
with av.open(sys.argv[1], "w") as container:
    stream = container.add_stream("libx264", rate=1)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.options = {"preset": "ultrafast", "crf": "51", "tune": "zerolatency", "threads": "1"}
    frame = av.VideoFrame(width, height, "yuv420p")
    for plane in frame.planes:
        memoryview(plane)[:] = b"\\x80" * plane.buffer_size
    frame.pts = 0
    container.mux(stream.encode(frame))
    container.mux(stream.encode())
"""

# The peak is read from /proc/self/status (VmHWM, this process's own high-water mark). On Linux
# getrusage's ru_maxrss also counts the parent's memory at the fork before the exec, so a test run
# that has loaded models reads 1.7 GB there for a process that never went past 140 MB.
_ATTEMPT = """
import json, resource, sys
from liftcheck.cli import main
code = main(["analyze", sys.argv[1], "--quiet", "--model", "lite"])
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
try:
    with open("/proc/self/status") as status:
        peak_mb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
except OSError:
    pass
print(json.dumps({"code": code, "peak_mb": peak_mb}))
"""


@pytest.fixture(scope="module")
def pixel_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One 16000×16000 H.264 frame in 750 kB, made in a subprocess (the encoder itself needs 1.5 GB)."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.mp4"
    subprocess.run([sys.executable, "-c", _MAKE_BOMB, str(path)], check=True, timeout=300)
    return path


def test_the_pixel_bomb_is_refused_before_decoding_within_the_memory_limit(pixel_bomb: Path, model_dir: Path) -> None:
    """`liftcheck analyze` on a 750 kB file of 16000×16000 frames exits 1 naming the pixel limit and the
    file's size, and its whole process peaks under 1.5 GB (it took 2.9 GB before the limit)."""
    assert 600_000 < pixel_bomb.stat().st_size < 900_000
    done = subprocess.run(
        [sys.executable, "-c", _ATTEMPT, str(pixel_bomb)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"\npixel bomb: refused with exit code {result['code']}, peak memory {result['peak_mb']:.0f} MB")
    assert result["code"] == 1, done.stderr
    assert "16000×16000" in done.stderr and "max_pixels" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert result["peak_mb"] < BOMB_PEAK_LIMIT_MB, f"peak {result['peak_mb']:.0f} MB"


def test_the_app_refuses_what_the_command_line_takes(tmp_path: Path) -> None:
    """A 4096×2176 clip passes the command line's pixel limit and is refused by the app's stricter one."""
    path = grey_clip(tmp_path / "big.mp4", frames=2, size=(4096, 2176))
    assert probe(path, limits=CLI_LIMITS).width == 4096
    with pytest.raises(VideoError, match=r"4096×2176 pixels .* at most 8\.3 megapixels"):
        probe(path, limits=APP_LIMITS)


def _repeated_packets(path: Path, count: int, time_base: Fraction, ticks: int = 1) -> Path:
    """``count`` frames of a 16×16 grey picture, each ``ticks`` of ``time_base`` long: one key frame and then
    the same 9-byte P frame over and over (no re-encoding, so a million frames take seconds)."""
    seed = tmp = path.with_suffix(".seed.mp4")
    with av.open(str(tmp), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width = stream.height = 16
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "bf": "0", "tune": "zerolatency"}
        for i in range(2):
            frame = av.VideoFrame.from_ndarray(np.full((16, 16, 3), 128, np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 30)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    with av.open(str(seed)) as source:
        template = source.streams.video[0]
        key, delta = [bytes(p) for p in source.demux(template) if p.size]
        with av.open(str(path), "w") as out:
            stream = out.add_stream_from_template(template)
            stream.time_base = time_base
            for i in range(count):
                packet = av.Packet(key if i == 0 else delta)
                packet.pts = packet.dts = i * ticks
                packet.duration = ticks
                packet.time_base = time_base
                packet.is_keyframe = i == 0
                packet.stream = stream
                out.mux(packet)
    seed.unlink()
    return path


def test_a_million_frames_are_refused_by_the_frame_limit(tmp_path: Path) -> None:
    """A 13 MB file of a million 16×16 frames at 10,000 frames/s (100 s) is refused by max_frames, before decoding."""
    path = _repeated_packets(tmp_path / "million.mp4", 1_000_000, Fraction(1, 10_000))
    assert path.stat().st_size < 20_000_000
    with pytest.raises(VideoError, match=r"holds 1,000,000 frames; .* at most 432,000 frames .*max_frames"):
        probe(path)
    with pytest.raises(VideoError, match=r"at most 72,000 frames"):
        VideoReader(path, limits=APP_LIMITS)


def test_four_hours_are_refused_by_the_duration_limit(tmp_path: Path) -> None:
    """Three frames each shown for an hour and twenty minutes (4 hours in all) pass max_frames and are refused by
    max_duration_s, naming both lengths."""
    path = _repeated_packets(tmp_path / "long.mp4", 3, Fraction(1, 1), ticks=4800)
    with pytest.raises(VideoError, match=r"lasts 4 h 00 min; .* at most 2 h 00 min .*max_duration_s"):
        probe(path)


def test_a_file_that_states_no_size_stops_at_the_limits_while_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A container that states no frame count or length passes the check at open (simulated here); reading then
    stops at max_frames, or at max_duration_s, and says so, instead of going on."""
    path = grey_clip(tmp_path / "c.mkv", frames=40)
    monkeypatch.setattr("liftcheck.video._check_limits", lambda *args: None)
    with VideoReader(path, max_fps=None, limits=LimitsConfig(max_frames=25)) as reader:
        frames = list(reader)
    assert len(frames) == 25
    assert reader.stats.stopped_at_limit and not reader.stats.truncated
    assert any("25 frames (the max_frames limit)" in p for p in reader.stats.problems), reader.stats.problems
    with VideoReader(path, max_fps=None, limits=LimitsConfig(max_duration_s=0.5)) as reader:
        frames = list(reader)
    assert max(f.t_s for f in frames) <= 0.5 and len(frames) == 16
    assert any("(the max_duration_s limit)" in p for p in reader.stats.problems), reader.stats.problems


def test_decoder_threads_are_capped() -> None:
    """Each profile caps FFmpeg's decoder threads (FFmpeg's own default is one per core)."""
    assert CLI_LIMITS.decoder_threads <= 4 and APP_LIMITS.decoder_threads <= 2
    with pytest.raises(ValueError, match="decoder_threads"):
        LimitsConfig(decoder_threads=0)


def test_the_reader_decodes_on_the_capped_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stream the reader decodes has thread_count = limits.decoder_threads."""
    path = grey_clip(tmp_path / "c.mp4", frames=5)
    opened: list = []
    real_open = av.open

    def recording_open(*args, **kwargs):  # type: ignore[no-untyped-def]
        container = real_open(*args, **kwargs)
        opened.append(container)
        return container

    monkeypatch.setattr(av, "open", recording_open)
    with VideoReader(path, max_fps=None, limits=LimitsConfig(decoder_threads=1)) as reader:
        frames = iter(reader)
        next(frames)
        assert opened[-1].streams.video[0].codec_context.thread_count == 1
        assert len(list(frames)) == 4


# --- streams -----------------------------------------------------------------------------------------------------


def _cover_then_video(path: Path, fmt: str, cover_codec: str) -> Path:
    """A black cover picture as the first video stream, then 60 frames of grey 200 as the second."""
    with av.open(str(path), "w", format=fmt) as container:
        cover = container.add_stream(cover_codec, rate=30)
        cover.width, cover.height = 64, 48
        cover.pix_fmt = "yuvj420p" if cover_codec == "mjpeg" else "yuv420p"
        video = container.add_stream("libx264", rate=30, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        black = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
        black.pts, black.time_base = 0, Fraction(1, 30)
        container.mux(cover.encode(black))
        container.mux(cover.encode())
        for i in range(60):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 200, np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 30)
            container.mux(video.encode(frame))
        container.mux(video.encode())
    return path


@pytest.mark.parametrize(("fmt", "cover_codec", "ext"), [("matroska", "mjpeg", "mkv"), ("mp4", "libx264", "mp4")])
def test_a_cover_picture_before_the_video_is_skipped(tmp_path: Path, fmt: str, cover_codec: str, ext: str) -> None:
    """With a one-frame black picture as the first video stream, the 60-frame grey video after it is read."""
    path = _cover_then_video(tmp_path / f"covered.{ext}", fmt, cover_codec)
    with av.open(str(path)) as container:  # the file really starts with the cover
        first = container.streams.video[0]
        assert next(container.decode(first)).to_ndarray(format="rgb24").mean() < 20
    info = probe(path)
    assert info.stream_index == 1
    with VideoReader(path, max_fps=None) as reader:
        frames = list(reader)
    assert len(frames) == 60
    assert all(abs(float(f.rgb.mean()) - 200) < 8 for f in frames)


def test_an_attached_picture_is_never_the_video(tmp_path: Path) -> None:
    """A file whose only video stream is an attached (cover) picture is refused as holding no video."""
    path = tmp_path / "cover-only.mp4"
    with av.open(str(path), "w") as container:
        cover = container.add_stream("png", rate=1)
        cover.width, cover.height, cover.pix_fmt = 64, 48, "rgb24"
        cover.disposition = av.stream.Disposition.attached_pic
        audio = container.add_stream("aac", rate=16_000)
        picture = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
        picture.pts = 0
        container.mux(cover.encode(picture))
        container.mux(cover.encode())
        samples = np.zeros((1, 1024), np.float32)
        for i in range(16):
            chunk = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            chunk.sample_rate, chunk.pts = 16_000, i * 1024
            container.mux(audio.encode(chunk))
        container.mux(audio.encode())
    with av.open(str(path)) as container:
        assert container.streams.video[0].disposition & av.stream.Disposition.attached_pic
    with pytest.raises(VideoError, match="only a cover picture"):
        probe(path)


def _gif(path: Path, frames: int) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("gif", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "rgb8"
        for i in range(frames):
            picture = np.zeros((48, 64, 3), np.uint8)
            picture[:, (4 * i) % 54 : (4 * i) % 54 + 10] = 255
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 10)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def test_an_animated_gif_is_read_as_a_video_and_said_to_be_one(tmp_path: Path) -> None:
    """An animated GIF is analysed as the video it is (every frame, in time), and the reader says it was a GIF."""
    path = _gif(tmp_path / "lift.gif", 12)
    info = probe(path)
    assert info.container == "gif" and (info.width, info.height) == (64, 48)
    with VideoReader(path, max_fps=None) as reader:
        frames = list(reader)
    assert len(frames) == 12
    assert np.all(np.diff([f.t_s for f in frames]) > 0)
    assert any("is an animated GIF" in p for p in reader.stats.problems), reader.stats.problems


def test_a_single_frame_gif_is_a_still_image(tmp_path: Path) -> None:
    """A GIF with one frame is refused as a still image."""
    with pytest.raises(VideoError, match="still image .*GIF with a single frame"):
        probe(_gif(tmp_path / "still.gif", 1))


# --- writing -----------------------------------------------------------------------------------------------------


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def test_a_writer_that_runs_out_of_space_is_closed_and_leaves_no_half_file(tmp_path: Path) -> None:
    """Writing the annotated video onto a full disk (/dev/full answers ENOSPC) raises VideoWriteError naming the
    reason, releases its file descriptor and removes the file."""
    if not Path("/dev/full").exists() or not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /dev/full and /proc (Linux)")
    with VideoWriter(tmp_path / "warm-up.mp4") as writer:  # FFmpeg and x264 open what they keep first
        writer.write(np.zeros((48, 64, 3), np.uint8), 0.0)
    before = _open_fds()
    target = tmp_path / "annotated.mp4"
    target.symlink_to("/dev/full")
    rng = np.random.default_rng(0)
    writer = VideoWriter(target)
    with pytest.raises(VideoWriteError, match="No space left on device"):
        for i in range(120):
            writer.write(rng.integers(0, 256, (240, 320, 3), dtype=np.uint8), i / 30)
        writer.close()
    assert _open_fds() == before, "the writer left a file descriptor open"
    assert not target.exists() and not target.is_symlink(), "the half-written file was left behind"
    writer.close()  # closing again after the failure is harmless


def test_a_frame_too_small_to_encode_is_a_write_error(tmp_path: Path) -> None:
    """A 1×1 frame cannot be H.264 4:2:0: VideoWriteError names the size, and no file is created."""
    target = tmp_path / "tiny.mp4"
    writer = VideoWriter(target)
    with pytest.raises(VideoWriteError, match="0×0 pixels"):
        writer.write(np.zeros((1, 1, 3), np.uint8), 0.0)
    assert not target.exists()


def test_a_one_pixel_video_is_refused_at_open(tmp_path: Path) -> None:
    """A 1×1 video (lossless, so the size is real) is refused by min_side_px with its size named."""
    path = tmp_path / "one.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("ffv1", rate=30)
        stream.width, stream.height, stream.pix_fmt = 1, 1, "bgr0"
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(np.full((1, 1, 3), 90, np.uint8), format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    with pytest.raises(VideoError, match=r"1×1 pixels, too small .* at least 16 pixels"):
        probe(path)
