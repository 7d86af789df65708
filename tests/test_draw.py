"""Tests for draw.py: skeleton where the landmarks are, HUD colours, thumbnails, PNG/JPEG bytes."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from liftcheck.draw import draw_overlay, encode_jpeg, encode_png, thumbnail
from liftcheck.kinematics import Angles, View
from liftcheck.landmarks import N_LANDMARKS, PoseFrame, PoseLandmark
from liftcheck.presentation import SEVERITY_RGB, VERDICT_RGB, Hud, severity_rgb
from liftcheck.rules import Severity, Verdict

L = PoseLandmark
GREY = 128

# A person standing, facing the camera: (x, y) as fractions of a box the figure fills.
# The person's left is on image right.
_STANDING = {
    L.NOSE: (0.50, 0.06),
    L.LEFT_EYE_INNER: (0.52, 0.05),
    L.LEFT_EYE: (0.53, 0.05),
    L.LEFT_EYE_OUTER: (0.54, 0.05),
    L.RIGHT_EYE_INNER: (0.48, 0.05),
    L.RIGHT_EYE: (0.47, 0.05),
    L.RIGHT_EYE_OUTER: (0.46, 0.05),
    L.LEFT_EAR: (0.56, 0.06),
    L.RIGHT_EAR: (0.44, 0.06),
    L.MOUTH_LEFT: (0.52, 0.09),
    L.MOUTH_RIGHT: (0.48, 0.09),
    L.LEFT_SHOULDER: (0.65, 0.20),
    L.RIGHT_SHOULDER: (0.35, 0.20),
    L.LEFT_ELBOW: (0.70, 0.36),
    L.RIGHT_ELBOW: (0.30, 0.36),
    L.LEFT_WRIST: (0.72, 0.50),
    L.RIGHT_WRIST: (0.28, 0.50),
    L.LEFT_PINKY: (0.73, 0.53),
    L.RIGHT_PINKY: (0.27, 0.53),
    L.LEFT_INDEX: (0.72, 0.54),
    L.RIGHT_INDEX: (0.28, 0.54),
    L.LEFT_THUMB: (0.71, 0.53),
    L.RIGHT_THUMB: (0.29, 0.53),
    L.LEFT_HIP: (0.59, 0.52),
    L.RIGHT_HIP: (0.41, 0.52),
    L.LEFT_KNEE: (0.60, 0.74),
    L.RIGHT_KNEE: (0.40, 0.74),
    L.LEFT_ANKLE: (0.60, 0.95),
    L.RIGHT_ANKLE: (0.40, 0.95),
    L.LEFT_HEEL: (0.59, 0.97),
    L.RIGHT_HEEL: (0.41, 0.97),
    L.LEFT_FOOT_INDEX: (0.63, 0.99),
    L.RIGHT_FOOT_INDEX: (0.37, 0.99),
}


def standing_pose(width: int = 640, height: int = 480, *, visibility: float = 0.95) -> PoseFrame:
    """A standing figure in the middle 60% of the frame's height, 30% of its width."""
    box_h = 0.6 * height
    box_w = min(0.3 * width, 0.6 * box_h)
    x0, y0 = (width - box_w) / 2, 0.2 * height
    xy = np.array([[x0 + fx * box_w, y0 + fy * box_h] for _, (fx, fy) in sorted(_STANDING.items())])
    xyz = (xy - xy.mean(axis=0)) / box_h * 1.7
    xyz = np.column_stack([xyz, np.zeros(N_LANDMARKS)])
    return PoseFrame(0.0, xy, xyz, np.full(N_LANDMARKS, visibility), (width, height))


def some_angles(**changes: float) -> Angles:
    values = dict(
        t_s=0.0,
        trunk_flexion_deg=42.0,
        knee_flexion_left_deg=35.0,
        knee_flexion_right_deg=38.0,
        knee_flexion_deg=36.0,
        hip_flexion_deg=60.0,
        trunk_twist_deg=-12.0,
        side_bend_deg=3.0,
        lowering=0.3,
        view=View.OBLIQUE,
        view_yaw_deg=45.0,
        seen=True,
    )
    values.update(changes)
    return Angles(**values)  # type: ignore[arg-type]


def some_hud(**changes: object) -> Hud:
    values: dict[str, object] = dict(
        lift_count=3,
        phase="going down",
        cue="Bend your knees",
        cue_severity="caution",
        last_verdict="caution",
        last_lift_index=3,
        last_lift_style="semi-squat",
        message="Step back: knees and ankles are out of frame",
    )
    values.update(changes)
    return Hud(**values)  # type: ignore[arg-type]


