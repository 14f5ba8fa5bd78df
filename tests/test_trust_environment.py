"""Provenance records the environment against requirements.lock; the report says when it differs (issue 11, item 8)."""

from __future__ import annotations

import hashlib
import shutil
from importlib import metadata

import pytest

from textlab.study.environment import compare_with_lock, environment_line, environment_record, read_lock_file


def test_installed_versions_are_compared_with_the_lock_lines(tmp_path):
    numpy, pandas = metadata.version("numpy"), metadata.version("pandas")
    lock = tmp_path / "requirements.lock"
    lock.write_text(f"# comment\nNumPy=={numpy}\npandas==0.0.1\nnot_a_real_package_xyz==1.0\n")
    pins = read_lock_file(lock)
    assert pins == {"numpy": numpy, "pandas": "0.0.1", "not-a-real-package-xyz": "1.0"}
    result = compare_with_lock(pins)
    assert result["differ"] == [f"pandas: locked 0.0.1, installed {pandas}"]
    assert (result["matches"], result["n_checked"], result["not_installed"]) == (False, 2, 1)


def test_provenance_records_the_lock_hash_isa_and_match(tmp_path, seeds_dir):
    from textlab.study.config import load_study_config
    from textlab.study.run import run_study
    from textlab.study.steps import get_step

    folder = tmp_path / "study"
    shutil.copytree(seeds_dir, folder)
    lock = folder / "requirements.lock"
    lock.write_text(f"numpy=={metadata.version('numpy')}\nscipy==0.0.1\n")
    config = load_study_config(folder / "study.toml")
    record = environment_record(config)
    assert record["requirements_lock"] == str(lock.resolve())
    assert record["requirements_lock_sha256"] == hashlib.sha256(lock.read_bytes()).hexdigest()
    tomotopy = pytest.importorskip("tomotopy")
    assert record["tomotopy_isa"] == tomotopy.isa
    assert record["matches_lock"] is False and record["differ"][0].startswith("scipy: locked 0.0.1")
    result = run_study(config, steps=[get_step("corpus")])
    assert result.provenance["environment"]["requirements_lock_sha256"] == record["requirements_lock_sha256"]
    line = environment_line(result.provenance["environment"])
    assert "class='caveat'" in line and "scipy: locked 0.0.1" in line and tomotopy.isa in line
    lock.write_text(f"numpy=={metadata.version('numpy')}\n")
    same = environment_record(config)
    assert same["matches_lock"] is True and "match" in environment_line(same) and "caveat" not in environment_line(same)


def test_the_repository_lock_matches_this_environment(repo_root):
    record = environment_record()
    assert record["requirements_lock"] == str(repo_root / "requirements.lock")
    assert record["n_checked"] > 50
