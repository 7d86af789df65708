"""liftcheck: check lifting form from video, lift by lift.

The public API, for use as a library. Each name is imported on first use, so ``import liftcheck``
stays light and pure (no numpy, OpenCV, PyAV or MediaPipe until a name that needs them is used)::

    import liftcheck

    report = liftcheck.analyze_video("lift.mp4")            # -> Report
    view = liftcheck.ReportView.from_dict(report.to_dict())  # the typed read model
    html = liftcheck.render_html(view, report.thumbnails)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> the module that defines it.
_EXPORTS = {
    "analyze_video": "pipeline",
    "analyze_synthetic": "pipeline",
    "AnalysisCancelled": "pipeline",
    "Progress": "pipeline",
    "LiveSession": "live",
    "Report": "report",
    "ReportView": "report",
    "LiftRow": "report",
    "FindingRow": "report",
    "Summary": "report",
    "Advice": "report",
    "TwistRow": "report",
    "COLUMNS": "report",
    "render_html": "html_report",
    "timeline_svg": "charts",
    "Config": "config",
    "DEFAULT_CONFIG": "config",
    "PoseFrame": "landmarks",
    "PoseLandmark": "landmarks",
    "Estimator": "landmarks",
    "PoseEstimator": "pose",
    "HistoryStore": "store",
    "StoreError": "store",
    "VideoError": "video",
    "ModelError": "models",
}
__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # for type checkers and editors; at run time __getattr__ imports on first use
    from liftcheck.charts import timeline_svg  # noqa: F401
    from liftcheck.config import DEFAULT_CONFIG, Config  # noqa: F401
    from liftcheck.html_report import render_html  # noqa: F401
    from liftcheck.landmarks import Estimator, PoseFrame, PoseLandmark  # noqa: F401
    from liftcheck.live import LiveSession  # noqa: F401
    from liftcheck.models import ModelError  # noqa: F401
    from liftcheck.pipeline import AnalysisCancelled, Progress, analyze_synthetic, analyze_video  # noqa: F401
    from liftcheck.pose import PoseEstimator  # noqa: F401
    from liftcheck.report import COLUMNS, Advice, FindingRow, LiftRow, Report, ReportView, Summary, TwistRow  # noqa: F401
    from liftcheck.store import HistoryStore, StoreError  # noqa: F401
    from liftcheck.video import VideoError  # noqa: F401


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'liftcheck' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"liftcheck.{module}"), name)
    globals()[name] = value  # once imported, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
