"""Tests of the session report: summary numbers, JSON with a schema version, CSV, twist events."""

from __future__ import annotations

import csv
import html
import io
import json
import math

import pytest

from liftcheck.kinematics import Kinematics
from liftcheck.report import (
    CSV_COLUMNS,
    SCHEMA_VERSION,
    ReportView,
    build_report,
    find_twist_events,
    frequency_finding,
)
from liftcheck.reps import segment
from liftcheck.rules import judge
from liftcheck.workshop import synthetic as syn


def _report(session: syn.Scenario, yaw: float = 45.0):  # type: ignore[no-untyped-def]
    clip = syn.generate(session, view_yaw_deg=yaw)
    kin = Kinematics()
    angles = [kin.update(f) for f in clip.frames]
    lifts = [judge(r) for r in segment(angles)]
    duration = clip.frames[-1].t_s
    return build_report("test.mp4", angles, lifts, duration_s=duration, settings={"model": "synthetic"}), clip


SESSION = syn.scenario(
    syn.stand(1.0),
    syn.lift("squat", trunk_deg=15.0),
    syn.stand(1.0),
    syn.lift("stoop"),
    syn.stand(1.0),
    syn.twist(45.0, 2.0),
    syn.stand(1.0),
)


def test_summary_counts_match_the_lifts() -> None:
    """Lift count, verdict and style tallies and the worst lift agree with the per-lift rows."""
    report, clip = _report(SESSION)
    data = report.to_dict()
    rows = data["lifts"]
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["summary"]["lift_count"] == len(rows) == len(clip.lifts) == 2
    assert data["summary"]["styles"] == {"squat": 1, "stoop": 1}
    assert sum(data["summary"]["verdicts"].values()) == 2
    assert data["summary"]["worst_lift"] == 2  # the stoop
    assert (
        data["summary"]["advice"][0]["cue"] in data["summary"]["headline"].lower()
        or data["summary"]["advice"][0]["cue"].lower() in data["summary"]["headline"].lower()
    )
    assert "not a diagnosis" in data["disclaimer"]


def test_json_round_trips_and_has_no_nan() -> None:
    """The JSON form parses back to the same dict and holds no NaN (browsers and databases refuse it)."""
    report, _ = _report(SESSION)
    text = report.to_json()
    assert "NaN" not in text
    assert json.loads(text) == json.loads(json.dumps(report.to_dict()))
    timeline = json.loads(text)["timeline"]
    assert len(timeline["t_s"]) == report.frames_analysed


def test_csv_has_one_row_per_lift_with_the_columns() -> None:
    """The CSV has the documented header and one row per lift, findings flattened into one cell."""
    report, _ = _report(SESSION)
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert [r["style"] for r in rows] == ["squat", "stoop"]
    assert "Bent at the waist, not the knees" in rows[1]["findings"]  # the finding's title, not its rule id
    assert "stoop_lift" not in rows[1]["findings"]


def test_csv_values_are_rounded_booleans_words_and_the_session_and_index_columns_appear() -> None:
    """Angles and times to a tenth, indices to a hundredth, true/false, person/task/time, NIOSH columns with a load."""
    report, _ = _report(SESSION)
    data = report.to_dict()
    data["session"] = {"analysed_at": "2026-05-01T10:00:00+00:00", "person": "Ana, B.", "task": "boxes"}
    plain_rows = list(csv.DictReader(io.StringIO(ReportView.from_dict(data).to_csv())))
    assert not any(k.startswith("niosh_") for k in plain_rows[0])  # no load asked for: no lifting-equation columns
    data["task_inputs"] = {"load_kg": 12.0}
    for lift, li in zip(data["lifts"], (0.8123456, 1.3456789)):
        lift["niosh"] = {"origin": {}, "applicable": True, "li": li, "rwl_kg": 12.0 / li, "band": "increased"}
    rows = list(csv.DictReader(io.StringIO(ReportView.from_dict(data).to_csv())))
    assert [r["person"] for r in rows] == ["Ana, B.", "Ana, B."] and rows[0]["task"] == "boxes"
    assert rows[0]["analysed_at"] == "2026-05-01T10:00:00+00:00"
    assert [r["niosh_li"] for r in rows] == ["0.81", "1.35"] and rows[1]["niosh_applicable"] == "true"
    assert rows[0]["niosh_rwl_kg"] == f"{12.0 / 0.8123456:.1f}" and rows[0]["niosh_load_kg"] == "12.0"
    for row in rows:
        assert row["partial"] in ("true", "false")
        for key in ("start_s", "end_s", "peak_trunk_flexion_deg", "knee_flexion_at_bottom_deg", "peak_twist_deg"):
            whole, _, decimals = row[key].partition(".")
            assert len(decimals) <= 1, (key, row[key])


