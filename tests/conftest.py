"""Shared test settings: where the real clips and models are, found through one setting each."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from liftcheck.workshop.samples import LABELS_FILE
from liftcheck.workshop.samples import samples_dir as samples_dir_with

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def _dir_from_env(var: str, default: Path) -> Path | None:
    value = os.environ.get(var)
    path = Path(value) if value else default
    return path if path.is_dir() else None


MODEL_DIR = _dir_from_env("LIFTCHECK_MODEL_DIR", SHARED / "models")
SAMPLES_DIR = samples_dir_with(containing=LABELS_FILE)

if MODEL_DIR is not None:
    # Tests never download: they use the shared models.
    os.environ["LIFTCHECK_MODEL_DIR"] = str(MODEL_DIR)


def _missing(what: str) -> None:
    # In CI a missing asset is a failure, not a skip: the suite must really run there.
    if os.environ.get("CI"):
        pytest.fail(f"{what} not found in CI", pytrace=False)
    pytest.skip(f"{what} not found (set the environment variable, or put ../shared beside the project)")


@pytest.fixture(scope="session")
def model_dir() -> Path:
    if MODEL_DIR is None:
        _missing("pose models (LIFTCHECK_MODEL_DIR)")
    assert MODEL_DIR is not None
    return MODEL_DIR


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    if SAMPLES_DIR is None:
        _missing("labelled clips (LIFTCHECK_SAMPLES_DIR)")
    assert SAMPLES_DIR is not None
    return SAMPLES_DIR
