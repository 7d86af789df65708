"""The synthetic lifter: pose sequences with known angles, made without a camera or a model.

Unit tests of the angle measures and the rep segmenter run against it, and the app's
"Try a sample" plays its demo clip when no video is at hand. Pure: numpy and the
standard library only.

A clip is described as a ``Scenario``: a sequence of motions (``stand``, ``lift``,
``twist``, ``walk``, ``turn_by_stepping``, ``sit_down``, ...), each starting from the
posture the previous one ended in. ``generate`` renders it through a pinhole camera into
the ``PoseFrame``s the pose estimator would give, with the true angles of every frame.

Conventions (the same definitions the measuring code uses):

- up: the true vertical. The body is built in a scene frame (x = the level camera's
  right, y = horizontal away from the camera, z = up, origin on the floor between the
  starting ankles) and then expressed in the camera's axes (x right, y down, z away),
  so with a pitched camera "up" is tilted in the output, as it is in MediaPipe's.
- lat = unit(RIGHT_HIP − LEFT_HIP) made horizontal (kept horizontal by construction);
  fwd = up × lat is the way the person faces (in a front view lat is −x, fwd is −z).
- trunk flexion: atan2(u·fwd, u·up) with u = unit(shoulder_mid − hip_mid); + = leaning forward.
- side bend: asin(u·lat); + = toward the person's right.
- trunk twist: the angle from the hip line to the shoulder line about u (right-hand
  rule); + = shoulders turned counter-clockwise seen from above, i.e. toward the
  person's left (the right shoulder comes forward).
- turn_by_stepping: + = turning to the person's left, the same sense as a + twist.
- view yaw: 0 = facing the camera, 90 = facing image-left, −90 = facing image-right.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from liftcheck.landmarks import N_LANDMARKS, PoseFrame, PoseLandmark

L = PoseLandmark

LIFT_STYLES: tuple[str, ...] = ("squat", "semi-squat", "stoop")

# Bottom posture (knee flexion, trunk flexion) of each style, in the middle of the bands
# box-lift studies report (squat: knees ~100–120°, trunk ~20–35°; semi-squat: ~50–75°,
# ~40–55°; stoop: ~5–20°, ~75–95°), so a test can check each style against its band.
_STYLE_BOTTOM_DEG: dict[str, tuple[float, float]] = {
    "squat": (110.0, 28.0),
    "semi-squat": (62.0, 47.0),
    "stoop": (12.0, 85.0),
}

# In a real squat the knees travel forward over planted feet: the shank tilts forward by
# roughly a third of the knee flexion (≈35° of ankle dorsiflexion at a full squat), which
# sends the hips back and down. The thigh then leans forward by the rest.
_SHANK_TILT_PER_KNEE = 0.3

# Seated: knees at 90° with the shank vertical and the thigh level; trunk a little forward.
_SEATED_KNEE_DEG = 90.0
_SEATED_TRUNK_DEG = 8.0
# While sitting down or standing up the shank leans forward at most this much (mid-way).
_SIT_SHANK_TILT_DEG = 15.0

# Quiet-standing sway, degrees and hertz: a few tenths of a degree at a fraction of a
# hertz, the size of postural sway, far below any threshold the rules use.
_SWAY_FLEXION_DEG, _SWAY_FLEXION_HZ = 0.6, 0.23
_SWAY_SIDE_DEG, _SWAY_SIDE_HZ = 0.4, 0.17

_UP = np.array([0.0, 0.0, 1.0])

# Each frame's posture is this set of scalars; a motion returns one array per name.
_PARAMS: tuple[str, ...] = (
    "base_x_m",  # scene position of the body on the floor (ankle mid-point when planted)
    "base_y_m",
    "view_yaw_deg",  # which way the body faces, relative to the camera (see module doc)
    "trunk_flexion_deg",
    "side_bend_deg",
    "twist_deg",
    "thigh_l_deg",  # thigh angle forward from straight down
    "knee_l_deg",
    "thigh_r_deg",
    "knee_r_deg",
    "arm_l_deg",  # arm swing forward from straight down
    "arm_r_deg",
    "planted",  # 1: feet fixed on the floor, hips placed by the legs; 0: hips carried, lower foot on the floor
)
_POSTURE: tuple[str, ...] = (
    "trunk_flexion_deg",
    "side_bend_deg",
    "twist_deg",
    "thigh_l_deg",
    "knee_l_deg",
    "thigh_r_deg",
    "knee_r_deg",
    "arm_l_deg",
    "arm_r_deg",
)

State = dict[str, float]
Track = dict[str, np.ndarray]

_NEUTRAL: State = {name: 0.0 for name in _POSTURE}


# ---------------------------------------------------------------------------------------
# Body and camera


@dataclass(frozen=True)
class Body:
    """An adult's segment lengths, all proportional to the standing height (anthropometric ratios)."""

    height_m: float = 1.75

    def __post_init__(self) -> None:
        if not (0.5 <= self.height_m <= 2.5):
            raise ValueError(f"Body.height_m must be an adult height in metres (0.5–2.5), got {self.height_m!r}")

    @property
    def shank_m(self) -> float:
        return 0.246 * self.height_m

    @property
    def thigh_m(self) -> float:
        return 0.245 * self.height_m

    @property
    def trunk_m(self) -> float:
        """Hip mid-point to shoulder mid-point."""
        return 0.30 * self.height_m

    @property
    def hip_width_m(self) -> float:
        return 0.19 * self.height_m

    @property
    def shoulder_width_m(self) -> float:
        return 0.26 * self.height_m

    @property
    def upper_arm_m(self) -> float:
        return 0.186 * self.height_m

    @property
    def forearm_m(self) -> float:
        return 0.146 * self.height_m

    @property
    def hand_m(self) -> float:
        """Wrist to the index landmark."""
        return 0.045 * self.height_m

    @property
    def ankle_height_m(self) -> float:
        return 0.039 * self.height_m

    @property
    def standing_shoulder_height_m(self) -> float:
        """Shoulder mid-point above the ankle mid-point when standing upright (h0 of ``lowering``)."""
        return self.shank_m + self.thigh_m + self.trunk_m


