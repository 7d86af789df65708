"""Tests of the session history: round trips, order, cascades, crash safety, two writers, refusals."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zlib
from functools import cache
from pathlib import Path

import pytest

from liftcheck import store as store_mod
from liftcheck.kinematics import Kinematics
from liftcheck.report import NioshSummary, build_report
from liftcheck.reps import segment
from liftcheck.rules import judge
from liftcheck.store import HistoryStore, SessionNotFound, StoreError
from liftcheck.workshop import synthetic as syn

ROOT = Path(__file__).resolve().parent.parent


@cache
def _demo_report() -> str:
    clip = syn.generate(syn.demo_session())
    kin = Kinematics()
    angles = [kin.update(f) for f in clip.frames]
    lifts = [judge(r) for r in segment(angles)]
    report = build_report("demo.mp4", angles, lifts, duration_s=clip.frames[-1].t_s, settings={"model": "synthetic"})
    return json.dumps(report.to_dict())


def demo_report() -> dict:
    """The demo session's report dict (three lifts, a twist, a full timeline); a fresh copy each call."""
    return json.loads(_demo_report())


def small_report(lift_count: int = 1, good: int = 1) -> dict:
    """A minimal valid report dict with ``lift_count`` lifts, ``good`` of them good."""
    lifts = [
        {"lift": i + 1, "verdict": "good" if i < good else "poor", "peak_trunk_flexion_deg": 20.0 + i,
         "peak_twist_deg": 5.0 * i}
        for i in range(lift_count)
    ]  # fmt: skip
    verdicts = {"good": good, "caution": 0, "poor": lift_count - good}
    return {"schema_version": 1, "summary": {"lift_count": lift_count, "verdicts": verdicts}, "lifts": lifts}


def thumbs_for(report: dict) -> dict[int, bytes]:
    """Fake JPEGs, one per lift, each with different bytes (including a NUL and high bytes)."""
    return {lift["lift"]: b"\xff\xd8\xff\x00" + os.urandom(2000) + bytes([lift["lift"]]) for lift in report["lifts"]}


