"""One long video on every core: its poses found in overlapping chunks by worker processes, then one engine pass.

Only the pose model runs in the chunks. Each worker (``workers.Pool``) finds every person in each
frame of its chunk (``PoseEstimator.find``); this process takes the chunks' poses in order through
one people tracker and one engine, as a single pass does. So the engine's state is one continuous
state (the learned vertical, the smoothing, the lift segmenter, the twist measure, whom to follow):
a lift across a seam is found once, by the same rules, and the timeline and twist events run on.

What chunks cannot share is the landmarker's tracking state. Each chunk's landmarker starts
``warmup_s`` before the chunk's own frames, so it has found and settled on the person by then; its
landmarks then differ from a landmarker started earlier by about the model's frame-to-frame jitter
(never exactly nothing: tracking feeds each frame's landmarks into the next frame's crop). Over the
last ``blend_s`` of the warm-up the poses of the chunk before and of this one are blended, so the
seam has no jump. The people search follows the whole video's schedule (``pose.search_schedule``).

Each chunk decodes exactly the frames a single pass would analyse: their times come from the file's
packets (``video.frame_times``) and ``video.SpanReader`` reads just those. Brightness is sampled at
the frames a single pass samples. Thumbnails (and the annotated video, drawn in pieces and joined)
are made in a second round over the chunks, from the engine's results. When a file does not suit
(too short, unusual timestamps, cut short) or a chunk goes wrong, ``analyze_in_chunks`` returns None
and the caller analyses the video in one pass.
"""

from __future__ import annotations

import logging
import math
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from liftcheck.config import ChunkConfig, Config
from liftcheck.frames import Brightness, FrameAnalysis, Given, Moment
from liftcheck.kinematics import Angles
from liftcheck.landmarks import PeopleFound, PoseFrame
from liftcheck.presentation import Hud
from liftcheck.report import Report

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Chunk:
    """One chunk's frames: ``times_s`` are the warm-up frames, then its own from ``own_from`` on.

    The worker hands back the frames from ``blend_from`` (the start of the blend window; ``own_from``
    for the first chunk). ``first_search_s`` is when its people search first looks; ``brightness``
    the indices (into ``times_s``) of the frames whose brightness a single pass samples.
    """

    index: int
    times_s: tuple[float, ...]
    own_from: int
    blend_from: int
    first_search_s: float = 0.0
    brightness: tuple[int, ...] = ()

    @property
    def own(self) -> tuple[float, ...]:
        return self.times_s[self.own_from :]


def plan(times_s: Sequence[float], config: ChunkConfig, workers: int, people: Any = None) -> list[Chunk]:
    """The chunks of a video whose analysed frames are at ``times_s``: a whole number of rounds of ``workers``.

    ``people`` is the ``PeopleConfig`` of the search for other people (None: no search).
    """
    if not times_s:
        return []
    duration = times_s[-1] - times_s[0]
    rounds = max(1, math.ceil(duration / (workers * config.chunk_s)))
    count = max(1, min(workers * rounds, len(times_s)))
    edges = [round(i * len(times_s) / count) for i in range(count + 1)]
    sampled = _brightness_frames(times_s)
    chunks = []
    for i in range(count):
        start, end = edges[i], edges[i + 1]
        first_t = times_s[start]
        warm = start
        while warm > 0 and times_s[warm - 1] >= first_t - config.warmup_s:
            warm -= 1
        blend = start
        while blend > warm and times_s[blend - 1] >= first_t - config.blend_s:
            blend -= 1
        search = 0.0
        if people is not None:
            from liftcheck.pose import search_schedule

            search = search_schedule(times_s, people, warm)
        own_sampled = tuple(j - warm for j in sampled if start <= j < end)
        chunks.append(Chunk(i, tuple(times_s[warm:end]), start - warm, blend - warm, search, own_sampled))
    return chunks


def _brightness_frames(times_s: Sequence[float]) -> list[int]:
    """The indices of the frames ``frames.Brightness`` samples in a single pass over ``times_s``."""
    schedule = Brightness()
    return [i for i, t_s in enumerate(times_s) if schedule.due(t_s)]


# -- in a worker: the poses of one chunk


@dataclass(frozen=True)
class PoseJob:
    path: str
    model: str
    config: Config
    chunk: Chunk


