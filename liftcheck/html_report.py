"""The report as one self-contained HTML file, to print or send to a coach.

Pure: the standard library, ``charts`` and the pure report/presentation modules. Input is a
report dict (``Report.to_dict()``, fresh or from History) or its ``ReportView``, plus the
optional thumbnails (lift index -> JPEG bytes), which the dict does not carry. The page has
inline CSS, inline SVG and images as data URIs: no script, no font, no link or reference to
anything outside the file, so it opens offline and leaks nothing when mailed. Every string from
the report is HTML-escaped; verdicts are written as words, with colour only as a second signal.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from html import escape
from typing import Any

from liftcheck.charts import timeline_svg
from liftcheck.config import DEFAULT_CONFIG, RuleConfig
from liftcheck.guidance import CUES
from liftcheck.presentation import (
    DISCLAIMER,
    NEAR_LIMIT_NOTE,
    PAPER,
    PRIVACY_LINE,
    SEE_A_PROFESSIONAL,
    SEVERITY_LABEL,
    STYLE_LABEL,
    VERDICT_LABEL,
    VERDICT_MARK,
    VERDICTS,
    citation,
    niosh_verdict,
)
from liftcheck.report import COLUMN, ArticleRef, Column, FindingRow, LiftRow, ReportView, as_view

# The numbers of the lift table, and of each lift's card, in order.
TABLE_COLUMNS = tuple(
    COLUMN[k] for k in ("stoop_squat_index", "peak_trunk_flexion_deg", "knee_flexion_at_bottom_deg", "peak_twist_deg")
)
CARD_COLUMNS = (*TABLE_COLUMNS, COLUMN["peak_side_bend_deg"])


def _palette_css() -> str:
    """The CSS variables of the paper palette: ``--poor``, ``--poor-bg``, ``--poor-edge`` and so on."""
    parts = ["--ink:#1f2328; --muted:#555d66; --line:#d0d7de; --bg-soft:#f6f8fa;"]
    parts += [f"--{name}:{c.ink}; --{name}-bg:{c.background}; --{name}-edge:{c.edge};" for name, c in PAPER.items()]
    return "\n:root { " + "\n  ".join(parts) + " }\n"


CSS = (
    _palette_css()
    + """* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.45;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 960px; margin: 0 auto; padding: 24px 20px 40px; }
h1 { font-size: 1.7rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 0; }
p { margin: 6px 0; }
.meta { color: var(--muted); margin: 0; }
.headline { font-size: 1.1rem; font-weight: 600; margin: 14px 0 10px; }
.stats { display: flex; flex-wrap: wrap; gap: 10px; margin: 10px 0 14px; padding: 0; list-style: none; }
.stats li { flex: 1 1 120px; border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px;
  background: var(--bg-soft); }
.stats .n { display: block; font-size: 1.6rem; font-weight: 700; line-height: 1.1; }
.stats .good { background: var(--good-bg); border-color: var(--good-edge); color: var(--good); }
.stats .caution { background: var(--caution-bg); border-color: var(--caution-edge); color: var(--caution); }
.stats .poor { background: var(--poor-bg); border-color: var(--poor-edge); color: var(--poor); }
.stats .not-judged { background: var(--note-bg); border-color: var(--note-edge); color: var(--note); }
.first { border-left: 5px solid var(--poor-edge); background: var(--bg-soft); padding: 10px 14px; border-radius: 4px; }
.first.sev-caution { border-left-color: var(--caution-edge); }
.first.sev-good { border-left-color: var(--good-edge); }
.first .label { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 0; }
.first .cue { font-size: 1.2rem; font-weight: 700; margin: 2px 0; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: .85rem; font-weight: 600;
  border: 1px solid; white-space: nowrap; }
.badge.good, .badge.ok { color: var(--good); background: var(--good-bg); border-color: var(--good-edge); }
.badge.caution { color: var(--caution); background: var(--caution-bg); border-color: var(--caution-edge); }
.badge.poor { color: var(--poor); background: var(--poor-bg); border-color: var(--poor-edge); }
.badge.info, .badge.uncertain, .badge.not-judged { color: var(--note); background: var(--note-bg);
  border-color: var(--note-edge); }
