"""What a batch is given: the videos under some paths, their content hashes, and the optional manifest.

Pure: the standard library only. The manifest is a CSV with one row per video giving who was filmed
doing what, and the inputs of the NIOSH lifting equation the pose cannot see:

    file,person,task,load_kg,height_cm,coupling,duration
    site_a/anna_crates.mp4,Anna,crates to shelf,12.5,168,fair,short

``file`` (required) is the video's path relative to the manifest's folder, or just its name when
that is unique among the videos found. Every other column may be left empty. ``coupling`` is
good, fair or poor (NIOSH Applications Manual, Table 6); ``duration`` is the work-duration band
of NIOSH Table 5: short (up to 1 hour), moderate (1 to 2 hours) or long (2 to 8 hours), also
written ``<=1h``, ``1-2h``, ``2-8h``. ``lifts_per_min`` is the task's own pace, used for the
equation's frequency in place of the video's (a short clip shows how a lift is done, not how
often). Each problem is reported with its row (the header is row 1)
and column.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

# The video file types `liftcheck analyze` takes (its help lists them), matched case-insensitively.
VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".webm", ".mkv")

MANIFEST_COLUMNS = ("file", "person", "task", "load_kg", "height_cm", "coupling", "duration", "lifts_per_min")
COUPLINGS = ("good", "fair", "poor")
DURATIONS = {
    "short": "short",
    "<=1h": "short",
    "≤1h": "short",
    "moderate": "moderate",
    "1-2h": "moderate",
    "long": "long",
    "2-8h": "long",
}
# Plausible ranges, to catch a unit slip (pounds for kilograms, metres or inches for centimetres).
# Loads: NIOSH's load constant is 23 kg and no manual lift sensibly exceeds a few times that.
LOAD_RANGE_KG = (0.1, 200.0)
# Heights: adults from the 1st to beyond the 99th percentile of stature (ISO 7250 surveys: about 145-195 cm).
HEIGHT_RANGE_CM = (100.0, 250.0)
# The task's pace: Table 5 ends at 15 lifts a minute (its limit is 0 kg beyond).
RATE_RANGE_PER_MIN = (0.01, 20.0)


class InputError(ValueError):
    """A path or the manifest cannot be used; the message names the file, row and column."""


def find_videos(paths: Iterable[str | Path]) -> list[Path]:
    """Every video file under ``paths`` (files taken as given, folders searched recursively), sorted, once each.

    Hidden files and folders (names starting with ".") are skipped. Raises InputError for a path
    that does not exist, or a file given by name that is not one of ``VIDEO_SUFFIXES``.
    """
    found: dict[Path, None] = {}
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for candidate in sorted(path.rglob("*")):
                relative = candidate.relative_to(path).parts
                if any(part.startswith(".") for part in relative):
                    continue
                if candidate.is_file() and candidate.suffix.lower() in VIDEO_SUFFIXES:
                    found.setdefault(candidate, None)
        elif path.is_file():
            if path.suffix.lower() not in VIDEO_SUFFIXES:
                raise InputError(f"{path} is not a video file liftcheck takes ({', '.join(VIDEO_SUFFIXES)})")
            found.setdefault(path, None)
        else:
            raise InputError(f"no such file or folder: {path}")
    return sorted(found, key=lambda p: str(p))


def sha256_of_file(path: Path) -> str:
    """The SHA-256 of the file's content, in hex: what a batch keys each video's results by."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ManifestRow:
    """One video's row of the manifest: who, what, and the NIOSH inputs (None where left empty)."""

    row: int  # in the CSV file, the header being row 1
    file: str
    person: str = ""
    task: str = ""
    load_kg: float | None = None
    height_cm: float | None = None
    coupling: str | None = None  # good / fair / poor
    duration: str | None = None  # short / moderate / long
    lifts_per_min: float | None = None  # the task's pace, as the person who knows it gives it

    def as_record(self) -> dict[str, object]:
        """The row as the batch keeps it with the video's results."""
        return asdict(self)

    def inputs(self) -> dict[str, object]:
        """What of the row goes into the analysis (all but where the row is and which file it names)."""
        return {k: v for k, v in asdict(self).items() if k not in ("row", "file")}


