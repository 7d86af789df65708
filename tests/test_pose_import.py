"""pose.py imports only the MediaPipe modules the pose landmarker needs, and the rest of MediaPipe still works."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CHECK = """
import sys
import liftcheck.pose as pose
lean = sorted({m.split('.')[0] for m in sys.modules} & {'matplotlib', 'PIL', 'sounddevice'})
import mediapipe as mp
whole = (mp.Image is pose.Image, mp.tasks.vision.PoseLandmarker is pose.PoseLandmarker, bool(mp.__version__))
from mediapipe.tasks.python.vision import drawing_utils
print(lean, whole, drawing_utils.__name__)
"""


def test_pose_leaves_out_the_rest_of_mediapipe_until_someone_asks_for_it() -> None:
    """Importing pose.py loads neither matplotlib nor PIL (about 40 MiB per worker); code that then imports
    mediapipe itself gets the whole package, with the very classes pose.py uses."""
    out = subprocess.run([sys.executable, "-c", _CHECK], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[0] == "[] (True, True, True) mediapipe.tasks.python.vision.drawing_utils"
