"""Several people in the picture: tell them apart and follow the one who is lifting.

Pure: numpy and the standard library. ``PersonTracker.follow`` takes every pose the
estimator found in one frame and returns the pose of the person being followed (or an
empty pose when that person was not found in this frame: never somebody else's pose
in their place). With one person in view it simply follows them.

Who is lifting is judged from the trunk and the hips, not the arms or the steps: the
person whose trunk bends and twists most and whose hips sink most toward the ankles
(a squat keeps the trunk upright but drops the hips; walking does neither) is the one
the checks are about. Until anyone has moved, a
framing prior decides: the person nearest the centre and largest in the picture is
most likely the one being filmed. The person followed changes only when another leads
by a clear margin, so the angles never hop between people from one frame to the next;
each change is recorded with its time and said in the report.
"""

from __future__ import annotations

import math
import warnings
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from liftcheck.config import DEFAULT_CONFIG, PeopleConfig
from liftcheck.kinematics import trunk_flexion_deg, trunk_twist_deg
from liftcheck.landmarks import PeopleFound, PoseFrame, PoseLandmark

L = PoseLandmark
_HIPS = [L.LEFT_HIP, L.RIGHT_HIP]
_SHOULDERS = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER]
_TRUNK = _HIPS + _SHOULDERS
_ANKLES = [L.LEFT_ANKLE, L.RIGHT_ANKLE]


def _middle(xy: np.ndarray, a: PoseLandmark, b: PoseLandmark) -> tuple[float, float]:
    """The mean of two (33, 2) points, as ``xy[[a, b]].mean(axis=0)`` gives it, in floats."""
    (ax, ay), (bx, by) = xy[a].tolist(), xy[b].tolist()
    return (ax + bx) / 2.0, (ay + by) / 2.0


def hips_px(pose: PoseFrame) -> np.ndarray:
    """The middle of the hips in pixels (NaN when not seen)."""
    return np.array(_middle(pose.xy_px, L.LEFT_HIP, L.RIGHT_HIP))


