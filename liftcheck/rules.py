"""Judging one lift: its style, its peak angles, and findings with a cue and a source each.

Pure: numpy and the standard library only. Each rule is a plain function from a lift's
``LiftMeasures`` to a ``Finding`` (or None), collected in ``RULES``: adding a check is
one function and one entry. Thresholds come from ``config.RuleConfig``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum

import numpy as np

from liftcheck.config import DEFAULT_CONFIG, RuleConfig, UncertaintyConfig
from liftcheck.guidance import CUES
from liftcheck.kinematics import Measure, View, judged_in_view, most_common_view, uncertainty_deg
from liftcheck.reps import Rep


class Severity(str, Enum):
    OK = "ok"
    INFO = "info"  # worth knowing, not graded (e.g. a measure the view cannot judge)
    NEAR = "near"  # within the measurement's uncertainty of the caution limit: shown, not graded
    CAUTION = "caution"
    POOR = "poor"

    @property
    def rank(self) -> int:
        return {"ok": 0, "info": 0, "near": 0, "caution": 1, "poor": 2}[self.value]


class Verdict(str, Enum):
    GOOD = "good"
    CAUTION = "caution"
    POOR = "poor"
    # The lift's main measure (forward bend) cannot be judged from this view, and nothing else was found.
    NOT_JUDGED = "not judged"

    @property
    def rank(self) -> int:
        """Worse verdicts rank higher; "not judged" sits between good and caution (it is not a pass)."""
        return {"good": 0, "not judged": 1, "caution": 2, "poor": 3}[self.value]


class Style(str, Enum):
    STOOP = "stoop"
    SEMI_SQUAT = "semi-squat"
    SQUAT = "squat"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Finding:
    """One check's result on one lift."""

    rule_id: str
    title: str
    value: float
    unit: str
    threshold: float
    severity: Severity
    cue: str  # the short cue for the live view
    advice: str  # what to change, in plain words
    articles: tuple[str, ...]  # ids in guidance.ARTICLES
    standard: str  # where the threshold comes from
    reliable: bool = True
    note: str = ""  # e.g. why the view makes this uncertain
    # How far the value can be off in this view (± in ``unit``), and whether it lies within that of
    # ``threshold`` ("near the limit": it does not change the verdict on its own).
    uncertainty: float = math.nan
    near_limit: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "rule_id": self.rule_id,
            "title": self.title,
            "value": _finite_or_none(self.value),
            "unit": self.unit,
            "threshold": self.threshold,
            "uncertainty": _finite_or_none(self.uncertainty),
            "near_limit": self.near_limit,
            "severity": self.severity.value,
            "cue": self.cue,
            "advice": self.advice,
            "articles": list(self.articles),
            "standard": self.standard,
            "reliable": self.reliable,
            "note": self.note,
        }


@dataclass(frozen=True)
class LiftMeasures:
    """What the rules look at, measured once per lift. Angles in degrees, NaN when unseen."""

    style: Style
    stoop_squat_index: float  # 0 full squat .. 100 full stoop
    peak_trunk_flexion_deg: float
    knee_flexion_at_bottom_deg: float
    hip_flexion_at_bottom_deg: float
    trunk_flexion_at_bottom_deg: float
    peak_twist_deg: float  # largest |twist| while bent or on the way up with the load
    peak_twist_t_s: float
    peak_side_bend_deg: float  # largest |side bend| while bent or loaded
    peak_trunk_speed_deg_s: float
    depth: float  # peak lowering, 0..1
    view: View
    cut_off: str
    # How far each measure can be off in this lift's view (± degrees), and which ones the view can judge;
    # left out, both come from the view and the default table (``config.UncertaintyConfig``).
    uncertainty: Mapping[Measure, float] | None = None
    judged: frozenset[Measure] | None = None
    # The session's typical value of each graded measure before this lift (``typical_values``), by rule
    # id: a value near a limit and within the measurement's error of it is graded as it is graded.
    typical: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.uncertainty is None:
            object.__setattr__(self, "uncertainty", {m: uncertainty_deg(m, self.view) for m in Measure})
        if self.judged is None:
            object.__setattr__(self, "judged", judged_in_view(self.view))

    def reliable(self, measure: Measure) -> bool:
        return measure in (self.judged or ())

    def uncertainty_of(self, measure: Measure) -> float:
        return float((self.uncertainty or {}).get(measure, math.nan))


