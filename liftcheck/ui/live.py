"""The Live page: the webcam streams from the browser to this machine, and lifts are checked as they happen.

The frames callback runs in streamlit-webrtc's media thread: it never calls ``st.*``.
It hands every frame that arrived since its last call to a ``LiveProcessor`` (one per browser
session, created on the first frame so that opening the page costs nothing), which analyses
the newest, counts the others, and puts finished lifts on a queue that a page fragment drains
once a second.
"""

from __future__ import annotations

import html
import json
import os
import threading
from typing import Any

import streamlit as st
import streamlit.components.v1 as components
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from liftcheck.live import LiveProcessor, LiveSession
from liftcheck.presentation import PAPER, Hud
from liftcheck.ui.common import Settings, save_to_history, show_messages, sidebar_settings
from liftcheck.ui.summary import PAGE_NOTE, render_summary, verdict_words
from liftcheck.ui.text import plain

ICE_ENV = "LIFTCHECK_ICE_SERVERS"
WEBRTC_KEY = "live"


def rtc_configuration() -> dict[str, Any]:
    """No outside server by default (localhost needs none); LIFTCHECK_ICE_SERVERS adds STUN/TURN.

    The setting is a JSON list in the browser's RTCIceServer form, e.g.
    ``[{"urls": ["stun:stun.example.org:3478"]}]``.
    """
    servers: list[dict[str, Any]] = []
    raw = os.environ.get(ICE_ENV, "").strip()
    if raw:
        try:
            parsed = json.loads(raw)
            if isinstance(parsed, list) and all(isinstance(s, dict) and "urls" in s for s in parsed):
                servers = parsed
            else:
                raise ValueError("expected a list of objects with 'urls'")
        except ValueError as exc:
            st.warning(f"{ICE_ENV} is not a JSON list of ICE servers ({exc}); using none.")
    return {"iceServers": servers}


