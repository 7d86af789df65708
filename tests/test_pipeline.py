"""End-to-end tests of the engine on a real clip: report, thumbnails, annotated video, live path, cancel."""

from __future__ import annotations

import threading
from pathlib import Path

import av
import pytest

from liftcheck.frames import FrameAnalysis
from liftcheck.landmarks import PoseFrame
from liftcheck.live import LiveSession
from liftcheck.pipeline import AnalysisCancelled, Progress, analyze_video
from liftcheck.threads import Behind
from liftcheck.video import VideoError, VideoReader

CLIP = "deadlift_oblique_01.mp4"  # two lifts, 6.7 s, 24 fps: the quickest real clip with lifts


@pytest.fixture(scope="module")
def clip(samples_dir: Path, model_dir: Path) -> Path:
    return samples_dir / CLIP


@pytest.fixture(scope="module")
def analysed(clip: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("annotated") / "annotated.mp4"
    seen: list[Progress] = []
    report = analyze_video(clip, annotated_path=out, progress=seen.append)
    return report, out, seen


def test_real_clip_gives_its_lifts_with_thumbnails(analysed) -> None:  # type: ignore[no-untyped-def]
    """The two deadlifts are found, judged semi-squat, each with a JPEG thumbnail of its worst moment."""
    report, _, _ = analysed
    data = report.to_dict()
    assert data["summary"]["lift_count"] == 2
    assert [row["style"] for row in data["lifts"]] == ["semi-squat", "semi-squat"]
    assert sorted(report.thumbnails) == [1, 2]
    assert all(jpeg[:2] == b"\xff\xd8" for jpeg in report.thumbnails.values())
    assert data["frames_with_person"] > 0.9 * data["frames_analysed"]


def test_progress_reports_every_frame(analysed) -> None:  # type: ignore[no-untyped-def]
    """The progress callback sees every analysed frame, in order, ending near the clip's length."""
    report, _, seen = analysed
    assert [p.frames_done for p in seen] == list(range(1, report.frames_analysed + 1))
    assert seen[-1].fraction > 0.95


def test_annotated_video_plays_in_a_browser(analysed) -> None:  # type: ignore[no-untyped-def]
    """The annotated video is H.264 yuv420p with the moov atom first, one frame per analysed frame."""
    report, out, _ = analysed
    data = out.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        frames = sum(1 for _ in container.decode(stream))
    assert frames == report.frames_analysed


def test_live_session_reports_the_same_lifts(clip: Path, analysed) -> None:  # type: ignore[no-untyped-def]
    """Feeding the clip's frames one by one through LiveSession gives the lifts the file analysis gave."""
    report, _, _ = analysed
    session = LiveSession("full")
    live_lifts = []
    with VideoReader(clip, max_fps=30.0) as reader:
        for frame in reader:
            result = session.process(frame.rgb, frame.t_s)
            if result is not None and result.lift is not None:
                live_lifts.append(result.lift)
    live_report = session.stop()
    offline = [(v.rep.start_s, v.rep.bottom_s, v.rep.end_s, v.measures.style) for v in report.lifts]
    live = [(v.rep.start_s, v.rep.bottom_s, v.rep.end_s, v.measures.style) for v in live_report.lifts]
    assert live == offline
    assert len(live_lifts) == len(offline)


def test_cancel_stops_the_analysis(clip: Path) -> None:
    """Setting the cancel event stops the analysis with AnalysisCancelled, not a half report."""
    cancel = threading.Event()

    def progress(p: Progress) -> None:
        if p.frames_done == 10:
            cancel.set()

    with pytest.raises(AnalysisCancelled):
        analyze_video(clip, model="lite", progress=progress, cancel=cancel)


def test_bad_file_raises_a_clear_error(tmp_path: Path) -> None:
    """A file that is not a video raises VideoError naming the problem, before any model is loaded."""
    bad = tmp_path / "empty.mp4"
    bad.write_bytes(b"")
    with pytest.raises(VideoError, match="empty"):
        analyze_video(bad)


def _camera_frames(clip: Path) -> list[av.VideoFrame]:
    """The clip's frames as a camera would send them: av.VideoFrames with pts in a 90 kHz clock."""
    from fractions import Fraction

    frames = []
    with VideoReader(clip, max_fps=30.0) as reader:
        for frame in reader:
            vf = av.VideoFrame.from_ndarray(frame.rgb, format="rgb24").reformat(format="yuv420p")
            vf.pts = int(round(frame.t_s * 90_000))
            vf.time_base = Fraction(1, 90_000)
            frames.append(vf)
    return frames


def test_live_processor_on_camera_frames_matches_offline(clip: Path, analysed) -> None:  # type: ignore[no-untyped-def]
    """The webcam callback, fed av.VideoFrames of a real clip, reports the offline analysis' lifts via its queue."""
    from liftcheck.live import LiveProcessor

    report, _, _ = analysed
    processor = LiveProcessor(LiveSession("full"))
    outputs = [processor.on_frame(f) for f in _camera_frames(clip)]
    events = processor.drain()
    live_report = processor.stop()
    assert processor.frames_dropped == 0 and processor.frames_processed == len(outputs)
    assert all(isinstance(o, av.VideoFrame) and o.width == outputs[0].width for o in outputs)
    assert [e.lift["style"] for e in events] == [v.measures.style.value for v in report.lifts]
    # Camera frames travel as yuv420p (as over WebRTC), so the pose differs by a hair: allow a frame or two.
    for event, lift in zip(events, report.lifts):
        assert abs(event.lift["bottom_s"] - lift.rep.bottom_s) < 0.2
    assert live_report.to_dict()["summary"]["lift_count"] == len(report.lifts)


def test_live_processor_drops_frames_while_busy() -> None:
    """A frame that arrives while another is being analysed is dropped at once, not queued."""
    import numpy as np

    from liftcheck.landmarks import PoseFrame
    from liftcheck.live import LiveProcessor

    started, release = threading.Event(), threading.Event()

    def slow_estimator(rgb: np.ndarray, t_s: float) -> PoseFrame:
        started.set()
        release.wait(5)
        return PoseFrame.empty(t_s, (rgb.shape[1], rgb.shape[0]))

    processor = LiveProcessor(LiveSession(estimator=slow_estimator))
    blank = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
    blank.pts, blank.time_base = 0, __import__("fractions").Fraction(1, 30)
    worker = threading.Thread(target=processor.on_frame, args=(blank,))
    worker.start()
    assert started.wait(5)
    second = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
    second.pts, second.time_base = 1, blank.time_base
    returned = processor.on_frame(second)  # returns at once: the first frame is still being analysed
    assert processor.frames_dropped == 1 and returned is second
    release.set()
    worker.join(5)
    assert processor.frames_processed == 1


def test_live_processor_counts_frames_skipped_upstream() -> None:
    """Gaps in the camera's timestamps (frames skipped before the callback) count as dropped."""
    from fractions import Fraction

    import numpy as np

    from liftcheck.landmarks import PoseFrame
    from liftcheck.live import LiveProcessor

    processor = LiveProcessor(LiveSession(estimator=lambda rgb, t: PoseFrame.empty(t, (64, 48))))
    for pts in (0, 1, 2, 5, 6, 9):  # frames 3-4 and 7-8 never reached the callback
        vf = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
        vf.pts, vf.time_base = pts, Fraction(1, 30)
        processor.on_frame(vf)
    assert processor.frames_processed == 6
    assert processor.frames_skipped_upstream == 4 and processor.frames_dropped == 4


def test_live_processor_survives_failing_frames_counts_them_and_logs_once(caplog: pytest.LogCaptureFixture) -> None:
    """A frame whose analysis raises goes back as it came; the page can say how many failed and why."""
    from fractions import Fraction

    import numpy as np

    from liftcheck.landmarks import PoseFrame
    from liftcheck.live import LiveProcessor

    def flaky(rgb: np.ndarray, t_s: float) -> PoseFrame:
        if 0.05 < t_s < 0.2:
            raise RuntimeError("the model gave up on this frame")
        return PoseFrame.empty(t_s, (64, 48))

    processor = LiveProcessor(LiveSession(estimator=flaky))
    returned = []
    for pts in range(10):
        vf = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
        vf.pts, vf.time_base = pts, Fraction(1, 30)
        returned.append((vf, processor.on_frame(vf)))
    failed = [i for i, (sent, back) in enumerate(returned) if back is sent]
    assert failed == [2, 3, 4, 5], failed  # t = 0.067 .. 0.167 s
    assert processor.frames_failed == 4 and processor.frames_processed == 6 and processor.frames_dropped == 4
    assert processor.last_error == "RuntimeError: the model gave up on this frame"
    logged = [r for r in caplog.records if "could not be analysed" in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None
    assert processor.stop().frames_analysed == 6


def test_live_session_goes_on_after_the_camera_clock_jumps_back() -> None:
    """A repeated or slightly late frame is skipped; a clock that jumps back for good does not freeze the session."""
    from liftcheck.landmarks import PoseFrame

    seen: list[float] = []

    def estimator(rgb: object, t_s: float) -> PoseFrame:
        seen.append(t_s)
        return PoseFrame.empty(t_s, (64, 48))

    session = LiveSession(estimator=estimator)
    rgb = __import__("numpy").zeros((48, 64, 3), "uint8")
    step = 1 / 30
    camera = [100 + i * step for i in range(31)]  # 1 s from an arbitrary start
    camera += [camera[-1], camera[-1] - 0.1]  # a repeat and a late frame: skipped
    camera += [100.2 + i * step for i in range(30)]  # the clock restarts 0.8 s back
    results = [session.process(rgb, t) for t in camera]
    assert [i for i, r in enumerate(results) if r is None] == [31, 32]
    assert session.frames_skipped == 2 and session.clock_jumps == 1
    assert len(seen) == 61 and all(b > a for a, b in zip(seen, seen[1:], strict=False))
    gaps = [b - a for a, b in zip(seen, seen[1:], strict=False)]
    assert max(gaps) == pytest.approx(step, abs=1e-6) and min(gaps) == pytest.approx(step, abs=1e-6)
    assert session.stop().frames_analysed == 61


def test_live_processor_answers_a_repeated_frame_with_the_last_annotated_one() -> None:
    from fractions import Fraction

    import numpy as np

    from liftcheck.landmarks import PoseFrame
    from liftcheck.live import LiveProcessor

    processor = LiveProcessor(LiveSession(estimator=lambda rgb, t: PoseFrame.empty(t, (64, 48))))
    returned = []
    for pts in (0, 1, 1):
        vf = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
        vf.pts, vf.time_base = pts, Fraction(1, 30)
        returned.append((vf, processor.on_frame(vf)))
    (_, first), (sent, second), (repeat, third) = returned
    assert second is not sent and third is second, "the repeat should get the last annotated frame back"
    assert processor.frames_processed == 2 and processor.frames_dropped == 1


def test_work_behind_runs_in_order_and_hands_its_failure_to_the_caller() -> None:
    """The engine and the annotated video run in threads behind the pose model: items are handled in
    order, a failure there reaches the caller at its next put or at close, and closing after the
    caller's own failure drops what is queued without raising over it."""
    done: list[int] = []
    behind = Behind(done.append, name="test-behind", depth=2)
    for i in range(50):
        behind.put(i)
    behind.close()
    assert done == list(range(50))

    def fail_at_3(item: int) -> None:
        if item == 3:
            raise OSError("No space left on device")

    failing = Behind(fail_at_3, name="test-failing", depth=2)
    with pytest.raises(OSError, match="No space"):
        for i in range(1000):
            failing.put(i)
        failing.close()
    failing.close(finish=False)  # the caller's cleanup: quiet, and the thread is gone

    gate, started = threading.Event(), threading.Event()
    slow: list[int] = []
    dropping = Behind(lambda item: (started.set(), gate.wait(), slow.append(item)), name="test-dropping", depth=8)
    for i in range(5):
        dropping.put(i)
    assert started.wait(5.0)  # the thread has taken the first item (else close() may come first and drop it too)
    threading.Timer(0.3, gate.set).start()  # the first item finishes only once close() has begun
    dropping.close(finish=False)
    assert slow == [0]  # what was still queued was dropped, not worked through


def test_a_failure_behind_the_pose_model_ends_the_analysis_with_it(clip: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """If judging a frame fails in the engine thread, analyze_video raises that error, promptly: the
    pose model stops within a few frames instead of running to the end of the video."""
    calls = {"step": 0, "pose": 0}
    real_step = FrameAnalysis.step

    def step(self, rgb, t_s, pose=None):  # type: ignore[no-untyped-def]
        calls["step"] += 1
        if calls["step"] == 10:
            raise ValueError("broken frame")
        return real_step(self, rgb, t_s, pose)

    monkeypatch.setattr(FrameAnalysis, "step", step)

    def estimator(rgb, t_s):  # type: ignore[no-untyped-def]
        calls["pose"] += 1
        return PoseFrame.empty(t_s, (rgb.shape[1], rgb.shape[0]))

    with pytest.raises(ValueError, match="broken frame"):
        analyze_video(clip, estimator=estimator)
    assert calls["pose"] < 30  # of 161 frames


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (720, 1280), (404, 720), (1920, 1080), (640, 360), (3, 2)])
def test_a_thumbnail_source_is_a_small_copy_of_the_frame(width: int, height: int) -> None:
    """The frame kept for a lift's thumbnail: its long side between one and two thumbnail sides (never smaller
    than the thumbnail, unless the frame is), each pixel the mean of the block it stands for, a copy."""
    import numpy as np

    from liftcheck.frames import THUMBNAIL_SIDE_PX, thumbnail_source

    rng = np.random.default_rng(width)
    frame = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    small = thumbnail_source(frame)
    long_side = max(small.shape[:2])
    assert long_side <= 2 * THUMBNAIL_SIDE_PX and (long_side > THUMBNAIL_SIDE_PX or small.shape == frame.shape)
    assert small.dtype == np.uint8 and not np.shares_memory(small, frame)
    k = height // small.shape[0]
    block = frame[:k, :k].reshape(-1, 3).astype(float).mean(axis=0)
    assert np.abs(small[0, 0] - block).max() <= 0.5
    assert abs(width / height - small.shape[1] / small.shape[0]) < 0.02 or small.shape == frame.shape
