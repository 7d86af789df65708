"""The history of analysis sessions: one SQLite file the History page lists, reopens, deletes and charts.

Pure: the standard library only (sqlite3, json, zlib), and the pure ``presentation`` for what a report's
lifting equation says; a save reads its summary columns from the report's read model
(``report.ReportView``). One setting, ``LIFTCHECK_DATA_DIR``, names the folder that holds
``history.sqlite3``; without it the per-user data folder is used.

What a session keeps: the report dict exactly as ``Report.to_dict()`` gave it (zlib-compressed
JSON, since the timeline can be large), the settings, a display name for the source (never used
as a path), summary columns for fast listing and the progress chart, one JPEG per lift, and the
video bytes only when the caller passes them.

Integrity: WAL journal and a busy timeout so two processes can save at once; every save is one
``BEGIN IMMEDIATE`` transaction, so a crash or kill mid-save leaves no half-written session and
no earlier session is touched; the schema version lives in ``PRAGMA user_version`` and a file
from a newer liftcheck, or a file that is not ours, is refused and left as it is.

Privacy: the folder is 0700 and the database with its -wal and -shm files 0600 (tightened, and
logged, when found wider), since the thumbnails show people's bodies and faces.

Schema (version 4)::

    sessions(id INTEGER PRIMARY KEY AUTOINCREMENT, created_utc TEXT, source_name TEXT,
             source_kind TEXT CHECK IN ('upload','live','sample'), settings_json TEXT,
             report_schema_version INTEGER, lift_count INTEGER, good INTEGER, caution INTEGER,
             poor INTEGER, share_good REAL NULL, peak_trunk_flexion_deg REAL NULL,
             peak_twist_deg REAL NULL, duration_s REAL NULL, report_zlib BLOB,
             not_judged INTEGER DEFAULT 0, twists INTEGER DEFAULT 0,  -- these two from version 2
             person TEXT DEFAULT '', task TEXT DEFAULT '', analysed_at TEXT NULL,
             task_li REAL NULL,  -- these four from version 3, back-filled from the stored reports
             task_no_load INTEGER DEFAULT 0)  -- from version 4, back-filled likewise
    thumbnails(session_id → sessions ON DELETE CASCADE, lift INTEGER, jpeg BLOB, PK(session_id, lift))
    videos(session_id PK → sessions ON DELETE CASCADE, data BLOB)
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import stat
import sys
import threading
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

from liftcheck.presentation import recommends_no_load

_log = logging.getLogger(__name__)

DATA_DIR_ENV = "LIFTCHECK_DATA_DIR"
DB_FILENAME = "history.sqlite3"
SOURCE_KINDS = ("upload", "live", "sample")

# "LFCK": marks the file as ours, so another program's SQLite file is refused rather than altered.
APPLICATION_ID = 0x4C46434B
# Long enough to outlast another process's save (a few MB at most), short enough not to hang the app forever.
BUSY_TIMEOUT_S = 30.0
_SQLITE_HEADER = b"SQLite format 3\x00"

# Test-only: called with (connection, session id) after every row of a save is written and before
# COMMIT, so a test can kill the process deterministically inside the transaction.
_before_commit_hook: Callable[[sqlite3.Connection, int], None] | None = None


class StoreError(Exception):
    """The history could not be opened, read or written; the message says what and what to do."""


class SessionNotFound(StoreError, KeyError):
    """No session with that id (it was deleted, or never existed)."""

    def __str__(self) -> str:
        # KeyError's own __str__ shows the repr of its argument, quotes and all.
        return str(self.args[0]) if self.args else "session not found"


def data_dir() -> Path:
    """The folder for the history: ``LIFTCHECK_DATA_DIR``, else the platform's per-user data folder."""
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.environ.get("APPDATA")
        return (Path(base) if base else Path.home() / "AppData" / "Local") / "liftcheck"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "liftcheck"
    base = os.environ.get("XDG_DATA_HOME")
    return (Path(base) if base else Path.home() / ".local" / "share") / "liftcheck"


def default_path() -> Path:
    return data_dir() / DB_FILENAME


