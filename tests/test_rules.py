"""Tests of the per-lift judgement: style, index, findings with their sources, verdict, REBA scores."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from liftcheck.config import DEFAULT_CONFIG
from liftcheck.guidance import ARTICLES, CUES
from liftcheck.kinematics import Kinematics, Measure, View
from liftcheck.reps import segment
from liftcheck.rules import (
    RULES,
    LiftMeasures,
    Severity,
    Style,
    Verdict,
    classify_style,
    judge,
    reba_leg_score,
    reba_trunk_score,
    rule_trunk_flexion,
    rule_twist,
    stoop_squat_index,
    typical_values,
)
from liftcheck.workshop import synthetic as syn

C = DEFAULT_CONFIG.rules


def _measures(**changes: object) -> LiftMeasures:
    """A lift's measures; the uncertainty and the judged measures follow the view unless given."""
    base: dict[str, object] = {
        "style": Style.SQUAT,
        "stoop_squat_index": 25.0,
        "peak_trunk_flexion_deg": 10.0,
        "knee_flexion_at_bottom_deg": 110.0,
        "hip_flexion_at_bottom_deg": 100.0,
        "trunk_flexion_at_bottom_deg": 10.0,
        "peak_twist_deg": 5.0,
        "peak_twist_t_s": 1.0,
        "peak_side_bend_deg": 3.0,
        "peak_trunk_speed_deg_s": 80.0,
        "depth": 0.35,
        "view": View.OBLIQUE,
        "cut_off": "",
    }
    return LiftMeasures(**{**base, **changes})  # type: ignore[arg-type]


def _judged(*motions: object, yaw: float = 45.0):  # type: ignore[no-untyped-def]
    clip = syn.generate(syn.scenario(syn.stand(1.0), *motions, syn.stand(1.0)), view_yaw_deg=yaw)
    kin = Kinematics()
    return [judge(r) for r in segment([kin.update(f) for f in clip.frames])]


@pytest.mark.parametrize(
    ("knee", "trunk", "style"),
    [
        (10, 85, Style.STOOP),
        (39, 70, Style.STOOP),
        (60, 50, Style.SEMI_SQUAT),
        (95, 50, Style.SEMI_SQUAT),
        (95, 30, Style.SQUAT),
        (130, 20, Style.SQUAT),
        (math.nan, 40, Style.UNKNOWN),
    ],
)
def test_style_from_knee_and_trunk(knee: float, trunk: float, style: Style) -> None:
    """Stoop under 40° knee flexion, squat over 90° with an upright trunk, semi-squat between."""
    assert classify_style(knee, trunk) is style


def test_stoop_squat_index_runs_from_squat_to_stoop() -> None:
    """The index is 0 for all-knee lowering, 100 for all-trunk, and rises as the trunk does the work."""
    assert stoop_squat_index(0.0, 120.0) == pytest.approx(0.0)
    assert stoop_squat_index(90.0, 0.0) == pytest.approx(100.0)
    values = [stoop_squat_index(trunk, 140.0 - trunk) for trunk in (10, 30, 50, 70, 90)]
    assert values == sorted(values)
    assert stoop_squat_index(20, 110) < C.ssi_squat_max < C.ssi_stoop_min < stoop_squat_index(85, 10)
    assert math.isnan(stoop_squat_index(math.nan, 50))


def test_trunk_bands_follow_reba_and_iso() -> None:
    """Trunk flexion under 20° passes, 20–60° is a caution, over 60° is poor, each naming its standard."""
    assert rule_trunk_flexion(_measures(peak_trunk_flexion_deg=10.0), C) is None
    moderate = rule_trunk_flexion(_measures(peak_trunk_flexion_deg=40.0), C)
    severe = rule_trunk_flexion(_measures(peak_trunk_flexion_deg=75.0), C)
    assert moderate is not None and moderate.severity is Severity.CAUTION and moderate.threshold == 20.0
    assert severe is not None and severe.severity is Severity.POOR and severe.threshold == 60.0
    assert "REBA" in severe.standard and "ISO 11226" in severe.standard
    assert severe.value == 75.0 and severe.cue and severe.advice


