"""Many videos at once: ``liftcheck batch PATH... --out DIR``.

Every video under the paths is analysed once (keyed by the SHA-256 of its content), on a local
pool of worker processes (``liftcheck.workers``) or as Ray tasks on a cluster (``cluster``, the
only module that imports ray, and only with ``--ray``). Each video's report, printable page and
thumbnails go into the results folder, with an index that lets an interrupted batch resume, and a
team report (``team``) across all of them. The modules:

- ``inputs``: finding the videos, their hashes, the manifest (who, what task, the NIOSH inputs)
- ``results``: the results folder's layout and index
- ``job``: one video, as a worker analyses it
- ``run``: ``run_batch``, which ties them together
- ``cluster``: the same jobs on Ray
- ``team``: the team report, HTML and CSV
"""

from __future__ import annotations

from liftcheck.batch.inputs import InputError, ManifestRow, find_videos, read_manifest
from liftcheck.batch.results import Index, ResultsError, VideoRecord
from liftcheck.batch.run import BatchEvent, BatchSettings, BatchSummary, run_batch
from liftcheck.batch.team import write_team_report

__all__ = [
    "BatchEvent",
    "BatchSettings",
    "BatchSummary",
    "Index",
    "InputError",
    "ManifestRow",
    "ResultsError",
    "VideoRecord",
    "find_videos",
    "read_manifest",
    "run_batch",
    "write_team_report",
]