def grey(height: int = 480, width: int = 640) -> np.ndarray:
    return np.full((height, width, 3), GREY, np.uint8)


def _changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a != b).any(axis=2)


def test_returns_new_array_of_same_shape_and_leaves_input_untouched() -> None:
    """Without in_place the result is a new array of the input's shape and dtype and the input is unchanged."""
    frame = grey()
    before = frame.copy()
    out = draw_overlay(frame, standing_pose(), some_angles(), some_hud())
    assert out.shape == frame.shape and out.dtype == np.uint8
    assert out is not frame
    assert np.array_equal(frame, before)
    assert _changed(out, before).any()


def test_in_place_draws_into_the_given_array() -> None:
    """With in_place the given array itself is drawn on and returned, also when it is a strided view."""
    frame = grey()
    out = draw_overlay(frame, standing_pose(), some_angles(), some_hud(), in_place=True)
    assert out is frame
    assert _changed(frame, grey()).any()

    big = np.full((480, 1280, 3), GREY, np.uint8)
    view = big[:, ::2]  # not C-contiguous
    out = draw_overlay(view, standing_pose(), None, None, in_place=True)
    assert out is view
    assert _changed(big, np.full_like(big, GREY)).any()


def test_skeleton_drawn_along_bones_and_not_in_far_corners() -> None:
    """Pixels along each leg bone change colour while the frame corners, away from figure and panels, do not."""
    frame = grey()
    pose = standing_pose()
    out = draw_overlay(frame, pose, None, None)
    changed = _changed(out, frame)
    for a, b in ((L.LEFT_HIP, L.LEFT_KNEE), (L.RIGHT_KNEE, L.RIGHT_ANKLE), (L.LEFT_SHOULDER, L.RIGHT_SHOULDER)):
        mid = (pose.xy_px[a] + pose.xy_px[b]) / 2
        x, y = round(mid[0]), round(mid[1])
        assert changed[y, x], f"bone {a.name}-{b.name} not drawn at its mid-point ({x}, {y})"
    for y, x in ((5, 5), (5, 634), (474, 5), (474, 634)):
        assert not changed[y, x]
    # Without a HUD or angles, nothing is drawn outside the figure's bounding box (plus a margin).
    x0, y0 = np.nanmin(pose.xy_px, axis=0) - 15
    x1, y1 = np.nanmax(pose.xy_px, axis=0) + 15
    outside = changed.copy()
    outside[int(y0) : int(y1), int(x0) : int(x1)] = False
    assert not outside.any()


def test_skeleton_follows_pose_image_size_when_the_frame_is_larger() -> None:
    """Landmarks measured on a shrunk frame are scaled to the frame drawn on."""
    pose = standing_pose(320, 240)
    frame = grey(480, 640)
    changed = _changed(draw_overlay(frame, pose, None, None), frame)
    mid = (pose.xy_px[L.LEFT_HIP] + pose.xy_px[L.LEFT_KNEE]) / 2 * 2
    assert changed[round(mid[1]), round(mid[0])]


def test_hud_leaves_the_side_of_the_frame_alone() -> None:
    """With the full HUD drawn, a point at mid-height on the right edge, away from figure and panels, is unchanged."""
    frame = grey()
    out = draw_overlay(frame, standing_pose(), some_angles(), some_hud())
    assert not _changed(out, frame)[240, 630]


@pytest.mark.parametrize(
    "pose",
    [
        None,
        PoseFrame.empty(0.0, (640, 480)),
        PoseFrame(0.0, np.full((33, 2), np.nan), np.full((33, 3), np.nan), np.ones(33), (640, 480)),
    ],
    ids=["none", "empty", "nan-visible"],
)
def test_missing_pose_draws_no_skeleton(pose: PoseFrame | None) -> None:
    """A None, empty or all-NaN pose (with NaN angles) draws nothing at all when there is no HUD or panel."""
    frame = grey()
    out = draw_overlay(frame, pose, None, None)
    assert np.array_equal(out, frame)
    # With unseen angles and a HUD the panels still appear, and nothing crashes.
    out = draw_overlay(frame, pose, Angles.unseen(0.0), some_hud())
    assert out.shape == frame.shape