def test_unreliable_view_says_so_instead_of_grading() -> None:
    """Twist seen from the side is reported as uncertain, with a note, and does not grade the lift."""
    side = rule_twist(_measures(peak_twist_deg=60.0, view=View.SIDE), C)
    oblique = rule_twist(_measures(peak_twist_deg=60.0, view=View.OBLIQUE), C)
    assert side is not None and side.severity is Severity.INFO and not side.reliable and "side" in side.note
    assert oblique is not None and oblique.severity is Severity.POOR and oblique.reliable


@pytest.mark.parametrize(
    ("value", "severity", "near", "threshold"),
    [
        (11.0, None, False, None),  # under 20 − 8: nothing
        (12.5, Severity.NEAR, True, 20.0),  # within 8° of 20: near the limit, not graded
        (27.5, Severity.NEAR, True, 20.0),
        (28.5, Severity.CAUTION, False, 20.0),  # past 20 + 8: caution
        (52.5, Severity.CAUTION, True, 60.0),  # within 8° of 60: caution, near the poor limit
        (67.5, Severity.CAUTION, True, 60.0),
        (68.5, Severity.POOR, False, 60.0),  # past 60 + 8: poor
    ],
)
def test_values_within_the_uncertainty_of_a_limit_are_near_it(
    value: float, severity: Severity | None, near: bool, threshold: float | None
) -> None:
    """Oblique trunk flexion is ±8°: a value within that of a limit is "near the limit" and grades one level lower."""
    m = _measures(peak_trunk_flexion_deg=value)
    assert m.uncertainty_of(Measure.TRUNK_FLEXION) == 8.0
    f = rule_trunk_flexion(m, C)
    if severity is None:
        assert f is None
        return
    assert f is not None and f.severity is severity and f.near_limit is near and f.threshold == threshold
    assert f.uncertainty == 8.0


def test_near_identical_lifts_get_one_verdict() -> None:
    """Ten squats whose peak trunk flexion spreads over 18.6–23.9° (less than the ±6° side-view error) all get
    the same verdict, where a bare 20° threshold would split them."""
    verdicts = set()
    for peak in (18.6, 19.2, 19.9, 20.4, 21.0, 21.7, 22.3, 22.9, 23.4, 23.9):
        m = _measures(peak_trunk_flexion_deg=peak, view=View.SIDE)
        findings = [f for rule in RULES if (f := rule(m, C)) is not None]
        worst = max((f.severity.rank for f in findings), default=0)
        verdicts.add(worst)
    assert verdicts == {0}


def test_repetitions_around_the_poor_limit_take_the_sessions_typical_grade() -> None:
    """Ten round-back lifts peaking at 64-74° (side view, ±6°) straddle the poor limit (60° + 6°): graded alone,
    the ones under 66° would be caution among poor ones. Once two lifts set the session's typical value, a lift
    near the limit and within the error of it is graded as it is: one movement, one verdict. A lift well away
    from the typical value keeps its own grade, and the first lifts (no typical value yet) are graded alone."""
    peaks = (68.0, 70.0, 64.0, 69.0, 65.0, 72.0, 67.0, 74.0, 64.5, 71.0)
    earlier: list[LiftMeasures] = []
    alone, together = [], []
    for peak in peaks:
        m = _measures(peak_trunk_flexion_deg=peak, view=View.SIDE)
        alone.append(rule_trunk_flexion(m, C).severity)  # type: ignore[union-attr]
        typical = typical_values(earlier, View.SIDE)
        f = rule_trunk_flexion(replace(m, typical=typical), C)
        assert f is not None and f.value == peak  # the lift's own reading is what is reported
        together.append(f.severity)
        earlier.append(m)
    assert Severity.CAUTION in alone and Severity.POOR in alone
    assert set(together) == {Severity.POOR}
    # Far from the typical value, a lift is its own: a 45° lift among 70° ones is caution, not poor.
    typical = typical_values(earlier, View.SIDE)
    lone = rule_trunk_flexion(_measures(peak_trunk_flexion_deg=45.0, view=View.SIDE, typical=typical), C)
    assert lone is not None and lone.severity is Severity.CAUTION
    # Lifts filmed in another view, or cut off, set no typical value.
    assert typical_values(earlier, View.FRONT) == {}
    assert typical_values([replace(m, cut_off="start") for m in earlier], View.SIDE) == {}