def count(path: Path, sql: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite3"


def test_save_then_load_gives_back_the_report_thumbnails_and_summary(db: Path) -> None:
    """A saved demo report reloads deep-equal, its thumbnails byte-identical, and its row numbers match the report."""
    report = demo_report()
    thumbs = thumbs_for(report)
    with HistoryStore(db) as store:
        sid = store.save_session(
            report, source_name="my lift.mp4", source_kind="upload", settings={"model": "full"}, thumbnails=thumbs
        )
        loaded = store.load_session(sid)

    assert loaded.report == report
    assert loaded.thumbnails == thumbs
    assert loaded.settings == {"model": "full"}
    row = loaded.row
    lifts = report["lifts"]
    verdicts = report["summary"]["verdicts"]
    assert (row.id, row.source_name, row.source_kind, row.has_video) == (sid, "my lift.mp4", "upload", False)
    assert row.lift_count == len(lifts) == 3
    assert (row.good, row.caution, row.poor) == (verdicts["good"], verdicts["caution"], verdicts["poor"])
    assert row.share_good == pytest.approx(verdicts["good"] / (3 - report["summary"]["partial_lifts"]))
    assert row.peak_trunk_flexion_deg == max(lift["peak_trunk_flexion_deg"] for lift in lifts)
    twists = [abs(e["peak_deg"]) for e in report["twist_events"] if e["reliable"]]
    assert row.peak_twist_deg == max([abs(lift["peak_twist_deg"]) for lift in lifts] + twists)
    assert row.not_judged == verdicts["not judged"] and row.twists == report["summary"]["twists"]["count"]
    assert row.duration_s == report["duration_s"]
    assert row.created.tzinfo is not None and row.created.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    # The timeline is kept compressed: the stored blob is much smaller than the JSON.
    stored = count(db, "SELECT length(report_zlib) FROM sessions")
    assert stored < len(json.dumps(report)) / 2


def test_a_report_without_lifts_has_no_share_or_peaks(db: Path) -> None:
    """A session with no lifts lists with zero counts and None for the share of good lifts and the peaks."""
    with HistoryStore(db) as store:
        store.save_session(small_report(0, 0), source_name="empty", source_kind="live")
        (row,) = store.list_sessions()
    assert (row.lift_count, row.good, row.share_good, row.peak_trunk_flexion_deg, row.peak_twist_deg) == (
        0, 0, None, None, None
    )  # fmt: skip


def test_list_is_newest_first_and_progress_oldest_first(db: Path) -> None:
    """list_sessions gives the newest first (and honours limit); progress gives the oldest first."""
    with HistoryStore(db) as store:
        ids = [store.save_session(small_report(4, g), source_name=f"s{g}", source_kind="live") for g in range(4)]
        assert [r.id for r in store.list_sessions()] == ids[::-1]
        assert [r.id for r in store.list_sessions(limit=2)] == ids[:1:-1]
        progress = store.progress()
    assert [r.id for r in progress] == ids
    assert [r.share_good for r in progress] == [0.0, 0.25, 0.5, 0.75]
    assert [r.created_utc for r in progress] == sorted(r.created_utc for r in progress)


def test_delete_removes_the_session_and_cascades_to_its_thumbnails_and_video(db: Path) -> None:
    """Deleting a session removes its row, thumbnails and video and leaves the other session whole."""
    report = small_report(3, 2)
    with HistoryStore(db) as store:
        keep = store.save_session(report, source_name="keep", source_kind="upload", thumbnails=thumbs_for(report))
        gone = store.save_session(
            report, source_name="gone", source_kind="upload", thumbnails=thumbs_for(report), video=b"video"
        )
        assert count(db, "SELECT count(*) FROM thumbnails") == 6
        assert store.delete_session(gone) is True
        assert [r.id for r in store.list_sessions()] == [keep]
        with pytest.raises(SessionNotFound):
            store.load_session(gone)
        assert len(store.load_session(keep).thumbnails) == 3
    assert count(db, f"SELECT count(*) FROM thumbnails WHERE session_id = {gone}") == 0
    assert count(db, "SELECT count(*) FROM thumbnails") == 3
    assert count(db, "SELECT count(*) FROM videos") == 0


def test_unknown_ids_delete_false_and_load_raises_session_not_found(db: Path) -> None:
    """Deleting an unknown id returns False; loading one raises SessionNotFound, a KeyError naming the id."""
    with HistoryStore(db) as store:
        assert store.delete_session(42) is False
        with pytest.raises(SessionNotFound, match="no saved session with id 42") as info:
            store.load_session(42)
    assert isinstance(info.value, KeyError)
    assert str(info.value).startswith("no saved session")  # no KeyError repr quotes


def test_video_bytes_are_stored_only_when_passed(db: Path) -> None:
    """Without ``video`` nothing of the video is kept; with it, the exact bytes come back."""
    video = b"\x00\x00\x00\x18ftypmp42" + os.urandom(50_000)
    with HistoryStore(db) as store:
        without = store.save_session(small_report(), source_name="a.mp4", source_kind="upload")
        assert count(db, "SELECT count(*) FROM videos") == 0
        assert store.load_video(without) is None
        assert store.list_sessions()[0].has_video is False
        with_video = store.save_session(small_report(), source_name="b.mp4", source_kind="upload", video=video)
        assert store.load_video(with_video) == video
        assert {r.id: r.has_video for r in store.list_sessions()} == {without: False, with_video: True}


def test_settings_and_data_dir_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """LIFTCHECK_DATA_DIR names the folder of history.sqlite3; without it XDG_DATA_HOME/liftcheck is used."""
    monkeypatch.setenv("LIFTCHECK_DATA_DIR", str(tmp_path / "custom"))
    with HistoryStore() as store:
        assert store.path == tmp_path / "custom" / "history.sqlite3"
        assert store.path.is_file()
    monkeypatch.delenv("LIFTCHECK_DATA_DIR")
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
        assert store_mod.default_path() == tmp_path / "xdg" / "liftcheck" / "history.sqlite3"


def test_the_database_uses_wal_foreign_keys_and_the_schema_version(db: Path) -> None:
    """A new history is in WAL mode, versioned in user_version, with foreign keys on for the store's connection."""
    with HistoryStore(db) as store:
        conn = store._connection()
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert count(db, "PRAGMA user_version") == store_mod.SCHEMA_VERSION == len(store_mod.MIGRATIONS) == 4
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_a_newer_schema_version_is_refused_and_left_alone(db: Path) -> None:
    """A history written by a newer liftcheck (a user_version past ours) is refused, saying so, and left unchanged."""
    ours = store_mod.SCHEMA_VERSION
    HistoryStore(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {ours + 1}")
    conn.close()
    before = db.read_bytes()
    expected = rf"newer liftcheck \(history schema version {ours + 1}; this version reads up to {ours}\)"
    with pytest.raises(StoreError, match=expected):
        HistoryStore(db)
    assert db.read_bytes() == before


def test_a_version_1_history_is_upgraded_and_keeps_its_sessions(db: Path) -> None:
    """A history written before report schema 2 opens, gains the new columns (0 for old rows) and saves on."""
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA application_id = {store_mod.APPLICATION_ID}")
    for statement in store_mod._SCHEMA_V1:
        conn.execute(statement)
    conn.execute(
        "INSERT INTO sessions (created_utc, source_name, source_kind, settings_json, report_schema_version, "
        "lift_count, good, caution, poor, report_zlib) VALUES ('2026-01-01T00:00:00+00:00', 'old.mp4', 'upload', "
        "'{}', 1, 1, 1, 0, 0, ?)",
        (zlib.compress(json.dumps(small_report()).encode()),),
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with HistoryStore(db) as store:
        (old,) = store.list_sessions()
        assert (old.source_name, old.good, old.not_judged, old.twists) == ("old.mp4", 1, 0, 0)
        store.save_session(demo_report(), source_name="new.mp4", source_kind="upload")
        assert [r.source_name for r in store.list_sessions()] == ["new.mp4", "old.mp4"]
    assert count(db, "PRAGMA user_version") == store_mod.SCHEMA_VERSION


def _history_at_version(db: Path, version: int, reports: list[tuple[str, dict]]) -> None:
    """A history file as liftcheck wrote it at schema ``version`` (its shipped migrations), holding ``reports``."""
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA application_id = {store_mod.APPLICATION_ID}")
    for step in store_mod.MIGRATIONS[:version]:
        step(conn)
    for created, report in reports:
        conn.execute(
            "INSERT INTO sessions (created_utc, source_name, source_kind, settings_json, report_schema_version, "
            "lift_count, good, caution, poor, report_zlib) VALUES (?, 'old.mp4', 'upload', '{}', 2, 1, 1, 0, 0, ?)",
            (created, zlib.compress(json.dumps(report).encode())),
        )
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


def with_session(
    report: dict, person: str = "", task: str = "", analysed_at: str = "", li: float | None = None
) -> dict:  # noqa: E501
    """``report`` with the session header and the task's lifting index a report of today carries."""
    report["session"] = {"analysed_at": analysed_at, "person": person, "task": task}
    if li is not None:
        report["summary"]["niosh"] = {"task_li": li, "band": "increased"}
    return report


def test_a_version_2_history_gains_person_task_time_and_index_filled_from_its_reports(db: Path) -> None:
    """Migration 3 back-fills person, task, analysis time and task index from each stored report; blanks otherwise."""
    dated = with_session(small_report(), "Ana ![x](http://h/x.png)", "pallet", "2026-03-04T05:06:07+00:00", 1.4)
    _history_at_version(db, 2, [("2026-03-04T05:07:00+00:00", dated), ("2026-01-01T00:00:00+00:00", small_report())])
    with HistoryStore(db) as store:
        new, old = store.list_sessions()
        assert (new.person, new.task, new.task_li) == ("Ana ![x](http://h/x.png)", "pallet", 1.4)
        assert new.when.isoformat() == "2026-03-04T05:06:07+00:00"  # the report's time, not the save's
        assert (old.person, old.task, old.analysed_at, old.task_li) == ("", "", "", None)
        assert old.when == old.created  # an old report without a time falls back to when it was saved
    assert count(db, "PRAGMA user_version") == store_mod.SCHEMA_VERSION


def with_niosh(report: dict, summary: NioshSummary) -> dict:
    """``report`` carrying ``summary`` as the task's lifting-equation summary, as ``Report.to_dict`` writes it."""
    report["summary"]["niosh"] = json.loads(json.dumps(summary.to_dict()))
    return report


# A task whose hardest lift reaches 70 cm out: the limit is 0 kg, so there is no index (the riskiest case).
NO_LOAD = NioshSummary(band="high", worst_lift=1, rwl_kg=0.0, assessed=1, load_kg=25.0, no_load_because="H 70 cm",
                       zero_multipliers=("hm",))  # fmt: skip
RATED = NioshSummary(task_li=1.2, band="increased", worst_lift=1, rwl_kg=10.0, assessed=1, load_kg=12.0)
NO_LOAD_GIVEN = NioshSummary(band="", worst_lift=1, rwl_kg=0.0, assessed=1)  # a limit of 0 kg, but no load to lift
NOT_ASSESSED = NioshSummary(not_applicable=1, load_kg=25.0)  # a load, but no lift the equation could assess


def test_a_task_with_no_load_recommended_is_saved_as_such_not_as_a_blank_index(db: Path) -> None:
    """A limit of 0 kg with a load is flagged (it has no index, and is worse than any); an index, no load given
    and nothing assessed are not."""
    assert NO_LOAD.no_load and not any(s.no_load for s in (RATED, NO_LOAD_GIVEN, NOT_ASSESSED))
    with HistoryStore(db) as store:
        for name, summary in (
            ("none", NO_LOAD),
            ("rated", RATED),
            ("unloaded", NO_LOAD_GIVEN),
            ("kneel", NOT_ASSESSED),
        ):
            store.save_session(with_niosh(small_report(), summary), source_name=name, source_kind="upload")
        store.save_session(small_report(), source_name="plain", source_kind="upload")
        rows = {r.source_name: (r.task_li, r.task_no_load) for r in store.list_sessions()}
    assert rows == {"none": (None, True), "rated": (1.2, False), "unloaded": (None, False), "kneel": (None, False),
                    "plain": (None, False)}  # fmt: skip


def test_a_version_3_history_learns_which_tasks_had_no_load_recommended_from_its_reports(db: Path) -> None:
    """Migration 4 flags the stored sessions whose task had a limit of 0 kg; the others, and a damaged report, keep
    their fields, and every session still opens or says it is damaged."""
    reports = [
        ("2026-02-01T00:00:00+00:00", with_niosh(small_report(), NO_LOAD)),
        ("2026-02-02T00:00:00+00:00", with_niosh(small_report(), NO_LOAD_GIVEN)),
        ("2026-02-03T00:00:00+00:00", with_niosh(small_report(), RATED)),
        ("2026-02-04T00:00:00+00:00", small_report()),
    ]
    _history_at_version(db, 3, reports)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE sessions SET task_li = 1.2 WHERE created_utc LIKE '2026-02-03%'")  # as version 3 saved it
    conn.execute(
        "INSERT INTO sessions (created_utc, source_name, source_kind, settings_json, report_schema_version, "
        "lift_count, good, caution, poor, report_zlib) VALUES ('2026-02-05T00:00:00+00:00', 'damaged.mp4', "
        "'upload', '{}', 2, 1, 1, 0, 0, X'0102')"
    )
    conn.commit()
    conn.close()
    with HistoryStore(db) as store:
        damaged, plain, rated, unloaded, none = store.list_sessions()
        assert [(r.task_li, r.task_no_load) for r in (none, unloaded, rated, plain, damaged)] == [
            (None, True), (None, False), (1.2, False), (None, False), (None, False)]  # fmt: skip
        assert store.load_session(none.id).report["summary"]["niosh"]["rwl_kg"] == 0.0  # the report is untouched
        with pytest.raises(StoreError, match="damaged"):
            store.load_session(damaged.id)
        store.save_session(with_niosh(small_report(), NO_LOAD), source_name="new.mp4", source_kind="upload")
        assert store.list_sessions()[0].task_no_load
    assert count(db, "PRAGMA user_version") == store_mod.SCHEMA_VERSION


def test_sessions_save_their_person_and_filter_by_it(db: Path) -> None:
    """A save keeps the report's person, task and index; listing and progress filter by person ("" = nobody named)."""
    with HistoryStore(db) as store:
        for person, li in (("Ana", 1.2), ("Ben", None), ("Ana", 0.8), ("", None)):
            store.save_session(with_session(small_report(), person, "boxes", "2026-05-01T10:00:00+00:00", li),
                               source_name=f"{person or 'nobody'}.mp4", source_kind="upload")  # fmt: skip
        assert store.people() == ["", "Ana", "Ben"]
        ana = store.list_sessions(people=["Ana"])
        assert [(r.person, r.task_li) for r in ana] == [("Ana", 0.8), ("Ana", 1.2)]  # newest first
        assert [r.task_li for r in store.progress(people=["Ana"])] == [1.2, 0.8]  # oldest first
        assert [r.source_name for r in store.list_sessions(people=["Ben", ""])] == ["nobody.mp4", "Ben.mp4"]
        assert store.list_sessions(people=[]) == []
        assert len(store.list_sessions()) == 4


def test_the_latest_recorded_neutral_of_a_person_is_found(db: Path) -> None:
    """A person's newest recorded neutral posture comes back; a given one, another person's or none do not."""
    with HistoryStore(db) as store:
        assert store.latest_neutral("Ana") is None
        for person, trunk, source in (("Ana", 4.0, "recorded"), ("Ana", 7.0, "recorded"), ("Ana", 9.0, "given"),
                                      ("Ben", 2.0, "recorded"), ("Ana", None, "")):  # fmt: skip
            report = with_session(small_report(), person)
            if trunk is not None:
                report["neutral"] = {"trunk_deg": trunk, "frames": 30, "source": source}
            store.save_session(report, source_name="x.mp4", source_kind="upload")
        assert store.latest_neutral("Ana") == {"trunk_deg": 7.0, "frames": 30, "source": "recorded"}
        assert store.latest_neutral("Ben")["trunk_deg"] == 2.0  # type: ignore[index]
        assert store.latest_neutral("") is None and store.latest_neutral("Cy") is None


def test_a_garbage_file_is_refused_and_left_unchanged(db: Path) -> None:
    """A non-SQLite file at the path raises StoreError saying it is not a history database, and is not touched."""
    garbage = b"these are my holiday notes, not a database\n" * 200
    db.write_bytes(garbage)
    with pytest.raises(StoreError, match="is not a liftcheck history database"):
        HistoryStore(db)
    assert db.read_bytes() == garbage
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]  # no -wal / -shm beside it


def test_another_programs_sqlite_file_is_refused_and_left_unchanged(db: Path) -> None:
    """An SQLite database that some other program made is refused, not migrated into ours."""
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.execute("INSERT INTO contacts VALUES ('Ada')")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match="not a liftcheck history database"):
        HistoryStore(db)
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    ("report", "message"),
    [
        ([1, 2], "must be a dict"),
        ({"summary": {"lift_count": 1}}, "schema_version must be an int"),
        ({"schema_version": "1", "summary": {"lift_count": 1}}, "schema_version must be an int"),
        ({"schema_version": True, "summary": {"lift_count": 1}}, "schema_version must be an int"),
        ({"schema_version": 1}, "no 'summary'"),
        ({"schema_version": 1, "summary": {}}, "lift_count"),
        ({"schema_version": 1, "summary": {"lift_count": -1}}, "lift_count"),
        ({"schema_version": 1, "summary": {"lift_count": 1}, "lifts": "x"}, "'lifts' must be a list"),
        ({"schema_version": 1, "summary": {"lift_count": 0}, "extra": object()}, "cannot be saved as JSON"),
    ],
)
def test_an_invalid_report_is_refused_without_writing(db: Path, report: object, message: str) -> None:
    """A report lacking a dict form, an int schema_version or summary.lift_count raises StoreError; nothing is saved."""
    with HistoryStore(db) as store:
        with pytest.raises(StoreError, match=message):
            store.save_session(report, source_name="bad", source_kind="upload", thumbnails={1: b"jpeg"})  # type: ignore[arg-type]
        assert store.list_sessions() == []
    assert count(db, "SELECT count(*) FROM thumbnails") == 0


def test_bad_arguments_are_refused_without_writing(db: Path) -> None:
    """An unknown source kind or a non-bytes thumbnail raises StoreError and saves nothing."""
    with HistoryStore(db) as store:
        with pytest.raises(StoreError, match="source_kind must be one of upload, live, sample"):
            store.save_session(small_report(), source_name="x", source_kind="webcam")
        with pytest.raises(StoreError, match="thumbnail of lift 1 must be bytes"):
            store.save_session(small_report(), source_name="x", source_kind="live", thumbnails={1: "jpeg"})  # type: ignore[dict-item]
        assert store.list_sessions() == []


def test_an_error_inside_the_transaction_rolls_the_whole_save_back(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If a save fails after its session row and thumbnails are written, none of it stays and the store still works."""

    def fail(conn: sqlite3.Connection, session_id: int) -> None:
        raise RuntimeError("disk pulled out")

    report = small_report(2, 1)
    with HistoryStore(db) as store:
        first = store.save_session(report, source_name="first", source_kind="live", thumbnails=thumbs_for(report))
        monkeypatch.setattr(store_mod, "_before_commit_hook", fail)
        with pytest.raises(RuntimeError):
            store.save_session(report, source_name="lost", source_kind="live", thumbnails=thumbs_for(report))
        monkeypatch.setattr(store_mod, "_before_commit_hook", None)
        assert [r.id for r in store.list_sessions()] == [first]
        assert count(db, "SELECT count(*) FROM thumbnails") == 2
        store.save_session(report, source_name="after", source_kind="live")
        assert len(store.list_sessions()) == 2


def test_a_closed_store_says_so(db: Path) -> None:
    """After close(), calls raise StoreError saying the store is closed; closing twice is harmless."""
    store = HistoryStore(db)
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.list_sessions()


def test_threads_sharing_one_store_all_save(db: Path) -> None:
    """Eight threads saving through one store object (as Streamlit's reruns would) lose no session."""
    with HistoryStore(db) as store:
        errors: list[BaseException] = []

        def work(n: int) -> None:
            try:
                for i in range(5):
                    store.save_session(small_report(), source_name=f"t{n}-{i}", source_kind="live")
                    store.list_sessions(limit=3)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(store.list_sessions()) == 40


# -- other processes

CHILD_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}

CRASH_CHILD = """
import json, os, sys, time
from pathlib import Path
from liftcheck import store as store_mod

db, report_file, marker = sys.argv[1:4]
report = json.loads(Path(report_file).read_text())
thumbs = {l["lift"]: bytes([l["lift"]]) * 3000 for l in report["lifts"]}
store = store_mod.HistoryStore(Path(db))
store.save_session(report, source_name="one", source_kind="upload", thumbnails=thumbs)
store.save_session(report, source_name="two", source_kind="live", thumbnails=thumbs, video=b"v" * 100_000)

def hang(conn, session_id):
    Path(marker + ".tmp").write_text(str(session_id))
    os.replace(marker + ".tmp", marker)  # the parent sees the marker only once it is complete
    time.sleep(60)

store_mod._before_commit_hook = hang
store.save_session(report, source_name="three", source_kind="upload", thumbnails=thumbs, video=b"x" * 2_000_000)
print("the third save committed: the test's kill came too late", file=sys.stderr)
sys.exit(3)
"""


def _wait_for(path: Path, proc: subprocess.Popen[bytes], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(
                f"child exited early ({proc.returncode}): {proc.stderr.read() if proc.stderr else ''!r}"
            )
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"child never reached {path.name}")
        time.sleep(0.02)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_a_kill_mid_save_leaves_the_earlier_sessions_whole_and_no_half_session(db: Path, tmp_path: Path) -> None:
    """SIGKILL inside a save's transaction leaves an intact file with exactly the two earlier sessions, no orphans."""
    report = demo_report()
    report_file = tmp_path / "report.json"
    report_file.write_text(json.dumps(report))
    marker = tmp_path / "inside-transaction"
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASH_CHILD, str(db), str(report_file), str(marker)],
        env=CHILD_ENV,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(marker, proc)
        # WAL: while the writer hangs mid-transaction, a reader still sees the committed sessions.
        with HistoryStore(db) as reader:
            assert [r.source_name for r in reader.list_sessions()] == ["two", "one"]
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()
    expected_thumbs = {lift["lift"]: bytes([lift["lift"]]) * 3000 for lift in report["lifts"]}
    with HistoryStore(db) as store:
        rows = store.progress()
        assert [r.source_name for r in rows] == ["one", "two"]
        for row in rows:
            loaded = store.load_session(row.id)
            assert loaded.report == report
            assert loaded.thumbnails == expected_thumbs
        assert store.load_video(rows[1].id) == b"v" * 100_000
        half_written = int(marker.read_text())
        with pytest.raises(SessionNotFound):
            store.load_session(half_written)
        # The store still saves after the crash.
        store.save_session(report, source_name="after", source_kind="sample")
    assert count(db, "SELECT count(*) FROM thumbnails WHERE session_id NOT IN (SELECT id FROM sessions)") == 0
    assert count(db, "SELECT count(*) FROM videos WHERE session_id NOT IN (SELECT id FROM sessions)") == 0
    assert count(db, "SELECT count(*) FROM thumbnails") == 2 * len(expected_thumbs)
    assert count(db, "SELECT count(*) FROM videos") == 1


