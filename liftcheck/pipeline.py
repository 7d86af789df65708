"""Wiring the stages: ``analyze_video`` for files and ``LiveSession`` for the camera.

Both run one ``Engine``: pose → angles → lift segmenter → rules, frame by frame, in the
same order, so a lift found live is the lift the file analysis finds.
"""

from __future__ import annotations

import contextlib
import logging
import math
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from liftcheck.config import DEFAULT_CONFIG, Config
from liftcheck.kinematics import Angles, Kinematics, framing_advice, legs_out_of_frame
from liftcheck.landmarks import PoseFrame
from liftcheck.report import Report, build_report
from liftcheck.reps import Phase, RepSegmenter
from liftcheck.rules import RepVerdict, judge

if TYPE_CHECKING:
    from liftcheck.draw import Hud

_log = logging.getLogger(__name__)


THUMBNAIL_SIDE_PX = 320


class AnalysisCancelled(Exception):
    """The caller asked the analysis to stop; nothing was saved."""


@dataclass(frozen=True)
class Progress:
    frames_done: int
    frames_expected: int  # an estimate from the container; 0 when unknown
    t_s: float
    duration_s: float

    @property
    def fraction(self) -> float:
        if self.duration_s > 0:
            return min(1.0, max(0.0, self.t_s / self.duration_s))
        return 0.0


@dataclass(frozen=True)
class StepResult:
    """What one frame produced: its pose and angles, and a lift if one ended here."""

    pose: PoseFrame
    angles: Angles
    phase: Phase
    lift: RepVerdict | None


