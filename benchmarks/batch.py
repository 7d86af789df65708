"""How fast many videos, and one long video, go on every core; and how much memory a worker takes.

    python benchmarks/batch.py [--clips NAME ...] [--model full] [--long-seconds 150] [--no-ray] [--no-long]
                               [--repeat N] [--quiet-wait S]

It prints

1. a batch of clips (``liftcheck batch``'s ``run_batch``): sequential (a pool of one worker: each video
   analysed in turn, as ``liftcheck analyze`` would one after another, without reloading the model),
   the local pool (one worker per core) and Ray started here (``ray.init(num_cpus=cores)``, the same
   jobs as Ray tasks); wall time, videos' seconds per wall second, and each as a ratio to sequential;
2. peak memory (RSS) of a worker: the largest peak among the pool's worker processes, and the batch
   process's own;
3. peak memory of a worker given one video (``--memory-clips``), fresh each time: a phone clip, a 720p
   clip, a clip with two people in view;
4. one long video (a clip looped to ``--long-seconds``): ``analyze_video`` in one pass against in chunks
   on every core (``chunks.py``), the ratio, and whether the lifts agree (count, times within 0.2 s,
   styles, verdicts); the chunk workers' peak memory.

Every measurement runs in a fresh Python process. Figures, not a test: nothing here passes or fails.
Targets (2-core machine): pool >= 1.7x sequential, Ray within 10% of the pool, chunked >= 1.6x a
single pass, a worker's peak <= 320 MiB without the annotated video.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _machine import machine  # benchmarks/ is on sys.path when run as a script
from throughput import MIB, OtherLoad, fmt, model_dir, run_in_process, samples_dir, table, versions

from liftcheck.workshop.looping import encode_loop, loop_video

DEFAULT_CLIPS = (
    "roundback_lift_side_01.mp4",  # 24 s, 60 fps portrait
    "deadlift_hipfirst_side_01.mp4",  # 21 s, 60 fps portrait
    "deadlift_side_02.mp4",  # 18 s, 60 fps portrait
    "russian_twist_seated_armonly_vs_trunk_oblique_01.mp4",  # 18 s
    "squat_lift_side_01.mp4",  # 16 s, 60 fps portrait
    "kb_deadlift_oblique_01.mp4",  # 13 s
    "workplace_crate_lowering_turn_front_overlay_05.mp4",  # 9 s, 720p
    "deadlift_oblique_01.mp4",  # 7 s, 720p
)
LOOP_CLIP = "squat_lift_side_01.mp4"
# One video at a time in a fresh worker: what each kind of video costs a worker at its peak.
MEMORY_CLIPS = (
    "roundback_lift_side_01.mp4",  # a phone's 360x640 portrait video, one person
    "workplace_crate_lowering_turn_front_overlay_05.mp4",  # 720p, one person
    "seated_box_handover_twist_two_people_01.mp4",  # two people: several followed at once
)
RESULT_MARK = "BENCH-RESULT "


def peak_children_bytes() -> int:
    """The largest peak RSS among this process's finished children (the workers, once the pool has closed)."""
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def peak_self_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def cpu_children_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class ChildrenPss:
    """The largest PSS any child process reached, sampled every 0.2 s (Linux; 0 elsewhere).

    PSS is a process's own memory plus its share of pages it shares with others: the pose library
    and the model, mapped by every worker, count once across them. It is what each more worker on a
    node costs; RSS (``ru_maxrss``) counts the shared pages again in every worker.
    """

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ChildrenPss:
        if Path("/proc/self/smaps_rollup").exists():
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        me = str(os.getpid())
        while not self._stop.wait(0.2):
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    if (entry / "stat").read_text().rsplit(")", 1)[1].split()[1] != me:
                        continue
                    for line in (entry / "smaps_rollup").read_text().splitlines():
                        if line.startswith("Pss:"):
                            self.peak = max(self.peak, int(line.split()[1]) * 1024)
                except (OSError, IndexError, ValueError):
                    continue


# ------------------------------------------------------------------ measurements, each in a fresh process


