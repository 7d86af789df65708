"""Tests of the app's working folders: private, marked with their process, and removed at the next start
only when that process is gone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from liftcheck import workdirs


def _folder(tmp: Path, name: str, marker: str | None, *, age_s: float = 0.0) -> Path:
    folder = tmp / name
    folder.mkdir(mode=0o700)
    (folder / "upload-0123456789abcdef.mp4").write_bytes(b"raw video of a person")
    if marker is not None:
        (folder / workdirs.MARKER).write_text(marker)
    if age_s:
        old = time.time() - age_s
        os.utime(folder, (old, old))
    return folder


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_make_workdir_is_private_and_marked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A work folder is liftcheck-*, mode 0700 and names this process."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    folder = workdirs.make_workdir()
    assert folder.parent == tmp_path and folder.name.startswith("liftcheck-")
    if os.name != "nt":
        assert folder.stat().st_mode & 0o777 == 0o700
    assert (folder / workdirs.MARKER).read_text().split()[0] == str(os.getpid())


def test_only_folders_of_stopped_processes_are_removed(tmp_path: Path) -> None:
    """At start, folders of a process that is gone (and unmarked ones over an hour old) are removed; those of this
    process, of a running one, fresh unmarked ones and other folders stay."""
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = _folder(tmp_path, "liftcheck-dead", f"{_dead_pid()} -\n")
        old = _folder(tmp_path, "liftcheck-old", None, age_s=2 * 3600)
        mine = _folder(tmp_path, "liftcheck-mine", f"{os.getpid()} -\n")
        running = _folder(tmp_path, "liftcheck-running", f"{sleeper.pid} -\n")
        fresh = _folder(tmp_path, "liftcheck-fresh", None)
        other = _folder(tmp_path, "other-app-dead", f"{_dead_pid()} -\n")
        removed = workdirs.remove_stale(tmp_path)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert sorted(removed) == sorted([dead, old])
    assert not dead.exists() and not old.exists()
    assert all(p.exists() for p in (mine, running, fresh, other))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="process start times come from /proc (Linux)")
def test_a_reused_process_id_does_not_keep_a_folder(tmp_path: Path) -> None:
    """A marker whose process id now belongs to a process started at another time is stale."""
    folder = _folder(tmp_path, "liftcheck-reused", f"{os.getpid()} 1\n")
    # This process's id, but a start time of 1 tick after boot: a different process. Compare as a stranger would.
    assert workdirs._start_time(os.getpid()) != "1"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (folder / workdirs.MARKER).write_text(f"{sleeper.pid} 1\n")
        assert workdirs.remove_stale(tmp_path) == [folder]
    finally:
        sleeper.kill()
        sleeper.wait()
