"""Running a batch: every video under some paths analysed once, on this machine's cores or a Ray cluster.

``run_batch`` finds the videos, keys each by the SHA-256 of its content, skips those the results
folder's index already has done with the same settings, runs the others (a local pool of spawned
workers, or Ray tasks with ``--ray``), records each as it finishes, optionally saves it to History,
and writes the team report over everything in the folder. A video that fails is recorded with its
reason and the others go on. It prints nothing: ``on_event`` hears of each step.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liftcheck.batch.inputs import InputError, ManifestRow, find_videos, match_manifest, read_manifest, sha256_of_file
from liftcheck.batch.job import VideoJob, VideoResult, analyse, pages
from liftcheck.batch.results import DONE, FAILED, Index, VideoRecord, now_utc, video_key, write_atomically
from liftcheck.models import DEFAULT_VARIANT, check_variant
from liftcheck.workers import JobFailed


@dataclass(frozen=True)
class BatchSettings:
    """How to run a batch. ``max_fps`` None analyses every frame; ``workers`` 0 means one per core.

    ``ray``: None runs on this machine; "auto" joins the Ray cluster running here, "local" starts
    one for this batch, anything else is a cluster address. ``history`` saves each finished video
    to the History database (``store.HistoryStore``; ``history_path`` None: the default one).
    """

    model: str = DEFAULT_VARIANT
    max_fps: float | None = 30.0
    annotated: bool = False
    workers: int = 0
    ray: str | None = None
    history: bool = False
    history_path: str | None = None

    def analysis(self) -> dict[str, Any]:
        """The settings a video's results depend on: a record done with others is done again."""
        return {"model": self.model, "max_fps": self.max_fps, "annotated": self.annotated}


@dataclass(frozen=True)
class BatchEvent:
    """Something that happened in a batch: ``kind`` is "start", "skipped", "done", "failed" or "progress".

    ``done`` counts the videos finished (done, failed or skipped) out of ``total``; ``fraction`` is the
    whole batch's progress (0..1), counting the part of each video in progress where that is known.
    """

    kind: str
    total: int
    done: int
    fraction: float
    record: VideoRecord | None = None


@dataclass(frozen=True)
class BatchSummary:
    """What a batch did: counts, the failures with their reasons, warnings, and the team report's files."""

    videos: int
    analysed: int
    skipped: int
    failed: tuple[tuple[str, str], ...]  # (file, reason)
    warnings: tuple[str, ...] = ()
    team_html: str | None = None
    team_csv: str | None = None
    out_dir: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Video:
    sha256: str
    path: Path  # the first file with this content
    files: list[Path]
    manifest: ManifestRow | None


def _gather(paths: Iterable[str | Path], manifest: str | Path | None) -> tuple[list[_Video], list[str]]:
    videos = find_videos(paths)
    if not videos:
        raise InputError(
            f"no videos ({', '.join(('mp4', 'mov', 'avi', 'webm', 'mkv'))}) under {', '.join(map(str, paths))}"
        )
    warnings: list[str] = []
    rows: dict[Path, ManifestRow] = {}
    if manifest is not None:
        manifest_path = Path(manifest)
        rows, unmatched = match_manifest(read_manifest(manifest_path), videos, manifest_path.parent)
        warnings += [f"manifest row {r.row}: no video {r.file!r} among the videos found" for r in unmatched]
    by_hash: dict[str, _Video] = {}
    for path in videos:
        digest = sha256_of_file(path)
        if digest in by_hash:
            by_hash[digest].files.append(path)
            by_hash[digest].manifest = by_hash[digest].manifest or rows.get(path)
        else:
            by_hash[digest] = _Video(digest, path, [path], rows.get(path))
    return list(by_hash.values()), warnings


def _relative(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)


