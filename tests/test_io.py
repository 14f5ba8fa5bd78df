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


def test_iter_parquet_batches_regroups_exactly_and_keeps_memory_flat(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from textlab._io import iter_parquet_batches

    path = tmp_path / "t.parquet"
    table = pa.table({"doc_id": [f"d{i}" for i in range(10)], "tokens": ["a b"] * 10})
    pq.write_table(table, path, row_group_size=3)
    reader = pq.ParquetFile(path)
    per_group = list(iter_parquet_batches(reader, 4))
    assert [b.num_rows for b in per_group] == [3, 3, 3, 1]  # never across row groups
    exact = list(iter_parquet_batches(reader, 4, ["doc_id"], exact=True))
    assert [t.num_rows for t in exact] == [4, 4, 2]
    assert [x for t in exact for x in t.column("doc_id").to_pylist()] == table.column("doc_id").to_pylist()

    # memory: ParquetFile.iter_batches over a whole file pre-buffers (and keeps) every row group it
    # reads, so the Arrow memory in use reaches the size of the file; per row group it stays at one group
    import os
    import random

    rng = random.Random(0)
    words = [f"w{i}" for i in range(5000)]
    big = tmp_path / "big.parquet"
    texts = [" ".join(rng.choices(words, k=40)) for _ in range(100 * 200)]
    pq.write_table(pa.table({"tokens": texts}), big, row_group_size=200)
    base, peak = pa.total_allocated_bytes(), 0
    for _ in iter_parquet_batches(pq.ParquetFile(big), 200, ["tokens"]):
        peak = max(peak, pa.total_allocated_bytes() - base)
    assert peak < os.path.getsize(big) / 5
