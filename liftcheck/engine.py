"""The stages, one pose at a time: pose → angles → lift segmenter → rules. Touches no pixels.

Pure: numpy and the standard library only. Files (``pipeline.py``) and the camera (``live.py``)
feed the same ``Engine`` through ``frames.FrameAnalysis``, so a lift found live is the lift the
file analysis finds. What the overlay shows (``hud_for``) and the warnings about the footage in
words (``footage_warnings``) are made here too, from what the engine counted, for both paths.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from liftcheck import lift_geometry
from liftcheck.config import DEFAULT_CONFIG, Config, RuleConfig, UncertaintyConfig
from liftcheck.guidance import CUES
from liftcheck.kinematics import (
    RELIABLE_IN_VIEW,
    Angles,
    Kinematics,
    Measure,
    Neutral,
    legs_out_of_frame,
    uncertainty_deg,
)
from liftcheck.landmarks import PoseFrame, PoseLandmark
from liftcheck.lift_geometry import LiftGeometry
from liftcheck.niosh import (
    Frequency,
    HandLocation,
    LiftTask,
    NioshResult,
    Reliability,
    TaskInputs,
    assess,
    lifting_frequency,
)
from liftcheck.presentation import Hud
from liftcheck.reps import Phase, Rep, RepSegmenter
from liftcheck.rules import RepVerdict, judge

# A knee this close to the floor at the grasp: the lift is made kneeling (outside the equation).
KNEELING_KNEE_CM = 15.0
# An ankle moving this share of the standing height in the picture during a lift is a step (about
# 17 cm for 1.75 m; a planted ankle's landmark wanders a few pixels).
STEP_SHARE_OF_HEIGHT = 0.1
# ... and holding there for this many frames (0.1 s at 30 frames a second; a foot set down stays).
STEP_HOLD_FRAMES = 3
# Poses kept for the lifting equation: 20 minutes at 30 fps (about 20 MB of float32).
POSE_MEMORY_FRAMES = 36_000
# Frames each side of the centred median that smooths them (0.07 s at 30 fps).
POSE_SMOOTHING_FRAMES = 2


@dataclass(frozen=True)
class StepResult:
    """What one frame produced: its pose and angles, the phase before and after it, and a lift if one ended."""

    pose: PoseFrame
    angles: Angles
    phase: Phase
    lift: RepVerdict | None
    phase_before: Phase = Phase.WAITING
    person_changed: bool = False  # another person is followed from this frame on: the lift so far was dropped


class TwistWatch:
    """Whether the person is twisting past the limit right now, for the live view's cue.

    A twist counts once it has lasted ``twist_event_min_s`` past the warning angle in a view
    that can judge twist (the same rule as the report's twist events); its severity allows for
    the view's uncertainty as the rules do.
    """

    def __init__(self, rules: RuleConfig, uncertainty: UncertaintyConfig) -> None:
        self.rules = rules
        self.uncertainty = uncertainty
        self._since: float | None = None
        self._deg = 0.0
        self._u = 0.0
        self._now = 0.0

    def update(self, a: Angles) -> None:
        twist = a.trunk_twist_deg
        judged = a.seen and math.isfinite(twist) and Measure.TRUNK_TWIST in RELIABLE_IN_VIEW[a.view]
        if judged and abs(twist) >= self.rules.twist_warn_deg:
            if self._since is None:
                self._since = a.t_s
            self._deg = abs(twist)
            self._u = uncertainty_deg(Measure.TRUNK_TWIST, a.view, self.uncertainty)
        else:
            self._since = None
        self._now = a.t_s

    def cue(self) -> tuple[str, str]:
        """(cue, severity) while a twist is under way, else ("", "ok")."""
        if self._since is None or self._now - self._since < self.rules.twist_event_min_s:
            return "", "ok"
        if self._deg >= self.rules.twist_severe_deg + self._u:
            severity = "poor"
        elif self._deg >= self.rules.twist_warn_deg + self._u:
            severity = "caution"
        else:
            severity = "near"
        return f"{CUES['twist'].short} ({self._deg:.0f}°)", severity


class Engine:
    """The per-frame analysis shared by files and the camera. One per video or live session."""

    def __init__(self, config: Config = DEFAULT_CONFIG, neutral: Neutral | None = None) -> None:
        """``neutral``: the person's neutral posture from History, if known (else recorded from the video)."""
        self.config = config
        self.kinematics = Kinematics(config.kinematics, config.ranges, neutral)
        self.segmenter = RepSegmenter(config.reps)
        self.angles: list[Angles] = []
        self.lifts: list[RepVerdict] = []
        self.frames_seen = 0
        self.frames_legs_out = 0  # frames with both knees or both ankles out of the picture
        self.twist_watch = TwistWatch(config.rules, config.uncertainty)
        self._person: int | None = None
        # Each frame's world landmarks and visibility (float32; None when nobody was seen) and the
        # ankles in the picture (2, 2) px: what the lifting equation's inputs are measured from.
        # Bounded (POSE_MEMORY_FRAMES, 20 minutes at 30 fps, about 20 MB); ``_poses_dropped`` frames
        # have left it, so frame i of ``angles`` is ``_poses[i - _poses_dropped]``.
        self._poses: deque[tuple[np.ndarray, np.ndarray, np.ndarray] | None] = deque(maxlen=POSE_MEMORY_FRAMES)
        self._poses_dropped = 0
        self._standing_px: deque[float] = deque(maxlen=600)
        self._scale: lift_geometry.Scale | None = None
        self._floor: lift_geometry.Floor | None = None

    def step(self, pose: PoseFrame) -> StepResult:
        """Take one frame's pose; returns its angles and the lift that ended with it, if any."""
        changed = False
        if pose.detected:
            if self._person is not None and pose.person != self._person:
                self.segmenter.restart()
                changed = True
            self._person = pose.person
        angles = self.kinematics.update(pose)
        self.angles.append(angles)
        self.twist_watch.update(angles)
        self._remember_pose(pose)
        if pose.detected:
            self.frames_seen += 1
            self.frames_legs_out += legs_out_of_frame(pose)
        before = self.segmenter.phase
        rep = self.segmenter.update(angles)
        lift = self._judge(rep) if rep is not None else None
        return StepResult(pose, angles, self.segmenter.phase, lift, before, changed)

    def _remember_pose(self, pose: PoseFrame) -> None:
        if len(self._poses) == self._poses.maxlen:
            self._poses_dropped += 1
        if not pose.detected:
            self._poses.append(None)
            return
        ankles = pose.xy_px[[PoseLandmark.LEFT_ANKLE, PoseLandmark.RIGHT_ANKLE]]
        if self.segmenter.phase is Phase.STANDING:
            shoulders = pose.xy_px[[PoseLandmark.LEFT_SHOULDER, PoseLandmark.RIGHT_SHOULDER]].mean(axis=0)
            height = float(np.linalg.norm(shoulders - np.nanmean(ankles, axis=0)))
            if math.isfinite(height):
                self._standing_px.append(height)
        # The raw pose: the lifting equation's inputs are measured after the fact, smoothed without lag.
        self._poses.append(
            (pose.xyz_m.astype(np.float32), pose.visibility.astype(np.float32), ankles.astype(np.float32))
        )

    def standing_height_px(self) -> float:
        """The person's ankle-to-shoulder height in the picture while standing (the median), NaN before any."""
        return float(np.median(self._standing_px)) if self._standing_px else math.nan

    def _pose_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The kept poses as arrays: t (n,), world (n, 33, 3), visibility (n, 33), picture ankles (n, 2, 2).

        The world landmarks are smoothed after the fact by a centred median over POSE_SMOOTHING_FRAMES
        frames each side: no lag (a causal filter puts moving hands a few centimetres behind), and
        one frame's jitter does not count.
        """
        kept = list(self._poses)
        n = len(kept)
        raw = np.full((n, 33, 3), np.nan)
        vis = np.zeros((n, 33))
        ankles_px = np.full((n, 2, 2), np.nan)
        for i, item in enumerate(kept):
            if item is not None:
                raw[i], vis[i], ankles_px[i] = item
        k = POSE_SMOOTHING_FRAMES
        padded = np.concatenate([np.full((k, 33, 3), np.nan), raw, np.full((k, 33, 3), np.nan)])
        window = np.stack([padded[j : j + n] for j in range(2 * k + 1)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN window stays NaN
            xyz = np.nanmedian(window, axis=0) if n else raw
        xyz = np.where(np.isfinite(raw), xyz, np.nan)  # no pose where the person was not seen
        t = np.array([a.t_s for a in self.angles[self._poses_dropped :]])
        return t, xyz, vis, ankles_px

    def lift_geometries(self, stature_cm: float | None = None) -> dict[int, LiftGeometry | str]:
        """Each lift's grasp and release with H, V and A there (``lift_geometry``), or why they were not measured.

        Scaled by ``stature_cm`` (else the pose's own estimate, marked uncertain), with the floor
        under the feet and the true vertical the kinematics learned.
        """
        out: dict[int, LiftGeometry | str] = {}
        if not self.lifts:
            return out
        t, xyz, vis, _ = self._pose_arrays()
        up = self.kinematics.up
        scale = lift_geometry.estimate_scale(xyz, vis, stature_cm, up)
        floor = lift_geometry.estimate_floor(xyz, vis, scale, up)
        for v in self.lifts:
            frames = [f - self._poses_dropped for f in (v.rep.start_frame, v.rep.bottom_frame, v.rep.end_frame)]
            if frames[0] < 0:
                out[v.rep.index] = "the lift is older than the poses kept (20 minutes)"
                continue
            geometry = lift_geometry.measure_lift(
                xyz, vis, t, *frames, scale=scale, floor=floor, view=v.measures.view.value, up=up
            )
            if not (geometry.origin.measured and geometry.destination.measured):
                out[v.rep.index] = "the hands or the feet were not seen at the grasp or the release"
                continue
            out[v.rep.index] = geometry
        self._scale, self._floor = scale, floor
        return out

    def lifting_indices(self, inputs: TaskInputs, duration_s: float) -> dict[int, NioshResult | str]:
        """The revised NIOSH lifting equation for each lift: its result, or why it could not be assessed.

        H, V, D and A from ``lift_geometries``; F from the times of the complete lifts over the
        video, or the task's rate where the user gave it. One-handed lifts, lifts made kneeling and
        lifts with a step or a pivot are outside the equation and say so; where the view cannot see A
        it is taken as 0°, flagged.
        """
        out: dict[int, NioshResult | str] = {}
        if not self.lifts or duration_s <= 0:
            return out
        geometries = self.lift_geometries(inputs.stature_cm)
        t, xyz, vis, ankles_px = self._pose_arrays()
        complete = [v for v in self.lifts if not v.rep.partial]
        frequency = lifting_frequency(
            [v.rep.bottom_s for v in complete], duration_s, lifting_min_per_15_min=inputs.lifting_min_per_15_min
        )
        if inputs.lifts_per_min is not None:
            seen = f"; the video showed {frequency.lifts_per_min:.1f}" if complete else ""
            note = f"{inputs.lifts_per_min:g} lifts a minute, as given{seen}."
            frequency = Frequency(inputs.lifts_per_min, note=note)
        for v in self.lifts:
            geometry = geometries.get(v.rep.index, "not measured")
            if isinstance(geometry, str):
                out[v.rep.index] = geometry
                continue
            start, end = (f - self._poses_dropped for f in (v.rep.start_frame, v.rep.end_frame))
            task = LiftTask(
                origin=_symmetric_unless_seen(geometry.origin.hand_location()),
                destination=_symmetric_unless_seen(geometry.destination.hand_location()),
                frequency=frequency,
                duration=inputs.duration,
                coupling=inputs.coupling,
                load_kg=inputs.load_kg,
                one_handed=geometry.one_handed,
                kneeling=_kneeling(xyz, vis, geometry.origin.frame, self._scale, self._floor, self.kinematics.up),
                step_or_pivot=_stepped(ankles_px[start : end + 1], self.standing_height_px()),
            )
            out[v.rep.index] = assess(task)
        return out

    def finish(self) -> RepVerdict | None:
        """End of the video or session: judge a lift still open (cut off by the end)."""
        rep = self.segmenter.finish()
        return self._judge(rep) if rep is not None else None

    def _judge(self, rep: Rep) -> RepVerdict:
        earlier = [v.measures for v in self.lifts if not v.rep.partial]
        verdict = judge(rep, self.config.rules, uncertainty=self.config.uncertainty, earlier=earlier)
        self.lifts.append(verdict)
        return verdict


def _symmetric_unless_seen(hands: HandLocation) -> HandLocation:
    """The hands' location with A taken as 0° where the view cannot see it (a side view): a guessed depth
    would cost the limit up to 43% (AM at 135°) on noise. The flag stays and says so."""
    if hands.a_reliability.reliable:
        return hands
    reason = f"{hands.a_reliability.reason}; A taken as 0° (a symmetric lift)"
    return dataclasses.replace(hands, a_deg=0.0, a_reliability=Reliability.uncertain(reason))


def _stepped(ankles_px: np.ndarray, height_px: float) -> bool:
    """True when an ankle moved in the picture by more than STEP_SHARE_OF_HEIGHT of the standing height.

    ``ankles_px`` (frames, 2, 2): the two ankles per frame, NaN where unseen. The picture's ankles
    stay put on planted feet whatever the body does above them; the model's hip-centred world
    ankles do not (they move as the hips go back). A frame's ankles are matched to the lift's usual
    two ankle places whichever way round is nearer (the model swaps left and right now and then), and
    a step must hold for STEP_HOLD_FRAMES frames (a landmark's one-frame jump is not a step).
    """
    if not math.isfinite(height_px) or height_px <= 0 or len(ankles_px) < 2:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an ankle never seen: all-NaN medians
        places = np.nanmedian(ankles_px, axis=0)  # (2, 2): each ankle's usual place
    if not np.isfinite(places).all():
        return False
    direct = np.linalg.norm(ankles_px - places[None], axis=2)  # (frames, 2)
    swapped = np.linalg.norm(ankles_px - places[None, ::-1], axis=2)
    off = np.fmin(np.max(direct, axis=1), np.max(swapped, axis=1))  # NaN where an ankle is unseen
    off = off[np.isfinite(off)]
    if len(off) < STEP_HOLD_FRAMES:
        return False
    # The smallest of each run of STEP_HOLD_FRAMES: the distance the ankle held for that long.
    held = np.lib.stride_tricks.sliding_window_view(off, STEP_HOLD_FRAMES).min(axis=1)
    return float(held.max()) > STEP_SHARE_OF_HEIGHT * height_px


def _kneeling(
    xyz: np.ndarray,
    vis: np.ndarray,
    frame: int,
    scale: lift_geometry.Scale | None,
    floor: lift_geometry.Floor | None,
    up: np.ndarray,
) -> bool:
    """True when a seen knee is within KNEELING_KNEE_CM of the floor at ``frame``."""
    if scale is None or floor is None:
        return False
    pts, seen = xyz[frame], vis[frame] >= 0.5
    ankles = [pts[lm] for lm in (PoseLandmark.LEFT_ANKLE, PoseLandmark.RIGHT_ANKLE) if seen[lm]]
    knees = [pts[lm] for lm in (PoseLandmark.LEFT_KNEE, PoseLandmark.RIGHT_KNEE) if seen[lm]]
    if not ankles or not knees:
        return False
    base = np.mean(ankles, axis=0)
    heights = [float(np.dot(k - base, up)) * scale.cm_per_world_m + floor.below_ankles_cm for k in knees]
    return min(heights) < KNEELING_KNEE_CM


def hud_for(lifts: Sequence[RepVerdict], phase: Phase, message: str = "", now: tuple[str, str] = ("", "ok")) -> Hud:
    """What the overlay shows after these lifts, in this phase, with an optional framing message.

    ``now`` is the (cue, severity) of something happening at this moment (``TwistWatch.cue``).
    """
    last = lifts[-1] if lifts else None
    main = last.main_finding if last else None
    return Hud(
        lift_count=len(lifts),
        phase=phase.value,
        cue=last.cue if last else "",
        cue_severity=(main.severity.value if main else "ok"),
        last_verdict=last.verdict.value if last else None,
        last_lift_index=last.rep.index if last else None,
        last_lift_style=last.measures.style.value if last else None,
        message=message,
        now_cue=now[0],
        now_severity=now[1],
    )


def footage_warnings(engine: Engine, brightness: Sequence[float] = ()) -> list[str]:
    """Warnings about the footage itself, in words a user can act on.

    ``brightness`` is the picture's mean level (0..255) sampled now and then (``frames.Brightness``).
    """
    segmenter = engine.segmenter
    notes = [
        f"The person left the picture during a lift at {start:.1f} s (last seen at {seen:.1f} s); "
        "that lift is not counted."
        for start, seen in segmenter.lost
    ]
    notes += [
        f"A bend from {start:.1f} to {end:.1f} s was not judged: the legs were hidden (behind a table, "
        "a box or the picture's edge), so the model only guessed them. Film the whole body to have it checked."
        for start, end in segmenter.legs_hidden
    ]
    if segmenter.legs_guessed:
        which = ", ".join(str(i) for i in segmenter.legs_guessed)
        notes.append(
            f"The legs were hidden during lift {which} (behind the load or the picture's edge): the bend was seen "
            "in the trunk, but the knee angle, and so the style, is the model's guess."
        )
    seen = engine.frames_seen
    if seen >= 10 and engine.frames_legs_out / seen > 0.3:
        notes.append(
            f"Knees or ankles were out of the picture in {100 * engine.frames_legs_out / seen:.0f}% of the frames: "
            "lift counts and styles may be wrong. Step back or tilt the camera so the whole body shows."
        )
    if len(brightness) and np.median(brightness) < engine.config.dark_mean_level:
        notes.append("The video is very dark: the body may be found unreliably. Film in better light.")
    return notes
