"""Everything drawn on frames: the skeleton, angle labels, the HUD, thumbnails, PNG/JPEG bytes.

Frames are RGB ``uint8`` arrays of shape (H, W, 3) (never BGR: OpenCV only sees BGR at
``encode_png``/``encode_jpeg``), and every colour here is an RGB triple. One of two
modules allowed to touch frames (with ``video.py``); colours and the HUD data come from ``presentation``.

Used three ways: the annotated video of an analysed file (one frame at a time), the
live webcam view (so everything here is a handful of OpenCV calls: a few ms per
640×480 frame), and a thumbnail of each lift's worst moment for the report and app.

Sizes (line thickness, font scale, margins) follow the frame's short side, so an
overlay reads the same on a 360×640 phone clip and on a 1280×720 webcam. OpenCV 5's
fonts draw "°" and "—" themselves; with OpenCV 4's ASCII-only Hershey fonts the degree
sign is drawn as a small circle and other non-ASCII characters become their nearest
ASCII (a dash for "—"), so angles read "42°" with either.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from liftcheck.config import DEFAULT_CONFIG, RuleConfig
from liftcheck.kinematics import Angles, Measure
from liftcheck.landmarks import SKELETON, PoseFrame, PoseLandmark
from liftcheck.presentation import RGB, SEVERITY_RGB, VERDICT_RGB, Hud

L = PoseLandmark

# ---------------------------------------------------------------- colours of the drawing itself (RGB)

WHITE: RGB = (245, 245, 245)
MUTED: RGB = (150, 150, 150)  # a value not seen, or one the camera view cannot judge
MUTED_LABEL: RGB = (190, 190, 190)  # the names in the angle panel
OUTLINE: RGB = (20, 20, 20)
LEFT_RGB: RGB = (70, 190, 255)  # the person's left side: sky blue
RIGHT_RGB: RGB = (255, 110, 200)  # the person's right side: pink
CENTRE_RGB: RGB = (235, 235, 235)  # shoulder line, hip line

# Below this visibility the model is guessing (e.g. the far leg seen from the side): the
# landmark is drawn dim and thin, and gets no angle label. Below the second it is not drawn.
DIM_VISIBILITY = 0.3
MIN_VISIBILITY = 0.05
# How dark a semi-transparent panel makes what lies under it (0 = black, 1 = unchanged).
_PANEL_KEEP = 0.35

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_DEG = "°"
_ASCII_FOR = {"—": "-", "–": "-", "−": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...", "×": "x"}


# ---------------------------------------------------------------- sizes


@dataclass(frozen=True)
class _Sizes:
    """Pixel sizes for one frame size, all proportional to the short side (480 px = 1)."""

    unit: float
    bone: int
    joint: int
    small_scale: float
    small_thick: int
    big_scale: float
    big_thick: int
    pad: int
    margin: int

    @classmethod
    def for_frame(cls, width: int, height: int, *, min_unit: float = 0.0) -> _Sizes:
        unit = max(min_unit, min(width, height) / 480.0)
        return cls(
            unit=unit,
            bone=max(1, round(3 * unit)),
            joint=max(1, round(4 * unit)),
            small_scale=max(0.3, 0.6 * unit),
            small_thick=max(1, round(1.4 * unit)),
            big_scale=max(0.4, 1.05 * unit),
            big_thick=max(1, round(2.4 * unit)),
            pad=max(1, round(7 * unit)),
            margin=max(1, round(8 * unit)),
        )


# ---------------------------------------------------------------- text (with a drawn degree sign)


def _font_has_unicode() -> bool:
    """True when putText draws "°" itself (OpenCV 5's fonts); 4.x's Hershey fonts draw "?" instead."""
    images = []
    for text in (_DEG, "?", "??"):
        img = np.zeros((40, 60), np.uint8)
        cv2.putText(img, text, (5, 30), _FONT, 1.0, 255, 2)
        images.append(img)
    return bool(images[0].any()) and not any(np.array_equal(images[0], other) for other in images[1:])


_UNICODE_FONT = _font_has_unicode()


def _clean(text: str) -> str:
    """Text the font can draw: as is with a Unicode font, else ASCII but for "°" (drawn as a circle)."""
    if _UNICODE_FONT or text.isascii():
        return text
    return "".join(ch if ch == _DEG or 32 <= ord(ch) < 127 else _ASCII_FOR.get(ch, "?") for ch in text)


def _cap_height(scale: float, thick: int) -> int:
    """The height of a capital's ink above the baseline (getTextSize's height includes the stroke and more)."""
    return max(1, round(cv2.getTextSize("A", _FONT, scale, thick)[0][1] * 0.78))


def _deg_radius(scale: float, thick: int) -> int:
    return max(1, round(_cap_height(scale, thick) * 0.17))


def _deg_advance(scale: float, thick: int) -> int:
    return 2 * _deg_radius(scale, thick) + 2 * thick + 1


def _drawn_degrees(text: str) -> bool:
    return not _UNICODE_FONT and _DEG in text


def _text_width(text: str, scale: float, thick: int) -> int:
    text = _clean(text)
    if not _drawn_degrees(text):
        return cv2.getTextSize(text, _FONT, scale, thick)[0][0]
    parts = text.split(_DEG)
    width = sum(cv2.getTextSize(part, _FONT, scale, thick)[0][0] for part in parts if part)
    return width + (len(parts) - 1) * _deg_advance(scale, thick)


def _put_text(
    img: np.ndarray,
    text: str,
    x: int,
    baseline_y: int,
    scale: float,
    colour: RGB,
    thick: int,
    *,
    outline: bool = False,
) -> None:
    """Draw ``text`` with its baseline at ``baseline_y``; ``outline`` adds a dark edge for text on the picture."""
    text = _clean(text)
    passes = ((OUTLINE, thick + max(2, thick)), (colour, thick)) if outline else ((colour, thick),)
    if not _drawn_degrees(text):
        for col, t in passes:
            cv2.putText(img, text, (x, baseline_y), _FONT, scale, col, t, cv2.LINE_AA)
        return
    cap = _cap_height(scale, thick)
    r = _deg_radius(scale, thick)
    parts = text.split(_DEG)
    for col, t in passes:
        cx = x
        for i, part in enumerate(parts):
            if part:
                cv2.putText(img, part, (cx, baseline_y), _FONT, scale, col, t, cv2.LINE_AA)
                cx += cv2.getTextSize(part, _FONT, scale, thick)[0][0]
            if i < len(parts) - 1:
                centre = (cx + thick + r, baseline_y - cap + r)
                cv2.circle(img, centre, r, col, max(1, t - thick // 2), cv2.LINE_AA)
                cx += _deg_advance(scale, thick)


def _fit(text: str, max_width: int, scale: float, thick: int, min_scale: float) -> tuple[list[str], float]:
    """Lines and font scale so ``text`` fits ``max_width``: shrink first, then wrap at words."""
    text = _clean(text)
    s = scale
    while s > min_scale and _text_width(text, s, thick) > max_width:
        s = max(min_scale, s * 0.9)
    if _text_width(text, s, thick) <= max_width:
        return [text], s
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and _text_width(trial, s, thick) > max_width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines, s


def _darken(img: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> None:
    """Make a rectangle a semi-transparent dark panel; parts outside the frame are ignored."""
    h, w = img.shape[:2]
    x0, x1 = max(0, x0), min(w, x1)
    y0, y1 = max(0, y0), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return
    roi = img[y0:y1, x0:x1]
    roi[:] = cv2.convertScaleAbs(roi, alpha=_PANEL_KEEP)


# ---------------------------------------------------------------- skeleton and angle labels


def _bone_colour(a: PoseLandmark, b: PoseLandmark) -> RGB:
    if a.name.startswith("LEFT_") and b.name.startswith("LEFT_"):
        return LEFT_RGB
    if a.name.startswith("RIGHT_") and b.name.startswith("RIGHT_"):
        return RIGHT_RGB
    return CENTRE_RGB


_BONES: tuple[tuple[int, int, RGB], ...] = tuple((int(a), int(b), _bone_colour(a, b)) for a, b in SKELETON)
_JOINTS: tuple[int, ...] = tuple(sorted({int(i) for bone in SKELETON for i in bone}))


def _dim(colour: RGB) -> RGB:
    r, g, b = colour
    return (int(r * 0.55 + 40), int(g * 0.55 + 40), int(b * 0.55 + 40))


def _points_px(pose: PoseFrame, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xy (33, 2) float in this frame's pixels, drawable (33,) bool, clear (33,) bool).

    ``pose.xy_px`` is in the pixels of the frame the model saw (``pose.image_size``),
    which may have been shrunk before inference; it is scaled to the frame drawn on.
    """
    pw, ph = pose.image_size
    xy = pose.xy_px.astype(float) * np.array([width / pw, height / ph])
    vis = np.nan_to_num(pose.visibility.astype(float), nan=0.0)
    # Far outside the frame is a wild guess, and would overflow OpenCV's int coordinates.
    limit = 10.0 * max(width, height)
    with np.errstate(invalid="ignore"):
        drawable = np.isfinite(xy).all(axis=1) & (np.abs(xy) < limit).all(axis=1) & (vis >= MIN_VISIBILITY)
    clear = drawable & (vis >= DIM_VISIBILITY)
    return xy, drawable, clear


