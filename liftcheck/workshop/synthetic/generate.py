"""Rendering a scenario into the ``PoseFrame``s a pose estimator would give, with the truth behind them.

Pure: numpy and the standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np

from liftcheck.landmarks import N_LANDMARKS, PoseFrame, PoseLandmark
from liftcheck.workshop.synthetic.body import (
    _IS_FACE,
    _NEUTRAL,
    _PARAMS,
    _SIDE_SIGN,
    Body,
    Camera,
    L,
    State,
    Track,
    _body_points,
    _constructed_truth,
    _dot,
    _unit,
)
from liftcheck.workshop.synthetic.motions import LiftEvent, Motion, Scenario, TwistTruth

__all__ = ["SyntheticClip", "SyntheticTruth", "generate"]


@dataclass(frozen=True, eq=False)
class SyntheticTruth:
    """The true measures of every frame (missed frames too), each an (n,) float array, NaN-free.

    ``view_yaw_deg`` is the way the body faced the camera (see the module doc).
    """

    t_s: np.ndarray
    trunk_flexion_deg: np.ndarray
    knee_flexion_l_deg: np.ndarray
    knee_flexion_r_deg: np.ndarray
    hip_flexion_deg: np.ndarray
    trunk_twist_deg: np.ndarray
    side_bend_deg: np.ndarray
    lowering: np.ndarray
    view_yaw_deg: np.ndarray

    def __post_init__(self) -> None:
        n = np.shape(self.t_s)[0] if np.ndim(self.t_s) == 1 else -1
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if not isinstance(value, np.ndarray) or value.shape != (n,):
                got = getattr(value, "shape", type(value).__name__)
                raise ValueError(f"SyntheticTruth.{name} must be an array of shape ({n},), got {got}")
            if not np.isfinite(value).all():
                raise ValueError(f"SyntheticTruth.{name} must be finite, found NaN or inf")


@dataclass(frozen=True, eq=False)
class SyntheticClip:
    """A generated clip: the frames, the truth behind them, and the lifts and twists in it.

    Attributes:
        frames: one ``PoseFrame`` per time, as the pose estimator would give them.
        truth: the true measures of each frame.
        lifts, twists: the generated events, in time order.
        points_m: (n, 33, 3) noise-free landmark positions in the camera's axes, camera
            at the origin (not hip-centred), for every frame including missed ones.
        camera, body: what the clip was made with (``camera.up`` is the true vertical).
        fps: the nominal frame rate.
    """

    frames: tuple[PoseFrame, ...]
    truth: SyntheticTruth
    lifts: tuple[LiftEvent, ...]
    twists: tuple[TwistTruth, ...]
    points_m: np.ndarray
    camera: Camera
    body: Body
    fps: float

    def __post_init__(self) -> None:
        n = len(self.frames)
        if self.truth.t_s.shape != (n,):
            raise ValueError(f"SyntheticClip.truth must have one entry per frame ({n}), got {self.truth.t_s.shape}")
        if self.points_m.shape != (n, N_LANDMARKS, 3):
            raise ValueError(f"SyntheticClip.points_m must be ({n}, {N_LANDMARKS}, 3), got {self.points_m.shape}")
        if n > 1 and not (np.diff(self.truth.t_s) > 0).all():
            raise ValueError("SyntheticClip frame times must be strictly increasing")

    @property
    def duration_s(self) -> float:
        return float(self.truth.t_s[-1] - self.truth.t_s[0]) if len(self.frames) else 0.0


def _frame_times(total_s: float, fps: float, jitter: float, rng: np.random.Generator) -> np.ndarray:
    step = 1.0 / fps
    if jitter == 0.0:
        return np.arange(int(math.floor(total_s * fps + 1e-9)) + 1) * step
    n_max = int(math.ceil(total_s * fps / (1.0 - jitter))) + 2
    steps = step * (1.0 + jitter * rng.uniform(-1.0, 1.0, n_max))
    t = np.concatenate([[0.0], np.cumsum(steps)])
    return t[t <= total_s + 1e-9]


def _missed(n: int, fps: float, miss_rate: float, miss_run_s: float, rng: np.random.Generator) -> np.ndarray:
    """(n,) bool: frames lost in runs (a two-state Markov chain whose long-run loss is ``miss_rate``)."""
    if miss_rate == 0.0 or n == 0:
        return np.zeros(n, dtype=bool)
    p_recover = min(1.0, 1.0 / max(1.0, miss_run_s * fps))
    p_lose = min(1.0, miss_rate * p_recover / (1.0 - miss_rate))
    draws = rng.uniform(size=n)
    out = np.empty(n, dtype=bool)
    lost = draws[0] < miss_rate
    for i in range(n):
        if i > 0:
            lost = draws[i] >= p_recover if lost else draws[i] < p_lose
        out[i] = lost
    return out


def generate(
    scenario: Scenario | Iterable[Motion],
    *,
    fps: float = 30.0,
    view_yaw_deg: float = 0.0,
    camera_distance_m: float = 3.5,
    camera_height_m: float = 1.0,
    camera_pitch_deg: float = 0.0,
    image_size: tuple[int, int] = (640, 480),
    focal_px: float | None = None,
    height_m: float = 1.75,
    noise_m: float = 0.0,
    noise_px: float = 0.0,
    depth_noise_m: float = 0.0,
    depth_noise_s: float = 0.3,
    swap_sides_from_behind: bool = False,
    miss_rate: float = 0.0,
    miss_run_s: float = 0.15,
    fps_jitter: float = 0.0,
    start_s: float | None = None,
    end_s: float | None = None,
    seed: int = 0,
) -> SyntheticClip:
    """Render a scenario into the frames a pose estimator would give, with the truth behind them.

    Args:
        scenario: a ``Scenario`` or any sequence of motions.
        fps: nominal frame rate; ``fps_jitter`` (0 ≤ j < 1) varies each frame interval by
            up to that fraction (timestamps stay strictly increasing).
        view_yaw_deg: which way the person first faces (0 front, 90 facing image-left, −90 image-right).
        camera_distance_m, camera_height_m, camera_pitch_deg, image_size, focal_px: the
            pinhole camera; ``focal_px`` defaults to 1.1 × the image width.
        height_m: the person's height; every segment scales with it.
        noise_m, noise_px: standard deviations of gaussian noise on each world coordinate and pixel.
        depth_noise_m: a pose model's depth guess: extra noise on each landmark's world depth
            (z), wandering with time (an AR(1) process with correlation time ``depth_noise_s``),
            as MediaPipe's depth is its noisiest and slowest-wandering coordinate.
        swap_sides_from_behind: while the person's back is to the camera, swap every left
            landmark with its right one, as a pose model that assumes a front view does.
        miss_rate: the fraction of frames lost (replaced by ``PoseFrame.empty``), in runs
            averaging ``miss_run_s``.
        start_s, end_s: cut the clip from the scenario's timeline (for a clip that begins
            or ends mid-lift); the clip's clock starts at 0 at ``start_s``.
        seed: makes the timing jitter, losses, visibility and noise reproducible.
    """
    scene = scenario if isinstance(scenario, Scenario) else Scenario(tuple(scenario))
    _check_options(fps, noise_m, noise_px, miss_run_s, miss_rate, fps_jitter)
    width, height = int(image_size[0]), int(image_size[1])
    camera = Camera(
        camera_distance_m,
        camera_height_m,
        camera_pitch_deg,
        (width, height),
        1.1 * width if focal_px is None else float(focal_px),
    )
    body = Body(height_m)
    clip_start, clip_end = _window(scene.duration_s, start_s, end_s)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)]
    rng_time, rng_miss, rng_vis, rng_m, rng_px = streams

    starts, t0s, lifts, twists = _walk(scene, body, view_yaw_deg)
    # The clip's first frame is at the cut, as a video's first frame is at its start.
    t_scene = clip_start + _frame_times(clip_end - clip_start, fps, fps_jitter, rng_time)
    track = _render(scene, starts, t0s, t_scene, body)
    scene_pts = _body_points(track, body)
    t_clip = t_scene - clip_start
    truth = SyntheticTruth(t_s=t_clip, **_constructed_truth(track, scene_pts, body))

    cam_pts = camera.to_camera(scene_pts)
    hip_mid_cam = (cam_pts[:, L.LEFT_HIP] + cam_pts[:, L.RIGHT_HIP]) / 2.0
    world = cam_pts - hip_mid_cam[:, None, :]
    pixels = camera.project(cam_pts)
    visibility = _visibility(track, scene_pts, cam_pts, pixels, camera, rng_vis)
    if noise_m > 0:
        world = world + rng_m.normal(0.0, noise_m, world.shape)
    if noise_px > 0:
        pixels = pixels + rng_px.normal(0.0, noise_px, pixels.shape)
    if depth_noise_m > 0:
        world[:, :, 2] += _wandering(t_scene, depth_noise_m, depth_noise_s, world.shape[1], rng_m)
    if swap_sides_from_behind:
        behind = _facing_away(track, scene_pts, camera)
        swap = _SWAP_SIDES
        world[behind] = world[behind][:, swap]
        pixels[behind] = pixels[behind][:, swap]
        visibility[behind] = visibility[behind][:, swap]
    hip_px = camera.project(hip_mid_cam)
    # Nobody is found when the hips are off the image or the person is at the lens.
    found = ((hip_px >= 0) & (hip_px <= np.array([width, height]))).all(axis=1) & (hip_mid_cam[:, 2] > 0.5)
    found &= ~_missed(len(t_scene), fps, miss_rate, miss_run_s, rng_miss)
    frames = tuple(
        PoseFrame(
            t_s=float(t_clip[i]),
            xy_px=pixels[i].copy(),
            xyz_m=world[i].copy(),
            visibility=visibility[i].copy(),
            image_size=(width, height),
        )
        if found[i]
        else PoseFrame.empty(float(t_clip[i]), (width, height))
        for i in range(len(t_scene))
    )
    return SyntheticClip(
        frames=frames,
        truth=truth,
        lifts=tuple(_cut(lifts, clip_start, clip_end)),
        twists=tuple(_cut(twists, clip_start, clip_end)),
        points_m=cam_pts,
        camera=camera,
        body=body,
        fps=float(fps),
    )


def _wandering(t_s: np.ndarray, sd: float, correlation_s: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """(frames, n) noise of standard deviation ``sd`` that wanders with correlation time ``correlation_s``."""
    out = np.empty((len(t_s), n))
    value = rng.normal(0.0, sd, n)
    last = t_s[0] if len(t_s) else 0.0
    for i, t in enumerate(t_s):
        keep = np.exp(-max(t - last, 0.0) / correlation_s) if correlation_s > 0 else 0.0
        value = keep * value + np.sqrt(1.0 - keep**2) * rng.normal(0.0, sd, n)
        out[i] = value
        last = t
    return out


def _facing_away(track: dict[str, np.ndarray], scene_pts: np.ndarray, camera: Camera) -> np.ndarray:
    """(frames,) True where the body's front faces away from the camera."""
    yaw = np.radians(track["view_yaw_deg"])
    fwd = np.stack([-np.sin(yaw), -np.cos(yaw), np.zeros(len(yaw))], axis=1)
    hips = (scene_pts[:, L.LEFT_HIP] + scene_pts[:, L.RIGHT_HIP]) / 2.0
    to_camera = camera.position_m[None, :] - hips
    return np.asarray(np.sum(fwd * to_camera, axis=1) < 0.0)


