"""Wiring the stages for files: ``analyze_video`` for a video, ``analyze_synthetic`` for the synthetic lifter.

Both run ``frames.FrameAnalysis`` (the engine and its side jobs) frame by frame, the same
as the camera path in ``live.py``, so a lift found live is the lift the file analysis finds.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from liftcheck import threads
from liftcheck.config import DEFAULT_CONFIG, Config
from liftcheck.frames import FrameAnalysis, Given, Sketch
from liftcheck.landmarks import Estimator, PoseFrame, TwoStepEstimator, as_estimator
from liftcheck.report import Report
from liftcheck.threads import OverlayWriter


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


def _steps(estimate: Estimator) -> tuple[Callable[[np.ndarray, float], Any], Callable[[Any], PoseFrame]]:
    """(the model's step, the follower's step); a one-step estimator's second step passes its pose on."""
    if isinstance(estimate, TwoStepEstimator):
        return estimate.find, estimate.follow
    return estimate, _as_is


def _as_is(pose: PoseFrame) -> PoseFrame:
    return pose


def analysis_rate(max_fps: float | Literal["config"] | None, config: Config = DEFAULT_CONFIG) -> float | None:
    """The most frames a second to analyse (None: every frame) for an ``analyze_video`` ``max_fps``."""
    if max_fps == "config":
        return config.max_analysis_fps or None
    if max_fps is None or max_fps == 0:
        return None
    if not (max_fps > 0 and math.isfinite(max_fps)):
        raise ValueError(f"max_fps must be a positive rate, or 0 or None for every frame, got {max_fps!r}")
    return float(max_fps)


def analyze_video(
    path: str | Path,
    *,
    model: str = "full",
    max_fps: float | Literal["config"] | None = "config",
    annotated_path: str | Path | None = None,
    progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    config: Config = DEFAULT_CONFIG,
    source_name: str | None = None,
    estimator: Estimator | Callable[[np.ndarray, float], PoseFrame] | None = None,
    thumbnails: bool = True,
    chunks: bool | None = None,
    given: Given | None = None,
    sketches: dict[int, Sketch] | None = None,
) -> Report:
    """Analyse a video file from start to end and return its report.

    ``max_fps`` is the most frames a second analysed: "config" (the default) takes the config's
    ``max_analysis_fps``; None or 0 analyses every frame.

    A video longer than ``config.chunks.min_video_s`` is analysed in overlapping chunks on every core
    and stitched into one analysis (``chunks.py``), unless ``chunks`` is False (None: as the config
    says) or an ``estimator`` is given (it cannot be shared with other processes).

    ``given`` is what the user tells about the session (person, task, load and stature for the
    lifting equation, their neutral posture from History).

    ``sketches``, when given, receives the lifts' thumbnails undrawn (``frames.Sketch``) instead of
    the report: drawing them is the only step that needs OpenCV, which a batch worker leaves to the
    batch process. (A video analysed in chunks has its thumbnails drawn by the chunks' workers.)

    Raises ``VideoError`` for a file that is not a readable video or asks for more than
    ``config.limits`` allow, ``VideoWriteError`` when the annotated video cannot be written,
    ``ModelError`` when the model cannot be had, ``AnalysisCancelled`` when ``cancel`` is set mid-way.
    """
    from liftcheck.video import VideoReader

    path = Path(path)
    rate = analysis_rate(max_fps, config)
    reader = VideoReader(path, max_fps=rate, max_side_px=config.max_side_px, limits=config.limits)
    info = reader.info
    expected = info.frame_count
    if expected and info.fps > 0 and rate:
        expected = int(math.ceil(expected * min(1.0, rate / info.fps)))
    fps_hint = min(info.fps or 30.0, rate) if rate else info.fps or 30.0
    if estimator is None and (config.chunks.enabled if chunks is None else chunks):
        report = _in_chunks(
            path,
            model,
            rate,
            config,
            source_name,
            info.duration_s,
            annotated_path,
            thumbnails,
            progress,
            cancel,
            fps_hint,
            given,
        )
        if report is not None:
            return report
    owned = estimator is None
    if estimator is None:
        from liftcheck.pose import PoseEstimator

        estimator = PoseEstimator(model, people=config.people)
    estimate = as_estimator(estimator)
    analysis = FrameAnalysis(
        estimate, config, keep_thumbnails=thumbnails, draw_thumbnails=sketches is None, given=given
    )
    writer = OverlayWriter(annotated_path, fps_hint=fps_hint) if annotated_path else None

    # A two-step estimator runs only the model here; whom to follow is picked behind, in the engine's thread.
    see, follow = _steps(estimate)

    def follow_up(item: tuple[np.ndarray, float, Any]) -> None:
        rgb, t_s, seen = item
        result = analysis.step(rgb, t_s, follow(seen))
        if writer is not None:
            writer.write(rgb, result.pose, result.angles, analysis.hud(), t_s)

    # This thread decodes nothing, copies nothing and judges nothing: it feeds the pose model.
    # Decoding (and the copy MediaPipe needs) runs ahead of it in one thread, the people tracker,
    # the engine and the annotated video behind it in others.
    depth = threads.queue_depth(*reader.frame_size)
    behind = threads.Behind(follow_up, name="liftcheck-engine", depth=depth)
    frames = 0
    last_t = 0.0
    try:
        with threads.model_first():
            for rgb, t_s in threads.prefetch(threads.contiguous_frames(reader), depth=depth):
                if cancel is not None and cancel.is_set():
                    raise AnalysisCancelled(f"analysis of {source_name or path.name} cancelled")
                behind.put((rgb, t_s, see(rgb, t_s)))
                frames += 1
                last_t = t_s
                if progress is not None:
                    progress(Progress(frames, expected, t_s, info.duration_s))
            behind.close()
        analysis.finish()
        if sketches is not None:
            sketches.update(analysis.sketches)
    finally:
        behind.close(finish=False)  # after a failure or a cancel: drop what is queued
        reader.close()
        if owned:
            estimate.close()
        if writer is not None:
            writer.close()
    warnings = list(reader.stats.problems) + estimate.notes()
    if frames == 0:
        warnings.append(f"{path.name}: no frame could be decoded")
    if frames == 1:
        warnings.append("The video has a single frame: a lift needs movement over time, so none can be found.")
    analysed_fps = round(frames / last_t, 2) if last_t > 0 else None
    settings: dict[str, object] = {"model": model, "max_fps": rate, "analysed_fps": analysed_fps}
    duration = info.duration_s or last_t
    return analysis.report(source_name or path.name, duration_s=duration, settings=settings, warnings=warnings)


