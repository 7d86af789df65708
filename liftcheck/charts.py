"""The session timeline chart, as one spec and as inline SVG (the printable report and the app both show it).

Pure: numpy and the standard library only. ``timeline_spec`` decides what the chart shows
(the angle series, downsampled; a band per lift coloured by verdict; the trunk-flexion bands);
``timeline_svg`` draws that spec as one ``<svg>`` with no script, no external reference and no
web font, so it can be pasted into an HTML file, printed, or mailed. The app draws the same spec
with its own chart library, so the page and the file cannot disagree. Angles are in degrees,
times in seconds; NaN in a series means "not seen" and breaks the line there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np

from liftcheck.config import DEFAULT_CONFIG, RuleConfig
from liftcheck.presentation import BAND_OPACITY, PAPER, VERDICTS
from liftcheck.report import ReportView, as_view

# Line colours are dark enough for 4.5:1 against white (WCAG AA), and each series also has
# its own dash pattern, so the chart still reads printed in grey or by a colour-blind reader.
SERIES = (
    # key in the timeline, legend label, colour, dash pattern, absolute value?
    ("trunk_flexion_deg", "trunk flexion", "#1d4e89", "", False),
    ("knee_flexion_deg", "knee flexion", "#8a4b08", "7 3", False),
    ("trunk_twist_deg", "twist (either way)", "#6a2c91", "2 2", True),
)
UNKNOWN_BAND = "#888888"
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


@dataclass(frozen=True, eq=False)
class Series:
    """One angle line: ``values`` (n,) in degrees against the spec's ``t_s`` (n,), NaN where unseen."""

    key: str
    label: str
    colour: str
    dash: str  # SVG dash pattern, "" for a solid line
    values: np.ndarray


@dataclass(frozen=True)
class Band:
    """One lift's stretch of time, shaded by its verdict."""

    lift: int
    start_s: float
    end_s: float
    verdict: str
    colour: str
    opacity: float


@dataclass(frozen=True)
class TwistMark:
    """One twist event at its peak: time (s), size (degrees, either way), which way, judged, bent."""

    t_s: float
    deg: float
    direction: str  # "left" or "right"
    judged: bool  # the camera's view can judge twist
    bent: bool
    label: str  # "L 42°"


@dataclass(frozen=True, eq=False)
class TimelineSpec:
    """What the timeline shows, whoever draws it. ``t_s`` (n,) seconds; the axes' ranges; the caption."""

    t_s: np.ndarray
    series: tuple[Series, ...]
    bands: tuple[Band, ...]
    # (degrees, label) of the dashed lines: the trunk-flexion bands, or in a session of twists without
    # lifts, the twist limits.
    thresholds: tuple[tuple[float, str], ...]
    t_min: float
    t_max: float
    y_max: float
    description: str
    twists: tuple[TwistMark, ...] = ()


def band_colour(verdict: str) -> str:
    return PAPER[verdict].edge if verdict in VERDICTS else UNKNOWN_BAND


def timeline_spec(
    report: Mapping[str, Any] | ReportView,
    *,
    config: RuleConfig = DEFAULT_CONFIG.rules,
    max_points: int = MAX_TIMELINE_POINTS,
) -> TimelineSpec:
    """The chart of a report (dict or ``ReportView``): series, lift bands, thresholds and ranges."""
    view = as_view(report)
    timeline = view.timeline or {}
    t = timeline.get("t_s", np.array([]))
    raw = [(timeline.get(key, np.full(len(t), np.nan)), absolute) for key, *_, absolute in SERIES]
    values = [np.abs(s) if absolute else s for s, absolute in raw]
    # A sample without a time cannot be placed: drop it (rather than draw it at 0 s).
    keep = np.isfinite(t)
    t, values = downsample(t[keep], [v[keep] for v in values], max_points)

    t_candidates = [0.0, float(np.nanmax(t))] if len(t) else [0.0]
    if view.duration_s is not None:
        t_candidates.append(float(view.duration_s))
    t_candidates += [float(v) for row in view.lifts for v in (row.start_s, row.end_s) if v is not None]
    t_min = min(float(np.nanmin(t)) if len(t) else 0.0, 0.0)
    t_max = max(t_candidates)
    if t_max <= t_min:
        t_max = t_min + 1.0
    finite_all = np.concatenate([v[np.isfinite(v)] for v in values])
    data_max = float(finite_all.max()) if finite_all.size else 0.0
    y_max = max(90.0, config.trunk_severe_deg + 15.0, math.ceil(min(data_max, 360.0) / 30.0) * 30.0)

    bands = tuple(
        Band(
            lift=row.lift,
            start_s=float(row.start_s) if row.start_s is not None else t_min,
            end_s=float(row.end_s) if row.end_s is not None else t_max,
            verdict=row.verdict,
            colour=band_colour(row.verdict),
            opacity=BAND_OPACITY.get(row.verdict, 0.15),
        )
        for row in view.lifts
    )
    counts = {v: sum(1 for row in view.lifts if row.verdict == v) for v in VERDICTS}
    twists = tuple(
        TwistMark(
            t_s=float(e.peak_s),
            deg=abs(float(e.peak_deg)),
            direction=e.turn_direction,
            judged=e.reliable,
            bent=e.bent,
            label=f"{(e.turn_direction or '?')[0].upper()} {abs(float(e.peak_deg)):.0f}°",
        )
        for e in view.twist_events
        if e.peak_s is not None and e.peak_deg is not None
    )
    if view.lifts or not twists:
        thresholds = ((config.trunk_moderate_deg, "trunk, moderate"), (config.trunk_severe_deg, "trunk, severe"))
        description = (
            f"{len(view.lifts)} lift(s) over {t_max - t_min:.0f} s ({counts['good']} good, "
            f"{counts['caution']} caution, {counts['poor']} poor). Lines: trunk flexion, knee flexion and twist in "
            "degrees; dashed lines at "
            f"{config.trunk_moderate_deg:g}° and {config.trunk_severe_deg:g}° mark the trunk-flexion bands."
        )
    else:
        thresholds = ((config.twist_warn_deg, "twist, caution"), (config.twist_severe_deg, "twist, severe"))
        judged = [m for m in twists if m.judged]
        description = (
            f"{len(judged)} twist(s) the camera could judge over {t_max - t_min:.0f} s "
            f"({sum(m.direction == 'left' for m in judged)} to the left, "
            f"{sum(m.direction == 'right' for m in judged)} to the right), each marked at its peak. Lines: trunk "
            f"flexion, knee flexion and twist in degrees; dashed lines at {config.twist_warn_deg:g}° and "
            f"{config.twist_severe_deg:g}° mark the twist limits."
        )
    return TimelineSpec(
        t_s=t,
        series=tuple(Series(key, label, colour, dash, v) for (key, label, colour, dash, _), v in zip(SERIES, values)),
        bands=bands,
        thresholds=thresholds,
        t_min=t_min,
        t_max=t_max,
        y_max=y_max,
        description=description,
        twists=twists,
    )


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


