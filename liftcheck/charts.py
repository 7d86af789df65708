"""Inline SVG charts for the HTML report: a session timeline and progress over sessions.

Pure: numpy and the standard library only. Each chart is one ``<svg>`` string with no
script, no external reference and no web font, so it can be pasted into an HTML file,
printed, or mailed. Angles are in degrees, times in seconds; ``None`` (or NaN) in a
series means "not seen" and breaks the line there instead of being drawn as zero.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from html import escape

import numpy as np

from liftcheck.config import DEFAULT_CONFIG, RuleConfig

# Line colours are dark enough for 4.5:1 against white (WCAG AA), and each series also has
# its own dash pattern, so the chart still reads printed in grey or by a colour-blind reader.
SERIES = (
    # key in report["timeline"], legend label, colour, dash pattern, absolute value?
    ("trunk_flexion_deg", "Trunk flexion", "#1d4e89", "", False),
    ("knee_flexion_deg", "Knee flexion", "#8a4b08", "7 3", False),
    ("trunk_twist_deg", "Twist (either way)", "#6a2c91", "2 2", True),
)
VERDICT_FILL = {"good": "#2e7d32", "caution": "#e0a000", "poor": "#c62828"}
VERDICT_OPACITY = {"good": 0.14, "caution": 0.22, "poor": 0.16}
THRESHOLD_COLOUR = "#6b2020"
AXIS_COLOUR = "#444444"
GRID_COLOUR = "#e3e3e3"
FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"

# Above this many samples a series is reduced to the min and max of each of
# ``MAX_TIMELINE_POINTS // 2`` time buckets: the peaks (which the rules judge) survive,
# and a 20-minute clip at 30 fps stays a few tens of kilobytes.
MAX_TIMELINE_POINTS = 2000
# A white outline behind text drawn over lines keeps it readable where they cross.
HALO = ' paint-order="stroke" stroke="#ffffff" stroke-width="3" stroke-linejoin="round"'
SVG_NAMESPACE = "http" + "://www.w3.org/2000/svg"


def _floats(values: Sequence[object] | None, n: int) -> np.ndarray:
    """``values`` as a float array of length ``n``; None, text and missing entries become NaN."""
    out = np.full(n, np.nan)
    for i, v in enumerate((values or [])[:n]):
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out[i] = float(v)
    out[~np.isfinite(out)] = np.nan
    return out


def downsample(
    t_s: np.ndarray, series: Sequence[np.ndarray], max_points: int = MAX_TIMELINE_POINTS
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Reduce ``t_s`` (n,) and each series (n,) to at most ``max_points`` samples each.

    Each of ``max_points // 2`` equal-count buckets keeps its minimum and maximum, in time
    order, so peaks are kept. A bucket that is mostly unseen (NaN) becomes a gap. Returns
    the new times (m,) and series (m,), all of the same length.
    """
    n = len(t_s)
    if n <= max_points:
        return t_s, list(series)
    buckets = max(1, max_points // 2)
    edges = np.linspace(0, n, buckets + 1).astype(int)
    t_out = np.empty(2 * buckets)
    s_out = [np.full(2 * buckets, np.nan) for _ in series]
    for b in range(buckets):
        lo, hi = edges[b], max(edges[b + 1], edges[b] + 1)
        t_out[2 * b] = t_s[lo]
        t_out[2 * b + 1] = t_s[hi - 1]
        for s, out in zip(series, s_out):
            chunk = s[lo:hi]
            finite = np.isfinite(chunk)
            if finite.sum() * 2 < len(chunk):
                continue
            i_min = int(np.nanargmin(chunk))
            i_max = int(np.nanargmax(chunk))
            first, second = sorted((i_min, i_max))
            out[2 * b] = chunk[first]
            out[2 * b + 1] = chunk[second]
    return t_out, s_out


def lift_rows(report: Mapping[str, object]) -> list[Mapping[str, object]]:
    """``report["lifts"]``, keeping only well-formed rows (an empty list when absent)."""
    lifts = report.get("lifts")
    if not isinstance(lifts, Sequence) or isinstance(lifts, str):
        return []
    return [row for row in lifts if isinstance(row, Mapping)]


def _nice_step(span: float, target_ticks: int) -> float:
    """A round tick step (1, 2, 5 × 10^k) giving about ``target_ticks`` ticks over ``span``."""
    if not math.isfinite(span) or span <= 0:
        return 1.0
    raw = span / max(1, target_ticks)
    mag = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 5, 10):
        if raw <= mult * mag:
            return float(mult * mag)
    return float(10 * mag)