@dataclass(frozen=True)
class Camera:
    """A pinhole camera on a level floor, aimed at the person's starting place.

    Attributes:
        distance_m: horizontal distance from the camera to the starting ankle mid-point.
        height_m: camera height above the floor.
        pitch_deg: 0 = level; positive = looking down.
        image_size: (width, height) in pixels.
        focal_px: focal length in pixels (square pixels, principal point at the centre).
    """

    distance_m: float = 3.5
    height_m: float = 1.0
    pitch_deg: float = 0.0
    image_size: tuple[int, int] = (640, 480)
    focal_px: float = 704.0

    def __post_init__(self) -> None:
        width, height = self.image_size
        if width <= 0 or height <= 0:
            raise ValueError(f"Camera.image_size must be positive (width, height), got {self.image_size!r}")
        if not self.distance_m > 0.5:
            raise ValueError(f"Camera.distance_m must be more than 0.5 m, got {self.distance_m!r}")
        if not self.focal_px > 0:
            raise ValueError(f"Camera.focal_px must be positive, got {self.focal_px!r}")
        if not -80.0 <= self.pitch_deg <= 80.0:
            raise ValueError(f"Camera.pitch_deg must be within ±80°, got {self.pitch_deg!r}")

    @property
    def rotation(self) -> np.ndarray:
        """(3, 3) rows = the camera's x (right), y (down), z (optical axis) in scene axes."""
        p = math.radians(self.pitch_deg)
        return np.array(
            [
                [1.0, 0.0, 0.0],
                [0.0, -math.sin(p), -math.cos(p)],
                [0.0, math.cos(p), -math.sin(p)],
            ]
        )

    @property
    def position_m(self) -> np.ndarray:
        """(3,) the camera centre in scene axes."""
        return np.array([0.0, -self.distance_m, self.height_m])

    @property
    def up(self) -> np.ndarray:
        """(3,) the true vertical in the camera's axes (x right, y down, z away)."""
        return self.rotation @ _UP

    def to_camera(self, points_m: np.ndarray) -> np.ndarray:
        """(..., 3) scene points -> (..., 3) the same points in the camera's axes, camera at the origin."""
        return (points_m - self.position_m) @ self.rotation.T

    def project(self, points_cam_m: np.ndarray) -> np.ndarray:
        """(..., 3) camera-axes points -> (..., 2) pixels (x right, y down)."""
        width, height = self.image_size
        centre = np.array([width / 2.0, height / 2.0])
        return self.focal_px * points_cam_m[..., :2] / points_cam_m[..., 2:3] + centre


# ---------------------------------------------------------------------------------------
# Records of what was generated


@dataclass(frozen=True)
class LiftEvent:
    """One generated lift. Times are on the clip's clock and may fall outside it when ``partial``."""

    start_s: float
    bottom_s: float
    end_s: float
    style: str
    peak_trunk_flexion_deg: float
    bottom_knee_flexion_deg: float
    peak_twist_deg: float
    side_bend_deg: float
    jerky: bool
    partial: bool


@dataclass(frozen=True)
class TwistEvent:
    """One generated twist of the shoulders against the hips (a ``twist`` motion, or a lift's twist)."""

    start_s: float
    peak_s: float
    end_s: float
    peak_deg: float
    during_lift: bool
    partial: bool


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
    twists: tuple[TwistEvent, ...]
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


# ---------------------------------------------------------------------------------------
# Easing and keyframes


def _ease(x: np.ndarray) -> np.ndarray:
    """Minimum-jerk 0→1 (zero velocity and acceleration at both ends), like a voluntary movement."""
    x = np.clip(x, 0.0, 1.0)
    return x**3 * (10.0 - 15.0 * x + 6.0 * x * x)


def _sudden(x: np.ndarray) -> np.ndarray:
    """0→1 starting at full speed: the velocity jumps at once, a jerk of the load."""
    x = np.clip(x, 0.0, 1.0)
    return 1.0 - (1.0 - x) ** 3


def _knots(
    tau: np.ndarray, knots: Sequence[tuple[float, float]], ease: Callable[[np.ndarray], np.ndarray] = _ease
) -> np.ndarray:
    """Values through (time, value) knots with eased transitions, held outside them. tau: (n,)."""
    out = np.full(tau.shape, float(knots[0][1]))
    for (t0, v0), (t1, v1) in zip(knots[:-1], knots[1:], strict=True):
        if t1 <= t0:
            out = np.where(tau >= t1, v1, out)
            continue
        out = np.where(tau >= t0, v0 + (v1 - v0) * ease((tau - t0) / (t1 - t0)), out)
    return out


def _track(start: State, tau: np.ndarray) -> Track:
    return {name: np.full(tau.shape, float(start[name])) for name in _PARAMS}


def _lift_thigh_deg(knee_deg: float) -> float:
    return (1.0 - _SHANK_TILT_PER_KNEE) * knee_deg


def _sit_thigh_deg(knee_deg: np.ndarray) -> np.ndarray:
    """Thigh angle for a knee angle while sitting down or standing up: shank vertical at 0° and 90°."""
    tilt = _SIT_SHANK_TILT_DEG * np.sin(np.pi * np.clip(knee_deg, 0.0, _SEATED_KNEE_DEG) / _SEATED_KNEE_DEG)
    return knee_deg - tilt


def _bent(trunk_deg: float, knee_deg: float) -> State:
    return {
        **_NEUTRAL,
        "trunk_flexion_deg": trunk_deg,
        "knee_l_deg": knee_deg,
        "knee_r_deg": knee_deg,
        "thigh_l_deg": _lift_thigh_deg(knee_deg),
        "thigh_r_deg": _lift_thigh_deg(knee_deg),
    }


_SEATED: State = {
    **_NEUTRAL,
    "trunk_flexion_deg": _SEATED_TRUNK_DEG,
    "knee_l_deg": _SEATED_KNEE_DEG,
    "knee_r_deg": _SEATED_KNEE_DEG,
    "thigh_l_deg": _SEATED_KNEE_DEG,
    "thigh_r_deg": _SEATED_KNEE_DEG,
}


def _sway(tau: np.ndarray, duration_s: float) -> tuple[np.ndarray, np.ndarray]:
    # Faded in and out so the motion before and after meets it without a jump.
    ramp = min(0.5, duration_s / 2.0)
    window = _ease(tau / ramp) * _ease((duration_s - tau) / ramp)
    flexion = _SWAY_FLEXION_DEG * np.sin(2 * np.pi * _SWAY_FLEXION_HZ * tau) * window
    side = _SWAY_SIDE_DEG * np.sin(2 * np.pi * _SWAY_SIDE_HZ * tau + 1.0) * window
    return flexion, side


def _hold(tau: np.ndarray, duration_s: float, start: State, target: State, sway: bool) -> Track:
    """Move to ``target`` (over up to 1 s, if not there already) and stay, feet planted."""
    out = _track(start, tau)
    moves = any(abs(target[name] - start[name]) > 1e-9 for name in target)
    reach_s = min(1.0, duration_s / 2.0)
    for name, value in target.items():
        out[name] = _knots(tau, [(0.0, start[name]), (reach_s, value)]) if moves else np.full(tau.shape, value)
    out["planted"][:] = 1.0
    if sway:
        flexion, side = _sway(tau, duration_s)
        out["trunk_flexion_deg"] = out["trunk_flexion_deg"] + flexion
        out["side_bend_deg"] = out["side_bend_deg"] + side
    return out


def _require_standing(motion: str, start: State) -> None:
    # Stepping carries the hips instead of the feet; it must begin with straight legs
    # so the hand-over from planted feet is seamless.
    worst = max(abs(start[name]) for name in ("thigh_l_deg", "knee_l_deg", "thigh_r_deg", "knee_r_deg"))
    if worst > 1.0:
        raise ValueError(
            f"{motion} must start standing with straight legs, but the knees/thighs are at {worst:.0f}°;"
            " put stand() or stand_up() before it"
        )


def _check_duration(motion: str, duration_s: float) -> None:
    if not (np.isfinite(duration_s) and duration_s > 0):
        raise ValueError(f"{motion} duration must be a positive number of seconds, got {duration_s!r}")


