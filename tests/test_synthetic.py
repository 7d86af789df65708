"""Tests of the synthetic lifter: the truth it records is the geometry it draws, seen as a camera would.

The measures are checked with a reference implementation of their definitions written
here, independently of the generator, so the generator never grades its own homework.
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

from liftcheck.landmarks import N_LANDMARKS, PoseLandmark
from liftcheck.workshop import synthetic as syn
from liftcheck.workshop.synthetic import (
    generate,
    hold_bent,
    lift,
    scenario,
    seated_reach,
    sit_down,
    stand,
    stand_up,
    turn_by_stepping,
    twist,
    walk,
)

L = PoseLandmark

# ---------------------------------------------------------------------------------------
# Reference implementation of the measure definitions (the spec, written out plainly)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=-1)


def _interior_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan2(np.linalg.norm(np.cross(a, b), axis=-1), _dot(a, b)))


def _project_out(v: np.ndarray, axis: np.ndarray) -> np.ndarray:
    return v - axis * _dot(v, axis)[..., None]


def reference_measures(xyz: np.ndarray, up: np.ndarray, h0_m: float) -> dict[str, np.ndarray]:
    """The measures of (n, 33, 3) landmarks by their definitions; ``up`` (3,) is the true vertical."""
    up = np.broadcast_to(up, xyz.shape[:-2] + (3,))
    left_hip, right_hip = xyz[:, L.LEFT_HIP], xyz[:, L.RIGHT_HIP]
    left_sh, right_sh = xyz[:, L.LEFT_SHOULDER], xyz[:, L.RIGHT_SHOULDER]
    hip_mid, sh_mid = (left_hip + right_hip) / 2, (left_sh + right_sh) / 2
    lat = _unit(_project_out(right_hip - left_hip, up))
    fwd = np.cross(up, lat)
    u = _unit(sh_mid - hip_mid)
    hips_p = _project_out(right_hip - left_hip, u)
    shoulders_p = _project_out(right_sh - left_sh, u)
    out = {
        "trunk_flexion_deg": np.degrees(np.arctan2(_dot(u, fwd), _dot(u, up))),
        "side_bend_deg": np.degrees(np.arcsin(_dot(u, lat))),
        "trunk_twist_deg": np.degrees(np.arctan2(_dot(np.cross(hips_p, shoulders_p), u), _dot(hips_p, shoulders_p))),
    }
    for side, (hip, knee, ankle) in {
        "l": (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
        "r": (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
    }.items():
        out[f"knee_flexion_{side}_deg"] = 180 - _interior_deg(xyz[:, hip] - xyz[:, knee], xyz[:, ankle] - xyz[:, knee])
    out["hip_flexion_deg"] = np.mean(
        [
            180 - _interior_deg(sh_mid - xyz[:, hip], xyz[:, knee] - xyz[:, hip])
            for hip, knee in ((L.LEFT_HIP, L.LEFT_KNEE), (L.RIGHT_HIP, L.RIGHT_KNEE))
        ],
        axis=0,
    )
    ankle_mid = (xyz[:, L.LEFT_ANKLE] + xyz[:, L.RIGHT_ANKLE]) / 2
    out["lowering"] = 1 - _dot(sh_mid - ankle_mid, up) / h0_m
    return out


def standing_height_m(points: np.ndarray) -> float:
    """Shoulder mid-point height above the ankles when upright: shank + thigh + trunk, read off the bones."""
    p = points[0]
    shank = np.linalg.norm(p[L.LEFT_KNEE] - p[L.LEFT_ANKLE])
    thigh = np.linalg.norm(p[L.LEFT_HIP] - p[L.LEFT_KNEE])
    trunk = np.linalg.norm((p[L.LEFT_SHOULDER] + p[L.RIGHT_SHOULDER]) / 2 - (p[L.LEFT_HIP] + p[L.RIGHT_HIP]) / 2)
    return float(shank + thigh + trunk)


def floor_height_m(clip: syn.SyntheticClip, points: np.ndarray) -> np.ndarray:
    """Height above the floor of camera-axes points (..., 3)."""
    return _dot(points, clip.camera.up) + clip.camera.height_m


# Every kind of motion, in one timeline.
ALL_MOTIONS = scenario(
    hold_bent(1.0, 40.0, 20.0),
    twist(50.0, 1.6, 40.0, knee_deg=20.0),
    stand(1.0),
    lift("squat", twist_deg=25.0, side_bend_deg=-12.0),
    stand(0.5),
    lift("stoop", jerky=True),
    lift("semi-squat", side_bend_deg=15.0),
    twist(-40.0, 1.5),
    walk(1.5, 0.8),
    turn_by_stepping(120.0, 1.6),
    walk(1.5, 0.8),
    sit_down(),
    seated_reach(2.0, 70.0),
    stand_up(),
    stand(0.5),
)

VIEWS = {
    "front": {"view_yaw_deg": 0.0},
    "side": {"view_yaw_deg": 90.0},
    "oblique": {"view_yaw_deg": -45.0},
    "pitched": {"view_yaw_deg": 30.0, "camera_height_m": 2.2, "camera_pitch_deg": 25.0},
}

MEASURES = (
    "trunk_flexion_deg",
    "knee_flexion_l_deg",
    "knee_flexion_r_deg",
    "hip_flexion_deg",
    "trunk_twist_deg",
    "side_bend_deg",
    "lowering",
)

BONES = (
    (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    (L.LEFT_HIP, L.RIGHT_HIP),
    (L.LEFT_SHOULDER, L.LEFT_ELBOW),
    (L.LEFT_ELBOW, L.LEFT_WRIST),
    (L.RIGHT_SHOULDER, L.RIGHT_ELBOW),
    (L.RIGHT_ELBOW, L.RIGHT_WRIST),
    (L.LEFT_HIP, L.LEFT_KNEE),
    (L.LEFT_KNEE, L.LEFT_ANKLE),
    (L.RIGHT_HIP, L.RIGHT_KNEE),
    (L.RIGHT_KNEE, L.RIGHT_ANKLE),
    (L.LEFT_ANKLE, L.LEFT_HEEL),
    (L.LEFT_HEEL, L.LEFT_FOOT_INDEX),
    (L.RIGHT_ANKLE, L.RIGHT_HEEL),
    (L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX),
    (L.LEFT_WRIST, L.LEFT_INDEX),
    (L.NOSE, L.LEFT_EAR),
    (L.LEFT_EAR, L.RIGHT_EAR),
)


def _hip_mid(points: np.ndarray) -> np.ndarray:
    return (points[..., L.LEFT_HIP, :] + points[..., L.RIGHT_HIP, :]) / 2


def _in_window(clip: syn.SyntheticClip, start_s: float, end_s: float) -> np.ndarray:
    t = clip.truth.t_s
    return (t >= start_s) & (t <= end_s)


def _nearest(clip: syn.SyntheticClip, t_s: float) -> int:
    return int(np.argmin(np.abs(clip.truth.t_s - t_s)))


# ---------------------------------------------------------------------------------------
# Geometry


@pytest.mark.parametrize("view", list(VIEWS))
def test_truth_equals_the_geometry(view: str) -> None:
    """The recorded truth equals the reference measures of the frames' world landmarks, for every motion."""
    clip = generate(ALL_MOTIONS, **VIEWS[view])
    detected = np.array([f.detected for f in clip.frames])
    assert detected.mean() > 0.9
    xyz = np.stack([f.xyz_m for f in clip.frames])[detected]
    ref = reference_measures(xyz, clip.camera.up, standing_height_m(clip.points_m))
    for name in MEASURES:
        truth = getattr(clip.truth, name)[detected]
        tol = 1e-9 if name == "lowering" else 1e-6
        np.testing.assert_allclose(ref[name], truth, atol=tol, err_msg=f"{name} in the {view} view")
    for name in ("t_s", *MEASURES, "view_yaw_deg"):
        assert np.isfinite(getattr(clip.truth, name)).all()


