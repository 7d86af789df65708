"""The command line: ``liftcheck analyze VIDEO``, ``batch PATH...``, ``samples``, ``demo``.

The only place (with ``app.py``) that turns the library's exceptions into messages and
exit codes: 0 done, 1 analysis failed on this input, 2 bad usage or setup.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from liftcheck import __version__
from liftcheck.html_report import judged_line
from liftcheck.models import DEFAULT_VARIANT, VARIANTS, ModelError
from liftcheck.presentation import niosh_inputs, niosh_verdict
from liftcheck.report import COLUMN, ReportView, as_view


def _quiet_native_logs() -> None:
    # MediaPipe's C++ side logs setup chatter to stderr; users need none of it.
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # This process is ours alone: keep its memory near what it uses, as the workers do.
    from liftcheck.workers import tune_malloc

    tune_malloc()


def _bar_and_time_left(fraction: float, elapsed_s: float, *, after: float) -> tuple[str, float]:
    """("[####......]  42.0%", seconds left at this pace); NaN seconds until ``after`` of the work is done."""
    left = elapsed_s * (1 - fraction) / fraction if fraction > after else float("nan")
    filled = int(30 * fraction)
    return f"[{'#' * filled}{'.' * (30 - filled)}] {100 * fraction:5.1f}%", left


class _ProgressBar:
    def __init__(self, stream=sys.stderr) -> None:  # type: ignore[no-untyped-def]
        self.stream = stream
        self.start = time.perf_counter()
        self.last_draw = 0.0
        self.interactive = stream.isatty()

    def __call__(self, p) -> None:  # type: ignore[no-untyped-def]
        now = time.perf_counter()
        if now - self.last_draw < (0.1 if self.interactive else 5.0):
            return
        self.last_draw = now
        bar, left = _bar_and_time_left(p.fraction, now - self.start, after=0.01)
        line = f"{bar}  {p.frames_done} frames  {p.t_s:6.1f}/{p.duration_s:.1f} s  "
        line += f"about {left:4.0f} s left" if left == left else ""
        self.stream.write(("\r" if self.interactive else "") + line + ("" if self.interactive else "\n"))
        self.stream.flush()

    def close(self) -> None:
        if self.interactive:
            self.stream.write("\n")
            self.stream.flush()


def frames_per_second(text: str) -> float:
    """An argparse type: a rate in frames a second, 0 meaning every frame."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of frames a second") from None
    if not (value >= 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"{text!r}: give a rate of 0 (every frame) or more frames a second")
    return value


