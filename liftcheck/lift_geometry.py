"""From landmarks to the lifting equation's inputs: the hand point, the scale, the floor, H, V, D and A.

Pure: numpy and the standard library only.

Arrays (T frames; landmarks always by ``PoseLandmark`` name):
- ``xyz_m`` (T, 33, 3): world landmarks in metres, origin between the hips, x right, y down,
  z away from the camera (MediaPipe's world axes). NaN = not seen.
- ``xy_px`` (T, 33, 2): image landmarks in pixels, x right, y down.
- ``visibility`` (T, 33): 0..1, how likely each landmark is in view.
- ``t_s`` (T,): frame times in seconds, strictly increasing.
- ``up`` (3,): the true vertical in the world axes. The camera's own up, (0, −1, 0), is right only
  for a level camera; with a tilted one pass kinematics' estimate from the upright frames.

Pass landmarks that are already smoothed (kinematics does it): the grasp and release are found
from the hands' speed, which raw landmarks make jumpy.

How lengths become centimetres
------------------------------
We take the world landmarks as the body's shape and rescale them so that the person's standing
height equals the stature the user gave. We chose this over counting pixels (scale = stature /
standing height in pixels, the Sports2D way NIOSH.md describes) because:

- A needs the direction of the hands on the floor, which needs depth. The world landmarks carry
  depth and pixels do not, so one set of coordinates gives H, V and A alike.
- World landmarks have no perspective, and with ``up`` no camera pitch either: in pixels a camera
  looking down shortens every height by cos(pitch), and an oblique view shortens H.
- The world skeleton is 3D, so its segments do not look shorter when they turn out of the picture
  plane; Sports2D's 1.063 correction for exactly that is not needed here.

The cost is depth, the noisiest coordinate one camera gives. Each measure is therefore flagged by
the camera view: H lies mostly along the camera's depth in a front view, A in a side view.

The standing height is measured in the upright frames as a sum of segments: floor→ankle,
ankle→knee, knee→hip, hip→shoulder and shoulder→ear, which together reach eye level, 0.936 of
stature (the proportions below). Without a stature from the user, the world landmarks are used at
their own size, and the stature they show is reported with a wide uncertainty.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from liftcheck.kinematics import angle_between_deg, unit_vectors
from liftcheck.landmarks import N_LANDMARKS, PoseLandmark
from liftcheck.niosh import RELIABLE, HandLocation, Reliability

L = PoseLandmark

CAMERA_UP = np.array([0.0, -1.0, 0.0])

# A landmark counts as seen from this visibility on (our choice: below it MediaPipe is mostly
# guessing where a hidden limb would be).
MIN_VISIBILITY = 0.5

# Body proportions, as fractions of stature: Drillis & Contini 1966, as drawn in Winter,
# "Biomechanics and Motor Control of Human Movement" (4th ed., 2009), Fig. 4.1. Heights above
# the floor of the ankle joint, knee, hip (greater trochanter), shoulder and eye.
ANKLE_HEIGHT = 0.039
KNEE_HEIGHT = 0.285
HIP_HEIGHT = 0.530
SHOULDER_HEIGHT = 0.818
EYE_HEIGHT = 0.936
# The ear landmark sits close to eye level, so floor→…→ear covers EYE_HEIGHT of stature, and
# without the floor→ankle part EYE_HEIGHT − ANKLE_HEIGHT.
SHANK = KNEE_HEIGHT - ANKLE_HEIGHT

# Upright frames, for the standing height: knees within 25° of straight (MediaPipe reads straight
# knees at 5–20°, our measurement on the labelled clips; the same bound kinematics uses to learn the
# vertical) and the trunk within 20° of vertical (the neutral band of REBA and ISO 11226).
UPRIGHT_MAX_KNEE_DEG = 25.0
UPRIGHT_MAX_TRUNK_DEG = 20.0

# Uncertainty of the stature and so of every length (one standard deviation).
# - A stature the user types in: people know theirs to a centimetre or two (our assumption).
STATURE_GIVEN_SD_CM = 2.0
# - Segment proportions vary between people: NIOSH.md puts the scale error from stature at ±3%.
PROPORTION_REL_SD = 0.03
# - The world landmarks' own size: one camera cannot fix a body's absolute size, so the model's
#   size leans toward an average adult; adult stature varies by about 7 cm within one sex and
#   more across both. 10 cm is our assumption, not a measurement.
WORLD_SIZE_SD_CM = 10.0
# A round adult stature, used only to express WORLD_SIZE_SD_CM as a share when nothing else is known.
TYPICAL_STATURE_CM = 170.0

# Stance for the floor: the heel and toe of each foot, and the two feet, level within this much
# (our choice: a flat foot's heel and toe landmarks sit within a few cm of each other).
FOOT_LEVEL_TOL_CM = 5.0

# A grasp computed a little below the floor is a grasp at the floor seen through noise; further
# down it is a gap, not a measurement (our choice: twice the floor's own uncertainty).
V_BELOW_FLOOR_GAP_CM = 10.0

# With the hands almost above the ankles, the direction to them (and so A) means little.
A_MIN_H_CM = 10.0
# Hands behind the ankles within this distance of the body's midline are between the feet (about half
# an adult's shoulder-width stance; our choice), so their A is taken from the midline (see asymmetry_deg).
BETWEEN_FEET_CM = 20.0

# The view decides most flags, but where the hands are matters too: from the side, a load held
# well off to one side puts H along the camera's depth (H's error is the depth error times the
# share of H along the depth axis). When H points within 30° of the camera's line of sight it is
# as much depth as in a front view, and is flagged whatever the view: the same 30° that makes a
# view "front" in kinematics (KinematicsConfig.front_max_yaw_deg).
H_MAX_DEPTH_SHARE = math.cos(math.radians(30.0))
# The camera's depth axis in the world landmarks' axes.
CAMERA_DEPTH = np.array([0.0, 0.0, 1.0])

# Two hands on one load are at about the same height, and no further apart than a box held by its
# sides; past either bound the lift is probably one-handed. Our choice, not measured: a flag for the
# caller, who knows more (we cannot see the load, so "far from the load" cannot be checked).
ONE_HAND_HEIGHT_GAP_CM = 25.0
ONE_HAND_SPREAD_CM = 80.0

# Grasp and release: the hands count as still below this vertical speed (a lift moves them at
# roughly 50–150 cm/s; our choice); the grasp is within NEAR_LOWEST_CM of the hands' lowest point,
# and the release at least MIN_RISE_CM above the grasp.
STILL_CM_S = 15.0
NEAR_LOWEST_CM = 5.0
MIN_RISE_CM = 10.0

VIEWS = ("side", "front", "oblique", "unknown")

_HANDS = (
    (L.LEFT_WRIST, L.LEFT_INDEX, L.LEFT_PINKY),
    (L.RIGHT_WRIST, L.RIGHT_INDEX, L.RIGHT_PINKY),
)
_FEET = (
    (L.LEFT_HEEL, L.LEFT_FOOT_INDEX),
    (L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX),
)
_LEGS = (
    (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
    (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
)


# ---------------------------------------------------------------------------------------
# Small helpers


def _check_pose(points: np.ndarray, visibility: np.ndarray, dims: tuple[int, ...], name: str) -> None:
    if (
        not isinstance(points, np.ndarray)
        or points.ndim != 3
        or points.shape[1:] not in {(N_LANDMARKS, d) for d in dims}
    ):
        got = getattr(points, "shape", type(points).__name__)
        want = " or ".join(f"(T, {N_LANDMARKS}, {d})" for d in dims)
        raise ValueError(f"{name} must be an array of shape {want}, got {got}")
    if not isinstance(visibility, np.ndarray) or visibility.shape != points.shape[:2]:
        got = getattr(visibility, "shape", type(visibility).__name__)
        raise ValueError(f"visibility must be an array of shape {points.shape[:2]} to match {name}, got {got}")


def _check_frame(frame: int, n_frames: int, name: str = "frame") -> int:
    if isinstance(frame, bool) or not isinstance(frame, (int, np.integer)) or not 0 <= frame < n_frames:
        raise ValueError(f"{name} must be a frame index in 0..{n_frames - 1}, got {frame!r}")
    return int(frame)


def _check_up(up: np.ndarray) -> np.ndarray:
    up = np.asarray(up, dtype=float)
    if up.shape != (3,) or not np.isfinite(up).all() or np.linalg.norm(up) < 1e-9:
        raise ValueError(f"up must be a finite, non-zero vector of shape (3,), got {up!r}")
    return up / np.linalg.norm(up)


def _view_name(view: str) -> str:
    # kinematics.View is a str enum; its value is the plain name.
    name = str(getattr(view, "value", view)).lower()
    if name not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    return name


def _along(v: np.ndarray, up: np.ndarray) -> np.ndarray:
    """The component of (..., 3) vectors along ``up``."""
    return np.sum(v * up, axis=-1)


def _horizontal(v: np.ndarray, up: np.ndarray) -> np.ndarray:
    """(..., 3) vectors with their vertical part removed."""
    return v - _along(v, up)[..., None] * up


def asymmetry_deg(along_floor: np.ndarray, forward: np.ndarray) -> float:
    """A: the angle on the floor between the feet's forward direction and the line to the hands (0–180°).

    A load behind the body and off to one side needs a turn (a box 120° to the left is 120°). Hands
    behind the ankles' mid-point but between the feet (within BETWEEN_FEET_CM of the midline: a
    kettlebell swung between the legs, a bar drawn back over the heels) are on the body's midline,
    not behind it: their A is their angle from the midline, 180° minus the angle to the front.
    """
    a_deg = float(angle_between_deg(along_floor, forward))
    if a_deg > 90.0:
        lateral_cm = float(np.linalg.norm(along_floor)) * math.sin(math.radians(a_deg))
        if lateral_cm <= BETWEEN_FEET_CM:
            return 180.0 - a_deg
    return a_deg


def _seen(points: np.ndarray, visibility: np.ndarray, landmark: PoseLandmark, min_visibility: float) -> np.ndarray:
    """(T, D) the landmark's positions, NaN where it was not seen."""
    p = points[:, landmark, :]
    ok = np.isfinite(p).all(axis=-1) & (visibility[:, landmark] >= min_visibility)
    return np.where(ok[:, None], p, np.nan)