@dataclass(frozen=True)
class _Plot:
    """Where the plot area sits in the SVG, and the data ranges it maps."""

    left: float
    top: float
    width: float
    height: float
    t_min: float
    t_max: float
    y_max: float

    def x(self, t_s: float) -> float:
        return self.left + (t_s - self.t_min) / (self.t_max - self.t_min) * self.width

    def y(self, deg: float) -> float:
        return self.top + self.height - min(max(deg, 0.0), self.y_max) / self.y_max * self.height


def _axes(plot: _Plot, total_height: int) -> list[str]:
    out = []
    right, bottom = plot.left + plot.width, plot.top + plot.height
    y_step = 30.0 if plot.y_max <= 180 else 60.0
    y = 0.0
    while y <= plot.y_max + 1e-9:
        yy = plot.y(y)
        out.append(f'<line x1="{plot.left}" y1="{yy:.1f}" x2="{right}" y2="{yy:.1f}" stroke="{GRID_COLOUR}"/>')
        out.append(_text(plot.left - 6, yy + 4, f"{y:g}°", anchor="end"))
        y += y_step
    x_step = _nice_step(plot.t_max - plot.t_min, 10)
    if x_step >= 60:
        x_step = max(60.0, round(x_step / 60.0) * 60.0)
    tick = math.ceil(plot.t_min / x_step) * x_step
    while tick <= plot.t_max + 1e-9:
        xx = plot.x(tick)
        out.append(f'<line x1="{xx:.1f}" y1="{bottom}" x2="{xx:.1f}" y2="{bottom + 5}" stroke="{AXIS_COLOUR}"/>')
        out.append(_text(xx, bottom + 18, _time_label(tick, x_step), anchor="middle"))
        tick += x_step
    unit = "time (min:s)" if x_step >= 60 else "time (s)"
    out.append(_text(plot.left + plot.width / 2, total_height - 6, unit, anchor="middle"))
    middle = plot.top + plot.height / 2
    out.append(_text(14, middle, "degrees", anchor="middle", extra=f' transform="rotate(-90 14 {middle:.1f})"'))
    return out


def _bands(plot: _Plot, bands: tuple[Band, ...]) -> list[str]:
    out = []
    for band in bands:
        x0 = plot.x(band.start_s)
        x1 = max(plot.x(band.end_s), x0 + 1.5)
        verdict, number = escape(band.verdict), escape(str(band.lift))
        out.append(
            f'<rect class="lift-band {verdict}" data-lift="{number}" x="{x0:.1f}" y="{plot.top}" '
            f'width="{x1 - x0:.1f}" height="{plot.height}" fill="{band.colour}" fill-opacity="{band.opacity}">'
            f"<title>Lift {number}: {escape(band.verdict or 'unknown')}</title></rect>"
        )
        if x1 - x0 >= 9 or len(bands) <= 40:
            out.append(_text((x0 + x1) / 2, plot.top + 11, str(band.lift), anchor="middle", size=10, fill="#222222"))
    return out


