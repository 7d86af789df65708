"""One long video on every core: the chunk plan, and a looped clip analysed in chunks giving the single pass's lifts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest

from liftcheck.chunks import plan
from liftcheck.config import DEFAULT_CONFIG, ChunkConfig
from liftcheck.frames import Brightness
from liftcheck.pipeline import analyze_video
from liftcheck.pose import search_schedule
from liftcheck.workshop.looping import encode_loop, loop_video

# A 30 s video looped from a 16 s clip of 10 squat lifts; chunked here from 20 s on, in chunks of about 7.5 s:
# 4 chunks on 2 workers, so 3 seams, one inside a lift or near one whatever the clip.
LOOP_CLIP = "squat_lift_side_01.mp4"
LOOP_S = 30.0
CONFIG = replace(DEFAULT_CONFIG, chunks=replace(DEFAULT_CONFIG.chunks, min_video_s=20.0, chunk_s=7.5, workers=2))


def test_the_plan_covers_every_frame_once_with_warm_ups_before_each_chunk() -> None:
    """Chunks own consecutive frames that cover the video once; each warms up over at most warmup_s before its own
    frames, blending over the last blend_s of it; the brightness samples and the people search's schedule are the
    single pass's."""
    times = [i / 30 for i in range(30 * 125)]  # 125 s at 30 fps
    config = ChunkConfig(chunk_s=40.0, warmup_s=3.0, blend_s=1.0)
    chunks = plan(times, config, workers=2, people=DEFAULT_CONFIG.people)
    assert len(chunks) == 4  # 2 rounds of 2 workers
    owned = [t for c in chunks for t in c.own]
    assert owned == times
    single = Brightness()
    sampled = [t for t in times if single.due(t)]
    assert [c.times_s[i] for c in chunks for i in c.brightness] == sampled
    for c in chunks[1:]:
        warm = c.times_s[: c.own_from]
        assert c.own[0] - warm[0] == pytest.approx(3.0, abs=1 / 30)
        assert c.own[0] - c.times_s[c.blend_from] == pytest.approx(1.0, abs=1 / 30)
        # The search goes on where the whole video's schedule is: every 2 s after the first 5 s.
        assert c.first_search_s >= warm[0] and c.first_search_s - warm[0] <= 2.0 + 1e-9
    assert chunks[0].own_from == chunks[0].blend_from == 0
    assert search_schedule(times, DEFAULT_CONFIG.people, 0) == 0.0


@pytest.fixture(scope="module")
def long_video(samples_dir: Path, model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("long")
    one = folder / "one_loop.mp4"
    encode_loop(samples_dir / LOOP_CLIP, one)
    out = folder / "long.mp4"
    loop_video(one, out, LOOP_S)
    return out


def test_a_long_video_in_chunks_gives_the_lifts_of_a_single_pass(long_video: Path, tmp_path: Path) -> None:
    """Analysed in 4 chunks on 2 worker processes, the looped video gives the single pass's lifts: as many, none
    counted twice or lost at a seam, each within 0.2 s, with the same style and verdict; the timeline has the same
    frames with angles close to the single pass's, the annotated video one frame per analysed frame, and every lift
    its thumbnail."""
    single = analyze_video(long_video, model="lite", config=CONFIG, chunks=False, thumbnails=True)
    annotated = tmp_path / "annotated.mp4"
    chunked = analyze_video(long_video, model="lite", config=CONFIG, thumbnails=True, annotated_path=annotated)
    assert len(single.lifts) >= 15
    assert len(chunked.lifts) == len(single.lifts)
    for a, b in zip(single.lifts, chunked.lifts):
        for when in ("start_s", "bottom_s", "end_s"):
            assert abs(getattr(a.rep, when) - getattr(b.rep, when)) <= 0.2, (a.rep.index, when)
        assert (a.measures.style, a.verdict) == (b.measures.style, b.verdict), a.rep.index
    assert np.array_equal(single.timeline["t_s"], chunked.timeline["t_s"])
    flexion = np.abs(single.timeline["trunk_flexion_deg"] - chunked.timeline["trunk_flexion_deg"])
    assert np.nanmedian(flexion) < 1.0 and np.nanmax(flexion) < 10.0
    assert len(chunked.twist_events) == len(single.twist_events)
    assert chunked.to_dict()["summary"] == single.to_dict()["summary"]
    assert chunked.warnings == single.warnings and chunked.settings == single.settings
    assert sorted(chunked.thumbnails) == [v.rep.index for v in chunked.lifts]
    assert all(jpeg[:2] == b"\xff\xd8" for jpeg in chunked.thumbnails.values())
    with av.open(str(annotated)) as container:
        assert sum(1 for _ in container.decode(video=0)) == chunked.frames_analysed
