"""Several people in the picture: liftcheck follows the one lifting, never hops between people, and says so."""

from __future__ import annotations

import json
import random
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from liftcheck.frames import FrameAnalysis
from liftcheck.landmarks import PoseFrame
from liftcheck.people import PersonTracker, distinct_people, hips_px
from liftcheck.workshop import synthetic as syn

SIZE = (1280, 720)
LIFTS = syn.scenario(syn.stand(2.0), syn.lift("squat"), syn.stand(1.5), syn.lift("stoop"), syn.stand(1.5))


def _shifted(pose: PoseFrame, dx: float) -> PoseFrame:
    xy = pose.xy_px.copy()
    xy[:, 0] += dx
    return PoseFrame(pose.t_s, xy, pose.xyz_m, pose.visibility, pose.image_size)


def _two_people(lifter_dx: float, bystander_dx: float, seed: int = 0) -> tuple[list[PoseFrame], list[PoseFrame]]:
    """A lifter and somebody standing about, side by side in one 1280×720 picture, same times."""
    camera = {"image_size": SIZE, "focal_px": 700.0, "noise_m": 0.004, "noise_px": 1.0}
    lifter = syn.generate(LIFTS, view_yaw_deg=90.0, seed=seed, **camera)  # type: ignore[arg-type]
    idle = syn.generate(
        syn.scenario(syn.stand(lifter.duration_s + 1.0)),
        view_yaw_deg=20.0,
        seed=seed + 1,
        **camera,  # type: ignore[arg-type]
    )
    bystander = [
        _shifted(PoseFrame(a.t_s, b.xy_px, b.xyz_m, b.visibility, b.image_size), bystander_dx)
        for a, b in zip(lifter.frames, idle.frames, strict=False)
    ]
    return [_shifted(p, lifter_dx) for p in lifter.frames], bystander


def _follow(lifter: list[PoseFrame], bystander: list[PoseFrame], *, shuffle: bool = True, seed: int = 0):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    tracker = PersonTracker()
    followed = []
    for a, b in zip(lifter, bystander, strict=True):
        poses = [p for p in (a, b) if p.detected]
        if shuffle:
            rng.shuffle(poses)
        followed.append(tracker.follow(poses, a.t_s, SIZE))
    return tracker, followed


def _is(pose: PoseFrame, source: PoseFrame) -> bool:
    return bool(np.array_equal(pose.xy_px, source.xy_px, equal_nan=True))


def test_the_lifter_is_followed_from_the_start_when_the_bystander_is_off_centre() -> None:
    lifter, bystander = _two_people(lifter_dx=0.0, bystander_dx=-420.0)
    tracker, followed = _follow(lifter, bystander)
    assert all(_is(f, a) for f, a in zip(followed, lifter, strict=True) if f.detected)
    assert [s for s in tracker.switches if s.before is not None] == []
    assert tracker.most_in_view == 2
    notes = " ".join(tracker.notes())
    assert "2 people were in the picture" in notes and "same person throughout" in notes


def test_a_lifter_off_centre_takes_over_from_a_central_bystander_once_and_keeps_it() -> None:
    # The framing prior first favours the person in the centre, who never bends; the lifter's
    # first lift moves the trunk far more, and from then on the lifter alone is followed.
    lifter, bystander = _two_people(lifter_dx=380.0, bystander_dx=-60.0)
    tracker, followed = _follow(lifter, bystander)
    changes = [s for s in tracker.switches if s.before is not None]
    assert len(changes) == 1
    first_lift = syn.generate(LIFTS, view_yaw_deg=90.0).lifts[0]
    assert first_lift.start_s <= changes[0].t_s <= first_lift.end_s
    after = [(f, a) for f, a in zip(followed, lifter, strict=True) if f.t_s >= changes[0].t_s and f.detected]
    assert after and all(_is(f, a) for f, a in after)
    assert "changed at" in " ".join(tracker.notes())

    # The engine sees a new person at the switch: the lift cut by it is dropped, the next one is judged.
    engine = FrameAnalysis(lambda rgb, t: PoseFrame.empty(t, SIZE), keep_thumbnails=False)
    for pose in followed:
        engine.step(None, pose.t_s, pose=pose)
    engine.finish()
    assert [v.measures.style.value for v in engine.lifts] == ["stoop"]


