"""Accuracy against labelled clips: ``python -m liftcheck.evaluate [DIR]``.

Runs the engine, with one set of settings, on every clip listed in ``DIR/labels.json``
and scores it as ``shared/videos/README.md`` says:

- the lift count is right when it lies in the clip's ``rep_count`` range;
- a detected lift matches a labelled one when its bottom time falls inside the
  labelled [start, end] ± 0.3 s; each labelled lift matches at most one detection;
- the style is right when the matched lift's style is one of ``acceptable_styles``;
- a labelled twist of 30° or more is found when a twist of 20° or more is reported
  (in a view that can judge twist) overlapping its [start, end] ± 0.3 s; reported
  twists that overlap no labelled twist are false alarms. Found twists are also counted
  by turning direction (to the person's left or right, read from the label's notes; the
  reported twist must turn the same way) and by the clip's camera view (side or not);
- where a labelled lift gives approximate angles at the bottom (trunk flexion from
  vertical, the knee's interior angle), the matched lift's trunk and knee flexion at the
  bottom are compared with the middle of the labelled range, when the lift's view can
  judge the measure: the absolute error per clip and, over all lifts, its median.

It also prints the lifting equation's inputs per lift (H, V, D and A at the grasp, F, and the
recommended weight limit, RWL), measured with an assumed stature of 175 cm, so a person can
check them against the video; the gym clips' back-to-back lifts make F a pace the equation gives
no load for (RWL 0), so the RWL before F is printed too.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from liftcheck.config import DEFAULT_CONFIG
from liftcheck.frames import Given
from liftcheck.kinematics import Measure
from liftcheck.niosh import NioshResult, TaskInputs
from liftcheck.pipeline import analyze_video
from liftcheck.report import Report, TwistEvent
from liftcheck.workshop.samples import LABELS_FILE, samples_dir

TOLERANCE_S = 0.3
TWIST_LABEL_MIN_DEG = 30.0
# The clips' people are unknown: the lifting equation's scale takes this stature (an adult's, about the
# middle of ISO 7250's surveys). Its inputs scale with it: 10 cm of stature moves H and V by about 6%.
ASSUMED_STATURE_CM = 175.0


@dataclass(frozen=True)
class NioshRow:
    """One lift's lifting equation inputs and limit, as measured (``?`` marks an uncertain input)."""

    lift: int
    applicable: bool
    reason: str
    h_cm: float
    v_cm: float
    d_cm: float
    a_deg: float
    f_per_min: float
    rwl_kg: float
    rwl_before_f_kg: float  # the limit without the frequency multiplier
    uncertain: str  # the letters of the uncertain inputs, e.g. "HF"

    @classmethod
    def of(cls, lift: int, result: NioshResult) -> NioshRow:
        origin, m = result.task.origin, result.origin.multipliers
        flags = {
            "H": origin.h_reliability,
            "V": origin.v_reliability,
            "A": origin.a_reliability,
            "F": result.task.frequency.reliability,
        }
        before_f = result.origin.rwl_kg / m.fm if m.fm > 0 else 23.0 * m.hm * m.vm * m.dm * m.am * m.cm
        return cls(
            lift=lift,
            applicable=result.applicable,
            reason=result.reason,
            h_cm=round(origin.h_cm, 1),
            v_cm=round(origin.v_cm, 1),
            d_cm=round(result.d_cm, 1),
            a_deg=round(origin.a_deg, 1),
            f_per_min=round(result.task.frequency.lifts_per_min, 2),
            rwl_kg=round(result.origin.rwl_kg, 1),
            rwl_before_f_kg=round(before_f, 1),
            uncertain="".join(k for k, flag in flags.items() if not flag.reliable),
        )


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
    twists_labelled: int  # labelled twists of 30° or more
    twists_found: int
    twist_false_alarms: int
    twists_uncertain: int  # reported in a view that cannot judge twist (not counted above)
    seconds: float
    styles: tuple[str, ...]
    side_view: bool = False  # the clip's camera is side-on (its twists are counted apart)
    twists_any_labelled: int = 0  # labelled twists of any size (some have no estimated angle)
    twists_reported: int = 0  # judged twist events
    # Per direction ("left", "right"): labelled twists of 30° or more with that direction, and those found
    # by a reported twist turning the same way.
    twists_labelled_by_dir: dict[str, int] = field(default_factory=dict)
    twists_found_by_dir: dict[str, int] = field(default_factory=dict)
    # Absolute errors (degrees) at the bottom of matched lifts against the labels' approximate angles.
    trunk_errors_deg: tuple[float, ...] = ()
    knee_errors_deg: tuple[float, ...] = ()
    # Labelled twists of 30° or more met by a twist the view marks as low reliability (a side view).
    twists_found_uncertain: int = 0
    # The complete lifts' verdicts, counted ("good", "caution", "poor", "not judged").
    verdicts: dict[str, int] = field(default_factory=dict)
    # The lifting equation per lift the equation could measure, at ASSUMED_STATURE_CM.
    niosh: tuple[NioshRow, ...] = ()
    niosh_not_measured: tuple[tuple[int, str], ...] = ()  # (lift, why)

    @property
    def count_ok(self) -> bool:
        return self.expected_min <= self.detected <= self.expected_max