.badge.near { color: var(--near); background: var(--near-bg); border-color: var(--near-edge); }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
caption { text-align: left; color: var(--muted); padding: 0 0 6px; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--bg-soft); border-bottom: 2px solid var(--line); font-weight: 600; }
td.when, td.style { white-space: nowrap; }
a { color: #0b4f8a; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th.num { text-align: right; }
tbody th a { color: inherit; }
.uncertain-mark { color: var(--note); font-size: .8rem; display: block; white-space: nowrap; }
.table-note { color: var(--muted); font-size: .85rem; }
figure { margin: 0; }
figure svg { display: block; width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
figcaption { color: var(--muted); font-size: .88rem; margin-top: 6px; }
.cards { display: grid; gap: 14px; }
.card { border: 1px solid var(--line); border-left: 6px solid var(--note-edge); border-radius: 8px;
  padding: 12px 14px; }
.card.good { border-left-color: var(--good-edge); }
.card.caution { border-left-color: var(--caution-edge); }
.card.poor { border-left-color: var(--poor-edge); }
.card.not-judged { border-left-color: var(--note-edge); }
.judged { color: var(--muted); font-size: .92rem; }
.niosh { border-top: 1px solid var(--line); margin-top: 8px; padding-top: 6px; }
.card header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 12px; margin-bottom: 8px; }
.card .when { color: var(--muted); }
.card-body { display: flex; gap: 16px; align-items: flex-start; }
.card-body img { width: 240px; max-width: 40%; height: auto; border-radius: 6px; border: 1px solid var(--line); }
.card-body .text { flex: 1; min-width: 0; }
dl.measures { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 4px 14px;
  margin: 0 0 8px; }
dl.measures div { margin: 0; }
dl.measures dt { font-size: .78rem; color: var(--muted); }
dl.measures dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
ul.findings { list-style: none; padding: 0; margin: 0; }
ul.findings > li { border-top: 1px solid var(--line); padding: 8px 0 4px; }
.finding .cue { font-weight: 700; }
.finding .title { color: var(--muted); }
.small { font-size: .86rem; color: var(--muted); }
.uncertain-note { background: var(--note-bg); color: var(--note); padding: 4px 8px; border-radius: 4px;
  font-size: .88rem; }
ol.advice > li { margin-bottom: 10px; }
.references li { margin-bottom: 8px; }
.partial { color: var(--caution); font-weight: 600; }
.empty { border: 1px dashed var(--note-edge); background: var(--note-bg); color: var(--note); padding: 12px 16px;
  border-radius: 8px; }
footer { margin-top: 36px; padding-top: 12px; border-top: 2px solid var(--line); font-size: .9rem; }
footer p { margin: 4px 0; }
.disclaimer { font-weight: 600; }
@media (max-width: 640px) { .card-body { flex-direction: column; } .card-body img { max-width: 100%; } }
@media print {
  @page { margin: 14mm; }
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .card, figure, .first, .stats, tr, .references li, .keep { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
}
"""
)


# -- small formatting helpers


def _e(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return escape("" if value is None else str(value), quote=True)


def _sep(unit: str) -> str:
    # "27.9°", "11.9° knee flexion", but "10.0 lifts/min".
    return "" if unit.startswith(("°", "%")) or not unit else " "


def _with_unit(value: float | None, unit: str, digits: int = 1) -> str:
    if value is None:
        return "—"
    number = f"{value:.{digits}f}" if digits else f"{value:.0f}"
    return f"{number}{_sep(unit)}{unit}"


def _threshold(value: float | None, unit: str) -> str:
    return "—" if value is None else f"{value:g}{_sep(unit)}{unit}"


def _clock(t_s: float | None) -> str:
    """Seconds as ``12.3 s`` or, past a minute, ``1:02.3``."""
    if t_s is None:
        return "?"
    if t_s < 60:
        return f"{t_s:.1f} s"
    minutes, seconds = divmod(t_s, 60.0)
    return f"{int(minutes)}:{seconds:04.1f}"


def _span(start: float | None, end: float | None) -> str:
    a, b = _clock(start), _clock(end)
    if a.endswith(" s") and b.endswith(" s"):
        return f"{a[:-2]}–{b}"
    return f"{a}–{b}"


def _cls(level: str) -> str:
    """A verdict or severity as a CSS class ("not judged" -> "not-judged")."""
    return "-".join(_e(level).split())


def _verdict_badge(verdict: str) -> str:
    label = VERDICT_LABEL.get(verdict, verdict.capitalize() or "Unknown")
    mark = VERDICT_MARK.get(verdict, "?")
    return f'<span class="badge {_cls(verdict)}"><span aria-hidden="true">{mark} </span>{_e(label)}</span>'


def _severity_badge(severity: str) -> str:
    return f'<span class="badge {_cls(severity)}">{_e(SEVERITY_LABEL.get(severity, severity.capitalize()))}</span>'


def _image_mime(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "image/jpeg"


def _citation_html(article_id: str, articles: Mapping[str, ArticleRef]) -> str:
    art = articles.get(article_id)
    if art is None:
        return _e(article_id)
    return f'<a href="#ref-{_e(article_id)}">{_e(citation(art.title, art.publisher))}</a>'


def _measure(row: LiftRow, column: Column, digits: int = 1) -> str:
    """A lift's value in a column as text, marked when the camera view makes it uncertain."""
    text = _with_unit(row.value(column), column.unit or "", digits if column.unit else 0)
    return f"{text} (uncertain)" if text != "—" and row.uncertain(column) else text


# -- sections


def _header(view: ReportView, title: str) -> str:
    bits = []
    if view.session.person:
        bits.append(f"Person: <strong>{_e(view.session.person)}</strong>")
    if view.session.task:
        bits.append(f"Task: <strong>{_e(view.session.task)}</strong>")
    if view.session.analysed_at:
        bits.append(f"analysed {_e(view.session.analysed_at.replace('T', ' ').replace('+00:00', ' UTC'))}")
    if view.source:
        bits.append(f"Video: <strong>{_e(view.source)}</strong>")
    if view.duration_s is not None:
        bits.append(f"length {_clock(view.duration_s)}")
    if view.view != "unknown":
        bits.append(f"filmed mostly from the {_e(view.view)}")
    if view.summary.lifts_per_minute is not None:
        bits.append(f"{view.summary.lifts_per_minute:.1f} lifts a minute")
    meta = " · ".join(bits)
    return f"<header><h1>{_e(title)}</h1>" + (f'<p class="meta">{meta}</p>' if meta else "") + "</header>"


_MEASURE_WORDS = {
    "trunk_flexion": "forward bend",
    "knee_flexion": "knee bend",
    "trunk_twist": "twist",
    "side_bend": "side bend",
}


def judged_line(view: ReportView) -> str:
    """Which measures the camera's view could judge, on how many of the complete lifts ("" without lifts)."""
    counted = view.summary.counted_lifts
    if counted <= 0 or not view.summary.judged:
        return ""
    parts = [
        f"{words} on {view.summary.judged.get(key, 0)}"
        for key, words in _MEASURE_WORDS.items()
        if key in view.summary.judged
    ]
    return (
        f"Of the {counted} complete lift{'s' if counted != 1 else ''}, this view could judge " + ", ".join(parts) + "."
    )


def _twist_session(view: ReportView) -> str:
    """The twisting summary of a session without lifts (a golf swing, a woodchop set)."""
    t = view.summary.twists
    if t.count == 0:
        return ""
    rows = [
        ("Twists the camera could judge", f"{t.count} ({t.left} to the left, {t.right} to the right)"),
        ("Past the limit by more than the measurement's error", str(t.past_limit)),
        ("Largest", _with_unit(t.max_deg, "°", 0)),
        ("Fastest turn", _with_unit(t.max_speed_deg_s, "°/s", 0)),
        ("While bent forward", str(t.bent)),
        ("How often", _with_unit(t.per_minute, "a minute", 1)),
    ]
    items = "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in rows)
    return f'<dl class="measures" aria-label="Twisting">{items}</dl>'


def _summary(view: ReportView) -> str:
    summary = view.summary
    out = ['<section aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2>']
    if not view.lifts:
        twists = _twist_session(view)
        if twists:
            out.append(f'<p class="headline">{_e(summary.headline)}</p>{twists}')
            if summary.advice:
                first = summary.advice[0]
                out.append(
                    f'<div class="first sev-{_cls(first.severity)}"><p class="label">The one thing to change first</p>'
                    f'<p class="cue">{_e(first.cue)}</p><p>{_e(first.advice)}</p></div>'
                )
            out.append("</section>")
            return "".join(out)
        out.append('<div class="empty" role="note">')
        out.append(f"<p><strong>{_e(summary.headline or 'No lifts were found in this video.')}</strong></p>")
        out.append(
            "<p>To get a lift check next time:</p><ul>"
            "<li>Keep the whole body, feet to head, in the picture for the whole lift.</li>"
            "<li>Film from the side to judge the bend of the back and knees, or at about 45° to see twist too.</li>"
            "<li>Use good, even light and a camera that stays still (a tripod or a shelf).</li>"
            "<li>Bend all the way down to the load and stand fully back up: half-movements are not counted.</li>"
            "</ul></div></section>"
        )
        return "".join(out)
    out.append(f'<p class="headline">{_e(summary.headline)}</p>')
    count = summary.counted_lifts
    out.append('<ul class="stats" aria-label="Lift counts">')
    out.append(f'<li><span class="n">{count}</span> complete lift{"s" if count != 1 else ""}</li>')
    for v in VERDICTS:
        if v == "not judged" and not summary.verdicts.get(v):
            continue
        out.append(
            f'<li class="{_cls(v)}"><span class="n">{_e(summary.verdicts.get(v, 0))}</span>'
            f'<span aria-hidden="true">{VERDICT_MARK[v]} </span>{VERDICT_LABEL[v].lower()}</li>'
        )
    out.append("</ul>")
    line = judged_line(view)
    if line:
        out.append(f'<p class="judged">{_e(line)}</p>')
    neutral = view.neutral_line()
    if neutral:
        out.append(f'<p class="small">{_e(neutral)}</p>')
    if summary.advice:
        first = summary.advice[0]
        out.append(f'<div class="first sev-{_cls(first.severity)}"><p class="label">The one thing to change first</p>')
        out.append(f'<p class="cue">{_e(first.cue)}</p><p>{_e(first.advice)}</p></div>')
    elif summary.verdicts.get("not judged") and not summary.verdicts.get("good"):
        out.append(
            '<div class="first sev-info"><p class="label">The one thing to change first</p>'
            '<p class="cue">Move the camera</p><p>From this view the forward bend cannot be judged: film from the '
            "side or at about 45°.</p></div>"
        )
    else:
        out.append(
            f'<div class="first sev-good"><p class="label">The one thing to change first</p>'
            f'<p class="cue">Nothing stood out</p><p>{_e(CUES["good"].advice)}</p></div>'
        )
    out.append("</section>")
    return "".join(out)


def _lift_table(view: ReportView, config: RuleConfig) -> str:
    out = ['<section aria-labelledby="lifts-h"><h2 id="lifts-h">Lift by lift</h2>']
    headings = "".join(f'<th scope="col" class="num">{_e(c.heading)}</th>' for c in TABLE_COLUMNS)
    out.append(
        "<table><caption>Each lift's timing, style and peak angles. Trunk flexion is the forward bend of the back "
        "from upright; knee flexion is measured at the lowest point.</caption><thead><tr>"
        f'<th scope="col">Lift</th><th scope="col">Time</th><th scope="col">Style</th>{headings}'
        '<th scope="col">Verdict</th></tr></thead><tbody>'
    )
    for row in view.lifts:
        marked = [row.uncertain(c) and row.value(c) is not None for c in TABLE_COLUMNS]
        cells = "".join(
            f'<td class="num">{_with_unit(row.value(c), c.unit, 1 if c.unit else c.shown_digits)}'
            + ('<span class="uncertain-mark">(uncertain)</span>' if mark else "")
            + "</td>"
            for c, mark in zip(TABLE_COLUMNS, marked)
        )
        partial = f' <span class="partial">(cut off at the {_e(row.partial)})</span>' if row.partial else ""
        out.append(
            f'<tr class="lift-row {_cls(row.verdict)}" data-style="{_e(row.style)}" data-verdict="{_e(row.verdict)}">'
            f'<th scope="row"><a href="#lift-{row.lift}">{row.lift}</a></th>'
            f'<td class="when">{_e(_span(row.start_s, row.end_s))}{partial}</td>'
            f'<td class="style">{_e(STYLE_LABEL.get(row.style, row.style))}</td>'
            f"{cells}<td>{_verdict_badge(row.verdict)}</td></tr>"
        )
    out.append("</tbody></table>")
    out.append(
        f'<p class="table-note">Stoop–squat index: 0 is a full squat, 100 a full stoop (after Schmid 2022); '
        f"lifts under {config.ssi_squat_max:g} are squats, over {config.ssi_stoop_min:g} stoops. "
        f"Trunk flexion bands (REBA, ISO 11226): up to {config.trunk_moderate_deg:g}° neutral, "
        f"{config.trunk_moderate_deg:g}–{config.trunk_severe_deg:g}° moderate, over {config.trunk_severe_deg:g}° "
        "severe. — means not measured; “(uncertain)” marks an angle the camera's viewpoint cannot judge "
        "well (twist from the side, forward bend from the front).</p></section>"
    )
    return "".join(out)


def _finding(f: FindingRow, articles: Mapping[str, ArticleRef]) -> str:
    out = [f'<li class="finding sev-{_cls(f.severity)}">']
    out.append(
        f'<p>{_severity_badge(f.severity)} <span class="cue">{_e(f.cue)}</span> '
        f'<span class="title">— {_e(f.title)}</span></p>'
    )
    if f.advice:
        out.append(f"<p>{_e(f.advice)}</p>")
    spread = f" ± {f.uncertainty:.0f}" if f.uncertainty else ""
    out.append(
        f'<p class="small">Measured <strong>{_e(_with_unit(f.value, f.unit))}{_e(spread)}</strong>; '
        f"threshold {_e(_threshold(f.threshold, f.unit))}.</p>"
    )
    if f.near_limit:
        out.append(f'<p class="small">{_e(NEAR_LIMIT_NOTE)}</p>')
    if not f.reliable:
        note = f.note or "The camera view makes this measure uncertain."
        out.append(f'<p class="uncertain-note"><strong>Uncertain in this view:</strong> {_e(note)}</p>')
    if f.standard:
        out.append(f'<p class="small">Where the threshold comes from: {_e(f.standard)}.</p>')
    if f.articles:
        out.append(f'<p class="small">Read more: {"; ".join(_citation_html(a, articles) for a in f.articles)}.</p>')
    out.append("</li>")
    return "".join(out)


_BAND_CLASS = {"acceptable": "good", "increased": "caution", "high": "poor"}


def _niosh_block(row: LiftRow) -> str:
    """The lifting equation for one lift: LI and RWL, the inputs with their flags, the multipliers, the change."""
    n = row.niosh
    if not n:
        return ""
    if "origin" not in n:
        return f'<p class="small"><strong>Lifting index:</strong> not assessed: {_e(n.get("reason", ""))}.</p>'
    task = n.get("task", {})
    origin = task.get("origin", {})
    out = ['<div class="niosh">']
    li, band, rwl = n.get("li"), n.get("band"), n.get("rwl_kg")
    if not n.get("applicable", True):
        out.append(f"<p><strong>Lifting index:</strong> not applicable: {_e(n.get('reason', ''))}.</p>")
    elif li is not None:
        cls = _BAND_CLASS.get(str(band), "info")
        out.append(
            f'<p><strong>Lifting index {li:.2f}</strong> <span class="badge {cls}">{_e(band)}</span> '
            f"— recommended weight limit {_with_unit(rwl, 'kg', 1)} "
            f"for a load of {_with_unit(task.get('load_kg'), 'kg', 1)}.</p>"
        )
    elif isinstance(rwl, (int, float)) and rwl <= 0:
        words = _e(niosh_verdict(n))
        out.append(f'<p><strong>Lifting index:</strong> <span class="badge poor">high</span> {words}.</p>')
    else:
        out.append(
            f"<p><strong>Recommended weight limit {_with_unit(rwl, 'kg', 1)}</strong> (no load given: no index).</p>"
        )
    flags = []
    for key, label, unit in (("h_cm", "H", "cm"), ("v_cm", "V", "cm"), ("a_deg", "A", "°")):
        rel = origin.get(key[0] + "_reliability", {})
        mark = "" if rel.get("reliable", True) else " (uncertain)"
        flags.append(f"{label} {_with_unit(origin.get(key), unit, 0)}{mark}")
    freq = task.get("frequency", {})
    flags.append(f"D {_with_unit(n.get('d_cm'), 'cm', 0)}")
    flags.append(f"F {_with_unit(freq.get('lifts_per_min'), 'a minute', 1)}")
    out.append(f'<p class="small">At the grasp: {_e(", ".join(flags))}.</p>')
    m = n.get("origin", {}).get("multipliers", {})
    if m:
        mults = " · ".join(f"{k.upper()} {v:.2f}" for k, v in m.items() if isinstance(v, (int, float)))
        out.append(f'<p class="small">Multipliers: {_e(mults)}.</p>')
    if n.get("change"):
        out.append(f"<p>{_e(n['change'])}</p>")
    reasons = [
        r.get("reason") for r in (origin.get("h_reliability", {}), origin.get("a_reliability", {})) if r.get("reason")
    ]
    if reasons:
        out.append(f'<p class="small">{_e("; ".join(str(r) for r in reasons))}.</p>')
    out.append("</div>")
    return "".join(out)


def _niosh_summary(view: ReportView) -> str:
    """The task's lifting index (its hardest lift) and the inputs the user gave."""
    inputs, n = view.task_inputs, view.summary.niosh
    if not inputs:
        return ""
    given = [f"load {_with_unit(inputs.get('load_kg'), 'kg', 1)}" if inputs.get("load_kg") else "no load given"]
    if inputs.get("stature_cm"):
        given.append(f"height {inputs['stature_cm']:.0f} cm")
    given.append(f"coupling {inputs.get('coupling', 'fair')}")
    given.append(f"lifting {_DURATION.get(str(inputs.get('duration')), inputs.get('duration'))}")
    if inputs.get("lifts_per_min"):
        rate = inputs["lifts_per_min"]
        given.append(f"{rate:g} lift{'' if rate == 1 else 's'} a minute")
    out = ['<section aria-labelledby="niosh-h"><h2 id="niosh-h">Lifting index (NIOSH)</h2>']
    out.append(
        f'<p class="small">Revised NIOSH lifting equation (Waters et al. 1993). Inputs: {_e(", ".join(given))}.</p>'
    )
    if n.task_li is not None:
        cls = _BAND_CLASS.get(n.band, "info")
        out.append(
            f'<p class="headline">Task lifting index {n.task_li:.2f} <span class="badge {cls}">{_e(n.band)}</span> '
            f"(lift {n.worst_lift}, limit {_with_unit(n.rwl_kg, 'kg', 1)})</p>"
        )
        if n.change:
            out.append(f"<p>{_e(n.change)}</p>")
    elif n.no_load:
        why = f": {_e(n.no_load_because)}" if n.no_load_because else ""
        out.append(
            f'<p class="headline">Task lifting index <span class="badge poor">high</span> (lift {n.worst_lift}): '
            f"no load is recommended{why}</p>"
        )
        if n.change:
            out.append(f"<p>{_e(n.change)}</p>")
    elif n.rwl_kg is not None:
        out.append(f"<p>Lowest recommended weight limit {_with_unit(n.rwl_kg, 'kg', 1)} (lift {n.worst_lift}).</p>")
    else:
        out.append("<p>No lift could be assessed.</p>")
    out.append(
        f'<p class="small">{n.assessed} lift(s) assessed, {n.not_applicable} outside the equation. '
        "Up to 1: acceptable for nearly all workers; over 1: increased risk; over 3: high.</p></section>"
    )
    return "".join(out)


_DURATION = {"short": "up to 1 hour", "moderate": "1 to 2 hours", "long": "2 to 8 hours"}


def _lift_card(row: LiftRow, image: bytes | None, articles: Mapping[str, ArticleRef]) -> str:
    style = STYLE_LABEL.get(row.style, row.style)
    n = row.lift
    out = [
        f'<article class="card lift-card {_cls(row.verdict)}" id="lift-{n}" aria-labelledby="lift-{n}-h">'
        f'<header><h3 id="lift-{n}-h">Lift {n}: {_e(style)}</h3>{_verdict_badge(row.verdict)}'
        f'<span class="when">{_e(_span(row.start_s, row.end_s))}</span></header><div class="card-body">'
    ]
    if image:
        data = base64.b64encode(image).decode("ascii")
        alt = (
            f"Lift {n} ({style.lower()}, {VERDICT_LABEL.get(row.verdict, row.verdict).lower()}) at its deepest "
            "forward bend, with the measured body outline drawn over the video frame"
        )
        out.append(f'<img src="data:{_image_mime(image)};base64,{data}" alt="{_e(alt)}">')
    out.append('<div class="text"><dl class="measures">')

    def reba(value: int) -> str:
        # 0 is how the rules say "not scored" (the angle was not seen).
        return str(value) if value > 0 else "—"

    measures = [("Lowest point at", _clock(row.bottom_s))]
    measures += [(c.label + (f", {c.when}" if c.when else ""), _measure(row, c)) for c in CARD_COLUMNS]
    measures += [("REBA trunk / legs", f"{reba(row.reba_trunk)} / {reba(row.reba_legs)}"), ("Camera view", row.view)]
    out.extend(f"<div><dt>{_e(name)}</dt><dd>{_e(value)}</dd></div>" for name, value in measures)
    out.append("</dl>")
    if row.partial:
        out.append(
            f'<p class="partial">The video cut this lift off at the {_e(row.partial)}: '
            "the numbers cover only what was filmed.</p>"
        )
    if row.not_judged_reason:
        out.append(f'<p class="uncertain-note"><strong>Not judged:</strong> {_e(row.not_judged_reason)}</p>')
    out.append(_niosh_block(row))
    if row.findings:
        out.append('<ul class="findings">')
        out.extend(_finding(f, articles) for f in row.findings)
        out.append("</ul>")
    elif not row.not_judged_reason:
        good = CUES["good"]
        cites = "; ".join(_citation_html(a, articles) for a in good.articles)
        out.append(
            f'<p><span class="badge good">OK</span> <strong>{_e(good.short)}</strong> — {_e(good.advice)}</p>'
            f'<p class="small">Read more: {cites}.</p>'
        )
    out.append("</div></div></article>")
    return "".join(out)


def _lift_cards(view: ReportView, thumbnails: Mapping[int, bytes], articles: Mapping[str, ArticleRef]) -> str:
    out = ['<section aria-labelledby="cards-h"><h2 id="cards-h">Each lift in detail</h2><div class="cards">']
    for row in view.lifts:
        image = thumbnails.get(row.lift)
        out.append(_lift_card(row, bytes(image) if isinstance(image, (bytes, bytearray)) and image else None, articles))
    out.append("</div></section>")
    return "".join(out)


def _timeline(view: ReportView, config: RuleConfig) -> str:
    out = ['<section aria-labelledby="timeline-h"><h2 id="timeline-h">Over time</h2>']
    if view.timeline is None:
        out.append("<p>This report was saved without its frame-by-frame angles, so there is no chart.</p></section>")
        return "".join(out)
    out.append(
        f"<figure>{timeline_svg(view, config=config)}<figcaption>Trunk flexion, knee flexion and twist through the "
        "video. Shaded bands are the lifts, numbered and coloured by verdict (green good, amber caution, red poor); "
        "the dashed lines mark the trunk-flexion bands. Breaks in a line are moments the person was not seen."
        "</figcaption></figure></section>"
    )
    return "".join(out)


def _advice(view: ReportView) -> str:
    if not view.summary.advice:
        return ""
    out = ['<section aria-labelledby="advice-h"><h2 id="advice-h">What to work on</h2><ol class="advice">']
    for a in view.summary.advice:
        per_lift = a.rule_id != "lift_frequency"
        times = f" (in {a.lifts} lift{'s' if a.lifts != 1 else ''})" if per_lift else ""
        out.append(
            f"<li>{_severity_badge(a.severity)} <strong>{_e(a.cue)}</strong>{times}<p>{_e(a.advice)}</p>"
            + (f'<p class="small">Read more: {_e("; ".join(a.articles))}.</p>' if a.articles else "")
            + "</li>"
        )
    out.append("</ol>")
    out.append(f'<p class="small">Between sessions: {_e(CUES["conditioning"].advice)}</p></section>')
    return "".join(out)


def _twist_events(view: ReportView) -> str:
    if not view.twist_events:
        return ""
    out = [
        '<section class="keep" aria-labelledby="twist-h"><h2 id="twist-h">Twists</h2>'
        "<p>Moments when the shoulders turned against the hips and feet past the warning angle. Bent: the trunk "
        "was bent forward at the peak; loaded: the load was held (after the lowest point of a lift; outside "
        "lifts liftcheck cannot tell). In the lift's verdict: whether the lift's twist finding counted it, "
        "and if not, why (a twist within the measurement's error of the limit is shown, not counted).</p>"
        "<table><thead><tr>"
        '<th scope="col">When</th><th scope="col" class="num">Peak twist</th><th scope="col">Direction</th>'
        '<th scope="col" class="num">Fastest</th><th scope="col">Bent?</th><th scope="col">Loaded?</th>'
        '<th scope="col">During</th><th scope="col">Judged in this view?</th>'
        '<th scope="col">In the lift\'s verdict</th>'
        "</tr></thead><tbody>"
    ]
    for e in view.twist_events:
        peak = abs(e.peak_deg) if e.peak_deg is not None else None
        spread = f" ± {e.uncertainty_deg:.0f}" if e.uncertainty_deg else ""
        during = f'<a href="#lift-{e.in_lift}">lift {e.in_lift}</a>' if e.in_lift is not None else "between lifts"
        loaded = "cannot tell" if e.loaded is None else ("yes" if e.loaded else "no")
        judged = "yes" if e.reliable else "no: this view cannot judge twist (film from the front or at 45°)"
        out.append(
            f'<tr><td class="when">{_e(_span(e.start_s, e.end_s))}</td>'
            f'<td class="num">{_e(_with_unit(peak, "°", 0))}{_e(spread)}</td>'
            f'<td>{_e(e.direction_words)}</td><td class="num">{_e(_with_unit(e.peak_speed_deg_s, "°/s", 0))}</td>'
            f"<td>{'yes' if e.bent else 'no'}</td><td>{loaded}</td><td>{during}</td><td>{_e(judged)}</td>"
            f"<td>{_e(view.twist_in_verdict(e))}</td></tr>"
        )
    out.append("</tbody></table></section>")
    return "".join(out)


def _warnings(view: ReportView) -> str:
    if not view.warnings:
        return ""
    items = "".join(f"<li>{_e(w)}</li>" for w in view.warnings)
    return (
        f'<section class="keep" aria-labelledby="warnings-h"><h2 id="warnings-h">Warnings</h2><ul>{items}</ul>'
        "</section>"
    )


def _references(articles: Mapping[str, ArticleRef]) -> str:
    out = [
        '<section aria-labelledby="refs-h"><h2 id="refs-h">References</h2>'
        "<p>The advice is tied to these articles on back spasms, put in our own words; the numeric thresholds "
        "come from the ergonomic standards named with each finding (REBA, ISO 11226, EN 1005-4, NIOSH).</p>"
        '<ol class="references">'
    ]
    for art in articles.values():
        by = f", {_e(art.publisher)}" if art.publisher else " (publisher not named in the article)"
        out.append(f'<li id="ref-{_e(art.id)}"><strong>“{_e(art.title)}”</strong>{by}. {_e(art.point)}</li>')
    out.append("</ol></section>")
    return "".join(out)


def _footer(view: ReportView) -> str:
    return (
        f'<footer><p class="privacy">{_e(PRIVACY_LINE)}</p>'
        f'<p class="disclaimer">{_e(DISCLAIMER)} {_e(SEE_A_PROFESSIONAL)}</p>'
        f'<p class="small">Made with liftcheck {_e(view.liftcheck_version)}.</p></footer>'
    )


def render_html(
    report: Mapping[str, Any] | ReportView,
    thumbnails: Mapping[int, bytes] | None = None,
    *,
    title: str | None = None,
    config: RuleConfig = DEFAULT_CONFIG.rules,
) -> str:
    """The whole report as one self-contained HTML page (a ``str`` to write as UTF-8).

    ``report`` is ``Report.to_dict()`` (with or without its timeline) or its ``ReportView``;
    ``thumbnails`` maps a lift's number to JPEG (or PNG) bytes. Missing keys render as absent
    sections, so older saved reports still open.
    """
    view = as_view(report)
    articles = {a.id: a for a in view.articles}
    thumbs = {int(k): v for k, v in (thumbnails or {}).items() if str(k).lstrip("-").isdigit()}
    heading = title or "Lifting form report"
    page_title = f"{heading} – {view.source}" if view.source and not title else heading
    body = [_header(view, heading), _summary(view)]
    if view.lifts:
        body.append(_lift_table(view, config))
    body.append(_timeline(view, config))
    body.append(_advice(view))
    body.append(_niosh_summary(view))
    if view.lifts:
        body.append(_lift_cards(view, thumbs, articles))
    body += [_twist_events(view), _warnings(view), _references(articles), _footer(view)]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(page_title)}</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )
