"""What the pages share: the sidebar settings, the history store, and running an analysis."""

from __future__ import annotations

import errno
import faulthandler
import functools
import logging
import os
import secrets
import shutil
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import streamlit as st

from liftcheck.config import APP_LIMITS, DEFAULT_CONFIG, Config
from liftcheck.frames import Given
from liftcheck.kinematics import Neutral
from liftcheck.models import VARIANTS, ModelError
from liftcheck.niosh import TaskInputs
from liftcheck.pipeline import AnalysisCancelled, Progress, analyze_synthetic, analyze_video
from liftcheck.report import Report
from liftcheck.store import HistoryStore, StoreError
from liftcheck.turns import Turns
from liftcheck.ui import access
from liftcheck.ui.text import plain, with_names
from liftcheck.video import VideoError, VideoWriteError
from liftcheck.workdirs import make_workdir, remove_stale
from liftcheck.workshop.samples import samples_dir as find_samples

_log = logging.getLogger(__name__)

# The containers video.py reads (MP4/MOV/M4V, Matroska/WebM, AVI, animated GIF).
VIDEO_TYPES = ("mp4", "mov", "m4v", "avi", "webm", "mkv", "gif")
# One line for the whole server: at most APP_LIMITS.max_concurrent_analyses run at once.
ANALYSES = Turns(APP_LIMITS.max_concurrent_analyses)
RATES = {"15 frames/s (fastest)": 15.0, "30 frames/s (default)": 30.0, "every frame": None}
VIEWS = {"automatic": None, "side": "side", "front": "front", "oblique (about 45°)": "oblique"}
NOT_GIVEN = "not given"
GRIPS = {
    NOT_GIVEN: None,
    "good (handles or cut-outs that fit the hand)": "good",
    "fair (handles that fit poorly, or a firm grip by bending the fingers)": "fair",
    "poor (no handles, bulky, loose or slippery)": "poor",
}
WORK_DURATIONS = {
    NOT_GIVEN: None,
    "short (up to 1 hour, then as long a rest)": "short",
    "moderate (1–2 hours)": "moderate",
    "long (2–8 hours)": "long",
}


@dataclass(frozen=True)
class Settings:
    model: str
    max_fps: float | None
    view: str | None
    keep_video: bool = False
    # Who and what the session is about, and the lifting equation's inputs ("About this session").
    given: Given | None = None

    def config(self) -> Config:
        kin = replace(DEFAULT_CONFIG.kinematics, view_override=self.view)
        return replace(DEFAULT_CONFIG, kinematics=kin, limits=APP_LIMITS)

    def as_dict(self) -> dict[str, object]:
        return {"model": self.model, "max_fps": self.max_fps, "view": self.view or "automatic"}

    def same_as(self, other: Settings) -> bool:
        """The same settings (``==`` would say no: a neutral posture holds NaN for what it did not measure)."""
        return repr(self) == repr(other)


def sidebar_settings() -> Settings:
    with st.sidebar:
        st.header("Settings")
        model = st.selectbox(
            "Pose model",
            VARIANTS,
            index=VARIANTS.index("full"),
            key="setting-model",
            help="lite is fastest, heavy most accurate; full is the balance.",
        )
        rate = st.selectbox(
            "Analysis rate",
            list(RATES),
            index=1,
            key="setting-rate",
            help="A 60 fps video is analysed at 30 by default: no lift is missed.",
        )
        view = st.selectbox(
            "Where the camera stood",
            list(VIEWS),
            index=0,
            key="setting-view",
            help="Side-on suits the bend check; front or 45° suit twist and side bend.",
        )
        keep = st.checkbox(
            "Keep the annotated video in History",
            value=False,
            key="setting-keep-video",
            help="Off by default: History keeps the report and the thumbnails, not the video.",
        )
        given = session_inputs()
        st.caption("Everything runs on this machine. No video leaves it.")
    return Settings(
        model=str(model), max_fps=RATES[str(rate)], view=VIEWS[str(view)], keep_video=bool(keep), given=given
    )


