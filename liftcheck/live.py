"""The camera path: ``LiveSession`` analyses one frame at a time, ``LiveProcessor`` is the webcam callback's worker.

The same ``frames.FrameAnalysis`` as a file's analysis (``pipeline.py``), in one thread: each
frame's verdict is wanted at once. ``LiveProcessor.on_frame`` is the camera edge: an
``av.VideoFrame`` comes in, is turned into RGB there (``video.av_frame_to_rgb``), and the
annotated frame goes back out as one.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from liftcheck.config import DEFAULT_CONFIG, Config
from liftcheck.frames import FrameAnalysis
from liftcheck.kinematics import Angles, framing_advice
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
    ) -> None:
        self.model = model
        self.config = config
        self.source_name = source_name
        self._owned = estimator is None
        if estimator is None:
            from liftcheck.pose import PoseEstimator

            estimator = PoseEstimator(model, people=config.people, wait_for_search=False)
        self.analysis = FrameAnalysis(estimator, config)
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

    Frames that arrive while one is being analysed are not queued: the caller gets the
    last annotated frame back at once and the frame is counted as dropped, so the view
    never falls further and further behind. Finished lifts go out through ``events``.
    """

    def __init__(self, session: LiveSession) -> None:
        self.session = session
        self.events: queue.Queue[LiveEvent] = queue.Queue()
        self.frames_in = 0
        self.frames_processed = 0
        self.frames_dropped_busy = 0
        # Frames whose analysis raised: sent back as they came, counted, and the last error kept for the page.
        self.frames_failed = 0
        self.last_error = ""
        # streamlit-webrtc's async mode already skips frames that queue up behind a slow one and
        # hands over only the newest; those gaps show in the camera's timestamps.
        self.frames_skipped_upstream = 0
        self._last_t: float | None = None
        self._min_dt = math.inf
        self.last_framing = ""
        self.process_times_s: list[float] = []
        self._busy = threading.Lock()
        self._last_out: object | None = None
        self._stopped = False
        self._clock_t0: float | None = None

    @property
    def frames_dropped(self) -> int:
        return (
            self.frames_dropped_busy + self.frames_skipped_upstream + self.frames_failed + self.session.frames_skipped
        )

    def _count_skipped(self, t_s: float) -> None:
        if self._last_t is not None:
            dt = t_s - self._last_t
            if dt > 0:
                self._min_dt = min(self._min_dt, dt)
                if math.isfinite(self._min_dt):
                    self.frames_skipped_upstream += max(0, int(round(dt / self._min_dt)) - 1)
        self._last_t = t_s

    def on_frame(self, frame):  # type: ignore[no-untyped-def]
        """av.VideoFrame in, annotated av.VideoFrame out; never raises into the media thread."""
        import time

        from liftcheck.report import lift_row
        from liftcheck.video import av_frame_to_rgb, rgb_to_av_frame

        self.frames_in += 1
        if self._stopped or not self._busy.acquire(blocking=False):
            self.frames_dropped_busy += 1
            return self._last_out if self._last_out is not None else frame
        try:
            started = time.perf_counter()
            rgb, t_s = av_frame_to_rgb(frame)
            if t_s is None:  # a camera frame with no timestamp: fall back to the wall clock
                now = time.monotonic()
                self._clock_t0 = self._clock_t0 if self._clock_t0 is not None else now
                t_s = now - self._clock_t0
            self._count_skipped(t_s)
            annotated, live = self.session.annotate(rgb, t_s)
            if live is None:  # a repeat of the last frame's time: the view keeps the last annotated frame
                return self._last_out if self._last_out is not None else frame
            self.frames_processed += 1
            self.last_framing = live.framing
            if live.lift is not None:
                main = live.lift.main_finding
                self.events.put(LiveEvent(lift_row(live.lift), live.lift.cue, main.severity.value if main else "ok"))
            out = rgb_to_av_frame(annotated, frame)
            self._last_out = out
            self.process_times_s.append(time.perf_counter() - started)
            return out
        except Exception as exc:  # noqa: BLE001 - the media thread must survive one bad frame
            self.frames_failed += 1
            self.last_error = f"{type(exc).__name__}: {exc}"
            if self.frames_failed == 1 or self.frames_failed % 100 == 0:  # the log says it, without a flood
                _log.warning(
                    "live frame %d could not be analysed (%d so far)", self.frames_in, self.frames_failed, exc_info=exc
                )
            return frame
        finally:
            self._busy.release()

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
