"""The stages, one pose at a time: pose → angles → lift segmenter → rules. Touches no pixels.

Pure: numpy and the standard library only. Files (``pipeline.py``) and the camera (``live.py``)
feed the same ``Engine`` through ``frames.FrameAnalysis``, so a lift found live is the lift the
file analysis finds. What the overlay shows (``hud_for``) and the warnings about the footage in
words (``footage_warnings``) are made here too, from what the engine counted, for both paths.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from liftcheck.config import DEFAULT_CONFIG, Config, RuleConfig, UncertaintyConfig
from liftcheck.guidance import CUES
from liftcheck.kinematics import RELIABLE_IN_VIEW, Angles, Kinematics, Measure, legs_out_of_frame, uncertainty_deg
from liftcheck.landmarks import PoseFrame
from liftcheck.presentation import Hud
from liftcheck.reps import Phase, Rep, RepSegmenter
from liftcheck.rules import RepVerdict, judge


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

    def __init__(self, config: Config = DEFAULT_CONFIG) -> None:
        self.config = config
        self.kinematics = Kinematics(config.kinematics, config.ranges)
        self.segmenter = RepSegmenter(config.reps)
        self.angles: list[Angles] = []
        self.lifts: list[RepVerdict] = []
        self.frames_seen = 0
        self.frames_legs_out = 0  # frames with both knees or both ankles out of the picture
        self.twist_watch = TwistWatch(config.rules, config.uncertainty)
        self._person: int | None = None

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
        if pose.detected:
            self.frames_seen += 1
            self.frames_legs_out += legs_out_of_frame(pose)
        before = self.segmenter.phase
        rep = self.segmenter.update(angles)
        lift = self._judge(rep) if rep is not None else None
        return StepResult(pose, angles, self.segmenter.phase, lift, before, changed)

    def finish(self) -> RepVerdict | None:
        """End of the video or session: judge a lift still open (cut off by the end)."""
        rep = self.segmenter.finish()
        return self._judge(rep) if rep is not None else None

    def _judge(self, rep: Rep) -> RepVerdict:
        verdict = judge(rep, self.config.rules, uncertainty=self.config.uncertainty)
        self.lifts.append(verdict)
        return verdict


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