def _nanmean(stack: np.ndarray, axis: int = 0) -> np.ndarray:
    """nanmean without the warning for all-NaN slices (they stay NaN)."""
    count = np.sum(np.isfinite(stack), axis=axis)
    total = np.nansum(stack, axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _mid(points: np.ndarray, visibility: np.ndarray, a: PoseLandmark, b: PoseLandmark, min_vis: float) -> np.ndarray:
    """(T, D) the mid-point of two landmarks, NaN unless both were seen."""
    return (_seen(points, visibility, a, min_vis) + _seen(points, visibility, b, min_vis)) / 2.0


def _ankles(points: np.ndarray, visibility: np.ndarray, min_vis: float) -> np.ndarray:
    """(T, D) the ankles' mid-point; the one ankle seen where the other is hidden (the far leg in a side view,
    whose ankle sits within half a stance width, across the line H and V are measured along)."""
    both = np.stack([_seen(points, visibility, lm, min_vis) for lm in (L.LEFT_ANKLE, L.RIGHT_ANKLE)])
    return _nanmean(both)


# ---------------------------------------------------------------------------------------
# The hand point


def hand_points(
    points: np.ndarray, visibility: np.ndarray, min_visibility: float = MIN_VISIBILITY
) -> tuple[np.ndarray, np.ndarray]:
    """(left, right), each (T, D): the mean of a hand's seen wrist, index and pinky landmarks.

    ``points`` is (T, 33, D): image pixels (D = 2) or world metres (D = 3). A hand counts as seen
    when its wrist is; the index and pinky landmarks (knuckles) pull the point toward the middle of
    the grasp when they are seen too. NaN where the hand was not seen.
    """
    _check_pose(points, visibility, (2, 3), "points")
    sides = []
    for wrist, index, pinky in _HANDS:
        parts = np.stack([_seen(points, visibility, lm, min_visibility) for lm in (wrist, index, pinky)])
        mean = _nanmean(parts)
        wrist_seen = np.isfinite(parts[0]).all(axis=-1)
        sides.append(np.where(wrist_seen[:, None], mean, np.nan))
    return sides[0], sides[1]


def hand_point(points: np.ndarray, visibility: np.ndarray, min_visibility: float = MIN_VISIBILITY) -> np.ndarray:
    """(T, D) the grasp point: the mean of the hands that are seen (see ``hand_points``); NaN if neither is."""
    left, right = hand_points(points, visibility, min_visibility)
    return _nanmean(np.stack([left, right]))


@dataclass(frozen=True)
class HandsCheck:
    """Whether a grasp looks one-handed, from where the two hands are.

    Attributes:
        one_handed: both hands seen and too far apart, in height or at all, to share one load.
        both_seen: False when a hand was hidden (often behind the load in a side view): then nothing
            is concluded.
        spread_cm: distance between the two hand points; NaN unless both were seen.
        height_gap_cm: their difference in height; NaN unless both were seen.
        reason: why the lift looks one-handed ("" otherwise).
    """

    one_handed: bool
    both_seen: bool
    spread_cm: float
    height_gap_cm: float
    reason: str


def check_hands(
    xyz_m: np.ndarray,
    visibility: np.ndarray,
    frame: int,
    scale: Scale,
    up: np.ndarray = CAMERA_UP,
    min_visibility: float = MIN_VISIBILITY,
) -> HandsCheck:
    """Does the grasp at ``frame`` look one-handed? A flag for the caller (see ONE_HAND_* for the bounds)."""
    _check_pose(xyz_m, visibility, (3,), "xyz_m")
    frame = _check_frame(frame, xyz_m.shape[0])
    up = _check_up(up)
    left, right = hand_points(xyz_m[frame : frame + 1], visibility[frame : frame + 1], min_visibility)
    if not (np.isfinite(left).all() and np.isfinite(right).all()):
        return HandsCheck(False, False, math.nan, math.nan, "")
    apart = (left[0] - right[0]) * scale.cm_per_world_m
    spread = float(np.linalg.norm(apart))
    gap = float(abs(_along(apart, up)))
    reasons = []
    if gap > ONE_HAND_HEIGHT_GAP_CM:
        reasons.append(f"the hands are {gap:.0f} cm apart in height")
    if spread > ONE_HAND_SPREAD_CM:
        reasons.append(f"the hands are {spread:.0f} cm apart")
    return HandsCheck(bool(reasons), True, spread, gap, " and ".join(reasons))


# ---------------------------------------------------------------------------------------
# Scale and stature


def upright_frames(
    xyz_m: np.ndarray, visibility: np.ndarray, up: np.ndarray = CAMERA_UP, min_visibility: float = MIN_VISIBILITY
) -> np.ndarray:
    """(T,) bool: the frames where the person stands upright (straight knees, trunk near vertical).

    A leg counts when its hip, knee and ankle are seen; every leg seen must be straight, and at
    least one must be seen.
    """
    _check_pose(xyz_m, visibility, (3,), "xyz_m")
    up = _check_up(up)
    straight = np.ones(xyz_m.shape[0], dtype=bool)
    any_leg = np.zeros(xyz_m.shape[0], dtype=bool)
    for hip, knee, ankle in _LEGS:
        h, k, a = (_seen(xyz_m, visibility, lm, min_visibility) for lm in (hip, knee, ankle))
        flexion = 180.0 - angle_between_deg(h - k, a - k)
        seen = np.isfinite(flexion)
        any_leg |= seen
        straight &= ~seen | (flexion <= UPRIGHT_MAX_KNEE_DEG)
    trunk = _mid(xyz_m, visibility, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, min_visibility) - _mid(
        xyz_m, visibility, L.LEFT_HIP, L.RIGHT_HIP, min_visibility
    )
    lean = angle_between_deg(trunk, np.broadcast_to(up, trunk.shape))
    upright: np.ndarray = straight & any_leg & np.isfinite(lean) & (lean <= UPRIGHT_MAX_TRUNK_DEG)
    return upright


def frame_statures_m(
    xyz_m: np.ndarray, visibility: np.ndarray, up: np.ndarray = CAMERA_UP, min_visibility: float = MIN_VISIBILITY
) -> np.ndarray:
    """(T,) the stature each frame's skeleton implies, in world metres; NaN where the chain is not seen.

    The chain: the ankles' height above the feet landmarks (when the feet are seen), the mean
    seen shank and thigh, hip mid-point → shoulder mid-point, shoulder mid-point → mid-point of
    the seen ears; divided by the share of stature it covers (EYE_HEIGHT, or EYE_HEIGHT −
    ANKLE_HEIGHT without the feet). Meaningful in upright frames only.
    """
    _check_pose(xyz_m, visibility, (3,), "xyz_m")
    up = _check_up(up)
    legs = []
    for hip, knee, ankle in _LEGS:
        h, k, a = (_seen(xyz_m, visibility, lm, min_visibility) for lm in (hip, knee, ankle))
        legs.append(np.linalg.norm(h - k, axis=-1) + np.linalg.norm(k - a, axis=-1))
    leg = _nanmean(np.stack(legs))
    hips = _mid(xyz_m, visibility, L.LEFT_HIP, L.RIGHT_HIP, min_visibility)
    shoulders = _mid(xyz_m, visibility, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, min_visibility)
    ears = _nanmean(np.stack([_seen(xyz_m, visibility, lm, min_visibility) for lm in (L.LEFT_EAR, L.RIGHT_EAR)]))
    trunk = np.linalg.norm(shoulders - hips, axis=-1)
    neck_head = np.linalg.norm(ears - shoulders, axis=-1)
    ankles = _nanmean(np.stack([_seen(xyz_m, visibility, lm, min_visibility) for lm in (L.LEFT_ANKLE, L.RIGHT_ANKLE)]))
    feet = _nanmean(
        np.stack([_seen(xyz_m, visibility, lm, min_visibility) for pair in _FEET for lm in pair]),
    )
    ankle_height = _along(ankles - feet, up)
    with_feet = np.isfinite(ankle_height)
    chain = leg + trunk + neck_head + np.where(with_feet, ankle_height, 0.0)
    share = np.where(with_feet, EYE_HEIGHT, EYE_HEIGHT - ANKLE_HEIGHT)
    statures: np.ndarray = chain / share
    return statures


@dataclass(frozen=True)
class StatureEstimate:
    """The person's stature as the world landmarks show it (at the model's own size).

    Attributes:
        stature_cm: median over the upright frames; NaN when there was none.
        sd_cm: its uncertainty, one standard deviation: the model's size (WORLD_SIZE_SD_CM), the
            spread of body proportions (PROPORTION_REL_SD) and the frames' scatter.
        scatter_cm: the frames' own spread (1.4826 × the median absolute deviation).
        n_frames: upright frames with the whole chain seen.
    """

    stature_cm: float
    sd_cm: float
    scatter_cm: float
    n_frames: int


def estimate_stature(
    xyz_m: np.ndarray, visibility: np.ndarray, up: np.ndarray = CAMERA_UP, min_visibility: float = MIN_VISIBILITY
) -> StatureEstimate:
    """The stature from the pose alone, for when the user gives none (see ``StatureEstimate``)."""
    statures_cm = frame_statures_m(xyz_m, visibility, up, min_visibility) * 100.0
    values = statures_cm[upright_frames(xyz_m, visibility, up, min_visibility) & np.isfinite(statures_cm)]
    if values.size == 0:
        return StatureEstimate(math.nan, math.nan, math.nan, 0)
    median = float(np.median(values))
    scatter = float(1.4826 * np.median(np.abs(values - median)))
    sd = math.sqrt(WORLD_SIZE_SD_CM**2 + (PROPORTION_REL_SD * median) ** 2 + scatter**2 / values.size)
    return StatureEstimate(median, sd, scatter, int(values.size))


@dataclass(frozen=True)
class Scale:
    """How world-landmark metres become this person's centimetres.

    Attributes:
        cm_per_world_m: multiply world metres by this to get centimetres.
        stature_cm: the stature used: the user's, or the pose's estimate (NaN when neither exists).
        stature_sd_cm: its uncertainty (1 SD); NaN with no stature.
        stature_given: True when the user gave the stature.
        pose_stature_cm: the stature the world landmarks show at their own size; NaN without an
            upright frame.
        n_upright_frames: upright frames the pose stature was measured in.
        relative_sd: the relative uncertainty (1 SD) every length measured with this scale inherits
            (H ± relative_sd·H, and the same for V); depth errors in a poor view come on top.
        reliability: uncertain when the stature was estimated or could not be measured.
    """

    cm_per_world_m: float
    stature_cm: float
    stature_sd_cm: float
    stature_given: bool
    pose_stature_cm: float
    n_upright_frames: int
    relative_sd: float
    reliability: Reliability = RELIABLE

    def __post_init__(self) -> None:
        if not (math.isfinite(self.cm_per_world_m) and self.cm_per_world_m > 0):
            raise ValueError(f"Scale.cm_per_world_m must be a positive number, got {self.cm_per_world_m!r}")
        if not (math.isfinite(self.relative_sd) and self.relative_sd >= 0):
            raise ValueError(f"Scale.relative_sd must be 0 or more, got {self.relative_sd!r}")


def estimate_scale(
    xyz_m: np.ndarray,
    visibility: np.ndarray,
    stature_cm: float | None = None,
    up: np.ndarray = CAMERA_UP,
    min_visibility: float = MIN_VISIBILITY,
) -> Scale:
    """Scale the world landmarks so the person's standing height is ``stature_cm`` (see the module notes).

    Without ``stature_cm`` the world landmarks keep their own size and the stature they show is
    the estimate, flagged uncertain. Without an upright frame the model's own size is used too.
    """
    if stature_cm is not None and not (
        isinstance(stature_cm, numbers.Real) and not isinstance(stature_cm, bool) and 50.0 <= stature_cm <= 250.0
    ):
        raise ValueError(f"stature_cm must be a person's height in cm (50–250) or None, got {stature_cm!r}")
    pose = estimate_stature(xyz_m, visibility, up, min_visibility)
    measured = pose.n_frames > 0
    if stature_cm is not None and measured:
        rel = math.sqrt(
            (STATURE_GIVEN_SD_CM / stature_cm) ** 2
            + PROPORTION_REL_SD**2
            + (pose.scatter_cm / pose.stature_cm) ** 2 / pose.n_frames
        )
        return Scale(
            cm_per_world_m=100.0 * stature_cm / pose.stature_cm,
            stature_cm=float(stature_cm),
            stature_sd_cm=STATURE_GIVEN_SD_CM,
            stature_given=True,
            pose_stature_cm=pose.stature_cm,
            n_upright_frames=pose.n_frames,
            relative_sd=rel,
        )
    if stature_cm is not None:
        return Scale(
            cm_per_world_m=100.0,
            stature_cm=float(stature_cm),
            stature_sd_cm=STATURE_GIVEN_SD_CM,
            stature_given=True,
            pose_stature_cm=math.nan,
            n_upright_frames=0,
            relative_sd=math.hypot(WORLD_SIZE_SD_CM / stature_cm, PROPORTION_REL_SD),
            reliability=Reliability.uncertain(
                "no upright frame to measure the body against the given stature; the model's own size was used"
            ),
        )
    if measured:
        return Scale(
            cm_per_world_m=100.0,
            stature_cm=pose.stature_cm,
            stature_sd_cm=pose.sd_cm,
            stature_given=False,
            pose_stature_cm=pose.stature_cm,
            n_upright_frames=pose.n_frames,
            relative_sd=pose.sd_cm / pose.stature_cm,
            reliability=Reliability.uncertain(
                f"stature estimated from the pose, {pose.stature_cm:.0f} ± {pose.sd_cm:.0f} cm; "
                "entering it gives a better scale"
            ),
        )
    return Scale(
        cm_per_world_m=100.0,
        stature_cm=math.nan,
        stature_sd_cm=math.nan,
        stature_given=False,
        pose_stature_cm=math.nan,
        n_upright_frames=0,
        relative_sd=math.hypot(WORLD_SIZE_SD_CM / TYPICAL_STATURE_CM, PROPORTION_REL_SD),
        reliability=Reliability.uncertain(
            "no stature given and no upright frame to estimate it; the model's own size was used"
        ),
    )


# ---------------------------------------------------------------------------------------
# The floor


@dataclass(frozen=True)
class Floor:
    """Where the floor is, as a depth below the mid-point of the ankles (along ``up``).

    World landmarks are centred on the hips, so the floor moves in them as the hips go down;
    relative to the planted ankles it stays put, which is why it is kept that way.

    Attributes:
        below_ankles_cm: how far the floor lies below the ankles' mid-point.
        from_feet: True when measured from the heel and toe landmarks in stance frames; False when
            the feet were not seen standing flat and the ankle height came from body proportions.
        n_frames: stance frames measured.
        reliability: uncertain for the fallback.
    """

    below_ankles_cm: float
    from_feet: bool
    n_frames: int
    reliability: Reliability = RELIABLE


def stance_frames(
    xyz_m: np.ndarray,
    visibility: np.ndarray,
    scale: Scale,
    up: np.ndarray = CAMERA_UP,
    min_visibility: float = MIN_VISIBILITY,
) -> np.ndarray:
    """(T,) bool: frames where both feet are seen flat and level (heels, toes, both feet within FOOT_LEVEL_TOL_CM)."""
    _check_pose(xyz_m, visibility, (3,), "xyz_m")
    up = _check_up(up)
    heights = np.stack(
        [_along(_seen(xyz_m, visibility, lm, min_visibility), up) for pair in _FEET for lm in pair], axis=-1
    )  # (T, 4): left heel, left toe, right heel, right toe
    heights_cm = heights * scale.cm_per_world_m
    seen = np.isfinite(heights_cm).all(axis=-1)
    with np.errstate(invalid="ignore"):
        flat = (np.abs(heights_cm[:, 0] - heights_cm[:, 1]) <= FOOT_LEVEL_TOL_CM) & (
            np.abs(heights_cm[:, 2] - heights_cm[:, 3]) <= FOOT_LEVEL_TOL_CM
        )
        level = np.abs(heights_cm[:, :2].mean(axis=-1) - heights_cm[:, 2:].mean(axis=-1)) <= FOOT_LEVEL_TOL_CM
    stance: np.ndarray = seen & flat & level
    return stance


def estimate_floor(
    xyz_m: np.ndarray,
    visibility: np.ndarray,
    scale: Scale,
    up: np.ndarray = CAMERA_UP,
    frames: np.ndarray | None = None,
    min_visibility: float = MIN_VISIBILITY,
) -> Floor:
    """The floor below the ankles: the median, over stance frames, of the ankles' height above the feet.

    ``frames`` (T,) bool or indices limits the search (for example to one lift, if the person moves
    between lifts). With no stance frame the floor is put ANKLE_HEIGHT × stature below the ankles
    (Drillis & Contini's proportion, about 7 cm for 175 cm), or, with no stature, ANKLE_HEIGHT /
    SHANK times the person's own shank. NIOSH.md suggests ankle + 13 cm (from Sports2D); the
    proportion is used instead because the ankle landmark sits at the ankle joint, about 7 cm up,
    and a floor 6 cm too low would raise every V by 6 cm.
    """
    _check_pose(xyz_m, visibility, (3,), "xyz_m")
    up = _check_up(up)
    mask = np.zeros(xyz_m.shape[0], dtype=bool)
    if frames is None:
        mask[:] = True
    else:
        mask[np.asarray(frames)] = True
    stance = stance_frames(xyz_m, visibility, scale, up, min_visibility) & mask
    ankles = _ankles(xyz_m, visibility, min_visibility)
    feet = _nanmean(np.stack([_seen(xyz_m, visibility, lm, min_visibility) for pair in _FEET for lm in pair]))
    offsets_cm = _along(ankles - feet, up)[stance] * scale.cm_per_world_m
    offsets_cm = offsets_cm[np.isfinite(offsets_cm)]
    if offsets_cm.size:
        return Floor(float(np.median(offsets_cm)), True, int(offsets_cm.size))
    if math.isfinite(scale.stature_cm):
        return Floor(
            ANKLE_HEIGHT * scale.stature_cm,
            False,
            0,
            Reliability.uncertain(
                "the feet were not seen flat on the floor; the floor is put at ankle height from body proportions"
            ),
        )
    shanks = np.stack(
        [
            np.linalg.norm(
                _seen(xyz_m, visibility, k, min_visibility) - _seen(xyz_m, visibility, a, min_visibility), axis=-1
            )
            for _, k, a in _LEGS
        ]
    )  # (2, T): left, right
    shank = shanks[:, mask]
    shank = shank[np.isfinite(shank)]
    if shank.size == 0:
        return Floor(
            math.nan, False, 0, Reliability.uncertain("neither the feet nor the lower legs were seen: no floor")
        )
    return Floor(
        ANKLE_HEIGHT / SHANK * float(np.median(shank)) * scale.cm_per_world_m,
        False,
        0,
        Reliability.uncertain(
            "the feet were not seen flat on the floor; the floor is put at ankle height from the shank's length"
        ),
    )


# ---------------------------------------------------------------------------------------
# H, V and A at one frame


def view_reliability(view: str) -> tuple[Reliability, Reliability, Reliability]:
    """(H, V, A) flags for a camera view: "side", "front", "oblique" or "unknown".

    H is the hands' distance along the floor, mostly depth when the camera faces the person. A is
    the direction of the hands on the floor against the feet, mostly depth seen from the side. V is
    a height, across the picture in every view.
    """
    name = _view_name(view)
    if name == "unknown":
        unknown = Reliability.uncertain("the camera view is unknown")
        return unknown, unknown, unknown
    h = Reliability.uncertain("H is mostly depth in a front view") if name == "front" else RELIABLE
    a = (
        Reliability.uncertain("A is mostly depth in a side view; film from the front or at 45° for it")
        if name == "side"
        else RELIABLE
    )
    return h, RELIABLE, a


def feet_forward(
    xyz_m: np.ndarray,
    visibility: np.ndarray,
    frame: int,
    up: np.ndarray = CAMERA_UP,
    min_visibility: float = MIN_VISIBILITY,
) -> np.ndarray:
    """(3,) the mid-sagittal direction of the feet at ``frame``, horizontal, unit length; NaN if unseen.

    Two estimates, each weighted by how much of it lies across the picture (depth is the noisy
    axis): the normal to the ankle-to-ankle line (good from the front) and the mean heel-to-toe
    direction (good from the side). The feet decide which way is forward, which also undoes a
    left/right swap of the ankles.
    """
    _check_pose(xyz_m, visibility, (3,), "xyz_m")
    frame = _check_frame(frame, xyz_m.shape[0])
    up = _check_up(up)
    pts, vis = xyz_m[frame : frame + 1], visibility[frame : frame + 1]
    ankle_line = _horizontal(
        _seen(pts, vis, L.RIGHT_ANKLE, min_visibility)[0] - _seen(pts, vis, L.LEFT_ANKLE, min_visibility)[0], up
    )
    from_ankles = unit_vectors(np.cross(up, ankle_line))
    toes = [
        _horizontal(_seen(pts, vis, toe, min_visibility)[0] - _seen(pts, vis, heel, min_visibility)[0], up)
        for heel, toe in _FEET
    ]
    from_feet = unit_vectors(_nanmean(np.stack([unit_vectors(t) for t in toes])))
    have_ankles = bool(np.isfinite(from_ankles).all())
    have_feet = bool(np.isfinite(from_feet).all())
    if have_ankles and have_feet:
        if float(np.dot(from_ankles, from_feet)) < 0:
            from_ankles = -from_ankles
        # The share of each vector across the picture (x, y) rather than along the depth (z).
        w_ankles = float(np.linalg.norm(ankle_line[:2]) / max(np.linalg.norm(ankle_line), 1e-9))
        toe_mean = _nanmean(np.stack(toes))
        w_feet = float(np.linalg.norm(toe_mean[:2]) / max(np.linalg.norm(toe_mean), 1e-9))
        if w_ankles + w_feet < 1e-6:
            w_ankles = w_feet = 1.0
        forward: np.ndarray = unit_vectors(_horizontal(w_ankles * from_ankles + w_feet * from_feet, up))
        return forward
    if have_feet:
        return from_feet
    if have_ankles:
        # Without the feet the sign is a guess: the ankle labels decide (left/right swaps flip it).
        return from_ankles
    return np.full(3, np.nan)


@dataclass(frozen=True)
class LiftPoint:
    """H, V and A at one frame (the grasp or the release), each with its reliability.

    NaN where the hands, the ankles or the floor were not seen; ``hand_location`` then refuses.
    """

    frame: int
    h_cm: float
    v_cm: float
    a_deg: float
    h_reliability: Reliability
    v_reliability: Reliability
    a_reliability: Reliability

    @property
    def measured(self) -> bool:
        return all(math.isfinite(x) for x in (self.h_cm, self.v_cm, self.a_deg))

    def hand_location(self) -> HandLocation:
        """The equation's input; raises ValueError naming what could not be measured."""
        missing = [name for name in ("h_cm", "v_cm", "a_deg") if not math.isfinite(getattr(self, name))]
        if missing:
            reasons = Reliability.combine(self.h_reliability, self.v_reliability, self.a_reliability).reason
            raise ValueError(
                f"frame {self.frame}: {', '.join(missing)} could not be measured ({reasons or 'not seen'})"
            )
        return HandLocation(
            self.h_cm, self.v_cm, self.a_deg, self.h_reliability, self.v_reliability, self.a_reliability
        )


def hand_heights_cm(
    xyz_m: np.ndarray,
    visibility: np.ndarray,
    scale: Scale,
    floor: Floor,
    up: np.ndarray = CAMERA_UP,
    min_visibility: float = MIN_VISIBILITY,
) -> np.ndarray:
    """(T,) the grasp point's height above the floor, cm (V in every frame); NaN where not seen."""
    _check_pose(xyz_m, visibility, (3,), "xyz_m")
    up = _check_up(up)
    hands = hand_point(xyz_m, visibility, min_visibility)
    ankles = _ankles(xyz_m, visibility, min_visibility)
    heights: np.ndarray = _along(hands - ankles, up) * scale.cm_per_world_m + floor.below_ankles_cm
    return heights


def measure_point(
    xyz_m: np.ndarray,
    visibility: np.ndarray,
    frame: int,
    *,
    scale: Scale,
    floor: Floor,
    view: str,
    up: np.ndarray = CAMERA_UP,
    min_visibility: float = MIN_VISIBILITY,
) -> LiftPoint:
    """H, V and A at ``frame``, following NIOSH.md's recipe in the world landmarks.

    - H: the horizontal distance from the ankles' mid-point to the grasp point.
    - V: the grasp point's height above the floor; a little below the floor (down to
      V_BELOW_FLOOR_GAP_CM) reads as 0, further down it is a gap (NaN).
    - A: the angle on the floor between the feet's forward direction and the line from the
      ankles' mid-point to the grasp point.
    Each is flagged by the view (``view_reliability``), the scale, the floor and what was seen;
    H also when it points within 30° of the camera's line of sight at this grasp (a load held well
    off to one side, filmed from the side), see H_MAX_DEPTH_SHARE.
    """
    _check_pose(xyz_m, visibility, (3,), "xyz_m")
    frame = _check_frame(frame, xyz_m.shape[0])
    up = _check_up(up)
    view_h, v_flag, a_flag = view_reliability(view)
    h_flag = Reliability.combine(view_h, scale.reliability)
    v_flag = Reliability.combine(v_flag, scale.reliability, floor.reliability)
    pts, vis = xyz_m[frame : frame + 1], visibility[frame : frame + 1]
    hands = hand_point(pts, vis, min_visibility)[0]
    ankles = _ankles(pts, vis, min_visibility)[0]
    if not np.isfinite(hands).all() or not np.isfinite(ankles).all():
        missing = Reliability.uncertain(
            "the hands were not seen" if not np.isfinite(hands).all() else "the ankles were not seen"
        )
        return LiftPoint(
            frame,
            math.nan,
            math.nan,
            math.nan,
            Reliability.combine(missing, h_flag),
            Reliability.combine(missing, v_flag),
            Reliability.combine(missing, a_flag),
        )
    reach_cm = (hands - ankles) * scale.cm_per_world_m
    along_floor = _horizontal(reach_cm, up)
    h_cm = float(np.linalg.norm(along_floor))
    depth = unit_vectors(_horizontal(CAMERA_DEPTH, up))
    depth_share = float(abs(np.dot(unit_vectors(along_floor), depth))) if h_cm > 1e-6 else 0.0
    # A front view already says H is depth; elsewhere, say it when this grasp makes it so.
    if view_h.reliable and depth_share > H_MAX_DEPTH_SHARE:
        along_depth = Reliability.uncertain(f"{depth_share:.0%} of H lies along the camera's depth at this grasp")
        h_flag = Reliability.combine(h_flag, along_depth)
        # A is the direction of the same line on the floor: mostly depth, it is as unsure as H.
        a_flag = Reliability.combine(a_flag, along_depth)
    v_cm = float(_along(reach_cm, up)) + floor.below_ankles_cm
    if v_cm < 0:
        if v_cm >= -V_BELOW_FLOOR_GAP_CM:
            v_flag = Reliability.combine(
                v_flag, Reliability.uncertain(f"the grasp measured {-v_cm:.0f} cm below the floor, read as 0")
            )
            v_cm = 0.0
        else:
            v_flag = Reliability.combine(
                v_flag, Reliability.uncertain(f"the grasp measured {-v_cm:.0f} cm below the floor: a gap, not a height")
            )
            v_cm = math.nan
    forward = feet_forward(xyz_m, visibility, frame, up, min_visibility)
    if not np.isfinite(forward).all():
        a_deg = math.nan
        a_flag = Reliability.combine(a_flag, Reliability.uncertain("the feet were not seen"))
    elif h_cm < 1e-6:
        a_deg = 0.0
    else:
        a_deg = asymmetry_deg(along_floor, forward)
    if math.isfinite(a_deg) and h_cm < A_MIN_H_CM:
        a_flag = Reliability.combine(a_flag, Reliability.uncertain(f"the hands are only {h_cm:.0f} cm from the ankles"))
    return LiftPoint(frame, h_cm, v_cm, a_deg, h_flag, v_flag, a_flag)


# ---------------------------------------------------------------------------------------
# Which frames: the grasp and the release


def _check_trace(v_cm: np.ndarray, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(v_cm, dtype=float)
    t = np.asarray(t_s, dtype=float)
    if v.ndim != 1 or t.shape != v.shape:
        raise ValueError(f"v_cm and t_s must be arrays of the same shape (T,), got {v.shape} and {t.shape}")
    if v.size >= 2 and not (np.isfinite(t).all() and (np.diff(t) > 0).all()):
        raise ValueError("t_s must be finite, strictly increasing times in seconds")
    return v, t


def _vertical_speed_cm_s(v: np.ndarray, t: np.ndarray) -> np.ndarray:
    if v.size < 2:
        return np.zeros_like(v)
    with np.errstate(invalid="ignore"):
        speed: np.ndarray = np.abs(np.gradient(v, t))
    return speed


def grasp_frame(
    v_cm: np.ndarray,
    t_s: np.ndarray,
    start: int,
    bottom: int,
    end: int,
    *,
    still_cm_s: float = STILL_CM_S,
    near_lowest_cm: float = NEAR_LOWEST_CM,
) -> int:
    """The origin of a lift: the grasp, where the hands are lowest and still, just before they rise.

    ``v_cm`` (T,) is the hands' height (``hand_heights_cm``), ``t_s`` (T,) the frame times;
    ``start``, ``bottom`` and ``end`` are the rep's frame indices. Within start..end, from the
    hands' lowest point we move on while the hands stay within ``near_lowest_cm`` of it and slower
    than ``still_cm_s``: the last such frame is the grasp. Lowest but never still: the lowest frame.
    No hand seen in the rep: ``bottom``.
    """
    v, t = _check_trace(v_cm, t_s)
    n = v.size
    start, bottom, end = (_check_frame(i, n, name) for i, name in ((start, "start"), (bottom, "bottom"), (end, "end")))
    if not start <= bottom <= end:
        raise ValueError(f"the rep's frames must be in order start <= bottom <= end, got {start}, {bottom}, {end}")
    window = v[start : end + 1]
    if not np.isfinite(window).any():
        return bottom
    speed = _vertical_speed_cm_s(v, t)
    lowest = start + int(np.nanargmin(window))
    low = v[lowest]
    grasp = lowest
    for i in range(lowest, end + 1):
        if not (np.isfinite(v[i]) and v[i] <= low + near_lowest_cm):
            break
        if np.isfinite(speed[i]) and speed[i] <= still_cm_s:
            grasp = i
    return grasp


def release_frame(
    v_cm: np.ndarray,
    t_s: np.ndarray,
    grasp: int,
    end: int,
    *,
    still_cm_s: float = STILL_CM_S,
    min_rise_cm: float = MIN_RISE_CM,
) -> int:
    """The destination of a lift: the release, the first stop of the hands after they rose from the grasp.

    The first frame after ``grasp`` (up to ``end``) with the hands at least ``min_rise_cm`` above
    the grasp and slower than ``still_cm_s``; ``end`` when they never stop. A lift set down on a
    low cart and a lift held at the waist both end this way. A pause part-way up would be taken for
    the release: a limit of the method. Lowering tasks (grasp high, release low) are not handled.
    """
    v, t = _check_trace(v_cm, t_s)
    n = v.size
    grasp, end = _check_frame(grasp, n, "grasp"), _check_frame(end, n, "end")
    if grasp > end:
        raise ValueError(f"grasp must come before end, got grasp {grasp} and end {end}")
    if not np.isfinite(v[grasp]):
        return end
    speed = _vertical_speed_cm_s(v, t)
    for i in range(grasp + 1, end + 1):
        if np.isfinite(v[i]) and v[i] >= v[grasp] + min_rise_cm and np.isfinite(speed[i]) and speed[i] <= still_cm_s:
            return i
    return end


# ---------------------------------------------------------------------------------------
# One lift


@dataclass(frozen=True)
class LiftGeometry:
    """The equation's geometric inputs for one lift.

    Attributes:
        origin, destination: H, V, A at the grasp and the release.
        hands_at_origin, hands_at_destination: the one-handed check at each.
        view: the camera view the flags were set for.
    """

    origin: LiftPoint
    destination: LiftPoint
    hands_at_origin: HandsCheck
    hands_at_destination: HandsCheck
    view: str

    @property
    def d_cm(self) -> float:
        """|V at the release − V at the grasp|; NaN when either is missing."""
        return abs(self.destination.v_cm - self.origin.v_cm)

    @property
    def d_reliability(self) -> Reliability:
        return Reliability.combine(self.origin.v_reliability, self.destination.v_reliability)

    @property
    def one_handed(self) -> bool:
        return self.hands_at_origin.one_handed or self.hands_at_destination.one_handed


def measure_lift(
    xyz_m: np.ndarray,
    visibility: np.ndarray,
    t_s: np.ndarray,
    start: int,
    bottom: int,
    end: int,
    *,
    scale: Scale,
    floor: Floor,
    view: str,
    up: np.ndarray = CAMERA_UP,
    min_visibility: float = MIN_VISIBILITY,
) -> LiftGeometry:
    """Grasp and release frames of one rep (``grasp_frame``, ``release_frame``), and H, V, A at each."""
    _check_pose(xyz_m, visibility, (3,), "xyz_m")
    view = _view_name(view)
    heights = hand_heights_cm(xyz_m, visibility, scale, floor, up, min_visibility)
    grasp = grasp_frame(heights, t_s, start, bottom, end)
    release = release_frame(heights, t_s, grasp, end)
    points = [
        measure_point(xyz_m, visibility, f, scale=scale, floor=floor, view=view, up=up, min_visibility=min_visibility)
        for f in (grasp, release)
    ]
    checks = [check_hands(xyz_m, visibility, f, scale, up, min_visibility) for f in (grasp, release)]
    return LiftGeometry(points[0], points[1], checks[0], checks[1], view)
