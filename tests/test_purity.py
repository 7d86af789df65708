"""The pure stages import no frame, model or UI library (DESIGN.md's boundaries)."""

from __future__ import annotations

import subprocess
import sys

PURE = (
    "config",
    "landmarks",
    "kinematics",
    "reps",
    "rules",
    "report",
    "guidance",
    "synthetic",
    "charts",
    "html_report",
)
HEAVY = ("cv2", "mediapipe", "streamlit", "streamlit_webrtc", "av")


def test_pure_modules_pull_in_no_heavy_library() -> None:
    """Importing the pure modules loads none of cv2, mediapipe, streamlit or av."""
    code = (
        "import sys\n"
        + "".join(f"import liftcheck.{m}\n" for m in PURE)
        + f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_only_pose_imports_mediapipe() -> None:
    """No module but pose.py names mediapipe in an import."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "liftcheck"
    offenders = [
        p.name
        for p in root.glob("*.py")
        if p.name != "pose.py"
        and "import mediapipe" in p.read_text()
        or (p.name != "pose.py" and "from mediapipe" in p.read_text())
    ]
    assert offenders == []
