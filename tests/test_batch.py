"""Tests of `liftcheck batch`: the same reports as `liftcheck analyze`, locally and on Ray, a dying worker, resuming,
the manifest, and the team report."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from liftcheck.batch import BatchSettings, Index, InputError, run_batch
from liftcheck.batch.inputs import find_videos, match_manifest, read_manifest
from liftcheck.batch.job import TEST_EXIT_ENV
from liftcheck.batch.results import DONE, FAILED, Outputs, VideoRecord
from liftcheck.batch.team import TeamVideo, render_team_html, team_csv
from liftcheck.cli import main

# Three short clips (2 lifts, 0 lifts, 2 lifts; 720p, 720p, 360p), analysed with the lite model to keep the suite lean.
CLIPS = ("deadlift_oblique_01.mp4", "golf_swing_faceon_01.mp4", "stoop_deadlift_side_01.mp4")
SETTINGS = BatchSettings(model="lite", workers=2)
# Fields that may differ between two runs of the same analysis (none does today; listed so one added later is
# compared deliberately, not by accident).
VOLATILE = ("created_utc", "elapsed_s")


def _stable(report: dict[str, object]) -> dict[str, object]:
    """The report without what depends on when it was made (the session keeps its person and task)."""
    stable = {k: v for k, v in report.items() if k not in VOLATILE}
    session = stable.get("session")
    if isinstance(session, dict):
        stable["session"] = {k: v for k, v in session.items() if k != "analysed_at"}
    return stable


@pytest.fixture(scope="module")
def clips(samples_dir: Path, model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("videos")
    for name in CLIPS:
        shutil.copy(samples_dir / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def analyzed(clips: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    """The three clips through `liftcheck analyze --json`, as a user would run them."""
    out = tmp_path_factory.mktemp("analyze")
    reports = {}
    for name in CLIPS:
        target = out / f"{name}.json"
        assert main(["analyze", str(clips / name), "--model", "lite", "--json", str(target), "--quiet"]) == 0
        reports[name] = json.loads(target.read_text())
    return reports


def _batch_reports(out: Path) -> dict[str, dict[str, object]]:
    index = Index(out)
    return {
        r.name: json.loads((out / str(r.outputs.report)).read_text())
        for r in index.records.values()
        if r.status == DONE
    }


@pytest.fixture(scope="module")
def batch_out(clips: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("batch")
    summary = run_batch([clips], out, SETTINGS)
    assert (summary.videos, summary.analysed, summary.skipped, summary.failed) == (3, 3, 0, ())
    return out


def test_a_local_batch_gives_the_reports_of_analyze(batch_out: Path, analyzed: dict[str, dict[str, object]]) -> None:
    """A batch of three clips on a local pool writes, per video, the very JSON report `liftcheck analyze --json`
    writes, an HTML report and a thumbnail per lift; the team report lists all three."""
    reports = _batch_reports(batch_out)
    assert sorted(reports) == sorted(CLIPS)
    for name in CLIPS:
        assert _stable(reports[name]) == _stable(analyzed[name]), name
    for record in Index(batch_out).records.values():
        assert (batch_out / str(record.outputs.html)).read_text().startswith("<!DOCTYPE html>")
        assert sorted(record.outputs.thumbnails) == list(range(1, record.summary["lift_count"] + 1))
        assert all((batch_out / t).read_bytes()[:2] == b"\xff\xd8" for t in record.outputs.thumbnails.values())
    team = (batch_out / "team.html").read_text()
    assert all(name in team for name in CLIPS)
    assert len((batch_out / "team.csv").read_text().splitlines()) == 1 + 2 + 1 + 2  # header, lifts, a lift-less video


def test_the_batch_draws_the_thumbnails_analyze_draws(batch_out: Path, clips: Path) -> None:
    """The workers leave the thumbnails undrawn and the batch process draws them: they come out byte for byte the
    pictures an analysis in one process draws, and each video's HTML page shows them."""
    from liftcheck.pipeline import analyze_video

    name = "stoop_deadlift_side_01.mp4"
    report = analyze_video(clips / name, model="lite", chunks=False)
    record = next(r for r in Index(batch_out).records.values() if r.name == name)
    assert sorted(report.thumbnails) == sorted(record.outputs.thumbnails) == [1, 2]
    for lift, relative in record.outputs.thumbnails.items():
        assert (batch_out / relative).read_bytes() == report.thumbnails[lift], lift
    assert "data:image/jpeg;base64," in (batch_out / str(record.outputs.html)).read_text()


