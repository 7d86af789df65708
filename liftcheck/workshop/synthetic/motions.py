"""The synthetic lifter's motions: each renders a posture track from the posture the last one ended in.

A ``Scenario`` is a sequence of them; the small constructors (``stand``, ``lift``, ``twist``, ...)
make a scenario read like a script. Pure: numpy and the standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from liftcheck.workshop.synthetic.body import _NEUTRAL, _PARAMS, _POSTURE, Body, State, Track

__all__ = [
    "LIFT_STYLES",
    "HoldBent",
    "Lift",
    "LiftEvent",
    "Motion",
    "Scenario",
    "SeatedReach",
    "SitDown",
    "Stand",
    "StandUp",
    "TurnByStepping",
    "Twist",
    "TwistTruth",
    "Walk",
    "hold_bent",
    "lift",
    "scenario",
    "seated_reach",
    "sit_down",
    "stand",
    "stand_up",
    "turn_by_stepping",
    "turn_to",
    "twist",
    "walk",
]

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
class TwistTruth:
    """One generated twist of the shoulders against the hips (a ``twist`` motion, or a lift's twist)."""

    start_s: float
    peak_s: float
    end_s: float
    peak_deg: float
    during_lift: bool
    partial: bool


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

    def events(self, t0_s: float, start: State) -> tuple[list[LiftEvent], list[TwistTruth]]:
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

    def events(self, t0_s: float, start: State) -> tuple[list[LiftEvent], list[TwistTruth]]:
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
            twists.append(TwistTruth(t0_s, bottom_s, end_s, float(self.twist_deg), during_lift=True, partial=False))
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

    def events(self, t0_s: float, start: State) -> tuple[list[LiftEvent], list[TwistTruth]]:
        if self.peak_deg == 0.0:
            return [], []
        t_on, t_off = self._window(start)
        return [], [
            TwistTruth(
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
