"""The threads that keep both cores busy on a file: decoding ahead of the pose model, the rest behind it.

The pose model takes one core by itself. ``prefetch`` decodes a few frames ahead of it in a
thread; ``Behind`` runs what follows it (angles, lifts, verdicts) in order in another, and
``OverlayWriter`` draws and encodes the annotated video in a third. The queues between them are
short, so memory does not grow with the video, and an error in a thread is raised in the caller.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from liftcheck.kinematics import Angles
from liftcheck.landmarks import PoseFrame
from liftcheck.presentation import Hud

# Each queue of frames (ahead of the model, behind it) holds about this much at most, and at least
# 2 frames so the threads still overlap: 4 frames of a phone's portrait 360x640 video, 2 of 720p.
# A 720p queue of 4 frames held 11 MiB more at the peak and ran no faster (our measurement).
QUEUE_BYTES = 6 * 1024 * 1024


def queue_depth(width: int, height: int, most: int = 4) -> int:
    """How many (height, width, 3) frames a queue between the threads should hold."""
    return max(2, min(most, QUEUE_BYTES // max(1, width * height * 3)))


# How much lower the helper threads run than the model's (a nice value, Linux; see ``yield_to_the_model``).
HELPER_NICE = 10


def yield_to_the_model() -> None:
    """Lower the calling thread's priority (Linux, per thread; elsewhere nothing), for a thread that helps the model.

    MediaPipe's pose graph hands each frame back and forth between two threads of its own. When
    one wakes up on a core where decoding or the engine is running, the scheduler lets that thread
    finish its time slice first, and the model waits. A helper thread at a lower priority gives way
    at once: the whole analysis went from 0.85 to 0.93 of inference alone (roundback clip, full
    model, runs alternated on 2 cores; our measurement). The helpers lose nothing: they need little
    of the second core.
    """
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + HELPER_NICE)


class model_first:  # noqa: N801 - used as a context manager, named for what it does
    """While a file's analysis runs, hand Python's GIL between threads every 0.5 ms instead of every 5 ms.

    The model's results come back through a thread that needs the GIL; when the engine thread holds
    it, running Python, the model waits up to the switch interval. 0.5 ms took the analysis from 0.93
    to 0.95 of inference alone (our measurement). The interval is the process's: the first analysis
    to start sets it, the last to end puts the old one back.
    """

    _lock = threading.Lock()
    _depth = 0
    _saved = 0.005
    INTERVAL_S = 0.0005

    def __enter__(self) -> model_first:
        with model_first._lock:
            if model_first._depth == 0:
                model_first._saved = sys.getswitchinterval()
                sys.setswitchinterval(min(model_first._saved, self.INTERVAL_S))
            model_first._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        with model_first._lock:
            model_first._depth -= 1
            if model_first._depth == 0:
                sys.setswitchinterval(model_first._saved)


def contiguous_frames(frames: Iterable[Any]) -> Iterator[tuple[np.ndarray, float]]:
    """(rgb, t_s) of each decoded ``video.Frame``, the rgb C-contiguous as MediaPipe takes it.

    PyAV pads each row of a frame to an aligned stride, so its arrays are views that MediaPipe
    would have to copy. Run inside ``prefetch`` this copy happens in the decode thread, off the
    thread that feeds the model.
    """
    for frame in frames:
        rgb = frame.rgb
        yield (rgb if rgb.flags.c_contiguous else np.ascontiguousarray(rgb)), frame.t_s


def prefetch(frames: Iterator, depth: int = 4) -> Iterator:
    """Decode ahead in a thread so decoding overlaps inference (both release the GIL)."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()
    errors: list[BaseException] = []

    def worker() -> None:
        yield_to_the_model()
        try:
            for item in frames:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            errors.append(exc)
        finally:
            while True:
                try:
                    q.put(done, timeout=0.1)
                    break
                except queue.Full:
                    if stop.is_set():
                        break

    thread = threading.Thread(target=worker, name="liftcheck-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is done:
                break
            yield item
        if errors:
            raise errors[0]
    finally:
        stop.set()
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                q.get_nowait()
            thread.join(timeout=0.05)


class Behind:
    """Does ``work(item)`` for each item, in order, in a thread of its own behind the caller.

    On two cores the pose model keeps one busy; what follows it (angles, lifts, verdicts,
    drawing, encoding) runs here, on the other, instead of after it. The queue is short:
    memory stays a few frames, and a slow stage slows the caller rather than piling frames
    up. An error in the thread is raised in the caller, at its next ``put`` or at ``close``.
    """

    def __init__(self, work: Callable[[Any], None], name: str, depth: int = 8) -> None:
        self._work = work
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._dropping = False
        self._thread: threading.Thread | None = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        yield_to_the_model()
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if self._error is not None or self._dropping:
                continue  # keep draining so the caller never blocks on a dead stage
            try:
                self._work(item)
            except BaseException as exc:  # raised in the caller by put() or close()
                self._error = exc

    def put(self, item: Any) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(item)

    def close(self, *, finish: bool = True) -> None:
        """Wait for the thread to end: after the queued items (``finish``), or dropping them.

        With ``finish`` a failure in the thread is raised here; without (the caller is
        already failing or cancelled) it is not, so it cannot hide the caller's own.
        """
        if self._thread is None:
            return
        self._dropping = not finish
        self._queue.put(_END)
        self._thread.join()
        self._thread = None
        if finish and self._error is not None:
            raise self._error


_END = object()


class OverlayWriter:
    """Draws the overlay and encodes the annotated video in a thread, behind the analysis.

    Drawing and H.264 encoding release the GIL, so they run beside the pose model.
    """

    def __init__(self, path: str | Path, fps_hint: float, depth: int = 8) -> None:
        from liftcheck.video import VideoWriter

        self._writer = VideoWriter(path, fps_hint=fps_hint)
        self._behind = Behind(self._draw_and_write, name="liftcheck-annotate", depth=depth)

    def _draw_and_write(self, item: tuple[np.ndarray, PoseFrame, Angles, Hud, float]) -> None:
        from liftcheck import draw

        rgb, pose, angles, hud, t_s = item
        self._writer.write(draw.draw_overlay(rgb, pose, angles, hud), t_s)

    def write(self, rgb: np.ndarray, pose: PoseFrame, angles: Angles, hud: Hud, t_s: float) -> None:
        self._behind.put((rgb, pose, angles, hud, t_s))

    def close(self) -> None:
        """Finish the video (waits for the frames queued); raises what went wrong in the thread."""
        try:
            self._behind.close()
        finally:
            self._writer.close()
