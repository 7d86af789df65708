"""The lifting equation's inputs measured on the synthetic lifter, whose hands, feet and height are known.

H and V within 5 cm and A within 10° in the views that can judge them, so the RWL within 2 kg in side
and oblique views; and the report carries the equation per lift and for the task.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from liftcheck.config import DEFAULT_CONFIG
from liftcheck.engine import Engine
from liftcheck.landmarks import PoseLandmark as L
from liftcheck.lift_geometry import LiftGeometry, asymmetry_deg
from liftcheck.niosh import Coupling, HandLocation, LiftTask, TaskInputs, WorkDuration, assess
from liftcheck.report import build_report
from liftcheck.store import HistoryStore
from liftcheck.workshop import synthetic as syn

NOISE = {"noise_m": 0.005, "noise_px": 0.5}
HANDS = (L.LEFT_WRIST, L.LEFT_INDEX, L.LEFT_PINKY, L.RIGHT_WRIST, L.RIGHT_INDEX, L.RIGHT_PINKY)


def _session() -> syn.Scenario:
    return syn.scenario(
        syn.stand(2.0), syn.lift("squat"), syn.stand(1.5), syn.lift("stoop"), syn.stand(1.5), syn.lift("semi-squat"),
        syn.stand(1.5),
    )  # fmt: skip


def _truth(clip: syn.SyntheticClip, frame: int) -> tuple[float, float, float]:
    """(H, V, A) at ``frame`` from the clip's noise-free points, the true vertical and the floor under the feet."""
    pts, up = clip.points_m[frame], clip.camera.up
    hands = pts[list(HANDS)].mean(axis=0)
    ankles = (pts[L.LEFT_ANKLE] + pts[L.RIGHT_ANKLE]) / 2.0
    floor = float(np.dot(ankles, up)) - clip.body.ankle_height_m
    reach = hands - ankles
    along_floor = reach - np.dot(reach, up) * up
    feet = (pts[L.LEFT_FOOT_INDEX] - pts[L.LEFT_HEEL]) + (pts[L.RIGHT_FOOT_INDEX] - pts[L.RIGHT_HEEL])
    feet -= np.dot(feet, up) * up
    return (
        100.0 * float(np.linalg.norm(along_floor)),
        100.0 * (float(np.dot(hands, up)) - floor),
        asymmetry_deg(100.0 * along_floor, feet),  # A as defined there (hands between the feet from the midline)
    )


def _measured(yaw: float, seed: int = 1) -> tuple[syn.SyntheticClip, Engine, dict[int, LiftGeometry | str]]:
    clip = syn.generate(_session(), view_yaw_deg=yaw, seed=seed, **NOISE)
    engine = Engine(DEFAULT_CONFIG)
    for frame in clip.frames:
        engine.step(frame)
    engine.finish()
    return clip, engine, engine.lift_geometries(stature_cm=100.0 * clip.body.height_m)


def _frame(clip: syn.SyntheticClip, engine: Engine, t_s: float) -> int:
    """The clip's frame at ``t_s`` (the engine's frames are the clip's, one to one)."""
    return int(np.argmin(np.abs(clip.truth.t_s - t_s)))


@pytest.mark.parametrize("yaw", (90.0, -90.0, 45.0, -45.0, 0.0))
def test_h_v_and_a_match_the_synthetic_lifter_where_the_view_can_judge_them(yaw: float) -> None:
    """At each lift's grasp and release: H and V within 5 cm, A within 10°, where each is flagged reliable."""
    clip, engine, geometries = _measured(yaw)
    assert len(geometries) == 3
    checked = {"h": 0, "v": 0, "a": 0}
    for geometry in geometries.values():
        assert isinstance(geometry, LiftGeometry), geometry
        for point in (geometry.origin, geometry.destination):
            t_s = engine.angles[point.frame].t_s
            h, v, a = _truth(clip, _frame(clip, engine, t_s))
            if point.h_reliability.reliable:
                assert abs(point.h_cm - h) <= 5.0, (yaw, point.h_cm, h)
                checked["h"] += 1
            if point.v_reliability.reliable:
                assert abs(point.v_cm - v) <= 5.0, (yaw, point.v_cm, v)
                checked["v"] += 1
            if point.a_reliability.reliable and h >= 15.0:
                assert abs(point.a_deg - a) <= 10.0, (yaw, point.a_deg, a)
                checked["a"] += 1
    # Each view judges what it should: V everywhere; H in side and oblique views; A not from the side.
    assert checked["v"] == 6
    if abs(yaw) >= 45.0:
        assert checked["h"] >= 4
    if abs(yaw) < 90.0:
        assert checked["a"] >= 1