@dataclass(frozen=True)
class SessionRow:
    """One saved session as the History list and the progress chart see it (no report, no images)."""

    id: int
    created_utc: str  # ISO 8601 with +00:00, microseconds
    source_name: str  # display only
    source_kind: str  # "upload" | "live" | "sample"
    lift_count: int
    good: int
    caution: int
    poor: int
    share_good: float | None  # good / complete lifts, 0..1; None when there were none
    peak_trunk_flexion_deg: float | None  # max over the lifts
    peak_twist_deg: float | None  # max |twist| over the lifts and the judged twist events
    duration_s: float | None
    has_video: bool
    not_judged: int = 0  # complete lifts the camera's view could not judge
    twists: int = 0  # twist events the view could judge
    person: str = ""  # as the user gave it (display only), "" when not given
    task: str = ""
    analysed_at: str = ""  # the report's session.analysed_at (ISO 8601, UTC); created_utc when the report had none
    task_li: float | None = None  # the task's lifting index, when a load was given
    # A load was given and the task's hardest lift has a limit of 0 kg: no load is recommended at all
    # (worse than any index; task_li is None then).
    task_no_load: bool = False

    @property
    def when(self) -> datetime:
        """When the analysis ran (the report's own time, else the save's), timezone-aware."""
        try:
            moment = datetime.fromisoformat(self.analysed_at.replace("Z", "+00:00")) if self.analysed_at else None
        except ValueError:
            moment = None
        if moment is None:
            return self.created
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

    @property
    def created(self) -> datetime:
        return datetime.fromisoformat(self.created_utc)


@dataclass(frozen=True)
class StoredSession:
    """A session reopened: its row, the report dict as saved, its settings and the lift thumbnails."""

    row: SessionRow
    report: dict[str, object]
    settings: dict[str, object]
    thumbnails: dict[int, bytes]  # lift index -> JPEG bytes


# -- schema and migrations

_SCHEMA_V1 = (
    """
    CREATE TABLE sessions (
        -- AUTOINCREMENT: a deleted id is never reused, so a stale History link cannot open another session.
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_utc TEXT NOT NULL,
        source_name TEXT NOT NULL,
        source_kind TEXT NOT NULL CHECK (source_kind IN ('upload', 'live', 'sample')),
        settings_json TEXT NOT NULL,
        report_schema_version INTEGER NOT NULL,
        lift_count INTEGER NOT NULL,
        good INTEGER NOT NULL,
        caution INTEGER NOT NULL,
        poor INTEGER NOT NULL,
        share_good REAL,
        peak_trunk_flexion_deg REAL,
        peak_twist_deg REAL,
        duration_s REAL,
        -- Last, so listing the summary columns never reads the blob's overflow pages.
        report_zlib BLOB NOT NULL
    )
    """,
    "CREATE INDEX sessions_by_time ON sessions (created_utc, id)",
    """
    CREATE TABLE thumbnails (
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        lift INTEGER NOT NULL,
        jpeg BLOB NOT NULL,
        PRIMARY KEY (session_id, lift)
    )
    """,
    """
    CREATE TABLE videos (
        session_id INTEGER PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
        data BLOB NOT NULL
    )
    """,
)


def _migrate_0_to_1(conn: sqlite3.Connection) -> None:
    for statement in _SCHEMA_V1:
        conn.execute(statement)


def _migrate_1_to_2(conn: sqlite3.Connection) -> None:
    # Report schema 2: lifts the view could not judge, and sessions of twists without lifts.
    conn.execute("ALTER TABLE sessions ADD COLUMN not_judged INTEGER NOT NULL DEFAULT 0")
    conn.execute("ALTER TABLE sessions ADD COLUMN twists INTEGER NOT NULL DEFAULT 0")


def _session_fields(report: Mapping[str, object]) -> tuple[str, str, str | None, float | None]:
    """(person, task, analysed_at, task_li) of a report dict; blanks and None where it has none (older reports)."""
    session = report.get("session")
    session = session if isinstance(session, Mapping) else {}
    summary = report.get("summary")
    niosh = summary.get("niosh") if isinstance(summary, Mapping) else None
    li = niosh.get("task_li") if isinstance(niosh, Mapping) else None
    text = [session.get(k) for k in ("person", "task", "analysed_at")]
    person, task, when = (v.strip() if isinstance(v, str) else "" for v in text)
    number = float(li) if isinstance(li, (int, float)) and not isinstance(li, bool) else None
    return person, task, when or None, number


