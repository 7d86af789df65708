"""The report as one self-contained HTML file, to print or send to a coach.

Pure: the standard library, ``charts`` and the pure config/guidance modules. Input is
``Report.to_dict()`` (the canonical form) plus the optional thumbnails (lift index ->
JPEG bytes), which the dict does not carry. The page has inline CSS, inline SVG and
images as data URIs: no script, no font, no link or reference to anything outside the
file, so it opens offline and leaks nothing when mailed. Every string from the report
is HTML-escaped; verdicts are written as words, with colour only as a second signal.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from html import escape

from liftcheck import __version__
from liftcheck.charts import lift_rows, timeline_svg
from liftcheck.config import DEFAULT_CONFIG, RuleConfig
from liftcheck.guidance import ARTICLES, CUES
from liftcheck.kinematics import RELIABLE_IN_VIEW, Measure, View

VERDICT_LABEL = {"good": "Good", "caution": "Caution", "poor": "Poor"}
# A symbol beside the word, so the verdict survives a grey printout and colour blindness.
VERDICT_MARK = {"good": "✓", "caution": "!", "poor": "✗"}
SEVERITY_LABEL = {"ok": "OK", "info": "Note", "caution": "Caution", "poor": "Poor"}
STYLE_LABEL = {"stoop": "Stoop", "semi-squat": "Semi-squat", "squat": "Squat", "unknown": "Unknown"}
# Which table column a finding's rule speaks about, to mark the cell uncertain when the view is.
RULE_COLUMN = {"trunk_flexion": "trunk", "stoop_lift": "knee", "trunk_twist": "twist"}
COLUMN_MEASURE = {"trunk": Measure.TRUNK_FLEXION, "knee": Measure.KNEE_FLEXION, "twist": Measure.TRUNK_TWIST}
DEFAULT_DISCLAIMER = "Guidance on lifting technique, not a diagnosis or a medical device."
PRIVACY_LINE = "This analysis ran on your own computer: no video left it, and nothing was uploaded anywhere."

CSS = """
:root { --ink:#1f2328; --muted:#555d66; --line:#d0d7de; --bg-soft:#f6f8fa;
  --good:#1b5e20; --good-bg:#e6f4ea; --good-edge:#2e7d32;
  --caution:#6d4600; --caution-bg:#fff3cd; --caution-edge:#d49b00;
  --poor:#a31515; --poor-bg:#fde8e8; --poor-edge:#c62828;
  --note:#2f4054; --note-bg:#eaf0f7; --note-edge:#5b7590; }
* { box-sizing: border-box; }
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
.badge.info, .badge.uncertain { color: var(--note); background: var(--note-bg); border-color: var(--note-edge); }
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


# -- small formatting helpers


def _e(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return escape("" if value is None else str(value), quote=True)


def _finite(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _with_unit(value: object, unit: str, digits: int = 1) -> str:
    v = _finite(value)
    if v is None:
        return "—"
    number = f"{v:.{digits}f}" if digits else f"{v:.0f}"
    # "27.9°", "11.9° knee flexion", but "10.0 lifts/min".
    sep = "" if unit.startswith(("°", "%")) or not unit else " "
    return f"{number}{sep}{unit}"


def _threshold(value: object, unit: str) -> str:
    v = _finite(value)
    if v is None:
        return "—"
    sep = "" if unit.startswith(("°", "%")) or not unit else " "
    return f"{v:g}{sep}{unit}"


def _clock(t_s: object) -> str:
    """Seconds as ``12.3 s`` or, past a minute, ``1:02.3``."""
    t = _finite(t_s)
    if t is None:
        return "?"
    if t < 60:
        return f"{t:.1f} s"
    minutes, seconds = divmod(t, 60.0)
    return f"{int(minutes)}:{seconds:04.1f}"


def _span(start: object, end: object) -> str:
    a, b = _clock(start), _clock(end)
    if a.endswith(" s") and b.endswith(" s"):
        return f"{a[:-2]}–{b}"
    return f"{a}–{b}"


def _verdict_badge(verdict: object) -> str:
    v = str(verdict or "")
    label = VERDICT_LABEL.get(v, v.capitalize() or "Unknown")
    mark = VERDICT_MARK.get(v, "?")
    return f'<span class="badge {_e(v)}"><span aria-hidden="true">{mark} </span>{_e(label)}</span>'


def _severity_badge(severity: object) -> str:
    s = str(severity or "")
    return f'<span class="badge {_e(s)}">{_e(SEVERITY_LABEL.get(s, s.capitalize()))}</span>'


def _image_mime(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "image/jpeg"


def _articles(report: Mapping[str, object]) -> dict[str, Mapping[str, object]]:
    """The article table from the report, falling back to ours for dicts saved without it."""
    raw = report.get("articles")
    if isinstance(raw, Mapping) and raw:
        return {str(k): v for k, v in raw.items() if isinstance(v, Mapping)}
    return {a.id: {"title": a.title, "publisher": a.publisher, "point": a.point} for a in ARTICLES.values()}


def _citation_html(article_id: str, articles: Mapping[str, Mapping[str, object]]) -> str:
    art = articles.get(article_id)
    if art is None:
        return _e(article_id)
    title = f"“{_e(art.get('title', article_id))}”"
    publisher = str(art.get("publisher") or "")
    text = title + (f", {_e(publisher)}" if publisher else "")
    return f'<a href="#ref-{_e(article_id)}">{text}</a>'


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) else []


def _map(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


# -- sections


def _header(report: Mapping[str, object], title: str) -> str:
    source = str(report.get("source") or "")
    bits = []
    if source:
        bits.append(f"Video: <strong>{_e(source)}</strong>")
    duration = _finite(report.get("duration_s"))
    if duration is not None:
        bits.append(f"length {_clock(duration)}")
    view = str(report.get("view") or "")
    if view and view != "unknown":
        bits.append(f"filmed mostly from the {_e(view)}")
    per_minute = _finite(_map(report.get("summary")).get("lifts_per_minute"))
    if per_minute is not None:
        bits.append(f"{per_minute:.1f} lifts a minute")
    meta = " · ".join(bits)
    return f"<header><h1>{_e(title)}</h1>" + (f'<p class="meta">{meta}</p>' if meta else "") + "</header>"


def _summary(report: Mapping[str, object], lifts: list[Mapping[str, object]]) -> str:
    summary = _map(report.get("summary"))
    verdicts = _map(summary.get("verdicts"))
    out = ['<section aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2>']
    headline = str(summary.get("headline") or "")
    if not lifts:
        out.append('<div class="empty" role="note">')
        out.append(f"<p><strong>{_e(headline or 'No lifts were found in this video.')}</strong></p>")
        out.append(
            "<p>To get a lift check next time:</p><ul>"
            "<li>Keep the whole body, feet to head, in the picture for the whole lift.</li>"
            "<li>Film from the side to judge the bend of the back and knees, or at about 45° to see twist too.</li>"
            "<li>Use good, even light and a camera that stays still (a tripod or a shelf).</li>"
            "<li>Bend all the way down to the load and stand fully back up: half-movements are not counted.</li>"
            "</ul></div></section>"
        )
        return "".join(out)
    out.append(f'<p class="headline">{_e(headline)}</p>')
    count = len(lifts)
    out.append('<ul class="stats" aria-label="Lift counts">')
    out.append(f'<li><span class="n">{count}</span> lift{"s" if count != 1 else ""}</li>')
    for v in ("good", "caution", "poor"):
        n = verdicts.get(v, sum(1 for row in lifts if row.get("verdict") == v))
        out.append(
            f'<li class="{v}"><span class="n">{_e(n)}</span>'
            f'<span aria-hidden="true">{VERDICT_MARK[v]} </span>{VERDICT_LABEL[v].lower()}</li>'
        )
    out.append("</ul>")
    advice = [_map(a) for a in _list(summary.get("advice"))]
    if advice:
        first = advice[0]
        sev = str(first.get("severity") or "caution")
        out.append(f'<div class="first sev-{_e(sev)}"><p class="label">The one thing to change first</p>')
        out.append(f'<p class="cue">{_e(first.get("cue"))}</p><p>{_e(first.get("advice"))}</p></div>')
    else:
        good = CUES["good"]
        out.append(
            f'<div class="first sev-good"><p class="label">The one thing to change first</p>'
            f'<p class="cue">Nothing stood out</p><p>{_e(good.advice)}</p></div>'
        )
    out.append("</section>")
    return "".join(out)


def _uncertain_columns(row: Mapping[str, object]) -> set[str]:
    """The table columns the lift's camera view cannot judge well, or a finding says are uncertain."""
    cols = set()
    try:
        view = View(str(row.get("view")))
    except ValueError:
        view = None
    if view is not None and view is not View.UNKNOWN:
        cols |= {col for col, m in COLUMN_MEASURE.items() if m not in RELIABLE_IN_VIEW[view]}
    for f in _list(row.get("findings")):
        f = _map(f)
        if f.get("reliable") is False and str(f.get("rule_id")) in RULE_COLUMN:
            cols.add(RULE_COLUMN[str(f.get("rule_id"))])
    return cols


def _lift_table(lifts: list[Mapping[str, object]], config: RuleConfig) -> str:
    out = ['<section aria-labelledby="lifts-h"><h2 id="lifts-h">Lift by lift</h2>']
    out.append(
        "<table><caption>Each lift's timing, style and peak angles. Trunk flexion is the forward bend of the back "
        "from upright; knee flexion is measured at the lowest point.</caption><thead><tr>"
        '<th scope="col">Lift</th><th scope="col">Time</th><th scope="col">Style</th>'
        '<th scope="col" class="num">Stoop–squat index</th><th scope="col" class="num">Trunk flexion (peak)</th>'
        '<th scope="col" class="num">Knee flexion (bottom)</th><th scope="col" class="num">Twist (peak)</th>'
        '<th scope="col">Verdict</th></tr></thead><tbody>'
    )
    for i, row in enumerate(lifts):
        number = row.get("lift", i + 1)
        uncertain = _uncertain_columns(row)

        def cell(value: object, col: str, digits: int = 1, unc: set[str] = uncertain) -> str:
            v = _finite(value)
            text = _with_unit(abs(v) if v is not None and col == "twist" else value, "°", digits)
            mark = '<span class="uncertain-mark">(uncertain)</span>' if col in unc and v is not None else ""
            return f'<td class="num">{text}{mark}</td>'

        partial = str(row.get("partial") or "")
        partial_html = f' <span class="partial">(cut off at the {_e(partial)})</span>' if partial else ""
        style = str(row.get("style") or "unknown")
        out.append(
            f'<tr class="lift-row {_e(row.get("verdict"))}" data-style="{_e(style)}" '
            f'data-verdict="{_e(row.get("verdict"))}">'
            f'<th scope="row"><a href="#lift-{_e(number)}">{_e(number)}</a></th>'
            f'<td class="when">{_e(_span(row.get("start_s"), row.get("end_s")))}{partial_html}</td>'
            f'<td class="style">{_e(STYLE_LABEL.get(style, style))}</td>'
            f'<td class="num">{_with_unit(row.get("stoop_squat_index"), "", 0)}</td>'
            + cell(row.get("peak_trunk_flexion_deg"), "trunk")
            + cell(row.get("knee_flexion_at_bottom_deg"), "knee")
            + cell(row.get("peak_twist_deg"), "twist")
            + f"<td>{_verdict_badge(row.get('verdict'))}</td></tr>"
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


def _finding(f: Mapping[str, object], articles: Mapping[str, Mapping[str, object]]) -> str:
    unit = str(f.get("unit") or "")
    out = [f'<li class="finding sev-{_e(f.get("severity"))}">']
    out.append(
        f'<p>{_severity_badge(f.get("severity"))} <span class="cue">{_e(f.get("cue"))}</span> '
        f'<span class="title">— {_e(f.get("title"))}</span></p>'
    )
    if f.get("advice"):
        out.append(f"<p>{_e(f.get('advice'))}</p>")
    out.append(
        f'<p class="small">Measured <strong>{_e(_with_unit(f.get("value"), unit))}</strong>; '
        f"threshold {_e(_threshold(f.get('threshold'), unit))}.</p>"
    )
    if f.get("reliable") is False:
        note = str(f.get("note") or "The camera view makes this measure uncertain.")
        out.append(f'<p class="uncertain-note"><strong>Uncertain in this view:</strong> {_e(note)}</p>')
    if f.get("standard"):
        out.append(f'<p class="small">Where the threshold comes from: {_e(f.get("standard"))}.</p>')
    ids = [str(a) for a in _list(f.get("articles"))]
    if ids:
        out.append(f'<p class="small">Read more: {"; ".join(_citation_html(a, articles) for a in ids)}.</p>')
    out.append("</li>")
    return "".join(out)


def _lift_cards(
    lifts: list[Mapping[str, object]],
    thumbnails: Mapping[int, bytes],
    articles: Mapping[str, Mapping[str, object]],
) -> str:
    out = ['<section aria-labelledby="cards-h"><h2 id="cards-h">Each lift in detail</h2><div class="cards">']
    for i, row in enumerate(lifts):
        number = row.get("lift", i + 1)
        verdict = str(row.get("verdict") or "")
        style = str(row.get("style") or "unknown")
        out.append(
            f'<article class="card lift-card {_e(verdict)}" id="lift-{_e(number)}" '
            f'aria-labelledby="lift-{_e(number)}-h">'
            f'<header><h3 id="lift-{_e(number)}-h">Lift {_e(number)}: {_e(STYLE_LABEL.get(style, style))}</h3>'
            f"{_verdict_badge(verdict)}"
            f'<span class="when">{_e(_span(row.get("start_s"), row.get("end_s")))}</span></header>'
            '<div class="card-body">'
        )
        key = int(number) if isinstance(number, int) else i + 1
        image = thumbnails.get(key)
        if isinstance(image, (bytes, bytearray)) and image:
            data = base64.b64encode(bytes(image)).decode("ascii")
            alt = (
                f"Lift {number} ({STYLE_LABEL.get(style, style).lower()}, "
                f"{VERDICT_LABEL.get(verdict, verdict).lower()}) "
                f"at its deepest forward bend, "
                f"with the measured body outline drawn over the video frame"
            )
            out.append(f'<img src="data:{_image_mime(bytes(image))};base64,{data}" alt="{_e(alt)}">')
        out.append('<div class="text"><dl class="measures">')
        twist = _finite(row.get("peak_twist_deg"))
        uncertain = _uncertain_columns(row)

        def angle(value: object, col: str, unc: set[str] = uncertain) -> str:
            text = _with_unit(value, "°")
            return f"{text} (uncertain)" if col in unc and text != "—" else text

        def reba(value: object) -> str:
            # 0 is how the rules say "not scored" (the angle was not seen).
            return str(value) if isinstance(value, int) and value > 0 else "—"

        measures = (
            ("Lowest point at", _clock(row.get("bottom_s"))),
            ("Stoop–squat index", _with_unit(row.get("stoop_squat_index"), "", 0)),
            ("Trunk flexion, peak", angle(row.get("peak_trunk_flexion_deg"), "trunk")),
            ("Knee flexion at the bottom", angle(row.get("knee_flexion_at_bottom_deg"), "knee")),
            ("Twist, peak", angle(abs(twist) if twist is not None else None, "twist")),
            ("Side bend, peak", _with_unit(row.get("peak_side_bend_deg"), "°")),
            ("REBA trunk / legs", f"{reba(row.get('reba_trunk'))} / {reba(row.get('reba_legs'))}"),
            ("Camera view", str(row.get("view") or "unknown")),
        )
        for name, value in measures:
            out.append(f"<div><dt>{_e(name)}</dt><dd>{_e(value)}</dd></div>")
        out.append("</dl>")
        partial = str(row.get("partial") or "")
        if partial:
            out.append(
                f'<p class="partial">The video cut this lift off at the {_e(partial)}: '
                "the numbers cover only what was filmed.</p>"
            )
        findings = [_map(f) for f in _list(row.get("findings"))]
        if findings:
            out.append('<ul class="findings">')
            out.extend(_finding(f, articles) for f in findings)
            out.append("</ul>")
        else:
            good = CUES["good"]
            cites = "; ".join(_citation_html(a, articles) for a in good.articles)
            out.append(
                f'<p><span class="badge good">OK</span> <strong>{_e(good.short)}</strong> — {_e(good.advice)}</p>'
                f'<p class="small">Read more: {cites}.</p>'
            )
        out.append("</div></div></article>")
    out.append("</div></section>")
    return "".join(out)


def _timeline(report: Mapping[str, object]) -> str:
    out = ['<section aria-labelledby="timeline-h"><h2 id="timeline-h">Over time</h2>']
    if not isinstance(report.get("timeline"), Mapping):
        out.append("<p>This report was saved without its frame-by-frame angles, so there is no chart.</p></section>")
        return "".join(out)
    out.append(
        f"<figure>{timeline_svg(report)}<figcaption>Trunk flexion, knee flexion and twist through the video. "
        "Shaded bands are the lifts, numbered and coloured by verdict (green good, amber caution, red poor); the "
        "dashed lines mark the trunk-flexion bands. Breaks in a line are moments the person was not seen."
        "</figcaption></figure></section>"
    )
    return "".join(out)


def _advice(report: Mapping[str, object]) -> str:
    advice = [_map(a) for a in _list(_map(report.get("summary")).get("advice"))]
    if not advice:
        return ""
    out = ['<section aria-labelledby="advice-h"><h2 id="advice-h">What to work on</h2><ol class="advice">']
    for a in advice:
        n = a.get("lifts")
        per_lift = isinstance(n, int) and a.get("rule_id") != "lift_frequency"
        times = f" (in {_e(n)} lift{'s' if n != 1 else ''})" if per_lift else ""
        cites = [str(c) for c in _list(a.get("articles"))]
        out.append(
            f"<li>{_severity_badge(a.get('severity'))} <strong>{_e(a.get('cue'))}</strong>{times}"
            f"<p>{_e(a.get('advice'))}</p>"
            + (f'<p class="small">Read more: {_e("; ".join(cites))}.</p>' if cites else "")
            + "</li>"
        )
    out.append("</ol>")
    out.append(f'<p class="small">Between sessions: {_e(CUES["conditioning"].advice)}</p></section>')
    return "".join(out)


def _twist_events(report: Mapping[str, object]) -> str:
    events = [_map(e) for e in _list(report.get("twist_events"))]
    if not events:
        return ""
    out = [
        '<section class="keep" aria-labelledby="twist-h"><h2 id="twist-h">Twists</h2>'
        "<p>Moments when the shoulders turned against the hips past the warning angle.</p>"
        "<table><thead><tr>"
        '<th scope="col">When</th><th scope="col" class="num">Peak twist</th><th scope="col">Direction</th>'
        '<th scope="col">Trunk bent?</th><th scope="col">During</th><th scope="col">Reliable in this view?</th>'
        "</tr></thead><tbody>"
    ]
    for e in events:
        peak = _finite(e.get("peak_deg"))
        direction = "—" if peak is None else ("shoulders to the left" if peak > 0 else "shoulders to the right")
        in_lift = e.get("in_lift")
        during = f'<a href="#lift-{_e(in_lift)}">lift {_e(in_lift)}</a>' if in_lift is not None else "between lifts"
        out.append(
            f'<tr><td class="when">{_e(_span(e.get("start_s"), e.get("end_s")))}</td>'
            f'<td class="num">{_e(_with_unit(abs(peak) if peak is not None else None, "°"))}</td>'
            f"<td>{_e(direction)}</td><td>{'yes' if e.get('bent') else 'no'}</td><td>{during}</td>"
            f"<td>{'yes' if e.get('reliable') else 'no: uncertain in this view'}</td></tr>"
        )
    out.append("</tbody></table></section>")
    return "".join(out)


def _warnings(report: Mapping[str, object]) -> str:
    warnings = [str(w) for w in _list(report.get("warnings")) if w]
    if not warnings:
        return ""
    items = "".join(f"<li>{_e(w)}</li>" for w in warnings)
    return (
        f'<section class="keep" aria-labelledby="warnings-h"><h2 id="warnings-h">Warnings</h2><ul>{items}</ul>'
        "</section>"
    )


def _references(articles: Mapping[str, Mapping[str, object]]) -> str:
    out = [
        '<section aria-labelledby="refs-h"><h2 id="refs-h">References</h2>'
        "<p>The advice is tied to these articles on back spasms, put in our own words; the numeric thresholds "
        "come from the ergonomic standards named with each finding (REBA, ISO 11226, EN 1005-4, NIOSH).</p>"
        '<ol class="references">'
    ]
    for article_id, art in articles.items():
        publisher = str(art.get("publisher") or "")
        by = f", {_e(publisher)}" if publisher else " (publisher not named in the article)"
        out.append(
            f'<li id="ref-{_e(article_id)}"><strong>“{_e(art.get("title", article_id))}”</strong>{by}. '
            f"{_e(art.get('point', ''))}</li>"
        )
    out.append("</ol></section>")
    return "".join(out)


def _footer(report: Mapping[str, object]) -> str:
    disclaimer = str(report.get("disclaimer") or DEFAULT_DISCLAIMER)
    # The report's disclaimer also says the video stayed local; the privacy line above says that already.
    disclaimer = " ".join(s for s in disclaimer.split(". ") if not ("machine" in s and "leave" in s)).strip()
    if disclaimer and not disclaimer.endswith("."):
        disclaimer += "."
    version = report.get("liftcheck_version") or __version__
    return (
        f'<footer><p class="privacy">{_e(PRIVACY_LINE)}</p>'
        f'<p class="disclaimer">{_e(disclaimer)} If you have back pain, see a health professional.</p>'
        f'<p class="small">Made with liftcheck {_e(version)}.</p></footer>'
    )


def render_html(
    report: Mapping[str, object],
    thumbnails: Mapping[int, bytes] | None = None,
    *,
    title: str | None = None,
    config: RuleConfig = DEFAULT_CONFIG.rules,
) -> str:
    """The whole report as one self-contained HTML page (a ``str`` to write as UTF-8).

    ``report`` is ``Report.to_dict()``, with or without its timeline; ``thumbnails`` maps a
    lift's number (``row["lift"]``) to JPEG (or PNG) bytes. Missing keys render as absent
    sections, so older saved reports still open.
    """
    lifts = lift_rows(report)
    articles = _articles(report)
    thumbs = {int(k): v for k, v in (thumbnails or {}).items() if str(k).lstrip("-").isdigit()}
    source = str(report.get("source") or "")
    heading = title or "Lifting form report"
    page_title = f"{heading} – {source}" if source and not title else heading
    body = [
        _header(report, heading),
        _summary(report, lifts),
    ]
    if lifts:
        body.append(_lift_table(lifts, config))
    body.append(_timeline(report))
    body.append(_advice(report))
    if lifts:
        body.append(_lift_cards(lifts, thumbs, articles))
    body.append(_twist_events(report))
    body.append(_warnings(report))
    body.append(_references(articles))
    body.append(_footer(report))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(page_title)}</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )
