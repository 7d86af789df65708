"""Property-based tests: NaNs, gaps, jitter and extreme values never crash a pure stage or leave its ranges.

The strategies build ``PoseFrame`` sequences from arbitrary coordinates (up to ±1e6 m,
down to 1e-12 m, coincident points), NaN landmarks, random visibility, missing frames
and strictly increasing times with jitter and long gaps, and from the synthetic lifter's
clips perturbed by noise; then the angle functions, ``Kinematics``, ``RepSegmenter``,
``judge`` and ``build_report`` are run over them and their promises are checked.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
from hypothesis import HealthCheck, event, example, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from liftcheck.config import DEFAULT_CONFIG
from liftcheck.kinematics import (
    CAMERA_UP,
    Angles,
    Kinematics,
    OneEuroFilter,
    UpEstimator,
    View,
    classify_view,
    combine_sides,
    framing_advice,
    hip_flexion_deg,
    knee_flexion_deg,
    lowering,
    side_bend_deg,
    trunk_flexion_deg,
    trunk_twist_deg,
    view_yaw_deg,
)
from liftcheck.landmarks import N_LANDMARKS, PoseFrame, PoseLandmark
from liftcheck.report import build_report
from liftcheck.reps import Rep, RepSegmenter, segment
from liftcheck.rules import Severity, Style, Verdict, classify_style, judge, stoop_squat_index
from liftcheck.workshop import synthetic as syn

L = PoseLandmark

# Every field of ``Angles`` that is an angle or a fraction, with the range it promises.
RANGES: dict[str, tuple[float, float]] = {
    "trunk_flexion_deg": (-180.0, 180.0),
    "knee_flexion_left_deg": (0.0, 180.0),
    "knee_flexion_right_deg": (0.0, 180.0),
    "knee_flexion_deg": (0.0, 180.0),
    "hip_flexion_deg": (0.0, 180.0),
    "trunk_twist_deg": (-180.0, 180.0),
    "side_bend_deg": (-90.0, 90.0),
    "lowering": (0.0, 1.0),
    "view_yaw_deg": (0.0, 90.0),
}

# What a body can do (config.RangeConfig): the kinematics report nothing outside these, whatever the input.
_R = DEFAULT_CONFIG.ranges
PHYSICAL: dict[str, tuple[float, float]] = {
    "trunk_flexion_deg": _R.trunk_flexion_deg,
    "knee_flexion_left_deg": _R.knee_flexion_deg,
    "knee_flexion_right_deg": _R.knee_flexion_deg,
    "knee_flexion_deg": _R.knee_flexion_deg,
    "hip_flexion_deg": _R.hip_flexion_deg,
    "trunk_twist_deg": _R.trunk_twist_deg,
    "side_bend_deg": _R.side_bend_deg,
    "trunk_speed_deg_s": (-_R.trunk_speed_deg_s, _R.trunk_speed_deg_s),
}
# The same limits on what a report shows for each lift (peaks are magnitudes where the column says so).
REPORTED: dict[str, tuple[float, float]] = {
    "peak_trunk_flexion_deg": _R.trunk_flexion_deg,
    "knee_flexion_at_bottom_deg": _R.knee_flexion_deg,
    "hip_flexion_at_bottom_deg": _R.hip_flexion_deg,
    "peak_twist_deg": (0.0, max(abs(v) for v in _R.trunk_twist_deg)),
    "peak_side_bend_deg": (0.0, max(abs(v) for v in _R.side_bend_deg)),
    "peak_trunk_speed_deg_s": (0.0, _R.trunk_speed_deg_s),
}


def _assert_physical(a: Angles) -> None:
    for name, (low, high) in PHYSICAL.items():
        value = getattr(a, name)
        assert math.isnan(value) or low <= value <= high, f"{name}={value!r} outside what a body can do {low, high}"


def _assert_report_physical(report_dict: dict) -> None:
    for row in report_dict["lifts"]:
        for name, (low, high) in REPORTED.items():
            value = row[name]
            assert value is None or low - 0.05 <= value <= high + 0.05, f"lift {row['lift']}: {name}={value!r}"
    for e in report_dict["twist_events"]:
        assert abs(e["peak_deg"]) <= max(abs(v) for v in _R.trunk_twist_deg) + 0.05


COORD_MAX_M = 1e6
SPECIAL_COORDS = (0.0, 1e-12, -1e-12, COORD_MAX_M, -COORD_MAX_M)
# A vector shorter than this, or within this sine of the axis it is projected off, is
# "degenerate" here; the code's own cut-off (1e-9 m) sits well below it.
DEGENERATE_M = 1e-6
DEGENERATE_SIN = 1e-3

TRUNK = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)
LEFT_LEG = (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE)
RIGHT_LEG = (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE)
HIPS_AND_KNEES = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE, L.RIGHT_KNEE)
TRUNK_AND_ANKLES = (*TRUNK, L.LEFT_ANKLE, L.RIGHT_ANKLE)


# ---------------------------------------------------------------- the synthetic lifter, once


@lru_cache(maxsize=1)
def _clips() -> tuple[syn.SyntheticClip, ...]:
    """Short clean clips in three views: lifts of each style, a twist, a side bend, sitting down and a seated reach."""
    return (
        syn.generate(
            syn.scenario(syn.stand(1.0), syn.lift("squat"), syn.stand(0.6), syn.lift("stoop"), syn.stand(0.6)),
            view_yaw_deg=90.0,
            fps=15.0,
            seed=1,
        ),
        syn.generate(
            syn.scenario(
                syn.stand(0.8),
                syn.lift("semi-squat", twist_deg=35.0, side_bend_deg=12.0),
                syn.stand(0.6),
                syn.twist(40.0, 1.5),
                syn.stand(0.5),
            ),
            view_yaw_deg=45.0,
            fps=15.0,
            camera_pitch_deg=15.0,
            seed=2,
        ),
        syn.generate(
            syn.scenario(syn.stand(0.8), syn.sit_down(1.5), syn.seated_reach(2.5), syn.stand_up(1.5), syn.stand(0.5)),
            view_yaw_deg=0.0,
            fps=15.0,
            seed=3,
        ),
    )


@lru_cache(maxsize=1)
def _base_poses() -> np.ndarray:
    """(n, 33, 3) plausible world poses from the synthetic clips."""
    return np.concatenate([np.stack([f.xyz_m for f in clip.frames if f.detected]) for clip in _clips()])


# ---------------------------------------------------------------- strategies

coordinates = st.one_of(
    st.floats(-3.0, 3.0),
    st.floats(-COORD_MAX_M, COORD_MAX_M),
    st.sampled_from(SPECIAL_COORDS),
)
landmark_ids = st.integers(0, N_LANDMARKS - 1)
seeds = st.integers(0, 2**32 - 1)


@st.composite
def world_poses(draw: st.DrawFn) -> np.ndarray:
    """(33, 3) world landmarks: arbitrary or plausible-plus-noise, with coincident points and NaNs."""
    if draw(st.booleans()):
        xyz = draw(hnp.arrays(np.float64, (N_LANDMARKS, 3), elements=coordinates))
    else:
        base = _base_poses()
        xyz = base[draw(st.integers(0, len(base) - 1))].copy()
        noise_m = draw(st.sampled_from([0.0, 0.005, 0.05, 0.5]))
        xyz += np.random.default_rng(draw(seeds)).normal(0.0, noise_m, xyz.shape)
        xyz = xyz * draw(st.sampled_from([1.0, 1.0, 1e-12, 1e-9, 1e6])) + draw(
            st.sampled_from([0.0, 0.0, 1.0, COORD_MAX_M, -COORD_MAX_M])
        )
    # Coincident points make zero-length bones and zero-width hips or shoulders.
    for src, dst in draw(st.lists(st.tuples(landmark_ids, landmark_ids), max_size=4)):
        xyz[dst] = xyz[src]
    nans = draw(st.sampled_from(["none", "none", "landmarks", "coordinates", "all"]))
    if nans == "landmarks":
        xyz[draw(hnp.arrays(np.bool_, N_LANDMARKS))] = np.nan
    elif nans == "coordinates":
        xyz[draw(hnp.arrays(np.bool_, (N_LANDMARKS, 3)))] = np.nan
    elif nans == "all":
        xyz[:] = np.nan
    return xyz


@st.composite
def visibilities(draw: st.DrawFn, xyz: np.ndarray | None = None) -> np.ndarray:
    """(33,) visibility in [0, 1]: random, constant, or 0 exactly where the landmark is NaN."""
    kind = draw(st.sampled_from(["random", "constant", "seen"]))
    if kind == "random":
        return draw(hnp.arrays(np.float64, N_LANDMARKS, elements=st.floats(0.0, 1.0)))
    if kind == "constant":
        return np.full(N_LANDMARKS, draw(st.floats(0.0, 1.0)))
    seen = np.ones(N_LANDMARKS) if xyz is None else np.isfinite(xyz).all(axis=-1).astype(float)
    return seen * draw(st.floats(0.0, 1.0))


image_sizes = st.tuples(st.integers(1, 4000), st.integers(1, 4000))


@st.composite
def pose_frames(draw: st.DrawFn, t_s: float, image_size: tuple[int, int]) -> PoseFrame:
    """One frame: nobody (``PoseFrame.empty``) about one time in eight, else ``world_poses`` with pixels."""
    if draw(st.integers(0, 7)) == 0:
        return PoseFrame.empty(t_s, image_size)
    xyz = draw(world_poses())
    width, height = image_size
    xy_px = np.array([width / 2.0, height / 2.0]) + xyz[:, :2] * draw(st.sampled_from([1.0, 300.0, 1e4]))
    return PoseFrame(t_s, xy_px, xyz, draw(visibilities(xyz)), image_size)


# Frame intervals: jitter around a frame, tiny steps, and long gaps (the person or the camera gone).
time_steps = st.one_of(
    st.just(1.0 / 30.0),
    st.floats(1e-6, 0.1),
    st.floats(0.3, 30.0),
)


@st.composite
def pose_sequences(draw: st.DrawFn) -> list[PoseFrame]:
    """Frames with strictly increasing times: stretches of a perturbed synthetic clip between odd single frames."""
    image_size = draw(image_sizes)
    t = draw(st.floats(0.0, 1e4))
    frames: list[PoseFrame] = []
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            frames.append(draw(pose_frames(t, image_size)))
            t += draw(time_steps)
            continue
        # A coherent stretch of motion, perturbed frame by frame.
        clip = draw(st.sampled_from(_clips()))
        start = draw(st.integers(0, len(clip.frames) - 1))
        stretch = clip.frames[start : start + draw(st.integers(1, 25))]
        rng = np.random.default_rng(draw(seeds))
        noise_m = draw(st.sampled_from([0.0, 0.01, 0.1]))
        nan_rate = draw(st.sampled_from([0.0, 0.05, 0.5]))
        jitter = draw(st.floats(0.0, 0.9))
        for f in stretch:
            xyz = f.xyz_m + rng.normal(0.0, noise_m, f.xyz_m.shape)
            xyz[rng.random(N_LANDMARKS) < nan_rate] = np.nan
            vis = np.where(np.isfinite(xyz).all(axis=-1), f.visibility, 0.0)
            frames.append(PoseFrame(t, f.xy_px.copy(), xyz, vis, image_size))
            t += (1.0 / clip.fps) * (1.0 + jitter * rng.uniform(-1.0, 1.0))
    times = [f.t_s for f in frames]
    assert all(b > a for a, b in zip(times, times[1:])), "the strategy must give strictly increasing times"
    return frames


ANGLE_EXTREMES = (math.nan, math.inf, -math.inf, 1e300, -1e300, 1e6, -1e6, 0.0, 1e-12, -1.0, 2.0)


@st.composite
def angle_streams(draw: st.DrawFn) -> list[Angles]:
    """``Angles`` that go down and up like lifts (so reps are found), with unseen frames, NaNs and extremes mixed in."""
    keys = draw(
        st.lists(
            st.one_of(st.floats(0.0, 0.1), st.floats(0.15, 1.0), st.sampled_from(ANGLE_EXTREMES)),
            min_size=2,
            max_size=12,
        )
    )
    lows: list[float] = []
    for a, b in zip(keys, keys[1:]):
        n = draw(st.integers(1, 30))
        if math.isfinite(a) and math.isfinite(b) and abs(a) < 10 and abs(b) < 10:
            lows.extend(np.linspace(a, b, n, endpoint=False).tolist())
        else:
            lows.extend([a] * n)
    lows.append(keys[-1])
    rng = np.random.default_rng(draw(seeds))
    knee_per_lowering = draw(st.floats(0.0, 200.0))
    trunk_per_lowering = draw(st.floats(-50.0, 150.0))
    unseen_rate = draw(st.sampled_from([0.0, 0.02, 0.3]))
    nan_rate = draw(st.sampled_from([0.0, 0.05, 0.5]))
    extreme_rate = draw(st.sampled_from([0.0, 0.02, 0.2]))
    noise_deg = draw(st.sampled_from([0.0, 2.0, 20.0]))
    steps = draw(st.lists(time_steps, min_size=1, max_size=4))
    t = draw(st.floats(0.0, 1e4))
    views = list(View)
    out: list[Angles] = []
    for low in lows:
        view = views[int(rng.integers(len(views)))]
        if rng.random() < unseen_rate:
            out.append(Angles.unseen(t, view, float(rng.uniform(0.0, 90.0))))
        else:
            values = {
                "trunk_flexion_deg": trunk_per_lowering * low,
                "knee_flexion_left_deg": knee_per_lowering * low,
                "knee_flexion_right_deg": knee_per_lowering * low,
                "knee_flexion_deg": knee_per_lowering * low,
                "hip_flexion_deg": (knee_per_lowering + trunk_per_lowering) * low / 2.0,
                "trunk_twist_deg": 0.0,
                "side_bend_deg": 0.0,
                "lowering": low,
                "view_yaw_deg": float(rng.uniform(0.0, 90.0)),
            }
            for name in values:
                if name != "lowering" and math.isfinite(values[name]):
                    values[name] += float(rng.normal(0.0, noise_deg))
                if rng.random() < nan_rate:
                    values[name] = math.nan
                if rng.random() < extreme_rate:
                    values[name] = ANGLE_EXTREMES[int(rng.integers(len(ANGLE_EXTREMES)))]
            out.append(Angles(t_s=t, view=view, seen=True, **values))
        step = steps[int(rng.integers(len(steps)))]
        t += step * (1.0 + 0.5 * float(rng.uniform(-1.0, 1.0))) if step < 0.2 else step
    return out


# ---------------------------------------------------------------- helpers


def _in_range(name: str, value: float) -> bool:
    low, high = RANGES[name]
    return math.isnan(value) or low <= value <= high


def _assert_angles_in_range(a: Angles) -> None:
    for name in RANGES:
        value = getattr(a, name)
        assert isinstance(value, float), f"{name} is {type(value).__name__}, not float"
        assert _in_range(name, value), f"{name}={value!r} outside {RANGES[name]}"


def _finite(xyz: np.ndarray, landmarks: Sequence[PoseLandmark]) -> bool:
    return bool(np.isfinite(xyz[list(landmarks)]).all())


def _any_nan(xyz: np.ndarray, landmarks: Sequence[PoseLandmark]) -> bool:
    return bool(np.isnan(xyz[list(landmarks)]).any())


def _long(v: np.ndarray) -> bool:
    return bool(np.linalg.norm(v) > DEGENERATE_M)


def _long_off(v: np.ndarray, axis: np.ndarray) -> bool:
    """v is long, and far enough from the (unit) axis that projecting it off leaves a long vector."""
    norm = float(np.linalg.norm(v))
    return norm > DEGENERATE_M / DEGENERATE_SIN and float(np.linalg.norm(np.cross(v, axis))) > DEGENERATE_SIN * norm


def _mid(xyz: np.ndarray, a: PoseLandmark, b: PoseLandmark) -> np.ndarray:
    return (xyz[a] + xyz[b]) / 2.0


def _trunk_axis(xyz: np.ndarray) -> np.ndarray:
    return _mid(xyz, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - _mid(xyz, L.LEFT_HIP, L.RIGHT_HIP)


def _no_nan_or_infinity(text: str) -> object:
    def refuse(constant: str) -> object:
        raise AssertionError(f"JSON holds {constant}")

    return json.loads(text, parse_constant=refuse)


def _check_reps(reps: Sequence[Rep], n_frames: int, finished: Rep | None) -> None:
    """The segmenter's promises about the lifts it returns."""
    every = [*reps, *([finished] if finished else [])]
    assert [r.index for r in every] == list(range(1, len(every) + 1))
    for r in reps:
        assert r.cut_off in ("", "start"), "update() never returns a lift cut off at the end"
    if finished is not None:
        assert finished.cut_off == "end"
    for r in every:
        assert 0 <= r.start_frame <= r.bottom_frame <= r.end_frame < n_frames
        assert r.start_s <= r.bottom_s <= r.end_s
        assert r.cut_off != "start" or r.index == 1, "only the first lift can start before the clip"
        times = [a.t_s for a in r.frames]
        assert times[0] == r.start_s and times[-1] == r.end_s
        assert all(b > a for a, b in zip(times, times[1:]))
        assert r.bottom_s in times
        assert len(r.frames) <= r.end_frame - r.start_frame + 1
    for a, b in zip(every, every[1:]):
        assert a.end_frame < b.start_frame and a.end_s < b.start_s, "lifts overlap or are out of order"


