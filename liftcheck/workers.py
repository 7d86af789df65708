"""Worker processes: the local pool that runs jobs (a video of a batch, a chunk of a long video) on every core.

Workers are spawned, never forked: a fork copies the parent's memory but not its threads, and
MediaPipe (and PyAV) keep threads and locks that a forked child would find held by nobody.
Each worker is set up once, by ``setup_worker``: one OpenCV and one decoder thread (the pool
already keeps every core busy), the imports, and the pose model read, checked against its
pinned SHA-256 and loaded once (``pose.load_model``). A job then builds only what is its own,
such as the landmarker of one video (a VIDEO-mode landmarker keeps tracking state: one per video).
With a worker for every core, each is kept on a core of its own (``Pool._cpu``).

A job is a module-level function ``job(item, progress) -> result`` (``progress(fraction)`` may
be called now and then); its item and result travel by pickle. A job that raises fails alone,
with the exception's message. A worker process that dies in a job (a crash in native code,
out of memory, killed) fails that job alone too: the pool says which job and how the process
ended, starts another worker and goes on with the rest.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from types import TracebackType
from typing import Any

# A job's progress is sent to the parent at most this often.
PROGRESS_EVERY_S = 0.5


@dataclass(frozen=True)
class JobFailed:
    """A job that did not finish: ``reason`` says why, in words (the exception, or how its process ended)."""

    reason: str


class WorkerSetupError(RuntimeError):
    """A worker process could not be set up (so no job could run); the message says why."""


def default_workers() -> int:
    """As many workers as this process may use cores."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# -- inside a worker

_model: Any = None  # the worker's pose.Model, loaded once by setup_worker


def setup_worker(variant: str | None, model_data: bytes | None = None) -> None:
    """Prepare this process to be a worker: one thread each for OpenCV and decoding, the model loaded once.

    ``model_data`` are the model's bytes when they come from elsewhere (a cluster's object store);
    they are checked against the pinned SHA-256 before anything loads them.
    """
    global _model
    from liftcheck import pipeline, video  # noqa: F401 - imported once here, not in the first job

    tune_malloc()
    video.one_thread_each()
    if variant is not None:
        from liftcheck import pose

        _model = pose.load_model(variant, data=model_data)


# glibc's mallopt parameter (malloc.h): how many heaps threads may have.
_M_ARENA_MAX = -8


