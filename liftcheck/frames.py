"""One frame at a time, as the file and the camera paths both take it.

``FrameAnalysis`` asks the estimator for the pose, hands it to the pixel-free ``engine.Engine``,
and does the two side jobs that need the pixels: keeping a thumbnail of each lift's worst moment
(``WorstMoments``) and sampling how bright the picture is (``Brightness``). Both paths use this
one class, so the live path has no copy of the logic. Thumbnails are drawn by ``draw.py``,
imported only when the first one is kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from liftcheck.config import DEFAULT_CONFIG, Config
from liftcheck.engine import Engine, StepResult, footage_warnings, hud_for
from liftcheck.kinematics import Angles
from liftcheck.landmarks import Estimator, PoseFrame, as_estimator
from liftcheck.niosh import TaskInputs
from liftcheck.presentation import Hud
from liftcheck.report import Report, SessionInfo, build_report
from liftcheck.reps import Phase
from liftcheck.rules import RepVerdict

THUMBNAIL_SIDE_PX = 320


class Brightness:
    """About once a second, the mean level (0..255) of a sparse sample of the picture: enough to tell a dark video."""

    def __init__(self, every_s: float = 1.0) -> None:
        self.every_s = every_s
        self.samples: list[float] = []
        self._next_t = 0.0

    def sample(self, rgb: np.ndarray, t_s: float) -> None:
        if t_s >= self._next_t:
            self.samples.append(float(rgb[::16, ::16].mean()))
            self._next_t = t_s + self.every_s


class WorstMoments:
    """The frame of each lift's deepest forward bend, kept small, drawn as a JPEG thumbnail when the lift ends."""

    def __init__(self, side_px: int = THUMBNAIL_SIDE_PX) -> None:
        self.side_px = side_px
        self.thumbnails: dict[int, bytes] = {}  # lift index -> JPEG
        self._worst: tuple[float, float, np.ndarray, PoseFrame, Angles] | None = None  # (trunk, t, frame, pose, angles)

    def observe(self, rgb: np.ndarray, step: StepResult) -> None:
        """Follow one analysed frame (``step`` is what the engine made of it)."""
        if step.person_changed:
            self._worst = None
        self._remember(rgb, step)
        if step.lift is not None:
            self.lift_ended(step.lift)
        elif step.phase in (Phase.STANDING, Phase.WAITING):
            self._worst = None

    def _remember(self, rgb: np.ndarray, step: StepResult) -> None:
        angles = step.angles
        if not angles.seen or not math.isfinite(angles.trunk_flexion_deg):
            return
        if step.phase_before not in (Phase.DOWN, Phase.UP, Phase.STANDING):
            return
        # A new deepest bend by at least a degree: keep a thumbnail-sized copy (a full 720p copy on
        # every new maximum cost ~0.5 ms a frame). draw.thumbnail rescales the pose to it.
        if self._worst is None or angles.trunk_flexion_deg > self._worst[0] + 1.0:
            from liftcheck.draw import resize_long_side

            big = max(rgb.shape[:2]) > 2 * self.side_px
            small = resize_long_side(rgb, 2 * self.side_px) if big else rgb.copy()
            self._worst = (angles.trunk_flexion_deg, angles.t_s, small, step.pose, angles)

    def lift_ended(self, verdict: RepVerdict) -> None:
        """Draw the lift's thumbnail if its worst moment was kept, and start looking afresh."""
        if self._worst is not None and verdict.rep.start_s <= self._worst[1] <= verdict.rep.end_s:
            from liftcheck import draw

            _, _, frame, pose, angles = self._worst
            label = f"Lift {verdict.rep.index}: {verdict.measures.style.value}, {verdict.verdict.value}"
            thumb = draw.thumbnail(frame, pose, angles, max_side_px=self.side_px, label=label)
            self.thumbnails[verdict.rep.index] = draw.encode_jpeg(thumb)
        self._worst = None


class FrameAnalysis:
    """One video's or camera session's analysis, a frame at a time: estimator, engine and the side jobs.

    ``estimator`` is an ``Estimator`` or a plain ``(rgb, t_s) -> PoseFrame`` function; frames
    that come with their pose already (the synthetic lifter, recorded poses) skip it.
    """

    def __init__(
        self,
        estimator: Estimator | Callable[[np.ndarray, float], PoseFrame],
        config: Config = DEFAULT_CONFIG,
        *,
        keep_thumbnails: bool = True,
    ) -> None:
        self.config = config
        self.estimator = as_estimator(estimator)
        self.engine = Engine(config)
        self.brightness = Brightness()
        self.worst = WorstMoments() if keep_thumbnails else None

    @property
    def lifts(self) -> list[RepVerdict]:
        return self.engine.lifts

    @property
    def angles(self) -> list[Angles]:
        return self.engine.angles

    @property
    def thumbnails(self) -> dict[int, bytes]:
        return self.worst.thumbnails if self.worst is not None else {}

    def step(self, rgb: np.ndarray | None, t_s: float, pose: PoseFrame | None = None) -> StepResult:
        """Analyse one frame (or an already-estimated pose) at ``t_s`` seconds."""
        if pose is None:
            if rgb is None:
                raise ValueError("FrameAnalysis.step needs a frame or a pose")
            pose = self.estimator(rgb, t_s)
        result = self.engine.step(pose)
        if rgb is not None:
            self.brightness.sample(rgb, t_s)
            if self.worst is not None:
                self.worst.observe(rgb, result)
        return result

    def finish(self) -> RepVerdict | None:
        lift = self.engine.finish()
        if lift is not None and self.worst is not None:
            self.worst.lift_ended(lift)
        return lift

    def hud(self, message: str = "") -> Hud:
        return hud_for(self.engine.lifts, self.engine.segmenter.phase, message, self.engine.twist_watch.cue())

    def report(
        self,
        source: str,
        *,
        duration_s: float,
        settings: dict[str, object],
        warnings: list[str],
        task_inputs: TaskInputs | None = None,
        session: SessionInfo | None = None,
    ) -> Report:
        """The analysis so far as a report; with ``task_inputs`` each lift gets the lifting equation."""
        niosh = self.engine.lifting_indices(task_inputs, duration_s) if task_inputs is not None else {}
        kin = self.engine.kinematics
        neutral = kin.neutral
        origin = "given" if kin.given_neutral is not None else "recorded"
        neutral_dict = {**neutral.to_dict(), "source": origin} if neutral is not None else {}
        return build_report(
            source,
            self.engine.angles,
            self.engine.lifts,
            duration_s=duration_s,
            settings=settings,
            warnings=list(warnings) + footage_warnings(self.engine, self.brightness.samples),
            thumbnails=self.thumbnails,
            config=self.config.rules,
            uncertainty=self.config.uncertainty,
            niosh=niosh,
            task_inputs=task_inputs,
            session=session,
            neutral=neutral_dict,
        )