def _time_label(t_s: float, step_s: float) -> str:
    if step_s >= 60 and abs(t_s - round(t_s)) < 1e-9:
        return f"{int(t_s) // 60}:{int(t_s) % 60:02d}"
    return f"{t_s:g}"


def _path(xs: np.ndarray, ys: np.ndarray) -> str:
    """An SVG path ``d`` string; NaN in ``ys`` lifts the pen, so gaps stay gaps."""
    parts: list[str] = []
    pen_down = False
    for x, y in zip(xs.tolist(), ys.tolist()):
        if not math.isfinite(y) or not math.isfinite(x):
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{x:.1f} {y:.1f}")
        pen_down = True
    # A lone point (seen for one sample between gaps) would be invisible as a bare moveto.
    return " ".join(parts)


def _text(
    x: float, y: float, s: str, *, anchor: str = "start", size: int = 11, fill: str = AXIS_COLOUR, extra: str = ""
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" text-anchor="{anchor}"{extra}>'
        f"{escape(s)}</text>"
    )


def _svg_open(width: int, height: int, title: str, desc: str, css_class: str, standalone: bool) -> str:
    ident = css_class.replace(" ", "-")
    # Inline in HTML an <svg> needs no namespace; the reports assert they name no URL at all.
    xmlns = f'xmlns="{SVG_NAMESPACE}" ' if standalone else ""
    return (
        f'<svg {xmlns}class="{css_class}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'style="{FONT};max-width:100%;height:auto">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>'
        '<rect width="100%" height="100%" fill="#ffffff"/>'
    )