def _migrate_2_to_3(conn: sqlite3.Connection) -> None:
    # Sessions carry who and what they were about, when the analysis ran, and the task's lifting index:
    # History filters by person and charts by date. Old rows are filled from the report each one stored.
    added = ("person TEXT NOT NULL DEFAULT ''", "task TEXT NOT NULL DEFAULT ''", "analysed_at TEXT", "task_li REAL")
    for column in added:
        conn.execute(f"ALTER TABLE sessions ADD COLUMN {column}")
    conn.execute("CREATE INDEX sessions_by_person ON sessions (person, created_utc)")
    for sid, blob in conn.execute("SELECT id, report_zlib FROM sessions").fetchall():
        try:
            report = json.loads(zlib.decompress(blob).decode("utf-8"))
        except (zlib.error, UnicodeDecodeError, ValueError):
            continue  # a damaged report stays listed with blank fields; opening it says it is damaged
        if isinstance(report, dict):
            conn.execute(
                "UPDATE sessions SET person = ?, task = ?, analysed_at = ?, task_li = ? WHERE id = ?",
                (*_session_fields(report), sid),
            )


def _task_no_load(report: Mapping[str, object]) -> bool:
    """Whether a report dict's task has a load and a limit of 0 kg (no load recommended, so no index); older
    reports without the lifting equation: False."""
    summary = report.get("summary")
    niosh = summary.get("niosh") if isinstance(summary, Mapping) else None
    return isinstance(niosh, Mapping) and recommends_no_load(niosh)


def _migrate_3_to_4(conn: sqlite3.Connection) -> None:
    # A task whose limit is 0 kg has no index, and History showed it blank, as if no load had been given.
    # It is the riskiest kind of task: the flag says so. Old rows are filled from the report each one stored.
    conn.execute("ALTER TABLE sessions ADD COLUMN task_no_load INTEGER NOT NULL DEFAULT 0")
    for sid, blob in conn.execute("SELECT id, report_zlib FROM sessions WHERE task_li IS NULL").fetchall():
        try:
            report = json.loads(zlib.decompress(blob).decode("utf-8"))
        except (zlib.error, UnicodeDecodeError, ValueError):
            continue  # a damaged report keeps the default; opening it says it is damaged
        if isinstance(report, dict) and _task_no_load(report):
            conn.execute("UPDATE sessions SET task_no_load = 1 WHERE id = ?", (sid,))


# MIGRATIONS[i] takes the schema from version i to i + 1, inside the caller's transaction.
# To change the schema: append a function here; never edit one that has shipped.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _migrate_0_to_1,
    _migrate_1_to_2,
    _migrate_2_to_3,
    _migrate_3_to_4,
)
SCHEMA_VERSION = len(MIGRATIONS)


# -- report checks and summary columns


def validate_report(report: object) -> dict[str, object]:
    """``report`` if it looks like ``Report.to_dict()``; StoreError naming the first problem if not."""
    if not isinstance(report, dict):
        raise StoreError(f"the report must be a dict (Report.to_dict()), got {type(report).__name__}")
    version = report.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise StoreError(f"the report's schema_version must be an int, got {version!r}")
    summary = report.get("summary")
    if not isinstance(summary, dict):
        raise StoreError(f"the report has no 'summary' dict (got {type(summary).__name__})")
    count = summary.get("lift_count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise StoreError(f"the report's summary.lift_count must be an int >= 0, got {count!r}")
    lifts = report.get("lifts", [])
    if not isinstance(lifts, list) or not all(isinstance(x, dict) for x in lifts):
        raise StoreError("the report's 'lifts' must be a list of dicts")
    verdicts = summary.get("verdicts", {})
    if not isinstance(verdicts, dict):
        raise StoreError(f"the report's summary.verdicts must be a dict, got {type(verdicts).__name__}")
    return report


def _summary_columns(report: dict[str, object]) -> dict[str, object]:
    """The listing / chart numbers of a validated report dict, from its read model."""
    # Imported here: opening and listing the history needs no numpy, only a save does.
    from liftcheck.report import ReportView

    view = ReportView.from_dict(report)
    verdicts = view.summary.verdicts
    person, task, analysed_at, task_li = _session_fields(report)
    return {
        "person": person,
        "task": task,
        "analysed_at": analysed_at,
        "task_li": task_li,
        "task_no_load": int(_task_no_load(report)),
        "lift_count": view.summary.lift_count,
        "good": verdicts.get("good", 0),
        "caution": verdicts.get("caution", 0),
        "poor": verdicts.get("poor", 0),
        "not_judged": verdicts.get("not judged", 0),
        "twists": view.summary.twists.count,
        "share_good": view.share_good,
        "peak_trunk_flexion_deg": view.peak_trunk_flexion_deg,
        "peak_twist_deg": view.peak_twist_deg,
        "duration_s": view.duration_s,
    }


def _json_default(value: object) -> object:
    # numpy scalars and arrays (without importing numpy): the report should hold none, but one slipping
    # through must not make a finished analysis unsaveable.
    for method in ("item", "tolist"):
        convert = getattr(value, method, None)
        if callable(convert):
            try:
                return convert()
            except (TypeError, ValueError):
                continue
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _to_json(value: object, what: str) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"the {what} cannot be saved as JSON: {exc}") from exc


