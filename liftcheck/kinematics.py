"""From landmarks to body angles: smoothing, the angle functions, and the camera view.

Pure: numpy and the standard library only. The angle functions work on arrays with
any leading shape (one frame ``(33, 3)`` or a clip ``(T, 33, 3)``); ``Kinematics``
is the stateful per-frame front end used both offline and live.

Definitions (world landmarks: metres, x right, y down, z away from the camera):
- up: the true vertical, estimated from the frames where the person stands straight
  (see ``UpEstimator``); until then the camera's "up" (−y).
- pelvis frame: ``lat`` = right hip − left hip made horizontal; ``fwd`` = the way the
  pelvis faces, horizontal; trunk axis ``u`` = unit(shoulder mid-point − hip mid-point).
- trunk flexion: the angle of ``u`` in the sagittal plane from vertical, forward positive.
- side bend: how far ``u`` leans out of the sagittal plane (asin(u·lat)), right positive.
- trunk twist: the angle between the shoulder line and the hip line, both seen along
  the trunk axis (projected onto the plane perpendicular to ``u``).
- knee flexion: 180° − the interior hip–knee–ankle angle (0 = straight leg).
- hip flexion: 180° − the interior angle between trunk and thigh.
- lowering: 1 − (height of the shoulders above the ankles) / (the leg-plus-trunk length),
  so 0 when standing straight and toward 1 near the floor, whoever the person is.
"""

from __future__ import annotations

import math
import sys
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np

from liftcheck.config import DEFAULT_CONFIG, KinematicsConfig, RangeConfig, UncertaintyConfig
from liftcheck.landmarks import N_LANDMARKS, TRUNK_AND_LEGS, PoseFrame, PoseLandmark

L = PoseLandmark
CAMERA_UP = np.array([0.0, -1.0, 0.0])


class View(str, Enum):
    """Where the camera stands relative to the person."""

    SIDE = "side"
    FRONT = "front"
    OBLIQUE = "oblique"
    UNKNOWN = "unknown"


class Measure(str, Enum):
    TRUNK_FLEXION = "trunk_flexion"
    KNEE_FLEXION = "knee_flexion"
    HIP_FLEXION = "hip_flexion"
    TRUNK_TWIST = "trunk_twist"
    SIDE_BEND = "side_bend"
    LOWERING = "lowering"


_VIEW_COLUMN = {View.FRONT: 0, View.OBLIQUE: 1, View.SIDE: 2}
_UNCERTAINTY_FIELD = {
    Measure.TRUNK_FLEXION: "trunk_flexion_deg",
    Measure.KNEE_FLEXION: "knee_flexion_deg",
    Measure.HIP_FLEXION: "hip_flexion_deg",
    Measure.TRUNK_TWIST: "trunk_twist_deg",
    Measure.SIDE_BEND: "side_bend_deg",
}


def uncertainty_deg(measure: Measure, view: View, config: UncertaintyConfig = DEFAULT_CONFIG.uncertainty) -> float:
    """How far ``measure`` can be off (± degrees) in ``view``; inf where the view is unknown.

    Lowering (a share of the body's length, not an angle) is 0: every view sees the shoulders drop.
    """
    if view is View.UNKNOWN:
        return math.inf
    if measure is Measure.LOWERING:
        return 0.0
    return float(getattr(config, _UNCERTAINTY_FIELD[measure])[_VIEW_COLUMN[view]])


def judged_in_view(view: View, config: UncertaintyConfig = DEFAULT_CONFIG.uncertainty) -> frozenset[Measure]:
    """The measures whose uncertainty in ``view`` is small enough to judge a lift by."""
    return frozenset(m for m in Measure if uncertainty_deg(m, view, config) <= config.judge_max_deg)


# Which measures one camera can judge, from the uncertainty table (config.UncertaintyConfig): from
# the side, depth carries the twist and the side bend, and single-camera depth is the noisiest
# coordinate; from the front, depth carries the forward bend of the trunk.
RELIABLE_IN_VIEW: dict[View, frozenset[Measure]] = {v: judged_in_view(v) for v in View}


@dataclass(frozen=True)
class Angles:
    """The body angles of one frame, in degrees; NaN where the body part was not seen.

    ``lowering`` is 0 standing straight and toward 1 near the floor. ``view_yaw_deg``
    is how far the person is turned from facing the camera (0 front, 90 side).
    """

    t_s: float
    trunk_flexion_deg: float
    knee_flexion_left_deg: float
    knee_flexion_right_deg: float
    knee_flexion_deg: float  # the two knees combined, trusting the better-seen one more
    hip_flexion_deg: float
    trunk_twist_deg: float
    side_bend_deg: float
    lowering: float
    view: View
    view_yaw_deg: float
    seen: bool  # a person was found in this frame
    # How well the better-seen leg (hip, knee and ankle) was seen, 0..1: behind a table or
    # a box the model guesses the legs, and a guessed leg cannot make a lift.
    legs_visibility: float = 1.0
    # The trunk's angular speed over the last ``RangeConfig.speed_window_s``, degrees a second
    # (forward positive); NaN when not measured.
    trunk_speed_deg_s: float = math.nan
    # False when the two twist cues (depth and foreshortening) disagree: the frame cannot judge twist.
    twist_cues_agree: bool = True
    # Measures blanked in this frame because the value was outside what a body can do.
    implausible: frozenset[str] = frozenset()

    @property
    def reliable(self) -> frozenset[Measure]:
        return RELIABLE_IN_VIEW[self.view]

    @classmethod
    def unseen(cls, t_s: float, view: View = View.UNKNOWN, view_yaw_deg: float = math.nan) -> Angles:
        nan = math.nan
        return cls(t_s, nan, nan, nan, nan, nan, nan, nan, nan, view, view_yaw_deg, False, 0.0)

    def as_dict(self) -> dict[str, float | str | bool]:
        return {
            "t_s": self.t_s,
            "trunk_flexion_deg": self.trunk_flexion_deg,
            "knee_flexion_left_deg": self.knee_flexion_left_deg,
            "knee_flexion_right_deg": self.knee_flexion_right_deg,
            "knee_flexion_deg": self.knee_flexion_deg,
            "hip_flexion_deg": self.hip_flexion_deg,
            "trunk_twist_deg": self.trunk_twist_deg,
            "side_bend_deg": self.side_bend_deg,
            "lowering": self.lowering,
            "view": self.view.value,
            "view_yaw_deg": self.view_yaw_deg,
            "seen": self.seen,
            "legs_visibility": self.legs_visibility,
            "trunk_speed_deg_s": self.trunk_speed_deg_s,
            "twist_cues_agree": self.twist_cues_agree,
        }


# ---------------------------------------------------------------- vector helpers


# The engine measures one frame at a time, where each helper below gets single (3,) vectors: for
# those they compute with Python floats, in the same order of operations as NumPy's, so the results
# are the same to the last bit, without NumPy's per-call overhead (the engine's thread took 1.9 ms a
# frame, a fifth of it in these helpers; our measurement). A sum starts from 0.0 as NumPy's does, so
# a sum of negative zeros is +0.0 there too (it decides the sign of an arctan2 of ±180°).


def _one_vector(v: np.ndarray) -> bool:
    return v.shape == (3,) and v.dtype == np.float64


