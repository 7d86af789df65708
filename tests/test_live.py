"""What the Live page counts: every frame the camera sent is received, analysed, skipped or lost, and the
figures add up, also on a jittery camera clock with repeats, a jump back and a pause."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
import pytest

from liftcheck.landmarks import PoseFrame
from liftcheck.live import LIVE_PAUSE_S, CameraClock, LiveProcessor, LiveSession

CAMERA_FPS = 30.0
TIME_BASE = Fraction(1, 90_000)  # WebRTC video's RTP clock


@dataclass(frozen=True)
class Camera:
    """A minute of a 30 fps camera as the app receives it, and the truth about it."""

    times_s: list[float]  # each frame that reaches the app, in arrival order
    produced: int  # frames the camera made (a pause makes none)
    lost: int  # of those, never delivered
    extra: int  # deliveries that are not new frames of the camera: repeats, one stamped 1 ms after another


def jittery_camera(seed: int = 0) -> Camera:
    """60 s at 30 fps with ±4 ms of jitter; 3% of the frames lost on the way; a 3 s pause at 20 s; the clock
    jumping 10 s back at 40 s; 12 frames delivered twice; one frame followed 1 ms later by a copy of itself."""
    rng = np.random.default_rng(seed)
    times: list[float] = []
    produced = lost = extra = 0
    for i in range(int(60 * CAMERA_FPS)):
        t = i / CAMERA_FPS
        if 20.0 <= t < 23.0:  # the camera stalls: nothing made, nothing lost
            continue
        produced += 1
        stamp = t + rng.uniform(-0.004, 0.004) - (10.0 if t >= 40.0 else 0.0)
        if i > 0 and rng.random() < 0.03:
            lost += 1
            continue
        times.append(stamp)
        if i in (200, 900):  # a frame stamped a millisecond after the one before (this blew up the old count)
            times.append(stamp + 0.001)
            extra += 1
    for index in sorted(rng.choice(np.arange(50, len(times) - 50), size=12, replace=False), reverse=True):
        times.insert(int(index) + 1, times[int(index)])  # delivered twice
        extra += 1
    return Camera(times, produced, lost, extra)


def _frame(t_s: float) -> av.VideoFrame:
    frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
    frame.pts, frame.time_base = int(round(t_s / TIME_BASE)), TIME_BASE
    return frame


def _processor() -> LiveProcessor:
    return LiveProcessor(LiveSession(estimator=lambda rgb, t: PoseFrame.empty(t, (64, 48))))


def _tolerance(camera: Camera) -> int:
    """The stated tolerance for the lost-frame estimate: 0.5% of the frames made, plus 3."""
    return int(0.005 * camera.produced) + 3


def test_the_camera_clock_estimates_rate_and_lost_frames_on_a_jittery_clock() -> None:
    """Fed every delivered time, the clock finds the camera's 30 frames/s (±0.5) and the frames lost on the way
    (within 0.5% of the frames made, +3), and counts no lost frames in the pause or across the jump back."""
    camera = jittery_camera()
    clock = CameraClock()
    for t in camera.times_s:
        clock.observe(t)
    assert clock.received == len(camera.times_s)
    assert clock.fps == pytest.approx(CAMERA_FPS, abs=0.5)
    assert abs(clock.lost - camera.lost) <= _tolerance(camera), (clock.lost, camera.lost)
    assert clock.pauses == 1


def test_lost_frames_are_bounded_by_the_time_frames_were_arriving() -> None:
    """However the intervals fall, lost frames never exceed what the camera could send in the time covered."""
    clock = CameraClock()
    t = 0.0
    rng = np.random.default_rng(1)
    for _ in range(600):  # intervals of 1 ms and of up to a second, every one a different size
        t += float(rng.choice([0.001, rng.uniform(0.001, LIVE_PAUSE_S)]))
        clock.observe(t)
    interval = clock.interval_s
    assert interval is not None
    assert clock.lost <= clock.active_s / interval
    assert clock.received + clock.lost <= t / interval + 2


def test_frames_one_at_a_time_add_up_and_the_dropped_count_stays_sane() -> None:
    """Each delivered frame offered to the processor: received = analysed + busy + repeated + failed exactly, what
    the camera sent is known within the tolerance, and "dropped" is no more than the frames that were not analysed
    (it read 51,202 against 509 analysed from a 30 fps camera in a minute)."""
    camera = jittery_camera()
    processor = _processor()
    for t in camera.times_s:
        processor.on_frame(_frame(t))
    truth_sent = camera.produced + camera.extra
    not_analysed = truth_sent - processor.frames_processed
    assert abs(processor.frames_dropped - not_analysed) <= _tolerance(camera), (processor.frames_dropped, not_analysed)
    counts = processor.counts()
    assert counts.received == len(camera.times_s)
    assert counts.analysed + counts.busy + counts.repeated + counts.failed == counts.received
    assert abs(counts.sent - truth_sent) <= _tolerance(camera)
    assert counts.dropped == counts.sent - counts.analysed
    assert counts.camera_fps == pytest.approx(CAMERA_FPS, abs=0.5)
    assert processor.stop().frames_analysed == counts.analysed


def test_frames_that_queued_while_busy_are_counted_not_lost() -> None:
    """Handed in batches (what arrived while the last frame was analysed), only the newest of each is analysed;
    the others count as skipped while busy, and the same camera totals come out as one frame at a time."""
    camera = jittery_camera(seed=2)
    rng = np.random.default_rng(3)
    processor = _processor()
    sizes = []
    position = 0
    while position < len(camera.times_s):
        size = int(rng.integers(1, 5))
        batch = [_frame(t) for t in camera.times_s[position : position + size]]
        out = processor.on_frames(batch)
        assert len(out) == 1 and isinstance(out[0], av.VideoFrame)
        sizes.append(len(batch))
        position += size
    counts = processor.counts()
    assert counts.received == len(camera.times_s)
    assert counts.busy == sum(n - 1 for n in sizes)
    assert counts.analysed + counts.repeated + counts.failed == len(sizes)
    assert counts.analysed + counts.busy + counts.repeated + counts.failed == counts.received
    assert abs(counts.lost - camera.lost) <= _tolerance(camera)
    assert abs(counts.sent - (camera.produced + camera.extra)) <= _tolerance(camera)
