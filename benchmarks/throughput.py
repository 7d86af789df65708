"""How fast ``analyze_video`` runs against MediaPipe inference alone, and how much memory it takes.

    python benchmarks/throughput.py [--all | --clips NAME ...] [--models lite full] [--long-minutes 10]
                                    [--no-long] [--profile] [--repeat N] [--quiet-wait S]

For each clip and pose model it prints

1. inference alone: the clip decoded into memory first (``VideoReader`` at the default
   analysis settings, made contiguous as the analysis hands them to the model), then only the
   model's step (``PoseEstimator.find``) timed over those frames, with
   the search for other people off (MediaPipe alone);
2. the whole analysis, ``analyze_video(path, model=..., thumbnails=True)`` with default
   settings (decode + pose + angles + lifts + verdicts), model load not counted;
3. the same with the annotated video written (``annotated_path=``);
4. the ratios of 2 and 3 to 1 and the real-time factor (video seconds per wall second);
5. memory: each analysis runs in a fresh process, which reports its RSS just after the
   model is loaded and its peak RSS (``ru_maxrss``) at the end;
6. memory bounded by length: a 10-minute and a 20-second video made now by looping a
   clip (re-encoded once at 30 fps, then its packets copied with shifted timestamps),
   analysed with the full model; peak RSS of each, their ratio, wall time and lifts;
7. whether decoding overlaps inference: decode-only frame rate, our own code's time per
   frame (angles, lifts, verdicts, thumbnails and report, replayed on the recorded poses),
   their sequential sum against the measured whole analysis.

``--profile`` adds a cProfile of one whole analysis (full model, first clip): our own
functions by cumulative time per frame. Figures, not a test: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _machine import machine  # benchmarks/ is on sys.path when run as a script

from liftcheck.workshop.looping import encode_loop, loop_video
from liftcheck.workshop.samples import samples_dir as find_samples

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_CLIPS = (
    "squat_lift_side_01.mp4",  # 60 fps portrait, 10 lifts
    "roundback_lift_side_01.mp4",  # 60 fps portrait, 10 lifts
    "golf_swing_faceon_01.mp4",  # 720p, 30 fps
    "deadlift_oblique_01.mp4",  # 720p, 24 fps
)
LOOP_CLIP = "squat_lift_side_01.mp4"
LOOP_FPS = 30
SHORT_LOOP_S = 20.0
RESULT_MARK = "BENCH-RESULT "
# Inference alone holds the decoded clip in memory; past this the rest of the clip is left out.
MAX_DECODED_BYTES = 1_500_000_000
MIB = 1024 * 1024
DECODE_PASSES = 3

# ------------------------------------------------------------------ environment


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for name in ("mediapipe", "av", "numpy", "opencv-contrib-python"):
        try:
            parts.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            parts.append(f"{name} ?")
    return ", ".join(parts)


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def samples_dir() -> Path:
    return find_samples() or ROOT / "sample_videos"


def model_dir() -> Path:
    """LIFTCHECK_MODEL_DIR, else ../shared/models; set for the workers so nothing is ever downloaded."""
    folder = Path(os.environ.get("LIFTCHECK_MODEL_DIR") or ROOT.parent / "shared" / "models")
    os.environ["LIFTCHECK_MODEL_DIR"] = str(folder)
    return folder


# ------------------------------------------------------------------ measurements in a worker process


def rss_now_bytes() -> int:
    """The current resident set size (VmRSS), in bytes; 0 where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def rss_peak_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # KiB on Linux, bytes on macOS


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine_busy_s() -> float:
    """CPU seconds all processes on the machine have used since boot (from /proc/stat); NaN without it."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return math.nan
    idle = values[3] + values[4]  # idle and iowait
    return (sum(values) - idle) / os.sysconf("SC_CLK_TCK")


def our_cpu_s() -> float:
    """CPU seconds of this process and of its finished children."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


