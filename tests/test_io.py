"""Atomic writes leave either the old file or the complete new one, never a partial file."""

from __future__ import annotations

import errno
import hashlib
import os

import pandas as pd
import pytest

from textlab._errors import OutputError
from textlab._io import OUTPUT_MARKER, _umask, atomic_directory, atomic_write, check_output_directory, sha256_file, write_csv


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
    with atomic_directory(out) as tmp:  # a first run: textlab's own folder, marked as such
        (tmp / "a.csv").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_directory(out) as tmp:
            (tmp / "b.csv").write_text("partial")
            raise RuntimeError("boom")
    assert sorted(p.name for p in out.iterdir()) == [OUTPUT_MARKER, "a.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]
    with atomic_directory(out) as tmp:
        (tmp / "b.csv").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == [OUTPUT_MARKER, "b.csv"]
    assert oct(out.stat().st_mode & 0o777) == oct(0o777 & ~_umask())  # not mkdtemp's private 0700
    assert oct((out / "b.csv").stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def test_output_folder_never_replaces_user_files_or_inputs(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(OutputError, match="files textlab did not write"):
        with atomic_directory(mine):
            pass
    assert (mine / "notes.txt").read_text() == "keep me"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("text")
    for bad in (corpus, tmp_path):  # the input itself, or a folder holding it
        with pytest.raises(OutputError, match="input"):
            check_output_directory(bad, inputs=[corpus])
    afile = tmp_path / "afile.txt"
    afile.write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        check_output_directory(afile)
    with pytest.raises(OutputError, match="root"):
        check_output_directory("/")
    with pytest.raises(OutputError, match="is a folder"):
        with atomic_write(mine):
            pass
    assert check_output_directory(tmp_path / "new") == (tmp_path / "new").resolve()  # new folders are fine
    (tmp_path / "empty").mkdir()
    check_output_directory(tmp_path / "empty")  # and empty ones


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


def test_added_files_in_a_textlab_folder_block_its_replacement(tmp_path, monkeypatch):
    out = tmp_path / "figs"
    with atomic_directory(out) as tmp:
        (tmp / "a.png").write_text("x")
    (out / "my_notes.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"my_notes\.txt.*move them out"):
        check_output_directory(out)
    (out / "my_notes.txt").unlink()
    check_output_directory(out)  # only textlab's own files: fine to replace
    afile = tmp_path / "README.md"
    afile.write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        check_output_directory(afile / "x")
    monkeypatch.chdir(out)
    with pytest.raises(OutputError, match="current folder"):
        check_output_directory(".")


def test_output_file_never_overwrites_an_input(tmp_path):
    from textlab._io import check_output_file

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    config = tmp_path / "study.toml"
    config.write_text("x")
    inputs = (config, corpus)
    for bad in (config, corpus / "report.html", corpus):
        with pytest.raises(OutputError, match="input"):
            check_output_file(bad, inputs=inputs, default_name="report.html")
    assert check_output_file(str(tmp_path / "new") + "/", inputs=inputs, default_name="r.html") == tmp_path / "new" / "r.html"
    assert check_output_file(tmp_path, inputs=inputs, default_name="r.html") == tmp_path / "r.html"


def test_a_killed_swap_is_rolled_back_and_debris_removed(tmp_path):
    import warnings

    from textlab._errors import TextlabWarning
    from textlab._io import OUTPUT_MARKER, atomic_directory

    out = tmp_path / "out"
    with atomic_directory(out) as tmp:
        (tmp / "a.csv").write_text("old\n")
    # a run killed between the two renames of a two-step swap, plus a left-over temporary folder
    os.replace(out, tmp_path / ".out.old")
    (tmp_path / ".out.x1.tmp").mkdir()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with atomic_directory(out) as tmp:
            assert (out / "a.csv").read_text() == "old\n"  # restored before the new run writes
            (tmp / "a.csv").write_text("new\n")
    assert any(issubclass(w.category, TextlabWarning) and "restored" in str(w.message) for w in caught)
    assert (out / "a.csv").read_text() == "new\n" and (out / OUTPUT_MARKER).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_two_runs_on_one_folder_do_not_race(tmp_path):
    from textlab._errors import OutputError
    from textlab._io import atomic_directory

    out = tmp_path / "out"
    with atomic_directory(out) as tmp:
        (tmp / "a.csv").write_text("1\n")
        with pytest.raises(OutputError, match="another textlab run"):
            with atomic_directory(out):
                pass
    assert (out / "a.csv").read_text() == "1\n"


def test_a_file_saved_into_out_during_the_run_is_never_deleted(tmp_path):
    from textlab._errors import OutputError
    from textlab._io import atomic_directory

    out = tmp_path / "out"
    with atomic_directory(out) as tmp:
        (tmp / "a.csv").write_text("old\n")
    with pytest.raises(OutputError, match="added to this folder during the run") as info:
        with atomic_directory(out) as tmp:
            (tmp / "a.csv").write_text("new\n")
            (out / "my_notes.txt").write_text("mine\n")  # the user saves a file mid-run
    assert (out / "my_notes.txt").read_text() == "mine\n" and (out / "a.csv").read_text() == "old\n"
    assert (tmp_path / "out.new" / "a.csv").read_text() == "new\n"
    assert str(tmp_path / "out.new") in str(info.value)


def test_a_full_disk_is_reported_before_any_work(tmp_path, monkeypatch):
    import tempfile

    from textlab._io import atomic_directory

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(tempfile, "mkstemp", full)
    ran = []
    with pytest.raises(OutputError, match=r"results: cannot write here \(No space left on device\)"):
        with atomic_directory(tmp_path / "results"):
            ran.append(1)
    assert ran == []


def test_ctrl_c_while_the_old_output_is_deleted_says_the_new_output_is_in_place(tmp_path, monkeypatch):
    import shutil

    import textlab._io as io

    out = tmp_path / "results"
    with atomic_directory(out) as tmp:
        (tmp / "a.csv").write_text("old\n")
    real = shutil.rmtree

    def interrupted(path, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(io.shutil, "rmtree", interrupted)
    with pytest.raises(KeyboardInterrupt, match="written in full"):
        with atomic_directory(out) as tmp:
            (tmp / "a.csv").write_text("new\n")
    assert (out / "a.csv").read_text() == "new\n"  # the new output is whole
    monkeypatch.setattr(io.shutil, "rmtree", real)
    with atomic_directory(out) as tmp:  # the next run removes the previous output's leftovers
        (tmp / "a.csv").write_text("third\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]
