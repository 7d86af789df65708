"""Pose estimation: the only module that imports MediaPipe.

``PoseEstimator`` wraps a Tasks ``PoseLandmarker`` in VIDEO mode. It keeps tracking
state from frame to frame, so use one per video or per live session and never share
it. Its output is a plain ``PoseFrame`` of numpy arrays; no MediaPipe object leaves.

Several people: tracking one person is fast, tracking two costs about 40% more a frame
(the landmarker keeps searching for the second). So it tracks one, and every so often
(twice a second for the first 5 s, then every 2 s) a search of the whole picture (the
model bundle's detector network alone, decoded by ``detector.py``, in a thread on the other
core) checks whether somebody else is in it. Once a second person is seen it tracks two, and
``people.PersonTracker`` follows the one lifting; when only one has been seen for a
while it goes back to tracking one.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import io
import logging
import os
import sys
import threading
import zipfile
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

import numpy as np

from liftcheck.config import DEFAULT_CONFIG, PeopleConfig
from liftcheck.detector import people_in, square_frame
from liftcheck.landmarks import N_LANDMARKS, PeopleFound, PoseFrame
from liftcheck.models import DEFAULT_VARIANT, ModelError, check_variant, read_verified, resolve_model, verify_bytes
from liftcheck.people import PersonTracker, distinct_bodies, distinct_people, pick, torso_length

_log = logging.getLogger(__name__)

# The few MediaPipe modules the pose landmarker needs, and the packages above them.
_TASK_MODULES = {
    "landmarker": "mediapipe.tasks.python.vision.pose_landmarker",
    "running_mode": "mediapipe.tasks.python.vision.core.vision_task_running_mode",
    "base_options": "mediapipe.tasks.python.core.base_options",
    "image": "mediapipe.tasks.python.vision.core.image",
    "embedder": "mediapipe.tasks.python.vision.image_embedder",
}
_HEAVY_PACKAGES = ("mediapipe", "mediapipe.tasks", "mediapipe.tasks.python", "mediapipe.tasks.python.vision")


_lean: dict[str, ModuleType] = {}  # the packages put in place by _lean_package, until _whole_mediapipe


def _lean_package(name: str) -> None:
    """The package ``name`` in ``sys.modules`` without running its ``__init__`` (see ``_import_mediapipe``).

    Asked later for a submodule, it imports just that submodule (as the import system does for
    ``from package import submodule``); asked for anything else, the whole of MediaPipe is imported
    the ordinary way first (``_whole_mediapipe``), so other code in the process sees the real package.
    """
    spec = importlib.util.find_spec(name)
    if spec is None or spec.submodule_search_locations is None:
        raise ImportError(f"{name} is not a package here")
    module = importlib.util.module_from_spec(spec)

    def __getattr__(attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        if importlib.util.find_spec(f"{name}.{attr}") is not None:
            return importlib.import_module(f"{name}.{attr}")
        _whole_mediapipe()
        return getattr(module, attr)

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    _lean[name] = module


def _whole_mediapipe() -> None:
    """Run the real ``__init__`` of each lean package, in place: MediaPipe as ``import mediapipe`` gives it.

    Innermost first, each in the module object already in ``sys.modules`` (whose submodules are
    loaded and set on it, as the ``__init__`` files expect), so nothing loaded is loaded twice.
    """
    for name in reversed(_HEAVY_PACKAGES):
        module = _lean.pop(name, None)
        if module is None:
            continue
        del module.__getattr__  # type: ignore[method-assign]
        assert module.__spec__ is not None and module.__spec__.loader is not None
        module.__spec__.loader.exec_module(module)


def _import_mediapipe() -> dict[str, ModuleType]:
    """The modules of ``_TASK_MODULES``, without the rest of MediaPipe where that can be done.

    ``import mediapipe`` runs package ``__init__`` files that import every task (audio, text,
    the drawing utilities and with them matplotlib and PIL): about 40 MiB and a second of start-up
    in each process, for nothing the pose landmarker uses. So the packages above the landmarker
    are put in place without running their ``__init__`` (``_lean_package``), and only the modules
    it needs are imported. Should this MediaPipe be laid out differently, the ordinary import is used.
    """
    try:
        for name in _HEAVY_PACKAGES:
            if name not in sys.modules:
                _lean_package(name)
        return {key: importlib.import_module(name) for key, name in _TASK_MODULES.items()}
    except Exception:  # noqa: BLE001 - any other layout: take the slow, sure way
        for name in list(_lean):
            sys.modules.pop(_lean.pop(name).__name__, None)
        import mediapipe  # noqa: F401 - runs the real package __init__ files

        return {key: importlib.import_module(name) for key, name in _TASK_MODULES.items()}


# MediaPipe's classes (typed Any: MediaPipe ships no type information).
_mp = _import_mediapipe()
PoseLandmarker: Any = _mp["landmarker"].PoseLandmarker
PoseLandmarkerOptions: Any = _mp["landmarker"].PoseLandmarkerOptions
RunningMode: Any = _mp["running_mode"].VisionTaskRunningMode
BaseOptions: Any = _mp["base_options"].BaseOptions
Image: Any = _mp["image"].Image
ImageFormat: Any = _mp["image"].ImageFormat
# The people search runs the bundle's detector network alone. MediaPipe has no task for that, but its
# image embedder runs any image model and returns the raw output tensors as they are.
ImageEmbedder: Any = _mp["embedder"].ImageEmbedder
ImageEmbedderOptions: Any = _mp["embedder"].ImageEmbedderOptions

# A scout's answer is collected this long after it was sent, whatever the machine's speed,
# so the same video always switches to tracking two at the same frame.
_SCOUT_COLLECT_AFTER_S = 0.2


class _StderrSilencer:
    """Hides the C++ setup chatter MediaPipe writes straight to file descriptor 2.

    Used around model creation and the first frames only; set LIFTCHECK_NATIVE_LOGS=1 to
    see it. File descriptor 2 belongs to the whole process and the people search creates
    its landmarker in another thread, so silencing is counted under a lock: the first to
    enter redirects it, the last to leave puts it back. (Two independent save/restore
    pairs interleaving would let chatter through or leave stderr pointing at /dev/null.)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._saved: int | None = None

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        if os.environ.get("LIFTCHECK_NATIVE_LOGS") == "1":
            yield
            return
        self._enter()
        try:
            yield
        finally:
            self._leave()

    def _enter(self) -> None:
        with self._lock:
            self._depth += 1
            if self._depth > 1:
                return
            try:
                sys.stderr.flush()
                saved = os.dup(2)
            except (OSError, ValueError):  # no real stderr (embedded): nothing to hide
                return
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
            self._saved = saved

    def _leave(self) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth > 0 or self._saved is None:
                return
            os.dup2(self._saved, 2)
            os.close(self._saved)
            self._saved = None