def _check_verdict_and_report(angles: Sequence[Angles], reps: Sequence[Rep]) -> None:
    """judge() and build_report() accept every lift, and the JSON has no NaN or Infinity."""
    verdicts = [judge(r) for r in reps]
    for v in verdicts:
        assert v.verdict in Verdict
        assert v.measures.style in Style
        ssi = v.measures.stoop_squat_index
        assert math.isnan(ssi) or 0.0 <= ssi <= 100.0
        assert 0 <= v.reba_trunk <= 5 and 0 <= v.reba_legs <= 3
        for f in v.findings:
            assert f.severity in Severity
            assert math.isfinite(f.value) and math.isfinite(f.threshold)
    duration_s = angles[-1].t_s - angles[0].t_s if angles else 0.0
    report = build_report("property test", angles, verdicts, duration_s=duration_s, settings={"test": True})
    data = _no_nan_or_infinity(report.to_json())
    assert isinstance(data, dict) and data["summary"]["lift_count"] == len(reps)  # type: ignore[index]
    _no_nan_or_infinity(report.to_json(timeline=False))
    csv_text = report.to_csv()
    assert not re.search(r"\b(nan|inf|infinity)\b", csv_text, flags=re.IGNORECASE), csv_text


# ---------------------------------------------------------------- 1. angle functions

