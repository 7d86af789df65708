"""The team report: every video of a results folder on one HTML page and in one CSV.

Pure apart from ``write_team_report``, which reads the folder's index and reports and writes
``team.html`` and ``team.csv`` beside them. The page groups the lifts by task and by person (from
the manifest): how many lifts, the share judged poor, the most common fault, the twists seen, the
worst lifts with their thumbnails, and the NIOSH lifting index where the manifest gave the load and
the report carries one ("—" otherwise); then every video with a link to its own report. It uses
the printable report's stylesheet, links the thumbnails and reports by relative paths, and loads
nothing from outside the folder, so it opens from the file system with no network. Every name
from a manifest or a file is HTML-escaped.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from liftcheck.batch.results import DONE, FAILED, Index, VideoRecord, now_utc, write_atomically
from liftcheck.html_report import CSS
from liftcheck.presentation import (
    DISCLAIMER,
    NO_LOAD_WORDS,
    PRIVACY_LINE,
    SEE_A_PROFESSIONAL,
    STYLE_LABEL,
    VERDICT_LABEL,
    recommends_no_load,
)

# How many of a group's worst lifts the page shows, with their thumbnails.
WORST_SHOWN = 3
NOT_GIVEN = "—"
# A lifting index of infinity: the equation recommends no load at all (a limit of 0 kg), worse than any index.
NO_LOAD = math.inf
VERDICT_RANK = {"good": 0, "caution": 1, "poor": 2}
FAULT_SEVERITIES = ("caution", "poor")

TEAM_CSS = """
.team td.thumb img { width: 120px; height: auto; border-radius: 4px; border: 1px solid var(--line); }
.team .worst { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 12px; }
.team .worst figure { border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
.team .worst figcaption { overflow-wrap: anywhere; }
/* A long file name wraps inside its cell instead of pushing the table past the page. */
.team th[scope='row'] { overflow-wrap: anywhere; min-width: 8em; }
.team .worst img { width: 100%; height: auto; border-radius: 4px; }
.team .failed li { margin-bottom: 4px; }
.team h3 { margin: 18px 0 8px; }
"""

CSV_COLUMNS = (
    *("file", "person", "task", "load_kg", "height_cm", "coupling", "duration", "lifts_per_min", "lift", "start_s"),
    "bottom_s",
    *("end_s", "style", "verdict", "peak_trunk_flexion_deg", "knee_flexion_at_bottom_deg", "peak_twist_deg"),
    *("peak_side_bend_deg", "main_fault", "niosh_li", "niosh_rwl_kg", "niosh_band", "report"),
)


@dataclass(frozen=True)
class TeamLift:
    """One lift of one video, with what the team report needs of its video."""

    video: TeamVideo
    row: Mapping[str, Any]  # the report's lift entry

    @property
    def number(self) -> int:
        return int(self.row.get("lift") or 0)

    @property
    def verdict(self) -> str:
        return str(self.row.get("verdict") or "")

    def rank(self) -> tuple[int, float]:
        """Worst first: the verdict, then the trunk's forward bend (as the report picks its worst lift)."""
        flexion = self.row.get("peak_trunk_flexion_deg")
        return VERDICT_RANK.get(self.verdict, -1), float(flexion) if isinstance(flexion, (int, float)) else 0.0

    def faults(self) -> list[tuple[str, str]]:
        """(rule id, title) of each finding at caution or worse."""
        return [
            (str(f.get("rule_id") or ""), str(f.get("title") or f.get("rule_id") or ""))
            for f in self.row.get("findings") or ()
            if isinstance(f, Mapping) and f.get("severity") in FAULT_SEVERITIES
        ]

    def niosh(self) -> Mapping[str, Any]:
        value = self.row.get("niosh")
        return value if isinstance(value, Mapping) else {}


@dataclass(frozen=True)
class TeamVideo:
    """A done video: its record in the index and its report (the dict ``liftcheck analyze --json`` writes)."""

    record: VideoRecord
    report: Mapping[str, Any] = field(default_factory=dict)

    @property
    def person(self) -> str:
        return str((self.record.manifest or {}).get("person") or "")

    @property
    def task(self) -> str:
        return str((self.record.manifest or {}).get("task") or "")

    @property
    def load_kg(self) -> float | None:
        value = (self.record.manifest or {}).get("load_kg")
        return float(value) if isinstance(value, (int, float)) else None

    def lifts(self) -> list[TeamLift]:
        return [TeamLift(self, row) for row in self.report.get("lifts") or () if isinstance(row, Mapping)]

    def twist_events(self) -> int:
        events = self.report.get("twist_events")
        return len(events) if isinstance(events, list) else 0

    def task_li(self) -> float | None:
        """The NIOSH lifting index of the video's task: only with a load from the manifest and an LI in the report.

        ``NO_LOAD`` (infinity) when the equation recommends no load at all for the task's hardest lift.
        """
        if self.load_kg is None:
            return None
        summary = self.report.get("summary")
        niosh = summary.get("niosh") if isinstance(summary, Mapping) else None
        return _index(niosh.get("task_li"), niosh) if isinstance(niosh, Mapping) else None

    def lift_li(self, lift: TeamLift) -> float | None:
        """The lift's lifting index (``NO_LOAD`` for a limit of 0 kg), with a load from the manifest."""
        if self.load_kg is None:
            return None
        niosh = lift.niosh()
        return _index(niosh.get("li"), niosh)


def _index(value: object, niosh: Mapping[str, Any]) -> float | None:
    """An LI from a report (``task_li`` or a lift's ``li``), or ``NO_LOAD`` where it is None for a limit of 0 kg."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return NO_LOAD if recommends_no_load(niosh) else None


@dataclass(frozen=True)
class Group:
    """The videos of one task or one person, and what the page says of them."""

    name: str
    videos: tuple[TeamVideo, ...]

    def lifts(self) -> list[TeamLift]:
        return [lift for video in self.videos for lift in video.lifts()]

    def share_poor(self) -> float | None:
        lifts = self.lifts()
        return sum(1 for lift in lifts if lift.verdict == "poor") / len(lifts) if lifts else None

    def most_common_fault(self) -> tuple[str, int] | None:
        """The title of the fault found in most lifts, and in how many."""
        counts: Counter[str] = Counter()
        titles: dict[str, str] = {}
        for lift in self.lifts():
            for rule, title in dict(lift.faults()).items():
                counts[rule] += 1
                titles[rule] = title
        if not counts:
            return None
        rule, n = max(counts.items(), key=lambda item: (item[1], item[0]))
        return titles[rule], n

    def twist_events(self) -> int:
        return sum(video.twist_events() for video in self.videos)

    def worst(self, n: int = WORST_SHOWN) -> list[TeamLift]:
        bad = [lift for lift in self.lifts() if lift.verdict in FAULT_SEVERITIES]
        return sorted(bad, key=lambda lift: lift.rank(), reverse=True)[:n]

    def highest_li(self) -> float | None:
        values = [li for video in self.videos if (li := video.task_li()) is not None]
        return max(values) if values else None


def groups_by(videos: Sequence[TeamVideo], attribute: str, unnamed: str) -> list[Group]:
    """The videos grouped by ``attribute`` ("task" or "person"), named groups first in name order."""
    grouped: dict[str, list[TeamVideo]] = {}
    for video in videos:
        grouped.setdefault(getattr(video, attribute) or "", []).append(video)
    names = sorted(grouped, key=lambda name: (name == "", name.lower()))
    return [Group(name or unnamed, tuple(grouped[name])) for name in names]


# -- rendering


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _href(relative: str | None, anchor: str = "") -> str:
    """A link to a file of the results folder, from the team page beside it."""
    return _e(quote(relative or "", safe="/") + (f"#{anchor}" if anchor else ""))


def _pct(value: float | None) -> str:
    return NOT_GIVEN if value is None else f"{100 * value:.0f}%"


def _li(value: float | None) -> str:
    if value is None:
        return NOT_GIVEN
    return NO_LOAD_WORDS if value == NO_LOAD else f"{value:.2f}"


def _fault(group: Group) -> str:
    fault = group.most_common_fault()
    return NOT_GIVEN if fault is None else f"{_e(fault[0])} ({fault[1]})"


def _verdict_counts(lifts: Iterable[TeamLift]) -> str:
    counts = Counter(lift.verdict for lift in lifts)
    return " / ".join(f"{counts.get(v, 0)}" for v in ("good", "caution", "poor"))


def _group_table(title: str, groups: Sequence[Group]) -> str:
    head = (
        f"<h2>By {_e(title)}</h2><table><thead><tr><th>{_e(title.capitalize())}</th><th class='num'>Videos</th>"
        "<th class='num'>Lifts</th><th class='num'>Good / caution / poor</th><th class='num'>Poor</th>"
        "<th>Most common fault (lifts)</th><th class='num'>Twists</th><th class='num'>NIOSH LI (highest)</th>"
        "</tr></thead><tbody>"
    )
    rows = []
    for group in groups:
        lifts = group.lifts()
        rows.append(
            f"<tr><th scope='row'>{_e(group.name)}</th><td class='num'>{len(group.videos)}</td>"
            f"<td class='num'>{len(lifts)}</td><td class='num'>{_verdict_counts(lifts)}</td>"
            f"<td class='num'>{_pct(group.share_poor())}</td><td>{_fault(group)}</td>"
            f"<td class='num'>{group.twist_events()}</td><td class='num'>{_li(group.highest_li())}</td></tr>"
        )
    worst = []
    for group in groups:
        shown = group.worst()
        if not shown:
            continue
        worst.append(f"<h3>{_e(title.capitalize())}: {_e(group.name)}, the worst lifts</h3><div class='worst'>")
        worst.extend(_worst_lift(lift) for lift in shown)
        worst.append("</div>")
    return head + "".join(rows) + "</tbody></table>" + "".join(worst)


def _worst_lift(lift: TeamLift) -> str:
    video = lift.video
    record = video.record
    n = lift.number
    style = STYLE_LABEL.get(str(lift.row.get("style")), str(lift.row.get("style") or ""))
    verdict = VERDICT_LABEL.get(lift.verdict, lift.verdict)
    start = lift.row.get("start_s")
    when = f" at {start:.1f} s" if isinstance(start, (int, float)) else ""
    thumb = record.outputs.thumbnails.get(n)
    image = (
        f"<a href='{_href(record.outputs.html, f'lift-{n}')}'><img src='{_href(thumb)}' "
        f"alt='{_e(f'Lift {n} of {record.name} at its deepest bend')}'></a>"
        if thumb
        else ""
    )
    li = video.lift_li(lift)
    niosh = ""
    if li is not None:
        niosh = " NIOSH: no load recommended (limit 0 kg)." if li == NO_LOAD else f" NIOSH LI {_li(li)}."
    cue = str(lift.row.get("cue") or "")
    return (
        f"<figure>{image}<figcaption><a href='{_href(record.outputs.html, f'lift-{n}')}'>{_e(record.name)}, "
        f"lift {n}</a>{_e(when)}: {_e(style)}, <strong>{_e(verdict)}</strong>.{_e(niosh)} {_e(cue)}"
        "</figcaption></figure>"
    )


def _videos_table(videos: Sequence[TeamVideo]) -> str:
    rows = []
    for video in videos:
        record = video.record
        lifts = video.lifts()
        group = Group(record.name, (video,))
        rows.append(
            f"<tr><th scope='row'><a href='{_href(record.outputs.html)}'>{_e(record.name)}</a></th>"
            f"<td>{_e(video.person or NOT_GIVEN)}</td><td>{_e(video.task or NOT_GIVEN)}</td>"
            f"<td class='num'>{len(lifts)}</td><td class='num'>{_verdict_counts(lifts)}</td>"
            f"<td>{_fault(group)}</td><td class='num'>{video.twist_events()}</td>"
            f"<td class='num'>{_li(video.task_li())}</td>"
            f"<td><a href='{_href(record.outputs.report)}'>JSON</a>"
            + (f" · <a href='{_href(record.outputs.annotated)}'>video</a>" if record.outputs.annotated else "")
            + "</td></tr>"
        )
    return (
        "<h2>Every video</h2><table><thead><tr><th>Video</th><th>Person</th><th>Task</th><th class='num'>Lifts</th>"
        "<th class='num'>Good / caution / poor</th><th>Most common fault (lifts)</th><th class='num'>Twists</th>"
        "<th class='num'>NIOSH LI</th><th>Files</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def render_team_html(videos: Sequence[TeamVideo], failed: Sequence[VideoRecord] = (), *, generated: str = "") -> str:
    """The team page, one self-contained HTML document (a ``str`` to write as UTF-8)."""
    everyone = Group("all", tuple(videos))
    lifts = everyone.lifts()
    highest = everyone.highest_li()
    if highest == NO_LOAD:
        niosh_card = "<li class='poor'><span class='n'>0 kg</span> a task's NIOSH limit: no load recommended</li>"
    else:
        niosh_card = f"<li><span class='n'>{_e(_li(highest))}</span> highest NIOSH LI</li>"
    body = [
        "<header><h1>Team lifting report</h1>",
        f"<p class='meta'>{len(videos)} video{'s' if len(videos) != 1 else ''} analysed"
        + (f", {len(failed)} failed" if failed else "")
        + (f"; made {_e(generated)}" if generated else "")
        + "</p></header>",
        "<ul class='stats'>"
        f"<li><span class='n'>{len(lifts)}</span> lifts</li>"
        f"<li class='poor'><span class='n'>{_pct(everyone.share_poor())}</span> judged poor</li>"
        f"<li><span class='n'>{everyone.twist_events()}</span> twists</li>"
        f"{niosh_card}</ul>",
        f"<p>Most common fault: <strong>{_fault(everyone)}</strong>. The NIOSH lifting index is shown where the "
        f"manifest gave the load and the analysis could estimate the lift's geometry; {NOT_GIVEN} otherwise. "
        f"<em>{NO_LOAD_WORDS}</em>: for that lift the equation recommends no load at all (a pace, reach, height, "
        "travel or turn beyond its range), which is worse than any index; the video's report says why.</p>",
        _group_table("task", groups_by(videos, "task", "(no task given)")),
        _group_table("person", groups_by(videos, "person", "(no person given)")),
        _videos_table(videos),
    ]
    if failed:
        body.append("<h2>Videos that could not be analysed</h2><ul class='failed'>")
        body.extend(f"<li><strong>{_e(r.name)}</strong>: {_e(r.reason)}</li>" for r in failed)
        body.append("</ul>")
    body.append(
        f"<footer><p class='privacy'>{_e(PRIVACY_LINE)}</p>"
        f"<p class='disclaimer'>{_e(DISCLAIMER)} {_e(SEE_A_PROFESSIONAL)}</p></footer>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Team lifting report</title><style>{CSS}{TEAM_CSS}</style></head>"
        f"<body><main class='team'>{''.join(body)}</main></body></html>\n"
    )


def team_csv(videos: Sequence[TeamVideo]) -> str:
    """One line per lift across every video (a video without lifts gets one line with no lift), ``CSV_COLUMNS``."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for video in videos:
        manifest = video.record.manifest or {}
        base: dict[str, object] = {
            "file": video.record.files[0] if video.record.files else video.record.name,
            **{
                k: manifest.get(k)
                for k in ("person", "task", "load_kg", "height_cm", "coupling", "duration", "lifts_per_min")
            },
            "report": video.record.outputs.html,
        }
        lifts = video.lifts()
        if not lifts:
            writer.writerow({k: "" if base.get(k) is None else base.get(k) for k in CSV_COLUMNS})
            continue
        for lift in lifts:
            faults = lift.faults()
            niosh = lift.niosh()
            li = video.lift_li(lift)
            rwl_kg = niosh.get("rwl_kg") if video.load_kg is not None else None
            row = {
                **base,
                **{k: lift.row.get(k) for k in CSV_COLUMNS if k in lift.row},
                "main_fault": faults[0][0] if faults else "",
                # As the lift's own CSV rounds them; a limit of 0 kg has no index (empty), its band says high.
                "niosh_li": round(li, 2) if li is not None and li != NO_LOAD else None,
                "niosh_rwl_kg": round(rwl_kg, 1) if isinstance(rwl_kg, (int, float)) else None,
                "niosh_band": niosh.get("band") if video.load_kg is not None else None,
            }
            writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in CSV_COLUMNS})
    return out.getvalue()


def load_videos(folder: Path, index: Index) -> tuple[list[TeamVideo], list[VideoRecord]]:
    """The done videos with their reports (in name order), and the failed records, of a results folder."""
    done, failed = [], []
    for record in sorted(index.records.values(), key=lambda r: (r.name.lower(), r.key)):
        if record.status == FAILED:
            failed.append(record)
            continue
        if record.status != DONE or record.outputs.report is None:
            continue
        try:
            report = json.loads((folder / record.outputs.report).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # removed or damaged since: the next batch will redo it
        done.append(TeamVideo(record, report if isinstance(report, dict) else {}))
    return done, failed


def write_team_report(folder: str | Path, index: Index | None = None) -> tuple[Path, Path]:
    """Write ``team.html`` and ``team.csv`` for every video in the results ``folder``; their paths."""
    folder = Path(folder)
    index = index if index is not None else Index(folder)
    videos, failed = load_videos(folder, index)
    html_path, csv_path = folder / "team.html", folder / "team.csv"
    write_atomically(html_path, render_team_html(videos, failed, generated=now_utc()).encode("utf-8"))
    write_atomically(csv_path, team_csv(videos).encode("utf-8"))
    return html_path, csv_path