def _swap_sides() -> list[int]:
    """Each landmark's index after swapping left and right (the nose stays)."""
    order = list(range(N_LANDMARKS))
    for lm in PoseLandmark:
        if lm.name.startswith("LEFT_"):
            right = PoseLandmark[lm.name.replace("LEFT_", "RIGHT_")]
            order[lm], order[right] = int(right), int(lm)
    return order


_SWAP_SIDES = _swap_sides()


def _check_options(
    fps: float, noise_m: float, noise_px: float, miss_run_s: float, miss_rate: float, fps_jitter: float
) -> None:
    if not (np.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be a positive frame rate, got {fps!r}")
    for name, value in (("noise_m", noise_m), ("noise_px", noise_px), ("miss_run_s", miss_run_s)):
        if not (np.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be zero or more, got {value!r}")
    if not 0.0 <= miss_rate < 1.0:
        raise ValueError(f"miss_rate must be within 0..1 (exclusive of 1), got {miss_rate!r}")
    if not 0.0 <= fps_jitter < 1.0:
        raise ValueError(f"fps_jitter must be within 0..1 (exclusive of 1), got {fps_jitter!r}")


def _window(total_s: float, start_s: float | None, end_s: float | None) -> tuple[float, float]:
    """The clip's start and end on the scenario's timeline, in seconds."""
    clip_start = 0.0 if start_s is None else float(start_s)
    clip_end = total_s if end_s is None else float(end_s)
    if not 0.0 <= clip_start < clip_end <= total_s + 1e-9:
        raise ValueError(
            f"start_s and end_s must satisfy 0 ≤ start_s < end_s ≤ {total_s:.3f} (the scenario's "
            f"length), got start_s={start_s!r}, end_s={end_s!r}"
        )
    return clip_start, clip_end


def _walk(
    scene: Scenario, body: Body, view_yaw_deg: float
) -> tuple[list[State], list[float], list[LiftEvent], list[TwistTruth]]:
    """Walk the timeline once: each motion's starting posture and start time, and the lifts and twists."""
    state: State = {**_NEUTRAL, "base_x_m": 0.0, "base_y_m": 0.0, "view_yaw_deg": float(view_yaw_deg), "planted": 1.0}
    entry = scene.motions[0].entry()
    if entry is not None:
        state.update(entry)
    starts: list[State] = []
    t0s: list[float] = []
    lifts: list[LiftEvent] = []
    twists: list[TwistTruth] = []
    t0 = 0.0
    for motion in scene.motions:
        starts.append(state)
        t0s.append(t0)
        new_lifts, new_twists = motion.events(t0, state)
        lifts += new_lifts
        twists += new_twists
        end = motion.render(np.array([motion.duration_s]), state, body)
        state = {name: float(values[0]) for name, values in end.items()}
        t0 += motion.duration_s
    return starts, t0s, lifts, twists


def _render(scene: Scenario, starts: list[State], t0s: list[float], t_scene: np.ndarray, body: Body) -> Track:
    """The posture parameters at each of the times ``t_scene`` (n,): one (n,) array per name."""
    n = len(t_scene)
    segment = np.clip(np.searchsorted(np.array(t0s), t_scene, side="right") - 1, 0, len(scene.motions) - 1)
    track = {name: np.empty(n) for name in _PARAMS}
    for i, motion in enumerate(scene.motions):
        sel = segment == i
        if sel.any():
            part = motion.render(np.minimum(t_scene[sel] - t0s[i], motion.duration_s), starts[i], body)
            for name in _PARAMS:
                track[name][sel] = part[name]
    return track


def _visibility(
    track: Track,
    scene_pts: np.ndarray,
    cam_pts: np.ndarray,
    pixels: np.ndarray,
    camera: Camera,
    rng: np.random.Generator,
) -> np.ndarray:
    """(n, 33) in 0..1: high for what faces the camera, lower for the far side and a face turned away."""
    n = len(scene_pts)
    width, height = camera.image_size
    hip_mid_scene = (scene_pts[:, L.LEFT_HIP] + scene_pts[:, L.RIGHT_HIP]) / 2.0
    to_camera = _unit(camera.position_m - hip_mid_scene)
    yaw = np.radians(track["view_yaw_deg"])
    lat = np.stack([-np.cos(yaw), np.sin(yaw), np.zeros(n)], axis=1)
    fwd = np.stack([-np.sin(yaw), -np.cos(yaw), np.zeros(n)], axis=1)
    far_side = np.clip(-_SIDE_SIGN[None, :] * _dot(lat, to_camera)[:, None], 0.0, 1.0)
    face_away = np.clip(-_dot(fwd, to_camera), 0.0, 1.0)[:, None] * _IS_FACE[None, :]
    visibility = rng.uniform(0.9, 1.0, (n, N_LANDMARKS)) - 0.35 * far_side - 0.5 * face_away
    inside = ((pixels >= 0) & (pixels <= np.array([width, height]))).all(axis=2) & (cam_pts[:, :, 2] > 0)
    # Off-image landmarks are still guessed by the model, with little confidence.
    return np.clip(np.where(inside, visibility, np.minimum(visibility, 0.1)), 0.0, 1.0)


_Event = TypeVar("_Event", LiftEvent, TwistTruth)


def _cut(events: list[_Event], clip_start: float, clip_end: float) -> list[_Event]:
    """The events the clip shows, on its clock; ``partial`` where the cut runs through them."""
    kept = []
    for ev in events:
        if ev.end_s > clip_start + 1e-9 and ev.start_s < clip_end - 1e-9:
            partial = ev.start_s < clip_start - 1e-9 or ev.end_s > clip_end + 1e-9
            names = [n for n in ("start_s", "bottom_s", "peak_s", "end_s") if hasattr(ev, n)]
            times = {n: getattr(ev, n) - clip_start for n in names}
            kept.append(replace(ev, partial=partial, **times))
    return kept