def _check_session(
    report: object,
    source_name: object,
    source_kind: object,
    settings: object,
    thumbnails: Mapping[int, bytes] | None,
    video: object,
) -> list[tuple[int, bytes]]:
    """Refuse (StoreError naming the value) anything a save cannot use; the thumbnails as (lift, bytes)."""
    validate_report(report)
    if not isinstance(source_name, str):
        raise StoreError(f"source_name must be a str (a display name), got {type(source_name).__name__}")
    if source_kind not in SOURCE_KINDS:
        raise StoreError(f"source_kind must be one of {', '.join(SOURCE_KINDS)}; got {source_kind!r}")
    if settings is not None and not isinstance(settings, dict):
        raise StoreError(f"settings must be a dict or None, got {type(settings).__name__}")
    thumbs: list[tuple[int, bytes]] = []
    for lift, jpeg in (thumbnails or {}).items():
        if not isinstance(lift, int) or isinstance(lift, bool):
            raise StoreError(f"thumbnail keys must be lift indices (int), got {lift!r}")
        if not isinstance(jpeg, (bytes, bytearray, memoryview)):
            raise StoreError(f"the thumbnail of lift {lift} must be bytes, got {type(jpeg).__name__}")
        thumbs.append((lift, bytes(jpeg)))
    if video is not None and not isinstance(video, (bytes, bytearray, memoryview)):
        raise StoreError(f"video must be bytes or None, got {type(video).__name__}")
    return thumbs


_ROW_COLUMNS = (
    "id, created_utc, source_name, source_kind, lift_count, good, caution, poor, share_good, "
    "peak_trunk_flexion_deg, peak_twist_deg, duration_s, "
    "EXISTS (SELECT 1 FROM videos WHERE videos.session_id = sessions.id) AS has_video, not_judged, twists, "
    "person, task, analysed_at, task_li, task_no_load"
)


def _row(record: tuple[object, ...]) -> SessionRow:
    (sid, created, name, kind, count, good, caution, poor, share, flexion, twist, duration, video, nj, tw) = record[:15]
    person, task, analysed_at, task_li, no_load = record[15:20]
    return SessionRow(
        id=int(sid),  # type: ignore[call-overload]
        created_utc=str(created),
        source_name=str(name),
        source_kind=str(kind),
        lift_count=int(count),  # type: ignore[call-overload]
        good=int(good),  # type: ignore[call-overload]
        caution=int(caution),  # type: ignore[call-overload]
        poor=int(poor),  # type: ignore[call-overload]
        share_good=share,  # type: ignore[arg-type]
        peak_trunk_flexion_deg=flexion,  # type: ignore[arg-type]
        peak_twist_deg=twist,  # type: ignore[arg-type]
        duration_s=duration,  # type: ignore[arg-type]
        has_video=bool(video),
        not_judged=int(nj),  # type: ignore[call-overload]
        twists=int(tw),  # type: ignore[call-overload]
        person=str(person or ""),
        task=str(task or ""),
        analysed_at=str(analysed_at or ""),
        task_li=task_li,  # type: ignore[arg-type]
        task_no_load=bool(no_load),
    )