def tune_malloc() -> None:
    """Keep a long-lived analysing process's memory near what it uses (glibc only; elsewhere nothing).

    Each thread that allocates gets a heap of its own from glibc (MediaPipe's, decoding, the engine),
    and each heap keeps what was freed in it: two heaps for the whole process took a worker's peak
    down by about 25 MiB on a 720p clip (our measurement). glibc's mmap threshold is left to adjust
    itself: pinned at 256 KiB (which kept another ~15 MiB down), every frame-sized block came from
    a fresh mmap and was zeroed page by page, 2.2 million page faults in a batch of four clips, and
    the pool ran 15-25% slower (sys time 8-10 s against 1.3-1.7 s; our measurement).
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if sys.platform != "linux" or not name:
        return
    try:
        ctypes.CDLL(name).mallopt(_M_ARENA_MAX, 2)
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return


_claimed_core: tuple[Any, int] | None = None  # the core this process keeps to and its open lock file (claim_core)


def claim_core() -> int | None:
    """Keep this worker process to a core no other liftcheck worker on this machine keeps to (Linux).

    For workers that ``Pool`` did not start, such as Ray's: each takes the first core whose lock
    (a file locked with ``flock``, let go when the process ends, however it ends) it can get, and
    keeps to it, as the pool's workers do. When every core is taken, or there is one core, it keeps
    to none. Returns the core, or None.
    """
    global _claimed_core
    if _claimed_core is not None:
        return _claimed_core[1]
    if not hasattr(os, "sched_getaffinity"):
        return None
    import fcntl
    import tempfile
    from pathlib import Path

    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return None
    folder = Path(tempfile.gettempdir()) / f"liftcheck-cores-{os.getuid()}"
    with contextlib.suppress(OSError):
        folder.mkdir(mode=0o700, exist_ok=True)
        for core in cores:
            handle = open(folder / f"core-{core}.lock", "a")  # noqa: SIM115 - held for the process's life
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            os.sched_setaffinity(0, {core})
            _claimed_core = (handle, core)
            return core
    return None


def release_memory() -> None:
    """After a job: give the system back the memory the job freed (glibc only; elsewhere nothing).

    glibc keeps freed memory in its heaps for the next allocations, and a heap's free space is
    scattered among the blocks still in use, so it is not returned by itself: a worker that had
    analysed one video held 330 MiB while idle and peaked higher on each next video (344 after
    eight). Trimmed after each video it holds about 120 MiB between videos, and each video peaks
    as in a fresh process (our measurement).
    """
    if sys.platform != "linux":
        return
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    with contextlib.suppress(OSError, AttributeError):
        if name:
            ctypes.CDLL(name).malloc_trim(0)


def worker_model(variant: str) -> Any:
    """The ``pose.Model`` of ``variant``: the one this worker loaded at start, else loaded now (and kept)."""
    global _model
    if _model is None or _model.variant != variant:
        from liftcheck import pose

        _model = pose.load_model(variant)
    return _model


def _exit_code_words(code: int | None) -> str:
    if code is None:
        return "it stopped answering"
    if code < 0:
        import signal

        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"it was killed by {name}" + (" (out of memory?)" if name == "SIGKILL" else "")
    return f"it exited with code {code}"


def _serve(conn: Connection, setup: Callable[..., None], setup_args: tuple[Any, ...], cpu: int | None = None) -> None:
    """A worker's life: set up, say so, then run jobs until told to stop (``None``)."""
    if cpu is not None:
        with contextlib.suppress(OSError, AttributeError):
            os.sched_setaffinity(0, {cpu})
    try:
        setup(*setup_args)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises it there
        conn.send(("setup-failed", _picklable(exc)))
        return
    conn.send(("ready",))
    while True:
        message = conn.recv()
        if message is None:
            return
        index, job, item = message
        last = 0.0

        def progress(fraction: float, index: int = index) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= PROGRESS_EVERY_S:
                last = now
                conn.send(("progress", index, float(fraction)))

        try:
            result = job(item, progress)
        except Exception as exc:  # noqa: BLE001 - one job's failure, reported; the worker goes on
            conn.send(("failed", index, f"{type(exc).__name__}: {exc}"))
            continue
        finally:
            release_memory()
        conn.send(("done", index, result))


def _picklable(exc: BaseException) -> BaseException:
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - any exception that does not travel becomes one that does
        return WorkerSetupError(f"{type(exc).__name__}: {exc}")


# -- the parent's side


@contextlib.contextmanager
def _main_script_hidden() -> Iterator[None]:
    """While a worker starts, hide the caller's main script from multiprocessing.

    A spawned process normally runs the parent's main script again (as ``__mp_main__``), so a
    script calling ``analyze_video`` without an ``if __name__ == "__main__":`` guard would start
    workers from its workers and fail. The workers need nothing from it: their jobs and set-up are
    liftcheck functions, imported by name. (Restored as soon as the process has started: the
    start-up data is taken inside ``Process.start``.)
    """
    main = sys.modules.get("__main__")
    saved = {name: getattr(main, name) for name in ("__file__", "__spec__") if hasattr(main, name)}
    try:
        if main is not None:
            main.__spec__ = None
            if hasattr(main, "__file__"):
                del main.__file__
        yield
    finally:
        for name, value in saved.items():
            setattr(main, name, value)


class _Worker:
    def __init__(
        self, context: Any, setup: Callable[..., None], setup_args: tuple[Any, ...], name: str, cpu: int | None
    ) -> None:
        self.cpu = cpu
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_serve, args=(child, setup, setup_args, cpu), name=name, daemon=True)
        with _main_script_hidden():
            self.process.start()
        child.close()
        self.ready = False
        self.job: int | None = None

    def stop(self, timeout_s: float = 5.0) -> None:
        """Ask the worker to end, and end it if it does not (only this worker's own process, by its handle)."""
        if self.process.is_alive():
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
            self.process.join(timeout_s)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout_s)
        self.conn.close()


