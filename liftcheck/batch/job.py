"""One video of a batch, as a worker process (local or on a Ray cluster) analyses it.

``analyse`` is the job: the same ``analyze_video`` call as ``liftcheck analyze`` makes, with the
worker's model (loaded once per worker), then the report written as JSON (exactly what
``liftcheck analyze --json`` writes). On this machine the worker writes it into the results folder
itself; on a cluster, where a worker's disk is not the driver's, it hands it back and the driver
writes it. The pictures are the batch process's (``pages``): each lift's thumbnail as a JPEG, drawn
from the frame the worker kept, and the printable HTML page. Drawing is all a worker would load
OpenCV for, and every worker would hold it (27 MiB, our measurement); the batch process holds it once.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liftcheck.batch.results import Outputs, write_atomically

if TYPE_CHECKING:
    from liftcheck.frames import Given, Sketch

# A test hook: a worker analysing the file of this name ends its process at once (os._exit), as a
# crash in native code would. The tests use it to check that one dying worker fails one video only.
TEST_EXIT_ENV = "LIFTCHECK_TEST_WORKER_EXIT_ON"


@dataclass(frozen=True)
class VideoJob:
    """What a worker needs to analyse one video. ``out_dir`` None: hand the files back instead of writing them."""

    path: str  # absolute, as the driver sees it
    relative: str  # relative to the driver's working folder: where a cluster node with that folder finds it
    sha256: str
    key: str
    model: str
    max_fps: float | None  # None: every frame
    annotated: bool
    out_dir: str | None
    # The video's manifest row as ``ManifestRow.inputs`` gives it (person, task, load_kg, height_cm,
    # coupling, duration, lifts_per_min): the session's names and the lifting equation's inputs. Empty: none.
    inputs: Mapping[str, Any] = field(default_factory=dict)


def given_of(inputs: Mapping[str, Any]) -> Given:
    """A manifest row's inputs as the analysis takes them: a lifting equation when any of its inputs is given."""
    from liftcheck.frames import Given
    from liftcheck.niosh import Coupling, TaskInputs, WorkDuration

    equation = {k: inputs.get(k) for k in ("load_kg", "height_cm", "coupling", "duration", "lifts_per_min")}
    task_inputs = None
    if any(v is not None for v in equation.values()):
        task_inputs = TaskInputs(
            load_kg=equation["load_kg"],
            stature_cm=equation["height_cm"],
            coupling=Coupling(equation["coupling"] or Coupling.FAIR.value),
            duration=WorkDuration(equation["duration"] or WorkDuration.SHORT.value),
            lifts_per_min=equation["lifts_per_min"],
        )
    return Given(person=str(inputs.get("person") or ""), task=str(inputs.get("task") or ""), task_inputs=task_inputs)


@dataclass(frozen=True)
class VideoResult:
    """What came of one video: its files (relative to the results folder), a few numbers, the time it took.

    ``files`` holds the files' content when the job did not write them itself (a cluster worker).
    ``report`` (the report as ``Report.to_dict`` gives it) and ``sketches`` (the lifts' thumbnails,
    undrawn) are what the batch process makes the HTML page and the thumbnails from (``pages``).
    """

    outputs: Outputs
    summary: dict[str, object]
    seconds: float
    files: dict[str, bytes] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    sketches: dict[int, Sketch] = field(default_factory=dict)


def summary_of(report: dict[str, object]) -> dict[str, object]:
    """The few numbers of a report dict that the index keeps and the batch prints."""
    summary = report.get("summary")
    summary = summary if isinstance(summary, dict) else {}
    return {
        "lift_count": summary.get("lift_count", 0),
        "verdicts": summary.get("verdicts", {}),
        "twist_events": summary.get("twist_events", 0),
        "headline": summary.get("headline", ""),
        "duration_s": report.get("duration_s"),
        "frames_analysed": report.get("frames_analysed"),
    }


def _video_path(job: VideoJob) -> Path:
    for candidate in (Path(job.path), Path(job.relative)):
        if candidate.is_file():
            return candidate
    from liftcheck.video import VideoError

    raise VideoError(
        f"{Path(job.path).name} is not readable on this machine ({os.uname().nodename}): on a cluster, put the videos "
        "on storage every node mounts at the same path, or inside the job's working folder"
    )


def analyse(job: VideoJob, progress: object = None) -> VideoResult:
    """Analyse ``job``'s video and write (or return) its report, HTML page, thumbnails and annotated video."""
    from liftcheck import workers
    from liftcheck.config import DEFAULT_CONFIG
    from liftcheck.pipeline import Progress, analyze_video
    from liftcheck.pose import PoseEstimator

    if os.environ.get(TEST_EXIT_ENV) and os.environ[TEST_EXIT_ENV] == Path(job.path).name:
        os._exit(70)
    started = time.perf_counter()
    path = _video_path(job)
    report_progress = progress if callable(progress) else None

    def on_progress(p: Progress) -> None:
        if report_progress is not None:
            report_progress(p.fraction)

    sketches: dict[int, Sketch] = {}
    with tempfile.TemporaryDirectory(prefix="liftcheck-batch-") as scratch:
        annotated = None
        if job.annotated:
            # Written beside its final place when there is one, so it is renamed there, not copied or held.
            folder = Path(job.out_dir) / "videos" if job.out_dir is not None else Path(scratch)
            folder.mkdir(parents=True, exist_ok=True)
            annotated = folder / f".{job.key}.{os.getpid()}.mp4.tmp"
        with PoseEstimator(job.model, model=workers.worker_model(job.model), people=DEFAULT_CONFIG.people) as pose:
            report = analyze_video(
                path,
                model=job.model,
                max_fps=job.max_fps,
                annotated_path=annotated,
                progress=on_progress,
                estimator=pose,
                thumbnails=True,
                chunks=False,  # the batch already keeps every core busy, one video per worker
                given=given_of(job.inputs),
                sketches=sketches,
            )
        data = report.to_dict()
        outputs = Outputs.planned(job.key, sorted(sketches), job.annotated)
        files: dict[str, bytes] = {str(outputs.report): report.to_json().encode("utf-8")}
        result_files: dict[str, bytes] = {}
        if job.out_dir is not None:
            for relative, content in files.items():
                write_atomically(Path(job.out_dir) / relative, content)
            if annotated is not None and outputs.annotated is not None:
                os.replace(annotated, Path(job.out_dir) / outputs.annotated)
        else:
            result_files = files
            if annotated is not None and outputs.annotated is not None:
                result_files[outputs.annotated] = annotated.read_bytes()
    return VideoResult(outputs, summary_of(data), time.perf_counter() - started, result_files, data, sketches)


def pages(result: VideoResult) -> dict[str, bytes]:
    """The pictures of one analysed video, made in the batch process: its thumbnails and its HTML page.

    The same drawing and page as ``liftcheck analyze --html`` makes, from what the worker kept.
    """
    from liftcheck.html_report import render_html

    thumbnails = {lift: sketch.draw() for lift, sketch in sorted(result.sketches.items())}
    files = {result.outputs.thumbnails[lift]: jpeg for lift, jpeg in thumbnails.items()}
    files[str(result.outputs.html)] = render_html(result.report, thumbnails).encode("utf-8")
    return files
