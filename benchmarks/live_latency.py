"""How fast the Live page can analyse a 640×480 camera: per-frame time and a real-time streaming run.

    python benchmarks/live_latency.py [--clip PATH] [--seconds 20] [--models lite,full,heavy]

For each pose model it prints

1. the time ``LiveProcessor.on_frame`` takes per frame, frames fed one after another
   (median, 90th percentile, and the frame rate that implies), and
2. a streaming run: a producer thread offers frames at a real-time 30 fps while a worker
   analyses them the way streamlit-webrtc's ``async_processing`` does (it takes the newest
   waiting frame and skips the older ones), with the share of frames skipped and the
   frame rate actually analysed.

The frames come from a real clip, scaled and padded with grey to 640×480 (as the browser
sends a webcam), converted to yuv420p (what aiortc's decoder hands the callback), with
30 fps timestamps. This is a benchmark that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import sys
import threading
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _machine import machine  # noqa: E402

from liftcheck.live import LiveProcessor, LiveSession  # noqa: E402
from liftcheck.models import VARIANTS, ModelError  # noqa: E402
from liftcheck.video import read_frames  # noqa: E402
from liftcheck.workshop.samples import samples_dir  # noqa: E402

WIDTH, HEIGHT = 640, 480
FPS = 30
DEFAULT_CLIP = "squat_lift_side_01.mp4"
# Frames held in memory and looped: 10 s of yuv420p 640×480 is about 140 MB.
LOOP_LIMIT_S = 10.0
# Sequential timing: enough frames for a stable median, bounded so heavy stays quick.
SEQUENTIAL_MAX_FRAMES = 150
WARMUP_FRAMES = 5  # the first inferences set up the graph and are much slower


def use_shared_models() -> None:
    """Like the tests: without LIFTCHECK_MODEL_DIR, use ../shared/models when it is there."""
    shared = ROOT.parent / "shared" / "models"
    if not os.environ.get("LIFTCHECK_MODEL_DIR") and shared.is_dir():
        os.environ["LIFTCHECK_MODEL_DIR"] = str(shared)


def default_clip() -> Path:
    return (samples_dir() or ROOT / "sample_videos") / DEFAULT_CLIP


def letterbox(rgb: np.ndarray, width: int = WIDTH, height: int = HEIGHT, grey: int = 128) -> np.ndarray:
    """The frame scaled to fit (aspect kept) and centred on a grey (height, width, 3) canvas."""
    in_h, in_w = rgb.shape[:2]
    scale = min(width / in_w, height / in_h)
    new_w, new_h = max(2, round(in_w * scale)), max(2, round(in_h * scale))
    small = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24").reformat(
        width=new_w, height=new_h, format="rgb24"
    )
    canvas = np.full((height, width, 3), grey, dtype=np.uint8)
    x, y = (width - new_w) // 2, (height - new_h) // 2
    canvas[y : y + new_h, x : x + new_w] = small.to_ndarray()
    return canvas


def load_frames(clip: Path, seconds: float) -> list[av.VideoFrame]:
    """Up to ``min(seconds, LOOP_LIMIT_S)`` of the clip as 640×480 yuv420p frames at 30 fps."""
    frames = []
    for frame in read_frames(clip, max_fps=FPS):
        if frame.t_s >= min(seconds, LOOP_LIMIT_S):
            break
        out = av.VideoFrame.from_ndarray(letterbox(frame.rgb), format="rgb24").reformat(format="yuv420p")
        frames.append(out)
    if not frames:
        raise SystemExit(f"{clip} gave no frames")
    return frames


def stamped(frames: list[av.VideoFrame], index: int) -> av.VideoFrame:
    """Frame ``index`` of the endless loop, with the camera's 30 fps timestamp."""
    frame = frames[index % len(frames)]
    frame.pts = index
    frame.time_base = Fraction(1, FPS)
    return frame


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def sequential(model: str, frames: list[av.VideoFrame], count: int) -> dict[str, float]:
    """``count`` frames through ``on_frame`` one after another, after a short warm-up."""
    started = time.perf_counter()
    processor = LiveProcessor(LiveSession(model, source_name="benchmark"))
    load_s = time.perf_counter() - started
    for i in range(WARMUP_FRAMES):
        processor.on_frame(stamped(frames, i))
    times = []
    for i in range(WARMUP_FRAMES, WARMUP_FRAMES + count):
        t0 = time.perf_counter()
        processor.on_frame(stamped(frames, i))
        times.append(time.perf_counter() - t0)
    report = processor.stop()
    median = statistics.median(times)
    return {
        "load_s": load_s,
        "median_ms": 1000 * median,
        "p90_ms": 1000 * percentile(times, 90),
        "max_fps": 1.0 / median,
        "lifts": len(report.lifts),
        "frames": count,
    }


