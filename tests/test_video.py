"""Tests for liftcheck.video: every input is a small clip written with PyAV in tmp_path at test time."""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from liftcheck import video
from liftcheck.video import Frame, VideoError, VideoReader, VideoWriter, probe, read_frames

W, H = 64, 48
SQUARE_PX = 10

# --- factories ---------------------------------------------------------------------------------


def moving_square(i: int, width: int = W, height: int = H) -> np.ndarray:
    """(height, width, 3) uint8 RGB: dark background, a white square whose left edge is at x = 2 * i."""
    rgb = np.full((height, width, 3), 30, np.uint8)
    x = (2 * i) % (width - SQUARE_PX)
    y = (height - SQUARE_PX) // 2
    rgb[y : y + SQUARE_PX, x : x + SQUARE_PX] = 255
    return rgb


def square_x(rgb: np.ndarray) -> float:
    """Left edge (px) of the bright square in a decoded frame."""
    cols = np.flatnonzero(rgb.mean(axis=2).max(axis=0) > 140)
    assert cols.size, "no bright square in the frame"
    return float(cols.min())


def write_clip(
    path: Path,
    *,
    fps: float = 30,
    seconds: float = 2.0,
    size: tuple[int, int] = (W, H),
    pts_ms: Sequence[int] | None = None,
    picture: Callable[[int], np.ndarray] | None = None,
    fmt: str | None = None,
    options: dict[str, str] | None = None,
    display_rotation: int | None = None,
) -> Path:
    """Encode an H.264 clip; frame i shows ``picture(i)`` at i / fps s, or at ``pts_ms[i]`` ms when given."""
    width, height = size
    picture = picture or (lambda i: moving_square(i, width, height))
    count = len(pts_ms) if pts_ms is not None else round(seconds * fps)
    with av.open(str(path), "w", format=fmt, options=options or {}) as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if pts_ms is not None:
            stream.time_base = stream.codec_context.time_base = Fraction(1, 1000)
        if display_rotation is not None:
            stream.set_display_rotation(display_rotation)  # PyAV 18: must come before the first encode
        for i in range(count):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture(i)), format="rgb24")
            if pts_ms is not None:
                frame.pts, frame.time_base = pts_ms[i], Fraction(1, 1000)
            else:
                frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_with_packet_times(path: Path, pts_ms: Sequence[int], fmt: str) -> Path:
    """All-intra H.264 whose packets carry ``pts_ms`` as presentation times (dts 0, 1, 2… ms keeps muxers happy).

    Frame i is a flat grey of level 20 * i, so a decoded frame tells which packet it came from.
    """
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.time_base = stream.codec_context.time_base = Fraction(1, 1000)
        stream.options = {"x264-params": "keyint=1:bframes=0"}  # decode order = file order, no reordering
        packets = []
        for i in range(len(pts_ms)):
            frame = av.VideoFrame.from_ndarray(np.full((H, W, 3), 20 * i, np.uint8), format="rgb24")
            frame.pts, frame.time_base = 33 * i, Fraction(1, 1000)
            packets += stream.encode(frame)
        packets += stream.encode()
        assert len(packets) == len(pts_ms)
        for dts, (packet, pts) in enumerate(zip(packets, pts_ms, strict=True)):
            packet.pts, packet.dts = pts, dts  # pts >= dts as muxers require; pts may repeat or go back
            container.mux(packet)
    return path


def write_audio(path: Path, codec: str) -> Path:
    """One second of a 440 Hz sine, mono, 16 kHz, and nothing else."""
    rate = 16_000
    sine = 0.3 * np.sin(2 * np.pi * 440 * np.arange(rate) / rate)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate)
        stream.layout = "mono"
        sample_fmt = stream.codec_context.format.name
        for start in range(0, rate, 1024):
            block = sine[start : start + 1024]
            samples = (block * 32767).astype(np.int16) if sample_fmt.startswith("s16") else block.astype(np.float32)
            frame = av.AudioFrame.from_ndarray(samples[None, :], format=sample_fmt, layout="mono")
            frame.sample_rate, frame.pts = rate, start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def cut(src: Path, dst: Path, fraction: float) -> Path:
    """Copy the first ``fraction`` of ``src``'s bytes to ``dst``, as an interrupted copy or upload would."""
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def read_all(path: Path, **kwargs: object) -> tuple[list[Frame], VideoReader]:
    with VideoReader(path, **kwargs) as reader:  # type: ignore[arg-type]
        frames = list(reader)
    return frames, reader