def job_batch(clips: list[str], model: str, mode: str) -> dict[str, Any]:
    """One batch of ``clips`` into a temporary folder: mode "sequential" (1 worker), "pool" or "ray"."""
    from liftcheck.batch import BatchSettings, run_batch
    from liftcheck.workers import default_workers

    cores = default_workers()
    started_ray = False
    if mode == "ray":
        import ray

        ray.init(num_cpus=cores, include_dashboard=False, log_to_driver=False)
        started_ray = True
    settings = BatchSettings(
        model=model, workers=1 if mode == "sequential" else cores, ray="auto" if mode == "ray" else None
    )
    with tempfile.TemporaryDirectory(prefix="liftcheck-bench-batch-") as tmp:
        folder = Path(tmp) / "videos"
        folder.mkdir()
        for clip in clips:
            os.symlink(clip, folder / Path(clip).name)
        started = time.perf_counter()
        with ChildrenPss() as pss:
            summary = run_batch([folder], Path(tmp) / "out", settings)
        wall = time.perf_counter() - started
        seconds = 0.0
        lifts = 0
        index = json.loads((Path(tmp) / "out" / "index.json").read_text())
        for record in index["videos"].values():
            seconds += float(record["summary"].get("duration_s") or 0.0)
            lifts += int(record["summary"].get("lift_count") or 0)
    if started_ray:
        import ray

        ray.shutdown()
    return {
        "wall_s": wall,
        "video_s": seconds,
        "lifts": lifts,
        "failed": [list(f) for f in summary.failed],
        "workers": settings.workers,
        "peak_worker": peak_children_bytes() if mode != "ray" else 0,
        "pss_worker": pss.peak if mode != "ray" else 0,
        "peak_parent": peak_self_bytes(),
        "cpu_children_s": cpu_children_s(),
    }


def job_long(video: str, model: str, chunked: bool) -> dict[str, Any]:
    """``analyze_video`` of one long video, in one pass or in chunks; its lifts, for comparing the two."""
    from liftcheck.pipeline import analyze_video

    started = time.perf_counter()
    report = analyze_video(video, model=model, chunks=chunked, thumbnails=False)
    wall = time.perf_counter() - started
    return {
        "wall_s": wall,
        "video_s": report.duration_s,
        "frames": report.frames_analysed,
        "lifts": [
            [v.rep.start_s, v.rep.bottom_s, v.rep.end_s, v.measures.style.value, v.verdict.value] for v in report.lifts
        ],
        "peak_worker": peak_children_bytes(),
        "peak_parent": peak_self_bytes(),
    }


def worker(spec: str) -> int:
    job = json.loads(spec)
    kind = job.pop("job")
    result = job_batch(**job) if kind == "batch" else job_long(**job)
    print(RESULT_MARK + json.dumps(result), flush=True)
    return 0


QUIET_WAIT_S = 0.0


def run_job(**job: Any) -> dict[str, Any]:
    """One measurement in a fresh Python process; adds the cores other processes kept busy meanwhile."""
    return run_in_process(Path(__file__), job, QUIET_WAIT_S, f"batch benchmark: the {job['job']} measurement")


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def verdict(ok: bool) -> str:
    return "meets it" if ok else "MISSES it"


def agreement(single: list[list[Any]], chunked: list[list[Any]]) -> str:
    if len(single) != len(chunked):
        return f"{len(chunked)} lifts in chunks against {len(single)} in one pass"
    differing = sum(
        1 for a, b in zip(single, chunked) if any(abs(a[i] - b[i]) > 0.2 for i in range(3)) or a[3:] != b[3:]
    )
    return f"{len(single)} lifts both ways, {differing} differing (times over 0.2 s apart, style or verdict)"