WRITER_CHILD = """
import json, sys, time
from pathlib import Path
from liftcheck.store import HistoryStore

db, report_file, name, ready, go = sys.argv[1:6]
report = json.loads(Path(report_file).read_text())
with HistoryStore(Path(db)) as store:
    Path(ready).write_text("ready")
    while not Path(go).exists():
        time.sleep(0.005)
    for i in range(10):
        store.save_session(report, source_name=f"{name}-{i}", source_kind="live", thumbnails={1: b"j" * 5000})
"""


def test_two_processes_saving_at_once_lose_nothing(db: Path, tmp_path: Path) -> None:
    """Two processes, started together on a new file, each save 10 sessions at the same time; all 20 are there."""
    report = demo_report()
    report_file = tmp_path / "report.json"
    report_file.write_text(json.dumps(report))
    go = tmp_path / "go"
    procs = []
    for name in ("a", "b"):
        ready = tmp_path / f"ready-{name}"
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER_CHILD, str(db), str(report_file), name, str(ready), str(go)],
            env=CHILD_ENV,
            stderr=subprocess.PIPE,
        )
        procs.append((proc, ready))
    try:
        for proc, ready in procs:
            _wait_for(ready, proc)
        go.write_text("go")
        for proc, _ in procs:
            proc.wait(timeout=30)
    finally:
        for proc, _ in procs:
            if proc.poll() is None:
                proc.kill()
    for proc, _ in procs:
        assert proc.returncode == 0, proc.stderr.read() if proc.stderr else b""

    with HistoryStore(db) as store:
        rows = store.list_sessions()
        assert sorted(r.source_name for r in rows) == sorted(f"{n}-{i}" for n in "ab" for i in range(10))
        assert len({r.id for r in rows}) == 20
        assert store.load_session(rows[0].id).report == report
    assert count(db, "SELECT count(*) FROM thumbnails") == 20