def test_partly_nan_or_hidden_landmarks_skip_their_bones() -> None:
    """A NaN knee skips the bones through it, and a barely visible one is not drawn."""
    frame = grey()
    pose = standing_pose()
    xy = pose.xy_px.copy()
    xy[L.LEFT_KNEE] = np.nan
    vis = pose.visibility.copy()
    vis[L.RIGHT_KNEE] = 0.0
    holed = PoseFrame(0.0, xy, pose.xyz_m, vis, pose.image_size)
    changed = _changed(draw_overlay(frame, holed, some_angles(), None), frame)
    for a, b in ((L.LEFT_HIP, L.LEFT_KNEE), (L.RIGHT_HIP, L.RIGHT_KNEE)):
        # A quarter of the way from the hip: clear of the knee label and the hip joint.
        p = pose.xy_px[a] * 0.6 + pose.xy_px[b] * 0.4
        assert not changed[round(p[1]), round(p[0])]
    mid = (pose.xy_px[L.LEFT_SHOULDER] + pose.xy_px[L.LEFT_HIP]) / 2
    assert changed[round(mid[1]), round(mid[0])]


def test_nan_angles_and_wild_coordinates_do_not_crash() -> None:
    """NaN angles, landmarks far outside the frame and infinite values are drawn without error."""
    pose = standing_pose()
    xy = pose.xy_px.copy()
    xy[L.LEFT_WRIST] = (1e12, -1e12)
    xy[L.RIGHT_WRIST] = (np.inf, 0.0)
    wild = PoseFrame(0.0, xy, pose.xyz_m, pose.visibility, pose.image_size)
    nan = math.nan
    angles = some_angles(trunk_flexion_deg=nan, knee_flexion_left_deg=nan, knee_flexion_deg=nan, trunk_twist_deg=nan)
    out = draw_overlay(grey(), wild, angles, some_hud())
    assert out.shape == (480, 640, 3)


@pytest.mark.parametrize("shape", [(32, 32), (1, 1), (17, 333), (333, 17), (641, 359)])
def test_tiny_and_odd_frames(shape: tuple[int, int]) -> None:
    """Tiny and odd-sized frames get the whole overlay without error and keep their shape."""
    h, w = shape
    frame = np.full((h, w, 3), GREY, np.uint8)
    out = draw_overlay(frame, standing_pose(w, h), some_angles(), some_hud())
    assert out.shape == frame.shape and out.dtype == np.uint8


def test_bad_frame_is_refused_with_a_clear_message() -> None:
    """A frame that is not (H, W, 3) uint8 raises ValueError naming what was expected."""
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        draw_overlay(np.zeros((10, 10), np.uint8), None, None, None)
    with pytest.raises(ValueError, match="uint8"):
        draw_overlay(np.zeros((10, 10, 3), np.float32), None, None, None)


