"""A batch on a Ray cluster: the only module that imports ray, and only when asked to (``--ray``).

The same job as on this machine (``job.analyse``), one Ray Core task per video: not Ray Data,
whose rows are single frames, while a video's frames must pass through one landmarker and one
people tracker in order. The model's bytes are read and checked here once, put in the cluster's
object store (``ray.put``), and checked again against the pinned SHA-256 by each worker process
before it loads them. Each task hands its files back and they are written here, so the workers
need no access to the results folder; they do need to read the videos (see ``job.VideoJob``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from liftcheck.batch.job import VideoJob, VideoResult, analyse
from liftcheck.workers import JobFailed

INSTALL_HINT = 'pip install "liftcheck[cluster]"'


class ClusterError(RuntimeError):
    """Ray is missing, or no cluster can be reached; the message says what to do."""


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ClusterError(f"--ray needs Ray, which is not installed here: {INSTALL_HINT}") from None
    return ray


def analyse_on_node(job: VideoJob, model_data: bytes) -> VideoResult:
    """The Ray task: set this worker process up once (the model checked against its pin), then analyse the video."""
    from liftcheck import workers

    if workers._model is None or workers._model.variant != job.model:
        workers.setup_worker(job.model, model_data)
    # Ray gives each task one CPU, and the worker's threads keep to one core, as the local pool's do.
    workers.claim_core()
    try:
        return analyse(job)
    finally:
        workers.release_memory()


def connect(address: str, *, cpus: int | None = None) -> bool:
    """Join the Ray cluster at ``address`` ("auto": the one running here, "local": a new one for this batch).

    Returns True when this call started Ray (so the caller shuts it down). Nothing is done when
    this process is already connected.
    """
    ray = _ray()
    if ray.is_initialized():
        return False
    options: dict[str, Any] = {"log_to_driver": False, "include_dashboard": False}
    try:
        if address == "local":
            ray.init(num_cpus=cpus, **options)
        else:
            ray.init(address=address, **options)
    except ConnectionError as exc:
        raise ClusterError(
            f"no Ray cluster at {address!r} ({exc}). Start one here with `ray start --head`, "
            "or run with --ray local to start one just for this batch"
        ) from exc
    return True


def disconnect() -> None:
    """Leave the cluster (and stop a Ray that ``connect`` started here)."""
    _ray().shutdown()


def run_on_ray(
    jobs: Sequence[VideoJob],
    model: str,
    on_result: Callable[[int, VideoResult | JobFailed], None],
) -> None:
    """Run every job as a Ray task (on the cluster this process is connected to), reporting each as it ends."""
    ray = _ray()
    from liftcheck.models import read_verified, resolve_model

    if not jobs:
        return
    model_ref = ray.put(read_verified(resolve_model(model), model))
    # A task that fails is reported, not run again: a video that crashes its worker would crash the next one.
    remote = ray.remote(num_cpus=1, max_retries=0)(analyse_on_node)
    pending = {remote.remote(job, model_ref): index for index, job in enumerate(jobs)}
    try:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                index = pending.pop(ref)
                on_result(index, _outcome(ray, ref))
    finally:
        for ref in pending:  # interrupted: the rest is not wanted
            ray.cancel(ref, force=True)


def _outcome(ray: Any, ref: Any) -> VideoResult | JobFailed:
    try:
        result: VideoResult = ray.get(ref)
        return result
    except ray.exceptions.RayTaskError as exc:
        cause = exc.cause if getattr(exc, "cause", None) is not None else exc
        return JobFailed(f"{type(cause).__name__}: {cause}")
    except ray.exceptions.RayError as exc:  # the worker process or its node died
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return JobFailed(f"the worker analysing it died ({type(exc).__name__}: {first})")