class OtherLoad:
    """How many cores other processes kept busy between ``start`` and ``stop`` (our own work subtracted)."""

    def start(self) -> None:
        self._t, self._busy, self._ours = time.perf_counter(), machine_busy_s(), our_cpu_s()

    def stop(self) -> float:
        wall = time.perf_counter() - self._t
        others = (machine_busy_s() - self._busy) - (our_cpu_s() - self._ours)
        return max(0.0, others / wall) if wall > 0 else math.nan


def wait_for_quiet(max_wait_s: float, threshold_cores: float = 0.3) -> float:
    """Wait (up to ``max_wait_s``) until other processes use under ``threshold_cores``; their load last seen."""
    deadline = time.perf_counter() + max_wait_s
    load = OtherLoad()
    while True:
        load.start()
        time.sleep(1.0)
        busy = load.stop()
        if busy < threshold_cores or time.perf_counter() >= deadline:
            return busy


def job_infer(clip: str, model: str) -> dict[str, Any]:
    """Decode into memory, then time decode alone, ``detect`` alone and our own code alone."""
    from liftcheck.config import DEFAULT_CONFIG
    from liftcheck.frames import FrameAnalysis
    from liftcheck.pose import PoseEstimator
    from liftcheck.video import VideoReader

    config = DEFAULT_CONFIG

    def reader() -> VideoReader:
        return VideoReader(clip, max_fps=config.max_analysis_fps, max_side_px=config.max_side_px)

    frames = []
    held = 0
    whole = True
    for frame in reader():
        if held + frame.rgb.nbytes > MAX_DECODED_BYTES:
            whole = False
            break
        # Contiguous, as the analysis hands frames to the model (its decode thread makes the copy).
        frames.append((frame.t_s, np.ascontiguousarray(frame.rgb)))
        held += frame.rgb.nbytes
    if not frames:
        raise SystemExit(f"{clip}: no frame decoded")

    # Decode alone: iterate the reader and drop the frames (the pass above warmed the file cache). The
    # fastest of a few passes, as a short pass is easily slowed by another process.
    decode_wall = decode_cpu = math.inf
    decoded = 0
    for _ in range(DECODE_PASSES):
        decoded = 0
        started, cpu0 = time.perf_counter(), cpu_s()
        for _ in reader():
            decoded += 1
        wall = time.perf_counter() - started
        if wall < decode_wall:
            decode_wall, decode_cpu = wall, cpu_s() - cpu0

    started = time.perf_counter()
    # MediaPipe alone: one person tracked, no search for others (the analysis does that search).
    estimator = PoseEstimator(model, people=None)
    load_s = time.perf_counter() - started
    poses = []
    started, cpu0 = time.perf_counter(), cpu_s()
    for t_s, rgb in frames:
        poses.append(estimator.follow(estimator.find(rgb, t_s)))
    infer_wall, infer_cpu = time.perf_counter() - started, cpu_s() - cpu0
    estimator.close()

    def no_camera(rgb: Any, t_s: float) -> Any:
        raise RuntimeError("replay supplies poses")

    # Our own code alone: the engine fed the recorded poses with their frames (so thumbnails are kept).
    engine = FrameAnalysis(no_camera, config, keep_thumbnails=True)
    started = time.perf_counter()
    for (t_s, rgb), pose in zip(frames, poses):
        engine.step(rgb, t_s, pose=pose)
    engine.finish()
    report = engine.report(Path(clip).name, duration_s=frames[-1][0], settings={}, warnings=[])
    own_wall = time.perf_counter() - started
    height, width = frames[0][1].shape[:2]
    return {
        "frames": len(frames),
        "whole_clip": whole,
        "size": f"{width}x{height}",
        "decoded": decoded,
        "decode_s": decode_wall,
        "decode_cpu_s": decode_cpu,
        "load_s": load_s,
        "infer_s": infer_wall,
        "infer_cpu_s": infer_cpu,
        "own_s": own_wall,
        "own_lifts": len(report.lifts),
    }