def test_the_followed_person_missing_gives_an_empty_frame_never_the_other_persons_pose() -> None:
    lifter, bystander = _two_people(lifter_dx=0.0, bystander_dx=-420.0)
    gone = {i for i in range(len(lifter)) if 40 <= i % 90 < 55}  # the lifter unseen now and then
    lifter = [PoseFrame.empty(p.t_s, SIZE) if i in gone else p for i, p in enumerate(lifter)]
    tracker, followed = _follow(lifter, bystander)
    for i, pose in enumerate(followed):
        if i in gone:
            assert not pose.detected
        elif pose.detected:
            assert _is(pose, lifter[i])
    assert len({p.person for p in followed if p.detected}) == 1


def test_one_person_is_followed_across_a_gap_and_a_jump_with_nothing_to_say() -> None:
    clip = syn.generate(LIFTS, view_yaw_deg=90.0, image_size=SIZE, focal_px=700.0)
    frames = list(clip.frames)
    # Half a second unseen, then found 500 px away (a fast walk, or a camera bump).
    frames = [
        PoseFrame.empty(p.t_s, SIZE) if 60 <= i < 75 else _shifted(p, 500.0) if i >= 75 else p
        for i, p in enumerate(frames)
    ]
    tracker = PersonTracker()
    followed = [tracker.follow([p] if p.detected else [], p.t_s, SIZE) for p in frames]
    assert all(_is(f, p) for f, p in zip(followed, frames, strict=True) if p.detected)
    assert {p.person for p in followed if p.detected} == {0}
    assert tracker.notes() == []


def test_one_body_found_twice_counts_as_one_person() -> None:
    pose = syn.generate(syn.scenario(syn.stand(1.0)), image_size=SIZE).frames[0]
    twin = _shifted(pose, 6.0)
    assert distinct_people([pose, twin]) == 1
    assert distinct_people([pose, _shifted(pose, 400.0)]) == 2
    tracker = PersonTracker()
    for t in np.arange(0.0, 2.0, 1 / 30):
        tracker.follow([_shifted(pose, 0.0), twin], float(t), SIZE)
    assert tracker.most_in_view == 1 and tracker.notes() == []


def test_poses_without_hips_are_ignored_not_followed() -> None:
    pose = syn.generate(syn.scenario(syn.stand(1.0)), image_size=SIZE).frames[0]
    broken = PoseFrame(0.0, np.full_like(pose.xy_px, np.nan), pose.xyz_m, pose.visibility, SIZE)
    out = PersonTracker().follow([broken, pose], 0.0, SIZE)
    assert _is(out, pose)
    assert np.isfinite(hips_px(out)).all()


def _labels(samples_dir: Path) -> list[dict]:
    return json.loads((samples_dir / "labels.json").read_text())


def test_two_people_on_video_the_seated_worker_is_followed_and_it_is_said(samples_dir: Path, model_dir: Path) -> None:
    """The labelled two-person clip: the labels are about the worker seated at the centre."""
    from liftcheck.pipeline import analyze_video
    from liftcheck.pose import PoseEstimator
    from liftcheck.video import VideoReader

    clips = [c for c in _labels(samples_dir) if c.get("people_in_frame") == 2]
    assert clips, "the labelled clips include a two-person scene"
    clip = clips[0]
    path = samples_dir / clip["file"]
    with PoseEstimator("full", model_path=model_dir / "pose_landmarker_full.task") as estimator:
        xs = []
        with VideoReader(path, max_fps=30) as reader:
            for frame in reader:
                pose = estimator.detect(frame.rgb, frame.t_s)
                if pose.detected and frame.t_s >= clip["duration_s"] / 2:
                    xs.append(float(hips_px(pose)[0]) / pose.image_size[0])
        assert estimator.tracker is not None and estimator.tracker.most_in_view == 2
    # In the second half (the hand-over) the person followed is the one in the centre third.
    assert xs and np.mean([1 / 3 <= x <= 2 / 3 for x in xs]) > 0.9

    report = analyze_video(path, model="full")
    low, high = clip["rep_count"]["min"], clip["rep_count"]["max"]
    assert low <= len(report.lifts) <= high
    assert any("2 people were in the picture" in w for w in report.warnings)