def session_inputs() -> Given | None:
    """The "About this session" inputs: person, task and the lifting equation's inputs, as a ``Given``.

    None when nothing is filled in. The lifting equation's inputs go in only when one of them is given;
    a value the equation refuses is said in the sidebar and left out, and the analysis runs without it.
    """
    with st.expander("About this session", expanded=False):
        person = st.text_input("Person", key="given-person", max_chars=80, placeholder="e.g. Sam, or a worker ID")
        task = st.text_input("Task", key="given-task", max_chars=80, placeholder="e.g. loading pallets")
        st.caption("For the lifting index (NIOSH): the load and the person's height; grip and work time help.")
        load = st.number_input(
            "Load (kg)", min_value=0.5, max_value=200.0, value=None, step=0.5, key="given-load",
            help="The weight lifted. With it each lift gets a lifting index (load ÷ recommended limit).",
        )  # fmt: skip
        height = st.number_input(
            "Person's height (cm)", min_value=50.0, max_value=250.0, value=None, step=1.0, key="given-height",
            help="Sets the scale of the body; without it the scale comes from the pose and is less certain.",
        )  # fmt: skip
        grip = st.selectbox("Grip on the load", list(GRIPS), key="given-grip")
        duration = st.selectbox("How long they lift in a day", list(WORK_DURATIONS), key="given-duration")
        spell = st.number_input(
            "Minutes of lifting in every 15", min_value=0.5, max_value=15.0, value=None, step=0.5, key="given-spell",
            help="A clip of lifts back to back is not the working pace. Say how many minutes of every 15 are spent "
            "lifting, and the lifting equation takes the rate over the 15 minutes (NIOSH's rule for short samples).",
        )  # fmt: skip
        pace = st.number_input(
            "Lifts a minute in the task", min_value=0.1, max_value=20.0, value=None, step=0.1, key="given-pace",
            help="The task's own pace, if you know it: the lifting equation then uses it in place of the clip's "
            "(a short clip shows how a lift is done better than how often).",
        )  # fmt: skip
        posture = st.container()
    coupling, work = GRIPS[str(grip)], WORK_DURATIONS[str(duration)]
    task_inputs: TaskInputs | None = None
    if any(v is not None for v in (load, height, coupling, work, spell, pace)):
        extra: dict[str, object] = {}
        if pace is not None:
            extra["lifts_per_min"] = float(pace)
        if spell is not None:
            extra["lifting_min_per_15_min"] = float(spell)
        if coupling is not None:
            extra["coupling"] = coupling
        if work is not None:
            extra["duration"] = work
        try:
            task_inputs = TaskInputs(
                load_kg=None if load is None else float(load),
                stature_cm=None if height is None else float(height),
                **extra,  # type: ignore[arg-type]
            )
        except (TypeError, ValueError) as exc:
            st.error(plain(f"The lifting index is left out: {exc}"))
    try:
        given = Given(person=str(person or ""), task=str(task or ""), task_inputs=task_inputs)
    except (TypeError, ValueError) as exc:
        st.error(plain(f"The session's details are left out: {exc}"))
        return None
    if given.person:
        with posture:  # inside the expander, under the other inputs
            given = replace(given, neutral=_neutral_from_history(given.person))
    return given if (given.person or given.task or given.task_inputs is not None) else None


def _neutral_from_history(person: str) -> Neutral | None:
    """The person's standing posture as recorded in an earlier session in History, when the user wants it reused.

    Their own upright (a habitual lean, how the camera sees them) then counts from the first frame, instead of being
    recorded again from the first seconds of standing still. Off by choice for a camera set up differently.
    """
    reuse = st.checkbox(
        "Reuse their standing posture from History",
        value=True,
        key="given-reuse-neutral",
        help="Measure from the person's upright posture recorded in their last session. Untick when the camera "
        "stands differently this time.",
    )
    if not reuse:
        return None
    store = history_store()
    if store is None:
        return None
    try:
        saved = store.latest_neutral(person)
        neutral = Neutral.from_dict(saved) if saved else None
    except (StoreError, ValueError) as exc:
        st.caption(plain(f"No standing posture from History: {exc}"))
        return None
    if neutral is None:
        st.caption(with_names(f"No standing posture of {person} in History yet: it is recorded this time.", [person]))
        return None
    st.caption(
        with_names(f"Using {person}'s standing posture from History (trunk {neutral.trunk_deg:.0f}°).", [person])
    )
    return neutral


@st.cache_resource
def _store(path: str) -> HistoryStore:
    return HistoryStore(Path(path))


def history_store(*, keep_message: bool = False) -> HistoryStore | None:
    """This session's history database (the signed-in person's when serving a team), or None with a message.

    ``keep_message``: the message goes through ``notify`` (it must outlive a rerun that follows),
    not straight onto the page.
    """
    try:
        return _store(str(access.history_path(st.session_state.get(access.USER_KEY))))
    except StoreError as exc:
        message = f"History is unavailable: {exc}"
        if keep_message:
            notify("warning", f"The result is shown but could not be saved. {message}")
        else:
            st.error(plain(message))
        return None


