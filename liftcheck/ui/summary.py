"""The per-lift summary view, shared by Upload, Live and History (one renderer, no copies).

Reads the report dict (``Report.to_dict()``) through its read model (``report.ReportView``), so a
fresh analysis and a session reopened from History look the same; the chart is drawn from the same
spec as the printable report's (``charts.timeline_spec``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import datetime

import altair as alt
import pandas as pd
import streamlit as st

from liftcheck.charts import timeline_spec
from liftcheck.html_report import judged_line, render_html
from liftcheck.presentation import (
    NEAR_LIMIT_NOTE,
    PAPER,
    REPORT_DISCLAIMER,
    SEVERITY_LABEL,
    VERDICT_LABEL,
    VERDICT_MARK,
    VERDICTS,
    citation,
    niosh_inputs,
    no_load_why,
)
from liftcheck.report import COLUMN, LiftRow, ReportView
from liftcheck.ui.text import file_stem, name, plain
from liftcheck.workdirs import make_workdir

# Under every result and on the empty pages: the privacy line and the disclaimer.
PAGE_NOTE = REPORT_DISCLAIMER
# The table's numbers, in order.
TABLE_COLUMNS = tuple(
    COLUMN[k] for k in ("stoop_squat_index", "peak_trunk_flexion_deg", "knee_flexion_at_bottom_deg", "peak_twist_deg")
)


# Streamlit's Markdown colours for a verdict or a severity: colour is the second signal, after the word and its mark
# (never an emoji alone: without an emoji font those render as empty boxes).
COLOUR = {"good": "green", "caution": "orange", "poor": "red", "not judged": "gray", "ok": "green", "info": "gray"}
COLOUR["near"] = "orange"
SEVERITY_MARK = {"ok": "✓", "info": "i", "near": "~", "caution": "!", "poor": "✗"}
# Lifts whose full card leads the list; the others get one line each.
NEEDS_WORK = ("poor", "caution")
# Rows the lift table shows before it scrolls: with the headline above, it fits a 900 px high screen.
TABLE_ROWS = 7
MAX_FULL_CARDS = 5  # the worst lifts in full; a long session's others one line each
# When the pace of the clip is past what the lifting equation's frequency table covers (its limit is 0 kg).
NO_LIMIT_AT_THIS_PACE = (
    "At the clip's pace of lifting the equation allows no load: a clip of lifts back to back is not a working pace. "
    "Give the task's own lifts a minute, or the minutes of lifting in every 15, under About this session for the "
    "task's index."
)
# Seconds of video kept before and after a lift in its clip, so the clip shows it begin and end.
CLIP_MARGIN_S = 0.3


def verdict_words(verdict: str) -> str:
    """A verdict in words with its mark: "✓ Good", "✗ Poor" (no colour: for tables and plain text)."""
    return f"{VERDICT_MARK.get(verdict, '')} {VERDICT_LABEL.get(verdict, verdict)}".strip()


def verdict_badge(verdict: str) -> str:
    """A verdict as a coloured Markdown badge with its word and mark: ":red-badge[✗ Poor]"."""
    return f":{COLOUR.get(verdict, 'gray')}-badge[{verdict_words(verdict)}]"


def severity_badge(severity: str) -> str:
    label = f"{SEVERITY_MARK.get(severity, '')} {SEVERITY_LABEL.get(severity, severity)}".strip()
    return f":{COLOUR.get(severity, 'gray')}-badge[{label}]"


def _li_text(li: float | None, band: str = "") -> str:
    return "" if li is None else f"lifting index {li:.2f}" + (f" ({band})" if band else "")


def _round(value: float | None) -> int | None:
    return None if value is None else int(round(value))


def _fmt(value: float | None, unit: str = "°", digits: int = 0) -> str:
    return "–" if value is None else f"{value:.{digits}f}{unit}"


def headline(view: ReportView) -> None:
    summary = view.summary
    if not view.lifts and summary.twists.count:
        _twist_headline(view)
        return
    shown = [v for v in VERDICTS if v != "not judged" or summary.verdicts.get(v)]
    niosh = summary.niosh
    cols = st.columns(1 + len(shown) + (niosh.task_li is not None))
    cols[0].metric("Lifts", summary.counted_lifts)
    for col, verdict in zip(cols[1:], shown):
        # The label in the verdict's colour, with its word and mark.
        col.metric(f":{COLOUR[verdict]}[**{verdict_words(verdict)}**]", summary.verdicts.get(verdict, 0))
    if niosh.task_li is not None:
        band = niosh.band or ""
        colour = {"acceptable": "green", "increased": "orange", "high": "red"}.get(band, "gray")
        cols[-1].metric(
            f":{colour}[**Lifting index ({band})**]" if band else "Lifting index",
            f"{niosh.task_li:.2f}",
            help="NIOSH lifting index of the task: the load over the recommended limit of its hardest lift. "
            "Up to 1 acceptable for most workers; over 1 increased risk; over 3 high.",
        )
    if summary.lift_count == 0:
        st.info(summary.headline)
    elif summary.advice:
        first = summary.advice[0]
        # One paragraph: the cue large, its reason beside it (the lift table must fit the first screen too).
        st.markdown(f"#### First thing to change: {first.cue}")
        st.markdown(plain(first.advice))
    elif summary.verdicts.get("not judged") and not summary.verdicts.get("good"):
        st.info("From this view the forward bend cannot be judged: film from the side or at about 45°.")
    elif niosh.task_li is not None and niosh.task_li > 1.0:
        # Good technique does not make a load safe: say both, the load first.
        st.warning(
            f"Every lift's technique looked good, but the load is more than the recommended limit for this task "
            f"(lifting index {niosh.task_li:.2f}, {niosh.band}): see below what would lower it."
        )
    else:
        st.success("Every lift looked good: keep lifting like this.")
    if summary.partial_lifts:
        st.caption(
            f"{summary.partial_lifts} lift(s) cut off by the start or end of the video are listed but not counted."
        )
    if niosh.task_li is not None:
        st.markdown(
            f"**Task lifting index (NIOSH) {niosh.task_li:.2f}** ({plain(niosh.band)}), lift {niosh.worst_lift}: "
            f"{plain(niosh.change)}"
        )
    elif niosh.assessed and niosh.no_load:
        st.markdown(
            _no_load_words(niosh.no_load_because, "fm" in niosh.zero_multipliers, niosh.worst_lift, niosh.change)
        )


def _no_load_words(because: str, pace: bool, lift: int | None = None, change: str = "") -> str:
    """A limit of 0 kg in words: the equation recommends no load at all, why, and what to do about it."""
    where = f" (lift {lift})" if lift is not None else ""
    head = f"**Lifting index: no load is recommended{where}**, a risk beyond any index"
    why = f": {plain(because)}." if because else "."
    if pace:
        return f"{head}{why} {plain(NO_LIMIT_AT_THIS_PACE)}"
    return f"{head}{why} {plain(change)}".rstrip()


def session_line(view: ReportView) -> None:
    """Who, what and when: the person and task as the user gave them (as text), and the time of the analysis."""
    parts = []
    if view.session.person:
        parts.append(f"Person {name(view.session.person)}")
    if view.session.task:
        parts.append(f"Task {name(view.session.task)}")
    when = _when(view.session.analysed_at)
    if when:
        parts.append(f"analysed {plain(when)}")
    load = view.task_inputs.get("load_kg") if view.task_inputs else None
    if isinstance(load, (int, float)):
        parts.append(f"load {plain(f'{load:g}')} kg")
    if parts:
        st.markdown(" · ".join(parts))


def _when(iso: str) -> str:
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return ""
    zone = moment.strftime("%Z") if moment.tzinfo else ""
    return moment.strftime("%Y-%m-%d %H:%M") + (f" {'UTC' if zone in ('UTC', 'UTC+00:00') else zone}" if zone else "")


def _twist_headline(view: ReportView) -> None:
    """A session of twists without lifts (a golf swing, a woodchop set): how many, how far, how fast, bent."""
    t = view.summary.twists
    cols = st.columns(4)
    cols[0].metric("Twists", t.count, help="Twists the camera's view could judge")
    cols[1].metric("Largest", f"{t.max_deg:.0f}°" if t.max_deg is not None else "–")
    cols[2].metric("Fastest turn", f"{t.max_speed_deg_s:.0f}°/s" if t.max_speed_deg_s is not None else "–")
    cols[3].metric("While bent forward", t.bent)
    st.write(view.summary.headline)
    if view.summary.advice:
        first = view.summary.advice[0]
        st.markdown(f"#### First thing to change: {first.cue}")
        st.write(first.advice)


def lift_table(view: ReportView, key: str, *, selectable: bool = True) -> int | None:
    """The per-lift table, the verdict in words with its mark on its colour; returns the lift picked, if any."""
    rows = view.lifts
    if not rows:
        return None
    columns: dict[str, list[object]] = {
        "Lift": [r.lift for r in rows],
        "Time (s)": [f"{_fmt(r.start_s, '', 1)}–{_fmt(r.end_s, '', 1)}" for r in rows],
        "Verdict": [verdict_words(r.verdict) for r in rows],
        "Style": [r.style + (" (partial)" if r.partial else "") for r in rows],
    }
    for c in TABLE_COLUMNS:
        columns[f"{c.label} ({c.unit})" if c.unit else c.label] = [_round(r.value(c)) for r in rows]
    if any(r.li is not None for r in rows):
        columns["Lifting index"] = [None if r.li is None else round(r.li, 2) for r in rows]
    columns["Cue"] = [r.cue for r in rows]
    colours = {verdict_words(v): PAPER[v] for v in VERDICTS}

    def paint(cell: object) -> str:
        c = colours.get(str(cell))
        return f"color: {c.ink}; background-color: {c.background}; font-weight: 600" if c else ""

    table = pd.DataFrame(columns).style.map(paint, subset=["Verdict"])
    if "Lifting index" in columns:
        table = table.format({"Lifting index": lambda v: "–" if pd.isna(v) else f"{v:.2f}"})
    height = 38 + 35 * min(len(rows), TABLE_ROWS)
    if not selectable:
        st.dataframe(table, hide_index=True, key=f"{key}-table", width="stretch", height=height)
        return None
    event = st.dataframe(
        table,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key=f"{key}-table",
        width="stretch",
        height=height,
    )
    picked = event.selection.rows if event is not None and hasattr(event, "selection") else []
    return rows[picked[0]].lift if picked else None


def _lift_card(row: LiftRow, thumbnail: bytes | None, view: ReportView) -> None:
    articles = {a.id: a for a in view.articles}
    partial = f" · cut off at the {row.partial} of the recording" if row.partial else ""
    li = f" · **{_li_text(row.li, str(row.niosh.get('band') or ''))}**" if row.li is not None else ""
    st.markdown(
        f"**Lift {row.lift}** · {_fmt(row.start_s, '', 1)}–{_fmt(row.end_s, '', 1)} s · {row.style} · "
        f"{verdict_badge(row.verdict)}{li}{partial}"
    )
    left, right = st.columns([1, 2])
    with left:
        if thumbnail:
            st.image(thumbnail, caption=f"Lift {row.lift}: deepest bend", width="stretch")
        st.caption(
            f"Trunk {_fmt(row.peak_trunk_flexion_deg)} · knees {_fmt(row.knee_flexion_at_bottom_deg)} · "
            f"twist {_fmt(row.peak_twist_deg)} · side bend {_fmt(row.peak_side_bend_deg)} · "
            f"stoop–squat index {_fmt(row.stoop_squat_index, '')} (0 all knees … 100 all waist) · "
            f"REBA-style scores: trunk {row.reba_trunk} of 5, legs {row.reba_legs} of 3 · "
            f"camera view: {row.view}"
        )
    with right:
        if row.not_judged_reason:
            st.info(row.not_judged_reason.capitalize())
        elif not row.findings:
            st.markdown(f"{severity_badge('ok')} Knees bent, trunk fairly upright, no twist: keep lifting like this.")
        for f in row.findings:
            unit = f.unit if f.unit.startswith("°") else f" {f.unit}"
            threshold = "–" if f.threshold is None else f"{f.threshold:g}{unit}"
            spread = f" ± {f.uncertainty:.0f}" if f.uncertainty else ""
            st.markdown(
                f"{severity_badge(f.severity)} **{f.cue}** — {f.title.lower()}: "
                f"{_fmt(f.value, unit, 0)}{spread} (threshold {threshold})"
            )
            st.write(f.advice)
            if f.near_limit:
                st.caption(NEAR_LIMIT_NOTE)
            if f.note:
                st.caption(f"Uncertain in this view: {f.note}")
            cites = [citation(articles[a].title, articles[a].publisher) for a in f.articles if a in articles]
            st.caption(("See " + "; ".join(cites) + ". " if cites else "") + f"Threshold: {f.standard}.")
        _niosh_lines(row)


def _niosh_lines(row: LiftRow) -> None:
    """The lifting equation for one lift, in two or three short lines."""
    n = row.niosh
    if not n:
        return
    if "origin" not in n:
        st.caption(f"Lifting index not assessed: {n.get('reason', '')}.")
        return
    task = n.get("task", {})
    if not n.get("applicable", True):
        st.caption(f"Lifting index not applicable: {n.get('reason', '')}.")
    elif n.get("li") is not None:
        st.markdown(
            f"**Lifting index {n['li']:.2f}** ({n.get('band')}): recommended limit {n.get('rwl_kg', 0):.1f} kg "
            f"for {task.get('load_kg', 0):.1f} kg"
        )
    elif (n.get("rwl_kg") or 0) <= 0:
        because, pace = no_load_why(n)
        st.markdown(_no_load_words(because, pace))
    else:
        st.markdown(f"**Recommended weight limit {n.get('rwl_kg', 0):.1f} kg** (give the load for an index)")
    inputs = niosh_inputs(n)
    if inputs:
        st.caption(f"At the grasp: {inputs}")
    if n.get("change"):
        st.caption(n["change"])


def lift_cards(view: ReportView, thumbnails: dict[int, bytes]) -> None:
    """The lifts that need work first, each on a full card; the others on one line each, so 20 lifts stay short."""
    worst_first = sorted(
        (r for r in view.lifts if r.verdict in NEEDS_WORK), key=lambda r: (NEEDS_WORK.index(r.verdict), r.lift)
    )
    full = worst_first[:MAX_FULL_CARDS]
    rest = [r for r in view.lifts if r not in full]
    if full:
        more = len(worst_first) - len(full)
        st.subheader("Lifts to work on")
        if more:
            st.caption(f"The {len(full)} worst in full; {more} more that need work are in the list below.")
        for row in sorted(full, key=lambda r: r.lift):
            with st.container(border=True):
                _lift_card(row, thumbnails.get(row.lift), view)
    if rest:
        st.subheader("The other lifts" if full else "Each lift")
        if not full and len(rest) <= 3:  # a short session of good lifts: the cards are not long
            for row in rest:
                with st.container(border=True):
                    _lift_card(row, thumbnails.get(row.lift), view)
            return
        lines = []
        for row in rest:
            why = row.not_judged_reason or (row.cue if row.cue else "")
            li = f" · {_li_text(row.li)}" if row.li is not None else ""
            lines.append(
                f"- **Lift {row.lift}** · {_fmt(row.start_s, '', 1)}–{_fmt(row.end_s, '', 1)} s · {row.style} · "
                f"{verdict_badge(row.verdict)}{li} · trunk {_fmt(row.peak_trunk_flexion_deg)}, knees "
                f"{_fmt(row.knee_flexion_at_bottom_deg)}{' · ' + plain(why) if why else ''}"
            )
        st.markdown("\n".join(lines))


def timeline_chart(view: ReportView) -> None:
    """The printable report's chart (``charts.timeline_spec``), drawn interactively."""
    if view.timeline is None or not len(view.timeline["t_s"]):
        return
    spec = timeline_spec(view)
    data = pd.DataFrame({"time (s)": spec.t_s, **{s.label: s.values for s in spec.series}})
    long = data.melt("time (s)", var_name="angle", value_name="degrees")
    labels = [s.label for s in spec.series]
    lines = (
        alt.Chart(long)
        .mark_line()
        .encode(
            x=alt.X("time (s):Q"),
            y=alt.Y("degrees:Q", title="degrees"),
            color=alt.Color(
                "angle:N",
                scale=alt.Scale(domain=labels, range=[s.colour for s in spec.series]),
                legend=alt.Legend(orient="top"),
            ),
            strokeDash=alt.StrokeDash(
                "angle:N",
                scale=alt.Scale(domain=labels, range=[[int(d) for d in s.dash.split()] or [1, 0] for s in spec.series]),
                legend=None,
            ),
        )
    )
    layers = []
    if spec.twists:
        marks = pd.DataFrame(
            [{"time (s)": m.t_s, "degrees": m.deg, "twist": m.label, "judged": m.judged} for m in spec.twists]
        )
        layers.append(
            alt.Chart(marks)
            .mark_point(size=60, filled=True, color=spec.series[2].colour)
            .encode(x="time (s):Q", y="degrees:Q", tooltip=["twist", "judged"])
        )
    if spec.bands:
        bands = pd.DataFrame(
            [{"start": b.start_s, "end": b.end_s, "lift": f"lift {b.lift}", "verdict": b.verdict} for b in spec.bands]
        )
        colours = {b.verdict: b.colour for b in spec.bands}
        layers.append(
            alt.Chart(bands)
            .mark_rect(opacity=0.18)
            .encode(
                x=alt.X("start:Q", title="time (s)"),
                x2="end:Q",
                color=alt.Color(
                    "verdict:N", scale=alt.Scale(domain=list(colours), range=list(colours.values())), legend=None
                ),
                tooltip=["lift", "verdict"],
            )
        )
    thresholds = pd.DataFrame({"degrees": [deg for deg, _ in spec.thresholds]})
    layers.append(alt.Chart(thresholds).mark_rule(strokeDash=[4, 4], color="#888").encode(y="degrees:Q"))
    # Independent colours: a shared scale keeps only the verdict domain and the angle lines vanish.
    chart = alt.layer(*layers, lines).resolve_scale(color="independent").properties(height=280)
    st.altair_chart(chart, width="stretch")
    st.caption(spec.description)