def _tighten(path: Path, mode: int) -> None:
    """Take away every permission ``path`` has beyond ``mode``, and log it (it was readable by others until now)."""
    current = stat.S_IMODE(path.stat().st_mode)
    if not current & ~mode:
        return
    try:
        path.chmod(current & mode)
    except OSError as exc:  # a read-only file system: the history can still be read
        _log.warning("%s is open to other users (mode %04o) and could not be tightened: %s", path, current, exc)
        return
    _log.warning("%s was open to other users (mode %04o); tightened to %04o", path, current, current & mode)


def _make_private(db_path: Path) -> None:
    """The history's folder 0700, the database and its -wal/-shm files 0600 (they hold photos of bodies).

    Called once the file is known to be ours. Files and a folder left wider (by an older version,
    or by hand) are tightened. A folder this user does not own, or a shared one with the sticky
    bit (like /tmp), is left as it is: the files in it are still private.
    """
    if os.name == "nt":  # no POSIX modes: the per-user folder is private already
        return
    folder = db_path.parent
    info = folder.stat()
    if info.st_uid == os.getuid() and not info.st_mode & stat.S_ISVTX:
        _tighten(folder, 0o700)
    else:
        _log.warning("the history folder %s is shared or not this user's: its mode was left as it is", folder)
    for path in (db_path, *(db_path.with_name(db_path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))):
        if path.is_file():
            _tighten(path, 0o600)


def _is_not_a_database(exc: sqlite3.DatabaseError) -> bool:
    name = getattr(exc, "sqlite_errorname", "")  # Python 3.11+
    return name in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or "not a database" in str(exc) or "malformed" in str(exc)


