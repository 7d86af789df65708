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
from dataclasses import dataclass
from enum import Enum

import numpy as np

from liftcheck.config import DEFAULT_CONFIG, KinematicsConfig
from liftcheck.landmarks import PoseFrame, PoseLandmark

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


# Which measures one camera can be trusted for. From the side, depth (z) carries the
# twist and the side bend, and single-camera depth is the noisiest coordinate; from the
# front, depth carries the forward bend of the trunk and of the knees.
RELIABLE_IN_VIEW: dict[View, frozenset[Measure]] = {
    View.SIDE: frozenset({Measure.TRUNK_FLEXION, Measure.KNEE_FLEXION, Measure.HIP_FLEXION, Measure.LOWERING}),
    View.OBLIQUE: frozenset(Measure),
    View.FRONT: frozenset({Measure.TRUNK_TWIST, Measure.SIDE_BEND, Measure.LOWERING, Measure.KNEE_FLEXION}),
    View.UNKNOWN: frozenset(),
}


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
        }


# ---------------------------------------------------------------- vector helpers


def _unit(v: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 1e-9, v / norm, np.nan)


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=-1)


def _angle_between_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.degrees(np.arccos(np.clip(_dot(_unit(a), _unit(b)), -1.0, 1.0)))


def _mid(xyz: np.ndarray, a: PoseLandmark, b: PoseLandmark) -> np.ndarray:
    return (xyz[..., a, :] + xyz[..., b, :]) / 2.0


def _project_out(v: np.ndarray, n: np.ndarray) -> np.ndarray:
    """v with its component along the unit vector n removed."""
    return v - _dot(v, n)[..., None] * n


# ---------------------------------------------------------------- angle functions


def pelvis_frame(xyz: np.ndarray, up: np.ndarray = CAMERA_UP) -> tuple[np.ndarray, np.ndarray]:
    """(lat, fwd): unit horizontal vectors across the hips (to the right) and the way the pelvis faces.

    ``xyz`` is (..., 33, 3). With x right, y down, z away, a person facing the camera
    has right hip at image-left, so ``lat`` points to −x and ``fwd = up × lat`` to −z.
    """
    lat = _unit(_project_out(xyz[..., L.RIGHT_HIP, :] - xyz[..., L.LEFT_HIP, :], up))
    fwd = _unit(np.cross(up, lat))
    return lat, fwd


