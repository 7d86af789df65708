"""The app safe by default, with Streamlit's AppTest: errors reach the user as messages that outlive the rerun
(never a traceback), a History that cannot be written still shows the result, who may see what, and the
line of analyses."""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from liftcheck.store import HistoryStore
from liftcheck.turns import Turns
from liftcheck.ui import access

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


def shown(markdown: str) -> str:
    """What the browser shows for an element's Markdown source (messages escape every punctuation mark)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def messages(at: AppTest) -> list[str]:
    return [shown(e.value) for kind in (at.error, at.warning, at.info) for e in kind]


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Its own History, no sample clips (so "Try a sample" runs the synthetic lifter) and its own temp folder."""
    monkeypatch.setenv("LIFTCHECK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LIFTCHECK_SAMPLES_DIR", str(tmp_path / "no-samples"))
    monkeypatch.setattr("liftcheck.workshop.samples.PROJECT_ROOT", tmp_path)
    monkeypatch.delenv(access.TEAM_ENV, raising=False)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    return tmp_path


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert not at.exception
    return at


def _leftovers(env: Path) -> list[Path]:
    return list((env / "tmp").glob("liftcheck-*"))


# --- the settings the server starts with ---------------------------------------------------------------------


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is in the standard library from Python 3.11")
def test_the_server_listens_here_only_and_shows_no_error_details() -> None:
    """.streamlit/config.toml: this machine only (which also keeps Streamlit from looking up its outside address),
    known host names only, and no error details (tracebacks, server paths) in the browser."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert set(config["server"]["allowedHosts"]) == {"localhost", "127.0.0.1"}
    assert config["client"]["showErrorDetails"] == "none"


# --- errors are messages ---------------------------------------------------------------------------------------


def test_a_one_pixel_video_gives_a_message_that_outlives_the_rerun(app_env: Path) -> None:
    """A 1×1 video (the app always asks for the annotated video) ends in an error naming the size and the file,
    still there after the rerun that follows the analysis; nothing is saved and no upload is left behind."""
    one = app_env / "one.mkv"
    with av.open(str(one), "w") as container:
        stream = container.add_stream("ffv1", rate=30)
        stream.width, stream.height, stream.pix_fmt = 1, 1, "bgr0"
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(np.full((1, 1, 3), 90, np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 30)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    at = _app()
    at.file_uploader(key="upload").upload("one.mkv", one.read_bytes(), "video/x-matroska").run()
    assert not at.exception
    errors = [shown(e.value) for e in at.error]
    assert any("one.mkv" in e and "1×1 pixels" in e and "too small" in e for e in errors), errors
    at.run()  # another rerun (any click): the message stays
    assert any("1×1 pixels" in shown(e.value) for e in at.error)
    assert not _leftovers(app_env)
    assert HistoryStore(app_env / "data" / "history.sqlite3").list_sessions() == []


def test_a_full_temp_folder_for_the_upload_gives_a_message(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No space for the upload (ENOSPC when it is stored) ends in a message that says what to do, names no server
    path and outlives the rerun; the private folder is removed."""
    real_write = Path.write_bytes

    def full_disk(self: Path, data: bytes) -> int:
        if self.name.startswith("upload-"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    at = _app()
    at.file_uploader(key="upload").upload("lift.mp4", b"\x00" * 4096, "video/mp4").run()
    assert not at.exception
    errors = [shown(e.value) for e in at.error]
    assert any("temporary folder is full" in e and "TMPDIR" in e for e in errors), errors
    assert not any(str(app_env) in e for e in errors), "a server path reached the page"
    at.run()
    assert any("temporary folder is full" in shown(e.value) for e in at.error)
    assert not _leftovers(app_env)


def test_a_full_disk_for_the_annotated_video_gives_a_message_and_leaves_nothing(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The annotated video written onto a full disk (/dev/full answers ENOSPC): a message, the writer closed, its
    folder gone, nothing saved."""
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    from liftcheck.ui import common

    real = common.analyze_synthetic

    def onto_a_full_disk(clip, *, annotated_path, **kwargs):  # type: ignore[no-untyped-def]
        Path(annotated_path).symlink_to("/dev/full")
        return real(clip, annotated_path=annotated_path, **kwargs)

    monkeypatch.setattr(common, "analyze_synthetic", onto_a_full_disk)
    at = _app()
    at.button(key="sample-run").click().run()
    assert not at.exception
    errors = [shown(e.value) for e in at.error]
    assert any("annotated video could not be written" in e and "No space left on device" in e for e in errors)
    at.run()
    assert any("No space left on device" in shown(e.value) for e in at.error)
    assert not _leftovers(app_env)
    assert HistoryStore(app_env / "data" / "history.sqlite3").list_sessions() == []


@pytest.fixture
def read_only_history(app_env: Path) -> Iterator[Path]:
    """A History folder holding one session that cannot be written: a read-only bind mount when running as root
    (root ignores file modes), else mode 0500."""
    folder = app_env / "data"
    with HistoryStore(folder / "history.sqlite3") as store:
        store.save_session(
            {"schema_version": 1, "summary": {"lift_count": 0, "verdicts": {}}, "lifts": []},
            source_name="earlier.mp4",
            source_kind="upload",
        )
    mounted = False
    if os.geteuid() == 0:
        try:
            subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True, capture_output=True)
            mounted = True
            subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            if mounted:
                subprocess.run(["umount", str(folder)], check=False)
            pytest.skip(f"running as root and cannot make a read-only mount here: {exc}")
    else:
        folder.chmod(0o500)
    try:
        with pytest.raises(OSError):
            (folder / "probe").write_bytes(b"x")
        yield folder
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=False)
        else:
            folder.chmod(0o700)


def test_a_history_that_cannot_be_written_still_shows_the_result(read_only_history: Path) -> None:
    """With the History folder read-only, "Try a sample" shows its result and a warning that it was not saved,
    which outlives the rerun; no exception."""
    at = _app()
    at.button(key="sample-run").click().run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Lifts"] == "3"
    warnings = [shown(w.value) for w in at.warning]
    assert any("could not be saved" in w for w in warnings), messages(at)
    at.run()
    assert any("could not be saved" in shown(w.value) for w in at.warning)


def _failing_history_page() -> None:
    from liftcheck.ui import history
    from liftcheck.ui.common import guarded

    def broken() -> None:
        raise RuntimeError("the disk at /srv/secret/path went away")

    history.history_store = broken  # type: ignore[assignment]
    guarded(history.page, "History")()


def test_an_unexpected_error_in_a_page_is_a_message_without_server_paths(caplog: pytest.LogCaptureFixture) -> None:
    """An error the page does not expect shows a message naming the page and the error's type, not its text or a
    traceback; the traceback goes to the log."""
    at = AppTest.from_function(_failing_history_page, default_timeout=60)
    with caplog.at_level("ERROR"):
        at.run()
    assert not at.exception
    errors = [shown(e.value) for e in at.error]
    assert errors and "went wrong on the History page (RuntimeError)" in errors[0]
    assert "/srv/secret/path" not in " ".join(errors)
    assert any(r.exc_info and "secret/path" in str(r.exc_info[1]) for r in caplog.records)


# --- who may see what ------------------------------------------------------------------------------------------


def _seed(env: Path) -> None:
    with HistoryStore(env / "data" / "history.sqlite3") as store:
        store.save_session(
            {"schema_version": 1, "summary": {"lift_count": 0, "verdicts": {}}, "lifts": []},
            source_name="private-lift.mp4",
            source_kind="upload",
        )


def test_serving_a_team_without_sign_in_shows_nothing_but_how_to_configure_it(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LIFTCHECK_SERVE_TEAM=1 with no [auth] configured: no page runs (no uploader, no History table), and the
    message says how to configure sign-in."""
    _seed(app_env)
    monkeypatch.setenv(access.TEAM_ENV, "1")
    monkeypatch.chdir(app_env)  # no .streamlit/secrets.toml here
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert len(at.get("file_uploader")) == 0 and len(at.dataframe) == 0
    text = " ".join(messages(at) + [m.value for m in at.markdown] + [c.value for c in at.code])
    assert "sign-in is not configured" in text and "[auth]" in text and "secrets.toml" in text
    assert "private-lift.mp4" not in text


def test_listening_beyond_this_machine_without_choosing_a_team_shows_nothing(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """server.address 0.0.0.0 without LIFTCHECK_SERVE_TEAM: no page runs, and the message names the address."""
    import streamlit as st

    real = st.get_option
    monkeypatch.setattr(
        st,
        "get_option",
        lambda key: "0.0.0.0" if key == "server.address" else real(key),  # noqa: S104
    )
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert len(at.get("file_uploader")) == 0
    assert any("listens beyond this machine" in m and "0.0.0.0" in m for m in messages(at)), messages(at)


@pytest.mark.parametrize(
    ("address", "here"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True), ("0.0.0.0", False), ("", False),
     (None, False), ("192.0.2.2", False), ("liftcheck.example.org", False)],
)  # fmt: skip
def test_which_addresses_keep_the_app_on_this_machine(address: str | None, here: bool) -> None:
    """Loopback addresses keep the app here; unset, every-interface, a network address or a host name do not."""
    assert access._listens_only_here(address) is here


def test_each_signed_in_person_has_a_history_of_their_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Serving a team, the History path comes from a digest of the user, never from the user's text."""
    monkeypatch.setenv("LIFTCHECK_DATA_DIR", str(tmp_path))
    local = access.history_path(access.Access("local"))
    ann = access.history_path(access.Access("sign-in", "ann@example.org"))
    bob = access.history_path(access.Access("sign-in", "../../bob"))
    assert local == tmp_path / "history.sqlite3"
    assert len({local, ann, bob}) == 3
    for path in (ann, bob):
        assert path.parent.parent == tmp_path / "people" and re.fullmatch(r"[0-9a-f]{32}", path.parent.name)


def test_sign_in_configuration_problems_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each missing piece of the [auth] section is named; a complete one (flat or per provider) has no problem."""
    sections: dict[str, dict | None] = {"auth": None}
    monkeypatch.setattr(access, "_auth_section", lambda: sections["auth"])
    assert "no [auth] section" in (access.sign_in_problem() or "")
    sections["auth"] = {"client_id": "x", "client_secret": "y", "server_metadata_url": "z"}
    assert "redirect_uri or cookie_secret" in (access.sign_in_problem() or "")
    sections["auth"] = {"redirect_uri": "r", "cookie_secret": "c"}
    assert "names no sign-in provider" in (access.sign_in_problem() or "")
    provider = {"client_id": "x", "client_secret": "y", "server_metadata_url": "z"}
    sections["auth"] = {"redirect_uri": "r", "cookie_secret": "c", **provider}
    assert access.sign_in_problem() is None and access.providers(sections["auth"]) == [None]
    sections["auth"] = {"redirect_uri": "r", "cookie_secret": "c", "google": provider, "okta": provider}
    assert access.sign_in_problem() is None and access.providers(sections["auth"]) == ["google", "okta"]


# --- the line of analyses --------------------------------------------------------------------------------------


def test_turns_run_at_most_slots_at_once_in_arrival_order() -> None:
    """With two slots, the third and fourth wait with 2 and 3 ahead of them, start in arrival order as places
    free up, and one that leaves the line is skipped."""
    turns = Turns(2)
    tickets = [turns.ticket() for _ in range(5)]
    assert [t.wait(0) for t in tickets[:2]] == [True, True]
    assert [t.ahead for t in tickets[2:]] == [2, 3, 4]
    assert not tickets[3].wait(0), "the fourth may not overtake the third"
    tickets[3].leave()  # gives up its place
    assert tickets[4].ahead == 3
    tickets[0].leave()
    assert tickets[2].wait(0) and tickets[2].ahead == 0
    assert tickets[4].ahead == 2 and not tickets[4].wait(0)
    tickets[1].leave()
    assert tickets[4].wait(0)
    assert turns.running == 2 and turns.waiting == 0


def test_turns_hold_under_threads() -> None:
    """Eight threads through two slots: never more than two at once, and every one gets its turn."""
    turns = Turns(2)
    inside = 0
    most = 0
    done: list[int] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        nonlocal inside, most
        with turns.ticket() as ticket:
            assert ticket.wait(10)
            with lock:
                inside += 1
                most = max(most, inside)
            time.sleep(0.02)
            with lock:
                inside -= 1
                done.append(i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert most == 2 and sorted(done) == list(range(8))
    assert turns.running == 0 and turns.waiting == 0


def test_an_upload_waits_for_its_turn_and_says_how_many_are_ahead(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With both places taken, "Try a sample" shows "Waiting: 2 analyses ahead of yours" until one frees up, and
    then runs."""
    from liftcheck.ui import common

    turns = Turns(2)
    monkeypatch.setattr(common, "ANALYSES", turns)
    holders = [turns.ticket(), turns.ticket()]
    assert all(t.wait(0) for t in holders)
    shown_texts: list[str] = []
    real_waiting_text = common._waiting_text

    def record(ahead: int) -> str:
        text = real_waiting_text(ahead)
        shown_texts.append(text)
        if len(shown_texts) == 3:
            holders[0].leave()  # someone else's analysis ends
        return text

    monkeypatch.setattr(common, "_waiting_text", record)
    at = _app()
    at.button(key="sample-run").click().run()
    assert not at.exception
    assert shown_texts[0] == "Waiting: 2 analyses ahead of yours. Cancel leaves the line."
    assert {m.label: m.value for m in at.metric}["Lifts"] == "3"
    assert turns.running == 1 and turns.waiting == 0  # the upload's place was given back
    holders[1].leave()
