"""Pose estimation: the only module that imports MediaPipe.

``PoseEstimator`` wraps one Tasks ``PoseLandmarker`` in VIDEO mode. It keeps tracking
state from frame to frame, so use one per video or per live session and never share
it. Its output is a plain ``PoseFrame`` of numpy arrays; no MediaPipe object leaves.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import BaseOptions
from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

from liftcheck.landmarks import N_LANDMARKS, PoseFrame, PoseLandmark
from liftcheck.models import DEFAULT_VARIANT, check_variant, read_verified, resolve_model

_HIPS = (PoseLandmark.LEFT_HIP, PoseLandmark.RIGHT_HIP)


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Hide the C++ setup chatter MediaPipe writes straight to file descriptor 2.

    Only around model creation and the first frame; set LIFTCHECK_NATIVE_LOGS=1 to see it.
    """
    if os.environ.get("LIFTCHECK_NATIVE_LOGS") == "1":
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except OSError:  # no real stderr (embedded): nothing to hide
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class PoseEstimator:
    """Finds one person's 33 landmarks in each frame of one video or camera stream.

    With ``num_poses`` above 1 the landmarker may find several people; the estimator
    then follows the one it chose first (nearest hips to the last frame's), so the
    angles never jump from one person to another.
    """

    def __init__(
        self,
        variant: str = DEFAULT_VARIANT,
        *,
        model_path: str | Path | None = None,
        num_poses: int = 1,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        check_variant(variant)
        path = Path(model_path) if model_path is not None else resolve_model(variant)
        model = read_verified(path, variant)
        options = PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=model),
            running_mode=RunningMode.VIDEO,
            num_poses=num_poses,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
            output_segmentation_masks=False,
        )
        self.variant = variant
        with _native_stderr_silenced():
            self._landmarker = PoseLandmarker.create_from_options(options)
        self._last_ms = -1
        self._quiet_frames = 3
        self._last_hips_px: np.ndarray | None = None

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None  # type: ignore[assignment]

    def detect(self, rgb: np.ndarray, t_s: float) -> PoseFrame:
        """The pose in one upright (H, W, 3) uint8 RGB frame shown at ``t_s`` seconds."""
        if self._landmarker is None:
            raise RuntimeError("PoseEstimator.detect called after close()")
        if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
            raise ValueError(f"detect needs an (H, W, 3) uint8 RGB frame, got {rgb.dtype} {rgb.shape}")
        # The landmarker refuses a timestamp that is not after the last one, even by rounding.
        t_ms = max(int(round(t_s * 1000.0)), self._last_ms + 1)
        self._last_ms = t_ms
        height, width = rgb.shape[:2]
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self._quiet_frames > 0:
            # The graph logs its warnings on the first frames it tracks, from its own threads.
            with _native_stderr_silenced():
                result = self._landmarker.detect_for_video(image, t_ms)
            self._quiet_frames -= 1
        else:
            result = self._landmarker.detect_for_video(image, t_ms)
        if not result.pose_landmarks:
            return PoseFrame.empty(t_s, (width, height))
        choice = self._choose(result.pose_landmarks, width, height)
        image_lms = result.pose_landmarks[choice]
        world_lms = result.pose_world_landmarks[choice]
        xy = np.array([(lm.x * width, lm.y * height) for lm in image_lms], dtype=np.float64)
        xyz = np.array([(lm.x, lm.y, lm.z) for lm in world_lms], dtype=np.float64)
        vis = np.array([lm.visibility if lm.visibility is not None else 1.0 for lm in image_lms], dtype=np.float64)
        if xy.shape != (N_LANDMARKS, 2) or xyz.shape != (N_LANDMARKS, 3):
            return PoseFrame.empty(t_s, (width, height))
        self._last_hips_px = xy[list(_HIPS)].mean(axis=0)
        return PoseFrame(t_s=t_s, xy_px=xy, xyz_m=xyz, visibility=np.clip(vis, 0.0, 1.0), image_size=(width, height))

    def _choose(self, poses: list, width: int, height: int) -> int:
        if len(poses) == 1:
            return 0
        hips = np.array([[((p[h].x * width), (p[h].y * height)) for h in _HIPS] for p in poses]).mean(axis=1)
        if self._last_hips_px is not None:
            return int(np.argmin(np.linalg.norm(hips - self._last_hips_px, axis=1)))
        # First sight of several people: take the tallest in the picture (most likely the nearest).
        spans = [max(lm.y for lm in p) - min(lm.y for lm in p) for p in poses]
        return int(np.argmax(spans))
