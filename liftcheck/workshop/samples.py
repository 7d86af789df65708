"""The labelled sample clips: where they are listed, where to find them, and how to fetch them.

The clips cannot be committed (their licences are unknown or forbid it), so git holds only
``sample_videos/manifest.json``: per clip its name, SHA-256, source and how it was cut.
``fetch_samples`` fills ``sample_videos/`` from a local copy of the shared clips (checked
against the pinned hashes), or else rebuilds each clip from its public original by applying
the manifest's cut spec. A rebuilt clip is re-encoded, so its bytes differ from the reference
copy, but it shows the same frames at the same times, so the labels still apply.

Cutting is ``video.cut_video`` (imported only when a clip has to be cut); downloading is
``download.download_verified``, reached only through ``download_file``, which tests replace.
``samples_dir`` is the one place that says where the clips are, for the app, the evaluation,
the tests and the benchmarks.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from liftcheck.download import DownloadError, download_verified
from liftcheck.models import sha256_of

SAMPLES_DIR_ENV = "LIFTCHECK_SAMPLES_DIR"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DEST = PROJECT_ROOT / "sample_videos"
MANIFEST_PATH = DEFAULT_DEST / "manifest.json"
LABELS_FILE = "labels.json"
MANIFEST_SCHEMA = "liftcheck.sample_videos.manifest"
MANIFEST_VERSION = 1

# Where an original is fetched from; tests point these at a server on 127.0.0.1.
ORIGINAL_URL_TEMPLATE = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"
# Files kept in Git LFS come back from the raw URL as a small pointer; the media host serves the bytes.
LFS_URL_TEMPLATE = "https://media.githubusercontent.com/media/{repo}/{commit}/{path}"
_LFS_POINTER_PREFIX = b"version https://git-lfs.github.com/spec/"

# Clips rebuilt from their originals: name -> sha256 of the rebuilt bytes, so a later run knows them.
REBUILT_RECORD = ".rebuilt-sha256.json"
REBUILT_NOTE = "rebuilt from source (bytes differ from the reference copy; labels' times still apply)"

Status = Literal["copied", "present", "rebuilt", "skipped", "failed"]
Downloader = Callable[[str, Path], None]  # (url, file to write)
# How each status reads in the command's output, in the order the total lists them.
STATUS_WORDS: dict[Status, str] = {
    "present": "already present",
    "copied": "copied",
    "rebuilt": "downloaded+cut",
    "skipped": "skipped",
    "failed": "failed",
}


class SampleError(ValueError):
    """A manifest, cut spec or clip is not what was expected; the message names the value."""


@dataclass(frozen=True)
class CutSpec:
    """How a clip is made from its original.

    Times are seconds on the original's video clock counted from its first frame; frames with
    ``start_s <= t < end_s`` are kept and re-timed to start at 0. ``None`` = from the start / to
    the end. ``video="copy"`` keeps the encoded track as it is (so it cannot be trimmed).
    ``rotate_display_deg`` tags the output (counter-clockwise, as FFmpeg reports it); ``None``
    keeps the original's tag.
    """

    start_s: float | None = None
    end_s: float | None = None
    video: Literal["h264", "copy"] = "h264"
    crf: int | None = 20
    pix_fmt: str | None = "yuv420p"
    drop_audio: bool = True
    rotate_display_deg: int | None = None

    def __post_init__(self) -> None:
        if self.video not in ("h264", "copy"):
            raise SampleError(f"cut video must be 'h264' or 'copy', got {self.video!r}")
        for name in ("start_s", "end_s"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and value >= 0):
                raise SampleError(f"cut {name} must be a number of seconds >= 0 or null, got {value!r}")
        if self.start_s is not None and self.end_s is not None and self.end_s <= self.start_s:
            raise SampleError(f"cut end_s ({self.end_s}) must be after start_s ({self.start_s})")
        if self.video == "copy" and (self.start_s is not None or self.end_s is not None):
            raise SampleError("a 'copy' cut cannot trim (it would have to start on a keyframe); use video 'h264'")
        if self.video == "h264" and self.crf is not None and not (isinstance(self.crf, int) and 0 <= self.crf <= 51):
            raise SampleError(f"cut crf must be an integer 0-51, got {self.crf!r}")
        if not self.drop_audio:
            raise SampleError("cut drop_audio must be true: the sample clips carry no sound")
        if self.rotate_display_deg is not None and self.rotate_display_deg % 90:
            raise SampleError(f"cut rotate_display_deg must be a multiple of 90, got {self.rotate_display_deg!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CutSpec:
        known = {"start_s", "end_s", "video", "crf", "pix_fmt", "drop_audio", "rotate_display_deg"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SampleError(f"cut spec has fields this version cannot apply: {', '.join(unknown)}")
        return cls(**{key: data[key] for key in known if key in data})


@dataclass(frozen=True)
class SampleClip:
    """One manifest entry: the clip, its pinned hash, its original and how it was made from it."""

    file: str
    sha256: str
    repo: str
    commit: str
    path: str  # inside the repository
    license_spdx: str | None
    license_note: str
    how: str  # how the clip was cut, in words
    cut: CutSpec | None  # None when the clip cannot be rebuilt by a cut
    why_not: str | None  # why not, when ``cut`` is None
    labels: Mapping[str, Any]  # summary of the labels (view, lift count range, styles, twist, people)

    @property
    def reproducible(self) -> bool:
        return self.cut is not None

    def original_url(self, template: str | None = None) -> str:
        template = ORIGINAL_URL_TEMPLATE if template is None else template
        return template.format(repo=self.repo, commit=self.commit, path=urllib.parse.quote(self.path))


@dataclass(frozen=True)
class Manifest:
    version: int
    clips: tuple[SampleClip, ...]


@dataclass(frozen=True)
class ClipOutcome:
    """What happened to one clip. ``status`` is copied, present, rebuilt, skipped or failed."""

    file: str
    status: Status
    detail: str = ""

    @property
    def available(self) -> bool:
        return self.status in ("copied", "present", "rebuilt")

    def line(self) -> str:
        return f"{self.file}: {STATUS_WORDS[self.status]}" + (f": {self.detail}" if self.detail else "")


@dataclass(frozen=True)
class FetchResult:
    """Per-clip outcomes in manifest order, and what happened to ``labels.json``."""

    dest: Path
    outcomes: tuple[ClipOutcome, ...]
    labels: str  # "copied", "already present", "not in the source folder" or "no source folder"

    @property
    def ok(self) -> bool:
        """True when every clip in the manifest is in ``dest`` now."""
        return all(outcome.available for outcome in self.outcomes)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(outcome.file for outcome in self.outcomes if not outcome.available)

    def count(self, status: Status) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)


# --- manifest -------------------------------------------------------------------------------


def _require(entry: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in entry:
        raise SampleError(f"{where} has no {key!r}")
    return entry[key]


def parse_manifest(data: Mapping[str, Any]) -> Manifest:
    """Check and convert a manifest read from JSON; raises SampleError naming the bad entry."""
    if data.get("schema") != MANIFEST_SCHEMA:
        raise SampleError(f"not a sample manifest: schema is {data.get('schema')!r}, expected {MANIFEST_SCHEMA!r}")
    if data.get("version") != MANIFEST_VERSION:
        raise SampleError(
            f"sample manifest version {data.get('version')!r} is not supported (expected {MANIFEST_VERSION})"
        )
    clips = []
    seen: set[str] = set()
    for i, entry in enumerate(_require(data, "clips", "the manifest")):
        where = f"manifest clip {i} ({entry.get('file', '?')})"
        name = _require(entry, "file", where)
        if not isinstance(name, str) or not name or Path(name).name != name:
            raise SampleError(f"{where}: file must be a bare file name, got {name!r}")
        if name in seen:
            raise SampleError(f"{where}: {name} is listed twice")
        seen.add(name)
        digest = _require(entry, "sha256", where)
        if not (isinstance(digest, str) and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)):
            raise SampleError(f"{where}: sha256 must be 64 lower-case hex digits, got {digest!r}")
        source = _require(entry, "source", where)
        license_ = source.get("license") or {}
        cut = _require(entry, "cut", where)
        spec = None
        if cut.get("reproducible", True):
            try:
                spec = CutSpec.from_dict(_require(cut, "spec", where + " cut"))
            except (SampleError, TypeError) as exc:
                raise SampleError(f"{where}: {exc}") from exc
        elif not cut.get("why_not"):
            raise SampleError(f"{where}: a clip marked not reproducible must say why (cut.why_not)")
        clips.append(
            SampleClip(
                file=name,
                sha256=digest,
                repo=_require(source, "repo", where + " source"),
                commit=_require(source, "commit", where + " source"),
                path=_require(source, "path", where + " source"),
                license_spdx=license_.get("spdx"),
                license_note=license_.get("note", ""),
                how=cut.get("how", ""),
                cut=spec,
                why_not=None if spec else cut["why_not"],
                labels=entry.get("labels", {}),
            )
        )
    return Manifest(version=MANIFEST_VERSION, clips=tuple(clips))


def load_manifest(path: str | Path | None = None) -> Manifest:
    """Read and check ``sample_videos/manifest.json`` (or ``path``)."""
    path = MANIFEST_PATH if path is None else Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SampleError(f"no sample manifest at {path}") from exc
    except json.JSONDecodeError as exc:
        raise SampleError(f"{path} is not valid JSON: {exc}") from exc
    return parse_manifest(data)


def samples_dir(containing: str = "") -> Path | None:
    """Where the labelled clips are: ``$LIFTCHECK_SAMPLES_DIR`` when set, else ``../shared/videos`` beside
    the project, else the project's ``sample_videos/``; the first that is a folder holding a file matching
    ``containing`` (a glob such as ``"*.mp4"`` or ``"labels.json"``; "" for any folder), else None."""
    configured = os.environ.get(SAMPLES_DIR_ENV)
    if configured:
        candidates: tuple[Path, ...] = (Path(configured).expanduser(),)
    else:
        candidates = (PROJECT_ROOT.parent / "shared" / "videos", DEFAULT_DEST)
    return next((c for c in candidates if c.is_dir() and (not containing or any(c.glob(containing)))), None)


def samples_source_dir() -> Path | None:
    """The folder to copy reference clips from: ``samples_dir()``, unless that is ``sample_videos/`` itself."""
    found = samples_dir()
    return None if found is None or found.resolve() == DEFAULT_DEST.resolve() else found


# --- files ----------------------------------------------------------------------------------


def _temp_path(dest: Path, name: str) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=dest)
    os.close(fd)
    return Path(tmp)


def _copy_verified(src: Path, target: Path, expected_sha256: str | None) -> str:
    """Copy ``src`` to ``target`` through a temp file, hashing the bytes written; return their sha256.

    When ``expected_sha256`` is given and differs, nothing is left at ``target`` and SampleError is raised.
    """
    tmp = _temp_path(target.parent, target.name)
    try:
        digest = hashlib.sha256()
        with src.open("rb") as inp, tmp.open("wb") as out:
            for block in iter(lambda: inp.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
        actual = digest.hexdigest()
        if expected_sha256 is not None and actual != expected_sha256:
            raise SampleError(
                f"{src} has sha256 {actual[:12]}…, expected {expected_sha256[:12]}…; it is damaged or a "
                "different file, so it was not copied"
            )
        tmp.chmod(0o644)  # mkstemp makes files private; these are ordinary data files
        os.replace(tmp, target)
        return actual
    finally:
        tmp.unlink(missing_ok=True)


def _read_rebuilt(dest: Path) -> dict[str, str]:
    try:
        data = json.loads((dest / REBUILT_RECORD).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_rebuilt(dest: Path, record: Mapping[str, str]) -> None:
    tmp = _temp_path(dest, REBUILT_RECORD)
    try:
        tmp.write_text(json.dumps(dict(sorted(record.items())), indent=1) + "\n", encoding="utf-8")
        tmp.chmod(0o644)
        os.replace(tmp, dest / REBUILT_RECORD)
    finally:
        tmp.unlink(missing_ok=True)


# --- network (the only code that touches it) ----------------------------------------------------


def download_file(url: str, target: Path, *, timeout_s: float = 60.0) -> None:
    """Write the body of ``url`` to ``target``; raise DownloadError with the reason when it fails."""
    download_verified(url, target, timeout_s=timeout_s)


def _fetch_original(clip: SampleClip, target: Path, downloader: Downloader, url_template: str | None) -> None:
    url = clip.original_url(url_template)
    downloader(url, target)
    with target.open("rb") as handle:
        head = handle.read(len(_LFS_POINTER_PREFIX))
    if head == _LFS_POINTER_PREFIX:
        downloader(clip.original_url(LFS_URL_TEMPLATE), target)


# --- cutting ---------------------------------------------------------------------------------


def cut_video(src: Path, target: Path, cut: CutSpec) -> None:
    """Write ``target`` (MP4, video only) from ``src`` as ``cut`` says; raise SampleError if nothing is left."""
    from liftcheck import video  # only here: listing and copying clips need no video library

    spec = video.Cut(
        start_s=cut.start_s,
        end_s=cut.end_s,
        copy=cut.video == "copy",
        crf=cut.crf if cut.crf is not None else 20,
        pix_fmt=cut.pix_fmt or "yuv420p",
        rotate_display_deg=cut.rotate_display_deg,
    )
    try:
        written = video.cut_video(src, target, spec)
    except video.VideoError as exc:
        raise SampleError(str(exc)) from exc
    if written == 0:
        raise SampleError(
            f"cutting {src.name} to {cut.start_s}-{cut.end_s} s kept no frames: the original is shorter than the cut"
        )


# --- fetching --------------------------------------------------------------------------------


def _rebuild(
    clip: SampleClip, dest: Path, downloader: Downloader, url_template: str | None
) -> tuple[ClipOutcome, str | None]:
    assert clip.cut is not None
    target = dest / clip.file
    # Everything is written inside a temporary folder in dest, so a failure at any point leaves nothing behind.
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=dest) as work_name:
        work = Path(work_name)
        original = work / "original"
        try:
            _fetch_original(clip, original, downloader, url_template)
        except (DownloadError, OSError) as exc:
            return ClipOutcome(clip.file, "failed", f"could not download the original ({exc})"), None
        cut_file = work / clip.file
        try:
            cut_video(original, cut_file, clip.cut)
        except (SampleError, OSError) as exc:
            return ClipOutcome(clip.file, "failed", str(exc)), None
        digest = sha256_of(cut_file)
        os.replace(cut_file, target)
    if digest == clip.sha256:  # possible for a 'copy' cut made with the same muxer
        return ClipOutcome(clip.file, "rebuilt", "rebuilt from source, identical to the reference copy"), None
    return ClipOutcome(clip.file, "rebuilt", REBUILT_NOTE), digest


def _fetch_one(
    clip: SampleClip,
    dest: Path,
    source_dir: Path | None,
    allow_download: bool,
    downloader: Downloader,
    url_template: str | None,
    rebuilt: dict[str, str],
) -> ClipOutcome:
    target = dest / clip.file
    on_disk = sha256_of(target) if target.is_file() else None
    if on_disk == clip.sha256:
        rebuilt.pop(clip.file, None)
        return ClipOutcome(clip.file, "present")
    src = source_dir / clip.file if source_dir is not None else None
    if src is not None and src.is_file():
        try:
            _copy_verified(src, target, clip.sha256)
        except (SampleError, OSError) as exc:
            return ClipOutcome(clip.file, "failed", str(exc))
        rebuilt.pop(clip.file, None)
        return ClipOutcome(clip.file, "copied", f"from {source_dir}")
    if on_disk is not None and rebuilt.get(clip.file) == on_disk:
        return ClipOutcome(clip.file, "present", REBUILT_NOTE)
    where = f"not in {source_dir}" if source_dir is not None else "no source folder"
    if on_disk is not None:
        where = f"the file in {dest} has sha256 {on_disk[:12]}…, expected {clip.sha256[:12]}…; {where}"
    if not allow_download:
        return ClipOutcome(clip.file, "failed", f"{where}, and downloading is off")
    if clip.cut is None:
        return ClipOutcome(clip.file, "skipped", f"{where}, and it cannot be rebuilt from its source: {clip.why_not}")
    outcome, digest = _rebuild(clip, dest, downloader, url_template)
    if digest is not None:
        rebuilt[clip.file] = digest
    elif outcome.status == "rebuilt":
        rebuilt.pop(clip.file, None)
    return outcome


def fetch_samples(
    dest: str | Path | None = None,
    *,
    source_dir: str | Path | None = None,
    allow_download: bool = True,
    progress: Callable[[ClipOutcome], None] | None = None,
    manifest: Manifest | str | Path | None = None,
    downloader: Downloader | None = None,
    url_template: str | None = None,
) -> FetchResult:
    """Make every manifest clip present in ``dest`` (default ``sample_videos/``).

    Per clip: keep a file whose sha256 is the pinned one; else copy it from ``source_dir``
    (default ``samples_source_dir()``) if its hash matches; else, when ``allow_download``,
    download the original (``url_template``, default ``ORIGINAL_URL_TEMPLATE``) with
    ``downloader`` (default ``download_file``) and apply the cut. ``labels.json`` is copied
    from the source folder too. ``progress`` is called with each clip's outcome as it is known.
    """
    dest = DEFAULT_DEST if dest is None else Path(dest)
    source = Path(source_dir) if source_dir is not None else samples_source_dir()
    if source is not None and not source.is_dir():
        raise SampleError(f"the source folder {source} does not exist")
    if not isinstance(manifest, Manifest):
        manifest = load_manifest(manifest)
    downloader = download_file if downloader is None else downloader
    dest.mkdir(parents=True, exist_ok=True)
    rebuilt = _read_rebuilt(dest)
    before = dict(rebuilt)
    outcomes = []
    try:
        for clip in manifest.clips:
            outcome = _fetch_one(clip, dest, source, allow_download, downloader, url_template, rebuilt)
            outcomes.append(outcome)
            if progress is not None:
                progress(outcome)
    finally:
        if rebuilt != before:
            _write_rebuilt(dest, rebuilt)
    return FetchResult(dest=dest, outcomes=tuple(outcomes), labels=_fetch_labels(source, dest))


def _fetch_labels(source: Path | None, dest: Path) -> str:
    if source is None:
        return "no source folder"
    src = source / LABELS_FILE
    if not src.is_file():
        return "not in the source folder"
    target = dest / LABELS_FILE
    if target.is_file() and sha256_of(target) == sha256_of(src):
        return "already present"
    _copy_verified(src, target, None)
    return "copied"


# --- command line ----------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``liftcheck samples``."""
    parser.add_argument("--dest", type=Path, default=None, help=f"where to put the clips (default: {DEFAULT_DEST})")
    parser.add_argument(
        "--source",
        type=Path,
        default=None,
        help=f"folder holding the reference clips (default: ${SAMPLES_DIR_ENV}, else ../shared/videos if it exists)",
    )
    parser.add_argument(
        "--no-download", action="store_true", help="never download originals; only copy from the source folder"
    )
    parser.add_argument("--list", action="store_true", help="list the clips in the manifest and whether each is here")