_DIRECTION = re.compile(r"\bto his (left|right)\b", re.IGNORECASE)


def twist_direction(label_twist: dict) -> str:
    """The way a labelled twist turns the shoulders, for the person ("left", "right", "" if the notes do not say).

    The notes say "to his LEFT/RIGHT"; a golf swing's notes name the backswing (a right-handed golfer's
    shoulders turn to his right, away from the target) and the downswing (to his left).
    """
    notes = str(label_twist.get("notes") or "")
    found = _DIRECTION.search(notes)
    if found:
        return found.group(1).lower()
    if "BACKSWING" in notes:
        return "right"
    if "DOWNSWING" in notes:
        return "left"
    return ""


def _label_range(value: object) -> tuple[float, float] | None:
    """``"~45-50"`` -> (45, 50); None when the label gives no number."""
    numbers = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", str(value or ""))]
    return (min(numbers[:2]), max(numbers[:2])) if numbers else None


def _angle_errors(label: dict, report: Report) -> tuple[list[float], list[float]]:
    """(trunk, knee) absolute errors at the bottom of matched lifts whose view judges the measure."""
    trunk_errors: list[float] = []
    knee_errors: list[float] = []
    used: set[int] = set()
    for lift in report.lifts:
        for j, want in enumerate(label.get("reps", [])):
            if j in used or not (want["start_s"] - TOLERANCE_S <= lift.rep.bottom_s <= want["end_s"] + TOLERANCE_S):
                continue
            used.add(j)
            m = lift.measures
            trunk = _label_range(want.get("approx_trunk_flexion_from_vertical_deg_at_bottom"))
            knee = _label_range(want.get("approx_knee_interior_angle_deg_at_bottom"))
            if trunk and m.reliable(Measure.TRUNK_FLEXION) and math.isfinite(m.trunk_flexion_at_bottom_deg):
                trunk_errors.append(abs(m.trunk_flexion_at_bottom_deg - sum(trunk) / 2))
            if knee and m.reliable(Measure.KNEE_FLEXION) and math.isfinite(m.knee_flexion_at_bottom_deg):
                knee_errors.append(abs(m.knee_flexion_at_bottom_deg - (180.0 - sum(knee) / 2)))
            break
    return trunk_errors, knee_errors


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

    def overlaps(event: TwistEvent, t: dict) -> bool:
        assert event.start_s is not None and event.end_s is not None
        return event.start_s <= t["end_s"] + TOLERANCE_S and event.end_s >= t["start_s"] - TOLERANCE_S

    found = sum(1 for t in big if any(overlaps(e, t) for e in judged))
    false_alarms = sum(1 for e in judged if not any(overlaps(e, t) for t in twists))
    labelled_by_dir: dict[str, int] = {"left": 0, "right": 0}
    found_by_dir: dict[str, int] = {"left": 0, "right": 0}
    for t in big:
        way = twist_direction(t)
        if way:
            labelled_by_dir[way] += 1
            found_by_dir[way] += any(overlaps(e, t) and e.turn_direction == way for e in judged)
    trunk_errors, knee_errors = _angle_errors(label, report)
    uncertain = [e for e in report.twist_events if not e.reliable]
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
        side_view=str(label.get("view", "")).lower().startswith("side"),
        twists_any_labelled=len(twists),
        twists_reported=len(judged),
        twists_labelled_by_dir=labelled_by_dir,
        twists_found_by_dir=found_by_dir,
        trunk_errors_deg=tuple(round(e, 1) for e in trunk_errors),
        knee_errors_deg=tuple(round(e, 1) for e in knee_errors),
        twists_found_uncertain=sum(1 for t in big if any(overlaps(e, t) for e in uncertain)),
        verdicts={k: n for k, n in report.verdict_counts.items() if n},
        niosh=tuple(NioshRow.of(i, r) for i, r in sorted(report.niosh.items()) if isinstance(r, NioshResult)),
        niosh_not_measured=tuple((i, r) for i, r in sorted(report.niosh.items()) if isinstance(r, str)),
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
        report = analyze_video(
            directory / label["file"],
            model=model,
            max_fps=max_fps,
            thumbnails=False,
            given=Given(task_inputs=TaskInputs(stature_cm=ASSUMED_STATURE_CM)),
        )
        score = score_clip(label, report, time.perf_counter() - start)
        scores.append(score)
        if echo:
            print(_row(score), flush=True)
    return scores


HEADER = (
    f"{'clip':50s} {'expect':>6s} {'det':>4s} {'match':>5s} {'extra':>5s} {'miss':>4s} {'style':>6s} "
    f"{'twist':>6s} {'dir':>5s} {'false':>5s} {'trunk':>5s} {'knee':>5s} {'count':>5s} {'sec':>5s}"
)


def _median(values: tuple[float, ...] | list[float]) -> float:
    return statistics.median(values) if values else math.nan