def test_the_store_module_is_pure() -> None:
    """Importing liftcheck.store loads none of streamlit, cv2, mediapipe, av or numpy."""
    code = (
        "import sys, liftcheck.store\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('streamlit', 'cv2', 'mediapipe', 'av', 'numpy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=CHILD_ENV)
    assert out.stdout.strip() == "[]"


OPENER_CHILD = """
import os, sys, time
from liftcheck.store import HistoryStore

db, go = sys.argv[1:3]
while not os.path.exists(go):
    time.sleep(0.0005)
HistoryStore(db).close()
"""


def test_processes_creating_a_new_history_at_once_all_open_it(tmp_path: Path) -> None:
    """Six processes opening the same new file at the same instant all succeed (none mistakes it for a foreign file)."""
    for round_ in range(3):
        db = tmp_path / f"round{round_}" / "history.sqlite3"
        go = tmp_path / f"go{round_}"
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", OPENER_CHILD, str(db), str(go)], env=CHILD_ENV, stderr=subprocess.PIPE
            )
            for _ in range(6)
        ]
        time.sleep(0.3)  # let them all start and wait on the go file
        go.write_text("go")
        for proc in procs:
            _, err = proc.communicate(timeout=30)
            assert proc.returncode == 0, err.decode()
        assert count(db, "PRAGMA user_version") == store_mod.SCHEMA_VERSION