def trunk_flexion_deg(xyz: np.ndarray, up: np.ndarray = CAMERA_UP) -> np.ndarray:
    """Forward lean of the trunk from vertical in the sagittal plane, degrees; (..., 33, 3) -> (...)."""
    u = _unit(_mid(xyz, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - _mid(xyz, L.LEFT_HIP, L.RIGHT_HIP))
    _, fwd = pelvis_frame(xyz, up)
    return np.degrees(np.arctan2(_dot(u, fwd), _dot(u, up)))


def side_bend_deg(xyz: np.ndarray, up: np.ndarray = CAMERA_UP) -> np.ndarray:
    """Sideways lean of the trunk out of the sagittal plane, degrees, to the right positive."""
    u = _unit(_mid(xyz, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - _mid(xyz, L.LEFT_HIP, L.RIGHT_HIP))
    lat, _ = pelvis_frame(xyz, up)
    return np.degrees(np.arcsin(np.clip(_dot(u, lat), -1.0, 1.0)))


def trunk_twist_deg(xyz: np.ndarray) -> np.ndarray:
    """Signed angle of the shoulder line against the hip line, seen along the trunk axis, degrees."""
    u = _unit(_mid(xyz, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - _mid(xyz, L.LEFT_HIP, L.RIGHT_HIP))
    hips = _unit(_project_out(xyz[..., L.RIGHT_HIP, :] - xyz[..., L.LEFT_HIP, :], u))
    shoulders = _unit(_project_out(xyz[..., L.RIGHT_SHOULDER, :] - xyz[..., L.LEFT_SHOULDER, :], u))
    return np.degrees(np.arctan2(_dot(np.cross(hips, shoulders), u), _dot(hips, shoulders)))


def knee_flexion_deg(xyz: np.ndarray, side: str) -> np.ndarray:
    """180° − the hip–knee–ankle angle of one leg ("left" or "right"), degrees."""
    hip, knee, ankle = (
        (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE) if side == "left" else (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE)
    )
    return 180.0 - _angle_between_deg(xyz[..., hip, :] - xyz[..., knee, :], xyz[..., ankle, :] - xyz[..., knee, :])


def hip_flexion_deg(xyz: np.ndarray) -> np.ndarray:
    """180° − the trunk–thigh angle, averaged over both hips, degrees."""
    shoulders = _mid(xyz, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    left = _angle_between_deg(shoulders - xyz[..., L.LEFT_HIP, :], xyz[..., L.LEFT_KNEE, :] - xyz[..., L.LEFT_HIP, :])
    right = _angle_between_deg(
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


def lowering(xyz: np.ndarray, visibility: np.ndarray, up: np.ndarray = CAMERA_UP) -> np.ndarray:
    """1 − shoulder height above the ankles / (shank + thigh + trunk length); 0 standing, (...)."""
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


class UpEstimator:
    """Learns the true vertical from the frames where the person stands straight.

    A camera tilted up or down makes the model's −y axis lean; a person standing with
    straight legs and an erect body is vertical, so the ankle-to-shoulder direction in
    such frames is the best "up" one camera gives. The estimate only moves within
    ``max_tilt_deg`` of the camera's own up, so a person lying down cannot flip it.
    """

    def __init__(self, config: KinematicsConfig = DEFAULT_CONFIG.kinematics) -> None:
        self.config = config
        self._sum = np.zeros(3)
        self._weight = 0.0

    @property
    def up(self) -> np.ndarray:
        if self._weight <= 0:
            return CAMERA_UP
        return _unit(self._sum / self._weight)

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
        direction = _unit(axis)
        # A body squeezed to a point has no direction; one NaN added here would make "up" NaN for good.
        if not np.isfinite(direction).all():
            return
        if _angle_between_deg(direction, CAMERA_UP) > self.config.max_camera_tilt_deg:
            return
        self._sum += direction
        self._weight += 1.0


class Kinematics:
    """Turns each frame's pose into ``Angles``: smoothing, vertical, angles and view.

    One per video or live session; ``update`` must be called with increasing times.
    """

    def __init__(self, config: KinematicsConfig = DEFAULT_CONFIG.kinematics) -> None:
        self.config = config
        self._world = OneEuroFilter(config.smoothing_min_cutoff_hz, config.smoothing_beta)
        self._vis = OneEuroFilter(config.smoothing_min_cutoff_hz, 0.0)
        self._up = UpEstimator(config)
        self._yaw: float = math.nan
        self._last_yaw_t: float | None = None
        self._last_seen_t: float | None = None
        self._person: int | None = None

    @property
    def up(self) -> np.ndarray:
        return self._up.up

    def update(self, pose: PoseFrame) -> Angles:
        t_s = pose.t_s
        if not pose.detected:
            return Angles.unseen(t_s, classify_view(self._yaw, self.config), self._yaw)
        if self._person is not None and pose.person != self._person:
            # Another person: nothing smoothed from the last one may leak into their angles.
            # (The learned vertical belongs to the camera and is kept.)
            self._world.reset()
            self._vis.reset()
            self._yaw = math.nan
        elif self._last_seen_t is not None and t_s - self._last_seen_t > self.config.max_gap_s:
            # After a long gap the old state describes another moment.
            self._world.reset()
            self._vis.reset()
        self._person = pose.person
        self._last_seen_t = t_s
        xyz = self._world(pose.xyz_m, t_s)
        vis = self._vis(pose.visibility, t_s)
        w_l, w_r = _leg_weights(vis)
        knee_l = float(knee_flexion_deg(xyz, "left"))
        knee_r = float(knee_flexion_deg(xyz, "right"))
        knee = float(combine_sides(np.array(knee_l), np.array(knee_r), np.array(w_l), np.array(w_r)))
        self._up.update(xyz, vis, knee, t_s)
        up = self._up.up
        yaw = float(view_yaw_deg(xyz))
        if math.isfinite(yaw):
            if math.isfinite(self._yaw):
                since = t_s - (self._last_yaw_t if self._last_yaw_t is not None else t_s)
                alpha = 1.0 - math.exp(-since / self.config.view_time_constant_s)
                self._yaw += alpha * (yaw - self._yaw)
            else:
                self._yaw = yaw
            self._last_yaw_t = t_s
        return Angles(
            t_s=t_s,
            trunk_flexion_deg=float(trunk_flexion_deg(xyz, up)),
            knee_flexion_left_deg=knee_l,
            knee_flexion_right_deg=knee_r,
            knee_flexion_deg=knee,
            hip_flexion_deg=float(hip_flexion_deg(xyz)),
            trunk_twist_deg=float(trunk_twist_deg(xyz)),
            side_bend_deg=float(side_bend_deg(xyz, up)),
            lowering=float(lowering(xyz, vis, up)),
            view=classify_view(self._yaw, self.config),
            view_yaw_deg=self._yaw,
            seen=True,
            legs_visibility=float(max(w_l, w_r)),
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
