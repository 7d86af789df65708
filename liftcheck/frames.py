"""One frame at a time, as the file and the camera paths both take it.

``FrameAnalysis`` asks the estimator for the pose, hands it to the pixel-free ``engine.Engine``,
and does the two side jobs that need the pixels: keeping a thumbnail of each lift's worst moment
(``WorstMoments``) and sampling how bright the picture is (``Brightness``). Both paths use this
one class, so the live path has no copy of the logic. Thumbnails are drawn by ``draw.py``,
imported only when the first one is drawn (a batch worker leaves them to the batch process).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from liftcheck.config import DEFAULT_CONFIG, Config
from liftcheck.engine import Engine, StepResult, footage_warnings, hud_for
from liftcheck.kinematics import Angles, Neutral
from liftcheck.landmarks import Estimator, PoseFrame, as_estimator
from liftcheck.niosh import TaskInputs
from liftcheck.presentation import Hud
from liftcheck.report import Report, SessionInfo, build_report, now_utc
from liftcheck.reps import Phase
from liftcheck.rules import RepVerdict

THUMBNAIL_SIDE_PX = 320


@dataclass(frozen=True)
class Given:
    """What the user tells about a session that the camera cannot see.

    ``person`` and ``task`` name the session (shown as text); ``task_inputs`` (the load, the
    person's stature, the grip and how long they lift) give each lift the lifting equation;
    ``neutral`` is the person's neutral posture kept in History (else it is recorded from the
    first seconds of standing still).
    """

    person: str = ""
    task: str = ""
    task_inputs: TaskInputs | None = None
    neutral: Neutral | None = None

    def __post_init__(self) -> None:
        for name in ("person", "task"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise TypeError(f"Given.{name} must be text, got {type(value).__name__}")
            # One line, no control characters, at most 80 characters: a name, not a document.
            cleaned = " ".join("".join(c if c.isprintable() else " " for c in value).split())[:80]
            object.__setattr__(self, name, cleaned)


class Brightness:
    """About once a second, the mean level (0..255) of a sparse sample of the picture: enough to tell a dark video."""

    def __init__(self, every_s: float = 1.0) -> None:
        self.every_s = every_s
        self.samples: list[float] = []
        self._next_t = 0.0

    def sample(self, rgb: np.ndarray, t_s: float) -> None:
        if self.due(t_s):
            self.samples.append(level(rgb))

    def due(self, t_s: float) -> bool:
        """Whether the frame at ``t_s`` is sampled (and if so, the next one is due a period later)."""
        if t_s < self._next_t:
            return False
        self._next_t = t_s + self.every_s
        return True


def level(rgb: np.ndarray) -> float:
    """The mean level (0..255) of every 16th pixel of every 16th row of an (H, W, 3) frame."""
    return float(rgb[::16, ::16].mean())


@dataclass(frozen=True, eq=False)
class Moment:
    """A lift's worst moment, to be drawn as its thumbnail: the frame's time, the pose and angles, the label."""

    t_s: float
    pose: PoseFrame
    angles: Angles
    label: str


def thumbnail_source(rgb: np.ndarray, side_px: int = THUMBNAIL_SIDE_PX) -> np.ndarray:
    """The copy of a frame a thumbnail is drawn from: its long side shrunk to between 1 and 2 thumbnail sides.

    Each pixel is the mean of a k×k block (k whole): NumPy alone, small and quick, so the analysis
    needs neither OpenCV nor another picture of the frame's size (a frame resized with FFmpeg's
    scaler, a new maximum after another, held 20 MiB more at the peak of a 720p clip; our measurement).
    """
    height, width = rgb.shape[:2]
    k = math.ceil(max(height, width) / (2 * side_px))
    if k <= 1:
        return rgb.copy()
    rows, cols = height // k, width // k
    total = np.zeros((rows, cols, rgb.shape[2]), dtype=np.uint16 if k <= 16 else np.uint32)  # k² × 255 fits
    for dy in range(k):
        for dx in range(k):
            total += rgb[dy : rows * k : k, dx : cols * k : k]
    return ((total + (k * k) // 2) // (k * k)).astype(np.uint8)


def draw_thumbnail(source: np.ndarray, moment: Moment, side_px: int = THUMBNAIL_SIDE_PX) -> bytes:
    """The JPEG thumbnail of ``moment`` drawn on ``source`` (a ``thumbnail_source`` copy of its frame)."""
    from liftcheck import draw

    image = draw.thumbnail(source, moment.pose, moment.angles, max_side_px=side_px, label=moment.label)
    return draw.encode_jpeg(image)


@dataclass(frozen=True, eq=False)
class Sketch:
    """A lift's thumbnail not drawn yet: its frame (a ``thumbnail_source`` copy) and its worst moment.

    A batch worker hands these to the batch process, which draws them: drawing is the only step of
    a file's analysis that needs OpenCV, so the workers never load it.
    """

    source: np.ndarray
    moment: Moment

    def draw(self, side_px: int = THUMBNAIL_SIDE_PX) -> bytes:
        """The JPEG thumbnail, exactly as ``WorstMoments`` would have drawn it."""
        return draw_thumbnail(self.source, self.moment, side_px)


class WorstMoments:
    """The frame of each lift's deepest forward bend, kept small, drawn as a JPEG thumbnail when the lift ends.

    Without pixels (``observe`` given None: the frames are elsewhere, as when a long video is analysed
    in chunks by other processes) it notes each lift's worst moment in ``wanted`` instead, to be drawn
    later from its frame with ``draw_thumbnail``. With ``draw`` False it keeps each lift's ``Sketch``
    in ``sketches``, for another process to draw.
    """

    def __init__(self, side_px: int = THUMBNAIL_SIDE_PX, *, draw: bool = True) -> None:
        self.side_px = side_px
        self.draw = draw
        self.thumbnails: dict[int, bytes] = {}  # lift index -> JPEG
        self.wanted: dict[int, Moment] = {}  # lift index -> its worst moment, when there were no pixels
        self.sketches: dict[int, Sketch] = {}  # lift index -> its thumbnail to draw, when not drawing here
        # (trunk, t, frame or None, pose, angles)
        self._worst: tuple[float, float, np.ndarray | None, PoseFrame, Angles] | None = None

    def observe(self, rgb: np.ndarray | None, step: StepResult) -> None:
        """Follow one analysed frame (``step`` is what the engine made of it; ``rgb`` None: no pixels here)."""
        if step.person_changed:
            self._worst = None
        self._remember(rgb, step)
        if step.lift is not None:
            self.lift_ended(step.lift)
        elif step.phase in (Phase.STANDING, Phase.WAITING):
            self._worst = None

    def _remember(self, rgb: np.ndarray | None, step: StepResult) -> None:
        angles = step.angles
        if not angles.seen or not math.isfinite(angles.trunk_flexion_deg):
            return
        if step.phase_before not in (Phase.DOWN, Phase.UP, Phase.STANDING):
            return
        # A new deepest bend by at least a degree: keep a thumbnail-sized copy (a full 720p copy on
        # every new maximum cost ~0.5 ms a frame). draw.thumbnail rescales the pose to it.
        if self._worst is None or angles.trunk_flexion_deg > self._worst[0] + 1.0:
            small = thumbnail_source(rgb, self.side_px) if rgb is not None else None
            self._worst = (angles.trunk_flexion_deg, angles.t_s, small, step.pose, angles)

    def lift_ended(self, verdict: RepVerdict) -> None:
        """Draw the lift's thumbnail if its worst moment was kept, and start looking afresh."""
        if self._worst is not None and verdict.rep.start_s <= self._worst[1] <= verdict.rep.end_s:
            _, t_s, frame, pose, angles = self._worst
            label = f"Lift {verdict.rep.index}: {verdict.measures.style.value}, {verdict.verdict.value}"
            moment = Moment(t_s, pose, angles, label)
            if frame is None:
                self.wanted[verdict.rep.index] = moment
            elif not self.draw:
                self.sketches[verdict.rep.index] = Sketch(frame, moment)
            else:
                self.thumbnails[verdict.rep.index] = draw_thumbnail(frame, moment, self.side_px)
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
        draw_thumbnails: bool = True,
        frames_elsewhere: bool = False,
        given: Given | None = None,
    ) -> None:
        self.config = config
        self.given = given or Given()
        # The frames are analysed elsewhere (chunks in other processes): note each lift's worst moment
        # (``worst.wanted``) for its thumbnail to be drawn there.
        self.frames_elsewhere = frames_elsewhere
        self.estimator = as_estimator(estimator)
        self.engine = Engine(config, self.given.neutral)
        self.brightness = Brightness()
        # With ``draw_thumbnails`` False the thumbnails are left undrawn, in ``sketches``.
        self.worst = WorstMoments(draw=draw_thumbnails) if keep_thumbnails else None

    @property
    def lifts(self) -> list[RepVerdict]:
        return self.engine.lifts

    @property
    def angles(self) -> list[Angles]:
        return self.engine.angles

    @property
    def thumbnails(self) -> dict[int, bytes]:
        return self.worst.thumbnails if self.worst is not None else {}

    @property
    def sketches(self) -> dict[int, Sketch]:
        return self.worst.sketches if self.worst is not None else {}

    def step(self, rgb: np.ndarray | None, t_s: float, pose: PoseFrame | None = None) -> StepResult:
        """Analyse one frame (or an already-estimated pose) at ``t_s`` seconds."""
        if pose is None:
            if rgb is None:
                raise ValueError("FrameAnalysis.step needs a frame or a pose")
            pose = self.estimator(rgb, t_s)
        result = self.engine.step(pose)
        if rgb is not None:
            self.brightness.sample(rgb, t_s)
        if self.worst is not None and (rgb is not None or self.frames_elsewhere):
            self.worst.observe(rgb, result)
        return result

    def finish(self) -> RepVerdict | None:
        lift = self.engine.finish()
        if lift is not None and self.worst is not None:
            self.worst.lift_ended(lift)
        return lift

    def hud(self, message: str = "") -> Hud:
        return hud_for(self.engine.lifts, self.engine.segmenter.phase, message, self.engine.twist_watch.cue())

    def report(self, source: str, *, duration_s: float, settings: dict[str, object], warnings: list[str]) -> Report:
        """The analysis so far as a report; with the given task inputs each lift gets the lifting equation."""
        task_inputs = self.given.task_inputs
        session = SessionInfo(analysed_at=now_utc(), person=self.given.person, task=self.given.task)
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