def streaming(model: str, frames: list[av.VideoFrame], seconds: float) -> dict[str, Any]:
    """Frames offered at real-time 30 fps for ``seconds``; analysed as streamlit-webrtc's async mode does."""
    processor = LiveProcessor(LiveSession(model, source_name="benchmark"))
    for i in range(WARMUP_FRAMES):  # as on the page, the first frames load the graph before the clock starts
        processor.on_frame(stamped(frames, i))
    warm_processed = processor.frames_processed
    inbox: queue.Queue[av.VideoFrame | None] = queue.Queue()
    total = int(round(seconds * FPS))
    skipped = 0

    def produce() -> None:
        start = time.perf_counter()
        for n in range(total):
            delay = start + n / FPS - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            inbox.put(stamped(frames, WARMUP_FRAMES + n))
        inbox.put(None)

    def work() -> None:
        nonlocal skipped
        while True:
            batch = [inbox.get()]
            while not inbox.empty():
                batch.append(inbox.get_nowait())
            done = batch[-1] is None
            batch = [f for f in batch if f is not None]
            if batch:
                skipped += len(batch) - 1  # only the newest waiting frame is analysed
                processor.on_frame(batch[-1])
            if done:
                return

    producer = threading.Thread(target=produce, name="camera")
    worker = threading.Thread(target=work, name="analysis")
    started = time.perf_counter()
    producer.start()
    worker.start()
    producer.join()
    worker.join()
    elapsed = time.perf_counter() - started
    report = processor.stop()
    analysed = processor.frames_processed - warm_processed
    return {
        "offered": total,
        "analysed": analysed,
        "dropped_share": 1.0 - analysed / total,
        "skipped_by_worker": skipped,
        "busy": processor.frames_dropped_busy,
        "gaps": processor.frames_skipped_upstream,
        "failed": processor.frames_failed,
        "last_error": processor.last_error,
        "fps": analysed / elapsed,
        "elapsed_s": elapsed,
        "lifts": len(report.lifts),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=None, help=f"a video (default: {DEFAULT_CLIP} of the samples)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each streaming run (default 20)")
    parser.add_argument("--models", default=",".join(VARIANTS), help="comma-separated pose models")
    args = parser.parse_args(argv)
    clip = args.clip or default_clip()
    if not clip.is_file():
        parser.error(f"{clip} is not a file: pass --clip or set LIFTCHECK_SAMPLES_DIR")
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    for model in models:
        if model not in VARIANTS:
            parser.error(f"unknown model {model!r}: choose from {', '.join(VARIANTS)}")

    use_shared_models()
    print(f"machine: {machine()}")
    frames = load_frames(clip, args.seconds)
    count = min(SEQUENTIAL_MAX_FRAMES, max(1, int(args.seconds * FPS)))
    print(
        f"clip: {clip.name}, {len(frames)} frames looped ({len(frames) / FPS:.1f} s) at {WIDTH}x{HEIGHT} yuv420p, "
        f"{FPS} fps timestamps"
    )
    print()
    print(f"1. LiveProcessor.on_frame, frames fed one after another ({count} frames after {WARMUP_FRAMES} warm-up)")
    print(f"   {'model':<6} {'load s':>7} {'median ms':>10} {'p90 ms':>8} {'max fps':>8} {'lifts':>6}")
    for model in models:
        r = sequential(model, frames, count)
        print(
            f"   {model:<6} {r['load_s']:>7.2f} {r['median_ms']:>10.1f} {r['p90_ms']:>8.1f} "
            f"{r['max_fps']:>8.1f} {r['lifts']:>6d}"
        )
    print()
    print(
        f"2. streaming: {FPS} fps offered in real time for {args.seconds:g} s by a producer thread; the worker "
        "analyses the newest waiting frame and skips the rest (streamlit-webrtc async_processing)"
    )
    print(f"   {'model':<6} {'offered':>8} {'analysed':>9} {'dropped':>8} {'analysed fps':>13} {'lifts':>6}")
    for model in models:
        r = streaming(model, frames, args.seconds)
        print(
            f"   {model:<6} {r['offered']:>8d} {r['analysed']:>9d} {100 * r['dropped_share']:>7.0f}% "
            f"{r['fps']:>13.1f} {r['lifts']:>6d}"
        )
        # What the page's "Frames dropped" counts: the skips seen as gaps in the timestamps, and frames refused busy.
        print(f"          the page would say {r['gaps'] + r['busy']} dropped ({r['gaps']} gaps, {r['busy']} busy)")
        if r["failed"]:
            print(f"          {r['failed']} frames could not be analysed; the last error: {r['last_error']}")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except ModelError as exc:
        raise SystemExit(f"live_latency: {exc}") from None
