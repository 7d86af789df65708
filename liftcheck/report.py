"""The session report: what an analysis found (``Report``), and the typed read model every renderer uses.

Pure: numpy and the standard library only.

Two sides. ``Report`` is the write side: built once from the judged lifts by ``build_report``, and
turned into the canonical dict (``to_dict``, what JSON files and History keep). ``ReportView`` is the
read side: ``ReportView.from_dict`` reads any saved dict (old schema versions are brought up to date
in ``_upgrade``, missing optional keys take defaults) into frozen rows, and the CLI table, the app,
the HTML report, the CSV, History and the charts all render from it. The per-lift columns are
declared once, in ``COLUMNS``: name, heading, unit, rounding, and which measure makes a value
uncertain in which camera view.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from typing import Any

import numpy as np

from liftcheck import __version__
from liftcheck.config import DEFAULT_CONFIG, RuleConfig, UncertaintyConfig
from liftcheck.guidance import ARTICLES, CUES
from liftcheck.kinematics import RELIABLE_IN_VIEW, Angles, Measure, View, most_common_view, uncertainty_deg
from liftcheck.niosh import NioshResult, TaskInputs, most_helpful_change
from liftcheck.presentation import REPORT_DISCLAIMER
from liftcheck.rules import Finding, RepVerdict, Severity, Verdict

SCHEMA_VERSION = 2


# -- the per-lift columns, declared once


@dataclass(frozen=True)
class Column:
    """One number each lift carries: its JSON/CSV name, how people read it, and when it is uncertain.

    ``digits`` rounds the JSON/CSV value, ``shown_digits`` the tables; ``when`` is the moment of
    the lift it is taken at ("peak"). ``measure`` is the measure whose reliability in the lift's
    camera view (``kinematics.RELIABLE_IN_VIEW``) the value has; ``rule_id`` the finding whose
    ``reliable`` flag marks it uncertain too. ``magnitude`` values are shown without sign.
    ``LiftRow.from_verdict`` takes the value from ``RepVerdict.<source>.<key>``.
    """

    key: str
    label: str  # "Trunk flexion"
    short: str  # the terminal table's heading: "trunk"
    unit: str  # "°", "s", "°/s" or "" for a plain number
    digits: int
    when: str = ""
    shown_digits: int = 0
    measure: Measure | None = None
    rule_id: str | None = None
    magnitude: bool = False
    source: str = "measures"  # or "rep"

    @property
    def heading(self) -> str:
        """The label with its moment: "Trunk flexion (peak)"."""
        return f"{self.label} ({self.when})" if self.when else self.label

    def value_of(self, verdict: RepVerdict) -> float:
        return float(getattr(getattr(verdict, self.source), self.key))


M, BOTTOM = Measure, "at the bottom"
COLUMNS: tuple[Column, ...] = (
    Column("start_s", "Start", "start", "s", 2, shown_digits=1, source="rep"),
    Column("bottom_s", "Lowest point at", "bottom", "s", 2, shown_digits=1, source="rep"),
    Column("end_s", "End", "end", "s", 2, shown_digits=1, source="rep"),
    Column("duration_s", "Duration", "length", "s", 2, shown_digits=1, source="rep"),
    Column("stoop_squat_index", "Stoop–squat index", "SSI", "", 0),
    Column("peak_trunk_flexion_deg", "Trunk flexion", "trunk", "°", 1, "peak", 0, M.TRUNK_FLEXION, "trunk_flexion"),
    Column("knee_flexion_at_bottom_deg", "Knee flexion", "knee", "°", 1, BOTTOM, 0, M.KNEE_FLEXION, "stoop_lift"),
    Column("hip_flexion_at_bottom_deg", "Hip flexion", "hip", "°", 1, BOTTOM, 0, M.HIP_FLEXION),
    Column("peak_twist_deg", "Twist", "twist", "°", 1, "peak", 0, M.TRUNK_TWIST, "trunk_twist", magnitude=True),
    Column("peak_side_bend_deg", "Side bend", "side", "°", 1, "peak", 0, M.SIDE_BEND, "side_bend"),
    Column("peak_trunk_speed_deg_s", "Trunk speed", "speed", "°/s", 0, "peak", 0, M.TRUNK_FLEXION, "sudden_movement"),
    Column("depth", "Depth", "depth", "", 2),
)
COLUMN: dict[str, Column] = {c.key: c for c in COLUMNS}

# The CSV: one row per lift: the session's who, what and when, then these fields of ``LiftRow`` in this
# order (``findings`` as readable text, ``partial`` as true/false), then ``CSV_NIOSH_COLUMNS`` when the
# report has the lifting equation.
CSV_SESSION_COLUMNS = ("person", "task", "analysed_at")
CSV_COLUMNS = (
    *CSV_SESSION_COLUMNS,
    *("lift", "start_s", "bottom_s", "end_s", "duration_s", "partial", "style", "stoop_squat_index"),
    *("peak_trunk_flexion_deg", "knee_flexion_at_bottom_deg", "hip_flexion_at_bottom_deg", "peak_twist_deg"),
    *("peak_side_bend_deg", "peak_trunk_speed_deg_s", "view", "reba_trunk", "reba_legs", "verdict", "findings", "cue"),
)
CSV_NIOSH_COLUMNS = ("niosh_load_kg", "niosh_rwl_kg", "niosh_li", "niosh_band", "niosh_applicable")
# Digits in the CSV: angles, times and speeds to a tenth, indices (lifting index, depth) to a hundredth.
_CSV_DIGITS = {"stoop_squat_index": 0, "depth": 2, "niosh_li": 2, "niosh_rwl_kg": 1, "niosh_load_kg": 1}


def _csv_cell(key: str, value: object) -> object:
    """One CSV cell: None as empty, booleans as true/false, numbers rounded (``_CSV_DIGITS``, else a tenth)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        digits = _CSV_DIGITS.get(key, 1)
        return int(round(value)) if digits == 0 else round(value, digits)
    return value


def _finding_text(f: FindingRow) -> str:
    """A finding as a person reads it: "Trunk flexion 72° (caution)", "(uncertain in this view)" when so."""
    unit = f.unit if f.unit.startswith("°") or not f.unit else f" {f.unit}"
    value = "" if f.value is None else f" {f.value:.0f}{unit}" if unit.startswith("°") else f" {f.value:.1f}{unit}"
    uncertain = ", uncertain in this view" if not f.reliable else ""
    return f"{f.title or f.rule_id}{value} ({f.severity}{uncertain})"