def _ranged(what: str, low: float, high: float) -> Callable[[str], float]:
    """An argparse type: a number from ``low`` to ``high``, or a message naming ``what`` it should be."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number ({what})") from None
        if not low <= value <= high:  # also refuses nan and inf
            raise argparse.ArgumentTypeError(f"{text!r} is out of range for {what} ({low:g} to {high:g})")
        return value

    return parse


def _given(args: argparse.Namespace) -> Any:
    """What the command line tells about the session (``frames.Given``)."""
    from liftcheck.frames import Given
    from liftcheck.niosh import Coupling, TaskInputs, WorkDuration

    task_inputs = None
    equation = (args.load_kg, args.height_cm, args.coupling, args.work_duration, args.lifts_per_min)
    if any(v is not None for v in equation):
        task_inputs = TaskInputs(
            load_kg=args.load_kg,
            stature_cm=args.height_cm,
            coupling=Coupling(args.coupling or "fair"),
            duration=WorkDuration(args.work_duration or "short"),
            lifts_per_min=args.lifts_per_min,
        )
    return Given(person=args.person or "", task=args.task or "", task_inputs=task_inputs)


def _fmt(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


# The terminal table: these declared columns between style and verdict, with the three times before them.
TIMES = tuple(COLUMN[k] for k in ("start_s", "bottom_s", "end_s"))
ANGLES = tuple(
    COLUMN[k]
    for k in (
        "stoop_squat_index",
        "peak_trunk_flexion_deg",
        "knee_flexion_at_bottom_deg",
        "peak_twist_deg",
        "peak_side_bend_deg",
    )
)


def _session_line(view: ReportView) -> str:
    """Who, what and when, as given: "Anna · crates to shelf · 2026-11-28 06:44 UTC"."""
    when = view.session.analysed_at.replace("T", " ")[:16] + " UTC" if view.session.analysed_at else ""
    return " · ".join(part for part in (view.session.person, view.session.task, when) if part)


def print_table(report: Mapping[str, Any] | ReportView, stream=sys.stdout) -> None:  # type: ignore[no-untyped-def]
    """The per-lift table and the session summary, for a terminal (the app's words, in plain text)."""
    view = as_view(report)
    out = stream.write
    out(f"\n{view.source}: {view.summary.headline}\n")
    session = _session_line(view)
    if session:
        out(f"{session}\n")
    if view.lifts:
        # Units in the heads: times in s, the index 0-100, angles in degrees.
        heads = {c.key: f"{c.short}°" for c in ANGLES[1:]}
        heads[ANGLES[0].key] = ANGLES[0].short
        widths = {c.key: max(len(heads[c.key]), 4 if c.key == "stoop_squat_index" else 5) for c in ANGLES}
        times = " ".join(f"{c.short + ' s':>8}" for c in TIMES)
        angles = " ".join(f"{heads[c.key]:>{widths[c.key]}}" for c in ANGLES)
        out(f"\n{'lift':>4}  {times}  {'style':<10} {angles}  {'verdict':<10} cue\n")
        for row in view.lifts:
            partial = f" (cut off at the {row.partial}, not counted)" if row.partial else ""
            times = " ".join(f"{_fmt(row.value(c), c.shown_digits):>8}" for c in TIMES)
            angles = " ".join(f"{_fmt(getattr(row, c.key), c.shown_digits):>{widths[c.key]}}" for c in ANGLES)
            out(f"{row.lift:>4}  {times}  {row.style:<10} {angles}  {row.verdict:<10} {row.cue}{partial}\n")
        out(
            "\n(peak trunk flexion, knee flexion at the bottom, peak twist and side bend while bent or loaded; "
            "SSI = stoop–squat index, 0 squat … 100 stoop)\n"
        )
    line = judged_line(view)
    if line:
        out(f"{line}\n")
    neutral = view.neutral_line()
    if neutral:
        out(f"{neutral}\n")
    for row in view.lifts:
        if row.not_judged_reason:
            out(f"lift {row.lift}: {row.not_judged_reason}\n")
    near = [f"lift {row.lift} {f.title.lower()}" for row in view.lifts for f in row.findings if f.near_limit]
    if near:
        out(f"near the limit (within the measurement's uncertainty, not counted on its own): {'; '.join(near)}\n")
    if view.summary.lifts_per_minute is not None:
        out(f"lifts per minute: {view.summary.lifts_per_minute:.1f}\n")
    _print_niosh(view, out)
    if view.twist_events:
        out("\ntwists (shoulders against hips and feet):\n")
        for e in view.twist_events:
            peak = f"{abs(e.peak_deg):.0f}°" if e.peak_deg is not None else "?"
            speed = f", up to {e.peak_speed_deg_s:.0f}°/s" if e.peak_speed_deg_s is not None else ""
            where = f"lift {e.in_lift}" if e.in_lift is not None else "between lifts"
            extra = ", bent" if e.bent else ""
            extra += ", loaded" if e.loaded else ""
            judged = "" if e.reliable else " (this view cannot judge twist: film from the front or at 45°)"
            out(
                f"  {_fmt(e.start_s, 1)}–{_fmt(e.end_s, 1)} s  {peak:>4} {e.direction_words}{speed}{extra}, "
                f"{where}{judged}\n"
            )
    for note in view.uncertain_notes().values():
        out(f"note: {note}\n")
    if view.summary.advice:
        out("\nwhat to change:\n")
    for advice in view.summary.advice:
        what = "twist" if not view.lifts and advice.rule_id == "trunk_twist" else "lift"
        out(f"- {advice.cue} ({advice.lifts} {what}{'s' if advice.lifts != 1 else ''}): {advice.advice}\n")
        if advice.articles:
            out(f"  see {'; '.join(advice.articles)}\n")
    for warning in view.warnings:
        out(f"warning: {warning}\n")
    out(f"{view.disclaimer}\n")


def _print_niosh(view: ReportView, out: Callable[[str], object]) -> None:
    """The lifting equation: each lift's index (or limit), its inputs, and the task's index."""
    rows = [(row.lift, row.niosh) for row in view.lifts if row.niosh]
    if not rows:
        return
    out("\nNIOSH lifting equation (at the grasp; ? = uncertain):\n")
    for lift, result in rows:
        out(f"  lift {lift}: {niosh_verdict(result)}\n")
        inputs = niosh_inputs(result)
        if inputs:
            out(f"          {inputs}\n")
    task = view.summary.niosh
    if task.worst_lift is not None:
        out(f"  the task (its hardest lift, lift {task.worst_lift}): {niosh_verdict(task.to_dict())}\n")
        if task.change:
            out(f"  what would help most: {task.change}\n")


def cmd_analyze(args: argparse.Namespace) -> int:
    from liftcheck.pipeline import analyze_video
    from liftcheck.video import VideoError, VideoWriteError

    _quiet_native_logs()
    path = Path(args.video)
    bar = None if args.quiet else _ProgressBar()
    try:
        report = analyze_video(
            path,
            model=args.model,
            max_fps=args.max_fps,
            annotated_path=args.annotated,
            progress=bar,
            thumbnails=False,
            chunks=not args.no_chunks,
            given=_given(args),
        )
    except VideoError as exc:
        print(f"liftcheck: cannot analyse {path.name}: {exc}", file=sys.stderr)
        return 1
    except VideoWriteError as exc:
        print(f"liftcheck: {exc}", file=sys.stderr)
        return 1
    except ModelError as exc:
        print(f"liftcheck: {exc}", file=sys.stderr)
        return 2
    finally:
        if bar is not None:
            bar.close()
    data = report.to_dict()
    print_table(data)
    for target, what, text in ((args.json, "JSON report", report.to_json), (args.csv, "CSV", report.to_csv)):
        if not target:
            continue
        try:
            Path(target).write_text(text())
        except OSError as exc:
            print(f"liftcheck: cannot write the {what} to {target}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        print(f"{what} written to {target}")
    if args.annotated:
        print(f"annotated video written to {args.annotated}")
    return 0


class _BatchProgress:
    """The batch's progress: a bar on stderr (redrawn in place on a terminal) and a line per video on stdout."""

    def __init__(self, quiet: bool, out=sys.stdout, err=sys.stderr) -> None:  # type: ignore[no-untyped-def]
        self.quiet = quiet
        self.out, self.err = out, err
        self.interactive = err.isatty()
        self.start = time.perf_counter()
        self.last_draw = 0.0
        self.drawn = False

    def __call__(self, event) -> None:  # type: ignore[no-untyped-def]
        record = event.record
        if event.kind in ("done", "failed", "skipped") and record is not None:
            self._clear()
            where = f"[{event.done}/{event.total}]"
            if event.kind == "failed":
                self.out.write(f"{where} FAILED  {record.name}: {record.reason}\n")
            else:
                summary = record.summary
                verdicts = summary.get("verdicts") or {}
                count = summary.get("lift_count", 0)
                lifts = f"{count} lift{'' if count == 1 else 's'} ({verdicts.get('poor', 0)} poor)"
                took = f" in {record.seconds:.1f} s" if event.kind == "done" and record.seconds else ""
                label = "done   " if event.kind == "done" else "skipped"
                self.out.write(f"{where} {label} {record.name}: {lifts}{took}\n")
            self.out.flush()
        if not self.quiet:
            self._bar(event)

    def _clear(self) -> None:
        if self.interactive and self.drawn:
            self.err.write("\r" + " " * 78 + "\r")
            self.drawn = False

    def _bar(self, event) -> None:  # type: ignore[no-untyped-def]
        now = time.perf_counter()
        if event.kind == "progress" and now - self.last_draw < (0.2 if self.interactive else 10.0):
            return
        self.last_draw = now
        bar, left = _bar_and_time_left(event.fraction, now - self.start, after=0.02)
        line = f"{bar}  {event.done}/{event.total} videos"
        line += (
            f"  about {left / 60:.0f} min left"
            if left == left and left > 90
            else (f"  about {left:.0f} s left" if left == left else "")
        )
        if self.interactive:
            self.err.write("\r" + line.ljust(78))
            self.drawn = True
        else:
            self.err.write(line + "\n")
        self.err.flush()

    def close(self) -> None:
        self._clear()


def cmd_batch(args: argparse.Namespace) -> int:
    from liftcheck.batch import BatchSettings, InputError, ResultsError, run_batch
    from liftcheck.batch.cluster import ClusterError
    from liftcheck.workers import WorkerSetupError

    _quiet_native_logs()
    settings = BatchSettings(
        model=args.model,
        max_fps=args.max_fps or None,
        annotated=args.annotated,
        workers=args.workers,
        ray=args.ray,
        history=args.history,
    )
    progress = _BatchProgress(args.quiet)
    try:
        summary = run_batch(args.paths, args.out, settings, manifest=args.manifest, on_event=progress)
    except (InputError, ResultsError, ClusterError, WorkerSetupError) as exc:
        progress.close()
        print(f"liftcheck batch: {exc}", file=sys.stderr)
        return 2
    except ModelError as exc:
        progress.close()
        print(f"liftcheck batch: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        progress.close()
        print(
            f"liftcheck batch: interrupted. The videos finished are kept in {args.out}; "
            "run the same command again to go on from there.",
            file=sys.stderr,
        )
        return 130
    progress.close()
    for warning in summary.warnings:
        print(f"warning: {warning}")
    print(
        f"{summary.videos} videos: {summary.analysed} analysed, {summary.skipped} already done, "
        f"{len(summary.failed)} failed. Team report: {summary.team_html} and {summary.team_csv}"
    )
    return 1 if summary.failed else 0


def cmd_samples(args: argparse.Namespace) -> int:
    from liftcheck.workshop import samples

    return samples.run(args)


def cmd_demo(args: argparse.Namespace) -> int:
    """Analyse the synthetic lifter: shows what liftcheck reports with no camera or video."""
    from liftcheck.pipeline import analyze_synthetic
    from liftcheck.workshop import synthetic

    clip = synthetic.generate(synthetic.demo_session(), view_yaw_deg=args.view, seed=args.seed)
    report = analyze_synthetic(clip, annotated_path=args.annotated, source_name="synthetic demo")
    print_table(report.to_dict())
    if args.annotated:
        print(f"annotated video written to {args.annotated}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="liftcheck", description="Check lifting form from video, lift by lift.")
    parser.add_argument("--version", action="version", version=f"liftcheck {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    analyze = sub.add_parser("analyze", help="analyse a video file and print a per-lift table")
    analyze.add_argument("video", help="the video (mp4, mov, avi, webm, mkv)")
    analyze.add_argument("--model", choices=VARIANTS, default=DEFAULT_VARIANT, help="pose model (default: full)")
    analyze.add_argument(
        "--max-fps", type=frames_per_second, default=30.0, help="analyse at most this many frames a second (0: all)"
    )
    analyze.add_argument("--json", metavar="F", help="write the full report as JSON")
    analyze.add_argument("--csv", metavar="F", help="write the per-lift table as CSV")
    analyze.add_argument("--annotated", metavar="F", help="write an annotated H.264 MP4")
    analyze.add_argument(
        "--no-chunks",
        action="store_true",
        help="analyse a long video in one pass (by default a video over a minute is cut into overlapping chunks "
        "analysed on every core)",
    )
    analyze.add_argument("--quiet", action="store_true", help="no progress bar")
    about = analyze.add_argument_group(
        "the session",
        "who and what was filmed; the load and the person's height give each lift the NIOSH lifting index",
    )
    about.add_argument("--person", metavar="NAME", help="who was filmed (kept in the reports)")
    about.add_argument("--task", metavar="NAME", help="the task, e.g. 'crates to shelf'")
    about.add_argument("--load-kg", type=_ranged("a load in kg", 0.1, 200.0), metavar="KG", help="the load lifted")
    about.add_argument(
        "--height-cm", type=_ranged("a height in cm", 100.0, 250.0), metavar="CM", help="the person's height"
    )
    about.add_argument("--coupling", choices=("good", "fair", "poor"), help="the grip on the load (default: fair)")
    about.add_argument(
        "--work-duration",
        choices=("short", "moderate", "long"),
        help="lifting time in the shift: short up to 1 h, moderate 1-2 h, long 2-8 h (default: short)",
    )
    about.add_argument(
        "--lifts-per-min",
        type=_ranged("lifts a minute", 0.01, 20.0),
        metavar="N",
        help="the task's own pace, in place of the video's (a short clip shows how, not how often)",
    )
    analyze.set_defaults(func=cmd_analyze)

    batch = sub.add_parser(
        "batch",
        help="analyse every video under some paths into a results folder, with a team report",
        description=(
            "Analyse every video (mp4, mov, avi, webm, mkv) under PATHs, folders searched recursively, into DIR: "
            "a JSON report, an HTML report and lift thumbnails per video, and team.html / team.csv across all of "
            "them. Videos already done (same content, same settings) are skipped, so an interrupted batch "
            "resumes where it stopped."
        ),
    )
    batch.add_argument("paths", nargs="+", metavar="PATH", help="video files or folders")
    batch.add_argument("--out", required=True, metavar="DIR", help="the results folder (created if needed)")
    batch.add_argument(
        "--manifest",
        metavar="F",
        help="CSV with columns file, person, task, load_kg, height_cm, coupling (good/fair/poor), "
        "duration (short/moderate/long)",
    )
    batch.add_argument("--model", choices=VARIANTS, default=DEFAULT_VARIANT, help="pose model (default: full)")
    batch.add_argument(
        "--max-fps", type=frames_per_second, default=30.0, help="analyse at most this many frames a second (0: all)"
    )
    batch.add_argument("--annotated", action="store_true", help="also write each annotated video (DIR/videos)")
    batch.add_argument("--workers", type=int, default=0, metavar="N", help="worker processes (default: one per core)")
    batch.add_argument(
        "--ray",
        metavar="ADDRESS",
        help='run on a Ray cluster: "auto" (the one running here), "local" (start one for this batch) or its '
        'address; needs pip install "liftcheck[cluster]"',
    )
    batch.add_argument("--history", action="store_true", help="also save each video's results in History")
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    batch.set_defaults(func=cmd_batch)

    samples_parser = sub.add_parser("samples", help="bring the labelled sample clips into sample_videos/")
    from liftcheck.workshop import samples

    samples.add_arguments(samples_parser)
    samples_parser.set_defaults(func=cmd_samples)

    demo = sub.add_parser("demo", help="analyse a synthetic lifter (no camera or video needed)")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--view", type=float, default=60.0, help="camera yaw: 0 front, 90 side (default 60)")
    demo.add_argument("--annotated", metavar="F", help="write the skeleton video as H.264 MP4")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("liftcheck: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