def job_analyze(clip: str, model: str, annotated: bool, profile: bool = False) -> dict[str, Any]:
    """One whole analysis in this fresh process: model load timed apart, RSS after load and at the end."""
    import liftcheck.draw
    import liftcheck.threads
    import liftcheck.video
    from liftcheck.pipeline import analyze_video
    from liftcheck.pose import PoseEstimator

    # Timers around the pieces analyze_video looks up at call time (this process only, the library is untouched):
    # how long the main thread waits for the decode thread's next frame, draws and encodes the annotated video.
    spent = {"wait_frames_s": 0.0, "draw_s": 0.0, "encode_s": 0.0}
    prefetch = getattr(liftcheck.threads, "prefetch", None)
    if prefetch is None:  # the pipeline changed: say "not measured" rather than 0
        spent["wait_frames_s"] = math.nan

    def timed_prefetch(frames: Any, *args: Any, **kwargs: Any) -> Any:
        assert prefetch is not None
        inner = prefetch(frames, *args, **kwargs)
        try:
            while True:
                t0 = time.perf_counter()
                try:
                    item = next(inner)
                finally:
                    spent["wait_frames_s"] += time.perf_counter() - t0
                yield item
        except StopIteration:
            return
        finally:
            inner.close()

    def timed(name: str, func: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - t0

        return wrapper

    if prefetch is not None:
        liftcheck.threads.prefetch = timed_prefetch  # type: ignore[assignment]
    liftcheck.draw.draw_overlay = timed("draw_s", liftcheck.draw.draw_overlay)  # type: ignore[assignment]
    writer = liftcheck.video.VideoWriter
    writer.write = timed("encode_s", writer.write)  # type: ignore[method-assign]
    writer.close = timed("encode_s", writer.close)  # type: ignore[method-assign]

    rss_imports = rss_now_bytes()
    started = time.perf_counter()
    estimator = PoseEstimator(model)
    load_s = time.perf_counter() - started
    rss_load, peak_load = rss_now_bytes(), rss_peak_bytes()
    detect_s = 0.0
    real_find = estimator.find

    def find(rgb: Any, t_s: float) -> Any:
        # The model's step, timed where the analysis calls it (the thread that feeds the model). The
        # estimator is handed in ready-made, so the timed call is the analysis without the model load.
        nonlocal detect_s
        t0 = time.perf_counter()
        found = real_find(rgb, t_s)
        detect_s += time.perf_counter() - t0
        return found

    estimator.find = find  # type: ignore[method-assign]

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory(prefix="liftcheck-bench-") as tmp:
        out = Path(tmp) / "annotated.mp4" if annotated else None
        started, cpu0 = time.perf_counter(), cpu_s()
        if profiler is not None:
            profiler.enable()
        report = analyze_video(clip, model=model, thumbnails=True, estimator=estimator, annotated_path=out)
        if profiler is not None:
            profiler.disable()
        wall, cpu = time.perf_counter() - started, cpu_s() - cpu0
        out_bytes = out.stat().st_size if out is not None and out.exists() else 0
    peak = rss_peak_bytes()
    estimator.close()
    result = {
        "frames": report.frames_analysed,
        "duration_s": report.duration_s,
        "lifts": len(report.lifts),
        "load_s": load_s,
        "wall_s": wall,
        "cpu_s": cpu,
        "detect_s": detect_s,
        "rss_imports": rss_imports,
        "rss_load": rss_load,
        "peak_load": peak_load,
        "peak": peak,
        "annotated_bytes": out_bytes,
        **spent,
        "warnings": list(report.warnings),
    }
    if profiler is not None:
        result["profile"] = profile_rows(profiler, report.frames_analysed)
    return result


def profile_rows(profiler: Any, frames: int, limit: int = 30) -> list[list[Any]]:
    """Our functions, the numpy functions they call directly, and MediaPipe's call for scale, by cumulative time.

    Rows are [name, calls, cumulative ms per frame, own ms per frame]; a numpy row counts only its calls from us.
    """
    import pstats

    def ours(filename: str) -> bool:
        return "/liftcheck/" in filename.replace("\\", "/")

    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, func), (_, ncalls, tottime, cumtime, callers) in stats.stats.items():  # type: ignore[attr-defined]
        path = filename.replace("\\", "/")
        if ours(path):
            name = f"{path.rsplit('/liftcheck/', 1)[1]}:{line}({func})"
        elif func == "detect_for_video":
            name = f"mediapipe PoseLandmarker.{func}"
        elif "numpy" in path or "numpy" in func:
            from_us = [v for (caller_file, _, _), v in callers.items() if ours(caller_file)]
            if not from_us:
                continue
            label = func.strip("<>").removeprefix("built-in method ").removeprefix("method ")
            name = f"{label if label.startswith('numpy') else 'numpy ' + label} (called by us)"
            ncalls = sum(v[1] for v in from_us)
            tottime = sum(v[2] for v in from_us)
            cumtime = sum(v[3] for v in from_us)
        else:
            continue
        rows.append([name, ncalls, 1000 * cumtime / max(1, frames), 1000 * tottime / max(1, frames)])
    rows.sort(key=lambda r: -r[2])
    return rows[:limit]


