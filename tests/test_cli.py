"""Tests of the command line: version, a real analysis with JSON and CSV, bad input, the demo."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from liftcheck import __version__
from liftcheck.cli import main


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "liftcheck", *args], capture_output=True, text=True, timeout=300)


def test_version() -> None:
    """`liftcheck --version` prints the package version."""
    out = _run("--version")
    assert out.returncode == 0 and __version__ in out.stdout


def test_analyze_writes_table_json_and_csv(samples_dir: Path, model_dir: Path, tmp_path: Path) -> None:
    """`liftcheck analyze` prints the per-lift table and writes a JSON report and a CSV with the same lifts."""
    out = _run(
        "analyze",
        str(samples_dir / "everyday_floor_pickup_stoop_side_01.mp4"),
        "--model",
        "lite",
        "--json",
        str(tmp_path / "r.json"),
        "--csv",
        str(tmp_path / "r.csv"),
        "--quiet",
    )
    assert out.returncode == 0, out.stderr
    assert "lift" in out.stdout and "stoop" in out.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    rows = list(csv.DictReader((tmp_path / "r.csv").open()))
    assert report["summary"]["lift_count"] == len(rows) == 1
    assert rows[0]["style"] == report["lifts"][0]["style"] == "stoop"
    assert "W0000" not in out.stderr  # MediaPipe's native chatter is silenced
    heads = next(line for line in out.stdout.splitlines() if line.strip().startswith("lift") and "verdict" in line)
    assert "start s" in heads and "trunk°" in heads and "knee°" in heads  # units in the column heads
    # A 10-second clip gives no pace: a rate over so short a time would mislead.
    assert "lifts per minute" not in out.stdout and report["summary"]["lifts_per_minute"] is None


def test_analyze_takes_the_session_and_gives_the_lifting_index(samples_dir: Path, model_dir: Path) -> None:
    """With a person, task, load, height and the task's pace, the table names the session and gives each lift its
    lifting index with the inputs it rests on; bad values are usage errors naming the range."""
    out = _run(
        "analyze",
        str(samples_dir / "everyday_floor_pickup_stoop_side_01.mp4"),
        *("--model", "lite", "--quiet", "--person", "Bo [x](http://e.x)", "--task", "boxes"),
        *("--load-kg", "10", "--height-cm", "180", "--coupling", "good", "--lifts-per-min", "2"),
    )
    assert out.returncode == 0, out.stderr
    assert "Bo [x](http://e.x) · boxes · " in out.stdout  # as given, as text
    lines = out.stdout.splitlines()
    lift = next(line for line in lines if line.strip().startswith("lift 1:"))
    assert re.search(r"lifting index \d+\.\d\d \((acceptable|increased|high)\)", lift), lift
    inputs = lines[lines.index(lift) + 1]
    assert re.search(r"H \d+ cm\??, V \d+ cm\??, D \d+ cm, A \d+°\??, F 2\.0/min", inputs), inputs
    assert "the task (its hardest lift, lift 1)" in out.stdout
    bad = _run("analyze", str(samples_dir / "everyday_floor_pickup_stoop_side_01.mp4"), "--height-cm", "1.8")
    assert bad.returncode == 2 and "out of range for a height in cm (100 to 250)" in bad.stderr


def test_bad_input_exits_non_zero_with_a_message(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A missing file, an empty file and random bytes each exit 1 with a message naming the problem."""
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    noise = tmp_path / "noise.mp4"
    noise.write_bytes(bytes(range(256)) * 64)
    for path, words in ((tmp_path / "missing.mp4", "no such file"), (empty, "empty"), (noise, "not a video")):
        assert main(["analyze", str(path), "--quiet"]) == 1
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err