def unit_vectors(v: np.ndarray) -> np.ndarray:
    """(..., D) vectors scaled to length 1; NaN where a vector has (almost) no length."""
    if _one_vector(v):
        return np.array(_unit3(*v.tolist()))
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 1e-9, v / norm, np.nan)


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if _one_vector(a) and _one_vector(b):
        ax, ay, az = a.tolist()
        bx, by, bz = b.tolist()
        return np.float64(0.0 + ax * bx + ay * by + az * bz)
    return np.sum(a * b, axis=-1)


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.cross`` of (..., 3) vectors."""
    if _one_vector(a) and _one_vector(b):
        ax, ay, az = a.tolist()
        bx, by, bz = b.tolist()
        return np.array((ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx))
    return np.cross(a, b)


def _unit3(x: float, y: float, z: float) -> tuple[float, float, float]:
    """``unit_vectors`` of one (3,) vector given as floats."""
    norm = math.sqrt(x * x + y * y + z * z)
    return (x / norm, y / norm, z / norm) if norm > 1e-9 else (math.nan, math.nan, math.nan)


def _angle_deg(cos: float) -> float:
    """degrees(arccos(clip(cos, -1, 1))) of one number (NaN stays NaN, as in NumPy)."""
    return math.degrees(math.acos(min(max(cos, -1.0), 1.0)))


def angle_between_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The angle (0-180°) between (..., D) vectors."""
    if _one_vector(a) and _one_vector(b):
        ax, ay, az = _unit3(*a.tolist())
        bx, by, bz = _unit3(*b.tolist())
        return np.float64(_angle_deg(0.0 + ax * bx + ay * by + az * bz))
    return np.degrees(np.arccos(np.clip(_dot(unit_vectors(a), unit_vectors(b)), -1.0, 1.0)))


def _mid(xyz: np.ndarray, a: PoseLandmark, b: PoseLandmark) -> np.ndarray:
    return (xyz[..., a, :] + xyz[..., b, :]) / 2.0


def _project_out(v: np.ndarray, n: np.ndarray) -> np.ndarray:
    """v with its component along the unit vector n removed."""
    if _one_vector(v) and _one_vector(n):
        vx, vy, vz = v.tolist()
        nx, ny, nz = n.tolist()
        d = 0.0 + vx * nx + vy * ny + vz * nz
        return np.array((vx - d * nx, vy - d * ny, vz - d * nz))
    return v - _dot(v, n)[..., None] * n


# ---------------------------------------------------------------- angle functions


def pelvis_frame(xyz: np.ndarray, up: np.ndarray = CAMERA_UP) -> tuple[np.ndarray, np.ndarray]:
    """(lat, fwd): unit horizontal vectors across the hips (to the right) and the way the pelvis faces.

    ``xyz`` is (..., 33, 3). With x right, y down, z away, a person facing the camera
    has right hip at image-left, so ``lat`` points to −x and ``fwd = up × lat`` to −z.
    """
    lat = unit_vectors(_project_out(xyz[..., L.RIGHT_HIP, :] - xyz[..., L.LEFT_HIP, :], up))
    fwd = unit_vectors(_cross(up, lat))
    return lat, fwd


