"""Accuracy on the labelled real clips, with one set of settings for every clip.

The scoring rules are unit-tested on hand-made reports; the full evaluation runs the
pose model over every clip (minutes) and must keep every clip's lift count in range
and at least 90% of matched lifts in an acceptable style.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from liftcheck.kinematics import Kinematics
from liftcheck.report import build_report
from liftcheck.reps import segment
from liftcheck.rules import judge
from liftcheck.workshop import synthetic as syn
from liftcheck.workshop.evaluate import HEADER, _row, evaluate_dir, score_clip, summary_lines, twist_totals

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def _synthetic_report():  # type: ignore[no-untyped-def]
    clip = syn.generate(
        syn.scenario(syn.stand(1.0), syn.lift("squat"), syn.stand(1.0), syn.twist(45, 2.0), syn.stand(1))
    )
    kin = Kinematics()
    angles = [kin.update(f) for f in clip.frames]
    lifts = [judge(r) for r in segment(angles)]
    return build_report("x", angles, lifts, duration_s=clip.frames[-1].t_s, settings={}), clip


def test_scoring_matches_by_bottom_time_and_style() -> None:
    """A lift matches a label when its bottom is inside the label's window ±0.3 s; style and twists are scored."""
    report, clip = _synthetic_report()
    lift, twist = clip.lifts[0], clip.twists[0]
    label = {
        "file": "x",
        "rep_count": {"min": 1, "max": 1},
        "reps": [{"start_s": lift.start_s, "end_s": lift.end_s, "acceptable_styles": ["squat"]}],
        "twists": [{"start_s": twist.start_s, "end_s": twist.end_s, "approx_peak_twist_deg": 45}],
    }
    s = score_clip(label, report)
    assert (s.detected, s.matched, s.style_right, s.extra, s.missed) == (1, 1, 1, 0, 0)
    assert (s.twists_labelled, s.twists_found, s.twist_false_alarms) == (1, 1, 0)
    # Shift the label away: no match, the lift is extra and the label missed; the twist becomes a false alarm.
    moved = dict(label, reps=[dict(label["reps"][0], start_s=50.0, end_s=52.0)], twists=[])
    s = score_clip(moved, report)
    assert (s.matched, s.extra, s.missed, s.twist_false_alarms) == (0, 1, 1, 1)
    wrong_style = dict(label, reps=[dict(label["reps"][0], acceptable_styles=["stoop"])])
    assert score_clip(wrong_style, report).style_right == 0


@pytest.mark.slow
def test_accuracy_on_the_labelled_clips(samples_dir: Path, model_dir: Path) -> None:
    """On the labelled clips, with one set of settings: every lift count in range, 95% of styles right; twists of
    30° or more found 90% of the time in front and oblique views with at most 10% false alarms and none on a clip
    without a twist; trunk and knee at the bottom within 10° of the labels (median); and one verdict for at least
    90% of ten near-identical squats."""
    scores = evaluate_dir(samples_dir)
    lines = [HEADER, *(_row(s) for s in scores), *summary_lines(scores)]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "accuracy.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    wrong = [s.clip for s in scores if not s.count_ok]
    assert wrong == [], f"lift count out of range: {wrong}"
    matched = sum(s.matched for s in scores)
    right = sum(s.style_right for s in scores)
    assert matched >= 0.95 * sum(s.labelled for s in scores if s.expected_min > 0) - 2
    assert right >= 0.95 * matched

    found, labelled = twist_totals(scores, side_view=False)
    assert found >= 0.9 * labelled, f"twists found in front and oblique views: {found}/{labelled}"
    reported = sum(s.twists_reported for s in scores)
    assert sum(s.twist_false_alarms for s in scores) <= 0.1 * reported
    quiet = [s.clip for s in scores if s.twists_any_labelled == 0 and s.twists_reported]
    assert quiet == [], f"twist events on clips with no labelled twist: {quiet}"

    trunk = [e for s in scores for e in s.trunk_errors_deg]
    knee = [e for s in scores for e in s.knee_errors_deg]
    assert len(trunk) >= 30 and statistics.median(trunk) <= 10.0
    assert len(knee) >= 30 and statistics.median(knee) <= 10.0

    # Ten near-identical squats (peak trunk flexion within a few degrees of the 20° limit): one verdict.
    (squats,) = [s for s in scores if s.clip == "squat_lift_side_01.mp4"]
    assert sum(squats.verdicts.values()) >= 8
    assert max(squats.verdicts.values()) >= 0.9 * sum(squats.verdicts.values()), squats.verdicts


@pytest.mark.slow
def test_analysing_at_30_fps_costs_no_accuracy(samples_dir: Path, model_dir: Path) -> None:
    """On the 60 fps clips, analysing every frame and analysing at 30 fps give the same lifts and styles."""
    clips = json.loads((samples_dir / "labels.json").read_text())
    sixty = [c["file"] for c in clips if c["fps"] >= 50][:2]
    assert sixty, "no 60 fps clip in the labelled set"
    full = evaluate_dir(samples_dir, model="lite", max_fps=None, only=sixty)
    thin = evaluate_dir(samples_dir, model="lite", max_fps=30.0, only=sixty)
    for a, b in zip(full, thin):
        assert (a.detected, a.matched, a.style_right) == (b.detected, b.matched, b.style_right), a.clip