@pytest.mark.parametrize("twist_deg", [26.0, 45.0])
def test_a_bent_twist_in_a_lift_says_whether_the_lifts_twist_finding_counted_it(twist_deg: float) -> None:
    """The twist table and the lift's findings agree: a bent twist is "counted" exactly when the lift's twist
    finding is graded, and otherwise says why (within the measurement's error of the limit)."""
    from liftcheck.html_report import render_html

    scenario = syn.scenario(syn.stand(1.0), syn.lift("stoop", twist_deg=twist_deg), syn.stand(1.0))
    report, _ = _report(scenario)
    view = ReportView.from_dict(report.to_dict())
    (event,) = [e for e in view.twist_events if e.in_lift == 1]
    assert event.bent and event.reliable
    (finding,) = [f for f in view.lifts[0].findings if f.rule_id == "trunk_twist"]
    said = view.twist_in_verdict(event)
    assert said.startswith("counted") == finding.graded, (said, finding)
    if not finding.graded:
        assert finding.near_limit and "limit" in said
    assert html.escape(said, quote=True) in render_html(view, {})


def test_twist_events_are_found_outside_lifts() -> None:
    """A standing twist of 45° shows up as one twist event with its peak, not tied to a lift."""
    report, clip = _report(SESSION, yaw=0.0)
    events = [e for e in report.twist_events if e.in_lift is None]
    assert len(events) == 1
    truth = clip.twists[0]
    assert truth.start_s - 0.3 <= events[0].peak_s <= truth.end_s + 0.3
    assert abs(abs(events[0].peak_deg) - 45.0) < 8.0
    assert events[0].reliable


def test_no_events_without_twist() -> None:
    """Lifts without twist give no twist events."""
    report, _ = _report(syn.scenario(syn.stand(1.0), syn.lift("squat"), syn.stand(1.0)), yaw=0.0)
    assert find_twist_events([], []) == [] and report.twist_events == ()


def test_frequency_is_only_judged_over_a_minute() -> None:
    """Lifts per minute are reported, but only a session of a minute or more can be flagged for pace."""
    report, _ = _report(SESSION)
    per_minute, finding = frequency_finding(report.lifts, 20.0)
    assert per_minute == 6.0 and finding is None
    per_minute, finding = frequency_finding(report.lifts * 6, 60.0)
    assert per_minute == 12.0 and finding is not None and finding.severity.value == "poor"
    assert math.isnan(frequency_finding((), 60.0)[0])


def test_empty_session_says_what_to_do() -> None:
    """A session with nobody in it says so, in words, instead of an empty table."""
    report = build_report("empty.mp4", [], [], duration_s=3.0, settings={})
    assert "No lifts found" in report.headline()
    assert report.to_dict()["summary"]["lift_count"] == 0


def test_the_gap_warning_names_what_was_left_out_and_skips_a_stray_frame() -> None:
    from liftcheck.report import TWIST_CUES_DISAGREE, gap_warning

    assert gap_warning({"trunk_flexion_deg": 2}, 1000) == ""  # 0.2%: a stray frame, kept in the report's gaps only
    text = gap_warning({"trunk_flexion_deg": 50, TWIST_CUES_DISAGREE: 2, "knee_flexion_left_deg": 300}, 1000)
    assert "trunk flexion in 5%" in text and "twist" not in text and "left knee" not in text
    assert gap_warning({}, 1000) == "" and gap_warning({"trunk_flexion_deg": 5}, 0) == ""