def trunk_flexion_deg(xyz: np.ndarray, up: np.ndarray = CAMERA_UP) -> np.ndarray:
    """Forward lean of the trunk from vertical in the sagittal plane, degrees; (..., 33, 3) -> (...)."""
    u = unit_vectors(_mid(xyz, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - _mid(xyz, L.LEFT_HIP, L.RIGHT_HIP))
    _, fwd = pelvis_frame(xyz, up)
    return np.degrees(np.arctan2(_dot(u, fwd), _dot(u, up)))


def side_bend_deg(xyz: np.ndarray, up: np.ndarray = CAMERA_UP) -> np.ndarray:
    """Sideways lean of the trunk out of the sagittal plane, degrees, to the right positive."""
    u = unit_vectors(_mid(xyz, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - _mid(xyz, L.LEFT_HIP, L.RIGHT_HIP))
    lat, _ = pelvis_frame(xyz, up)
    return np.degrees(np.arcsin(np.clip(_dot(u, lat), -1.0, 1.0)))


def trunk_twist_deg(xyz: np.ndarray) -> np.ndarray:
    """Signed angle of the shoulder line against the hip line, seen along the trunk axis, degrees."""
    u = unit_vectors(_mid(xyz, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - _mid(xyz, L.LEFT_HIP, L.RIGHT_HIP))
    hips = unit_vectors(_project_out(xyz[..., L.RIGHT_HIP, :] - xyz[..., L.LEFT_HIP, :], u))
    shoulders = unit_vectors(_project_out(xyz[..., L.RIGHT_SHOULDER, :] - xyz[..., L.LEFT_SHOULDER, :], u))
    return np.degrees(np.arctan2(_dot(_cross(hips, shoulders), u), _dot(hips, shoulders)))


def knee_flexion_deg(xyz: np.ndarray, side: str) -> np.ndarray:
    """180° − the hip–knee–ankle angle of one leg ("left" or "right"), degrees."""
    hip, knee, ankle = (
        (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE) if side == "left" else (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE)
    )
    return 180.0 - angle_between_deg(xyz[..., hip, :] - xyz[..., knee, :], xyz[..., ankle, :] - xyz[..., knee, :])


def hip_flexion_deg(xyz: np.ndarray) -> np.ndarray:
    """180° − the trunk–thigh angle, averaged over both hips, degrees."""
    shoulders = _mid(xyz, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    left = angle_between_deg(shoulders - xyz[..., L.LEFT_HIP, :], xyz[..., L.LEFT_KNEE, :] - xyz[..., L.LEFT_HIP, :])
    right = angle_between_deg(
        shoulders - xyz[..., L.RIGHT_HIP, :], xyz[..., L.RIGHT_KNEE, :] - xyz[..., L.RIGHT_HIP, :]
    )
    return 180.0 - (left + right) / 2.0


def _leg_weights(visibility: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How far to trust each leg: the product of its hip, knee and ankle visibility."""
    left = visibility[..., L.LEFT_HIP] * visibility[..., L.LEFT_KNEE] * visibility[..., L.LEFT_ANKLE]
    right = visibility[..., L.RIGHT_HIP] * visibility[..., L.RIGHT_KNEE] * visibility[..., L.RIGHT_ANKLE]
    return left, right


def combine_sides(left: np.ndarray, right: np.ndarray, w_left: np.ndarray, w_right: np.ndarray) -> np.ndarray:
    """Mix two per-side values by visibility; a side seen much worse than the other is dropped.

    Seen from the side, the model guesses the hidden leg, and the guess is often wrong.
    """
    if np.ndim(left) == np.ndim(right) == np.ndim(w_left) == np.ndim(w_right) == 0:
        return np.array(_combine_two(float(left), float(right), float(w_left), float(w_right)))
    # A side that was not measured (NaN) gets no weight, whatever its visibility says:
    # otherwise it would count as 0 and drag the mix toward it.
    w_left = np.where(np.isnan(left), 0.0, w_left)
    w_right = np.where(np.isnan(right), 0.0, w_right)
    w_left = np.where(w_left < 0.5 * w_right, 0.0, w_left)
    w_right = np.where(w_right < 0.5 * w_left, 0.0, w_right)
    total = w_left + w_right
    with np.errstate(invalid="ignore", divide="ignore"):
        mixed = (np.nan_to_num(left) * w_left + np.nan_to_num(right) * w_right) / total
    # Rounding must not carry the mix past both sides (180° + 1 ulp for two fully bent knees).
    mixed = np.clip(mixed, np.fmin(left, right), np.fmax(left, right))
    return np.where(total > 1e-6, mixed, (left + right) / 2.0)


def _finite(x: float) -> float:
    """``np.nan_to_num`` of one number."""
    if math.isnan(x):
        return 0.0
    return x if math.isfinite(x) else math.copysign(sys.float_info.max, x)


def _combine_two(left: float, right: float, w_left: float, w_right: float) -> float:
    """``combine_sides`` of single numbers, step by step as NumPy does it for arrays."""
    if math.isnan(left):
        w_left = 0.0
    if math.isnan(right):
        w_right = 0.0
    if w_left < 0.5 * w_right:
        w_left = 0.0
    if w_right < 0.5 * w_left:
        w_right = 0.0
    total = w_left + w_right
    if not total > 1e-6:
        return (left + right) / 2.0
    mixed = (_finite(left) * w_left + _finite(right) * w_right) / total
    low = right if math.isnan(left) else left if math.isnan(right) else min(left, right)
    high = right if math.isnan(left) else left if math.isnan(right) else max(left, right)
    return min(max(mixed, low), high)


def lowering(xyz: np.ndarray, visibility: np.ndarray, up: np.ndarray = CAMERA_UP) -> np.ndarray:
    """1 − shoulder height above the ankles / (shank + thigh + trunk length); 0 standing, (...)."""
    if xyz.shape == (N_LANDMARKS, 3) and visibility.shape == (N_LANDMARKS,) and _one_vector(up):
        return np.float64(_lowering_one(xyz.tolist(), visibility.tolist(), up.tolist()))
    shoulders = _mid(xyz, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    hips = _mid(xyz, L.LEFT_HIP, L.RIGHT_HIP)

    def leg(hip: PoseLandmark, knee: PoseLandmark, ankle: PoseLandmark) -> tuple[np.ndarray, np.ndarray]:
        length = np.linalg.norm(xyz[..., knee, :] - xyz[..., ankle, :], axis=-1) + np.linalg.norm(
            xyz[..., hip, :] - xyz[..., knee, :], axis=-1
        )
        return length, xyz[..., ankle, :]

    len_l, ankle_l = leg(L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE)
    len_r, ankle_r = leg(L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE)
    w_l, w_r = _leg_weights(visibility)
    leg_length = combine_sides(len_l, len_r, w_l, w_r)
    ankles = (ankle_l + ankle_r) / 2.0
    chain = leg_length + np.linalg.norm(shoulders - hips, axis=-1)
    height = _dot(shoulders - ankles, up)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.clip(1.0 - height / chain, 0.0, 1.0)


# One frame's points as Python floats: the engine's per-frame shortcuts below compute with these, in NumPy's
# order of operations, so they give the array functions' results to the last bit.
Point = Sequence[float]


def _sub(a: Point, b: Point) -> tuple[float, float, float]:
    return a[0] - b[0], a[1] - b[1], a[2] - b[2]


def _half_sum(a: Point, b: Point) -> tuple[float, float, float]:
    return (a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0, (a[2] + b[2]) / 2.0


def _length(v: Point) -> float:
    """``np.linalg.norm`` of one (3,) vector given as floats."""
    return math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])


def _lowering_one(xyz: list[Point], vis: list[float], up: Point) -> float:
    """``lowering`` of one pose, given as lists of floats: the same steps in the same order."""
    shoulders = _half_sum(xyz[L.LEFT_SHOULDER], xyz[L.RIGHT_SHOULDER])
    hips = _half_sum(xyz[L.LEFT_HIP], xyz[L.RIGHT_HIP])

    def leg(hip: PoseLandmark, knee: PoseLandmark, ankle: PoseLandmark) -> float:
        return _length(_sub(xyz[knee], xyz[ankle])) + _length(_sub(xyz[hip], xyz[knee]))

    w_l = vis[L.LEFT_HIP] * vis[L.LEFT_KNEE] * vis[L.LEFT_ANKLE]
    w_r = vis[L.RIGHT_HIP] * vis[L.RIGHT_KNEE] * vis[L.RIGHT_ANKLE]
    left = leg(L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE)
    leg_length = _combine_two(left, leg(L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE), w_l, w_r)
    ankles = _half_sum(xyz[L.LEFT_ANKLE], xyz[L.RIGHT_ANKLE])
    chain = leg_length + _length(_sub(shoulders, hips))
    sx, sy, sz = _sub(shoulders, ankles)
    height = 0.0 + sx * up[0] + sy * up[1] + sz * up[2]
    if chain == 0.0:
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = float(np.float64(height) / chain)  # NumPy's ±inf, or NaN for 0/0, where Python would raise
    else:
        ratio = height / chain
    return min(max(1.0 - ratio, 0.0), 1.0)


def _angle3_deg(a: Point, b: Point) -> float:
    """``angle_between_deg`` of two (3,) vectors given as floats."""
    ax, ay, az = _unit3(a[0], a[1], a[2])
    bx, by, bz = _unit3(b[0], b[1], b[2])
    return _angle_deg(0.0 + ax * bx + ay * by + az * bz)


def _angle2_deg(a: Point, b: Point) -> float:
    """``angle_between_deg`` of two (2,) vectors given as floats."""
    norm_a, norm_b = math.sqrt(a[0] * a[0] + a[1] * a[1]), math.sqrt(b[0] * b[0] + b[1] * b[1])
    if not (norm_a > 1e-9 and norm_b > 1e-9):
        return math.nan
    return _angle_deg(0.0 + a[0] / norm_a * (b[0] / norm_b) + a[1] / norm_a * (b[1] / norm_b))


def _hip_flexion_one(xyz: list[Point]) -> float:
    """``hip_flexion_deg`` of one pose given as floats."""
    shoulders = _half_sum(xyz[L.LEFT_SHOULDER], xyz[L.RIGHT_SHOULDER])
    left_hip, right_hip = xyz[L.LEFT_HIP], xyz[L.RIGHT_HIP]
    left = _angle3_deg(_sub(shoulders, left_hip), _sub(xyz[L.LEFT_KNEE], left_hip))
    right = _angle3_deg(_sub(shoulders, right_hip), _sub(xyz[L.RIGHT_KNEE], right_hip))
    return 180.0 - (left + right) / 2.0


def view_yaw_deg(xyz: np.ndarray) -> np.ndarray:
    """How far the hips are turned from facing the camera, 0..90 degrees, from the hip line's depth."""
    hips = xyz[..., L.RIGHT_HIP, :] - xyz[..., L.LEFT_HIP, :]
    return np.degrees(np.arctan2(np.abs(hips[..., 2]), np.abs(hips[..., 0])))


def most_common_view(views: list[View]) -> View:
    """The view seen most often; ties go to the first in ``View``'s order, so results repeat."""
    if not views:
        return View.UNKNOWN
    counts = {v: views.count(v) for v in View}
    return max(View, key=lambda v: counts[v])


def classify_view(yaw_deg: float, config: KinematicsConfig = DEFAULT_CONFIG.kinematics) -> View:
    if config.view_override:
        return View(config.view_override)
    if not math.isfinite(yaw_deg):
        return View.UNKNOWN
    if yaw_deg < config.front_max_yaw_deg:
        return View.FRONT
    if yaw_deg > config.side_min_yaw_deg:
        return View.SIDE
    return View.OBLIQUE


# ---------------------------------------------------------------- stateful front end


class OneEuroFilter:
    """Casiez et al.'s One Euro filter over an array of values, with times in seconds.

    Smooths hard when still (no jitter at the bottom of a lift) and follows fast moves
    with little lag. Variable frame intervals are handled through the real time step.
    """

    def __init__(self, min_cutoff_hz: float, beta: float, d_cutoff_hz: float = 1.0) -> None:
        self.min_cutoff_hz = min_cutoff_hz
        self.beta = beta
        self.d_cutoff_hz = d_cutoff_hz
        self.reset()

    def reset(self) -> None:
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t: float | None = None

    @staticmethod
    def _alpha(cutoff_hz: np.ndarray | float, dt_s: float) -> np.ndarray | float:
        tau = 1.0 / (2.0 * math.pi * cutoff_hz)
        return 1.0 / (1.0 + tau / dt_s)

    def __call__(self, x: np.ndarray, t_s: float) -> np.ndarray:
        if self._x is None or self._t is None or t_s <= self._t:
            self._x, self._dx, self._t = x.copy(), np.zeros_like(x), t_s
            return x.copy()
        dt = t_s - self._t
        dx = (x - self._x) / dt
        assert self._dx is not None
        dx_hat = self._dx + self._alpha(self.d_cutoff_hz, dt) * (dx - self._dx)
        cutoff = self.min_cutoff_hz + self.beta * np.abs(dx_hat)
        x_hat = self._x + self._alpha(cutoff, dt) * (x - self._x)
        # A landmark that reappears after being unseen starts afresh instead of staying NaN.
        x_hat = np.where(np.isnan(x_hat), x, x_hat)
        dx_hat = np.where(np.isnan(dx_hat), 0.0, dx_hat)
        self._x, self._dx, self._t = x_hat, dx_hat, t_s
        return x_hat.copy()


def prior_up(pitch_deg: float) -> np.ndarray:
    """The camera's "up" tilted toward the camera by ``pitch_deg``: a camera held high, looking down."""
    pitch = math.radians(pitch_deg)
    return np.array([0.0, -math.cos(pitch), -math.sin(pitch)])


class UpEstimator:
    """The true vertical: a prior for a camera held a little high, then learned from standing frames.

    A camera tilted up or down makes the model's −y axis lean; a person standing with
    straight legs and an erect body is vertical, so the ankle-to-shoulder direction in
    such frames is the best "up" one camera gives. Until someone has stood straight (a clip
    that starts mid-lift), the prior stands in: the camera's up pitched as phones usually
    are (``KinematicsConfig.prior_camera_pitch_deg``); it fades as standing frames come in
    and is gone after ``prior_weight_frames`` of them. The estimate only moves within
    ``max_tilt_deg`` of the camera's own up, so a person lying down cannot flip it.
    """

    def __init__(self, config: KinematicsConfig = DEFAULT_CONFIG.kinematics) -> None:
        self.config = config
        self._prior = prior_up(config.prior_camera_pitch_deg)
        self._sum = np.zeros(3)
        self._weight = 0.0

    @property
    def up(self) -> np.ndarray:
        # The prior fades as standing frames come in and is gone after ``prior_weight_frames`` of them.
        prior_weight = max(0.0, self.config.prior_weight_frames - self._weight)
        return unit_vectors(self._sum + prior_weight * self._prior)

    @property
    def learned(self) -> bool:
        """True once standing frames outweigh the prior."""
        return self._weight >= self.config.prior_weight_frames

    def update(self, xyz: np.ndarray, visibility: np.ndarray, knee_deg: float, t_s: float) -> None:
        if not (math.isfinite(knee_deg) and knee_deg < self.config.straight_knee_max_deg):
            return
        shoulders = _mid(xyz, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
        ankles = _mid(xyz, L.LEFT_ANKLE, L.RIGHT_ANKLE)
        hips = _mid(xyz, L.LEFT_HIP, L.RIGHT_HIP)
        axis = shoulders - ankles
        chain = np.linalg.norm(shoulders - hips) + np.linalg.norm(hips - ankles)
        # ``not chain > 0`` also refuses a NaN chain (hips not seen): straightness is then unknown.
        if not np.isfinite(axis).all() or not chain > 0:
            return
        straightness = np.linalg.norm(axis) / chain
        if straightness < self.config.straight_body_min_ratio:
            return
        direction = unit_vectors(axis)
        # A body squeezed to a point has no direction; one NaN added here would make "up" NaN for good.
        if not np.isfinite(direction).all():
            return
        if angle_between_deg(direction, CAMERA_UP) > self.config.max_camera_tilt_deg:
            return
        self._sum += direction
        self._weight += 1.0


# The landmarks whose picture and model positions fix the picture's scale (pixels per metre).
_SCALE_LANDMARKS = TRUNK_AND_LEGS
_SCALE_INDEX = np.array(_SCALE_LANDMARKS)


def picture_scale_px_per_m(xy_px: np.ndarray, xyz_m: np.ndarray) -> float:
    """Pixels per metre: the spread of the body in the picture against its spread in the model's metres.

    Weak perspective: the model's world x and y are the picture's axes in metres, so the
    ratio of the two spreads (over shoulders, hips, knees and ankles) is the scale. NaN when
    those landmarks are not all seen. ``xy_px`` (33, 2), ``xyz_m`` (33, 3).
    """
    picture = xy_px[_SCALE_INDEX]
    model = xyz_m[_SCALE_INDEX, :2]
    if not (np.isfinite(picture).all() and np.isfinite(model).all()):
        return math.nan
    spread_px = float(((picture - picture.mean(axis=0)) ** 2).sum())
    spread_m = float(((model - model.mean(axis=0)) ** 2).sum())
    # A body squeezed to a point (in the picture or in the model) has no scale.
    return math.sqrt(spread_px / spread_m) if spread_m > 1e-9 and spread_px > 1e-9 else math.nan


@dataclass
class _Line:
    """A line across the body (shoulders, hips or ankles) and what is learned of its full width."""

    left: PoseLandmark
    right: PoseLandmark
    width_ratio: float  # picture width / model 3D width while facing the camera
    widths_m: deque[float]

    def full_width_m(self, model_width_m: float, config: KinematicsConfig) -> tuple[float, float]:
        """The line's full width in metres, and how uncertain it is (a share of it)."""
        if len(self.widths_m) >= config.width_min_samples:
            return float(np.percentile(np.fromiter(self.widths_m, float), 90.0)), config.width_rel_sd
        return self.width_ratio * model_width_m, config.width_prior_rel_sd


@dataclass(frozen=True)
class Neutral:
    """A person's own neutral posture: standing still, upright, facing about the camera.

    Recorded from a short still phase (the first seconds of a video, or the Live page's
    Calibrate), kept per person in History and reused. The trunk's forward bend is measured from
    ``trunk_deg`` (EN 1005-4 measures postures from the person's neutral), and the twist measure
    starts with the person's own line widths instead of learning them first.

    Attributes:
        trunk_deg: the trunk flexion read while standing still (a habitual lean, or the camera's).
        shoulder_width_m, hip_width_m: the lines' widths across the picture, in metres (NaN where
            the person did not face the camera enough to show them).
        height_px: ankle-to-shoulder height in the picture (for the record: it changes with distance).
        frames: how many frames it was measured over.
    """

    trunk_deg: float
    shoulder_width_m: float = math.nan
    hip_width_m: float = math.nan
    height_px: float = math.nan
    frames: int = 0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.trunk_deg) and abs(self.trunk_deg) <= 90.0):
            raise ValueError(f"Neutral.trunk_deg must be a finite angle within ±90°, got {self.trunk_deg!r}")

    def to_dict(self) -> dict[str, float | int | None]:
        def value(x: float) -> float | None:
            return round(x, 4) if math.isfinite(x) else None

        return {
            "trunk_deg": value(self.trunk_deg),
            "shoulder_width_m": value(self.shoulder_width_m),
            "hip_width_m": value(self.hip_width_m),
            "height_px": value(self.height_px),
            "frames": self.frames,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Neutral:
        def number(key: str) -> float:
            value = data.get(key)
            return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan

        frames = data.get("frames")
        return cls(
            trunk_deg=number("trunk_deg"),
            shoulder_width_m=number("shoulder_width_m"),
            hip_width_m=number("hip_width_m"),
            height_px=number("height_px"),
            frames=frames if isinstance(frames, int) and not isinstance(frames, bool) else 0,
        )


class NeutralRecorder:
    """Records ``Neutral`` from the first phase of standing still (``neutral_still_s`` long)."""

    def __init__(self, config: KinematicsConfig = DEFAULT_CONFIG.kinematics) -> None:
        self.config = config
        self.restart()

    def restart(self) -> None:
        """Record afresh from the next still phase (the Live page's Calibrate)."""
        self._run: list[tuple[float, float, float, float, float]] = []
        self.neutral: Neutral | None = None

    def update(
        self,
        t_s: float,
        trunk_deg: float,
        knee_deg: float,
        speed_deg_s: float,
        widths_m: tuple[float, float],
        height_px: float,
    ) -> Neutral | None:
        """Feed one frame; returns the neutral once a still phase has lasted long enough (once)."""
        if self.neutral is not None:
            return None
        cfg = self.config
        still = (
            math.isfinite(trunk_deg)
            and abs(trunk_deg) <= cfg.neutral_max_trunk_deg
            and math.isfinite(knee_deg)
            and knee_deg <= cfg.straight_knee_max_deg
            and (not math.isfinite(speed_deg_s) or abs(speed_deg_s) <= cfg.neutral_max_speed_deg_s)
        )
        if not still:
            self._run = []
            return None
        self._run.append((t_s, trunk_deg, widths_m[0], widths_m[1], height_px))
        if t_s - self._run[0][0] < cfg.neutral_still_s:
            return None
        values = np.array([r[1:] for r in self._run], dtype=float)

        def median(column: int) -> float:
            col = values[:, column]
            col = col[np.isfinite(col)]
            return float(np.median(col)) if col.size else math.nan

        self.neutral = Neutral(median(0), median(1), median(2), median(3), len(self._run))
        return self.neutral


class TwistCues:
    """The shoulder, hip and ankle lines with depth from two cues, fused; one per video or session.

    - the model's depth: the difference of the two ends' world z (noisy: ``depth_sd_m``);
    - foreshortening: a line of full width W that shows p metres wide in the picture is
      sqrt(W² − p²) deep, its sign from the model. Well conditioned when the line is turned
      well away from the picture's plane (a 30° turn shortens it by 13%), useless near it.

    Each line's depth is the two cues weighted by their variances; their disagreement (in
    standard deviations) says whether the frame can judge twist. W is learned from the
    person's own frames facing the camera (see ``KinematicsConfig``).
    """

    def __init__(self, config: KinematicsConfig = DEFAULT_CONFIG.kinematics) -> None:
        self.config = config
        self.scale_px_per_m = math.nan
        self._last_t: float | None = None

        def line(a: PoseLandmark, b: PoseLandmark, ratio: float) -> _Line:
            return _Line(a, b, ratio, deque(maxlen=config.width_samples))

        self.lines = {
            "shoulders": line(L.LEFT_SHOULDER, L.RIGHT_SHOULDER, config.shoulder_width_ratio),
            "hips": line(L.LEFT_HIP, L.RIGHT_HIP, config.hip_width_ratio),
            "ankles": line(L.LEFT_ANKLE, L.RIGHT_ANKLE, 1.0),
        }

    def reset_person(self) -> None:
        """Another person: their widths are not this one's."""
        for line in self.lines.values():
            line.widths_m.clear()
        self.scale_px_per_m = math.nan

    def seed(self, neutral: Neutral) -> None:
        """Start from a person's recorded widths (as if they had just faced the camera for a while)."""
        for name, width in (("shoulders", neutral.shoulder_width_m), ("hips", neutral.hip_width_m)):
            if math.isfinite(width) and width > 0:
                self.lines[name].widths_m.extend([width] * self.config.width_min_samples)

    def learned_widths_m(self) -> tuple[float, float]:
        """The shoulder and hip lines' full widths learned so far (metres), NaN where not yet learned."""
        out = []
        for name in ("shoulders", "hips"):
            samples = self.lines[name].widths_m
            enough = len(samples) >= self.config.width_min_samples
            out.append(float(np.percentile(np.fromiter(samples, float), 90.0)) if enough else math.nan)
        return out[0], out[1]

    def _update_scale(self, xy_px: np.ndarray, xyz_m: np.ndarray, t_s: float) -> None:
        scale = picture_scale_px_per_m(xy_px, xyz_m)
        if not math.isfinite(scale):
            return
        if not math.isfinite(self.scale_px_per_m) or self._last_t is None:
            self.scale_px_per_m = scale
        else:
            # The person's distance changes slowly; one frame's fit is noisy (time constant 0.5 s).
            alpha = 1.0 - math.exp(-max(t_s - self._last_t, 0.0) / 0.5)
            self.scale_px_per_m += alpha * (scale - self.scale_px_per_m)
        self._last_t = t_s

    def update(
        self, xy_px: np.ndarray, xyz_m: np.ndarray, t_s: float, *, upright: bool
    ) -> dict[str, tuple[np.ndarray, float]]:
        """Each line's fused vector (3,) in the model's axes and metres, with the cues' disagreement (σ).

        ``xy_px`` (33, 2) and ``xyz_m`` (33, 3), smoothed. A line not seen is NaN. Widths are
        learned only while the trunk is ``upright``: a trunk bent toward the camera brings the
        shoulders nearer, and perspective would make them look wider than they are.
        """
        self._update_scale(xy_px, xyz_m, t_s)
        cfg = self.config
        out: dict[str, tuple[np.ndarray, float]] = {}
        if not (math.isfinite(self.scale_px_per_m) and self.scale_px_per_m > 0):
            return {name: (np.full(3, np.nan), math.nan) for name in self.lines}
        xyz, xy, scale = xyz_m.tolist(), xy_px.tolist(), self.scale_px_per_m
        for name, line in self.lines.items():
            model = _sub(xyz[line.right], xyz[line.left])
            (right_x, right_y), (left_x, left_y) = xy[line.right], xy[line.left]
            picture = ((right_x - left_x) / scale, (right_y - left_y) / scale)
            shown = float(np.hypot(picture[0], picture[1]))  # NumPy's hypot: math.hypot can differ in the last bit
            model_width = _length(model)
            if not (math.isfinite(shown) and math.isfinite(model_width) and model_width > 1e-6):
                out[name] = (np.full(3, np.nan), math.nan)
                continue
            turn = math.degrees(math.atan2(abs(model[2]), math.hypot(model[0], model[1])))
            if upright and turn < cfg.width_in_plane_deg:
                line.widths_m.append(shown)
            full, full_rel_sd = line.full_width_m(model_width, cfg)
            full = max(full, 1e-3)
            depth_2d = math.sqrt(max(full * full - shown * shown, 0.0))
            # d(depth)/d(shown) = −shown/depth and d(depth)/d(full) = full/depth: hopeless near the picture's
            # plane (depth → 0), where the model's depth takes over.
            sd_2d = math.hypot(shown * cfg.width_point_rel_sd * full, full * full_rel_sd * full) / max(
                depth_2d, 0.02 * full
            )
            depth_2d = math.copysign(depth_2d, model[2])
            # Foreshortening gives the depth's size, not its sign, which comes from the model: with the
            # model's depth near 0 the sign is a coin toss, and so is the cue (weight ∝ the sign's odds).
            sign_odds = math.erf(abs(model[2]) / (cfg.depth_sd_m * math.sqrt(2.0)))
            w_2d, w_model = sign_odds**2 / sd_2d**2, 1.0 / cfg.depth_sd_m**2
            depth = (w_2d * depth_2d + w_model * model[2]) / (w_2d + w_model)
            disagreement = abs(depth_2d - model[2]) / math.hypot(sd_2d, cfg.depth_sd_m)
            out[name] = (np.array([picture[0], picture[1], depth]), disagreement)
        return out


def _yaw_rad(v: np.ndarray) -> float:
    """Which way a left-to-right line across the body faces, about the camera's vertical (0 = square on)."""
    return math.atan2(float(v[2]), -float(v[0]))


def _turn_about(v: np.ndarray, axis: np.ndarray, angle_rad: float) -> np.ndarray:
    """``v`` turned by ``angle_rad`` about the unit ``axis`` (right-hand rule)."""
    c, s = math.cos(angle_rad), math.sin(angle_rad)
    return v * c + _cross(axis, v) * s + axis * float(np.dot(axis, v)) * (1.0 - c)


def twist_between_deg(shoulders: np.ndarray, pelvis: np.ndarray, axis: np.ndarray) -> float:
    """Signed angle from the pelvis line to the shoulder line about the trunk axis (both projected across it)."""
    hips = unit_vectors(_project_out(pelvis, axis))
    sh = unit_vectors(_project_out(shoulders, axis))
    return float(np.degrees(np.arctan2(_dot(_cross(hips, sh), axis), _dot(hips, sh))))


_LEGS = {
    "left": (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
    "right": (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
}


def _ankles_moved(now: Sequence[float], before: Sequence[float]) -> float:
    """The farther either ankle moved between two (left x, left y, right x, right y)."""
    dx, dy = now[0] - before[0], now[1] - before[1]
    left = math.sqrt(dx * dx + dy * dy)
    dx, dy = now[2] - before[2], now[3] - before[3]
    right = math.sqrt(dx * dx + dy * dy)
    return left if left > right or math.isnan(left) else right


def _in_range(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


class Kinematics:
    """Turns each frame's pose into ``Angles``: smoothing, vertical, angles and view.

    One per video or live session; ``update`` must be called with increasing times.
    """

    def __init__(
        self,
        config: KinematicsConfig = DEFAULT_CONFIG.kinematics,
        ranges: RangeConfig = DEFAULT_CONFIG.ranges,
        neutral: Neutral | None = None,
    ) -> None:
        self.config = config
        self.ranges = ranges
        # The person's neutral: given (from History) or recorded from their first still phase.
        self.given_neutral = neutral
        self.recorder = NeutralRecorder(config)
        self._world = OneEuroFilter(config.smoothing_min_cutoff_hz, config.smoothing_beta)
        self._picture = OneEuroFilter(config.smoothing_min_cutoff_hz, config.smoothing_beta)
        self._vis = OneEuroFilter(config.smoothing_min_cutoff_hz, 0.0)
        self._up = UpEstimator(config)
        self._cues = TwistCues(config)
        if neutral is not None:
            self._cues.seed(neutral)
        self._yaw: float = math.nan
        self._last_yaw_t: float | None = None
        self._last_seen_t: float | None = None
        self._person: int | None = None
        self._mirrored = 0.0  # smoothed evidence (−1..1) that the model swapped left and right
        self._pelvis_yaw: float | None = None
        self._pelvis_t: float | None = None
        self._seated_since: float | None = None
        self._stepping = True
        self._now = 0.0
        self._feet: deque[tuple[float, tuple[float, float, float, float], float]] = deque()
        self._last_world: np.ndarray | None = None
        self._last_visibility: np.ndarray | None = None
        self._trunk_history: deque[tuple[float, float]] = deque(maxlen=64)

    @property
    def up(self) -> np.ndarray:
        return self._up.up

    @property
    def neutral(self) -> Neutral | None:
        """The neutral in use: the one given, else the one recorded (None before either)."""
        return self.given_neutral or self.recorder.neutral

    def calibrate(self) -> None:
        """Record the neutral afresh from the next still phase (it replaces the one given)."""
        self.given_neutral = None
        self.recorder.restart()

    def _trunk_offset_deg(self) -> float:
        neutral = self.neutral
        if neutral is None or abs(neutral.trunk_deg) > self.config.neutral_max_trunk_deg:
            return 0.0
        return neutral.trunk_deg

    @property
    def stepping(self) -> bool:
        """True when the feet moved or turned within the last half second (a step)."""
        return self._stepping

    def smoothed(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The last frame's smoothed world landmarks (33, 3) and visibility (33,), copies; None before any."""
        if self._last_world is None or self._last_visibility is None:
            return None
        return self._last_world.copy(), self._last_visibility.copy()

    def _reset_filters(self) -> None:
        self._world.reset()
        self._picture.reset()
        self._vis.reset()
        self._trunk_history.clear()

    def _facing(
        self, xyz: np.ndarray, vis: np.ndarray, up: np.ndarray, hips: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(lat, fwd): the pelvis's horizontal axes, turned round when the model swapped the sides.

        The two feet point the way the person faces whichever the model calls left: their
        heel-to-toe directions, averaged, do not depend on the labels; the pelvis's "forward"
        (up × left-to-right) does. When the two disagree for a while, the sides were swapped.
        """
        lat = unit_vectors(_project_out(hips, up))
        fwd = unit_vectors(_cross(up, lat))
        feet = (xyz[L.LEFT_FOOT_INDEX] - xyz[L.LEFT_HEEL]) + (xyz[L.RIGHT_FOOT_INDEX] - xyz[L.RIGHT_HEEL])
        feet_seen = min(vis[L.LEFT_HEEL], vis[L.RIGHT_HEEL], vis[L.LEFT_FOOT_INDEX], vis[L.RIGHT_FOOT_INDEX]) > 0.5
        feet_fwd = unit_vectors(_project_out(feet, up))
        if feet_seen and np.isfinite(feet_fwd).all() and np.isfinite(fwd).all():
            self._mirrored += 0.2 * (float(np.dot(feet_fwd, fwd)) - self._mirrored)
        if self._mirrored < self.config.mirrored_max_dot:
            return -lat, -fwd
        return lat, fwd

    def _twist(
        self, cues: dict[str, tuple[np.ndarray, float]], vis: np.ndarray, axis: np.ndarray, side_on: bool
    ) -> tuple[float, bool]:
        shoulders, shoulder_dis = cues["shoulders"]
        hips, hip_dis = cues["hips"]
        ankles, _ = cues["ankles"]
        if not (np.isfinite(shoulders).all() and np.isfinite(hips).all() and np.isfinite(axis).all()):
            return math.nan, True  # not seen: a gap, but not a disagreement of the cues
        cfg = self.config
        pelvis = hips
        planted = (
            not side_on
            and np.isfinite(ankles).all()
            and min(vis[L.LEFT_ANKLE], vis[L.RIGHT_ANKLE]) > 0.5
            and np.linalg.norm(ankles) > cfg.ankle_stance_min_ratio * np.linalg.norm(hips)
        )
        if planted:
            off = math.remainder(_yaw_rad(ankles) - _yaw_rad(hips), 2.0 * math.pi)
            if abs(math.degrees(off)) < cfg.ankle_line_max_off_deg:
                # Turning about the camera's up by −a changes the yaw above by +a.
                pelvis = _turn_about(hips, CAMERA_UP, -cfg.pelvis_from_ankles * off)
        pelvis = self._slow_pelvis(pelvis)
        agree = shoulder_dis <= cfg.twist_cue_max_disagreement and hip_dis <= cfg.twist_cue_max_disagreement
        return twist_between_deg(shoulders, pelvis, axis), agree

    def _slow_pelvis(self, pelvis: np.ndarray) -> np.ndarray:
        """The pelvis line turned to a slowly followed way while the person sits.

        MediaPipe's hips swing with the shoulders (a seated Russian twist, a seated hand-over); a
        pelvis on a seat turns only when the person shuffles round. So while seated (the shoulders
        held low for ``pelvis_seated_s``, longer than a lift's bottom lasts) its way is followed with
        ``pelvis_time_constant_s``; a step
        (or the model swapping sides: a jump past ``pelvis_max_lag_deg``) makes it follow at once.
        Standing, a pelvis really turns on planted feet (a woodchop's 15-20°), so it is followed at once.
        """
        cfg = self.config
        yaw = _yaw_rad(pelvis)
        t = self._now
        fresh = self._pelvis_yaw is None or self._pelvis_t is None or t - self._pelvis_t > cfg.max_gap_s
        seated = self._seated_since is not None and t - self._seated_since >= cfg.pelvis_seated_s
        if cfg.pelvis_time_constant_s <= 0 or fresh or self._stepping or not seated:
            self._pelvis_yaw = yaw
        else:
            assert self._pelvis_yaw is not None and self._pelvis_t is not None
            alpha = 1.0 - math.exp(-(t - self._pelvis_t) / cfg.pelvis_time_constant_s)
            self._pelvis_yaw += alpha * math.remainder(yaw - self._pelvis_yaw, 2.0 * math.pi)
            if abs(math.remainder(self._pelvis_yaw - yaw, 2.0 * math.pi)) > math.radians(cfg.pelvis_max_lag_deg):
                self._pelvis_yaw = yaw
        self._pelvis_t = t
        # Turning about the camera's up by −a changes the yaw by +a.
        return _turn_about(pelvis, CAMERA_UP, -(self._pelvis_yaw - yaw))

    def _track_feet(self, xy: np.ndarray, xyz: np.ndarray, vis: np.ndarray, t_s: float) -> None:
        """Whether the feet moved or turned within the last half second (a step: the pelvis may turn)."""
        scale = self._cues.scale_px_per_m
        self._now = t_s
        if not (math.isfinite(scale) and scale > 0):
            self._stepping = True
            return
        (lx, ly), (rx, ry) = xy[L.LEFT_ANKLE].tolist(), xy[L.RIGHT_ANKLE].tolist()
        ankles = (lx / scale, ly / scale, rx / scale, ry / scale)  # the two ankles' (x, y), in metres
        if not all(map(math.isfinite, ankles)):
            self._stepping = True
            return
        toes = (xyz[L.LEFT_FOOT_INDEX] - xyz[L.LEFT_HEEL]) + (xyz[L.RIGHT_FOOT_INDEX] - xyz[L.RIGHT_HEEL])
        seen = min(vis[L.LEFT_HEEL], vis[L.RIGHT_HEEL], vis[L.LEFT_FOOT_INDEX], vis[L.RIGHT_FOOT_INDEX]) > 0.5
        feet_yaw = math.atan2(float(toes[0]), -float(toes[2])) if seen and np.isfinite(toes).all() else math.nan
        self._feet.append((t_s, ankles, feet_yaw))
        while self._feet and t_s - self._feet[0][0] > 0.5:
            self._feet.popleft()
        moved = max(_ankles_moved(ankles, before) for _, before, _ in self._feet)
        turned = math.isfinite(feet_yaw) and max(
            (abs(math.remainder(feet_yaw - y, 2.0 * math.pi)) for _, _, y in self._feet if math.isfinite(y)),
            default=0.0,
        ) > math.radians(self.config.step_min_turn_deg)
        self._stepping = moved > self.config.step_min_m or turned

    def _knee(self, xyz: list[Point], xy: list[Point], side: str) -> tuple[float, float]:
        """The knee's bend: in the picture when the leg bends in a plane facing the camera, else in 3D.

        The image landmarks are more exact than the model's depth guess, so a leg bending across
        the picture (a side view) is measured there; a leg bending toward the camera needs depth.
        Returns (that bend, the bend in 3D), from the frame's points given as floats.
        """
        hip, knee, ankle = _LEGS[side]
        thigh, shank = _sub(xyz[knee], xyz[hip]), _sub(xyz[ankle], xyz[knee])
        in_3d = 180.0 - _angle3_deg(_sub(xyz[hip], xyz[knee]), shank)  # knee_flexion_deg
        if not math.isfinite(in_3d):
            return in_3d, in_3d
        normal = (
            thigh[1] * shank[2] - thigh[2] * shank[1],
            thigh[2] * shank[0] - thigh[0] * shank[2],
            thigh[0] * shank[1] - thigh[1] * shank[0],
        )
        size = _length(normal)
        facing = size > 1e-9 and math.degrees(math.acos(min(1.0, abs(normal[2]) / size))) < (
            self.config.limb_in_plane_deg
        )
        if not facing:
            return in_3d, in_3d
        (hip_x, hip_y), (knee_x, knee_y), (ankle_x, ankle_y) = xy[hip], xy[knee], xy[ankle]
        return 180.0 - _angle2_deg((hip_x - knee_x, hip_y - knee_y), (ankle_x - knee_x, ankle_y - knee_y)), in_3d

    def _speed(self, t_s: float, trunk_deg: float) -> float:
        """The trunk's angular speed over the last ``speed_window_s``, from the (gap-free) flexion history."""
        if math.isfinite(trunk_deg):
            self._trunk_history.append((t_s, trunk_deg))
        if not math.isfinite(trunk_deg):
            return math.nan
        window = self.ranges.speed_window_s
        # The latest reading at least a window old.
        t0, a0 = next(((t, a) for t, a in reversed(self._trunk_history) if t_s - t >= window - 1e-6), (math.nan, 0.0))
        if math.isnan(t0):
            return math.nan
        if t_s - t0 > 3.0 * window:  # too long ago: a gap, not a movement
            return math.nan
        return (trunk_deg - a0) / (t_s - t0)

    def update(self, pose: PoseFrame) -> Angles:
        t_s = pose.t_s
        if not pose.detected:
            return Angles.unseen(t_s, classify_view(self._yaw, self.config), self._yaw)
        if self._person is not None and pose.person != self._person:
            # Another person: nothing smoothed or learned from the last one may leak into their angles.
            # (The learned vertical belongs to the camera and is kept.)
            self._reset_filters()
            self._cues.reset_person()
            self._yaw = math.nan
            self._mirrored = 0.0
        elif self._last_seen_t is not None and t_s - self._last_seen_t > self.config.max_gap_s:
            # After a long gap the old state describes another moment (and perhaps another person
            # under the same number): the widths are learned again in a few seconds.
            self._reset_filters()
            self._cues.reset_person()
        self._person = pose.person
        self._last_seen_t = t_s
        xyz = self._world(pose.xyz_m, t_s)
        xy = self._picture(pose.xy_px, t_s)
        vis = self._vis(pose.visibility, t_s)
        self._last_world, self._last_visibility = xyz, vis
        # The frame's points as floats, for the per-frame shortcuts (see ``Point``).
        points, picture = xyz.tolist(), xy.tolist()
        w_l, w_r = (float(w) for w in _leg_weights(vis))
        knee_l, knee_l_3d = self._knee(points, picture, "left")
        knee_r, knee_r_3d = self._knee(points, picture, "right")
        knee = _combine_two(knee_l, knee_r, w_l, w_r)
        self._up.update(xyz, vis, _combine_two(knee_l_3d, knee_r_3d, w_l, w_r), t_s)
        up = self._up.up
        up_t = up.tolist()
        hip_line = _sub(points[L.RIGHT_HIP], points[L.LEFT_HIP])
        yaw = math.degrees(math.atan2(abs(hip_line[2]), abs(hip_line[0])))  # view_yaw_deg
        if math.isfinite(yaw):
            if math.isfinite(self._yaw):
                since = t_s - (self._last_yaw_t if self._last_yaw_t is not None else t_s)
                alpha = 1.0 - math.exp(-since / self.config.view_time_constant_s)
                self._yaw += alpha * (yaw - self._yaw)
            else:
                self._yaw = yaw
            self._last_yaw_t = t_s
        view = classify_view(self._yaw, self.config)
        shoulders_mid = _half_sum(points[L.LEFT_SHOULDER], points[L.RIGHT_SHOULDER])
        axis_t = _unit3(*_sub(shoulders_mid, _half_sum(points[L.LEFT_HIP], points[L.RIGHT_HIP])))
        axis = np.array(axis_t)
        upright = all(map(math.isfinite, axis_t)) and _angle3_deg(axis_t, up_t) < 20.0
        cues = self._cues.update(xy, xyz, t_s, upright=upright)
        self._track_feet(xy, xyz, vis, t_s)
        lat, fwd = self._facing(xyz, vis, up, xyz[L.RIGHT_HIP] - xyz[L.LEFT_HIP])
        ax, ay, az = axis_t
        (fx, fy, fz), (lx, ly, lz) = fwd.tolist(), lat.tolist()
        forward, upward = 0.0 + ax * fx + ay * fy + az * fz, 0.0 + ax * up_t[0] + ay * up_t[1] + az * up_t[2]
        raw_trunk = math.degrees(math.atan2(forward, upward))
        # Measured from the person's neutral (EN 1005-4), once it is known.
        trunk = raw_trunk - self._trunk_offset_deg()
        side = math.degrees(math.asin(min(max(0.0 + ax * lx + ay * ly + az * lz, -1.0), 1.0)))
        low = float(lowering(xyz, vis, up))
        sitting = math.isfinite(low) and low >= self.config.sit_min_lowering
        if not sitting:
            self._seated_since = None
        elif self._seated_since is None:
            self._seated_since = t_s
        # A swap of the model's left and right turns both lines round, which leaves the twist as it is.
        twist, agree = self._twist(cues, vis, axis, view is View.SIDE)
        if not agree:
            twist = math.nan  # the cues disagree: this frame cannot judge twist (a gap, not a reading)
        values = {
            "trunk_flexion_deg": trunk,
            "knee_flexion_left_deg": knee_l,
            "knee_flexion_right_deg": knee_r,
            "knee_flexion_deg": knee,
            "hip_flexion_deg": _hip_flexion_one(points),
            "trunk_twist_deg": twist,
            "side_bend_deg": side,
        }
        implausible = set()
        r = self.ranges
        for name, bounds in (
            ("trunk_flexion_deg", r.trunk_flexion_deg),
            ("knee_flexion_left_deg", r.knee_flexion_deg),
            ("knee_flexion_right_deg", r.knee_flexion_deg),
            ("knee_flexion_deg", r.knee_flexion_deg),
            ("hip_flexion_deg", r.hip_flexion_deg),
            ("trunk_twist_deg", r.trunk_twist_deg),
            ("side_bend_deg", r.side_bend_deg),
        ):
            if math.isfinite(values[name]) and not _in_range(values[name], bounds):
                values[name] = math.nan
                implausible.add(name)
        speed = self._speed(t_s, values["trunk_flexion_deg"])
        if self.given_neutral is None and self.recorder.neutral is None:
            shoulders = _mid(xy, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
            ankles = _mid(xy, L.LEFT_ANKLE, L.RIGHT_ANKLE)
            # Its widths are the ones learned so far (nothing to seed); its trunk angle sets the offset.
            self.recorder.update(
                t_s,
                raw_trunk,
                knee,
                speed,
                self._cues.learned_widths_m(),
                float(np.linalg.norm(shoulders - ankles)),
            )
        if math.isfinite(speed) and abs(speed) > r.trunk_speed_deg_s:
            # The trunk got here faster than a body can move: neither the speed nor this frame's angle is real.
            speed = math.nan
            values["trunk_flexion_deg"] = math.nan
            implausible.add("trunk_speed_deg_s")
        return Angles(
            t_s=t_s,
            trunk_flexion_deg=values["trunk_flexion_deg"],
            knee_flexion_left_deg=values["knee_flexion_left_deg"],
            knee_flexion_right_deg=values["knee_flexion_right_deg"],
            knee_flexion_deg=values["knee_flexion_deg"],
            hip_flexion_deg=values["hip_flexion_deg"],
            trunk_twist_deg=values["trunk_twist_deg"],
            side_bend_deg=values["side_bend_deg"],
            lowering=low,
            view=view,
            view_yaw_deg=self._yaw,
            seen=True,
            legs_visibility=float(max(w_l, w_r)),
            trunk_speed_deg_s=speed,
            twist_cues_agree=agree,
            implausible=frozenset(implausible),
        )


def _in_frame(pose: PoseFrame, landmark: PoseLandmark, margin: float = 0.02) -> bool:
    width, height = pose.image_size
    x, y = pose.xy_px[landmark]
    return bool(
        np.isfinite(x)
        and np.isfinite(y)
        and -margin * width <= x <= (1 + margin) * width
        and -margin * height <= y <= (1 + margin) * height
        and pose.visibility[landmark] >= 0.3
    )


def _pair_missing(pose: PoseFrame, left: PoseLandmark, right: PoseLandmark) -> bool:
    # From the side one leg hides the other: one of each pair in view is enough.
    return not (_in_frame(pose, left) or _in_frame(pose, right))


def legs_out_of_frame(pose: PoseFrame) -> bool:
    """True when both knees or both ankles are outside the picture (or too poorly seen)."""
    return _pair_missing(pose, L.LEFT_ANKLE, L.RIGHT_ANKLE) or _pair_missing(pose, L.LEFT_KNEE, L.RIGHT_KNEE)


def framing_advice(pose: PoseFrame, angles: Angles) -> str:
    """What to change in the camera's framing before lifting, or "" when it is fine."""
    if not pose.detected:
        return "Step into view: nobody is in the picture"
    if legs_out_of_frame(pose):
        return "Step back: knees and ankles are out of frame"
    if _pair_missing(pose, L.LEFT_SHOULDER, L.RIGHT_SHOULDER):
        return "Step back or tilt the camera: the shoulders are out of frame"
    if angles.view is View.FRONT:
        return "Turn sideways to the camera for the bend check"
    return ""