class Engine:
    """The per-frame analysis shared by files and the camera. One per video or live session.

    ``estimate`` turns an (H, W, 3) RGB frame and its time into a ``PoseFrame``: normally
    a ``PoseEstimator.detect``; tests may pass recorded or synthetic poses instead.
    """

    def __init__(
        self,
        estimate: Callable[[np.ndarray, float], PoseFrame],
        config: Config = DEFAULT_CONFIG,
        *,
        keep_thumbnails: bool = True,
    ) -> None:
        self.config = config
        self._estimate = estimate
        self.kinematics = Kinematics(config.kinematics)
        self.segmenter = RepSegmenter(config.reps)
        self.angles: list[Angles] = []
        self.lifts: list[RepVerdict] = []
        self.thumbnails: dict[int, bytes] = {}
        self._worst: tuple[float, float, np.ndarray, PoseFrame, Angles] | None = None  # (trunk, t, frame, pose, angles)
        self._keep_thumbnails = keep_thumbnails
        self._frames_seen = 0
        self._person: int | None = None
        self._legs_out = 0
        self._brightness_samples: list[float] = []
        self._next_brightness_t = 0.0

    def step(self, rgb: np.ndarray | None, t_s: float, pose: PoseFrame | None = None) -> StepResult:
        """Analyse one frame (or an already-estimated pose) at ``t_s`` seconds."""
        if pose is None:
            if rgb is None:
                raise ValueError("Engine.step needs a frame or a pose")
            pose = self._estimate(rgb, t_s)
        if pose.detected:
            if self._person is not None and pose.person != self._person:
                self.segmenter.restart()
                self._worst = None
            self._person = pose.person
        angles = self.kinematics.update(pose)
        self.angles.append(angles)
        if pose.detected:
            self._frames_seen += 1
            self._legs_out += legs_out_of_frame(pose)
        if rgb is not None and t_s >= self._next_brightness_t:
            # About once a second, a sparse sample of the picture: enough to tell a dark video.
            self._brightness_samples.append(float(rgb[::16, ::16].mean()))
            self._next_brightness_t = t_s + 1.0
        if rgb is not None and self._keep_thumbnails:
            self._remember_worst(rgb, pose, angles)
        rep = self.segmenter.update(angles)
        lift = self._judge(rep) if rep is not None else None
        if self.segmenter.phase in (Phase.STANDING, Phase.WAITING) and lift is None:
            self._worst = None
        return StepResult(pose, angles, self.segmenter.phase, lift)

    def finish(self) -> RepVerdict | None:
        rep = self.segmenter.finish()
        return self._judge(rep) if rep is not None else None

    def _judge(self, rep) -> RepVerdict:  # type: ignore[no-untyped-def]
        verdict = judge(rep, self.config.rules)
        self.lifts.append(verdict)
        if self._worst is not None and rep.start_s <= self._worst[1] <= rep.end_s:
            self._store_thumbnail(rep.index, verdict)
        self._worst = None
        return verdict

    def _remember_worst(self, rgb: np.ndarray, pose: PoseFrame, angles: Angles) -> None:
        # The worst moment of a lift is its deepest forward bend; keep a small copy of that frame.
        if not angles.seen or not math.isfinite(angles.trunk_flexion_deg):
            return
        if self.segmenter.phase not in (Phase.DOWN, Phase.UP, Phase.STANDING):
            return
        # A new deepest bend by at least a degree: keep a thumbnail-sized copy (a full 720p copy on
        # every new maximum cost ~0.5 ms a frame). draw.thumbnail rescales the pose to it.
        if self._worst is None or angles.trunk_flexion_deg > self._worst[0] + 1.0:
            from liftcheck.draw import resize_long_side

            small = (
                resize_long_side(rgb, 2 * THUMBNAIL_SIDE_PX)
                if max(rgb.shape[:2]) > 2 * THUMBNAIL_SIDE_PX
                else rgb.copy()
            )
            self._worst = (angles.trunk_flexion_deg, angles.t_s, small, pose, angles)

    def _store_thumbnail(self, index: int, verdict: RepVerdict) -> None:
        from liftcheck import draw

        assert self._worst is not None
        _, _, frame, pose, angles = self._worst
        label = f"Lift {index}: {verdict.measures.style.value}, {verdict.verdict.value}"
        self.thumbnails[index] = draw.encode_jpeg(draw.thumbnail(frame, pose, angles, label=label))

    def hud(self, message: str = "") -> Hud:
        from liftcheck.draw import Hud

        last = self.lifts[-1] if self.lifts else None
        main = last.main_finding if last else None
        return Hud(
            lift_count=len(self.lifts),
            phase=self.segmenter.phase.value,
            cue=last.cue if last else "",
            cue_severity=(main.severity.value if main else "ok"),
            last_verdict=last.verdict.value if last else None,
            last_lift_index=last.rep.index if last else None,
            last_lift_style=last.measures.style.value if last else None,
            message=message,
        )

    def _observations(self) -> list[str]:
        """Warnings about the footage itself, in words a user can act on."""
        notes = [
            f"The person left the picture during a lift at {start:.1f} s (last seen at {seen:.1f} s); "
            "that lift is not counted."
            for start, seen in self.segmenter.lost
        ]
        notes += [
            f"A bend from {start:.1f} to {end:.1f} s was not judged: the legs were hidden (behind a table, "
            "a box or the picture's edge), so the model only guessed them. Film the whole body to have it checked."
            for start, end in self.segmenter.legs_hidden
        ]
        if self.segmenter.legs_guessed:
            which = ", ".join(str(i) for i in self.segmenter.legs_guessed)
            notes.append(
                f"The legs were hidden during lift {which} (behind the load or the picture's edge): the bend was seen "
                "in the trunk, but the knee angle, and so the style, is the model's guess."
            )
        seen = self._frames_seen
        if seen >= 10 and self._legs_out / seen > 0.3:
            notes.append(
                f"Knees or ankles were out of the picture in {100 * self._legs_out / seen:.0f}% of the frames: "
                "lift counts and styles may be wrong. Step back or tilt the camera so the whole body shows."
            )
        if self._brightness_samples and np.median(self._brightness_samples) < self.config.dark_mean_level:
            notes.append("The video is very dark: the body may be found unreliably. Film in better light.")
        return notes

    def report(self, source: str, *, duration_s: float, settings: dict[str, object], warnings: list[str]) -> Report:
        warnings = list(warnings) + self._observations()
        return build_report(
            source,
            self.angles,
            self.lifts,
            duration_s=duration_s,
            settings=settings,
            warnings=warnings,
            thumbnails=self.thumbnails,
            config=self.config.rules,
        )


