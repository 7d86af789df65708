"""Tests of the angle measurements against the synthetic lifter's known angles."""

from __future__ import annotations

import math

import numpy as np
import pytest

from liftcheck.config import DEFAULT_CONFIG
from liftcheck.kinematics import (
    RELIABLE_IN_VIEW,
    Angles,
    Kinematics,
    Measure,
    OneEuroFilter,
    View,
    classify_view,
    combine_sides,
    framing_advice,
    knee_flexion_deg,
    trunk_flexion_deg,
    trunk_twist_deg,
)
from liftcheck.landmarks import PoseFrame, PoseLandmark
from liftcheck.workshop import synthetic as syn

L = PoseLandmark

# Tolerances, in degrees, for a clean synthetic pose in a view where the measure is reliable.
# They allow for the smoothing filter's lag on fast moves (the median error is far smaller).
MEDIAN_TOL_DEG = 2.0
P95_TOL_DEG = 10.0


def _measure(clip: syn.SyntheticClip) -> list[Angles]:
    kin = Kinematics()
    return [kin.update(frame) for frame in clip.frames]


def _errors(angles: list[Angles], truth: np.ndarray, field: str) -> np.ndarray:
    measured = np.array([getattr(a, field) for a in angles])
    ok = np.isfinite(measured)
    return np.abs(measured[ok] - truth[ok])


SESSION = syn.scenario(
    syn.stand(1.5),
    syn.lift("squat"),
    syn.stand(1.0),
    syn.lift("stoop"),
    syn.stand(1.0),
    syn.lift("semi-squat", twist_deg=35.0, side_bend_deg=12.0),
    syn.stand(1.0),
    syn.twist(40.0, 2.0),
    syn.stand(1.0),
)

FIELDS = {
    Measure.TRUNK_FLEXION: ("trunk_flexion_deg", "trunk_flexion_deg"),
    Measure.KNEE_FLEXION: ("knee_flexion_left_deg", "knee_flexion_l_deg"),
    Measure.HIP_FLEXION: ("hip_flexion_deg", "hip_flexion_deg"),
    Measure.TRUNK_TWIST: ("trunk_twist_deg", "trunk_twist_deg"),
    Measure.SIDE_BEND: ("side_bend_deg", "side_bend_deg"),
}


def _assert_judged_measures_match(angles: list[Angles], clip: syn.SyntheticClip, view: View) -> None:
    """Every measure ``view`` can judge matches the generated angle within the stated tolerances."""
    for measure in RELIABLE_IN_VIEW[view]:
        if measure not in FIELDS:
            continue
        ours, theirs = FIELDS[measure]
        err = _errors(angles, getattr(clip.truth, theirs), ours)
        assert np.median(err) < MEDIAN_TOL_DEG, (measure, np.median(err))
        assert np.percentile(err, 95) < P95_TOL_DEG, (measure, np.percentile(err, 95))


@pytest.mark.parametrize(("yaw", "view"), [(90.0, View.SIDE), (45.0, View.OBLIQUE), (0.0, View.FRONT)])
def test_angles_match_truth_where_reliable(yaw: float, view: View) -> None:
    """Every measure the view is meant to judge matches the generated angle within the stated tolerance."""
    clip = syn.generate(SESSION, view_yaw_deg=yaw, noise_m=0.003, seed=1)
    angles = _measure(clip)
    assert angles[-1].view is view
    _assert_judged_measures_match(angles, clip, view)


def test_lowering_matches_truth() -> None:
    """How low the body is (0 standing, toward 1 at the floor) follows the generated height."""
    clip = syn.generate(SESSION, view_yaw_deg=60.0, seed=2)
    measured = np.array([a.lowering for a in _measure(clip)])
    err = np.abs(measured - clip.truth.lowering)
    assert np.median(err) < 0.02
    assert np.percentile(err, 95) < 0.08


def test_tilted_camera_vertical_is_learned() -> None:
    """With a camera pitched 20° down at a person facing it, the learned vertical corrects trunk flexion."""
    clip = syn.generate(SESSION, view_yaw_deg=0.0, camera_pitch_deg=20.0, camera_height_m=1.8, seed=3)
    kin = Kinematics()
    angles = [kin.update(f) for f in clip.frames]
    # The learned vertical is the true one, within a few degrees.
    true_up = clip.camera.up
    tilt = math.degrees(math.acos(float(np.clip(np.dot(kin.up, true_up), -1, 1))))
    assert tilt < 3.0
    err = _errors(angles[60:], clip.truth.trunk_flexion_deg[60:], "trunk_flexion_deg")
    assert np.median(err) < 3.0
    # Without learning, the camera's own axis would be 20° off: the test can tell the difference.
    raw = trunk_flexion_deg(np.stack([f.xyz_m for f in clip.frames]))
    assert np.median(np.abs(raw - clip.truth.trunk_flexion_deg)) > 10.0