# ---------------------------------------------------------------------------------------
# Motions


class Motion:
    """One piece of a scenario. Subclasses are frozen dataclasses with a ``duration_s``."""

    duration_s: float

    def entry(self) -> State | None:
        """The posture a clip starts in when this motion comes first (None: standing)."""
        return None

    def render(self, tau: np.ndarray, start: State, body: Body) -> Track:
        """The posture parameters at local times ``tau`` (n,) from 0 to ``duration_s``."""
        raise NotImplementedError

    def events(self, t0_s: float, start: State) -> tuple[list[LiftEvent], list[TwistEvent]]:
        return [], []


@dataclass(frozen=True)
class Stand(Motion):
    duration_s: float = 2.0
    sway: bool = True

    def __post_init__(self) -> None:
        _check_duration("stand", self.duration_s)

    def render(self, tau: np.ndarray, start: State, body: Body) -> Track:
        return _hold(tau, self.duration_s, start, _NEUTRAL, self.sway)


@dataclass(frozen=True)
class HoldBent(Motion):
    duration_s: float = 2.0
    trunk_deg: float = 40.0
    knee_deg: float = 20.0
    sway: bool = True

    def __post_init__(self) -> None:
        _check_duration("hold_bent", self.duration_s)
        _check_range("hold_bent trunk_deg", self.trunk_deg, -20.0, 120.0)
        _check_range("hold_bent knee_deg", self.knee_deg, 0.0, 140.0)

    def entry(self) -> State | None:
        return _bent(self.trunk_deg, self.knee_deg)

    def render(self, tau: np.ndarray, start: State, body: Body) -> Track:
        return _hold(tau, self.duration_s, start, _bent(self.trunk_deg, self.knee_deg), self.sway)


@dataclass(frozen=True)
class Lift(Motion):
    """Standing → down → hold at the bottom → up → standing, feet planted."""

    style: str = "squat"
    knee_deg: float | None = None
    trunk_deg: float | None = None
    descent_s: float = 1.2
    hold_s: float = 0.5
    ascent_s: float = 1.2
    twist_deg: float = 0.0
    side_bend_deg: float = 0.0
    jerky: bool = False
    jerk_fraction: float = 0.35

    def __post_init__(self) -> None:
        if self.style not in LIFT_STYLES:
            raise ValueError(f"lift style must be one of {LIFT_STYLES}, got {self.style!r}")
        for name in ("descent_s", "ascent_s"):
            _check_duration(f"lift {name}", getattr(self, name))
        if not (np.isfinite(self.hold_s) and self.hold_s >= 0):
            raise ValueError(f"lift hold_s must be zero or more seconds, got {self.hold_s!r}")
        if not 0.05 <= self.jerk_fraction <= 1.0:
            raise ValueError(f"lift jerk_fraction must be within 0.05..1, got {self.jerk_fraction!r}")
        _check_range("lift knee_deg", self.bottom_knee_deg, 0.0, 140.0)
        _check_range("lift trunk_deg", self.bottom_trunk_deg, -10.0, 120.0)
        _check_range("lift twist_deg", self.twist_deg, -90.0, 90.0)
        _check_range("lift side_bend_deg", self.side_bend_deg, -45.0, 45.0)

    @property
    def bottom_knee_deg(self) -> float:
        return _STYLE_BOTTOM_DEG[self.style][0] if self.knee_deg is None else float(self.knee_deg)

    @property
    def bottom_trunk_deg(self) -> float:
        return _STYLE_BOTTOM_DEG[self.style][1] if self.trunk_deg is None else float(self.trunk_deg)

    @property
    def up_s(self) -> float:
        """How long the way up takes: a jerky lift does it in a fraction of ``ascent_s``."""
        return self.ascent_s * self.jerk_fraction if self.jerky else self.ascent_s

    @property
    def duration_s(self) -> float:  # type: ignore[override]
        return self.descent_s + self.hold_s + self.up_s

    def render(self, tau: np.ndarray, start: State, body: Body) -> Track:
        out = _track(start, tau)
        bottom = _bent(self.bottom_trunk_deg, self.bottom_knee_deg)
        bottom["twist_deg"] = self.twist_deg
        bottom["side_bend_deg"] = self.side_bend_deg
        up_ease = _sudden if self.jerky else _ease
        rising = tau > self.descent_s + self.hold_s
        x_down = _ease(tau / self.descent_s)
        x_up = up_ease((tau - self.descent_s - self.hold_s) / self.up_s)
        for name in _POSTURE:
            down = start[name] + (bottom[name] - start[name]) * x_down
            up = bottom[name] + (_NEUTRAL[name] - bottom[name]) * x_up
            out[name] = np.where(rising, up, down)
        out["planted"][:] = 1.0
        return out

    def events(self, t0_s: float, start: State) -> tuple[list[LiftEvent], list[TwistEvent]]:
        bottom_s = t0_s + self.descent_s + self.hold_s / 2.0
        end_s = t0_s + self.duration_s
        lift = LiftEvent(
            start_s=t0_s,
            bottom_s=bottom_s,
            end_s=end_s,
            style=self.style,
            peak_trunk_flexion_deg=self.bottom_trunk_deg,
            bottom_knee_flexion_deg=self.bottom_knee_deg,
            peak_twist_deg=float(self.twist_deg),
            side_bend_deg=float(self.side_bend_deg),
            jerky=self.jerky,
            partial=False,
        )
        twists = []
        if self.twist_deg != 0.0:
            twists.append(TwistEvent(t0_s, bottom_s, end_s, float(self.twist_deg), during_lift=True, partial=False))
        return [lift], twists


@dataclass(frozen=True)
class Twist(Motion):
    """Shoulders turn against the hips and back, feet fixed, at a held trunk flexion."""

    peak_deg: float = 45.0
    duration_s: float = 2.0
    bent_deg: float = 0.0
    knee_deg: float | None = None

    def __post_init__(self) -> None:
        _check_duration("twist", self.duration_s)
        _check_range("twist peak_deg", self.peak_deg, -90.0, 90.0)
        _check_range("twist bent_deg", self.bent_deg, -20.0, 120.0)
        if self.knee_deg is not None:
            _check_range("twist knee_deg", self.knee_deg, 0.0, 140.0)

    def entry(self) -> State | None:
        if self.bent_deg == 0.0 and self.knee_deg is None:
            return None
        return _bent(self.bent_deg, 0.0 if self.knee_deg is None else self.knee_deg)

    def _window(self, start: State) -> tuple[float, float]:
        """(start, end) of the twist itself: after and before the bend, if the posture has to change."""
        changes = abs(start["trunk_flexion_deg"] - self.bent_deg) > 1e-9 or (
            self.knee_deg is not None and abs(start["knee_l_deg"] - self.knee_deg) > 1e-9
        )
        margin = min(0.8, self.duration_s / 4.0) if changes else 0.0
        return margin, self.duration_s - margin

    def render(self, tau: np.ndarray, start: State, body: Body) -> Track:
        out = _track(start, tau)
        t_on, t_off = self._window(start)
        out["planted"][:] = 1.0
        targets = {"trunk_flexion_deg": self.bent_deg}
        if self.knee_deg is not None:
            targets.update(
                {
                    "knee_l_deg": self.knee_deg,
                    "knee_r_deg": self.knee_deg,
                    "thigh_l_deg": _lift_thigh_deg(self.knee_deg),
                    "thigh_r_deg": _lift_thigh_deg(self.knee_deg),
                }
            )
        for name, value in targets.items():
            out[name] = _knots(tau, [(0.0, start[name]), (t_on, value), (t_off, value), (self.duration_s, start[name])])
        peak_s = (t_on + t_off) / 2.0
        out["twist_deg"] = _knots(tau, [(t_on, start["twist_deg"]), (peak_s, self.peak_deg), (t_off, 0.0)])
        return out

    def events(self, t0_s: float, start: State) -> tuple[list[LiftEvent], list[TwistEvent]]:
        if self.peak_deg == 0.0:
            return [], []
        t_on, t_off = self._window(start)
        return [], [
            TwistEvent(
                t0_s + t_on,
                t0_s + (t_on + t_off) / 2.0,
                t0_s + t_off,
                float(self.peak_deg),
                during_lift=False,
                partial=False,
            )
        ]


