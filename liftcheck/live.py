"""The camera path: ``LiveSession`` analyses one frame at a time, ``LiveProcessor`` is the webcam callback's worker.

The same ``frames.FrameAnalysis`` as a file's analysis (``pipeline.py``), in one thread: each
frame's verdict is wanted at once. ``LiveProcessor.on_frame`` is the camera edge: an
``av.VideoFrame`` comes in, is turned into RGB there (``video.av_frame_to_rgb``), and the
annotated frame goes back out as one.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from liftcheck.config import DEFAULT_CONFIG, Config
from liftcheck.frames import FrameAnalysis, Given
from liftcheck.kinematics import Angles, Neutral, framing_advice
from liftcheck.landmarks import Estimator, PoseFrame
from liftcheck.presentation import Hud
from liftcheck.report import Report
from liftcheck.rules import RepVerdict

_log = logging.getLogger(__name__)


@dataclass
class LiveFrame:
    """What the live view needs after one camera frame."""

    pose: PoseFrame
    angles: Angles
    hud: Hud
    lift: RepVerdict | None
    framing: str = ""
    extras: dict[str, object] = field(default_factory=dict)


# A camera clock that goes back by more than this has jumped (see ``LiveSession.process``);
# less is a late or repeated frame, which is skipped.
LIVE_CLOCK_JUMP_BACK_S = 0.5
# A gap between two camera frames longer than this is a pause (the tab was hidden, the camera
# stalled), not frames lost on the way: a webcam sends at least 5 frames a second.
LIVE_PAUSE_S = 1.0
# The camera's frame interval is estimated from this many of the latest intervals (10 s at 30 fps).
LIVE_RATE_WINDOW = 300
# No webcam a browser offers sends faster than this: the interval estimate never goes below it.
LIVE_MAX_CAMERA_FPS = 120.0


class CameraClock:
    """How many frames the camera sent, from the times on the frames that arrived: a count that cannot explode.

    Every frame that reaches the app is ``observe``d. Frames lost before that (the network, the
    browser's encoder under load) leave gaps in the camera's clock: a gap of about k frame
    intervals holds k - 1 lost frames. The interval comes from the middle of the shorter recent
    intervals (``interval_s``), so jitter, a repeated or late frame and the gaps do not move it
    (the minimum interval did: one frame stamped a millisecond after another made every later
    gap count 30 frames lost). The total lost is at most what the camera could have sent in the
    time covered by arriving frames, minus what arrived. Pauses longer than ``LIVE_PAUSE_S`` and
    jumps back of the clock count no lost frames.
    """

    def __init__(self) -> None:
        self.received = 0
        self.repeated = 0  # a time not after the last frame's: a repeat, a late frame or a jump back
        self.pauses = 0
        self.active_s = 0.0  # camera time covered by frames arriving at most LIVE_PAUSE_S apart
        self._last_t: float | None = None
        self._recent: deque[float] = deque(maxlen=LIVE_RATE_WINDOW)
        self._gaps_ms: dict[int, int] = {}  # interval in whole ms -> how many; bounded by LIVE_PAUSE_S
        self._intervals = 0

    def observe(self, t_s: float) -> None:
        self.received += 1
        last, self._last_t = self._last_t, t_s
        if last is None:
            return
        dt = t_s - last
        if dt <= 0:
            self.repeated += 1
            if dt > -LIVE_CLOCK_JUMP_BACK_S:
                self._last_t = last  # a late frame: the clock is still where it was
            return
        if dt > LIVE_PAUSE_S:
            self.pauses += 1
            return
        self.active_s += dt
        self._intervals += 1
        self._recent.append(dt)
        key = int(round(dt * 1000))
        self._gaps_ms[key] = self._gaps_ms.get(key, 0) + 1

    @property
    def interval_s(self) -> float | None:
        """The camera's frame interval (None before two frames).

        The median of the shorter half of the recent intervals finds the single-frame intervals
        even when many are gaps; the median of the intervals within half of that, either side,
        then takes out the bias toward short ones that jitter would give it.
        """
        if not self._recent:
            return None
        recent = np.sort(np.fromiter(self._recent, float))
        rough = float(np.median(recent[: max(1, len(recent) // 2)]))
        single = recent[(recent > 0.5 * rough) & (recent < 1.5 * rough)]
        interval = float(np.median(single)) if single.size else rough
        return max(interval, 1.0 / LIVE_MAX_CAMERA_FPS)

    @property
    def fps(self) -> float | None:
        interval = self.interval_s
        return None if interval is None else 1.0 / interval

    @property
    def lost(self) -> int:
        """Frames the camera sent that never arrived (an estimate, bounded by the time frames were arriving)."""
        interval = self.interval_s
        if interval is None:
            return 0
        in_gaps = sum(n * max(0, int(round(ms / 1000 / interval)) - 1) for ms, n in self._gaps_ms.items())
        bound = max(0, int(round(self.active_s / interval)) - self._intervals)
        return min(in_gaps, bound)


@dataclass(frozen=True)
class LiveCounts:
    """What became of the camera's frames. ``received`` = analysed + busy + repeated + failed."""

    received: int  # frames that reached the app
    analysed: int
    busy: int  # arrived while a frame was being analysed; only the newest waiting one is analysed
    repeated: int  # a time not after the last analysed frame's
    failed: int  # the analysis raised
    lost: int  # estimate: sent by the camera, never arrived (gaps in its clock)
    camera_fps: float | None  # the camera's own rate, from its clock

    @property
    def sent(self) -> int:
        """Frames the camera sent, as far as the app can tell."""
        return self.received + self.lost

    @property
    def dropped(self) -> int:
        """Frames the camera sent that will not be analysed (sent - analysed, but for a frame being analysed now)."""
        return self.busy + self.repeated + self.failed + self.lost


class LiveSession:
    """One camera session: frames in (with their own timestamps), angles and lifts out.

    Owns its own landmarker: never share a session between browser tabs or users.
    ``process`` must be called from one thread at a time (the caller drops frames that
    arrive while one is being processed, rather than queueing them).
    """

    def __init__(
        self,
        model: str = "full",
        *,
        config: Config = DEFAULT_CONFIG,
        estimator: Estimator | Callable[[np.ndarray, float], PoseFrame] | None = None,
        source_name: str = "camera",
        given: Given | None = None,
    ) -> None:
        self.model = model
        self.config = config
        self.source_name = source_name
        self._owned = estimator is None
        if estimator is None:
            from liftcheck.pose import PoseEstimator

            estimator = PoseEstimator(model, people=config.people, wait_for_search=False)
        self.analysis = FrameAnalysis(estimator, config, given=given)
        self._t0: float | None = None
        self._last_t: float | None = None
        self._step_s = 1.0 / 30.0
        self.frames_skipped = 0
        self.clock_jumps = 0

    def process(self, rgb: np.ndarray, t_s: float) -> LiveFrame | None:
        """Analyse one frame; None for a frame whose time repeats the last one's or steps back a little.

        A camera's clock can also jump back for good (the browser restarts the stream, a
        timestamp wraps). Waiting for it to catch up would freeze the analysis for as long
        as the jump, so past ``LIVE_CLOCK_JUMP_BACK_S`` the session goes on one frame after
        the last one, on the new clock.
        """
        if self._t0 is None:
            self._t0 = t_s
        rel = t_s - self._t0
        if self._last_t is not None and rel <= self._last_t:
            if self._last_t - rel < LIVE_CLOCK_JUMP_BACK_S:
                self.frames_skipped += 1
                return None
            self.clock_jumps += 1
            rel = self._last_t + self._step_s
            self._t0 = t_s - rel
        if self._last_t is not None:
            self._step_s = min(max(rel - self._last_t, 1e-3), 0.5)
        self._last_t = rel
        result = self.analysis.step(rgb, rel)
        framing = ""
        if not self.analysis.lifts:
            framing = framing_advice(result.pose, result.angles)
        return LiveFrame(result.pose, result.angles, self.analysis.hud(framing), result.lift, framing)

    def calibrate(self) -> None:
        """Record the person's neutral posture afresh from their next still standing (the Live page's Calibrate).

        It replaces the one given from History; until it is recorded, the trunk is measured as before.
        """
        self.analysis.engine.kinematics.calibrate()

    @property
    def neutral(self) -> Neutral | None:
        """The neutral posture the angles are measured from: given, recorded, or None (not yet)."""
        return self.analysis.engine.kinematics.neutral

    def annotate(self, rgb: np.ndarray, t_s: float) -> tuple[np.ndarray, LiveFrame | None]:
        """``process`` and draw the overlay on a copy of the frame."""
        from liftcheck import draw

        live = self.process(rgb, t_s)
        if live is None:
            return rgb, None
        return draw.draw_overlay(rgb, live.pose, live.angles, live.hud), live

    def stop(self) -> Report:
        """End the session: close a lift cut off by the stop, and return the report."""
        self.analysis.finish()
        estimator = self.analysis.estimator
        notes = estimator.notes()
        if self._owned:
            estimator.close()
            self._owned = False
        duration = self._last_t or 0.0
        settings: dict[str, object] = {"model": self.model, "max_fps": None, "analysed_fps": None}
        if duration > 0:
            settings["analysed_fps"] = round(len(self.analysis.angles) / duration, 2)
        return self.analysis.report(self.source_name, duration_s=duration, settings=settings, warnings=notes)


@dataclass(frozen=True)
class LiveEvent:
    """A finished lift, as it leaves the camera thread for the page (plain data, no UI calls)."""

    lift: dict[str, object]  # the report row of the lift (``report.lift_row``)
    cue: str
    severity: str


class LiveProcessor:
    """The camera callback's worker: one per browser session, fed ``av.VideoFrame``s.

    The page hands it every frame that arrived since the last call (``on_frames``); it analyses
    the newest and counts the rest as skipped while busy, so the view never falls further and
    further behind and every frame the camera sent is counted. A frame offered while another is
    being analysed (``on_frame`` from two threads) is not queued either: the caller gets the last
    annotated frame back at once. Finished lifts go out through ``events``.
    """

    def __init__(self, session: LiveSession) -> None:
        self.session = session
        self.events: queue.Queue[LiveEvent] = queue.Queue()
        self.clock = CameraClock()
        self.frames_processed = 0
        self.frames_dropped_busy = 0
        # Frames whose analysis raised: sent back as they came, counted, and the last error kept for the page.
        self.frames_failed = 0
        self.last_error = ""
        self.last_framing = ""
        # What the overlay showed on the last analysed frame (the lift under way, the last verdict): the page's panel.
        self.last_hud: Hud | None = None
        self.process_times_s: list[float] = []
        self._busy = threading.Lock()
        self._counting = threading.Lock()
        self._last_out: object | None = None
        self._stopped = False
        self._clock_t0: float | None = None
        self._calibrate = threading.Event()

    # -- what became of the camera's frames

    def counts(self) -> LiveCounts:
        with self._counting:
            return LiveCounts(
                received=self.clock.received,
                analysed=self.frames_processed,
                busy=self.frames_dropped_busy,
                repeated=self.session.frames_skipped,
                failed=self.frames_failed,
                lost=self.clock.lost,
                camera_fps=self.clock.fps,
            )

    @property
    def frames_in(self) -> int:
        return self.clock.received

    @property
    def frames_skipped_upstream(self) -> int:
        return self.clock.lost

    @property
    def frames_dropped(self) -> int:
        return self.counts().dropped

    def _time_of(self, frame) -> float:  # type: ignore[no-untyped-def]
        if frame.time is not None:
            return float(frame.time)
        # A camera frame with no timestamp: the wall clock stands in.
        now = time.monotonic()
        self._clock_t0 = self._clock_t0 if self._clock_t0 is not None else now
        return now - self._clock_t0

    # -- frames in

    def on_frames(self, frames: list) -> list:  # type: ignore[type-arg]
        """Every frame that arrived since the last call, oldest first: the newest is analysed, the others are
        counted as skipped while busy. Returns the annotated newest frame, as a list (streamlit-webrtc's queued
        frames callback)."""
        if not frames:
            return []
        with self._counting:
            for frame in frames[:-1]:
                self.clock.observe(self._time_of(frame))
                self.frames_dropped_busy += 1
        return [self.on_frame(frames[-1])]

    def on_frame(self, frame):  # type: ignore[no-untyped-def]
        """av.VideoFrame in, annotated av.VideoFrame out; never raises into the media thread."""
        from liftcheck.report import lift_row
        from liftcheck.video import av_frame_to_rgb, rgb_to_av_frame

        with self._counting:
            t_s = self._time_of(frame)
            self.clock.observe(t_s)
        if self._stopped or not self._busy.acquire(blocking=False):
            with self._counting:
                self.frames_dropped_busy += 1
            return self._last_out if self._last_out is not None else frame
        try:
            started = time.perf_counter()
            if self._calibrate.is_set():  # asked from the page's thread; done here, between two frames
                self._calibrate.clear()
                self.session.calibrate()
            rgb, _ = av_frame_to_rgb(frame)
            annotated, live = self.session.annotate(rgb, t_s)
            if live is None:  # a repeat of the last frame's time: the view keeps the last annotated frame
                return self._last_out if self._last_out is not None else frame
            with self._counting:
                self.frames_processed += 1
            self.last_framing = live.framing
            self.last_hud = live.hud
            if live.lift is not None:
                main = live.lift.main_finding
                self.events.put(LiveEvent(lift_row(live.lift), live.lift.cue, main.severity.value if main else "ok"))
            out = rgb_to_av_frame(annotated, frame)
            self._last_out = out
            self.process_times_s.append(time.perf_counter() - started)
            return out
        except Exception as exc:  # noqa: BLE001 - the media thread must survive one bad frame
            with self._counting:
                self.frames_failed += 1
            self.last_error = f"{type(exc).__name__}: {exc}"
            if self.frames_failed == 1 or self.frames_failed % 100 == 0:  # the log says it, without a flood
                _log.warning(
                    "live frame %d could not be analysed (%d so far)", self.frames_in, self.frames_failed, exc_info=exc
                )
            return frame
        finally:
            self._busy.release()

    def calibrate(self) -> None:
        """Ask for the neutral posture to be recorded afresh (from any thread: done before the next frame)."""
        self._calibrate.set()

    def neutral(self) -> Neutral | None:
        """The neutral posture in use (None while it is being recorded)."""
        return None if self._calibrate.is_set() else self.session.neutral

    def stop(self) -> Report:
        """Stop taking frames (waiting for the one in progress) and return the session's report."""
        self._stopped = True
        with self._busy:
            return self.session.stop()

    def drain(self) -> list[LiveEvent]:
        """The lifts finished since the last call, oldest first."""
        events = []
        while True:
            try:
                events.append(self.events.get_nowait())
            except queue.Empty:
                return events
