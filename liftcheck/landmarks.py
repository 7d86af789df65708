"""Body landmarks by name, and the per-frame pose record every later stage reads.

Pure: numpy and the standard library only. The pose estimator (``pose.py``) fills
``PoseFrame``; nothing outside ``pose.py`` knows that MediaPipe produced it. ``Estimator``
is what the analysis asks of any pose source: the model, or recorded or synthetic poses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol, runtime_checkable

import numpy as np

N_LANDMARKS = 33


class PoseLandmark(IntEnum):
    """The 33 landmarks of the BlazePose topology, in the model's output order."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


L = PoseLandmark

# The bones drawn as the skeleton (the face is left out: it says nothing about lifting).
SKELETON: tuple[tuple[PoseLandmark, PoseLandmark], ...] = (
    (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    (L.LEFT_HIP, L.RIGHT_HIP),
    (L.LEFT_SHOULDER, L.LEFT_HIP),
    (L.RIGHT_SHOULDER, L.RIGHT_HIP),
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
    (L.LEFT_ANKLE, L.LEFT_FOOT_INDEX),
    (L.RIGHT_ANKLE, L.RIGHT_HEEL),
    (L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX),
    (L.RIGHT_ANKLE, L.RIGHT_FOOT_INDEX),
)

# The landmarks the lift checks need; framing advice is about these.
TRUNK_AND_LEGS: tuple[PoseLandmark, ...] = (
    L.LEFT_SHOULDER,
    L.RIGHT_SHOULDER,
    L.LEFT_HIP,
    L.RIGHT_HIP,
    L.LEFT_KNEE,
    L.RIGHT_KNEE,
    L.LEFT_ANKLE,
    L.RIGHT_ANKLE,
)


@dataclass(frozen=True, eq=False)
class PoseFrame:
    """One person's pose in one frame.

    Attributes:
        t_s: the frame's time on the video's own clock, in seconds.
        xy_px: (33, 2) image position in pixels (x right, y down) in the upright frame.
        xyz_m: (33, 3) world position in metres, origin between the hips; x right,
            y down, z away from the camera (MediaPipe's world-landmark axes).
        visibility: (33,) 0..1, how likely the landmark is visible in the frame.
        image_size: (width, height) of the upright frame in pixels.
        person: which person this is, when several were in the picture (a number the
            estimator gives each person it tells apart; 0 when there was only ever one).

    A landmark that was not seen is NaN in ``xy_px`` and ``xyz_m`` and 0 in
    ``visibility``; a frame with nobody in it is all NaN (see ``PoseFrame.empty``).
    """

    t_s: float
    xy_px: np.ndarray
    xyz_m: np.ndarray
    visibility: np.ndarray
    image_size: tuple[int, int]
    person: int = 0

    def __post_init__(self) -> None:
        if not np.isfinite(self.t_s):
            raise ValueError(f"PoseFrame.t_s must be a finite time in seconds, got {self.t_s!r}")
        for name, shape in (("xy_px", (N_LANDMARKS, 2)), ("xyz_m", (N_LANDMARKS, 3)), ("visibility", (N_LANDMARKS,))):
            value = getattr(self, name)
            if not isinstance(value, np.ndarray) or value.shape != shape:
                got = getattr(value, "shape", type(value).__name__)
                raise ValueError(f"PoseFrame.{name} must be an array of shape {shape}, got {got}")
        width, height = self.image_size
        if width <= 0 or height <= 0:
            raise ValueError(f"PoseFrame.image_size must be positive (width, height), got {self.image_size!r}")

    @classmethod
    def empty(cls, t_s: float, image_size: tuple[int, int], person: int = 0) -> PoseFrame:
        """A frame in which nobody (or not the person followed) was found."""
        return cls(
            t_s=t_s,
            xy_px=np.full((N_LANDMARKS, 2), np.nan),
            xyz_m=np.full((N_LANDMARKS, 3), np.nan),
            visibility=np.zeros(N_LANDMARKS),
            image_size=image_size,
            person=person,
        )

    @property
    def detected(self) -> bool:
        """True when a person was found in the frame."""
        return bool(np.isfinite(self.xyz_m).any())


@dataclass(frozen=True, eq=False)
class PeopleFound:
    """Every pose the model found in one frame, before the person lifting is picked.

    ``poses`` are the people in the order the model gave them (each with ``person`` 0);
    ``image_size`` is the frame's (width, height) in pixels. ``people.pick`` turns this into
    the ``PoseFrame`` of the person followed.
    """

    t_s: float
    image_size: tuple[int, int]
    poses: tuple[PoseFrame, ...] = ()


@runtime_checkable
class Estimator(Protocol):
    """A source of poses: ``estimator(rgb, t_s)`` gives the ``PoseFrame`` of the person followed.

    ``rgb`` is an upright (H, W, 3) uint8 frame and ``t_s`` its time in seconds, strictly
    increasing within one video or camera session (a VIDEO-mode landmarker keeps tracking
    state: one estimator per video or session). ``notes()`` says what the report should
    tell about whom it followed; ``close()`` frees the model. ``pose.PoseEstimator`` is the
    real one; ``as_estimator`` makes one of a plain function (tests, the synthetic lifter).
    """

    def __call__(self, rgb: np.ndarray, t_s: float) -> PoseFrame: ...

    def notes(self) -> list[str]: ...

    def close(self) -> None: ...


@runtime_checkable
class TwoStepEstimator(Estimator, Protocol):
    """An ``Estimator`` whose two steps can run in different threads, one after the other per frame.

    ``find(rgb, t_s)`` runs the model and gives every pose in the frame; ``follow(found)`` picks
    the person followed, in frame order. ``estimator(rgb, t_s)`` is ``follow(find(rgb, t_s))``.
    A file's analysis calls ``find`` in the thread that feeds the model and ``follow`` in the
    engine's thread, so choosing whom to follow costs the model nothing; the choice is the same
    either way, as ``follow`` sees the same frames in the same order.
    """

    def find(self, rgb: np.ndarray, t_s: float) -> PeopleFound: ...

    def follow(self, found: PeopleFound) -> PoseFrame: ...


@dataclass(frozen=True)
class _FunctionEstimator:
    """A plain ``(rgb, t_s) -> PoseFrame`` function as an ``Estimator`` with nothing to say or free."""

    estimate: Callable[[np.ndarray, float], PoseFrame]

    def __call__(self, rgb: np.ndarray, t_s: float) -> PoseFrame:
        return self.estimate(rgb, t_s)

    def notes(self) -> list[str]:
        return []

    def close(self) -> None:
        return None


def as_estimator(estimate: Estimator | Callable[[np.ndarray, float], PoseFrame]) -> Estimator:
    """``estimate`` as an ``Estimator``: itself when it is one, else wrapped."""
    return estimate if isinstance(estimate, Estimator) else _FunctionEstimator(estimate)
