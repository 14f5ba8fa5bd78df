"""Shared fixtures: the seeds folder, and one fast run of the seeds study reused across tests."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("TEXTLAB_PROGRESS", "0")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root."""
    return REPO


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The seeds folder shipped with the repository."""
    return REPO / "seeds"


@pytest.fixture(scope="session")
def seeds_study_fast():
    """The seeds study run once with ``fast=True`` (fewer seeds and replicates)."""
    from textlab.study.run import run_study

    return run_study(REPO / "seeds" / "study.toml", fast=True)
