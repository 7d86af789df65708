"""liftcheck: check lifting form from video, lift by lift.

The public API, for use as a library. Each name is imported on first use, so ``import liftcheck``
stays light and pure (no numpy, OpenCV, PyAV or MediaPipe until a name that needs them is used)::

    import liftcheck

    report = liftcheck.analyze_video("lift.mp4")            # -> Report
    given = liftcheck.Given(person="Anna", task="crates", task_inputs=liftcheck.TaskInputs(load_kg=12, stature_cm=168))
    report = liftcheck.analyze_video("lift.mp4", given=given)  # with the lifting equation per lift
    view = liftcheck.ReportView.from_dict(report.to_dict())  # the typed read model
    html = liftcheck.render_html(view, report.thumbnails)
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# The module that defines each public name.
_HOME = {
    "pipeline": ("analyze_video", "analyze_synthetic", "AnalysisCancelled", "Progress"),
    "live": ("LiveSession",),
    "frames": ("Given",),
    "niosh": ("TaskInputs",),
    "kinematics": ("Neutral",),
    "report": ("Report", "ReportView", "LiftRow", "FindingRow", "Summary", "Advice", "TwistEvent", "COLUMNS"),
    "html_report": ("render_html",),
    "charts": ("timeline_svg",),
    "config": ("Config", "DEFAULT_CONFIG"),
    "landmarks": ("PoseFrame", "PoseLandmark", "Estimator"),
    "pose": ("PoseEstimator",),
    "store": ("HistoryStore", "StoreError"),
    "video": ("VideoError",),
    "models": ("ModelError",),
}
_MODULE_OF = {name: module for module, names in _HOME.items() for name in names}
__all__ = ["__version__", *_MODULE_OF]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'liftcheck' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"liftcheck.{module}"), name)
    globals()[name] = value  # once imported, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
