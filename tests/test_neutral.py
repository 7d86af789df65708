"""The person's own neutral posture: recorded from their first still standing, or given from History, the trunk
measured from it; the Live page's Calibrate records it afresh (EN 1005-4 measures postures from the neutral)."""

from __future__ import annotations

import dataclasses
import html
import math
from fractions import Fraction

import av
import numpy as np
import pytest

from liftcheck.frames import Given
from liftcheck.kinematics import Kinematics, Neutral, NeutralRecorder
from liftcheck.landmarks import PoseFrame
from liftcheck.live import LiveProcessor, LiveSession
from liftcheck.pipeline import analyze_synthetic
from liftcheck.workshop import synthetic as syn

SESSION = syn.scenario(syn.stand(2.0), syn.lift("stoop"), syn.stand(1.0), syn.lift("squat"), syn.stand(1.0))


def _trunk(clip: syn.SyntheticClip, neutral: Neutral | None = None) -> tuple[np.ndarray, Kinematics]:
    kin = Kinematics(neutral=neutral)
    return np.array([kin.update(f).trunk_flexion_deg for f in clip.frames]), kin


@pytest.mark.parametrize("yaw", (0.0, 45.0, 90.0))
def test_the_neutral_is_recorded_from_the_first_still_standing(yaw: float) -> None:
    """Standing still for 1.5 s gives the neutral: the standing trunk angle in any view, and the shoulder and hip
    widths where the person faces the camera (not at 45° or from the side, where the picture cannot show them)."""
    clip = syn.generate(SESSION, view_yaw_deg=yaw, noise_m=0.005, seed=4)
    _, kin = _trunk(clip)
    neutral = kin.neutral
    assert neutral is not None and kin.given_neutral is None
    standing = float(np.mean(clip.truth.trunk_flexion_deg[:45]))
    assert neutral.trunk_deg == pytest.approx(standing, abs=1.5)
    assert 1.5 * 30 - 1 <= neutral.frames <= 2.0 * 30
    if yaw == 0.0:
        assert neutral.shoulder_width_m == pytest.approx(clip.body.shoulder_width_m, rel=0.05)
        assert neutral.hip_width_m == pytest.approx(clip.body.hip_width_m, rel=0.05)
    else:
        assert math.isnan(neutral.shoulder_width_m) and math.isnan(neutral.hip_width_m)


def test_a_given_neutral_moves_the_trunk_angle_by_its_lean() -> None:
    """A neutral from History with a habitual 8° lean: the trunk reads that much less through the whole clip than
    from the neutral recorded in it; a lean past 15° is not a neutral posture and moves nothing."""
    clip = syn.generate(SESSION, view_yaw_deg=90.0, seed=5)
    recorded, kin = _trunk(clip)
    assert kin.neutral is not None
    given, kin_given = _trunk(clip, Neutral(trunk_deg=8.0))
    assert kin_given.neutral == Neutral(trunk_deg=8.0)
    both = np.isfinite(recorded) & np.isfinite(given)
    later = both & (np.arange(len(recorded)) > 60)  # once the recorded one is in use
    assert np.median(recorded[later] - given[later]) == pytest.approx(8.0 - kin.neutral.trunk_deg, abs=0.5)
    leaning, _ = _trunk(clip, Neutral(trunk_deg=25.0))
    raw, _ = _trunk(clip, Neutral(trunk_deg=0.0))
    assert np.nanmax(np.abs(leaning - raw)) < 1e-9