def samples_dir() -> Path | None:
    """Where "Try a sample" finds clips (``workshop.samples.samples_dir``): a folder holding mp4 files, or None."""
    return find_samples(containing="*.mp4")


def notify(level: str, text: str, names: tuple[str, ...] = ()) -> None:
    """Keep a message for the page to show, so it survives the rerun that follows an analysis.

    ``names``: the user-given names in ``text``, shown as names (never Markdown or links).
    """
    st.session_state.setdefault("messages", []).append((level, text, names))


def show_messages() -> None:
    for level, text, names in st.session_state.get("messages", []):
        {"error": st.error, "warning": st.warning, "info": st.info}.get(level, st.info)(with_names(text, names))


def clear_messages() -> None:
    st.session_state["messages"] = []


def save_to_history(
    report: dict,
    thumbnails: dict[int, bytes],
    *,
    source_name: str,
    source_kind: str,
    settings: Settings,
    video: bytes | None = None,
) -> int | None:
    """Save a finished analysis (upload, sample or live); a failure is kept as a message, never raised."""
    store = history_store(keep_message=True)
    if store is None:
        return None
    try:
        return store.save_session(
            report,
            source_name=source_name,
            source_kind=source_kind,
            settings=settings.as_dict(),
            thumbnails=thumbnails,
            video=video,
        )
    except StoreError as exc:
        notify("warning", f"The result is shown but could not be saved to History: {exc}")
        return None


@dataclass
class Result:
    """One finished analysis, as the pages keep it in the session state."""

    report: dict
    thumbnails: dict[int, bytes]
    video: bytes | None
    session_id: int | None


def _progress_reporter(bar, started: float):  # type: ignore[no-untyped-def]
    def report(p: Progress) -> None:
        # Every call touches the page, which is also where Streamlit stops a cancelled run.
        if p.frames_done % 5 and p.fraction < 1.0:
            return
        elapsed = time.perf_counter() - started
        left = elapsed * (1 - p.fraction) / p.fraction if p.fraction > 0.02 else None
        text = f"Analysing: {p.frames_done} frames, {p.t_s:.1f} of {p.duration_s:.1f} s"
        text += f", about {left:.0f} s left" if left is not None else ""
        bar.progress(min(1.0, p.fraction), text=text)

    return report


def _waiting_text(ahead: int) -> str:
    return f"Waiting: {ahead} {'analysis' if ahead == 1 else 'analyses'} ahead of yours. Cancel leaves the line."


def run_analysis(
    video_bytes: bytes | None,
    display_name: str,
    suffix: str,
    settings: Settings,
    *,
    source_kind: str,
    synthetic: object = None,
    cancel: threading.Event | None = None,
) -> Result | None:
    """Analyse uploaded bytes (or a synthetic clip) when its turn comes, save the session, and return the result.

    At most ``APP_LIMITS.max_concurrent_analyses`` run at once in the server; the others wait in
    line with their place shown. The upload goes to a private temporary folder under a random
    name and is deleted afterwards; the user's file name is only ever shown, never used as a path.
    Every failure ends in a message kept with ``notify`` and None.
    """
    bar = st.progress(0.0, text="Starting the analysis…")
    with ANALYSES.ticket() as ticket:
        while not ticket.wait(timeout_s=0.5):
            # Touching the page is also where Streamlit stops this run when Cancel is pressed; leaving the
            # block then leaves the line.
            bar.progress(0.0, text=_waiting_text(ticket.ahead))
        bar.progress(0.0, text="Starting the analysis…")
        return _analyse(video_bytes, display_name, suffix, settings, bar, source_kind, synthetic, cancel)