def _in_chunks(
    path: Path,
    model: str,
    rate: float | None,
    config: Config,
    source_name: str | None,
    duration_s: float,
    annotated_path: str | Path | None,
    thumbnails: bool,
    progress: Callable[[Progress], None] | None,
    cancel: threading.Event | None,
    fps_hint: float,
    given: Given | None,
) -> Report | None:
    """A long video's report from its chunks analysed on every core (``chunks.py``); None: do it in one pass."""
    from liftcheck import chunks
    from liftcheck.workers import default_workers

    workers = config.chunks.workers or default_workers()
    if not chunks.eligible(duration_s, config.chunks, workers):
        return None

    def on_progress(fraction: float, done: int, expected: int) -> None:
        if cancel is not None and cancel.is_set():
            raise AnalysisCancelled(f"analysis of {source_name or path.name} cancelled")
        if progress is not None:
            progress(Progress(done, expected, fraction * duration_s, duration_s))

    return chunks.analyze_in_chunks(
        path,
        model=model,
        rate=rate,
        config=config,
        source_name=source_name or path.name,
        duration_s=duration_s,
        annotated_path=annotated_path,
        thumbnails=thumbnails,
        progress=on_progress,
        workers=workers,
        fps_hint=fps_hint,
        given=given,
    )


def analyze_synthetic(
    clip: object,
    *,
    annotated_path: str | Path | None = None,
    config: Config = DEFAULT_CONFIG,
    source_name: str = "synthetic lifter",
    progress: Callable[[Progress], None] | None = None,
    given: Given | None = None,
) -> Report:
    """Analyse a ``synthetic.SyntheticClip``: the same engine, fed known poses instead of frames.

    With ``annotated_path``, the skeleton is drawn on a plain background, so the demo has
    a video to show like a real analysis.
    """
    frames: tuple[PoseFrame, ...] = clip.frames  # type: ignore[attr-defined]

    def no_camera(rgb: np.ndarray, t_s: float) -> PoseFrame:
        raise RuntimeError("the synthetic lifter supplies poses, not frames")

    analysis = FrameAnalysis(no_camera, config, keep_thumbnails=False, given=given)
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
            result = analysis.step(None, pose.t_s, pose=pose)
            if writer is not None and canvas is not None:
                writer.write(draw.draw_overlay(canvas, pose, result.angles, analysis.hud()), pose.t_s)
            if progress is not None:
                progress(Progress(i + 1, len(frames), pose.t_s, duration))
        analysis.finish()
    finally:
        if writer is not None:
            writer.close()
    return analysis.report(source_name, duration_s=duration, settings={"model": "synthetic"}, warnings=[])