def _num(value: float, digits: int = 1) -> float | None:
    return round(float(value), digits) if value is not None and math.isfinite(value) else None


def find_twist_events(
    angles: Sequence[Angles],
    lifts: Sequence[RepVerdict] = (),
    config: RuleConfig = DEFAULT_CONFIG.rules,
    uncertainty: UncertaintyConfig = DEFAULT_CONFIG.uncertainty,
) -> list[TwistEvent]:
    """Every twist of at least the warning angle that lasts ``twist_event_min_s``, in time order.

    A frame whose twist cues disagreed has no twist (NaN) and ends a run. Each event says when
    it started, peaked and ended, how far and which way, how fast the shoulders turned, whether
    the trunk was bent at the peak, whether a load was held (after a lift's lowest point; None
    outside lifts, where liftcheck cannot tell), and whether the camera's view can judge twist.
    """
    events: list[TwistEvent] = []
    run: list[Angles] = []

    def close() -> None:
        if run and run[-1].t_s - run[0].t_s >= config.twist_event_min_s:
            peak = max(run, key=lambda a: abs(a.trunk_twist_deg))
            lift = next((v for v in lifts if v.rep.start_s <= peak.t_s <= v.rep.end_s), None)
            view = most_common_view([a.view for a in run])
            u = uncertainty_deg(Measure.TRUNK_TWIST, view, uncertainty)
            times = np.array([a.t_s for a in run])
            values = np.array([a.trunk_twist_deg for a in run])
            speed = float(np.max(np.abs(np.diff(values) / np.diff(times)))) if len(run) > 1 else math.nan
            events.append(
                TwistEvent(
                    start_s=run[0].t_s,
                    peak_s=peak.t_s,
                    end_s=run[-1].t_s,
                    peak_deg=peak.trunk_twist_deg,
                    bent=bool(peak.trunk_flexion_deg >= config.bent_trunk_deg),
                    in_lift=lift.rep.index if lift else None,
                    reliable=Measure.TRUNK_TWIST in RELIABLE_IN_VIEW[view],
                    direction="left" if peak.trunk_twist_deg > 0 else "right",
                    loaded=None if lift is None else bool(peak.t_s >= lift.rep.bottom_s),
                    peak_speed_deg_s=speed if math.isfinite(speed) else None,
                    uncertainty_deg=u if math.isfinite(u) else None,
                    view=view.value,
                )
            )
        run.clear()

    for a in angles:
        twisting = a.seen and math.isfinite(a.trunk_twist_deg) and abs(a.trunk_twist_deg) >= config.twist_warn_deg
        same_side = not run or np.sign(a.trunk_twist_deg) == np.sign(run[0].trunk_twist_deg)
        if twisting and same_side:
            run.append(a)
        else:
            close()
            if twisting:
                run.append(a)
    close()
    return events


def frequency_finding(
    lifts: Sequence[RepVerdict], duration_s: float, config: RuleConfig = DEFAULT_CONFIG.rules
) -> tuple[float, Finding | None]:
    """Lifts per minute over the session, and a finding when that is high.

    A rate is only judged over at least a minute of video: ten deadlifts in a 20-second
    gym clip are a set, not a working pace.
    """
    if not lifts or duration_s <= 0:
        return math.nan, None
    per_minute = len(lifts) / duration_s * 60.0
    if duration_s < config.frequency_min_session_s or per_minute < config.lifts_per_minute_warn:
        return per_minute, None
    severe = per_minute >= config.lifts_per_minute_severe
    cue = CUES["frequency"]
    return per_minute, Finding(
        rule_id="lift_frequency",
        title="Many lifts a minute",
        value=per_minute,
        unit="lifts/min",
        threshold=config.lifts_per_minute_severe if severe else config.lifts_per_minute_warn,
        severity=Severity.POOR if severe else Severity.CAUTION,
        cue=cue.short,
        advice=cue.advice,
        articles=cue.articles,
        standard="NIOSH lifting equation: the frequency multiplier falls quickly past a few lifts a minute",
    )


# -- the read model: what a saved report says, typed
#
# Every field has a default, so a dict missing a key (older, partial or hand-made) still reads,
# and adding a field is one line: ``_read`` fills each field from the dict key of its name,
# coerced by its annotation. Nested rows and derived defaults are passed in by the caller.


def _number(value: object) -> float | None:
    """A finite int or float as it is (ints stay ints, so text forms do not change); anything else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return value


def _items(value: object) -> list[Any]:
    return list(value) if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) else []


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


# How a saved value becomes a field of each annotated type; None means "take the default".
_COERCE: dict[str, Any] = {
    "float | None": _number,
    "int": lambda v: v if isinstance(v, int) and not isinstance(v, bool) else None,
    "int | None": lambda v: v if isinstance(v, int) and not isinstance(v, bool) else None,
    "str": lambda v: None if v is None or v == "" else str(v),
    "bool": lambda v: None if v is None else bool(v),
    "tuple[str, ...]": lambda v: tuple(str(x) for x in _items(v)),
    "dict[str, int]": lambda v: {str(k): n for k, n in _mapping(v).items() if isinstance(n, int)},
    "dict[str, float]": lambda v: {str(k): x for k, x in _mapping(v).items() if _number(x) is not None},
    "bool | None": lambda v: None if v is None else bool(v),
}


def _read(cls: Any, data: Mapping[str, Any], **given: Any) -> Any:
    """A ``cls`` row from ``data``: each field from its key, coerced by its annotation, else its default."""
    values = dict(given)
    for f in fields(cls):
        if f.name not in values and f.type in _COERCE:
            value = _COERCE[f.type](data.get(f.name))
            if value is not None:
                values[f.name] = value
    return cls(**values)


def _as_dict(row: object) -> dict[str, object]:
    """A row's fields in declaration order (tuples as lists, nested rows as dicts): its JSON form."""
    out: dict[str, object] = {}
    for f in fields(row):  # type: ignore[arg-type]
        value = getattr(row, f.name)
        if isinstance(value, tuple):
            value = [v.to_dict() if hasattr(v, "to_dict") else v for v in value]
        out[f.name] = value
    return out