class Pool:
    """``workers`` spawned processes, each set up once with ``setup(*setup_args)``; ``run`` hands them jobs.

    Workers start on first use and stay for further ``run`` calls until ``close`` (or the end of
    a ``with`` block).
    """

    def __init__(
        self,
        workers: int,
        setup: Callable[..., None] = setup_worker,
        setup_args: tuple[Any, ...] = (None,),
        *,
        name: str = "liftcheck-worker",
    ) -> None:
        if workers < 1:
            raise ValueError(f"a pool needs at least 1 worker, got {workers}")
        self.workers = workers
        self._setup = setup
        self._setup_args = setup_args
        self._name = name
        self._context = multiprocessing.get_context("spawn")
        self._live: list[_Worker] = []
        self.restarts = 0  # workers started again after one died

    def __enter__(self) -> Pool:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        workers, self._live = self._live, []
        for worker in workers:
            worker.stop()

    def pids(self) -> list[int]:
        return [w.process.pid for w in self._live if w.process.pid is not None]

    def _start(self) -> _Worker:
        worker = _Worker(self._context, self._setup, self._setup_args, f"{self._name}-{len(self._live)}", self._cpu())
        self._live.append(worker)
        return worker

    def _cpu(self) -> int | None:
        """The core a new worker is kept on: one each when there is a worker for every core (Linux), else None.

        With a worker on every core, the scheduler otherwise moves each worker's threads (the pose
        model's, decoding, the engine) between the cores and interleaves two workers' threads on
        both: kept on one core each, a batch of four clips used 10-15% less CPU and finished 10-15%
        sooner, with half the context switches (runs taken in turn; our measurement).
        """
        if not hasattr(os, "sched_getaffinity"):
            return None
        cores = sorted(os.sched_getaffinity(0))
        if self.workers < 2 or self.workers != len(cores):
            return None
        taken = {w.cpu for w in self._live}
        return next((c for c in cores if c not in taken), None)

    def run(
        self,
        job: Callable[[Any, Callable[[float], None]], Any],
        items: Iterable[Any],
        *,
        on_progress: Callable[[int, float], None] | None = None,
    ) -> Iterator[tuple[int, Any]]:
        """Run ``job`` on every item, yielding ``(index, result)`` as each finishes (a ``JobFailed`` if it failed).

        Raises ``WorkerSetupError`` (or the setup's own exception, such as ``ModelError``) when a
        worker cannot be set up. Closing the iterator early stops the workers' jobs with the pool.
        """
        queue = deque(enumerate(items))
        busy: dict[int, _Worker] = {}
        try:
            while queue or busy:
                while len(self._live) < min(self.workers, len(queue) + len(busy)):
                    self._start()
                for worker in self._live:
                    if worker.ready and worker.job is None and queue:
                        worker.job, item = queue.popleft()
                        busy[worker.job] = worker
                        worker.conn.send((worker.job, job, item))
                watched = {w.conn: w for w in self._live} | {w.process.sentinel: w for w in self._live}
                for handle in wait(list(watched)):
                    worker = watched[handle]
                    if worker not in self._live:
                        continue  # already replaced this round
                    outcome = self._hear(worker, handle, on_progress)
                    if outcome is None:
                        continue
                    index, result = outcome
                    busy.pop(index, None)
                    yield index, result
        except BaseException:
            # Cancelled or failing: the jobs in progress are not wanted any more.
            for worker in list(busy.values()):
                if worker in self._live:
                    self._live.remove(worker)
                    worker.process.terminate()
                    worker.process.join(5.0)
                    worker.conn.close()
            raise

    def _hear(
        self, worker: _Worker, handle: object, on_progress: Callable[[int, float], None] | None
    ) -> tuple[int, Any] | None:
        """Handle what ``worker`` said or did; a finished or failed job as (index, result)."""
        if handle is worker.conn or worker.conn.poll():
            try:
                message = worker.conn.recv()
            except (EOFError, OSError):
                message = None
            if message is not None:
                kind = message[0]
                if kind == "ready":
                    worker.ready = True
                    return None
                if kind == "setup-failed":
                    raise message[1]
                if kind == "progress":
                    if on_progress is not None:
                        on_progress(message[1], message[2])
                    return None
                worker.job = None
                return message[1], (message[2] if kind == "done" else JobFailed(message[2]))
        # The process has ended without a word: its job (if any) failed with it.
        worker.process.join(5.0)
        code = worker.process.exitcode
        self._live.remove(worker)
        worker.conn.close()
        if not worker.ready:
            raise WorkerSetupError(f"a worker process ended while starting: {_exit_code_words(code)}")
        self.restarts += 1
        if worker.job is None:
            return None
        return worker.job, JobFailed(f"the worker process analysing it died: {_exit_code_words(code)}")