def test_a_video_whose_pictures_cannot_be_made_fails_alone(
    clips: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drawing happens in the batch process: when one video's thumbnails or page cannot be made, that video is
    reported failed with the reason and the batch goes on with the others."""
    from liftcheck.batch import run as batch_run

    real_pages = batch_run.pages

    def pages(result: object) -> dict[str, bytes]:
        if "golf" in str(result.outputs.report):  # type: ignore[attr-defined]
            raise OSError(28, "No space left on device")
        return real_pages(result)  # type: ignore[arg-type]

    monkeypatch.setattr(batch_run, "pages", pages)
    summary = run_batch([clips], tmp_path, SETTINGS)
    assert summary.analysed == 2 and [Path(f).name for f, _ in summary.failed] == ["golf_swing_faceon_01.mp4"]
    assert "could not be written" in summary.failed[0][1] and "No space left on device" in summary.failed[0][1]
    statuses = {r.name: r.status for r in Index(tmp_path).records.values()}
    assert statuses == {
        "golf_swing_faceon_01.mp4": FAILED,
        "deadlift_oblique_01.mp4": DONE,
        "stoop_deadlift_side_01.mp4": DONE,
    }


def test_a_batch_worker_never_loads_opencv(clips: Path, tmp_path: Path) -> None:
    """A worker set up as the pool sets it up analyses a video and hands back its report and its lifts' frames to
    draw, without ever importing OpenCV (27 MiB a worker): only drawing needs it, and the batch process draws."""
    job = {
        "path": str(clips / "deadlift_oblique_01.mp4"),
        "relative": "deadlift_oblique_01.mp4",
        "sha256": "0" * 64,
        "key": "deadlift",
        "model": "lite",
        "max_fps": 30.0,
        "annotated": False,
        "out_dir": str(tmp_path),
    }
    script = (
        "import json, sys\n"
        "from liftcheck.workers import setup_worker\n"
        "setup_worker('lite')\n"
        "from liftcheck.batch.job import VideoJob, analyse\n"
        f"result = analyse(VideoJob(**json.loads({json.dumps(json.dumps(job))})))\n"
        "print(json.dumps({'cv2': 'cv2' in sys.modules, 'lifts': result.summary['lift_count'],\n"
        "                  'sketches': sorted(result.sketches), 'report': sorted(result.report)[:3]}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["cv2"] is False
    assert seen["lifts"] == 2 and seen["sketches"] == [1, 2]
    assert seen["report"]  # the report's data came back for the batch process's HTML page
    assert (tmp_path / "reports" / "deadlift.json").is_file()


def test_a_resumed_batch_redoes_nothing(batch_out: Path, clips: Path) -> None:
    """Run again over the same folder, every video is found done by its content hash: nothing is analysed again and
    no report is rewritten."""
    before = {p: p.stat().st_mtime_ns for p in (batch_out / "reports").iterdir()}
    events = []
    summary = run_batch([clips], batch_out, SETTINGS, on_event=events.append)
    assert (summary.analysed, summary.skipped, summary.failed) == (0, 3, ())
    assert [e.kind for e in events].count("skipped") == 3 and "done" not in [e.kind for e in events]
    assert {p: p.stat().st_mtime_ns for p in (batch_out / "reports").iterdir()} == before


def test_a_dying_worker_fails_its_video_only_and_the_batch_resumes_it(
    clips: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the worker analysing one video dies (os._exit, as a native crash would), that video is reported failed
    with the reason, the other two are done; run again, only the failed one is analysed."""
    monkeypatch.setenv(TEST_EXIT_ENV, "golf_swing_faceon_01.mp4")
    summary = run_batch([clips], tmp_path, SETTINGS)
    assert summary.analysed == 2 and [Path(f).name for f, _ in summary.failed] == ["golf_swing_faceon_01.mp4"]
    assert "died" in summary.failed[0][1] and "exited with code 70" in summary.failed[0][1]
    records = {r.name: r for r in Index(tmp_path).records.values()}
    assert records["golf_swing_faceon_01.mp4"].status == FAILED
    assert {records[n].status for n in ("deadlift_oblique_01.mp4", "stoop_deadlift_side_01.mp4")} == {DONE}
    assert "golf_swing_faceon_01.mp4" in (tmp_path / "team.html").read_text()  # listed with its reason

    monkeypatch.delenv(TEST_EXIT_ENV)
    again = run_batch([clips], tmp_path, SETTINGS)
    assert (again.analysed, again.skipped, again.failed) == (1, 2, ())


def test_the_manifest_goes_into_the_analysis_as_analyze_takes_it(clips: Path, tmp_path: Path) -> None:
    """A manifest row's person, task, load, height and pace give the batch's report the lifting index of
    `liftcheck analyze` with the same flags; a row changed since is analysed again, the other videos are not."""
    name = "deadlift_oblique_01.mp4"
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(f"file,person,task,load_kg,height_cm,lifts_per_min\n{name},Anna,crates,12,170,1.5\n")
    out = tmp_path / "out"
    summary = run_batch([clips], out, SETTINGS, manifest=manifest)
    assert summary.analysed == 3 and summary.failed == ()
    flags = ["--person", "Anna", "--task", "crates", "--load-kg", "12", "--height-cm", "170", "--lifts-per-min", "1.5"]
    target = tmp_path / "analyze.json"
    assert main(["analyze", str(clips / name), "--model", "lite", "--json", str(target), "--quiet", *flags]) == 0
    analyzed = json.loads(target.read_text())
    batch = _batch_reports(out)[name]
    assert _stable(batch) == _stable(analyzed)
    assert batch["session"]["person"] == "Anna" and batch["task_inputs"]["lifts_per_min"] == 1.5
    lis = [lift["niosh"].get("li") for lift in batch["lifts"]]
    assert lis and all(li is not None and li > 0 for li in lis), lis
    assert batch["summary"]["niosh"]["task_li"] == pytest.approx(max(lis), abs=0.005)
    # The team report's line per lift carries the index.
    team = [r for r in csv.DictReader(io.StringIO((out / "team.csv").read_text())) if r["file"].endswith(name)]
    assert [float(r["niosh_li"]) for r in team] == pytest.approx(lis, abs=0.01)
    assert {r["person"] for r in team} == {"Anna"} and {r["lifts_per_min"] for r in team} == {"1.5"}

    manifest.write_text(f"file,person,task,load_kg,height_cm,lifts_per_min\n{name},Anna,crates,20,170,1.5\n")
    again = run_batch([clips], out, SETTINGS, manifest=manifest)
    assert (again.analysed, again.skipped) == (1, 2)
    heavier = _batch_reports(out)[name]
    assert heavier["summary"]["niosh"]["task_li"] > batch["summary"]["niosh"]["task_li"]


def test_the_same_batch_on_a_local_ray(clips: Path, tmp_path: Path, analyzed: dict[str, dict[str, object]]) -> None:
    """With --ray, the three clips run as Ray tasks on a Ray started here (2 CPUs), the model shipped through the
    object store and checked by its hash in the workers: the same reports as `liftcheck analyze`."""
    try:
        import ray
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("ray is not installed in CI: .ci/run installs liftcheck[cluster]", pytrace=False)
        pytest.skip('ray is not installed (pip install "liftcheck[cluster]")')
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        summary = run_batch([clips], tmp_path, BatchSettings(model="lite", ray="auto"))
    finally:
        ray.shutdown()
    assert (summary.analysed, summary.failed) == (3, ())
    reports = _batch_reports(tmp_path)
    for name in CLIPS:
        assert _stable(reports[name]) == _stable(analyzed[name]), name


# -- inputs and the manifest (no model)


def _touch(folder: Path, *names: str) -> list[Path]:
    paths = []
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(name.encode())
        paths.append(path)
    return paths


def test_videos_are_found_recursively_by_type(tmp_path: Path) -> None:
    """Folders are searched recursively for the video types analyze takes (any case); other files and hidden
    folders are left out; a file given by name must be a video."""
    _touch(tmp_path, "a.mp4", "sub/b.MOV", "sub/deeper/c.mkv", "notes.txt", ".cache/d.mp4", "e.webm")
    found = [p.relative_to(tmp_path).as_posix() for p in find_videos([tmp_path])]
    assert found == ["a.mp4", "e.webm", "sub/b.MOV", "sub/deeper/c.mkv"]
    with pytest.raises(InputError, match="notes.txt is not a video"):
        find_videos([tmp_path / "notes.txt"])
    with pytest.raises(InputError, match="no such file or folder"):
        find_videos([tmp_path / "missing"])


def _manifest(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "manifest.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("file,person,coupling\na.mp4,Ann,great\n", "row 2, column coupling: 'great' is not one of good, fair, poor"),
        ("file,load_kg\na.mp4,twelve\n", "row 2, column load_kg: 'twelve' is not a number"),
        ("file,load_kg\na.mp4,12\nb.mp4,2500\n", "row 3, column load_kg: '2500' is out of range"),
        ("file,height_cm\na.mp4,1.75\n", "row 2, column height_cm: '1.75' is out of range"),
        ("file,duration\na.mp4,all day\n", "row 2, column duration: 'all day' is not a work-duration band"),
        ("file,weight\na.mp4,12\n", "row 1, column 2: unknown column 'weight'"),
        ("person\nAnn\n", "row 1: there is no 'file' column"),
        ("file,task\n,lifting\n", "row 2, column file: the video's file is missing"),
        ("file\na.mp4\na.mp4\n", "row 3, column file: 'a.mp4' is already given in row 2"),
        ("", "is empty"),
    ],
)
def test_a_bad_manifest_is_refused_naming_the_row_and_column(tmp_path: Path, text: str, message: str) -> None:
    """Each problem in the manifest is an InputError saying where it is (header = row 1) and what was expected."""
    with pytest.raises(InputError) as caught:
        read_manifest(_manifest(tmp_path, text))
    assert message in str(caught.value)