def test_truth_covers_the_intended_postures() -> None:
    """The all-motions timeline really reaches big flexion, twist both ways and side bend both ways."""
    tr = generate(ALL_MOTIONS).truth
    assert tr.trunk_flexion_deg.max() > 80
    assert tr.trunk_twist_deg.max() > 45 and tr.trunk_twist_deg.min() < -35
    assert tr.side_bend_deg.max() > 14 and tr.side_bend_deg.min() < -11
    assert tr.knee_flexion_l_deg.max() > 100


def test_feet_stay_planted_during_lifts() -> None:
    """During every lift the ankles, heels and toes move less than 1 cm."""
    clip = generate(ALL_MOTIONS, view_yaw_deg=90.0)
    assert len(clip.lifts) == 3
    feet = [L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]
    for ev in clip.lifts:
        pts = clip.points_m[_in_window(clip, ev.start_s, ev.end_s)][:, feet]
        assert np.linalg.norm(pts - pts[0], axis=-1).max() < 0.01, ev


def test_squat_sends_the_knees_forward_and_the_hips_back() -> None:
    """At a squat's bottom the knees are ahead of the ankles and the hips behind them, as in a real squat."""
    clip = generate(scenario(lift("squat")), view_yaw_deg=90.0)  # facing image-left: forward is −x
    i = _nearest(clip, clip.lifts[0].bottom_s)
    p = clip.points_m[i]
    ankle_x = (p[L.LEFT_ANKLE, 0] + p[L.RIGHT_ANKLE, 0]) / 2
    assert (p[L.LEFT_KNEE, 0] + p[L.RIGHT_KNEE, 0]) / 2 < ankle_x - 0.1
    assert _hip_mid(p)[0] > ankle_x + 0.1