@dataclass(frozen=True)
class Walk(Motion):
    """Walking forward, the way the body faces: legs alternate, the body travels."""

    duration_s: float = 3.0
    speed_m_s: float = 1.2

    def __post_init__(self) -> None:
        _check_duration("walk", self.duration_s)
        _check_range("walk speed_m_s", self.speed_m_s, 0.1, 3.0)

    def render(self, tau: np.ndarray, start: State, body: Body) -> Track:
        _require_standing("walk", start)
        out = _track(start, tau)
        d = self.duration_s
        ramp = min(0.6, d / 4.0)
        # Speed and gait fade in and out so the walk starts and ends standing still.
        env = _ease(tau / ramp) * _ease((d - tau) / ramp)
        distance = self.speed_m_s * _ramped_distance(tau, d, ramp)
        # A stride (two steps) of ~0.8 × height at an ordinary 1.2 m/s, longer when faster.
        stride_m = 0.8 * body.height_m * math.sqrt(self.speed_m_s / 1.2)
        phase_l = distance / stride_m
        phase_r = phase_l + 0.5
        for side, phase in (("l", phase_l), ("r", phase_r)):
            out[f"thigh_{side}_deg"] = env * 22.0 * np.sin(2 * np.pi * phase)
            # Knee: a small bend as the foot takes the weight, ~60° in swing.
            # The swing peak comes as the thigh passes vertical (phase 0.25 is heel strike).
            out[f"knee_{side}_deg"] = env * (15.0 * _bump(phase, 0.32, 0.07) + 60.0 * _bump(phase, 0.99, 0.1))
        out["arm_l_deg"] = 0.6 * out["thigh_r_deg"]
        out["arm_r_deg"] = 0.6 * out["thigh_l_deg"]
        fade = 1.0 - env
        out["trunk_flexion_deg"] = start["trunk_flexion_deg"] * fade + 3.0 * env
        out["side_bend_deg"] = start["side_bend_deg"] * fade
        # The thorax counter-rotates a few degrees against the pelvis in each stride.
        out["twist_deg"] = start["twist_deg"] * fade + 3.0 * env * np.sin(2 * np.pi * phase_l)
        heading = math.radians(start["view_yaw_deg"])
        out["base_x_m"] = start["base_x_m"] - math.sin(heading) * distance
        out["base_y_m"] = start["base_y_m"] - math.cos(heading) * distance
        out["planted"][:] = 0.0
        return out


def _bump(phase: np.ndarray, centre: float, width: float) -> np.ndarray:
    offset = (phase - centre + 0.5) % 1.0 - 0.5
    return np.exp(-0.5 * (offset / width) ** 2)


def _ramped_distance(tau: np.ndarray, duration_s: float, ramp_s: float) -> np.ndarray:
    """∫ of the speed envelope (min-jerk up over ``ramp_s``, flat, min-jerk down), in seconds of full speed."""

    def ramp_integral(x: np.ndarray) -> np.ndarray:  # ∫0^x of the min-jerk ease, x in 0..1
        x = np.clip(x, 0.0, 1.0)
        return 2.5 * x**4 - 3.0 * x**5 + x**6

    rising = ramp_s * ramp_integral(tau / ramp_s)
    flat = np.clip(tau - ramp_s, 0.0, duration_s - 2 * ramp_s)
    falling_x = np.clip((tau - (duration_s - ramp_s)) / ramp_s, 0.0, 1.0)
    # The falling ramp mirrors the rising one: ∫ of (1 − ease) = x − ∫ ease.
    falling = ramp_s * (falling_x - ramp_integral(falling_x))
    return rising + flat + falling


@dataclass(frozen=True)
class TurnByStepping(Motion):
    """The whole body turns on the spot by small steps: pelvis and shoulders together, no twist.

    ``angle_deg`` > 0 turns to the person's left. With ``to_view_yaw_deg`` set, the body
    turns (the short way) to face that view yaw instead, whatever it faced before.
    """

    angle_deg: float = 90.0
    duration_s: float = 1.6
    to_view_yaw_deg: float | None = None

    def __post_init__(self) -> None:
        _check_duration("turn_by_stepping", self.duration_s)
        _check_range("turn_by_stepping angle_deg", self.angle_deg, -720.0, 720.0)

    def _turn_deg(self, start: State) -> float:
        if self.to_view_yaw_deg is None:
            return float(self.angle_deg)
        # A left turn lowers the view yaw (view yaw grows clockwise seen from above).
        return float((start["view_yaw_deg"] - self.to_view_yaw_deg + 180.0) % 360.0 - 180.0)

    def render(self, tau: np.ndarray, start: State, body: Body) -> Track:
        _require_standing("turn_by_stepping", start)
        out = _track(start, tau)
        turn = self._turn_deg(start)
        x = tau / self.duration_s
        out["view_yaw_deg"] = start["view_yaw_deg"] - turn * _ease(x)
        n_steps = 0 if abs(turn) < 1.0 else max(2, math.ceil(abs(turn) / 45.0))
        # The foot on the side turned towards moves first.
        order = ("l", "r") if turn > 0 else ("r", "l")
        for i in range(n_steps):
            side = order[i % 2]
            local = np.clip(x * n_steps - i, 0.0, 1.0)
            knee = 30.0 * np.sin(np.pi * local) ** 2
            out[f"knee_{side}_deg"] = out[f"knee_{side}_deg"] + knee
            out[f"thigh_{side}_deg"] = out[f"thigh_{side}_deg"] + knee / 2.0  # foot lifts straight up
        out["planted"][:] = 0.0
        return out