def test_max_fps_0_analyses_every_frame(samples_dir: Path, model_dir: Path, tmp_path: Path) -> None:
    """`--max-fps 0` analyses every frame of a 60 fps clip (it used to fall back to 30); the default thins it to 30."""
    import itertools

    from liftcheck.video import VideoReader, encode_constant_rate

    clip = tmp_path / "sixty.mp4"
    with VideoReader(samples_dir / "squat_lift_side_01.mp4", max_fps=None) as reader:
        encode_constant_rate((f.rgb for f in itertools.islice(reader, 60)), clip, fps=60)
    for rate, frames in (("0", 60), ("30", 30)):
        out = tmp_path / f"at-{rate}.json"
        assert main(["analyze", str(clip), "--model", "lite", "--max-fps", rate, "--json", str(out), "--quiet"]) == 0
        report = json.loads(out.read_text())
        assert report["frames_analysed"] == frames, rate
        assert report["settings"]["max_fps"] == (None if rate == "0" else 30.0)
    out = _run("analyze", str(clip), "--max-fps", "-1")
    assert out.returncode == 2 and "every frame" in out.stderr


def test_unknown_model_is_a_usage_error() -> None:
    """An unknown --model is refused by the argument parser with exit code 2."""
    out = _run("analyze", "x.mp4", "--model", "huge")
    assert out.returncode == 2 and "invalid choice" in out.stderr


def test_demo_runs_without_camera_or_video() -> None:
    """`liftcheck demo` analyses the synthetic lifter and prints three lifts."""
    out = _run("demo")
    assert out.returncode == 0, out.stderr
    assert "3 lifts" in out.stdout


_SILENCER_RACE = """
import os, threading
from liftcheck.pose import _native_stderr_silenced as quiet

a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

def a():
    with quiet():
        a_in.set()
        b_in.wait()
    a_out.set()

def b():
    a_in.wait()
    with quiet():
        b_in.set()
        a_out.wait()
        os.write(2, b"hidden\\n")  # A has left, B is still silencing

threads = [threading.Thread(target=a), threading.Thread(target=b)]
for t in threads:
    t.start()
for t in threads:
    t.join()
os.write(2, b"shown\\n")
"""


def test_native_stderr_silencing_from_two_threads_hides_only_while_either_is_inside() -> None:
    """The scout thread and the main thread silence fd 2 in overlapping windows: chatter inside either
    window stays hidden and stderr works again once both have left (a plain save/restore pair per
    thread gets both wrong)."""
    env = {k: v for k, v in os.environ.items() if k != "LIFTCHECK_NATIVE_LOGS"}
    out = subprocess.run([sys.executable, "-c", _SILENCER_RACE], capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stderr == "shown\n"


_PROGRESS_LINE = re.compile(r"^\[[#.]{30}\] +\d+\.\d% +\d+ frames +[\d.]+/[\d.]+ s +(about +\d+ s left)?$")


def test_analyze_writes_only_its_own_lines_to_stderr(samples_dir: Path, model_dir: Path, tmp_path: Path) -> None:
    """With the progress bar on and an annotated video, every stderr line of `liftcheck analyze` is a progress
    line: nothing from MediaPipe, also not when the landmarkers close after the bar (full model, people search)."""
    out = _run("analyze", str(samples_dir / "deadlift_oblique_01.mp4"), "--annotated", str(tmp_path / "a.mp4"))
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert lines, "expected at least one progress line"
    strangers = [line for line in lines if not _PROGRESS_LINE.match(line)]
    assert not strangers, f"lines on stderr that are not liftcheck's: {strangers}"


def test_a_file_that_cannot_be_written_is_a_message_not_a_traceback(
    samples_dir: Path, model_dir: Path, tmp_path: Path
) -> None:
    """--annotated onto a full disk (/dev/full) and --json into a missing folder each exit 1 with a message."""
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    full = tmp_path / "annotated.mp4"
    full.symlink_to("/dev/full")
    clip = str(samples_dir / "deadlift_oblique_01.mp4")
    out = _run("analyze", clip, "--model", "lite", "--quiet", "--annotated", str(full))
    assert out.returncode == 1 and "No space left on device" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr
    assert not full.is_symlink(), "the half-written annotated video is left behind"
    out = _run("analyze", clip, "--model", "lite", "--quiet", "--json", str(tmp_path / "missing" / "r.json"))
    assert out.returncode == 1 and "cannot write the JSON report" in out.stderr and "Traceback" not in out.stderr