def test_bone_lengths_are_constant() -> None:
    """Every rigid segment keeps its length within 1 mm through all the motions."""
    clip = generate(ALL_MOTIONS, view_yaw_deg=30.0)
    for a, b in BONES:
        length = np.linalg.norm(clip.points_m[:, a] - clip.points_m[:, b], axis=-1)
        assert np.ptp(length) < 1e-3, (a.name, b.name, np.ptp(length))
    trunk = np.linalg.norm(
        (clip.points_m[:, L.LEFT_SHOULDER] + clip.points_m[:, L.RIGHT_SHOULDER]) / 2 - _hip_mid(clip.points_m), axis=-1
    )
    assert np.ptp(trunk) < 1e-3


def test_segment_lengths_follow_height() -> None:
    """Segment lengths are the stated fractions of the height, for a tall and a short person."""
    for height_m in (1.55, 1.95):
        clip = generate(scenario(stand(0.5)), height_m=height_m)
        p = clip.points_m[0]
        assert np.linalg.norm(p[L.LEFT_KNEE] - p[L.LEFT_ANKLE]) == pytest.approx(0.246 * height_m)
        assert np.linalg.norm(p[L.LEFT_HIP] - p[L.LEFT_KNEE]) == pytest.approx(0.245 * height_m)
        assert np.linalg.norm(p[L.LEFT_HIP] - p[L.RIGHT_HIP]) == pytest.approx(0.19 * height_m)
        assert np.linalg.norm(p[L.LEFT_SHOULDER] - p[L.RIGHT_SHOULDER]) == pytest.approx(0.26 * height_m)
        top = floor_height_m(clip, p[[L.LEFT_EYE, L.RIGHT_EYE]]).max()
        assert 0.9 * height_m < top < height_m


def test_nothing_goes_through_the_floor() -> None:
    """No landmark ever lies below the floor, and the lower foot touches it while walking and turning."""
    clip = generate(ALL_MOTIONS, view_yaw_deg=60.0)
    height = floor_height_m(clip, clip.points_m)
    assert height.min() > -1e-9
    ankles = height[:, [L.LEFT_ANKLE, L.RIGHT_ANKLE]].min(axis=1)
    np.testing.assert_allclose(ankles, clip.body.ankle_height_m, atol=1e-9)


def test_pixels_and_world_landmarks_are_the_camera_view() -> None:
    """Pixels are the pinhole projection of the camera-axes points; world landmarks are those points minus the hips."""
    for options in VIEWS.values():
        clip = generate(ALL_MOTIONS, **options)
        cam = clip.camera
        f, (w, h) = cam.focal_px, cam.image_size
        for frame, pts in zip(clip.frames, clip.points_m, strict=True):
            if not frame.detected:
                continue
            expected_px = f * pts[:, :2] / pts[:, 2:] + np.array([w / 2, h / 2])
            np.testing.assert_allclose(frame.xy_px, expected_px, atol=1e-9)
            np.testing.assert_allclose(frame.xyz_m, pts - _hip_mid(pts), atol=1e-12)
            assert frame.image_size == (w, h)


def test_camera_axes_and_pitch() -> None:
    """Up is −y for a level camera and leans toward the camera (−z) when it looks down; depth grows away."""
    level = generate(scenario(stand(0.5)))
    np.testing.assert_allclose(level.camera.up, [0.0, -1.0, 0.0], atol=1e-12)
    pitched = generate(scenario(stand(0.5)), camera_height_m=2.2, camera_pitch_deg=25.0)
    np.testing.assert_allclose(pitched.camera.up, [0.0, -np.cos(np.radians(25)), -np.sin(np.radians(25))])
    assert _hip_mid(level.points_m[0])[2] == pytest.approx(3.5, abs=0.01)
    # The default focal length is 1.1 × the image width.
    assert generate(scenario(stand(0.5)), image_size=(360, 640)).camera.focal_px == pytest.approx(396.0)