@dataclass(frozen=True)
class RepVerdict:
    """A lift with its measures, findings and overall verdict, and REBA-style scores."""

    rep: Rep
    measures: LiftMeasures
    findings: tuple[Finding, ...]
    verdict: Verdict
    reba_trunk: int  # 1..5, 0 when the trunk was not measured
    reba_legs: int  # 1..3, 0 when the knees were not measured
    not_judged_reason: str = ""  # why the verdict is "not judged", in words a user can act on

    @property
    def main_finding(self) -> Finding | None:
        graded = [f for f in self.findings if f.severity.rank > 0]
        return max(graded, key=lambda f: f.severity.rank) if graded else None

    @property
    def cue(self) -> str:
        main = self.main_finding
        return main.cue if main else CUES["good"].short


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _nanmax_abs(values: np.ndarray) -> tuple[float, int]:
    finite = np.isfinite(values)
    if not finite.any():
        return math.nan, -1
    magnitude = np.where(finite, np.abs(values), -np.inf)
    i = int(np.argmax(magnitude))
    return float(magnitude[i]), i


def _nanmedian(values: np.ndarray) -> float:
    """The median ignoring NaNs; NaN when nothing is left (np.nanmedian says so with a RuntimeWarning)."""
    kept = values[~np.isnan(values)]
    return float(np.median(kept)) if kept.size else math.nan


def stoop_squat_index(trunk_deg: float, knee_deg: float, config: RuleConfig = DEFAULT_CONFIG.rules) -> float:
    """0 (all knees: full squat) .. 100 (all trunk: full stoop), from the bottom of the lift.

    After Schmid (2022): the share of the lowering done by leaning the trunk, against
    bending the legs. Each is scaled by its full range (trunk 90°, knee 120°).
    """
    if not (math.isfinite(trunk_deg) and math.isfinite(knee_deg)):
        return math.nan
    trunk = min(max(trunk_deg, 0.0) / config.ssi_trunk_full_deg, 1.0)
    knee = min(max(knee_deg, 0.0) / config.ssi_knee_full_deg, 1.0)
    if trunk + knee <= 1e-9:
        return math.nan
    # The share first: 100·trunk / (trunk + knee) can round past 100 when the knee share is tiny.
    return 100.0 * (trunk / (trunk + knee))


def classify_style(knee_deg: float, trunk_deg: float, config: RuleConfig = DEFAULT_CONFIG.rules) -> Style:
    """Stoop: legs nearly straight; squat: deep knee bend with the trunk fairly upright; else semi-squat."""
    if not math.isfinite(knee_deg):
        return Style.UNKNOWN
    if knee_deg < config.stoop_max_knee_deg:
        return Style.STOOP
    if knee_deg > config.squat_min_knee_deg and (
        not math.isfinite(trunk_deg) or trunk_deg <= config.squat_max_trunk_deg
    ):
        return Style.SQUAT
    return Style.SEMI_SQUAT


def measure_lift(
    rep: Rep, config: RuleConfig = DEFAULT_CONFIG.rules, uncertainty: UncertaintyConfig = DEFAULT_CONFIG.uncertainty
) -> LiftMeasures:
    """Everything the rules need from one lift's angle traces (implausible values are gaps already)."""
    t = rep.times_s
    lowering = rep.trace("lowering")
    trunk = rep.trace("trunk_flexion_deg")
    knee = rep.trace("knee_flexion_deg")
    hip = rep.trace("hip_flexion_deg")
    twist = rep.trace("trunk_twist_deg")
    side = rep.trace("side_bend_deg")
    speeds = rep.trace("trunk_speed_deg_s")
    depth = float(np.nanmax(lowering)) if np.isfinite(lowering).any() else math.nan
    # The bottom is a phase, not a frame: take the median over the frames near full depth.
    near_bottom = np.isfinite(lowering) & (lowering >= depth - 0.03) if math.isfinite(depth) else np.zeros(len(t), bool)
    knee_bottom = _nanmedian(knee[near_bottom])
    trunk_bottom = _nanmedian(trunk[near_bottom])
    hip_bottom = _nanmedian(hip[near_bottom])
    # Twist and side bend count while the trunk is bent, or after the bottom (holding the load).
    bottom_i = int(np.searchsorted(t, rep.bottom_s))
    loaded = (np.arange(len(t)) >= bottom_i) | (np.nan_to_num(trunk) >= config.bent_trunk_deg)
    peak_twist, twist_i = _nanmax_abs(np.where(loaded, twist, np.nan))
    peak_side, _ = _nanmax_abs(np.where(loaded, side, np.nan))
    # Each frame's speed is over 0.1 s and already blanked where no body could move that fast.
    speed, _ = _nanmax_abs(speeds)
    finite = np.isfinite(trunk)
    views = [a.view for a in rep.frames if a.seen]
    view = most_common_view(views)
    return LiftMeasures(
        style=classify_style(knee_bottom, trunk_bottom, config),
        stoop_squat_index=stoop_squat_index(trunk_bottom, knee_bottom, config),
        peak_trunk_flexion_deg=float(np.nanmax(trunk)) if finite.any() else math.nan,
        knee_flexion_at_bottom_deg=knee_bottom,
        hip_flexion_at_bottom_deg=hip_bottom,
        trunk_flexion_at_bottom_deg=trunk_bottom,
        peak_twist_deg=peak_twist,
        peak_twist_t_s=float(t[twist_i]) if twist_i >= 0 else math.nan,
        peak_side_bend_deg=peak_side,
        peak_trunk_speed_deg_s=speed,
        depth=depth,
        view=view,
        cut_off=rep.cut_off,
        uncertainty={m: uncertainty_deg(m, view, uncertainty) for m in Measure},
        judged=judged_in_view(view, uncertainty),
    )