def best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest run: the one least disturbed by other work on the machine."""
    return min(runs, key=lambda r: r["wall_s"])


def main(argv: list[str] | None = None) -> int:
    global QUIET_WAIT_S
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clips", nargs="+", metavar="NAME", help="clips of the samples folder, or paths")
    parser.add_argument("--model", default="full", help="pose model (default: full)")
    parser.add_argument("--long-seconds", type=float, default=150.0, help="length of the looped video (default 150)")
    parser.add_argument("--no-ray", action="store_true", help="leave out the Ray measurement")
    parser.add_argument("--no-long", action="store_true", help="leave out the long video")
    parser.add_argument(
        "--memory-clips", nargs="*", metavar="NAME", help="clips for the per-video memory (default: three kinds)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, metavar="N", help="run each measurement N times, keep the best"
    )
    parser.add_argument("--quiet-wait", type=float, default=0.0, metavar="S", help="wait up to S s for a quiet CPU")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker)
    QUIET_WAIT_S = max(0.0, args.quiet_wait)
    models_at = model_dir()
    folder = samples_dir()
    clips = [Path(c) if Path(c).is_file() else folder / c for c in (args.clips or DEFAULT_CLIPS)]
    absent = [str(c) for c in clips if not c.is_file()]
    if absent:
        parser.error(f"no such clip: {', '.join(absent)}; set LIFTCHECK_SAMPLES_DIR or pass --clips")
    from liftcheck.workers import default_workers

    cores = default_workers()
    begun = time.perf_counter()
    whole = OtherLoad()
    whole.start()
    print("liftcheck batch: many videos and one long video on every core (figures, not a test)")
    print(f"machine : {machine()}")
    print(f"packages: {versions()}")
    print(f"model   : {args.model} from {models_at}; {cores} workers (one per usable core)")
    print()

    modes = ["sequential", "pool"] + ([] if args.no_ray else ["ray"])
    if "ray" in modes:
        try:
            import ray  # noqa: F401
        except ImportError:
            print('Ray is not installed (pip install "liftcheck[cluster]"): its row is left out\n')
            modes.remove("ray")
    # The modes take turns (sequential, pool, Ray, then again): this machine's speed drifts by 10-20%
    # over minutes, and runs of one mode all together would put that drift into the ratios.
    every: dict[str, list[dict[str, Any]]] = {mode: [] for mode in modes}
    for round_ in range(args.repeat):
        for mode in modes:
            progress(f"batch of {len(clips)} clips, {mode} (round {round_ + 1} of {args.repeat}) ...")
            run = run_job(job="batch", clips=[str(c) for c in clips], model=args.model, mode=mode)
            every[mode].append(run)
            progress(f"  {run['wall_s']:.1f} s, other processes {run['others_cores']:.2f} cores")
    batch = {mode: best(runs) for mode, runs in every.items()}
    seq = batch["sequential"]
    if args.repeat > 1:
        rounds = [f"{s['wall_s'] / p['wall_s']:.2f}x" for s, p in zip(every["sequential"], every["pool"], strict=True)]
        print(f"pool against sequential, round by round: {', '.join(rounds)}")
    print(
        f"1. a batch of {len(clips)} clips ({seq['video_s']:.0f} s of video, {seq['lifts']} lifts), {args.model} model"
    )
    rows = []
    for mode, r in batch.items():
        rows.append(
            [
                {"sequential": "sequential (1 worker)", "pool": f"local pool ({cores} workers)", "ray": "Ray, local"}[
                    mode
                ],
                fmt(r["wall_s"], ".1f"),
                fmt(r["video_s"] / r["wall_s"], ".2f") + "x",
                fmt(seq["wall_s"] / r["wall_s"], ".2f") + "x",
                str(len(r["failed"])),
                fmt(r["others_cores"], ".2f"),
            ]
        )
    table(["run", "wall s", "video s / wall s", "vs sequential", "failed", "others"], rows)
    print()
    print("2. peak memory (MiB): the largest worker process (RSS; PSS, shared pages counted once), the batch process")
    rows = [
        [
            mode,
            fmt(r["peak_worker"] / MIB, ".0f") if r["peak_worker"] else "–",
            fmt(r["pss_worker"] / MIB, ".0f") if r.get("pss_worker") else "–",
            fmt(r["peak_parent"] / MIB, ".0f"),
        ]
        for mode, r in batch.items()
    ]
    table(["run", "worker peak RSS", "worker peak PSS", "batch process peak RSS"], rows)
    print()

    memory_clips = [Path(c) if Path(c).is_file() else folder / c for c in (args.memory_clips or MEMORY_CLIPS)]
    memory_clips = [c for c in memory_clips if c.is_file()]
    alone = []
    for clip in memory_clips:
        progress(f"one worker, {clip.name} alone ...")
        run = run_job(job="batch", clips=[str(clip)], model=args.model, mode="sequential")
        alone.append(run["peak_worker"])
        progress(f"  peak {run['peak_worker'] / MIB:.0f} MiB")
    if alone:
        print("3. peak memory (MiB) of a worker given one video, a fresh worker each (RSS)")
        table(
            ["video", "worker peak RSS"],
            [[clip.name, fmt(peak / MIB, ".0f")] for clip, peak in zip(memory_clips, alone, strict=True)],
        )
        print()

    long_rows = None
    if not args.no_long:
        with tempfile.TemporaryDirectory(prefix="liftcheck-bench-long-") as tmp:
            one, long = Path(tmp) / "one.mp4", Path(tmp) / "long.mp4"
            encode_loop(folder / LOOP_CLIP, one)
            length = loop_video(one, long, args.long_seconds)
            long_runs: dict[str, list[dict[str, Any]]] = {"one pass": [], "chunks": []}
            for round_ in range(args.repeat):  # in turns, as above
                for label in long_runs:
                    progress(f"long video ({length:.0f} s), {label} (round {round_ + 1} of {args.repeat}) ...")
                    run = run_job(job="long", video=str(long), model=args.model, chunked=label == "chunks")
                    long_runs[label].append(run)
                    progress(f"  {run['wall_s']:.1f} s, other processes {run['others_cores']:.2f} cores")
            results = {label: best(runs) for label, runs in long_runs.items()}
        single, chunks = results["one pass"], results["chunks"]
        print(f"4. one long video: {LOOP_CLIP} looped to {length:.0f} s ({single['frames']} frames analysed)")
        table(
            ["analysis", "wall s", "video s / wall s", "vs one pass", "worker peak MiB", "process peak MiB", "others"],
            [
                [
                    label,
                    fmt(r["wall_s"], ".1f"),
                    fmt(r["video_s"] / r["wall_s"], ".2f") + "x",
                    fmt(single["wall_s"] / r["wall_s"], ".2f") + "x",
                    fmt(r["peak_worker"] / MIB, ".0f") if r["peak_worker"] else "–",
                    fmt(r["peak_parent"] / MIB, ".0f"),
                    fmt(r["others_cores"], ".2f"),
                ]
                for label, r in results.items()
            ],
        )
        print(f"  {agreement(single['lifts'], chunks['lifts'])}")
        long_rows = (single, chunks)
        print()

    print("targets")
    pool = batch["pool"]
    ratio = seq["wall_s"] / pool["wall_s"]
    print(f"  local pool >= 1.7x sequential: {ratio:.2f}x {verdict(ratio >= 1.7)}")
    if "ray" in batch:
        gap = batch["ray"]["wall_s"] / pool["wall_s"] - 1.0
        print(f"  Ray within 10% of the pool: {100 * gap:+.0f}% {verdict(gap <= 0.10)}")
    if long_rows is not None:
        single, chunks = long_rows
        speed = single["wall_s"] / chunks["wall_s"]
        print(f"  long video in chunks >= 1.6x one pass: {speed:.2f}x {verdict(speed >= 1.6)}")
    peak = max([pool["peak_worker"], long_rows[1]["peak_worker"] if long_rows else 0, *alone])
    print(f"  a worker's peak <= 320 MiB (no annotated video): {peak / MIB:.0f} MiB {verdict(peak <= 320 * MIB)}")
    print()
    print(
        f"other processes kept {whole.stop():.2f} cores busy on average; whole run "
        f"{(time.perf_counter() - begun) / 60:.1f} min"
    )
    shutil.rmtree(Path(tempfile.gettempdir()) / "nonexistent", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