@dataclass(frozen=True)
class SitDown(Motion):
    """From standing onto a seat behind: feet planted, hips back and down, trunk leans then rights."""

    duration_s: float = 2.0

    def __post_init__(self) -> None:
        _check_duration("sit_down", self.duration_s)

    def render(self, tau: np.ndarray, start: State, body: Body) -> Track:
        d = self.duration_s
        knee = _knots(tau, [(0.0, start["knee_l_deg"]), (d, _SEATED_KNEE_DEG)])
        trunk = [(0.0, start["trunk_flexion_deg"]), (0.5 * d, 38.0), (d, _SEATED_TRUNK_DEG)]
        return _sit_track(tau, d, start, knee, trunk)


@dataclass(frozen=True)
class StandUp(Motion):
    """From a seat to standing: lean forward, then the knees extend."""

    duration_s: float = 2.0

    def __post_init__(self) -> None:
        _check_duration("stand_up", self.duration_s)

    def entry(self) -> State | None:
        return dict(_SEATED)

    def render(self, tau: np.ndarray, start: State, body: Body) -> Track:
        d = self.duration_s
        knee = _knots(tau, [(0.0, start["knee_l_deg"]), (0.3 * d, start["knee_l_deg"]), (d, 0.0)])
        trunk = [(0.0, start["trunk_flexion_deg"]), (0.35 * d, 42.0), (d, 0.0)]
        return _sit_track(tau, d, start, knee, trunk)


def _sit_track(
    tau: np.ndarray, d: float, start: State, knee: np.ndarray, trunk: Sequence[tuple[float, float]]
) -> Track:
    out = _track(start, tau)
    fade = 1.0 - _ease(tau / d)
    for side in ("l", "r"):
        # Any difference of the starting thigh from the sit/stand path fades out, so the start is seamless.
        offset = start[f"thigh_{side}_deg"] - float(_sit_thigh_deg(np.array(start[f"knee_{side}_deg"])))
        knee_side = knee + (start[f"knee_{side}_deg"] - start["knee_l_deg"]) * fade
        out[f"knee_{side}_deg"] = knee_side
        out[f"thigh_{side}_deg"] = _sit_thigh_deg(knee_side) + offset * fade
    out["trunk_flexion_deg"] = _knots(tau, trunk)
    for name in ("side_bend_deg", "twist_deg", "arm_l_deg", "arm_r_deg"):
        out[name] = start[name] * fade
    out["planted"][:] = 1.0
    return out


@dataclass(frozen=True)
class SeatedReach(Motion):
    """Seated, the trunk leans forward toward the floor and comes back."""

    duration_s: float = 3.0
    trunk_deg: float = 60.0

    def __post_init__(self) -> None:
        _check_duration("seated_reach", self.duration_s)
        _check_range("seated_reach trunk_deg", self.trunk_deg, 0.0, 110.0)

    def entry(self) -> State | None:
        return dict(_SEATED)

    def render(self, tau: np.ndarray, start: State, body: Body) -> Track:
        if min(start["knee_l_deg"], start["knee_r_deg"]) < 60.0:
            raise ValueError(
                f"seated_reach must start seated (knees ≥ 60°), but the knees are at "
                f"{start['knee_l_deg']:.0f}°; put sit_down() before it"
            )
        out = _track(start, tau)
        d = self.duration_s
        f0 = start["trunk_flexion_deg"]
        out["trunk_flexion_deg"] = _knots(
            tau, [(0.0, f0), (0.4 * d, self.trunk_deg), (0.6 * d, self.trunk_deg), (d, f0)]
        )
        out["planted"][:] = 1.0
        return out


def _check_range(what: str, value: float, low: float, high: float) -> None:
    if not (np.isfinite(value) and low <= value <= high):
        raise ValueError(f"{what} must be within {low:g}..{high:g}, got {value!r}")


# The motion vocabulary: small functions so a scenario reads like a script.


def stand(duration_s: float = 2.0, *, sway: bool = True) -> Stand:
    """Quiet standing with a little postural sway (returns to upright first if bent)."""
    return Stand(duration_s, sway)


def lift(
    style: str = "squat",
    *,
    knee_deg: float | None = None,
    trunk_deg: float | None = None,
    descent_s: float = 1.2,
    hold_s: float = 0.5,
    ascent_s: float = 1.2,
    twist_deg: float = 0.0,
    side_bend_deg: float = 0.0,
    jerky: bool = False,
    jerk_fraction: float = 0.35,
) -> Lift:
    """One lift: standing → down → hold → up → standing, feet planted.

    ``style`` sets the bottom posture ("squat", "semi-squat", "stoop"); ``knee_deg`` and
    ``trunk_deg`` override it. ``twist_deg`` and ``side_bend_deg`` are reached at the
    bottom and held while bent. ``jerky`` does the way up in ``jerk_fraction`` of
    ``ascent_s``, starting at full speed.
    """
    return Lift(style, knee_deg, trunk_deg, descent_s, hold_s, ascent_s, twist_deg, side_bend_deg, jerky, jerk_fraction)


def twist(
    peak_deg: float = 45.0, duration_s: float = 2.0, bent_deg: float = 0.0, *, knee_deg: float | None = None
) -> Twist:
    """Shoulders rotate against the hips to ``peak_deg`` and back (a golf swing, a woodchop).

    The trunk is held at ``bent_deg`` of flexion (reached from, and returned to, the
    posture before); ``knee_deg`` likewise, if given.
    """
    return Twist(peak_deg, duration_s, bent_deg, knee_deg)


def walk(duration_s: float = 3.0, speed_m_s: float = 1.2) -> Walk:
    """Walk forward, the way the body faces (use a side view, or ``turn_to`` first, to cross the image)."""
    return Walk(duration_s, speed_m_s)


def turn_by_stepping(angle_deg: float = 90.0, duration_s: float = 1.6) -> TurnByStepping:
    """Turn the whole body on the spot by stepping; + = to the person's left."""
    return TurnByStepping(angle_deg, duration_s)


def turn_to(view_yaw_deg: float, duration_s: float = 1.6) -> TurnByStepping:
    """Turn by stepping (the short way) to face ``view_yaw_deg`` relative to the camera."""
    return TurnByStepping(0.0, duration_s, view_yaw_deg)


def sit_down(duration_s: float = 2.0) -> SitDown:
    """Sit onto a seat (knees and hips end near 90°)."""
    return SitDown(duration_s)


def stand_up(duration_s: float = 2.0) -> StandUp:
    """Rise from a seat to standing."""
    return StandUp(duration_s)


def seated_reach(duration_s: float = 3.0, trunk_deg: float = 60.0) -> SeatedReach:
    """Seated, lean the trunk toward the floor to ``trunk_deg`` and back (not a lift)."""
    return SeatedReach(duration_s, trunk_deg)


def hold_bent(duration_s: float = 2.0, trunk_deg: float = 40.0, knee_deg: float = 20.0) -> HoldBent:
    """Hold a bent posture (a golf address, say); a clip that begins with it starts bent."""
    return HoldBent(duration_s, trunk_deg, knee_deg)


@dataclass(frozen=True)
class Scenario:
    """A timeline of motions, each starting where the previous one ended."""

    motions: tuple[Motion, ...]

    def __post_init__(self) -> None:
        if not self.motions:
            raise ValueError("Scenario needs at least one motion, got none")
        for m in self.motions:
            if not isinstance(m, Motion):
                raise ValueError(f"Scenario motions must be Motion objects (stand(), lift(), ...), got {m!r}")

    @property
    def duration_s(self) -> float:
        return float(sum(m.duration_s for m in self.motions))

    def __add__(self, other: Scenario | Iterable[Motion]) -> Scenario:
        tail = other.motions if isinstance(other, Scenario) else tuple(other)
        return Scenario(self.motions + tail)