def _row(s: ClipScore) -> str:
    expect = f"{s.expected_min}" if s.expected_min == s.expected_max else f"{s.expected_min}-{s.expected_max}"
    style = f"{s.style_right}/{s.matched}"
    twist = f"{s.twists_found}/{s.twists_labelled}"
    way = f"{sum(s.twists_found_by_dir.values())}/{sum(s.twists_labelled_by_dir.values())}"

    def err(values: tuple[float, ...]) -> str:
        return f"{_median(values):5.1f}" if values else f"{'–':>5s}"

    return (
        f"{s.clip[:50]:50s} {expect:>6s} {s.detected:>4d} {s.matched:>5d} {s.extra:>5d} {s.missed:>4d} {style:>6s} "
        f"{twist:>6s} {way:>5s} {s.twist_false_alarms:>5d} {err(s.trunk_errors_deg)} {err(s.knee_errors_deg)} "
        f"{'ok' if s.count_ok else 'WRONG':>5s} {s.seconds:5.1f}"
    )


def twist_totals(scores: list[ClipScore], *, side_view: bool | None = None) -> tuple[int, int]:
    """(found, labelled) twists of 30° or more, over the clips of one kind of view (None: all)."""
    chosen = [s for s in scores if side_view is None or s.side_view == side_view]
    return sum(s.twists_found for s in chosen), sum(s.twists_labelled for s in chosen)


def summary_lines(scores: list[ClipScore]) -> list[str]:
    total = lambda name: sum(getattr(s, name) for s in scores)  # noqa: E731
    matched = total("matched")
    found_fo, labelled_fo = twist_totals(scores, side_view=False)
    found_side, labelled_side = twist_totals(scores, side_view=True)
    reported = total("twists_reported")
    by_dir = {
        way: (
            sum(s.twists_found_by_dir.get(way, 0) for s in scores),
            sum(s.twists_labelled_by_dir.get(way, 0) for s in scores),
        )
        for way in ("left", "right")
    }
    trunk = [e for s in scores for e in s.trunk_errors_deg]
    knee = [e for s in scores for e in s.knee_errors_deg]
    lines = [
        f"clips with the right count: {sum(s.count_ok for s in scores)}/{len(scores)}",
        f"lifts: labelled {total('labelled')}, detected {total('detected')}, matched {matched}, "
        f"extra {total('extra')}, missed {total('missed')}",
        f"style right: {total('style_right')}/{matched} = {100 * total('style_right') / max(matched, 1):.1f}%",
        f"twists (labelled >= {TWIST_LABEL_MIN_DEG:.0f} deg) found: "
        f"{total('twists_found')}/{total('twists_labelled')}, "
        f"false alarms {total('twist_false_alarms')} of {reported} reported, reported in views that cannot judge "
        f"twist {total('twists_uncertain')}",
        f"  in front and oblique views: {found_fo}/{labelled_fo}; side views: {found_side}/{labelled_side} "
        f"(and {sum(s.twists_found_uncertain for s in scores if s.side_view)}/{labelled_side} reported there "
        "with low reliability, not counted)",
        "  found turning the same way: "
        + ", ".join(f"to the {way} {found}/{labelled}" for way, (found, labelled) in by_dir.items()),
        f"angles at the bottom against the labels (median absolute error, views that judge them): "
        f"trunk {_median(trunk):.1f} deg over {len(trunk)} lifts, knee {_median(knee):.1f} deg over {len(knee)} lifts",
    ]
    return lines


def niosh_lines(scores: list[ClipScore]) -> list[str]:
    """The lifting equation's inputs per lift, a line each, to check against the videos."""
    lines = [
        f"lifting equation at the grasp per lift (stature taken as {ASSUMED_STATURE_CM:.0f} cm; ? = uncertain):",
        f"  {'clip':44s} {'lift':>4s} {'H cm':>5s} {'V cm':>5s} {'D cm':>5s} {'A deg':>5s} {'F/min':>6s} "
        f"{'RWL kg':>6s} {'w/o F':>6s}  note",
    ]
    for s in scores:
        for r in s.niosh:
            mark = {letter: "?" if letter in r.uncertain else " " for letter in "HVAF"}
            note = "" if r.applicable else f"not applicable: {r.reason}"
            lines.append(
                f"  {s.clip[:44]:44s} {r.lift:>4d} {r.h_cm:>4.0f}{mark['H']} {r.v_cm:>4.0f}{mark['V']} "
                f"{r.d_cm:>5.0f} {r.a_deg:>4.0f}{mark['A']} {r.f_per_min:>5.1f}{mark['F']} {r.rwl_kg:>6.1f} "
                f"{r.rwl_before_f_kg:>6.1f}  {note}"
            )
        for lift, why in s.niosh_not_measured:
            lines.append(f"  {s.clip[:44]:44s} {lift:>4d}  not measured: {why}")
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
    print()
    for line in niosh_lines(scores):
        print(line)
    if args.json:
        args.json.write_text(json.dumps([asdict(s) for s in scores], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