@dataclass(frozen=True)
class FindingRow:
    """One finding as saved: the measured ``value`` in ``unit`` against ``threshold``, and what to do."""

    rule_id: str = ""
    title: str = ""
    value: float | None = None
    unit: str = ""
    threshold: float | None = None
    severity: str = ""  # "ok", "info", "caution" or "poor"
    cue: str = ""
    advice: str = ""
    articles: tuple[str, ...] = ()  # ids in guidance.ARTICLES
    standard: str = ""
    # Only an explicit False marks a finding uncertain: older rows without the flag were judged.
    reliable: bool = True
    note: str = ""
    uncertainty: float | None = None  # ± in ``unit``: how far the value can be off in the lift's view
    near_limit: bool = False  # within ``uncertainty`` of ``threshold``: shown, does not change the verdict

    @property
    def graded(self) -> bool:
        """True for a caution or poor finding: one that counts toward the verdict and the advice."""
        return self.severity in ("caution", "poor")

    def to_dict(self) -> dict[str, object]:
        return _as_dict(self)


@dataclass(frozen=True)
class LiftRow:
    """One lift as saved: when, how (style, angles in degrees, seconds), the verdict and its findings.

    Numbers are None where not measured. ``partial`` is "", "start" or "end" (where the video cut
    the lift off); ``reba_trunk`` 1..5 and ``reba_legs`` 1..3, 0 when not scored.
    """

    lift: int = 0
    start_s: float | None = None
    bottom_s: float | None = None
    end_s: float | None = None
    duration_s: float | None = None
    partial: str = ""
    style: str = "unknown"
    stoop_squat_index: float | None = None
    peak_trunk_flexion_deg: float | None = None
    knee_flexion_at_bottom_deg: float | None = None
    hip_flexion_at_bottom_deg: float | None = None
    peak_twist_deg: float | None = None
    peak_side_bend_deg: float | None = None
    peak_trunk_speed_deg_s: float | None = None
    depth: float | None = None
    view: str = "unknown"
    reba_trunk: int = 0
    reba_legs: int = 0
    verdict: str = ""  # "good", "caution", "poor" or "not judged"
    cue: str = ""
    findings: tuple[FindingRow, ...] = ()
    not_judged_reason: str = ""
    # Per column key, how far the value can be off in this lift's view (± in the column's unit).
    uncertainty: dict[str, float] = field(default_factory=dict)
    # The measures (``kinematics.Measure`` values) this lift's view could judge; empty in old reports.
    judged: tuple[str, ...] = ()
    # The lifting equation for this lift: ``NioshResult.to_dict()`` plus "change" (the one change that
    # would help most); or {"reason": ...} when it could not be assessed; {} when not asked for.
    niosh: dict[str, Any] = field(default_factory=dict)

    @property
    def li(self) -> float | None:
        return _number(self.niosh.get("li"))

    @property
    def rwl_kg(self) -> float | None:
        return _number(self.niosh.get("rwl_kg"))

    @classmethod
    def from_verdict(cls, v: RepVerdict, niosh: Mapping[str, Any] | None = None) -> LiftRow:
        numbers = {c.key: _num(c.value_of(v), c.digits) for c in COLUMNS}
        spread = {
            c.key: round(v.measures.uncertainty_of(c.measure), 1)
            for c in COLUMNS
            if c.measure is not None and c.unit == "°" and math.isfinite(v.measures.uncertainty_of(c.measure))
        }
        return cls(
            lift=v.rep.index,
            partial=v.rep.cut_off or "",
            style=v.measures.style.value,
            view=v.measures.view.value,
            reba_trunk=v.reba_trunk,
            reba_legs=v.reba_legs,
            verdict=v.verdict.value,
            cue=v.cue,
            findings=tuple(_read(FindingRow, f.as_dict()) for f in v.findings),
            not_judged_reason=v.not_judged_reason,
            uncertainty=spread,
            judged=tuple(sorted(m.value for m in Measure if v.measures.reliable(m))),
            niosh=dict(niosh or {}),
            **numbers,  # type: ignore[arg-type]
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], position: int = 0) -> LiftRow:
        """A saved row; ``position`` (0-based) numbers a row that does not say which lift it is."""
        findings = tuple(_read(FindingRow, f) for f in _items(data.get("findings")) if isinstance(f, Mapping))
        lift = _COERCE["int"](data.get("lift"))
        niosh = dict(_mapping(data.get("niosh")))
        return _read(  # type: ignore[no-any-return]
            cls, data, lift=position + 1 if lift is None else lift, findings=findings, niosh=niosh
        )

    def to_dict(self) -> dict[str, object]:
        return _as_dict(self)

    def value(self, column: Column) -> float | None:
        """The column's value, as a magnitude where the column says so."""
        v: float | None = getattr(self, column.key)
        return abs(v) if v is not None and column.magnitude else v

    def uncertain(self, column: Column) -> bool:
        """True when the lift's camera view cannot judge the column's measure, or its finding says so."""
        if column.measure is not None:
            if self.judged:
                if column.measure.value not in self.judged:
                    return True
            else:  # a report from before the judged list: the view's table
                view = View(self.view) if self.view in View._value2member_map_ else View.UNKNOWN
                if view is not View.UNKNOWN and column.measure not in RELIABLE_IN_VIEW[view]:
                    return True
        return column.rule_id is not None and any(f.rule_id == column.rule_id and not f.reliable for f in self.findings)

    def near_limit(self, column: Column) -> bool:
        """True when the column's finding lies within the measurement's uncertainty of its limit."""
        return column.rule_id is not None and any(f.rule_id == column.rule_id and f.near_limit for f in self.findings)

    def spread(self, column: Column) -> float | None:
        """How far the column's value can be off (±, in its unit), when known."""
        return self.uncertainty.get(column.key)


@dataclass(frozen=True)
class Advice:
    """One thing to change, over the session: one cue and how many lifts (or twists) reached it."""

    rule_id: str = ""
    cue: str = ""
    advice: str = ""
    lifts: int = 0
    severity: str = "caution"
    articles: tuple[str, ...] = ()  # citations, ready to print

    def to_dict(self) -> dict[str, object]:
        return _as_dict(self)


@dataclass(frozen=True)
class SessionInfo:
    """Who and what a session is about, as the user gave them (shown as text, never markup), and when."""

    analysed_at: str = ""  # ISO 8601, UTC, to the second
    person: str = ""
    task: str = ""

    def to_dict(self) -> dict[str, object]:
        return _as_dict(self)