@pytest.mark.parametrize("image_size", [(640, 480), (360, 640)])
@pytest.mark.parametrize("view_yaw_deg", [0.0, 90.0, -90.0, 45.0])
def test_body_fits_in_the_frame(view_yaw_deg: float, image_size: tuple[int, int]) -> None:
    """With the default camera every landmark of the ready-made scenarios stays inside the image."""
    scenarios = [syn.demo_session(), syn.squat_set(2), syn.golf_swing()]
    if image_size[0] > image_size[1]:
        # Walking a metre each way needs a landscape frame at 3.5 m.
        scenarios.append(syn.everyday_moves())
    for scene in scenarios:
        clip = generate(scene, view_yaw_deg=view_yaw_deg, image_size=image_size)
        assert all(f.detected for f in clip.frames)
        xy = np.stack([f.xy_px for f in clip.frames])
        assert (xy >= 0).all() and (xy[..., 0] <= image_size[0]).all() and (xy[..., 1] <= image_size[1]).all()


def test_view_yaw_turns_the_person() -> None:
    """View yaw 90 faces image-left and −90 image-right (nose beyond the ears); at 0 the right side is image-left."""

    def nose_minus_ears_px(view_yaw_deg: float) -> float:
        xy = generate(scenario(stand(0.5)), view_yaw_deg=view_yaw_deg).frames[0].xy_px
        return float(xy[L.NOSE, 0] - (xy[L.LEFT_EAR, 0] + xy[L.RIGHT_EAR, 0]) / 2)

    assert nose_minus_ears_px(90.0) < -10
    assert nose_minus_ears_px(-90.0) > 10
    front = generate(scenario(stand(0.5))).frames[0]
    assert front.xy_px[L.RIGHT_HIP, 0] < front.xy_px[L.LEFT_HIP, 0]
    assert front.xyz_m[L.NOSE, 2] < front.xyz_m[L.LEFT_EAR, 2]  # the face is toward the camera


def test_sign_conventions() -> None:
    """A + twist brings the right shoulder forward; a + side bend leans toward the right hip."""
    clip = generate(scenario(twist(40.0, 2.0)))  # front view: forward is toward the camera (−z)
    i = _nearest(clip, clip.twists[0].peak_s)
    p = clip.frames[i].xyz_m
    assert p[L.RIGHT_SHOULDER, 2] < p[L.LEFT_SHOULDER, 2] - 0.1
    assert clip.truth.trunk_twist_deg[i] == pytest.approx(40.0)

    bent = generate(scenario(lift("semi-squat", side_bend_deg=15.0)))
    j = _nearest(bent, bent.lifts[0].bottom_s)
    p = bent.frames[j].xyz_m
    lean = (p[L.LEFT_SHOULDER] + p[L.RIGHT_SHOULDER]) / 2 - _hip_mid(p)
    toward_right = _unit(p[L.RIGHT_HIP] - p[L.LEFT_HIP])
    assert np.dot(lean, toward_right) > 0.1
    assert bent.truth.side_bend_deg[j] == pytest.approx(15.0)


# ---------------------------------------------------------------------------------------
# Noise, dropouts, timing


def test_noise_has_the_requested_size_and_is_reproducible() -> None:
    """Gaussian noise of noise_m and noise_px is added, the same for the same seed and different for another."""
    scene = syn.squat_set(2)
    clean = generate(scene, seed=3)
    noisy = generate(scene, noise_m=0.02, noise_px=2.0, seed=3)
    again = generate(scene, noise_m=0.02, noise_px=2.0, seed=3)
    other = generate(scene, noise_m=0.02, noise_px=2.0, seed=4)
    dm = np.stack([f.xyz_m for f in noisy.frames]) - np.stack([f.xyz_m for f in clean.frames])
    dp = np.stack([f.xy_px for f in noisy.frames]) - np.stack([f.xy_px for f in clean.frames])
    assert np.std(dm) == pytest.approx(0.02, rel=0.05) and abs(np.mean(dm)) < 0.002
    assert np.std(dp) == pytest.approx(2.0, rel=0.05)
    for a, b in zip(noisy.frames, again.frames, strict=True):
        assert np.array_equal(a.xyz_m, b.xyz_m) and np.array_equal(a.xy_px, b.xy_px)
        assert np.array_equal(a.visibility, b.visibility)
    assert not np.allclose(noisy.frames[10].xyz_m, other.frames[10].xyz_m)
    # The truth is the noise-free geometry.
    np.testing.assert_array_equal(noisy.truth.trunk_flexion_deg, clean.truth.trunk_flexion_deg)


