"""Tests of the self-contained HTML report and its inline SVG charts."""

from __future__ import annotations

import base64
import copy
import math
import re
import subprocess
import sys
from html.parser import HTMLParser
from typing import Any

import numpy as np
import pytest

from liftcheck.charts import downsample, timeline_svg
from liftcheck.config import DEFAULT_CONFIG
from liftcheck.html_report import render_html
from liftcheck.kinematics import Kinematics
from liftcheck.report import build_report
from liftcheck.reps import segment
from liftcheck.rules import judge
from liftcheck.workshop import synthetic as syn

ReportDict = dict[str, Any]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Elements inside <svg> written self-closed (<line/>) are reported by handle_startendtag.


class Page(HTMLParser):
    """Collects tags, attributes and visible text, and checks that open and close tags balance."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.starts: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, {k: v or "" for k, v in attrs}))
        if tag in ("style", "title", "desc"):
            self._skip += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title", "desc"):
            self._skip -= 1
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)

    def all(self, tag: str, cls: str | None = None) -> list[dict[str, str]]:
        return [a for t, a in self.starts if t == tag and (cls is None or cls in a.get("class", "").split())]

    @property
    def visible(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text))


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def _report_dict(session: syn.Scenario, *, yaw: float = 60.0, source: str = "demo.mp4") -> ReportDict:
    clip = syn.generate(session, view_yaw_deg=yaw)
    kin = Kinematics()
    angles = [kin.update(f) for f in clip.frames]
    lifts = [judge(r) for r in segment(angles)]
    report = build_report(source, angles, lifts, duration_s=clip.frames[-1].t_s, settings={"model": "synthetic"})
    return report.to_dict()


def _jpeg(seed: int) -> bytes:
    cv2 = pytest.importorskip("cv2")
    img = np.full((48, 64, 3), 40 * seed % 255, np.uint8)
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    return bytes(buf)


@pytest.fixture(scope="module")
def demo() -> ReportDict:
    return _report_dict(syn.demo_session())


def test_page_is_well_formed(demo: ReportDict) -> None:
    """Every opened element is closed in order, and the page has one html, head, body and main."""
    page = parse(render_html(demo))
    assert page.errors == []
    assert page.stack == []
    for tag in ("html", "head", "body", "main", "style"):
        assert len(page.all(tag)) == 1, tag
    assert page.all("html")[0].get("lang") == "en"


def test_one_table_row_per_lift_with_style_and_verdict(demo: ReportDict) -> None:
    """The summary table has a row per lift carrying that lift's style and verdict, the verdict also as text."""
    page = parse(render_html(demo))
    rows = page.all("tr", "lift-row")
    assert len(rows) == len(demo["lifts"]) == 3
    assert [r["data-style"] for r in rows] == [lift["style"] for lift in demo["lifts"]]
    assert [r["data-verdict"] for r in rows] == [lift["verdict"] for lift in demo["lifts"]]
    assert len(page.all("th", None)) >= 8  # column headers
    for word in {lift["verdict"].capitalize() for lift in demo["lifts"]}:
        assert word in page.visible


def test_one_card_per_lift_with_every_cue_and_article(demo: ReportDict) -> None:
    """Each lift gets a card; every finding's cue, threshold standard and cited article title is on the page."""
    page = parse(render_html(demo))
    cards = page.all("article", "lift-card")
    assert [c["id"] for c in cards] == [f"lift-{lift['lift']}" for lift in demo["lifts"]]
    text = page.visible
    for lift in demo["lifts"]:
        for f in lift["findings"]:
            assert f["cue"] in text
            assert f["standard"] in text
            for article_id in f["articles"]:
                assert demo["articles"][article_id]["title"] in text
                if demo["articles"][article_id]["publisher"]:
                    assert demo["articles"][article_id]["publisher"] in text
            if not f["reliable"]:
                assert f["note"] in text
    assert "Uncertain in this view" in text


def test_headline_advice_references_privacy_and_disclaimer(demo: ReportDict) -> None:
    """The page shows the headline, the first thing to change, all five references, the privacy line and disclaimer."""
    text = parse(render_html(demo)).visible
    assert demo["summary"]["headline"] in text
    assert demo["summary"]["advice"][0]["cue"] in text
    for art in demo["articles"].values():
        assert art["title"] in text
        assert art["point"] in text
    assert "References" in text
    assert "did not leave it" in text
    assert "not a diagnosis" in text and "medical device" in text


def test_thumbnails_are_embedded_as_decodable_jpeg(demo: ReportDict) -> None:
    """Thumbnails become data:image/jpeg;base64 images with alt text that decode back to the same JPEG."""
    cv2 = pytest.importorskip("cv2")
    thumbs = {lift["lift"]: _jpeg(lift["lift"]) for lift in demo["lifts"]}
    page = parse(render_html(demo, thumbs))
    imgs = page.all("img")
    assert len(imgs) == len(thumbs)
    for img, (_, jpeg) in zip(imgs, sorted(thumbs.items())):
        prefix = "data:image/jpeg;base64,"
        assert img["src"].startswith(prefix)
        raw = base64.b64decode(img["src"][len(prefix) :], validate=True)
        assert raw == jpeg
        assert cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR) is not None
        assert img["alt"].startswith("Lift ")