class _Holder:
    """Per browser session: the processor (made on the first frame) and its settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.processor: LiveProcessor | None = None
        self.error = ""
        self._lock = threading.Lock()

    def _processor(self) -> LiveProcessor | None:
        processor = self.processor
        if processor is None:
            with self._lock:
                if self.processor is None:
                    try:
                        session = LiveSession(
                            self.settings.model,
                            config=self.settings.config(),
                            source_name="camera",
                            given=self.settings.given,
                        )
                    except Exception as exc:  # noqa: BLE001 - shown on the page, never raised into the media thread
                        self.error = f"The pose model could not be loaded: {exc}"
                        return None
                    self.processor = LiveProcessor(session)
                processor = self.processor
        return processor

    async def queued_callback(self, frames: list) -> list:  # type: ignore[type-arg]
        """streamlit-webrtc's queued-frames callback: every frame that arrived since the last call, so each is
        counted; the newest is analysed (see ``LiveProcessor.on_frames``)."""
        processor = self._processor()
        if processor is None:
            return frames[-1:]
        return processor.on_frames(frames)


def _speak(text: str) -> None:
    # The browser speaks; nothing is sent anywhere.
    components.html(
        "<script>const u = new SpeechSynthesisUtterance(" + json.dumps(text) + ");"
        "window.speechSynthesis && window.speechSynthesis.speak(u);</script>",
        height=0,
    )


# The live panel's look: large type, to be read from where the person lifts (about 3 m from the screen).
_PANEL_CSS = """
<style>
.lc-live { font-family: sans-serif; line-height: 1.15; }
.lc-live .count { font-size: 30px; color: #333; }
.lc-live .count b { font-size: 64px; color: #111; margin-left: 10px; }
.lc-live .now { font-size: 40px; font-weight: 700; margin: 6px 0 10px; color: #111; }
.lc-live .box { border-left: 14px solid; border-radius: 6px; padding: 8px 14px; margin: 6px 0; }
.lc-live .verdict { font-size: 44px; font-weight: 800; }
.lc-live .cue { font-size: 34px; font-weight: 600; }
.lc-live .small { font-size: 18px; color: #444; }
</style>
"""
# How many finished lifts the panel lists (newest first); the summary after Stop has them all.
PANEL_LIFTS = 4


def live_panel_html(hud: Hud | None, lifts: list[dict]) -> str:
    """The live status in large type: the lift count, the lift under way, the last verdict (word, mark, colour) and its
    cue, and the lifts before it on a line each. Only our own words go in (no user-given text), escaped anyway."""
    count = hud.lift_count if hud is not None else len(lifts)
    out = [
        _PANEL_CSS,
        '<div class="lc-live">',
        f'<div class="count">Lifts<b data-testid="live-lifts">{count}</b></div>',
    ]
    now = hud.current if hud is not None else ""
    if hud is not None and hud.now_cue:
        c = PAPER.get(hud.now_severity if hud.now_severity in PAPER else "caution", PAPER["caution"])
        out.append(
            f'<div class="box" style="border-color:{c.edge};background:{c.background};color:{c.ink}">'
            f'<div class="cue">Now: {html.escape(hud.now_cue)}</div></div>'
        )
    out.append(f'<div class="now">{html.escape(now or "Waiting for the next lift")}</div>')
    if lifts:
        last = lifts[-1]
        row = last["lift"]
        verdict = str(row.get("verdict") or "not judged")
        c = PAPER.get(verdict, PAPER["note"])
        cue = "Keep lifting like this" if verdict == "good" else last["cue"]
        out.append(
            f'<div class="box" style="border-color:{c.edge};background:{c.background};color:{c.ink}">'
            f'<div class="small">Last lift: <strong>Lift {html.escape(str(row.get("lift")))}</strong>, '
            f"{html.escape(str(row.get('style')))}</div>"
            f'<div class="verdict">{html.escape(verdict_words(verdict))}</div>'
            + (f'<div class="cue">{html.escape(cue)}</div>' if cue else "")
            + "</div>"
        )
        for item in list(reversed(lifts))[1:PANEL_LIFTS]:
            r = item["lift"]
            v = str(r.get("verdict") or "not judged")
            c = PAPER.get(v, PAPER["note"])
            out.append(
                f'<div class="small"><strong>Lift {html.escape(str(r.get("lift")))}</strong>: '
                f'<b style="color:{c.ink};background:{c.background};padding:0 6px">{html.escape(verdict_words(v))}</b>'
                f"{(' · ' + html.escape(item['cue'])) if item['cue'] else ''}</div>"
            )
        if len(lifts) > PANEL_LIFTS:
            out.append(
                f'<div class="small">…and {len(lifts) - PANEL_LIFTS} earlier: all in the summary after Stop.</div>'
            )
    out.append("</div>")
    return "".join(out)


@st.fragment(run_every=1.0)
def _live_panel(holder: _Holder, speak: bool) -> None:
    state = st.session_state
    lifts: list[dict] = state.setdefault("live_lifts", [])
    processor = holder.processor
    if holder.error:
        st.error(plain(holder.error))
    if processor is None:
        st.caption("Waiting for the camera…")
        return
    for event in processor.drain():
        lifts.append({"lift": event.lift, "cue": event.cue, "severity": event.severity})
        if speak and event.severity == "poor":
            _speak(event.cue)
    if not lifts and processor.last_framing:
        st.warning(processor.last_framing)
    st.markdown(live_panel_html(processor.last_hud, lifts), unsafe_allow_html=True)
    _neutral_line(processor)
    counts = processor.counts()
    cols = st.columns(3)
    cols[0].metric("Frames analysed", counts.analysed)
    cols[1].metric("Frames dropped", counts.dropped)
    cols[2].metric("Camera frames/s", "–" if counts.camera_fps is None else f"{counts.camera_fps:.1f}")
    st.caption(
        f"Of the {counts.sent} frames the camera sent: {counts.analysed} analysed, {counts.busy} skipped while the "
        f"one before was being analysed, about {counts.lost} lost on the way (gaps in the camera's clock), "
        f"{counts.repeated} repeated, {counts.failed} failed."
    )
    if processor.frames_failed:
        st.warning(
            plain(
                f"{processor.frames_failed} camera frames could not be analysed and are left out; the last error: "
                f"{processor.last_error}. Lifts during them are not counted."
            )
        )


def _neutral_line(processor: LiveProcessor) -> None:
    """The neutral posture the trunk is measured from, and Calibrate to record it again (it reruns this panel only)."""
    text, button = st.columns([3, 1], vertical_alignment="center")
    if button.button("Calibrate", key="live-calibrate", help="Record your upright posture again: stand still"):
        processor.calibrate()
    neutral = processor.neutral()
    if neutral is None:
        text.caption("Neutral posture: stand still and upright, knees straight, for 1.5 s to record it.")
    else:
        given = processor.session.analysis.engine.kinematics.given_neutral is not None
        where = "from History" if given else "recorded just now"
        text.caption(f"Neutral posture {where}: trunk {neutral.trunk_deg:+.0f}° from upright; angles count from it.")


def keep_stream_over_reruns(state: Any, key: str) -> bool:
    """Stop streamlit-webrtc from dropping a working stream on a rerun of this same page.

    streamlit-webrtc (0.7x) resets the component when it thinks a script run went by without
    it ("not rendered for 1 script runs"), meant for a visit to another page and back. It
    counts runs by Streamlit's ``script_run_count``, which the server bumps only when a run's
    "finished" message goes out; when reruns follow each other closely (the browser sends
    its ICE candidates one after another while connecting), that count can jump by two between
    two renders, and the stream is stopped a second after it connected. When the previous full
    run showed this page, the component was rendered in it: clearing the context's record of
    its last render skips that check for this run (streamlit-webrtc records it again at once).
    After a visit to another page nothing is touched and the reset happens as intended.
    Returns whether the record was cleared.
    """
    before = state.get("page_before")
    if before is None or before != state.get("page_now"):
        return False
    context = state.get(key)
    if context is None or getattr(context, "_last_rendered_run_count", None) is None:
        return False  # not made yet, or a streamlit-webrtc without that check
    context._last_rendered_run_count = None
    return True


def page() -> None:
    settings = sidebar_settings()
    st.title("Live check")
    st.write(
        "Press **Start**, allow the camera, and stand side-on about 3 m away with your whole body in view. "
        "Each lift appears below as soon as you stand back up. Press **Stop** for the full summary."
    )
    st.caption(
        "The browser only allows the camera on https or on this computer (localhost). "
        "The video is analysed on this machine and is not recorded."
    )
    speak = st.toggle("Speak the cue after a poor lift", value=False, key="live-speak")
    state = st.session_state
    holder: _Holder | None = state.get("live_holder")
    if holder is None or (holder.processor is None and not holder.settings.same_as(settings)):
        holder = _Holder(settings)
        state["live_holder"] = holder
    rtc = rtc_configuration()
    keep_stream_over_reruns(state, WEBRTC_KEY)
    # The camera on the left, the live status beside it: both on the first screen, no scrolling.
    camera, status = st.columns([3, 2], gap="medium")
    with camera:
        ctx = _camera(holder, rtc)
    playing = bool(ctx.state.playing)
    if playing:
        state["live_result"] = None
        with status:
            _live_panel(holder, speak)
        return

    # Frames can reach the callback (and make the processor) just before the browser reports
    # "playing"; a rerun in that moment is still connecting, not a stop.
    if holder.processor is not None and not ctx.state.signalling:
        _finish(holder)
    show_messages()
    result = state.get("live_result")
    if result is not None:
        st.divider()
        st.subheader("Live session summary")
        render_summary(result["report"], thumbnails=result["thumbnails"], key="live")
    else:
        st.caption(PAGE_NOTE)


def _camera(holder: _Holder, rtc: dict[str, Any]):  # type: ignore[no-untyped-def]
    return webrtc_streamer(
        key=WEBRTC_KEY,
        mode=WebRtcMode.SENDRECV,
        rtc_configuration=rtc,
        server_rtc_configuration=rtc,
        media_stream_constraints={"video": {"width": 640, "height": 480}, "audio": False},
        queued_video_frames_callback=holder.queued_callback,
        async_processing=True,
    )


def _finish(holder: _Holder) -> None:
    """The camera stopped: close the session, save it, and keep its summary for the page."""
    state = st.session_state
    processor = holder.processor
    assert processor is not None
    report = processor.stop()
    state["live_holder"] = None
    state["live_lifts"] = []
    if report.frames_analysed == 0:
        return
    data = report.to_dict()
    session_id = save_to_history(
        data, report.thumbnails, source_name="camera", source_kind="live", settings=holder.settings
    )
    state["live_result"] = {"report": data, "thumbnails": dict(report.thumbnails), "session_id": session_id}