def test_missed_frames_come_in_runs_at_the_requested_rate() -> None:
    """miss_rate replaces about that fraction of frames with empty ones, in runs, reproducibly."""
    scene = scenario(stand(120.0))
    clip = generate(scene, miss_rate=0.1, seed=7)
    missed = np.array([not f.detected for f in clip.frames])
    assert 0.06 < missed.mean() < 0.14
    runs = np.diff(np.flatnonzero(np.diff(np.concatenate([[0], missed.astype(int), [0]]))))[::2]
    assert runs.mean() > 2.0  # dropouts last several frames, like real ones
    for frame in np.array(clip.frames, dtype=object)[missed]:
        assert np.isnan(frame.xyz_m).all() and np.isnan(frame.xy_px).all() and (frame.visibility == 0).all()
    assert np.array_equal(missed, [not f.detected for f in generate(scene, miss_rate=0.1, seed=7).frames])
    assert not np.array_equal(missed, [not f.detected for f in generate(scene, miss_rate=0.1, seed=8).frames])
    # Times and truth are kept for lost frames.
    assert len(clip.frames) == len(clip.truth.t_s) == 3601
    assert all(f.detected for f in generate(scene).frames)


def test_visibility_is_high_and_lower_on_the_far_side() -> None:
    """Seen landmarks have visibility 0.9–1.0 from the front; from the side the far (right) side is lower."""
    front = np.stack([f.visibility for f in generate(syn.squat_set(1)).frames])
    assert front.min() >= 0.9 and front.max() <= 1.0
    side = np.stack([f.visibility for f in generate(syn.squat_set(1), view_yaw_deg=90.0).frames])
    left = [lm for lm in L if lm.name.startswith("LEFT_")]
    right = [lm for lm in L if lm.name.startswith("RIGHT_")]
    assert side[:, left].min() >= 0.9
    assert side[:, right].mean() < 0.8


def test_variable_frame_rate() -> None:
    """fps_jitter gives strictly increasing, uneven timestamps around the nominal rate."""
    clip = generate(syn.squat_set(2), fps_jitter=0.4, seed=1)
    dt = np.diff([f.t_s for f in clip.frames])
    assert (dt > 0).all()
    assert dt.min() >= 0.6 / 30 - 1e-12 and dt.max() <= 1.4 / 30 + 1e-12
    assert np.std(dt) > 0.1 / 30
    assert np.mean(dt) == pytest.approx(1 / 30, rel=0.05)
    np.testing.assert_array_equal(clip.truth.t_s, [f.t_s for f in clip.frames])
    steady = np.diff([f.t_s for f in generate(syn.squat_set(1), fps=25.0).frames])
    np.testing.assert_allclose(steady, 1 / 25)


# ---------------------------------------------------------------------------------------
# Lifts, twists and the things that are neither


def test_lift_bottoms_are_where_lowering_peaks() -> None:
    """Each lift's bottom_s is at the peak of lowering within the lift (a plateau during the hold)."""
    clip = generate(ALL_MOTIONS, view_yaw_deg=45.0)
    for ev in clip.lifts:
        inside = _in_window(clip, ev.start_s, ev.end_s)
        peak = clip.truth.lowering[inside].max()
        assert clip.truth.lowering[_nearest(clip, ev.bottom_s)] == pytest.approx(peak, abs=1e-6)
        assert peak > 0.2
        assert ev.start_s < ev.bottom_s < ev.end_s
        assert clip.truth.lowering[_nearest(clip, ev.start_s)] < 0.01
        assert clip.truth.lowering[_nearest(clip, ev.end_s)] < 0.01