def torso_px(pose: PoseFrame) -> float:
    """Shoulder-middle to hip-middle in pixels; at least 1 so it can divide."""
    return torso_length(
        _middle(pose.xy_px, L.LEFT_HIP, L.RIGHT_HIP), _middle(pose.xy_px, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    )


def torso_length(hips_px: Sequence[float] | np.ndarray, shoulders_px: Sequence[float] | np.ndarray) -> float:
    """From the middle of the hips to the middle of the shoulders, (x, y) in pixels each; at least 1 so it
    can divide (1 also when either is not seen)."""
    (hx, hy), (sx, sy) = (float(v) for v in hips_px), (float(v) for v in shoulders_px)
    dx, dy = sx - hx, sy - hy
    length = math.sqrt(dx * dx + dy * dy)
    return max(length, 1.0) if math.isfinite(length) else 1.0


def distinct_people(poses: list[PoseFrame], config: PeopleConfig = DEFAULT_CONFIG.people) -> int:
    """How many different people a list of poses shows (one body found twice counts once)."""
    return distinct_bodies([(hips_px(pose), torso_px(pose)) for pose in poses], config)


def distinct_bodies(bodies: list[tuple[np.ndarray, float]], config: PeopleConfig = DEFAULT_CONFIG.people) -> int:
    """How many different people these (middle of the hips in pixels (2,), torso length in pixels)
    show: a body whose hips are closer to a body's already counted than ``config.same_person_torso``
    of the larger torso is the same person. Hips not seen (NaN) are not counted."""
    kept: list[tuple[np.ndarray, float]] = []
    for centre, torso in bodies:
        if not np.isfinite(centre).all():
            continue
        if all(
            np.linalg.norm(centre - other) > config.same_person_torso * max(torso, other_torso)
            for other, other_torso in kept
        ):
            kept.append((centre, torso))
    return len(kept)


@dataclass
class _Person:
    id: int
    hips_px: np.ndarray
    torso_px: float
    first_s: float
    last_s: float
    prior_deg: float = 0.0
    movement_deg: float = 0.0
    measured_s: float = -math.inf  # when movement_deg was last recomputed
    recent: deque = field(default_factory=deque)  # (t_s, flexion_deg, twist_deg, hips over ankles in torsos)

    def score(self) -> float:
        return self.movement_deg + self.prior_deg


@dataclass(frozen=True)
class Switch:
    """The person followed changed at ``t_s``: from ``before`` (None: nobody yet) to ``after``."""

    t_s: float
    before: int | None
    after: int
    where: str  # where the new person is in the picture, in words


class PersonTracker:
    """Keeps track of the people in view and follows the one lifting. One per video or session."""

    def __init__(self, config: PeopleConfig = DEFAULT_CONFIG.people) -> None:
        self.config = config
        self._people: list[_Person] = []
        self._next_id = 0
        self.followed: int | None = None
        self.switches: list[Switch] = []
        self.most_in_view = 0  # the most different people seen in one frame
        self.several_since_s: float | None = None  # when a second person was first seen
        self._followed_where = ""

    def follow(self, poses: list[PoseFrame], t_s: float, image_size: tuple[int, int]) -> PoseFrame:
        """The pose of the person followed in this frame, given every pose found in it."""
        cfg = self.config
        self._people = [p for p in self._people if t_s - p.last_s <= cfg.forget_after_s]
        seen = [pose for pose in poses if np.isfinite(hips_px(pose)).all()]
        in_view = distinct_people(seen, cfg)
        self.most_in_view = max(self.most_in_view, in_view)
        if in_view > 1 and self.several_since_s is None:
            self.several_since_s = t_s
        matched = self._match(seen, t_s)
        for person, pose in matched:
            # Movement only matters for choosing between people: not measured until there are several.
            self._update(person, pose, t_s, image_size, measure=self.most_in_view > 1)
        self._choose(t_s, image_size, [person for person, _ in matched])
        for person, pose in matched:
            if person.id == self.followed:
                self._followed_where = _where(person, image_size)
                return PoseFrame(pose.t_s, pose.xy_px, pose.xyz_m, pose.visibility, pose.image_size, person=person.id)
        return PoseFrame.empty(t_s, image_size, person=self.followed if self.followed is not None else 0)

    # -- telling people apart

    def _match(self, poses: list[PoseFrame], t_s: float) -> list[tuple[_Person, PoseFrame]]:
        cfg = self.config
        if len(poses) == 1 and len(self._people) <= 1:
            # One pose and at most one person known: it is them (the common case, and the
            # one where a fast move or a long gap must not invent a second person).
            person = self._people[0] if self._people else self._new(poses[0], t_s)
            return [(person, poses[0])]
        pairs = []
        for i, pose in enumerate(poses):
            centre, torso = hips_px(pose), torso_px(pose)
            for person in self._people:
                gate = max(torso, person.torso_px) * (cfg.gate_torso + cfg.gate_growth_per_s * (t_s - person.last_s))
                distance = float(np.linalg.norm(centre - person.hips_px))
                if distance <= gate:
                    pairs.append((distance / gate, i, person))
        pairs.sort(key=lambda pair: pair[0])
        out: list[tuple[_Person, PoseFrame]] = []
        used_poses: set[int] = set()
        used_people: set[int] = set()
        for _, i, person in pairs:
            if i in used_poses or person.id in used_people:
                continue
            used_poses.add(i)
            used_people.add(person.id)
            out.append((person, poses[i]))
        for i, pose in enumerate(poses):
            if i in used_poses:
                continue
            if any(
                np.linalg.norm(hips_px(pose) - hips_px(other)) <= cfg.same_person_torso * torso_px(pose)
                for _, other in out
            ):
                continue  # the same body found twice
            out.append((self._new(pose, t_s), pose))
        return out

    def _new(self, pose: PoseFrame, t_s: float) -> _Person:
        person = _Person(self._next_id, hips_px(pose), torso_px(pose), t_s, t_s)
        self._next_id += 1
        self._people.append(person)
        return person

    def _update(
        self, person: _Person, pose: PoseFrame, t_s: float, image_size: tuple[int, int], *, measure: bool
    ) -> None:
        cfg = self.config
        decay = 0.5 ** (max(0.0, t_s - person.last_s) / cfg.movement_half_life_s)
        person.hips_px, person.torso_px, person.last_s = hips_px(pose), torso_px(pose), t_s
        if not measure:
            return
        width, height = image_size
        centred = 1.0 - min(1.0, abs(person.hips_px[0] / width - 0.5) * 2.0)
        large = min(1.0, person.torso_px / (0.25 * height))
        person.prior_deg = cfg.prior_deg * (centred + large)
        person.movement_deg *= decay
        if float(np.min(pose.visibility[_TRUNK])) < cfg.min_trunk_visibility:
            return  # a half-seen trunk gives jittery angles, not movement
        flexion = float(trunk_flexion_deg(pose.xyz_m))
        twist = float(trunk_twist_deg(pose.xyz_m))
        if not (math.isfinite(flexion) and math.isfinite(twist)):
            return
        sink = math.nan
        ankles = [a for a in _ANKLES if pose.visibility[a] >= cfg.min_trunk_visibility]
        if ankles:  # the better-seen ankle will do (side-on, the far one is hidden)
            sink = float(pose.xy_px[ankles, 1].max() - person.hips_px[1]) / person.torso_px
        person.recent.append((t_s, flexion, twist, sink))
        while person.recent and t_s - person.recent[0][0] > cfg.movement_window_s:
            person.recent.popleft()
        if len(person.recent) >= 3 and t_s - person.measured_s >= cfg.movement_every_s:
            person.measured_s = t_s
            values = np.array([v[1:] for v in person.recent])
            # The median of three neighbours removes single-frame spikes before taking the range.
            values = np.median(np.stack([values[:-2], values[1:-1], values[2:]]), axis=0)
            with np.errstate(invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a column all NaN: ankles never seen
                ranges = np.nanmax(values, axis=0) - np.nanmin(values, axis=0)
            ranges[2] *= cfg.hips_drop_deg_per_torso
            moved = float(np.nansum(ranges))
            person.movement_deg = max(person.movement_deg, moved)

    # -- choosing whom to follow

    def _choose(self, t_s: float, image_size: tuple[int, int], visible: list[_Person]) -> None:
        if not visible:
            return
        best = max(visible, key=lambda p: p.score())
        current = next((p for p in self._people if p.id == self.followed), None)
        margin = self.config.switch_margin_deg
        if current is None or (best.id != current.id and best.score() > current.score() + margin):
            if current is not None or self.switches or len(visible) > 1:
                self.switches.append(Switch(t_s, self.followed, best.id, _where(best, image_size)))
            self.followed = best.id

    def notes(self) -> list[str]:
        """What the report should say about the people in view (nothing for one person)."""
        if self.most_in_view < 2:
            return []
        since = self.several_since_s or 0.0
        lines = [
            f"{self.most_in_view} people were in the picture (from {since:.1f} s). liftcheck follows one person "
            "at a time: the one whose trunk bends and twists most, else the one nearest the centre. "
            "Check the skeleton in the annotated video is on the right person."
        ]
        changes = [s for s in self.switches if s.before is not None]
        if changes:
            when = ", ".join(f"{s.t_s:.1f} s (to the person {s.where})" for s in changes)
            lines.append(
                f"The person followed changed at {when}, when they started to bend or twist more than the one "
                "followed before. Angles before a change are the other person's; a lift in progress at a change "
                "is not counted."
            )
        elif self._followed_where:
            lines.append(f"liftcheck followed the same person throughout (last seen {self._followed_where}).")
        return lines


def pick(tracker: PersonTracker | None, found: PeopleFound) -> PoseFrame:
    """The pose of the person followed among ``found``: the tracker's choice, or without one the first pose."""
    if tracker is not None:
        return tracker.follow(list(found.poses), found.t_s, found.image_size)
    return found.poses[0] if found.poses else PoseFrame.empty(found.t_s, found.image_size)


def _where(person: _Person, image_size: tuple[int, int]) -> str:
    x = person.hips_px[0] / image_size[0]
    return "on the left" if x < 1 / 3 else "on the right" if x > 2 / 3 else "in the centre"
