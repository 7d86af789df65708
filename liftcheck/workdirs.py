"""Private working folders for one analysis in the app (the raw upload, the annotated video), and
removing the ones a killed server left behind.

``make_workdir`` makes ``liftcheck-<random>`` in the system's temporary folder, mode 0700, with
an ``owner.pid`` file naming the process that uses it. The app deletes its folder when the
analysis ends, but a server killed mid-analysis cannot: the raw upload (a video of someone's
body) would stay in the temporary folder until the machine is cleaned. ``remove_stale``, run
when the app starts, removes every such folder whose process is gone.

Pure: the standard library only.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

_log = logging.getLogger(__name__)

PREFIX = "liftcheck-"
MARKER = "owner.pid"
# A folder with no marker is either from a liftcheck that wrote none, or one being made this
# very moment (between mkdtemp and the marker); an hour apart, the two cannot be confused.
UNMARKED_GRACE_S = 3600.0


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused process id apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22, counted after the command name, which is in parentheses and may hold spaces.
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def make_workdir() -> Path:
    """A new private folder (0700) for one analysis, marked with this process as its user."""
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    pid = os.getpid()
    (folder / MARKER).write_text(f"{pid} {_start_time(pid) or '-'}\n")
    return folder


def _in_use(marker: Path) -> bool:
    """Whether the process named in ``marker`` is still running (unreadable or odd markers count as in use)."""
    try:
        pid_text, started = marker.read_text().split()[:2]
        pid = int(pid_text)
    except (OSError, ValueError):
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # somebody else's process with that id: running
    except OSError:
        return True
    # The id is taken; on Linux, by the same process only if it started at the same time.
    now_started = _start_time(pid)
    return started == "-" or now_started is None or now_started == started


def remove_stale(tmp: Path | None = None) -> list[Path]:
    """Remove this user's ``liftcheck-*`` folders whose process is gone; the folders removed.

    A folder whose process still runs (another server, or this one) is left alone, as is
    anything that is not a folder of this user's.
    """
    base = Path(tmp) if tmp is not None else Path(tempfile.gettempdir())
    removed: list[Path] = []
    try:
        candidates = sorted(base.glob(f"{PREFIX}*"))
    except OSError:
        return removed
    for folder in candidates:
        try:
            info = folder.lstat()
        except OSError:
            continue
        if not folder.is_dir() or folder.is_symlink() or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
            continue
        marker = folder / MARKER
        stale = not _in_use(marker) if marker.is_file() else time.time() - info.st_mtime > UNMARKED_GRACE_S
        if not stale:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
    if removed:
        _log.warning("removed %d folder(s) of uploads left by a stopped liftcheck: %s", len(removed), removed)
    return removed