@pytest.mark.parametrize(
    ("style", "knee_band", "trunk_band"),
    [("squat", (100, 120), (20, 35)), ("semi-squat", (50, 75), (40, 55)), ("stoop", (5, 20), (75, 95))],
)
def test_lift_styles_reach_their_bands(
    style: str, knee_band: tuple[float, float], trunk_band: tuple[float, float]
) -> None:
    """At the bottom of each style the knee and trunk flexion lie in the style's band, as recorded."""
    clip = generate(scenario(stand(1.0), lift(style), stand(1.0)), view_yaw_deg=90.0)
    (ev,) = clip.lifts
    i = _nearest(clip, ev.bottom_s)
    tr = clip.truth
    assert knee_band[0] <= tr.knee_flexion_l_deg[i] <= knee_band[1]
    assert tr.knee_flexion_r_deg[i] == pytest.approx(tr.knee_flexion_l_deg[i])
    assert trunk_band[0] <= tr.trunk_flexion_deg[i] <= trunk_band[1]
    assert ev.style == style and not ev.partial
    assert ev.bottom_knee_flexion_deg == pytest.approx(tr.knee_flexion_l_deg[i])
    assert ev.peak_trunk_flexion_deg == pytest.approx(tr.trunk_flexion_deg.max())


def test_lift_overrides_and_twist_at_the_bottom() -> None:
    """Overridden knee and trunk flexion, twist and side bend are reached at the bottom and gone when standing."""
    clip = generate(scenario(lift("squat", knee_deg=95.0, trunk_deg=40.0, twist_deg=-30.0, side_bend_deg=10.0)))
    (ev,) = clip.lifts
    i = _nearest(clip, ev.bottom_s)
    tr = clip.truth
    assert (tr.knee_flexion_l_deg[i], tr.trunk_flexion_deg[i]) == (pytest.approx(95.0), pytest.approx(40.0))
    assert (tr.trunk_twist_deg[i], tr.side_bend_deg[i]) == (pytest.approx(-30.0), pytest.approx(10.0))
    assert ev.peak_twist_deg == -30.0
    assert tr.trunk_twist_deg[-1] == pytest.approx(0.0) and tr.trunk_flexion_deg[-1] == pytest.approx(0.0)
    (tw,) = clip.twists
    assert tw.during_lift and tw.peak_deg == -30.0


def test_jerky_lift_rises_suddenly() -> None:
    """A jerky lift comes up in a fraction of the time, with a much faster, abrupt start."""
    smooth = generate(scenario(lift("stoop"), stand(1.0)), fps=60.0)
    jerky = generate(scenario(lift("stoop", jerky=True), stand(1.0)), fps=60.0)
    (s,), (j,) = smooth.lifts, jerky.lifts
    assert j.jerky and (j.end_s - j.bottom_s) < 0.5 * (s.end_s - s.bottom_s)

    def peak_rise_deg_s(clip: syn.SyntheticClip, ev: syn.LiftEvent) -> float:
        inside = _in_window(clip, ev.bottom_s, ev.end_s)
        return float(-np.diff(clip.truth.trunk_flexion_deg[inside]).min() * clip.fps)

    assert peak_rise_deg_s(jerky, j) > 2.5 * peak_rise_deg_s(smooth, s)
    # Full speed within two frames of leaving the bottom: the jerk.
    up_start = _nearest(jerky, j.bottom_s + 0.25)  # the hold is 0.5 s: bottom_s is its middle
    speeds = -np.diff(jerky.truth.trunk_flexion_deg[up_start : up_start + 4]) * 60.0
    assert speeds[1] > 0.8 * peak_rise_deg_s(jerky, j)


def test_twist_events_match_the_twist_trace() -> None:
    """A twist motion peaks at its recorded peak time and value, with the pelvis and legs still."""
    clip = generate(
        scenario(hold_bent(1.0, 35.0, 20.0), twist(60.0, 2.0, 35.0, knee_deg=20.0), stand(1.0)), view_yaw_deg=45.0
    )
    assert clip.lifts == ()
    (tw,) = clip.twists
    tr = clip.truth
    assert not tw.during_lift and tw.peak_deg == 60.0
    assert tr.t_s[np.argmax(tr.trunk_twist_deg)] == pytest.approx(tw.peak_s, abs=1 / 30)
    assert tr.trunk_twist_deg.max() == pytest.approx(60.0, abs=0.1)
    inside = _in_window(clip, tw.start_s, tw.end_s)
    assert np.ptp(tr.trunk_flexion_deg[inside]) < 1e-9 and np.ptp(tr.knee_flexion_l_deg[inside]) < 1e-9
    hips = clip.points_m[inside][:, [L.LEFT_HIP, L.RIGHT_HIP]]
    assert np.abs(hips - hips[0]).max() < 1e-9