def test_a_lift_the_view_cannot_judge_is_not_judged_never_good() -> None:
    """Filmed from the front, a deadlift's forward bend cannot be judged: the verdict says so and where to film."""
    clip = syn.generate(syn.scenario(syn.stand(1.0), syn.lift("semi-squat"), syn.stand(1.0)), view_yaw_deg=0.0)
    kin = Kinematics()
    (lift,) = [judge(r) for r in segment([kin.update(f) for f in clip.frames])]
    graded = [f for f in lift.findings if f.severity.rank > 0]
    if not graded:
        assert lift.verdict is Verdict.NOT_JUDGED
        assert "side or at 45°" in lift.not_judged_reason
    assert lift.verdict is not Verdict.GOOD
    side = syn.generate(syn.scenario(syn.stand(1.0), syn.lift("semi-squat"), syn.stand(1.0)), view_yaw_deg=90.0)
    kin = Kinematics()
    (seen,) = [judge(r) for r in segment([kin.update(f) for f in side.frames])]
    assert seen.verdict in (Verdict.CAUTION, Verdict.POOR) and not seen.not_judged_reason


def test_every_finding_cites_articles_and_a_standard() -> None:
    """Each rule's finding names real articles (by id) and where its threshold comes from."""
    m = _measures(
        style=Style.STOOP,
        knee_flexion_at_bottom_deg=10.0,
        peak_trunk_flexion_deg=85.0,
        peak_twist_deg=40.0,
        peak_side_bend_deg=25.0,
        peak_trunk_speed_deg_s=400.0,
    )
    findings = [f for rule in RULES if (f := rule(m, C)) is not None]
    assert {f.rule_id for f in findings} == {
        "stoop_lift",
        "trunk_flexion",
        "trunk_twist",
        "side_bend",
        "sudden_movement",
    }
    for f in findings:
        assert f.articles and all(a in ARTICLES for a in f.articles)
        assert f.standard
        assert f.as_dict()["severity"] in ("caution", "poor")


def test_reba_scores() -> None:
    """REBA trunk and leg scores follow the published bands."""
    assert [reba_trunk_score(t, False) for t in (0, 10, 40, 80)] == [1, 2, 3, 4]
    assert reba_trunk_score(40, True) == 4
    assert [reba_leg_score(k) for k in (10, 45, 90)] == [1, 2, 3]


def test_judged_synthetic_lifts_get_the_expected_verdicts() -> None:
    """A squat lift is good; a stoop is poor with the knees cue; a twisted lift gets the twist cue."""
    squat, stoop, twisted = _judged(
        syn.lift("squat", trunk_deg=15.0),
        syn.stand(1.0),
        syn.lift("stoop"),
        syn.stand(1.0),
        syn.lift("semi-squat", twist_deg=40.0),
    )
    assert squat.verdict is Verdict.GOOD and squat.cue == CUES["good"].short
    assert squat.reba_legs == 3
    assert stoop.verdict is Verdict.POOR
    assert {"stoop_lift", "trunk_flexion"} <= {f.rule_id for f in stoop.findings}
    twist = next(f for f in twisted.findings if f.rule_id == "trunk_twist")
    assert twist.value == pytest.approx(40.0, abs=8.0)
    assert twisted.reba_trunk == 4  # 20–60° flexion, +1 for the twist