def scenario(*motions: Motion) -> Scenario:
    """A ``Scenario`` of the motions, in order."""
    return Scenario(tuple(motions))


# ---------------------------------------------------------------------------------------
# Geometry


def _rad(track: Track, name: str) -> np.ndarray:
    return np.radians(track[name])


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("...i,...i->...", a, b)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _col(x: np.ndarray) -> np.ndarray:
    return x[:, None]


# Face points in the thorax frame, as fractions of height: (along the trunk above the
# shoulder mid-point, forward, to the right). The head is carried rigidly on the thorax.
_FACE: dict[PoseLandmark, tuple[float, float, float]] = {
    L.NOSE: (0.092, 0.055, 0.0),
    L.LEFT_EYE_INNER: (0.105, 0.048, -0.009),
    L.LEFT_EYE: (0.106, 0.045, -0.018),
    L.LEFT_EYE_OUTER: (0.105, 0.040, -0.027),
    L.RIGHT_EYE_INNER: (0.105, 0.048, 0.009),
    L.RIGHT_EYE: (0.106, 0.045, 0.018),
    L.RIGHT_EYE_OUTER: (0.105, 0.040, 0.027),
    L.LEFT_EAR: (0.098, 0.0, -0.042),
    L.RIGHT_EAR: (0.098, 0.0, 0.042),
    L.MOUTH_LEFT: (0.072, 0.047, -0.014),
    L.MOUTH_RIGHT: (0.072, 0.047, 0.014),
}

_SIDES = {
    "l": (
        -1.0,
        L.LEFT_HIP,
        L.LEFT_KNEE,
        L.LEFT_ANKLE,
        L.LEFT_HEEL,
        L.LEFT_FOOT_INDEX,
        L.LEFT_SHOULDER,
        L.LEFT_ELBOW,
        L.LEFT_WRIST,
        L.LEFT_INDEX,
        L.LEFT_PINKY,
        L.LEFT_THUMB,
    ),
    "r": (
        1.0,
        L.RIGHT_HIP,
        L.RIGHT_KNEE,
        L.RIGHT_ANKLE,
        L.RIGHT_HEEL,
        L.RIGHT_FOOT_INDEX,
        L.RIGHT_SHOULDER,
        L.RIGHT_ELBOW,
        L.RIGHT_WRIST,
        L.RIGHT_INDEX,
        L.RIGHT_PINKY,
        L.RIGHT_THUMB,
    ),
}


def _body_points(track: Track, body: Body) -> np.ndarray:
    """(n, 33, 3) scene positions of the landmarks for the posture parameters (n,) each."""
    n = track["view_yaw_deg"].shape[0]
    h = body.height_m
    yaw = _rad(track, "view_yaw_deg")
    up = np.broadcast_to(_UP, (n, 3))
    fwd = np.stack([-np.sin(yaw), -np.cos(yaw), np.zeros(n)], axis=1)
    lat = np.stack([-np.cos(yaw), np.sin(yaw), np.zeros(n)], axis=1)  # fwd × up: the person's right

    def down_forward(angle: np.ndarray) -> np.ndarray:
        return _down_forward(up, fwd, angle)

    # Knee and ankle relative to their own hip joint, in the leg's sagittal plane.
    rel: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for side in ("l", "r"):
        thigh, knee = _rad(track, f"thigh_{side}_deg"), _rad(track, f"knee_{side}_deg")
        knee_rel = body.thigh_m * down_forward(thigh)
        rel[side] = (knee_rel, knee_rel + body.shank_m * down_forward(thigh - knee))
    ankle_mid_rel = (rel["l"][1] + rel["r"][1]) / 2.0
    base = np.stack([track["base_x_m"], track["base_y_m"], np.full(n, body.ankle_height_m)], axis=1)
    hip_planted = base - ankle_mid_rel
    drop = np.maximum(-rel["l"][1][:, 2], -rel["r"][1][:, 2])
    hip_carried = base + _UP * _col(drop)
    hip_mid = np.where(_col(track["planted"]) > 0.5, hip_planted, hip_carried)

    f, s, w = _rad(track, "trunk_flexion_deg"), _rad(track, "side_bend_deg"), _rad(track, "twist_deg")
    u = up * _col(np.cos(f) * np.cos(s)) + fwd * _col(np.sin(f) * np.cos(s)) + lat * _col(np.sin(s))
    shoulder_mid = hip_mid + body.trunk_m * u
    lat_perp = _unit(lat - u * _col(_dot(lat, u)))
    shoulder_lat = lat_perp * _col(np.cos(w)) + np.cross(u, lat_perp) * _col(np.sin(w))
    chest = np.cross(u, shoulder_lat)
    # Arms swing in the plane the shoulders face: the heading turned by the twist.
    arm_fwd = fwd * _col(np.cos(w)) - lat * _col(np.sin(w))

    pts = np.empty((n, N_LANDMARKS, 3))
    for landmark, (a, b, c) in _FACE.items():
        pts[:, landmark] = shoulder_mid + h * (u * a + chest * b + shoulder_lat * c)

    reach = body.upper_arm_m + body.forearm_m
    lowest_wrist_m = body.hand_m + 0.02  # the fingers stop short of the floor
    for side, (
        sign,
        hip_lm,
        knee_lm,
        ankle_lm,
        heel_lm,
        toe_lm,
        sh_lm,
        elbow_lm,
        wrist_lm,
        index_lm,
        pinky_lm,
        thumb_lm,
    ) in _SIDES.items():
        hip = hip_mid + lat * (sign * body.hip_width_m / 2.0)
        knee_rel, ankle_rel = rel[side]
        ankle = hip + ankle_rel
        pts[:, hip_lm] = hip
        pts[:, knee_lm] = hip + knee_rel
        pts[:, ankle_lm] = ankle
        pts[:, heel_lm] = ankle - fwd * (0.025 * h) - up * (0.031 * h)
        pts[:, toe_lm] = ankle + fwd * (0.115 * h) - up * (0.031 * h)

        shoulder = shoulder_mid + shoulder_lat * (sign * body.shoulder_width_m / 2.0)
        swing = _rad(track, f"arm_{side}_deg")
        # Hanging arms hold the load toward the floor; when the shoulder is too low for a
        # hanging arm, the arm swings forward just enough to keep the hand off the floor.
        cos_max = np.clip((shoulder[:, 2] - lowest_wrist_m) / reach, -1.0, 1.0)
        swing = np.where(reach * np.cos(swing) > shoulder[:, 2] - lowest_wrist_m, np.arccos(cos_max), swing)
        arm = _down_forward(up, arm_fwd, swing)
        # The hand is rigid: its own axes turn with the arm (palm toward the thigh, thumb forward).
        hand_fwd = up * _col(np.sin(swing)) + arm_fwd * _col(np.cos(swing))
        outward = np.cross(arm, hand_fwd) * sign
        elbow = shoulder + arm * body.upper_arm_m
        wrist = elbow + arm * body.forearm_m
        pts[:, sh_lm] = shoulder
        pts[:, elbow_lm] = elbow
        pts[:, wrist_lm] = wrist
        pts[:, index_lm] = wrist + arm * body.hand_m + hand_fwd * (0.008 * h)
        pts[:, pinky_lm] = wrist + arm * (0.9 * body.hand_m) - hand_fwd * (0.012 * h) + outward * (0.004 * h)
        pts[:, thumb_lm] = wrist + arm * (0.55 * body.hand_m) + hand_fwd * (0.022 * h) - outward * (0.004 * h)
    return pts


