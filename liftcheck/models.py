"""Finding, downloading and verifying the pose landmarker model bundles.

One setting, ``LIFTCHECK_MODEL_DIR``, names a folder that holds the ``.task`` files;
without it the per-user cache is used, and a missing file is downloaded there once
from Google's official location. Every file's SHA-256 is checked against the pins
below before it is handed to the landmarker, so a corrupt or altered file is refused.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from liftcheck.download import CutShort, DownloadError, Progress, WrongChecksum, download_verified

VARIANTS = ("lite", "full", "heavy")
DEFAULT_VARIANT = "full"
MODEL_DIR_ENV = "LIFTCHECK_MODEL_DIR"

# Google's float16 version 1 bundles; hashes as published for the official files
# (shared/models/SOURCES.md lists the same values and where they were checked).
MODEL_SHA256 = {
    "lite": "59929e1d1ee95287735ddd833b19cf4ac46d29bc7afddbbf6753c459690d574a",
    "full": "5134a3aad27a58b93da0088d431f366da362b44e3ccfbe3462b3827a839011b1",
    "heavy": "64437af838a65d18e5ba7a0d39b465540069bc8aae8308de3e318aad31fcbc7b",
}
MODEL_BYTES = {"lite": 5_777_746, "full": 9_398_198, "heavy": 30_664_242}
MODEL_URL = (
    "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
    "pose_landmarker_{variant}/float16/1/pose_landmarker_{variant}.task"
)


class ModelError(RuntimeError):
    """The model file could not be found, fetched or trusted; the message says what to do."""


def model_filename(variant: str) -> str:
    check_variant(variant)
    return f"pose_landmarker_{variant}.task"


def check_variant(variant: str) -> None:
    if variant not in VARIANTS:
        raise ModelError(f"unknown model {variant!r}: choose one of {', '.join(VARIANTS)}")


def cache_dir() -> Path:
    """The per-user folder where downloaded models are kept."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "liftcheck" / "models"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, variant: str) -> Path:
    """Return ``path`` if its SHA-256 is the pinned one for ``variant``; raise ModelError if not."""
    actual = sha256_of(path)
    expected = MODEL_SHA256[variant]
    if actual != expected:
        raise ModelError(
            f"{path} is not the official {variant} pose model: its sha256 is {actual[:12]}…, expected "
            f"{expected[:12]}…. The file is corrupt or has been altered; delete it and let liftcheck "
            "download it again, or replace it with the official file."
        )
    return path


def verify_bytes(data: bytes, variant: str, origin: str) -> bytes:
    """``data`` if its SHA-256 is the pinned one for ``variant``; ModelError naming ``origin`` if not.

    For model bytes that did not come from a file here (shipped to a cluster worker).
    """
    check_variant(variant)
    actual = hashlib.sha256(data).hexdigest()
    expected = MODEL_SHA256[variant]
    if actual != expected:
        raise ModelError(
            f"the {variant} pose model received from {origin} is not the official one: its sha256 is "
            f"{actual[:12]}…, expected {expected[:12]}…, so it was not loaded"
        )
    return data


def read_verified(path: Path, variant: str) -> bytes:
    """The bytes of ``path``, once their SHA-256 matches the pin: what is checked is what gets loaded."""
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != MODEL_SHA256[variant]:
        verify(path, variant)  # raises with the full message (re-reads; the file changed or is wrong)
        raise ModelError(f"{path} changed while it was being read; try again")
    return data


def _print_progress(done: int, total: int) -> None:
    width = 30
    filled = int(width * done / total) if total else 0
    sys.stderr.write(
        f"\rdownloading model [{'#' * filled}{'.' * (width - filled)}] {done / 1e6:5.1f}/{total / 1e6:.1f} MB"
    )
    if total and done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def download(
    variant: str, dest_dir: Path, *, progress: Progress | None = _print_progress, timeout_s: float = 30.0
) -> Path:
    """Fetch the official bundle into ``dest_dir``, verify it, and move it into place atomically."""
    check_variant(variant)
    url = MODEL_URL.format(variant=variant)
    name = model_filename(variant)
    do_it_yourself = f"download the file yourself and set {MODEL_DIR_ENV} to the folder that holds {name}"
    try:
        return download_verified(
            url,
            dest_dir / name,
            sha256=MODEL_SHA256[variant],
            expected_bytes=MODEL_BYTES[variant],
            progress=progress,
            timeout_s=timeout_s,
        )
    except CutShort as exc:
        raise ModelError(
            f"the download of the {variant} pose model from {url} stopped after {exc.done:,} of {exc.total:,} "
            f"bytes, so nothing was saved. Try again, or {do_it_yourself}."
        ) from exc
    except WrongChecksum as exc:
        raise ModelError(
            f"the file downloaded from {url} is not the official {variant} pose model: its sha256 is "
            f"{exc.actual[:12]}…, expected {exc.expected[:12]}…, so it was not saved. Something between "
            f"here and Google (a proxy or filter) may have changed it; try again, or {do_it_yourself}."
        ) from exc
    except DownloadError as exc:
        raise ModelError(
            f"the {variant} pose model is not on this machine and could not be downloaded from {url} ({exc}). "
            f"Connect to the internet once so it can be cached in {dest_dir}, or {do_it_yourself}."
        ) from exc


def resolve_model(
    variant: str = DEFAULT_VARIANT, *, allow_download: bool = True, progress: Progress | None = _print_progress
) -> Path:
    """The verified path of the ``variant`` bundle: from ``LIFTCHECK_MODEL_DIR``, else the cache, else downloaded."""
    check_variant(variant)
    name = model_filename(variant)
    configured = os.environ.get(MODEL_DIR_ENV)
    if configured:
        path = Path(configured).expanduser() / name
        if not path.is_file():
            raise ModelError(f"{MODEL_DIR_ENV} is set to {configured}, but there is no {name} in it")
        return verify(path, variant)
    cached = cache_dir() / name
    if cached.is_file():
        return verify(cached, variant)
    if not allow_download:
        raise ModelError(
            f"the {variant} pose model is not in {cache_dir()}; set {MODEL_DIR_ENV} to a folder that holds {name}"
        )
    return download(variant, cache_dir(), progress=progress)
