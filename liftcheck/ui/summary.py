"""The per-lift summary view, shared by Upload, Live and History (one renderer, no copies).

Reads only the report dict (``Report.to_dict()``), so a fresh analysis and a session
reopened from History look the same.
"""

from __future__ import annotations

import json
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from liftcheck.config import DEFAULT_CONFIG
from liftcheck.draw import VERDICT_RGB, rgb_hex
from liftcheck.html_report import render_html
from liftcheck.report import rows_to_csv

VERDICT_ICON = {"good": "✅", "caution": "⚠️", "poor": "⛔"}
SEVERITY_ICON = {"poor": "⛔", "caution": "⚠️", "info": "ℹ️", "ok": "✅"}
PRIVACY_LINE = (
    "Analysed on this machine: the video did not leave it. liftcheck gives guidance on lifting technique; "
    "it is not a diagnosis and not a medical device."
)


def _round(value: object) -> int | None:
    return None if value is None else int(round(float(value)))  # type: ignore[arg-type]


def _fmt(value: object, unit: str = "°", digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{float(value):.{digits}f}{unit}"  # type: ignore[arg-type]


def headline(report: dict) -> None:
    summary = report["summary"]
    verdicts = summary["verdicts"]
    cols = st.columns(4)
    cols[0].metric("Lifts", summary["lift_count"])
    cols[1].metric("Good", verdicts.get("good", 0))
    cols[2].metric("Caution", verdicts.get("caution", 0))
    cols[3].metric("Poor", verdicts.get("poor", 0))
    advice = summary["advice"]
    if summary["lift_count"] == 0:
        st.info(summary["headline"])
    elif advice:
        first = advice[0]
        st.markdown(f"#### First thing to change: {first['cue']}")
        st.write(first["advice"])
    else:
        st.success("Every lift looked good: keep lifting like this.")
    for warning in report.get("warnings", []):
        st.warning(warning)


def lift_table(report: dict, key: str) -> int | None:
    """The per-lift table; returns the lift the user picked (1-based), if any."""
    rows = report["lifts"]
    if not rows:
        return None
    frame = pd.DataFrame(
        {
            "Lift": [r["lift"] for r in rows],
            "Time (s)": [f"{r['start_s']:.1f}–{r['end_s']:.1f}" for r in rows],
            "Style": [r["style"] + (" (partial)" if r["partial"] else "") for r in rows],
            "Stoop–squat index": [_round(r["stoop_squat_index"]) for r in rows],
            "Trunk flexion (°)": [_round(r["peak_trunk_flexion_deg"]) for r in rows],
            "Knee flexion (°)": [_round(r["knee_flexion_at_bottom_deg"]) for r in rows],
            "Twist (°)": [_round(r["peak_twist_deg"]) for r in rows],
            "Verdict": [f"{VERDICT_ICON.get(r['verdict'], '')} {r['verdict']}" for r in rows],
            "Cue": [r["cue"] for r in rows],
        }
    )
    event = st.dataframe(
        frame,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key=f"{key}-table",
        width="stretch",
    )
    picked = event.selection.rows if event is not None and hasattr(event, "selection") else []
    return int(rows[picked[0]]["lift"]) if picked else None


def lift_cards(report: dict, thumbnails: dict[int, bytes]) -> None:
    articles = report.get("articles", {})
    for row in report["lifts"]:
        icon = VERDICT_ICON.get(row["verdict"], "")
        partial = f" · cut off at the {row['partial']} of the recording" if row["partial"] else ""
        with st.container(border=True):
            st.markdown(
                f"**Lift {row['lift']}** · {row['start_s']:.1f}–{row['end_s']:.1f} s · {row['style']} · "
                f"{icon} **{row['verdict']}**{partial}"
            )
            left, right = st.columns([1, 2])
            with left:
                thumb = thumbnails.get(int(row["lift"]))
                if thumb:
                    st.image(thumb, caption=f"Lift {row['lift']}: deepest bend", width="stretch")
                st.caption(
                    f"Trunk {_fmt(row['peak_trunk_flexion_deg'])} · knees {_fmt(row['knee_flexion_at_bottom_deg'])} · "
                    f"twist {_fmt(row['peak_twist_deg'])} · side bend {_fmt(row['peak_side_bend_deg'])} · "
                    f"stoop–squat index {_fmt(row['stoop_squat_index'], '')} (0 all knees … 100 all waist) · "
                    f"REBA-style scores: trunk {row['reba_trunk']} of 5, legs {row['reba_legs']} of 3 · "
                    f"camera view: {row['view']}"
                )
            with right:
                findings = row["findings"]
                if not findings:
                    st.markdown("✅ Knees bent, trunk fairly upright, no twist: keep lifting like this.")
                for f in findings:
                    mark = SEVERITY_ICON.get(f["severity"], "")
                    unit = f["unit"] if f["unit"].startswith("°") else f" {f['unit']}"
                    measured = f"{_fmt(f['value'], unit, 0)} (threshold {f['threshold']:g}{unit})"
                    st.markdown(f"{mark} **{f['cue']}** — {f['title'].lower()}: {measured}")
                    st.write(f["advice"])
                    if f["note"]:
                        st.caption(f"Uncertain in this view: {f['note']}")
                    cites = [
                        f"“{articles[a]['title']}”"
                        + (f" ({articles[a]['publisher']})" if articles[a]["publisher"] else "")
                        for a in f["articles"]
                        if a in articles
                    ]
                    st.caption(("See " + "; ".join(cites) + ". " if cites else "") + f"Threshold: {f['standard']}.")


def timeline_chart(report: dict) -> None:
    timeline = report.get("timeline")
    if not timeline or not timeline.get("t_s"):
        return
    data = pd.DataFrame(
        {
            "time (s)": timeline["t_s"],
            "trunk flexion": timeline["trunk_flexion_deg"],
            "knee flexion": timeline["knee_flexion_deg"],
            "twist": [abs(v) if v is not None else None for v in timeline["trunk_twist_deg"]],
        }
    )
    if len(data) > 3000:  # keep the browser light on long sessions
        data = data.iloc[:: max(1, len(data) // 3000)]
    long = data.melt("time (s)", var_name="angle", value_name="degrees")
    lines = (
        alt.Chart(long)
        .mark_line()
        .encode(
            x=alt.X("time (s):Q"),
            y=alt.Y("degrees:Q", title="degrees"),
            color=alt.Color("angle:N", legend=alt.Legend(orient="top")),
            strokeDash=alt.StrokeDash("angle:N", legend=None),
        )
    )
    lifts = pd.DataFrame(
        [
            {"start": r["start_s"], "end": r["end_s"], "lift": f"lift {r['lift']}", "verdict": r["verdict"]}
            for r in report["lifts"]
        ]
    )
    layers = []
    if not lifts.empty:
        scale = alt.Scale(domain=list(VERDICT_RGB), range=[rgb_hex(c) for c in VERDICT_RGB.values()])
        layers.append(
            alt.Chart(lifts)
            .mark_rect(opacity=0.15)
            .encode(
                x=alt.X("start:Q", title="time (s)"),
                x2="end:Q",
                color=alt.Color("verdict:N", scale=scale, legend=None),
                tooltip=["lift", "verdict"],
            )
        )
    rules = DEFAULT_CONFIG.rules
    thresholds = pd.DataFrame({"degrees": [rules.trunk_moderate_deg, rules.trunk_severe_deg]})
    layers.append(alt.Chart(thresholds).mark_rule(strokeDash=[4, 4], color="#888").encode(y="degrees:Q"))
    # Independent colours: a shared scale keeps only the verdict domain and the angle lines vanish.
    chart = alt.layer(*layers, lines).resolve_scale(color="independent").properties(height=280)
    st.altair_chart(chart, width="stretch")
    st.caption(
        "Shaded: each lift, coloured by its verdict. Dashed: trunk flexion bands at 20° and 60° (REBA, ISO 11226)."
    )


def downloads(report: dict, thumbnails: dict[int, bytes], key: str) -> None:
    stem = Path(str(report.get("source") or "session")).stem[:60] or "session"
    cols = st.columns(3)
    cols[0].download_button(
        "Download JSON",
        json.dumps(report, indent=2, ensure_ascii=False),
        f"{stem}-liftcheck.json",
        "application/json",
        key=f"{key}-json",
    )
    cols[1].download_button(
        "Download CSV", rows_to_csv(report["lifts"]), f"{stem}-liftcheck.csv", "text/csv", key=f"{key}-csv"
    )
    cols[2].download_button(
        "Download HTML report",
        render_html(report, thumbnails),
        f"{stem}-liftcheck.html",
        "text/html",
        key=f"{key}-html",
    )


def render_summary(
    report: dict, *, thumbnails: dict[int, bytes] | None = None, video: bytes | None = None, key: str = "summary"
) -> None:
    """The whole result view: headline, video, table, lift cards, chart, downloads, privacy line."""
    thumbnails = thumbnails or {}
    headline(report)
    picked = None
    video_slot = st.empty()
    if report["lifts"]:
        st.subheader("Lifts")
        st.caption("Choose a lift in the table to play the video from its start.")
        picked = lift_table(report, key)
    if video:
        start = 0
        if picked is not None:
            row = next(r for r in report["lifts"] if r["lift"] == picked)
            start = max(0, int(row["start_s"]))
        video_slot.video(video, start_time=start)
    if report["lifts"]:
        lift_cards(report, thumbnails)
    st.subheader("Angles over time")
    timeline_chart(report)
    if report["summary"]["advice"]:
        st.subheader("What to work on")
        for item in report["summary"]["advice"]:
            st.markdown(
                f"- **{item['cue']}** ({item['lifts']} lift{'s' if item['lifts'] != 1 else ''}): {item['advice']}"
            )
    downloads(report, thumbnails, key)
    st.caption(PRIVACY_LINE)
