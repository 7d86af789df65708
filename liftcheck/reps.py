"""Splitting a stream of body angles into lifts: one streaming segmenter for files and camera.

Pure: numpy and the standard library only.

A lift is a cycle from standing, down toward the floor, and back up to standing. The
segmenter is fed one ``Angles`` at a time (``update``) and returns a ``Rep`` the moment
one ends; ``finish`` closes a lift cut off by the end of the video. What it refuses:

- walking and turning by stepping: the knees bend, one at a time, but the shoulders
  never drop a quarter of the body's length, so no cycle is deep enough;
- sitting down (or kneeling): the body stays low, knees bent and trunk upright, longer
  than a lift's bottom lasts; standing up afterwards is not a lift either;
- a seated person reaching to the floor: they never stand, so no cycle starts.

A clip that starts mid-lift (already bent) gives a lift marked ``cut_off="start"``; one
that ends mid-lift gives ``cut_off="end"``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np

from liftcheck.config import DEFAULT_CONFIG, RepConfig
from liftcheck.kinematics import Angles


class Phase(str, Enum):
    """Where the person is in the lift cycle, as the segmenter sees it now."""

    WAITING = "waiting"  # nobody seen yet, or not yet standing
    STANDING = "standing"
    DOWN = "going down"
    UP = "coming up"
    LOW = "staying low"  # sitting or kneeling: not counted as a lift


@dataclass(frozen=True, eq=False)
class Rep:
    """One lift: its times (seconds) and frame numbers, and the angles of every frame inside it.

    Frame numbers count the ``Angles`` fed to the segmenter, from 0. ``frames`` runs
    from the last standing frame before the lift to the first standing frame after it.
    """

    index: int  # 1 for the first lift of the session
    start_s: float
    bottom_s: float
    end_s: float
    start_frame: int
    bottom_frame: int
    end_frame: int
    frames: tuple[Angles, ...]
    cut_off: str = ""  # "", "start" or "end": the video cut the lift off there

    def __post_init__(self) -> None:
        if not (self.start_s <= self.bottom_s <= self.end_s):
            raise ValueError(
                f"Rep times must satisfy start <= bottom <= end, got {self.start_s}, {self.bottom_s}, {self.end_s}"
            )
        if self.cut_off not in ("", "start", "end"):
            raise ValueError(f"Rep.cut_off must be '', 'start' or 'end', got {self.cut_off!r}")
        if not self.frames:
            raise ValueError("Rep.frames must hold at least one frame")

    @property
    def partial(self) -> bool:
        return bool(self.cut_off)

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def trace(self, name: str) -> np.ndarray:
        """One angle over the lift, e.g. ``trace("trunk_flexion_deg")``: shape (len(frames),)."""
        return np.array([getattr(a, name) for a in self.frames], dtype=float)

    @property
    def times_s(self) -> np.ndarray:
        return self.trace("t_s")


def is_standing(angles: Angles, config: RepConfig = DEFAULT_CONFIG.reps) -> bool:
    """Upright on straight legs: shoulders near full height, knees straight, trunk upright."""
    if not angles.seen or not math.isfinite(angles.lowering):
        return False
    knee_ok = not math.isfinite(angles.knee_flexion_deg) or angles.knee_flexion_deg <= config.standing_max_knee_deg
    trunk_ok = not math.isfinite(angles.trunk_flexion_deg) or angles.trunk_flexion_deg <= config.standing_max_trunk_deg
    return angles.lowering <= config.standing_max_lowering and knee_ok and trunk_ok


def _legs_bent_low(angles: Angles, config: RepConfig) -> bool:
    return (
        angles.seen
        and angles.knee_flexion_deg >= config.sit_min_knee_deg
        and angles.lowering > config.standing_max_lowering
    )


class RepSegmenter:
    """Finds lifts frame by frame. One per video or live session.

    ``update(angles)`` returns the ``Rep`` that ends at this frame, else None; ``finish()``
    returns a lift left open by the end of the stream, else None. ``phase`` says where
    the person is now (for a live display).
    """

    def __init__(self, config: RepConfig = DEFAULT_CONFIG.reps) -> None:
        self.config = config
        self.phase = Phase.WAITING
        self.count = 0
        # (start_s, last seen s) of lifts abandoned because the person left the picture.
        self.lost: list[tuple[float, float]] = []
        # (start_s, end_s) of lift-like movements not counted because the legs were hidden.
        self.legs_hidden: list[tuple[float, float]] = []
        # Indices of lifts counted from the trunk alone, their legs hidden (the style is a guess).
        self.legs_guessed: list[int] = []
        self._frame = -1
        self._ever_seen = False
        self._candidate: list[tuple[int, Angles]] = []
        self._candidate_from_start = False
        self._max_lowering = -math.inf
        self._bottom: tuple[int, Angles] | None = None
        self._seated_since: float | None = None
        self._seated_knee = 0.0
        self._seated = False
        self._standing_run: list[tuple[int, Angles]] = []
        self._last_seen_t: float | None = None

    # -- helpers

    def _open(self, start: tuple[int, Angles] | None, from_start: bool) -> None:
        self._candidate = [start] if start is not None else []
        self._candidate_from_start = from_start
        self._max_lowering = -math.inf
        self._bottom = None
        self._seated_since = None
        self._seated = False

    def _close(self) -> None:
        self._candidate = []
        self._bottom = None
        self._max_lowering = -math.inf
        self._seated = False
        self._seated_since = None

    def _abandon(self) -> None:
        """Drop a lift in progress because the person went out of view, remembering when."""
        if self._candidate and self._max_lowering >= self.config.min_depth_lowering and not self._seated:
            self.lost.append((self._candidate[0][1].t_s, self._last_seen_t if self._last_seen_t is not None else 0.0))
        self._close()

    def _make_rep(self, cut_off: str) -> Rep | None:
        frames = self._candidate
        if self._bottom is None or len(frames) < 2:
            return None
        if self._seated or self._max_lowering < self.config.min_depth_lowering:
            return None
        start_i, start_a = frames[0]
        end_i, end_a = frames[-1]
        duration = end_a.t_s - start_a.t_s
        if not cut_off and not (self.config.min_rep_duration_s <= duration <= self.config.max_rep_duration_s):
            return None
        bottom_i, bottom_a = self._bottom
        legs = [a.legs_visibility for _, a in frames if a.seen]
        guessed = bool(legs) and float(np.median(legs)) < self.config.min_legs_visibility
        if guessed:
            # The shoulders' drop then rests on guessed legs; only a trunk bent far forward
            # shows for itself that the person went down.
            trunk = [a.trunk_flexion_deg for _, a in frames if math.isfinite(a.trunk_flexion_deg)]
            if not trunk or max(trunk) < self.config.hidden_legs_min_trunk_deg:
                self.legs_hidden.append((start_a.t_s, end_a.t_s))
                return None
        self.count += 1
        if guessed:
            self.legs_guessed.append(self.count)
        return Rep(
            index=self.count,
            start_s=start_a.t_s,
            bottom_s=bottom_a.t_s,
            end_s=end_a.t_s,
            start_frame=start_i,
            bottom_frame=bottom_i,
            end_frame=end_i,
            frames=tuple(a for _, a in frames),
            cut_off=cut_off,
        )

    def _track_depth(self, i: int, a: Angles) -> None:
        if a.seen and math.isfinite(a.lowering) and a.lowering > self._max_lowering:
            self._max_lowering = a.lowering
            self._bottom = (i, a)
        # Sitting (or kneeling) holds the legs bent and still while the trunk may move (a seated
        # reach); a lift bends and straightens the knees without pause.
        if _legs_bent_low(a, self.config):
            moved = self._seated_since is not None and abs(a.knee_flexion_deg - self._seated_knee) > (
                self.config.sit_max_knee_drift_deg
            )
            if self._seated_since is None or moved:
                self._seated_since = a.t_s
                self._seated_knee = a.knee_flexion_deg
            elif a.t_s - self._seated_since >= self.config.sit_min_hold_s:
                self._seated = True
        elif a.seen:
            self._seated_since = None

    def restart(self) -> None:
        """Another person is followed from now on: drop any lift in progress (it was not theirs)."""
        self._close()
        self._standing_run = []
        self._ever_seen = True
        self.phase = Phase.WAITING

    # -- the stream

    def update(self, angles: Angles) -> Rep | None:
        self._frame += 1
        i = self._frame
        cfg = self.config
        if angles.seen:
            if self._last_seen_t is not None and angles.t_s - self._last_seen_t > cfg.max_unseen_s and self._candidate:
                # Lost sight of the person in the middle of a lift: what happened is unknown.
                self._abandon()
                self.phase = Phase.WAITING
            self._last_seen_t = angles.t_s
        elif self._last_seen_t is not None and angles.t_s - self._last_seen_t > cfg.max_unseen_s:
            if self._candidate:
                self._abandon()
            self.phase = Phase.WAITING
            return None

        standing = is_standing(angles, cfg)

        if self.phase == Phase.WAITING:
            if not angles.seen:
                return None
            if standing:
                self.phase = Phase.STANDING
                self._standing_run = [(i, angles)]
                return None
            if not self._ever_seen:
                # The video starts with the person already down: perhaps the second half of a lift.
                self._ever_seen = True
                self._open((i, angles), from_start=True)
                self._track_depth(i, angles)
                self.phase = Phase.DOWN
                return None
            return None
        self._ever_seen = self._ever_seen or angles.seen

        if self.phase == Phase.STANDING:
            if standing or not angles.seen:
                if standing:
                    self._standing_run = [(i, angles)]
                return None
            # Leaving standing: the lift starts at the last standing frame.
            self._open(self._standing_run[-1] if self._standing_run else None, from_start=False)
            self._candidate.append((i, angles))
            self._track_depth(i, angles)
            self.phase = Phase.DOWN
            return None

        # In a candidate lift (DOWN, UP or LOW).
        self._candidate.append((i, angles))
        if standing:
            self._standing_run.append((i, angles))  # emptied by any seen frame that is not standing
            first_i, first_a = self._standing_run[0]
            if angles.t_s - first_a.t_s >= cfg.min_stand_s:
                # Back up: the lift ends at the first standing frame of this run.
                while self._candidate and self._candidate[-1][0] > first_i:
                    self._candidate.pop()
                rep = self._make_rep("start" if self._candidate_from_start else "")
                self._close()
                self.phase = Phase.STANDING
                self._standing_run = [(i, angles)]
                return rep
            return None
        if angles.seen:
            self._standing_run = []
        self._track_depth(i, angles)
        if self._seated:
            self.phase = Phase.LOW
        elif self._bottom is not None and angles.seen and angles.lowering < self._max_lowering - 0.05:
            self.phase = Phase.UP
        else:
            self.phase = Phase.DOWN
        return None

    def finish(self) -> Rep | None:
        """Close the stream: a lift still open, deep enough, is returned as cut off at the end."""
        rep = None
        if self.phase in (Phase.DOWN, Phase.UP) and self._candidate and not self._candidate_from_start:
            rep = self._make_rep("end")
        self._close()
        self.phase = Phase.WAITING
        return rep


def segment(angles: list[Angles] | tuple[Angles, ...], config: RepConfig = DEFAULT_CONFIG.reps) -> list[Rep]:
    """All lifts in a finished sequence: the streaming segmenter run in a loop."""
    segmenter = RepSegmenter(config)
    reps = [rep for a in angles if (rep := segmenter.update(a)) is not None]
    last = segmenter.finish()
    if last is not None:
        reps.append(last)
    return reps