class HistoryStore:
    """The saved sessions in one SQLite file. ``HistoryStore()`` uses ``LIFTCHECK_DATA_DIR``; a path overrides it.

    Threads: one connection per store, opened with ``check_same_thread=False``, and every use of
    it (reads too) goes through one lock. Streamlit reruns the script in a fresh thread and the app
    keeps one store in ``st.cache_resource``; a single guarded connection keeps each save's
    BEGIN…COMMIT from interleaving with another thread's statements, and costs nothing here since
    the work per call is milliseconds. Other processes are handled by SQLite itself: WAL lets
    readers run beside a writer, and the busy timeout makes a second writer wait, not fail.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_path()
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = self._open()

    # -- opening

    def _not_ours(self, why: str) -> StoreError:
        return StoreError(
            f"{self.path} is not a liftcheck history database ({why}). It was left as it is: move it away, "
            f"or set {DATA_DIR_ENV} to another folder."
        )

    def _open(self) -> sqlite3.Connection:
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a folder; the history needs a file path (e.g. {DB_FILENAME} in it)")
        # Look at the header before SQLite does: a non-SQLite file is refused without ever being opened
        # for writing, so nothing (not even a -wal file) is created beside it.
        if self.path.is_file() and self.path.stat().st_size > 0:
            with self.path.open("rb") as handle:
                if handle.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER:
                    raise self._not_ours("it is not an SQLite file")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StoreError(f"cannot create the folder for the history {self.path.parent}: {exc}") from exc
        try:
            # Created 0600 before SQLite opens it: SQLite gives the -wal and -shm files it creates
            # the database's own mode.
            with contextlib.suppress(FileExistsError):
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except OSError as exc:
            raise StoreError(f"cannot create the history {self.path}: {exc.strerror or exc}") from exc
        try:
            # isolation_level=None: we issue BEGIN / COMMIT ourselves, so each save is exactly one transaction.
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the history {self.path}: {exc}") from exc
        try:
            self._prepare(conn)
            _make_private(self.path)
        except BaseException as exc:
            conn.close()
            if isinstance(exc, sqlite3.DatabaseError):
                if _is_not_a_database(exc):
                    raise self._not_ours(f"SQLite says: {exc}") from exc
                raise StoreError(f"cannot open the history {self.path}: {exc}") from exc
            raise
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")  # per connection: the cascades rely on it
        self._check_compatible(conn)
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")  # persistent: set once per file
        if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            self._migrate(conn)

    def _check_compatible(self, conn: sqlite3.Connection) -> None:
        # One statement, so one snapshot: read one by one, another process's first migration could commit
        # in between and show us application id 0 with user_version 1, which looks like someone else's file.
        app_id, version, tables = conn.execute(
            "SELECT (SELECT application_id FROM pragma_application_id), "
            "(SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master)"
        ).fetchone()
        if app_id == 0 and version == 0:
            if tables:
                raise self._not_ours("it is an SQLite database of some other program")
            # An empty file: ours to create. Auto-vacuum must be chosen before the first table; FULL gives
            # a deleted session's space (a stored video can be large) back at commit. (INCREMENTAL would
            # need a PRAGMA that Python's sqlite3 steps only once, freeing one page.)
            conn.execute("PRAGMA auto_vacuum = FULL")
            return
        if app_id != APPLICATION_ID:
            raise self._not_ours(f"its application id is {app_id:#x}, expected {APPLICATION_ID:#x}")
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer liftcheck (history schema version {version}; this version "
                f"reads up to {SCHEMA_VERSION}). Upgrade liftcheck, or set {DATA_DIR_ENV} to another folder. "
                "The file was left as it is."
            )

    def _migrate(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another process may have migrated while we waited.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:  # ...even a newer liftcheck: never step its schema back
                raise StoreError(f"{self.path} was just upgraded by a newer liftcheck (history schema {version})")
            for step in MIGRATIONS[version:]:
                step(conn)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"the history store {self.path} is closed")
        return self._conn

    # -- writing

    def save_session(
        self,
        report: dict[str, object],
        *,
        source_name: str,
        source_kind: str,
        settings: dict[str, object] | None = None,
        thumbnails: Mapping[int, bytes] | None = None,
        video: bytes | None = None,
    ) -> int:
        """Save one finished analysis in one transaction and return its id.

        ``source_name`` is shown in the History list and never used as a path. ``video`` is kept only
        when passed. Raises StoreError, with nothing written, if an argument is unusable.
        """
        thumbs = _check_session(report, source_name, source_kind, settings, thumbnails, video)
        # Everything that can fail or take time happens before the write lock is taken.
        row = {
            "source_name": source_name,
            "source_kind": source_kind,
            "settings_json": _to_json(settings or {}, "settings"),
            "report_schema_version": report["schema_version"],
            **_summary_columns(report),
            "report_zlib": zlib.compress(_to_json(report, "report").encode("utf-8"), 6),
        }
        with self._lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    session_id = self._insert(conn, row, thumbs, video)
                    if _before_commit_hook is not None:
                        _before_commit_hook(conn, session_id)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise StoreError(f"could not save the session to {self.path}: {exc}") from exc
        return session_id

    @staticmethod
    def _insert(
        conn: sqlite3.Connection, row: dict[str, object], thumbs: list[tuple[int, bytes]], video: bytes | None
    ) -> int:
        """The session's rows, inside the caller's transaction; returns its id."""
        # Taken under the write lock, so creation times follow ids even across processes.
        values = {"created_utc": datetime.now(timezone.utc).isoformat(timespec="microseconds"), **row}
        names = ", ".join(values)
        cursor = conn.execute(
            f"INSERT INTO sessions ({names}) VALUES ({', '.join('?' * len(values))})", tuple(values.values())
        )
        session_id = cursor.lastrowid
        assert session_id is not None
        conn.executemany(
            "INSERT INTO thumbnails (session_id, lift, jpeg) VALUES (?, ?, ?)",
            [(session_id, lift, jpeg) for lift, jpeg in thumbs],
        )
        if video is not None:
            conn.execute("INSERT INTO videos (session_id, data) VALUES (?, ?)", (session_id, bytes(video)))
        return int(session_id)

    def delete_session(self, session_id: int) -> bool:
        """Delete a session with its thumbnails and video; False if there was none with that id."""
        with self._lock:
            conn = self._connection()
            try:
                deleted = conn.execute("DELETE FROM sessions WHERE id = ?", (int(session_id),)).rowcount > 0
            except sqlite3.Error as exc:
                raise StoreError(f"could not delete session {session_id} from {self.path}: {exc}") from exc
        return deleted

    # -- reading

    def list_sessions(self, limit: int | None = None, *, people: Sequence[str] | None = None) -> list[SessionRow]:
        """The saved sessions, newest first; at most ``limit`` of them; only ``people``'s when given
        ("" stands for the sessions no person was given for)."""
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise StoreError(f"limit must be None or an int >= 0, got {limit!r}")
        return self._rows("DESC", -1 if limit is None else limit, people)

    def progress(self, *, people: Sequence[str] | None = None) -> list[SessionRow]:
        """Every saved session (``people``'s only, when given), oldest first: the progress chart's data."""
        return self._rows("ASC", -1, people)

    def people(self) -> list[str]:
        """The persons sessions were saved for, in alphabetical order ("" when some sessions name nobody)."""
        with self._lock:
            try:
                records = self._connection().execute("SELECT DISTINCT person FROM sessions ORDER BY person").fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"could not read the history {self.path}: {exc}") from exc
        return [str(r[0]) for r in records]

    def latest_neutral(self, person: str, *, look_back: int = 20) -> dict[str, object] | None:
        """The neutral posture recorded in ``person``'s newest session that recorded one (``report["neutral"]``,
        ``Neutral.to_dict()`` plus "source"), to measure their next session from; None when there is none.

        Only a recorded one: a neutral given to a session came from History already. ``look_back`` sessions at most
        are read (each a report to decompress).
        """
        if not person:
            return None
        with self._lock:
            try:
                blobs = (
                    self._connection()
                    .execute(
                        "SELECT report_zlib FROM sessions WHERE person = ? ORDER BY created_utc DESC, id DESC LIMIT ?",
                        (person, int(look_back)),
                    )
                    .fetchall()
                )
            except sqlite3.Error as exc:
                raise StoreError(f"could not read the history {self.path}: {exc}") from exc
        for (blob,) in blobs:
            try:
                report = json.loads(zlib.decompress(blob).decode("utf-8"))
            except (zlib.error, UnicodeDecodeError, ValueError):
                continue
            neutral = report.get("neutral") if isinstance(report, dict) else None
            if (
                isinstance(neutral, dict)
                and neutral.get("source") == "recorded"
                and neutral.get("trunk_deg") is not None
            ):
                return neutral
        return None

    def _rows(self, order: str, limit: int, people: Sequence[str] | None = None) -> list[SessionRow]:
        where, args = "", ()  # type: tuple[str, tuple[object, ...]]
        if people is not None:
            wanted = tuple(str(p) for p in people)
            where = f"WHERE person IN ({', '.join('?' * len(wanted))})" if wanted else "WHERE 0"
            args = wanted
        sql = f"SELECT {_ROW_COLUMNS} FROM sessions {where} ORDER BY created_utc {order}, id {order} LIMIT ?"
        with self._lock:
            try:
                records = self._connection().execute(sql, (*args, limit)).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"could not read the history {self.path}: {exc}") from exc
        return [_row(r) for r in records]

    def load_session(self, session_id: int) -> StoredSession:
        """The session with its report dict, settings and thumbnails; SessionNotFound if there is none."""
        with self._lock:
            conn = self._connection()
            try:
                record = conn.execute(
                    f"SELECT {_ROW_COLUMNS}, settings_json, report_zlib FROM sessions WHERE id = ?", (int(session_id),)
                ).fetchone()
                thumbs = conn.execute(
                    "SELECT lift, jpeg FROM thumbnails WHERE session_id = ? ORDER BY lift", (int(session_id),)
                ).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"could not read session {session_id} from {self.path}: {exc}") from exc
        if record is None:
            raise SessionNotFound(f"no saved session with id {session_id} in {self.path} (deleted, or never saved)")
        try:
            report = json.loads(zlib.decompress(record[-1]).decode("utf-8"))
            settings = json.loads(record[-2])
        except (zlib.error, UnicodeDecodeError, ValueError) as exc:
            raise StoreError(f"session {session_id} in {self.path} is damaged and cannot be read: {exc}") from exc
        return StoredSession(
            row=_row(record[:-2]), report=report, settings=settings, thumbnails={int(k): bytes(v) for k, v in thumbs}
        )

    def load_video(self, session_id: int) -> bytes | None:
        """The video saved with the session, or None (the default: videos are kept only when asked)."""
        with self._lock:
            try:
                record = (
                    self._connection()
                    .execute("SELECT data FROM videos WHERE session_id = ?", (int(session_id),))
                    .fetchone()
                )
            except sqlite3.Error as exc:
                raise StoreError(f"could not read the video of session {session_id}: {exc}") from exc
        return None if record is None else bytes(record[0])

    # -- lifetime

    def close(self) -> None:
        """Close the connection; further calls raise StoreError. Closing twice is harmless."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"HistoryStore({str(self.path)!r})"