@pytest.mark.parametrize(("yaw", "expected"), [(0, View.FRONT), (20, View.FRONT), (45, View.OBLIQUE), (75, View.SIDE)])
def test_view_classification(yaw: float, expected: View) -> None:
    """The camera view is estimated from the pose, whichever way the person faces."""
    clip = syn.generate(syn.scenario(syn.stand(2.0), syn.lift("semi-squat"), syn.stand(1.0)), view_yaw_deg=yaw)
    angles = _measure(clip)
    assert angles[-1].view is expected
    assert classify_view(math.nan) is View.UNKNOWN


def test_unseen_frames_give_nan_and_do_not_poison_smoothing() -> None:
    """Frames with nobody give NaN angles; after a long gap the smoothing starts afresh."""
    clip = syn.generate(syn.scenario(syn.stand(1.0), syn.hold_bent(1.0, trunk_deg=60.0, knee_deg=20.0)))
    kin = Kinematics()
    standing = [kin.update(frame) for frame in clip.frames if frame.t_s < 0.9]
    assert standing[-1].seen and abs(standing[-1].trunk_flexion_deg) < 3
    gap = kin.update(PoseFrame.empty(1.0, clip.frames[0].image_size))
    assert not gap.seen and math.isnan(gap.trunk_flexion_deg) and math.isnan(gap.lowering)
    # Two seconds later, bent: the first frame after the gap reads the bent pose, not a blend.
    bent = clip.frames[-1]
    after = kin.update(PoseFrame(3.0, bent.xy_px, bent.xyz_m, bent.visibility, bent.image_size))
    assert abs(after.trunk_flexion_deg - 60.0) < 2.0


def test_poorly_seen_leg_is_not_trusted() -> None:
    """Seen from the side, a hidden leg with a wrong guess does not pull the knee angle."""
    assert combine_sides(np.array(90.0), np.array(10.0), np.array(0.9), np.array(0.1)) == pytest.approx(90.0)
    assert combine_sides(np.array(80.0), np.array(100.0), np.array(0.8), np.array(0.8)) == pytest.approx(90.0)


def test_angle_functions_on_a_hand_built_pose() -> None:
    """The raw functions give the textbook angles on a pose built by hand."""
    xyz = np.zeros((33, 3))
    xyz[L.LEFT_HIP] = (0.1, 0.0, 0.0)
    xyz[L.RIGHT_HIP] = (-0.1, 0.0, 0.0)
    # Trunk leaning 45° toward the camera (−z), shoulders square.
    xyz[L.LEFT_SHOULDER] = (0.15, -0.35, -0.35)
    xyz[L.RIGHT_SHOULDER] = (-0.15, -0.35, -0.35)
    # Left leg straight down; right knee bent 90°.
    xyz[L.LEFT_KNEE] = (0.1, 0.45, 0.0)
    xyz[L.LEFT_ANKLE] = (0.1, 0.9, 0.0)
    xyz[L.RIGHT_KNEE] = (-0.1, 0.45, 0.0)
    xyz[L.RIGHT_ANKLE] = (-0.1, 0.45, 0.45)
    assert float(trunk_flexion_deg(xyz)) == pytest.approx(45.0, abs=0.01)
    assert float(trunk_twist_deg(xyz)) == pytest.approx(0.0, abs=0.01)
    assert float(knee_flexion_deg(xyz, "left")) == pytest.approx(0.0, abs=0.01)
    assert float(knee_flexion_deg(xyz, "right")) == pytest.approx(90.0, abs=0.01)
    # Turn the shoulder line 30° about the trunk axis: twist reads 30° (sign: toward the left).
    axis = xyz[L.LEFT_SHOULDER] / 2 + xyz[L.RIGHT_SHOULDER] / 2
    u = axis / np.linalg.norm(axis)
    half = (xyz[L.RIGHT_SHOULDER] - xyz[L.LEFT_SHOULDER]) / 2
    angle = math.radians(30.0)
    rotated = half * math.cos(angle) + np.cross(u, half) * math.sin(angle) + u * np.dot(u, half) * (1 - math.cos(angle))
    xyz[L.RIGHT_SHOULDER] = axis + rotated
    xyz[L.LEFT_SHOULDER] = axis - rotated
    assert abs(float(trunk_twist_deg(xyz))) == pytest.approx(30.0, abs=0.01)