def test_twist_from_standing_bends_and_returns() -> None:
    """A twist with bent_deg from standing bends first, twists while bent, and ends upright again."""
    clip = generate(scenario(stand(1.0), twist(45.0, 3.0, bent_deg=30.0), stand(1.0)))
    (tw,) = clip.twists
    tr = clip.truth
    assert tr.trunk_flexion_deg[_nearest(clip, tw.peak_s)] == pytest.approx(30.0)
    assert abs(tr.trunk_twist_deg[_nearest(clip, tw.start_s) - 1]) < 1e-9
    assert abs(tr.trunk_flexion_deg[-1]) < 1e-9


def test_walking_turning_and_sitting_are_not_lifts() -> None:
    """Walking, turning by stepping, sitting and a seated reach record no lift and no twist."""
    clip = generate(syn.everyday_moves())
    assert clip.lifts == () and clip.twists == ()
    for motion in (walk(2.0), turn_by_stepping(90.0), sit_down(), seated_reach(), stand_up()):
        assert (
            generate(
                scenario(stand(0.5), motion) if not isinstance(motion, syn.SeatedReach) else scenario(motion)
            ).lifts
            == ()
        )


def test_walking_alternates_the_legs_and_travels() -> None:
    """Walking: knees flex to ~60° in swing, alternately; the trunk stays upright; the body moves on."""
    clip = generate(scenario(stand(0.5), walk(3.0, 1.0), stand(0.5)), view_yaw_deg=90.0)
    tr = clip.truth
    assert 55 < tr.knee_flexion_l_deg.max() < 65 and 55 < tr.knee_flexion_r_deg.max() < 65
    assert np.argmax(tr.knee_flexion_l_deg) != np.argmax(tr.knee_flexion_r_deg)
    assert np.corrcoef(tr.knee_flexion_l_deg, tr.knee_flexion_r_deg)[0, 1] < 0.2
    assert np.abs(tr.trunk_flexion_deg).max() < 10 and np.abs(tr.trunk_twist_deg).max() < 5
    travel = _hip_mid(clip.points_m[-1]) - _hip_mid(clip.points_m[0])
    assert travel[0] < -1.5  # facing image-left, walking toward −x
    # Lowering is measured above the ankle mid-point, which rises when a foot swings: ~0.09, not a lift's ~0.3.
    assert tr.lowering.max() < 0.12


def test_turning_is_a_whole_body_rotation_without_twist() -> None:
    """Turning by stepping rotates pelvis and shoulders together (+ = to the person's left) with no twist."""
    clip = generate(scenario(stand(0.5), turn_by_stepping(90.0, 2.0), stand(0.5)))
    tr = clip.truth
    assert np.abs(tr.trunk_twist_deg).max() < 1e-9
    assert tr.view_yaw_deg[0] == pytest.approx(0.0) and tr.view_yaw_deg[-1] == pytest.approx(-90.0)
    assert tr.knee_flexion_l_deg.max() > 20 and tr.knee_flexion_r_deg.max() > 20  # it steps
    xy = clip.frames[-1].xy_px
    assert xy[L.NOSE, 0] > (xy[L.LEFT_EAR, 0] + xy[L.RIGHT_EAR, 0]) / 2  # now facing image-right
    back = generate(scenario(stand(0.5), syn.turn_to(120.0)), view_yaw_deg=90.0)
    assert back.truth.view_yaw_deg[-1] == pytest.approx(120.0)


def test_seated_posture_and_reach() -> None:
    """Seated, knees and hips are near 90°; the seated reach leans the trunk to the asked flexion and back."""
    clip = generate(scenario(stand(0.5), sit_down(2.0), seated_reach(3.0, 65.0), stand_up(2.0), stand(0.5)))
    tr = clip.truth
    seated = _nearest(clip, 2.5)
    assert tr.knee_flexion_l_deg[seated] == pytest.approx(90.0)
    assert 80 < tr.hip_flexion_deg[seated] < 115
    reach = _nearest(clip, 2.5 + 1.5)
    assert tr.trunk_flexion_deg[reach] == pytest.approx(65.0)
    assert tr.knee_flexion_l_deg[-1] == pytest.approx(0.0)
    hands = floor_height_m(clip, clip.points_m[:, [L.LEFT_INDEX, L.RIGHT_INDEX]])
    assert hands.min() > 0.0