# ---------------------------------------------------------------- the rules

Rule = Callable[[LiftMeasures, RuleConfig], "Finding | None"]

_VIEW_NOTE = {
    Measure.TRUNK_FLEXION: "Seen from the front, forward bend rests on the model's depth guess; film from the side "
    "for a sure reading.",
    Measure.TRUNK_TWIST: "Seen from the side, twist rests on the model's depth guess; film from the front or at 45° "
    "for a sure reading.",
    Measure.SIDE_BEND: "Seen from the side, side bend rests on the model's depth guess; film from the front or at "
    "45° for a sure reading.",
    Measure.KNEE_FLEXION: "The camera view makes the knee angle uncertain.",
}


# The measure each graded rule reads from ``LiftMeasures``: what ``typical_values`` takes the median of.
GRADED_MEASURE = {
    "trunk_flexion": "peak_trunk_flexion_deg",
    "trunk_twist": "peak_twist_deg",
    "side_bend": "peak_side_bend_deg",
    "sudden_movement": "peak_trunk_speed_deg_s",
}
# Earlier lifts needed before the session has a typical value.
TYPICAL_MIN_LIFTS = 2


def typical_values(earlier: Sequence[LiftMeasures], view: View) -> dict[str, float]:
    """Each graded measure's median over the ``earlier`` complete lifts filmed in ``view`` (with enough of them).

    Only earlier lifts count, so a lift's verdict is known when it ends (Live shows it then) and a
    file gives the same verdicts as the camera.
    """
    same = [m for m in earlier if m.view is view and not m.cut_off]
    if len(same) < TYPICAL_MIN_LIFTS:
        return {}
    out = {}
    for rule_id, name in GRADED_MEASURE.items():
        values = [float(getattr(m, name)) for m in same if math.isfinite(getattr(m, name))]
        if len(values) >= TYPICAL_MIN_LIFTS:
            out[rule_id] = float(np.median(values))
    return out


def _grade(value: float, warn: float, severe: float, u: float) -> tuple[Severity, float] | None:
    """(severity, the threshold it is against) for a value with error ± u; None below warn − u."""
    if not math.isfinite(value) or value < warn - u:
        return None
    if value < warn + u:
        return Severity.NEAR, warn
    if value < severe + u:
        return Severity.CAUTION, (severe if value >= severe - u else warn)
    return Severity.POOR, severe


def _grading_value(m: LiftMeasures, rule_id: str, value: float, u: float, warn: float, severe: float) -> float:
    """The value a lift is graded on: its own, or near a limit the session's typical one within u of it."""
    typical = m.typical.get(rule_id, math.nan)
    near = math.isfinite(value) and (abs(value - warn) < u or abs(value - severe) < u)
    if near and math.isfinite(typical) and abs(value - typical) <= u:
        return typical
    return value