def _down_forward(up: np.ndarray, forward: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """(n, 3) unit vectors ``angle`` (n,) radians forward of straight down, toward ``forward`` (n, 3)."""
    return -up * _col(np.cos(angle)) + forward * _col(np.sin(angle))


def _angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # atan2 of |a×b| and a·b stays exact near 0° and 180°, where arccos loses digits.
    return np.degrees(np.arctan2(np.linalg.norm(np.cross(a, b), axis=-1), _dot(a, b)))


def _constructed_truth(track: Track, pts: np.ndarray, body: Body) -> dict[str, np.ndarray]:
    """The measures the posture was built with; hip flexion and lowering read off the built points."""
    shoulder_mid = (pts[:, L.LEFT_SHOULDER] + pts[:, L.RIGHT_SHOULDER]) / 2.0
    hip_flexion = np.zeros(len(pts))
    for hip_lm, knee_lm in ((L.LEFT_HIP, L.LEFT_KNEE), (L.RIGHT_HIP, L.RIGHT_KNEE)):
        hip = pts[:, hip_lm]
        hip_flexion += (180.0 - _angle_deg(shoulder_mid - hip, pts[:, knee_lm] - hip)) / 2.0
    ankle_mid = (pts[:, L.LEFT_ANKLE] + pts[:, L.RIGHT_ANKLE]) / 2.0
    lowering = 1.0 - (shoulder_mid - ankle_mid)[:, 2] / body.standing_shoulder_height_m
    return {
        "trunk_flexion_deg": track["trunk_flexion_deg"],
        "knee_flexion_l_deg": track["knee_l_deg"],
        "knee_flexion_r_deg": track["knee_r_deg"],
        "hip_flexion_deg": hip_flexion,
        "trunk_twist_deg": track["twist_deg"],
        "side_bend_deg": track["side_bend_deg"],
        "lowering": lowering,
        "view_yaw_deg": (track["view_yaw_deg"] + 180.0) % 360.0 - 180.0,
    }


# ---------------------------------------------------------------------------------------
# Rendering


def _side_signs() -> np.ndarray:
    signs = np.zeros(N_LANDMARKS)
    for landmark in PoseLandmark:
        parts = landmark.name.split("_")
        signs[landmark] = -1.0 if "LEFT" in parts else 1.0 if "RIGHT" in parts else 0.0
    return signs


_SIDE_SIGN = _side_signs()
_IS_FACE = np.zeros(N_LANDMARKS, dtype=bool)
_IS_FACE[list(_FACE)] = True


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
        miss_rate: the fraction of frames lost (replaced by ``PoseFrame.empty``), in runs
            averaging ``miss_run_s``.
        start_s, end_s: cut the clip from the scenario's timeline (for a clip that begins
            or ends mid-lift); the clip's clock starts at 0 at ``start_s``.
        seed: makes the timing jitter, losses, visibility and noise reproducible.
    """
    scene = scenario if isinstance(scenario, Scenario) else Scenario(tuple(scenario))
    if not (np.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be a positive frame rate, got {fps!r}")
    for name, value in (("noise_m", noise_m), ("noise_px", noise_px), ("miss_run_s", miss_run_s)):
        if not (np.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be zero or more, got {value!r}")
    if not 0.0 <= miss_rate < 1.0:
        raise ValueError(f"miss_rate must be within 0..1 (exclusive of 1), got {miss_rate!r}")
    if not 0.0 <= fps_jitter < 1.0:
        raise ValueError(f"fps_jitter must be within 0..1 (exclusive of 1), got {fps_jitter!r}")
    width, height = int(image_size[0]), int(image_size[1])
    camera = Camera(
        camera_distance_m,
        camera_height_m,
        camera_pitch_deg,
        (width, height),
        1.1 * width if focal_px is None else float(focal_px),
    )
    body = Body(height_m)
    total_s = scene.duration_s
    clip_start = 0.0 if start_s is None else float(start_s)
    clip_end = total_s if end_s is None else float(end_s)
    if not 0.0 <= clip_start < clip_end <= total_s + 1e-9:
        raise ValueError(
            f"start_s and end_s must satisfy 0 ≤ start_s < end_s ≤ {total_s:.3f} (the scenario's "
            f"length), got start_s={start_s!r}, end_s={end_s!r}"
        )

    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)]
    rng_time, rng_miss, rng_vis, rng_m, rng_px = streams

    # Walk the timeline once for each motion's starting posture and its events.
    state: State = {**_NEUTRAL, "base_x_m": 0.0, "base_y_m": 0.0, "view_yaw_deg": float(view_yaw_deg), "planted": 1.0}
    entry = scene.motions[0].entry()
    if entry is not None:
        state.update(entry)
    starts: list[State] = []
    t0s: list[float] = []
    lifts: list[LiftEvent] = []
    twists: list[TwistEvent] = []
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

    # The clip's first frame is at the cut, as a video's first frame is at its start.
    t_scene = clip_start + _frame_times(clip_end - clip_start, fps, fps_jitter, rng_time)
    n = len(t_scene)
    segment = np.clip(np.searchsorted(np.array(t0s), t_scene, side="right") - 1, 0, len(scene.motions) - 1)
    track = {name: np.empty(n) for name in _PARAMS}
    for i, motion in enumerate(scene.motions):
        sel = segment == i
        if sel.any():
            part = motion.render(np.minimum(t_scene[sel] - t0s[i], motion.duration_s), starts[i], body)
            for name in _PARAMS:
                track[name][sel] = part[name]

    scene_pts = _body_points(track, body)
    truth_values = _constructed_truth(track, scene_pts, body)
    t_clip = t_scene - clip_start
    truth = SyntheticTruth(t_s=t_clip, **truth_values)

    cam_pts = camera.to_camera(scene_pts)
    hip_mid_cam = (cam_pts[:, L.LEFT_HIP] + cam_pts[:, L.RIGHT_HIP]) / 2.0
    world = cam_pts - hip_mid_cam[:, None, :]
    pixels = camera.project(cam_pts)

    # Visibility: high for what faces the camera, lower for the far side and a face turned away.
    hip_mid_scene = (scene_pts[:, L.LEFT_HIP] + scene_pts[:, L.RIGHT_HIP]) / 2.0
    to_camera = _unit(camera.position_m - hip_mid_scene)
    yaw = np.radians(track["view_yaw_deg"])
    lat = np.stack([-np.cos(yaw), np.sin(yaw), np.zeros(n)], axis=1)
    fwd = np.stack([-np.sin(yaw), -np.cos(yaw), np.zeros(n)], axis=1)
    far_side = np.clip(-_SIDE_SIGN[None, :] * _dot(lat, to_camera)[:, None], 0.0, 1.0)
    face_away = np.clip(-_dot(fwd, to_camera), 0.0, 1.0)[:, None] * _IS_FACE[None, :]
    visibility = rng_vis.uniform(0.9, 1.0, (n, N_LANDMARKS)) - 0.35 * far_side - 0.5 * face_away
    inside = ((pixels >= 0) & (pixels <= np.array([width, height]))).all(axis=2) & (cam_pts[:, :, 2] > 0)
    # Off-image landmarks are still guessed by the model, with little confidence.
    visibility = np.clip(np.where(inside, visibility, np.minimum(visibility, 0.1)), 0.0, 1.0)

    if noise_m > 0:
        world = world + rng_m.normal(0.0, noise_m, world.shape)
    if noise_px > 0:
        pixels = pixels + rng_px.normal(0.0, noise_px, pixels.shape)
    hip_px = camera.project(hip_mid_cam)
    # Nobody is found when the hips are off the image or the person is at the lens.
    found = ((hip_px >= 0) & (hip_px <= np.array([width, height]))).all(axis=1) & (hip_mid_cam[:, 2] > 0.5)
    found &= ~_missed(n, fps, miss_rate, miss_run_s, rng_miss)

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
        for i in range(n)
    )

    def cut(start: float, end: float) -> tuple[bool, bool]:
        keep = end > clip_start + 1e-9 and start < clip_end - 1e-9
        return keep, start < clip_start - 1e-9 or end > clip_end + 1e-9

    kept_lifts = []
    for ev in lifts:
        keep, partial = cut(ev.start_s, ev.end_s)
        if keep:
            kept_lifts.append(
                LiftEvent(
                    ev.start_s - clip_start,
                    ev.bottom_s - clip_start,
                    ev.end_s - clip_start,
                    ev.style,
                    ev.peak_trunk_flexion_deg,
                    ev.bottom_knee_flexion_deg,
                    ev.peak_twist_deg,
                    ev.side_bend_deg,
                    ev.jerky,
                    partial,
                )
            )
    kept_twists = []
    for tw in twists:
        keep, partial = cut(tw.start_s, tw.end_s)
        if keep:
            kept_twists.append(
                TwistEvent(
                    tw.start_s - clip_start,
                    tw.peak_s - clip_start,
                    tw.end_s - clip_start,
                    tw.peak_deg,
                    tw.during_lift,
                    partial,
                )
            )
    return SyntheticClip(
        frames=frames,
        truth=truth,
        lifts=tuple(kept_lifts),
        twists=tuple(kept_twists),
        points_m=cam_pts,
        camera=camera,
        body=body,
        fps=float(fps),
    )


# ---------------------------------------------------------------------------------------
# Ready-made scenarios


def demo_session() -> Scenario:
    """Three lifts of different styles and one twist: the app's "Try a sample" (18 s)."""
    return scenario(
        stand(2.0),
        lift("squat"),
        stand(1.5),
        lift("stoop", descent_s=1.0, ascent_s=1.0),
        stand(1.5),
        twist(45.0, 2.0),
        stand(1.5),
        lift("semi-squat", twist_deg=30.0, jerky=True),
        stand(2.0),
    )