def _prefetch(frames: Iterator, depth: int = 4) -> Iterator:
    """Decode ahead in a thread so decoding overlaps inference (both release the GIL)."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for item in frames:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            errors.append(exc)
        finally:
            while True:
                try:
                    q.put(done, timeout=0.1)
                    break
                except queue.Full:
                    if stop.is_set():
                        break

    thread = threading.Thread(target=worker, name="liftcheck-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is done:
                break
            yield item
        if errors:
            raise errors[0]
    finally:
        stop.set()
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                q.get_nowait()
            thread.join(timeout=0.05)


class _Behind:
    """Does ``work(item)`` for each item, in order, in a thread of its own behind the caller.

    On two cores the pose model keeps one busy; what follows it (angles, lifts, verdicts,
    drawing, encoding) runs here, on the other, instead of after it. The queue is short:
    memory stays a few frames, and a slow stage slows the caller rather than piling frames
    up. An error in the thread is raised in the caller, at its next ``put`` or at ``close``.
    """

    def __init__(self, work: Callable[[Any], None], name: str, depth: int = 8) -> None:
        self._work = work
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._dropping = False
        self._thread: threading.Thread | None = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if self._error is not None or self._dropping:
                continue  # keep draining so the caller never blocks on a dead stage
            try:
                self._work(item)
            except BaseException as exc:  # raised in the caller by put() or close()
                self._error = exc

    def put(self, item: Any) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(item)

    def close(self, *, finish: bool = True) -> None:
        """Wait for the thread to end: after the queued items (``finish``), or dropping them.

        With ``finish`` a failure in the thread is raised here; without (the caller is
        already failing or cancelled) it is not, so it cannot hide the caller's own.
        """
        if self._thread is None:
            return
        self._dropping = not finish
        self._queue.put(_END)
        self._thread.join()
        self._thread = None
        if finish and self._error is not None:
            raise self._error


_END = object()


class _OverlayWriter:
    """Draws the overlay and encodes the annotated video in a thread, behind the analysis.

    Drawing and H.264 encoding release the GIL, so they run beside the pose model.
    """

    def __init__(self, path: str | Path, fps_hint: float, depth: int = 8) -> None:
        from liftcheck.video import VideoWriter

        self._writer = VideoWriter(path, fps_hint=fps_hint)
        self._behind = _Behind(self._draw_and_write, name="liftcheck-annotate", depth=depth)

    def _draw_and_write(self, item: tuple[np.ndarray, PoseFrame, Angles, Hud, float]) -> None:
        from liftcheck import draw

        rgb, pose, angles, hud, t_s = item
        self._writer.write(draw.draw_overlay(rgb, pose, angles, hud), t_s)

    def write(self, rgb: np.ndarray, pose: PoseFrame, angles: Angles, hud: Hud, t_s: float) -> None:
        self._behind.put((rgb, pose, angles, hud, t_s))

    def close(self) -> None:
        """Finish the video (waits for the frames queued); raises what went wrong in the thread."""
        try:
            self._behind.close()
        finally:
            self._writer.close()


def analyze_video(
    path: str | Path,
    *,
    model: str = "full",
    max_fps: float | None = None,
    annotated_path: str | Path | None = None,
    progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    config: Config = DEFAULT_CONFIG,
    source_name: str | None = None,
    estimator: Callable[[np.ndarray, float], PoseFrame] | None = None,
    thumbnails: bool = True,
) -> Report:
    """Analyse a video file from start to end and return its report.

    Raises ``VideoError`` for a file that is not a readable video, ``ModelError`` when
    the model cannot be had, ``AnalysisCancelled`` when ``cancel`` is set mid-way.
    """
    from liftcheck.video import VideoReader

    path = Path(path)
    rate = max_fps if max_fps is not None else config.max_analysis_fps
    reader = VideoReader(path, max_fps=rate, max_side_px=config.max_side_px)
    info = reader.info
    expected = info.frame_count
    if expected and info.fps > 0 and rate:
        expected = int(math.ceil(expected * min(1.0, rate / info.fps)))
    owned = None
    if estimator is None:
        from liftcheck.pose import PoseEstimator

        owned = PoseEstimator(model, people=config.people)
        estimator = owned.detect
    engine = Engine(estimator, config, keep_thumbnails=thumbnails)
    writer = _OverlayWriter(annotated_path, fps_hint=min(info.fps or 30.0, rate or 30.0)) if annotated_path else None

    def follow_up(item: tuple[np.ndarray, float, PoseFrame]) -> None:
        rgb, t_s, pose = item
        result = engine.step(rgb, t_s, pose)
        if writer is not None:
            writer.write(rgb, result.pose, result.angles, engine.hud(), t_s)

    # This thread decodes nothing and judges nothing: it feeds the pose model. Decoding runs
    # ahead of it in one thread, the engine (and the annotated video) behind it in others.
    behind = _Behind(follow_up, name="liftcheck-engine", depth=4)
    frames = 0
    last_t = 0.0
    try:
        for frame in _prefetch(iter(reader)):
            if cancel is not None and cancel.is_set():
                raise AnalysisCancelled(f"analysis of {source_name or path.name} cancelled")
            behind.put((frame.rgb, frame.t_s, estimator(frame.rgb, frame.t_s)))
            frames += 1
            last_t = frame.t_s
            if progress is not None:
                progress(Progress(frames, expected, frame.t_s, info.duration_s))
        behind.close()
        engine.finish()
    finally:
        behind.close(finish=False)  # after a failure or a cancel: drop what is queued
        reader.close()
        if owned is not None:
            owned.close()
        if writer is not None:
            writer.close()
    warnings = list(reader.stats.problems) + _estimator_notes(estimator)
    if frames == 0:
        warnings.append(f"{path.name}: no frame could be decoded")
    if frames == 1:
        warnings.append("The video has a single frame: a lift needs movement over time, so none can be found.")
    settings = {"model": model, "max_fps": rate, "analysed_fps": round(frames / last_t, 2) if last_t > 0 else None}
    duration = info.duration_s or last_t
    return engine.report(source_name or path.name, duration_s=duration, settings=settings, warnings=warnings)


def _estimator_notes(estimate: Callable[[np.ndarray, float], PoseFrame]) -> list[str]:
    """What a ``PoseEstimator`` (whose ``detect`` is passed as ``estimate``) has to say about who it followed."""
    notes = getattr(getattr(estimate, "__self__", None), "notes", None)
    return list(notes()) if callable(notes) else []


def analyze_synthetic(
    clip: object,
    *,
    annotated_path: str | Path | None = None,
    config: Config = DEFAULT_CONFIG,
    source_name: str = "synthetic lifter",
    progress: Callable[[Progress], None] | None = None,
) -> Report:
    """Analyse a ``synthetic.SyntheticClip``: the same engine, fed known poses instead of frames.

    With ``annotated_path``, the skeleton is drawn on a plain background, so the demo has
    a video to show like a real analysis.
    """
    frames: tuple[PoseFrame, ...] = clip.frames  # type: ignore[attr-defined]

    def no_camera(rgb: np.ndarray, t_s: float) -> PoseFrame:
        raise RuntimeError("the synthetic lifter supplies poses, not frames")

    engine = Engine(no_camera, config, keep_thumbnails=False)
    writer = None
    canvas = None
    if annotated_path is not None:
        from liftcheck import draw
        from liftcheck.video import VideoWriter

        width, height = frames[0].image_size if frames else (640, 480)
        canvas = np.full((height, width, 3), 46, dtype=np.uint8)
        writer = VideoWriter(annotated_path, fps_hint=30.0)
    duration = frames[-1].t_s if frames else 0.0
    try:
        for i, pose in enumerate(frames):
            result = engine.step(None, pose.t_s, pose=pose)
            if writer is not None and canvas is not None:
                writer.write(draw.draw_overlay(canvas, pose, result.angles, engine.hud()), pose.t_s)
            if progress is not None:
                progress(Progress(i + 1, len(frames), pose.t_s, duration))
        engine.finish()
    finally:
        if writer is not None:
            writer.close()
    return engine.report(source_name, duration_s=duration, settings={"model": "synthetic"}, warnings=[])


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
        estimator: Callable[[np.ndarray, float], PoseFrame] | None = None,
        source_name: str = "camera",
    ) -> None:
        self.model = model
        self.config = config
        self.source_name = source_name
        self._owned = None
        if estimator is None:
            from liftcheck.pose import PoseEstimator

            self._owned = PoseEstimator(model, people=config.people, wait_for_search=False)
            estimator = self._owned.detect
        self._estimate = estimator
        self.engine = Engine(estimator, config)
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
        result = self.engine.step(rgb, rel)
        framing = ""
        if not self.engine.lifts:
            framing = framing_advice(result.pose, result.angles)
        return LiveFrame(result.pose, result.angles, self.engine.hud(framing), result.lift, framing)

    def annotate(self, rgb: np.ndarray, t_s: float) -> tuple[np.ndarray, LiveFrame | None]:
        """``process`` and draw the overlay on a copy of the frame."""
        from liftcheck import draw

        live = self.process(rgb, t_s)
        if live is None:
            return rgb, None
        return draw.draw_overlay(rgb, live.pose, live.angles, live.hud), live

    def stop(self) -> Report:
        """End the session: close a lift cut off by the stop, and return the report."""
        self.engine.finish()
        notes = _estimator_notes(self._estimate)
        if self._owned is not None:
            self._owned.close()
            self._owned = None
        duration = self._last_t or 0.0
        settings: dict[str, object] = {"model": self.model, "max_fps": None, "analysed_fps": None}
        if duration > 0:
            settings["analysed_fps"] = round(len(self.engine.angles) / duration, 2)
        return self.engine.report(self.source_name, duration_s=duration, settings=settings, warnings=notes)


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
