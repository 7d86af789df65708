"""The synthetic lifter's body and camera: segment lengths, postures as scalars, landmark positions, the truth.

Pure: numpy and the standard library only. The conventions are the package's (see ``__init__``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from liftcheck.landmarks import N_LANDMARKS, PoseLandmark

__all__ = ["Body", "Camera"]


L = PoseLandmark

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