def test_no_external_resources(demo: ReportDict) -> None:
    """The page references nothing outside itself: no remote src/href, no @import, no url(), no script."""
    html = render_html(demo, {1: b"\xff\xd8\xff\xe0 not a real picture \xff\xd9"})
    lowered = html.lower()
    for bad in ('src="http', "src='http", 'href="http', 'src="//', 'href="//', "@import", "url(", "<script", "<link"):
        assert bad not in lowered, bad
    assert "http://" not in lowered and "https://" not in lowered
    page = parse(html)
    for tag, attrs in page.starts:
        for name in ("src", "href"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith(("#", "data:")), (tag, value)


def test_user_strings_are_escaped() -> None:
    """A source name and warning carrying markup appear as text, never as live tags."""
    data = _report_dict(syn.squat_set(1), source="<script>alert(1)</script>.mp4")
    data["warnings"] = ['<img src=x onerror="alert(2)">']
    html = render_html(data)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    page = parse(html)
    assert "<script>alert(1)</script>.mp4" in page.visible
    assert page.all("script") == []


def test_timeline_chart_has_a_band_per_lift_and_threshold_lines(demo: ReportDict) -> None:
    """The timeline SVG shades one band per lift, coloured by verdict, and draws the 20° and 60° trunk lines."""
    svg = timeline_svg(demo)
    page = parse(svg)
    bands = page.all("rect", "lift-band")
    assert len(bands) == len(demo["lifts"])
    assert [b["class"].split()[1] for b in bands] == [lift["verdict"] for lift in demo["lifts"]]
    degs = sorted(float(line["data-deg"]) for line in page.all("line", "threshold"))
    assert degs == [DEFAULT_CONFIG.rules.trunk_moderate_deg, DEFAULT_CONFIG.rules.trunk_severe_deg] == [20.0, 60.0]
    assert "20°" in page.visible and "60°" in page.visible
    assert len(page.all("path", "series")) == 3
    assert len(parse(render_html(demo)).all("rect", "lift-band")) == len(demo["lifts"])


def test_gaps_and_nan_do_not_crash_and_break_the_line(demo: ReportDict) -> None:
    """None and NaN in the timeline leave gaps (a new subpath) instead of raising or drawing zeros."""
    data = copy.deepcopy(demo)
    tl = data["timeline"]
    for key in ("trunk_flexion_deg", "knee_flexion_deg", "trunk_twist_deg"):
        tl[key][100:140] = [None] * 40
        tl[key][200] = math.nan
    tl["t_s"][300] = None
    data["lifts"][0]["peak_trunk_flexion_deg"] = None
    data["lifts"][0]["end_s"] = None
    svg = timeline_svg(data)
    trunk = next(a for a in parse(svg).all("path", "series") if "trunk_flexion_deg" in a["class"])
    assert trunk["d"].count("M") >= 3
    assert "nan" not in svg.lower()
    assert parse(render_html(data)).errors == []


def test_empty_report_renders_a_helpful_message() -> None:
    """A report with no lifts explains how to film a lift instead of showing an empty table; {} renders too."""
    data = _report_dict(syn.scenario(syn.stand(3.0)))
    assert data["lifts"] == []
    page = parse(render_html(data))
    assert page.errors == []
    assert page.all("tr", "lift-row") == [] and page.all("article", "lift-card") == []
    assert "No lifts found" in page.visible
    assert "whole body" in page.visible
    bare = parse(render_html({}))
    assert bare.errors == [] and "No lifts were found" in bare.visible and "References" in bare.visible


def test_long_timeline_is_downsampled() -> None:
    """A 20-minute timeline at 30 fps gives a chart under 300 kB that keeps each series' peak."""
    n = 20 * 60 * 30
    t = [i / 30 for i in range(n)]
    trunk = [40 + 30 * math.sin(i / 50) for i in range(n)]
    trunk[12345] = 95.0
    data = {
        "duration_s": t[-1],
        "timeline": {
            "t_s": t,
            "trunk_flexion_deg": trunk,
            "knee_flexion_deg": [60 + 50 * math.cos(i / 70) for i in range(n)],
            "trunk_twist_deg": [None if i % 997 < 10 else 15 * math.sin(i / 30) for i in range(n)],
        },
        "lifts": [
            {"lift": k + 1, "start_s": 10.0 * k + 1, "end_s": 10.0 * k + 3, "verdict": "good"} for k in range(100)
        ],
    }
    svg = timeline_svg(data)
    assert len(svg.encode()) < 300_000
    assert len(parse(svg).all("rect", "lift-band")) == 100
    ts, (s,) = downsample(np.array(t), [np.array(trunk)])
    assert len(ts) <= 2000 and float(max(s)) == 95.0


def test_charts_and_html_report_stay_pure() -> None:
    """Importing charts and html_report loads none of cv2, mediapipe, streamlit or av."""
    heavy = ("cv2", "mediapipe", "streamlit", "streamlit_webrtc", "av")
    code = (
        "import sys\nimport liftcheck.charts, liftcheck.html_report\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