ANGLE_FUNCTIONS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "trunk_flexion_deg": lambda xyz, vis: trunk_flexion_deg(xyz),
    "side_bend_deg": lambda xyz, vis: side_bend_deg(xyz),
    "trunk_twist_deg": lambda xyz, vis: trunk_twist_deg(xyz),
    "knee_flexion_left_deg": lambda xyz, vis: knee_flexion_deg(xyz, "left"),
    "knee_flexion_right_deg": lambda xyz, vis: knee_flexion_deg(xyz, "right"),
    "hip_flexion_deg": lambda xyz, vis: hip_flexion_deg(xyz),
    "lowering": lowering,
    "view_yaw_deg": lambda xyz, vis: view_yaw_deg(xyz),
}

# A standing pose whose mid-hip and mid-ankle points coincide while each leg is straight.
_CROSSED = np.zeros((N_LANDMARKS, 3))
_CROSSED[[L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE]] = [[0.0, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 1.0, 0.0]]
_CROSSED[[L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE]] = [[0.0, 1.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 0.0]]
_CROSSED[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER]] = [0.0, 0.5 - 1e-10, 0.0]
# Found by Hypothesis: the twist's arctan2 gets a zero that was -0.0 for one pose and +0.0 for a batch of
# them (a sum of negative zeros), so the twist read -180° alone and 180° in a batch.
_ZERO_SUM_TWIST = np.zeros((N_LANDMARKS, 3))
_ZERO_SUM_TWIST[L.LEFT_SHOULDER] = [0.0, 1.0, 0.0]
_ZERO_SUM_TWIST[L.RIGHT_HIP] = [1.0, 0.0, 0.0]


@settings(max_examples=300, deadline=500)
@given(xyz=world_poses(), vis=visibilities())
@example(xyz=np.full((N_LANDMARKS, 3), np.nan), vis=np.zeros(N_LANDMARKS))
@example(xyz=np.zeros((N_LANDMARKS, 3)), vis=np.ones(N_LANDMARKS))
@example(xyz=np.full((N_LANDMARKS, 3), COORD_MAX_M), vis=np.ones(N_LANDMARKS))
@example(xyz=_CROSSED, vis=np.ones(N_LANDMARKS))
@example(xyz=_ZERO_SUM_TWIST, vis=np.zeros(N_LANDMARKS))
def test_angle_functions_give_nan_or_a_finite_angle_in_range(xyz: np.ndarray, vis: np.ndarray) -> None:
    """Every angle function, on any pose, returns NaN or a finite value in its range, without a float error."""
    with np.errstate(all="raise", under="ignore"):
        values = {name: float(fn(xyz, vis)) for name, fn in ANGLE_FUNCTIONS.items()}
        batch = {
            name: fn(np.stack([xyz, xyz[::-1]]), np.stack([vis, vis[::-1]])) for name, fn in ANGLE_FUNCTIONS.items()
        }
    note(repr(values))
    for name, value in values.items():
        assert _in_range(name, value), f"{name}={value!r} outside {RANGES[name]}"
        assert batch[name].shape == (2,)
        assert np.array_equal(batch[name][0], value, equal_nan=True), f"{name} differs for a (2, 33, 3) batch"


