"""Atomic writes leave either the old file or the complete new one, never a partial file."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from textlab._io import atomic_directory, atomic_write, sha256_file, write_csv


def test_atomic_write_replaces_only_on_success(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(target) as handle:
            handle.write("half of the new")
            raise KeyboardInterrupt
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]  # no temp file left
    with atomic_write(target) as handle:
        handle.write("new")
    assert target.read_text() == "new"


def test_atomic_directory_keeps_old_folder_on_failure(tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    (out / "a.csv").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_directory(out) as tmp:
            (tmp / "b.csv").write_text("partial")
            raise RuntimeError("boom")
    assert sorted(p.name for p in out.iterdir()) == ["a.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]
    with atomic_directory(out) as tmp:
        (tmp / "b.csv").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["b.csv"]


def test_write_csv_round_trip_and_hash(tmp_path):
    table = pd.DataFrame({"term": ["aws", "huawei"], "z": [1.5, -2.25]})
    path = write_csv(table, tmp_path / "t.csv")
    assert pd.read_csv(path).equals(table)
    assert sha256_file(path) == hashlib.sha256(path.read_bytes()).hexdigest()
