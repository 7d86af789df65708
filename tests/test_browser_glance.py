"""Clear at a glance, in a real Chromium at 1400×900: one upload with the session's details entered, then what the
first screen shows, the lifting index on the cards and in the HTML report, a lift's own clip, and History by person."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import (
    CHROMIUM_ARGS,
    SCREENSHOTS,
    StreamlitServer,
    find_chromium,
    screenshot,
    streamlit_server,
    sync_playwright,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(480)]

# The shortest labelled clip with two complete lifts (6.7 s).
CLIP = "deadlift_oblique_01.mp4"
WIDTH, HEIGHT = 1400, 900
ANALYSIS_TIMEOUT_S = 240.0
# A name with Markdown in it: it must show as written.
PERSON = "Ana *B*"
OTHER = "Ben"
EMOJI = re.compile("[\u2705\u26a0\u26d4\u2754\U0001f300-\U0001faff]")


def _seed_history(data_dir: Path) -> None:
    """Two earlier sessions of another person, on other days, so History has people to filter and dates to chart."""
    from liftcheck.kinematics import Kinematics
    from liftcheck.report import build_report
    from liftcheck.reps import segment
    from liftcheck.rules import judge
    from liftcheck.store import HistoryStore
    from liftcheck.workshop import synthetic as syn

    clip = syn.generate(syn.demo_session(), view_yaw_deg=60.0)
    kin = Kinematics()
    angles = [kin.update(f) for f in clip.frames]
    lifts = [judge(r) for r in segment(angles)]
    report = build_report("earlier.mp4", angles, lifts, duration_s=clip.frames[-1].t_s, settings={}).to_dict()
    with HistoryStore(data_dir / "history.sqlite3") as store:
        for day in ("2026-03-02T09:00:00+00:00", "2026-04-06T15:30:00+00:00"):
            report["session"] = {"analysed_at": day, "person": OTHER, "task": "crates"}
            store.save_session(report, source_name=f"{OTHER.lower()}-{day[:10]}.mp4", source_kind="upload")


@pytest.fixture(scope="module")
def server(model_dir: Path, samples_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    find_chromium()
    sync_playwright()
    tmp = tmp_path_factory.mktemp("glance")
    (tmp / "data").mkdir(mode=0o700)
    _seed_history(tmp / "data")
    env = {
        "LIFTCHECK_MODEL_DIR": str(model_dir),
        "LIFTCHECK_SAMPLES_DIR": str(samples_dir),
        "LIFTCHECK_DATA_DIR": str(tmp / "data"),
    }
    with streamlit_server(env, tmp / "streamlit.log") as running:
        yield running


@pytest.fixture(scope="module")
def page(server: StreamlitServer, samples_dir: Path):  # type: ignore[no-untyped-def]
    """One tab at 1400×900 in which the clip was uploaded once, with person, task, load, height and pace given."""
    with sync_playwright()() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, accept_downloads=True)
            tab = context.new_page()
            tab.set_default_timeout(30_000)
            js_errors: list[str] = []
            tab.on("pageerror", lambda exc: js_errors.append(str(exc)))
            started = time.monotonic()
            tab.goto(server.url, wait_until="domcontentloaded")
            tab.get_by_role("heading", name="Check a recorded lift").wait_for(timeout=60_000)
            _about_this_session(tab)
            tab.set_input_files("input[type=file]", str(samples_dir / CLIP))
            _wait_for_result(tab, server)
            print(f"\nupload with the session's details: {time.monotonic() - started:.1f} s")
            yield tab
            assert not js_errors, f"JavaScript errors in the page: {js_errors}"
        finally:
            browser.close()


def _about_this_session(tab) -> None:  # type: ignore[no-untyped-def]
    sidebar = tab.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("About this session").click()
    for label, value in (
        ("Person", PERSON),
        ("Task", "pallets"),
        ("Load (kg)", "12"),
        ("Person's height (cm)", "175"),
        ("Minutes of lifting in every 15", "2"),
    ):
        field = sidebar.get_by_label(label, exact=True)
        field.fill(value)
        field.press("Enter")
        tab.wait_for_timeout(400)  # each value reruns the page
    tab.wait_for_timeout(800)


def _wait_for_result(tab, server: StreamlitServer) -> None:  # type: ignore[no-untyped-def]
    download = tab.get_by_role("button", name="Download HTML report")
    deadline = time.monotonic() + ANALYSIS_TIMEOUT_S
    while time.monotonic() < deadline:
        if download.count() and download.first.is_visible():
            tab.wait_for_timeout(500)
            return
        if tab.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').count():
            text = tab.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').first.inner_text()
            pytest.fail(f"the app shows an error instead of a result: {text}\n{server.output()}")
        tab.wait_for_timeout(500)
    screenshot(tab, "glance-timeout")
    pytest.fail(f"no result within {ANALYSIS_TIMEOUT_S:.0f} s\n{server.output()}")


def _download(tab, button: str, folder: Path) -> Path:  # type: ignore[no-untyped-def]
    with tab.expect_download(timeout=60_000) as info:
        tab.get_by_role("button", name=button).click()
    saved = folder / info.value.suggested_filename
    info.value.save_as(saved)
    return saved


def _on_first_screen(tab, locator, what: str) -> None:  # type: ignore[no-untyped-def]
    locator.first.wait_for()
    box = locator.first.bounding_box()
    assert box is not None, f"{what} is not drawn"
    assert box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT, f"{what} is not on the first screen: {box}"
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, f"{what} is off the side of the screen: {box}"


def test_the_first_screen_shows_who_the_headline_counts_and_the_lift_table(page) -> None:  # type: ignore[no-untyped-def]
    """Without scrolling: the person and task as written, the Lifts count and the verdict counts in words, the
    headline and the whole lift table; no verdict is an emoji."""
    main = page.locator('[data-testid="stMain"]')
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "glance-01-first-screen.png"))  # exactly what the user sees first
    _on_first_screen(page, main.locator("code").filter(has_text=PERSON), "the person's name")
    _on_first_screen(page, main.locator('[data-testid="stMetric"]').filter(has_text="Lifts"), "the Lifts count")
    for word in ("Good", "Caution", "Poor"):
        _on_first_screen(page, main.locator('[data-testid="stMetric"]').filter(has_text=word), f"the {word} count")
    said = r"First thing to change|Every lift looked good|technique looked good|cannot be judged"
    headline = main.get_by_text(re.compile(said))
    _on_first_screen(page, headline, "the headline")
    _on_first_screen(page, main.locator('[data-testid="stDataFrame"]'), "the lift table")
    table = main.locator('[data-testid="stDataFrame"] table[role="grid"]').first.text_content() or ""
    assert re.search(r"(✓ Good|! Caution|✗ Poor|\? Not judged)", table), f"no verdict in words in the table: {table}"
    # The uploader folded away to one line above the result.
    uploader = main.locator('[data-testid="stFileUploaderDropzone"]')
    assert not uploader.count() or not uploader.first.is_visible(), "the uploader still takes the first screen"
    assert not EMOJI.search(main.inner_text()), "a verdict or finding is shown as an emoji"
    screenshot(page, "glance-02-result")


def test_the_lifting_index_is_on_the_cards_and_in_the_html_report(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """With a load and a height given, each assessed lift's index from the report is on its card and in the
    printable report, and the task's index is in the headline."""
    report = json.loads(_download(page, "Download JSON", tmp_path).read_text(encoding="utf-8"))
    assert report["session"]["person"] == PERSON and report["task_inputs"]["load_kg"] == 12.0
    indices = {row["lift"]: row["niosh"].get("li") for row in report["lifts"]}
    assert any(li is not None for li in indices.values()), f"no lift has a lifting index: {report['lifts']}"
    main = page.locator('[data-testid="stMain"]')
    for lift, li in indices.items():
        if li is None:
            continue
        card = main.locator('[data-testid="stMarkdownContainer"]').filter(
            has_text=re.compile(rf"^Lift {lift} ·.*lifting index {li:.2f}")
        )
        assert card.count() >= 1, f"lift {lift}'s card does not show lifting index {li:.2f}"
    task_li = report["summary"]["niosh"]["task_li"]
    assert (
        main.locator('[data-testid="stMetric"]')
        .filter(has_text="Lifting index")
        .filter(has_text=f"{task_li:.2f}")
        .count()
    )
    html = _download(page, "Download HTML report", tmp_path).read_text(encoding="utf-8")
    for li in indices.values():
        if li is not None:
            assert f"{li:.2f}" in html, f"the HTML report lacks lifting index {li:.2f}"
    assert "Ana *B*" in html or "Ana *B*".replace("*", "&#x2a;") in html or "Ana" in html
    csv_text = _download(page, "Download CSV", tmp_path).read_text(encoding="utf-8")
    header, first = csv_text.splitlines()[:2]
    assert "niosh_li" in header and "person" in header and PERSON in first