def twist_table(view: ReportView) -> None:
    """Each twist: when, how far and which way, how fast, bent or loaded, and whether the view could judge it."""
    st.subheader("Twists")
    rows = view.twist_events
    table = pd.DataFrame(
        {
            "When (s)": [f"{_fmt(e.start_s, '', 1)}–{_fmt(e.end_s, '', 1)}" for e in rows],
            "Peak (°)": [_round(abs(e.peak_deg)) if e.peak_deg is not None else None for e in rows],
            "Way": [e.direction_words for e in rows],
            "Fastest (°/s)": [_round(e.peak_speed_deg_s) for e in rows],
            "Bent": ["yes" if e.bent else "no" for e in rows],
            "Loaded": ["cannot tell" if e.loaded is None else ("yes" if e.loaded else "no") for e in rows],
            "During": [f"lift {e.in_lift}" if e.in_lift is not None else "between lifts" for e in rows],
            "Judged": ["yes" if e.reliable else "no (film from the front or at 45°)" for e in rows],
            "In the lift's verdict": [view.twist_in_verdict(e) for e in rows],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")


def downloads(report: dict, view: ReportView, thumbnails: dict[int, bytes], key: str) -> None:
    stem = file_stem(view.source)  # the user's file name, reduced to safe characters
    cols = st.columns(3)
    cols[0].download_button(
        "Download JSON",
        json.dumps(report, indent=2, ensure_ascii=False),
        f"{stem}-liftcheck.json",
        "application/json",
        key=f"{key}-json",
    )
    cols[1].download_button("Download CSV", view.to_csv(), f"{stem}-liftcheck.csv", "text/csv", key=f"{key}-csv")
    cols[2].download_button(
        "Download HTML report",
        render_html(view, thumbnails),
        f"{stem}-liftcheck.html",
        "text/html",
        key=f"{key}-html",
    )


def _lift_clip(video: bytes, row: LiftRow) -> bytes | None:
    """The lift's span of ``video`` (with ``CLIP_MARGIN_S`` either side) as an MP4 of its own; kept per session."""
    if row.start_s is None or row.end_s is None:
        return None
    cache: dict[tuple[str, int], bytes] = st.session_state.setdefault("lift-clips", {})
    digest = hashlib.sha1(video).hexdigest()
    if (digest, row.lift) in cache:
        return cache[(digest, row.lift)]
    # Imported here: the summary view itself touches no frames (History and Live show it without PyAV).
    from liftcheck.video import VideoError, VideoWriteError, cut_clip

    workdir = make_workdir()
    try:
        source = workdir / "video.mp4"
        source.write_bytes(video)
        out = workdir / "clip.mp4"
        cut_clip(source, max(0.0, row.start_s - CLIP_MARGIN_S), row.end_s + CLIP_MARGIN_S, out)
        clip = out.read_bytes()
    except (VideoError, VideoWriteError, OSError, ValueError) as exc:
        st.warning(plain(f"The clip of lift {row.lift} could not be cut: {exc}"))
        return None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if len(cache) > 20:  # a few clips are kept for going back and forth; not a whole session's worth
        cache.clear()
    cache[(digest, row.lift)] = clip
    return clip


def video_player(view: ReportView, video: bytes, picked: int | None, key: str) -> None:
    """The whole video, or the picked lift's part of it with its clip to download (beside the player)."""
    row = next((r for r in view.lifts if r.lift == picked), None) if picked is not None else None
    player, side = st.columns([3, 2], gap="medium")
    if row is None or row.start_s is None or row.end_s is None:
        player.video(video)
        side.caption("The annotated video: the skeleton, the angles and each lift's verdict as it ends.")
        return
    start = max(0.0, row.start_s - CLIP_MARGIN_S)
    end = row.end_s + CLIP_MARGIN_S
    player.video(video, start_time=start, end_time=end)
    with side:
        st.markdown(f"**Lift {row.lift}** · {start:.1f}–{end:.1f} s · {row.style} · {verdict_badge(row.verdict)}")
        if row.cue:
            st.write(row.cue)
        clip = _lift_clip(video, row)
        if clip is not None:
            st.download_button(
                f"Download the clip of lift {row.lift}",
                clip,
                f"{file_stem(view.source)}-lift-{row.lift}.mp4",
                "video/mp4",
                key=f"{key}-clip-{row.lift}",
            )


def render_summary(
    report: dict, *, thumbnails: dict[int, bytes] | None = None, video: bytes | None = None, key: str = "summary"
) -> None:
    """The whole result view: who and when, headline and counts, the lift table, then the video, the lift cards,
    the chart, the twists, the advice and the downloads. The first three fit the first screen."""
    thumbnails = thumbnails or {}
    view = ReportView.from_dict(report)
    session_line(view)
    headline(view)
    picked = None
    if view.lifts:
        st.subheader("Lifts")
        if video:
            st.caption("Choose a lift in the table to play it on its own and download its clip.")
        picked = lift_table(view, key, selectable=bool(video))
    line = judged_line(view)
    if line:
        st.caption(line)
    neutral = view.neutral_line()
    if neutral:
        st.caption(neutral)
    for warning in view.warnings:
        st.warning(plain(warning))
    if video:
        video_player(view, video, picked, key)
    if view.lifts:
        lift_cards(view, thumbnails)
    st.subheader("Angles over time")
    timeline_chart(view)
    if view.twist_events:
        twist_table(view)
    if view.summary.advice:
        st.subheader("What to work on")
        for item in view.summary.advice:
            what = "twist" if not view.lifts and item.rule_id == "trunk_twist" else "lift"
            count = f"{item.lifts} {what}{'s' if item.lifts != 1 else ''}"
            st.markdown(f"- **{item.cue}** ({count}): {item.advice}")
    downloads(report, view, thumbnails, key)
    st.caption(PAGE_NOTE)