def _graded(
    *,
    rule_id: str,
    title: str,
    value: float,
    warn: float,
    severe: float,
    cue_key: str,
    standard: str,
    measures: LiftMeasures,
    measure: Measure,
    unit: str = "°",
    uncertainty: float | None = None,
) -> Finding | None:
    """A finding graded against ``warn`` (caution) and ``severe`` (poor), allowing for the measurement's error.

    With u the uncertainty (± in ``unit``; the lift's view's, unless given): below warn − u nothing;
    within u of warn "near the limit" (shown, not graded); up to severe + u caution (near the poor
    limit within u of severe); past severe + u poor. So a value that differs from another by less
    than the measurement's own error never flips the verdict on its own. A measure the view cannot
    judge is INFO whatever its value. Near a limit, a value within u of the session's typical value
    (``LiftMeasures.typical``) is graded as that is: the same movement, as far as the camera can tell,
    gets the same verdict, whichever side of the limit this repetition's reading fell.
    """
    u = measures.uncertainty_of(measure) if uncertainty is None else uncertainty
    u = u if math.isfinite(u) else 0.0
    grade = _grade(_grading_value(measures, rule_id, value, u, warn, severe), warn, severe, u)
    if grade is None:
        return None
    severity, threshold = grade
    near = math.isfinite(value) and (abs(value - warn) < u or abs(value - severe) < u)
    cue = CUES[cue_key]
    reliable = measures.reliable(measure)
    return Finding(
        rule_id=rule_id,
        title=title,
        value=value,
        unit=unit,
        threshold=threshold,
        severity=severity if reliable else Severity.INFO,
        cue=cue.short,
        advice=cue.advice,
        articles=cue.articles,
        standard=standard,
        reliable=reliable,
        note="" if reliable else _VIEW_NOTE.get(measure, "The camera view makes this uncertain."),
        uncertainty=u,
        near_limit=near,
    )


def rule_style(m: LiftMeasures, c: RuleConfig) -> Finding | None:
    """Stooping (straight legs, bending at the waist) gets the knees cue; near the stoop limit it is only shown."""
    if m.style is not Style.STOOP:
        return None
    cue = CUES["stoop"]
    reliable = m.reliable(Measure.KNEE_FLEXION)
    u = m.uncertainty_of(Measure.KNEE_FLEXION)
    u = u if math.isfinite(u) else 0.0
    near = m.knee_flexion_at_bottom_deg > c.stoop_max_knee_deg - u
    severity = Severity.NEAR if near else Severity.CAUTION
    return Finding(
        rule_id="stoop_lift",
        title="Bent at the waist, not the knees",
        value=m.knee_flexion_at_bottom_deg,
        unit="° knee flexion",
        threshold=c.stoop_max_knee_deg,
        severity=severity if reliable else Severity.INFO,
        cue=cue.short,
        advice=cue.advice,
        articles=cue.articles,
        standard="Stoop = knee flexion under 40° at the bottom (stoop/squat lifting literature); "
        "Stoop–Squat-Index after Schmid 2022",
        reliable=reliable,
        note="" if reliable else _VIEW_NOTE[Measure.KNEE_FLEXION],
        uncertainty=u,
        near_limit=near,
    )


def rule_trunk_flexion(m: LiftMeasures, c: RuleConfig) -> Finding | None:
    """Peak forward bend of the trunk, graded by the REBA / ISO 11226 bands."""
    value = m.peak_trunk_flexion_deg
    u = m.uncertainty_of(Measure.TRUNK_FLEXION)
    u = u if math.isfinite(u) else 0.0
    # "Far forward" (and its cue) only for a bend graded past 60° by more than the measurement's error.
    graded = _grading_value(m, "trunk_flexion", value, u, c.trunk_moderate_deg, c.trunk_severe_deg)
    severe = math.isfinite(graded) and graded >= c.trunk_severe_deg + u
    return _graded(
        rule_id="trunk_flexion",
        title="Trunk bent far forward" if severe else "Trunk bent forward",
        value=value,
        warn=c.trunk_moderate_deg,
        severe=c.trunk_severe_deg,
        cue_key="trunk_severe" if severe else "trunk_moderate",
        standard="REBA and ISO 11226: 0–20° neutral, 20–60° moderate, over 60° severe",
        measures=m,
        measure=Measure.TRUNK_FLEXION,
    )


def rule_twist(m: LiftMeasures, c: RuleConfig) -> Finding | None:
    """Shoulders turned against the hips while bent or holding the load."""
    return _graded(
        rule_id="trunk_twist",
        title="Twisted while bent or loaded",
        value=m.peak_twist_deg,
        warn=c.twist_warn_deg,
        severe=c.twist_severe_deg,
        cue_key="twist",
        standard="REBA (+1 for a twisted trunk); EN 1005-4 (10° or more, repeated, not acceptable); "
        "NIOSH asymmetry multiplier 1 − 0.0032·A",
        measures=m,
        measure=Measure.TRUNK_TWIST,
    )


def rule_side_bend(m: LiftMeasures, c: RuleConfig) -> Finding | None:
    """Trunk leaning sideways while bent or loaded."""
    return _graded(
        rule_id="side_bend",
        title="Leaned to one side",
        value=m.peak_side_bend_deg,
        warn=c.side_bend_warn_deg,
        severe=c.side_bend_severe_deg,
        cue_key="side_bend",
        standard="REBA (+1 for side flexion); EN 1005-4 (10° or more); ISO 11226 (over 20° awkward)",
        measures=m,
        measure=Measure.SIDE_BEND,
    )