def test_one_euro_filter_smooths_noise_and_follows_steps() -> None:
    """The filter cuts jitter on a still value and still reaches a new level after a step."""
    rng = np.random.default_rng(0)
    f = OneEuroFilter(1.5, 0.5)
    t = np.arange(0, 2, 1 / 30)
    noisy = 10.0 + rng.normal(0, 1.0, len(t))
    out = np.array([f(np.array([x]), float(ti))[0] for x, ti in zip(noisy, t)])
    assert np.std(out[15:]) < 0.8 * np.std(noisy[15:])
    step = np.array([f(np.array([50.0]), 2.0 + float(ti))[0] for ti in t[:30]])
    assert abs(step[-1] - 50.0) < 1.0


def test_framing_advice_names_what_is_missing() -> None:
    """Before lifting, the framing check says when the legs are out of the picture or the view is frontal."""
    clip = syn.generate(syn.scenario(syn.stand(1.0)), view_yaw_deg=90.0)
    kin = Kinematics()
    frame = clip.frames[-1]
    angles = [kin.update(f) for f in clip.frames][-1]
    assert framing_advice(frame, angles) == ""
    width, height = frame.image_size
    cropped = frame.xy_px.copy()
    for lm in (L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE):
        cropped[lm, 1] = height * 1.3
    legs_out = PoseFrame(frame.t_s, cropped, frame.xyz_m, frame.visibility, frame.image_size)
    assert "knees and ankles" in framing_advice(legs_out, angles)
    front = syn.generate(syn.scenario(syn.stand(1.5)), view_yaw_deg=0.0)
    kin = Kinematics()
    front_angles = [kin.update(f) for f in front.frames][-1]
    assert "sideways" in framing_advice(front.frames[-1], front_angles)
    assert "nobody" in framing_advice(PoseFrame.empty(0.0, (width, height)), front_angles)


@pytest.mark.parametrize("swapped", (False, True))
@pytest.mark.parametrize("yaw", (180.0, 150.0))
def test_a_lifter_seen_from_behind_is_measured_right(yaw: float, swapped: bool) -> None:
    """From behind (a camera mounted behind the worker), also when the model swaps left and right as pose
    models tend to for a back view, every measure the view judges matches the truth within the tolerances."""
    clip = syn.generate(SESSION, view_yaw_deg=yaw, noise_m=0.003, seed=1, swap_sides_from_behind=swapped)
    angles = _measure(clip)
    view = angles[-1].view
    assert view in (View.FRONT, View.OBLIQUE)
    _assert_judged_measures_match(angles, clip, view)
    # The forward bend is read as forward (not as leaning back) at the bottom of the stoop.
    trunk = np.array([a.trunk_flexion_deg for a in angles])
    assert np.nanmax(trunk) > 70.0 and np.nanmin(trunk) > -15.0


@pytest.mark.parametrize("pitch", (0.0, 12.0, 20.0))
def test_a_clip_that_starts_bent_is_measured_right(pitch: float) -> None:
    """A clip cut at the bottom of a stoop (no standing frame yet to learn the vertical from) reads the bend
    right from its first frame, with a level or a tilted camera."""
    scenario = syn.scenario(syn.stand(1.0), syn.lift("stoop"), syn.stand(1.0), syn.lift("squat"), syn.stand(1.0))
    clip = syn.generate(
        scenario, view_yaw_deg=90.0, camera_pitch_deg=pitch, camera_height_m=1.0 + pitch / 20.0, start_s=2.2, seed=2
    )
    angles = _measure(clip)
    assert clip.truth.trunk_flexion_deg[0] > 60.0, "the clip must start bent"
    first = angles[0].trunk_flexion_deg
    assert abs(first - clip.truth.trunk_flexion_deg[0]) < 15.0, first
    err = _errors(angles, clip.truth.trunk_flexion_deg, "trunk_flexion_deg")
    assert np.median(err) < MEDIAN_TOL_DEG and np.percentile(err, 95) < P95_TOL_DEG


