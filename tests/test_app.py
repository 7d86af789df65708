"""Tests of the Streamlit app with Streamlit's AppTest: upload a real clip, read the summary, History, bad files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from liftcheck.store import HistoryStore

APP = str(Path(__file__).resolve().parent.parent / "app.py")
CLIP = "deadlift_oblique_01.mp4"


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LIFTCHECK_DATA_DIR", str(tmp_path))
    return tmp_path


def shown(markdown: str) -> str:
    """What the browser shows for an element's Markdown source (messages escape every punctuation mark)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def label_words(label: str) -> str:
    """A metric label's words without its colour and mark: ":green[**✓ Good**]" -> "Good"."""
    match = re.fullmatch(r":\w+\[\*\*(?:[✓!✗?] )?(.*?)\*\*\]", label)
    return match.group(1) if match else label


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert not at.exception
    return at


def _history(data_dir: Path) -> HistoryStore:
    return HistoryStore(data_dir / "history.sqlite3")


@pytest.fixture(scope="module")
def uploaded(samples_dir: Path, model_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The app after uploading a real clip, with its own empty History."""
    data = tmp_path_factory.mktemp("history")
    mp = pytest.MonkeyPatch()
    mp.setenv("LIFTCHECK_DATA_DIR", str(data))
    try:
        at = _app()
        at.file_uploader(key="upload").upload(CLIP, (samples_dir / CLIP).read_bytes(), "video/mp4").run()
        yield at, data
    finally:
        mp.undo()


def test_upload_shows_summary_matching_the_report(uploaded) -> None:  # type: ignore[no-untyped-def]
    """After an upload, the headline numbers and the table rows equal the saved report's."""
    at, data = uploaded
    assert not at.exception and not at.error
    sessions = _history(data).list_sessions()
    assert len(sessions) == 1 and sessions[0].source_name == CLIP and sessions[0].source_kind == "upload"
    report = _history(data).load_session(sessions[0].id).report
    summary = report["summary"]
    metrics = {label_words(m.label): m.value for m in at.metric}
    assert metrics["Lifts"] == str(summary["lift_count"]) == "2"
    for verdict in ("good", "caution", "poor"):
        assert metrics[verdict.capitalize()] == str(summary["verdicts"][verdict])
    table = at.dataframe[0].value
    assert len(table) == len(report["lifts"])
    assert list(table["Trunk flexion (°)"]) == [round(row["peak_trunk_flexion_deg"]) for row in report["lifts"]]
    assert [s.split(" ")[0] for s in table["Style"]] == [row["style"] for row in report["lifts"]]
    # Each lift is on a full card (the ones that need work) or a line of its own (the others).
    lifts = [n for m in at.markdown for n in re.findall(r"\*\*Lift (\d+)\*\*", m.value) if "**Lift" in m.value[:8]]
    assert sorted(set(lifts)) == ["1", "2"]
    for m in at.markdown:  # a verdict is a coloured word with its mark, never an emoji alone
        assert not re.search("[\u2705\u26a0\u26d4\u2754]", m.value), m.value
    assert any("First thing to change" in m.value for m in at.markdown)
    assert any("did not leave it" in c.value for c in at.caption)


def test_downloads_hold_the_same_report(uploaded) -> None:  # type: ignore[no-untyped-def]
    """The JSON, CSV and HTML downloads are offered, and the JSON is the report shown."""
    at, _ = uploaded
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download JSON", "Download CSV", "Download HTML report"]


def test_history_lists_and_reopens_the_session(uploaded) -> None:  # type: ignore[no-untyped-def]
    """The History page lists the uploaded session and shows its lift count."""
    _, data = uploaded
    history = AppTest.from_function(_history_page, default_timeout=60)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LIFTCHECK_DATA_DIR", str(data))
        history.run()
    assert not history.exception
    table = history.dataframe[0].value
    assert list(table["Source"]) == [CLIP]
    assert list(table["Lifts"]) == [2]


def _history_page() -> None:
    from liftcheck.ui import history

    history.page()


def test_bad_file_shows_a_clear_error_and_saves_nothing(data_dir: Path) -> None:
    """Random bytes named .mp4 give an error naming the problem, no traceback, and no saved session."""
    at = _app()
    at.file_uploader(key="upload").upload("broken.mp4", bytes(range(256)) * 40, "video/mp4").run()
    assert not at.exception
    errors = [shown(e.value) for e in at.error]
    assert errors and "cannot be analysed" in errors[0] and "not a video" in errors[0]
    assert "broken.mp4" in errors[0]  # the user's own name, not the private temporary one
    assert _history(data_dir).list_sessions() == []
    # The app keeps serving: the page still renders its title after the error.
    assert at.title[0].value == "Check a recorded lift"


def test_empty_file_is_refused_with_its_reason(data_dir: Path) -> None:
    """A zero-byte upload says the file is empty."""
    at = _app()
    at.file_uploader(key="upload").upload("empty.mov", b"", "video/quicktime").run()
    assert not at.exception
    assert any("empty" in e.value for e in at.error)


def test_synthetic_sample_runs_without_any_video(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no sample clips present, "Try a sample" runs the synthetic lifter and shows its three lifts."""
    monkeypatch.setenv("LIFTCHECK_SAMPLES_DIR", str(data_dir / "none"))
    monkeypatch.setattr("liftcheck.workshop.samples.PROJECT_ROOT", data_dir)
    at = _app()
    assert at.selectbox(key="sample-choice").value.startswith("synthetic")
    at.button(key="sample-run").click().run()
    assert not at.exception and not at.error
    assert {m.label: m.value for m in at.metric}["Lifts"] == "3"
    saved = _history(data_dir).list_sessions()
    assert [(s.source_kind, s.lift_count) for s in saved] == [("sample", 3)]
    report = _history(data_dir).load_session(saved[0].id).report
    assert json.loads(json.dumps(report))["summary"]["lift_count"] == 3


def test_video_is_kept_only_when_asked(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """History stores no video by default, and the annotated video when the user ticks the box."""
    monkeypatch.setenv("LIFTCHECK_SAMPLES_DIR", str(data_dir / "none"))
    monkeypatch.setattr("liftcheck.workshop.samples.PROJECT_ROOT", data_dir)
    at = _app()
    at.button(key="sample-run").click().run()
    at.checkbox(key="setting-keep-video").check().run()
    at.button(key="sample-run").click().run()
    assert not at.exception
    store = _history(data_dir)
    newest, oldest = store.list_sessions()
    assert not oldest.has_video and store.load_video(oldest.id) is None
    video = store.load_video(newest.id)
    assert newest.has_video and video is not None and video[4:8] == b"ftyp"


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGUSR1"), reason="no SIGUSR1 on this platform")
def test_sigusr1_prints_every_thread_even_while_stderr_is_silenced() -> None:
    """The README's way to see where a stuck server waits: it must get through MediaPipe's hidden stderr too."""
    import subprocess
    import sys

    script = """
import os, signal, threading, time
from liftcheck.ui.common import enable_thread_dumps
from liftcheck.pose import _native_stderr_silenced
enable_thread_dumps()
enable_thread_dumps()  # the app calls it on every rerun: once is what counts
stop = threading.Event()
def waiting_worker():
    stop.wait(30)
threading.Thread(target=waiting_worker, name="worker").start()
with _native_stderr_silenced():
    os.kill(os.getpid(), signal.SIGUSR1)
    time.sleep(0.5)
stop.set()
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("Current thread 0x") == 1, done.stderr
    assert "in waiting_worker" in done.stderr, done.stderr


def test_a_rerun_of_the_live_page_keeps_the_stream_a_return_to_it_does_not() -> None:
    """streamlit-webrtc's check for a page left and come back to must not fire on a rerun of the Live page."""
    from types import SimpleNamespace

    from liftcheck.ui.live import WEBRTC_KEY, keep_stream_over_reruns

    def state(before: str | None, now: str, rendered: int | None) -> dict:
        return {"page_before": before, "page_now": now, WEBRTC_KEY: SimpleNamespace(_last_rendered_run_count=rendered)}

    rerun = state("live", "live", 7)
    assert keep_stream_over_reruns(rerun, WEBRTC_KEY)
    assert rerun[WEBRTC_KEY]._last_rendered_run_count is None
    for before in ("upload", "history", None):  # back from another page, or the first run: left to streamlit-webrtc
        back = state(before, "live", 7)
        assert not keep_stream_over_reruns(back, WEBRTC_KEY)
        assert back[WEBRTC_KEY]._last_rendered_run_count == 7
    assert not keep_stream_over_reruns({"page_before": "live", "page_now": "live"}, WEBRTC_KEY)  # no stream yet
    assert not keep_stream_over_reruns(state("live", "live", None), WEBRTC_KEY)


def _summary_of(report: dict) -> None:
    from liftcheck.ui.summary import render_summary

    render_summary(report, key="t")


def test_a_long_session_leads_with_the_lifts_that_need_work_and_lists_the_rest_on_a_line_each() -> None:
    """Twenty lifts: the five worst on full cards (poor first), every other lift on one line, each verdict a coloured
    word with its mark; no lift is left out."""
    verdicts = ["good"] * 12 + ["caution"] * 5 + ["poor"] * 3
    lifts = [
        {"lift": i + 1, "start_s": 3.0 * i, "end_s": 3.0 * i + 2.0, "style": "squat", "verdict": v,
         "cue": "" if v == "good" else "Bend your knees", "peak_trunk_flexion_deg": 30.0 + i}
        for i, v in enumerate(verdicts)
    ]  # fmt: skip
    report = {"schema_version": 2, "source": "long.mp4", "lifts": lifts, "summary": {"lift_count": 20}}
    at = AppTest.from_function(_summary_of, args=(report,), default_timeout=60).run()
    assert not at.exception
    cards = [m.value for m in at.markdown if m.value.startswith("**Lift ")]
    assert len(cards) == 5
    carded = [int(re.match(r"\*\*Lift (\d+)\*\*", c).group(1)) for c in cards]  # type: ignore[union-attr]
    assert carded == sorted(carded)  # in lift order on the page
    assert {18, 19, 20} <= set(carded)  # every poor lift has its card
    assert all(":red-badge[✗ Poor]" in c or ":orange-badge[! Caution]" in c for c in cards)
    (listed,) = [m.value for m in at.markdown if m.value.startswith("- **Lift ")]
    lines = listed.splitlines()
    assert len(lines) == 15 and all(":green-badge[✓ Good]" in ln or "Caution" in ln for ln in lines)
    numbers = [int(re.search(r"Lift (\d+)", ln).group(1)) for ln in lines]  # type: ignore[union-attr]
    assert sorted(carded + numbers) == list(range(1, 21))


def test_the_session_details_reach_the_report_and_history_and_the_posture_is_reused(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Person, task and load from "About this session" go into the report and History; the person's next session is
    measured from the standing posture their first one recorded."""
    monkeypatch.setenv("LIFTCHECK_SAMPLES_DIR", str(data_dir / "none"))
    monkeypatch.setattr("liftcheck.workshop.samples.PROJECT_ROOT", data_dir)
    at = _app()
    at.text_input(key="given-person").input("Ana ![x](http://example.invalid/x.png)").run()
    at.text_input(key="given-task").input("boxes").run()
    at.number_input(key="given-load").set_value(8.0).run()
    at.button(key="sample-run").click().run()
    assert not at.exception and not at.error
    at.number_input(key="given-pace").set_value(1.5).run()  # the task's own pace, for the second session
    at.button(key="sample-run").click().run()
    assert not at.exception and not at.error
    store = _history(data_dir)
    second, first = store.list_sessions()
    assert (first.person, first.task) == ("Ana ![x](http://example.invalid/x.png)", "boxes")
    reports = [store.load_session(s.id).report for s in (first, second)]
    assert all(r["task_inputs"]["load_kg"] == 8.0 for r in reports)
    assert reports[0]["task_inputs"]["lifts_per_min"] is None and reports[1]["task_inputs"]["lifts_per_min"] == 1.5
    paces = {
        lift["niosh"]["task"]["frequency"]["lifts_per_min"] for lift in reports[1]["lifts"] if "task" in lift["niosh"]
    }
    assert paces == {1.5}  # the given pace is the equation's F for every lift
    assert reports[1]["summary"]["niosh"]["task_li"] is not None
    assert reports[0]["neutral"]["source"] == "recorded"
    assert reports[1]["neutral"]["source"] == "given"
    assert reports[1]["neutral"]["trunk_deg"] == reports[0]["neutral"]["trunk_deg"]
    # The name is shown as a code span (text), never as Markdown that would fetch the picture.
    assert any("`Ana ![x](http://example.invalid/x.png)`" in m.value for m in at.markdown)


def test_history_shows_a_task_with_no_load_recommended_in_words_and_on_the_chart(data_dir: Path) -> None:
    """A session whose task had a limit of 0 kg reads "no load (limit 0 kg)" in the index column, not a blank as
    if no load was given, and is marked on the index chart; a rated session keeps its index."""
    import math

    import pandas as pd

    from liftcheck.presentation import NO_LOAD_WORDS
    from liftcheck.report import NioshSummary

    def report(niosh: NioshSummary | None) -> dict:
        verdicts = {"good": 1, "caution": 0, "poor": 0}
        summary: dict = {"lift_count": 1, "verdicts": verdicts}
        if niosh is not None:
            summary["niosh"] = json.loads(json.dumps(niosh.to_dict()))
        lift = {"lift": 1, "verdict": "good", "peak_trunk_flexion_deg": 30.0, "peak_twist_deg": 5.0}
        return {"schema_version": 1, "summary": summary, "lifts": [lift]}

    sessions = (
        ("rated.mp4", NioshSummary(task_li=1.23, band="increased", rwl_kg=9.8, assessed=1, load_kg=12.0)),
        ("far reach.mp4", NioshSummary(band="high", rwl_kg=0.0, assessed=1, load_kg=25.0, zero_multipliers=("hm",))),
        ("no load given.mp4", None),
    )
    with _history(data_dir) as store:
        for source, niosh in sessions:
            store.save_session(report(niosh), source_name=source, source_kind="upload")
    history = AppTest.from_function(_history_page, default_timeout=60)
    history.run()
    assert not history.exception and not history.error
    table = history.dataframe[0].value
    index = dict(zip(table["Source"], table["Lifting index"]))
    assert index["rated.mp4"] == 1.23 and index["far reach.mp4"] == math.inf  # a sort puts it above any index
    assert pd.isna(index["no load given.mp4"])
    shown = history.dataframe[0].proto.arrow_data.styler.display_values  # what the browser shows in each cell
    assert NO_LOAD_WORDS.encode() in shown and b"1.23" in shown
    specs = [json.loads(chart.proto.spec) for chart in history.get("vega_lite_chart")]
    (li_chart,) = [s for s in specs if "lifting index" in json.dumps(s.get("title", ""))]
    assert NO_LOAD_WORDS in li_chart["title"]["subtitle"]
    assert [layer["mark"]["type"] for layer in li_chart["layer"]] == ["line", "rule"]


def test_the_progress_charts_tell_sessions_apart_by_date_or_by_time() -> None:
    """Over days the axis gives dates; within a day or an hour (a batch) the times, so no two labels read the same."""
    from datetime import datetime, timedelta

    from liftcheck.ui.history import time_axis

    start = datetime(2026, 3, 1, 9, 0, 0)
    assert time_axis([start, start + timedelta(days=3)]) == ("%d %b %Y", "date (UTC)")
    assert time_axis([start, start + timedelta(hours=5)]) == ("%d %b %H:%M", "date and time (UTC)")
    assert time_axis([start, start + timedelta(seconds=3)]) == ("%H:%M:%S", "time (UTC), 01 Mar 2026")