@dataclass(frozen=True)
class NioshSummary:
    """The task's lifting index: the worst complete lift's (NIOSH rates a task by its hardest lift)."""

    task_li: float | None = None  # None without a load, or when no lift could be assessed
    band: str = ""  # "acceptable", "increased" or "high"
    worst_lift: int | None = None
    rwl_kg: float | None = None  # the worst lift's recommended weight limit
    assessed: int = 0  # complete lifts the equation could assess
    not_applicable: int = 0  # complete lifts outside it (one-handed, kneeling, a step or pivot)
    change: str = ""  # the one change that would help the worst lift most
    load_kg: float | None = None
    # When the worst lift's limit is 0 kg (no load recommended, worse than any index): why, in words.
    no_load_because: str = ""
    zero_multipliers: tuple[str, ...] = ()

    @property
    def no_load(self) -> bool:
        """A load was given and the equation recommends none at all for the task's hardest lift."""
        return self.task_li is None and self.load_kg is not None and self.rwl_kg is not None and self.rwl_kg <= 0

    def to_dict(self) -> dict[str, object]:
        return _as_dict(self)


@dataclass(frozen=True)
class TwistSummary:
    """The session's twists the camera could judge: how many, which way, how far, how fast, bent or loaded."""

    count: int = 0
    left: int = 0
    right: int = 0
    past_limit: int = 0  # past the warning angle by more than the measurement's uncertainty
    max_deg: float | None = None
    max_speed_deg_s: float | None = None
    bent: int = 0
    loaded: int = 0
    outside_lifts: int = 0
    per_minute: float | None = None
    uncertain: int = 0  # twists seen only from a view that cannot judge them (not counted above)

    def to_dict(self) -> dict[str, object]:
        return _as_dict(self)


@dataclass(frozen=True)
class Summary:
    """The session in a few numbers: lifts, styles and verdicts counted, the worst lift, the advice.

    ``verdicts`` and ``judged`` count the complete lifts only: a lift cut off by the start or end
    of the video (``partial_lifts`` of ``lift_count``) is listed but never counted or headlined.
    """

    lift_count: int = 0
    partial_lifts: int = 0
    styles: dict[str, int] = field(default_factory=dict)
    verdicts: dict[str, int] = field(default_factory=dict)  # "good", "caution", "poor", "not judged" -> count
    # Per measure (``kinematics.Measure`` values), how many complete lifts the view could judge it on.
    judged: dict[str, int] = field(default_factory=dict)
    worst_lift: int | None = None
    lifts_per_minute: float | None = None
    headline: str = ""
    advice: tuple[Advice, ...] = ()
    twist_events: int = 0
    twists: TwistSummary = field(default_factory=TwistSummary)
    niosh: NioshSummary = field(default_factory=NioshSummary)

    @property
    def counted_lifts(self) -> int:
        """The complete lifts, the ones the verdict counts are over."""
        return self.lift_count - self.partial_lifts

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], lifts: Sequence[LiftRow]) -> Summary:
        """Counts the summary lacks (older or partial dicts) are counted from ``lifts``."""
        saved = _COERCE["dict[str, int]"](data.get("verdicts"))
        complete = [row for row in lifts if not row.partial]
        verdicts = {v.value: saved.get(v.value, sum(1 for row in complete if row.verdict == v.value)) for v in Verdict}
        advice = tuple(_read(Advice, a) for a in _items(data.get("advice")) if isinstance(a, Mapping))
        count, partial = (_COERCE["int"](data.get(k)) for k in ("lift_count", "partial_lifts"))
        return _read(  # type: ignore[no-any-return]
            cls,
            data,
            verdicts=verdicts,
            advice=advice,
            lift_count=len(lifts) if count is None else count,
            partial_lifts=sum(1 for row in lifts if row.partial) if partial is None else partial,
            twists=_read(TwistSummary, _mapping(data.get("twists"))),
            niosh=_read(NioshSummary, _mapping(data.get("niosh"))),
        )

    def to_dict(self) -> dict[str, object]:
        out = _as_dict(self)
        out["twists"] = self.twists.to_dict()
        out["niosh"] = self.niosh.to_dict()
        return out


@dataclass(frozen=True)
class TwistEvent:
    """A stretch of time with the shoulders turned against the hips past the warning angle (seconds, degrees)."""

    start_s: float | None = None
    peak_s: float | None = None
    end_s: float | None = None
    peak_deg: float | None = None  # signed: positive = shoulders turned toward the person's left
    bent: bool = False  # the trunk was flexed past the neutral band at the peak
    in_lift: int | None = None  # the lift it happened in, if any
    reliable: bool = False  # the camera view can judge twist
    direction: str = ""  # "left" or "right": the way the shoulders turned, for the person
    loaded: bool | None = None  # holding the load (after a lift's lowest point); None: cannot tell
    peak_speed_deg_s: float | None = None  # how fast the shoulders turned against the hips, at most
    uncertainty_deg: float | None = None  # ± for twist in this view
    view: str = ""

    @property
    def turn_direction(self) -> str:
        """The way the shoulders turned, for the person: "left" or "right" ("" when not known)."""
        if self.direction:
            return self.direction
        if self.peak_deg is None:
            return ""
        return "left" if self.peak_deg > 0 else "right"

    @property
    def direction_words(self) -> str:
        turn = self.turn_direction
        return f"shoulders to the {turn}" if turn else "—"

    def to_dict(self) -> dict[str, object]:
        """Times to the millisecond, angles and speeds to a tenth."""
        rounded = {"start_s": 3, "peak_s": 3, "end_s": 3, "peak_deg": 1, "peak_speed_deg_s": 0, "uncertainty_deg": 1}
        return {
            k: round(v, rounded[k]) if k in rounded and isinstance(v, float) else v for k, v in _as_dict(self).items()
        }


@dataclass(frozen=True)
class ArticleRef:
    """An article the findings cite, as the report names it."""

    id: str
    title: str
    publisher: str = ""
    point: str = ""


def _floats(values: object, n: int) -> np.ndarray:
    """``values`` as a float array (n,); None, text and missing entries become NaN."""
    return np.array([_number(v) for v in (_items(values) + [None] * n)[:n]], dtype=float)