def timeline_svg(
    report: Mapping[str, object],
    *,
    width: int = 900,
    height: int = 320,
    config: RuleConfig = DEFAULT_CONFIG.rules,
    max_points: int = MAX_TIMELINE_POINTS,
    standalone: bool = False,
) -> str:
    """The session over time: trunk flexion, knee flexion and twist, lifts shaded by verdict.

    ``report`` is ``Report.to_dict()``; it reads ``timeline`` (lists of equal length,
    None where unseen) and ``lifts`` (start_s, end_s, verdict, lift). The trunk thresholds
    (``config.trunk_moderate_deg``, ``trunk_severe_deg``) are drawn as dashed, labelled lines.
    Each lift band is a ``<rect class="lift-band">``; each threshold a ``<line class="threshold">``.
    ``standalone`` adds the SVG namespace, for writing the chart to its own ``.svg`` file.
    """
    timeline = report.get("timeline") or {}
    if not isinstance(timeline, Mapping):
        timeline = {}
    raw_t = timeline.get("t_s") or []
    n = len(raw_t) if isinstance(raw_t, Sequence) else 0
    t = _floats(raw_t if isinstance(raw_t, Sequence) else None, n)
    values = []
    for key, _label, _colour, _dash, absolute in SERIES:
        raw = timeline.get(key)
        s = _floats(raw if isinstance(raw, Sequence) else None, n)
        values.append(np.abs(s) if absolute else s)
    # A sample without a time cannot be placed: drop it (rather than draw it at 0 s).
    keep = np.isfinite(t)
    t = t[keep]
    values = [v[keep] for v in values]
    t, values = downsample(t, values, max_points)

    lifts = lift_rows(report)
    duration = report.get("duration_s")
    t_candidates = [0.0]
    if len(t):
        t_candidates.append(float(np.nanmax(t)))
    if isinstance(duration, (int, float)) and math.isfinite(duration):
        t_candidates.append(float(duration))
    for row in lifts:
        for k in ("start_s", "end_s"):
            v = row.get(k)
            if isinstance(v, (int, float)) and math.isfinite(v):
                t_candidates.append(float(v))
    t_min = float(np.nanmin(t)) if len(t) else 0.0
    t_min = min(t_min, 0.0)
    t_max = max(t_candidates)
    if t_max <= t_min:
        t_max = t_min + 1.0

    finite_all = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.array([])
    data_max = float(finite_all.max()) if finite_all.size else 0.0
    y_max = max(90.0, config.trunk_severe_deg + 15.0, math.ceil(min(data_max, 360.0) / 30.0) * 30.0)
    y_min = 0.0

    left, right, top, bottom = 52, 16, 40, 42
    plot_w = width - left - right
    plot_h = height - top - bottom

    def x_of(ts: float) -> float:
        return left + (ts - t_min) / (t_max - t_min) * plot_w

    def y_of(deg: float) -> float:
        return top + plot_h - (min(max(deg, y_min), y_max) - y_min) / (y_max - y_min) * plot_h

    counts = {"good": 0, "caution": 0, "poor": 0}
    for row in lifts:
        v = str(row.get("verdict", ""))
        if v in counts:
            counts[v] += 1
    desc = (
        f"{len(lifts)} lift(s) over {t_max - t_min:.0f} s ({counts['good']} good, {counts['caution']} caution, "
        f"{counts['poor']} poor). Lines: trunk flexion, knee flexion and twist in degrees; dashed lines at "
        f"{config.trunk_moderate_deg:g}° and {config.trunk_severe_deg:g}° mark the trunk-flexion bands."
    )
    out = [_svg_open(width, height, "Angles over time", desc, "timeline-chart", standalone)]

    # Grid and y axis.
    y_step = 30.0 if y_max <= 180 else 60.0
    y = y_min
    while y <= y_max + 1e-9:
        yy = y_of(y)
        out.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{left + plot_w}" y2="{yy:.1f}" stroke="{GRID_COLOUR}"/>')
        out.append(_text(left - 6, yy + 4, f"{y:g}°", anchor="end"))
        y += y_step
    # x axis ticks.
    x_step = _nice_step(t_max - t_min, 10)
    if x_step >= 60:
        x_step = max(60.0, round(x_step / 60.0) * 60.0)
    tick = math.ceil(t_min / x_step) * x_step
    while tick <= t_max + 1e-9:
        xx = x_of(tick)
        out.append(
            f'<line x1="{xx:.1f}" y1="{top + plot_h}" x2="{xx:.1f}" y2="{top + plot_h + 5}" stroke="{AXIS_COLOUR}"/>'
        )
        out.append(_text(xx, top + plot_h + 18, _time_label(tick, x_step), anchor="middle"))
        tick += x_step
    out.append(_text(left + plot_w / 2, height - 6, "time (min:s)" if x_step >= 60 else "time (s)", anchor="middle"))
    out.append(
        _text(
            14,
            top + plot_h / 2,
            "degrees",
            anchor="middle",
            extra=f' transform="rotate(-90 14 {top + plot_h / 2:.1f})"',
        )
    )

    # Lift bands, under the lines.
    for i, row in enumerate(lifts):
        start = row.get("start_s")
        end = row.get("end_s")
        if not isinstance(start, (int, float)) or not math.isfinite(start):
            start = t_min
        if not isinstance(end, (int, float)) or not math.isfinite(end):
            end = t_max
        verdict = str(row.get("verdict", ""))
        fill = VERDICT_FILL.get(verdict, "#888888")
        opacity = VERDICT_OPACITY.get(verdict, 0.15)
        x0 = x_of(float(start))
        x1 = max(x_of(float(end)), x0 + 1.5)
        number = row.get("lift", i + 1)
        out.append(
            f'<rect class="lift-band {escape(verdict)}" data-lift="{escape(str(number))}" x="{x0:.1f}" y="{top}" '
            f'width="{x1 - x0:.1f}" height="{plot_h}" fill="{fill}" fill-opacity="{opacity}">'
            f"<title>Lift {escape(str(number))}: {escape(verdict or 'unknown')}</title></rect>"
        )
        if x1 - x0 >= 9 or len(lifts) <= 40:
            out.append(_text((x0 + x1) / 2, top + 11, str(number), anchor="middle", size=10, fill="#222222"))

    # Trunk-flexion thresholds; their labels go on top of the lines, drawn last.
    on_top: list[str] = []
    for deg, label in ((config.trunk_moderate_deg, "moderate"), (config.trunk_severe_deg, "severe")):
        yy = y_of(deg)
        out.append(
            f'<line class="threshold" data-deg="{deg:g}" x1="{left}" y1="{yy:.1f}" x2="{left + plot_w}" '
            f'y2="{yy:.1f}" stroke="{THRESHOLD_COLOUR}" stroke-width="1" stroke-dasharray="5 4"/>'
        )
        on_top.append(_text(left + 5, yy - 4, f"trunk {deg:g}° ({label})", size=10, fill=THRESHOLD_COLOUR, extra=HALO))

    # Series.
    xs = left + (t - t_min) / (t_max - t_min) * plot_w
    for (key, _label, colour, dash, _absolute), s in zip(SERIES, values):
        ys = np.array([y_of(v) if math.isfinite(v) else math.nan for v in s.tolist()])
        d = _path(xs, ys)
        if not d:
            continue
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<path class="series {key}" d="{d}" fill="none" stroke="{colour}" stroke-width="1.8" '
            f'stroke-linejoin="round" stroke-linecap="round"{dash_attr}/>'
        )

    out.extend(on_top)
    # Plot frame.
    out.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="{AXIS_COLOUR}"/>')

    # Legend: the three lines and the three band colours.
    lx = left
    ly = 16
    for _key, label, colour, dash, _absolute in SERIES:
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<line x1="{lx}" y1="{ly}" x2="{lx + 24}" y2="{ly}" stroke="{colour}" stroke-width="2.2"{dash_attr}/>'
        )
        out.append(_text(lx + 29, ly + 4, label, size=11, fill="#222222"))
        lx += 34 + int(6.3 * len(label))
    lx += 8
    for verdict in ("good", "caution", "poor"):
        out.append(
            f'<rect x="{lx}" y="{ly - 6}" width="14" height="12" fill="{VERDICT_FILL[verdict]}" '
            f'fill-opacity="{VERDICT_OPACITY[verdict] + 0.15:.2f}" stroke="{VERDICT_FILL[verdict]}"/>'
        )
        text = f"{verdict} lift"
        out.append(_text(lx + 19, ly + 4, text, size=11, fill="#222222"))
        lx += 26 + int(6.3 * len(text))
    if not len(t):
        out.append(
            _text(
                left + plot_w / 2, top + plot_h / 2, "No angles were recorded for this video.", anchor="middle", size=13
            )
        )
    out.append("</svg>")
    return "".join(out)