def raw_pts_s(path: Path) -> list[float]:
    """Presentation times of every frame as FFmpeg decodes them, with no cleaning."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [float(f.pts * stream.time_base) for f in container.decode(stream)]


@pytest.fixture(scope="module")
def clip30(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_clip(tmp_path_factory.mktemp("clips") / "square30.mp4", fps=30, seconds=2)


# --- probe and timestamps ----------------------------------------------------------------------


def test_probe_reports_size_rate_duration_and_codec(clip30: Path) -> None:
    """probe gives the written size, frame rate, length, frame count and codec of a plain clip."""
    info = probe(clip30)
    assert (info.width, info.height, info.rotation_deg) == (W, H, 0)
    assert info.fps == pytest.approx(30, abs=0.01)
    assert info.duration_s == pytest.approx(2.0, abs=1 / 30)
    assert info.frame_count == 60
    assert info.codec == "h264"


def test_reader_yields_every_frame_at_its_written_time(clip30: Path) -> None:
    """With max_fps=None all 60 frames come out in order, at i/30 s, showing the square where it was drawn."""
    frames, reader = read_all(clip30, max_fps=None)
    assert len(frames) == 60
    assert [f.index for f in frames] == list(range(60))
    times = np.array([f.t_s for f in frames])
    assert np.all(np.diff(times) > 0)
    np.testing.assert_allclose(times, np.arange(60) / 30, atol=1e-3)
    for i, frame in enumerate(frames):
        assert frame.rgb.shape == (H, W, 3) and frame.rgb.dtype == np.uint8
        assert square_x(frame.rgb) == pytest.approx(square_x(moving_square(i)), abs=1)
    assert (reader.stats.decoded, reader.stats.kept, reader.stats.thinned) == (60, 60, 0)
    assert not reader.stats.truncated and reader.stats.problems == []


@pytest.mark.parametrize(
    ("file_fps", "max_fps", "step"),
    [(30, 15, 2), (60, 30, 2), (30, 30, 1), (30, None, 1), (60, None, 1), (90, 30, 3)],
)
def test_max_fps_thins_to_every_nth_frame(tmp_path: Path, file_fps: int, max_fps: float | None, step: int) -> None:
    """A file at file_fps read at max_fps keeps every step-th frame, evenly spaced, and counts the rest as thinned."""
    path = write_clip(tmp_path / f"c{file_fps}.mp4", fps=file_fps, seconds=1)
    frames, reader = read_all(path, max_fps=max_fps)
    assert [f.index for f in frames] == list(range(0, file_fps, step))
    np.testing.assert_allclose(np.diff([f.t_s for f in frames]), step / file_fps, atol=1e-3)
    assert reader.stats.thinned == file_fps - len(frames)
    assert reader.stats.kept + reader.stats.thinned == reader.stats.read == file_fps
    assert reader.stats.decoded == file_fps - reader.stats.passed_over


def write_with_b_frames(path: Path, fps: int, seconds: int = 2) -> Path:
    """H.264 with B-frames that are not references (x264's b-pyramid off): the pictures that can be passed over."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps, options={"bf": "3", "x264-params": "b-pyramid=0"})
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        for i in range(seconds * fps):
            frame = av.VideoFrame.from_ndarray(moving_square(i), format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def _read_whole(path: Path, max_fps: float | None, monkeypatch: pytest.MonkeyPatch) -> list[Frame]:
    """The frames of ``path`` with every packet decoded (no picture passed over)."""
    with monkeypatch.context() as patch:
        patch.setattr(video._PassOver, "planned", classmethod(lambda cls, *args: None))
        frames, reader = read_all(path, max_fps=max_fps)
    assert reader.stats.passed_over == 0
    return frames


@pytest.mark.parametrize(("fmt", "file_fps", "max_fps"), [("mp4", 60, 30), ("matroska", 60, 30), ("mp4", 50, 20)])
def test_thinning_passes_over_unused_pictures_and_gives_the_same_frames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, file_fps: int, max_fps: float
) -> None:
    """Pictures no other picture refers to, which the thinning drops, are not decoded; the frames kept are the
    ones decoding every packet gives, to the last bit, at the same times and positions."""
    path = write_with_b_frames(tmp_path / f"c{file_fps}.{'mkv' if fmt == 'matroska' else 'mp4'}", file_fps)
    frames, reader = read_all(path, max_fps=max_fps)
    whole = _read_whole(path, max_fps, monkeypatch)
    assert reader.stats.passed_over > 0
    assert reader.stats.decoded + reader.stats.passed_over == reader.stats.read == 2 * file_fps
    assert reader.stats.kept + reader.stats.thinned == reader.stats.read
    assert [(f.index, f.t_s) for f in frames] == [(f.index, f.t_s) for f in whole]
    assert all(np.array_equal(a.rgb, b.rgb) for a, b in zip(frames, whole, strict=True))
    assert not reader.stats.problems


def test_a_planned_stretch_passes_over_unused_pictures_and_gives_the_same_frames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunk's reader (``SpanReader``, from a seek) passes over what it does not need the same way."""
    path = write_with_b_frames(tmp_path / "c60.mp4", 60, seconds=3)
    times = video.frame_times(path, 30.0)
    assert times is not None and len(times) == 90
    span = video.SpanReader(path, times[35:70])
    frames = list(span)
    whole = {f.t_s: f for f in _read_whole(path, 30.0, monkeypatch)}
    assert [f.t_s for f in frames] == times[35:70] and span.missing == 0
    assert all(np.array_equal(f.rgb, whole[f.t_s].rgb) for f in frames)
    assert span.stats.passed_over > 0


def _units(*headers: int, length_size: int = 4, size: int = 3) -> bytes:
    """An H.264 packet of length-prefixed units, each a header byte and ``size - 1`` bytes of payload."""
    return b"".join(size.to_bytes(length_size, "big") + bytes([h]) + bytes(size - 1) for h in headers)


def test_only_pictures_no_other_refers_to_are_passed_over() -> None:
    """A packet is passed over only when all its slices have nal_ref_idc 0 and its other units merely go with them;
    a reference, an IDR picture, parameter sets or a malformed packet is decoded."""
    unused = video._PassOver.unreferenced
    not_referenced_slice, referenced_slice, idr, sei, delimiter, sps, pps = 0x01, 0x21, 0x65, 0x06, 0x09, 0x67, 0x68
    assert unused(_units(not_referenced_slice), 4)
    assert unused(_units(delimiter, sei, not_referenced_slice, not_referenced_slice), 4)
    assert unused(_units(not_referenced_slice, length_size=2), 2)
    assert not unused(_units(referenced_slice), 4)
    assert not unused(_units(idr), 4)
    assert not unused(_units(sps, pps, not_referenced_slice), 4)
    assert not unused(_units(not_referenced_slice, referenced_slice), 4)
    assert not unused(_units(sei, delimiter), 4)  # no picture in it
    assert not unused(b"", 4)
    assert not unused(_units(not_referenced_slice)[:-1], 4)  # the unit runs past the packet's end
    assert not unused(_units(not_referenced_slice) + b"\x00\x00", 4)  # a length prefix cut short
    assert not unused(bytes(4) + _units(not_referenced_slice), 4)  # a unit of no bytes


def test_a_frames_position_counts_the_pictures_passed_over_before_it_also_after_the_plan_is_dropped(
    tmp_path: Path,
) -> None:
    """Frames the plan does not place, and every frame once a time going back has dropped the plan, are placed
    by the frames read before them, passed over ones included (so the max_frames limit counts them too)."""
    from types import SimpleNamespace

    path = write_clip(tmp_path / "c.mp4", fps=30, seconds=1)
    reader = VideoReader(path, max_fps=None)
    stream = SimpleNamespace(time_base=Fraction(1, 30), start_time=0)

    class Unplanned:
        def position(self, pts: int | None, fallback: int) -> int:
            return fallback

    def decoded(container: object, stream: object) -> Iterator[SimpleNamespace]:
        yield SimpleNamespace(pts=0)
        reader.stats.passed_over += 1  # the picture at pts 1, not decoded
        yield SimpleNamespace(pts=2)
        yield SimpleNamespace(pts=1)  # a time going back: the plan is dropped
        yield SimpleNamespace(pts=3)

    reader._pass_over = Unplanned()  # type: ignore[assignment]
    reader._decoded = decoded  # type: ignore[method-assign]
    placed = [(index, round(t_s * 30)) for index, _, t_s in reader._timed(None, stream)]  # type: ignore[arg-type]
    reader.close()
    assert placed == [(0, 0), (2, 2), (4, 3)]
    assert reader._pass_over is None and reader.stats.bad_timestamps == 1


def test_a_file_read_whole_passes_nothing_over(tmp_path: Path) -> None:
    """Without thinning every picture is decoded, B-frames and all."""
    path = write_clip(tmp_path / "c60.mp4", fps=60, seconds=1)
    frames, reader = read_all(path, max_fps=None)
    assert len(frames) == 60 and reader.stats.passed_over == 0 and reader.stats.decoded == 60


@pytest.mark.parametrize("file_fps", [35, 40, 50])
def test_max_fps_is_a_ceiling_for_rates_just_above_it(tmp_path: Path, file_fps: int) -> None:
    """A 35/40/50 fps file read at max_fps=30 never comes out faster than 30 frames a second."""
    path = write_clip(tmp_path / f"c{file_fps}.mp4", fps=file_fps, seconds=2)
    frames, _ = read_all(path, max_fps=30)
    times = np.array([f.t_s for f in frames])
    assert len(frames) <= 2 * 30 + 1
    # Any one-second window holds at most 30 (+1 for the window's edge) kept frames.
    assert max(np.searchsorted(times, t + 1.0, side="left") - i for i, t in enumerate(times)) <= 31
    assert np.diff(times).min() >= 0.75 / 30 - 1e-9
    assert len(frames) >= 2 * 22  # and thinning does not throw away much more than it must


def test_max_fps_tolerates_timestamp_jitter(tmp_path: Path) -> None:
    """A 60 fps file whose times wobble by ±3 ms still gives every other frame at max_fps=30."""
    rng = np.random.default_rng(3)
    pts = [round(1000 * i / 60 + j) for i, j in enumerate(rng.uniform(-3, 3, 60))]
    pts[0] = 0
    assert all(b > a for a, b in pairwise(pts))
    path = write_clip(tmp_path / "jitter.mkv", fps=60, pts_ms=pts)
    frames, _ = read_all(path, max_fps=30)
    assert [f.index for f in frames] == list(range(0, 60, 2))


@pytest.mark.parametrize("bad", [0, -5, math.nan, math.inf])
def test_max_fps_must_be_positive_and_finite(clip30: Path, bad: float) -> None:
    """A max_fps of zero, below zero, NaN or infinity is refused with a ValueError naming max_fps."""
    with pytest.raises(ValueError, match="max_fps"):
        VideoReader(clip30, max_fps=bad)


def test_read_frames_matches_video_reader(clip30: Path) -> None:
    """read_frames yields the same times as iterating a VideoReader with the same settings."""
    frames, _ = read_all(clip30, max_fps=15)
    assert [f.t_s for f in read_frames(clip30, max_fps=15)] == [f.t_s for f in frames]


# --- variable rate, duplicate and out-of-order times --------------------------------------------


@pytest.mark.parametrize("ext", ["mp4", "mkv"])
def test_variable_frame_rate_times_come_out_as_written(tmp_path: Path, ext: str) -> None:
    """Irregular millisecond timestamps are reproduced exactly, and none is lost with max_fps=None."""
    rng = np.random.default_rng(7)
    pts = np.concatenate([[0], np.cumsum(rng.choice([17, 33, 41, 50, 90, 250], size=59))]).tolist()
    path = write_clip(tmp_path / f"vfr.{ext}", pts_ms=pts)
    frames, reader = read_all(path, max_fps=None)
    assert [round(f.t_s * 1000) for f in frames] == pts
    assert (reader.stats.bad_timestamps, reader.stats.thinned) == (0, 0)
    for i, frame in enumerate(frames):
        assert square_x(frame.rgb) == pytest.approx(square_x(moving_square(i)), abs=1)


def test_variable_frame_rate_thinning_never_exceeds_max_fps(tmp_path: Path) -> None:
    """Thinning a variable-rate clip at max_fps=10 keeps frames at least most of 1/10 s apart, and keeps long gaps."""
    rng = np.random.default_rng(11)
    pts = np.concatenate([[0], np.cumsum(rng.choice([10, 20, 33, 300], size=79))]).tolist()
    path = write_clip(tmp_path / "vfr.mkv", pts_ms=pts)
    frames, reader = read_all(path, max_fps=10)
    times = np.array([f.t_s for f in frames])
    assert np.all(np.diff(times) >= 0.75 / 10 - 1e-9)
    # After each 300 ms gap the next frame is always worth keeping.
    after_gaps = {pts[i] / 1000 for i in range(1, len(pts)) if pts[i] - pts[i - 1] == 300}
    assert after_gaps <= {round(t, 3) for t in times}
    assert reader.stats.kept + reader.stats.thinned == len(pts)


PTS_WITH_REPEATS = [0, 33, 67, 67, 100, 90, 133, 167, 167, 167, 200, 233]  # ms: a repeat, a step back, a triple


@pytest.mark.parametrize("fmt", ["matroska", "mp4"])
def test_duplicate_and_backward_times_are_skipped_and_counted(tmp_path: Path, fmt: str) -> None:
    """Frames whose time repeats or goes back are dropped (first one kept), counted, and reported in problems."""
    path = write_with_packet_times(tmp_path / f"dups.{'mkv' if fmt == 'matroska' else 'mp4'}", PTS_WITH_REPEATS, fmt)
    raw = raw_pts_s(path)
    # The file really holds these times: FFmpeg itself hands them out repeated and out of order.
    assert [round(t * 1000) for t in raw] == PTS_WITH_REPEATS
    assert len(set(raw)) < len(raw) and any(b < a for a, b in pairwise(raw))

    frames, reader = read_all(path, max_fps=None)
    times = [f.t_s for f in frames]
    assert all(b > a for a, b in pairwise(times))
    assert [f.index for f in frames] == [0, 1, 2, 4, 6, 7, 10, 11]
    # Each kept frame is the picture of the packet it claims to be (flat grey 20 * index).
    assert [round(float(f.rgb.mean()) / 20) for f in frames] == [f.index for f in frames]
    assert reader.stats.bad_timestamps == 4
    assert reader.stats.decoded == len(PTS_WITH_REPEATS)
    assert any("4 frames" in p and "skipped" in p for p in reader.stats.problems)
    assert not reader.stats.truncated


# --- rotation ------------------------------------------------------------------------------------


def upright_marker_picture() -> np.ndarray:
    """48 wide x 64 tall: red band across the top, green block in the top-left corner, blue elsewhere."""
    rgb = np.zeros((64, 48, 3), np.uint8)
    rgb[:] = (0, 0, 200)
    rgb[:16] = (230, 0, 0)
    rgb[:16, :16] = (0, 230, 0)
    return rgb


@pytest.mark.parametrize("display_deg", [-90, 90, 180])
def test_rotated_clip_comes_out_upright(tmp_path: Path, display_deg: int) -> None:
    """Pixels stored turned, with a display matrix saying so, come out upright: red on top, green top-left."""
    upright = upright_marker_picture()
    # The display matrix turns the stored picture counter-clockwise by display_deg; store the inverse turn.
    stored = np.ascontiguousarray(np.rot90(upright, -display_deg // 90))
    path = write_clip(
        tmp_path / "rot.mp4",
        fps=30,
        seconds=0.3,
        size=(stored.shape[1], stored.shape[0]),
        picture=lambda i: stored,
        display_rotation=display_deg,
    )
    with av.open(str(path)) as container:  # the file really is stored turned and tagged
        first = next(container.decode(video=0))
        assert (first.width, first.height) == (stored.shape[1], stored.shape[0])
        assert first.rotation % 360 == display_deg % 360

    info = probe(path)
    assert (info.width, info.height) == (48, 64)
    assert info.rotation_deg == display_deg % 360
    frames, _ = read_all(path, max_fps=None)
    assert len(frames) == 9
    for frame in frames:
        rgb = frame.rgb.astype(int)
        assert rgb.shape == (64, 48, 3)
        assert np.abs(rgb - upright).mean() < 8
        top, corner, bottom = rgb[2:14, 20:46].mean((0, 1)), rgb[2:14, 2:14].mean((0, 1)), rgb[-20:].mean((0, 1))
        assert top[0] > 180 and top[1] < 60  # red band on top
        assert corner[1] > 180 and corner[0] < 60  # green at the top left, so not mirrored
        assert bottom[2] > 150 and bottom[0] < 60


def test_rotated_clip_is_scaled_after_turning(tmp_path: Path) -> None:
    """max_side_px limits the longer upright side of a rotated clip and keeps it upright and even-sized."""
    upright = np.zeros((128, 96, 3), np.uint8)
    upright[:32] = (230, 0, 0)
    stored = np.ascontiguousarray(np.rot90(upright, 1))
    path = write_clip(tmp_path / "rot.mp4", seconds=0.1, size=(128, 96), picture=lambda i: stored, display_rotation=-90)
    frames, _ = read_all(path, max_fps=None, max_side_px=64)
    assert frames[0].rgb.shape == (64, 48, 3)
    assert frames[0].rgb[:14, :, 0].mean() > 180 and frames[0].rgb[-20:, :, 0].mean() < 40


def test_phone_rotation_tag_matches_ffmpeg_upright_copy(samples_dir: Path) -> None:
    """The sideways-stored clip tagged -90 deg decodes, frame for frame, like the same clip already upright."""
    tagged = samples_dir / "golf_swing_dtl_phone_rotmeta_02.mp4"
    upright = samples_dir / "golf_swing_dtl_phone_vertical_01.mp4"
    with av.open(str(tagged)) as container:
        first = next(container.decode(video=0))
        assert (first.width, first.height, first.rotation) == (492, 354, -90)
    info_tagged, info_upright = probe(tagged), probe(upright)
    assert (info_tagged.width, info_tagged.height) == (354, 492)
    assert (info_upright.width, info_upright.height, info_upright.rotation_deg) == (354, 492, 0)

    got, _ = read_all(tagged, max_fps=None, max_side_px=None)
    want, _ = read_all(upright, max_fps=None, max_side_px=None)
    assert len(got) == len(want) > 200
    for a, b in zip(got, want, strict=True):
        assert a.t_s == pytest.approx(b.t_s, abs=1e-6)
        assert a.rgb.shape == b.rgb.shape == (492, 354, 3)
        assert np.abs(a.rgb.astype(np.int16) - b.rgb.astype(np.int16)).mean() < 8, f"frame {a.index}"
    # The check can fail: the same frame turned upside down is far from the upright one.
    assert np.abs(np.rot90(got[100].rgb, 2).astype(np.int16) - want[100].rgb.astype(np.int16)).mean() > 8


# --- scaling --------------------------------------------------------------------------------------


def test_max_side_px_scales_down_to_even_sizes(tmp_path: Path) -> None:
    """A 640x360 clip read with max_side_px=320 comes out 320x180; 300 gives even 300x168; None leaves it alone."""
    path = write_clip(tmp_path / "big.mp4", seconds=0.2, size=(640, 360))
    assert read_all(path, max_fps=None, max_side_px=320)[0][0].rgb.shape == (180, 320, 3)
    assert read_all(path, max_fps=None, max_side_px=300)[0][0].rgb.shape == (168, 300, 3)
    assert read_all(path, max_fps=None, max_side_px=None)[0][0].rgb.shape == (360, 640, 3)
    assert read_all(path, max_fps=None, max_side_px=1280)[0][0].rgb.shape == (360, 640, 3)
    # The picture is scaled, not cropped: the square drawn at x = 0..9 of 640 is at 0..4 of 320.
    first = read_all(path, max_fps=None, max_side_px=320)[0][0].rgb
    assert square_x(first) == 0 and first[:, 8:].mean(axis=2).max() < 140


# --- bad input ------------------------------------------------------------------------------------


def _png(path: Path) -> Path:
    assert cv2.imwrite(str(path), np.zeros((48, 64, 3), np.uint8))
    return path


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


BAD_INPUTS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "missing file": (lambda d: d / "nothing-here.mp4", "no such file"),
    "folder": (lambda d: d, "folder"),
    "zero bytes": (lambda d: _bytes(d / "empty.mp4", b""), "empty"),
    "random bytes": (lambda d: _bytes(d / "noise.mp4", np.random.default_rng(0).bytes(20_000)), "not a video file"),
    "png": (lambda d: _png(d / "still.png"), "image"),
    "png named .mp4": (lambda d: Path(shutil.copy(_png(d / "still.png"), d / "still.mp4")), "image"),
    "audio m4a": (lambda d: write_audio(d / "tone.m4a", "aac"), "no video track"),
    "audio wav": (lambda d: write_audio(d / "tone.wav", "pcm_s16le"), "no video track"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_raises_video_error_naming_the_problem(tmp_path: Path, case: str) -> None:
    """probe and VideoReader refuse a non-video with a VideoError whose message says what is wrong."""
    make, words = BAD_INPUTS[case]
    folder = tmp_path / "in"
    folder.mkdir()
    path = make(folder)
    with pytest.raises(VideoError, match=words) as probed:
        probe(path)
    assert path.name in str(probed.value)
    with pytest.raises(VideoError, match=words):
        VideoReader(path)
    if case.startswith("audio"):
        assert "audio" in str(probed.value)


def test_folder_without_a_name_is_still_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder given as '.' is reported by its path, not an empty name."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(VideoError, match=r"^\. is a folder"):
        probe(".")


# --- truncated files ------------------------------------------------------------------------------


def noisy(i: int) -> np.ndarray:
    """Random pixels: hard to compress, so the bytes of the file spread evenly over its frames."""
    return np.random.default_rng(i).integers(0, 256, (H, W, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def three_second_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("long")
    return {
        "plain": write_clip(folder / "plain.mp4", seconds=3, picture=noisy),
        "faststart": write_clip(folder / "fs.mp4", seconds=3, picture=noisy, options={"movflags": "+faststart"}),
        "mkv": write_clip(folder / "clip.mkv", seconds=3, picture=noisy),
    }


def test_complete_files_are_not_called_truncated(three_second_clips: dict[str, Path]) -> None:
    """The uncut 3 s clips read fully with no truncation and no problems (the control for the tests below)."""
    for path in three_second_clips.values():
        frames, reader = read_all(path, max_fps=None)
        assert len(frames) == 90
        assert not reader.stats.truncated and reader.stats.problems == []


@pytest.mark.parametrize("fraction", [0.5, 0.95])
def test_mp4_cut_before_its_index_says_it_was_cut(
    tmp_path: Path, three_second_clips: dict[str, Path], fraction: float
) -> None:
    """An mp4 with its index at the end, cut short, raises a VideoError that says it was cut, not 'not a video'."""
    path = cut(three_second_clips["plain"], tmp_path / "cut.mp4", fraction)
    with pytest.raises(VideoError, match="cut short") as error:
        VideoReader(path)
    assert "mdat" in str(error.value) and "cut.mp4" in str(error.value)


def test_mp4_whose_index_was_never_written_says_so(tmp_path: Path, three_second_clips: dict[str, Path]) -> None:
    """An mp4 that ends exactly where its 'moov' index should start is reported as cut short, index missing."""
    data = three_second_clips["plain"].read_bytes()
    moov = data.index(b"moov") - 4
    assert data.index(b"mdat") < moov
    path = tmp_path / "no_index.mp4"
    path.write_bytes(data[:moov])
    with pytest.raises(VideoError, match="cut short.*index"):
        probe(path)


@pytest.mark.parametrize(("kind", "fraction"), [("faststart", 0.6), ("faststart", 0.95), ("mkv", 0.5), ("mkv", 0.9)])
def test_cut_file_gives_frames_up_to_the_cut_and_says_so(
    tmp_path: Path, three_second_clips: dict[str, Path], kind: str, fraction: float
) -> None:
    """A file whose index survives the cut yields the frames before the cut, in order, and reports truncation."""
    src = three_second_clips[kind]
    path = cut(src, tmp_path / f"cut{src.suffix}", fraction)
    info = probe(path)
    assert info.duration_s == pytest.approx(3.0, abs=0.1)  # the header still promises the whole clip
    frames, reader = read_all(path, max_fps=None)
    assert 0.4 * fraction * 90 < len(frames) < 90
    times = [f.t_s for f in frames]
    assert all(b > a for a, b in pairwise(times))
    np.testing.assert_allclose(times, np.arange(len(frames)) / 30, atol=1e-3)
    # What did decode is the real picture, not garbage.
    for i in (0, len(frames) // 2):
        assert np.abs(frames[i].rgb.astype(int) - noisy(i)).mean() < 60
    assert reader.stats.truncated
    assert any("cut short" in p and path.name in p for p in reader.stats.problems)


# --- writer ---------------------------------------------------------------------------------------


def test_writer_makes_browser_friendly_mp4(tmp_path: Path) -> None:
    """VideoWriter writes H.264 yuv420p with all frames, the right length and size, and moov before mdat."""
    path = tmp_path / "out.mp4"
    with VideoWriter(path, fps_hint=30) as writer:
        for i in range(45):
            writer.write(moving_square(i), i / 30)
    assert writer.frames_written == 45
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.width, stream.height) == (W, H)
        assert stream.frames == 45
        assert float(stream.duration * stream.time_base) == pytest.approx(1.5, abs=1 / 30 + 1e-3)
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    assert len(decoded) == 45
    assert [square_x(f) for f in decoded] == pytest.approx([square_x(moving_square(i)) for i in range(45)], abs=1)
    data = path.read_bytes()
    assert 0 < data.index(b"moov") < data.index(b"mdat")


def test_writer_keeps_given_times_and_colours(tmp_path: Path) -> None:
    """Frames written at irregular t_s are read back at those times, and red stays red (RGB, not BGR)."""
    times = [0.0, 0.05, 0.1, 0.2, 0.25, 0.3, 0.5, 0.55, 0.6, 0.9]
    red = np.zeros((H, W, 3), np.uint8)
    red[..., 0] = 220
    path = tmp_path / "vfr_out.mp4"
    with VideoWriter(path, fps_hint=20) as writer:
        for t in times:
            writer.write(red, t)
    assert raw_pts_s(path) == pytest.approx(times, abs=1e-3)
    frames, _ = read_all(path, max_fps=None)
    assert [f.t_s for f in frames] == pytest.approx(times, abs=1e-3)
    r, g, b = frames[0].rgb.reshape(-1, 3).mean(axis=0)
    assert r > 180 and g < 40 and b < 40


def test_writer_trims_odd_sizes_to_even(tmp_path: Path) -> None:
    """A 65x49 frame is written as 64x48 by dropping its last column and row, not by rescaling."""
    rgb = np.zeros((49, 65, 3), np.uint8)
    rgb[:, 32:64] = 200  # grey right half
    rgb[:, 64] = rgb[48, :] = (255, 0, 0)  # red last column and row: must vanish
    path = tmp_path / "odd.mp4"
    with VideoWriter(path) as writer:
        writer.write(rgb, 0.0)
        writer.write(rgb, 1 / 30)
    info = probe(path)
    assert (info.width, info.height) == (64, 48)
    frame = read_all(path, max_fps=None)[0][0].rgb.astype(int)
    assert frame[:, :30].mean() < 20 and np.abs(frame[:, 34:] - 200).mean() < 10
    assert (frame[..., 0] - frame[..., 1]).max() < 40  # no red anywhere


def test_writer_refuses_bad_frames(tmp_path: Path) -> None:
    """A grey (H, W) frame, and a frame of a different size mid-video, raise ValueError naming the shapes."""
    with VideoWriter(tmp_path / "x.mp4") as writer:
        with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
            writer.write(np.zeros((48, 64), np.uint8), 0.0)
        writer.write(np.zeros((48, 64, 3), np.uint8), 0.0)
        with pytest.raises(ValueError, match="size changed"):
            writer.write(np.zeros((50, 64, 3), np.uint8), 0.1)


def test_cut_clip_gives_the_span_as_a_video_of_its_own(tmp_path: Path) -> None:
    """A lift's clip: the frames between start and end, re-timed from 0, in an MP4 probe reads with that length."""
    from liftcheck.video import VideoWriter, cut_clip, probe, read_frames

    source = tmp_path / "whole.mp4"
    with VideoWriter(source, fps_hint=10.0) as writer:
        for i in range(40):  # 4 s at 10 fps; each frame's grey level says its index
            writer.write(np.full((64, 96, 3), 6 * i, dtype=np.uint8), i / 10.0)
    clip = tmp_path / "lift.mp4"
    written = cut_clip(source, 1.0, 2.5, clip)
    assert written == 16  # frames at 1.0, 1.1, ..., 2.5
    info = probe(clip)
    assert abs(info.duration_s - 1.6) < 0.15 and (info.width, info.height) == (96, 64)
    first = next(iter(read_frames(clip, max_fps=None)))
    assert first.t_s < 0.05 and abs(float(first.rgb.mean()) - 60.0) < 6.0  # it starts with frame 10
    with pytest.raises(VideoError, match="no frames between"):
        cut_clip(source, 10.0, 11.0, tmp_path / "none.mp4")
    with pytest.raises(ValueError, match="start_s < end_s"):
        cut_clip(source, 2.0, 1.0, tmp_path / "bad.mp4")
