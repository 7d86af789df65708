"""Where a batch keeps its results, and the index that lets an interrupted batch resume.

Pure: the standard library only. The results folder holds::

    index.json                  every video's record, keyed by the SHA-256 of its content
    reports/<key>.json          the report, as ``liftcheck analyze --json`` writes it
    reports/<key>.html          the printable report (``html_report.render_html``)
    thumbnails/<key>-lift<n>.jpg  each lift's worst moment
    videos/<key>.mp4            the annotated video, when asked for
    team.html, team.csv         the team report across every video in the folder

``key`` is the video's file name (made safe) and the first 12 hex digits of its hash, so the
same content under two names is analysed once, and two files with one name never collide.
Only the batch's own process writes ``index.json``, and always by writing a new file and
renaming it over the old one: a batch killed at any moment leaves the last complete index, and a
video counts as done only once its record there says so.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

INDEX_NAME = "index.json"
INDEX_FORMAT = "liftcheck-batch-index"
INDEX_VERSION = 1
DONE, FAILED = "done", "failed"


class ResultsError(OSError):
    """The results folder or its index cannot be used; the message says which file and why."""


def video_key(name: str, sha256: str) -> str:
    """The name a video's results go by: its stem (letters, digits, ``.-_`` only) and 12 hex digits of its hash."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).stem).strip("._")[:60] or "video"
    return f"{stem}-{sha256[:12]}"


@dataclass(frozen=True)
class Outputs:
    """A video's files in the results folder, as paths relative to it (None or empty: not written)."""

    report: str | None = None
    html: str | None = None
    annotated: str | None = None
    thumbnails: dict[int, str] = field(default_factory=dict)

    @classmethod
    def planned(cls, key: str, lifts: list[int], annotated: bool) -> Outputs:
        return cls(
            report=f"reports/{key}.json",
            html=f"reports/{key}.html",
            annotated=f"videos/{key}.mp4" if annotated else None,
            thumbnails={lift: f"thumbnails/{key}-lift{lift}.jpg" for lift in lifts},
        )


@dataclass(frozen=True)
class VideoRecord:
    """What the batch knows about one video (one content hash): where it is, what came of it, and its manifest row.

    ``files`` are the paths the video was found under (one content may sit under several names);
    ``settings`` the analysis settings it was (or is to be) done with; ``summary`` a few numbers of
    its report; ``reason`` why it failed; ``manifest`` its manifest row (``ManifestRow.as_record``).
    """

    sha256: str
    key: str
    name: str
    files: tuple[str, ...]
    status: str  # DONE or FAILED
    settings: dict[str, Any] = field(default_factory=dict)
    outputs: Outputs = field(default_factory=Outputs)
    summary: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    manifest: dict[str, Any] | None = None
    seconds: float | None = None
    finished_utc: str = ""
    history_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["files"] = list(self.files)
        data["outputs"]["thumbnails"] = {str(k): v for k, v in self.outputs.thumbnails.items()}
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VideoRecord:
        outputs = dict(data.get("outputs") or {})
        thumbs = {int(k): str(v) for k, v in (outputs.get("thumbnails") or {}).items() if str(k).isdigit()}
        return cls(
            sha256=str(data["sha256"]),
            key=str(data["key"]),
            name=str(data.get("name", "")),
            files=tuple(str(f) for f in data.get("files") or ()),
            status=str(data.get("status", FAILED)),
            settings=dict(data.get("settings") or {}),
            outputs=Outputs(
                report=outputs.get("report"),
                html=outputs.get("html"),
                annotated=outputs.get("annotated"),
                thumbnails=thumbs,
            ),
            summary=dict(data.get("summary") or {}),
            reason=str(data.get("reason", "")),
            manifest=dict(data["manifest"]) if isinstance(data.get("manifest"), Mapping) else None,
            seconds=data.get("seconds"),
            finished_utc=str(data.get("finished_utc", "")),
            history_id=data.get("history_id"),
        )


def now_utc() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Index:
    """The results folder's ``index.json``: every video's ``VideoRecord`` by content hash."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / INDEX_NAME
        self.records: dict[str, VideoRecord] = {}
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ResultsError(f"{self.path} cannot be read ({exc}); move it away to start the batch afresh") from exc
        if not isinstance(data, dict) or data.get("format") != INDEX_FORMAT:
            raise ResultsError(f"{self.path} is not a liftcheck batch index; choose another --out folder")
        if data.get("version") != INDEX_VERSION:
            raise ResultsError(
                f"{self.path} is a version {data.get('version')!r} index; this liftcheck reads version {INDEX_VERSION}"
            )
        videos = data.get("videos") or {}
        try:
            self.records = {sha: VideoRecord.from_dict(record) for sha, record in videos.items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise ResultsError(f"{self.path} has a malformed record ({exc}); move it away to start afresh") from exc

    def done(self, sha256: str, settings: Mapping[str, Any]) -> VideoRecord | None:
        """The video's record if it was done with these settings and its report is still there."""
        record = self.records.get(sha256)
        if record is None or record.status != DONE or record.settings != dict(settings):
            return None
        wanted = [record.outputs.report, record.outputs.html, record.outputs.annotated]
        if any(rel and not (self.folder / rel).is_file() for rel in wanted):
            return None
        return record

    def put(self, record: VideoRecord) -> None:
        """Add or replace a record and save the index at once."""
        self.records[record.sha256] = record
        self.save()

    def save(self) -> None:
        data = {
            "format": INDEX_FORMAT,
            "version": INDEX_VERSION,
            "videos": {sha: record.to_dict() for sha, record in sorted(self.records.items())},
        }
        write_atomically(self.path, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