def test_clip_can_start_at_the_bottom_of_a_lift() -> None:
    """Cutting the timeline mid-lift gives a clip starting at 0 s with the lift marked partial."""
    scene = scenario(stand(1.0), lift("squat"), stand(1.0), lift("stoop"), stand(1.0))
    full = generate(scene)
    first, second = full.lifts
    clip = generate(scene, start_s=first.bottom_s, end_s=second.bottom_s)
    assert clip.truth.t_s[0] == 0.0
    assert [ev.partial for ev in clip.lifts] == [True, True]
    assert clip.lifts[0].start_s < 0 and clip.lifts[0].bottom_s == pytest.approx(0.0)
    assert clip.truth.lowering[0] == pytest.approx(full.truth.lowering[_nearest(full, first.bottom_s)])
    assert clip.truth.t_s[-1] == pytest.approx(second.bottom_s - first.bottom_s, abs=1 / 30)
    whole = generate(scene, start_s=first.end_s + 0.1)
    assert [ev.partial for ev in whole.lifts] == [False]


def test_clip_can_start_bent_or_seated() -> None:
    """A timeline that begins with hold_bent or stand_up starts in that posture, not standing."""
    golf = generate(syn.golf_swing())
    assert golf.truth.trunk_flexion_deg[0] == pytest.approx(35.0, abs=1.0)
    assert golf.truth.knee_flexion_l_deg[0] == pytest.approx(20.0)
    seated = generate(scenario(stand_up(), stand(1.0)))
    assert seated.truth.knee_flexion_l_deg[0] == pytest.approx(90.0)


def test_demo_session() -> None:
    """The demo has three lifts of three styles and one standing twist, and prints a summary."""
    clip = syn.demo_clip()
    assert sorted(ev.style for ev in clip.lifts) == sorted(syn.LIFT_STYLES)
    assert [tw.during_lift for tw in clip.twists].count(False) == 1
    assert 0.9 < np.mean([f.detected for f in clip.frames]) < 1.0
    text = syn._summary(clip)
    assert "Lifts (3)" in text and "semi-squat" in text


def test_module_runs_as_a_script() -> None:
    """`python -m liftcheck.workshop.synthetic` prints a summary, importing none of cv2, mediapipe, streamlit."""
    code = "import runpy, sys; runpy.run_module('liftcheck.workshop.synthetic', run_name='__main__', alter_sys=True)"
    check = (
        "import sys, liftcheck.workshop.synthetic; "
        "bad = [m for m in ('cv2', 'mediapipe', 'streamlit') if m in sys.modules]; assert not bad, bad"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "Lifts (3)" in out and "Truth ranges" in out
    subprocess.run([sys.executable, "-c", check], check=True)


def test_generation_is_fast() -> None:
    """Thirty seconds at 30 fps are generated in well under a second."""
    scene = syn.squat_set(3) + scenario(stand(30.0 - syn.squat_set(3).duration_s))
    started = time.perf_counter()
    clip = generate(scene, noise_m=0.01, noise_px=1.0, miss_rate=0.05)
    elapsed = time.perf_counter() - started
    assert len(clip.frames) == 901
    assert elapsed < 0.5, elapsed


def test_bad_inputs_are_refused_with_the_value() -> None:
    """Bad styles, durations, rates and impossible sequences raise ValueError naming the bad value."""
    with pytest.raises(ValueError, match="deadlift"):
        lift("deadlift")
    with pytest.raises(ValueError, match="-1"):
        stand(-1.0)
    with pytest.raises(ValueError, match="miss_rate"):
        generate(scenario(stand(1.0)), miss_rate=1.0)
    with pytest.raises(ValueError, match="seated_reach"):
        generate(scenario(stand(1.0), seated_reach()))
    with pytest.raises(ValueError, match="walk"):
        generate(scenario(sit_down(), walk()))
    with pytest.raises(ValueError, match="end_s"):
        generate(scenario(stand(1.0)), end_s=5.0)
    with pytest.raises(ValueError, match="at least one"):
        syn.Scenario(())


def test_records_are_frozen_and_checked() -> None:
    """The clip, its truth and its events are frozen, and the truth refuses ragged or NaN arrays."""
    clip = generate(scenario(lift("squat")))
    with pytest.raises(AttributeError):
        clip.lifts[0].style = "stoop"  # type: ignore[misc]
    n = len(clip.frames)
    good = {name: np.zeros(n) for name in ("t_s", *MEASURES, "view_yaw_deg")}
    with pytest.raises(ValueError, match="lowering"):
        syn.SyntheticTruth(**{**good, "lowering": np.full(n, np.nan)})
    with pytest.raises(ValueError, match="knee_flexion_l_deg"):
        syn.SyntheticTruth(**{**good, "knee_flexion_l_deg": np.zeros(n + 1)})
    assert clip.points_m.shape == (n, N_LANDMARKS, 3)