def _thresholds(plot: _Plot, thresholds: tuple[tuple[float, str], ...]) -> tuple[list[str], list[str]]:
    """The dashed lines (under the series) and their labels (drawn last, on top of everything)."""
    lines, labels = [], []
    for deg, label in thresholds:
        yy = plot.y(deg)
        lines.append(
            f'<line class="threshold" data-deg="{deg:g}" x1="{plot.left}" y1="{yy:.1f}" x2="{plot.left + plot.width}" '
            f'y2="{yy:.1f}" stroke="{THRESHOLD_COLOUR}" stroke-width="1" stroke-dasharray="5 4"/>'
        )
        text = f"{deg:g}° ({label})"
        labels.append(_text(plot.left + 5, yy - 4, text, size=10, fill=THRESHOLD_COLOUR, extra=HALO))
    return lines, labels


def _series(plot: _Plot, t_s: np.ndarray, series: tuple[Series, ...]) -> list[str]:
    out = []
    xs = plot.left + (t_s - plot.t_min) / (plot.t_max - plot.t_min) * plot.width
    for s in series:
        ys = np.array([plot.y(v) if math.isfinite(v) else math.nan for v in s.values.tolist()])
        d = _path(xs, ys)
        if not d:
            continue
        dash_attr = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        out.append(
            f'<path class="series {s.key}" d="{d}" fill="none" stroke="{s.colour}" stroke-width="1.8" '
            f'stroke-linejoin="round" stroke-linecap="round"{dash_attr}/>'
        )
    return out


def _twist_marks(plot: _Plot, marks: tuple[TwistMark, ...]) -> list[str]:
    """A ring at each twist's peak (filled when the view can judge twist), labelled with its way and size."""
    colour = SERIES[2][2]
    out = []
    for m in marks:
        x, y = plot.x(m.t_s), plot.y(m.deg)
        fill = colour if m.judged else "#ffffff"
        out.append(
            f'<circle class="twist-mark" data-direction="{escape(m.direction)}" cx="{x:.1f}" cy="{y:.1f}" r="4" '
            f'fill="{fill}" stroke="{colour}" stroke-width="1.5"><title>Twist {escape(m.label)}'
            f"{'' if m.judged else ' (this view cannot judge twist)'}</title></circle>"
        )
        out.append(_text(x, y - 7, m.label, anchor="middle", size=9, fill=colour, extra=HALO))
    return out


def _legend(x: float, series: tuple[Series, ...]) -> list[str]:
    """The lines and the three band colours, left to right along the top."""
    out = []
    y = 16
    for s in series:
        dash_attr = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        out.append(
            f'<line x1="{x}" y1="{y}" x2="{x + 24}" y2="{y}" stroke="{s.colour}" stroke-width="2.2"{dash_attr}/>'
        )
        out.append(_text(x + 29, y + 4, s.label, size=11, fill="#222222"))
        x += 34 + int(6.3 * len(s.label))
    x += 8
    for verdict in VERDICTS:
        colour = band_colour(verdict)
        out.append(
            f'<rect x="{x}" y="{y - 6}" width="14" height="12" fill="{colour}" '
            f'fill-opacity="{BAND_OPACITY[verdict] + 0.15:.2f}" stroke="{colour}"/>'
        )
        text = f"{verdict} lift"
        out.append(_text(x + 19, y + 4, text, size=11, fill="#222222"))
        x += 26 + int(6.3 * len(text))
    return out


def timeline_svg(
    report: Mapping[str, Any] | ReportView,
    *,
    width: int = 900,
    height: int = 320,
    config: RuleConfig = DEFAULT_CONFIG.rules,
    max_points: int = MAX_TIMELINE_POINTS,
    standalone: bool = False,
) -> str:
    """The session over time: trunk flexion, knee flexion and twist, lifts shaded by verdict.

    ``report`` is ``Report.to_dict()`` (or its ``ReportView``). The trunk thresholds
    (``config.trunk_moderate_deg``, ``trunk_severe_deg``) are drawn as dashed, labelled lines.
    Each lift band is a ``<rect class="lift-band">``; each threshold a ``<line class="threshold">``.
    ``standalone`` adds the SVG namespace, for writing the chart to its own ``.svg`` file.
    """
    spec = timeline_spec(report, config=config, max_points=max_points)
    left, right, top, bottom = 52, 16, 40, 42
    plot = _Plot(left, top, width - left - right, height - top - bottom, spec.t_min, spec.t_max, spec.y_max)
    threshold_lines, threshold_labels = _thresholds(plot, spec.thresholds)
    out = [_svg_open(width, height, "Angles over time", spec.description, "timeline-chart", standalone)]
    out += _axes(plot, height)
    out += _bands(plot, spec.bands)  # under the lines
    out += threshold_lines
    out += _series(plot, spec.t_s, spec.series)
    out += _twist_marks(plot, spec.twists)
    out += threshold_labels
    out.append(
        f'<rect x="{left}" y="{top}" width="{plot.width}" height="{plot.height}" fill="none" stroke="{AXIS_COLOUR}"/>'
    )
    out += _legend(left, spec.series)
    if not len(spec.t_s):
        message = "No angles were recorded for this video."
        out.append(_text(left + plot.width / 2, top + plot.height / 2, message, anchor="middle", size=13))
    out.append("</svg>")
    return "".join(out)