def _pt(xy: np.ndarray) -> tuple[int, int]:
    return (round(float(xy[0])), round(float(xy[1])))


def _band_colour(value: float, warn: float, severe: float) -> RGB:
    if not math.isfinite(value):
        return MUTED
    v = abs(value)
    if v > severe:
        return SEVERITY_RGB["poor"]
    if v > warn:
        return SEVERITY_RGB["caution"]
    return WHITE


def _deg_text(value: float, *, absolute: bool = False) -> str:
    if not math.isfinite(value):
        return "-"
    return f"{round(abs(value) if absolute else value):d}{_DEG}"


def _draw_skeleton(img: np.ndarray, pose: PoseFrame, angles: Angles | None, sizes: _Sizes, rules: RuleConfig) -> None:
    h, w = img.shape[:2]
    xy, drawable, clear = _points_px(pose, w, h)
    if not drawable.any():
        return
    thin = max(1, sizes.bone // 2)
    under = sizes.bone + max(2, sizes.bone // 2 * 2)
    # Dim bones first, so the clear ones are drawn over them.
    for want_clear in (False, True):
        for a, b, colour in _BONES:
            if not (drawable[a] and drawable[b]) or (clear[a] and clear[b]) != want_clear:
                continue
            p, q = _pt(xy[a]), _pt(xy[b])
            if want_clear:
                cv2.line(img, p, q, OUTLINE, under, cv2.LINE_AA)
                cv2.line(img, p, q, colour, sizes.bone, cv2.LINE_AA)
            else:
                cv2.line(img, p, q, _dim(colour), thin, cv2.LINE_AA)

    # The trunk axis (hip mid-point to shoulder mid-point), coloured by the trunk flexion band.
    trunk_ids = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)
    hip_mid = shoulder_mid = None
    if all(drawable[i] for i in trunk_ids):
        hip_mid = (xy[L.LEFT_HIP] + xy[L.RIGHT_HIP]) / 2.0
        shoulder_mid = (xy[L.LEFT_SHOULDER] + xy[L.RIGHT_SHOULDER]) / 2.0
        trunk = angles.trunk_flexion_deg if angles is not None else math.nan
        colour = _band_colour(trunk, rules.trunk_moderate_deg, rules.trunk_severe_deg)
        colour = CENTRE_RGB if colour in (WHITE, MUTED) else colour
        cv2.line(img, _pt(hip_mid), _pt(shoulder_mid), OUTLINE, under, cv2.LINE_AA)
        cv2.line(img, _pt(hip_mid), _pt(shoulder_mid), colour, sizes.bone, cv2.LINE_AA)

    for i in _JOINTS:
        if not drawable[i]:
            continue
        if clear[i]:
            cv2.circle(img, _pt(xy[i]), sizes.joint + 1, OUTLINE, -1, cv2.LINE_AA)
            cv2.circle(img, _pt(xy[i]), sizes.joint, WHITE, -1, cv2.LINE_AA)
        else:
            cv2.circle(img, _pt(xy[i]), max(1, sizes.joint - 1), _dim(WHITE), 1, cv2.LINE_AA)

    if angles is None:
        return
    scale, thick = sizes.small_scale, sizes.small_thick
    gap = sizes.joint + sizes.pad
    cap = _cap_height(scale, thick)
    chip_pad = max(1, sizes.pad // 2)

    def label(text: str, anchor_x: float, anchor_y: float, to_right: bool, colour: RGB) -> None:
        # On a small dark chip, so it reads over bones, clothes and background alike.
        width = _text_width(text, scale, thick)
        x = round(anchor_x) + gap if to_right else round(anchor_x) - gap - width
        base = round(anchor_y) + cap // 2
        _darken(img, x - chip_pad, base - cap - chip_pad, x + width + chip_pad, base + chip_pad + 1)
        _put_text(img, text, x, base, scale, colour, thick)

    if hip_mid is not None and shoulder_mid is not None and math.isfinite(angles.trunk_flexion_deg):
        # Beside the outer hip, on the side away from the lean, so it sits on neither trunk nor hips.
        to_right = bool(shoulder_mid[0] <= hip_mid[0])
        hips_x = (xy[L.LEFT_HIP][0], xy[L.RIGHT_HIP][0])
        colour = _band_colour(angles.trunk_flexion_deg, rules.trunk_moderate_deg, rules.trunk_severe_deg)
        x = max(hips_x) if to_right else min(hips_x)
        label(_deg_text(angles.trunk_flexion_deg), x, hip_mid[1], to_right, colour)

    knees = ((L.LEFT_KNEE, angles.knee_flexion_left_deg), (L.RIGHT_KNEE, angles.knee_flexion_right_deg))
    lk, rk = L.LEFT_KNEE, L.RIGHT_KNEE
    for knee, value in knees:
        if not (clear[knee] and math.isfinite(value)):
            continue
        other = rk if knee == lk else lk
        # Each knee's label goes on the side away from the other knee: seen from the side
        # the knees overlap, and the two labels would otherwise too.
        to_right = bool(xy[knee][0] >= xy[other][0]) if drawable[other] else True
        if knee == rk and drawable[other] and xy[knee][0] == xy[other][0]:
            to_right = False
        label(_deg_text(value), xy[knee][0], xy[knee][1], to_right, WHITE)


# ---------------------------------------------------------------- panels


def _angle_panel(img: np.ndarray, angles: Angles, sizes: _Sizes, rules: RuleConfig) -> int:
    """The angle panel in the top-left corner: names in one column, values in the next; returns its bottom."""
    seen = angles.seen
    reliable = angles.reliable

    def value_colour(measure: Measure, value: float, warn: float, severe: float) -> RGB:
        if not (seen and math.isfinite(value)) or measure not in reliable:
            return MUTED  # grey: not seen, or this camera view cannot judge it
        return _band_colour(value, warn, severe)

    trunk, knee, twist = angles.trunk_flexion_deg, angles.knee_flexion_deg, angles.trunk_twist_deg
    rows = [
        (
            "Trunk",
            _deg_text(trunk) if seen else "-",
            value_colour(Measure.TRUNK_FLEXION, trunk, rules.trunk_moderate_deg, rules.trunk_severe_deg),
        ),
        ("Knee", _deg_text(knee) if seen else "-", value_colour(Measure.KNEE_FLEXION, knee, math.inf, math.inf)),
        (
            "Twist",
            _deg_text(twist, absolute=True) if seen else "-",
            value_colour(Measure.TRUNK_TWIST, twist, rules.twist_warn_deg, rules.twist_severe_deg),
        ),
        ("View", angles.view.value, WHITE if angles.view.value != "unknown" else MUTED),
    ]
    scale, thick = sizes.small_scale, sizes.small_thick
    cap = _cap_height(scale, thick)
    step = round(cap * 1.65)
    name_w = max(_text_width(name, scale, thick) for name, _, _ in rows)
    value_w = max(_text_width(value, scale, thick) for _, value, _ in rows)
    col_gap = max(2, round(cap * 0.7))
    x0 = y0 = sizes.margin
    box_w = name_w + col_gap + value_w + 2 * sizes.pad
    box_h = cap + step * (len(rows) - 1) + 2 * sizes.pad
    _darken(img, x0, y0, x0 + box_w, y0 + box_h)
    for i, (name, value, colour) in enumerate(rows):
        base = y0 + sizes.pad + cap + i * step
        _put_text(img, name, x0 + sizes.pad, base, scale, MUTED_LABEL, thick)
        _put_text(img, value, x0 + sizes.pad + name_w + col_gap, base, scale, colour, thick)
    return y0 + box_h


def _counter_panel(img: np.ndarray, hud: Hud, sizes: _Sizes) -> int:
    w = img.shape[1]
    x = w - sizes.margin
    scale = sizes.small_scale * 1.35
    thick = max(sizes.small_thick, round(sizes.big_thick * 0.75))
    cap = _cap_height(scale, thick)
    small_cap = _cap_height(sizes.small_scale, sizes.small_thick)
    top = f"Lifts {hud.lift_count}"
    phase = hud.phase
    width = max(
        _text_width(top, scale, thick), _text_width(phase, sizes.small_scale, sizes.small_thick) if phase else 0
    )
    box_w = width + 2 * sizes.pad
    box_h = cap + 2 * sizes.pad + (round(small_cap * 1.7) if phase else 0)
    x0 = x - box_w
    _darken(img, x0, sizes.margin, x, sizes.margin + box_h)
    base = sizes.margin + sizes.pad + cap
    _put_text(img, top, x - sizes.pad - _text_width(top, scale, thick), base, scale, WHITE, thick)
    if phase:
        px = x - sizes.pad - _text_width(phase, sizes.small_scale, sizes.small_thick)
        _put_text(img, phase, px, base + round(small_cap * 1.7), sizes.small_scale, MUTED, sizes.small_thick)
    return sizes.margin + box_h


def _centred_block(
    img: np.ndarray,
    blocks: Sequence[tuple[list[str], float, int, RGB]],
    top: int | None,
    bottom: int | None,
    sizes: _Sizes,
) -> None:
    """Centred lines of text on one full-width dark strip, placed from ``top`` down or ending at ``bottom``."""
    rows: list[tuple[str, float, int, RGB, int]] = []
    for lines, scale, thick, colour in blocks:
        cap = _cap_height(scale, thick)
        rows.extend((line, scale, thick, colour, cap) for line in lines)
    if not rows:
        return
    # Each row holds its capitals and room for descenders (g, p, y) below the baseline.
    heights = [round(cap * 1.35) for *_, cap in rows]
    gaps = [round(cap * 0.2) for *_, cap in rows]
    height = sum(heights) + sum(gaps[:-1]) + 2 * sizes.pad
    w = img.shape[1]
    y0 = top if top is not None else (bottom or img.shape[0]) - height
    _darken(img, 0, y0, w, y0 + height)
    y = y0 + sizes.pad
    for (line, scale, thick, colour, cap), row_h, gap in zip(rows, heights, gaps, strict=True):
        x = (w - _text_width(line, scale, thick)) // 2
        _put_text(img, line, x, y + cap, scale, colour, thick)
        y += row_h + gap


def _draw_hud(img: np.ndarray, hud: Hud, sizes: _Sizes, panel_bottom: int) -> None:
    w = img.shape[1]
    max_width = w - 2 * sizes.margin
    top_bottom = max(panel_bottom, _counter_panel(img, hud, sizes))

    if hud.message:
        lines, scale = _fit(hud.message, max_width, sizes.small_scale * 1.15, sizes.small_thick, sizes.small_scale)
        _centred_block(
            img, [(lines, scale, sizes.small_thick, SEVERITY_RGB["caution"])], top_bottom + sizes.margin, None, sizes
        )

    blocks: list[tuple[list[str], float, int, RGB]] = []
    if hud.now_cue:
        # Something is happening now (a twist under way): that cue, big, instead of the last lift's.
        lines, scale = _fit(hud.now_cue, max_width, sizes.big_scale, sizes.big_thick, sizes.big_scale * 0.6)
        _centred_block(
            img, [(lines, scale, sizes.big_thick, SEVERITY_RGB[hud.now_severity])], None, img.shape[0], sizes
        )
        return
    if hud.current:
        # A lift is under way: say which, in neutral white; the last lift's verdict and cue would read as this one's.
        lines, scale = _fit(hud.current, max_width, sizes.big_scale, sizes.big_thick, sizes.big_scale * 0.6)
        _centred_block(img, [(lines, scale, sizes.big_thick, WHITE)], None, img.shape[0], sizes)
        return
    if hud.banner:
        assert hud.last_verdict is not None
        lines, scale = _fit(hud.banner, max_width, sizes.small_scale * 1.15, sizes.small_thick, sizes.small_scale)
        blocks.append((lines, scale, sizes.small_thick, VERDICT_RGB[hud.last_verdict]))
    if hud.cue:
        lines, scale = _fit(hud.cue, max_width, sizes.big_scale, sizes.big_thick, sizes.big_scale * 0.6)
        blocks.append((lines, scale, sizes.big_thick, SEVERITY_RGB[hud.cue_severity]))
    _centred_block(img, blocks, None, img.shape[0], sizes)


# ---------------------------------------------------------------- public API


def _check_rgb(rgb: np.ndarray, what: str = "rgb") -> None:
    if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        got = f"{rgb.dtype} array of shape {rgb.shape}" if isinstance(rgb, np.ndarray) else type(rgb).__name__
        raise ValueError(f"{what} must be an RGB uint8 array of shape (H, W, 3), got {got}")
    if rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise ValueError(f"{what} must not be empty, got shape {rgb.shape}")


def draw_overlay(
    rgb: np.ndarray,
    pose: PoseFrame | None,
    angles: Angles | None,
    hud: Hud | None,
    *,
    in_place: bool = False,
    rules: RuleConfig = DEFAULT_CONFIG.rules,
) -> np.ndarray:
    """Draw the skeleton, angle labels, angle panel and HUD on an RGB frame (H, W, 3) uint8.

    Each part is drawn only when its input is given: the skeleton for ``pose`` (NaN and
    barely visible landmarks skipped, uncertain ones dim), the angle labels for ``pose``
    with ``angles``, the angle panel (top left) for ``angles``, and the lift counter and
    phase (top right), framing message (below them), and at the bottom the lift under way
    ("Lift 4 – going down…") or, between lifts, the last lift's banner and cue
    for ``hud``. Angle colours follow ``rules``' bands; grey means not seen or not
    judgeable from this camera view. Returns a new array, or ``rgb`` itself if ``in_place``.
    """
    _check_rgb(rgb)
    # OpenCV draws only into C-contiguous arrays: a strided view is drawn on a copy and copied back.
    img = rgb if in_place and rgb.flags.c_contiguous and rgb.flags.writeable else np.array(rgb, order="C")
    h, w = img.shape[:2]
    sizes = _Sizes.for_frame(w, h)
    if pose is not None:
        _draw_skeleton(img, pose, angles, sizes, rules)
    panel_bottom = _angle_panel(img, angles, sizes, rules) if angles is not None else 0
    if hud is not None:
        _draw_hud(img, hud, sizes, panel_bottom)
    if in_place and img is not rgb:
        rgb[...] = img
        return rgb
    return img


def resize_long_side(rgb: np.ndarray, max_side_px: int) -> np.ndarray:
    """The frame scaled (down or up) so its long side is ``max_side_px``, aspect kept."""
    _check_rgb(rgb)
    if max_side_px < 1:
        raise ValueError(f"max_side_px must be a positive number of pixels, got {max_side_px}")
    h, w = rgb.shape[:2]
    factor = max_side_px / max(h, w)
    new_w = max_side_px if w >= h else max(1, round(w * factor))
    new_h = max_side_px if h > w else max(1, round(h * factor))
    if (new_w, new_h) == (w, h):
        return rgb.copy()
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    return cv2.resize(np.ascontiguousarray(rgb), (new_w, new_h), interpolation=interpolation)


def thumbnail(
    rgb: np.ndarray,
    pose: PoseFrame | None,
    angles: Angles | None,
    *,
    max_side_px: int = 320,
    label: str = "",
    rules: RuleConfig = DEFAULT_CONFIG.rules,
) -> np.ndarray:
    """The frame shrunk so its long side is ``max_side_px``, with skeleton, angle labels and ``label``.

    Drawn after shrinking, so lines and text are sized for the thumbnail, not the original.
    """
    img = resize_long_side(rgb, max_side_px)
    h, w = img.shape[:2]
    # A thumbnail is looked at small: its lines and text are a little bolder than a frame's.
    sizes = _Sizes.for_frame(w, h, min_unit=min(0.8, max(w, h) / 400.0))
    if pose is not None:
        _draw_skeleton(img, pose, angles, sizes, rules)
    if label:
        lines, scale = _fit(
            label, w - 2 * sizes.pad, sizes.small_scale * 1.1, sizes.small_thick, sizes.small_scale * 0.8
        )
        _centred_block(img, [(lines, scale, sizes.small_thick, WHITE)], 0, None, sizes)
    return img


def _bgr(rgb: np.ndarray) -> np.ndarray:
    if isinstance(rgb, np.ndarray) and rgb.dtype == np.uint8 and rgb.ndim == 2 and rgb.size:
        return rgb  # grey: nothing to swap
    _check_rgb(rgb)
    return cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR)


def encode_png(rgb: np.ndarray) -> bytes:
    """PNG file bytes of an RGB (H, W, 3) or grey (H, W) uint8 image."""
    ok, buf = cv2.imencode(".png", _bgr(rgb))
    if not ok:
        raise ValueError(f"OpenCV could not encode an image of shape {rgb.shape} as PNG")
    return buf.tobytes()


def encode_jpeg(rgb: np.ndarray, quality: int = 85) -> bytes:
    """JPEG file bytes of an RGB (H, W, 3) or grey (H, W) uint8 image; ``quality`` 1..100."""
    if not 1 <= int(quality) <= 100:
        raise ValueError(f"JPEG quality must be between 1 and 100, got {quality}")
    ok, buf = cv2.imencode(".jpg", _bgr(rgb), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError(f"OpenCV could not encode an image of shape {rgb.shape} as JPEG")
    return buf.tobytes()
