"""The Revised NIOSH Lifting Equation: the recommended weight limit and lifting index of a lift.

Pure: the standard library only. Lengths are centimetres, angles degrees, loads kilograms,
frequencies lifts per minute; names carry the unit.

Sources:
- Waters, Putz-Anderson, Garg & Fine 1993, "Revised NIOSH equation for the design and evaluation
  of manual lifting tasks", Ergonomics 36(7):749-776: the load constant and the multiplier formulas.
- NIOSH, Applications Manual for the Revised NIOSH Lifting Equation, publication 94-110 (1994,
  revised 2021): Table 5 (frequency), Table 7 (coupling), the duration categories, the limits of
  the equation, and the frequency rules.
- ``shared/NIOSH.md``: the same tables as this project checked them; every value below was
  compared with it.

The flow: a ``LiftTask`` (hand locations at the origin and destination, each with a reliability
flag, the frequency, the work duration, the coupling, the load if known, and the caller's flags
for lifts the equation does not cover) goes into ``assess``, which returns a ``NioshResult``
(all multipliers, the RWL at both ends, the LI and its band, or the reason the LI does not apply).
``most_helpful_change`` turns a result into one plain sentence.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

# ---------------------------------------------------------------------------------------
# Constants, each from Waters et al. 1993 unless said otherwise

# The load that nearly all healthy workers can lift in ideal conditions.
LOAD_CONSTANT_KG = 23.0

# Horizontal: HM = 25/H. Closer than 25 cm the body itself is in the way, so H counts as 25;
# beyond 63 cm most people cannot hold a load without losing balance, so HM = 0.
H_MIN_CM = 25.0
H_MAX_CM = 63.0

# Vertical: VM = 1 − 0.003·|V − 75|; 75 cm is knuckle height, above 175 cm VM = 0.
V_BEST_CM = 75.0
V_MAX_CM = 175.0
VM_PER_CM = 0.003

# Distance: DM = 0.82 + 4.5/D; under 25 cm of travel DM = 1 (the formula gives exactly 1 at 25),
# over 175 cm DM = 0.
D_MIN_CM = 25.0
D_MAX_CM = 175.0
DM_BASE = 0.82
DM_CM = 4.5

# Asymmetry: AM = 1 − 0.0032·A; past 135° AM = 0.
AM_PER_DEG = 0.0032
A_MAX_DEG = 135.0

# Frequency (Table 5): F is averaged over 15 minutes; lifting less often than once in 5 minutes
# counts as 0.2 lifts a minute (the table's footnote); past 15 a minute FM = 0.
F_WINDOW_MIN = 15.0
F_MIN_PER_MIN = 0.2
F_MAX_PER_MIN = 15.0

# FM and CM have one column for hands starting below 75 cm (30 inches) and one for 75 cm and up.
V_COLUMN_SPLIT_CM = 75.0

# Lifting index bands: up to 1 acceptable for nearly all workers, over 1 an increased risk for
# some, over 3 a high risk for many (Applications Manual; NIOSH.md).
LI_INCREASED_ABOVE = 1.0
LI_HIGH_ABOVE = 3.0


# ---------------------------------------------------------------------------------------
# Categories the user gives


class Coupling(str, Enum):
    """How well the hands can hold the load (Applications Manual, Table 6)."""

    GOOD = "good"  # handles or hand-hold cut-outs of good design
    FAIR = "fair"  # poor handles, or fingers can wrap about 90° under the container
    POOR = "poor"  # no handles, bulky, hard to grip, or sagging


class WorkDuration(str, Enum):
    """The work-duration column of Table 5, as the Applications Manual defines it.

    - ``SHORT``: up to 1 hour of lifting, followed by a recovery period (light work) of at least
      1.2 times the lifting time.
    - ``MODERATE``: more than 1 and up to 2 hours, followed by recovery of at least 0.3 times it.
    - ``LONG``: more than 2 and up to 8 hours, with the usual breaks.

    The recovery rules are the manual's; a task that lacks the recovery belongs in the next column.
    """

    SHORT = "short"
    MODERATE = "moderate"
    LONG = "long"

    @property
    def label(self) -> str:
        return {"short": "up to 1 hour", "moderate": "1 to 2 hours", "long": "2 to 8 hours"}[self.value]


class Band(str, Enum):
    """Where a lifting index falls."""

    ACCEPTABLE = "acceptable"  # LI ≤ 1
    INCREASED = "increased"  # 1 < LI ≤ 3
    HIGH = "high"  # LI > 3


class End(str, Enum):
    """The two ends of a lift: where the load is grasped and where it is released."""

    ORIGIN = "origin"
    DESTINATION = "destination"


@dataclass(frozen=True)
class TaskInputs:
    """What the user tells about the task: the load, their stature, the grip and how long they lift.

    Without ``load_kg`` there is no lifting index (the limit, RWL, is still given); without
    ``stature_cm`` the scale comes from the pose, marked uncertain. ``lifting_min_per_15_min``
    (how many minutes of every 15 are spent lifting) applies the short-sample frequency rule.
    ``lifts_per_min`` is the task's own rate, as the person who knows the task gives it: a
    short video of a task shows how a lift is done better than how often (a gym clip of
    back-to-back lifts would read as 18 lifts a minute); given, it is F, in place of the video's.
    """

    load_kg: float | None = None
    stature_cm: float | None = None
    coupling: Coupling = Coupling.FAIR
    duration: WorkDuration = WorkDuration.SHORT
    lifting_min_per_15_min: float | None = None
    lifts_per_min: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "coupling", Coupling(self.coupling))
        object.__setattr__(self, "duration", WorkDuration(self.duration))
        if self.load_kg is not None:
            _require_finite("load_kg", self.load_kg, "a load in kg (more than 0, at most 200) or None")
            if not 0.0 < self.load_kg <= 200.0:
                raise ValueError(
                    f"load_kg must be a load in kg (more than 0, at most 200) or None, got {self.load_kg!r}"
                )
            object.__setattr__(self, "load_kg", float(self.load_kg))
        if self.stature_cm is not None:
            _require_finite("stature_cm", self.stature_cm, "a height in cm (50–250) or None")
            if not 50.0 <= self.stature_cm <= 250.0:
                raise ValueError(f"stature_cm must be a height in cm (50–250) or None, got {self.stature_cm!r}")
            object.__setattr__(self, "stature_cm", float(self.stature_cm))
        if self.lifts_per_min is not None:
            _require_finite("lifts_per_min", self.lifts_per_min, "lifts a minute (more than 0, at most 20) or None")
            if not 0.0 < self.lifts_per_min <= 20.0:  # Table 5 ends at 15 a minute; beyond it FM is 0 anyway
                expected = "lifts a minute (more than 0, at most 20) or None"
                raise ValueError(f"lifts_per_min must be {expected}, got {self.lifts_per_min!r}")
            object.__setattr__(self, "lifts_per_min", float(self.lifts_per_min))

    def to_dict(self) -> dict[str, Any]:
        return {
            "load_kg": self.load_kg,
            "stature_cm": self.stature_cm,
            "coupling": self.coupling.value,
            "duration": self.duration.value,
            "lifting_min_per_15_min": self.lifting_min_per_15_min,
            "lifts_per_min": self.lifts_per_min,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskInputs:
        def number(key: str) -> float | None:
            value = data.get(key)
            return float(value) if isinstance(value, numbers.Real) and not isinstance(value, bool) else None

        return cls(
            load_kg=number("load_kg"),
            stature_cm=number("stature_cm"),
            coupling=Coupling(data.get("coupling") or Coupling.FAIR.value),
            duration=WorkDuration(data.get("duration") or WorkDuration.SHORT.value),
            lifting_min_per_15_min=number("lifting_min_per_15_min"),
            lifts_per_min=number("lifts_per_min"),
        )


# ---------------------------------------------------------------------------------------
# The multipliers, one function each


def _require_finite(name: str, value: float, expected: str) -> None:
    # numbers.Real takes numpy's scalars too; a bool is a number to Python but never a measurement.
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"{name} must be {expected}, got {value!r}")


def horizontal_multiplier(h_cm: float) -> float:
    """HM = 25/H for H in cm; 1 up to 25 cm, 0 beyond 63 cm."""
    _require_finite("h_cm", h_cm, "a finite distance in cm")
    if h_cm < 0:
        raise ValueError(f"h_cm must be a distance of 0 cm or more, got {h_cm!r}")
    if h_cm > H_MAX_CM:
        return 0.0
    return H_MIN_CM / max(h_cm, H_MIN_CM)


def vertical_multiplier(v_cm: float) -> float:
    """VM = 1 − 0.003·|V − 75| for V in cm above the floor; 0 above 175 cm; V below 0 is refused."""
    _require_finite("v_cm", v_cm, "a finite height in cm")
    if v_cm < 0:
        raise ValueError(f"v_cm must be a height above the floor (0 cm or more), got {v_cm!r}")
    if v_cm > V_MAX_CM:
        return 0.0
    return 1.0 - VM_PER_CM * abs(v_cm - V_BEST_CM)


def distance_multiplier(d_cm: float) -> float:
    """DM = 0.82 + 4.5/D for the vertical travel D in cm; 1 under 25 cm, 0 over 175 cm."""
    _require_finite("d_cm", d_cm, "a finite travel in cm")
    if d_cm < 0:
        raise ValueError(f"d_cm must be a travel of 0 cm or more, got {d_cm!r}")
    if d_cm > D_MAX_CM:
        return 0.0
    return DM_BASE + DM_CM / max(d_cm, D_MIN_CM)


def asymmetry_multiplier(a_deg: float) -> float:
    """AM = 1 − 0.0032·A for the asymmetry angle A in degrees (0–180); 0 past 135°."""
    _require_finite("a_deg", a_deg, "a finite angle in degrees")
    if not 0.0 <= a_deg <= 180.0:
        raise ValueError(f"a_deg must be an angle between two lines, 0–180°, got {a_deg!r}")
    if a_deg > A_MAX_DEG:
        return 0.0
    return 1.0 - AM_PER_DEG * a_deg


# Table 5 of the Applications Manual, row by row. Columns: SHORT (V < 75, V ≥ 75),
# MODERATE (V < 75, V ≥ 75), LONG (V < 75, V ≥ 75). Checked value by value against NIOSH.md.
_FM_ROWS: tuple[tuple[float, tuple[float, float, float, float, float, float]], ...] = (
    (0.2, (1.00, 1.00, 0.95, 0.95, 0.85, 0.85)),
    (0.5, (0.97, 0.97, 0.92, 0.92, 0.81, 0.81)),
    (1.0, (0.94, 0.94, 0.88, 0.88, 0.75, 0.75)),
    (2.0, (0.91, 0.91, 0.84, 0.84, 0.65, 0.65)),
    (3.0, (0.88, 0.88, 0.79, 0.79, 0.55, 0.55)),
    (4.0, (0.84, 0.84, 0.72, 0.72, 0.45, 0.45)),
    (5.0, (0.80, 0.80, 0.60, 0.60, 0.35, 0.35)),
    (6.0, (0.75, 0.75, 0.50, 0.50, 0.27, 0.27)),
    (7.0, (0.70, 0.70, 0.42, 0.42, 0.22, 0.22)),
    (8.0, (0.60, 0.60, 0.35, 0.35, 0.18, 0.18)),
    (9.0, (0.52, 0.52, 0.30, 0.30, 0.00, 0.15)),
    (10.0, (0.45, 0.45, 0.26, 0.26, 0.00, 0.13)),
    (11.0, (0.41, 0.41, 0.00, 0.23, 0.00, 0.00)),
    (12.0, (0.37, 0.37, 0.00, 0.21, 0.00, 0.00)),
    (13.0, (0.00, 0.34, 0.00, 0.00, 0.00, 0.00)),
    (14.0, (0.00, 0.31, 0.00, 0.00, 0.00, 0.00)),
    (15.0, (0.00, 0.28, 0.00, 0.00, 0.00, 0.00)),
)
_FM_BY_ROW = dict(_FM_ROWS)
_DURATION_COLUMN = {WorkDuration.SHORT: 0, WorkDuration.MODERATE: 2, WorkDuration.LONG: 4}


def frequency_row(lifts_per_min: float) -> float | None:
    """The Table 5 row a frequency is read from; None beyond 15 lifts a minute (FM = 0).

    Up to 0.2 a minute reads the 0.2 row (the table's footnote). A frequency between two rows
    reads the next higher frequency's row: FM falls as F rises in every column, so this never
    gives a larger limit than the table would at the true frequency. (Calculators often
    interpolate linearly instead; we do not know of a rule for it in the manual, and
    interpolation would give slightly larger limits between rows.)
    """
    _require_finite("lifts_per_min", lifts_per_min, "a finite number of lifts a minute")
    if lifts_per_min < 0:
        raise ValueError(f"lifts_per_min must be 0 or more, got {lifts_per_min!r}")
    if lifts_per_min > F_MAX_PER_MIN:
        return None
    for row, _ in _FM_ROWS:
        if lifts_per_min <= row:
            return row
    raise AssertionError("unreachable: the last row is F_MAX_PER_MIN")  # pragma: no cover


def frequency_multiplier(lifts_per_min: float, duration: WorkDuration, v_origin_cm: float) -> float:
    """FM from Table 5: by the frequency's row (see ``frequency_row``), the duration, and V at the origin.

    The Applications Manual picks the V column by the hands' height at the origin of the lift.
    """
    duration = WorkDuration(duration)
    _require_finite("v_origin_cm", v_origin_cm, "a finite height in cm")
    row = frequency_row(lifts_per_min)
    if row is None:
        return 0.0
    values = _FM_BY_ROW[row]
    column = _DURATION_COLUMN[duration] + (0 if v_origin_cm < V_COLUMN_SPLIT_CM else 1)
    return values[column]


# Table 7 of the Applications Manual: (V < 75 cm, V ≥ 75 cm).
_CM_TABLE: dict[Coupling, tuple[float, float]] = {
    Coupling.GOOD: (1.00, 1.00),
    Coupling.FAIR: (0.95, 1.00),
    Coupling.POOR: (0.90, 0.90),
}


def coupling_multiplier(coupling: Coupling, v_cm: float) -> float:
    """CM from Table 7 for the coupling and the hands' height at the end being assessed."""
    coupling = Coupling(coupling)
    _require_finite("v_cm", v_cm, "a finite height in cm")
    low, high = _CM_TABLE[coupling]
    return low if v_cm < V_COLUMN_SPLIT_CM else high


def li_band(li: float) -> Band:
    """The band of a lifting index: ≤ 1 acceptable, > 1 to 3 increased, > 3 high."""
    _require_finite("li", li, "a finite lifting index")
    if li < 0:
        raise ValueError(f"li must be 0 or more, got {li!r}")
    if li <= LI_INCREASED_ABOVE:
        return Band.ACCEPTABLE
    if li <= LI_HIGH_ABOVE:
        return Band.INCREASED
    return Band.HIGH


# ---------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class Reliability:
    """Whether a measured input can be trusted, and if not, why (e.g. "H is mostly depth in a front view")."""

    reliable: bool = True
    reason: str = ""

    def __post_init__(self) -> None:
        if not self.reliable and not self.reason.strip():
            raise ValueError("Reliability: an uncertain measure needs a reason, got an empty one")
        if self.reliable and self.reason:
            raise ValueError(f"Reliability: a reliable measure takes no reason, got {self.reason!r}")

    @classmethod
    def uncertain(cls, reason: str) -> Reliability:
        return cls(False, reason)

    @staticmethod
    def combine(*flags: Reliability) -> Reliability:
        """Uncertain if any flag is, with every distinct reason in order."""
        reasons: list[str] = []
        for flag in flags:
            if not flag.reliable and flag.reason not in reasons:
                reasons.append(flag.reason)
        return Reliability.uncertain("; ".join(reasons)) if reasons else RELIABLE

    def to_dict(self) -> dict[str, Any]:
        return {"reliable": self.reliable, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reliability:
        return cls(bool(data["reliable"]), str(data.get("reason", "")))


RELIABLE = Reliability()


@dataclass(frozen=True)
class HandLocation:
    """Where the hands hold the load at one end of a lift.

    Attributes:
        h_cm: horizontal distance from the mid-point of the ankles to the point on the floor below
            the mid-point of the grasp.
        v_cm: height of the grasp above the floor.
        a_deg: asymmetry angle, 0–180°: between the mid-sagittal line of the feet and the line from
            the mid-ankles to the grasp, both on the floor.
        *_reliability: whether each was measured in a view that can see it.
    """

    h_cm: float
    v_cm: float
    a_deg: float
    h_reliability: Reliability = RELIABLE
    v_reliability: Reliability = RELIABLE
    a_reliability: Reliability = RELIABLE

    def __post_init__(self) -> None:
        _require_finite("HandLocation.h_cm", self.h_cm, "a finite distance in cm")
        _require_finite("HandLocation.v_cm", self.v_cm, "a finite height in cm")
        _require_finite("HandLocation.a_deg", self.a_deg, "a finite angle in degrees")
        # Store plain floats: numpy scalars and ints would leak into the report's JSON.
        for name in ("h_cm", "v_cm", "a_deg"):
            object.__setattr__(self, name, float(getattr(self, name)))
        if self.h_cm < 0:
            raise ValueError(f"HandLocation.h_cm must be 0 cm or more, got {self.h_cm!r}")
        if self.v_cm < 0:
            raise ValueError(f"HandLocation.v_cm must be a height above the floor (0 cm or more), got {self.v_cm!r}")
        if not 0.0 <= self.a_deg <= 180.0:
            raise ValueError(f"HandLocation.a_deg must be 0–180°, got {self.a_deg!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "h_cm": self.h_cm,
            "v_cm": self.v_cm,
            "a_deg": self.a_deg,
            "h_reliability": self.h_reliability.to_dict(),
            "v_reliability": self.v_reliability.to_dict(),
            "a_reliability": self.a_reliability.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HandLocation:
        return cls(
            h_cm=float(data["h_cm"]),
            v_cm=float(data["v_cm"]),
            a_deg=float(data["a_deg"]),
            h_reliability=Reliability.from_dict(data["h_reliability"]),
            v_reliability=Reliability.from_dict(data["v_reliability"]),
            a_reliability=Reliability.from_dict(data["a_reliability"]),
        )


@dataclass(frozen=True)
class Frequency:
    """How often the lift is done, in lifts a minute averaged over 15 minutes.

    Attributes:
        lifts_per_min: F for Table 5.
        observed_min: how long the lifts were counted over; None when the user gave F.
        short_sample: the observed period was under 15 minutes (see ``lifting_frequency``).
        reliability: uncertain when F rests on an assumption about time not seen.
        note: one sentence on how F was obtained, for the report.
    """

    lifts_per_min: float
    observed_min: float | None = None
    short_sample: bool = False
    reliability: Reliability = RELIABLE
    note: str = ""

    def __post_init__(self) -> None:
        _require_finite("Frequency.lifts_per_min", self.lifts_per_min, "a finite number of lifts a minute")
        if self.lifts_per_min < 0:
            raise ValueError(f"Frequency.lifts_per_min must be 0 or more, got {self.lifts_per_min!r}")
        object.__setattr__(self, "lifts_per_min", float(self.lifts_per_min))
        if self.observed_min is not None and not (math.isfinite(self.observed_min) and self.observed_min > 0):
            raise ValueError(
                f"Frequency.observed_min must be a positive number of minutes or None, got {self.observed_min!r}"
            )
        if self.observed_min is not None:
            object.__setattr__(self, "observed_min", float(self.observed_min))

    def to_dict(self) -> dict[str, Any]:
        return {
            "lifts_per_min": self.lifts_per_min,
            "observed_min": self.observed_min,
            "short_sample": self.short_sample,
            "reliability": self.reliability.to_dict(),
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Frequency:
        observed = data.get("observed_min")
        return cls(
            lifts_per_min=float(data["lifts_per_min"]),
            observed_min=None if observed is None else float(observed),
            short_sample=bool(data.get("short_sample", False)),
            reliability=Reliability.from_dict(data["reliability"]),
            note=str(data.get("note", "")),
        )


def lifting_frequency(
    lift_times_s: Iterable[float],
    observed_s: float,
    *,
    lifting_min_per_15_min: float | None = None,
) -> Frequency:
    """F from the times of the lifts seen in a video of ``observed_s`` seconds.

    - 15 minutes or more observed: the most lifts in any 15-minute window, divided by 15. NIOSH
      averages F over 15 minutes; taking the busiest window is the conservative choice when the
      pace varies.
    - Under 15 minutes observed, the short-sample case. The Applications Manual's special
      frequency procedure is for lifting that lasts under 15 minutes within the 15: the lifts of
      the whole 15 minutes (rate × lifting minutes) are divided by 15. A video cannot show what
      happens after it ends, so:
        * when the user says how many minutes of every 15 are spent lifting
          (``lifting_min_per_15_min``), we apply that procedure: F = rate × W / 15;
        * otherwise we assume the lifting goes on at the observed rate for the whole 15 minutes
          (F = lifts / observed minutes), which can only overstate F, never understate it. The
          result is marked uncertain and its note says how many minutes the video covered.

    This is our reading of the manual's procedure, written from its description (NIOSH.md names
    it without the details); check it against the manual before relying on the exact numbers.
    """
    _require_finite("observed_s", observed_s, "a finite duration in seconds")
    if observed_s <= 0:
        raise ValueError(f"observed_s must be a positive duration in seconds, got {observed_s!r}")
    times = sorted(float(t) for t in lift_times_s)
    for t in times:
        if not math.isfinite(t):
            raise ValueError(f"lift_times_s must be finite times in seconds, got {t!r}")
    if lifting_min_per_15_min is not None:
        _require_finite("lifting_min_per_15_min", lifting_min_per_15_min, "minutes of lifting in every 15")
        if not 0.0 < lifting_min_per_15_min <= F_WINDOW_MIN:
            raise ValueError(
                f"lifting_min_per_15_min must be more than 0 and at most 15 minutes, got {lifting_min_per_15_min!r}"
            )
    observed_min = observed_s / 60.0
    window_s = F_WINDOW_MIN * 60.0
    if observed_s >= window_s:
        busiest = 0
        first = 0
        for last, t in enumerate(times):
            while t - times[first] >= window_s:
                first += 1
            busiest = max(busiest, last - first + 1)
        return Frequency(
            lifts_per_min=busiest / F_WINDOW_MIN,
            observed_min=observed_min,
            note=f"{busiest} lifts in the busiest 15 minutes of {observed_min:.1f} observed.",
        )
    rate = len(times) / observed_min
    if lifting_min_per_15_min is not None:
        f = rate * lifting_min_per_15_min / F_WINDOW_MIN
        return Frequency(
            lifts_per_min=f,
            observed_min=observed_min,
            short_sample=True,
            note=(
                f"{len(times)} lifts in {observed_min:.1f} minutes ({rate:.2f} a minute), lifting "
                f"{lifting_min_per_15_min:g} of every 15 minutes: F = {rate:.2f} × {lifting_min_per_15_min:g} / 15 "
                f"= {f:.2f} a minute (the Applications Manual's special frequency procedure)."
            ),
        )
    reason = f"the video covered only {observed_min:.1f} minutes; F assumes lifting goes on at this rate for 15 minutes"
    return Frequency(
        lifts_per_min=rate,
        observed_min=observed_min,
        short_sample=True,
        reliability=Reliability.uncertain(reason),
        note=f"{len(times)} lifts in {observed_min:.1f} minutes: {reason}.",
    )


@dataclass(frozen=True)
class LiftTask:
    """Everything the equation needs about one lift.

    Attributes:
        origin, destination: the hands at the grasp and at the release.
        frequency: F (see ``lifting_frequency``).
        duration, coupling: given by the user.
        load_kg: the load; None when unknown (then the RWL is given but no LI).
        control_at_destination: the load must be placed with care, so the destination is assessed
            too (the manual asks for it then). We cannot see this in a video; True, the default,
            assesses both ends, which can only lower the limit.
        one_handed, seated, kneeling, step_or_pivot: the caller's flags for lifts the equation does
            not cover (Applications Manual, limits of the equation).
    """

    origin: HandLocation
    destination: HandLocation
    frequency: Frequency
    duration: WorkDuration
    coupling: Coupling
    load_kg: float | None = None
    control_at_destination: bool = True
    one_handed: bool = False
    seated: bool = False
    kneeling: bool = False
    step_or_pivot: bool = False

    def __post_init__(self) -> None:
        # Accept the plain strings a CLI or JSON gives, store the enums.
        object.__setattr__(self, "duration", WorkDuration(self.duration))
        object.__setattr__(self, "coupling", Coupling(self.coupling))
        if self.load_kg is not None:
            _require_finite("LiftTask.load_kg", self.load_kg, "a positive load in kg or None")
            if self.load_kg <= 0:
                raise ValueError(f"LiftTask.load_kg must be a positive load in kg or None, got {self.load_kg!r}")
            object.__setattr__(self, "load_kg", float(self.load_kg))

    @property
    def d_cm(self) -> float:
        """The vertical travel of the hands between origin and destination."""
        return abs(self.destination.v_cm - self.origin.v_cm)

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin.to_dict(),
            "destination": self.destination.to_dict(),
            "frequency": self.frequency.to_dict(),
            "duration": self.duration.value,
            "coupling": self.coupling.value,
            "load_kg": self.load_kg,
            "control_at_destination": self.control_at_destination,
            "one_handed": self.one_handed,
            "seated": self.seated,
            "kneeling": self.kneeling,
            "step_or_pivot": self.step_or_pivot,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LiftTask:
        load = data.get("load_kg")
        return cls(
            origin=HandLocation.from_dict(data["origin"]),
            destination=HandLocation.from_dict(data["destination"]),
            frequency=Frequency.from_dict(data["frequency"]),
            duration=WorkDuration(data["duration"]),
            coupling=Coupling(data["coupling"]),
            load_kg=None if load is None else float(load),
            control_at_destination=bool(data.get("control_at_destination", True)),
            one_handed=bool(data.get("one_handed", False)),
            seated=bool(data.get("seated", False)),
            kneeling=bool(data.get("kneeling", False)),
            step_or_pivot=bool(data.get("step_or_pivot", False)),
        )


# ---------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Multipliers:
    """The six multipliers at one end of a lift, each 0..1."""

    hm: float
    vm: float
    dm: float
    am: float
    fm: float
    cm: float

    @property
    def product(self) -> float:
        return self.hm * self.vm * self.dm * self.am * self.fm * self.cm

    def to_dict(self) -> dict[str, float]:
        return {"hm": self.hm, "vm": self.vm, "dm": self.dm, "am": self.am, "fm": self.fm, "cm": self.cm}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Multipliers:
        return cls(**{name: float(data[name]) for name in ("hm", "vm", "dm", "am", "fm", "cm")})


@dataclass(frozen=True)
class EndResult:
    """The limit at one end of the lift.

    Attributes:
        end: origin or destination.
        multipliers: HM, VM, DM, AM, FM, CM there.
        rwl_kg: 23 kg × the multipliers.
        li: load / RWL; None without a load, when the LI does not apply, or when the RWL is 0.
    """

    end: End
    multipliers: Multipliers
    rwl_kg: float
    li: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"end": self.end.value, "multipliers": self.multipliers.to_dict(), "rwl_kg": self.rwl_kg, "li": self.li}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EndResult:
        li = data.get("li")
        return cls(
            end=End(data["end"]),
            multipliers=Multipliers.from_dict(data["multipliers"]),
            rwl_kg=float(data["rwl_kg"]),
            li=None if li is None else float(li),
        )


@dataclass(frozen=True)
class NioshResult:
    """The equation's answer for one lift.

    Attributes:
        task: the inputs, kept so the report can show H, V, D, A and F with their flags.
        origin: multipliers and RWL at the grasp.
        destination: the same at the release; None when ``task.control_at_destination`` is False.
        applicable: False for lifts the equation does not cover; the multipliers and RWL are still
            given for reference, but no LI or band.
        reason: why the LI does not apply ("" when it does).
        li: the task's lifting index, the larger of the two ends; None without a load, when not
            applicable, or when the RWL is 0 (no load is recommended: ``band`` is then HIGH).
        band: the band of ``li``; None when there is no LI (except an RWL of 0, see above).
        governing: the end with the lower RWL, which gives the larger LI.
        notes: sentences the report should carry (uncertain inputs, a short video, a zero multiplier).
    """

    task: LiftTask
    origin: EndResult
    destination: EndResult | None
    applicable: bool
    reason: str
    li: float | None
    band: Band | None
    governing: End
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def rwl_kg(self) -> float:
        """The lower of the two ends' limits."""
        return self.governing_result.rwl_kg

    @property
    def governing_result(self) -> EndResult:
        if self.governing is End.DESTINATION and self.destination is not None:
            return self.destination
        return self.origin

    @property
    def d_cm(self) -> float:
        return self.task.d_cm

    @property
    def no_load(self) -> bool:
        """A load was given and the equation recommends none at all: its limit is 0 kg (``li`` None, ``band`` HIGH)."""
        return self.applicable and self.task.load_kg is not None and self.rwl_kg <= 0

    @property
    def zero_multipliers(self) -> tuple[str, ...]:
        """The multipliers ("hm", "fm", ...) that are 0 at the governing end: why its limit is 0 kg (none otherwise)."""
        m = self.governing_result.multipliers
        return tuple(name for name in _ZERO_CAUSES if getattr(m, name) == 0.0)

    @property
    def no_load_because(self) -> str:
        """Why the equation recommends no load at all, in words ("" when the limit is above 0 kg)."""
        loc = self.task.destination if self.governing is End.DESTINATION else self.task.origin
        return "; ".join(_ZERO_CAUSES[name](loc, self.task) for name in self.zero_multipliers)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types (no NaN, no infinity), for the report."""
        return {
            "task": self.task.to_dict(),
            "d_cm": self.d_cm,
            "origin": self.origin.to_dict(),
            "destination": None if self.destination is None else self.destination.to_dict(),
            "applicable": self.applicable,
            "reason": self.reason,
            "li": self.li,
            "band": None if self.band is None else self.band.value,
            "governing": self.governing.value,
            "rwl_kg": self.rwl_kg,
            "zero_multipliers": list(self.zero_multipliers),
            "no_load_because": self.no_load_because,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NioshResult:
        li = data.get("li")
        band = data.get("band")
        destination = data.get("destination")
        return cls(
            task=LiftTask.from_dict(data["task"]),
            origin=EndResult.from_dict(data["origin"]),
            destination=None if destination is None else EndResult.from_dict(destination),
            applicable=bool(data["applicable"]),
            reason=str(data.get("reason", "")),
            li=None if li is None else float(li),
            band=None if band is None else Band(band),
            governing=End(data["governing"]),
            notes=tuple(str(n) for n in data.get("notes", ())),
        )


# ---------------------------------------------------------------------------------------
# The equation


def multipliers_at(
    location: HandLocation,
    *,
    d_cm: float,
    v_origin_cm: float,
    frequency: Frequency,
    duration: WorkDuration,
    coupling: Coupling,
) -> Multipliers:
    """The six multipliers with the hands at ``location``; FM's column follows V at the origin."""
    return Multipliers(
        hm=horizontal_multiplier(location.h_cm),
        vm=vertical_multiplier(location.v_cm),
        dm=distance_multiplier(d_cm),
        am=asymmetry_multiplier(location.a_deg),
        fm=frequency_multiplier(frequency.lifts_per_min, duration, v_origin_cm),
        cm=coupling_multiplier(coupling, location.v_cm),
    )


def recommended_weight_limit_kg(multipliers: Multipliers) -> float:
    """RWL = 23 kg × HM × VM × DM × AM × FM × CM."""
    return LOAD_CONSTANT_KG * multipliers.product


def not_applicable_reason(task: LiftTask) -> str:
    """Why the equation does not cover this lift, or "" when it does (the Applications Manual's limits)."""
    limits = []
    if task.one_handed:
        limits.append("one-handed lifts")
    if task.seated:
        limits.append("seated lifts")
    if task.kneeling:
        limits.append("kneeling lifts")
    if task.step_or_pivot:
        limits.append("a step or pivot during the lift")
    if not limits:
        return ""
    return "the lifting equation does not cover " + " or ".join(limits)


_ZERO_CAUSES = {
    "hm": lambda loc, task: f"H {loc.h_cm:.0f} cm is beyond the {H_MAX_CM:.0f} cm reach the equation allows",
    "vm": lambda loc, task: f"V {loc.v_cm:.0f} cm is above the {V_MAX_CM:.0f} cm the equation allows",
    "dm": lambda loc, task: f"D {task.d_cm:.0f} cm is more than the {D_MAX_CM:.0f} cm the equation allows",
    "am": lambda loc, task: f"A {loc.a_deg:.0f}° is past the {A_MAX_DEG:.0f}° the equation allows",
    "fm": lambda loc, task: (
        f"{task.frequency.lifts_per_min:.1f} lifts a minute is beyond Table 5 for {task.duration.label} "
        f"with the hands starting {'below' if task.origin.v_cm < V_COLUMN_SPLIT_CM else 'at or above'} 75 cm"
    ),
}


def assess(task: LiftTask) -> NioshResult:
    """RWL at the origin (and the destination), the LI and its band, or why the LI does not apply."""
    d_cm = task.d_cm
    ends: list[tuple[End, HandLocation]] = [(End.ORIGIN, task.origin)]
    if task.control_at_destination:
        ends.append((End.DESTINATION, task.destination))
    reason = not_applicable_reason(task)
    applicable = not reason

    notes: list[str] = []
    for end, loc in ((End.ORIGIN, task.origin), (End.DESTINATION, task.destination)):
        for name, flag in (("H", loc.h_reliability), ("V", loc.v_reliability), ("A", loc.a_reliability)):
            if not flag.reliable:
                notes.append(f"{name} at the {end.value} is uncertain: {flag.reason}.")
    if not task.frequency.reliability.reliable:
        notes.append(f"F is uncertain: {task.frequency.reliability.reason}.")

    results: list[EndResult] = []
    for end, loc in ends:
        m = multipliers_at(
            loc,
            d_cm=d_cm,
            v_origin_cm=task.origin.v_cm,
            frequency=task.frequency,
            duration=task.duration,
            coupling=task.coupling,
        )
        rwl = recommended_weight_limit_kg(m)
        if rwl == 0.0:
            causes = [cause(loc, task) for name, cause in _ZERO_CAUSES.items() if getattr(m, name) == 0.0]
            notes.append(f"No load is recommended at the {end.value}: " + "; ".join(causes) + ".")
        end_li = task.load_kg / rwl if applicable and task.load_kg is not None and rwl > 0 else None
        results.append(EndResult(end=end, multipliers=m, rwl_kg=rwl, li=end_li))

    governing = min(results, key=lambda r: r.rwl_kg)  # min keeps the origin on a tie
    li: float | None = None
    band: Band | None = None
    if applicable and task.load_kg is not None:
        if governing.rwl_kg > 0:
            li = task.load_kg / governing.rwl_kg
            band = li_band(li)
        else:
            band = Band.HIGH
    return NioshResult(
        task=task,
        origin=results[0],
        destination=results[1] if len(results) > 1 else None,
        applicable=applicable,
        reason=reason,
        li=li,
        band=band,
        governing=governing.end,
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------------------
# The one change that helps most


@dataclass(frozen=True)
class Change:
    """The multiplier that costs the most at the governing end, and the limit if it were at its best.

    Attributes:
        multiplier: "hm", "vm", "dm", "am", "fm" or "cm".
        end: where it applies.
        value: the multiplier now.
        rwl_now_kg, rwl_if_fixed_kg: the limit now, and with that multiplier at 1.
        text: the advice in one plain sentence.
    """

    multiplier: str
    end: End
    value: float
    rwl_now_kg: float
    rwl_if_fixed_kg: float
    text: str


# Order for ties: the changes a workplace can usually make first come first.
_CHANGE_ORDER = ("hm", "vm", "am", "dm", "fm", "cm")


def _pct(m: float) -> str:
    return f"{m * 100:.0f}%"


def _cost(m: float, situation: str, factor: str, limit: str) -> str:
    """What one multiplier costs: "<situation> <factor> alone cuts the limit to 56% of 23 kg"."""
    if m == 0.0:
        return f"{situation}, beyond the {limit} the equation allows, no load is recommended"
    return f"{situation} {factor} alone cuts the limit to {_pct(m)} of {LOAD_CONSTANT_KG:.0f} kg"


def _change_text(name: str, end: End, loc: HandLocation, task: LiftTask, m: float) -> tuple[str, str]:
    """(what to do, what it costs now and the condition that would fix it) for one multiplier."""
    at = "" if end is End.ORIGIN else " at the release"
    if name == "hm":
        cost = _cost(m, f"with the hands {loc.h_cm:.0f} cm out from the ankles", "the reach", f"{H_MAX_CM:.0f} cm")
        return f"Bring the load closer{at}", f"{cost}; within {H_MIN_CM:.0f} cm"
    if name == "vm":
        low = loc.v_cm < V_BEST_CM
        if end is End.ORIGIN:
            action = "Raise the load before lifting it" if low else "Take the load from a lower shelf"
        else:
            action = "Set the load down higher" if low else "Set the load down lower"
        cost = _cost(m, f"with the hands {loc.v_cm:.0f} cm above the floor", "the height", f"{V_MAX_CM:.0f} cm")
        return action, f"{cost}; at knuckle height ({V_BEST_CM:.0f} cm)"
    if name == "am":
        cost = _cost(m, f"with the load {loc.a_deg:.0f}° to the side", "the twist", f"{A_MAX_DEG:.0f}°")
        return f"Turn the feet toward the load instead of twisting{at}", f"{cost}; facing it squarely"
    if name == "dm":
        cost = _cost(m, f"moving it {task.d_cm:.0f} cm up or down", "the travel", f"{D_MAX_CM:.0f} cm")
        return "Shorten the load's vertical travel", f"{cost}; with under {D_MIN_CM:.0f} cm of travel"
    if name == "fm":
        situation = f"at {task.frequency.lifts_per_min:.1f} lifts a minute for {task.duration.label}"
        cost = _cost(m, situation, "the pace", "rates Table 5 covers")
        return (
            "Lift less often or in shorter spells",
            f"{cost}; with a lift every five minutes or less, for up to an hour",
        )
    cost = _cost(m, f"with a {task.coupling.value} grip", "the grip", "")
    return "Give the load good handles", f"{cost}; with good handles"


def best_change(result: NioshResult) -> Change | None:
    """The change that would raise the limit most: the smallest multiplier at the governing end.

    None when the equation does not apply or every multiplier is already 1.
    """
    if not result.applicable:
        return None
    end_result = result.governing_result
    m = end_result.multipliers
    loc = result.task.origin if end_result.end is End.ORIGIN else result.task.destination
    values = {name: getattr(m, name) for name in _CHANGE_ORDER}
    name = min(_CHANGE_ORDER, key=lambda n: values[n])  # min keeps the first on a tie
    value = values[name]
    if value >= 1.0:
        return None
    others = [v for n, v in values.items() if n != name]
    fixed = LOAD_CONSTANT_KG * math.prod(others)
    action, cost = _change_text(name, end_result.end, loc, result.task, value)
    if fixed > 0:
        consequence = f" the limit would rise from {end_result.rwl_kg:.1f} kg to {fixed:.1f} kg"
        load = result.task.load_kg
        if load is not None and end_result.rwl_kg > 0:
            consequence += f" (LI {load / end_result.rwl_kg:.1f} to {load / fixed:.1f})"
    else:
        still_zero = [n.upper() for n, v in values.items() if n != name and v == 0.0]
        consequence = f" the limit would still be 0 kg, as {' and '.join(still_zero)} would also need fixing"
    return Change(
        multiplier=name,
        end=end_result.end,
        value=value,
        rwl_now_kg=end_result.rwl_kg,
        rwl_if_fixed_kg=fixed,
        text=f"{action}: {cost}{consequence}.",
    )


def most_helpful_change(result: NioshResult) -> str:
    """The one change that would help most, in one plain sentence with the result's own numbers."""
    if not result.applicable:
        return f"LI not applicable: {result.reason}."
    change = best_change(result)
    if change is None:
        return (
            f"Nothing to change: every multiplier is at its best, so the limit is the full {LOAD_CONSTANT_KG:.0f} kg."
        )
    return change.text