def test_a_picked_lift_plays_and_downloads_as_a_clip_of_its_own(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Choosing lift 1 in the table offers its clip; the clip plays in a decoder and lasts about as long as the lift."""
    from liftcheck.video import probe, read_frames

    main = page.locator('[data-testid="stMain"]')
    grid = main.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 15, box["y"] + 35 + 17)
    page.wait_for_timeout(300)
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)
    button = page.get_by_role("button", name="Download the clip of lift 1")
    button.wait_for(timeout=60_000)
    assert page.locator("video").count() == 1
    screenshot(page, "glance-03-lift-clip")
    clip = _download(page, "Download the clip of lift 1", tmp_path)
    report = json.loads(_download(page, "Download JSON", tmp_path).read_text(encoding="utf-8"))
    lift = report["lifts"][0]
    expected = lift["end_s"] - max(0.0, lift["start_s"] - 0.3) + 0.3
    info = probe(clip)
    assert abs(info.duration_s - expected) <= 0.4, f"the clip lasts {info.duration_s:.2f} s, the lift {expected:.2f} s"
    frames = sum(1 for _ in read_frames(clip, max_fps=None))
    assert frames >= 0.8 * expected * min(info.fps, 30.0), f"only {frames} frames decode from the clip"


def test_history_filters_by_person_and_charts_by_date(page) -> None:  # type: ignore[no-untyped-def]
    """History lists everyone's sessions; choosing a person leaves theirs only; the progress charts are by date."""
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="History").click()
    page.get_by_role("heading", name="History", exact=True).wait_for()
    main = page.locator('[data-testid="stMain"]')
    grid = main.locator('[data-testid="stDataFrame"] table[role="grid"]').first
    grid.wait_for(state="attached")
    assert int(grid.get_attribute("aria-rowcount") or "0") - 1 == 3
    text = grid.text_content() or ""
    assert PERSON in text and OTHER in text and "✓ Good" in text
    main.locator('[data-testid="stMultiSelect"]').first.click()
    page.get_by_role("option", name=OTHER, exact=True).click()
    page.keyboard.press("Escape")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and int(grid.get_attribute("aria-rowcount") or "0") - 1 != 2:
        page.wait_for_timeout(300)
    text = grid.text_content() or ""
    assert int(grid.get_attribute("aria-rowcount") or "0") - 1 == 2, text
    assert OTHER in text and PERSON not in text
    charts = main.locator('[data-testid="stVegaLiteChart"]')
    charts.first.locator(".mark-line path, .mark-symbol path").first.wait_for(state="attached")
    titles = " ".join(charts.all_inner_texts())
    assert "Good lifts (%)" in titles and "Peak angles (°)" in titles and "date (UTC)" in titles, titles
    assert "2026" in titles or "Mar" in titles or "Apr" in titles, f"no dates on the x axis: {titles}"
    page.wait_for_timeout(1000)
    screenshot(page, "glance-04-history")