def squat_set(n: int = 3, *, rest_s: float = 1.5) -> Scenario:
    """``n`` good squat lifts with rests between them."""
    if n < 1:
        raise ValueError(f"squat_set needs at least one lift, got n={n!r}")
    motions: list[Motion] = [stand(rest_s)]
    for _ in range(n):
        motions += [lift("squat"), stand(rest_s)]
    return Scenario(tuple(motions))


def golf_swing() -> Scenario:
    """A golf address held, a swing of the shoulders against the hips, and back to standing: no lift."""
    return scenario(
        hold_bent(1.5, 35.0, 20.0), twist(80.0, 1.6, 35.0, knee_deg=20.0), hold_bent(1.0, 35.0, 20.0), stand(1.5)
    )


def everyday_moves() -> Scenario:
    """Walking across and back, turning, sitting, reaching while seated, standing up: no lift in it."""
    return scenario(
        stand(1.0),
        turn_to(90.0),
        # Short walks at an easy pace: about a metre each way, inside a 3.5 m camera's view.
        walk(1.8, 0.8),
        turn_by_stepping(180.0, 2.0),
        walk(1.8, 0.8),
        turn_to(0.0),
        sit_down(2.0),
        seated_reach(3.0, 60.0),
        stand_up(2.0),
        stand(1.0),
    )


def demo_clip(*, view_yaw_deg: float = 60.0, seed: int = 0) -> SyntheticClip:
    """The demo session as a camera would give it: oblique view, a little noise, a few dropped frames."""
    return generate(demo_session(), view_yaw_deg=view_yaw_deg, noise_m=0.01, noise_px=1.5, miss_rate=0.02, seed=seed)


def _summary(clip: SyntheticClip) -> str:
    tr = clip.truth
    found = sum(f.detected for f in clip.frames)
    lines = [
        f"Synthetic clip: {clip.duration_s:.1f} s, {len(clip.frames)} frames at {clip.fps:g} fps "
        f"({found} with a person), image {clip.camera.image_size[0]}×{clip.camera.image_size[1]}",
        f"Lifts ({len(clip.lifts)}):",
        "   style        start  bottom    end  trunk°  knee°  twist°",
    ]
    for ev in clip.lifts:
        flag = " partial" if ev.partial else ""
        flag += " jerky" if ev.jerky else ""
        lines.append(
            f"   {ev.style:<11} {ev.start_s:6.2f} {ev.bottom_s:7.2f} {ev.end_s:6.2f} "
            f"{ev.peak_trunk_flexion_deg:7.1f} {ev.bottom_knee_flexion_deg:6.1f} {ev.peak_twist_deg:7.1f}"
            f"{flag}"
        )
    lines.append(f"Twists ({len(clip.twists)}):")
    for tw in clip.twists:
        where = "in a lift" if tw.during_lift else "standing/bent"
        lines.append(
            f"   {tw.peak_deg:+.0f}° peaking at {tw.peak_s:.2f} s ({tw.start_s:.2f}–{tw.end_s:.2f} s, {where})"
        )
    lines.append("Truth ranges:")
    for name in (
        "trunk_flexion_deg",
        "knee_flexion_l_deg",
        "hip_flexion_deg",
        "trunk_twist_deg",
        "side_bend_deg",
        "lowering",
    ):
        values = getattr(tr, name)
        lines.append(f"   {name:<20} {values.min():7.2f} .. {values.max():7.2f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m liftcheck.synthetic", description="Print a summary of the synthetic demo clip."
    )
    parser.add_argument("--view-yaw-deg", type=float, default=60.0, help="0 front, 90 side (facing image-left)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(_summary(demo_clip(view_yaw_deg=args.view_yaw_deg, seed=args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
