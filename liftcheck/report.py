"""The session report: one row per lift, a session summary, and JSON / CSV forms.

Pure: numpy and the standard library only. ``Report.to_dict()`` is the one canonical
form: the CLI, the app (fresh or from History) and the HTML export all read it.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from liftcheck import __version__
from liftcheck.config import DEFAULT_CONFIG, RuleConfig
from liftcheck.guidance import ARTICLES, CUES
from liftcheck.kinematics import RELIABLE_IN_VIEW, Angles, Measure, View, most_common_view
from liftcheck.rules import Finding, RepVerdict, Severity, Verdict

SCHEMA_VERSION = 1

CSV_COLUMNS = (
    "lift",
    "start_s",
    "bottom_s",
    "end_s",
    "duration_s",
    "partial",
    "style",
    "stoop_squat_index",
    "peak_trunk_flexion_deg",
    "knee_flexion_at_bottom_deg",
    "hip_flexion_at_bottom_deg",
    "peak_twist_deg",
    "peak_side_bend_deg",
    "peak_trunk_speed_deg_s",
    "view",
    "reba_trunk",
    "reba_legs",
    "verdict",
    "findings",
    "cue",
)


@dataclass(frozen=True)
class TwistEvent:
    """A stretch of time with the shoulders turned against the hips past the warning angle."""

    start_s: float
    peak_s: float
    end_s: float
    peak_deg: float  # signed: positive = shoulders turned toward the person's left
    bent: bool  # the trunk was flexed past the neutral band at the peak
    in_lift: int | None  # the lift it happened in, if any
    reliable: bool  # the camera view can judge twist

    def as_dict(self) -> dict[str, object]:
        return {
            "start_s": round(self.start_s, 3),
            "peak_s": round(self.peak_s, 3),
            "end_s": round(self.end_s, 3),
            "peak_deg": round(self.peak_deg, 1),
            "bent": self.bent,
            "in_lift": self.in_lift,
            "reliable": self.reliable,
        }


def find_twist_events(
    angles: Sequence[Angles], lifts: Sequence[RepVerdict] = (), config: RuleConfig = DEFAULT_CONFIG.rules
) -> list[TwistEvent]:
    """Every twist of at least the warning angle that lasts ``twist_event_min_s``, in time order."""
    events: list[TwistEvent] = []
    run: list[Angles] = []

    def close() -> None:
        if run and run[-1].t_s - run[0].t_s >= config.twist_event_min_s:
            peak = max(run, key=lambda a: abs(a.trunk_twist_deg))
            in_lift = next((v.rep.index for v in lifts if v.rep.start_s <= peak.t_s <= v.rep.end_s), None)
            views = [a.view for a in run]
            view = most_common_view(views)
            events.append(
                TwistEvent(
                    start_s=run[0].t_s,
                    peak_s=peak.t_s,
                    end_s=run[-1].t_s,
                    peak_deg=peak.trunk_twist_deg,
                    bent=bool(peak.trunk_flexion_deg >= config.bent_trunk_deg),
                    in_lift=in_lift,
                    reliable=Measure.TRUNK_TWIST in RELIABLE_IN_VIEW[view],
                )
            )
        run.clear()

    for a in angles:
        twisting = a.seen and math.isfinite(a.trunk_twist_deg) and abs(a.trunk_twist_deg) >= config.twist_warn_deg
        same_side = not run or np.sign(a.trunk_twist_deg) == np.sign(run[0].trunk_twist_deg)
        if twisting and same_side:
            run.append(a)
        else:
            close()
            if twisting:
                run.append(a)
    close()
    return events


def frequency_finding(
    lifts: Sequence[RepVerdict], duration_s: float, config: RuleConfig = DEFAULT_CONFIG.rules
) -> tuple[float, Finding | None]:
    """Lifts per minute over the session, and a finding when that is high.

    A rate is only judged over at least a minute of video: ten deadlifts in a 20-second
    gym clip are a set, not a working pace.
    """
    if not lifts or duration_s <= 0:
        return math.nan, None
    per_minute = len(lifts) / duration_s * 60.0
    if duration_s < config.frequency_min_session_s or per_minute < config.lifts_per_minute_warn:
        return per_minute, None
    severe = per_minute >= config.lifts_per_minute_severe
    cue = CUES["frequency"]
    return per_minute, Finding(
        rule_id="lift_frequency",
        title="Many lifts a minute",
        value=per_minute,
        unit="lifts/min",
        threshold=config.lifts_per_minute_severe if severe else config.lifts_per_minute_warn,
        severity=Severity.POOR if severe else Severity.CAUTION,
        cue=cue.short,
        advice=cue.advice,
        articles=cue.articles,
        standard="NIOSH lifting equation: the frequency multiplier falls quickly past a few lifts a minute",
    )


def _num(value: float, digits: int = 1) -> float | None:
    return round(float(value), digits) if value is not None and math.isfinite(value) else None


@dataclass(frozen=True, eq=False)
class Report:
    """Everything an analysis found. Build with ``build_report``; read with ``to_dict``."""

    source: str
    duration_s: float
    frames_analysed: int
    frames_with_person: int
    settings: dict[str, object]
    lifts: tuple[RepVerdict, ...]
    twist_events: tuple[TwistEvent, ...]
    lifts_per_minute: float
    session_findings: tuple[Finding, ...]
    view: View
    timeline: dict[str, np.ndarray]  # t_s and per-frame angles, each (frames,)
    warnings: tuple[str, ...] = field(default_factory=tuple)
    thumbnails: dict[int, bytes] = field(default_factory=dict)  # lift index -> JPEG of its worst moment

    # -- summary

    @property
    def verdict_counts(self) -> dict[str, int]:
        counts = Counter(v.verdict.value for v in self.lifts)
        return {v.value: counts.get(v.value, 0) for v in Verdict}

    @property
    def style_counts(self) -> dict[str, int]:
        return dict(Counter(v.measures.style.value for v in self.lifts))

    @property
    def worst_lift(self) -> RepVerdict | None:
        if not self.lifts:
            return None
        return max(
            self.lifts,
            key=lambda v: (
                {"good": 0, "caution": 1, "poor": 2}[v.verdict.value],
                np.nan_to_num(v.measures.peak_trunk_flexion_deg),
            ),
        )

    def advice(self) -> list[dict[str, object]]:
        """The distinct things to change, most important first (most severe, then most frequent)."""
        tally: dict[str, list[Finding]] = {}
        for v in self.lifts:
            for f in v.findings:
                if f.severity.rank > 0:
                    tally.setdefault(f.rule_id, []).append(f)
        for f in self.session_findings:
            tally.setdefault(f.rule_id, []).append(f)
        ranked = sorted(tally.values(), key=lambda fs: (max(f.severity.rank for f in fs), len(fs)), reverse=True)
        advice = []
        for fs in ranked:
            # Speak with the most severe instance: "keep your chest up", not the moderate cue.
            worst = max(fs, key=lambda f: f.severity.rank)
            advice.append(
                {
                    "rule_id": worst.rule_id,
                    "cue": worst.cue,
                    "advice": worst.advice,
                    "lifts": len(fs),
                    "severity": worst.severity.value,
                    "articles": [ARTICLES[a].citation for a in worst.articles],
                }
            )
        return advice

    def headline(self) -> str:
        n = len(self.lifts)
        if n == 0:
            return "No lifts found: stand in full view, bend down to the load and stand back up."
        counts = self.verdict_counts
        parts = f"{n} lift{'s' if n != 1 else ''}: {counts['good']} good, {counts['caution']} caution, "
        parts += f"{counts['poor']} poor."
        advice = self.advice()
        first = f" First thing to change: {str(advice[0]['cue']).lower()}." if advice else " Keep lifting like this."
        return parts + first

    # -- serialisation

    def to_dict(self, *, timeline: bool = True) -> dict[str, object]:
        worst = self.worst_lift
        data: dict[str, object] = {
            "schema_version": SCHEMA_VERSION,
            "liftcheck_version": __version__,
            "source": self.source,
            "duration_s": _num(self.duration_s, 3),
            "frames_analysed": self.frames_analysed,
            "frames_with_person": self.frames_with_person,
            "settings": self.settings,
            "view": self.view.value,
            "summary": {
                "lift_count": len(self.lifts),
                "partial_lifts": sum(1 for v in self.lifts if v.rep.partial),
                "styles": self.style_counts,
                "verdicts": self.verdict_counts,
                "worst_lift": worst.rep.index if worst else None,
                "lifts_per_minute": _num(self.lifts_per_minute),
                "headline": self.headline(),
                "advice": self.advice(),
                "twist_events": len(self.twist_events),
            },
            "lifts": [lift_row(v) for v in self.lifts],
            "session_findings": [f.as_dict() for f in self.session_findings],
            "twist_events": [e.as_dict() for e in self.twist_events],
            "warnings": list(self.warnings),
            "articles": {
                a.id: {"title": a.title, "publisher": a.publisher, "point": a.point} for a in ARTICLES.values()
            },
            "disclaimer": "Guidance on lifting technique, not a diagnosis or a medical device. "
            "The video was analysed on this machine and did not leave it.",
        }
        if timeline:
            data["timeline"] = {k: [_num(x, 2) for x in v.tolist()] for k, v in self.timeline.items()}
        return data

    def to_json(self, *, timeline: bool = True) -> str:
        return json.dumps(self.to_dict(timeline=timeline), indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        return rows_to_csv(self.to_dict(timeline=False)["lifts"])  # type: ignore[arg-type]


def lift_row(v: RepVerdict) -> dict[str, object]:
    """One lift as a flat-ish record (the JSON ``lifts`` entry; CSV flattens ``findings``)."""
    m = v.measures
    return {
        "lift": v.rep.index,
        "start_s": _num(v.rep.start_s, 2),
        "bottom_s": _num(v.rep.bottom_s, 2),
        "end_s": _num(v.rep.end_s, 2),
        "duration_s": _num(v.rep.duration_s, 2),
        "partial": v.rep.cut_off or "",
        "style": m.style.value,
        "stoop_squat_index": _num(m.stoop_squat_index, 0),
        "peak_trunk_flexion_deg": _num(m.peak_trunk_flexion_deg),
        "knee_flexion_at_bottom_deg": _num(m.knee_flexion_at_bottom_deg),
        "hip_flexion_at_bottom_deg": _num(m.hip_flexion_at_bottom_deg),
        "peak_twist_deg": _num(m.peak_twist_deg),
        "peak_side_bend_deg": _num(m.peak_side_bend_deg),
        "peak_trunk_speed_deg_s": _num(m.peak_trunk_speed_deg_s, 0),
        "depth": _num(m.depth, 2),
        "view": m.view.value,
        "reba_trunk": v.reba_trunk,
        "reba_legs": v.reba_legs,
        "verdict": v.verdict.value,
        "cue": v.cue,
        "findings": [f.as_dict() for f in v.findings],
    }


def rows_to_csv(rows: Sequence[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        flat = dict(row)
        findings: list[dict[str, object]] = row.get("findings") or []  # type: ignore[assignment]
        flat["findings"] = "; ".join(
            f"{f['rule_id']}={f['value']}{'' if f['reliable'] else '(uncertain)'}:{f['severity']}" for f in findings
        )
        writer.writerow({k: ("" if flat.get(k) is None else flat.get(k)) for k in CSV_COLUMNS})
    return out.getvalue()


TIMELINE_FIELDS = (
    "t_s",
    "trunk_flexion_deg",
    "knee_flexion_deg",
    "hip_flexion_deg",
    "trunk_twist_deg",
    "side_bend_deg",
    "lowering",
)


def build_report(
    source: str,
    angles: Sequence[Angles],
    lifts: Sequence[RepVerdict],
    *,
    duration_s: float,
    settings: dict[str, object],
    warnings: Sequence[str] = (),
    thumbnails: dict[int, bytes] | None = None,
    config: RuleConfig = DEFAULT_CONFIG.rules,
) -> Report:
    """Assemble the report from the per-frame angles and the judged lifts."""
    per_minute, freq = frequency_finding(lifts, duration_s, config)
    views: list[View] = [a.view for a in angles if a.seen and a.view is not View.UNKNOWN]
    view = most_common_view(views)
    timeline = {name: np.array([getattr(a, name) for a in angles], dtype=float) for name in TIMELINE_FIELDS}
    seen = sum(1 for a in angles if a.seen)
    notes = list(warnings)
    if angles and seen == 0:
        notes.append("Nobody was found in the video: make sure the whole body is in the picture and well lit.")
    elif angles and seen < 0.5 * len(angles):
        notes.append(
            f"The person was seen in only {100 * seen / len(angles):.0f}% of the frames; lifts out of view are missed."
        )
    return Report(
        source=source,
        duration_s=duration_s,
        frames_analysed=len(angles),
        frames_with_person=seen,
        settings=dict(settings),
        lifts=tuple(lifts),
        twist_events=tuple(find_twist_events(angles, lifts, config)),
        lifts_per_minute=per_minute,
        session_findings=(freq,) if freq else (),
        view=view,
        timeline=timeline,
        warnings=tuple(notes),
        thumbnails=dict(thumbnails or {}),
    )