def _list(manifest: Manifest, dest: Path) -> int:
    rebuilt = _read_rebuilt(dest)
    here = 0
    for clip in manifest.clips:
        target = dest / clip.file
        digest = sha256_of(target) if target.is_file() else None
        if digest == clip.sha256:
            state = "present"
        elif digest is not None and rebuilt.get(clip.file) == digest:
            state = "present (rebuilt)"
        elif digest is not None:
            state = "present, wrong sha256"
        else:
            state = "missing"
        here += state.startswith("present") and state != "present, wrong sha256"
        labels = clip.labels
        count = labels.get("lift_count") or {}
        low, high = count.get("min", "?"), count.get("max", "?")
        lifts = f"{low}" if low == high else f"{low}-{high}"
        twist = "twist" if labels.get("twist_in_clip") else "no twist"
        rebuild = "" if clip.reproducible else ", not rebuildable"
        licence = clip.license_spdx or "licence unknown"
        print(f"{clip.file}: {state} | {labels.get('view', '?')} view, lifts {lifts}, {twist} | {licence}{rebuild}")
    print(f"{here} of {len(manifest.clips)} clips in {dest}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Carry out ``liftcheck samples`` with parsed ``args``; 0 when every clip is present afterwards."""
    dest = args.dest if args.dest is not None else DEFAULT_DEST
    try:
        manifest = load_manifest()
    except SampleError as exc:
        print(f"error: {exc}")
        return 1
    if args.list:
        return _list(manifest, dest)
    if args.source is None and os.environ.get(SAMPLES_DIR_ENV) and samples_source_dir() is None:
        print(f"note: {SAMPLES_DIR_ENV} is set to {os.environ[SAMPLES_DIR_ENV]}, which is not a folder; ignoring it")
    try:
        result = fetch_samples(
            dest,
            source_dir=args.source,
            allow_download=not args.no_download,
            progress=lambda outcome: print(outcome.line(), flush=True),
            manifest=manifest,
        )
    except (SampleError, OSError) as exc:
        print(f"error: {exc}")
        return 1
    print(f"labels.json: {result.labels}")
    total = len(result.outcomes)
    counts = ", ".join(
        f"{result.count(status)} {word}" for status, word in STATUS_WORDS.items() if result.count(status)
    )
    print(f"total: {total} clips: {counts}")
    if result.ok:
        print(f"all {total} clips are in {result.dest}")
        return 0
    print(
        f"{len(result.missing)} of {total} clips are missing from {result.dest}: {', '.join(result.missing)}. "
        f"Point --source (or {SAMPLES_DIR_ENV}) at a folder holding the reference clips to get them all."
    )
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """``liftcheck samples`` on its own: ``python -m liftcheck.samples [--dest DIR] [--source DIR] ...``."""
    parser = argparse.ArgumentParser(
        prog="liftcheck samples",
        description="Fetch the labelled sample clips into sample_videos/ (copied from a local folder, or rebuilt "
        "from their public originals).",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
