"""Accuracy against labelled clips: ``python -m liftcheck.evaluate [DIR]``.

Runs the engine, with one set of settings, on every clip listed in ``DIR/labels.json``
and scores it as ``shared/videos/README.md`` says:

- the lift count is right when it lies in the clip's ``rep_count`` range;
- a detected lift matches a labelled one when its bottom time falls inside the
  labelled [start, end] ± 0.3 s; each labelled lift matches at most one detection;
- the style is right when the matched lift's style is one of ``acceptable_styles``;
- a labelled twist of 30° or more is found when a twist of 20° or more is reported
  (in a view that can judge twist) overlapping its [start, end] ± 0.3 s; reported
  twists that overlap no labelled twist are false alarms.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from liftcheck.config import DEFAULT_CONFIG
from liftcheck.pipeline import analyze_video
from liftcheck.report import Report
from liftcheck.workshop.samples import LABELS_FILE, samples_dir

TOLERANCE_S = 0.3
TWIST_LABEL_MIN_DEG = 30.0


@dataclass(frozen=True)
class ClipScore:
    clip: str
    expected_min: int
    expected_max: int
    detected: int
    labelled: int
    matched: int
    extra: int
    missed: int
    style_right: int
    twists_labelled: int
    twists_found: int
    twist_false_alarms: int
    twists_uncertain: int  # reported in a view that cannot judge twist (not counted above)
    seconds: float
    styles: tuple[str, ...]

    @property
    def count_ok(self) -> bool:
        return self.expected_min <= self.detected <= self.expected_max


def score_clip(label: dict, report: Report, seconds: float = 0.0) -> ClipScore:
    """Score one report against one clip's labels."""
    reps = label.get("reps", [])
    used: set[int] = set()
    matched = style_right = 0
    styles = []
    for lift in report.lifts:
        styles.append(lift.measures.style.value)
        for j, want in enumerate(reps):
            if j in used:
                continue
            if want["start_s"] - TOLERANCE_S <= lift.rep.bottom_s <= want["end_s"] + TOLERANCE_S:
                used.add(j)
                matched += 1
                style_right += lift.measures.style.value in want["acceptable_styles"]
                break
    judged = [e for e in report.twist_events if e.reliable]
    twists = label.get("twists", [])
    big = [t for t in twists if (t.get("approx_peak_twist_deg") or 0) >= TWIST_LABEL_MIN_DEG]

    def overlaps(event, t) -> bool:  # type: ignore[no-untyped-def]
        return event.start_s <= t["end_s"] + TOLERANCE_S and event.end_s >= t["start_s"] - TOLERANCE_S

    found = sum(1 for t in big if any(overlaps(e, t) for e in judged))
    false_alarms = sum(1 for e in judged if not any(overlaps(e, t) for t in twists))
    return ClipScore(
        clip=label["file"],
        expected_min=int(label["rep_count"]["min"]),
        expected_max=int(label["rep_count"]["max"]),
        detected=len(report.lifts),
        labelled=len(reps),
        matched=matched,
        extra=len(report.lifts) - matched,
        missed=len(reps) - matched,
        style_right=style_right,
        twists_labelled=len(big),
        twists_found=found,
        twist_false_alarms=false_alarms,
        twists_uncertain=sum(1 for e in report.twist_events if not e.reliable),
        seconds=seconds,
        styles=tuple(styles),
    )


def evaluate_dir(
    directory: Path,
    *,
    model: str = "full",
    max_fps: float | None = DEFAULT_CONFIG.max_analysis_fps,
    only: list[str] | None = None,
    echo: bool = False,
) -> list[ClipScore]:
    labels = json.loads((directory / "labels.json").read_text())
    scores = []
    for label in labels:
        if only and label["file"] not in only:
            continue
        start = time.perf_counter()
        report = analyze_video(directory / label["file"], model=model, max_fps=max_fps, thumbnails=False)
        score = score_clip(label, report, time.perf_counter() - start)
        scores.append(score)
        if echo:
            print(_row(score), flush=True)
    return scores


HEADER = (
    f"{'clip':50s} {'expect':>6s} {'det':>4s} {'match':>5s} {'extra':>5s} {'miss':>4s} {'style':>6s} "
    f"{'twist':>6s} {'false':>5s} {'count':>5s} {'sec':>5s}"
)


def _row(s: ClipScore) -> str:
    expect = f"{s.expected_min}" if s.expected_min == s.expected_max else f"{s.expected_min}-{s.expected_max}"
    style = f"{s.style_right}/{s.matched}"
    twist = f"{s.twists_found}/{s.twists_labelled}"
    return (
        f"{s.clip[:50]:50s} {expect:>6s} {s.detected:>4d} {s.matched:>5d} {s.extra:>5d} {s.missed:>4d} {style:>6s} "
        f"{twist:>6s} {s.twist_false_alarms:>5d} {'ok' if s.count_ok else 'WRONG':>5s} {s.seconds:5.1f}"
    )


def summary_lines(scores: list[ClipScore]) -> list[str]:
    total = lambda name: sum(getattr(s, name) for s in scores)  # noqa: E731
    matched = total("matched")
    lines = [
        f"clips with the right count: {sum(s.count_ok for s in scores)}/{len(scores)}",
        f"lifts: labelled {total('labelled')}, detected {total('detected')}, matched {matched}, "
        f"extra {total('extra')}, missed {total('missed')}",
        f"style right: {total('style_right')}/{matched} = {100 * total('style_right') / max(matched, 1):.1f}%",
        f"twists (labelled >= {TWIST_LABEL_MIN_DEG:.0f} deg) found: "
        f"{total('twists_found')}/{total('twists_labelled')}, "
        f"false alarms {total('twist_false_alarms')}, reported in views that cannot judge twist "
        f"{total('twists_uncertain')}",
    ]
    return lines


def default_dir() -> Path | None:
    return samples_dir(containing=LABELS_FILE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m liftcheck.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, help="folder with the clips and labels.json")
    parser.add_argument("--model", default="full", choices=("lite", "full", "heavy"))
    parser.add_argument("--max-fps", type=float, default=DEFAULT_CONFIG.max_analysis_fps, help="0 = every frame")
    parser.add_argument("--json", type=Path, help="also write the scores as JSON here")
    parser.add_argument("--only", nargs="*", help="only these clip file names")
    args = parser.parse_args(argv)
    directory = args.directory or default_dir()
    if directory is None or not (directory / "labels.json").is_file():
        print(
            "No labelled clips found: pass a folder holding labels.json, or set LIFTCHECK_SAMPLES_DIR.", file=sys.stderr
        )
        return 2
    print(f"model {args.model}, at most {args.max_fps or 'all'} frames/s, clips in {directory}")
    print(HEADER)
    scores = evaluate_dir(directory, model=args.model, max_fps=args.max_fps or None, only=args.only, echo=True)
    print("-" * len(HEADER))
    for line in summary_lines(scores):
        print(line)
    if args.json:
        args.json.write_text(json.dumps([asdict(s) for s in scores], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