# -- progress over sessions


def _number(value: object) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return math.nan


def session_row(report: Mapping[str, object], *, label: str = "") -> dict[str, object]:
    """One ``progress_svg`` row from a ``Report.to_dict()``: good share, peak trunk flexion, peak twist."""
    summary = report.get("summary") or {}
    lifts = lift_rows(report)
    verdicts = summary.get("verdicts") if isinstance(summary, Mapping) else None
    count = len(lifts)
    good = 0
    if isinstance(verdicts, Mapping):
        good = int(_number(verdicts.get("good")) if math.isfinite(_number(verdicts.get("good"))) else 0)
        total = sum(int(v) for v in verdicts.values() if isinstance(v, int))
        count = count or total
    else:
        good = sum(1 for row in lifts if row.get("verdict") == "good")
    trunk = [_number(row.get("peak_trunk_flexion_deg")) for row in lifts]
    twist = [abs(_number(row.get("peak_twist_deg"))) for row in lifts]
    trunk = [v for v in trunk if math.isfinite(v)]
    twist = [v for v in twist if math.isfinite(v)]
    return {
        "label": label or str(report.get("source", "")),
        "lift_count": count,
        "good_pct": 100.0 * good / count if count else None,
        "peak_trunk_flexion_deg": max(trunk) if trunk else None,
        "peak_twist_deg": max(twist) if twist else None,
    }