@dataclass(frozen=True)
class ChunkPoses:
    """What a worker found in a chunk: the poses from ``blend_from`` on, the brightness samples, how it went."""

    found: tuple[PeopleFound, ...]
    brightness: tuple[float, ...]
    search_failed: str = ""
    missing: int = 0  # planned frames the file did not have
    problems: tuple[str, ...] = ()


def find_poses(job: PoseJob, progress: Callable[[float], None] | None = None) -> ChunkPoses:
    """The worker's job: every pose in each frame of ``job.chunk``."""
    from liftcheck import threads, workers
    from liftcheck.frames import level
    from liftcheck.pose import PoseEstimator
    from liftcheck.video import SpanReader

    chunk, config = job.chunk, job.config
    reader = SpanReader(job.path, chunk.times_s, max_side_px=config.max_side_px, limits=config.limits)
    sampled = set(chunk.brightness)
    found: list[PeopleFound] = []
    brightness: list[float] = []
    estimator = PoseEstimator(
        job.model, model=workers.worker_model(job.model), people=config.people, first_search_s=chunk.first_search_s
    )
    depth = threads.queue_depth(*reader.frame_size)
    try:
        with threads.model_first():
            for i, (rgb, t_s) in enumerate(threads.prefetch(threads.contiguous_frames(reader), depth=depth)):
                seen = estimator.find(rgb, t_s)
                if i >= chunk.blend_from:
                    found.append(seen)
                if i in sampled:
                    brightness.append(level(rgb))
                if progress is not None:
                    progress((i + 1) / len(chunk.times_s))
        failed = estimator.search_failed
    finally:
        estimator.close()
    return ChunkPoses(tuple(found), tuple(brightness), failed, reader.missing, tuple(reader.stats.problems))


# -- in a worker: thumbnails and the annotated video, once the engine has been through every chunk


@dataclass(frozen=True)
class DrawJob:
    path: str
    max_side_px: int
    times_s: tuple[float, ...]  # the chunk's own frames (or, with no video to draw, the thumbnails' frames)
    moments: dict[float, tuple[int, Moment]]  # frame time -> (lift, its worst moment)
    overlays: tuple[tuple[PoseFrame, Angles, Hud], ...] = ()  # per frame of times_s, to draw the video
    segment: str | None = None  # where to write this chunk's piece of the annotated video
    fps_hint: float = 30.0


@dataclass(frozen=True)
class Drawn:
    thumbnails: dict[int, bytes] = field(default_factory=dict)
    frames_written: int = 0
    missing: int = 0


def draw_chunk(job: DrawJob, progress: Callable[[float], None] | None = None) -> Drawn:
    """The worker's job: decode the chunk's frames again, draw the overlays into its piece of video, the thumbnails."""
    from liftcheck import draw
    from liftcheck.frames import draw_thumbnail, thumbnail_source
    from liftcheck.video import SpanReader, VideoWriter

    reader = SpanReader(job.path, job.times_s, max_side_px=job.max_side_px)
    writer = VideoWriter(job.segment, fps_hint=job.fps_hint, b_frames=False) if job.segment else None
    thumbnails: dict[int, bytes] = {}
    try:
        for i, frame in enumerate(reader):
            hit = job.moments.get(frame.t_s)
            if hit is not None:
                lift, moment = hit
                thumbnails[lift] = draw_thumbnail(thumbnail_source(frame.rgb), moment)
            if writer is not None:
                pose, angles, hud = job.overlays[i]
                writer.write(draw.draw_overlay(frame.rgb, pose, angles, hud), frame.t_s)
            if progress is not None:
                progress((i + 1) / len(job.times_s))
    finally:
        if writer is not None:
            writer.close()
    return Drawn(thumbnails, writer.frames_written if writer else 0, reader.missing)


# -- this process: the plan, the engine over every chunk in order, the second round


class ChunksFailed(RuntimeError):
    """A chunk could not be analysed as planned; the video is analysed in one pass instead."""