@pytest.mark.parametrize("name", ["deadlift_side_02.mp4"])
def test_one_person_on_video_looking_for_others_changes_nothing(samples_dir: Path, model_dir: Path, name: str) -> None:
    from liftcheck.pose import PoseEstimator
    from liftcheck.video import VideoReader

    model = model_dir / "pose_landmarker_full.task"
    with (
        PoseEstimator("full", model_path=model, people=None) as plain,
        PoseEstimator("full", model_path=model) as looking,
        VideoReader(samples_dir / name, max_fps=15) as reader,
    ):
        for frame in reader:
            a = plain.detect(frame.rgb, frame.t_s)
            b = looking.detect(frame.rgb, frame.t_s)
            assert np.array_equal(a.xy_px, b.xy_px, equal_nan=True)
        assert looking.tracker is not None and looking.tracker.most_in_view == 1
        assert looking.notes() == []


def test_a_failing_people_search_stops_searching_and_says_so_the_lifter_is_still_tracked(
    samples_dir: Path, model_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The search runs in another thread: its error must neither stop the lifter's tracking nor repeat every frame."""
    from liftcheck.pose import PoseEstimator
    from liftcheck.video import VideoReader

    calls = []

    def broken(*frame: object) -> int:
        calls.append(frame)
        raise RuntimeError("no memory for a second landmarker")

    model = model_dir / "pose_landmarker_full.task"
    with (
        PoseEstimator("full", model_path=model) as estimator,
        VideoReader(samples_dir / "deadlift_side_02.mp4", max_fps=10) as reader,
    ):
        estimator._count_people = broken  # type: ignore[method-assign]
        found = [estimator.detect(frame.rgb, frame.t_s).detected for i, frame in enumerate(reader) if i < 30]
        notes = estimator.notes()
    assert len(calls) == 1, f"the search was sent {len(calls)} times after failing"
    assert sum(found) >= 25, f"the lifter was found in only {sum(found)} of 30 frames"
    assert len(notes) == 1 and "no memory for a second landmarker" in notes[0] and "failed" in notes[0]
    assert "people search stopped" in caplog.text


def test_the_live_camera_never_waits_for_the_people_search(samples_dir: Path, model_dir: Path) -> None:
    """Live, a search still running is checked again on later frames; its answer is used once it comes."""
    import threading

    from liftcheck.pose import PoseEstimator
    from liftcheck.video import VideoReader

    answer = threading.Event()

    def slow_search(*frame: object) -> int:
        answer.wait(60)
        return 2

    model = model_dir / "pose_landmarker_lite.task"
    with (
        PoseEstimator("lite", model_path=model, wait_for_search=False) as estimator,
        VideoReader(samples_dir / "deadlift_side_02.mp4", max_fps=10) as reader,
    ):
        estimator._count_people = slow_search  # type: ignore[method-assign]
        frames = [f for i, f in enumerate(reader) if i < 11]
        for frame in frames[:10]:  # 1 s of video, well past the time a file analysis would wait for the answer
            estimator.detect(frame.rgb, frame.t_s)
        assert not answer.is_set() and estimator._multi is None, "the search's answer cannot be in yet"
        answer.set()
        assert estimator._pending is not None
        estimator._pending[0].result(timeout=30)  # the answer is in; the next frame must take it up
        estimator.detect(frames[10].rgb, frames[10].t_s)
        assert estimator._multi is not None, "the search's answer (two people) was not taken up"


def test_while_several_people_are_followed_the_other_landmarkers_are_closed(samples_dir: Path, model_dir: Path) -> None:
    """Never two landmarkers at once: following several closes the one-person landmarker and the search's detector,
    and going back to one person opens a new one-person landmarker that finds the lifter again."""
    import dataclasses

    from liftcheck.config import DEFAULT_CONFIG
    from liftcheck.pose import PoseEstimator
    from liftcheck.video import VideoReader

    people = dataclasses.replace(DEFAULT_CONFIG.people, single_after_s=2.0)
    model = model_dir / "pose_landmarker_lite.task"
    searches: list[int] = []
    with (
        PoseEstimator("lite", model_path=model, people=people) as estimator,
        VideoReader(samples_dir / "deadlift_side_02.mp4", max_fps=10) as reader,
    ):
        real_count = estimator._count_people

        def first_sees_two(*frame: Any) -> int:
            searches.append(len(searches))
            return 2 if len(searches) == 1 else real_count(*frame)

        estimator._count_people = first_sees_two  # type: ignore[method-assign]
        states = []
        for frame in reader:
            pose = estimator.detect(frame.rgb, frame.t_s)
            opened = [n for n in ("_landmarker", "_multi", "_scout") if getattr(estimator, n) is not None]
            states.append((frame.t_s, tuple(opened), pose.detected))
            if frame.t_s > 6.0:
                break
    several = [s for s in states if "_multi" in s[1]]
    assert several, "the search's answer (two people) was not taken up"
    assert all(s[1] == ("_multi",) for s in several), (
        "a landmarker or detector beside the one following several stayed open"
    )
    assert max(len(s[1]) for s in states) <= 2
    back = [s for s in states if s[0] > several[-1][0]]
    followed_alone = all("_landmarker" in s[1] and "_multi" not in s[1] for s in back)
    assert back and followed_alone, "one person is not followed again"
    assert len(searches) >= 2, "the search did not start again once one person was followed"
    assert sum(s[2] for s in back) >= 0.9 * len(back), "the new one-person landmarker lost the lifter"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread priorities are set on Linux only")
def test_the_people_search_runs_below_the_lifters_model(samples_dir: Path, model_dir: Path) -> None:
    """The search's thread and the threads its detector starts are niced; the lifter's landmarker's are not."""
    import os

    from liftcheck.pose import PoseEstimator
    from liftcheck.video import VideoReader

    def threads() -> dict[int, tuple[str, int]]:
        out = {}
        for tid in os.listdir("/proc/self/task"):
            try:
                name = Path(f"/proc/self/task/{tid}/comm").read_text().strip()
                out[int(tid)] = (name, os.getpriority(os.PRIO_PROCESS, int(tid)))
            except OSError:  # a thread that ended meanwhile
                continue
        return out

    base = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    with (
        PoseEstimator("lite", model_path=model_dir / "pose_landmarker_lite.task") as estimator,
        VideoReader(samples_dir / "deadlift_side_02.mp4", max_fps=10) as reader,
    ):
        for i, frame in enumerate(reader):
            estimator.detect(frame.rgb, frame.t_s)
            if i >= 4:
                break
        assert estimator._scout is not None, "the search has not looked yet"
        now = threads()
        scout = [t.native_id for t in threading.enumerate() if t.name.startswith("liftcheck-scout")]
    assert scout and all(tid in now and now[tid][1] > base for tid in scout), "the search's own thread is not niced"
    graph = [(name, nice) for name, nice in now.values() if name == "drishti"]
    assert any(nice > base for _, nice in graph), "the search's detector threads run at the model's priority"
    assert any(nice == base for _, nice in graph), "the lifter's landmarker threads were niced too"
