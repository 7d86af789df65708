"""Awkward footage ends in a clear message, never a crash: nobody, leaving, legs cut off, dark, 4K, one frame."""

from __future__ import annotations

import socket
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from liftcheck.frames import FrameAnalysis
from liftcheck.landmarks import PoseFrame, PoseLandmark
from liftcheck.pipeline import analyze_video
from liftcheck.video import VideoReader
from liftcheck.workshop import synthetic as syn

L = PoseLandmark
SESSION = syn.scenario(syn.stand(1.0), syn.lift("squat"), syn.stand(1.0), syn.lift("stoop"), syn.stand(1.0))


def _engine_report(poses: list[PoseFrame], rgb: np.ndarray | None = None):  # type: ignore[no-untyped-def]
    def no_camera(frame: np.ndarray, t_s: float) -> PoseFrame:
        raise AssertionError("poses are given")

    engine = FrameAnalysis(no_camera, keep_thumbnails=False)
    for pose in poses:
        engine.step(rgb, pose.t_s, pose=pose)
    engine.finish()
    return engine.report("clip", duration_s=poses[-1].t_s, settings={}, warnings=[])


def _write_clip(path: Path, frames: list[np.ndarray], fps: int = 30) -> None:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})  # test clips: speed over size
        stream.width, stream.height, stream.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())


def test_person_leaving_mid_lift_is_reported_and_not_counted() -> None:
    """A person who leaves the picture at the bottom of a lift: that lift is not counted, and the report says when."""
    clip = syn.generate(SESSION, view_yaw_deg=90.0)
    squat = clip.lifts[0]
    poses = [
        PoseFrame.empty(p.t_s, p.image_size) if squat.bottom_s <= p.t_s <= squat.bottom_s + 2.5 else p
        for p in clip.frames
    ]
    report = _engine_report(poses)
    assert [v.measures.style.value for v in report.lifts] == ["stoop"]
    assert any("left the picture during a lift" in w for w in report.warnings)


def test_legs_out_of_frame_are_reported() -> None:
    """Knees and ankles below the picture's edge in most frames give a warning to step back."""
    clip = syn.generate(SESSION, view_yaw_deg=90.0)
    poses = []
    for p in clip.frames:
        xy = p.xy_px.copy()
        for lm in (L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_HEEL):
            xy[lm, 1] = p.image_size[1] * 1.2
        poses.append(PoseFrame(p.t_s, xy, p.xyz_m, p.visibility, p.image_size))
    report = _engine_report(poses)
    assert any("Knees or ankles were out of the picture" in w for w in report.warnings)
    assert not any("out of the picture" in w for w in _engine_report(list(clip.frames)).warnings)


def test_bends_with_the_legs_hidden_are_judged_only_from_the_trunk_and_said() -> None:
    """Behind a table the model guesses the legs. A squat (trunk nearly upright) is then left
    unjudged; a stoop (trunk far forward) still counts, with its style called a guess."""
    clip = syn.generate(SESSION, view_yaw_deg=90.0)
    legs = [L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE]
    poses = []
    for p in clip.frames:
        vis = p.visibility.copy()
        if any(lift.start_s - 0.5 <= p.t_s <= lift.end_s + 0.5 for lift in clip.lifts):
            vis[legs] = 0.2
        poses.append(PoseFrame(p.t_s, p.xy_px, p.xyz_m, vis, p.image_size))
    report = _engine_report(poses)
    assert [v.measures.style.value for v in report.lifts] == ["stoop"]
    assert any("was not judged: the legs were hidden" in w for w in report.warnings)
    assert any("legs were hidden during lift 1" in w for w in report.warnings)
    plain = _engine_report(list(clip.frames))
    assert [v.measures.style.value for v in plain.lifts] == ["squat", "stoop"]
    assert not any("legs were hidden" in w for w in plain.warnings)


def test_very_dark_footage_is_reported() -> None:
    """Frames whose picture is nearly black give a warning to film in better light."""
    clip = syn.generate(SESSION, view_yaw_deg=90.0)
    dark = np.full((48, 64, 3), 12, np.uint8)
    bright = np.full((48, 64, 3), 120, np.uint8)
    assert any("very dark" in w for w in _engine_report(list(clip.frames), dark).warnings)
    assert not any("very dark" in w for w in _engine_report(list(clip.frames), bright).warnings)


def test_video_with_nobody_says_so(tmp_path: Path, model_dir: Path) -> None:
    """A video of an empty wall analyses without error and says nobody was found."""
    rng = np.random.default_rng(0)
    frames = [np.clip(rng.normal(128, 10, (240, 320, 3)), 0, 255).astype(np.uint8) for _ in range(45)]
    path = tmp_path / "empty_room.mp4"
    _write_clip(path, frames)
    report = analyze_video(path, model="lite")
    assert report.lifts == () and report.frames_with_person == 0
    assert any("Nobody was found" in w for w in report.warnings)
    assert "No lifts found" in report.headline()


def test_single_frame_video_says_so(tmp_path: Path, model_dir: Path) -> None:
    """A one-frame video gives no lift and a message that a lift needs movement over time."""
    path = tmp_path / "one.mp4"
    _write_clip(path, [np.full((120, 160, 3), 90, np.uint8)])
    report = analyze_video(path, model="lite")
    assert report.frames_analysed == 1
    assert any("single frame" in w for w in report.warnings)


def test_4k_video_is_scaled_before_inference(tmp_path: Path, samples_dir: Path, model_dir: Path) -> None:
    """A 4K copy of a real clip is shrunk to 1280 px before the model sees it, and finds the same lifts."""
    source = samples_dir / "deadlift_oblique_01.mp4"
    frames = [f.rgb for f in VideoReader(source, max_fps=12.0)]
    big = [np.repeat(np.repeat(f, 3, axis=0), 3, axis=1) for f in frames]  # 1280x720 -> 3840x2160
    path = tmp_path / "uhd.mp4"
    _write_clip(path, big, fps=12)
    with VideoReader(path) as reader:
        first = next(iter(reader))
    assert reader.info.width == 3840 and max(first.rgb.shape[:2]) == 1280
    small = analyze_video(source, model="lite", max_fps=12.0)
    large = analyze_video(path, model="lite")
    assert len(large.lifts) == len(small.lifts) == 2


def test_analysis_makes_no_network_access(
    tmp_path: Path, samples_dir: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every socket blocked, a whole analysis (model load included) still runs: nothing leaves the machine."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network access attempted during analysis")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    report = analyze_video(samples_dir / "deadlift_oblique_01.mp4", model="lite", annotated_path=tmp_path / "a.mp4")
    assert len(report.lifts) == 2
    assert attempts == []