def run_batch(
    paths: Sequence[str | Path],
    out_dir: str | Path,
    settings: BatchSettings = BatchSettings(),
    *,
    manifest: str | Path | None = None,
    on_event: Callable[[BatchEvent], None] | None = None,
) -> BatchSummary:
    """Analyse every video under ``paths`` into ``out_dir`` and write the team report there.

    Raises ``InputError`` (no videos, a bad manifest), ``ModelError`` (no usable model),
    ``ResultsError`` (an index that is not ours) and, with ``ray``, ``ClusterError``. A video
    that cannot be analysed is not an exception: it is recorded as failed, with its reason.
    """
    check_variant(settings.model)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    index = Index(out)
    videos, warnings = _gather(paths, manifest)
    analysis = settings.analysis()
    total = len(videos)
    finished = 0
    in_progress: dict[int, float] = {}
    store = _history(settings)

    def tell(kind: str, record: VideoRecord | None = None) -> None:
        if on_event is not None:
            fraction = (finished + sum(in_progress.values())) / total if total else 1.0
            on_event(BatchEvent(kind, total, finished, min(1.0, fraction), record))

    todo: list[_Video] = []
    skipped = 0

    def settings_of(video: _Video) -> dict[str, Any]:
        # The manifest row's values go into the analysis: a video whose row changed is done again.
        return {**analysis, "inputs": video.manifest.inputs() if video.manifest else {}}

    for video in videos:
        record = index.done(video.sha256, settings_of(video))
        if record is None:
            todo.append(video)
            continue
        manifest_row = video.manifest.as_record() if video.manifest else record.manifest
        record = _with(record, files=tuple(_relative(f) for f in video.files), manifest=manifest_row)
        record = _saved(store, out, record)
        index.put(record)
        skipped += 1
        finished += 1
        tell("skipped", record)
    tell("start")
    # Longest first: the last videos to finish are then short ones, and no core idles long at the end.
    todo.sort(key=_frames_to_analyse(settings.max_fps), reverse=True)

    jobs = [
        VideoJob(
            path=str(v.path.resolve()),
            relative=_relative(v.path),
            sha256=v.sha256,
            key=video_key(v.path.name, v.sha256),
            model=settings.model,
            max_fps=settings.max_fps,
            annotated=settings.annotated,
            out_dir=None if settings.ray else str(out.resolve()),
            inputs=v.manifest.inputs() if v.manifest else {},
        )
        for v in todo
    ]
    failed: list[tuple[str, str]] = []

    def on_result(i: int, result: VideoResult | JobFailed) -> None:
        nonlocal finished
        video, job = todo[i], jobs[i]
        base = VideoRecord(
            sha256=video.sha256,
            key=job.key,
            name=video.path.name,
            files=tuple(_relative(f) for f in video.files),
            status=FAILED,
            settings=settings_of(video),
            manifest=video.manifest.as_record() if video.manifest else None,
            finished_utc=now_utc(),
        )
        if not isinstance(result, JobFailed):
            try:
                for relative, content in {**result.files, **pages(result)}.items():
                    write_atomically(out / relative, content)
            except Exception as exc:  # noqa: BLE001 - a video whose pictures or files fail fails alone
                result = JobFailed(f"its report could not be written ({type(exc).__name__}: {exc})")
        if isinstance(result, JobFailed):
            record = _with(base, reason=result.reason)
            failed.append((str(video.path), result.reason))
        else:
            record = _with(base, status=DONE, outputs=result.outputs, summary=result.summary, seconds=result.seconds)
            record = _saved(store, out, record)
        index.put(record)
        in_progress.pop(i, None)
        finished += 1
        tell(record.status, record)

    def on_progress(i: int, fraction: float) -> None:
        in_progress[i] = max(0.0, min(1.0, fraction))
        tell("progress")

    if jobs:
        if settings.ray:
            from liftcheck.batch import cluster

            started = cluster.connect(settings.ray, cpus=settings.workers or None)
            try:
                cluster.run_on_ray(jobs, settings.model, on_result)
            finally:
                if started:
                    cluster.disconnect()
        else:
            from liftcheck.workers import Pool, default_workers, setup_worker

            workers = min(settings.workers or default_workers(), len(jobs))
            with Pool(workers, setup_worker, (settings.model,), name="liftcheck-batch") as pool:
                for i, result in pool.run(analyse, jobs, on_progress=on_progress):
                    on_result(i, result)

    from liftcheck.batch.team import write_team_report

    html, csv_path = write_team_report(out, index)
    if store is not None:
        store.close()
    return BatchSummary(
        videos=total,
        analysed=len(jobs) - len(failed),
        skipped=skipped,
        failed=tuple(failed),
        warnings=tuple(warnings),
        team_html=str(html),
        team_csv=str(csv_path),
        out_dir=str(out),
    )


def _frames_to_analyse(max_fps: float | None) -> Callable[[_Video], float]:
    """A video's work, about: its length times the frame rate analysed (0 when it cannot be read here)."""
    from liftcheck.video import VideoError, probe

    def frames(video: _Video) -> float:
        try:
            info = probe(video.path)
        except (VideoError, OSError):
            return 0.0
        return info.duration_s * min(info.fps or 30.0, max_fps or info.fps or 30.0)

    return frames


def _with(record: VideoRecord, **changes: Any) -> VideoRecord:
    from dataclasses import replace

    return replace(record, **changes)


def _history(settings: BatchSettings) -> Any:
    if not settings.history:
        return None
    from liftcheck.store import HistoryStore

    return HistoryStore(settings.history_path)


def _saved(store: Any, out: Path, record: VideoRecord) -> VideoRecord:
    """The record, saved to History first when asked and not saved before."""
    if store is None or record.status != DONE or record.history_id is not None or record.outputs.report is None:
        return record
    report = json.loads((out / record.outputs.report).read_text(encoding="utf-8"))
    thumbnails = {
        lift: (out / rel).read_bytes() for lift, rel in record.outputs.thumbnails.items() if (out / rel).is_file()
    }
    session = store.save_session(
        report,
        source_name=record.name,
        source_kind="upload",
        settings={**record.settings, "batch": str(out), "manifest": record.manifest},
        thumbnails=thumbnails,
    )
    return _with(record, history_id=session)