@pytest.mark.parametrize("yaw", (90.0, 45.0))
def test_rwl_within_2_kg_in_side_and_oblique_views(yaw: float) -> None:
    """With the same frequency, duration and coupling, the RWL from the measured hands is within 2 kg of the RWL
    from the true hands."""
    clip, engine, geometries = _measured(yaw, seed=4)
    for geometry in geometries.values():
        assert isinstance(geometry, LiftGeometry)
        locations = []
        for point in (geometry.origin, geometry.destination):
            h, v, a = _truth(clip, _frame(clip, engine, engine.angles[point.frame].t_s))
            locations.append(
                (point.hand_location(), HandLocation(h_cm=h, v_cm=v, a_deg=a if abs(yaw) < 90 else point.a_deg))
            )
        frequency = engine.lifting_indices(TaskInputs(load_kg=10.0), clip.frames[-1].t_s)
        first = next(r for r in frequency.values() if not isinstance(r, str))
        common = {"frequency": first.task.frequency, "duration": WorkDuration.SHORT, "coupling": Coupling.FAIR}
        measured = assess(LiftTask(origin=locations[0][0], destination=locations[1][0], **common))  # type: ignore[arg-type]
        true = assess(LiftTask(origin=locations[0][1], destination=locations[1][1], **common))  # type: ignore[arg-type]
        assert abs(measured.rwl_kg - true.rwl_kg) <= 2.0, (yaw, measured.rwl_kg, true.rwl_kg)


def test_the_report_carries_the_lifting_index_per_lift_and_for_the_task() -> None:
    """With a load and a stature the report gives each lift its LI and RWL, the change that helps most, and the
    task's index (its hardest lift); without a load, limits but no index."""
    clip, engine, _ = _measured(60.0, seed=2)
    duration = clip.frames[-1].t_s
    # Three lifts in 14 s is a pace no table row allows; two minutes of lifting in every 15 is a real task.
    inputs = TaskInputs(load_kg=12.0, stature_cm=175.0, coupling="good", duration="moderate", lifting_min_per_15_min=2)
    report = build_report(
        "synthetic", engine.angles, engine.lifts, duration_s=duration, settings={},
        niosh=engine.lifting_indices(inputs, duration), task_inputs=inputs,
    )  # fmt: skip
    data = report.to_dict()
    rows = [row["niosh"] for row in data["lifts"]]
    assert len(rows) == 3 and all(row for row in rows)
    assessed = [row for row in rows if row.get("li") is not None]
    assert assessed, rows
    for row in assessed:
        assert row["li"] == pytest.approx(12.0 / row["rwl_kg"], rel=1e-6)
        assert row["change"] and row["band"] in ("acceptable", "increased", "high")
    summary = data["summary"]["niosh"]
    assert summary["task_li"] == pytest.approx(max(row["li"] for row in assessed), abs=0.01)
    assert data["task_inputs"]["load_kg"] == 12.0 and data["task_inputs"]["coupling"] == "good"

    no_load = TaskInputs(stature_cm=175.0)
    report = build_report(
        "synthetic", engine.angles, engine.lifts, duration_s=duration, settings={},
        niosh=engine.lifting_indices(no_load, duration), task_inputs=no_load,
    )  # fmt: skip
    rows = [row["niosh"] for row in report.to_dict()["lifts"]]
    assert all(row.get("li") is None for row in rows) and any(row.get("rwl_kg") for row in rows)


def test_a_rate_given_for_the_task_is_f_in_place_of_the_clips_own() -> None:
    """Three lifts in 14 s read as a pace beyond Table 5 (no load recommended); the task's own rate, given, is F,
    reliable, and the limit rises to what that rate allows."""
    clip, engine, _ = _measured(60.0, seed=2)
    duration = clip.frames[-1].t_s
    from_clip = engine.lifting_indices(TaskInputs(load_kg=12.0, stature_cm=175.0), duration)
    given = engine.lifting_indices(TaskInputs(load_kg=12.0, stature_cm=175.0, lifts_per_min=1.0), duration)
    assert from_clip.keys() == given.keys()
    for index, result in given.items():
        if isinstance(result, str):
            continue
        clip_result = from_clip[index]
        assert not isinstance(clip_result, str)
        assert clip_result.task.frequency.lifts_per_min > 10 and not clip_result.task.frequency.reliability.reliable
        assert result.task.frequency.lifts_per_min == 1.0 and result.task.frequency.reliability.reliable
        assert "as given" in result.task.frequency.note
        assert result.rwl_kg > clip_result.rwl_kg and result.li is not None
    with pytest.raises(ValueError, match="lifts_per_min"):
        TaskInputs(lifts_per_min=0.0)
    assert TaskInputs.from_dict(TaskInputs(lifts_per_min=2.5).to_dict()).lifts_per_min == 2.5


def test_a_step_is_an_ankle_moving_and_staying_not_a_swap_or_a_one_frame_jump() -> None:
    """In the picture (standing height 400 px): planted ankles with a few pixels of jitter, a one-frame jump of the
    landmark and left and right swapped for a while are no step; a foot set down 60 px away for the rest of the lift
    is (it is outside the lifting equation)."""
    from liftcheck.engine import _stepped

    rng = np.random.default_rng(0)
    planted = np.array([[300.0, 700.0], [380.0, 700.0]])
    ankles = planted[None] + rng.normal(0.0, 2.0, (60, 2, 2))
    assert not _stepped(ankles, 400.0)
    jump = ankles.copy()
    jump[20, 0] += (90.0, -40.0)
    assert not _stepped(jump, 400.0)
    swapped = ankles.copy()
    swapped[10:30] = swapped[10:30, ::-1]
    assert not _stepped(swapped, 400.0)
    unseen = ankles.copy()
    unseen[:, 1] = np.nan
    assert not _stepped(unseen, 400.0)
    step = ankles.copy()
    step[35:, 1] += (60.0, 0.0)
    assert _stepped(step, 400.0)