def _upgrade(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The one place where a report saved by an older liftcheck is brought up to ``SCHEMA_VERSION``.

    Only version 1 exists. A dict without a version is read as version 1. When version 2 comes,
    add a function ``_v1_to_v2(data) -> data`` to ``_UPGRADES`` (keyed by the version it reads);
    every renderer then sees version-2 dicts only. A dict from a newer liftcheck is read as far as
    this one understands it (unknown keys are ignored), never refused: History must stay viewable.
    """
    version = _COERCE["int"](data.get("schema_version")) or 1
    while version in _UPGRADES:
        data = _UPGRADES[version](data)
        version += 1
    return data


def _v1_to_v2(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """Version 2 added, all optional: per-lift uncertainty, judged measures and "not judged" verdicts;
    per-finding uncertainty and near-limit flags; richer twist events and a twist summary; gaps.
    A version-1 report has none of them, and reads with their defaults; it had no "not judged" lifts."""
    out = dict(data)
    out["schema_version"] = 2
    return out


# _UPGRADES[v] turns a version-v report dict into a version v + 1 one.
_UPGRADES: dict[int, Any] = {1: _v1_to_v2}


@dataclass(frozen=True, eq=False)
class ReportView:
    """A report as every renderer reads it: ``ReportView.from_dict(Report.to_dict())`` or a saved dict.

    ``timeline`` maps each of ``TIMELINE_FIELDS`` to a float array (frames,) with NaN where the
    person was not seen; it is None when the report was saved without it.
    """

    schema_version: int = SCHEMA_VERSION
    liftcheck_version: str = __version__
    source: str = ""
    duration_s: float | None = None
    frames_analysed: int = 0
    frames_with_person: int = 0
    settings: Mapping[str, Any] = field(default_factory=dict)
    view: str = "unknown"
    summary: Summary = field(default_factory=Summary)
    lifts: tuple[LiftRow, ...] = ()
    session_findings: tuple[FindingRow, ...] = ()
    twist_events: tuple[TwistEvent, ...] = ()
    warnings: tuple[str, ...] = ()
    articles: tuple[ArticleRef, ...] = ()
    disclaimer: str = REPORT_DISCLAIMER
    timeline: dict[str, np.ndarray] | None = None
    # Frames in which a measure was blanked because no body could reach the value, per measure.
    gaps: dict[str, int] = field(default_factory=dict)
    session: SessionInfo = field(default_factory=SessionInfo)
    # What the user said about the task for the lifting equation (``niosh.TaskInputs.to_dict()``); {} if nothing.
    task_inputs: dict[str, Any] = field(default_factory=dict)
    neutral: dict[str, Any] = field(default_factory=dict)  # the person's neutral posture (see ``Report``)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReportView:
        """Read a report dict of any schema version; missing or malformed parts take defaults."""
        data = _upgrade(_mapping(data))

        def rows(key: str) -> list[Mapping[str, Any]]:
            return [r for r in _items(data.get(key)) if isinstance(r, Mapping)]

        lifts = tuple(LiftRow.from_dict(row, i) for i, row in enumerate(rows("lifts")))
        articles = tuple(
            ArticleRef(str(k), str(v.get("title") or k), str(v.get("publisher") or ""), str(v.get("point") or ""))
            for k, v in _mapping(data.get("articles")).items()
            if isinstance(v, Mapping)
        )
        raw = data.get("timeline")
        timeline = None
        if isinstance(raw, Mapping):
            n = len(_items(raw.get("t_s")))
            timeline = {name: _floats(raw.get(name), n) for name in TIMELINE_FIELDS}
        return _read(  # type: ignore[no-any-return]
            cls,
            data,
            settings=_mapping(data.get("settings")),
            summary=Summary.from_dict(_mapping(data.get("summary")), lifts),
            lifts=lifts,
            session_findings=tuple(_read(FindingRow, f) for f in rows("session_findings")),
            twist_events=tuple(_read(TwistEvent, e) for e in rows("twist_events")),
            warnings=tuple(str(w) for w in _items(data.get("warnings")) if w),
            articles=articles or tuple(ArticleRef(a.id, a.title, a.publisher, a.point) for a in ARTICLES.values()),
            timeline=timeline,
            session=_read(SessionInfo, _mapping(data.get("session"))),
            task_inputs=dict(_mapping(data.get("task_inputs"))),
            neutral=dict(_mapping(data.get("neutral"))),
        )

    # -- what History lists and charts (summary arithmetic, in one place)

    @property
    def share_good(self) -> float | None:
        """Good lifts / complete lifts, 0..1; None without complete lifts."""
        count = self.summary.counted_lifts
        return self.summary.verdicts["good"] / count if count > 0 else None

    @property
    def peak_trunk_flexion_deg(self) -> float | None:
        values = [row.peak_trunk_flexion_deg for row in self.lifts if row.peak_trunk_flexion_deg is not None]
        return float(max(values)) if values else None

    @property
    def peak_twist_deg(self) -> float | None:
        """The largest twist either way, in a lift or a judged twist event (a session of twists has no lifts)."""
        values = [abs(row.peak_twist_deg) for row in self.lifts if row.peak_twist_deg is not None]
        values += [abs(e.peak_deg) for e in self.twist_events if e.reliable and e.peak_deg is not None]
        return float(max(values)) if values else None

    def twist_in_verdict(self, event: TwistEvent) -> str:
        """What the lift's verdict made of a twist event, in words, so the twist table and the findings agree.

        A twist event starts at the warning angle; the lift's twist finding counts only past it by more
        than the view's uncertainty, and only where the view can judge twist. So a twist "bent" or
        "loaded" in a lift is said to be counted (with the finding's severity) or why not.
        """
        if event.in_lift is None:
            return "between lifts: not part of a lift's verdict"
        row = next((r for r in self.lifts if r.lift == event.in_lift), None)
        finding = next((f for f in row.findings if f.rule_id == "trunk_twist"), None) if row else None
        if finding is not None and finding.graded:
            return f"counted in lift {event.in_lift} ({finding.severity})"
        if not (event.bent or event.loaded):
            return "not counted: neither bent nor holding the load"
        if finding is not None and not finding.reliable or not event.reliable:
            return "not counted: this view cannot judge twist"
        if finding is not None and finding.near_limit and finding.threshold is not None:
            spread = f"±{finding.uncertainty:.0f}° " if finding.uncertainty else ""
            return f"not counted: within the measurement's {spread}of the {finding.threshold:g}° limit"
        if row is not None and row.partial:
            return "not counted: the lift is cut off by the video"
        return "not counted: too short or below the limit over the lift"

    def neutral_line(self, max_lean_deg: float = DEFAULT_CONFIG.kinematics.neutral_max_trunk_deg) -> str:
        """What the trunk angles were measured from, in one sentence ("" for a session without lifts)."""
        if not self.lifts:
            return ""
        trunk = _number(self.neutral.get("trunk_deg")) if self.neutral else None
        if trunk is None:
            return (
                "No neutral posture was recorded (1.5 s of standing still, knees straight): the trunk is "
                "measured from upright."
            )
        lean = f"a lean of {trunk:+.0f}°"
        if abs(trunk) > max_lean_deg:
            return f"Standing still with {lean} is not a neutral posture: the trunk is measured from upright."
        if self.neutral.get("source") == "given":
            return f"Trunk angles are measured from this person's neutral posture kept in History ({lean})."
        return f"Trunk angles are measured from the neutral posture recorded while standing still ({lean})."

    def uncertain_notes(self) -> dict[str, str]:
        """Per rule, the note of a finding the camera view made uncertain (one per rule, last wins)."""
        return {f.rule_id: f.note for row in self.lifts for f in row.findings if not f.reliable}

    def to_csv(self) -> str:
        """One line per lift: ``CSV_COLUMNS`` (+ ``CSV_NIOSH_COLUMNS`` when any lift has the lifting equation).

        Findings read as their titles with value and severity ("Trunk flexion 72° (caution)"), joined by "; ".
        """
        with_niosh = any(row.niosh for row in self.lifts)
        columns = CSV_COLUMNS + (CSV_NIOSH_COLUMNS if with_niosh else ())
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        load = _number(self.task_inputs.get("load_kg"))
        for row in self.lifts:
            flat: dict[str, object] = {k: getattr(self.session, k) for k in CSV_SESSION_COLUMNS}
            flat.update({k: getattr(row, k) for k in CSV_COLUMNS if k not in CSV_SESSION_COLUMNS})
            flat["partial"] = bool(row.partial)
            flat["findings"] = "; ".join(_finding_text(f) for f in row.findings if f.severity != "ok")
            if with_niosh:
                applicable = row.niosh.get("applicable") if "origin" in row.niosh else False
                flat.update(
                    niosh_load_kg=load,
                    niosh_rwl_kg=row.rwl_kg,
                    niosh_li=row.li,
                    niosh_band=row.niosh.get("band") if row.li is not None else "",
                    niosh_applicable=applicable if isinstance(applicable, bool) else None,
                )
            writer.writerow({k: _csv_cell(k, flat.get(k)) for k in columns})
        return out.getvalue()


def as_view(report: Mapping[str, Any] | ReportView) -> ReportView:
    """The read model of a report given either way (renderers accept both)."""
    return report if isinstance(report, ReportView) else ReportView.from_dict(report)


# -- the write side


@dataclass(frozen=True, eq=False)
class Report:
    """Everything an analysis found. Build with ``build_report``; read with ``to_dict`` or ``view``."""

    source: str
    duration_s: float
    frames_analysed: int
    frames_with_person: int
    settings: dict[str, object]
    lifts: tuple[RepVerdict, ...]
    twist_events: tuple[TwistEvent, ...]
    lifts_per_minute: float
    session_findings: tuple[Finding, ...]
    view: View
    timeline: dict[str, np.ndarray]  # t_s and per-frame angles, each (frames,)
    warnings: tuple[str, ...] = field(default_factory=tuple)
    thumbnails: dict[int, bytes] = field(default_factory=dict)  # lift index -> JPEG of its worst moment
    gaps: dict[str, int] = field(default_factory=dict)  # per measure: frames blanked as implausible
    config: RuleConfig = DEFAULT_CONFIG.rules
    # The lifting equation per lift (by index): its result, or why it could not be assessed.
    niosh: dict[int, NioshResult | str] = field(default_factory=dict)
    task_inputs: TaskInputs | None = None
    session: SessionInfo = field(default_factory=SessionInfo)
    # The person's neutral posture the angles were measured from (``Neutral.to_dict()`` plus "source":
    # "given" from History or "recorded" in this video); {} when none was known.
    neutral: dict[str, Any] = field(default_factory=dict)

    def niosh_row(self, index: int) -> dict[str, Any]:
        """The lift's ``niosh`` entry as the report keeps it ({} when the equation was not asked for)."""
        if self.task_inputs is None or index not in self.niosh:
            return {}
        result = self.niosh[index]
        if isinstance(result, str):
            return {"reason": result, "applicable": False, "li": None, "rwl_kg": None, "band": None}
        return {**result.to_dict(), "change": most_helpful_change(result)}

    def niosh_summary(self) -> NioshSummary:
        if self.task_inputs is None:
            return NioshSummary()
        results = [(v.rep.index, self.niosh.get(v.rep.index)) for v in self.complete_lifts]
        assessed = [(i, r) for i, r in results if isinstance(r, NioshResult)]
        applicable = [(i, r) for i, r in assessed if r.applicable]
        load = self.task_inputs.load_kg
        if not applicable:
            return NioshSummary(assessed=len(assessed), not_applicable=len(assessed), load_kg=load)

        # The task's index is its hardest lift's: the highest LI, or without a load the lowest limit. A lift
        # whose limit is 0 kg (no load recommended; its LI is None, its band high) is harder than any index.
        def hardness(ir: tuple[int, NioshResult]) -> tuple[float, float]:
            return (math.inf if ir[1].no_load else (ir[1].li or 0.0), -ir[1].rwl_kg)

        worst_i, worst = max(applicable, key=hardness)
        return NioshSummary(
            task_li=_num(worst.li, 2) if worst.li is not None else None,
            band=worst.band.value if worst.band is not None else "",
            worst_lift=worst_i,
            rwl_kg=_num(worst.rwl_kg, 1),
            assessed=len(assessed),
            not_applicable=len(assessed) - len(applicable),
            change=most_helpful_change(worst),
            load_kg=load,
            no_load_because=worst.no_load_because,
            zero_multipliers=worst.zero_multipliers,
        )

    # -- summary

    @property
    def complete_lifts(self) -> tuple[RepVerdict, ...]:
        """The lifts the counts, the headline and the advice are about: partial ones are only listed."""
        return tuple(v for v in self.lifts if not v.rep.partial)

    @property
    def verdict_counts(self) -> dict[str, int]:
        counts = Counter(v.verdict.value for v in self.complete_lifts)
        return {v.value: counts.get(v.value, 0) for v in Verdict}

    @property
    def judged_counts(self) -> dict[str, int]:
        """Per measure, how many complete lifts the camera's view could judge it on."""
        return {m.value: sum(1 for v in self.complete_lifts if v.measures.reliable(m)) for m in Measure}

    @property
    def style_counts(self) -> dict[str, int]:
        return dict(Counter(v.measures.style.value for v in self.lifts))

    @property
    def worst_lift(self) -> RepVerdict | None:
        lifts = self.complete_lifts or self.lifts
        if not lifts:
            return None
        return max(lifts, key=lambda v: (v.verdict.rank, np.nan_to_num(v.measures.peak_trunk_flexion_deg)))

    def twist_summary(self) -> TwistSummary:
        judged = [e for e in self.twist_events if e.reliable and e.peak_deg is not None]
        past = sum(
            1 for e in judged if abs(e.peak_deg or 0.0) >= self.config.twist_warn_deg + (e.uncertainty_deg or 0.0)
        )
        speeds = [e.peak_speed_deg_s for e in judged if e.peak_speed_deg_s is not None]
        return TwistSummary(
            count=len(judged),
            left=sum(1 for e in judged if e.turn_direction == "left"),
            right=sum(1 for e in judged if e.turn_direction == "right"),
            past_limit=past,
            max_deg=_num(max(abs(e.peak_deg or 0.0) for e in judged)) if judged else None,
            max_speed_deg_s=_num(max(speeds), 0) if speeds else None,
            bent=sum(1 for e in judged if e.bent),
            loaded=sum(1 for e in judged if e.loaded),
            outside_lifts=sum(1 for e in judged if e.in_lift is None),
            per_minute=_num(len(judged) / self.duration_s * 60.0) if judged and self.duration_s > 0 else None,
            uncertain=sum(1 for e in self.twist_events if not e.reliable),
        )

    def _advice(self) -> tuple[Advice, ...]:
        """The distinct things to change, most important first (most severe, then most frequent).

        One line per cue ("keep your chest up" past 60°, "chest up, hips down" from 20°), each
        counting only the complete lifts whose finding reached it: a near-limit or uncertain
        finding is not advice, and a partial lift is not counted. In a session of twists without
        lifts, the twists the camera could judge give the twisting advice.
        """
        tally: dict[tuple[str, str], list[Finding]] = {}
        for v in self.complete_lifts:
            for f in v.findings:
                if f.severity.rank > 0:
                    tally.setdefault((f.rule_id, f.cue), []).append(f)
        for f in self.session_findings:
            tally.setdefault((f.rule_id, f.cue), []).append(f)
        ranked = sorted(tally.values(), key=lambda fs: (max(f.severity.rank for f in fs), len(fs)), reverse=True)
        advice = [
            Advice(
                rule_id=fs[0].rule_id,
                cue=fs[0].cue,
                advice=fs[0].advice,
                lifts=len(fs),
                severity=max(fs, key=lambda f: f.severity.rank).severity.value,
                articles=tuple(ARTICLES[a].citation for a in fs[0].articles),
            )
            for fs in ranked
        ]
        if not self.lifts:
            advice += self._twist_advice()
        return tuple(advice)

    def _twist_advice(self) -> list[Advice]:
        twists = self.twist_summary()
        if twists.past_limit == 0:
            return []
        severe = any(
            abs(e.peak_deg or 0.0) >= self.config.twist_severe_deg + (e.uncertainty_deg or 0.0)
            for e in self.twist_events
            if e.reliable
        )
        cue = CUES["twist_session"]
        return [
            Advice(
                rule_id="trunk_twist",
                cue=cue.short,
                advice=cue.advice,
                lifts=twists.past_limit,
                severity="poor" if severe else "caution",
                articles=tuple(ARTICLES[a].citation for a in cue.articles),
            )
        ]

    def headline(self) -> str:
        complete, partial = len(self.complete_lifts), len(self.lifts) - len(self.complete_lifts)
        if not self.lifts:
            return (
                self._twist_headline() or "No lifts found: stand in full view, bend down to the load and stand back up."
            )
        counts = self.verdict_counts
        parts = f"{complete} lift{'s' if complete != 1 else ''}: {counts['good']} good, {counts['caution']} caution, "
        parts += f"{counts['poor']} poor"
        if counts[Verdict.NOT_JUDGED.value]:
            parts += f", {counts[Verdict.NOT_JUDGED.value]} not judged"
        parts += "."
        if partial:
            parts += f" ({partial} more cut off by the start or end of the video, not counted.)"
        advice = self._advice()
        if advice:
            first = f" First thing to change: {advice[0].cue.lower()}."
        elif counts[Verdict.NOT_JUDGED.value] == complete and complete:
            first = " Film from the side or at 45° to have the bend judged."
        else:
            first = " Keep lifting like this."
        return parts + first

    def _twist_headline(self) -> str:
        twists = self.twist_summary()
        if twists.count == 0:
            return ""
        ways = ", ".join(f"{n} to the {side}" for side, n in (("left", twists.left), ("right", twists.right)) if n)
        plural = "s" if twists.count != 1 else ""
        text = f"No lifts; {twists.count} trunk twist{plural} ({ways}), up to {twists.max_deg or 0:.0f}°"
        if twists.bent:
            text += f", {twists.bent} while bent forward"
        text += "."
        advice = self._twist_advice()
        if advice:
            return text + f" First thing to change: {advice[0].cue.lower()}."
        return text + f" None went clearly past the {self.config.twist_warn_deg:.0f}° limit."

    def summary(self) -> Summary:
        worst = self.worst_lift
        return Summary(
            lift_count=len(self.lifts),
            partial_lifts=sum(1 for v in self.lifts if v.rep.partial),
            styles=self.style_counts,
            verdicts=self.verdict_counts,
            judged=self.judged_counts,
            worst_lift=worst.rep.index if worst else None,
            lifts_per_minute=_num(self.lifts_per_minute),
            headline=self.headline(),
            advice=self._advice(),
            twist_events=len(self.twist_events),
            twists=self.twist_summary(),
            niosh=self.niosh_summary(),
        )

    # -- serialisation

    def to_dict(self, *, timeline: bool = True) -> dict[str, object]:
        data: dict[str, object] = {
            "schema_version": SCHEMA_VERSION,
            "liftcheck_version": __version__,
            "source": self.source,
            "duration_s": _num(self.duration_s, 3),
            "frames_analysed": self.frames_analysed,
            "frames_with_person": self.frames_with_person,
            "settings": self.settings,
            "view": self.view.value,
            "summary": self.summary().to_dict(),
            "session": self.session.to_dict(),
            "task_inputs": self.task_inputs.to_dict() if self.task_inputs is not None else {},
            "neutral": dict(self.neutral),
            "lifts": [LiftRow.from_verdict(v, self.niosh_row(v.rep.index)).to_dict() for v in self.lifts],
            "session_findings": [f.as_dict() for f in self.session_findings],
            "twist_events": [e.to_dict() for e in self.twist_events],
            "warnings": list(self.warnings),
            "gaps": dict(self.gaps),
            "articles": {
                a.id: {"title": a.title, "publisher": a.publisher, "point": a.point} for a in ARTICLES.values()
            },
            "disclaimer": REPORT_DISCLAIMER,
        }
        if timeline:
            data["timeline"] = {k: [_num(x, 2) for x in v.tolist()] for k, v in self.timeline.items()}
        return data

    def to_json(self, *, timeline: bool = True) -> str:
        return json.dumps(self.to_dict(timeline=timeline), indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        return ReportView.from_dict(self.to_dict(timeline=False)).to_csv()


def lift_row(v: RepVerdict) -> dict[str, object]:
    """One lift as a flat-ish record (the JSON ``lifts`` entry; CSV flattens ``findings``)."""
    return LiftRow.from_verdict(v).to_dict()


TIMELINE_FIELDS = (
    "t_s",
    "trunk_flexion_deg",
    "knee_flexion_deg",
    "hip_flexion_deg",
    "trunk_twist_deg",
    "side_bend_deg",
    "lowering",
)


_GAP_WORDS = {
    "trunk_flexion_deg": "trunk flexion",
    "knee_flexion_deg": "knee flexion",
    "knee_flexion_left_deg": "left knee",
    "knee_flexion_right_deg": "right knee",
    "hip_flexion_deg": "hip flexion",
    "trunk_twist_deg": "twist",
    "side_bend_deg": "side bend",
    "trunk_speed_deg_s": "trunk speed",
}
# The twist gap that is not an impossible value: the two twist cues disagreed.
TWIST_CUES_DISAGREE = "trunk_twist_deg (cues disagree)"


def count_gaps(angles: Sequence[Angles]) -> dict[str, int]:
    """Per measure, the frames with a person in which it was blanked: a value no body can reach, or (twist)
    its two cues disagreeing."""
    gaps: Counter[str] = Counter()
    for a in angles:
        if not a.seen:
            continue
        gaps.update(a.implausible)
        if not a.twist_cues_agree:
            gaps[TWIST_CUES_DISAGREE] += 1
    return dict(sorted(gaps.items()))


def gap_warning(gaps: Mapping[str, int], frames_with_person: int) -> str:
    """One sentence on what could not be measured and why; "" when everything (or all but under 1%) was."""
    if not gaps or frames_with_person <= 0:
        return ""
    parts = []
    for name, n in gaps.items():
        share = 100.0 * n / frames_with_person
        if share < 1.0:
            continue  # a frame here and there: the report's gaps keep the count, the warning is for what matters
        if name == TWIST_CUES_DISAGREE:
            parts.append(f"twist in {share:.0f}% (its two cues, depth and foreshortening, disagreed)")
        elif name != "knee_flexion_left_deg" and name != "knee_flexion_right_deg":
            parts.append(f"{_GAP_WORDS.get(name, name)} in {share:.0f}% (a value no body can reach)")
    if not parts:
        return ""
    return (
        "Part of the video could not be measured, and is left out rather than guessed: "
        + "; ".join(parts)
        + " of the frames with a person."
    )


def build_report(
    source: str,
    angles: Sequence[Angles],
    lifts: Sequence[RepVerdict],
    *,
    duration_s: float,
    settings: dict[str, object],
    warnings: Sequence[str] = (),
    thumbnails: dict[int, bytes] | None = None,
    config: RuleConfig = DEFAULT_CONFIG.rules,
    uncertainty: UncertaintyConfig = DEFAULT_CONFIG.uncertainty,
    niosh: Mapping[int, NioshResult | str] | None = None,
    task_inputs: TaskInputs | None = None,
    session: SessionInfo | None = None,
    neutral: Mapping[str, Any] | None = None,
) -> Report:
    """Assemble the report from the per-frame angles and the judged lifts.

    ``niosh`` (the lifting equation per lift, from ``Engine.lifting_indices``) and ``task_inputs``
    (what the user said of the task) go together; ``session`` names the person and the task.
    """
    complete = [v for v in lifts if not v.rep.partial]
    per_minute, freq = frequency_finding(complete, duration_s, config)
    views: list[View] = [a.view for a in angles if a.seen and a.view is not View.UNKNOWN]
    view = most_common_view(views)
    timeline = {name: np.array([getattr(a, name) for a in angles], dtype=float) for name in TIMELINE_FIELDS}
    seen = sum(1 for a in angles if a.seen)
    notes = list(warnings)
    if angles and seen == 0:
        notes.append("Nobody was found in the video: make sure the whole body is in the picture and well lit.")
    elif angles and seen < 0.5 * len(angles):
        notes.append(
            f"The person was seen in only {100 * seen / len(angles):.0f}% of the frames; lifts out of view are missed."
        )
    gaps = count_gaps(angles)
    gap_note = gap_warning(gaps, seen)
    if gap_note:
        notes.append(gap_note)
    return Report(
        source=source,
        duration_s=duration_s,
        frames_analysed=len(angles),
        frames_with_person=seen,
        settings=dict(settings),
        lifts=tuple(lifts),
        twist_events=tuple(find_twist_events(angles, lifts, config, uncertainty)),
        # A pace is given only where it is judged: over at least a minute of video.
        lifts_per_minute=per_minute if duration_s >= config.frequency_min_session_s else math.nan,
        session_findings=(freq,) if freq else (),
        view=view,
        timeline=timeline,
        warnings=tuple(notes),
        thumbnails=dict(thumbnails or {}),
        gaps=gaps,
        config=config,
        niosh=dict(niosh or {}),
        task_inputs=task_inputs,
        session=session or SessionInfo(analysed_at=now_utc()),
        neutral=dict(neutral or {}),
    )


def now_utc() -> str:
    """Now, in UTC, to the second, as ISO 8601 (a session's ``analysed_at``)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()