def rule_jerk(
    m: LiftMeasures, c: RuleConfig, uncertainty: UncertaintyConfig = DEFAULT_CONFIG.uncertainty
) -> Finding | None:
    """A sudden, fast trunk movement."""
    value = m.peak_trunk_speed_deg_s
    return _graded(
        rule_id="sudden_movement",
        title="Sudden, jerky movement",
        value=value,
        warn=c.jerk_warn_deg_s,
        severe=c.jerk_severe_deg_s,
        cue_key="jerk",
        standard="Our measurement: controlled lifts in the labelled clips peak at 110–190°/s of trunk speed",
        measures=m,
        measure=Measure.TRUNK_FLEXION,
        unit="°/s",
        uncertainty=uncertainty.trunk_speed_rel * value if math.isfinite(value) else 0.0,
    )


RULES: tuple[Rule, ...] = (rule_style, rule_trunk_flexion, rule_twist, rule_side_bend, rule_jerk)


def reba_trunk_score(
    trunk_deg: float, twisted_or_bent_sideways: bool, config: RuleConfig = DEFAULT_CONFIG.rules
) -> int:
    """REBA trunk score: 1 upright, 2 up to 20°, 3 20–60°, 4 over 60°; +1 for twist or side bend."""
    if not math.isfinite(trunk_deg):
        return 0
    if trunk_deg < 5.0:
        score = 1
    elif trunk_deg < config.trunk_moderate_deg:
        score = 2
    elif trunk_deg <= config.trunk_severe_deg:
        score = 3
    else:
        score = 4
    return score + (1 if twisted_or_bent_sideways else 0)


def reba_leg_score(knee_deg: float, config: RuleConfig = DEFAULT_CONFIG.rules) -> int:
    """REBA legs (both feet on the ground): 1, +1 for knee flexion 30–60°, +2 over 60°."""
    if not math.isfinite(knee_deg):
        return 0
    if knee_deg > config.reba_knee_severe_deg:
        return 3
    if knee_deg >= config.reba_knee_moderate_deg:
        return 2
    return 1


_NOT_JUDGED = {
    View.FRONT: "not judged for forward bend from this view: seen from the front, the bend rests on the model's "
    "depth guess. Film from the side or at 45°.",
    View.UNKNOWN: "not judged: the camera view could not be told. Film the whole body from the side or at 45°.",
}


def judge(
    rep: Rep,
    config: RuleConfig = DEFAULT_CONFIG.rules,
    rules: tuple[Rule, ...] = RULES,
    uncertainty: UncertaintyConfig = DEFAULT_CONFIG.uncertainty,
    earlier: Sequence[LiftMeasures] = (),
) -> RepVerdict:
    """Measure a lift, run every rule on it, and give the overall verdict.

    ``earlier`` are the session's lifts before this one: near a limit, a value within the measurement's
    error of their typical value (``typical_values``) is graded as that value is.

    A lift with a caution or poor finding gets that verdict. Otherwise, when its main measure
    (the trunk's forward bend) could not be judged (the view cannot, or the trunk was not seen),
    the verdict is "not judged", with the reason; never "good".
    """
    measures = measure_lift(rep, config, uncertainty)
    typical = typical_values(earlier, measures.view)
    if typical:
        measures = replace(measures, typical=typical)
    findings = tuple(f for rule in rules if (f := rule(measures, config)) is not None)
    worst = max((f.severity.rank for f in findings), default=0)
    verdict = (Verdict.GOOD, Verdict.CAUTION, Verdict.POOR)[worst]
    reason = ""
    if verdict is Verdict.GOOD:
        if not math.isfinite(measures.peak_trunk_flexion_deg):
            reason = "not judged: the trunk was not seen during this lift. Film the whole body."
        elif not measures.reliable(Measure.TRUNK_FLEXION):
            reason = _NOT_JUDGED.get(measures.view, _NOT_JUDGED[View.UNKNOWN])
        if reason:
            verdict = Verdict.NOT_JUDGED
    twisted = any(f.rule_id in ("trunk_twist", "side_bend") and f.reliable and f.severity.rank > 0 for f in findings)
    return RepVerdict(
        rep=rep,
        measures=measures,
        findings=findings,
        verdict=verdict,
        reba_trunk=reba_trunk_score(measures.peak_trunk_flexion_deg, twisted, config),
        reba_legs=reba_leg_score(measures.knee_flexion_at_bottom_deg, config),
        not_judged_reason=reason,
    )