def test_a_value_no_body_can_reach_is_a_gap() -> None:
    """A glitch folding the trunk upside down is left out and counted, never reported as a reading or a speed."""
    clip = syn.generate(syn.scenario(syn.stand(1.0), syn.hold_bent(1.0, trunk_deg=40.0), syn.stand(1.0)), seed=3)
    frames = list(clip.frames)
    shoulders = [PoseLandmark.LEFT_SHOULDER, PoseLandmark.RIGHT_SHOULDER]
    for i in range(45, 52):  # a quarter of a second with the shoulders far below the hips
        f = frames[i]
        xyz = f.xyz_m.copy()
        xyz[shoulders, 1] += 1.2
        frames[i] = PoseFrame(f.t_s, f.xy_px, xyz, f.visibility, f.image_size)
    kin = Kinematics()
    angles = [kin.update(f) for f in frames]
    glitched = angles[45:52]
    assert any(math.isnan(a.trunk_flexion_deg) for a in glitched)
    assert all(a.implausible for a in glitched if math.isnan(a.trunk_flexion_deg))
    ranges = DEFAULT_CONFIG.ranges
    for a in angles:
        low, high = ranges.trunk_flexion_deg
        assert math.isnan(a.trunk_flexion_deg) or low <= a.trunk_flexion_deg <= high
        assert math.isnan(a.trunk_speed_deg_s) or abs(a.trunk_speed_deg_s) <= ranges.trunk_speed_deg_s
    # After the glitch the trunk is measured as usual again.
    assert abs(angles[-1].trunk_flexion_deg - clip.truth.trunk_flexion_deg[-1]) < 3.0
    from liftcheck.report import build_report

    report = build_report("glitch", angles, [], duration_s=angles[-1].t_s, settings={})
    assert sum(report.gaps.values()) >= 1
    assert any("could not be measured" in w for w in report.warnings)


def test_the_one_vector_helpers_give_numpys_results_to_the_last_bit() -> None:
    """The engine's single-vector shortcuts (Python floats instead of NumPy calls) give exactly what the array
    path gives, for ordinary, tiny, zero, infinite and missing (NaN) vectors and weights."""
    from liftcheck import kinematics as k

    rng = np.random.default_rng(7)
    vectors = [rng.normal(size=3) * scale for scale in (1e-12, 1e-3, 1.0, 1e3) for _ in range(40)]
    vectors += [np.zeros(3), np.array([np.nan, 1.0, 0.0]), np.array([np.inf, 0.0, 1.0]), np.array([3.0, -4.0, 0.0])]
    # Signed zeros: NumPy's sums start from +0.0, so products that are all -0.0 add up to +0.0.
    vectors += [np.array([-0.0, 0.0, -0.0]), np.array([0.0, -0.0, -4e-16]), np.array([-0.7, 0.7, 0.0])]

    def same_bits(one: object, many: object) -> None:
        np.testing.assert_array_equal(one, many)
        # -0.0 and 0.0 compare equal; a NaN's sign means nothing.
        np.testing.assert_array_equal(np.signbit(one) & ~np.isnan(one), np.signbit(many) & ~np.isnan(many))

    for a, b in zip(vectors, vectors[::-1]):
        stacked_a, stacked_b = a[None, :], b[None, :]
        same_bits(k.unit_vectors(a), k.unit_vectors(stacked_a)[0])
        same_bits(k._dot(a, b), k._dot(stacked_a, stacked_b)[0])
        same_bits(k._cross(a, b), np.cross(stacked_a, stacked_b)[0])
        same_bits(k._project_out(a, k.unit_vectors(b)), k._project_out(stacked_a, k.unit_vectors(stacked_b))[0])
        same_bits(k.angle_between_deg(a, b), k.angle_between_deg(stacked_a, stacked_b)[0])
        same_bits(k._angle3_deg(a.tolist(), b.tolist()), k.angle_between_deg(stacked_a, stacked_b)[0])
        same_bits(k._angle2_deg(a[:2].tolist(), b[1:].tolist()), k.angle_between_deg(a[None, :2], b[None, 1:])[0])
    # Whole poses: the per-frame shortcuts against the array functions on a batch of one.
    poses = [rng.normal(size=(33, 3)) * scale for scale in (1e-6, 1.0, 1e4) for _ in range(30)]
    poses += [np.zeros((33, 3)), np.where(rng.random((33, 3)) < 0.2, np.nan, rng.normal(size=(33, 3)))]
    kinematics = k.Kinematics()
    for xyz in poses:
        vis = rng.random(33)
        batch = xyz[None]
        same_bits(k._hip_flexion_one(xyz.tolist()), k.hip_flexion_deg(batch)[0])
        same_bits(k.lowering(xyz, vis), k.lowering(batch, vis[None])[0])
        for side in ("left", "right"):
            _, in_3d = kinematics._knee(xyz.tolist(), xyz[:, :2].tolist(), side)
            same_bits(in_3d, k.knee_flexion_deg(batch, side)[0])
    values = [0.0, 12.5, 170.0, np.nan, 1e-9]
    weights = [0.0, 1e-7, 0.3, 0.49, 0.5, 1.0, np.nan]
    for left in values:
        for right in values:
            for w_left in weights:
                for w_right in weights[::2]:
                    one = k.combine_sides(np.array(left), np.array(right), np.array(w_left), np.array(w_right))
                    many = k.combine_sides(
                        np.array([left]), np.array([right]), np.array([w_left]), np.array([w_right])
                    )[0]
                    np.testing.assert_array_equal(one, many)