def worker(spec: str) -> int:
    job = json.loads(spec)
    kind = job.pop("job")
    result = job_infer(**job) if kind == "infer" else job_analyze(**job)
    print(RESULT_MARK + json.dumps(result), flush=True)
    return 0


QUIET_WAIT_S = 0.0  # set from --quiet-wait


def run_job(**job: Any) -> dict[str, Any]:
    """Run one measurement in a fresh Python process and return what it measured (and the machine's other load)."""
    what = f"throughput: the {job['job']} measurement of {job.get('clip')}"
    return run_in_process(Path(__file__), job, QUIET_WAIT_S, what)


def run_in_process(script: Path, job: dict[str, Any], quiet_wait_s: float, what: str) -> dict[str, Any]:
    """``script --worker JOB`` in a fresh Python process: the result line it prints, with the cores other
    processes kept busy meanwhile (and before, after waiting up to ``quiet_wait_s`` for quiet); stops naming
    ``what`` when the process printed no result."""
    before = wait_for_quiet(quiet_wait_s) if quiet_wait_s > 0 else math.nan
    load = OtherLoad()
    load.start()
    proc = subprocess.run(
        [sys.executable, str(script.resolve()), "--worker", json.dumps(job)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    others = load.stop()
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            result = json.loads(line[len(RESULT_MARK) :])
            result["others_cores"] = others
            result["others_before"] = before
            return result
    tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
    raise SystemExit(f"{what} failed:\n{tail}")


# ------------------------------------------------------------------ looped videos


# ------------------------------------------------------------------ printing


def fmt(value: float | None, spec: str = ".1f", width: int = 0) -> str:
    text = "–" if value is None or not math.isfinite(value) else format(value, spec)
    return text.rjust(width)


def mib(value: float) -> str:
    return f"{value / MIB:.0f}"


def table(headers: list[str], rows: list[list[str]], left: int = 1) -> None:
    """Print rows under headers; the first ``left`` columns are left-aligned, the rest right-aligned."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    print("  " + line(headers))
    for row in rows:
        print("  " + line(row))


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def verdict(ok: bool) -> str:
    return "meets it" if ok else "MISSES it"


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    global QUIET_WAIT_S
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--all", action="store_true", help="every clip in the samples folder")
    parser.add_argument("--clips", nargs="+", metavar="NAME", help="clips of the samples folder, or paths")
    parser.add_argument("--models", nargs="+", default=["lite", "full"], help="pose models (default: lite full)")
    parser.add_argument("--long-minutes", type=float, default=10.0, help="length of the long looped video (default 10)")
    parser.add_argument("--no-long", action="store_true", help="skip the looped-video memory test")
    parser.add_argument("--profile", action="store_true", help="cProfile one whole analysis (full model, first clip)")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=0.0,
        metavar="S",
        help="before each measurement wait up to S seconds for other processes to leave the CPU (default 0)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, metavar="N", help="run each clip measurement N times, keep the fastest"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker)
    QUIET_WAIT_S = max(0.0, args.quiet_wait)
    args.repeat = max(1, args.repeat)

    from liftcheck.models import VARIANTS, model_filename

    for model in args.models:
        if model not in VARIANTS:
            parser.error(f"unknown model {model!r}: choose from {', '.join(VARIANTS)}")
    models_at = model_dir()
    missing = [model_filename(m) for m in args.models if not (models_at / model_filename(m)).is_file()]
    if missing:
        parser.error(f"{models_at} lacks {', '.join(missing)}: set LIFTCHECK_MODEL_DIR (this never downloads)")
    folder = samples_dir()
    if args.all:
        clips = sorted(folder.glob("*.mp4"))
    else:
        clips = [Path(c) if Path(c).is_file() else folder / c for c in (args.clips or DEFAULT_CLIPS)]
    absent = [str(c) for c in clips if not c.is_file()]
    if absent or not clips:
        parser.error(f"no such clip: {', '.join(absent) or folder}; set LIFTCHECK_SAMPLES_DIR or pass --clips")

    from liftcheck.config import DEFAULT_CONFIG
    from liftcheck.video import probe

    config = DEFAULT_CONFIG
    begun = time.perf_counter()
    whole_run = OtherLoad()
    whole_run.start()
    print("liftcheck throughput: analyze_video against MediaPipe inference alone (figures, not a test)")
    print(f"machine : {machine()}")
    print(f"packages: {versions()}")
    print(f"load avg: {load_average()} (1, 5, 15 min) at the start")
    print(
        f"settings: Config defaults (analyse at most {config.max_analysis_fps:g} fps, long side at most "
        f"{config.max_side_px} px), thumbnails on; each measurement in a fresh process; model load not counted"
    )
    print(f"models  : {', '.join(args.models)} from {models_at}")
    if args.repeat > 1:
        print(f"repeat  : each clip measurement run {args.repeat} times, the fastest kept")
    print()

    infos = {clip: probe(clip) for clip in clips}
    results: dict[tuple[str, str], dict[str, Any]] = {}
    total_jobs = len(clips) * len(args.models) * 3
    done = 0
    for model in args.models:
        for clip in clips:
            entry: dict[str, Any] = {}
            for kind, job in (
                ("infer", {"job": "infer", "clip": str(clip), "model": model}),
                ("analysis", {"job": "analyze", "clip": str(clip), "model": model, "annotated": False}),
                ("video", {"job": "analyze", "clip": str(clip), "model": model, "annotated": True}),
            ):
                t0 = time.perf_counter()
                runs = [run_job(**job) for _ in range(args.repeat)]
                # The fastest run is the one least disturbed by other work on the machine.
                entry[kind] = min(runs, key=lambda r: r["infer_s"] if kind == "infer" else r["wall_s"])
                done += 1
                progress(
                    f"[{done}/{total_jobs}] {model} {kind:<8} {clip.name}: {time.perf_counter() - t0:.1f} s, "
                    f"other processes {entry[kind]['others_cores']:.2f} cores"
                )
            results[(model, clip.name)] = entry

    print(f"clips ({len(clips)}; --all for every clip in {folder})")
    rows = []
    for clip in clips:
        info = infos[clip]
        first = results[(args.models[0], clip.name)]
        rows.append(
            [
                clip.name,
                f"{info.width}x{info.height}",
                fmt(info.fps, ".2f"),
                fmt(info.duration_s, ".1f"),
                first["infer"]["size"],
                str(first["analysis"]["frames"]),
            ]
        )
    table(["clip", "stored", "fps", "length s", "analysed at", "frames analysed"], rows)
    print()

    print("1-4. frames per second (frames analysed / wall time), ratios to inference alone, real-time factor")
    print("  inference = PoseEstimator.find alone on frames already in memory; analysis = analyze_video;")
    print("  +video = analyze_video writing the annotated video; RTF = video seconds per wall second;")
    print("  others = cores other processes kept busy during these runs (at most, of the three)")
    for model in args.models:
        rows = []
        frames_all = 0
        infer_all = analysis_all = video_all = seconds_all = 0.0
        for clip in clips:
            r = results[(model, clip.name)]
            inf, ana, vid = r["infer"], r["analysis"], r["video"]
            infer_fps = inf["frames"] / inf["infer_s"]
            ana_fps = ana["frames"] / ana["wall_s"]
            vid_fps = vid["frames"] / vid["wall_s"]
            rows.append(
                [
                    clip.name,
                    fmt(inf["load_s"], ".2f"),
                    fmt(infer_fps),
                    fmt(ana_fps),
                    fmt(vid_fps),
                    fmt(ana_fps / infer_fps, ".2f"),
                    fmt(vid_fps / infer_fps, ".2f"),
                    fmt(ana["duration_s"] / ana["wall_s"], ".2f") + "x",
                    fmt(vid["duration_s"] / vid["wall_s"], ".2f") + "x",
                    str(ana["lifts"]),
                    fmt(max(inf["others_cores"], ana["others_cores"], vid["others_cores"]), ".2f"),
                ]
            )
            frames_all += ana["frames"]
            infer_all += inf["infer_s"] * ana["frames"] / inf["frames"]
            analysis_all += ana["wall_s"]
            video_all += vid["wall_s"]
            seconds_all += ana["duration_s"]
        if len(clips) > 1:
            rows.append(
                [
                    "all clips (frame-weighted)",
                    "",
                    fmt(frames_all / infer_all),
                    fmt(frames_all / analysis_all),
                    fmt(frames_all / video_all),
                    fmt(infer_all / analysis_all, ".2f"),
                    fmt(infer_all / video_all, ".2f"),
                    fmt(seconds_all / analysis_all, ".2f") + "x",
                    fmt(seconds_all / video_all, ".2f") + "x",
                    "",
                    "",
                ]
            )
        print(f"  model {model}")
        table(
            ["clip", "load s", "inference", "analysis", "+video", "ana/inf", "vid/inf", "RTF ana", "RTF vid", "lifts"]
            + ["others"],
            rows,
        )
    print()

    print("3. what the annotated video adds, ms per analysed frame: draw = draw.draw_overlay,")
    print("   encode = VideoWriter.write and close (RGB to yuv420p and libx264, in the annotate thread)")
    rows = []
    for model in args.models:
        for clip in clips:
            ana, vid = results[(model, clip.name)]["analysis"], results[(model, clip.name)]["video"]
            ana_ms, vid_ms = 1000 * ana["wall_s"] / ana["frames"], 1000 * vid["wall_s"] / vid["frames"]
            rows.append(
                [
                    clip.name,
                    model,
                    fmt(ana_ms, ".2f"),
                    fmt(vid_ms, ".2f"),
                    fmt(vid_ms - ana_ms, ".2f"),
                    fmt(1000 * vid["draw_s"] / vid["frames"], ".2f"),
                    fmt(1000 * vid["encode_s"] / vid["frames"], ".2f"),
                    fmt(vid["annotated_bytes"] / MIB, ".1f"),
                ]
            )
    table(["clip", "model", "analysis", "+video", "extra", "draw", "encode", "file MiB"], rows, 2)
    print()

    print("5. memory, MiB, each analysis in a fresh process: RSS after imports and just after the model load,")
    print("   peak RSS at the end (ru_maxrss), and how far the peak rose above the after-load RSS")
    rows = []
    for model in args.models:
        for clip in clips:
            ana, vid = results[(model, clip.name)]["analysis"], results[(model, clip.name)]["video"]
            rows.append(
                [
                    clip.name,
                    model,
                    mib(ana["rss_imports"]),
                    mib(ana["rss_load"]),
                    mib(ana["peak"]),
                    mib(ana["peak"] - ana["rss_load"]),
                    mib(vid["peak"]),
                    mib(vid["peak"] - vid["rss_load"]),
                ]
            )
    table(["clip", "model", "imports", "model loaded", "peak analysis", "rise", "peak +video", "rise"], rows, 2)
    print()

    print("7. does decoding overlap inference? ms per analysed frame")
    print(f"   decode = VideoReader iteration alone (fastest of {DECODE_PASSES} passes); own code = angles, lifts,")
    print("   verdicts, thumbnails and report, replayed on the recorded poses; sequential = decode + inference +")
    print("   own code, the cost with no overlap. Inside the analysis: detect = PoseEstimator.find (vs alone: its")
    print("   slowdown against inference alone, CPU shared with decoding), wait = main thread waiting for the decode")
    print("   thread's next frame, rest = the remainder (handing frames to the engine thread); saved =")
    print("   sequential - analysis (what the threads won; runs in different processes differ by a few ms);")
    print("   cores = CPU s / wall s, inference alone / analysis; others = cores other processes used,")
    print("   inference / analysis run")
    rows = []
    for model in args.models:
        for clip in clips:
            inf, ana = results[(model, clip.name)]["infer"], results[(model, clip.name)]["analysis"]
            n = ana["frames"]
            dec_ms = 1000 * inf["decode_s"] / max(1, inf["decoded"])
            inf_ms = 1000 * inf["infer_s"] / inf["frames"]
            own_ms = 1000 * inf["own_s"] / inf["frames"]
            seq_ms = dec_ms + inf_ms + own_ms
            ana_ms = 1000 * ana["wall_s"] / n
            det_ms = 1000 * ana["detect_s"] / n
            wait_ms = 1000 * ana["wait_frames_s"] / n
            rows.append(
                [
                    clip.name,
                    model,
                    f"{dec_ms:.2f} ({1000 / dec_ms:.0f})",
                    fmt(inf_ms, ".2f"),
                    fmt(own_ms, ".2f"),
                    f"{seq_ms:.2f} ({1000 / seq_ms:.1f})",
                    f"{ana_ms:.2f} ({1000 / ana_ms:.1f})",
                    fmt(det_ms, ".2f"),
                    fmt(det_ms - inf_ms, "+.2f"),
                    fmt(wait_ms, ".2f"),
                    fmt(ana_ms - det_ms - (wait_ms if math.isfinite(wait_ms) else 0.0), ".2f"),
                    fmt(seq_ms - ana_ms, "+.2f"),
                    f"{inf['infer_cpu_s'] / inf['infer_s']:.2f} / {ana['cpu_s'] / ana['wall_s']:.2f}",
                    f"{inf['others_cores']:.2f} / {ana['others_cores']:.2f}",
                ]
            )
    table(
        ["clip", "model", "decode (fps)", "inference", "own code", "sequential (fps)", "analysis (fps)"]
        + ["detect", "vs alone", "wait", "rest", "saved", "cores", "others"],
        rows,
        2,
    )
    print()

    long_result = None
    loop_clip = folder / LOOP_CLIP
    if args.no_long:
        pass
    elif "full" not in args.models:
        print("6. skipped: the looped-video test uses the full model (add it to --models)\n")
    elif not loop_clip.is_file():
        print(f"6. skipped: {loop_clip} is not there\n")
    else:
        long_result = long_videos(loop_clip, args.long_minutes * 60.0)
        print()

    if args.profile:
        profile_clip = clips[0]
        progress(f"profiling one analysis of {profile_clip.name} (full model)")
        prof = run_job(job="analyze", clip=str(profile_clip), model="full", annotated=False, profile=True)
        print(
            f"profile: cProfile of analyze_video({profile_clip.name}, model='full'), {prof['frames']} frames, "
            f"{1000 * prof['wall_s'] / prof['frames']:.2f} ms per frame under the profiler"
        )
        print("   our own functions by cumulative time, ms per analysed frame (main thread only; the profiler")
        print("   inflates many small calls, so trust section 7's own-code figure for the total)")
        table(
            ["function", "calls", "cumulative", "own"],
            [[name, str(calls), fmt(cum, ".3f"), fmt(tot, ".3f")] for name, calls, cum, tot in prof["profile"]],
        )
        print()

    print("targets (full model)")
    if "full" in args.models:
        for clip in clips:
            r = results[("full", clip.name)]
            ratio = (r["analysis"]["frames"] / r["analysis"]["wall_s"]) / (r["infer"]["frames"] / r["infer"]["infer_s"])
            print(f"  analysis >= 0.9 x inference alone, {clip.name}: {ratio:.2f} {verdict(ratio >= 0.9)}")
        for clip in clips:
            if infos[clip].fps >= 50:
                ana = results[("full", clip.name)]["analysis"]
                rtf = ana["duration_s"] / ana["wall_s"]
                print(f"  a 60 fps clip at least real time, {clip.name}: {rtf:.2f}x {verdict(rtf >= 1.0)}")
    if long_result is not None:
        ratio, peak = long_result
        print(f"  long video's peak RSS <= 1.5 x the short one's: {ratio:.2f}x {verdict(ratio <= 1.5)}")
        print(f"  long video's peak RSS < 1 GiB: {peak / MIB:.0f} MiB {verdict(peak < 1024 * MIB)}")
    print()
    print(
        f"load avg: {load_average()} at the end; other processes kept {whole_run.stop():.2f} cores busy on "
        f"average; whole run {(time.perf_counter() - begun) / 60:.1f} min"
    )
    return 0


def long_videos(clip: Path, long_s: float) -> tuple[float, float]:
    """Item 6: a short and a long video looped from ``clip``, analysed with the full model in fresh processes."""
    labelled = None
    labels = clip.parent / "labels.json"
    if labels.is_file():
        for item in json.loads(labels.read_text()):
            if item.get("file") == clip.name:
                labelled = item.get("rep_count", {}).get("max")
    with tempfile.TemporaryDirectory(prefix="liftcheck-loop-") as tmp:
        started = time.perf_counter()
        one = Path(tmp) / "one_loop.mp4"
        loop_frames, loop_s = encode_loop(clip, one)
        made = []
        for label, seconds in (("short", SHORT_LOOP_S), ("long", long_s)):
            out = Path(tmp) / f"{label}.mp4"
            made.append((label, out, loop_video(one, out, seconds)))
        prep_s = time.perf_counter() - started
        rows = []
        measured = {}
        for label, path, length in made:
            t0 = time.perf_counter()
            progress(f"analysing the {length:.0f} s looped video (full model)")
            r = run_job(job="analyze", clip=str(path), model="full", annotated=False)
            progress(f"  done in {time.perf_counter() - t0:.1f} s")
            measured[label] = r
            loops = length / loop_s
            rows.append(
                [
                    label,
                    fmt(length, ".1f"),
                    fmt(path.stat().st_size / MIB, ".1f"),
                    str(r["frames"]),
                    fmt(r["wall_s"], ".1f"),
                    fmt(r["frames"] / r["wall_s"]),
                    fmt(r["duration_s"] / r["wall_s"], ".2f") + "x",
                    str(r["lifts"]),
                    fmt(r["lifts"] / loops, ".2f"),
                    mib(r["rss_load"]),
                    mib(r["peak"]),
                    mib(r["peak"] - r["rss_load"]),
                ]
            )
    expected = f"; labelled lifts per loop: {labelled}" if labelled is not None else ""
    print(
        f"6. memory bounded by length: {clip.name} re-encoded once at {LOOP_FPS} fps ({loop_frames} frames, "
        f"{loop_s:.1f} s), then its packets copied in a loop (made in {prep_s:.1f} s, deleted after){expected}"
    )
    table(
        [
            "video",
            "length s",
            "file MiB",
            "frames",
            "wall s",
            "fps",
            "RTF",
            "lifts",
            "lifts/loop",
            "model loaded MiB",
            "peak MiB",
            "above load",
        ],
        rows,
    )
    short, long = measured["short"], measured["long"]
    ratio = long["peak"] / short["peak"]
    above = (long["peak"] - long["rss_load"]) / max(1, short["peak"] - short["rss_load"])
    print(
        f"  peak RSS long / short: {ratio:.2f}x (target <= 1.5x); above model load: {above:.2f}x; "
        f"long peak {long['peak'] / MIB:.0f} MiB (target < 1024 MiB)"
    )
    return ratio, float(long["peak"])


if __name__ == "__main__":
    raise SystemExit(main())