_native_stderr_silenced = _StderrSilencer()


@dataclass(frozen=True)
class Model:
    """A verified pose model, ready for MediaPipe, loaded once per process (``load_model``).

    ``path`` names an unchangeable in-memory file holding the verified bytes (a sealed
    memfd, Linux): every landmarker of the process maps that one copy, where each landmarker
    given the bytes themselves would keep its own (about 18 MiB for the main landmarker,
    measured with the full model). Elsewhere ``path`` is None and ``data`` holds the bytes.
    ``detector_path`` and ``detector_data`` are the same for the bundle's detector network,
    taken out of the verified bundle for the people search.
    """

    variant: str
    sha256: str
    path: str | None
    data: bytes | None = None
    # The bundle's detector network on its own, for the people search: a path as ``path``, else bytes.
    detector_path: str | None = None
    detector_data: bytes | None = None

    def base_options(self) -> Any:
        if self.path is not None:
            return BaseOptions(model_asset_path=self.path)
        return BaseOptions(model_asset_buffer=self.data)

    def detector_options(self) -> Any:
        if self.detector_path is not None:
            return BaseOptions(model_asset_path=self.detector_path)
        return BaseOptions(model_asset_buffer=self.detector_data)


_models: dict[str, Model] = {}  # by sha256: one loaded copy per model in a process
_models_lock = threading.Lock()


def load_model(variant: str = DEFAULT_VARIANT, *, path: str | Path | None = None, data: bytes | None = None) -> Model:
    """The ``variant`` model, checked against its pinned SHA-256, as MediaPipe will load it.

    From ``data`` (bytes from elsewhere, such as a cluster's object store: checked here), else
    the file ``path``, else the configured folder or cache (``models.resolve_model``). The same
    bytes give the same ``Model`` for the life of the process. Raises ``ModelError``.
    """
    check_variant(variant)
    if data is None:
        data = read_verified(Path(path) if path is not None else resolve_model(variant), variant)
    else:
        verify_bytes(data, variant, "the caller")
    digest = hashlib.sha256(data).hexdigest()
    with _models_lock:
        if digest not in _models:
            detector = _detector_network(data, variant)
            memory_file = _sealed_memory_file(data, f"liftcheck-pose-{variant}")
            detector_file = _sealed_memory_file(detector, f"liftcheck-pose-detector-{variant}")
            _models[digest] = Model(
                variant,
                digest,
                memory_file,
                None if memory_file else data,
                detector_file,
                None if detector_file else detector,
            )
        return _models[digest]