@pytest.mark.parametrize("size", [(480, 640), (640, 360), (720, 1280)])
def test_cue_colour_follows_severity(size: tuple[int, int]) -> None:
    """The cue text is reddish when the severity is "poor" and greenish when it is "ok"."""
    frame = grey(*size)
    hud_ok = some_hud(phase="standing", cue_severity="ok", last_verdict=None, message="")
    hud_poor = some_hud(phase="standing", cue_severity="poor", last_verdict=None, message="")
    ok = draw_overlay(frame, None, None, hud_ok).astype(int)
    poor = draw_overlay(frame, None, None, hud_poor).astype(int)
    text = _changed(ok, poor)
    assert text.sum() > 50
    assert text[: size[0] // 2].sum() == 0  # the cue sits in the bottom half
    r, g, _ = poor[text].mean(axis=0)
    assert r > g + 40
    r, g, _ = ok[text].mean(axis=0)
    assert g > r + 40


def test_during_a_lift_the_banner_names_it_not_the_last_lifts_verdict() -> None:
    """Going down or coming up, the bottom says "Lift 4 – going down…" in white, whatever the last lift got;
    standing again, the last lift's verdict and cue come back in their colours."""
    frame = grey(480, 640)
    hud = some_hud(message="")
    assert hud.current == "Lift 4 – going down…" and some_hud(phase="coming up").current == "Lift 4 – coming up…"
    assert some_hud(phase="standing").current == ""
    poor_before = draw_overlay(frame, None, None, some_hud(message="", last_verdict="poor", cue_severity="poor"))
    good_before = draw_overlay(frame, None, None, some_hud(message="", last_verdict="good", cue_severity="ok"))
    bottom = slice(240, 480)
    assert np.array_equal(poor_before[bottom], good_before[bottom])  # the previous verdict does not show
    text = _changed(frame[bottom].astype(int), poor_before[bottom].astype(int)) & (
        poor_before[bottom].min(axis=2) > 200
    )
    assert text.sum() > 100  # white letters
    standing = draw_overlay(frame, None, None, some_hud(phase="standing", message="", last_verdict="poor",
                                                        cue_severity="poor")).astype(int)  # fmt: skip
    r, g, _ = standing[bottom][_changed(frame[bottom], standing[bottom]) & (standing[bottom][..., 0] > 150)].mean(
        axis=0
    )
    assert r > g + 40  # the poor cue, red, once the lift is over


def test_hud_accepts_enum_members_and_refuses_unknown_levels() -> None:
    """Severity and Verdict members are stored as their strings; an unknown severity raises ValueError."""
    hud = some_hud(cue_severity=Severity.POOR, last_verdict=Verdict.GOOD)
    assert hud.cue_severity == "poor" and hud.last_verdict == "good"
    assert hud.banner == "Lift 3: semi-squat — good"
    assert severity_rgb(Severity.CAUTION) == SEVERITY_RGB["caution"] == VERDICT_RGB["caution"]
    with pytest.raises(ValueError, match="cue_severity"):
        some_hud(cue_severity="bad")
    with pytest.raises(ValueError, match="last_verdict"):
        some_hud(last_verdict="okay")


@pytest.mark.parametrize(("h", "w"), [(480, 640), (640, 360), (100, 100), (1080, 1920)])
def test_thumbnail_long_side_and_aspect(h: int, w: int) -> None:
    """The thumbnail's long side is max_side_px and its aspect ratio is kept to within a pixel."""
    frame = grey(h, w)
    out = thumbnail(frame, standing_pose(w, h), some_angles(), max_side_px=320, label="Lift 2: stoop — poor")
    assert max(out.shape[:2]) == 320 and out.dtype == np.uint8
    assert abs(out.shape[1] - w * 320 / max(h, w)) <= 1 and abs(out.shape[0] - h * 320 / max(h, w)) <= 1
    assert _changed(out, grey(*out.shape[:2])).any()


def test_png_round_trip_keeps_size_and_rgb_order() -> None:
    """A pure red frame is still pure red, and the same size, after a PNG round trip."""
    red = np.zeros((30, 50, 3), np.uint8)
    red[..., 0] = 255
    data = encode_png(red)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    back = cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    assert np.array_equal(back, red)


def test_jpeg_round_trip_keeps_size_and_rgb_order() -> None:
    """A JPEG of a red-left, blue-right frame decodes to the same size with red still left and blue right."""
    frame = np.zeros((40, 60, 3), np.uint8)
    frame[:, :30, 0] = 255
    frame[:, 30:, 2] = 255
    data = encode_jpeg(frame, quality=90)
    assert data[:2] == b"\xff\xd8"
    back = cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    assert back.shape == frame.shape
    assert back[20, 10, 0] > 200 and back[20, 10, 2] < 60
    assert back[20, 50, 2] > 200 and back[20, 50, 0] < 60
    with pytest.raises(ValueError, match="quality"):
        encode_jpeg(frame, quality=0)


def test_live_sized_frames_draw_repeatedly() -> None:
    """Drawing the full overlay on many 640x480 frames works (a smoke run for the live path, no timing assert)."""
    frame = grey()
    pose, angles, hud = standing_pose(), some_angles(), some_hud()
    for _ in range(50):
        out = draw_overlay(frame, pose, angles, hud, in_place=False)
    assert out.shape == frame.shape


def test_degree_sign_is_drawn_without_a_unicode_font(monkeypatch: pytest.MonkeyPatch) -> None:
    """With OpenCV 4's ASCII-only Hershey fonts the "°" and "—" are replaced by a drawn circle and a dash."""
    import liftcheck.draw as draw

    monkeypatch.setattr(draw, "_UNICODE_FONT", False)
    assert draw._clean("Lift 3: stoop — poor, 42°") == "Lift 3: stoop - poor, 42°"
    with_sign = draw_overlay(grey(), standing_pose(), some_angles(), some_hud())
    frame = grey(60, 120)
    plain, degree = frame.copy(), frame.copy()
    draw._put_text(plain, "42", 10, 40, 1.0, (255, 255, 255), 2)
    draw._put_text(degree, "42°", 10, 40, 1.0, (255, 255, 255), 2)
    assert _changed(plain, degree).any()
    assert draw._text_width("42°", 1.0, 2) > draw._text_width("42", 1.0, 2)
    assert with_sign.shape == (480, 640, 3)


def test_rgb_hex_for_the_app() -> None:
    """Palette colours convert to CSS hex strings."""
    from liftcheck.presentation import rgb_hex

    assert rgb_hex((255, 0, 16)) == "#ff0010"
    assert all(rgb_hex(c).startswith("#") and len(rgb_hex(c)) == 7 for c in SEVERITY_RGB.values())