def _blend(a: PeopleFound, b: PeopleFound, weight_b: float) -> PeopleFound:
    """``a`` and ``b`` (the same frame, from two chunks) mixed, ``weight_b`` of ``b``: one person, pose by pose."""
    if len(a.poses) != 1 or len(b.poses) != 1:
        return b if weight_b >= 0.5 else a  # several people: whole poses, never a mix of two bodies
    pa, pb = a.poses[0], b.poses[0]

    def mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(x), y, np.where(np.isnan(y), x, (1.0 - weight_b) * x + weight_b * y))

    pose = PoseFrame(
        pb.t_s, mix(pa.xy_px, pb.xy_px), mix(pa.xyz_m, pb.xyz_m), mix(pa.visibility, pb.visibility), pb.image_size
    )
    return PeopleFound(b.t_s, b.image_size, (pose,))


class _Stitcher:
    """Feeds the chunks' poses, in order, through one tracker and one engine."""

    def __init__(
        self, chunks: Sequence[Chunk], config: Config, *, thumbnails: bool, overlays: bool, given: Given | None = None
    ) -> None:
        from liftcheck.people import PersonTracker

        self.chunks = chunks
        self.tracker = PersonTracker(config.people) if config.people is not None else None
        self.analysis = FrameAnalysis(
            _no_camera, config, keep_thumbnails=thumbnails, frames_elsewhere=True, given=given
        )
        self.keep_overlays = overlays
        self.overlays: list[tuple[PoseFrame, Angles, Hud]] = []
        self.brightness: list[float] = []
        self.search_failed = ""
        self.frames = 0
        self.last_t = 0.0
        self._held: list[PeopleFound] = []  # this chunk's last frames, to blend with the next chunk's first

    def take(self, chunk: Chunk, poses: ChunkPoses) -> None:
        if poses.missing or poses.problems:
            raise ChunksFailed(
                f"chunk {chunk.index} lacked {poses.missing} planned frames {'; '.join(poses.problems)}".strip()
            )
        self.search_failed = self.search_failed or poses.search_failed
        self.brightness.extend(poses.brightness)
        blend = chunk.own_from - chunk.blend_from
        head, own = poses.found[:blend], list(poses.found[blend:])
        if len(head) != len(self._held):
            raise ChunksFailed(f"chunk {chunk.index}: {len(head)} frames to blend, {len(self._held)} held")
        for j, (before, after) in enumerate(zip(self._held, head)):
            self._feed(_blend(before, after, (j + 1) / (len(head) + 1)))
        following = self.chunks[chunk.index + 1] if chunk.index + 1 < len(self.chunks) else None
        hold = following.own_from - following.blend_from if following is not None else 0
        for found in own[: len(own) - hold]:
            self._feed(found)
        self._held = own[len(own) - hold :] if hold else []

    def _feed(self, found: PeopleFound) -> None:
        from liftcheck.people import pick

        result = self.analysis.step(None, found.t_s, pick(self.tracker, found))
        if self.keep_overlays:
            self.overlays.append((result.pose, result.angles, self.analysis.hud()))
        self.frames += 1
        self.last_t = found.t_s


def _no_camera(rgb: np.ndarray, t_s: float) -> PoseFrame:
    raise RuntimeError("a chunked analysis gets its poses from the workers")


def eligible(duration_s: float, config: ChunkConfig, workers: int) -> bool:
    return config.enabled and workers >= 2 and duration_s >= config.min_video_s