def test_manifest_rows_are_read_and_matched_by_path_or_unique_name(tmp_path: Path) -> None:
    """Rows match videos by path relative to the manifest or by a unique name; empty cells are None; bands are
    normalised; a row naming no video is reported, a name two videos share is refused."""
    videos = _touch(tmp_path, "site_a/ann.mp4", "site_b/ben.mp4", "site_b/cat.mp4")
    rows = read_manifest(
        _manifest(
            tmp_path,
            "File,Person,Task,Load_kg,Height_cm,Coupling,Duration\n"
            "site_a/ann.mp4,Ann,crates,12.5,168,Fair,<=1h\n"
            "ben.mp4,Ben,crates,,,poor,2-8h\n"
            "dan.mp4,Dan,,,,,\n",
        )
    )
    assert (rows[0].load_kg, rows[0].height_cm, rows[0].coupling, rows[0].duration) == (12.5, 168.0, "fair", "short")
    assert (rows[1].load_kg, rows[1].duration, rows[2].coupling) == (None, "long", None)
    matched, unmatched = match_manifest(rows, videos, tmp_path)
    assert {p.name: r.person for p, r in matched.items()} == {"ann.mp4": "Ann", "ben.mp4": "Ben"}
    assert [r.file for r in unmatched] == ["dan.mp4"]
    twins = _touch(tmp_path, "x/same.mp4", "y/same.mp4")
    with pytest.raises(InputError, match="'same.mp4' names 2 videos"):
        match_manifest(read_manifest(_manifest(tmp_path, "file\nsame.mp4\n")), twins, tmp_path)