# --- privacy of the files at rest


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_a_new_history_is_private_to_the_user(tmp_path: Path) -> None:
    """A new history's folder is 0700 and the database, -wal and -shm files 0600, whatever the umask."""
    folder = tmp_path / "data"
    old_umask = os.umask(0o000)  # the most permissive umask: the modes must not come from it
    try:
        with HistoryStore(folder / "history.sqlite3") as store:
            store.save_session(small_report(), source_name="a.mp4", source_kind="upload")
            files = {p.name: _mode(p) for p in folder.iterdir()}
    finally:
        os.umask(old_umask)
    assert _mode(folder) == 0o700
    assert files == {"history.sqlite3": 0o600, "history.sqlite3-wal": 0o600, "history.sqlite3-shm": 0o600}


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_a_history_left_open_to_others_is_tightened_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A folder 0755 with a database and -wal/-shm files 0644 (as older versions left them) are tightened to
    0700 and 0600 when opened, each change logged, and the sessions in it are kept."""
    folder = tmp_path / "data"
    db_path = folder / "history.sqlite3"
    with HistoryStore(db_path) as store:
        store.save_session(small_report(), source_name="a.mp4", source_kind="upload")
        # Loosen everything while a connection keeps the -wal and -shm files in place.
        folder.chmod(0o755)
        for path in folder.iterdir():
            path.chmod(0o644)
        with caplog.at_level("WARNING", logger="liftcheck.store"), HistoryStore(db_path) as second:
            assert len(second.list_sessions()) == 1
        assert _mode(folder) == 0o700
        assert {p.name: _mode(p) for p in folder.iterdir()} == {
            "history.sqlite3": 0o600,
            "history.sqlite3-wal": 0o600,
            "history.sqlite3-shm": 0o600,
        }
    tightened = [r.getMessage() for r in caplog.records if "tightened" in r.getMessage()]
    assert len(tightened) == 4, tightened
    assert any("0755" in m and "0700" in m for m in tightened)


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_a_shared_folder_is_left_alone_but_the_files_are_private(tmp_path: Path) -> None:
    """A sticky, world-writable folder (like /tmp) given as the data folder keeps its mode; the database is 0600."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    with HistoryStore(shared / "history.sqlite3") as store:
        store.save_session(small_report(), source_name="a.mp4", source_kind="upload")
    assert shared.stat().st_mode & 0o7777 == 0o1777
    assert _mode(shared / "history.sqlite3") == 0o600