_DETECTOR_MEMBER = "pose_detector.tflite"


def _detector_network(bundle: bytes, variant: str) -> bytes:
    """The detector network inside a (verified) pose model bundle, a zip of two TFLite files."""
    try:
        with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
            return archive.read(_DETECTOR_MEMBER)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise ModelError(
            f"the {variant} pose model bundle has no {_DETECTOR_MEMBER} ({exc}); the people search needs it"
        ) from exc


def _sealed_memory_file(data: bytes, name: str) -> str | None:
    """A path to ``data`` in an anonymous memory file sealed against any change; None where there is none."""
    try:
        import fcntl  # not on Windows
    except ImportError:
        return None
    if not (hasattr(os, "memfd_create") and hasattr(fcntl, "F_ADD_SEALS") and Path("/proc/self/fd").is_dir()):
        return None
    try:
        fd = os.memfd_create(name, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    except OSError:
        return None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        # Sealed, the checked bytes are the bytes MediaPipe loads: nothing can write to them after this.
        fcntl.fcntl(
            fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL
        )
    except OSError:
        os.close(fd)
        return None
    return f"/proc/self/fd/{fd}"  # kept open for the life of the process


class PoseEstimator:
    """Finds the 33 landmarks of the person lifting in each frame of one video or camera stream.

    The model is ``model`` (a ``Model`` from ``load_model``; a batch worker loads it once and
    hands it to each video's estimator), else the file ``model_path``, else the ``variant``
    from the configured folder or cache. ``people`` (default: the config's) turns on the search for other people; None
    tracks whoever the landmarker finds first and never looks for anyone else (the
    fastest; the benchmarks' "inference alone"). ``wait_for_search`` (for files) waits
    for a search's answer at a fixed time after it was sent, so a video gives the same
    poses on any machine; the live camera passes False and takes the answer at the first
    frame after it is ready, so a slow search never stalls the view. ``first_search_s`` is when the
    search first looks: a chunk of a long video takes the time the whole video's schedule had reached.
    """

    def __init__(
        self,
        variant: str = DEFAULT_VARIANT,
        *,
        model_path: str | Path | None = None,
        model: Model | None = None,
        people: PeopleConfig | None = DEFAULT_CONFIG.people,
        wait_for_search: bool = True,
        first_search_s: float = 0.0,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        if model is None:
            model = load_model(variant, path=model_path)
        elif model.variant != variant:
            raise ValueError(f"PoseEstimator({variant!r}) was given the {model.variant} model")
        self._model = model
        self._confidence = (min_detection_confidence, min_tracking_confidence)
        self.variant = variant
        self.people = people
        self.wait_for_search = wait_for_search
        self.tracker = PersonTracker(people) if people is not None else None
        # At most one landmarker is open at once, about 75 MiB (our measurement): the one following a
        # single person, beside the people search's detector (about 40 MiB), or the one following several.
        self._landmarker: Any = self._video_landmarker(1)
        self._multi: Any = None
        self._closed = False
        self._last_ms = -1
        self._quiet_frames = 3
        self._scouts: ThreadPoolExecutor | None = None
        self._scout: Any = None
        self._pending: tuple[Future[int], float] | None = None
        self._next_scout_t = first_search_s
        self._several_seen_t = 0.0
        self._search_failed = ""

    def _video_landmarker(self, num_poses: int) -> Any:
        detection, tracking = self._confidence
        options = PoseLandmarkerOptions(
            base_options=self._model.base_options(),
            running_mode=RunningMode.VIDEO,
            num_poses=num_poses,
            min_pose_detection_confidence=detection,
            min_pose_presence_confidence=detection,
            min_tracking_confidence=tracking,
            output_segmentation_masks=False,
        )
        with _native_stderr_silenced():
            return PoseLandmarker.create_from_options(options)

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        if self._scouts is not None:
            self._scouts.shutdown(wait=True)
            self._scouts = None
        # Closing a landmarker logs a line per accelerator ("DestroyAccelerator"): after the CLI's
        # progress bar, for nobody.
        with _native_stderr_silenced():
            for name in ("_landmarker", "_multi", "_scout"):
                landmarker = getattr(self, name)
                if landmarker is not None:
                    landmarker.close()
                    setattr(self, name, None)

    def notes(self) -> list[str]:
        """What the report should say about who was followed (nothing when one person was in view)."""
        notes = self.tracker.notes() if self.tracker is not None else []
        if self._search_failed:
            notes.append(search_failure_note(self._search_failed))
        return notes

    @property
    def search_failed(self) -> str:
        """Why the search for other people stopped ("" while it works)."""
        return self._search_failed

    def __call__(self, rgb: np.ndarray, t_s: float) -> PoseFrame:
        """``detect``: a ``PoseEstimator`` is a ``landmarks.Estimator``."""
        return self.detect(rgb, t_s)

    def detect(self, rgb: np.ndarray, t_s: float) -> PoseFrame:
        """The pose of the person followed in one upright (H, W, 3) uint8 RGB frame shown at ``t_s`` seconds."""
        return self.follow(self.find(rgb, t_s))

    def follow(self, found: PeopleFound) -> PoseFrame:
        """The person followed among the poses ``find`` gave; call in frame order (any one thread)."""
        return pick(self.tracker, found)

    def find(self, rgb: np.ndarray, t_s: float) -> PeopleFound:
        """Every pose in one upright (H, W, 3) uint8 RGB frame shown at ``t_s`` seconds (the model's step).

        A C-contiguous frame is handed to MediaPipe as it is; any other is copied first, so callers
        that care where that copy happens (the file analysis: in its decode thread) pass contiguous frames.
        """
        if self._closed:
            raise RuntimeError("PoseEstimator.detect called after close()")
        if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
            raise ValueError(f"detect needs an (H, W, 3) uint8 RGB frame, got {rgb.dtype} {rgb.shape}")
        # The landmarker refuses a timestamp that is not after the last one, even by rounding.
        t_ms = max(int(round(t_s * 1000.0)), self._last_ms + 1)
        self._last_ms = t_ms
        height, width = rgb.shape[:2]
        image = Image(image_format=ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if (
            self.people is not None
            and self._multi is None
            and self._pending is None
            and not self._search_failed
            and t_s >= self._next_scout_t
        ):
            self._send_scout(rgb, t_s)
        landmarker = self._multi if self._multi is not None else self._landmarker
        if self._quiet_frames > 0:
            # The graph logs its warnings on the first frames it tracks, from its own threads.
            with _native_stderr_silenced():
                result = landmarker.detect_for_video(image, t_ms)
            self._quiet_frames -= 1
        else:
            result = landmarker.detect_for_video(image, t_ms)
        poses = _poses(result, t_s, width, height)
        if self.people is not None:
            self._track_several(poses, t_s)
        return PeopleFound(t_s, (width, height), tuple(poses))

    # -- looking for other people

    def _send_scout(self, rgb: np.ndarray, t_s: float) -> None:
        assert self.people is not None
        if self._scouts is None:
            from liftcheck.threads import yield_to_the_model

            # The search's thread runs niced, and so do the threads its detector starts (a new
            # thread takes its creator's priority on Linux): the lifter's model gets the CPU first.
            self._scouts = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="liftcheck-scout", initializer=yield_to_the_model
            )
        # The square copy is made here: the frame may be reused once this frame's step is over.
        square, side, offset = square_frame(rgb)
        self._pending = (self._scouts.submit(self._count_people, square, side, offset), t_s + _SCOUT_COLLECT_AFTER_S)
        self._next_scout_t = _next_search_after(t_s, self.people)

    def _count_people(self, square: np.ndarray, side: int, offset: tuple[int, int]) -> int:
        """How many different people the bundle's detector finds in one frame, given as ``square_frame``
        letterboxes it (runs in the scout thread).

        The detector alone, not a landmarker: it answers the one question asked (is anybody else in
        the picture?) for half the CPU, and a worker holds about 35 MiB less than with a second
        landmarker (our measurements; on the 20 shared clips, sampled twice a second, both said
        "two people" at the same moments).
        """
        assert self.people is not None
        image = Image(image_format=ImageFormat.SRGB, data=square)
        if self._scout is None:
            options = ImageEmbedderOptions(
                base_options=self._model.detector_options(), l2_normalize=False, quantize=False
            )
            with _native_stderr_silenced():
                self._scout = ImageEmbedder.create_from_options(options)
                result = self._scout.embed(image)  # its first run logs its set-up
        else:
            result = self._scout.embed(image)
        raw_boxes, raw_scores = (head.embedding for head in result.embeddings)
        bodies = people_in(
            raw_boxes,
            raw_scores,
            side,
            offset,
            min_score=self.people.scout_confidence,
            limit=self.people.max_people + 1,
        )
        return distinct_bodies(
            [(body.hips_px, torso_length(body.hips_px, body.shoulders_px)) for body in bodies], self.people
        )

    def _track_several(self, poses: list[PoseFrame], t_s: float) -> None:
        assert self.people is not None
        if self._pending is not None and t_s >= self._pending[1] and (self.wait_for_search or self._pending[0].done()):
            # Waiting here (files only; rarely needed) keeps the switch at the same frame on any machine.
            future, self._pending = self._pending[0], None
            try:
                found = future.result()
            except Exception as exc:  # noqa: BLE001 - the search is an extra: the lifter's own tracking goes on
                self._search_failed = f"{type(exc).__name__}: {exc}"
                _log.warning("people search stopped: %s", self._search_failed, exc_info=exc)
                return
            if found >= 2 and self._multi is None:
                self._follow_several()
                self._several_seen_t = t_s
        if self._multi is None:
            return
        if distinct_people(poses, self.people) >= 2:
            self._several_seen_t = t_s
        elif t_s - self._several_seen_t > self.people.single_after_s:
            # Only one person for a while: track one again (faster) and go back to scouting.
            self._follow_one()
            self._next_scout_t = t_s

    def _follow_several(self) -> None:
        """Track several people from the next frame on. Neither the one-person landmarker nor the search's
        detector is used meanwhile: both are closed first, so a worker never holds two landmarkers (a
        two-person clip's worker peaked at 397 MiB with three open, when the search ran a landmarker)."""
        assert self.people is not None
        with _native_stderr_silenced():
            for name in ("_scout", "_landmarker"):
                task = getattr(self, name)
                if task is not None:
                    task.close()
                    setattr(self, name, None)
        self._multi = self._video_landmarker(self.people.max_people)
        self._quiet_frames = 3

    def _follow_one(self) -> None:
        """Track one person again, with a new landmarker: it finds the person afresh on the next frame
        (the one closed had last seen a frame seconds ago). The search's detector is made anew at its next look."""
        with _native_stderr_silenced():
            self._multi.close()
        self._multi = None
        self._landmarker = self._video_landmarker(1)
        self._quiet_frames = 3


def search_failure_note(reason: str) -> str:
    """What the report says when the search for other people failed with ``reason``."""
    return (
        f"The search for other people in the picture failed ({reason}), so liftcheck "
        "followed whoever it found first. Check the skeleton in the annotated video is on the right person."
    )


def _next_search_after(t_s: float, people: PeopleConfig) -> float:
    """When the search for other people looks again after looking at ``t_s``: often at first, then less."""
    return t_s + (people.scout_every_s if t_s < people.scout_fast_for_s else people.scout_every_slow_s)


def search_schedule(times_s: Sequence[float], people: PeopleConfig, upto: int) -> float:
    """When the search for other people would next look, at frame ``upto`` of frames at ``times_s``.

    As ``PoseEstimator.find`` schedules it, for a video with one person in view (the search then
    never changes what is tracked). A chunk of a long video starts its estimator there.
    """
    next_t, pending_until = 0.0, None
    for t_s in times_s[:upto]:
        if pending_until is None and t_s >= next_t:  # find() sends before the model runs...
            pending_until = t_s + _SCOUT_COLLECT_AFTER_S
            next_t = _next_search_after(t_s, people)
        if pending_until is not None and t_s >= pending_until:  # ...and collects after it
            pending_until = None
    return next_t


def _poses(result, t_s: float, width: int, height: int) -> list[PoseFrame]:  # type: ignore[no-untyped-def]
    """Every pose in a landmarker result, as PoseFrames in pixels."""
    out = []
    for image_lms, world_lms in zip(result.pose_landmarks, result.pose_world_landmarks, strict=False):
        xy = np.array([(lm.x * width, lm.y * height) for lm in image_lms], dtype=np.float64)
        vis = np.array([lm.visibility if lm.visibility is not None else 1.0 for lm in image_lms], dtype=np.float64)
        xyz = np.array([(lm.x, lm.y, lm.z) for lm in world_lms], dtype=np.float64)
        if xy.shape != (N_LANDMARKS, 2) or xyz.shape != (N_LANDMARKS, 3):
            continue
        vis = np.clip(vis, 0.0, 1.0)
        out.append(PoseFrame(t_s=t_s, xy_px=xy, xyz_m=xyz, visibility=vis, image_size=(width, height)))
    return out
