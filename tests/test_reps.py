"""Tests of the lift segmenter on synthetic sessions: what is a lift, and what is not."""

from __future__ import annotations

import pytest

from liftcheck.kinematics import Kinematics
from liftcheck.reps import Phase, RepSegmenter, segment
from liftcheck.rules import Style, measure_lift
from liftcheck.workshop import synthetic as syn


def _lifts(clip: syn.SyntheticClip):  # type: ignore[no-untyped-def]
    kin = Kinematics()
    return segment([kin.update(f) for f in clip.frames])


THREE_STYLES = syn.scenario(
    syn.stand(1.5),
    syn.lift("squat"),
    syn.stand(1.2),
    syn.lift("semi-squat"),
    syn.stand(1.2),
    syn.lift("stoop"),
    syn.stand(1.5),
)


@pytest.mark.parametrize("yaw", [90.0, -90.0, 45.0, 60.0])
@pytest.mark.parametrize("noise", [0.0, 0.01])
def test_every_generated_lift_is_counted_and_classified(yaw: float, noise: float) -> None:
    """Each generated lift is found once, at the right time, with the generated style."""
    clip = syn.generate(THREE_STYLES, view_yaw_deg=yaw, noise_m=noise, noise_px=2.0 * bool(noise), seed=4)
    reps = _lifts(clip)
    assert len(reps) == len(clip.lifts)
    for rep, truth in zip(reps, clip.lifts):
        assert truth.start_s - 0.3 <= rep.bottom_s <= truth.end_s + 0.3
        assert abs(rep.bottom_s - truth.bottom_s) < 0.5
        assert measure_lift(rep).style.value == truth.style
        assert not rep.partial


@pytest.mark.parametrize("fps", [12.0, 30.0, 60.0])
def test_frame_rate_does_not_change_the_count(fps: float) -> None:
    """Thresholds are in seconds, so the same session gives the same lifts at 12, 30 or 60 fps."""
    clip = syn.generate(THREE_STYLES, view_yaw_deg=90.0, fps=fps, fps_jitter=0.2, seed=5)
    assert [measure_lift(r).style for r in _lifts(clip)] == [Style.SQUAT, Style.SEMI_SQUAT, Style.STOOP]


def test_missed_frames_do_not_break_lifts() -> None:
    """Short dropouts of the pose (as from motion blur) neither lose nor split lifts."""
    clip = syn.generate(THREE_STYLES, view_yaw_deg=90.0, miss_rate=0.08, miss_run_s=0.15, seed=6)
    assert len(_lifts(clip)) == 3


@pytest.mark.parametrize(
    ("name", "motions", "yaw"),
    [
        ("walking", (syn.stand(1.0), syn.turn_to(90.0), syn.walk(4.0, 1.0), syn.stand(1.0)), 0.0),
        ("turning by stepping", (syn.stand(1.0), syn.turn_by_stepping(120.0, 1.6), syn.stand(1.0)), 45.0),
        (
            "sitting down and up",
            (syn.stand(1.0), syn.sit_down(1.5), syn.seated_reach(3.0, 0.0), syn.stand_up(1.5), syn.stand(1.0)),
            90.0,
        ),
        ("seated reach", (syn.sit_down(1.0), syn.seated_reach(3.0, trunk_deg=70.0), syn.seated_reach(2.5, 60.0)), 90.0),
        ("golf address and swing", (syn.hold_bent(2.0, 38.0, 20.0), syn.twist(45.0, 1.5, bent_deg=38.0)), 0.0),
        ("standing twist", (syn.stand(1.0), syn.twist(50.0, 2.0), syn.stand(1.0)), 0.0),
    ],
)
def test_movements_that_are_not_lifts(name: str, motions: tuple, yaw: float) -> None:
    """Walking, turning by stepping, sitting, a seated reach and a golf swing give no lift."""
    clip = syn.generate(syn.scenario(*motions), view_yaw_deg=yaw, noise_m=0.004, seed=7)
    assert _lifts(clip) == [], name


def test_sitting_between_lifts_is_not_counted_but_lifts_are() -> None:
    """A session with lifts and a sit in between counts the lifts only."""
    session = syn.scenario(
        syn.stand(1.0),
        syn.lift("squat"),
        syn.stand(1.0),
        syn.sit_down(1.5),
        syn.seated_reach(3.0, trunk_deg=0.0),
        syn.stand_up(1.5),
        syn.stand(1.0),
        syn.lift("stoop"),
        syn.stand(1.0),
    )
    clip = syn.generate(session, view_yaw_deg=90.0)
    assert [measure_lift(r).style for r in _lifts(clip)] == [Style.SQUAT, Style.STOOP]


def test_lifts_cut_off_by_the_video_are_partial() -> None:
    """A clip that starts at the bottom, or ends there, reports that lift as cut off."""
    session = syn.scenario(syn.stand(1.0), syn.lift("stoop"), syn.stand(1.0), syn.lift("squat"), syn.stand(1.0))
    full = syn.generate(session, view_yaw_deg=90.0)
    first, second = full.lifts
    clip = syn.generate(session, view_yaw_deg=90.0, start_s=first.bottom_s, end_s=second.bottom_s + 0.1)
    reps = _lifts(clip)
    assert [r.cut_off for r in reps] == ["start", "end"]
    assert all(r.partial for r in reps)


def test_streaming_equals_offline_and_reports_phase() -> None:
    """Feeding frames one by one gives the same lifts as the offline loop, and the phase follows the lift."""
    clip = syn.generate(THREE_STYLES, view_yaw_deg=90.0)
    kin = Kinematics()
    angles = [kin.update(f) for f in clip.frames]
    seg = RepSegmenter()
    phases = set()
    live = []
    for a in angles:
        rep = seg.update(a)
        phases.add(seg.phase)
        if rep:
            live.append(rep)
    assert seg.finish() is None
    offline = segment(angles)
    assert [(r.start_s, r.bottom_s, r.end_s) for r in live] == [(r.start_s, r.bottom_s, r.end_s) for r in offline]
    assert {Phase.STANDING, Phase.DOWN, Phase.UP} <= phases
    assert [r.index for r in live] == [1, 2, 3]


def test_rep_holds_its_frames_and_checks_its_times() -> None:
    """A Rep carries the angle traces between its start and end, and refuses impossible times."""
    clip = syn.generate(THREE_STYLES, view_yaw_deg=90.0)
    rep = _lifts(clip)[0]
    t = rep.times_s
    assert t[0] == rep.start_s and t[-1] == rep.end_s
    assert rep.trace("lowering").max() > 0.25
    with pytest.raises(ValueError, match="start <= bottom <= end"):
        type(rep)(1, 2.0, 1.0, 3.0, 0, 1, 2, rep.frames)