def analyze_in_chunks(
    path: Path,
    *,
    model: str,
    rate: float | None,
    config: Config,
    source_name: str,
    duration_s: float,
    annotated_path: str | Path | None = None,
    thumbnails: bool = True,
    progress: Callable[[float, int, int], None] | None = None,
    workers: int = 0,
    fps_hint: float = 30.0,
    given: Given | None = None,
) -> Report | None:
    """The report of ``path`` analysed in chunks on ``workers`` processes, or None when it should be done in one pass.

    ``progress(fraction, frames_done, frames_expected)`` is called now and then; whatever it raises
    (the caller's cancel) stops the workers and is raised here. Raises ``ModelError`` when the workers
    cannot load the model. ``fps_hint`` is the annotated video's frame rate, as the single pass sets it.
    """
    from liftcheck.video import _cut_short, frame_times
    from liftcheck.workers import JobFailed, Pool, default_workers, setup_worker

    workers = workers or config.chunks.workers or default_workers()
    times = frame_times(path, rate, limits=config.limits)
    if not times or _cut_short(path) is not None or (duration_s and times[-1] + 1.0 < duration_s - 1.0):
        return None  # an unusual or damaged file: the single pass reads it and says what is wrong
    chunks = plan(times, config.chunks, workers, config.people)
    if len(chunks) < 2:
        return None
    drawing = annotated_path is not None
    stitcher = _Stitcher(chunks, config, thumbnails=thumbnails, overlays=drawing, given=given)
    share = 0.8 if drawing else 1.0  # of the progress bar, for the poses; the rest for drawing the video
    done: dict[int, float] = {}

    def tell(index: int, fraction: float) -> None:
        done[index] = fraction
        if progress is not None:
            frames = sum(f * len(chunks[i].times_s) for i, f in done.items())
            total = sum(len(c.times_s) for c in chunks)
            progress(share * frames / total, int(frames), total)

    results: dict[int, ChunkPoses] = {}
    jobs = [PoseJob(str(path), model, config, chunk) for chunk in chunks]
    with Pool(min(workers, len(chunks)), setup_worker, (model,), name="liftcheck-chunk") as pool:
        try:
            taken = 0
            for index, outcome in pool.run(find_poses, jobs, on_progress=tell):
                if isinstance(outcome, JobFailed):
                    raise ChunksFailed(f"chunk {index}: {outcome.reason}")
                tell(index, 1.0)
                results[index] = outcome
                while taken in results:
                    stitcher.take(chunks[taken], results.pop(taken))
                    taken += 1
            stitcher.analysis.finish()
            drawn = _second_round(pool, path, chunks, stitcher, config, annotated_path, share, progress, fps_hint)
        except ChunksFailed as exc:
            _log.warning("%s: analysing in one pass instead (%s)", path.name, exc)
            return None
    analysis = stitcher.analysis
    if analysis.worst is not None:
        analysis.worst.thumbnails.update(drawn)
    analysis.brightness.samples = list(stitcher.brightness)
    notes = stitcher.tracker.notes() if stitcher.tracker is not None else []
    if stitcher.search_failed:
        from liftcheck.pose import search_failure_note

        notes.append(search_failure_note(stitcher.search_failed))
    last_t = stitcher.last_t
    analysed_fps = round(stitcher.frames / last_t, 2) if last_t > 0 else None
    settings: dict[str, object] = {"model": model, "max_fps": rate, "analysed_fps": analysed_fps}
    return analysis.report(source_name, duration_s=duration_s or last_t, settings=settings, warnings=notes)


def _second_round(
    pool: Any,
    path: Path,
    chunks: Sequence[Chunk],
    stitcher: _Stitcher,
    config: Config,
    annotated_path: str | Path | None,
    share: float,
    progress: Callable[[float, int, int], None] | None,
    fps_hint: float,
) -> dict[int, bytes]:
    """Thumbnails of the lifts' worst moments, and the annotated video, drawn by the workers chunk by chunk."""
    from liftcheck.video import join_videos
    from liftcheck.workers import JobFailed

    wanted = stitcher.analysis.worst.wanted if stitcher.analysis.worst is not None else {}
    if not wanted and annotated_path is None:
        return {}
    moments = {m.t_s: (lift, m) for lift, m in wanted.items()}
    with tempfile.TemporaryDirectory(prefix="liftcheck-chunks-") as scratch:
        jobs, offset = [], 0
        for chunk in chunks:
            own = chunk.own
            mine = {t: m for t, m in moments.items() if own[0] <= t <= own[-1]}
            if annotated_path is not None:
                overlays = tuple(stitcher.overlays[offset : offset + len(own)])
                segment = str(Path(scratch) / f"part{chunk.index:04d}.mp4")
                jobs.append(DrawJob(str(path), config.max_side_px, own, mine, overlays, segment, fps_hint))
            elif mine:
                jobs.append(DrawJob(str(path), config.max_side_px, tuple(sorted(mine)), mine))
            offset += len(own)
        thumbnails: dict[int, bytes] = {}
        for finished, (_, outcome) in enumerate(pool.run(draw_chunk, jobs), start=1):
            if isinstance(outcome, JobFailed) or outcome.missing:
                raise ChunksFailed(f"drawing a chunk: {getattr(outcome, 'reason', 'frames missing')}")
            thumbnails.update(outcome.thumbnails)
            if progress is not None:
                progress(share + (1 - share) * finished / len(jobs), stitcher.frames, stitcher.frames)
        if annotated_path is not None:
            join_videos([job.segment for job in jobs if job.segment], annotated_path)
    return thumbnails