def _as_mapping(row: object) -> Mapping[str, object]:
    if isinstance(row, Mapping):
        return row
    if dataclasses.is_dataclass(row) and not isinstance(row, type):
        return dataclasses.asdict(row)
    raise TypeError(f"progress_svg rows must be mappings or dataclasses, got {type(row).__name__}")


def _row_label(row: Mapping[str, object], i: int) -> str:
    for key in ("label", "date", "created_utc", "created_at", "analysed_at", "started_at"):
        v = row.get(key)
        if v:
            text = str(v)
            # ISO timestamps: the date is what a person reads on a progress axis.
            if key != "label" and len(text) >= 10 and text[4:5] == "-" and text[7:8] == "-":
                text = text[:10]
            return text
    return f"#{i + 1}"


def _good_pct(row: Mapping[str, object]) -> float:
    pct = _number(row.get("good_pct"))
    if math.isfinite(pct):
        return pct
    share = _number(row.get("share_good"))  # store.SessionRow: a fraction, 0..1
    if math.isfinite(share):
        return 100.0 * share
    count = _number(row.get("lift_count"))
    good = _number(row.get("good"))
    if math.isfinite(count) and count > 0 and math.isfinite(good):
        return 100.0 * good / count
    return math.nan


def progress_svg(
    rows: Sequence[Mapping[str, object] | object],
    *,
    width: int = 900,
    height: int = 360,
    config: RuleConfig = DEFAULT_CONFIG.rules,
    standalone: bool = False,
) -> str:
    """Sessions over time, oldest first: share of good lifts (top panel) and peak angles (bottom).

    Each row is a mapping (or a dataclass such as ``store.SessionRow``) with ``good_pct``
    (0–100; or ``share_good`` 0–1; or ``good`` and ``lift_count``), ``peak_trunk_flexion_deg``,
    ``peak_twist_deg`` and a label (``label``, ``date``, ``created_utc``, ``created_at``,
    ``analysed_at`` or ``started_at``, ISO timestamps shown as their date; else the session
    number). Missing values leave a gap. ``session_row`` builds a row from a report dict.
    """
    records = [_as_mapping(r) for r in rows]
    n = len(records)
    good = np.array([_good_pct(r) for r in records], dtype=float)
    trunk = np.array([_number(r.get("peak_trunk_flexion_deg")) for r in records], dtype=float)
    twist = np.abs(np.array([_number(r.get("peak_twist_deg")) for r in records], dtype=float))
    labels = [_row_label(r, i) for i, r in enumerate(records)]

    desc = f"{n} session(s). Top: share of good lifts in percent. Bottom: peak trunk flexion and peak twist."
    out = [_svg_open(width, height, "Progress over sessions", desc, "progress-chart", standalone)]
    left, right, top, bottom, gap = 52, 16, 34, 52, 34
    plot_w = width - left - right
    panel_h = (height - top - bottom - gap) / 2
    top2 = top + panel_h + gap

    def x_of(i: int) -> float:
        return left + (plot_w / 2 if n <= 1 else (i / (n - 1)) * plot_w * 0.94 + plot_w * 0.03)

    finite_deg = np.concatenate([trunk[np.isfinite(trunk)], twist[np.isfinite(twist)]])
    deg_max = max(90.0, math.ceil(float(finite_deg.max()) / 30.0) * 30.0) if finite_deg.size else 90.0
    deg_max = min(deg_max, 360.0)

    def y_pct(p: float) -> float:
        return top + panel_h - min(max(p, 0.0), 100.0) / 100.0 * panel_h

    def y_deg(d: float) -> float:
        return top2 + panel_h - min(max(d, 0.0), deg_max) / deg_max * panel_h

    # Panels, grids and y labels.
    for p in (0, 25, 50, 75, 100):
        yy = y_pct(p)
        out.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{left + plot_w}" y2="{yy:.1f}" stroke="{GRID_COLOUR}"/>')
        out.append(_text(left - 6, yy + 4, f"{p}%", anchor="end"))
    d = 0.0
    while d <= deg_max + 1e-9:
        yy = y_deg(d)
        out.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{left + plot_w}" y2="{yy:.1f}" stroke="{GRID_COLOUR}"/>')
        out.append(_text(left - 6, yy + 4, f"{d:g}°", anchor="end"))
        d += 30.0
    on_top: list[str] = []
    for deg, label in ((config.trunk_moderate_deg, "moderate"), (config.trunk_severe_deg, "severe")):
        yy = y_deg(deg)
        out.append(
            f'<line class="threshold" data-deg="{deg:g}" x1="{left}" y1="{yy:.1f}" x2="{left + plot_w}" '
            f'y2="{yy:.1f}" stroke="{THRESHOLD_COLOUR}" stroke-dasharray="5 4"/>'
        )
        on_top.append(_text(left + 5, yy - 4, f"trunk {deg:g}° ({label})", size=10, fill=THRESHOLD_COLOUR, extra=HALO))
    out.append(_text(left, top - 8, "Good lifts (% of the session)", size=12, fill="#222222"))
    out.append(_text(left, top2 - 8, "Peak angles", size=12, fill="#222222"))

    # x labels: at most ~12, evenly picked, always including the last session.
    every = max(1, math.ceil(n / 12))
    for i, label in enumerate(labels):
        if i % every and i != n - 1:
            continue
        xx = x_of(i)
        out.append(
            f'<line x1="{xx:.1f}" y1="{top2 + panel_h}" x2="{xx:.1f}" y2="{top2 + panel_h + 5}" '
            f'stroke="{AXIS_COLOUR}"/>'
        )
        out.append(_text(xx, top2 + panel_h + 18, label[:16], anchor="middle", size=10))
    out.append(_text(left + plot_w / 2, height - 8, "session", anchor="middle"))

    xs = np.array([x_of(i) for i in range(n)], dtype=float)
    lines = (
        ("good_pct", good, y_pct, "#1b5e20", "", "Good lifts %"),
        ("peak_trunk_flexion_deg", trunk, y_deg, SERIES[0][2], "", "Peak trunk flexion"),
        ("peak_twist_deg", twist, y_deg, SERIES[2][2], "2 2", "Peak twist"),
    )
    for key, series, y_fn, colour, dash, _label in lines:
        ys = np.array([y_fn(v) if math.isfinite(v) else math.nan for v in series.tolist()])
        path = _path(xs, ys)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if path:
            out.append(
                f'<path class="series {key}" d="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>'
            )
        for x, y, v, label in zip(xs.tolist(), ys.tolist(), series.tolist(), labels):
            if math.isfinite(y):
                unit = "%" if key == "good_pct" else "°"
                out.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.2" fill="{colour}">'
                    f"<title>{escape(label)}: {v:.0f}{unit}</title></circle>"
                )
    for yy in (top, top2):
        out.append(
            f'<rect x="{left}" y="{yy:.1f}" width="{plot_w}" height="{panel_h:.1f}" fill="none" '
            f'stroke="{AXIS_COLOUR}"/>'
        )

    # Legend, top right.
    lx = left + plot_w - 10
    items = [(label, colour, dash) for _k, _s, _f, colour, dash, label in lines]
    for label, colour, dash in reversed(items):
        lx -= 34 + int(6.3 * len(label))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<line x1="{lx}" y1="14" x2="{lx + 24}" y2="14" stroke="{colour}" stroke-width="2.2"{dash_attr}/>')
        out.append(_text(lx + 29, 18, label, size=11, fill="#222222"))
    if n == 0:
        out.append(_text(left + plot_w / 2, top + panel_h / 2, "No sessions yet.", anchor="middle", size=13))
    out.append("</svg>")
    return "".join(out)