@settings(max_examples=300, deadline=500)
@given(xyz=world_poses(), vis=visibilities())
def test_angle_functions_are_nan_exactly_when_their_landmarks_are_missing_or_degenerate(
    xyz: np.ndarray, vis: np.ndarray
) -> None:
    """Each angle is NaN when a landmark it needs is NaN, and finite when those are finite and its bones long."""
    values = {name: float(fn(xyz, vis)) for name, fn in ANGLE_FUNCTIONS.items()}
    up = CAMERA_UP
    hip_line = xyz[L.RIGHT_HIP] - xyz[L.LEFT_HIP]
    axis = _trunk_axis(xyz)

    needs = {
        "trunk_flexion_deg": TRUNK,
        "side_bend_deg": TRUNK,
        "trunk_twist_deg": TRUNK,
        "knee_flexion_left_deg": LEFT_LEG,
        "knee_flexion_right_deg": RIGHT_LEG,
        "hip_flexion_deg": HIPS_AND_KNEES,
        "lowering": TRUNK_AND_ANKLES,
    }
    for name, landmarks in needs.items():
        if _any_nan(xyz, landmarks):
            assert math.isnan(values[name]), f"{name}={values[name]!r} from a NaN landmark"
    # The view is read from the hip line's width (x) and depth (z) alone.
    if np.isnan(xyz[[L.LEFT_HIP, L.RIGHT_HIP]][:, [0, 2]]).any():
        assert math.isnan(values["view_yaw_deg"])

    if _finite(xyz, TRUNK) and _long(axis) and _long_off(hip_line, up):
        assert math.isfinite(values["trunk_flexion_deg"]) and math.isfinite(values["side_bend_deg"])
    if _finite(xyz, TRUNK) and _long(axis):
        unit_axis = axis / np.linalg.norm(axis)
        shoulder_line = xyz[L.RIGHT_SHOULDER] - xyz[L.LEFT_SHOULDER]
        if _long_off(hip_line, unit_axis) and _long_off(shoulder_line, unit_axis):
            assert math.isfinite(values["trunk_twist_deg"])
    for name, (hip, knee, ankle) in (("knee_flexion_left_deg", LEFT_LEG), ("knee_flexion_right_deg", RIGHT_LEG)):
        if _finite(xyz, (hip, knee, ankle)) and _long(xyz[hip] - xyz[knee]) and _long(xyz[ankle] - xyz[knee]):
            assert math.isfinite(values[name])
    shoulders = _mid(xyz, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    if _finite(xyz, HIPS_AND_KNEES) and all(
        _long(shoulders - xyz[hip]) and _long(xyz[knee] - xyz[hip])
        for hip, knee in ((L.LEFT_HIP, L.LEFT_KNEE), (L.RIGHT_HIP, L.RIGHT_KNEE))
    ):
        assert math.isfinite(values["hip_flexion_deg"])
    if _finite(xyz, (*TRUNK_AND_ANKLES, L.LEFT_KNEE, L.RIGHT_KNEE)) and _long(axis):
        assert math.isfinite(values["lowering"])
    if _finite(xyz, (L.LEFT_HIP, L.RIGHT_HIP)):
        assert math.isfinite(values["view_yaw_deg"])


sides = st.one_of(st.floats(0.0, 180.0), st.just(math.nan))
weights = st.floats(0.0, 1.0)


@settings(max_examples=300, deadline=200)
@given(left=sides, right=sides, w_left=weights, w_right=weights)
@example(left=math.nan, right=40.0, w_left=1.0, w_right=1.0)
@example(left=180.0, right=180.0, w_left=0.7535131086748066, w_right=0.5381433132192782)
def test_combine_sides_stays_between_the_sides_it_was_given(
    left: float, right: float, w_left: float, w_right: float
) -> None:
    """Mixing the two legs gives a value between the measured sides: an unmeasured (NaN) side is never read as 0."""
    mixed = float(combine_sides(np.array(left), np.array(right), np.array(w_left), np.array(w_right)))
    measured = [x for x in (left, right) if not math.isnan(x)]
    if not measured:
        assert math.isnan(mixed)
    elif not math.isnan(mixed):
        assert min(measured) <= mixed <= max(measured)
    if len(measured) == 1 and math.isfinite(mixed):
        assert mixed == measured[0]


any_angle = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(-1.0, 200.0))