def test_the_recorder_waits_for_stillness_and_starts_over_when_it_breaks() -> None:
    """Moving, bent knees or a bent trunk break the still run; only 1.5 s unbroken gives the neutral, once."""
    rec = NeutralRecorder()
    widths = (0.4, 0.3)
    t = 0.0
    for _ in range(30):  # 1 s still, then a fast turn breaks it
        assert rec.update(t, 2.0, 5.0, 3.0, widths, 300.0) is None
        t += 1 / 30
    assert rec.update(t, 2.0, 5.0, 90.0, widths, 300.0) is None
    t += 1 / 30
    for _ in range(30):  # bent knees (a squat) are not standing
        assert rec.update(t, 30.0, 100.0, 0.0, widths, 300.0) is None
        t += 1 / 30
    results = []
    for i in range(50):
        results.append(rec.update(t, 3.0 + 0.1 * (i % 3), 4.0, 2.0, widths, 300.0))
        t += 1 / 30
    done = [r for r in results if r is not None]
    assert len(done) == 1 and done[0].trunk_deg == pytest.approx(3.1, abs=0.11) and done[0].frames >= 45
    assert rec.update(t, 10.0, 4.0, 2.0, widths, 300.0) is None and rec.neutral is done[0]
    rec.restart()
    assert rec.neutral is None


def test_the_report_says_where_the_neutral_came_from() -> None:
    clip = syn.generate(SESSION, view_yaw_deg=45.0, seed=6)
    recorded = analyze_synthetic(clip).to_dict()["neutral"]
    assert recorded["source"] == "recorded" and recorded["frames"] >= 44
    given = analyze_synthetic(clip, given=Given(person="Ann", neutral=Neutral(trunk_deg=4.0))).to_dict()
    assert given["neutral"]["source"] == "given" and given["neutral"]["trunk_deg"] == 4.0
    assert given["session"]["person"] == "Ann"


def _camera_frame(t_s: float) -> av.VideoFrame:
    frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
    frame.pts, frame.time_base = round(t_s * 90_000), Fraction(1, 90_000)
    return frame


def test_live_calibrate_records_the_neutral_afresh() -> None:
    """On the Live page, Calibrate drops the neutral given from History and records a new one from the next 1.5 s
    of standing still; the camera thread takes the request between two frames."""
    clip = syn.generate(SESSION, view_yaw_deg=0.0, seed=7)
    frames = iter(clip.frames)

    def estimator(rgb: np.ndarray, t_s: float) -> PoseFrame:
        return dataclasses.replace(next(frames), t_s=t_s)

    session = LiveSession(estimator=estimator, given=Given(neutral=Neutral(trunk_deg=9.0)))
    processor = LiveProcessor(session)
    processor.on_frame(_camera_frame(0.0))
    assert processor.neutral() == Neutral(trunk_deg=9.0)
    processor.calibrate()
    assert processor.neutral() is None  # asked for: shown as being recorded
    processor.on_frame(_camera_frame(1 / 30))
    assert session.neutral is None  # taken before that frame: the given one is dropped
    for i in range(2, 60):
        processor.on_frame(_camera_frame(i / 30))
    neutral = processor.neutral()
    assert processor.frames_failed == 0 and neutral is not None
    assert neutral.trunk_deg == pytest.approx(float(np.mean(clip.truth.trunk_flexion_deg[:45])), abs=1.5)


def test_the_reports_say_what_the_trunk_was_measured_from() -> None:
    """The CLI, the app and the printable report say in words which neutral the trunk angles count from, or that
    none was recorded and they count from upright."""
    from liftcheck.html_report import render_html
    from liftcheck.report import ReportView

    clip = syn.generate(SESSION, view_yaw_deg=90.0, seed=8)
    recorded = analyze_synthetic(clip).to_dict()
    given = analyze_synthetic(clip, given=Given(neutral=Neutral(trunk_deg=6.0))).to_dict()
    moving = syn.generate(syn.scenario(syn.lift("stoop"), syn.lift("squat")), view_yaw_deg=90.0, seed=8)
    none = analyze_synthetic(moving).to_dict()
    lines = {name: ReportView.from_dict(d).neutral_line() for name, d in (("r", recorded), ("g", given), ("n", none))}
    assert "recorded while standing still" in lines["r"]
    assert "kept in History (a lean of +6°)" in lines["g"]
    assert none["neutral"] == {} and "No neutral posture was recorded" in lines["n"]
    assert html.escape(lines["g"]) in render_html(given, {})