def test_the_printable_report_says_a_pace_beyond_the_table_in_words() -> None:
    """With a load given, a limit of 0 kg (three lifts in 14 s, all day) reads "no load is recommended" with the
    pace as its cause, never "no load given"; with the task's own pace the page gives the task's index; the CLI's
    words agree."""
    from liftcheck.html_report import render_html
    from liftcheck.presentation import niosh_verdict

    clip, engine, _ = _measured(60.0, seed=2)
    duration = clip.frames[-1].t_s
    pages = {}
    for name, inputs in (
        ("clip pace", TaskInputs(load_kg=12.0, stature_cm=175.0, duration="long")),  # 11.8 a minute for 8 h: FM 0
        ("given pace", TaskInputs(load_kg=12.0, stature_cm=175.0, lifts_per_min=1.0)),
    ):
        report = build_report(
            "synthetic", engine.angles, engine.lifts, duration_s=duration, settings={},
            niosh=engine.lifting_indices(inputs, duration), task_inputs=inputs,
        )  # fmt: skip
        data = report.to_dict()
        pages[name] = (render_html(data, {}), data)
    page, data = pages["clip pace"]
    assert "no load is recommended: " in page and "beyond Table 5" in page and "no load given" not in page
    assert data["summary"]["niosh"]["zero_multipliers"] == ["fm"]
    for lift in data["lifts"]:
        if lift["niosh"].get("applicable"):
            words = niosh_verdict(lift["niosh"])
            assert "0 kg" in words and "lifts a minute" in words and "working pace" in words
    page, data = pages["given pace"]
    li = data["summary"]["niosh"]["task_li"]
    assert li is not None and f"Task lifting index {li:.2f}" in page and "1 lift a minute" in page
    assert data["summary"]["niosh"]["no_load_because"] == "" and data["summary"]["niosh"]["zero_multipliers"] == []


def test_a_lift_with_no_load_recommended_is_the_tasks_hardest_and_says_why(tmp_path: Path) -> None:
    """One lift reaching 70 cm out (HM 0: a limit of 0 kg) among lifts with an index: the task is rated by that
    lift, not by the highest finite index; the summary, the page and the words name the reach, not the pace,
    and History keeps the session as one with no load recommended."""
    import dataclasses

    from liftcheck.html_report import render_html
    from liftcheck.niosh import NioshResult
    from liftcheck.presentation import niosh_verdict, recommends_no_load

    clip, engine, _ = _measured(60.0, seed=2)
    duration = clip.frames[-1].t_s
    inputs = TaskInputs(load_kg=12.0, stature_cm=175.0, lifts_per_min=1.0)
    results = engine.lifting_indices(inputs, duration)
    assessed = {i: r for i, r in results.items() if isinstance(r, NioshResult) and r.li is not None}
    assert len(assessed) >= 2
    far = min(assessed, key=lambda i: assessed[i].li or 0.0)  # the easiest lift becomes the one with no limit
    task = assessed[far].task
    results[far] = assess(dataclasses.replace(task, origin=dataclasses.replace(task.origin, h_cm=70.0)))
    assert results[far].rwl_kg == 0.0 and results[far].zero_multipliers == ("hm",)
    report = build_report(
        "synthetic", engine.angles, engine.lifts, duration_s=duration, settings={}, niosh=results, task_inputs=inputs
    )
    summary = report.niosh_summary()
    assert summary.task_li is None and summary.no_load and summary.band == "high"
    assert summary.worst_lift == far and summary.zero_multipliers == ("hm",) and "70 cm" in summary.no_load_because
    data = report.to_dict()
    page = render_html(data, {})
    assert "no load is recommended: H 70 cm is beyond the 63 cm reach" in page
    words = niosh_verdict(data["summary"]["niosh"])
    assert "0 kg" in words and "63 cm" in words and "pace" not in words
    lift = next(row for row in data["lifts"] if row["lift"] == far)["niosh"]
    # Readers of a saved report (History, the team report) draw the line where the dataclasses do.
    assert recommends_no_load(data["summary"]["niosh"]) and recommends_no_load(lift)
    assert not any(recommends_no_load(row["niosh"]) for row in data["lifts"] if row["lift"] != far)
    assert "63 cm" in niosh_verdict(lift) and "pace" not in niosh_verdict(lift)
    # A lift saved before the cause was kept gets the same words from its multipliers.
    older = {k: v for k, v in lift.items() if k not in ("no_load_because", "zero_multipliers")}
    assert niosh_verdict(older) == niosh_verdict(lift)
    with HistoryStore(tmp_path / "history.sqlite3") as store:
        store.save_session(data, source_name="far reach", source_kind="upload")
        (row,) = store.list_sessions()
    assert row.task_no_load and row.task_li is None