@settings(max_examples=300, deadline=200)
@given(trunk_deg=any_angle, knee_deg=any_angle)
@example(trunk_deg=60.35619732242673, knee_deg=1e-300)
def test_stoop_squat_index_is_nan_or_within_0_to_100(trunk_deg: float, knee_deg: float) -> None:
    """The stoop–squat index of any pair of angles is NaN or within [0, 100], and the style is one of the enum."""
    ssi = stoop_squat_index(trunk_deg, knee_deg)
    assert math.isnan(ssi) or 0.0 <= ssi <= 100.0, ssi
    assert classify_style(knee_deg, trunk_deg) in Style


# ---------------------------------------------------------------- 2. the stateful front end


@settings(max_examples=120, deadline=2000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(frames=pose_sequences())
def test_kinematics_gives_angles_in_range_for_any_sequence(frames: list[PoseFrame]) -> None:
    """Kinematics.update over any frames never raises and gives in-range Angles, unseen exactly for empty frames."""
    kin = Kinematics()
    with np.errstate(all="raise", under="ignore"):
        for frame in frames:
            a = kin.update(frame)
            assert a.t_s == frame.t_s
            assert a.seen is frame.detected
            assert isinstance(a.view, View)
            assert a.view is classify_view(a.view_yaw_deg)
            _assert_angles_in_range(a)
            _assert_physical(a)
            if not a.seen:
                assert all(math.isnan(getattr(a, name)) for name in RANGES if name != "view_yaw_deg")
            up = kin.up
            assert np.isfinite(up).all() and abs(float(np.linalg.norm(up)) - 1.0) < 1e-9
            assert isinstance(framing_advice(frame, a), str)


@settings(max_examples=60, deadline=3000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(garbage=pose_sequences(), yaw=st.sampled_from([0.0, 45.0, 90.0]))
def test_kinematics_recovers_after_any_garbage(garbage: list[PoseFrame], yaw: float) -> None:
    """After any run of odd frames and a pause, a clean lift is measured with finite angles on every frame."""
    clip = syn.generate(
        syn.scenario(syn.stand(0.6), syn.lift("semi-squat"), syn.stand(0.4)), view_yaw_deg=yaw, fps=10.0
    )
    kin = Kinematics()
    for frame in garbage:
        kin.update(frame)
    t0 = garbage[-1].t_s + DEFAULT_CONFIG.kinematics.max_gap_s + 1.0
    for f in clip.frames:
        a = kin.update(PoseFrame(t0 + f.t_s, f.xy_px, f.xyz_m, f.visibility, f.image_size))
        for name in RANGES:
            assert math.isfinite(getattr(a, name)), f"{name} is {getattr(a, name)!r} on a clean frame at {a.t_s}"


@settings(max_examples=200, deadline=500)
@given(
    poses=st.lists(st.tuples(world_poses(), st.one_of(st.floats(0.0, 180.0), st.just(math.nan))), max_size=12),
)
@example(poses=[(_CROSSED, 0.0)])
def test_up_estimate_stays_a_unit_vector_near_the_camera_up(poses: list[tuple[np.ndarray, float]]) -> None:
    """Whatever frames UpEstimator sees, "up" stays a finite unit vector within the allowed tilt of the camera's up."""
    est = UpEstimator()
    for i, (xyz, knee_deg) in enumerate(poses):
        est.update(xyz, np.ones(N_LANDMARKS), knee_deg, float(i))
        up = est.up
        assert np.isfinite(up).all(), f"up became {up!r}"
        assert abs(float(np.linalg.norm(up)) - 1.0) < 1e-9
        tilt = math.degrees(math.acos(min(1.0, float(up @ CAMERA_UP))))
        assert tilt <= DEFAULT_CONFIG.kinematics.max_camera_tilt_deg + 1e-6


# ---------------------------------------------------------------- 3 and 4. lifts, verdicts, report


@settings(max_examples=150, deadline=3000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(angles=angle_streams())
def test_segmenter_judge_and_report_accept_any_angle_stream(angles: list[Angles]) -> None:
    """Over any Angles stream the segmenter's lifts are ordered and well-formed, and judging and reporting works."""
    segmenter = RepSegmenter()
    reps = [rep for a in angles if (rep := segmenter.update(a)) is not None]
    finished = segmenter.finish()
    assert segmenter.finish() is None, "finish() returns the open lift once"
    note(f"{len(reps)} lifts + {'one' if finished else 'no'} cut off")
    event("lifts found", min(len(reps) + (finished is not None), 3))
    _check_reps(reps, len(angles), finished)
    every = [*reps, *([finished] if finished else [])]
    assert [(r.index, r.start_frame, r.end_frame, r.cut_off) for r in segment(angles)] == [
        (r.index, r.start_frame, r.end_frame, r.cut_off) for r in every
    ], "segment() must be the streaming segmenter run in a loop"
    _check_verdict_and_report(angles, every)


@st.composite
def sparse_reps(draw: st.DrawFn) -> Rep:
    """One lift whose in-range angles are NaN here and there, or everywhere, on seen and unseen frames."""
    n = draw(st.integers(1, 20))
    step_s = draw(st.sampled_from([0.01, 1.0 / 30.0, 0.5]))
    degrees = st.one_of(st.just(math.nan), st.floats(0.0, 180.0))
    frames = tuple(
        Angles(
            t_s=i * step_s,
            trunk_flexion_deg=draw(st.one_of(st.just(math.nan), st.floats(-180.0, 180.0))),
            knee_flexion_left_deg=draw(degrees),
            knee_flexion_right_deg=draw(degrees),
            knee_flexion_deg=draw(degrees),
            hip_flexion_deg=draw(degrees),
            trunk_twist_deg=draw(st.one_of(st.just(math.nan), st.floats(-180.0, 180.0))),
            side_bend_deg=draw(st.one_of(st.just(math.nan), st.floats(-90.0, 90.0))),
            lowering=draw(st.one_of(st.just(math.nan), st.floats(0.0, 1.0))),
            view=draw(st.sampled_from(View)),
            view_yaw_deg=draw(st.one_of(st.just(math.nan), st.floats(0.0, 90.0))),
            seen=draw(st.booleans()),
        )
        for i in range(n)
    )
    bottom = draw(st.integers(0, n - 1))
    return Rep(
        index=1,
        start_s=frames[0].t_s,
        bottom_s=frames[bottom].t_s,
        end_s=frames[-1].t_s,
        start_frame=0,
        bottom_frame=bottom,
        end_frame=n - 1,
        frames=frames,
        cut_off=draw(st.sampled_from(["", "start", "end"])),
    )


@settings(max_examples=100, deadline=1000)
@given(rep=sparse_reps())
def test_judge_of_a_lift_with_missing_angles_neither_raises_nor_warns(rep: Rep) -> None:
    """Judging a lift with in-range angles, however many are NaN, gives NaN or in-range measures and no warning."""
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error", RuntimeWarning)
        m = judge(rep).measures
        _check_verdict_and_report(rep.frames, [rep])
    for name, (low, high) in {
        "knee_flexion_at_bottom_deg": (0.0, 180.0),
        "hip_flexion_at_bottom_deg": (0.0, 180.0),
        "trunk_flexion_at_bottom_deg": (-180.0, 180.0),
        "peak_trunk_flexion_deg": (-180.0, 180.0),
        "peak_twist_deg": (0.0, 180.0),
        "peak_side_bend_deg": (0.0, 90.0),
        "depth": (0.0, 1.0),
        "stoop_squat_index": (0.0, 100.0),
    }.items():
        value = getattr(m, name)
        assert math.isnan(value) or low <= value <= high, f"{name}={value!r}"
    assert math.isnan(m.peak_trunk_speed_deg_s) or m.peak_trunk_speed_deg_s >= 0.0


@st.composite
def corrupted_clips(draw: st.DrawFn) -> list[PoseFrame]:
    """A synthetic clip with lifts, cut and perturbed: dropped frames, NaN landmarks, spikes, re-timed frames."""
    clip = draw(st.sampled_from(_clips()))
    rng = np.random.default_rng(draw(seeds))
    n = len(clip.frames)
    start = draw(st.integers(0, n // 3))
    stop = draw(st.integers(max(start + 1, 2 * n // 3), n))
    noise_m = draw(st.sampled_from([0.0, 0.01, 0.05]))
    drop_rate = draw(st.sampled_from([0.0, 0.1, 0.5]))
    nan_rate = draw(st.sampled_from([0.0, 0.05, 0.3]))
    spike_rate = draw(st.sampled_from([0.0, 0.02, 0.1]))
    jitter = draw(st.floats(0.0, 0.9))
    gap_rate = draw(st.sampled_from([0.0, 0.02]))
    scale = draw(st.sampled_from([1.0, 1.0, 1.0, 1e-12, 1e6]))
    t = draw(st.floats(0.0, 1e4))
    out: list[PoseFrame] = []
    for f in clip.frames[start:stop]:
        if rng.random() < drop_rate or not f.detected:
            out.append(PoseFrame.empty(t, f.image_size))
        else:
            xyz = (f.xyz_m + rng.normal(0.0, noise_m, f.xyz_m.shape)) * scale
            xyz[rng.random(N_LANDMARKS) < nan_rate] = np.nan
            spikes = rng.random(N_LANDMARKS) < spike_rate
            xyz[spikes] = rng.choice(SPECIAL_COORDS, size=(int(spikes.sum()), 3))
            vis = np.where(np.isfinite(xyz).all(axis=-1), f.visibility, 0.0)
            out.append(PoseFrame(t, f.xy_px.copy(), xyz, vis, f.image_size))
        t += (1.0 / clip.fps) * (1.0 + jitter * float(rng.uniform(-1.0, 1.0)))
        if rng.random() < gap_rate:
            t += float(rng.uniform(0.5, 5.0))
    return out


@settings(max_examples=40, deadline=5000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(frames=corrupted_clips())
def test_pipeline_over_corrupted_clips_gives_a_clean_report(frames: list[PoseFrame]) -> None:
    """Kinematics, segmenter, judge and report over a corrupted clip neither raise nor warn, and the JSON is strict."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        kin = Kinematics()
        angles = [kin.update(f) for f in frames]
        for a in angles:
            _assert_angles_in_range(a)
            _assert_physical(a)
        segmenter = RepSegmenter()
        reps = [rep for a in angles if (rep := segmenter.update(a)) is not None]
        finished = segmenter.finish()
        event("lifts found", min(len(reps) + (finished is not None), 3))
        _check_reps(reps, len(angles), finished)
        _check_verdict_and_report(angles, [*reps, *([finished] if finished else [])])
        verdicts = [judge(r) for r in [*reps, *([finished] if finished else [])]]
        duration = angles[-1].t_s if angles else 0.0
        _assert_report_physical(build_report("x", angles, verdicts, duration_s=duration, settings={}).to_dict())


# ---------------------------------------------------------------- 5. the smoothing filter

filter_values = st.floats(-COORD_MAX_M, COORD_MAX_M)
filter_params = st.tuples(st.floats(0.1, 10.0), st.floats(0.0, 2.0))


@settings(max_examples=200, deadline=500)
@given(
    params=filter_params,
    steps=st.lists(
        st.tuples(
            hnp.arrays(np.float64, 3, elements=filter_values), st.one_of(st.floats(1e-6, 0.1), st.floats(0.3, 30))
        ),
        min_size=1,
        max_size=30,
    ),
)
def test_one_euro_output_stays_within_its_inputs(
    params: tuple[float, float], steps: list[tuple[np.ndarray, float]]
) -> None:
    """Each output of the One Euro filter is finite and within the range of the inputs seen so far."""
    f = OneEuroFilter(*params)
    t = 0.0
    low = np.full(3, np.inf)
    high = np.full(3, -np.inf)
    for x, dt in steps:
        t += dt
        low, high = np.minimum(low, x), np.maximum(high, x)
        y = f(x, t)
        assert np.isfinite(y).all()
        slack = 4 * np.spacing(np.maximum(np.abs(low), np.abs(high)))
        assert (y >= low - slack).all() and (y <= high + slack).all(), (y, low, high)


@settings(max_examples=200, deadline=500)
@given(
    params=filter_params,
    values=st.lists(st.one_of(filter_values, st.just(math.nan)), min_size=1, max_size=30),
    dt=st.floats(1e-4, 1.0),
)
def test_one_euro_gives_finite_output_for_finite_input_after_nans(
    params: tuple[float, float], values: list[float], dt: float
) -> None:
    """A value the filter is given finite comes out finite, even right after NaNs in the same slot."""
    f = OneEuroFilter(*params)
    for i, v in enumerate(values):
        y = f(np.array([v, 1.0]), (i + 1) * dt)
        assert math.isnan(y[0]) == math.isnan(v)
        assert y[1] == 1.0


@settings(max_examples=200, deadline=500)
@given(params=filter_params, first=filter_values, target=filter_values, jitter=st.floats(0.0, 0.9), seed=seeds)
def test_one_euro_converges_to_a_constant_input(
    params: tuple[float, float], first: float, target: float, jitter: float, seed: int
) -> None:
    """Held at a constant input for 30 smoothing time constants, the filter's output reaches it."""
    min_cutoff_hz, beta = params
    tau_s = 1.0 / (2.0 * math.pi * min_cutoff_hz)
    f = OneEuroFilter(min_cutoff_hz, beta)
    rng = np.random.default_rng(seed)
    t = 0.0
    f(np.array([first]), t)
    y = np.array([first])
    while t < 30.0 * tau_s:
        t += tau_s * (1.0 - jitter * float(rng.random()))
        y = f(np.array([target]), t)
        assert min(first, target) <= y[0] <= max(first, target)
    assert abs(float(y[0]) - target) <= 1e-6 * abs(first - target) + 4 * np.spacing(abs(target))