def _analyse(
    video_bytes: bytes | None,
    display_name: str,
    suffix: str,
    settings: Settings,
    bar,  # type: ignore[no-untyped-def]
    source_kind: str,
    synthetic: object,
    cancel: threading.Event | None,
) -> Result | None:
    started = time.perf_counter()
    workdir: Path | None = None
    source_name = ""  # the private file's name, to be replaced by the user's in messages
    try:
        workdir = make_workdir()  # 0700, marked with this process so a later start can clean up after a kill
        annotated = workdir / f"annotated-{secrets.token_hex(8)}.mp4"
        if synthetic is not None:
            report: Report = analyze_synthetic(
                synthetic,
                annotated_path=annotated,
                config=settings.config(),
                source_name=display_name,
                progress=_progress_reporter(bar, started),
                given=settings.given,
            )
        else:
            ext = suffix.lower().lstrip(".")
            source = workdir / f"upload-{secrets.token_hex(8)}.{ext if ext in VIDEO_TYPES else 'bin'}"
            source_name = source.name
            source.write_bytes(video_bytes or b"")
            report = analyze_video(
                source,
                model=settings.model,
                max_fps=settings.max_fps,
                annotated_path=annotated,
                progress=_progress_reporter(bar, started),
                cancel=cancel,
                config=settings.config(),
                source_name=display_name,
                given=settings.given,
            )
        video = annotated.read_bytes() if annotated.exists() else None
    except VideoError as exc:
        bar.empty()
        # The message names the private temporary file; show the user's own file name instead.
        message = str(exc).replace(source_name, display_name or "the file") if source_name else str(exc)
        notify("error", f"This file cannot be analysed: {message}", names=(display_name,))
        return None
    except VideoWriteError as exc:
        bar.empty()
        notify("error", f"The analysis stopped: the annotated video could not be written ({exc}). Nothing was saved.")
        return None
    except OSError as exc:
        bar.empty()
        _log.warning("analysis of an upload stopped on a file error", exc_info=exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            notify(
                "error",
                "The analysis stopped: the server's temporary folder is full, so the upload could not be stored. "
                "Nothing was saved. Free some space there, or start the app with TMPDIR set to a bigger disk.",
            )
        else:
            notify("error", f"The analysis stopped: the upload could not be stored ({exc.strerror or exc}).")
        return None
    except ModelError as exc:
        bar.empty()
        notify("error", f"The pose model is not available: {exc}")
        return None
    except AnalysisCancelled:
        bar.empty()
        notify("info", "Analysis cancelled. Nothing was saved.")
        return None
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
    bar.progress(1.0, text=f"Done in {time.perf_counter() - started:.0f} s")
    data = report.to_dict()
    if source_name:  # the report's own warnings name the private file too
        warnings: list[object] = list(data.get("warnings") or [])  # type: ignore[call-overload]
        data["warnings"] = [str(w).replace(source_name, "the video") for w in warnings]
    session_id = save_to_history(
        data,
        report.thumbnails,
        source_name=display_name,
        source_kind=source_kind,
        settings=settings,
        video=video if settings.keep_video else None,
    )
    return Result(report=data, thumbnails=dict(report.thumbnails), video=video, session_id=session_id)


def guarded(page: Callable[[], None], name: str) -> Callable[[], None]:
    """``page``, with any unexpected error turned into a message on the page (kept over reruns) and a traceback in
    the server's log; the browser never sees a traceback or a server path (client.showErrorDetails is "none")."""

    @functools.wraps(page)
    def run() -> None:
        try:
            page()
        except Exception as exc:  # noqa: BLE001 - Streamlit's own stop and rerun are BaseExceptions and pass through
            _log.exception("the %s page failed", name)
            message = (
                f"Something went wrong on the {name} page ({type(exc).__name__}), and it stopped. Nothing from this "
                "step was saved; the server's log has the details. Reload the page to go on."
            )
            notify("error", message)
            st.error(message)

    return run


@st.cache_resource
def clean_up_after_a_killed_server() -> list[str]:
    """Once per server process: remove the upload folders a killed server left in the temporary folder."""
    return [str(p) for p in remove_stale()]


_thread_dump_file: object | None = None


def enable_thread_dumps() -> None:
    """``kill -USR1 <server pid>`` prints every thread's stack to the server's stderr (once per process).

    For a live view that stops moving: it shows where each thread waits. It writes to a copy
    of stderr taken now, so it still gets through while MediaPipe's set-up chatter is hidden.
    Not on Windows (no SIGUSR1).
    """
    global _thread_dump_file
    if _thread_dump_file is not None or not hasattr(signal, "SIGUSR1"):
        return
    try:
        dump_file = os.fdopen(os.dup(2), "w")
        faulthandler.register(signal.SIGUSR1, file=dump_file, all_threads=True)
    except (OSError, ValueError, RuntimeError):  # no stderr to copy, or a runtime without signals
        return
    _thread_dump_file = dump_file