def _number(text: str, where: str, what: str, low: float, high: float) -> float | None:
    if not text:
        return None
    try:
        value = float(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    except ValueError:
        raise InputError(f"{where}: {text!r} is not a number ({what})") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise InputError(f"{where}: {text!r} is out of range for {what} ({low:g} to {high:g})")
    return value


def _parse_row(number: int, cells: dict[str, str], source: str) -> ManifestRow:
    def where(column: str) -> str:
        return f"{source}, row {number}, column {column}"

    file = cells.get("file", "")
    if not file:
        raise InputError(f"{where('file')}: the video's file is missing")
    coupling = cells.get("coupling", "").lower() or None
    if coupling is not None and coupling not in COUPLINGS:
        raise InputError(f"{where('coupling')}: {cells['coupling']!r} is not one of {', '.join(COUPLINGS)}")
    duration_text = cells.get("duration", "").lower().replace(" ", "")
    duration = DURATIONS.get(duration_text) if duration_text else None
    if duration_text and duration is None:
        raise InputError(
            f"{where('duration')}: {cells['duration']!r} is not a work-duration band: "
            "short (up to 1 hour), moderate (1 to 2 hours) or long (2 to 8 hours)"
        )
    return ManifestRow(
        row=number,
        file=file,
        person=cells.get("person", ""),
        task=cells.get("task", ""),
        load_kg=_number(cells.get("load_kg", ""), where("load_kg"), "a load in kilograms", *LOAD_RANGE_KG),
        height_cm=_number(cells.get("height_cm", ""), where("height_cm"), "a stature in centimetres", *HEIGHT_RANGE_CM),
        coupling=coupling,
        duration=duration,
        lifts_per_min=_number(
            cells.get("lifts_per_min", ""), where("lifts_per_min"), "lifts a minute", *RATE_RANGE_PER_MIN
        ),
    )


def read_manifest(path: str | Path) -> list[ManifestRow]:
    """The rows of a manifest CSV, checked; raises InputError naming the row and column of the first problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"no such manifest: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"the manifest {path} cannot be read as UTF-8 text: {exc}") from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise InputError(f"{path} is empty: the first row should name the columns ({', '.join(MANIFEST_COLUMNS)})")
    names = [h.strip().lower() for h in header]
    for column, name in enumerate(names, start=1):
        if name not in MANIFEST_COLUMNS:
            raise InputError(
                f"{path}, row 1, column {column}: unknown column {header[column - 1]!r}; "
                f"the columns are {', '.join(MANIFEST_COLUMNS)}"
            )
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise InputError(f"{path}, row 1: column {twice[0]!r} appears more than once")
    if "file" not in names:
        raise InputError(f"{path}, row 1: there is no 'file' column naming each video")
    rows: list[ManifestRow] = []
    seen: dict[str, int] = {}
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue  # a blank line
        if len(values) > len(names):
            raise InputError(f"{path}, row {number}: {len(values)} cells but only {len(names)} columns")
        cells = {name: value.strip() for name, value in zip(names, values)}
        row = _parse_row(number, cells, str(path))
        if row.file in seen:
            raise InputError(
                f"{path}, row {number}, column file: {row.file!r} is already given in row {seen[row.file]}"
            )
        seen[row.file] = number
        rows.append(row)
    return rows


def match_manifest(
    rows: Sequence[ManifestRow], videos: Sequence[Path], manifest_dir: Path
) -> tuple[dict[Path, ManifestRow], list[ManifestRow]]:
    """Each video's manifest row, and the rows that name no video found.

    A row's ``file`` is a path relative to the manifest's folder, or (without a folder part) a
    file name that only one video has. Raises InputError for a name two videos share, or two
    rows naming one video.
    """
    by_path = {v.resolve(): v for v in videos}
    by_name: dict[str, list[Path]] = {}
    for each in videos:
        by_name.setdefault(each.name, []).append(each)
    matched: dict[Path, ManifestRow] = {}
    unmatched: list[ManifestRow] = []
    for row in rows:
        video: Path | None = by_path.get((manifest_dir / row.file).resolve())
        if video is None and "/" not in row.file and "\\" not in row.file:
            candidates = by_name.get(row.file, [])
            if len(candidates) > 1:
                raise InputError(
                    f"manifest row {row.row}, column file: {row.file!r} names {len(candidates)} videos "
                    f"({', '.join(str(c) for c in candidates[:3])}); give its path relative to the manifest"
                )
            video = candidates[0] if candidates else None
        if video is None:
            unmatched.append(row)
            continue
        if video in matched:
            raise InputError(
                f"manifest rows {matched[video].row} and {row.row} both name {video}; give each video one row"
            )
        matched[video] = row
    return matched, unmatched