def test_cli_batch_refuses_a_bad_manifest_and_ray_without_ray(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`liftcheck batch` exits 2 with the manifest's row and column named, and says how to install Ray when --ray
    is given without it."""
    video = _touch(tmp_path, "clips/a.mp4")[0]
    bad = _manifest(tmp_path, "file,coupling\na.mp4,strong\n")
    assert main(["batch", str(video.parent), "--out", str(tmp_path / "out"), "--manifest", str(bad), "--quiet"]) == 2
    assert "row 2, column coupling" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "ray", None)  # as if not installed
    assert main(["batch", str(video.parent), "--out", str(tmp_path / "out"), "--ray", "auto", "--quiet"]) == 2
    assert 'pip install "liftcheck[cluster]"' in capsys.readouterr().err


def test_importing_the_batch_and_the_cli_loads_no_ray() -> None:
    """ray is imported only when a batch is asked to run on a cluster."""
    code = "import sys, liftcheck.batch, liftcheck.cli, liftcheck.batch.cluster; print('ray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "False"


# -- the team report (no model)


def _video(
    name: str, person: str, task: str, verdicts: list[str], load_kg: float | None, li: float | None
) -> TeamVideo:
    lifts = [
        {
            "lift": i + 1,
            "start_s": 2.0 * i,
            "style": "stoop",
            "verdict": v,
            "cue": "Bend your knees",
            "peak_trunk_flexion_deg": 40.0 + 10 * i,
            "findings": [{"rule_id": "trunk_flexion", "title": "Deep forward bend", "severity": v}]
            if v != "good"
            else [],
            "niosh": {"li": li, "rwl_kg": 10.0, "band": "increased", "applicable": li is not None, "reason": ""},
        }
        for i, v in enumerate(verdicts)
    ]
    report = {"lifts": lifts, "twist_events": [{}], "summary": {"niosh": {"task_li": li}}}
    key = name.replace(".", "-")
    record = VideoRecord(
        sha256=key * 4,
        key=key,
        name=name,
        files=(name,),
        status=DONE,
        outputs=Outputs(
            report=f"reports/{key}.json",
            html=f"reports/{key}.html",
            thumbnails={i + 1: f"thumbnails/{key}-lift{i + 1}.jpg" for i in range(len(verdicts))},
        ),
        manifest={"person": person, "task": task, "load_kg": load_kg},
    )
    return TeamVideo(record, report)


def test_team_report_groups_by_task_and_person_and_stays_offline() -> None:
    """The team page gives, per task and per person, the lifts, the share of poor lifts, the most common fault, the
    twists, the worst lifts with thumbnail links and the NIOSH LI only where the manifest gave the load ("—" else);
    it loads nothing from outside the folder and escapes names; the CSV has a line per lift with the manifest's data."""
    videos = [
        _video("ann1.mp4", "<b>Ann</b>", "crates", ["poor", "caution", "good"], 12.0, 1.8),
        _video("ben1.mp4", "Ben", "crates", ["good", "poor"], None, 2.5),  # no load given: no LI shown
    ]
    failed = [VideoRecord("f" * 64, "broken", "broken.mp4", ("broken.mp4",), FAILED, reason="not a video")]
    page = render_team_html(videos, failed)
    assert "&lt;b&gt;Ann&lt;/b&gt;" in page and "<b>Ann</b>" not in page
    assert "40%" in page  # 2 poor of 5 lifts across the task
    assert "Deep forward bend (3)" in page  # the most common fault, in 3 lifts
    assert "1.80" in page and "2.50" not in page and "—" in page
    assert "src='thumbnails/ann1-mp4-lift1.jpg'" in page and "reports/ann1-mp4.html#lift-1" in page
    assert "broken.mp4" in page and "not a video" in page
    for outside in ("http://", "https://", "<script", "<link", "@import", "url("):
        assert outside not in page
    lines = team_csv(videos).splitlines()
    assert len(lines) == 1 + 3 + 2
    assert lines[1].startswith("ann1.mp4,<b>Ann</b>,crates,12.0,") and ",1.8,10.0,increased," in lines[1]
    assert ",poor,50.0,,,,trunk_flexion,,,,reports/" in lines[5]  # Ben gave no load: no LI


def test_team_report_puts_a_task_with_no_load_recommended_above_every_index() -> None:
    """A video whose lifts have a limit of 0 kg (no load recommended: the report has no LI, its band high) is not
    shown as "—" ("not given"): its task, its person, the page's headline and its worst lifts say no load is
    recommended, and it outranks any index; the CSV leaves the index empty with the band high. With no load in
    the manifest it stays "—"."""

    def no_load(video: TeamVideo) -> TeamVideo:
        lifts = [
            {
                **row,
                "niosh": {
                    "li": None,
                    "rwl_kg": 0.0,
                    "band": "high",
                    "applicable": True,
                    "reason": "",
                    "task": {"load_kg": video.load_kg},
                },
            }  # fmt: skip
            for row in video.report["lifts"]
        ]
        summary = {"niosh": {"task_li": None, "rwl_kg": 0.0, "band": "high", "load_kg": video.load_kg}}
        return TeamVideo(video.record, {**video.report, "lifts": lifts, "summary": summary})

    videos = [
        _video("ann1.mp4", "Ann", "crates", ["poor", "good"], 12.0, 1.8),
        no_load(_video("ann2.mp4", "Ann", "sacks", ["caution"], 25.0, None)),
        no_load(_video("ben1.mp4", "Ben", "sweeping", ["poor"], None, None)),  # no load given: nothing to say
    ]
    page = render_team_html(videos)
    rows = {
        cells[0]: cells[-1]
        for cells in (re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", page))
        if cells
    }
    assert rows["crates"] == "1.80" and rows["sacks"] == "no load (limit 0 kg)" and rows["sweeping"] == "—"
    assert rows["Ann"] == "no load (limit 0 kg)" and rows["Ben"] == "—"
    assert "<span class='n'>0 kg</span> a task's NIOSH limit: no load recommended" in page
    assert "highest NIOSH LI" not in page
    assert "ann2.mp4, lift 1</a> at 0.0 s: Stoop, <strong>Caution</strong>. NIOSH: no load recommended" in page
    lines = team_csv(videos).splitlines()
    sacks = next(line for line in lines if line.startswith("ann2.mp4,"))
    assert ",trunk_flexion,,0.0,high," in sacks
    assert next(line for line in lines if line.startswith("ann1.mp4,")).count(",1.8,10.0,increased,") == 1
    # Without a limit of 0 kg anywhere the headline gives the highest index.
    assert "<span class='n'>1.80</span> highest NIOSH LI" in render_team_html(videos[:1])
